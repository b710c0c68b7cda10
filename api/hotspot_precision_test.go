package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/dispatch"
	"gridgov/geo"
	"gridgov/tiles"
)

// TestHotspotPrecisionByCaller: from zoom 15 hotspot tiles are resolution 10 for the public (no token, a resident's
// token, a token that does not verify) and 11 for staff; the staff tile is private, both vary by Authorization,
// their ETags differ, and each counts every case once. /api/v1/hotspots clamps res to 10 for the public.
func TestHotspotPrecisionByCaller(t *testing.T) {
	_, _, hot := tileServer(t)
	svc := tiles.NewService(&fakeTiles{}, hot, tiles.NewCache(1<<20))
	tk := newTokens(t, testKey)
	units := &memUnits{units: []geo.Unit{{Level: geo.LevelCommunity, Code: "370781001024", Name: "c",
		Geometry: square(118.47, 36.69, 0.02)}}}
	s := NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), Services{Units: units, Tiles: svc, Tokens: tk})
	bearer := func(role dispatch.Role) string {
		return "Bearer " + issue(t, tk, dispatch.Actor{Role: role, Unit: "370781001024", Subject: "s-" + string(role)},
			time.Hour, time.Now())
	}
	auth := func(v string) []string {
		if v == "" {
			return nil
		}
		return []string{"Authorization", v}
	}
	callers := []struct {
		name, auth string
		res        int
	}{
		{"public", "", 10},
		{"resident", bearer(dispatch.RoleResident), 10},
		{"bad token", "Bearer gg1.nope", 10},
		{"planner", bearer(dispatch.RolePlanner), 11},
		{"grid worker", bearer(dispatch.RoleGridWorker), 11},
	}

	// The 50 cases of tileServer lie within 118.480–118.484, 36.697–36.703: every z16 tile that may show them.
	lo, hi := maptile.At(orb.Point{118.478, 36.705}, 16), maptile.At(orb.Point{118.486, 36.695}, 16)
	etags := map[int]string{}
	for _, c := range callers {
		counts := map[string]float64{}
		for x := lo.X; x <= hi.X; x++ {
			for y := lo.Y; y <= hi.Y; y++ {
				w := getTile(s, "/tiles/hotspots/16/"+itoa(x)+"/"+itoa(y)+".mvt", auth(c.auth)...)
				if w.Code == http.StatusNoContent {
					continue
				}
				require.Equal(t, http.StatusOK, w.Code, "%s: %s", c.name, w.Body.String())
				assert.Contains(t, w.Header().Values("Vary"), "Authorization", c.name)
				if c.res == 11 {
					assert.True(t, strings.HasPrefix(w.Header().Get("Cache-Control"), "private"), c.name)
				} else {
					assert.True(t, strings.HasPrefix(w.Header().Get("Cache-Control"), "public"), c.name)
				}
				layers, err := mvt.Unmarshal(w.Body.Bytes())
				require.NoError(t, err)
				for _, f := range layers[0].Features {
					assert.EqualValues(t, c.res, f.Properties["res"], c.name)
					counts[f.Properties["h3"].(string)] = f.Properties["count"].(float64)
				}
				if x == lo.X+1 && y == lo.Y+1 {
					if prev, ok := etags[c.res]; ok {
						assert.Equal(t, prev, w.Header().Get("ETag"), c.name)
					}
					etags[c.res] = w.Header().Get("ETag")
				}
			}
		}
		sum := 0.0
		for _, n := range counts {
			sum += n
		}
		assert.Equal(t, float64(hot.Len()), sum, "%s: every case counted once", c.name)
	}
	require.Len(t, etags, 2)
	assert.NotEqual(t, etags[10], etags[11], "the public and the staff tile have their own ETags")

	// Below zoom 15 everyone gets the same tile, cacheable by anyone.
	z14 := maptile.At(orb.Point{118.482, 36.7}, 14)
	pub := getTile(s, "/tiles/hotspots/14/"+itoa(z14.X)+"/"+itoa(z14.Y)+".mvt")
	staff := getTile(s, "/tiles/hotspots/14/"+itoa(z14.X)+"/"+itoa(z14.Y)+".mvt", "Authorization", bearer(dispatch.RolePlanner))
	require.Equal(t, http.StatusOK, pub.Code)
	assert.Equal(t, pub.Header().Get("ETag"), staff.Header().Get("ETag"))
	assert.True(t, strings.HasPrefix(staff.Header().Get("Cache-Control"), "public"))
	assert.NotContains(t, pub.Header().Values("Vary"), "Authorization")

	// The list: res=11 (and a grid's default) is clamped to 10 for the public.
	for _, c := range callers {
		w := getTile(s, "/api/v1/hotspots?code=370781001024&res=11", auth(c.auth)...)
		require.Equal(t, http.StatusOK, w.Code, "%s: %s", c.name, w.Body.String())
		var fc struct {
			Res      int
			Features []struct{ Properties map[string]any }
		}
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &fc))
		assert.Equal(t, c.res, fc.Res, c.name)
		for _, f := range fc.Features {
			assert.EqualValues(t, c.res, f.Properties["res"], c.name)
		}
	}
}
