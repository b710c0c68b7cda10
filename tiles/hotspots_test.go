package tiles

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uber/h3-go/v4"
)

// caseIn is a case whose resolution-11 cell lies in the resolution-res cell parent.
func caseIn(t *testing.T, id int64, parent h3.Cell) CaseRow {
	t.Helper()
	c, err := parent.CenterChild(11)
	require.NoError(t, err)
	return CaseRow{ID: id, CreatedAt: time.Unix(1_700_000_000+id, 0), Category: "road", Status: "reported", Cell: c}
}

func cellAt(t *testing.T, lat, lon float64, res int) h3.Cell {
	t.Helper()
	c, err := h3.LatLngToCell(h3.NewLatLng(lat, lon), res)
	require.NoError(t, err)
	return c
}

// TestGiStarByHand checks Gi* against a small example worked by hand.
//
// Four hexagons at resolution 9 hold cases: A (4 cases) and its neighbour B (2), and C (1) and D (1) kilometres
// away from everything. So n = 4, x = (4, 2, 1, 1), Σx = 8, X̄ = 2, Σx² = 22, S = sqrt(22/4 − 2²) = sqrt(1.5)
// = 1.224745.
//
//	A: neighbourhood {A, B}: W = 2, Σwx = 6;  Gi* = (6 − 2·2) / (1.224745 · sqrt((4·2 − 2²)/3)) = 2 / 1.414214 = 1.414214
//	B: the same neighbourhood {B, A}:                                                                         1.414214
//	C: neighbourhood {C}:    W = 1, Σwx = 1;  Gi* = (1 − 2·1) / (1.224745 · sqrt((4·1 − 1²)/3)) = −1 / 1.224745 = −0.816497
//	D: likewise                                                                                                −0.816497
func TestGiStarByHand(t *testing.T) {
	a := cellAt(t, 36.697, 118.480, 9)
	disk, err := a.GridDisk(1)
	require.NoError(t, err)
	b := disk[1]
	require.NotEqual(t, a, b)
	c := cellAt(t, 36.747, 118.480, 9)
	d := cellAt(t, 36.697, 118.580, 9)
	var rows []CaseRow
	id := int64(0)
	for cell, n := range map[h3.Cell]int{a: 4, b: 2, c: 1, d: 1} {
		for range n {
			id++
			rows = append(rows, caseIn(t, id, cell))
		}
	}
	h := NewHotspots()
	require.NoError(t, h.Load(rows))
	agg := h.Compute(Filter{}, 9)
	assert.Equal(t, 8, agg.Cases)
	want := map[h3.Cell][2]float64{a: {4, 1.414214}, b: {2, 1.414214}, c: {1, -0.816497}, d: {1, -0.816497}}
	require.Len(t, agg.Hexes, 4)
	for _, hx := range agg.Hexes {
		w := want[hx.Cell]
		assert.Equal(t, int(w[0]), hx.Count, hx.Cell.String())
		assert.InDelta(t, w[1], hx.Z, 1e-6, hx.Cell.String())
		assert.Equal(t, "none", Hot(hx.Z))
	}
	// One hexagon alone: Gi* is undefined and reported as 0.
	agg = h.Compute(Filter{To: time.Unix(1_700_000_002, 0)}, 9)
	require.Len(t, agg.Hexes, 1)
	assert.Equal(t, 0.0, agg.Hexes[0].Z)

	for z, want := range map[float64]string{2.6: "hot99", 2.0: "hot95", 1.7: "hot90", 1.6: "none", -1.7: "cold90",
		-1.96: "cold95", -3: "cold99"} {
		assert.Equal(t, want, Hot(z), "%v", z)
	}
}

// randomCases spreads n cases over the demo city's extent with a hot cluster, two categories and two statuses.
func randomCases(t *testing.T, n int) []CaseRow {
	r := rand.New(rand.NewPCG(1, 2))
	rows := make([]CaseRow, n)
	for i := range rows {
		lat, lon := 36.66+r.Float64()*0.07, 118.44+r.Float64()*0.08
		if i%4 == 0 {
			lat, lon = 36.697+r.NormFloat64()*0.002, 118.48+r.NormFloat64()*0.002
		}
		cat, st := "road", "reported"
		if i%3 == 0 {
			cat = "noise"
		}
		if i%5 == 0 {
			st = "closed"
		}
		rows[i] = CaseRow{ID: int64(i + 1), CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour),
			Category: cat, Status: st, Cell: cellAt(t, lat, lon, 11)}
	}
	return rows
}

