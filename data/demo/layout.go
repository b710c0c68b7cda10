package demo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// cityMap is one district of the demo city drawn on a lattice of blocks, north at the top and west on the left.
// Each block is one grid; each letter is a community, a–z in the order of the district's communities (the
// streets in the CSV's order and, within a street, its communities in the CSV's order followed by the generated
// ones); '.' is a block outside the city. a–h are 王府街道 (the old town in the centre and north), i–m 益都街道
// (west), n–w 云门山街道 (south) and x–z 黄楼街道 (east). Every community and street is 4-connected, has no hole
// and never meets itself at a single corner, so its outline traces to valid polygons; checkMap verifies that.
var cityMap = []string{
	"......ggggcc....",
	".....igggaccccx.",
	"jjiiiiggaaacxxx.",
	"jjjiibbaaaacxxxx",
	"jjkkibbbdddeyyyz",
	"jkkkbbbdddeeyyzz",
	"mkkkffhhddeeyyzz",
	"mlllfffhhheeyzzz",
	"mlllfffhhhennnnq",
	"mllsoooppppnnnnq",
	"mmssooorrpppnqqq",
	"mmssoorrrptttqqq",
	".ssuuurrvvtttwww",
	"..suuurvvvttwww.",
	".....uuv.vvww...",
}

// mapStreetCommunities is how many of the map's communities (letters, in order) each street has.
var mapStreetCommunities = []int{8, 5, 10, 3}

const (
	mapCols = 16
	mapRows = 15

	// Block size and jitter: lattice nodes sit on a regular 450 m × 400 m spacing, each moved by up to 12 % of
	// the spacing in each direction, which keeps every block a convex quadrilateral.
	blockWidthM  = 450.0
	blockHeightM = 400.0
	jitterFrac   = 0.12

	// centreLon, centreLat is the middle of the first district: Qingzhou's urban centre.
	centreLon       = 118.480
	centreLat       = 36.697
	metresPerDegLat = 111320.0

	// copyGap is the number of empty blocks between neighbouring districts at Scale > 1.
	copyGap = 2

	// coordScale rounds every coordinate to 1e-7° (about 1 cm).
	coordScale = 1e7
)

func roundCoord(x float64) float64 { return math.Round(x*coordScale) / coordScale }

// blockDegrees is the nominal block size in degrees of longitude and latitude.
func blockDegrees() (dLon, dLat float64) {
	dLat = blockHeightM / metresPerDegLat
	dLon = blockWidthM / (metresPerDegLat * math.Cos(centreLat*math.Pi/180))
	return dLon, dLat
}

// checkMap verifies the map: its size, its letters, and that every community, street and the whole district is a
// connected set of blocks without holes or single-corner contacts.
func checkMap() error {
	if len(cityMap) != mapRows {
		return fmt.Errorf("map has %d rows, want %d", len(cityMap), mapRows)
	}
	total := 0
	for _, n := range mapStreetCommunities {
		total += n
	}
	sizes := make([]int, total)
	for r, row := range cityMap {
		if len(row) != mapCols {
			return fmt.Errorf("map row %d has %d columns, want %d", r, len(row), mapCols)
		}
		for _, ch := range []byte(row) {
			if ch == '.' {
				continue
			}
			m := int(ch) - 'a'
			if m < 0 || m >= total {
				return fmt.Errorf("map row %d has unknown community %q", r, ch)
			}
			sizes[m]++
		}
	}
	for m, n := range sizes {
		if n < 6 || n > 11 {
			return fmt.Errorf("map community %c has %d blocks, want 6 to 11", 'a'+m, n)
		}
	}
	streetOf := mapStreetOf()
	check := func(what string, in func(c, r int) bool) error {
		if err := checkCellSet(in); err != nil {
			return fmt.Errorf("map %s: %w", what, err)
		}
		return nil
	}
	for m := range total {
		if err := check(fmt.Sprintf("community %c", 'a'+m), func(c, r int) bool { return mapCell(c, r) == m }); err != nil {
			return err
		}
	}
	for s := range mapStreetCommunities {
		if err := check(fmt.Sprintf("street %d", s), func(c, r int) bool {
			m := mapCell(c, r)
			return m >= 0 && streetOf[m] == s
		}); err != nil {
			return err
		}
	}
	return check("district", func(c, r int) bool { return mapCell(c, r) >= 0 })
}

