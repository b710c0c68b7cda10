package demo

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/dispatch"
	"gridgov/geo"
)

var testNow = time.Date(2025, 6, 1, 10, 30, 0, 0, time.UTC)

func generate(t *testing.T, opt Options) *City {
	t.Helper()
	c, err := Generate(opt)
	require.NoError(t, err)
	return c
}

func TestGenerateOptions(t *testing.T) {
	tests := []struct {
		name    string
		opt     Options
		wantErr string
		cases   int
		grids   int
	}{
		{name: "now required", opt: Options{Seed: 1}, wantErr: "Options.Now is required"},
		{name: "scale too large", opt: Options{Seed: 1, Now: testNow, Scale: MaxScale + 1}, wantErr: "above the maximum"},
		{name: "negative cases", opt: Options{Seed: 1, Now: testNow, Cases: -1}, wantErr: "negative"},
		{name: "scale zero means one", opt: Options{Seed: 1, Now: testNow, Cases: 10}, cases: 10, grids: 210},
		{name: "negative scale means one", opt: Options{Seed: 1, Now: testNow, Scale: -3, Cases: 5}, cases: 5, grids: 210},
		{name: "cases override", opt: Options{Seed: 1, Now: testNow, Scale: 2, Cases: 321}, cases: 321, grids: 420},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Generate(tt.opt)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Len(t, c.Cases, tt.cases)
			assert.Len(t, c.Grids, tt.grids)
			assert.GreaterOrEqual(t, c.Options.Scale, 1)
		})
	}
}

func TestGenerateScaleOne(t *testing.T) {
	c := generate(t, Options{Seed: 42, Now: testNow})

	t.Run("counts", func(t *testing.T) {
		want := map[geo.Level]int{geo.LevelStreet: 4, geo.LevelCommunity: 26, geo.LevelGrid: 210,
			geo.LevelBuilding: 1335, geo.LevelDiscussPoint: 500}
		for l, n := range want {
			assert.Len(t, c.Units(l), n, "level %s", l)
		}
		assert.NotEmpty(t, c.Roads)
		roles := map[string]int{}
		for _, p := range c.People {
			roles[p.Role]++
		}
		assert.Equal(t, 256, roles[RoleGridChief])
		assert.Equal(t, 432, roles[RoleGridWorker])
		assert.Len(t, c.People, 256+432)
		assert.InDelta(t, 23000, len(c.Cases), 23000*0.05)
	})

	t.Run("real codes and names", func(t *testing.T) {
		rows, err := csv.NewReader(bytes.NewReader(unitsCSV)).ReadAll()
		require.NoError(t, err)
		byCode := map[string]geo.Unit{}
		for _, u := range append(append([]geo.Unit{}, c.Streets...), c.Communities...) {
			byCode[u.Code] = u
		}
		real := 0
		for _, row := range rows[1:] {
			switch row[0] {
			case "street":
				require.Contains(t, byCode, row[1])
				assert.Equal(t, row[2], byCode[row[1]].Name)
			case "community":
				real++
				require.Contains(t, byCode, row[1])
				u := byCode[row[1]]
				assert.Equal(t, row[2], u.Props["official_name"])
				assert.Equal(t, row[3], u.ParentCode)
				assert.Regexp(t, `社区$`, u.Name)
			}
		}
		assert.Equal(t, 23, real)
		huanglou := 0
		for _, u := range c.Communities {
			if u.ParentCode == "370781007" {
				huanglou++
			}
		}
		assert.Equal(t, 3, huanglou)
		assert.Equal(t, "宝鼎社区", byCode["370781006033"].Name)
		assert.Equal(t, "云门社区", byCode["370781006034"].Name)
	})

	t.Run("orgs", func(t *testing.T) {
		kinds := map[string]int{}
		byCode := map[string]Org{}
		for _, o := range c.Orgs {
			kinds[o.Kind]++
			require.NotContains(t, byCode, o.Code, "duplicate org code")
			byCode[o.Code] = o
		}
		assert.Equal(t, map[string]int{OrgCommunityCommittee: 26, OrgGridBranch: 210, OrgBuildingGroup: 1335}, kinds)
		units := unitIndex(c)
		for _, o := range c.Orgs {
			u, ok := units[o.UnitCode]
			require.True(t, ok, "org %s names unknown unit %s", o.Code, o.UnitCode)
			assert.Equal(t, "P"+u.Code, o.Code)
			if o.Kind == OrgCommunityCommittee {
				assert.Empty(t, o.ParentCode)
				continue
			}
			parent, ok := byCode[o.ParentCode]
			require.True(t, ok, "org %s has unknown parent %s", o.Code, o.ParentCode)
			assert.Equal(t, u.ParentCode, parent.UnitCode)
		}
	})

	t.Run("staff", func(t *testing.T) {
		perGrid := map[string][2]int{}
		codes := map[string]bool{}
		phone := regexp.MustCompile(`^170[0-9]{8}$`)
		for _, p := range c.People {
			assert.False(t, codes[p.Code], "duplicate person %s", p.Code)
			codes[p.Code] = true
			assert.Regexp(t, phone, p.Phone)
			assert.NotEmpty(t, p.Name)
			n := perGrid[p.UnitCode]
			if p.Role == RoleGridChief {
				n[0]++
			} else {
				n[1]++
			}
			perGrid[p.UnitCode] = n
		}
		require.Len(t, perGrid, 210)
		for code, n := range perGrid {
			assert.True(t, n[0] >= 1 && n[0] <= 2 && n[1] >= 2 && n[1] <= 3, "grid %s has %v", code, n)
		}
	})

	t.Run("catalogue", func(t *testing.T) {
		assert.Equal(t, Catalogue(), c.Categories)
		assert.Equal(t, Departments(), c.Departments)
	})

	t.Run("units", func(t *testing.T) { checkUnits(t, c) })
	t.Run("geometry", func(t *testing.T) { checkGeometry(t, c) })
	t.Run("cases", func(t *testing.T) { checkCases(t, c) })
	t.Run("case mix", func(t *testing.T) { checkCaseMix(t, c) })
}