// TestHotspotTilesCountEveryCaseOnce decodes every tile over the city at several zooms: each hexagon shows the
// same count wherever it appears, the counts over distinct hexagons add up to the matching cases, exterior rings
// are clockwise in tile coordinates and the properties are those documented.
func TestHotspotTilesCountEveryCaseOnce(t *testing.T) {
	rows := randomCases(t, 4000)
	h := NewHotspots()
	require.NoError(t, h.Load(rows))
	f := Filter{Category: "road", Status: "reported", From: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
	want := 0
	for _, r := range rows {
		if r.Category == f.Category && r.Status == f.Status && !r.CreatedAt.Before(f.From) {
			want++
		}
	}
	require.Greater(t, want, 1000)
	city := orb.Bound{Min: orb.Point{118.43, 36.65}, Max: orb.Point{118.53, 36.74}}
	for _, z := range []maptile.Zoom{8, 10, 12, 14} {
		lo, hi := maptile.At(orb.Point{city.Min[0], city.Max[1]}, z), maptile.At(orb.Point{city.Max[0], city.Min[1]}, z)
		counts := map[string]float64{}
		hot := 0
		for x := lo.X; x <= hi.X; x++ {
			for y := lo.Y; y <= hi.Y; y++ {
				tile := maptile.New(x, y, z)
				b, err := h.Tile(tile, f)
				require.NoError(t, err)
				if b == nil {
					continue
				}
				layers, err := mvt.Unmarshal(b)
				require.NoError(t, err)
				require.Len(t, layers, 1)
				assert.Equal(t, "hotspots", layers[0].Name)
				assert.EqualValues(t, 2, layers[0].Version)
				for _, ft := range layers[0].Features {
					p := ft.Properties
					id := p["h3"].(string)
					assert.True(t, h3.CellFromString(id).IsValid())
					assert.EqualValues(t, ResForZoom(int(z)), p["res"])
					if c, ok := counts[id]; ok {
						assert.Equal(t, c, p["count"])
					}
					counts[id] = p["count"].(float64)
					assert.Contains(t, []string{"hot99", "hot95", "hot90", "cold90", "cold95", "cold99", "none"}, p["hot"])
					assert.Equal(t, Hot(p["gi_z"].(float64)), p["hot"])
					if p["hot"] == "hot99" {
						hot++
					}
					poly, ok := ft.Geometry.(orb.Polygon)
					require.True(t, ok, "%T", ft.Geometry)
					assert.Greater(t, ShoelaceArea(poly[0]), 0.0, "exterior ring clockwise in tile coordinates")
				}
			}
		}
		sum := 0.0
		for _, c := range counts {
			sum += c
		}
		assert.Equal(t, float64(want), sum, "zoom %d", z)
		if z >= 10 {
			assert.Positive(t, hot, "the cluster at the centre is a 99 %% hotspot at zoom %d", z)
		}
	}
}

func TestUpsertAndFilters(t *testing.T) {
	rows := randomCases(t, 200)
	h := NewHotspots()
	require.NoError(t, h.Load(rows))
	before := h.Aggregate(Filter{Status: "reported"}, 8)
	assert.Same(t, before, h.Aggregate(Filter{Status: "reported"}, 8), "memoised until the next change")
	r := rows[1]
	r.Status = "reported"
	if rows[1].Status == "reported" {
		r.Status = "closed"
	}
	require.NoError(t, h.Upsert(r))
	after := h.Aggregate(Filter{Status: "reported"}, 8)
	assert.Equal(t, 200, h.Len())
	assert.Equal(t, 1, int(math.Abs(float64(after.Cases-before.Cases))))
	require.NoError(t, h.Upsert(CaseRow{ID: 9999, CreatedAt: time.Now(), Category: "x", Status: "reported", Cell: rows[0].Cell}))
	assert.Equal(t, 201, h.Len())
	assert.Error(t, h.Upsert(CaseRow{ID: 1, Cell: 12345}))
	// Time windows: From inclusive, To exclusive.
	from := rows[10].CreatedAt
	assert.Equal(t, 5, h.Compute(Filter{From: from, To: from.Add(5 * time.Hour)}, 11).Cases)
}

// TestIncrementalEqualsBulk: cases added one by one (cells and their neighbour links created as they come) give
// the same aggregates as one load.
func TestIncrementalEqualsBulk(t *testing.T) {
	rows := randomCases(t, 1500)
	bulk := NewHotspots()
	require.NoError(t, bulk.Load(rows))
	inc := NewHotspots()
	for _, r := range rows {
		require.NoError(t, inc.Upsert(r))
	}
	for res := MinRes; res <= 11; res++ {
		a, b := bulk.Compute(Filter{Category: "road"}, res), inc.Compute(Filter{Category: "road"}, res)
		require.Equal(t, len(a.Hexes), len(b.Hexes), "res %d", res)
		for i := range a.Hexes {
			assert.Equal(t, a.Hexes[i].Cell, b.Hexes[i].Cell)
			assert.Equal(t, a.Hexes[i].Count, b.Hexes[i].Count)
			assert.InDelta(t, a.Hexes[i].Z, b.Hexes[i].Z, 1e-9)
		}
	}
}
