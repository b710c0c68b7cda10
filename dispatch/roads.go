package dispatch

import (
	"math"

	"github.com/paulmach/orb"
)

// RoadEdge is one routable road segment as the road topology holds it (road_edges): its nodes, its travel cost
// each way in seconds (negative: closed that way, a one-way road), its length in metres and its line, which runs
// from Source to Target.
type RoadEdge struct {
	ID             int64
	Source, Target int64
	Cost           float64
	ReverseCost    float64
	LengthM        float64
	Line           orb.LineString
}

const (
	// MaxSnapM is how far from the nearest road a position may be for road routing; beyond it legs are straight.
	MaxSnapM = 300.0
	// SnapSpeed is the speed, in m/s, between a position and its nearest road (6 km/h, on foot: into a compound,
	// across a square).
	SnapSpeed = 6 / 3.6
)

type roadEdge struct {
	id       int64
	u, v     int32
	cost     float64 // u → v, seconds
	rcost    float64 // v → u, seconds; negative when closed
	length   float64 // metres
	line     orb.LineString
	cum      []float64 // cumulative planar length along line, for fractions
	boundBox orb.Bound
}

type arc struct {
	from   int32
	to     int32
	edge   int32
	cost   float64
	metres float64
}

// RoadGraph is the road network in memory for routing: nodes, edges both ways (unless one-way) and a bucket
// grid of the edges for snapping positions to the nearest road. It is immutable once built.
type RoadGraph struct {
	edges   []roadEdge
	nodes   int
	off     []int32 // arcs of node i: arcs[off[i]:off[i+1]]
	arcs    []arc
	cell    float64
	buckets map[int64][]int32
	ids     map[int64]int32 // node id in the database → dense index
}

// NewRoadGraph builds the graph; edges without a line are skipped.
func NewRoadGraph(in []RoadEdge) *RoadGraph {
	g := &RoadGraph{cell: 0.002, buckets: map[int64][]int32{}}
	ids := map[int64]int32{}
	node := func(id int64) int32 {
		if n, ok := ids[id]; ok {
			return n
		}
		ids[id] = int32(len(ids))
		return ids[id]
	}
	for _, e := range in {
		if len(e.Line) < 2 || e.Cost < 0 {
			continue
		}
		re := roadEdge{id: e.ID, u: node(e.Source), v: node(e.Target), cost: e.Cost, rcost: e.ReverseCost,
			length: e.LengthM, line: e.Line, cum: make([]float64, len(e.Line)), boundBox: e.Line.Bound()}
		for i := 1; i < len(e.Line); i++ {
			re.cum[i] = re.cum[i-1] + planarMetres(e.Line[i-1], e.Line[i])
		}
		g.edges = append(g.edges, re)
	}
	g.nodes, g.ids = len(ids), ids
	deg := make([]int32, g.nodes+1)
	for _, e := range g.edges {
		deg[e.u]++
		if e.rcost >= 0 {
			deg[e.v]++
		}
	}
	g.off = make([]int32, g.nodes+1)
	for i := 0; i < g.nodes; i++ {
		g.off[i+1] = g.off[i] + deg[i]
	}
	g.arcs = make([]arc, g.off[g.nodes])
	fill := append([]int32(nil), g.off[:g.nodes]...)
	for i, e := range g.edges {
		g.arcs[fill[e.u]] = arc{from: e.u, to: e.v, edge: int32(i), cost: e.cost, metres: e.length}
		fill[e.u]++
		if e.rcost >= 0 {
			g.arcs[fill[e.v]] = arc{from: e.v, to: e.u, edge: int32(i), cost: e.rcost, metres: e.length}
			fill[e.v]++
		}
		for _, k := range g.cellsOf(e.boundBox) {
			g.buckets[k] = append(g.buckets[k], int32(i))
		}
	}
	return g
}

// Edges is the number of edges in the graph.
func (g *RoadGraph) Edges() int {
	if g == nil {
		return 0
	}
	return len(g.edges)
}

