package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/data"
	"gridgov/data/pgtest"
	"gridgov/geo"
)

type client struct {
	t    *testing.T
	base string
}

// do sends a request with an optional JSON body and headers and decodes the JSON answer.
func (c client) do(method, path string, body any, headers ...string) (*http.Response, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(c.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	require.NoError(c.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(res.Body)
	if len(raw) > 0 {
		require.NoError(c.t, json.Unmarshal(raw, &out), "%s %s → %s", method, path, raw)
	}
	return res, out
}

// cityDB loads the demo city (few historical cases, so that de-duplication meets only what a test creates)
// into a fresh database and returns its URL, the server's base URL and the city's units.
func cityDB(t *testing.T) (string, client, *data.Pool) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	_, _, err := gridgov(t, url, "demo", "--seed", "3", "--cases", "1")
	require.NoError(t, err)
	pool, err := data.Open(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return url, client{t: t, base: serveCity(t, url)}, pool
}

// someCompound returns a compound of the loaded city with a point inside it.
func someCompound(t *testing.T, pool *data.Pool, code string) (geo.Unit, float64, float64) {
	t.Helper()
	var name, parent string
	var lon, lat float64
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT u.name, u.parent_code, ST_X(p), ST_Y(p)
		FROM (SELECT *, ST_PointOnSurface(geom) p FROM units WHERE level = 'building' AND code >= $1 ORDER BY code LIMIT 1) u`,
		code).Scan(&name, &parent, &lon, &lat))
	return geo.Unit{Name: name, ParentCode: parent}, lon, lat
}

func countRows(t *testing.T, pool *data.Pool, q string) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), q).Scan(&n))
	return n
}

func TestLocateAndIntake(t *testing.T) {
	_, c, pool := cityDB(t)
	compound, lon, lat := someCompound(t, pool, "370781006033")

	// Locate: the compound's point finds its building, grid, community and street, and the party units.
	res, body := c.do("GET", fmt.Sprintf("/api/v1/locate?lat=%v&lon=%v", lat, lon), nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "%v", body)
	assert.Equal(t, compound.ParentCode, body["grid"].(map[string]any)["code"])
	assert.Equal(t, "370781006033", body["community"].(map[string]any)["code"])
	assert.Equal(t, "370781006", body["street"].(map[string]any)["code"])
	assert.Equal(t, compound.Name, body["building"].(map[string]any)["name"])
	responsible := body["responsible"].([]any)
	require.Len(t, responsible, 3)
	assert.Equal(t, "building_party_group", responsible[0].(map[string]any)["kind"])
	assert.Equal(t, "grid_party_branch", responsible[1].(map[string]any)["kind"])
	assert.Equal(t, "community_party_committee", responsible[2].(map[string]any)["kind"])

	// The same place sent in GCJ-02 (as WeChat would) lands in the same compound.
	g := geo.FromWGS84([2]float64{lon, lat}, geo.GCJ02)
	res, body = c.do("GET", fmt.Sprintf("/api/v1/locate?lat=%v&lon=%v&crs=gcj02", g[1], g[0]), nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, compound.Name, body["building"].(map[string]any)["name"])

	// Outside every grid: 404 with the nearest grid and its distance.
	res, body = c.do("GET", "/api/v1/locate?lat=36.5&lon=118.48", nil)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	e := body["error"].(map[string]any)
	assert.Equal(t, "outside_coverage", e["code"])
	assert.NotEmpty(t, e["nearest_grid"].(map[string]any)["code"])
	assert.Greater(t, e["distance_m"].(float64), 10_000.0)

	// A batch answers in order, errors in place.
	res, body = c.do("POST", "/api/v1/locate", map[string]any{"points": []map[string]any{
		{"lat": lat, "lon": lon}, {"lat": 36.5, "lon": 118.48}, {"lat": g[1], "lon": g[0], "crs": "gcj02"}}})
	require.Equal(t, http.StatusOK, res.StatusCode)
	results := body["results"].([]any)
	require.Len(t, results, 3)
	assert.Equal(t, compound.ParentCode, results[0].(map[string]any)["grid"].(map[string]any)["code"])
	assert.Equal(t, "outside_coverage", results[1].(map[string]any)["error"].(map[string]any)["code"])
	assert.Equal(t, compound.ParentCode, results[2].(map[string]any)["grid"].(map[string]any)["code"])

	// A report: located, classified from its category, routed to the grid's party branch with a deadline.
	report := map[string]any{"category": "sanitation", "description": "楼下垃圾桶满了三天没人清理", "lat": lat, "lon": lon,
		"channel": "wechat", "reporter": map[string]any{"name": "张三", "phone": "17100001111"}}
	res, first := c.do("POST", "/api/v1/reports", report, "Idempotency-Key", "test-key-1")
	require.Equal(t, http.StatusCreated, res.StatusCode, "%v", first)
	assert.Equal(t, "reported", first["status"])
	assert.NotEmpty(t, first["classification"])
	assert.Equal(t, compound.ParentCode, first["grid"].(map[string]any)["code"])
	assert.NotNil(t, first["assignee"])
	assert.NotNil(t, first["due_at"])
	assert.Nil(t, first["duplicate_of"])
	assert.NotContains(t, fmt.Sprint(first), "17100001111", "no phone numbers in answers")
	assert.NotContains(t, fmt.Sprint(first), "张三")
	id := first["id"].(float64)

	// The same key: the same answer, nothing created.
	before := countRows(t, pool, `SELECT count(*) FROM cases`)
	res, again := c.do("POST", "/api/v1/reports", report, "Idempotency-Key", "test-key-1")
	require.Equal(t, http.StatusCreated, res.StatusCode)
	assert.Equal(t, "true", res.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, first, again)
	assert.Equal(t, before, countRows(t, pool, `SELECT count(*) FROM cases`))

	// The same key for another request is refused.
	other := map[string]any{"category": "noise", "description": "夜里施工噪音", "lat": lat, "lon": lon}
	res, body = c.do("POST", "/api/v1/reports", other, "Idempotency-Key", "test-key-1")
	assert.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, "%v", body)

	// A second report of the same matter 10 m away supports the open case instead of opening another.
	near := map[string]any{"category": "sanitation", "description": "垃圾没人清", "lat": lat + 0.00009, "lon": lon}
	res, dup := c.do("POST", "/api/v1/reports", near)
	require.Equal(t, http.StatusCreated, res.StatusCode)
	assert.Equal(t, id, dup["duplicate_of"])
	assert.Equal(t, id, dup["id"])
	assert.Equal(t, 1.0, dup["supporters"])
	assert.Equal(t, before, countRows(t, pool, `SELECT count(*) FROM cases`))
	assert.Equal(t, 1, countRows(t, pool, fmt.Sprintf(`SELECT count(*) FROM case_supporters WHERE case_id = %d`, int64(id))))

	// The case is stored with its H3 cell, original coordinates, first event and the reporter's points.
	assert.Equal(t, 1, countRows(t, pool, fmt.Sprintf(`SELECT count(*) FROM case_events WHERE case_id = %d AND action = 'report'`, int64(id))))
	assert.Equal(t, 1, countRows(t, pool, `SELECT count(*) FROM reporter_points WHERE reporter_phone = '17100001111'`))
	assert.Equal(t, 1, countRows(t, pool, fmt.Sprintf(`SELECT count(*) FROM cases WHERE id = %d AND h3 <> 0 AND crs = 'wgs84'`, int64(id))))

	res, got := c.do("GET", fmt.Sprintf("/api/v1/reports/%d", int64(id)), nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, first["grid"], got["grid"])

	// The hotline gives only an address.
	res, hot := c.do("POST", "/api/v1/reports", map[string]any{"category": "street_light", "channel": "hotline",
		"description": "路灯不亮", "address": "云门山街道" + compound.Name})
	require.Equal(t, http.StatusCreated, res.StatusCode, "%v", hot)
	assert.Equal(t, compound.Name, hot["building"].(map[string]any)["name"])
	res, body = c.do("POST", "/api/v1/reports", map[string]any{"category": "street_light", "channel": "hotline",
		"description": "路灯不亮", "address": "火星路1号"})
	assert.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	assert.Equal(t, "address", body["error"].(map[string]any)["field"])
}

// TestIntakeConcurrentRetries: many retries of one request with one key, at once, create exactly one case.
func TestIntakeConcurrentRetries(t *testing.T) {
	_, c, pool := cityDB(t)
	_, lon, lat := someCompound(t, pool, "370781001024")
	before := countRows(t, pool, `SELECT count(*) FROM cases`)
	report := map[string]any{"category": "noise", "description": "广场舞音响太吵", "lat": lat, "lon": lon}
	var wg sync.WaitGroup
	ids := make([]float64, 20)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, body := c.do("POST", "/api/v1/reports", report, "Idempotency-Key", "same-key")
			if assert.Equal(t, http.StatusCreated, res.StatusCode) {
				ids[i] = body["id"].(float64)
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		assert.Equal(t, ids[0], id)
	}
	assert.Equal(t, before+1, countRows(t, pool, `SELECT count(*) FROM cases`))
}

// TestIntakeBadInput: every bad report gets a JSON 4xx naming the field, and nothing is written.
func TestIntakeBadInput(t *testing.T) {
	_, c, pool := cityDB(t)
	_, lon, lat := someCompound(t, pool, "370781001024")
	ok := func(edit func(m map[string]any)) map[string]any {
		m := map[string]any{"category": "sanitation", "description": "垃圾", "lat": lat, "lon": lon}
		edit(m)
		return m
	}
	before := countRows(t, pool, `SELECT count(*) FROM cases`)
	for _, tc := range []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"lat 91", ok(func(m map[string]any) { m["lat"] = 91 }), 400, "lat"},
		{"lon abc", ok(func(m map[string]any) { m["lon"] = "abc" }), 400, "lon"},
		{"NaN", fmt.Sprintf(`{"category":"sanitation","description":"x","lat":%v,"lon":NaN}`, lat), 400, ""},
		{"crs xyz", ok(func(m map[string]any) { m["crs"] = "xyz" }), 400, "crs"},
		{"unknown category", ok(func(m map[string]any) { m["category"] = "ufo_sighting" }), 400, "category"},
		{"empty description", ok(func(m map[string]any) { m["description"] = "  " }), 400, "description"},
		{"lat without lon", ok(func(m map[string]any) { delete(m, "lon") }), 400, "lon"},
		{"no location", ok(func(m map[string]any) { delete(m, "lon"); delete(m, "lat") }), 400, "lat"},
		{"unknown field", ok(func(m map[string]any) { m["colour"] = "red" }), 400, "colour"},
		{"bad channel", ok(func(m map[string]any) { m["channel"] = "pigeon" }), 400, "channel"},
		{"photo not an image", ok(func(m map[string]any) { m["photos"] = []string{"data:image/png;base64,aGVsbG8="} }), 400, "photos[0]"},
		{"outside coverage", ok(func(m map[string]any) { m["lat"] = 36.5 }), 422, ""},
		{"10 MB body", `{"category":"sanitation","description":"` + strings.Repeat("x", 10<<20) + `"}`, 413, ""},
		{"not JSON", "category=sanitation", 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := c.do("POST", "/api/v1/reports", tc.body)
			assert.Equal(t, tc.status, res.StatusCode, "%v", body)
			e, isErr := body["error"].(map[string]any)
			require.True(t, isErr, "a JSON error: %v", body)
			assert.NotEmpty(t, e["message"])
			if tc.field != "" {
				assert.Equal(t, tc.field, e["field"])
			}
		})
	}
	// A batch of 10,001 points is refused whole.
	pts := make([]map[string]float64, 10_001)
	for i := range pts {
		pts[i] = map[string]float64{"lat": lat, "lon": lon}
	}
	res, body := c.do("POST", "/api/v1/locate", map[string]any{"points": pts})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Equal(t, "points", body["error"].(map[string]any)["field"])
	for _, q := range []string{"lat=91&lon=118", "lat=36&lon=abc", "lat=NaN&lon=118", "lat=36&lon=118&crs=xyz", "lon=118"} {
		res, body := c.do("GET", "/api/v1/locate?"+q, nil)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, q)
		assert.NotEmpty(t, body["error"].(map[string]any)["field"], q)
	}
	assert.Equal(t, before, countRows(t, pool, `SELECT count(*) FROM cases`), "nothing was written")
}

// TestLocatorFollowsImports: an import in another process reaches the running server's locator through
// LISTEN/NOTIFY, without a restart.
func TestLocatorFollowsImports(t *testing.T) {
	url, c, pool := cityDB(t)
	var code, parent, geom string
	var lon, lat float64
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT code, parent_code, ST_AsGeoJSON(geom),
		ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM units WHERE level = 'building' ORDER BY code LIMIT 1`).
		Scan(&code, &parent, &geom, &lon, &lat))
	file := t.TempDir() + "/renamed.geojson"
	require.NoError(t, os.WriteFile(file, []byte(fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature",
		"properties":{"code":%q,"name":"改名后的院","parent_code":%q},"geometry":%s}]}`, code, parent, geom)), 0o644))
	out, _, err := gridgov(t, url, "import", "--level", "building", "--file", file)
	require.NoError(t, err, out)

	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body := c.do("GET", fmt.Sprintf("/api/v1/locate?lat=%v&lon=%v", lat, lon), nil)
		if b, ok := body["building"].(map[string]any); ok && b["name"] == "改名后的院" {
			return
		}
		require.True(t, time.Now().Before(deadline), "the locator did not pick up the import: %v", body)
		time.Sleep(100 * time.Millisecond)
	}
}
