package geo_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/geo"
)

func locSquare(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func locUnit(level geo.Level, code string, polys ...orb.Polygon) geo.Unit {
	return geo.Unit{Level: level, Code: code, Name: "单元" + code, Geometry: orb.MultiPolygon(polys)}
}

func locCode(r *geo.Ref) string {
	if r == nil {
		return ""
	}
	return r.Code
}

// A test town on [118.40, 118.42] × [36.60, 36.62]: one street with a hole (a locPark) at its north-east, two
// communities (west and east, sharing x = 118.41), each with two grids (south and north, sharing y = 36.61), and
// buildings: four meeting at one corner, and one made of two parts.
const (
	locSt   = "370781999"
	locCW   = locSt + "001"
	locCE   = locSt + "002"
	locGWS  = locCW + "001"
	locGWN  = locCW + "002"
	locGES  = locCE + "001"
	locGEN  = locCE + "002"
	locPark = "370781998"
)

func locTown(t *testing.T) *geo.Locator {
	t.Helper()
	units := []geo.Unit{
		locUnit(geo.LevelStreet, locSt,
			orb.Polygon{locSquare(118.40, 36.60, 118.42, 36.62), locSquare(118.415, 36.615, 118.418, 36.618)}),
		// A second street that fills the hole exactly.
		locUnit(geo.LevelStreet, locPark, orb.Polygon{locSquare(118.415, 36.615, 118.418, 36.618)}),
		locUnit(geo.LevelCommunity, locCE, orb.Polygon{locSquare(118.41, 36.60, 118.42, 36.62)}),
		locUnit(geo.LevelCommunity, locCW, orb.Polygon{locSquare(118.40, 36.60, 118.41, 36.62)}),
		locUnit(geo.LevelGrid, locGWS, orb.Polygon{locSquare(118.40, 36.60, 118.41, 36.61)}),
		locUnit(geo.LevelGrid, locGWN, orb.Polygon{locSquare(118.40, 36.61, 118.41, 36.62)}),
		locUnit(geo.LevelGrid, locGES, orb.Polygon{locSquare(118.41, 36.60, 118.42, 36.61)}),
		locUnit(geo.LevelGrid, locGEN, orb.Polygon{locSquare(118.41, 36.61, 118.42, 36.62)}),
		// Four buildings meeting at (118.41, 36.61), one in each grid.
		locUnit(geo.LevelBuilding, locGWS+"001", orb.Polygon{locSquare(118.409, 36.609, 118.41, 36.61)}),
		locUnit(geo.LevelBuilding, locGWN+"001", orb.Polygon{locSquare(118.409, 36.61, 118.41, 36.611)}),
		locUnit(geo.LevelBuilding, locGES+"001", orb.Polygon{locSquare(118.41, 36.609, 118.411, 36.61)}),
		locUnit(geo.LevelBuilding, locGEN+"001", orb.Polygon{locSquare(118.41, 36.61, 118.411, 36.611)}),
		// A building of two parts, the second with a courtyard.
		locUnit(geo.LevelBuilding, locGWS+"002",
			orb.Polygon{locSquare(118.401, 36.601, 118.402, 36.602)},
			orb.Polygon{locSquare(118.403, 36.601, 118.405, 36.603), locSquare(118.4035, 36.6015, 118.4045, 36.6025)}),
		// Not area levels: ignored.
		{Level: geo.LevelDiscussPoint, Code: "DP1", Name: "议事亭", Geometry: orb.Point{118.405, 36.605}},
		{Level: geo.LevelRoad, Code: "R1", Name: "路", Geometry: orb.LineString{{118.40, 36.61}, {118.42, 36.61}}},
	}
	l, err := geo.NewLocator(units)
	require.NoError(t, err)
	require.Equal(t, 13, l.Len())
	return l
}

func TestLocate(t *testing.T) {
	l := locTown(t)
	cases := []struct {
		name                              string
		p                                 orb.Point
		street, community, grid, building string
	}{
		{"inside a building", orb.Point{118.4015, 36.6015}, locSt, locCW, locGWS, locGWS + "002"},
		{"inside a grid, no building", orb.Point{118.407, 36.605}, locSt, locCW, locGWS, ""},
		{"on the border of two communities: the lowest code", orb.Point{118.41, 36.605}, locSt, locCW, locGWS, ""},
		{"on the border of two grids of one community", orb.Point{118.405, 36.61}, locSt, locCW, locGWS, ""},
		{"on the border of the east grids", orb.Point{118.415, 36.61}, locSt, locCE, locGES, ""},
		{"on the corner of four buildings", orb.Point{118.41, 36.61}, locSt, locCW, locGWS, locGWS + "001"},
		{"on a building's corner shared by two", orb.Point{118.41, 36.611}, locSt, locCW, locGWN, locGWN + "001"},
		{"on the town's outer vertex", orb.Point{118.40, 36.60}, locSt, locCW, locGWS, ""},
		{"on the town's outer edge", orb.Point{118.42, 36.605}, locSt, locCE, locGES, ""},
		{"in the street's hole: the locPark street", orb.Point{118.416, 36.616}, locPark, locCE, locGEN, ""},
		{"on the hole's ring: both streets, the lowest code", orb.Point{118.415, 36.616}, locPark, locCE, locGEN, ""},
		{"on the hole's corner", orb.Point{118.418, 36.618}, locPark, locCE, locGEN, ""},
		{"in the second part of a multipolygon", orb.Point{118.4033, 36.602}, locSt, locCW, locGWS, locGWS + "002"},
		{"in the courtyard of the second part", orb.Point{118.404, 36.602}, locSt, locCW, locGWS, ""},
		{"on the courtyard's ring", orb.Point{118.4035, 36.602}, locSt, locCW, locGWS, locGWS + "002"},
		{"between the parts", orb.Point{118.4025, 36.6015}, locSt, locCW, locGWS, ""},
		{"just outside the town", orb.Point{math.Nextafter(118.42, 119), 36.605}, "", "", "", ""},
		{"far outside", orb.Point{116.4, 39.9}, "", "", "", ""},
		{"NaN", orb.Point{math.NaN(), 36.605}, "", "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc := l.Locate(tc.p)
			assert.Equal(t, tc.street, locCode(loc.Street), "street")
			assert.Equal(t, tc.community, locCode(loc.Community), "community")
			assert.Equal(t, tc.grid, locCode(loc.Grid), "grid")
			assert.Equal(t, tc.building, locCode(loc.Building), "building")
		})
	}
}

