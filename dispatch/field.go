package dispatch

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
)

// Field answers field staff: the nearest open tasks within their reach and the order to visit them in, on the
// roads where the road network reaches, in straight lines elsewhere. Everything is in memory: the task index
// (kept current from the live feed) and the road graph (rebuilt when roads change).
type Field struct {
	places *Places
	tasks  *TaskIndex
	roads  atomic.Pointer[RoadGraph]
}

// NewField returns the field service over the directory (for party organisations) and a task index.
func NewField(places *Places, tasks *TaskIndex) *Field {
	return &Field{places: places, tasks: tasks}
}

// Tasks is the index of open tasks.
func (f *Field) Tasks() *TaskIndex { return f.tasks }

// SetRoads replaces the road graph (nil: no roads, every route straight).
func (f *Field) SetRoads(g *RoadGraph) { f.roads.Store(g) }

// Roads is the current road graph, or nil.
func (f *Field) Roads() *RoadGraph { return f.roads.Load() }

// MaxFieldK is the most tasks one request may ask for; DefaultFieldK is what it gets without asking.
const (
	MaxFieldK     = 100
	DefaultFieldK = 10
)

// StraightSpeed is the speed, in m/s, at which a straight-line leg is timed: 12 km/h, which is 15 km/h (an
// e-bike on a branch road) over a road route about 1.25 times as long as the straight line.
const StraightSpeed = 12 / 3.6

// Methods of a route.
const (
	MethodRoad     = "road"
	MethodStraight = "straight"
)

// FieldQuery is one request for tasks or a route.
type FieldQuery struct {
	Actor       Actor
	At          orb.Point // the worker's position, WGS-84
	K           int
	Method      string   // "" or MethodRoad: roads where they reach; MethodStraight: straight lines
	UrgentFirst bool     // overdue and urgent tasks first
	Statuses    []Status // only these (open) statuses; empty: VisitStatuses
	AssignedMe  bool     // only tasks assigned to the actor's own unit (its party organisation) or department
	Geometry    bool     // with the legs' lines
	Now         time.Time
}

// FieldStop is one task on a list or route: the leg from the previous stop (or the worker) and the time of
// arrival counted from the start, without time spent at earlier stops.
type FieldStop struct {
	Task      FieldTask
	DistanceM float64 // straight from the worker
	LegM      float64
	EtaS      float64
	Overdue   bool
	Pressing  bool // overdue or urgent
}

// FieldPlan is the answer to a FieldQuery.
type FieldPlan struct {
	Stops  []FieldStop
	TotalM float64
	TotalS float64
	Method string
	// Fallback says why a road route was asked for but straight lines were given: "no_roads", "off_road"
	// (a position farther than MaxSnapM from every road) or "unreachable" (no road route between two positions).
	Fallback string
	Legs     []orb.LineString // with Geometry: one line per stop, from the previous position
}

// FieldRoles are the roles that may ask for field tasks: grid staff and dispatchers and admins within their
// unit, departments for the cases assigned to them.
var FieldRoles = []Role{RoleGridWorker, RoleGridChief, RoleDispatcher, RoleAdmin, RoleDepartment}

