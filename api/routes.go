package api

import (
	"io/fs"
	"net/http"

	"gridgov/dispatch"
)

// routes lists every route on one screen.
func (s *Server) routes() {
	s.mux.Handle("GET /healthz", handleHealth(s.DB, s.Listening))
	s.mux.Handle("GET /metrics", s.handleMetrics())
	s.mux.Handle("GET /api/v1/units", handleUnits(s.log, s.Units))
	s.mux.Handle("GET /api/v1/units/{code}", handleUnit(s.log, s.Units))
	s.mux.Handle("GET /api/v1/locate", handleLocate(s.log, s.Places, s.Metrics))
	s.mux.Handle("POST /api/v1/locate", handleLocateBatch(s.log, s.Places, s.Metrics))
	s.mux.Handle("GET /api/v1/categories", handleCategories(s.Places))
	s.mux.Handle("POST /api/v1/reports", handleCreateReport(s.log, s.Places, s.Intake, s.actor))
	s.mux.Handle("GET /api/v1/reports", handleListReports(s.log, s.Places, s.Workflow, s.actor))
	s.mux.Handle("GET /api/v1/reports/{id}", handleGetReport(s.log, s.Places, s.Cases, s.Photos, s.actor))
	s.mux.Handle("POST /api/v1/reports/{id}/events", handleAction(s.log, s.Places, countedWorkflow{s.Workflow, s.Metrics}, s.actor))
	s.mux.Handle("GET /api/v1/reports/{id}/events", handleEvents(s.log, s.Places, s.Workflow, s.Cases, s.actor))
	s.mux.Handle("GET /api/v1/reports/{id}/photos", handlePhotos(s.log, s.Places, s.Cases, s.Photos, s.actor))
	s.mux.Handle("GET /api/v1/reports/{id}/photos/{n}", handlePhoto(s.log, s.Places, s.Cases, s.Photos, s.actor))
	s.mux.Handle("GET /api/v1/stats/kpi", s.staffScoped("code", handleKPI(s.log, s.KPIs)))
	s.mux.Handle("GET /api/v1/stream", handleStream(s.log, s.Places, s.Feed, s.actor))
	s.mux.Handle("GET /api/v1/field/tasks", handleField(s.log, s.Field, s.actor, s.clock, false))
	s.mux.Handle("GET /api/v1/field/route", handleField(s.log, s.Field, s.actor, s.clock, true))
	s.mux.Handle("POST /api/v1/residents/token", handleResidentToken(s.log, s.Tokens, s.clock))
	o := s.open311()
	s.mux.Handle("GET /open311/v2/openapi.json", handleOpen311OpenAPI())
	s.mux.Handle("GET /open311/v2/{resource}", o.get())
	s.mux.Handle("POST /open311/v2/{resource}", o.post())
	s.mux.Handle("GET /open311/v2/services/{code}", o.definition())
	s.mux.Handle("GET /open311/v2/requests/{id}", o.request())
	s.mux.Handle("GET /open311/v2/tokens/{token}", o.token())
	s.mux.Handle("/open311/", o.noRoute())
	s.mux.Handle("GET /api/v1/hotspots", handleHotspots(s.log, s.Units, s.Tiles, s.hotspotAccess))
	s.mux.Handle("GET /tiles/{layer}", handleTileJSON(s.log, s.Tiles))
	s.mux.Handle("GET /tiles/{layer}/{z}/{x}/{y}", handleTile(s.log, s.Tiles, s.hotspotAccess))
	s.mux.Handle("/api/", handleNoRoute())
	s.mux.Handle("/", handleStatic(s.Web))
}

// handleNoRoute answers unknown API paths with a JSON 404 instead of the web app.
func handleNoRoute() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]*Error{"error": {Code: "not_found",
			Message: "no route " + r.Method + " " + r.URL.Path}})
	}
}

// handleStatic serves the embedded web app for GET and HEAD.
func handleStatic(web fs.FS) http.Handler {
	if web == nil { // a server without the app (tests): every other path is an unknown route
		return handleNoRoute()
	}
	files := http.FileServerFS(web)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]*Error{"error": {Code: "method_not_allowed",
				Message: r.Method + " is not allowed on " + r.URL.Path}})
			return
		}
		if isAppPage(r.URL.Path) {
			// the app's own pages are one document; app.js shows the page the path names
			r = r.Clone(r.Context())
			r.URL.Path = "/"
		}
		files.ServeHTTP(w, r)
	})
}

// isAppPage says whether path is one of the web app's pages, each served as index.html: the dispatcher's live
// map, the resident's report form and own cases, the planner's hotspots and the field worker's tasks.
func isAppPage(path string) bool {
	switch path {
	case "/dispatch", "/report", "/my", "/planner", "/field":
		return true
	}
	return false
}

// staffScoped lets through only staff tokens (grid workers and chiefs, dispatchers, planners, admins) whose unit
// contains the unit named by the query parameter param.
func (s *Server) staffScoped(param string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := s.requireActor(w, r)
		if !ok {
			return
		}
		switch a.Role {
		case dispatch.RoleGridWorker, dispatch.RoleGridChief, dispatch.RoleDispatcher, dispatch.RolePlanner,
			dispatch.RoleAdmin:
		default:
			writeError(w, r, s.log, &Error{Status: http.StatusForbidden, Code: "forbidden",
				Message: "the " + string(a.Role) + " role may not read this"})
			return
		}
		if code := r.URL.Query().Get(param); code != "" && !InScope(a.Unit, code) {
			writeError(w, r, s.log, &Error{Status: http.StatusForbidden, Code: "forbidden", Field: param,
				Message: param + " " + truncate(code, 64) + " is outside your unit " + a.Unit})
			return
		}
		next.ServeHTTP(w, r)
	})
}