func TestGenerateDeterministic(t *testing.T) {
	opt := Options{Seed: 7, Now: testNow}
	a := generate(t, opt)
	b := generate(t, opt)
	require.True(t, reflect.DeepEqual(a, b), "same options gave different cities")

	other := generate(t, Options{Seed: 8, Now: testNow, Cases: 3000})
	assert.NotEqual(t, a.Grids[0].Geometry, other.Grids[0].Geometry)
	assert.NotEqual(t, a.Buildings[0].Geometry, other.Buildings[0].Geometry)
	assert.Equal(t, a.Grids[0].Code, other.Grids[0].Code, "codes do not depend on the seed")

	// The number of cases draws from its own stream: the places and people stay the same.
	fewer := generate(t, Options{Seed: 7, Now: testNow, Cases: 10})
	assert.True(t, reflect.DeepEqual(a.Buildings, fewer.Buildings))
	assert.True(t, reflect.DeepEqual(a.People, fewer.People))
}

func TestGenerateScaleTen(t *testing.T) {
	c := generate(t, Options{Seed: 3, Now: testNow, Scale: 10})
	want := map[geo.Level]int{geo.LevelStreet: 40, geo.LevelCommunity: 260, geo.LevelGrid: 2100,
		geo.LevelBuilding: 13350, geo.LevelDiscussPoint: 5000}
	for l, n := range want {
		assert.Len(t, c.Units(l), n, "level %s", l)
	}
	assert.Len(t, c.People, 6880)
	assert.Len(t, c.Orgs, 260+2100+13350)
	assert.InDelta(t, 230000, len(c.Cases), 230000*0.05)

	one := generate(t, Options{Seed: 3, Now: testNow, Cases: 1})
	assert.True(t, reflect.DeepEqual(one.Grids, c.Grids[:210]), "district 0 is the same at every scale")
	assert.Equal(t, "370781101", c.Streets[4].Code)
	assert.Equal(t, "王府街道(二区)", c.Streets[4].Name)

	t.Run("units", func(t *testing.T) { checkUnits(t, c) })
	t.Run("geometry", func(t *testing.T) { checkGeometry(t, c) })
	t.Run("cases", func(t *testing.T) { checkCases(t, c) })
	t.Run("districts apart", func(t *testing.T) {
		var bounds []orb.Bound
		for i, u := range c.Streets {
			if i%4 == 0 {
				bounds = append(bounds, u.Geometry.Bound())
			} else {
				bounds[len(bounds)-1] = bounds[len(bounds)-1].Union(u.Geometry.Bound())
			}
		}
		require.Len(t, bounds, 10)
		for i, a := range bounds {
			for j, b := range bounds[i+1:] {
				assert.Zero(t, overlapArea(a, b), "districts %d and %d overlap", i, i+1+j)
			}
		}
	})
}

