package dispatch

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/geo"
)

func randomTasks(rng *rand.Rand, n int) []FieldTask {
	units := []string{"370781001001001", "370781001001002", "370781002003001", "370781006033004"}
	statuses := []Status{StatusReported, StatusHeard, StatusDispatched, StatusInProgress}
	out := make([]FieldTask, n)
	for i := range out {
		out[i] = FieldTask{ID: int64(i + 1), Lon: 118.44 + 0.08*rng.Float64(), Lat: 36.66 + 0.07*rng.Float64(),
			Status: statuses[rng.IntN(len(statuses))], Unit: units[rng.IntN(len(units))], Urgency: "normal"}
	}
	return out
}

// scanNearest is the obvious answer: every task, sorted by distance then id.
func scanNearest(tasks []FieldTask, p orb.Point, k int, keep func(*FieldTask) bool) []int64 {
	type d struct {
		id int64
		m  float64
	}
	const rad = math.Pi / 180
	kx, ky := earthRadius*rad*math.Cos(p[1]*rad), earthRadius*rad
	var all []d
	for i := range tasks {
		t := &tasks[i]
		if keep == nil || keep(t) {
			all = append(all, d{t.ID, math.Hypot((t.Lon-p[0])*kx, (t.Lat-p[1])*ky)})
		}
	}
	slices.SortFunc(all, func(a, b d) int {
		if c := cmpFloat(a.m, b.m); c != 0 {
			return c
		}
		return cmpInt64(a.id, b.id)
	})
	var ids []int64
	for i := 0; i < k && i < len(all); i++ {
		ids = append(ids, all[i].id)
	}
	return ids
}

func ids(near []Near) []int64 {
	var out []int64
	for _, n := range near {
		out = append(out, n.Task.ID)
	}
	return out
}

func TestTaskIndexNearestEqualsScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	tasks := randomTasks(rng, 5000)
	x := NewTaskIndex()
	x.Load(tasks)
	require.Equal(t, 5000, x.Len())
	filters := map[string]func(*FieldTask) bool{
		"all":          nil,
		"one grid":     func(t *FieldTask) bool { return t.Unit == "370781006033004" },
		"dispatched":   func(t *FieldTask) bool { return t.Status == StatusDispatched },
		"nothing":      func(*FieldTask) bool { return false },
		"one far task": func(t *FieldTask) bool { return t.ID == 4321 },
	}
	for name, keep := range filters {
		for i := 0; i < 50; i++ {
			// Inside the area, and now and then far outside it.
			p := orb.Point{118.42 + 0.12*rng.Float64(), 36.64 + 0.11*rng.Float64()}
			if i%10 == 9 {
				p = orb.Point{117 + rng.Float64(), 35 + rng.Float64()}
			}
			k := 1 + rng.IntN(30)
			assert.Equal(t, scanNearest(tasks, p, k, keep), ids(x.Nearest(p, k, keep)), "%s at %v k=%d", name, p, k)
		}
	}
	// Updates: closing removes, reopening and moving re-adds.
	moved := tasks[10]
	x.Apply(Case{ID: tasks[0].ID, Status: StatusClosed}, Case{ID: moved.ID, Status: StatusHeard, Lon: 118.5, Lat: 36.7,
		GridCode: "370781009009009"})
	assert.Equal(t, 4999, x.Len())
	near := x.Nearest(orb.Point{118.5, 36.7}, 1, nil)
	require.Len(t, near, 1)
	assert.Equal(t, moved.ID, near[0].Task.ID)
	assert.Equal(t, "370781009009009", near[0].Task.Unit)
	assert.Zero(t, near[0].Metres)
	for _, n := range x.Nearest(orb.Point{tasks[0].Lon, tasks[0].Lat}, 100, nil) {
		assert.NotEqual(t, tasks[0].ID, n.Task.ID, "a closed case is no task")
	}
}

func TestHaversine(t *testing.T) {
	// One degree of latitude on the sphere.
	assert.InDelta(t, earthRadius*math.Pi/180, Haversine(orb.Point{118, 36}, orb.Point{118, 37}), 1e-6)
	assert.Zero(t, Haversine(orb.Point{118, 36}, orb.Point{118, 36}))
}

// square lays a road grid of n × n nodes spaced d degrees apart starting at o, node ids row by row from 1.
func squareRoads(o orb.Point, n int, d float64) []RoadEdge {
	var out []RoadEdge
	id := int64(0)
	node := func(i, j int) int64 { return int64(j*n + i + 1) }
	add := func(a, b orb.Point, na, nb int64) {
		id++
		l := planarMetres(a, b)
		out = append(out, RoadEdge{ID: id, Source: na, Target: nb, Cost: l / 5, ReverseCost: l / 5, LengthM: l,
			Line: orb.LineString{a, b}})
	}
	pt := func(i, j int) orb.Point { return orb.Point{o[0] + float64(i)*d, o[1] + float64(j)*d} }
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			if i+1 < n {
				add(pt(i, j), pt(i+1, j), node(i, j), node(i+1, j))
			}
			if j+1 < n {
				add(pt(i, j), pt(i, j+1), node(i, j), node(i, j+1))
			}
		}
	}
	return out
}