func (g *RoadGraph) cellsOf(b orb.Bound) []int64 {
	x0, y0 := int32(math.Floor(b.Min[0]/g.cell)), int32(math.Floor(b.Min[1]/g.cell))
	x1, y1 := int32(math.Floor(b.Max[0]/g.cell)), int32(math.Floor(b.Max[1]/g.cell))
	if int64(x1-x0+1)*int64(y1-y0+1) > 1<<16 { // a line across a whole region: clamp (it is still found nearby)
		x1, y1 = x0+255, y0+255
	}
	var out []int64
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			out = append(out, bucketKey(x, y))
		}
	}
	return out
}

// planarMetres is the distance between two nearby points in the plane tangent at their mean latitude.
func planarMetres(a, b orb.Point) float64 {
	const rad = math.Pi / 180
	kx := earthRadius * rad * math.Cos((a[1]+b[1])/2*rad)
	return math.Hypot((b[0]-a[0])*kx, (b[1]-a[1])*earthRadius*rad)
}

// Snap is a position attached to its nearest road: the edge, the fraction of the edge's length from its source,
// the point on the road and the distance to it in metres.
type Snap struct {
	Edge   int32
	Frac   float64
	On     orb.Point
	From   orb.Point
	Metres float64
}

// Snap finds the nearest road to p within MaxSnapM; ok is false when there is none.
func (g *RoadGraph) Snap(p orb.Point) (s Snap, ok bool) {
	if g == nil || len(g.edges) == 0 {
		return Snap{}, false
	}
	const rad = math.Pi / 180
	kx, ky := earthRadius*rad*math.Cos(p[1]*rad), earthRadius*rad
	dLon, dLat := MaxSnapM/kx, MaxSnapM/ky
	box := orb.Bound{Min: orb.Point{p[0] - dLon, p[1] - dLat}, Max: orb.Point{p[0] + dLon, p[1] + dLat}}
	best := math.Inf(1)
	seen := map[int32]bool{}
	for _, k := range g.cellsOf(box) {
		for _, ei := range g.buckets[k] {
			if seen[ei] {
				continue
			}
			seen[ei] = true
			e := &g.edges[ei]
			for i := 1; i < len(e.line); i++ {
				a, b := e.line[i-1], e.line[i]
				ax, ay := (a[0]-p[0])*kx, (a[1]-p[1])*ky
				bx, by := (b[0]-p[0])*kx, (b[1]-p[1])*ky
				dx, dy := bx-ax, by-ay
				t := 0.0
				if l2 := dx*dx + dy*dy; l2 > 0 {
					t = math.Min(1, math.Max(0, -(ax*dx+ay*dy)/l2))
				}
				d := math.Hypot(ax+t*dx, ay+t*dy)
				if d < best || d == best && ei < s.Edge {
					best = d
					frac := 0.0
					if total := e.cum[len(e.cum)-1]; total > 0 {
						frac = (e.cum[i-1] + t*(e.cum[i]-e.cum[i-1])) / total
					}
					s = Snap{Edge: ei, Frac: frac, On: orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])},
						From: p, Metres: d}
				}
			}
		}
	}
	return s, best <= MaxSnapM
}

// dijkstra holds one search's state; reused between sources.
type dijkstra struct {
	g      *RoadGraph
	dist   []float64
	metres []float64
	pred   []int32 // the arc index that reached each node, -1 at a source
	done   []bool
	q      nodeHeap
}

func (g *RoadGraph) newDijkstra() *dijkstra {
	return &dijkstra{g: g, dist: make([]float64, g.nodes), metres: make([]float64, g.nodes),
		pred: make([]int32, g.nodes), done: make([]bool, g.nodes)}
}

// run searches from snap a until every node in targets is settled.
func (d *dijkstra) run(a Snap, targets map[int32]bool) {
	d.reset()
	e := &d.g.edges[a.Edge]
	d.relax(e.v, (1-a.Frac)*e.cost, (1-a.Frac)*e.length, -1)
	if e.rcost >= 0 {
		d.relax(e.u, a.Frac*e.rcost, a.Frac*e.length, -1)
	}
	d.search(targets)
}

func (d *dijkstra) reset() {
	for i := range d.dist {
		d.dist[i], d.metres[i], d.pred[i], d.done[i] = math.Inf(1), 0, -1, false
	}
	d.q = d.q[:0]
}

