// Package api is gridgov's HTTP face: the JSON API, the embedded web app and, as later parts arrive, Open311,
// server-sent events and tiles. It speaks HTTP over the domain packages and the small interfaces declared here;
// it never imports package data, so its handlers are tested without a database.
package api

import (
	"context"
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
	DB        Pinger           // the database, for /healthz
	Listening Checker          // the LISTEN connections, for /healthz; nil is not checked
	Units     UnitStore        // places, with their geometry
	Places    *dispatch.Places // the in-memory directory: locator, gazetteer, orgs, catalogue
	Intake    Intake           // turns reports into cases
	Cases     CaseReader       // stored cases
	Photos    PhotoStore       // the photos kept with cases; nil has none
	Workflow  Workflow         // the six-step workflow over stored cases
	KPIs      KPIStore         // counts and rates per unit
	Feed      *dispatch.Feed   // the live stream of case changes
	Web       fs.FS            // the browser app's static files
	Tokens    *Tokens          // verifies bearer tokens; nil accepts none
	Now       func() time.Time // the clock for token expiry; nil is time.Now
	Tiles     *tiles.Service   // vector tiles, hotspots and their cache; nil serves none
	Limits    Limits           // body caps, write budgets, trusted proxies; the zero value has no rate limits
	Metrics   *Metrics         // Prometheus metrics, served at /metrics; nil is a fresh set
	Field     *dispatch.Field  // field staff's nearest tasks and routes; nil answers 503
}

// Server is the HTTP handler for everything gridgov serves.
type Server struct {
	log *slog.Logger
	Services
	mux     *routeMux
	limiter *limiter
}

// NewServer wires the routes over their dependencies.
func NewServer(log *slog.Logger, svc Services) *Server {
	if svc.Limits.MaxBody <= 0 {
		svc.Limits.MaxBody = DefaultMaxBody
	}
	if svc.Limits.MaxClients <= 0 {
		svc.Limits.MaxClients = DefaultMaxClients
	}
	if svc.Metrics == nil {
		svc.Metrics = NewMetrics()
	}
	if svc.Intake != nil {
		svc.Intake = timedIntake{svc.Intake, svc.Metrics}
	}
	log = slog.New(WithRequestID(log.Handler()))
	s := &Server{log: log, Services: svc, mux: newRouteMux(), limiter: newLimiter(svc.Limits.MaxClients)}
	s.routes()
	return s
}

// ServeHTTP gives every request an id (X-Request-Id, and request_id in each log record logged with its
// context), applies the limits that hold for every route, serves it, and measures and logs it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := requestID(r.Header.Get("X-Request-Id"))
	w.Header().Set("X-Request-Id", id)
	r = r.WithContext(withRequestID(r.Context(), id))
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.Metrics.inFlight.Inc()
	defer s.Metrics.inFlight.Dec()
	route := ""
	if s.guard(rec, r) {
		s.mux.ServeHTTP(rec, r)
		route = r.Pattern
	} else {
		_, route = s.mux.Handler(r)
	}
	d := time.Since(start)
	s.Metrics.observeRequest(route, r.Method, rec.status, d)
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method),
		slog.String("path", r.URL.Path), slog.String("route", route), slog.Int("status", rec.status),
		slog.Int64("bytes", rec.bytes), slog.Duration("duration", d))
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