func overlapArea(a, b orb.Bound) float64 {
	w := math.Min(a.Max[0], b.Max[0]) - math.Max(a.Min[0], b.Min[0])
	h := math.Min(a.Max[1], b.Max[1]) - math.Max(a.Min[1], b.Min[1])
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

func unitIndex(c *City) map[string]geo.Unit {
	out := map[string]geo.Unit{}
	for _, l := range geo.Levels {
		for _, u := range c.Units(l) {
			out[u.Code] = u
		}
	}
	return out
}

// checkUnits checks codes, parents and names of every unit, and the numbering of grids and compounds.
func checkUnits(t *testing.T, c *City) {
	seen := map[string]geo.Level{}
	for _, l := range geo.Levels {
		for _, u := range c.Units(l) {
			require.Equal(t, l, u.Level)
			assert.NoError(t, geo.CheckCode(l, u.Code, u.ParentCode), "unit %s", u.Code)
			if prev, ok := seen[u.Code]; ok {
				t.Errorf("code %s used by %s and %s", u.Code, prev, l)
			}
			seen[u.Code] = l
			assert.NotEmpty(t, u.Name)
			assert.NotNil(t, u.Props)
		}
	}
	units := unitIndex(c)
	for _, l := range geo.Levels {
		for _, u := range c.Units(l) {
			if l.Parent() == "" {
				assert.Empty(t, u.ParentCode, "unit %s", u.Code)
				continue
			}
			p, ok := units[u.ParentCode]
			if assert.True(t, ok, "unit %s has unknown parent %s", u.Code, u.ParentCode) {
				assert.Equal(t, l.Parent(), p.Level, "unit %s", u.Code)
			}
		}
	}
	for _, u := range c.Streets {
		assert.Len(t, u.Code, 9)
	}

	// Grids: 15 digits, numbered from 001 west to east along rows taken north to south.
	_, dLat := blockDegrees()
	byCommunity := map[string][]geo.Unit{}
	for _, g := range c.Grids {
		byCommunity[g.ParentCode] = append(byCommunity[g.ParentCode], g)
	}
	for code, grids := range byCommunity {
		assert.True(t, len(grids) >= 6 && len(grids) <= 11, "community %s has %d grids", code, len(grids))
		for i, g := range grids {
			assert.Equal(t, fmt.Sprintf("%s%03d", code, i+1), g.Code)
			assert.Equal(t, fmt.Sprintf("%s第%d网格", units[code].Name, i+1), g.Name)
			if i == 0 {
				continue
			}
			a, _ := planar.CentroidArea(grids[i-1].Geometry)
			b, _ := planar.CentroidArea(g.Geometry)
			if math.Abs(a[1]-b[1]) < dLat/2 {
				assert.Greater(t, b[0], a[0], "grid %s is not east of %s in the same row", g.Code, grids[i-1].Code)
			} else {
				assert.Less(t, b[1], a[1], "grid %s is not south of %s", g.Code, grids[i-1].Code)
			}
		}
	}

	// Compounds: "<community><n>号院" with n = 1, 2, … across the community; codes extend the grid's by 001, 002, ….
	numbers := map[string]int{}
	perGrid := map[string]int{}
	for _, b := range c.Buildings {
		grid := units[b.ParentCode]
		community := units[grid.ParentCode]
		numbers[community.Code]++
		perGrid[grid.Code]++
		assert.Equal(t, fmt.Sprintf("%s%d号院", community.Name, numbers[community.Code]), b.Name)
		assert.Equal(t, fmt.Sprintf("%s%03d", grid.Code, perGrid[grid.Code]), b.Code)
		assert.Equal(t, perGrid[grid.Code], b.Props["grid_seq"])
	}
	for _, g := range c.Grids {
		assert.True(t, perGrid[g.Code] >= minCompoundsPerGrid && perGrid[g.Code] <= maxCompoundsPerGrid,
			"grid %s has %d compounds", g.Code, perGrid[g.Code])
	}

	for _, p := range c.DiscussPoints {
		assert.Regexp(t, `^DP[0-9]{15}[0-9]{2}$`, p.Code)
		assert.Contains(t, []any{"pavilion", "square", "service_room", "corridor"}, p.Props["kind"])
		assert.Regexp(t, `^每(月[0-9]+日|周[一二三四五六日]) [0-9]{2}:[0-9]{2}$`, p.Props["schedule"])
		assert.Regexp(t, `^FREQ=(MONTHLY|WEEKLY);`, p.Props["schedule_rrule"])
	}
	for _, r := range c.Roads {
		assert.Regexp(t, `^R[0-9]{4,}$`, r.Code)
		assert.Contains(t, []any{"primary", "secondary", "branch"}, r.Props["class"])
		assert.Equal(t, false, r.Props["oneway"])
	}
}

// checkGeometry checks the rules the import's topology checker applies: valid rings, children inside parents,
// siblings apart, grids covering their community and communities their street.
func checkGeometry(t *testing.T, c *City) {
	units := unitIndex(c)
	for _, l := range geo.AreaLevels {
		for _, u := range c.Units(l) {
			mp, ok := u.Geometry.(orb.MultiPolygon)
			require.True(t, ok, "unit %s is a %T", u.Code, u.Geometry)
			require.NotEmpty(t, mp)
			for _, p := range mp {
				for i, r := range p {
					require.GreaterOrEqual(t, len(r), 4, "unit %s", u.Code)
					assert.True(t, r.Closed(), "unit %s ring %d is not closed", u.Code, i)
					want := orb.CCW
					if i > 0 {
						want = orb.CW
					}
					assert.Equal(t, want, r.Orientation(), "unit %s ring %d", u.Code, i)
					for j := 1; j < len(r); j++ {
						assert.NotEqual(t, r[j-1], r[j], "unit %s repeats a point", u.Code)
					}
					assert.False(t, selfIntersects(r), "unit %s ring %d intersects itself", u.Code, i)
				}
			}
		}
	}

	// Children inside parents, and children's areas adding up to the parent's.
	children := map[string][]geo.Unit{}
	for _, l := range []geo.Level{geo.LevelCommunity, geo.LevelGrid, geo.LevelBuilding} {
		for _, u := range c.Units(l) {
			children[u.ParentCode] = append(children[u.ParentCode], u)
		}
	}
	for _, l := range []geo.Level{geo.LevelStreet, geo.LevelCommunity} {
		for _, parent := range c.Units(l) {
			pmp := parent.Geometry.(orb.MultiPolygon)
			sum := 0.0
			for _, child := range children[parent.Code] {
				sum += planar.Area(child.Geometry)
				for _, pt := range vertices(child.Geometry.(orb.MultiPolygon)) {
					require.True(t, planar.MultiPolygonContains(pmp, pt), "%s vertex %v outside %s", child.Code, pt,
						parent.Code)
				}
				centroid, _ := planar.CentroidArea(child.Geometry)
				assert.True(t, planar.MultiPolygonContains(pmp, centroid), "%s centroid outside %s", child.Code,
					parent.Code)
			}
			area := planar.Area(pmp)
			assert.InDelta(t, 1, sum/area, 1e-9, "children of %s do not cover it exactly", parent.Code)
		}
	}
	// All streets of the city cover exactly the union of its grids: no two streets overlap.
	streets, grids := 0.0, 0.0
	for _, u := range c.Streets {
		streets += planar.Area(u.Geometry)
	}
	for _, u := range c.Grids {
		grids += planar.Area(u.Geometry)
	}
	assert.InDelta(t, 1, streets/grids, 1e-9)

	// Compounds: convex quads strictly inside their grid (itself convex), pairwise apart.
	for _, g := range c.Grids {
		gr := g.Geometry.(orb.MultiPolygon)[0][0]
		require.True(t, convex(gr), "grid %s is not convex", g.Code)
		kids := children[g.Code]
		for i, b := range kids {
			br := b.Geometry.(orb.MultiPolygon)[0][0]
			require.Len(t, br, 5)
			assert.True(t, convex(br), "compound %s is not convex", b.Code)
			for _, pt := range br[:4] {
				assert.True(t, strictlyInsideConvex(gr, pt), "compound %s vertex outside grid %s", b.Code, g.Code)
			}
			for _, o := range kids[i+1:] {
				assert.True(t, convexApart(br, o.Geometry.(orb.MultiPolygon)[0][0]), "compounds %s and %s overlap",
					b.Code, o.Code)
			}
		}
	}
	for _, p := range c.DiscussPoints {
		pt, ok := p.Geometry.(orb.Point)
		require.True(t, ok)
		gr := units[p.ParentCode].Geometry.(orb.MultiPolygon)[0][0]
		assert.True(t, strictlyInsideConvex(gr, pt), "discuss point %s outside its grid", p.Code)
	}

	// Roads: two-point segments between lattice nodes, which are grid vertices.
	nodes := map[orb.Point]bool{}
	for _, g := range c.Grids {
		for _, pt := range vertices(g.Geometry.(orb.MultiPolygon)) {
			nodes[pt] = true
		}
	}
	for _, r := range c.Roads {
		ls, ok := r.Geometry.(orb.LineString)
		require.True(t, ok)
		require.Len(t, ls, 2)
		assert.True(t, nodes[ls[0]] && nodes[ls[1]], "road %s does not join two crossings", r.Code)
	}
}

func vertices(mp orb.MultiPolygon) []orb.Point {
	var out []orb.Point
	for _, p := range mp {
		for _, r := range p {
			out = append(out, r[:len(r)-1]...)
		}
	}
	return out
}

func cross(o, a, b orb.Point) float64 {
	return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
}

// convex reports whether a closed CCW ring turns left at every vertex.
func convex(r orb.Ring) bool {
	n := len(r) - 1
	for i := range n {
		if cross(r[i], r[(i+1)%n], r[(i+2)%n]) <= 0 {
			return false
		}
	}
	return true
}

func strictlyInsideConvex(r orb.Ring, p orb.Point) bool {
	for i := 0; i < len(r)-1; i++ {
		if cross(r[i], r[i+1], p) <= 0 {
			return false
		}
	}
	return true
}

// convexApart reports whether two convex CCW rings are separated by a line through an edge of one of them.
func convexApart(a, b orb.Ring) bool {
	separates := func(r, other orb.Ring) bool {
		for i := 0; i < len(r)-1; i++ {
			all := true
			for _, p := range other[:len(other)-1] {
				if cross(r[i], r[i+1], p) > 0 {
					all = false
					break
				}
			}
			if all {
				return true
			}
		}
		return false
	}
	return separates(a, b) || separates(b, a)
}

// selfIntersects reports whether two non-adjacent edges of a ring cross or touch.
func selfIntersects(r orb.Ring) bool {
	n := len(r) - 1
	for i := range n {
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue
			}
			if segmentsMeet(r[i], r[i+1], r[j], r[j+1]) {
				return true
			}
		}
	}
	return false
}

