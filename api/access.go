package api

import (
	"math"
	"net/http"

	"github.com/uber/h3-go/v4"

	"gridgov/dispatch"
	"gridgov/tiles"
)

// Who sees what (SECURITY.md has the whole matrix, checked by cmd/gridgov/access_test.go):
//
//   - a case of a public category: everyone, located to publicDigits decimals (about 100 m) and without address
//     text or the reporter's name and phone, unless the viewer sees it in full (seesInFull: its reporter, staff
//     responsible for it within their unit, the department it is assigned to);
//   - a case of a non-public category: only those who see it on the live feed (visible): staff within their unit,
//     the department it is assigned to, its reporter; to anyone else it does not exist (404);
//   - hotspots of a non-public category: only staff who may read KPIs (staffReader), within their unit.

// publicDigits is the precision of a case's location shown to those who may not see it in full: 0.001°, as the
// reports tile and the public live feed.
const publicDigits = 3

// publicH3Res is the resolution of the H3 cell shown with a rounded location (edges of about 170 m).
const publicH3Res = 9

func roundTo(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// hideLocation coarsens what a case tells of where it is for a viewer who may not see it in full: the point and
// the original point rounded, no address text (often a resident's home), and the H3 cell at publicH3Res.
func hideLocation(out *caseJSON, c dispatch.Case) {
	out.Lat, out.Lon = roundTo(c.Lat, publicDigits), roundTo(c.Lon, publicDigits)
	out.OrigLat, out.OrigLon = roundTo(c.OrigLat, publicDigits), roundTo(c.OrigLon, publicDigits)
	out.Address = ""
	out.H3 = ""
	if cell := h3.Cell(c.H3); c.H3 != 0 && cell.Resolution() > publicH3Res {
		if p, err := cell.Parent(publicH3Res); err == nil {
			out.H3 = p.String()
		}
	}
}

// mayRead says whether an asker may read a case at all: anyone a case of a public category, otherwise those who
// get it on the live feed.
func mayRead(c dispatch.Case, dir *dispatch.Directory, a dispatch.Actor, known bool) bool {
	if cat, ok := dir.Categories[c.Category]; ok && cat.Public {
		return true
	}
	return visible(c, dir, a, known)
}

// staffReader says whether a role may read KPIs and hotspots of every category within their unit.
func staffReader(r dispatch.Role) bool {
	switch r {
	case dispatch.RoleGridWorker, dispatch.RoleGridChief, dispatch.RoleDispatcher, dispatch.RolePlanner,
		dispatch.RoleAdmin:
		return true
	}
	return false
}

// hotspotAccess lets a hotspot query through: anyone for public categories (or all categories together); for a
// category that is not public, only staff (staffReader) and, when code names a unit, only within their unit. It
// answers the refusal itself and returns false; private says the answer must not be kept by shared caches.
// fine says the asker may see hexagons finer than tiles.PublicMaxRes: only staff (staffReader). A token that does
// not verify is, for public hotspots, as no token: they never needed one.
func (s *Server) hotspotAccess(w http.ResponseWriter, r *http.Request, f tiles.Filter, code string) (ok, private, fine bool) {
	a, known, err := s.actor(r)
	fine = err == nil && known && staffReader(a.Role)
	if f.Category == "" || s.Places == nil {
		return true, false, fine
	}
	cat, known := s.Places.Load().Categories[f.Category]
	if !known || cat.Public {
		return true, false, fine
	}
	a, ok = s.requireActor(w, r)
	if !ok {
		return false, true, false
	}
	if !staffReader(a.Role) {
		writeError(w, r, s.log, &Error{Status: http.StatusForbidden, Code: "forbidden", Field: "category",
			Message: "hotspots of category " + f.Category + " are for staff"})
		return false, true, false
	}
	if code != "" && !InScope(a.Unit, code) {
		writeError(w, r, s.log, &Error{Status: http.StatusForbidden, Code: "forbidden", Field: "code",
			Message: "code " + truncate(code, 64) + " is outside your unit " + a.Unit})
		return false, true, false
	}
	return true, true, true
}

// hotspotGate is Server.hotspotAccess as the tile and hotspot handlers take it.
type hotspotGate func(w http.ResponseWriter, r *http.Request, f tiles.Filter, code string) (ok, private, fine bool)
