package geo

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Ref names a unit in answers.
type Ref struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Location is the answer for one point: the unit at each area level that covers it, nil where none does. The
// Refs point into the Locator and must not be modified.
type Location struct {
	Street, Community, Grid, Building *Ref
}

// Locator answers which street, community, grid and building compound cover a point, in memory and without
// allocating (it is read-only once built, so safe for concurrent use), with exactly the answer that PostGIS 3.3
// gives to
//
//	SELECT code FROM units WHERE level = $1 AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(lon, lat), 4326))
//	ORDER BY code LIMIT 1
//
// for each level on the same polygons (read back from PostGIS as WKB, so that the coordinates are the stored
// doubles).
//
// Exactness: PostGIS does not hand a polygon–point ST_Covers to GEOS. covers() in postgis/lwgeom_geos.c first
// rejects the point when it lies outside the polygon's bounding box as stored in the serialized geometry — a box
// of float32 values rounded outwards from the exact one — and then short-circuits to its own winding-number test
// (pip_short_circuit → point_in_multipolygon / point_in_multipolygon_rtree → point_in_ring / point_in_ring_rtree
// in postgis/lwgeom_functions_analytic.c). For each edge (x1,y1)→(x2,y2) of a ring, in plain doubles:
//
//	side = (x2-x1)*(py-y1) - (px-x1)*(y2-y1)
//	zero-length edges are skipped; side == 0 (exactly: the old 1e-12 tolerance was dropped in PostGIS #852)
//	  and px, py within the edge's box → the point is on the ring (boundary);
//	y1 <= py < y2 and side > 0 → winding number +1; y2 <= py < y1 and side < 0 → -1;
//	a winding number of 0 means outside the ring.
//
// A multipolygon covers the point when, for some part taken in order, the point is on the exterior ring, or
// inside it and on a hole's ring, or inside it and inside none of its holes. ST_Covers is true for inside and
// boundary alike. The Locator repeats exactly these steps (the float box included, the products rounded as in C,
// never fused): it only skips edges and rings that provably cannot change the answer — edges whose y-range misses
// py (through a per-ring slab index) and rings wholly to the left of the point. The one place where PostGIS
// disagrees with itself is an edge shorter than 1e-12° but not zero: point_in_ring_rtree (used when the same
// polygon is tested against consecutive points) skips it, point_in_ring does not; the Locator follows point_in_ring.
//
// Tie-break: where several units of a level cover the point (on a border they share), the answer is the one with
// the lowest code in byte-wise string order, as ORDER BY code LIMIT 1 gives. Because a child's code extends its
// parent's, the lowest code at each level keeps the levels consistent with each other along borders.
//
// Index: per level, a uniform grid of buckets over the level's extent, each listing (in code order) the units
// whose float box overlaps it, and each divided into 8 × 8 fine cells. A fine cell that no edge comes within
// 1e-9° of holds its answer, the same for every point in it; a lookup elsewhere tests the candidates of the
// point's bucket exactly, lowest code first, and stops at the first that covers the point.
type Locator struct {
	units  []Unit // sorted by code
	refs   []Ref
	shapes []shape
	byCode map[string]int32
	levels [4]levelIndex
}

// levelSlot maps the area levels to the Locator's per-level indexes.
func levelSlot(l Level) int {
	switch l {
	case LevelStreet:
		return 0
	case LevelCommunity:
		return 1
	case LevelGrid:
		return 2
	case LevelBuilding:
		return 3
	}
	return -1
}

// levelIndex is a uniform bucket grid over one level's units, each bucket divided into sub × sub fine cells.
type levelIndex struct {
	ids                    []int32 // the level's units, in code order
	minX, minY, maxX, maxY float64 // the union of the units' float boxes
	invW, invH             float64 // fine cells per degree
	nx, ny                 int     // buckets
	fnx, fny               int     // fine cells: nx*sub, ny*sub
	start                  []int32 // bucket b's candidates are cand[start[b]:start[b+1]]
	cand                   []int32
	// fine holds, for each fine cell that no edge of the level comes near, the answer of every point in it: the
	// position of the covering unit in its bucket's candidates, or fineNone; fineMixed cells are tested exactly.
	fine []uint8
}