func segmentsMeet(a, b, c, d orb.Point) bool {
	if math.Max(a[0], b[0]) < math.Min(c[0], d[0]) || math.Max(c[0], d[0]) < math.Min(a[0], b[0]) ||
		math.Max(a[1], b[1]) < math.Min(c[1], d[1]) || math.Max(c[1], d[1]) < math.Min(a[1], b[1]) {
		return false
	}
	d1, d2 := cross(a, b, c), cross(a, b, d)
	d3, d4 := cross(c, d, a), cross(c, d, b)
	return d1*d2 <= 0 && d3*d4 <= 0
}

var (
	actions = map[string]bool{"report": true, "hear": true, "schedule": true, "decide": true, "dispatch": true,
		"start": true, "resolve": true, "verify": true, "rate": true, "conclude": true, "escalate": true, "return": true,
		"suspend": true, "resume": true, "cancel": true}
	actorRoles = map[string]bool{"resident": true, "grid_worker": true, "grid_chief": true, "dispatcher": true,
		"department": true}
	channels = map[string]bool{"app": true, "wechat": true, "hotline": true, "walk_in": true, "box": true,
		"patrol": true}
)

// checkCases checks every case: where it is, who handles it, and a history consistent with its status. It uses
// plain comparisons rather than testify in the loop, to stay fast on the 230,000 cases of scale 10.
func checkCases(t *testing.T, c *City) {
	units := unitIndex(c)
	orgs := map[string]bool{}
	for _, o := range c.Orgs {
		orgs[o.Code] = true
	}
	depts := map[string]bool{}
	for _, d := range c.Departments {
		depts[d.Code] = true
	}
	cats := map[string]dispatch.Category{}
	for _, k := range c.Categories {
		cats[k.Code] = k
	}
	compounds := map[string][]orb.Ring{}
	for _, b := range c.Buildings {
		compounds[b.ParentCode] = append(compounds[b.ParentCode], b.Geometry.(orb.MultiPolygon)[0][0])
	}
	satisfaction := map[string]bool{"satisfied": true, "basically_satisfied": true, "unsatisfied": true, "unrated": true}
	now := c.Options.Now
	start := now.Add(-365 * 24 * time.Hour)
	var prev time.Time
	for i, k := range c.Cases {
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("case %d: %s", k.ID, fmt.Sprintf(format, args...))
		}
		if k.ID != int64(i+1) {
			fail("ID out of sequence at index %d", i)
		}
		if k.CreatedAt.Before(prev) {
			fail("out of time order")
		}
		prev = k.CreatedAt
		if k.CreatedAt.Before(start) || k.CreatedAt.After(now) {
			fail("created at %v", k.CreatedAt)
		}
		cat, ok := cats[k.Category]
		if !ok {
			fail("unknown category %s", k.Category)
		}
		if !channels[k.Channel] || (k.Urgency != "normal" && k.Urgency != "urgent") {
			fail("channel %q urgency %q", k.Channel, k.Urgency)
		}
		if k.Description == "" || k.Address == "" {
			fail("no description or address")
		}

		// Where.
		grid, ok := units[k.GridCode]
		if !ok || grid.Level != geo.LevelGrid || k.CommunityCode != grid.ParentCode ||
			k.StreetCode != units[k.CommunityCode].ParentCode {
			fail("units %s %s %s do not nest", k.StreetCode, k.CommunityCode, k.GridCode)
		}
		pt := orb.Point{k.Lon, k.Lat}
		if k.CRS != "wgs84" || pt != (orb.Point{k.OrigLon, k.OrigLat}) {
			fail("coordinates %v, original %v %v %s", pt, k.OrigLon, k.OrigLat, k.CRS)
		}
		if !strictlyInsideConvex(grid.Geometry.(orb.MultiPolygon)[0][0], pt) {
			fail("%v outside grid %s", pt, k.GridCode)
		}
		if k.BuildingCode != "" {
			b, ok := units[k.BuildingCode]
			if !ok || b.ParentCode != k.GridCode {
				fail("compound %s not in grid %s", k.BuildingCode, k.GridCode)
			}
			if !strictlyInsideConvex(b.Geometry.(orb.MultiPolygon)[0][0], pt) {
				fail("%v outside compound %s", pt, k.BuildingCode)
			}
			if k.Address != units[k.StreetCode].Name+b.Name {
				fail("address %q", k.Address)
			}
		} else {
			if cat.Level == dispatch.HandleBuilding {
				fail("building-level category %s outside a compound", k.Category)
			}
			for _, r := range compounds[k.GridCode] {
				if planar.RingContains(r, pt) {
					fail("lies in a compound but names none")
				}
			}
		}

		// Who.
		want := cat.Department
		switch cat.Level {
		case dispatch.HandleBuilding:
			want = "P" + k.BuildingCode
		case dispatch.HandleGrid:
			want = "P" + k.GridCode
		case dispatch.HandleCommunity:
			want = "P" + k.CommunityCode
		case dispatch.HandleStreet:
			want = k.StreetCode
		}
		if k.AssigneeCode != want {
			fail("assignee %s, want %s", k.AssigneeCode, want)
		}
		if !orgs[k.AssigneeCode] && !depts[k.AssigneeCode] && units[k.AssigneeCode].Level != geo.LevelStreet {
			fail("assignee %s does not exist", k.AssigneeCode)
		}
		if !k.DueAt.After(k.CreatedAt) {
			fail("due %v before created %v", k.DueAt, k.CreatedAt)
		}
		if k.ReporterName == "" && k.ReporterPhone != "" {
			fail("anonymous reporter with a phone")
		}

		// History.
		if len(k.Events) == 0 {
			fail("no events")
		}
		first := k.Events[0]
		if first.Action != "report" || first.From != "" || first.To != dispatch.StatusReported || !first.At.Equal(k.CreatedAt) {
			fail("first event %+v", first)
		}
		redone := 0
		for j, e := range k.Events {
			if !actions[e.Action] || !actorRoles[e.ActorRole] || e.ActorUnit == "" {
				fail("event %d %+v", j, e)
			}
			if e.At.After(now) {
				fail("event %d after now", j)
			}
			if j > 0 && (!e.At.After(k.Events[j-1].At) || e.From != k.Events[j-1].To) {
				fail("event %d does not follow event %d", j, j-1)
			}
			if e.Action == "conclude" && e.To == dispatch.StatusDispatched {
				redone++
			}
		}
		last := k.Events[len(k.Events)-1]
		if k.Status != last.To || k.Redone != redone {
			fail("status %s redone %d, events end in %s with %d redos", k.Status, k.Redone, last.To, redone)
		}
		if (k.Redone > 0 && k.Classification != dispatch.ClassRedo) ||
			(k.Redone == 0 && k.Classification != cat.Classification) {
			fail("classification %s", k.Classification)
		}
		if k.Status.Open() && (!k.ClosedAt.IsZero() || k.Satisfaction != "") {
			fail("open with closed time or rating")
		}
		if !k.Status.Open() && !k.ClosedAt.Equal(last.At) {
			fail("closed at %v, last event at %v", k.ClosedAt, last.At)
		}
		if k.Status == dispatch.StatusClosed && !satisfaction[k.Satisfaction] {
			fail("closed with satisfaction %q", k.Satisfaction)
		}
	}
}

