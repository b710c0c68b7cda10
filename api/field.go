package api

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"gridgov/dispatch"
	"gridgov/geo"
)

// fieldStopJSON is one stop of GET /api/v1/field/tasks and /route. leg_m is the leg from the previous stop (the
// worker's position for the first), eta_s the arrival time counted from the start without time spent at stops,
// distance_m the straight distance from the worker.
type fieldStopJSON struct {
	ReportID       int64      `json:"report_id"`
	Lat            float64    `json:"lat"`
	Lon            float64    `json:"lon"`
	LegM           float64    `json:"leg_m"`
	EtaS           float64    `json:"eta_s"`
	DistanceM      float64    `json:"distance_m"`
	Status         string     `json:"status"`
	Category       string     `json:"category"`
	Classification string     `json:"classification"`
	Urgency        string     `json:"urgency"`
	DueAt          *time.Time `json:"due_at"`
	Overdue        bool       `json:"overdue"`
	Pressing       bool       `json:"pressing"`
	Unit           string     `json:"unit"`
}

type fieldPlanJSON struct {
	Stops    []fieldStopJSON `json:"stops"`
	TotalM   float64         `json:"total_m"`
	TotalS   float64         `json:"total_s"`
	Method   string          `json:"method"`
	Fallback string          `json:"fallback,omitempty"`
	CRS      string          `json:"crs"`
	Geometry *legsJSON       `json:"geometry,omitempty"`
}

type legsJSON struct {
	Type     string        `json:"type"`
	Features []legFeatJSON `json:"features"`
}

type legFeatJSON struct {
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
	Geometry   lineJSON       `json:"geometry"`
}

type lineJSON struct {
	Type        string       `json:"type"`
	Coordinates [][2]float64 `json:"coordinates"`
}

// handleField answers GET /api/v1/field/tasks (route false) and GET /api/v1/field/route (route true) for a
// field worker's token: grid workers and chiefs, dispatchers and admins within their unit, departments for the
// cases assigned to them; residents, planners and Open311 clients get 403.
func handleField(log *slog.Logger, field *dispatch.Field, actorOf actorFunc, now func() time.Time, route bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok, err := actorOf(r)
		if err == nil && !ok {
			err = authError("this needs a field worker's bearer token: Authorization: Bearer <token>")
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if field == nil {
			writeError(w, r, log, &Error{Status: http.StatusServiceUnavailable, Code: "unavailable",
				Message: "field routing is not running"})
			return
		}
		q, crs, err := parseFieldQuery(r.URL.Query(), route)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		q.Actor, q.Now = a, now()
		var plan dispatch.FieldPlan
		if route {
			plan, err = field.Route(q)
		} else {
			plan, err = field.List(q)
		}
		switch {
		case errors.Is(err, dispatch.ErrNoUnit):
			writeError(w, r, log, &Error{Status: http.StatusForbidden, Code: "no_unit", Message: err.Error() +
				"; ask for a token scoped to your grid, community or street (gridgov token --unit CODE)"})
			return
		case err != nil:
			writeError(w, r, log, err)
			return
		}
		writeJSON(w, http.StatusOK, fieldJSON(plan, crs, q.Geometry))
	}
}

