package data_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uber/h3-go/v4"

	"gridgov/data"
	"gridgov/data/demo"
	"gridgov/data/pgtest"
	"gridgov/geo"
)

// demoDB loads the demo city (seed 1) into a throwaway database and returns a pool on it.
func demoDB(t testing.TB) *data.Pool {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pool, err := data.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = data.Migrate(ctx, pool)
	require.NoError(t, err)
	city, err := demo.Generate(demo.Options{Seed: 1, Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Cases: 1})
	require.NoError(t, err)
	_, err = data.LoadCity(ctx, pool, city, false, nil)
	require.NoError(t, err)
	return pool
}

// storedUnits reads back every area unit whose code starts with prefix, page by page, exactly as PostGIS stores it.
func storedUnits(t testing.TB, db data.DB, prefix string) []geo.Unit {
	t.Helper()
	store := data.NewUnitStore(db)
	var out []geo.Unit
	after := ""
	for {
		page, err := store.Units(context.Background(), geo.UnitFilter{After: after, Limit: 2000})
		require.NoError(t, err)
		for _, u := range page.Units {
			if strings.HasPrefix(u.Code, prefix) {
				out = append(out, u)
			}
		}
		if page.Next == "" {
			return out
		}
		after = page.Next
	}
}

// testPoints draws n points over the units: 60 % uniform over their extent, 30 % within a metre of a random edge
// (a point of the segment moved along its normal by a distance uniform in [-1 m, 1 m], a fifth of them not moved
// at all), 10 % on a vertex, half of those moved by one to four ULPs in x, y or both.
func testPoints(units []geo.Unit, n int, seed uint64) []orb.Point {
	rng := rand.New(rand.NewPCG(seed, 11))
	var rings []orb.Ring
	ext := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for _, u := range units {
		for _, poly := range u.Geometry.(orb.MultiPolygon) {
			rings = append(rings, poly...)
			ext = ext.Union(poly.Bound())
		}
	}
	ext = ext.Pad(0.002)
	pts := make([]orb.Point, 0, n)
	for i := 0; i < n; i++ {
		r := rings[rng.IntN(len(rings))]
		k := rng.IntN(len(r) - 1)
		a, b := r[k], r[k+1]
		switch x := rng.IntN(10); {
		case x < 6:
			pts = append(pts, orb.Point{ext.Min[0] + rng.Float64()*(ext.Max[0]-ext.Min[0]),
				ext.Min[1] + rng.Float64()*(ext.Max[1]-ext.Min[1])})
		case x < 9:
			f := rng.Float64()
			if rng.IntN(8) == 0 {
				f = 0.5
			}
			p := orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}
			if rng.IntN(5) > 0 {
				kx, ky := 111320*math.Cos(p[1]*math.Pi/180), 110574.0
				ex, ey := (b[0]-a[0])*kx, (b[1]-a[1])*ky
				l := math.Hypot(ex, ey)
				o := rng.Float64()*2 - 1
				if l > 0 {
					p[0] += o * -ey / l / kx
					p[1] += o * ex / l / ky
				}
			}
			pts = append(pts, p)
		default:
			p := a
			if rng.IntN(2) == 0 {
				for range 1 + rng.IntN(4) {
					switch rng.IntN(3) {
					case 0:
						p[0] = math.Nextafter(p[0], math.Inf(rng.IntN(2)*2-1))
					case 1:
						p[1] = math.Nextafter(p[1], math.Inf(rng.IntN(2)*2-1))
					default:
						p[0] = math.Nextafter(p[0], math.Inf(rng.IntN(2)*2-1))
						p[1] = math.Nextafter(p[1], math.Inf(rng.IntN(2)*2-1))
					}
				}
			}
			pts = append(pts, p)
		}
	}
	return pts
}

