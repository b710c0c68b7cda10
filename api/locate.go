package api

import (
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"gridgov/dispatch"
	"gridgov/geo"
)

// MaxLocateBatch is the most points one POST /api/v1/locate may carry.
const MaxLocateBatch = 10_000

type locationJSON struct {
	Lat         float64        `json:"lat"`
	Lon         float64        `json:"lon"`
	Street      *geo.Ref       `json:"street"`
	Community   *geo.Ref       `json:"community"`
	Grid        *geo.Ref       `json:"grid"`
	Building    *geo.Ref       `json:"building"`
	Responsible []dispatch.Org `json:"responsible"`
	H3          string         `json:"h3,omitempty"`
}

// locate answers one WGS-84 point, or an *Error for a point outside every grid; m times it.
func locate(dir *dispatch.Directory, p orb.Point, m *Metrics) (*locationJSON, *Error) {
	start := time.Now()
	defer func() { m.locate.Observe(time.Since(start).Seconds()) }()
	loc := dir.Locator.Locate(p)
	if loc.Grid == nil {
		return nil, outsideError(dir.Locator.Outside(p))
	}
	out := &locationJSON{Lat: p[1], Lon: p[0], Street: loc.Street, Community: loc.Community, Grid: loc.Grid,
		Building: loc.Building, Responsible: dir.Responsible(loc)}
	if out.Responsible == nil {
		out.Responsible = []dispatch.Org{}
	}
	if c, err := geo.CellOf(p, geo.CaseRes); err == nil {
		out.H3 = c.String()
	}
	return out, nil
}

func outsideError(oe *geo.OutsideError) *Error {
	e := &Error{Status: http.StatusNotFound, Code: "outside_coverage", Message: oe.Error(), NearestGrid: oe.Nearest}
	if oe.Nearest != nil {
		m := oe.Metres
		e.DistanceM = &m
	}
	return e
}

// handleLocate answers GET /api/v1/locate?lat=&lon=&crs=.
func handleLocate(log *slog.Logger, places *dispatch.Places, m *Metrics) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		lat, err := parseCoord(q.Get("lat"), "lat")
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		lon, err := parseCoord(q.Get("lon"), "lon")
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		p, err := toWGS84(lat, lon, q.Get("crs"), "")
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		out, e := locate(places.Load(), p, m)
		if e != nil {
			writeError(w, r, log, e)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

type locatePoint struct {
	Lat *float64 `json:"lat"`
	Lon *float64 `json:"lon"`
	CRS string   `json:"crs"`
}

// handleLocateBatch answers POST /api/v1/locate {"points":[…]} with {"results":[…]} in the same order; a point
// outside every grid gets its error object in its place.
func handleLocateBatch(log *slog.Logger, places *dispatch.Places, m *Metrics) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Points []locatePoint `json:"points"`
		}
		if err := decodeJSON(w, r, 4<<20, &body); err != nil {
			writeError(w, r, log, err)
			return
		}
		switch n := len(body.Points); {
		case body.Points == nil:
			writeError(w, r, log, badRequest("points", "points is required: an array of {lat, lon, crs}"))
			return
		case n > MaxLocateBatch:
			writeError(w, r, log, badRequest("points", fmt.Sprintf("%d points; at most %d in one request", n, MaxLocateBatch)))
			return
		}
		pts := make([]orb.Point, len(body.Points))
		for i, lp := range body.Points {
			field := fmt.Sprintf("points[%d]", i)
			if lp.Lat == nil || lp.Lon == nil {
				writeError(w, r, log, badRequest(field, field+" needs lat and lon"))
				return
			}
			p, err := toWGS84(*lp.Lat, *lp.Lon, lp.CRS, field+".")
			if err != nil {
				writeError(w, r, log, err)
				return
			}
			pts[i] = p
		}
		dir := places.Load()
		results := make([]any, len(pts))
		for i, p := range pts {
			if out, e := locate(dir, p, m); e != nil {
				results[i] = map[string]*Error{"error": e}
			} else {
				results[i] = out
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"results": results})
	}
}

// parseCoord reads a required query coordinate.
func parseCoord(s, field string) (float64, error) {
	if s == "" {
		return 0, badRequest(field, field+" is required")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, badRequest(field, fmt.Sprintf("%s %q is not a finite number", field, truncate(s, 30)))
	}
	return f, nil
}

// toWGS84 checks a coordinate pair in its CRS and converts it to WGS-84.
func toWGS84(lat, lon float64, crsName, prefix string) (orb.Point, error) {
	if err := geo.CheckLonLat(0, lat); err != nil {
		return orb.Point{}, badRequest(prefix+"lat", err.Error())
	}
	if err := geo.CheckLonLat(lon, 0); err != nil {
		return orb.Point{}, badRequest(prefix+"lon", err.Error())
	}
	crs, err := geo.ParseCRS(crsName)
	if err != nil {
		return orb.Point{}, badRequest(prefix+"crs", err.Error())
	}
	return geo.ToWGS84(orb.Point{lon, lat}, crs), nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
