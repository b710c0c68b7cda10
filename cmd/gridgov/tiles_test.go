package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/tiles"
)

// fetchTile GETs a tile and decodes it; an empty tile (204) is no layers.
func fetchTile(t *testing.T, base, path string, headers ...string) (*http.Response, mvt.Layers) {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	if res.StatusCode != http.StatusOK {
		return res, nil
	}
	layers, err := mvt.Unmarshal(raw)
	require.NoError(t, err, path)
	return res, layers
}

func tilePath(layer string, tile maptile.Tile) string {
	return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layer, tile.Z, tile.X, tile.Y)
}

// checkRings asserts MVT 2 winding: exterior rings positive (clockwise on screen) in tile coordinates.
func checkRings(t *testing.T, g orb.Geometry, what string) {
	t.Helper()
	switch g := g.(type) {
	case orb.Polygon:
		assert.Greater(t, tiles.ShoelaceArea(g[0]), 0.0, what)
		for _, h := range g[1:] {
			assert.Less(t, tiles.ShoelaceArea(h), 0.0, what)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			checkRings(t, p, what)
		}
	}
}

// TestTilesEndToEnd serves the demo city and reads its tiles as a map would: every unit layer decodes with the
// documented properties and as many features as PostGIS finds in the tile, rings wind as MVT 2 requires, the
// reports layer carries no personal data, ETags answer 304, and a new report reaches the reports and hotspot
// tiles (their cache entries are dropped).
func TestTilesEndToEnd(t *testing.T) {
	dbURL, c, pool := cityDB(t)
	ctx := context.Background()
	var lon, lat float64
	require.NoError(t, pool.QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p
		FROM discuss_points ORDER BY code LIMIT 1) x`).Scan(&lon, &lat))

	props := map[string][]string{
		"streets": {"code", "name", "level", "parent_code"}, "communities": {"code", "name", "level", "parent_code"},
		"grids": {"code", "name", "level", "parent_code"}, "buildings": {"code", "name", "level", "parent_code"},
		"discuss_points": {"code", "name", "host_code"}, "roads": {"code", "name", "class", "oneway"},
	}
	count := map[string]string{
		"streets": `SELECT count(*) FROM units WHERE level = 'street' AND %s`, "communities": `SELECT count(*) FROM units WHERE level = 'community' AND %s`,
		"grids": `SELECT count(*) FROM units WHERE level = 'grid' AND %s`, "buildings": `SELECT count(*) FROM units WHERE level = 'building' AND %s`,
		"discuss_points": `SELECT count(*) FROM discuss_points WHERE %s`, "roads": `SELECT count(*) FROM roads WHERE %s`,
	}
	for _, z := range []maptile.Zoom{14, 16} {
		tile := maptile.At(orb.Point{lon, lat}, z)
		for layer, keys := range props {
			res, layers := fetchTile(t, c.base, tilePath(layer, tile))
			require.Equal(t, http.StatusOK, res.StatusCode, layer)
			require.Len(t, layers, 1)
			l := layers[0]
			assert.Equal(t, layer, l.Name)
			assert.EqualValues(t, 2, l.Version)
			assert.EqualValues(t, 4096, l.Extent)
			var want int
			in := fmt.Sprintf(`ST_Intersects(ST_Transform(geom, 3857), ST_TileEnvelope(%d, %d, %d, margin => 64.0 / 4096))`,
				tile.Z, tile.X, tile.Y)
			require.NoError(t, pool.QueryRow(ctx, fmt.Sprintf(count[layer], in)).Scan(&want))
			assert.Len(t, l.Features, want, "%s at %v", layer, tile)
			for _, f := range l.Features {
				for _, k := range keys {
					assert.Contains(t, f.Properties, k, layer)
				}
				checkRings(t, f.Geometry, layer)
			}
		}
	}

	// TileJSON: the city's bounds and the template.
	res, doc := c.do("GET", "/tiles/communities.json", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "3.0.0", doc["tilejson"])
	assert.Equal(t, c.base+"/tiles/communities/{z}/{x}/{y}.mvt", doc["tiles"].([]any)[0])
	b := doc["bounds"].([]any)
	assert.Less(t, b[0].(float64), lon)
	assert.Greater(t, b[3].(float64), lat)

	// ETag and 304.
	tile := maptile.At(orb.Point{lon, lat}, 14)
	res, _ = fetchTile(t, c.base, tilePath("grids", tile))
	etag := res.Header.Get("ETag")
	require.NotEmpty(t, etag)
	assert.Equal(t, "*", res.Header.Get("Access-Control-Allow-Origin"))
	res, _ = fetchTile(t, c.base, tilePath("grids", tile), "If-None-Match", etag)
	assert.Equal(t, http.StatusNotModified, res.StatusCode)

	// Bad input is a JSON 400.
	for _, p := range []string{"/tiles/grids/40/0/0.mvt", "/tiles/grids/2/4/0.mvt", "/tiles/grids/2/0/..%2Fx.mvt",
		"/tiles/lakes/2/0/0.mvt", "/tiles/hotspots/12/0/0.mvt?from=2026-02-01&to=2026-01-01",
		"/tiles/hotspots/12/0/0.mvt?from=01/02/2026"} {
		res, body := c.do("GET", p, nil)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, p)
		assert.Equal(t, "invalid_argument", body["error"].(map[string]any)["code"], p)
	}

	// A new report: the reports tile and the hotspot tile covering it change.
	hotTile := maptile.At(orb.Point{lon, lat}, 12)
	hotCount := func() float64 {
		_, layers := fetchTile(t, c.base, tilePath("hotspots", hotTile))
		n := 0.0
		for _, l := range layers {
			for _, f := range l.Features {
				n += f.Properties["count"].(float64)
			}
		}
		return n
	}
	before := hotCount()
	_, reportsBefore := fetchTile(t, c.base, tilePath("reports", tile))
	report := map[string]any{"category": "sanitation", "description": "楼道里堆满杂物，谁也过不去", "lat": lat, "lon": lon,
		"reporter": map[string]any{"name": "李四", "phone": "17100002222"}}
	res, created := c.do("POST", "/api/v1/reports", report, "Idempotency-Key", "tiles-1")
	require.Equal(t, http.StatusCreated, res.StatusCode, "%v", created)
	id := created["id"].(float64)
	var reports mvt.Layers
	require.Eventually(t, func() bool {
		if hotCount() != before+1 {
			return false
		}
		_, reports = fetchTile(t, c.base, tilePath("reports", tile))
		return len(reports) == 1 && (len(reportsBefore) == 0 || len(reports[0].Features) > len(reportsBefore[0].Features))
	}, 10*time.Second, 50*time.Millisecond, "the new case shows in the hotspot and reports tiles")
	found := false
	for _, f := range reports[0].Features {
		raw, _ := json.Marshal(f.Properties)
		for _, secret := range []string{"李四", "17100002222", "楼道", "reporter", "phone", "description"} {
			assert.NotContains(t, string(raw), secret, "no personal data in tiles")
		}
		for _, k := range []string{"category", "status", "classification", "overdue"} {
			assert.Contains(t, f.Properties, k)
		}
		if f.Properties["id"] == id {
			found = true
			assert.Equal(t, "sanitation", f.Properties["category"])
			assert.Equal(t, "reported", f.Properties["status"])
			assert.Equal(t, false, f.Properties["overdue"])
			_, isPoint := f.Geometry.(orb.Point)
			assert.True(t, isPoint)
		}
	}
	assert.True(t, found, "the new case is in the reports tile")

	// The planner's list within the case's community.
	var community string
	require.NoError(t, pool.QueryRow(ctx, `SELECT community_code FROM cases WHERE id = $1`, int64(id)).Scan(&community))
	res, list := c.do("GET", "/api/v1/hotspots?code="+community+"&from=2020-01-01", nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "%v", list)
	assert.Equal(t, "FeatureCollection", list["type"])
	assert.EqualValues(t, 10, list["res"])
	assert.False(t, strings.Contains(fmt.Sprint(list), "李四"))

	// At zoom 16 the public gets resolution-10 hexagons, staff resolution 11 (privately cached).
	staffTok, _, err := gridgov(t, dbURL, "token", "--role", "planner", "--unit", "370781")
	require.NoError(t, err)
	z16 := tilePath("hotspots", maptile.At(orb.Point{lon, lat}, 16))
	for _, v := range []struct {
		headers []string
		res     float64
		cache   string
	}{{nil, 10, "public"}, {[]string{"Authorization", "Bearer " + strings.TrimSpace(staffTok)}, 11, "private"}} {
		res, layers := fetchTile(t, c.base, z16, v.headers...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.True(t, strings.HasPrefix(res.Header.Get("Cache-Control"), v.cache), res.Header.Get("Cache-Control"))
		require.Len(t, layers, 1)
		require.NotEmpty(t, layers[0].Features)
		for _, f := range layers[0].Features {
			assert.Equal(t, v.res, f.Properties["res"])
		}
	}
}
