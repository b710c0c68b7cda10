package api

import (
	"io/fs"
	"net/http"
)

// routes lists every route on one screen.
func (s *Server) routes() {
	s.mux.Handle("GET /healthz", handleHealth(s.DB))
	s.mux.Handle("GET /api/v1/units", handleUnits(s.log, s.Units))
	s.mux.Handle("GET /api/v1/units/{code}", handleUnit(s.log, s.Units))
	s.mux.Handle("GET /api/v1/locate", handleLocate(s.log, s.Places))
	s.mux.Handle("POST /api/v1/locate", handleLocateBatch(s.log, s.Places))
	s.mux.Handle("GET /api/v1/categories", handleCategories(s.Places))
	s.mux.Handle("POST /api/v1/reports", handleCreateReport(s.log, s.Places, s.Intake, s.actor))
	s.mux.Handle("GET /api/v1/reports", handleListReports(s.log, s.Places, s.Workflow, s.actor))
	s.mux.Handle("GET /api/v1/reports/{id}", handleGetReport(s.log, s.Places, s.Cases, s.actor))
	s.mux.Handle("POST /api/v1/reports/{id}/events", handleAction(s.log, s.Places, s.Workflow, s.actor))
	s.mux.Handle("GET /api/v1/reports/{id}/events", handleEvents(s.log, s.Workflow, s.Cases, s.actor))
	s.mux.Handle("GET /api/v1/stats/kpi", handleKPI(s.log, s.KPIs))
	s.mux.Handle("GET /api/v1/stream", handleStream(s.log, s.Places, s.Feed, s.actor))
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
	files := http.FileServerFS(web)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]*Error{"error": {Code: "method_not_allowed",
				Message: r.Method + " is not allowed on " + r.URL.Path}})
			return
		}
		files.ServeHTTP(w, r)
	})
}
