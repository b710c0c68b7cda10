package tiles

import (
	"context"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/geo"
)

// TestFilterRes: the public never gets hexagons finer than PublicMaxRes; staff (Fine) get the zoom's own.
func TestFilterRes(t *testing.T) {
	for z := 0; z <= MaxZoom; z++ {
		assert.Equal(t, ResForZoom(z), Filter{Fine: true}.Res(z), "zoom %d", z)
		assert.Equal(t, min(ResForZoom(z), PublicMaxRes), Filter{}.Res(z), "zoom %d", z)
	}
	assert.Equal(t, 10, Filter{}.Res(16))
	assert.Equal(t, geo.CaseRes, Filter{Fine: true}.Res(16))
	assert.Equal(t, 10, Filter{Fine: true}.Res(14))
}

// TestHotspotTilesByVariant decodes every tile over the city at zooms 15 and 16, public and staff: every feature
// has the variant's resolution (10 for the public, 11 for staff), each hexagon shows the same count wherever it
// appears, and the counts over distinct hexagons add up to the matching cases in each variant.
func TestHotspotTilesByVariant(t *testing.T) {
	rows := randomCases(t, 4000)
	h := NewHotspots()
	require.NoError(t, h.Load(rows))
	sel := Filter{Category: "road", From: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
	want := 0
	for _, r := range rows {
		if r.Category == sel.Category && !r.CreatedAt.Before(sel.From) {
			want++
		}
	}
	require.Greater(t, want, 1000)
	city := orb.Bound{Min: orb.Point{118.43, 36.65}, Max: orb.Point{118.53, 36.74}}
	for _, z := range []maptile.Zoom{15, 16} {
		for _, fine := range []bool{false, true} {
			f := sel
			f.Fine = fine
			wantRes := map[bool]int{false: 10, true: 11}[fine]
			lo, hi := maptile.At(orb.Point{city.Min[0], city.Max[1]}, z), maptile.At(orb.Point{city.Max[0], city.Min[1]}, z)
			counts := map[string]float64{}
			for x := lo.X; x <= hi.X; x++ {
				for y := lo.Y; y <= hi.Y; y++ {
					b, err := h.Tile(maptile.New(x, y, z), f)
					require.NoError(t, err)
					if b == nil {
						continue
					}
					layers, err := mvt.Unmarshal(b)
					require.NoError(t, err)
					for _, ft := range layers[0].Features {
						assert.EqualValues(t, wantRes, ft.Properties["res"], "zoom %d fine %v", z, fine)
						id := ft.Properties["h3"].(string)
						if c, ok := counts[id]; ok {
							assert.Equal(t, c, ft.Properties["count"])
						}
						counts[id] = ft.Properties["count"].(float64)
					}
				}
			}
			sum := 0.0
			for _, c := range counts {
				sum += c
			}
			assert.Equal(t, float64(want), sum, "zoom %d fine %v", z, fine)
		}
	}
}

// TestServiceKeysTilesByResolution: from zoom 15 the public and the staff tile are cached apart and have their
// own ETags; below, where both draw the same resolution, they are one cache entry.
func TestServiceKeysTilesByResolution(t *testing.T) {
	h := NewHotspots()
	require.NoError(t, h.Load(randomCases(t, 2000)))
	svc := NewService(nil, h, NewCache(1<<26))
	ctx := context.Background()
	at := orb.Point{118.48, 36.697} // the cluster
	resOf := func(e *Entry) int {
		layers, err := mvt.Unmarshal(e.Data)
		require.NoError(t, err)
		require.NotEmpty(t, layers[0].Features)
		res := int(layers[0].Features[0].Properties["res"].(float64))
		for _, ft := range layers[0].Features {
			assert.EqualValues(t, res, ft.Properties["res"])
		}
		return res
	}

	z16 := maptile.At(at, 16)
	pub, err := svc.Tile(ctx, HotspotLayer, z16, Filter{})
	require.NoError(t, err)
	staff, err := svc.Tile(ctx, HotspotLayer, z16, Filter{Fine: true})
	require.NoError(t, err)
	assert.Equal(t, PublicMaxRes, resOf(pub))
	assert.Equal(t, geo.CaseRes, resOf(staff))
	assert.NotEqual(t, pub.ETag, staff.ETag)
	again, err := svc.Tile(ctx, HotspotLayer, z16, Filter{})
	require.NoError(t, err)
	assert.Same(t, pub, again, "the public tile is not answered from the staff one, nor re-rendered")
	_, n, _, _ := svc.Cache().Stats()
	assert.Equal(t, 2, n)

	z14 := maptile.At(at, 14)
	pub, err = svc.Tile(ctx, HotspotLayer, z14, Filter{})
	require.NoError(t, err)
	staff, err = svc.Tile(ctx, HotspotLayer, z14, Filter{Fine: true})
	require.NoError(t, err)
	assert.Same(t, pub, staff, "both draw resolution 10 at zoom 14")
	_, n, _, _ = svc.Cache().Stats()
	assert.Equal(t, 3, n)
}