func TestCovering(t *testing.T) {
	l := locTown(t)
	assert.Equal(t, []string{locGWS + "001", locGWN + "001", locGES + "001", locGEN + "001"},
		l.Covering(orb.Point{118.41, 36.61}, geo.LevelBuilding), "all four buildings touch the corner")
	assert.Equal(t, []string{locGWS, locGWN, locGES, locGEN}, l.Covering(orb.Point{118.41, 36.61}, geo.LevelGrid))
	assert.Equal(t, []string{locCW, locCE}, l.Covering(orb.Point{118.41, 36.615}, geo.LevelCommunity))
	assert.Equal(t, []string{locPark, locSt}, l.Covering(orb.Point{118.418, 36.6165}, geo.LevelStreet),
		"on the hole's ring")
	assert.Equal(t, []string{locPark}, l.Covering(orb.Point{118.416, 36.616}, geo.LevelStreet), "inside the hole")
	assert.Empty(t, l.Covering(orb.Point{118.43, 36.61}, geo.LevelStreet))
	assert.Empty(t, l.Covering(orb.Point{118.405, 36.605}, geo.LevelDiscussPoint))
	// The levels agree with each other on borders: each answer extends the one above.
	loc := l.Locate(orb.Point{118.41, 36.61})
	assert.Regexp(t, "^"+loc.Community.Code, loc.Grid.Code)
	assert.Regexp(t, "^"+loc.Grid.Code, loc.Building.Code)
}

func TestLocatorUnit(t *testing.T) {
	l := locTown(t)
	u, ok := l.Unit(locGEN)
	require.True(t, ok)
	assert.Equal(t, geo.LevelGrid, u.Level)
	assert.Equal(t, "单元"+locGEN, u.Name)
	_, ok = l.Unit("DP1")
	assert.False(t, ok, "discuss points are not indexed")
	_, ok = l.Unit("nope")
	assert.False(t, ok)
}

