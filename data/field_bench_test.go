package data_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/stretchr/testify/require"

	"gridgov/data"
	"gridgov/data/pgtest"
	"gridgov/dispatch"
)

// demoBox is the demo city's extent (Qingzhou's urban area).
var demoBox = orb.Bound{Min: orb.Point{118.4391, 36.6699}, Max: orb.Point{118.5209, 36.7244}}

func randomPoint(rng *rand.Rand) orb.Point {
	return orb.Point{demoBox.Min[0] + rng.Float64()*(demoBox.Max[0]-demoBox.Min[0]),
		demoBox.Min[1] + rng.Float64()*(demoBox.Max[1]-demoBox.Min[1])}
}

// BenchmarkFieldNearest finds the 10 nearest of 100,000 open tasks spread over the demo city's extent, in 64
// communities of 8 grids, two ways side by side:
//
//	memory      dispatch.TaskIndex.Nearest (bucket grid, rings outwards)
//	postgis     one prepared KNN query through pgx on a GiST-indexed geography column:
//	            SELECT id FROM bench_tasks ORDER BY g <-> $1::geography LIMIT 10
//	postgis-geometry  the same on a geometry column: planar distance in degrees, so not quite the same answers
//	            (a degree of longitude is shorter than one of latitude), but the cheapest KNN PostGIS has
//
// and the same restricted to one community (a chief's reach: unit LIKE 'code%') from points inside it. The postgis lines report how
// many times slower they are than memory (x_memory). Both give the same tasks (checked first on 200 points).
// Run: REQUIRE_TEST_DB=1 go test -run '^$' -bench FieldNearest ./data/
func BenchmarkFieldNearest(b *testing.B) {
	const n, k = 100_000, 10
	ctx := context.Background()
	pool := pgtest.Pool(b)
	conn, err := pool.Acquire(ctx)
	require.NoError(b, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, `CREATE TEMP TABLE bench_tasks (id bigint PRIMARY KEY, unit text NOT NULL,
		g geography(Point, 4326) NOT NULL, geom geometry(Point, 4326) GENERATED ALWAYS AS (g::geometry) STORED)`)
	require.NoError(b, err)
	defer conn.Exec(ctx, `DROP TABLE IF EXISTS bench_tasks`) //nolint:errcheck
	rng := rand.New(rand.NewPCG(11, 12))
	tasks := make([]dispatch.FieldTask, n)
	rows := make([][]any, n)
	for i := range tasks {
		p := randomPoint(rng)
		// Places by position: 4 streets west to east, 16 communities each south to north, 8 grids each.
		fx := (p[0] - demoBox.Min[0]) / (demoBox.Max[0] - demoBox.Min[0])
		fy := (p[1] - demoBox.Min[1]) / (demoBox.Max[1] - demoBox.Min[1])
		street, comm, grid := min(int(fx*4), 3), min(int(fy*16), 15), min(int(fx*32)%8, 7)
		unit := fmt.Sprintf("370781%03d%03d%03d", 1+street, 1+comm, 1+grid)
		tasks[i] = dispatch.FieldTask{ID: int64(i + 1), Lon: p[0], Lat: p[1], Status: dispatch.StatusHeard, Unit: unit}
		pt, err := wkb.Marshal(p)
		require.NoError(b, err)
		rows[i] = []any{int64(i + 1), unit, pt}
	}
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"bench_tasks"}, []string{"id", "unit", "g"}, pgx.CopyFromRows(rows))
	require.NoError(b, err)
	_, err = conn.Exec(ctx, `CREATE INDEX ON bench_tasks USING gist (g); CREATE INDEX ON bench_tasks USING gist (geom); CREATE INDEX ON bench_tasks (unit text_pattern_ops); ANALYZE bench_tasks`)
	require.NoError(b, err)
	x := dispatch.NewTaskIndex()
	x.Load(tasks)

	const all = `SELECT id FROM bench_tasks ORDER BY g <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography LIMIT 10`
	const allGeom = `SELECT id FROM bench_tasks ORDER BY geom <-> ST_SetSRID(ST_MakePoint($1, $2), 4326) LIMIT 10`
	const unit = `SELECT id FROM bench_tasks WHERE unit LIKE $3 || '%'
		ORDER BY g <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography LIMIT 10`
	community := "370781002009"
	inCommunity := func(t *dispatch.FieldTask) bool { return len(t.Unit) >= 12 && t.Unit[:12] == community }
	pts := make([]orb.Point, 1024)
	for i := range pts {
		pts[i] = randomPoint(rng)
	}
	// A chief inside the community: 370781002009 is street 2 (x 0.25–0.5 of the extent), community 9 (y 8/16–9/16).
	inside := make([]orb.Point, 1024)
	for i := range inside {
		inside[i] = orb.Point{demoBox.Min[0] + (0.25+0.25*rng.Float64())*(demoBox.Max[0]-demoBox.Min[0]),
			demoBox.Min[1] + (0.5+rng.Float64()/16)*(demoBox.Max[1]-demoBox.Min[1])}
	}
	query := func(q string, p orb.Point, args ...any) []int64 {
		rs, err := conn.Query(ctx, q, append([]any{p[0], p[1]}, args...)...)
		require.NoError(b, err)
		ids, err := pgx.CollectRows(rs, pgx.RowTo[int64])
		require.NoError(b, err)
		return ids
	}
	// Same answers (as sets: PostGIS measures on the sphere, the index in the tangent plane, so two tasks a
	// centimetre apart in distance may swap places).
	same, differ := 0, 0
	for i := range 200 {
		for _, c := range []struct {
			p    orb.Point
			q    string
			args []any
			keep func(*dispatch.FieldTask) bool
		}{{pts[i], all, nil, nil}, {inside[i], unit, []any{community}, inCommunity}, {pts[i], unit, []any{community}, inCommunity}} {
			p := c.p
			want := map[int64]bool{}
			for _, id := range query(c.q, p, c.args...) {
				want[id] = true
			}
			got := x.Nearest(p, k, c.keep)
			ok := len(got) == len(want)
			for _, g := range got {
				ok = ok && want[g.Task.ID]
			}
			if ok {
				same++
			} else {
				differ++
			}
		}
	}
	b.Logf("same %d nearest-10 sets of 600, %d differ", same, differ)
	require.LessOrEqual(b, differ, 2)

	var memNs, memUnitNs float64
	nsPerOp := func(b *testing.B) float64 { return float64(b.Elapsed().Nanoseconds()) / float64(b.N) }
	b.Run("memory", func(b *testing.B) {
		cpu := cpuClock()
		for i := 0; b.Loop(); i++ {
			if len(x.Nearest(pts[i&1023], k, nil)) != k {
				b.Fatal("short answer")
			}
		}
		memNs = nsPerOp(b)
		b.ReportMetric(float64(cpuClock()-cpu)/float64(b.N), "cpu_ns/op")
	})
	b.Run("postgis", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if len(query(all, pts[i&1023])) != k {
				b.Fatal("short answer")
			}
		}
		b.ReportMetric(nsPerOp(b)/memNs, "x_memory")
	})
	b.Run("postgis-geometry", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if len(query(allGeom, pts[i&1023])) != k {
				b.Fatal("short answer")
			}
		}
		b.ReportMetric(nsPerOp(b)/memNs, "x_memory")
	})
	b.Run("memory-community", func(b *testing.B) {
		cpu := cpuClock()
		for i := 0; b.Loop(); i++ {
			if len(x.Nearest(inside[i&1023], k, inCommunity)) != k {
				b.Fatal("short answer")
			}
		}
		memUnitNs = nsPerOp(b)
		b.ReportMetric(float64(cpuClock()-cpu)/float64(b.N), "cpu_ns/op")
	})
	b.Run("postgis-community", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if len(query(unit, inside[i&1023], community)) != k {
				b.Fatal("short answer")
			}
		}
		b.ReportMetric(nsPerOp(b)/memUnitNs, "x_memory")
	})
}