// checkCaseMix checks that the year of cases looks like a real one.
func checkCaseMix(t *testing.T, c *City) {
	n := float64(len(c.Cases))
	status := map[dispatch.Status]int{}
	var inCompound, redone, urgent, overdue, anonymous int
	category := map[string]int{}
	heatingWinter, heating := 0, 0
	for _, k := range c.Cases {
		status[k.Status]++
		category[k.Category]++
		if k.BuildingCode != "" {
			inCompound++
		}
		if k.Redone > 0 {
			redone++
		}
		if k.Urgency == "urgent" {
			urgent++
		}
		if k.Status.Open() && k.DueAt.Before(c.Options.Now) {
			overdue++
		}
		if k.ReporterName == "" {
			anonymous++
		}
		if k.Category == "heating" {
			heating++
			if m := k.CreatedAt.In(chinaTime).Month(); m >= time.November || m <= time.March {
				heatingWinter++
			}
		}
	}
	assert.InDelta(t, 0.88, float64(status[dispatch.StatusClosed])/n, 0.05)
	assert.InDelta(t, 0.75, float64(inCompound)/n, 0.06)
	assert.InDelta(t, 0.03, float64(redone)/n, 0.015)
	assert.InDelta(t, 0.10, float64(urgent)/n, 0.03)
	assert.InDelta(t, 0.12, float64(anonymous)/n, 0.05)
	for _, s := range []dispatch.Status{dispatch.StatusHeard, dispatch.StatusDispatched, dispatch.StatusInProgress,
		dispatch.StatusResolved, dispatch.StatusVerified, dispatch.StatusSuspended, dispatch.StatusCancelled,
		dispatch.StatusDeliberating} {
		assert.Positive(t, status[s], "no case is %s", s)
	}
	assert.Positive(t, overdue)
	assert.Greater(t, float64(heatingWinter)/float64(heating), 0.9)

	// The most frequent categories are the everyday ones.
	type kv struct {
		code string
		n    int
	}
	var top []kv
	for code, n := range category {
		top = append(top, kv{code, n})
	}
	sort.Slice(top, func(i, j int) bool { return top[i].n > top[j].n })
	var first []string
	for _, e := range top[:5] {
		first = append(first, e.code)
	}
	assert.Subset(t, first, []string{"sanitation", "parking", "noise", "property_management"})
}

