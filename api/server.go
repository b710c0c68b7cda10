// Package api is gridgov's HTTP face: the JSON API, the embedded web app and, as later parts arrive, Open311,
// server-sent events and tiles. It speaks HTTP over the domain packages and the small interfaces declared here;
// it never imports package data, so its handlers are tested without a database.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"gridgov/dispatch"
	"gridgov/geo"
	"gridgov/tiles"
)

// UnitStore reads places.
type UnitStore interface {
	Units(ctx context.Context, f geo.UnitFilter) (geo.UnitPage, error)
	Unit(ctx context.Context, code string) (geo.Unit, error)
}

// Pinger tells whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Services are what the server speaks HTTP over.
type Services struct {
	DB       Pinger           // the database, for /healthz
	Units    UnitStore        // places, with their geometry
	Places   *dispatch.Places // the in-memory directory: locator, gazetteer, orgs, catalogue
	Intake   Intake           // turns reports into cases
	Cases    CaseReader       // stored cases
	Workflow Workflow         // the six-step workflow over stored cases
	KPIs     KPIStore         // counts and rates per unit
	Feed     *dispatch.Feed   // the live stream of case changes
	Web      fs.FS            // the browser app's static files
	Tokens   *Tokens          // verifies bearer tokens; nil accepts none
	Now      func() time.Time // the clock for token expiry; nil is time.Now
	Tiles    *tiles.Service   // vector tiles, hotspots and their cache; nil serves none
}

// Server is the HTTP handler for everything gridgov serves.
type Server struct {
	log *slog.Logger
	Services
	mux *http.ServeMux
}

// NewServer wires the routes over their dependencies.
func NewServer(log *slog.Logger, svc Services) *Server {
	s := &Server{log: log, Services: svc, mux: http.NewServeMux()}
	s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get("X-Request-Id")
	if id == "" || len(id) > 64 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	w.Header().Set("X-Request-Id", id)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", rec.status), slog.Int64("bytes", rec.bytes),
		slog.Duration("duration", time.Since(start)))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// handleHealth answers 200 {"status":"ok"} while the database answers within a second, 503 otherwise.
func handleHealth(db Pinger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable",
				"error": map[string]string{"code": "unavailable", "message": "database unreachable"}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}
}