func TestNearest(t *testing.T) {
	l := locTown(t)
	// 0.001° north of the town's north edge: a degree of latitude at 36.62° N is 110,960 m.
	ref, m, ok := l.Nearest(orb.Point{118.405, 36.621}, geo.LevelGrid)
	require.True(t, ok)
	assert.Equal(t, locGWN, ref.Code)
	assert.InDelta(t, 110.96, m, 0.05)
	// 0.001° east: a degree of longitude at 36.61° N is 89,470 m.
	ref, m, ok = l.Nearest(orb.Point{118.421, 36.605}, geo.LevelGrid)
	require.True(t, ok)
	assert.Equal(t, locGES, ref.Code)
	assert.InDelta(t, 89.47, m, 0.05)
	// Diagonally off the south-west corner.
	ref, m, ok = l.Nearest(orb.Point{118.399, 36.599}, geo.LevelGrid)
	require.True(t, ok)
	assert.Equal(t, locGWS, ref.Code)
	assert.InDelta(t, math.Hypot(89.48, 110.96), m, 0.1)
	// Equidistant from two grids: the lowest code.
	ref, _, ok = l.Nearest(orb.Point{118.41, 36.63}, geo.LevelGrid)
	require.True(t, ok)
	assert.Equal(t, locGWN, ref.Code)
	// Inside the courtyard the building is 0.0005° away (east-west: 44.7 m; north-south: 55.5 m).
	ref, m, ok = l.Nearest(orb.Point{118.404, 36.602}, geo.LevelBuilding)
	require.True(t, ok)
	assert.Equal(t, locGWS+"002", ref.Code)
	assert.InDelta(t, 44.74, m, 0.05)
	// Covered: distance 0.
	ref, m, ok = l.Nearest(orb.Point{118.405, 36.605}, geo.LevelGrid)
	require.True(t, ok)
	assert.Equal(t, locGWS, ref.Code)
	assert.Zero(t, m)

	empty, err := geo.NewLocator(nil)
	require.NoError(t, err)
	_, _, ok = empty.Nearest(orb.Point{118.405, 36.605}, geo.LevelGrid)
	assert.False(t, ok)
	assert.Equal(t, geo.Location{}, empty.Locate(orb.Point{118.405, 36.605}))
}

func TestNewLocatorRejects(t *testing.T) {
	_, err := geo.NewLocator([]geo.Unit{
		locUnit(geo.LevelGrid, locGWS, orb.Polygon{locSquare(0, 0, 1, 1)}),
		locUnit(geo.LevelGrid, locGWS, orb.Polygon{locSquare(1, 0, 2, 1)}),
	})
	assert.ErrorContains(t, err, "appears twice")
	_, err = geo.NewLocator([]geo.Unit{{Level: geo.LevelGrid, Code: locGWS, Geometry: orb.Point{1, 2}}})
	assert.ErrorContains(t, err, "want a MultiPolygon")
	_, err = geo.NewLocator([]geo.Unit{{Level: geo.LevelGrid, Code: locGWS, Geometry: orb.MultiPolygon{}}})
	assert.ErrorContains(t, err, "no polygon")
	_, err = geo.NewLocator([]geo.Unit{locUnit(geo.LevelGrid, locGWS, orb.Polygon{locSquare(0, 0, math.NaN(), 1)})})
	assert.ErrorContains(t, err, "not finite")
	// A plain Polygon is accepted.
	l, err := geo.NewLocator([]geo.Unit{
		{Level: geo.LevelGrid, Code: locGWS, Geometry: orb.Polygon{locSquare(0, 0, 1, 1)}}})
	require.NoError(t, err)
	assert.Equal(t, locGWS, locCode(l.Locate(orb.Point{0.5, 0.5}).Grid))
}

func TestLocateDoesNotAllocate(t *testing.T) {
	l := locTown(t)
	p := orb.Point{118.41, 36.61}
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = l.Locate(p) }))
}

// pipReference is PostGIS 3.3's covers() for a (multi)polygon and a point, transcribed without any index: the
// float32 box short-circuit (liblwgeom's next_float_down/up), then point_in_multipolygon over every edge of every
// ring (postgis/lwgeom_functions_analytic.c).
func locReference(mp orb.MultiPolygon, px, py float64) bool {
	b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for _, poly := range mp {
		for _, q := range poly[0] {
			b = b.Extend(q)
		}
	}
	down := func(d float64) float64 {
		f := float32(d)
		if float64(f) <= d {
			return float64(f)
		}
		return float64(math.Nextafter32(f, -math.MaxFloat32))
	}
	up := func(d float64) float64 {
		f := float32(d)
		if float64(f) >= d {
			return float64(f)
		}
		return float64(math.Nextafter32(f, math.MaxFloat32))
	}
	if px < down(b.Min[0]) || px > up(b.Max[0]) || py < down(b.Min[1]) || py > up(b.Max[1]) {
		return false
	}
	ring := func(r orb.Ring) int {
		wn := 0
		for i := 0; i+1 < len(r); i++ {
			s1, s2 := r[i], r[i+1]
			side := float64((s2[0]-s1[0])*(py-s1[1])) - float64((px-s1[0])*(s2[1]-s1[1]))
			if s2[0] == s1[0] && s2[1] == s1[1] {
				continue
			}
			if side == 0 && !(math.Max(s1[0], s2[0]) < px || math.Min(s1[0], s2[0]) > px) &&
				!(math.Max(s1[1], s2[1]) < py || math.Min(s1[1], s2[1]) > py) {
				return 0
			}
			if s1[1] <= py && py < s2[1] && side > 0 {
				wn++
			} else if s2[1] <= py && py < s1[1] && side < 0 {
				wn--
			}
		}
		if wn == 0 {
			return -1
		}
		return 1
	}
	result := -1
	for _, poly := range mp {
		in := ring(poly[0])
		if in == -1 {
			continue
		}
		if in == 0 {
			return true
		}
		result = in
		for _, hole := range poly[1:] {
			h := ring(hole)
			if h == 1 {
				result = -1
				break
			}
			if h == 0 {
				return true
			}
		}
		if result != -1 {
			return true
		}
	}
	return false
}