// postgisAnswers asks PostGIS, set-based, for the lowest code of each level whose unit covers each point:
// answers[level][i] for pts[i], "" where none does.
func postgisAnswers(t *testing.T, db data.DB, prefix string, pts []orb.Point) map[geo.Level][]string {
	t.Helper()
	ctx := context.Background()
	_, err := db.Exec(ctx, `DROP TABLE IF EXISTS pg_temp.locator_pts;
		CREATE TEMP TABLE locator_pts (id int PRIMARY KEY, lon float8 NOT NULL, lat float8 NOT NULL,
			geom geometry(Point, 4326))`)
	require.NoError(t, err)
	rows := make([][]any, len(pts))
	for i, p := range pts {
		rows[i] = []any{int32(i), p[0], p[1]}
	}
	_, err = db.CopyFrom(ctx, pgx.Identifier{"locator_pts"}, []string{"id", "lon", "lat"}, pgx.CopyFromRows(rows))
	require.NoError(t, err)
	// Fresh statistics (also for units written in this transaction), so that the planner probes the units' GiST
	// index for each point rather than testing every unit against every point.
	_, err = db.Exec(ctx, `UPDATE locator_pts SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4326);
		ANALYZE locator_pts; ANALYZE units`)
	require.NoError(t, err)
	// One join answers all four levels: the same as one query per level
	//	SELECT p.id, min(u.code) FROM locator_pts p LEFT JOIN units u ON u.level = $1 AND ST_Covers(u.geom, p.geom)
	//	GROUP BY p.id
	// but with one index probe a point instead of four.
	out := map[geo.Level][]string{}
	for _, lv := range geo.AreaLevels {
		out[lv] = make([]string, len(pts))
	}
	rs, err := db.Query(ctx, `SELECT p.id, u.level, min(u.code) FROM locator_pts p
		JOIN units u ON starts_with(u.code, $1) AND ST_Covers(u.geom, p.geom)
		GROUP BY p.id, u.level`, prefix)
	require.NoError(t, err)
	for rs.Next() {
		var id int32
		var level, code string
		require.NoError(t, rs.Scan(&id, &level, &code))
		ans, ok := out[geo.Level(level)]
		require.True(t, ok, "level %q", level)
		require.Empty(t, ans[id], "point %d answered twice at %s", id, level)
		ans[id] = code
	}
	require.NoError(t, rs.Err())
	return out
}

// requireAgreement builds a Locator from the stored units and requires it to answer every point as PostGIS does,
// at every level; a few hundred points are also asked one by one, as the single-point query does.
func requireAgreement(t *testing.T, db data.DB, prefix string, npts int, seed uint64) {
	t.Helper()
	ctx := context.Background()
	units := storedUnits(t, db, prefix)
	require.NotEmpty(t, units)
	loc, err := geo.NewLocator(units)
	require.NoError(t, err)
	require.Equal(t, len(units), loc.Len())
	pts := testPoints(units, npts, seed)

	start := time.Now()
	want := postgisAnswers(t, db, prefix, pts)
	t.Logf("%d units, %d points: PostGIS answered in %v", len(units), len(pts), time.Since(start).Round(time.Millisecond))

	bad, covered, onBorder := 0, 0, 0
	for i, p := range pts {
		got := loc.Locate(p)
		for s, r := range []*geo.Ref{got.Street, got.Community, got.Grid, got.Building} {
			lv := geo.AreaLevels[s]
			code := ""
			if r != nil {
				code = r.Code
				covered++
			}
			if code != want[lv][i] {
				bad++
				if bad <= 10 {
					t.Errorf("%s at POINT(%.17g %.17g): locator %q, PostGIS %q (locator covering: %v)",
						lv, p[0], p[1], code, want[lv][i], loc.Covering(p, lv))
				}
			}
			if len(loc.Covering(p, lv)) > 1 {
				onBorder++
			}
		}
	}
	t.Logf("%d points × 4 levels: %d answers with a unit, %d on a border of several units, %d disagreements",
		len(pts), covered, onBorder, bad)
	require.Zero(t, bad, "the locator must agree with ST_Covers everywhere")

	// The single-point form gives the same answers as the set-based one.
	const single = `SELECT code FROM units WHERE level = $1 AND starts_with(code, $4)
		AND ST_Covers(geom, ST_SetSRID(ST_MakePoint($2, $3), 4326)) ORDER BY code LIMIT 1`
	for i := 0; i < len(pts); i += len(pts) / 300 {
		for _, lv := range geo.AreaLevels {
			var code string
			err := db.QueryRow(ctx, single, string(lv), pts[i][0], pts[i][1], prefix).Scan(&code)
			if err == pgx.ErrNoRows {
				err = nil
			}
			require.NoError(t, err)
			assert.Equal(t, want[lv][i], code, "%s at POINT(%.17g %.17g)", lv, pts[i][0], pts[i][1])
		}
	}
}