func TestRoadGraphGrid(t *testing.T) {
	o := orb.Point{118.48, 36.69}
	const d = 0.001
	g := NewRoadGraph(squareRoads(o, 5, d))
	require.Equal(t, 40, g.Edges())
	// Node matrix: Manhattan distances at 5 m/s.
	dx, dy := planarMetres(o, orb.Point{o[0] + d, o[1]}), planarMetres(o, orb.Point{o[0], o[1] + d})
	nm := g.NodeMatrix([]int64{1, 25, 7, 999})
	assert.InEpsilon(t, (4*dx+4*dy)/5, nm[0][1], 1e-4, "edge lengths vary a little with latitude")
	assert.InEpsilon(t, (1*dx+1*dy)/5, nm[0][2], 1e-4)
	assert.True(t, math.IsInf(nm[0][3], 1))

	// A point 20 m north of the middle of the bottom-left edge snaps to it.
	p := orb.Point{o[0] + d/2, o[1] + 20/(earthRadius*math.Pi/180)}
	s, ok := g.Snap(p)
	require.True(t, ok)
	assert.InDelta(t, 20, s.Metres, 0.01)
	assert.InDelta(t, 0.5, s.Frac, 1e-6)
	_, ok = g.Snap(orb.Point{o[0] - 0.01, o[1]})
	assert.False(t, ok, "900 m off the network")

	// Between two snapped points: along the roads plus the walks.
	q := orb.Point{o[0] + 2.5*d, o[1] + 2*d + 0.0002}
	sq, ok := g.Snap(q)
	require.True(t, ok)
	cost, metres, ok := g.Matrix([]Snap{s, sq})
	require.True(t, ok)
	road := 2*dx + 2*dy
	walk := s.Metres + sq.Metres
	assert.InDelta(t, 22.2, sq.Metres, 0.1)
	assert.InEpsilon(t, road+walk, metres[0][1], 1e-4)
	assert.InEpsilon(t, road/5+walk/SnapSpeed, cost[0][1], 1e-4)
	assert.InDelta(t, cost[0][1], cost[1][0], 1e-6)
	line := g.Path(s, sq)
	assert.Equal(t, p, line[0])
	assert.Equal(t, q, line[len(line)-1])
	var along float64
	for i := 1; i < len(line); i++ {
		along += planarMetres(line[i-1], line[i])
	}
	assert.InDelta(t, metres[0][1], along, 0.5, "the drawn route is as long as the measured one")

	// Two points on one edge: straight along it.
	s2, _ := g.Snap(orb.Point{o[0] + 0.8*d, o[1]})
	cost, metres, _ = g.Matrix([]Snap{s, s2})
	assert.InDelta(t, 0.3*dx+s.Metres, metres[0][1], 0.01)
	assert.InDelta(t, 0.3*dx/5+s.Metres/SnapSpeed, cost[0][1], 0.01)
}

func TestRoadGraphOneWay(t *testing.T) {
	o := orb.Point{118.48, 36.69}
	edges := squareRoads(o, 2, 0.001) // a square: 1-2 bottom, 1-3 left, 2-4 right, 3-4 top
	for i := range edges {
		if edges[i].Source == 1 && edges[i].Target == 2 {
			edges[i].ReverseCost = -1 // 2 → 1 closed
		}
	}
	g := NewRoadGraph(edges)
	nm := g.NodeMatrix([]int64{1, 2})
	dx, dy := planarMetres(o, orb.Point{o[0] + 0.001, o[1]}), planarMetres(o, orb.Point{o[0], o[1] + 0.001})
	assert.InEpsilon(t, dx/5, nm[0][1], 1e-4)
	assert.InEpsilon(t, (dx+2*dy)/5, nm[1][0], 1e-4, "against the one-way road: the long way round")
}

func fieldPlaces(t *testing.T) *Places {
	t.Helper()
	grid := geo.Unit{Code: "370781001001001", Level: geo.LevelGrid, Name: "一网格",
		Geometry: orb.MultiPolygon{{{{118.47, 36.68}, {118.49, 36.68}, {118.49, 36.70}, {118.47, 36.70}, {118.47, 36.68}}}}}
	loc, err := geo.NewLocator([]geo.Unit{grid})
	require.NoError(t, err)
	p := &Places{}
	p.Store(&Directory{Locator: loc, OrgsByUnit: map[string]Org{grid.Code: {Code: "P" + grid.Code, UnitCode: grid.Code}},
		OrgsByCode:  map[string]Org{"P" + grid.Code: {Code: "P" + grid.Code, UnitCode: grid.Code}},
		Departments: map[string]Department{"D01": {Code: "D01"}}})
	return p
}

