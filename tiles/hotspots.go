package tiles

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"

	"gridgov/geo"
)

// The hotspot index aggregates cases into H3 hexagons at resolutions MinRes..geo.CaseRes.
const MinRes = 5

// nRes is how many resolutions each case is indexed at.
const nRes = geo.CaseRes - MinRes + 1

// resForZoom is the hexagon resolution for each zoom, chosen so that a tile fully covered by hexagons would hold
// a few hundred to about 1,500 of them at the city's latitude (36.7° N, where a tile at zoom z is about
// 32,130 km / 2^z wide): the resolution whose count is nearest to ~600 on a log scale (docs: README "Tiles and
// hotspots"). Zooms above 15 stay at the cases' own resolution, 11 — for staff; everyone else gets at most
// PublicMaxRes (Filter.Res).
var resForZoom = [...]int{6: 5, 7: 5, 8: 6, 9: 7, 10: 8, 11: 8, 12: 9, 13: 10, 14: 10, 15: 11, 16: 11, 17: 11, 18: 11}

// ResForZoom is the hexagon resolution drawn for staff at zoom z (z within the hotspot layer's range; clamped
// otherwise).
func ResForZoom(z int) int {
	z = min(max(z, 6), len(resForZoom)-1)
	return resForZoom[z]
}

// PublicMaxRes is the finest hexagon resolution shown to anyone but staff. A resolution-11 hexagon (edge about
// 25 m) over a narrow from/to window can single out one resident's report more closely than the public case view,
// which rounds points to 0.001° (about 100 m); resolution 10 (edge about 66 m, 0.015 km²) is comparable to that
// rounding.
const PublicMaxRes = 10

// Res is the hexagon resolution drawn for f at zoom z: ResForZoom, at most PublicMaxRes unless f.Fine.
func (f Filter) Res(z int) int {
	res := ResForZoom(z)
	if !f.Fine {
		res = min(res, PublicMaxRes)
	}
	return res
}

// CaseRow is what the hotspot index keeps of a case.
type CaseRow struct {
	ID        int64
	CreatedAt time.Time
	Category  string
	Status    string
	Cell      h3.Cell // at geo.CaseRes, as stored in cases.h3
}

// Filter selects cases for a hotspot query; zero fields select everything. From is inclusive, To exclusive.
// Fine lets the tiles go down to the cases' own resolution (for staff); without it they stop at PublicMaxRes.
type Filter struct {
	Category string
	Status   string
	From, To time.Time
	Fine     bool
}

// Key is the filter's selection of cases as a stable string, for cache keys; it leaves Fine out, as the resolution
// drawn (Filter.Res) is a key of its own: staff and public tiles that draw the same resolution are the same.
func (f Filter) Key() string {
	var from, to int64
	if !f.From.IsZero() {
		from = f.From.UnixNano()
	}
	if !f.To.IsZero() {
		to = f.To.UnixNano()
	}
	return f.Category + "|" + f.Status + "|" + strconv.FormatInt(from, 10) + "|" + strconv.FormatInt(to, 10)
}

type indexed struct {
	id       int64
	created  int64 // unix nanoseconds
	category string
	status   string
	cells    [nRes]h3.Cell // the case's cell at MinRes..CaseRes
	ids      [nRes]int32   // their dense ids (Hotspots.list)
}

func (f Filter) match(e *indexed) bool {
	return (f.Category == "" || e.category == f.Category) && (f.Status == "" || e.status == f.Status) &&
		(f.From.IsZero() || e.created >= f.From.UnixNano()) && (f.To.IsZero() || e.created < f.To.UnixNano())
}

// cellInfo is computed once per cell that holds a case, so that queries make no cgo call.
type cellInfo struct {
	ring   orb.Ring  // the hexagon in WGS-84, closed
	merc   orb.Ring  // the same in Web Mercator world coordinates (encodeHexagons)
	bound  orb.Bound // the ring's box
	centre orb.Point
	cell   h3.Cell
	disk   []h3.Cell // the cell and its ring-1 neighbours
	// diskIDs are the dense ids of disk's cells, -1 for a cell that has never held a case; kept current as cells
	// join (ring-1 neighbourhood is symmetric).
	diskIDs []int32
}

// Hotspots is the in-memory index of every case by H3 cell at each resolution from MinRes to 11. Each case's
// parents are computed once when it is added (h3 CellToParent is a cgo call), so a query is a pure-Go pass over
// the cases: it counts the filtered cases per hexagon at the asked resolution and computes Gi*.
type Hotspots struct {
	mu    sync.RWMutex
	cases []indexed
	pos   map[int64]int         // case id → index in cases
	cells map[h3.Cell]int32     // dense id of every cell that holds or held a case, at any resolution
	list  []*cellInfo           // by dense id
	memo  map[string]*Aggregate // aggregates by filter and resolution since the last change
	gen   uint64                // bumped by every change
}

// NewHotspots returns an empty index.
func NewHotspots() *Hotspots {
	return &Hotspots{pos: map[int64]int{}, cells: map[h3.Cell]int32{}, memo: map[string]*Aggregate{}}
}