const (
	sub       = 8
	fineNone  = 254
	fineMixed = 255
	// cellMargin (degrees, ~0.1 mm) widens a fine cell when looking for edges near it. For an edge whose y-range
	// holds py, the rounded side has the sign of the exact one once the point is more than about
	// 4·2⁻⁵³·(|x2-x1| + |px-x1|) — under 1e-13° for lon/lat — from the edge along its row, so a point 1e-9°
	// from every edge gets the exact winding number from PostGIS's double-precision test. The exact winding number is
	// the same all over a connected region that no ring crosses: so is the answer, in a cell and in its unmarked
	// neighbours.
	cellMargin = 1e-9
)

// shape is one unit's polygons prepared for the exact test.
type shape struct {
	fbox  bbox // the float32 box PostGIS stores with the geometry, widened outwards
	exact bbox // the exact box of the exterior rings, for Nearest
	parts [][]ring
}

type bbox struct{ minX, minY, maxX, maxY float64 }

// ring is one ring's edges sorted into horizontal slabs: every edge whose closed y-range meets a slab is listed in
// it, so that the slab of py lists every edge that can affect the point.
type ring struct {
	minX, minY, maxX, maxY float64
	invH                   float64
	slabs                  int
	start                  []int32
	edges                  []edge
	all                    []edge // every non-degenerate edge, for Nearest
}

type edge struct{ x1, y1, x2, y2 float64 }

// NewLocator indexes area units (levels street, community, grid, building; others are ignored). Geometry is an
// orb.MultiPolygon (or orb.Polygon) in lon/lat. Codes must be unique.
func NewLocator(units []Unit) (*Locator, error) {
	l := &Locator{byCode: map[string]int32{}}
	for _, u := range units {
		if !u.Level.IsArea() {
			continue
		}
		if _, dup := l.byCode[u.Code]; dup {
			return nil, fmt.Errorf("locator: code %s appears twice", u.Code)
		}
		l.byCode[u.Code] = -1
		l.units = append(l.units, u)
	}
	sort.Slice(l.units, func(i, j int) bool { return l.units[i].Code < l.units[j].Code })
	l.refs = make([]Ref, len(l.units))
	l.shapes = make([]shape, len(l.units))
	for i, u := range l.units {
		var mp orb.MultiPolygon
		switch g := u.Geometry.(type) {
		case orb.MultiPolygon:
			mp = g
		case orb.Polygon:
			mp = orb.MultiPolygon{g}
		default:
			return nil, fmt.Errorf("locator: %s %s: geometry is %T, want a MultiPolygon", u.Level, u.Code, u.Geometry)
		}
		s, err := newShape(mp)
		if err != nil {
			return nil, fmt.Errorf("locator: %s %s: %w", u.Level, u.Code, err)
		}
		l.shapes[i] = s
		l.refs[i] = Ref{Code: u.Code, Name: u.Name}
		l.byCode[u.Code] = int32(i)
		slot := levelSlot(u.Level)
		l.levels[slot].ids = append(l.levels[slot].ids, int32(i))
	}
	for s := range l.levels {
		l.levels[s].build(l.shapes)
	}
	return l, nil
}

// Len is the number of units indexed.
func (l *Locator) Len() int { return len(l.units) }

// Unit returns an indexed unit by code.
func (l *Locator) Unit(code string) (Unit, bool) {
	i, ok := l.byCode[code]
	if !ok {
		return Unit{}, false
	}
	return l.units[i], true
}

// Locate answers which units cover p (lon, lat) at each level: at each level the lowest-coded unit whose polygon
// covers p (interior or boundary, exactly as PostGIS ST_Covers), nil where none does. It does not allocate.
func (l *Locator) Locate(p orb.Point) Location {
	return Location{
		Street:    l.first(0, p[0], p[1]),
		Community: l.first(1, p[0], p[1]),
		Grid:      l.first(2, p[0], p[1]),
		Building:  l.first(3, p[0], p[1]),
	}
}

