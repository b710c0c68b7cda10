package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/geo"
)

// memUnits is an in-memory UnitStore for handler tests: the real store is tested against PostGIS in data.
type memUnits struct{ units []geo.Unit }

func (m *memUnits) Units(_ context.Context, f geo.UnitFilter) (geo.UnitPage, error) {
	var out []geo.Unit
	for _, u := range m.units {
		if (f.Level == "" && u.Level.IsArea() || u.Level == f.Level) && u.Code > f.After &&
			(f.BBox == nil || f.BBox.Intersects(u.Geometry.Bound())) {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	page := geo.UnitPage{Units: out}
	if len(out) > f.Limit {
		page.Units, page.Next = out[:f.Limit], out[f.Limit-1].Code
	}
	return page, nil
}

func (m *memUnits) Unit(_ context.Context, code string) (geo.Unit, error) {
	for _, u := range m.units {
		if u.Code == code {
			return u, nil
		}
	}
	return geo.Unit{}, geo.ErrNotFound
}

type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

func square(x, y, d float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}}
}

func testServer(db Pinger) *Server {
	units := &memUnits{}
	for i := 0; i < 5; i++ {
		units.units = append(units.units, geo.Unit{Level: geo.LevelGrid, Code: "37078100102400" + string(rune('1'+i)),
			Name: "网格", ParentCode: "370781001024", Geometry: square(118.4+float64(i)*0.01, 36.6, 0.01)})
	}
	units.units = append(units.units, geo.Unit{Level: geo.LevelStreet, Code: "370781001", Name: "王府街道",
		ParentCode: "370781", Geometry: square(118.4, 36.6, 0.05)})
	web := fstest.MapFS{"index.html": {Data: []byte("<html>gridgov</html>")}}
	return NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), Services{DB: db, Units: units, Web: web})
}

func get(t *testing.T, h http.Handler, path string) (*http.Response, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	res := rec.Result()
	var body map[string]any
	if strings.Contains(res.Header.Get("Content-Type"), "json") {
		require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	}
	return res, body
}

func TestUnitsPaging(t *testing.T) {
	s := testServer(pinger{})
	var codes []string
	path := "/api/v1/units?level=grid&limit=2"
	for pages := 0; path != ""; pages++ {
		require.Less(t, pages, 10)
		res, body := get(t, s, path)
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, "FeatureCollection", body["type"])
		for _, f := range body["features"].([]any) {
			props := f.(map[string]any)["properties"].(map[string]any)
			assert.Equal(t, "grid", props["level"])
			assert.Equal(t, "370781001024", props["parent_code"])
			codes = append(codes, props["code"].(string))
		}
		path, _ = body["next"].(string)
	}
	assert.Equal(t, []string{"370781001024001", "370781001024002", "370781001024003", "370781001024004",
		"370781001024005"}, codes)
}

func TestUnitsFilters(t *testing.T) {
	s := testServer(pinger{})
	_, body := get(t, s, "/api/v1/units?level=grid&bbox=118.405,36.6,118.415,36.61")
	assert.Len(t, body["features"], 2)
	_, body = get(t, s, "/api/v1/units")
	assert.Len(t, body["features"], 6, "no level means every area level")
	res, body := get(t, s, "/api/v1/units/370781001")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "Feature", body["type"])
	assert.Equal(t, "王府街道", body["properties"].(map[string]any)["name"])
}

func TestUnitsBadInput(t *testing.T) {
	s := testServer(pinger{})
	for _, tc := range []struct {
		path, field string
		status      int
	}{
		{"/api/v1/units?level=planet", "level", 400},
		{"/api/v1/units?bbox=1,2,3", "bbox", 400},
		{"/api/v1/units?bbox=118,36,abc,37", "bbox", 400},
		{"/api/v1/units?bbox=118,36,117,37", "bbox", 400},
		{"/api/v1/units?bbox=118,36,119,91", "bbox", 400},
		{"/api/v1/units?bbox=NaN,36,119,37", "bbox", 400},
		{"/api/v1/units?limit=0", "limit", 400},
		{"/api/v1/units?limit=5001", "limit", 400},
		{"/api/v1/units?limit=ten", "limit", 400},
		{"/api/v1/units/nosuchcode", "", 404},
		{"/api/v1/nosuchroute", "", 404},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res, body := get(t, s, tc.path)
			assert.Equal(t, tc.status, res.StatusCode)
			e, ok := body["error"].(map[string]any)
			require.True(t, ok, "a JSON error: %v", body)
			assert.NotEmpty(t, e["message"])
			if tc.field != "" {
				assert.Equal(t, "invalid_argument", e["code"])
				assert.Equal(t, tc.field, e["field"])
			}
		})
	}
}

func TestHealth(t *testing.T) {
	res, body := get(t, testServer(pinger{}), "/healthz")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "ok", body["status"])
	res, _ = get(t, testServer(pinger{err: context.DeadlineExceeded}), "/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
}

func TestWebApp(t *testing.T) {
	rec := httptest.NewRecorder()
	testServer(pinger{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), "gridgov")
	assert.NotEmpty(t, rec.Header().Get("X-Request-Id"))
}