func parseFieldQuery(v url.Values, route bool) (dispatch.FieldQuery, geo.CRS, error) {
	var q dispatch.FieldQuery
	lat, err := parseCoord(v.Get("lat"), "lat")
	if err != nil {
		return q, "", err
	}
	lon, err := parseCoord(v.Get("lon"), "lon")
	if err != nil {
		return q, "", err
	}
	if q.At, err = toWGS84(lat, lon, v.Get("crs"), ""); err != nil {
		return q, "", err
	}
	crs, _ := geo.ParseCRS(v.Get("crs"))
	q.K = dispatch.DefaultFieldK
	if s := v.Get("k"); s != "" {
		k, err := strconv.Atoi(s)
		if err != nil || k < 1 || k > dispatch.MaxFieldK {
			return q, "", badRequest("k", fmt.Sprintf("k %q: ask for 1 to %d tasks", truncate(s, 20), dispatch.MaxFieldK))
		}
		q.K = k
	}
	switch m := v.Get("method"); m {
	case "", dispatch.MethodRoad, dispatch.MethodStraight:
		if m != "" && !route {
			return q, "", badRequest("method", "method applies to /api/v1/field/route; the task list is by straight distance")
		}
		q.Method = m
	default:
		return q, "", badRequest("method", fmt.Sprintf("method %q: want road or straight", truncate(m, 20)))
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"urgent_first", &q.UrgentFirst}, {"geometry", &q.Geometry}} {
		if s := v.Get(b.name); s != "" {
			val, err := strconv.ParseBool(s)
			if err != nil {
				return q, "", badRequest(b.name, fmt.Sprintf("%s %q: want true or false", b.name, truncate(s, 20)))
			}
			*b.dst = val
		}
	}
	switch s := v.Get("assigned"); s {
	case "", "any":
	case "me":
		q.AssignedMe = true
	default:
		return q, "", badRequest("assigned", fmt.Sprintf("assigned %q: want me or any", truncate(s, 20)))
	}
	if s := v.Get("status"); s != "" {
		for _, st := range strings.Split(s, ",") {
			status := dispatch.Status(strings.TrimSpace(st))
			if !slices.Contains(openStatuses, status) {
				return q, "", badRequest("status", fmt.Sprintf("status %q: want open statuses (%s), comma-separated",
					truncate(string(status), 20), joinStatuses(openStatuses)))
			}
			q.Statuses = append(q.Statuses, status)
		}
	}
	return q, crs, nil
}

// openStatuses are the statuses a field task can have.
var openStatuses = []dispatch.Status{dispatch.StatusReported, dispatch.StatusHeard, dispatch.StatusDeliberating,
	dispatch.StatusDecided, dispatch.StatusDispatched, dispatch.StatusInProgress, dispatch.StatusResolved,
	dispatch.StatusVerified, dispatch.StatusSuspended}

func joinStatuses(ss []dispatch.Status) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, " ")
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// fieldJSON writes a plan with coordinates in the request's coordinate system.
func fieldJSON(p dispatch.FieldPlan, crs geo.CRS, geometry bool) fieldPlanJSON {
	out := fieldPlanJSON{Stops: make([]fieldStopJSON, 0, len(p.Stops)), TotalM: round1(p.TotalM),
		TotalS: round1(p.TotalS), Method: p.Method, Fallback: p.Fallback, CRS: string(crs)}
	for _, s := range p.Stops {
		t := s.Task
		pt := geo.FromWGS84(orb.Point{t.Lon, t.Lat}, crs)
		js := fieldStopJSON{ReportID: t.ID, Lat: pt[1], Lon: pt[0], LegM: round1(s.LegM), EtaS: round1(s.EtaS),
			DistanceM: round1(s.DistanceM), Status: string(t.Status), Category: t.Category,
			Classification: string(t.Classification), Urgency: t.Urgency, Overdue: s.Overdue, Pressing: s.Pressing,
			Unit: t.Unit}
		if !t.DueAt.IsZero() {
			due := t.DueAt
			js.DueAt = &due
		}
		out.Stops = append(out.Stops, js)
	}
	if geometry {
		out.Geometry = &legsJSON{Type: "FeatureCollection", Features: make([]legFeatJSON, 0, len(p.Legs))}
		for i, leg := range p.Legs {
			coords := make([][2]float64, len(leg))
			for j, pt := range leg {
				c := geo.FromWGS84(pt, crs)
				coords[j] = [2]float64{c[0], c[1]}
			}
			props := map[string]any{"leg": i + 1, "method": p.Method}
			if i < len(out.Stops) {
				props["report_id"], props["leg_m"] = out.Stops[i].ReportID, out.Stops[i].LegM
			}
			out.Geometry.Features = append(out.Geometry.Features, legFeatJSON{Type: "Feature", Properties: props,
				Geometry: lineJSON{Type: "LineString", Coordinates: coords}})
		}
	}
	return out
}