// TestLocatorAgreesWithPostGISDemo: the demo city, 120,000 points.
func TestLocatorAgreesWithPostGISDemo(t *testing.T) {
	pool := demoDB(t)
	requireAgreement(t, pool, "", 120_000, 1)

	// Nearest against PostGIS's geodesic distance, for points outside every grid.
	ctx := context.Background()
	loc, err := geo.NewLocator(storedUnits(t, pool, ""))
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(5, 5))
	checked, worst, farthest := 0, 0.0, 0.0
	for checked < 100 {
		p := orb.Point{118.40 + rng.Float64()*0.16, 36.64 + rng.Float64()*0.12}
		if loc.Locate(p).Grid != nil {
			continue
		}
		checked++
		ref, m, ok := loc.Nearest(p, geo.LevelGrid)
		require.True(t, ok)
		// The geodesic distance to the grid the locator chose, and to the nearest grid by PostGIS's reckoning.
		var geodesic, nearest float64
		require.NoError(t, pool.QueryRow(ctx, `SELECT
				(SELECT ST_Distance(geom::geography, ST_MakePoint($1, $2)::geography) FROM units WHERE code = $3),
				(SELECT min(ST_Distance(geom::geography, ST_MakePoint($1, $2)::geography)) FROM units WHERE level = 'grid')`,
			p[0], p[1], ref.Code).Scan(&geodesic, &nearest))
		assert.InDelta(t, geodesic, m, 0.5+geodesic*1e-3, "POINT(%v %v) to %s", p[0], p[1], ref.Code)
		assert.InDelta(t, nearest, geodesic, 0.5+nearest*1e-3, "POINT(%v %v): %s is not the nearest", p[0], p[1], ref.Code)
		worst, farthest = math.Max(worst, math.Abs(m-geodesic)/geodesic), math.Max(farthest, geodesic)
	}
	t.Logf("Nearest grid of 100 points outside coverage, up to %.0f m away: within %.4f %% of PostGIS's geodesic distance",
		farthest, worst*100)
}

// h3Layout builds a city of H3 cell outlines around Qingzhou under the unused county code 379900: streets from
// resolution-7 cells (one alone, the six around it as one street with a hole where the first lies, the outer
// twelve as four streets of three), communities from resolution-8 children (alone or unions of two, which may be
// multipolygons), grids from resolution-9 cells (alone or unions of three) and buildings from resolution-10 cells
// (alone, unions of two, and rings of six around a missing centre). Neighbouring outlines come from separate
// computations, so shared borders need not share their last bits.
func h3Layout(t testing.TB) []geo.Unit {
	t.Helper()
	must := func(err error) {
		t.Helper()
		require.NoError(t, err)
	}
	outline := func(cells []h3.Cell) orb.MultiPolygon {
		t.Helper()
		if len(cells) == 1 {
			b, err := h3.CellToBoundary(cells[0])
			must(err)
			r := make(orb.Ring, 0, len(b)+1)
			for _, v := range b {
				r = append(r, orb.Point{v.Lng, v.Lat})
			}
			return orb.MultiPolygon{{append(r, r[0])}}
		}
		polys, err := h3.CellsToMultiPolygon(cells)
		must(err)
		var mp orb.MultiPolygon
		for _, gp := range polys {
			var poly orb.Polygon
			for _, loop := range append([]h3.GeoLoop{gp.GeoLoop}, gp.Holes...) {
				r := make(orb.Ring, 0, len(loop)+1)
				for _, v := range loop {
					r = append(r, orb.Point{v.Lng, v.Lat})
				}
				poly = append(poly, append(r, r[0]))
			}
			mp = append(mp, poly)
		}
		return mp
	}
	var units []geo.Unit
	add := func(level geo.Level, code, parent string, cells []h3.Cell) {
		units = append(units, geo.Unit{Level: level, Code: code, Name: level.Chinese() + code[len(code)-3:],
			ParentCode: parent, Geometry: outline(cells)})
	}
	children := func(c h3.Cell) []h3.Cell {
		t.Helper()
		cs, err := c.ImmediateChildren()
		must(err)
		return cs
	}
	centre, err := h3.LatLngToCell(h3.NewLatLng(36.697, 118.480), 7)
	must(err)
	rings, err := centre.GridDiskDistances(2)
	must(err)
	streets := [][]h3.Cell{{centre}, rings[1]}
	for k := 0; k+2 < len(rings[2]); k += 3 {
		streets = append(streets, rings[2][k:k+3])
	}
	for si, scells := range streets {
		sCode := fmt.Sprintf("379900%03d", si+1)
		add(geo.LevelStreet, sCode, "379900", scells)
		cSeq := 0
		for _, s7 := range scells {
			c8 := children(s7)
			for _, group := range [][]h3.Cell{c8[:1], c8[1:3], c8[3:5], c8[5:]} {
				cSeq++
				cCode := fmt.Sprintf("%s%03d", sCode, cSeq)
				add(geo.LevelCommunity, cCode, sCode, group)
				gSeq := 0
				for _, c := range group {
					c9 := children(c)
					for _, ggroup := range [][]h3.Cell{c9[:1], c9[1:4], c9[4:5], c9[5:6], c9[6:]} {
						gSeq++
						gCode := fmt.Sprintf("%s%03d", cCode, gSeq)
						add(geo.LevelGrid, gCode, cCode, ggroup)
						bSeq := 0
						for gi, g := range ggroup {
							c10 := children(g)
							var bgroups [][]h3.Cell
							switch (gSeq + gi) % 3 {
							case 0:
								bgroups = [][]h3.Cell{c10[:1], c10[2:3], c10[4:5]}
							case 1:
								bgroups = [][]h3.Cell{c10[1:3], c10[5:6]}
							default:
								bgroups = [][]h3.Cell{c10[1:]} // a ring with a hole
							}
							for _, bg := range bgroups {
								bSeq++
								add(geo.LevelBuilding, fmt.Sprintf("%s%03d", gCode, bSeq), gCode, bg)
							}
						}
					}
				}
			}
		}
	}
	return units
}