// cpuClock is the CPU time this process has used, in nanoseconds: on a machine shared with other work the wall
// time of a CPU-bound loop overstates its cost, so the in-memory variants report both.
func cpuClock() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkRoadMatrix computes the road travel-cost matrix between the road nodes nearest to random points of the
// demo city (a worker and 10 or 30 tasks), two ways side by side:
//
//	pgrouting   pgr_dijkstraCostMatrix over the road_edges view, through pgx
//	memory      dispatch.RoadGraph.NodeMatrix, Dijkstra in process over the graph built from the same view
//	snapped     dispatch.RoadGraph: snapping the points to their nearest edge and the matrix between them, as a
//	            route request does
//
// Both give the same costs (checked first). It also logs what building the graph from the database costs.
// Run: REQUIRE_TEST_DB=1 go test -run '^$' -bench RoadMatrix ./data/
func BenchmarkRoadMatrix(b *testing.B) {
	ctx := context.Background()
	pool := demoDB(b)
	store := data.NewFieldStore(pool)
	g, err := store.RoadGraph(ctx)
	require.NoError(b, err)
	b.Logf("demo city: %d road edges", g.Edges())
	rng := rand.New(rand.NewPCG(21, 22))
	for _, n := range []int{11, 31} {
		pts := make([]orb.Point, 0, n)
		for len(pts) < n { // positions within MaxSnapM of a road, as road routing needs
			if p := randomPoint(rng); func() bool { _, ok := g.Snap(p); return ok }() {
				pts = append(pts, p)
			}
		}
		near, err := store.NearestRoadNodes(ctx, pts)
		require.NoError(b, err)
		var nodes []int64 // distinct: two points may share their nearest node
		for _, id := range near {
			if !slices.Contains(nodes, id) {
				nodes = append(nodes, id)
			}
		}
		pgr, err := store.PgrCostMatrix(ctx, nodes)
		require.NoError(b, err)
		mine := g.NodeMatrix(nodes)
		for i := range nodes {
			for j := range nodes {
				require.False(b, math.IsInf(pgr[i][j], 1))
				require.InDelta(b, pgr[i][j], mine[i][j], 1e-6*pgr[i][j]+1e-9, "%d → %d", nodes[i], nodes[j])
			}
		}
		snaps := make([]dispatch.Snap, n)
		var memNs float64
		b.Run(fmt.Sprintf("pgrouting-%d", n), func(b *testing.B) {
			var start float64
			for b.Loop() {
				if _, err := store.PgrCostMatrix(ctx, nodes); err != nil {
					b.Fatal(err)
				}
			}
			start = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(start/1e6, "ms/matrix")
		})
		b.Run(fmt.Sprintf("memory-%d", n), func(b *testing.B) {
			for b.Loop() {
				g.NodeMatrix(nodes)
			}
			memNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(memNs/1e6, "ms/matrix")
		})
		b.Run(fmt.Sprintf("snapped-%d", n), func(b *testing.B) {
			for b.Loop() {
				for i, p := range pts {
					s, ok := g.Snap(p)
					if !ok {
						b.Fatal("no road near", p)
					}
					snaps[i] = s
				}
				if _, _, ok := g.Matrix(snaps); !ok {
					b.Fatal("unreachable")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/matrix")
		})
	}
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.RoadGraph(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/graph")
	})
}
