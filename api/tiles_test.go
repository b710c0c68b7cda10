package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uber/h3-go/v4"

	"gridgov/geo"
	"gridgov/tiles"
)

// fakeTiles renders one square per tile of the streets layer and counts renders; other layers are empty.
type fakeTiles struct{ renders int }

func (f *fakeTiles) LayerTile(_ context.Context, layer string, t maptile.Tile) ([]byte, error) {
	f.renders++
	if layer != "streets" {
		return nil, nil
	}
	c := t.Center()
	fc := geojson.NewFeatureCollection()
	ft := geojson.NewFeature(orb.Polygon{{{c[0] - 0.001, c[1] - 0.001}, {c[0] + 0.001, c[1] - 0.001},
		{c[0] + 0.001, c[1] + 0.001}, {c[0] - 0.001, c[1] + 0.001}, {c[0] - 0.001, c[1] - 0.001}}})
	ft.Properties = geojson.Properties{"code": "370781001", "name": "街道"}
	fc.Append(ft)
	return tiles.Encode(layer, fc, t)
}

func tileServer(t *testing.T) (*Server, *fakeTiles, *tiles.Hotspots) {
	store := &fakeTiles{}
	hot := tiles.NewHotspots()
	var rows []tiles.CaseRow
	for i := range 50 {
		c, err := h3.LatLngToCell(h3.NewLatLng(36.697+float64(i%7)*0.001, 118.48+float64(i%5)*0.001), 11)
		require.NoError(t, err)
		rows = append(rows, tiles.CaseRow{ID: int64(i + 1), CreatedAt: time.Date(2026, 3, 1+i%20, 0, 0, 0, 0, time.UTC),
			Category: "road", Status: "reported", Cell: c})
	}
	require.NoError(t, hot.Load(rows))
	svc := tiles.NewService(store, hot, tiles.NewCache(1<<20))
	svc.SetBounds(orb.Bound{Min: orb.Point{118.44, 36.66}, Max: orb.Point{118.52, 36.73}})
	units := &memUnits{units: []geo.Unit{{Level: geo.LevelCommunity, Code: "370781001024", Name: "c",
		Geometry: square(118.47, 36.69, 0.02)}}}
	s := NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), Services{Units: units, Tiles: svc})
	return s, store, hot
}

func getTile(s http.Handler, path string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w
}

func TestTileBadInput(t *testing.T) {
	s, _, _ := tileServer(t)
	for path, field := range map[string]string{
		"/tiles/streets/40/0/0.mvt":                                        "z",
		"/tiles/streets/3/8/0.mvt":                                         "x",
		"/tiles/streets/3/0/8.mvt":                                         "y",
		"/tiles/streets/3/0/..%2Fx.mvt":                                    "y",
		"/tiles/streets/3/0/0":                                             "y",
		"/tiles/streets/3/0/0.png":                                         "y",
		"/tiles/streets/a/0/0.mvt":                                         "z",
		"/tiles/nope/3/0/0.mvt":                                            "layer",
		"/tiles/nope.json":                                                 "layer",
		"/tiles/streets":                                                   "layer",
		"/tiles/hotspots/12/0/0.mvt?from=2026-05-01&to=2026-04-01":         "from",
		"/tiles/hotspots/12/0/0.mvt?from=yesterday":                        "from",
		"/tiles/hotspots/12/0/0.mvt?to=2026-13-01":                         "to",
		"/tiles/hotspots/12/0/0.mvt?status=lost":                           "status",
		"/tiles/hotspots.json?from=x":                                      "from",
		"/api/v1/hotspots?code=370781001024&from=2026-05-01&to=2026-04-01": "from",
		"/api/v1/hotspots?code=370781001024&to=2026-02-30":                 "to",
		"/api/v1/hotspots?code=370781001024&res=12":                        "res",
		"/api/v1/hotspots":                                                 "code",
	} {
		t.Run(path, func(t *testing.T) {
			w := getTile(s, path)
			require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
			var body struct{ Error Error }
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
			assert.Equal(t, "invalid_argument", body.Error.Code)
			assert.Equal(t, field, body.Error.Field)
		})
	}
	w := getTile(s, "/api/v1/hotspots?code=999")
	assert.Equal(t, http.StatusNotFound, w.Code)
}

