package api

import (
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"gridgov/geo"
)

// Page sizes of the unit listing.
const (
	defaultUnitLimit = 1000
	maxUnitLimit     = 5000
)

// featureCollection is GeoJSON with the path of the next page when more remain.
type featureCollection struct {
	Type     string             `json:"type"`
	Features []*geojson.Feature `json:"features"`
	Next     string             `json:"next,omitempty"`
}

// handleUnits lists units as GeoJSON: ?level=&bbox=minLon,minLat,maxLon,maxLat&limit=&cursor=.
func handleUnits(log *slog.Logger, units UnitStore) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := parseUnitFilter(r.URL.Query())
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		page, err := units.Units(r.Context(), f)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		fc := featureCollection{Type: "FeatureCollection", Features: make([]*geojson.Feature, 0, len(page.Units))}
		for _, u := range page.Units {
			fc.Features = append(fc.Features, geo.Feature(u))
		}
		if page.Next != "" {
			q := r.URL.Query()
			q.Set("cursor", page.Next)
			q.Set("limit", strconv.Itoa(f.Limit))
			fc.Next = "/api/v1/units?" + q.Encode()
		}
		w.Header().Set("Content-Type", "application/geo+json; charset=utf-8")
		writeJSON(w, http.StatusOK, fc)
	}
}

// handleUnit answers one unit as a GeoJSON Feature.
func handleUnit(log *slog.Logger, units UnitStore) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		code := r.PathValue("code")
		if code == "" || len(code) > 64 {
			writeError(w, r, log, badRequest("code", "code must be 1 to 64 characters"))
			return
		}
		u, err := units.Unit(r.Context(), code)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		writeJSON(w, http.StatusOK, geo.Feature(u))
	}
}

func parseUnitFilter(q url.Values) (geo.UnitFilter, error) {
	f := geo.UnitFilter{Limit: defaultUnitLimit}
	if s := q.Get("level"); s != "" {
		l, err := geo.ParseLevel(s)
		if err != nil {
			return f, badRequest("level", err.Error())
		}
		f.Level = l
	}
	if s := q.Get("bbox"); s != "" {
		b, err := parseBBox(s)
		if err != nil {
			return f, badRequest("bbox", err.Error())
		}
		f.BBox = &b
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxUnitLimit {
			return f, badRequest("limit", fmt.Sprintf("limit must be a whole number from 1 to %d", maxUnitLimit))
		}
		f.Limit = n
	}
	if s := q.Get("cursor"); s != "" {
		if len(s) > 64 {
			return f, badRequest("cursor", "cursor is not one this server gave")
		}
		f.After = s
	}
	return f, nil
}

// parseBBox reads "minLon,minLat,maxLon,maxLat" in WGS-84.
func parseBBox(s string) (orb.Bound, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return orb.Bound{}, fmt.Errorf("bbox must be minLon,minLat,maxLon,maxLat, got %d values", len(parts))
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return orb.Bound{}, fmt.Errorf("bbox value %q is not a finite number", p)
		}
		v[i] = f
	}
	if err := geo.CheckLonLat(v[0], v[1]); err != nil {
		return orb.Bound{}, err
	}
	if err := geo.CheckLonLat(v[2], v[3]); err != nil {
		return orb.Bound{}, err
	}
	if v[0] > v[2] || v[1] > v[3] {
		return orb.Bound{}, fmt.Errorf("bbox minimum (%v, %v) is above its maximum (%v, %v)", v[0], v[1], v[2], v[3])
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}