// Covering returns the codes of every unit of a level that covers p, sorted.
func (l *Locator) Covering(p orb.Point, level Level) []string {
	slot := levelSlot(level)
	if slot < 0 {
		return nil
	}
	var out []string
	ix := &l.levels[slot]
	b, ok := ix.bucket(p[0], p[1])
	if !ok {
		return nil
	}
	for _, u := range ix.cand[ix.start[b]:ix.start[b+1]] {
		if l.shapes[u].covers(p[0], p[1]) {
			out = append(out, l.refs[u].Code)
		}
	}
	return out
}

func (l *Locator) first(slot int, px, py float64) *Ref {
	ix := &l.levels[slot]
	if !(px >= ix.minX && px <= ix.maxX && py >= ix.minY && py <= ix.maxY) { // outside every box, or NaN
		return nil
	}
	fx, fy := ix.fcol(px), ix.frow(py)
	b := (fy/sub)*ix.nx + fx/sub
	switch a := ix.fine[fy*ix.fnx+fx]; a {
	case fineNone:
		return nil
	case fineMixed:
		for _, u := range ix.cand[ix.start[b]:ix.start[b+1]] {
			if l.shapes[u].covers(px, py) {
				return &l.refs[u]
			}
		}
		return nil
	default:
		return &l.refs[ix.cand[ix.start[b]+int32(a)]]
	}
}

// Nearest returns the unit of the level nearest to p and its distance in metres (0 when it covers p); ok is false
// when the level has no units. Distances are measured in a plane tangent to the WGS-84 ellipsoid at p's latitude
// (metres per degree from the meridional and prime-vertical radii of curvature there), to every edge of every
// ring: within 0.1 % of the geodesic distance up to 10 km away. Equal distances go to the lowest code.
func (l *Locator) Nearest(p orb.Point, level Level) (ref Ref, metres float64, ok bool) {
	slot := levelSlot(level)
	if slot < 0 || len(l.levels[slot].ids) == 0 || !finite(p[0]) || !finite(p[1]) {
		return Ref{}, 0, false
	}
	if r := l.first(slot, p[0], p[1]); r != nil {
		return *r, 0, true
	}
	kx, ky := metresPerDegree(p[1])
	type cand struct {
		lb float64
		id int32
	}
	ids := l.levels[slot].ids
	cands := make([]cand, len(ids))
	for i, id := range ids {
		b := l.shapes[id].exact
		dx := math.Max(math.Max(b.minX-p[0], p[0]-b.maxX), 0) * kx
		dy := math.Max(math.Max(b.minY-p[1], p[1]-b.maxY), 0) * ky
		cands[i] = cand{math.Hypot(dx, dy), id}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].lb != cands[j].lb {
			return cands[i].lb < cands[j].lb
		}
		return cands[i].id < cands[j].id
	})
	best, bestID := math.Inf(1), int32(-1)
	for _, c := range cands {
		if c.lb > best {
			break
		}
		d := l.shapes[c.id].distance(p[0], p[1], kx, ky)
		if d < best || (d == best && c.id < bestID) {
			best, bestID = d, c.id
		}
	}
	return l.refs[bestID], best, true
}

