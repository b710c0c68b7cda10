package api

import (
	"cmp"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"gridgov/geo"
	"gridgov/tiles"
)

// maxFilterLen bounds the text of a hotspot filter value.
const maxFilterLen = 64

// Hotspots listed by GET /api/v1/hotspots: the hottest this many by default, and at most.
const (
	defaultHotspotLimit = 1000
	maxHotspotLimit     = 5000
)

// tileHeaders sets what every tile answer carries: cross-origin GET for any map client.
func tileHeaders(w http.ResponseWriter) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
}

// handleTile answers GET /tiles/{layer}/{z}/{x}/{y}.mvt (and /tiles/hotspots/…?category=&status=&from=&to=): MVT
// version 2, 204 for an empty tile, with ETag (304 on If-None-Match), Cache-Control and gzip when the client
// accepts it.
func handleTile(log *slog.Logger, svc *tiles.Service, gate hotspotGate) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tileHeaders(w)
		if svc == nil {
			writeError(w, r, log, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "tiles are not served here"})
			return
		}
		layer := r.PathValue("layer")
		l, ok := tiles.LayerNamed(layer)
		if !ok {
			writeError(w, r, log, badRequest("layer", "unknown layer "+strconv.Quote(truncate(layer, 64))))
			return
		}
		ys, ok := strings.CutSuffix(r.PathValue("y"), ".mvt")
		if !ok {
			writeError(w, r, log, badRequest("y", "tile paths end in {y}.mvt"))
			return
		}
		t, err := tiles.ParseTile(r.PathValue("z"), r.PathValue("x"), ys)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		var f tiles.Filter
		private, varies := false, false
		if l.Name == tiles.HotspotLayer {
			if f, err = parseHotspotFilter(r.URL.Query()); err != nil {
				writeError(w, r, log, err)
				return
			}
			var ok bool
			if ok, private, f.Fine = gate(w, r, f, ""); !ok {
				return
			}
			// From zoom 15 staff get finer hexagons than the public (tiles.PublicMaxRes): the answer depends on the
			// token, and the staff one must stay out of shared caches.
			varies = tiles.ResForZoom(int(t.Z)) > tiles.PublicMaxRes
			private = private || (varies && f.Fine)
		}
		e, err := svc.Tile(r.Context(), l.Name, t, f)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		h := w.Header()
		h.Set("ETag", e.ETag)
		if private {
			h.Set("Cache-Control", "private, max-age="+strconv.Itoa(l.MaxAge))
		} else {
			h.Set("Cache-Control", "public, max-age="+strconv.Itoa(l.MaxAge))
		}
		h.Set("Vary", "Accept-Encoding")
		if private || varies {
			h.Add("Vary", "Authorization")
		}
		if etagMatch(r.Header.Get("If-None-Match"), e.ETag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if len(e.Data) == 0 {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Content-Type", "application/vnd.mapbox-vector-tile")
		body := e.Data
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			h.Set("Content-Encoding", "gzip")
			body = e.Gzip
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	}
}

// etagMatch reads If-None-Match: "*" or a list of (possibly weak) tags.
func etagMatch(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == etag {
			return true
		}
	}
	return false
}

func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") || strings.TrimSpace(name) == "*" {
			params = strings.ReplaceAll(params, " ", "")
			return params != "q=0" && params != "q=0.0" && params != "q=0.00" && params != "q=0.000"
		}
	}
	return false
}

// handleTileJSON answers GET /tiles/{layer}.json with the layer's TileJSON 3.0.0; for hotspots the filter in the
// query is carried into the tile URL.
func handleTileJSON(log *slog.Logger, svc *tiles.Service) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tileHeaders(w)
		if svc == nil {
			writeError(w, r, log, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "tiles are not served here"})
			return
		}
		name, ok := strings.CutSuffix(r.PathValue("layer"), ".json")
		l, known := tiles.LayerNamed(name)
		if !ok || !known {
			writeError(w, r, log, badRequest("layer", "unknown tile set "+strconv.Quote(truncate(r.PathValue("layer"), 64))))
			return
		}
		scheme := "http"
		if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
			scheme = "https"
		}
		u := scheme + "://" + r.Host + "/tiles/" + l.Name + "/{z}/{x}/{y}.mvt"
		if l.Name == tiles.HotspotLayer {
			if _, err := parseHotspotFilter(r.URL.Query()); err != nil {
				writeError(w, r, log, err)
				return
			}
			if q := r.URL.Query().Encode(); q != "" {
				u += "?" + q
			}
		}
		w.Header().Set("Cache-Control", "public, max-age=60")
		writeJSON(w, http.StatusOK, tiles.Document(l, u, svc.Bounds()))
	}
}

