package data_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/data"
	"gridgov/data/pgtest"
	"gridgov/dispatch"
	"gridgov/geo"
)

// A river town on codes and coordinates no other test uses: a river runs east–west between a south bank road
// and a north bank road, 200 m apart, joined only by a bridge 1 km east. A worker on the south bank has one task
// just across the river and one 300 m east along the bank: in a straight line the one across the river is
// nearer and comes first; on the roads it is 2.2 km away, so the one along the bank comes first.
const (
	rivLon, rivLat = 100.0, 30.0
	mLon           = 1 / (111_194.93 * 0.8660254) // degrees of longitude per metre at 30° N
	mLat           = 1 / 111_194.93
	riverGrid      = "370781998001001"
)

func riverPoint(x, y float64) orb.Point { return orb.Point{rivLon + x*mLon, rivLat + y*mLat} }

func line(pts ...orb.Point) string {
	s := `{"type":"LineString","coordinates":[`
	for i, p := range pts {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf("[%.9f,%.9f]", p[0], p[1])
	}
	return s + "]}"
}

func riverRoads(t *testing.T, db data.DB) {
	t.Helper()
	mustImport(t, db, geo.LevelRoad, collection(
		feat{code: "RIV-S", name: "南岸路", geom: line(riverPoint(-200, 0), riverPoint(1000, 0)), extra: `"class":"secondary"`},
		feat{code: "RIV-B", name: "大桥", geom: line(riverPoint(1000, 0), riverPoint(1000, 200)), extra: `"class":"primary"`},
		feat{code: "RIV-N", name: "北岸路", geom: line(riverPoint(1000, 200), riverPoint(-200, 200)), extra: `"class":"secondary"`},
	))
}

func riverField(t *testing.T, g *dispatch.RoadGraph) (*dispatch.Field, dispatch.Actor) {
	t.Helper()
	cover := orb.MultiPolygon{{{riverPoint(-500, -500), riverPoint(1500, -500), riverPoint(1500, 700),
		riverPoint(-500, 700), riverPoint(-500, -500)}}}
	loc, err := geo.NewLocator([]geo.Unit{{Level: geo.LevelGrid, Code: riverGrid, Name: "河畔网格", Geometry: cover}})
	require.NoError(t, err)
	places := &dispatch.Places{}
	places.Store(&dispatch.Directory{Locator: loc})
	tasks := dispatch.NewTaskIndex()
	across, along := riverPoint(0, 215), riverPoint(300, -15)
	tasks.Load([]dispatch.FieldTask{
		{ID: 1, Lon: across[0], Lat: across[1], Status: dispatch.StatusHeard, Unit: riverGrid},
		{ID: 2, Lon: along[0], Lat: along[1], Status: dispatch.StatusHeard, Unit: riverGrid},
	})
	f := dispatch.NewField(places, tasks)
	f.SetRoads(g)
	return f, dispatch.Actor{Role: dispatch.RoleGridWorker, Unit: riverGrid, Subject: "S-river"}
}