func TestFieldRouteAndReach(t *testing.T) {
	now := time.Date(2026, 5, 6, 10, 0, 0, 0, time.UTC)
	o := orb.Point{118.475, 36.685}
	const d = 0.002
	x := NewTaskIndex()
	var tasks []FieldTask
	for i := 0; i < 8; i++ {
		tk := FieldTask{ID: int64(i + 1), Lon: o[0] + float64(i%4)*d, Lat: o[1] + float64(i/4)*d,
			Status: StatusHeard, Unit: "370781001001001", Urgency: "normal"}
		if i == 7 {
			tk.Urgency = "urgent"
		}
		if i == 6 {
			tk.DueAt = now.Add(-time.Hour)
		}
		if i == 5 {
			tk.Unit, tk.AssigneeCode = "370781002002002", "D01"
		}
		tasks = append(tasks, tk)
	}
	x.Load(tasks)
	f := NewField(fieldPlaces(t), x)
	worker := Actor{Role: RoleGridWorker, Unit: "370781001001001", Subject: "S1"}
	q := FieldQuery{Actor: worker, At: o, K: 10, Now: now}

	list, err := f.List(q)
	require.NoError(t, err)
	assert.Equal(t, MethodStraight, list.Method)
	require.Len(t, list.Stops, 7, "task 6 lies in another grid")
	assert.Equal(t, int64(1), list.Stops[0].Task.ID)
	for i := 1; i < len(list.Stops); i++ {
		assert.GreaterOrEqual(t, list.Stops[i].DistanceM, list.Stops[i-1].DistanceM)
	}

	// Without roads the route is straight and says why.
	r, err := f.Route(q)
	require.NoError(t, err)
	assert.Equal(t, MethodStraight, r.Method)
	assert.Equal(t, "no_roads", r.Fallback)
	f.SetRoads(NewRoadGraph(squareRoads(orb.Point{o[0] - d/2, o[1] - d/2}, 6, d)))
	r, err = f.Route(FieldQuery{Actor: worker, At: o, K: 10, Now: now, Geometry: true})
	require.NoError(t, err)
	assert.Equal(t, MethodRoad, r.Method)
	require.Len(t, r.Stops, 7)
	require.Len(t, r.Legs, 7)
	var sum float64
	for i, s := range r.Stops {
		sum += s.LegM
		assert.InDelta(t, sum, func() float64 {
			total := 0.0
			for _, s := range r.Stops[:i+1] {
				total += s.LegM
			}
			return total
		}(), 1e-6)
		assert.Greater(t, s.EtaS, 0.0)
	}
	assert.InDelta(t, sum, r.TotalM, 1e-6)

	// Urgent first: the urgent task 8 and the overdue task 7 lead.
	r, err = f.Route(FieldQuery{Actor: worker, At: o, K: 10, Now: now, UrgentFirst: true})
	require.NoError(t, err)
	lead := []int64{r.Stops[0].Task.ID, r.Stops[1].Task.ID}
	assert.ElementsMatch(t, []int64{7, 8}, lead)
	assert.True(t, r.Stops[0].Pressing && r.Stops[1].Pressing)
	// With k=1 and urgent first, the nearest pressing task even though others are nearer.
	r, err = f.Route(FieldQuery{Actor: worker, At: o, K: 1, Now: now, UrgentFirst: true, Method: MethodStraight})
	require.NoError(t, err)
	assert.Equal(t, int64(7), r.Stops[0].Task.ID)

	// A department sees what is assigned to it.
	r, err = f.List(FieldQuery{Actor: Actor{Role: RoleDepartment, Unit: "D01"}, At: o, K: 5, Now: now})
	require.NoError(t, err)
	require.Len(t, r.Stops, 1)
	assert.Equal(t, int64(6), r.Stops[0].Task.ID)

	// Who may not, and bad k.
	for _, a := range []Actor{{Role: RoleResident, Unit: "370781001001001"}, {Role: RolePlanner, Unit: "370781"},
		{Role: RoleOpen311, Unit: "370781"}} {
		_, err := f.List(FieldQuery{Actor: a, At: o, K: 5})
		assert.ErrorIs(t, err, ErrForbidden, a.Role)
	}
	_, err = f.List(FieldQuery{Actor: Actor{Role: RoleGridWorker, Unit: "370781009009"}, At: o, K: 5})
	assert.ErrorIs(t, err, ErrNoUnit)
	for _, k := range []int{0, -1, MaxFieldK + 1, 10_000} {
		_, err := f.Route(FieldQuery{Actor: worker, At: o, K: k})
		var fe *FieldError
		require.True(t, errors.As(err, &fe), "k=%d", k)
		assert.Equal(t, "k", fe.Field)
	}
}
