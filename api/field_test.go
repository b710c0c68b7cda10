package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/dispatch"
	"gridgov/geo"
)

const fieldGrid = "370781006033001"

// fieldServer serves three open tasks in one grid, without roads.
func fieldServer(t *testing.T) (*Server, *Tokens) {
	t.Helper()
	grid := geo.Unit{Level: geo.LevelGrid, Code: fieldGrid, Name: "网格",
		Geometry: orb.MultiPolygon{{{{118.47, 36.68}, {118.49, 36.68}, {118.49, 36.70}, {118.47, 36.70}, {118.47, 36.68}}}}}
	loc, err := geo.NewLocator([]geo.Unit{grid})
	require.NoError(t, err)
	places := &dispatch.Places{}
	places.Store(&dispatch.Directory{Locator: loc})
	x := dispatch.NewTaskIndex()
	x.Load([]dispatch.FieldTask{
		{ID: 1, Lon: 118.481, Lat: 36.69, Status: dispatch.StatusHeard, Unit: fieldGrid, Urgency: "normal"},
		{ID: 2, Lon: 118.483, Lat: 36.69, Status: dispatch.StatusDispatched, Unit: fieldGrid, Urgency: "urgent"},
		{ID: 3, Lon: 118.479, Lat: 36.69, Status: dispatch.StatusHeard, Unit: fieldGrid, Urgency: "normal",
			DueAt: t0.Add(time.Hour)},
	})
	tk := newTokens(t, testKey)
	return NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), Services{Tokens: tk,
		Now: func() time.Time { return t0 }, Field: dispatch.NewField(places, x)}), tk
}

func getJSON(t *testing.T, s *Server, path, tok string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"), path)
	var out map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	return rec.Code, out
}

func TestFieldHandlers(t *testing.T) {
	s, tk := fieldServer(t)
	worker := issue(t, tk, dispatch.Actor{Role: dispatch.RoleGridWorker, Unit: fieldGrid, Subject: "S1"}, time.Hour, t0)

	code, out := getJSON(t, s, "/api/v1/field/tasks?lat=36.69&lon=118.4805&k=2", worker)
	require.Equal(t, http.StatusOK, code, "%v", out)
	stops := out["stops"].([]any)
	require.Len(t, stops, 2)
	first := stops[0].(map[string]any)
	assert.Equal(t, 1.0, first["report_id"])
	for _, f := range []string{"lat", "lon", "leg_m", "eta_s", "distance_m", "status", "category", "urgency"} {
		assert.Contains(t, first, f)
	}
	assert.Equal(t, "straight", out["method"])
	assert.Contains(t, out, "total_m")

	code, out = getJSON(t, s, "/api/v1/field/route?lat=36.69&lon=118.4805&k=3&urgent_first=true&geometry=true", worker)
	require.Equal(t, http.StatusOK, code, "%v", out)
	assert.Equal(t, 2.0, out["stops"].([]any)[0].(map[string]any)["report_id"], "the urgent task first")
	assert.Equal(t, "no_roads", out["fallback"])
	geom := out["geometry"].(map[string]any)
	assert.Equal(t, "FeatureCollection", geom["type"])
	assert.Len(t, geom["features"].([]any), 3)

	// GCJ-02 in, GCJ-02 out: the answer's points are shifted like the worker's.
	code, out = getJSON(t, s, "/api/v1/field/tasks?lat=36.69&lon=118.4805&k=1&crs=gcj02", worker)
	require.Equal(t, http.StatusOK, code, "%v", out)
	assert.Equal(t, "gcj02", out["crs"])
	// (the worker's GCJ-02 position lies about 570 m east of its WGS-84 one: the nearest task is then task 3)
	stop := out["stops"].([]any)[0].(map[string]any)
	require.Equal(t, 3.0, stop["report_id"])
	g := geo.FromWGS84(orb.Point{118.479, 36.69}, geo.GCJ02)
	assert.InDelta(t, g[0], stop["lon"], 1e-9)
	assert.InDelta(t, g[1], stop["lat"], 1e-9)

	bad := []struct {
		path, field string
	}{
		{"/api/v1/field/tasks?lat=36.69&lon=118.48&k=0", "k"},
		{"/api/v1/field/tasks?lat=36.69&lon=118.48&k=10000", "k"},
		{"/api/v1/field/route?lat=36.69&lon=118.48&k=ten", "k"},
		{"/api/v1/field/tasks?lon=118.48", "lat"},
		{"/api/v1/field/route?lat=36.69", "lon"},
		{"/api/v1/field/tasks?lat=91&lon=118.48", "lat"},
		{"/api/v1/field/tasks?lat=36.69&lon=118.48&crs=utm", "crs"},
		{"/api/v1/field/route?lat=36.69&lon=118.48&method=fly", "method"},
		{"/api/v1/field/tasks?lat=36.69&lon=118.48&method=road", "method"},
		{"/api/v1/field/route?lat=36.69&lon=118.48&urgent_first=soon", "urgent_first"},
		{"/api/v1/field/route?lat=36.69&lon=118.48&status=closed", "status"},
		{"/api/v1/field/route?lat=36.69&lon=118.48&assigned=you", "assigned"},
	}
	for _, b := range bad {
		code, out := getJSON(t, s, b.path, worker)
		assert.Equal(t, http.StatusBadRequest, code, b.path)
		e := out["error"].(map[string]any)
		assert.Equal(t, b.field, e["field"], b.path)
		assert.Equal(t, "invalid_argument", e["code"], b.path)
	}

	// Who: no token 401; residents, planners, Open311 403; a token whose unit gridgov does not know 403.
	code, _ = getJSON(t, s, "/api/v1/field/tasks?lat=36.69&lon=118.48", "")
	assert.Equal(t, http.StatusUnauthorized, code)
	for _, a := range []dispatch.Actor{{Role: dispatch.RoleResident, Unit: fieldGrid, Subject: "r"},
		{Role: dispatch.RolePlanner, Unit: "370781", Subject: "p"}, {Role: dispatch.RoleOpen311, Unit: "370781", Subject: "o"}} {
		code, out := getJSON(t, s, "/api/v1/field/route?lat=36.69&lon=118.48", issue(t, tk, a, time.Hour, t0))
		assert.Equal(t, http.StatusForbidden, code, "%s: %v", a.Role, out)
	}
	nowhere := issue(t, tk, dispatch.Actor{Role: dispatch.RoleGridWorker, Unit: "370781099099099", Subject: "S2"}, time.Hour, t0)
	code, out = getJSON(t, s, "/api/v1/field/tasks?lat=36.69&lon=118.48", nowhere)
	assert.Equal(t, http.StatusForbidden, code)
	assert.Equal(t, "no_unit", out["error"].(map[string]any)["code"])
}