func TestRoadTopologyAndRoadOrder(t *testing.T) {
	ctx := context.Background()
	tx := pgtest.Tx(t)
	riverRoads(t, tx)

	// The import's trigger gave every road its nodes: the bridge joins both bank roads.
	var nodes, untopo int
	require.NoError(t, tx.QueryRow(ctx, `SELECT count(DISTINCT n), count(*) FILTER (WHERE n IS NULL)
		FROM roads r CROSS JOIN LATERAL (VALUES (r.source), (r.target)) v (n) WHERE r.code LIKE 'RIV-%'`).Scan(&nodes, &untopo))
	assert.Equal(t, 4, nodes)
	assert.Zero(t, untopo)
	var bridgeS, bridgeT, southT, northS int64
	require.NoError(t, tx.QueryRow(ctx, `SELECT (SELECT source FROM roads WHERE code = 'RIV-B'),
		(SELECT target FROM roads WHERE code = 'RIV-B'), (SELECT target FROM roads WHERE code = 'RIV-S'),
		(SELECT source FROM roads WHERE code = 'RIV-N')`).Scan(&bridgeS, &bridgeT, &southT, &northS))
	assert.Equal(t, southT, bridgeS)
	assert.Equal(t, northS, bridgeT)

	store := data.NewFieldStore(tx)
	g, err := store.RoadGraph(ctx)
	require.NoError(t, err)
	f, worker := riverField(t, g)
	now := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
	at := riverPoint(0, -10)

	straight, err := f.Route(dispatch.FieldQuery{Actor: worker, At: at, K: 2, Method: dispatch.MethodStraight, Now: now})
	require.NoError(t, err)
	assert.Equal(t, dispatch.MethodStraight, straight.Method)
	assert.Equal(t, []int64{1, 2}, stopIDs(straight), "in a straight line the task across the river comes first")

	road, err := f.Route(dispatch.FieldQuery{Actor: worker, At: at, K: 2, Now: now, Geometry: true})
	require.NoError(t, err)
	require.Equal(t, dispatch.MethodRoad, road.Method)
	assert.Equal(t, []int64{2, 1}, stopIDs(road), "on the roads the task along the bank comes first")
	// 300 m east along the bank, then 700 m on to the bridge, 200 m over it and 1,000 m back west; the walks
	// to and from the roads are 10, 15 + 15 and 15 m.
	// (PostGIS measures road lengths on the spheroid, this test's metres on a sphere: 0.2 % apart here.)
	assert.InEpsilon(t, 10+300+15, road.Stops[0].LegM, 0.003)
	assert.InEpsilon(t, 15+700+200+1000+15, road.Stops[1].LegM, 0.003)
	assert.InDelta(t, road.Stops[0].LegM+road.Stops[1].LegM, road.TotalM, 1e-6)
	secondary, primary := 18/3.6, 20/3.6
	assert.InEpsilon(t, 25/dispatch.SnapSpeed+300/secondary, road.Stops[0].EtaS, 0.003)
	assert.InEpsilon(t, road.Stops[0].EtaS+30/dispatch.SnapSpeed+1700/secondary+200/primary, road.Stops[1].EtaS, 0.003)
	require.Len(t, road.Legs, 2)
	last := road.Legs[1]
	assert.Equal(t, roundPoint(riverPoint(0, 215)), roundPoint(last[len(last)-1]))
	crossed := false
	for _, p := range last {
		crossed = crossed || math.Abs(p[0]-riverPoint(1000, 0)[0]) < 1e-9
	}
	assert.True(t, crossed, "the drawn leg goes over the bridge: %v", last)

	// pgRouting over the same road_edges gives the same node-to-node costs as the in-process graph.
	ids := []int64{bridgeS, bridgeT, southT, northS}
	rows, err := tx.Query(ctx, `SELECT source FROM roads WHERE code LIKE 'RIV-%' UNION SELECT target FROM roads WHERE code LIKE 'RIV-%'`)
	require.NoError(t, err)
	ids = ids[:0]
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	pgr, err := store.PgrCostMatrix(ctx, ids)
	require.NoError(t, err)
	mine := g.NodeMatrix(ids)
	for i := range ids {
		for j := range ids {
			assert.InDelta(t, pgr[i][j], mine[i][j], 1e-6, "%d → %d", ids[i], ids[j])
		}
	}

	// A road moved by a new import loses its old nodes and gets new ones.
	mustImport(t, tx, geo.LevelRoad, collection(
		feat{code: "RIV-B", name: "大桥", geom: line(riverPoint(500, 0), riverPoint(500, 200)), extra: `"class":"primary"`}))
	var moved *int64
	require.NoError(t, tx.QueryRow(ctx, `SELECT source FROM roads WHERE code = 'RIV-B'`).Scan(&moved))
	require.NotNil(t, moved)
	assert.NotEqual(t, bridgeS, *moved)
}

func TestRouteFallsBackToStraightOffRoad(t *testing.T) {
	ctx := context.Background()
	tx := pgtest.Tx(t)
	riverRoads(t, tx)
	g, err := data.NewFieldStore(tx).RoadGraph(ctx)
	require.NoError(t, err)
	f, worker := riverField(t, g)
	// 450 m south of the south bank road: farther than MaxSnapM from every road.
	r, err := f.Route(dispatch.FieldQuery{Actor: worker, At: riverPoint(0, -450), K: 2, Now: time.Now()})
	require.NoError(t, err)
	assert.Equal(t, dispatch.MethodStraight, r.Method)
	assert.Equal(t, "off_road", r.Fallback)
	assert.Len(t, r.Stops, 2)
}

func stopIDs(p dispatch.FieldPlan) []int64 {
	var out []int64
	for _, s := range p.Stops {
		out = append(out, s.Task.ID)
	}
	return out
}

func roundPoint(p orb.Point) orb.Point {
	r := func(v float64) float64 { return math.Round(v*1e9) / 1e9 }
	return orb.Point{r(p[0]), r(p[1])}
}

func TestOpenTasks(t *testing.T) {
	ctx := context.Background()
	tx := pgtest.Tx(t)
	tasks, err := data.NewFieldStore(tx).OpenTasks(ctx)
	require.NoError(t, err)
	for _, tk := range tasks {
		assert.True(t, tk.Status.Open(), "case %d is %s", tk.ID, tk.Status)
	}
}