// reach returns the filter of the tasks the actor may be sent to, or an error when it has none: a role outside
// FieldRoles (ErrForbidden), a unit the directory does not know.
func (f *Field) reach(q FieldQuery) (func(*FieldTask) bool, error) {
	a := q.Actor
	if !slices.Contains(FieldRoles, a.Role) {
		return nil, fmt.Errorf("%w: a %s has no field tasks", ErrForbidden, a.Role)
	}
	if a.Unit == "" {
		return nil, fmt.Errorf("%w: a %s without a unit has no field tasks", ErrForbidden, a.Role)
	}
	dir := f.places.Load()
	var mine map[string]bool // assignee codes that are the actor's own
	inScope := func(t *FieldTask) bool { return false }
	switch a.Role {
	case RoleDepartment:
		if dir != nil && dir.Departments != nil {
			if _, ok := dir.Departments[a.Unit]; !ok {
				return nil, fmt.Errorf("%w: %s is not a known department", ErrNoUnit, truncate(a.Unit, maxCode))
			}
		}
		inScope = func(t *FieldTask) bool { return t.AssigneeCode == a.Unit }
		mine = map[string]bool{a.Unit: true}
	default:
		known := dir != nil && dir.Locator != nil
		if known {
			_, known = dir.Locator.Unit(a.Unit)
		}
		// Dispatchers and admins may hold a county code, which no stored unit carries but streets extend.
		county := (a.Role == RoleDispatcher || a.Role == RoleAdmin) && len(a.Unit) == 6 && dir != nil &&
			dir.Locator != nil && hasUnitUnder(dir, a.Unit)
		if !known && !county {
			return nil, fmt.Errorf("%w: %s is not a street, community, grid or compound gridgov knows",
				ErrNoUnit, truncate(a.Unit, maxCode))
		}
		var orgs map[string]Org
		if dir != nil {
			orgs = dir.OrgsByCode
			if o, ok := dir.OrgsByUnit[a.Unit]; ok {
				mine = map[string]bool{o.Code: true}
			}
		}
		// Within the unit by place, or assigned to a party organisation of a unit within it.
		inScope = func(t *FieldTask) bool {
			if t.Unit != "" && strings.HasPrefix(t.Unit, a.Unit) {
				return true
			}
			o, ok := orgs[t.AssigneeCode]
			return ok && strings.HasPrefix(o.UnitCode, a.Unit)
		}
	}
	statuses := q.Statuses
	if len(statuses) == 0 {
		statuses = VisitStatuses
	}
	return func(t *FieldTask) bool {
		if !inScope(t) {
			return false
		}
		if !slices.Contains(statuses, t.Status) {
			return false
		}
		return !q.AssignedMe || mine[t.AssigneeCode]
	}, nil
}

// VisitStatuses are the statuses whose cases need someone on the spot, the field routes' default: a report to
// check, a heard case to handle, a dispatched or started one to carry out, a resolved one to verify. Cases being
// deliberated or decided wait for the community's meeting, verified ones for the residents' rating, suspended ones
// for whatever suspended them; status= asks for them.
var VisitStatuses = []Status{StatusReported, StatusHeard, StatusDispatched, StatusInProgress, StatusResolved}

func hasUnitUnder(dir *Directory, prefix string) bool {
	for code := range dir.OrgsByUnit {
		if strings.HasPrefix(code, prefix) {
			return true
		}
	}
	return false
}

// ErrNoUnit means a token's unit is not one gridgov knows, so its holder has no tasks.
var ErrNoUnit = fmt.Errorf("%w: no such unit", ErrForbidden)

// choose picks the k tasks: the nearest, or with UrgentFirst the nearest pressing ones and then the nearest
// others.
func (f *Field) choose(q FieldQuery) ([]Near, error) {
	if q.K < 1 || q.K > MaxFieldK {
		return nil, invalid("k", "k %d: ask for 1 to %d tasks", q.K, MaxFieldK)
	}
	keep, err := f.reach(q)
	if err != nil {
		return nil, err
	}
	if !q.UrgentFirst {
		return f.tasks.Nearest(q.At, q.K, keep), nil
	}
	near := f.tasks.Nearest(q.At, q.K, func(t *FieldTask) bool { return t.Pressing(q.Now) && keep(t) })
	if rest := q.K - len(near); rest > 0 {
		near = append(near, f.tasks.Nearest(q.At, rest, func(t *FieldTask) bool {
			return !t.Pressing(q.Now) && keep(t)
		})...)
	}
	return near, nil
}

// List answers the nearest tasks in order of distance (pressing ones first with UrgentFirst), as a straight-line
// walk from the worker through them in that order.
func (f *Field) List(q FieldQuery) (FieldPlan, error) {
	near, err := f.choose(q)
	if err != nil {
		return FieldPlan{}, err
	}
	order := make([]int, len(near))
	for i := range order {
		order[i] = i + 1
	}
	return f.straightPlan(q, near, order), nil
}