// lattice builds a demo-like city on a jittered lattice of building blocks (coordinates rounded to 1e-7° as the
// demo's are): nx × ny buildings, grids of 3 × 3 buildings, communities of 4 × 4 grids, streets of 3 × 2
// communities, every outline following the shared lattice vertices.
func locLattice(seed uint64, nx, ny int) []geo.Unit {
	rng := rand.New(rand.NewPCG(seed, 7))
	x0, y0, dx, dy := 118.4390, 36.6700, 0.00114, 0.00113
	v := make([][]orb.Point, nx+1)
	for i := range v {
		v[i] = make([]orb.Point, ny+1)
		for j := range v[i] {
			jx, jy := (rng.Float64()-0.5)*0.4*dx, (rng.Float64()-0.5)*0.4*dy
			if i == 0 || i == nx {
				jx = 0
			}
			if j == 0 || j == ny {
				jy = 0
			}
			v[i][j] = orb.Point{math.Round((x0+float64(i)*dx+jx)*1e7) / 1e7, math.Round((y0+float64(j)*dy+jy)*1e7) / 1e7}
		}
	}
	outline := func(i0, j0, i1, j1 int) orb.Polygon {
		var r orb.Ring
		for i := i0; i < i1; i++ {
			r = append(r, v[i][j0])
		}
		for j := j0; j < j1; j++ {
			r = append(r, v[i1][j])
		}
		for i := i1; i > i0; i-- {
			r = append(r, v[i][j1])
		}
		for j := j1; j > j0; j-- {
			r = append(r, v[i0][j])
		}
		return orb.Polygon{append(r, r[0])}
	}
	var units []geo.Unit
	const gb, cg, sc = 3, 4, 3 // buildings a grid side, grids a community side, communities a street's width
	for si := 0; si*gb*cg*sc < nx; si++ {
		for sj := 0; sj*gb*cg*2 < ny; sj++ {
			sCode := fmt.Sprintf("370781%03d", sj*10+si+1)
			i0, j0 := si*gb*cg*sc, sj*gb*cg*2
			units = append(units, locUnit(geo.LevelStreet, sCode,
				outline(i0, j0, min(i0+gb*cg*sc, nx), min(j0+gb*cg*2, ny))))
			for ci := i0; ci < min(i0+gb*cg*sc, nx); ci += gb * cg {
				for cj := j0; cj < min(j0+gb*cg*2, ny); cj += gb * cg {
					cCode := fmt.Sprintf("%s%03d", sCode, len(units))
					units = append(units, locUnit(geo.LevelCommunity, cCode,
						outline(ci, cj, min(ci+gb*cg, nx), min(cj+gb*cg, ny))))
					seq := 0
					for gi := ci; gi < min(ci+gb*cg, nx); gi += gb {
						for gj := cj; gj < min(cj+gb*cg, ny); gj += gb {
							seq++
							gCode := fmt.Sprintf("%s%03d", cCode, seq)
							units = append(units, locUnit(geo.LevelGrid, gCode, outline(gi, gj, min(gi+gb, nx), min(gj+gb, ny))))
							b := 0
							for bi := gi; bi < min(gi+gb, nx); bi++ {
								for bj := gj; bj < min(gj+gb, ny); bj++ {
									b++
									units = append(units, locUnit(geo.LevelBuilding, fmt.Sprintf("%s%03d", gCode, b),
										outline(bi, bj, bi+1, bj+1)))
								}
							}
						}
					}
				}
			}
		}
	}
	return units
}