// metresPerDegree gives the length of a degree of longitude and of latitude at latitude lat on the WGS-84
// ellipsoid.
func metresPerDegree(lat float64) (kx, ky float64) {
	const a, e2 = 6378137.0, 0.0066943799901413165
	phi := lat * math.Pi / 180
	s := math.Sin(phi)
	w := math.Sqrt(1 - e2*s*s)
	n := a / w                      // prime vertical radius of curvature
	m := a * (1 - e2) / (w * w * w) // meridional radius of curvature
	return n * math.Cos(phi) * math.Pi / 180, m * math.Pi / 180
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

var errNoPolygon = errors.New("geometry has no polygon")

func newShape(mp orb.MultiPolygon) (shape, error) {
	var s shape
	first := true
	for _, poly := range mp {
		if len(poly) == 0 {
			s.parts = append(s.parts, nil)
			continue
		}
		rings := make([]ring, len(poly))
		for k, r := range poly {
			for _, pt := range r {
				if !finite(pt[0]) || !finite(pt[1]) {
					return shape{}, fmt.Errorf("coordinate (%v, %v) is not finite", pt[0], pt[1])
				}
			}
			rings[k] = newRing(r)
		}
		s.parts = append(s.parts, rings)
		// PostGIS boxes a polygon by its exterior ring (lwpoly_calculate_gbox_cartesian).
		if len(poly[0]) == 0 {
			continue
		}
		ext := rings[0]
		if first {
			s.exact = bbox{ext.minX, ext.minY, ext.maxX, ext.maxY}
			first = false
		} else {
			s.exact.minX = math.Min(s.exact.minX, ext.minX)
			s.exact.minY = math.Min(s.exact.minY, ext.minY)
			s.exact.maxX = math.Max(s.exact.maxX, ext.maxX)
			s.exact.maxY = math.Max(s.exact.maxY, ext.maxY)
		}
	}
	if first {
		return shape{}, errNoPolygon
	}
	// gserialized stores the box as float32, rounded outwards (next_float_down / next_float_up in liblwgeom).
	s.fbox = bbox{floatDown(s.exact.minX), floatDown(s.exact.minY), floatUp(s.exact.maxX), floatUp(s.exact.maxY)}
	return s, nil
}

// floatDown is liblwgeom's next_float_down: the largest float32 not above d, as a float64.
func floatDown(d float64) float64 {
	if d > math.MaxFloat32 {
		return math.MaxFloat32
	}
	if d <= -math.MaxFloat32 {
		return -math.MaxFloat32
	}
	f := float32(d)
	if float64(f) <= d {
		return float64(f)
	}
	return float64(math.Nextafter32(f, -math.MaxFloat32))
}

// floatUp is liblwgeom's next_float_up: the smallest float32 not below d, as a float64.
func floatUp(d float64) float64 {
	if d >= math.MaxFloat32 {
		return math.MaxFloat32
	}
	if d < -math.MaxFloat32 {
		return -math.MaxFloat32
	}
	f := float32(d)
	if float64(f) >= d {
		return float64(f)
	}
	return float64(math.Nextafter32(f, math.MaxFloat32))
}

func newRing(pts orb.Ring) ring {
	var r ring
	if len(pts) == 0 {
		r.minX, r.minY, r.maxX, r.maxY = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		return r
	}
	r.minX, r.minY, r.maxX, r.maxY = pts[0][0], pts[0][1], pts[0][0], pts[0][1]
	for _, p := range pts[1:] {
		r.minX, r.maxX = math.Min(r.minX, p[0]), math.Max(r.maxX, p[0])
		r.minY, r.maxY = math.Min(r.minY, p[1]), math.Max(r.maxY, p[1])
	}
	// Edges i → i+1 of the stored points, as PostGIS walks them: the ring is closed by its last point, not by an
	// implicit edge. Zero-length edges never count (point_in_ring skips them; their point is also the end of a
	// neighbouring edge).
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		if a[0] == b[0] && a[1] == b[1] {
			continue
		}
		r.all = append(r.all, edge{a[0], a[1], b[0], b[1]})
	}
	// One slab an edge, fewer when tall edges would be listed too often (a comb of long teeth): at most ~16 entries
	// an edge.
	for r.slabs = max(1, len(r.all)); ; r.slabs = max(1, r.slabs/2) {
		r.invH = 0
		if h := r.maxY - r.minY; h > 0 {
			r.invH = float64(r.slabs) / h
		}
		total := 0
		for _, e := range r.all {
			total += r.slab(math.Max(e.y1, e.y2)) - r.slab(math.Min(e.y1, e.y2)) + 1
		}
		if r.slabs == 1 || total <= 16*len(r.all)+64 {
			break
		}
	}
	counts := make([]int32, r.slabs+1)
	for _, e := range r.all {
		lo, hi := r.slab(math.Min(e.y1, e.y2)), r.slab(math.Max(e.y1, e.y2))
		for s := lo; s <= hi; s++ {
			counts[s+1]++
		}
	}
	for s := 1; s <= r.slabs; s++ {
		counts[s] += counts[s-1]
	}
	r.start = counts
	r.edges = make([]edge, counts[r.slabs])
	fill := make([]int32, r.slabs)
	copy(fill, counts[:r.slabs])
	for _, e := range r.all {
		lo, hi := r.slab(math.Min(e.y1, e.y2)), r.slab(math.Max(e.y1, e.y2))
		for s := lo; s <= hi; s++ {
			r.edges[fill[s]] = e
			fill[s]++
		}
	}
	return r
}