// mapCell is the map community index of block (c, r), or -1 outside the city or the map.
func mapCell(c, r int) int {
	if c < 0 || r < 0 || c >= mapCols || r >= mapRows || cityMap[r][c] == '.' {
		return -1
	}
	return int(cityMap[r][c]) - 'a'
}

// mapStreetOf gives the street index of each map community.
func mapStreetOf() []int {
	var out []int
	for s, n := range mapStreetCommunities {
		for range n {
			out = append(out, s)
		}
	}
	return out
}

// checkCellSet reports whether a set of blocks is non-empty, 4-connected, free of holes, and free of two blocks
// that touch only at a corner with the other two blocks of that corner outside the set.
func checkCellSet(in func(c, r int) bool) error {
	type cell struct{ c, r int }
	var start *cell
	count := 0
	for r := range mapRows {
		for c := range mapCols {
			if in(c, r) {
				count++
				if start == nil {
					start = &cell{c, r}
				}
			}
		}
	}
	if start == nil {
		return errors.New("empty")
	}
	steps := []cell{{0, -1}, {1, 0}, {0, 1}, {-1, 0}}
	flood := func(from cell, member func(c, r int) bool, lo, hiC, hiR int) int {
		seen := map[cell]bool{from: true}
		queue := []cell{from}
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			for _, s := range steps {
				n := cell{p.c + s.c, p.r + s.r}
				if n.c < lo || n.r < lo || n.c > hiC || n.r > hiR || seen[n] || !member(n.c, n.r) {
					continue
				}
				seen[n] = true
				queue = append(queue, n)
			}
		}
		return len(seen)
	}
	if n := flood(*start, in, 0, mapCols-1, mapRows-1); n != count {
		return fmt.Errorf("not connected (%d of %d blocks reachable)", n, count)
	}
	for r := 0; r <= mapRows; r++ {
		for c := 0; c <= mapCols; c++ {
			nw, ne, sw, se := in(c-1, r-1), in(c, r-1), in(c-1, r), in(c, r)
			if (nw && se && !ne && !sw) || (ne && sw && !nw && !se) {
				return fmt.Errorf("blocks meet only at the corner of node (%d,%d)", c, r)
			}
		}
	}
	// The complement, padded by one block all round, must be one 4-connected region.
	outside := (mapCols+2)*(mapRows+2) - count
	notIn := func(c, r int) bool { return !in(c, r) }
	if n := flood(cell{-1, -1}, notIn, -1, mapCols, mapRows); n != outside {
		return errors.New("has a hole")
	}
	return nil
}

// lattice holds the node coordinates of one district: (cols+1) × (rows+1) nodes, node (i, j) at column i (west to
// east) and row j (north to south). Every polygon vertex of the district is taken from this table, so
// neighbouring units share exactly the same coordinates.
type lattice struct {
	cols, rows int
	nodes      []orb.Point
}

// newLattice places a district whose north-west corner is at (west, north), drawing each node's jitter once.
func newLattice(rng *rand.Rand, cols, rows int, west, north float64) *lattice {
	dLon, dLat := blockDegrees()
	l := &lattice{cols: cols, rows: rows, nodes: make([]orb.Point, (cols+1)*(rows+1))}
	for j := 0; j <= rows; j++ {
		for i := 0; i <= cols; i++ {
			jx := (rng.Float64()*2 - 1) * jitterFrac
			jy := (rng.Float64()*2 - 1) * jitterFrac
			l.nodes[j*(cols+1)+i] = orb.Point{
				roundCoord(west + (float64(i)+jx)*dLon),
				roundCoord(north - (float64(j)+jy)*dLat),
			}
		}
	}
	return l
}

func (l *lattice) nodeID(i, j int) int { return j*(l.cols+1) + i }

func (l *lattice) node(i, j int) orb.Point { return l.nodes[l.nodeID(i, j)] }