// search settles nodes in order of cost until every target is settled or none is left to reach.
func (d *dijkstra) search(targets map[int32]bool) {
	left := len(targets)
	for d.q.Len() > 0 && left > 0 {
		it := d.q.pop()
		n := it.node
		if d.done[n] || it.dist > d.dist[n] {
			continue
		}
		d.done[n] = true
		if targets[n] {
			left--
		}
		for ai := d.g.off[n]; ai < d.g.off[n+1]; ai++ {
			ar := &d.g.arcs[ai]
			if !d.done[ar.to] {
				d.relax(ar.to, d.dist[n]+ar.cost, d.metres[n]+ar.metres, ai)
			}
		}
	}
}

func (d *dijkstra) relax(n int32, dist, metres float64, via int32) {
	if dist < d.dist[n] {
		d.dist[n], d.metres[n], d.pred[n] = dist, metres, via
		d.q.push(heapItem{dist: dist, node: n})
	}
}

// leg is the cheapest way from the searched source a to snap b: its cost in seconds and length in metres, on the
// road only (without the walks to and from it). how says which: 'u' or 'v' (entering b's edge from that node) or
// 's' (along the shared edge); ok is false when b cannot be reached.
func (d *dijkstra) leg(a, b Snap) (cost, metres float64, how byte, ok bool) {
	e := &d.g.edges[b.Edge]
	cost = math.Inf(1)
	if c := d.dist[e.u] + b.Frac*e.cost; c < cost {
		cost, metres, how = c, d.metres[e.u]+b.Frac*e.length, 'u'
	}
	if e.rcost >= 0 {
		if c := d.dist[e.v] + (1-b.Frac)*e.rcost; c < cost {
			cost, metres, how = c, d.metres[e.v]+(1-b.Frac)*e.length, 'v'
		}
	}
	if a.Edge == b.Edge {
		if b.Frac >= a.Frac {
			if c := (b.Frac - a.Frac) * e.cost; c <= cost {
				cost, metres, how = c, (b.Frac-a.Frac)*e.length, 's'
			}
		} else if e.rcost >= 0 {
			if c := (a.Frac - b.Frac) * e.rcost; c <= cost {
				cost, metres, how = c, (a.Frac-b.Frac)*e.length, 's'
			}
		}
	}
	return cost, metres, how, !math.IsInf(cost, 1)
}

// Matrix is the travel cost in seconds and the length in metres from every snapped position to every other, by
// the quickest road route, the walks to and from the road included. ok is false when some position cannot reach
// another (separate networks, one-way dead ends).
func (g *RoadGraph) Matrix(snaps []Snap) (cost, metres [][]float64, ok bool) {
	n := len(snaps)
	cost, metres = make([][]float64, n), make([][]float64, n)
	targets := map[int32]bool{}
	for _, s := range snaps {
		e := &g.edges[s.Edge]
		targets[e.u], targets[e.v] = true, true
	}
	d := g.newDijkstra()
	for i, a := range snaps {
		cost[i], metres[i] = make([]float64, n), make([]float64, n)
		d.run(a, targets)
		for j, b := range snaps {
			if i == j {
				continue
			}
			c, m, _, reached := d.leg(a, b)
			if !reached {
				return nil, nil, false
			}
			walk := a.Metres + b.Metres
			cost[i][j], metres[i][j] = c+walk/SnapSpeed, m+walk
		}
	}
	return cost, metres, true
}

// NodeMatrix is the quickest travel cost in seconds between road nodes (by their ids in the database), as
// pgRouting's pgr_dijkstraCostMatrix gives it: +Inf where there is no route, and for an unknown node.
func (g *RoadGraph) NodeMatrix(nodes []int64) [][]float64 {
	out := make([][]float64, len(nodes))
	targets := map[int32]bool{}
	for _, id := range nodes {
		if n, ok := g.ids[id]; ok {
			targets[n] = true
		}
	}
	d := g.newDijkstra()
	for i, id := range nodes {
		out[i] = make([]float64, len(nodes))
		n, ok := g.ids[id]
		if !ok {
			for j := range out[i] {
				out[i][j] = math.Inf(1)
			}
			continue
		}
		d.reset()
		d.relax(n, 0, 0, -1)
		d.search(targets)
		for j, to := range nodes {
			if m, ok := g.ids[to]; ok {
				out[i][j] = d.dist[m]
			} else {
				out[i][j] = math.Inf(1)
			}
		}
	}
	return out
}