// slab is the slab of y, for minY <= y <= maxY. It is monotone in y (a rounded subtraction and a rounded product by
// a positive number, truncated, clamped), so an edge listed in the slabs of its lowest and highest y and all between
// is listed in the slab of every y it spans.
func (r *ring) slab(y float64) int {
	s := int((y - r.minY) * r.invH)
	return min(max(s, 0), r.slabs-1)
}

// pip is point_in_ring: 1 inside, 0 on the ring, -1 outside.
func (r *ring) pip(px, py float64) int {
	// No edge can count for a point above or below the ring or wholly right of it: an edge counts only when py is
	// within its y-range, and the rounded side of an edge that lies wholly left of the point is never of the sign
	// that would count it (nor zero with the point on it).
	if py < r.minY || py > r.maxY || px > r.maxX || len(r.all) == 0 {
		return -1
	}
	s := r.slab(py)
	wn := 0
	for _, e := range r.edges[r.start[s]:r.start[s+1]] {
		// determineSide, with each product rounded on its own as C does (no fused multiply-add).
		side := float64((e.x2-e.x1)*(py-e.y1)) - float64((px-e.x1)*(e.y2-e.y1))
		if side == 0 && onSegment(e, px, py) {
			return 0
		}
		if e.y1 <= py && py < e.y2 && side > 0 {
			wn++
		} else if e.y2 <= py && py < e.y1 && side < 0 {
			wn--
		}
	}
	if wn == 0 {
		return -1
	}
	return 1
}

// onSegment is isOnSegment: the point lies within the edge's box.
func onSegment(e edge, px, py float64) bool {
	maxX, minX := e.x2, e.x1
	if e.x1 > e.x2 {
		maxX, minX = e.x1, e.x2
	}
	maxY, minY := e.y2, e.y1
	if e.y1 > e.y2 {
		maxY, minY = e.y1, e.y2
	}
	if maxX < px || minX > px {
		return false
	}
	if maxY < py || minY > py {
		return false
	}
	return true
}

// covers is ST_Covers(polygon, point): the float-box short-circuit, then point_in_multipolygon != -1.
func (s *shape) covers(px, py float64) bool {
	if px < s.fbox.minX || px > s.fbox.maxX || py < s.fbox.minY || py > s.fbox.maxY {
		return false
	}
	for _, rings := range s.parts {
		if len(rings) == 0 {
			continue
		}
		switch rings[0].pip(px, py) {
		case -1:
			continue
		case 0:
			return true
		}
		inside := true
		for k := 1; k < len(rings); k++ {
			in := rings[k].pip(px, py)
			if in == 1 { // in a hole: outside this part; try the next
				inside = false
				break
			}
			if in == 0 { // on a hole's ring: on the boundary
				return true
			}
		}
		if inside {
			return true
		}
	}
	return false
}

// distance is the distance in metres from the point to the nearest edge of the shape, in the plane tangent at the
// point (x scaled by kx, y by ky metres per degree).
func (s *shape) distance(px, py, kx, ky float64) float64 {
	best := math.Inf(1)
	for _, rings := range s.parts {
		for k := range rings {
			for _, e := range rings[k].all {
				ax, ay := (e.x1-px)*kx, (e.y1-py)*ky
				bx, by := (e.x2-px)*kx, (e.y2-py)*ky
				if d := segmentDistance(ax, ay, bx, by); d < best {
					best = d
				}
			}
		}
	}
	return best
}