func TestCatalogue(t *testing.T) {
	cats := Catalogue()
	assert.GreaterOrEqual(t, len(cats), 40)
	depts := map[string]bool{}
	for _, d := range Departments() {
		assert.Regexp(t, `^D[0-9]{2}$`, d.Code)
		assert.NotEmpty(t, d.Name)
		assert.NotEmpty(t, d.NameEn)
		depts[d.Code] = true
	}
	domains := map[dispatch.Domain]int{}
	codes := map[string]bool{}
	for _, k := range cats {
		t.Run(k.Code, func(t *testing.T) {
			assert.Regexp(t, `^[a-z][a-z0-9_]*$`, k.Code)
			assert.False(t, codes[k.Code], "duplicate")
			codes[k.Code] = true
			domains[k.Domain]++
			assert.NotEmpty(t, k.Name)
			assert.NotEmpty(t, k.NameEn)
			assert.NotEmpty(t, k.Keywords)
			assert.Contains(t, []string{"building", "grid", "community", "street", "department"}, k.Level)
			if k.Level == dispatch.HandleDepartment {
				assert.True(t, depts[k.Department], "unknown department %q", k.Department)
			} else {
				assert.Empty(t, k.Department)
			}
			assert.Contains(t, []dispatch.Classification{dispatch.ClassImmediate, dispatch.ClassPending,
				dispatch.ClassEscalate, dispatch.ClassSuggestion}, k.Classification)
			require.Len(t, k.Deadlines, 2)
			hoursOf := func(d dispatch.Deadline) int {
				assert.Positive(t, d.Amount)
				if d.Unit == "days" {
					return 8 * d.Amount
				}
				assert.Equal(t, "hours", d.Unit)
				return d.Amount
			}
			assert.Less(t, hoursOf(k.Deadlines["urgent"]), hoursOf(k.Deadlines["normal"])+1)
		})
	}
	for _, d := range dispatch.Domains {
		assert.Positive(t, domains[d], "domain %s has no category", d)
	}
	for _, code := range []string{"sanitation", "noise", "illegal_construction", "ev_charging", "property_management",
		"elderly_care", "safety_hazard", "neighbour_dispute", "street_light", "heating"} {
		assert.True(t, codes[code], "missing %s", code)
	}

	// Callers get their own copies.
	cats[0].Deadlines["normal"] = dispatch.Deadline{Amount: 99, Unit: "days"}
	cats[0].Keywords[0] = "x"
	again := Catalogue()
	assert.NotEqual(t, 99, again[0].Deadlines["normal"].Amount)
	assert.NotEqual(t, "x", again[0].Keywords[0])
}

