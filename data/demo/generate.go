package demo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"

	"gridgov/geo"
)

// Sizes of one district (the whole city at Scale 1), as Qingzhou reports them.
const (
	compoundsPerDistrict = 1335
	pointsPerDistrict    = 500
	chiefsPerDistrict    = 256
	workersPerDistrict   = 432
	casesPerDistrict     = 23000

	minCompoundsPerGrid = 5
	maxCompoundsPerGrid = 8

	// MaxScale is the largest Scale: each district takes four street codes from 370781101 up, and they must stay
	// three digits.
	MaxScale = 200
)

// Random streams: each part of the city draws from its own stream, so that, for example, asking for a different
// number of cases leaves the geometry and the staff unchanged, and district 0 is the same at every scale.
const (
	streamLayout uint64 = 1 << 32 // + district number
	streamStaff  uint64 = 2 << 32
	streamCases  uint64 = 3 << 32
)

// newRand returns a PCG generator for one stream of a seed.
func newRand(seed int64, stream uint64) *rand.Rand {
	a := splitmix64(uint64(seed) ^ splitmix64(stream))
	return rand.New(rand.NewPCG(a, splitmix64(a^stream)))
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Generate builds the demo city for the options. The same options always give the same city, down to the last
// bit: every random choice comes from PCG streams seeded by opt.Seed, and nothing reads the clock. Scale ≤ 0
// means 1; opt.Now is required (cases fall in the 365 days before it). All times in the city are UTC.
//
// At Scale 1 the city is Qingzhou's urban area: 4 streets, 26 communities, 210 grids, 1,335 compounds, 500
// discuss points, a road network, 256 grid chiefs, 432 grid workers, one party org per community, grid and
// compound, and about 23,000 cases. At Scale N the layout is repeated N times as districts side by side (district
// 0 always being Qingzhou itself), and every count is N times as large.
func Generate(opt Options) (*City, error) {
	if opt.Now.IsZero() {
		return nil, errors.New("demo: Options.Now is required")
	}
	if opt.Scale <= 0 {
		opt.Scale = 1
	}
	if opt.Scale > MaxScale {
		return nil, fmt.Errorf("demo: Options.Scale %d is above the maximum %d", opt.Scale, MaxScale)
	}
	if opt.Cases < 0 {
		return nil, fmt.Errorf("demo: Options.Cases %d is negative", opt.Cases)
	}
	if err := checkMap(); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	base, err := qingzhouUnits()
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	b := &builder{opt: opt, city: &City{Options: opt, Departments: Departments(), Categories: Catalogue()}}
	for k := range opt.Scale {
		if err := b.district(k, districtUnits(base, k)); err != nil {
			return nil, fmt.Errorf("demo: district %d: %w", k, err)
		}
	}
	b.orgs()
	b.staff()
	n := opt.Cases
	if n == 0 {
		n = casesPerDistrict * opt.Scale
	}
	b.cases(n)
	return b.city, nil
}

// builder accumulates the city and the bookkeeping the later steps need.
type builder struct {
	opt       Options
	city      *City
	districts []*district
	grids     []*gridRec // parallel to city.Grids
	roadSeq   int
}

// district is one copy of the map on its own lattice.
type district struct {
	k     int
	lat   *lattice
	grids [mapRows][mapCols]*gridRec // nil outside the city
}

// gridRec is what the builder knows about one grid beyond its geo.Unit.
type gridRec struct {
	unit       int // index in city.Grids
	d          *district
	c, r       int // block on the district's lattice
	street     int // index in city.Streets
	community  int // index in city.Communities
	alley      float64
	compounds  []compoundRec
	points     []int // indices in city.DiscussPoints
	households int
	chiefs     []int // indices in city.People
	workers    []int
}

// compoundRec is a compound as the parameter rectangle [u0,u1] × [v0,v1] of its grid's block.
type compoundRec struct {
	unit           int // index in city.Buildings
	no             int // number within the community: the n of "…社区n号院"
	buildings      int // 楼栋 in the compound
	u0, u1, v0, v1 float64
}

func (c compoundRec) contains(u, v, margin float64) bool {
	return u > c.u0+margin && u < c.u1-margin && v > c.v0+margin && v < c.v1-margin
}

// district lays out the k-th district: lattice, streets, communities, grids, compounds, discuss points, roads.
func (b *builder) district(k int, specs []streetSpec) error {
	rng := newRand(b.opt.Seed, streamLayout+uint64(k))
	dLon, dLat := blockDegrees()
	perRow := int(math.Ceil(math.Sqrt(float64(b.opt.Scale))))
	kx, ky := k%perRow, k/perRow
	west := centreLon - float64(mapCols)/2*dLon + float64(kx*(mapCols+copyGap))*dLon
	north := centreLat + float64(mapRows)/2*dLat - float64(ky*(mapRows+copyGap))*dLat
	d := &district{k: k, lat: newLattice(rng, mapCols, mapRows, west, north)}
	b.districts = append(b.districts, d)

	mapStreet := mapStreetOf()
	firstStreet, firstGrid := len(b.city.Streets), len(b.grids)
	for s, st := range specs {
		mp, err := d.lat.trace(func(c, r int) bool { m := mapCell(c, r); return m >= 0 && mapStreet[m] == s })
		if err != nil {
			return fmt.Errorf("street %s: %w", st.code, err)
		}
		b.city.Streets = append(b.city.Streets, geo.Unit{Level: geo.LevelStreet, Code: st.code, Name: st.name,
			Geometry: mp, Props: map[string]any{}})
	}
	m := 0
	for s, st := range specs {
		for _, cm := range st.communities {
			mm := m
			mp, err := d.lat.trace(func(c, r int) bool { return mapCell(c, r) == mm })
			if err != nil {
				return fmt.Errorf("community %s: %w", cm.code, err)
			}
			source := "nbs-2023"
			if cm.generated {
				source = "generated"
			}
			b.city.Communities = append(b.city.Communities, geo.Unit{Level: geo.LevelCommunity, Code: cm.code,
				Name: cm.name, ParentCode: st.code, Geometry: mp,
				Props: map[string]any{"official_name": cm.official, "source": source}})
			community := len(b.city.Communities) - 1
			// Grids: the community's blocks in reading order, north to south and west to east.
			seq := 0
			for r := range mapRows {
				for c := range mapCols {
					if mapCell(c, r) != mm {
						continue
					}
					seq++
					g := &gridRec{unit: len(b.city.Grids), d: d, c: c, r: r, street: firstStreet + s, community: community}
					d.grids[r][c] = g
					b.grids = append(b.grids, g)
					b.city.Grids = append(b.city.Grids, geo.Unit{Level: geo.LevelGrid,
						Code: fmt.Sprintf("%s%03d", cm.code, seq), Name: fmt.Sprintf("%s第%d网格", cm.name, seq),
						ParentCode: cm.code, Geometry: multiPolygon(d.lat.cellRing(c, r)), Props: map[string]any{}})
				}
			}
			m++
		}
	}
	grids := b.grids[firstGrid:]
	if err := b.compounds(rng, grids); err != nil {
		return err
	}
	if err := b.points(rng, grids); err != nil {
		return err
	}
	b.roads(d, districtSuffix(k))

	// Households add up the hierarchy.
	for _, g := range grids {
		b.city.Grids[g.unit].Props["households"] = g.households
		b.city.Grids[g.unit].Props["compounds"] = len(g.compounds)
		addInt(b.city.Communities[g.community].Props, "households", g.households)
		addInt(b.city.Streets[g.street].Props, "households", g.households)
	}
	return nil
}

func addInt(props map[string]any, key string, n int) {
	v, _ := props[key].(int)
	props[key] = v + n
}

// compounds fills the district's grids with compounds: every grid gets minCompoundsPerGrid, and the rest of
// compoundsPerDistrict go one at a time to random grids that still have room.
func (b *builder) compounds(rng *rand.Rand, grids []*gridRec) error {
	n := len(grids)
	if compoundsPerDistrict < n*minCompoundsPerGrid || compoundsPerDistrict > n*maxCompoundsPerGrid {
		return fmt.Errorf("%d compounds do not fit %d grids", compoundsPerDistrict, n)
	}
	counts := make([]int, n)
	for i := range counts {
		counts[i] = minCompoundsPerGrid
	}
	for extra := compoundsPerDistrict - n*minCompoundsPerGrid; extra > 0; {
		i := rng.IntN(n)
		if counts[i] < maxCompoundsPerGrid {
			counts[i]++
			extra--
		}
	}
	numbers := map[int]int{} // community → compounds numbered so far
	for i, g := range grids {
		grid := b.city.Grids[g.unit]
		community := b.city.Communities[g.community]
		rects, alley := compoundLayout(rng, counts[i])
		g.alley = alley
		for seq, rc := range rects {
			numbers[g.community]++
			no := numbers[g.community]
			rc.unit = len(b.city.Buildings)
			rc.no = no
			households := 20 + rng.IntN(91)
			rc.buildings = 2 + rng.IntN(8)
			g.households += households
			g.compounds = append(g.compounds, rc)
			p00, p10 := g.d.lat.at(g.c, g.r, rc.u0, rc.v0), g.d.lat.at(g.c, g.r, rc.u1, rc.v0)
			p11, p01 := g.d.lat.at(g.c, g.r, rc.u1, rc.v1), g.d.lat.at(g.c, g.r, rc.u0, rc.v1)
			b.city.Buildings = append(b.city.Buildings, geo.Unit{Level: geo.LevelBuilding,
				Code: fmt.Sprintf("%s%03d", grid.Code, seq+1), Name: fmt.Sprintf("%s%d号院", community.Name, no),
				ParentCode: grid.Code, Geometry: multiPolygon(orb.Ring{p00, p10, p11, p01, p00}),
				Props: map[string]any{"no": no, "grid_seq": seq + 1, "households": households,
					"buildings": rc.buildings}})
		}
		g.households += 10 + rng.IntN(51) // street-front houses and shops outside the compounds
	}
	return nil
}

// compoundLayout splits a block into n compounds in two rows either side of an alley, as parameter rectangles
// listed north row first, west to east. The block keeps a 4 % margin for the roads along its edges, and each
// compound is shrunk by 10 % of its size on every side so that neighbours never touch.
func compoundLayout(rng *rand.Rand, n int) ([]compoundRec, float64) {
	const lo, hi, shrink = 0.04, 0.96, 0.10
	north := (n + 1) / 2
	if n%2 == 1 && rng.IntN(2) == 0 {
		north = n / 2
	}
	alley := 0.42 + 0.16*rng.Float64()
	var out []compoundRec
	row := func(k int, v0, v1 float64) {
		w := make([]float64, k)
		total := 0.0
		for i := range w {
			w[i] = 0.7 + 0.6*rng.Float64()
			total += w[i]
		}
		u0 := lo
		for i := range w {
			u1 := u0 + (hi-lo)*w[i]/total
			if i == k-1 {
				u1 = hi
			}
			du, dv := (u1-u0)*shrink, (v1-v0)*shrink
			out = append(out, compoundRec{u0: u0 + du, u1: u1 - du, v0: v0 + dv, v1: v1 - dv})
			u0 = u1
		}
	}
	row(north, alley, hi)
	row(n-north, lo, alley)
	return out, alley
}

var pointKinds = []struct{ kind, suffix string }{
	{"pavilion", "议事亭"}, {"square", "议事广场"}, {"service_room", "党群服务站"}, {"corridor", "说事长廊"},
}

var weekdays = []struct{ zh, rrule string }{
	{"一", "MO"}, {"二", "TU"}, {"三", "WE"}, {"四", "TH"}, {"五", "FR"}, {"六", "SA"}, {"日", "SU"},
}

// points places the district's discuss points: two in every grid and one more in random grids until there are
// pointsPerDistrict, spread along the alley between the compound rows.
func (b *builder) points(rng *rand.Rand, grids []*gridRec) error {
	if pointsPerDistrict < 2*len(grids) || pointsPerDistrict > 3*len(grids) {
		return fmt.Errorf("%d discuss points do not fit %d grids", pointsPerDistrict, len(grids))
	}
	counts := make([]int, len(grids))
	for i := range counts {
		counts[i] = 2
	}
	for _, i := range rng.Perm(len(grids))[:pointsPerDistrict-2*len(grids)] {
		counts[i]++
	}
	times := []struct {
		text         string
		hour, minute int
	}{{"09:00", 9, 0}, {"15:00", 15, 0}, {"19:30", 19, 30}}
	for i, g := range grids {
		grid := b.city.Grids[g.unit]
		kinds := rng.Perm(len(pointKinds))
		for j := range counts[i] {
			u := 0.1 + 0.8*(float64(j)+0.5)/float64(counts[i]) + (rng.Float64()-0.5)*0.1
			kind := pointKinds[kinds[j%len(kinds)]]
			tm := times[rng.IntN(len(times))]
			var schedule, rrule string
			if rng.IntN(10) < 7 {
				day := 1 + rng.IntN(28)
				schedule = fmt.Sprintf("每月%d日 %s", day, tm.text)
				rrule = fmt.Sprintf("FREQ=MONTHLY;BYMONTHDAY=%d;BYHOUR=%d;BYMINUTE=%d", day, tm.hour, tm.minute)
			} else {
				wd := weekdays[rng.IntN(len(weekdays))]
				schedule = fmt.Sprintf("每周%s %s", wd.zh, tm.text)
				rrule = fmt.Sprintf("FREQ=WEEKLY;BYDAY=%s;BYHOUR=%d;BYMINUTE=%d", wd.rrule, tm.hour, tm.minute)
			}
			g.points = append(g.points, len(b.city.DiscussPoints))
			b.city.DiscussPoints = append(b.city.DiscussPoints, geo.Unit{Level: geo.LevelDiscussPoint,
				Code: fmt.Sprintf("DP%s%02d", grid.Code, j+1), Name: grid.Name + kind.suffix, ParentCode: grid.Code,
				Geometry: g.d.lat.at(g.c, g.r, u, g.alley),
				Props: map[string]any{"kind": kind.kind, "schedule": schedule, "schedule_rrule": rrule,
					"capacity": 20 + 10*rng.IntN(7)}})
		}
	}
	return nil
}

// roads lays a road along every lattice edge that borders a block of the city: one LineString per segment between
// two neighbouring nodes, so that every crossing is a node. Each lattice line keeps one name; every fourth line is
// a primary road, the other even ones secondary, the rest branch roads.
func (b *builder) roads(d *district, suffix string) {
	inCity := func(c, r int) bool { return mapCell(c, r) >= 0 }
	class := func(line int) string {
		switch {
		case line%4 == 0:
			return "primary"
		case line%2 == 0:
			return "secondary"
		}
		return "branch"
	}
	add := func(name, cls string, a, z orb.Point) {
		b.roadSeq++
		b.city.Roads = append(b.city.Roads, geo.Unit{Level: geo.LevelRoad, Code: fmt.Sprintf("R%04d", b.roadSeq),
			Name: name + suffix, Geometry: orb.LineString{a, z}, Props: map[string]any{"class": cls, "oneway": false}})
	}
	for j := 0; j <= mapRows; j++ {
		for i := range mapCols {
			if inCity(i, j-1) || inCity(i, j) {
				add(eastWestRoads[j], class(j), d.lat.node(i, j), d.lat.node(i+1, j))
			}
		}
	}
	for i := 0; i <= mapCols; i++ {
		for j := range mapRows {
			if inCity(i-1, j) || inCity(i, j) {
				add(northSouthRoads[i], class(i), d.lat.node(i, j), d.lat.node(i, j+1))
			}
		}
	}
}