// segmentDistance is the distance from the origin to the segment a–b.
func segmentDistance(ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l2))
	}
	return math.Hypot(ax+t*dx, ay+t*dy)
}

// build fills the bucket grid and the fine cells. The bucket size is about half the median unit box, so that a
// bucket holds few candidates and a unit spans few buckets; the grid is capped at 16 buckets a unit.
func (ix *levelIndex) build(shapes []shape) {
	if len(ix.ids) == 0 {
		ix.minX, ix.minY, ix.maxX, ix.maxY = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		return
	}
	ws := make([]float64, 0, len(ix.ids))
	hs := make([]float64, 0, len(ix.ids))
	for k, id := range ix.ids {
		b := shapes[id].fbox
		if k == 0 {
			ix.minX, ix.minY, ix.maxX, ix.maxY = b.minX, b.minY, b.maxX, b.maxY
		}
		ix.minX, ix.minY = math.Min(ix.minX, b.minX), math.Min(ix.minY, b.minY)
		ix.maxX, ix.maxY = math.Max(ix.maxX, b.maxX), math.Max(ix.maxY, b.maxY)
		ws = append(ws, b.maxX-b.minX)
		hs = append(hs, b.maxY-b.minY)
	}
	sort.Float64s(ws)
	sort.Float64s(hs)
	w, h := ix.maxX-ix.minX, ix.maxY-ix.minY
	ix.nx, ix.ny = cells(w, ws[len(ws)/2]/2), cells(h, hs[len(hs)/2]/2)
	for limit := max(16*len(ix.ids), 64); ix.nx*ix.ny > limit; {
		ix.nx, ix.ny = max(1, ix.nx*3/4), max(1, ix.ny*3/4)
	}
	ix.fnx, ix.fny = ix.nx*sub, ix.ny*sub
	if w > 0 {
		ix.invW = float64(ix.fnx) / w
	}
	if h > 0 {
		ix.invH = float64(ix.fny) / h
	}

	n := ix.nx * ix.ny
	ix.start = make([]int32, n+1)
	span := func(b bbox) (x0, y0, x1, y1 int) {
		return ix.fcol(b.minX) / sub, ix.frow(b.minY) / sub, ix.fcol(b.maxX) / sub, ix.frow(b.maxY) / sub
	}
	for _, id := range ix.ids {
		x0, y0, x1, y1 := span(shapes[id].fbox)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				ix.start[y*ix.nx+x+1]++
			}
		}
	}
	for b := 1; b <= n; b++ {
		ix.start[b] += ix.start[b-1]
	}
	ix.cand = make([]int32, ix.start[n])
	fill := make([]int32, n)
	copy(fill, ix.start[:n])
	// ids are in code order, so each bucket's candidates are too.
	for _, id := range ix.ids {
		x0, y0, x1, y1 := span(shapes[id].fbox)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				b := y*ix.nx + x
				ix.cand[fill[b]] = id
				fill[b]++
			}
		}
	}
	ix.buildFine(shapes)
}