func TestMap(t *testing.T) {
	require.NoError(t, checkMap())
	n := 0
	for r := range mapRows {
		for c := range mapCols {
			if mapCell(c, r) >= 0 {
				n++
			}
		}
	}
	assert.Equal(t, 210, n)
}

func TestCheckCellSet(t *testing.T) {
	tests := []struct {
		name  string
		cells [][2]int
		want  string
	}{
		{"single block", [][2]int{{3, 3}}, ""},
		{"L shape", [][2]int{{3, 3}, {4, 3}, {4, 4}}, ""},
		{"diagonal only", [][2]int{{1, 1}, {2, 2}}, "not connected"},
		{"ring with hole", [][2]int{{1, 1}, {2, 1}, {3, 1}, {1, 2}, {3, 2}, {1, 3}, {2, 3}, {3, 3}}, "hole"},
		{"corner contact", [][2]int{{1, 1}, {2, 2}, {1, 0}, {2, 0}, {3, 0}, {3, 1}, {3, 2}}, "corner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := map[[2]int]bool{}
			for _, c := range tt.cells {
				set[c] = true
			}
			err := checkCellSet(func(c, r int) bool { return set[[2]int{c, r}] })
			if tt.want == "" {
				assert.NoError(t, err)
			} else if assert.Error(t, err) {
				assert.Contains(t, err.Error(), tt.want)
			}
		})
	}
}