// Route answers the nearest tasks in the order that reaches them all soonest: an open path from the worker, on
// the roads unless q.Method is straight or the roads do not serve every position.
func (f *Field) Route(q FieldQuery) (FieldPlan, error) {
	near, err := f.choose(q)
	if err != nil {
		return FieldPlan{}, err
	}
	var first []bool
	if q.UrgentFirst {
		first = make([]bool, len(near)+1)
		for i, n := range near {
			first[i+1] = n.Task.Pressing(q.Now)
		}
	}
	fallback := ""
	if q.Method != MethodStraight {
		plan, why := f.roadPlan(q, near, first)
		if why == "" {
			return plan, nil
		}
		fallback = why
	}
	m := straightMatrix(q.At, near)
	order, _ := OrderStops(m, first)
	plan := f.straightPlan(q, near, order)
	plan.Fallback = fallback
	return plan, nil
}

func points(at orb.Point, near []Near) []orb.Point {
	pts := make([]orb.Point, len(near)+1)
	pts[0] = at
	for i, n := range near {
		pts[i+1] = orb.Point{n.Task.Lon, n.Task.Lat}
	}
	return pts
}

func straightMatrix(at orb.Point, near []Near) [][]float64 {
	pts := points(at, near)
	m := make([][]float64, len(pts))
	for i := range pts {
		m[i] = make([]float64, len(pts))
		for j := range pts {
			if i != j {
				m[i][j] = Haversine(pts[i], pts[j])
			}
		}
	}
	return m
}

// straightPlan lays out the stops in order (matrix indexes) with straight legs.
func (f *Field) straightPlan(q FieldQuery, near []Near, order []int) FieldPlan {
	pts := points(q.At, near)
	plan := FieldPlan{Method: MethodStraight, Stops: make([]FieldStop, 0, len(order))}
	at := 0
	for _, s := range order {
		leg := Haversine(pts[at], pts[s])
		plan.TotalM += leg
		plan.TotalS += leg / StraightSpeed
		plan.Stops = append(plan.Stops, f.stop(q, near[s-1], leg, plan.TotalS))
		if q.Geometry {
			plan.Legs = append(plan.Legs, orb.LineString{pts[at], pts[s]})
		}
		at = s
	}
	return plan
}

func (f *Field) stop(q FieldQuery, n Near, leg, eta float64) FieldStop {
	return FieldStop{Task: n.Task, DistanceM: n.Metres, LegM: leg, EtaS: eta, Overdue: n.Task.Overdue(q.Now),
		Pressing: n.Task.Pressing(q.Now)}
}

// roadPlan orders the stops by road travel time; why is not empty when the roads cannot serve the request.
func (f *Field) roadPlan(q FieldQuery, near []Near, first []bool) (plan FieldPlan, why string) {
	g := f.Roads()
	if g.Edges() == 0 {
		return FieldPlan{}, "no_roads"
	}
	pts := points(q.At, near)
	snaps := make([]Snap, len(pts))
	for i, p := range pts {
		s, ok := g.Snap(p)
		if !ok {
			return FieldPlan{}, "off_road"
		}
		snaps[i] = s
	}
	cost, metres, ok := g.Matrix(snaps)
	if !ok {
		return FieldPlan{}, "unreachable"
	}
	order, _ := OrderStops(cost, first)
	plan = FieldPlan{Method: MethodRoad, Stops: make([]FieldStop, 0, len(order))}
	at := 0
	for _, s := range order {
		plan.TotalM += metres[at][s]
		plan.TotalS += cost[at][s]
		plan.Stops = append(plan.Stops, f.stop(q, near[s-1], metres[at][s], plan.TotalS))
		if q.Geometry {
			plan.Legs = append(plan.Legs, g.Path(snaps[at], snaps[s]))
		}
		at = s
	}
	return plan, ""
}