// insertUnits writes units straight into the units table (no import checks: the H3 layout overlaps on purpose).
func insertUnits(t *testing.T, db data.DB, units []geo.Unit) {
	t.Helper()
	ctx := context.Background()
	rows := make([][]any, len(units))
	for i, u := range units {
		require.NoError(t, geo.CheckCode(u.Level, u.Code, u.ParentCode))
		b, err := wkb.Marshal(u.Geometry)
		require.NoError(t, err)
		rows[i] = []any{u.Code, string(u.Level), u.Name, u.ParentCode, b}
	}
	_, err := db.Exec(ctx,
		`CREATE TEMP TABLE locator_units (code text, level text, name text, parent_code text, wkb bytea)`)
	require.NoError(t, err)
	_, err = db.CopyFrom(ctx, pgx.Identifier{"locator_units"}, []string{"code", "level", "name", "parent_code", "wkb"},
		pgx.CopyFromRows(rows))
	require.NoError(t, err)
	tag, err := db.Exec(ctx, `INSERT INTO units (code, level, name, parent_code, geom, area_m2)
		SELECT code, level, name, parent_code, g, ST_Area(g::geography)
		FROM (SELECT code, level, name, parent_code, ST_Multi(ST_SetSRID(ST_GeomFromWKB(wkb), 4326)) AS g
			FROM locator_units) s`)
	require.NoError(t, err)
	require.EqualValues(t, len(units), tag.RowsAffected())
}

// TestLocatorAgreesWithPostGISH3: a differently made layout of H3 outlines, 120,000 points.
func TestLocatorAgreesWithPostGISH3(t *testing.T) {
	units := h3Layout(t)
	counts := map[geo.Level]int{}
	holes, multi := 0, 0
	for _, u := range units {
		counts[u.Level]++
		mp := u.Geometry.(orb.MultiPolygon)
		if len(mp) > 1 {
			multi++
		}
		for _, p := range mp {
			holes += len(p) - 1
		}
	}
	t.Logf("H3 layout: %v units, %d multipolygons, %d holes", counts, multi, holes)
	require.Positive(t, holes)
	require.Positive(t, multi)
	tx := pgtest.Tx(t)
	insertUnits(t, tx, units)
	requireAgreement(t, tx, "379900", 120_000, 2)
}