// TestLocatorMatchesReference compares the indexed lookup with the plain transcription of PostGIS on points over
// a jittered lattice, many on shared vertices and edges: the index only ever skips what cannot change the answer.
func TestLocatorMatchesReference(t *testing.T) {
	units := locLattice(1, 72, 48)
	l, err := geo.NewLocator(units)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(2, 3))
	var byLevel [4][]geo.Unit
	for _, u := range units {
		for s, lv := range geo.AreaLevels {
			if u.Level == lv {
				byLevel[s] = append(byLevel[s], u)
			}
		}
	}
	var bounds [4][]orb.Bound
	for s := range byLevel {
		for _, u := range byLevel[s] {
			bounds[s] = append(bounds[s], u.Geometry.Bound())
		}
	}
	var verts []orb.Point
	for _, u := range byLevel[3] {
		verts = append(verts, u.Geometry.(orb.MultiPolygon)[0][0]...)
	}
	bad := 0
	for n := 0; n < 20000; n++ {
		var p orb.Point
		switch n % 4 {
		case 0: // anywhere
			p = orb.Point{118.438 + rng.Float64()*0.085, 36.669 + rng.Float64()*0.056}
		case 1: // on a vertex
			p = verts[rng.IntN(len(verts))]
		case 2: // a few ULPs off a vertex
			p = verts[rng.IntN(len(verts))]
			for range 1 + rng.IntN(3) {
				p[0] = math.Nextafter(p[0], math.Inf(rng.IntN(2)*2-1))
				p[1] = math.Nextafter(p[1], math.Inf(rng.IntN(2)*2-1))
			}
		case 3: // on an edge (as nearly as doubles allow) or within 1e-9° of it
			k := rng.IntN(len(verts)/5)*5 + rng.IntN(4)
			a, b := verts[k], verts[k+1]
			f := rng.Float64()
			p = orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}
			if rng.IntN(2) == 0 {
				p[0] += (rng.Float64() - 0.5) * 2e-9
			}
		}
		loc := l.Locate(p)
		for s, got := range []*geo.Ref{loc.Street, loc.Community, loc.Grid, loc.Building} {
			want := ""
			for i, u := range byLevel[s] {
				if !bounds[s][i].Pad(1e-4).Contains(p) {
					continue // far from this unit: the reference need not look
				}
				if locReference(u.Geometry.(orb.MultiPolygon), p[0], p[1]) && (want == "" || u.Code < want) {
					want = u.Code
				}
			}
			if locCode(got) != want {
				bad++
				if bad <= 5 {
					t.Errorf("%s at (%.17g, %.17g): locator %q, reference %q", geo.AreaLevels[s], p[0], p[1], locCode(got), want)
				}
			}
		}
	}
	assert.Zero(t, bad)
}

func BenchmarkLocate(b *testing.B) {
	l, err := geo.NewLocator(locLattice(1, 72, 48))
	require.NoError(b, err)
	rng := rand.New(rand.NewPCG(1, 2))
	pts := make([]orb.Point, 4096)
	for i := range pts {
		pts[i] = orb.Point{118.439 + rng.Float64()*0.0821, 36.670 + rng.Float64()*0.0542}
	}
	b.ReportAllocs()
	b.ResetTimer()
	found := 0
	for i := 0; b.Loop(); i++ {
		if l.Locate(pts[i&4095]).Building != nil {
			found++
		}
	}
	if found == 0 {
		b.Fatal("no point found a building")
	}
}

// TestLocatorComb: a comb of tall thin teeth (so that slabs hold many edges) and a hole, against the reference.
func TestLocatorComb(t *testing.T) {
	var r orb.Ring
	x0, y0 := 118.40, 36.60
	for k := 0; k < 300; k++ {
		x := x0 + float64(k)*1e-4
		r = append(r, orb.Point{x, y0 + 0.001}, orb.Point{x, y0 + 0.02}, orb.Point{x + 0.5e-4, y0 + 0.02},
			orb.Point{x + 0.5e-4, y0 + 0.001})
	}
	r = append(r, orb.Point{x0 + 0.03, y0 + 0.001}, orb.Point{x0 + 0.03, y0}, orb.Point{x0, y0}, orb.Point{x0, y0 + 0.001})
	mp := orb.MultiPolygon{{r, locSquare(x0+0.01, y0+0.0002, x0+0.02, y0+0.0008)}}
	l, err := geo.NewLocator([]geo.Unit{{Level: geo.LevelGrid, Code: locGWS, Geometry: mp}})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(9, 9))
	for n := 0; n < 20000; n++ {
		p := orb.Point{x0 - 0.001 + rng.Float64()*0.032, y0 - 0.001 + rng.Float64()*0.022}
		if n%2 == 1 {
			p = r[rng.IntN(len(r))]
			p[1] += float64(rng.IntN(3)-1) * 1e-5
		}
		want := locReference(mp, p[0], p[1])
		require.Equal(t, want, l.Locate(p).Grid != nil, "POINT(%.17g %.17g)", p[0], p[1])
	}
}