// Len is the number of cases indexed.
func (h *Hotspots) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.cases)
}

// StatusCounts counts the cases indexed by status (a pass over memory, no query).
func (h *Hotspots) StatusCounts() map[string]int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := map[string]int{}
	for i := range h.cases {
		out[h.cases[i].status]++
	}
	return out
}

// Load replaces the index with rows.
func (h *Hotspots) Load(rows []CaseRow) error {
	fresh := NewHotspots()
	if err := fresh.Upsert(rows...); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cases, h.pos, h.cells, h.list = fresh.cases, fresh.pos, fresh.cells, fresh.list
	h.memo = map[string]*Aggregate{}
	h.gen++
	return nil
}

// Upsert adds cases or updates them (a status change) by id.
func (h *Hotspots) Upsert(rows ...CaseRow) error {
	if len(rows) == 0 {
		return nil
	}
	entries := make([]indexed, len(rows))
	newCells := map[h3.Cell]*cellInfo{}
	h.mu.RLock()
	known := func(c h3.Cell) bool { _, ok := h.cells[c]; return ok }
	var err error
	for i, r := range rows {
		if r.Cell.Resolution() != geo.CaseRes || !r.Cell.IsValid() {
			err = fmt.Errorf("case %d: cell %x is not a valid resolution-%d cell", r.ID, int64(r.Cell), geo.CaseRes)
			break
		}
		e := indexed{id: r.ID, created: r.CreatedAt.UnixNano(), category: r.Category, status: r.Status}
		for res := MinRes; res <= geo.CaseRes; res++ {
			c := r.Cell
			if res < geo.CaseRes {
				if c, err = r.Cell.Parent(res); err != nil {
					break
				}
			}
			e.cells[res-MinRes] = c
			if newCells[c] == nil && !known(c) {
				newCells[c] = &cellInfo{}
			}
		}
		if err != nil {
			break
		}
		entries[i] = e
	}
	h.mu.RUnlock()
	if err != nil {
		return err
	}
	for c, info := range newCells {
		if err := info.fill(c); err != nil {
			return err
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for c, info := range newCells {
		if _, ok := h.cells[c]; !ok {
			h.addCell(c, info)
		}
	}
	for i := range entries {
		e := &entries[i]
		for k, c := range e.cells {
			e.ids[k] = h.cells[c]
		}
	}
	for _, e := range entries {
		if i, ok := h.pos[e.id]; ok {
			h.cases[i] = e
			continue
		}
		h.pos[e.id] = len(h.cases)
		h.cases = append(h.cases, e)
	}
	h.memo = map[string]*Aggregate{}
	h.gen++
	return nil
}

// addCell gives a new cell the next dense id and links it with its neighbours that have ids. Under h.mu.
func (h *Hotspots) addCell(c h3.Cell, info *cellInfo) {
	id := int32(len(h.list))
	h.cells[c] = id
	h.list = append(h.list, info)
	info.diskIDs = make([]int32, len(info.disk))
	for i, nb := range info.disk {
		m, ok := h.cells[nb]
		if !ok {
			info.diskIDs[i] = -1
			continue
		}
		info.diskIDs[i] = m
		other := h.list[m]
		for j, back := range other.disk {
			if back == c {
				other.diskIDs[j] = id
			}
		}
	}
}

func (info *cellInfo) fill(c h3.Cell) error {
	info.cell = c
	b, err := h3.CellToBoundary(c)
	if err != nil {
		return fmt.Errorf("cell %s: %w", c, err)
	}
	ring := make(orb.Ring, 0, len(b)+1)
	for _, ll := range b {
		ring = append(ring, orb.Point{ll.Lng, ll.Lat})
	}
	ring = append(ring, ring[0])
	ll, err := h3.CellToLatLng(c)
	if err != nil {
		return fmt.Errorf("cell %s: %w", c, err)
	}
	disk, err := h3.GridDisk(c, 1)
	if err != nil {
		return fmt.Errorf("cell %s: %w", c, err)
	}
	info.merc = make(orb.Ring, len(ring))
	for i, p := range ring {
		info.merc[i] = mercator(p)
	}
	info.ring, info.bound, info.centre, info.disk = ring, ring.Bound(), orb.Point{ll.Lng, ll.Lat}, disk
	return nil
}

// Hex is one hexagon of an aggregate.
type Hex struct {
	Cell   h3.Cell
	Count  int
	Z      float64 // Getis-Ord Gi*
	Ring   orb.Ring
	Bound  orb.Bound
	Centre orb.Point
	merc   orb.Ring
}

// Hot classifies a Gi* z-score at the usual two-sided confidence levels: "hot99" (z ≥ 2.576), "hot95" (≥ 1.960),
// "hot90" (≥ 1.645), the same for "cold" below the negatives, else "none".
func Hot(z float64) string {
	a, kind := math.Abs(z), "hot"
	if z < 0 {
		kind = "cold"
	}
	switch {
	case a >= 2.576:
		return kind + "99"
	case a >= 1.960:
		return kind + "95"
	case a >= 1.645:
		return kind + "90"
	}
	return "none"
}

// Aggregate is the filtered cases counted per hexagon at one resolution, with Gi* per hexagon.
type Aggregate struct {
	Res   int
	Cases int   // cases counted
	Hexes []Hex // in cell order
}

// Aggregate counts the cases that match f per hexagon at res and computes Gi*. Results are kept until the next
// change of the index, so the tiles of one view share one aggregation.
func (h *Hotspots) Aggregate(f Filter, res int) *Aggregate {
	key := f.Key() + "|" + strconv.Itoa(res)
	h.mu.RLock()
	a := h.memo[key]
	gen := h.gen
	h.mu.RUnlock()
	if a != nil {
		return a
	}
	a = h.Compute(f, res)
	h.mu.Lock()
	if h.gen == gen {
		if len(h.memo) >= 256 {
			clear(h.memo)
		}
		h.memo[key] = a
	}
	h.mu.Unlock()
	return a
}

// Compute is Aggregate without the memo.
//
// Gi* (Getis & Ord 1995, the G_i^* of ArcGIS's Hot Spot Analysis) for hexagon i over the study area of the n
// hexagons that hold at least one matching case at this resolution (all cases are inside the city's coverage:
// intake rejects points outside every grid), with counts x_j, binary weights w_ij = 1 for j = i and for the
// ring-1 neighbours of i that are in the study area, 0 otherwise, W_i = Σ_j w_ij:
//
//	X̄ = Σ_j x_j / n,   S = sqrt(Σ_j x_j² / n − X̄²)
//	Gi* = (Σ_j w_ij x_j − X̄ W_i) / (S · sqrt((n W_i − W_i²) / (n − 1)))
//
// Gi* is 0 when it is undefined (n < 2, S = 0, or W_i = n).
func (h *Hotspots) Compute(f Filter, res int) *Aggregate {
	res = min(max(res, MinRes), geo.CaseRes)
	h.mu.RLock()
	defer h.mu.RUnlock()
	k := res - MinRes
	// Counts by dense cell id: no map on the per-case path.
	counts := make([]int32, len(h.list))
	var touched []int32
	a := &Aggregate{Res: res}
	all := f == Filter{}
	for i := range h.cases {
		e := &h.cases[i]
		if all || f.match(e) {
			id := e.ids[k]
			if counts[id] == 0 {
				touched = append(touched, id)
			}
			counts[id]++
			a.Cases++
		}
	}
	xs := make([]float64, len(touched))
	for i, id := range touched {
		xs[i] = float64(counts[id])
	}
	gi := giStar(xs)
	a.Hexes = make([]Hex, 0, len(touched))
	for _, id := range touched {
		info := h.list[id]
		var sum, w float64
		for _, nb := range info.diskIDs {
			if nb >= 0 && counts[nb] > 0 {
				sum += float64(counts[nb])
				w++
			}
		}
		a.Hexes = append(a.Hexes, Hex{Cell: info.cell, Count: int(counts[id]), Z: gi(sum, w), Ring: info.ring,
			Bound: info.bound, Centre: info.centre, merc: info.merc})
	}
	slices.SortFunc(a.Hexes, func(p, q Hex) int {
		switch {
		case p.Cell < q.Cell:
			return -1
		case p.Cell > q.Cell:
			return 1
		}
		return 0
	})
	return a
}

// giStar returns, for the study area's counts xs, the function from a neighbourhood's sum of counts and weight
// to the Gi* z-score (see Compute).
func giStar(xs []float64) func(sum, w float64) float64 {
	n := float64(len(xs))
	var s1, s2 float64
	for _, x := range xs {
		s1 += x
		s2 += x * x
	}
	if n < 2 {
		return func(float64, float64) float64 { return 0 }
	}
	mean := s1 / n
	s := math.Sqrt(max(s2/n-mean*mean, 0))
	return func(sum, w float64) float64 {
		den := s * math.Sqrt((n*w-w*w)/(n-1))
		if !(den > 1e-12) {
			return 0
		}
		return (sum - mean*w) / den
	}
}

// Within lists the hexagons whose centres lie in mp and whose Gi* is at least minZ.
func (a *Aggregate) Within(mp orb.MultiPolygon, minZ float64) []Hex {
	b := mp.Bound()
	var out []Hex
	for _, hx := range a.Hexes {
		if hx.Z >= minZ && b.Contains(hx.Centre) && planar.MultiPolygonContains(mp, hx.Centre) {
			out = append(out, hx)
		}
	}
	return out
}

// Tile encodes the hexagons that reach into tile t as the MVT layer "hotspots"; nil when none does.
func (a *Aggregate) Tile(t maptile.Tile) ([]byte, error) {
	box := TileBound(t)
	var in []Hex
	for _, hx := range a.Hexes {
		if hx.Bound.Intersects(box) {
			in = append(in, hx)
		}
	}
	return encodeHexagons(in, a.Res, t), nil
}

// Tile renders the hotspot tile t for the cases that match f, at f.Res(t.Z).
func (h *Hotspots) Tile(t maptile.Tile, f Filter) ([]byte, error) {
	return h.Aggregate(f, f.Res(int(t.Z))).Tile(t)
}