// buildFine marks the fine cells that some edge comes within cellMargin of, and answers the others. Two unmarked
// cells that share a side form a connected region that no ring crosses, where every point has the same answer:
// so a row-by-row sweep computes the exact answer only where a region starts and copies it elsewhere.
func (ix *levelIndex) buildFine(shapes []shape) {
	cw, ch := (ix.maxX-ix.minX)/float64(ix.fnx), (ix.maxY-ix.minY)/float64(ix.fny)
	cellX := func(fx int) float64 { return ix.minX + float64(fx)*cw }
	cellY := func(fy int) float64 { return ix.minY + float64(fy)*ch }
	const mixed, none = -2, -1
	ans := make([]int32, ix.fnx*ix.fny)
	for _, id := range ix.ids {
		for _, rings := range shapes[id].parts {
			for k := range rings {
				for _, e := range rings[k].all {
					fx0, fx1 := ix.fcol(math.Min(e.x1, e.x2)-cellMargin), ix.fcol(math.Max(e.x1, e.x2)+cellMargin)
					fy0, fy1 := ix.frow(math.Min(e.y1, e.y2)-cellMargin), ix.frow(math.Max(e.y1, e.y2)+cellMargin)
					for fy := fy0; fy <= fy1; fy++ {
						for fx := fx0; fx <= fx1; fx++ {
							if ans[fy*ix.fnx+fx] != mixed && e.nearRect(cellX(fx)-cellMargin, cellY(fy)-cellMargin,
								cellX(fx+1)+cellMargin, cellY(fy+1)+cellMargin) {
								ans[fy*ix.fnx+fx] = mixed
							}
						}
					}
				}
			}
		}
	}
	ix.fine = make([]uint8, len(ans))
	for fy := 0; fy < ix.fny; fy++ {
		for fx := 0; fx < ix.fnx; fx++ {
			c := fy*ix.fnx + fx
			b := (fy/sub)*ix.nx + fx/sub
			if ans[c] == mixed {
				ix.fine[c] = fineMixed
				continue
			}
			switch {
			case fx > 0 && ans[c-1] != mixed:
				ans[c] = ans[c-1]
			case fy > 0 && ans[c-ix.fnx] != mixed:
				ans[c] = ans[c-ix.fnx]
			default:
				px, py := (cellX(fx)+cellX(fx+1))/2, (cellY(fy)+cellY(fy+1))/2
				ans[c] = none
				for _, u := range ix.cand[ix.start[b]:ix.start[b+1]] {
					if shapes[u].covers(px, py) {
						ans[c] = u
						break
					}
				}
			}
			ix.fine[c] = fineNone
			if ans[c] == none {
				continue
			}
			ix.fine[c] = fineMixed // unless found among the bucket's first 254 candidates, as it always is
			for pos, u := range ix.cand[ix.start[b]:ix.start[b+1]] {
				if u == ans[c] && pos < fineNone {
					ix.fine[c] = uint8(pos)
					break
				}
			}
		}
	}
}

// nearRect reports whether the edge may meet the rectangle: their boxes overlap and the rectangle's corners are not
// all strictly on one side of the edge's line. Rounding can only make it say yes where the answer is no.
func (e edge) nearRect(x0, y0, x1, y1 float64) bool {
	if math.Max(e.x1, e.x2) < x0 || math.Min(e.x1, e.x2) > x1 || math.Max(e.y1, e.y2) < y0 || math.Min(e.y1, e.y2) > y1 {
		return false
	}
	side := func(x, y float64) float64 { return (e.x2-e.x1)*(y-e.y1) - (x-e.x1)*(e.y2-e.y1) }
	a, b, c, d := side(x0, y0), side(x1, y0), side(x0, y1), side(x1, y1)
	return !(a > 0 && b > 0 && c > 0 && d > 0) && !(a < 0 && b < 0 && c < 0 && d < 0)
}

func cells(extent, size float64) int {
	if !(extent > 0) || !(size > 0) {
		return 1
	}
	return int(min(math.Ceil(extent/size), 4096))
}

// fcol and frow give the fine cell of a coordinate. They are monotone in their argument (a rounded subtraction, a
// rounded product by a positive number, truncated and clamped), so a box listed from the bucket of its minimum to
// that of its maximum is listed in the bucket of every point it contains.
func (ix *levelIndex) fcol(x float64) int {
	return min(max(int((x-ix.minX)*ix.invW), 0), ix.fnx-1)
}

func (ix *levelIndex) frow(y float64) int {
	return min(max(int((y-ix.minY)*ix.invH), 0), ix.fny-1)
}

// bucket is the bucket of a point; ok is false when the point lies outside every unit's float box of the level
// (or is NaN).
func (ix *levelIndex) bucket(px, py float64) (int, bool) {
	if !(px >= ix.minX && px <= ix.maxX && py >= ix.minY && py <= ix.maxY) {
		return 0, false
	}
	return (ix.frow(py)/sub)*ix.nx + ix.fcol(px)/sub, true
}