func TestTraceHole(t *testing.T) {
	l := newLattice(newRand(1, 99), 5, 5, 118, 37)
	ring := map[[2]int]bool{}
	for c := 1; c <= 3; c++ {
		for r := 1; r <= 3; r++ {
			if c != 2 || r != 2 {
				ring[[2]int{c, r}] = true
			}
		}
	}
	mp, err := l.trace(func(c, r int) bool { return ring[[2]int{c, r}] })
	require.NoError(t, err)
	require.Len(t, mp, 1)
	require.Len(t, mp[0], 2, "one shell and one hole")
	assert.Equal(t, orb.CCW, mp[0][0].Orientation())
	assert.Equal(t, orb.CW, mp[0][1].Orientation())
	sum := 0.0
	for key := range ring {
		sum += planar.Area(multiPolygon(l.cellRing(key[0], key[1])))
	}
	assert.InDelta(t, 1, sum/planar.Area(mp), 1e-12)
}

func TestNames(t *testing.T) {
	numbers := []struct {
		n    int
		want string
	}{{1, "一"}, {2, "二"}, {10, "十"}, {12, "十二"}, {20, "二十"}, {105, "一百零五"}, {110, "一百一十"}, {200, "二百"}}
	for _, tt := range numbers {
		assert.Equal(t, tt.want, chineseNumber(tt.n), "%d", tt.n)
	}
	short := []struct{ official, want string }{
		{"宝鼎社区居民委员会", "宝鼎社区"},
		{"云门居委会", "云门社区"},
		{"烟厂东宿舍区居委会", "烟厂东宿舍社区"},
		{"海岱苑社区居民委员会", "海岱苑社区"},
	}
	for _, tt := range short {
		assert.Equal(t, tt.want, shortCommunityName(tt.official))
	}
	assert.Equal(t, "", districtSuffix(0))
	assert.Equal(t, "(二区)", districtSuffix(1))
}

func TestDueAt(t *testing.T) {
	friday := time.Date(2025, 5, 30, 10, 0, 0, 0, chinaTime) // a Friday
	tests := []struct {
		d    dispatch.Deadline
		want time.Time
	}{
		{hours(4), friday.Add(4 * time.Hour)},
		{days(1), friday.AddDate(0, 0, 3)},
		{days(3), friday.AddDate(0, 0, 5)},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			assert.True(t, tt.want.Equal(dueAt(friday, tt.d)), "got %v", dueAt(friday, tt.d))
		})
	}
}

func BenchmarkGenerate(b *testing.B) {
	for _, scale := range []int{1, 10} {
		b.Run(fmt.Sprintf("scale=%d", scale), func(b *testing.B) {
			for b.Loop() {
				if _, err := Generate(Options{Seed: 1, Scale: scale, Now: testNow}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