// Path is the road route from a to b as a line: from a's position to the road, along it, and off to b's.
func (g *RoadGraph) Path(a, b Snap) orb.LineString {
	d := g.newDijkstra()
	eb := &g.edges[b.Edge]
	d.run(a, map[int32]bool{eb.u: true, eb.v: true})
	_, _, how, ok := d.leg(a, b)
	line := orb.LineString{a.From, a.On}
	if !ok {
		return append(line, b.On, b.From)
	}
	if how == 's' {
		line = append(line, g.edges[a.Edge].sub(a.Frac, b.Frac)...)
		return append(line, b.On, b.From)
	}
	entry := eb.u
	if how == 'v' {
		entry = eb.v
	}
	// The arcs from the entry node back to the source.
	var arcs []int32
	for n := entry; d.pred[n] >= 0; {
		ar := d.pred[n]
		arcs = append(arcs, ar)
		n = g.arcs[ar].from
	}
	// The start: from a along its edge to the first node.
	ea := &g.edges[a.Edge]
	first := entry
	if len(arcs) > 0 {
		first = g.arcs[arcs[len(arcs)-1]].from
	}
	if first == ea.v {
		line = append(line, ea.sub(a.Frac, 1)...)
	} else {
		line = append(line, ea.sub(a.Frac, 0)...)
	}
	for i := len(arcs) - 1; i >= 0; i-- {
		ar := &g.arcs[arcs[i]]
		e := &g.edges[ar.edge]
		if ar.to == e.v {
			line = append(line, e.sub(0, 1)...)
		} else {
			line = append(line, e.sub(1, 0)...)
		}
	}
	if how == 'u' {
		line = append(line, eb.sub(0, b.Frac)...)
	} else {
		line = append(line, eb.sub(1, b.Frac)...)
	}
	return dedupe(append(line, b.On, b.From))
}

// sub is the part of the edge's line from fraction f0 to f1 (reversed when f1 < f0), end points included.
func (e *roadEdge) sub(f0, f1 float64) orb.LineString {
	total := e.cum[len(e.cum)-1]
	at := func(f float64) orb.Point {
		target := f * total
		for i := 1; i < len(e.line); i++ {
			if e.cum[i] >= target || i == len(e.line)-1 {
				seg := e.cum[i] - e.cum[i-1]
				t := 0.0
				if seg > 0 {
					t = math.Min(1, math.Max(0, (target-e.cum[i-1])/seg))
				}
				a, b := e.line[i-1], e.line[i]
				return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
			}
		}
		return e.line[0]
	}
	out := orb.LineString{at(f0)}
	lo, hi := math.Min(f0, f1)*total, math.Max(f0, f1)*total
	var mid []orb.Point
	for i, c := range e.cum {
		if c > lo && c < hi {
			mid = append(mid, e.line[i])
		}
	}
	if f1 < f0 {
		for i := len(mid) - 1; i >= 0; i-- {
			out = append(out, mid[i])
		}
	} else {
		out = append(out, mid...)
	}
	return append(out, at(f1))
}

func dedupe(ls orb.LineString) orb.LineString {
	out := ls[:0]
	for i, p := range ls {
		if i == 0 || p != out[len(out)-1] {
			out = append(out, p)
		}
	}
	return out
}

type heapItem struct {
	dist float64
	node int32
}

// nodeHeap is a binary min-heap on dist (typed, so that pushing allocates nothing).
type nodeHeap []heapItem

func (h nodeHeap) Len() int { return len(h) }

func (h *nodeHeap) push(it heapItem) {
	*h = append(*h, it)
	q := *h
	for i := len(q) - 1; i > 0; {
		parent := (i - 1) / 2
		if q[parent].dist <= q[i].dist {
			break
		}
		q[parent], q[i] = q[i], q[parent]
		i = parent
	}
}

func (h *nodeHeap) pop() heapItem {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(q) && q[l].dist < q[m].dist {
			m = l
		}
		if r < len(q) && q[r].dist < q[m].dist {
			m = r
		}
		if m == i {
			break
		}
		q[i], q[m] = q[m], q[i]
		i = m
	}
	*h = q
	return top
}