// parseHotspotFilter reads category, status, from and to. Dates are RFC 3339 times or YYYY-MM-DD days (China
// Standard Time); a day as `to` includes that whole day.
func parseHotspotFilter(q url.Values) (tiles.Filter, error) {
	var f tiles.Filter
	f.Category = q.Get("category")
	if len(f.Category) > maxFilterLen {
		return f, badRequest("category", "category is at most 64 characters")
	}
	if f.Status = q.Get("status"); f.Status != "" && !knownStatus(f.Status) {
		return f, badRequest("status", "unknown status "+strconv.Quote(truncate(f.Status, 64)))
	}
	var err error
	if f.From, err = parseDay(q.Get("from"), false); err != nil {
		return f, badRequest("from", "from must be YYYY-MM-DD or an RFC 3339 time")
	}
	if f.To, err = parseDay(q.Get("to"), true); err != nil {
		return f, badRequest("to", "to must be YYYY-MM-DD or an RFC 3339 time")
	}
	// The index and the cache key count in Unix nanoseconds, which wrap outside 1678–2262: keep to the KPI years.
	if !f.From.IsZero() && (f.From.Before(kpiEarliest) || f.From.After(kpiLatest)) {
		return f, badRequest("from", "from must lie in the years 2000 to 2100")
	}
	if !f.To.IsZero() && (f.To.Before(kpiEarliest) || f.To.After(kpiLatest)) {
		return f, badRequest("to", "to must lie in the years 2000 to 2100")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, badRequest("from", "from must be before to")
	}
	return f, nil
}

var cst = time.FixedZone("CST", 8*3600)

func parseDay(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) > 40 {
		return time.Time{}, strconv.ErrRange
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, cst); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	return time.Parse(time.RFC3339, s)
}

func knownStatus(s string) bool {
	switch s {
	case "reported", "heard", "deliberating", "decided", "dispatched", "in_progress", "resolved", "verified", "closed",
		"suspended", "cancelled":
		return true
	}
	return false
}

// handleHotspots answers GET /api/v1/hotspots?code=&from=&to=&category=&status=&res= with the significant
// hotspots (Gi* ≥ 1.645) whose centres lie within the unit, as GeoJSON hexagons with count, gi_z and hot, the
// hottest first. The resolution defaults by the unit's level: street 9, community 10, grid and compound 11. Anyone
// but staff gets at most tiles.PublicMaxRes: a finer res, asked or by default, is clamped to it.
func handleHotspots(log *slog.Logger, units UnitStore, svc *tiles.Service, gate hotspotGate) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if svc == nil {
			writeError(w, r, log, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "hotspots are not served here"})
			return
		}
		q := r.URL.Query()
		code := q.Get("code")
		if code == "" || len(code) > 64 {
			writeError(w, r, log, badRequest("code", "code must be 1 to 64 characters"))
			return
		}
		f, err := parseHotspotFilter(q)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		ok, _, fine := gate(w, r, f, code)
		if !ok {
			return
		}
		limit := defaultHotspotLimit
		if s := q.Get("limit"); s != "" {
			if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > maxHotspotLimit {
				writeError(w, r, log, badRequest("limit", "limit must be a whole number from 1 to 5000"))
				return
			}
		}
		res := 0
		if s := q.Get("res"); s != "" {
			if res, err = strconv.Atoi(s); err != nil || res < tiles.MinRes || res > geo.CaseRes {
				writeError(w, r, log, badRequest("res", "res must be an integer from 5 to 11"))
				return
			}
		}
		u, err := units.Unit(r.Context(), code)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		var mp orb.MultiPolygon
		switch g := u.Geometry.(type) {
		case orb.MultiPolygon:
			mp = g
		case orb.Polygon:
			mp = orb.MultiPolygon{g}
		default:
			writeError(w, r, log, badRequest("code", "hotspots are counted within streets, communities, grids and compounds"))
			return
		}
		if res == 0 {
			res = map[geo.Level]int{geo.LevelStreet: 9, geo.LevelCommunity: 10}[u.Level]
			if res == 0 {
				res = geo.CaseRes
			}
		}
		if !fine {
			res = min(res, tiles.PublicMaxRes) // clamped, not refused: the answer's res says what was drawn
		}
		agg := svc.Hotspots().Aggregate(f, res)
		hexes := agg.Within(mp, 1.645)
		fc := geojson.NewFeatureCollection()
		slices.SortStableFunc(hexes, func(a, b tiles.Hex) int { return cmp.Compare(b.Z, a.Z) })
		truncated := len(hexes) > limit
		hexes = hexes[:min(len(hexes), limit)]
		for _, hx := range hexes {
			f := geojson.NewFeature(orb.Polygon{hx.Ring})
			z := math.Round(hx.Z*1000) / 1000
			f.Properties = geojson.Properties{"h3": hx.Cell.String(), "res": agg.Res, "count": hx.Count,
				"gi_z": z, "hot": tiles.Hot(z)}
			fc.Append(f)
		}
		w.Header().Set("Content-Type", "application/geo+json; charset=utf-8")
		body := map[string]any{"type": "FeatureCollection", "features": fc.Features, "code": code, "res": agg.Res,
			"cases": agg.Cases}
		if truncated {
			body["truncated"] = true // more hotspots than limit: the hottest are listed
		}
		writeJSON(w, http.StatusOK, body)
	}
}