func TestTileETagGzipAndEmpty(t *testing.T) {
	s, store, _ := tileServer(t)
	tile := maptile.At(orb.Point{118.48, 36.697}, 12)
	path := "/tiles/streets/12/" + itoa(tile.X) + "/" + itoa(tile.Y) + ".mvt"
	w := getTile(s, path)
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "application/vnd.mapbox-vector-tile", w.Header().Get("Content-Type"))
	assert.Equal(t, "*", w.Header().Get("Access-Control-Allow-Origin"))
	assert.Contains(t, w.Header().Get("Cache-Control"), "max-age=")
	etag := w.Header().Get("ETag")
	require.NotEmpty(t, etag)
	layers, err := mvt.Unmarshal(w.Body.Bytes())
	require.NoError(t, err)
	require.Len(t, layers, 1)
	assert.Equal(t, "streets", layers[0].Name)

	// Cached: the store is not asked again; If-None-Match gives 304.
	w = getTile(s, path, "If-None-Match", `"other", `+etag)
	assert.Equal(t, http.StatusNotModified, w.Code)
	assert.Empty(t, w.Body.Bytes())
	assert.Equal(t, 1, store.renders)

	// gzip when accepted.
	w = getTile(s, path, "Accept-Encoding", "gzip, br")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "gzip", w.Header().Get("Content-Encoding"))
	zr, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
	require.NoError(t, err)
	raw, err := io.ReadAll(zr)
	require.NoError(t, err)
	_, err = mvt.Unmarshal(raw)
	require.NoError(t, err)
	w = getTile(s, path, "Accept-Encoding", "gzip;q=0")
	assert.Empty(t, w.Header().Get("Content-Encoding"))

	// Empty tiles, and tiles outside a layer's zoom range, are 204 with an ETag.
	for _, p := range []string{"/tiles/roads/12/0/0.mvt", "/tiles/streets/3/0/0.mvt", "/tiles/hotspots/12/0/0.mvt"} {
		w = getTile(s, p)
		assert.Equal(t, http.StatusNoContent, w.Code, p)
		assert.NotEmpty(t, w.Header().Get("ETag"), p)
		assert.Equal(t, "*", w.Header().Get("Access-Control-Allow-Origin"))
	}
}

func TestHotspotTileAndList(t *testing.T) {
	s, _, hot := tileServer(t)
	tile := maptile.At(orb.Point{118.48, 36.697}, 14)
	path := "/tiles/hotspots/14/" + itoa(tile.X) + "/" + itoa(tile.Y) + ".mvt"
	w := getTile(s, path+"?category=road&from=2026-03-01&to=2026-03-10")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	layers, err := mvt.Unmarshal(w.Body.Bytes())
	require.NoError(t, err)
	total := 0.0
	for _, f := range layers[0].Features {
		total += f.Properties["count"].(float64)
		assert.EqualValues(t, 10, f.Properties["res"])
	}
	assert.Equal(t, 30.0, total, "days 1–10 (China time, to inclusive) hold three of the fifty cases each")
	w = getTile(s, path+"?category=other")
	assert.Equal(t, http.StatusNoContent, w.Code)

	w = getTile(s, "/api/v1/hotspots?code=370781001024&res=11")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var fc struct {
		Type     string
		Cases    int
		Features []struct {
			Properties map[string]any
			Geometry   struct{ Type string }
		}
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &fc))
	assert.Equal(t, "FeatureCollection", fc.Type)
	assert.Equal(t, hot.Len(), fc.Cases)
	prev := 100.0
	for _, f := range fc.Features {
		z := f.Properties["gi_z"].(float64)
		assert.GreaterOrEqual(t, z, 1.645)
		assert.LessOrEqual(t, z, prev, "hottest first")
		prev = z
		assert.Equal(t, "Polygon", f.Geometry.Type)
	}

	w = getTile(s, "/tiles/hotspots.json?category=road")
	require.Equal(t, http.StatusOK, w.Code)
	var doc tiles.TileJSON
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &doc))
	assert.Equal(t, "3.0.0", doc.TileJSON)
	assert.Equal(t, "http://example.com/tiles/hotspots/{z}/{x}/{y}.mvt?category=road", doc.Tiles[0])
	assert.Equal(t, [4]float64{118.44, 36.66, 118.52, 36.73}, doc.Bounds)
	require.Len(t, doc.VectorLayers, 1)
	assert.Contains(t, doc.VectorLayers[0].Fields, "gi_z")
	w = getTile(s, "/tiles/streets.json")
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &doc))
	assert.Equal(t, 8, doc.MinZoom)
	assert.Equal(t, 18, doc.MaxZoom)
}

func itoa(v uint32) string { return strconv.FormatUint(uint64(v), 10) }