// cellRing is block (c, r) as a closed counter-clockwise ring: south-west, south-east, north-east, north-west.
func (l *lattice) cellRing(c, r int) orb.Ring {
	sw := l.node(c, r+1)
	return orb.Ring{sw, l.node(c+1, r+1), l.node(c+1, r), l.node(c, r), sw}
}

// at maps bilinear parameters inside block (c, r) to a point: u runs west to east, v south to north, both 0..1.
// The map is one-to-one on a convex block, and it takes every straight line u = const or v = const to a straight
// segment, so the image of a parameter rectangle is exactly the quadrilateral of its four corner images.
func (l *lattice) at(c, r int, u, v float64) orb.Point {
	sw, se, ne, nw := l.node(c, r+1), l.node(c+1, r+1), l.node(c+1, r), l.node(c, r)
	a, b, cc, d := (1-u)*(1-v), u*(1-v), u*v, (1-u)*v
	return orb.Point{
		roundCoord(a*sw[0] + b*se[0] + cc*ne[0] + d*nw[0]),
		roundCoord(a*sw[1] + b*se[1] + cc*ne[1] + d*nw[1]),
	}
}

// trace outlines the union of a set of blocks as a MultiPolygon built only from lattice nodes: every block edge
// not shared with another block of the set is a boundary edge, directed so that the set lies on its left, and the
// edges are chained into rings. Outer rings come out counter-clockwise and holes clockwise, every node on the
// boundary stays a vertex, and so the outline shares its borders exactly with the blocks and with neighbouring
// sets. The set must not meet itself at a single corner (checkCellSet).
func (l *lattice) trace(in func(c, r int) bool) (orb.MultiPolygon, error) {
	next := make([]int, len(l.nodes))
	for i := range next {
		next[i] = -1
	}
	var starts []int
	add := func(from, to int) error {
		if next[from] >= 0 {
			return fmt.Errorf("two boundary edges leave node %d", from)
		}
		next[from] = to
		starts = append(starts, from)
		return nil
	}
	for r := range l.rows {
		for c := range l.cols {
			if !in(c, r) {
				continue
			}
			sw, se, ne, nw := l.nodeID(c, r+1), l.nodeID(c+1, r+1), l.nodeID(c+1, r), l.nodeID(c, r)
			edges := []struct {
				outside  bool
				from, to int
			}{
				{!in(c, r+1), sw, se},
				{!in(c+1, r), se, ne},
				{!in(c, r-1), ne, nw},
				{!in(c-1, r), nw, sw},
			}
			for _, e := range edges {
				if e.outside {
					if err := add(e.from, e.to); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	if len(starts) == 0 {
		return nil, errors.New("empty set of blocks")
	}
	used := make([]bool, len(l.nodes))
	var shells, holes []orb.Ring
	for _, s := range starts {
		if used[s] {
			continue
		}
		ring := orb.Ring{}
		for n := s; ; {
			if used[n] {
				if n != s {
					return nil, fmt.Errorf("boundary revisits node %d", n)
				}
				break
			}
			used[n] = true
			ring = append(ring, l.nodes[n])
			n = next[n]
			if n < 0 {
				return nil, errors.New("open boundary")
			}
		}
		ring = append(ring, ring[0])
		switch ring.Orientation() {
		case orb.CCW:
			shells = append(shells, ring)
		case orb.CW:
			holes = append(holes, ring)
		default:
			return nil, errors.New("degenerate ring")
		}
	}
	mp := make(orb.MultiPolygon, len(shells))
	for i, s := range shells {
		mp[i] = orb.Polygon{s}
	}
	for _, h := range holes {
		// A hole belongs to the smallest shell around it (an island inside a hole has its own shell).
		best, bestArea := -1, math.Inf(1)
		for i, s := range shells {
			if a := planar.Area(s); a < bestArea && planar.RingContains(s, h[0]) {
				best, bestArea = i, a
			}
		}
		if best < 0 {
			return nil, errors.New("hole outside every shell")
		}
		mp[best] = append(mp[best], h)
	}
	return mp, nil
}

// multiPolygon wraps one closed exterior ring as a MultiPolygon, the geometry of every area unit.
func multiPolygon(r orb.Ring) orb.MultiPolygon { return orb.MultiPolygon{orb.Polygon{r}} }
