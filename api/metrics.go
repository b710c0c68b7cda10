package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"gridgov/dispatch"
	"gridgov/geo"
)

// Metrics are the server's Prometheus metrics, in a registry of their own. Labels are never raw paths or
// anything a client chose: routes are ServeMux patterns, methods are folded to the standard ones, layers, statuses
// and actions come from fixed lists. Nothing personal is measured.
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	inFlight    prometheus.Gauge
	rateLimited *prometheus.CounterVec
	escalations *prometheus.CounterVec
	actions     *prometheus.CounterVec
	locate      prometheus.Histogram
	tiles       *prometheus.HistogramVec
	intake      *prometheus.HistogramVec
	batchSize   prometheus.Histogram
	batchCommit *prometheus.HistogramVec
	cases       *casesCollector
}

// fine buckets for in-memory work (the locator answers in about a microsecond with its H3 cell).
var fineBuckets = []float64{1e-7, 2.5e-7, 5e-7, 1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 1e-4, 1e-3, 1e-2}

// NewMetrics registers every metric, the Go runtime's and the process's.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gridgov_http_requests_total",
		Help: "HTTP requests answered, by route (the ServeMux pattern), method and status class."},
		[]string{"route", "method", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gridgov_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request (a live stream: its whole life), by route, method and status class.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}},
		[]string{"route", "method", "code"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{Name: "gridgov_http_requests_in_flight",
		Help: "HTTP requests being answered now, live streams included."})
	m.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gridgov_http_rate_limited_total",
		Help: "Writes refused with 429 because the client's budget was spent, by route and budget (public, staff)."},
		[]string{"route", "budget"})
	m.escalations = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gridgov_escalations_total",
		Help: "Cases escalated one level by this process: by the scheduler for a missed deadline, or by staff."},
		[]string{"by"})
	m.actions = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gridgov_workflow_actions_total",
		Help: "Workflow actions taken through the API and by the scheduler, by action."}, []string{"action"})
	m.locate = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "gridgov_locate_duration_seconds",
		Help:    "Time of one locator lookup of the locate API (four levels, responsible organisations, H3 cell).",
		Buckets: fineBuckets})
	m.tiles = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gridgov_tile_duration_seconds",
		Help:    "Time to produce a vector tile, by layer and source (cache: a hit; render: drawn and cached).",
		Buckets: []float64{1e-6, 1e-5, 1e-4, .001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}},
		[]string{"layer", "source"})
	m.intake = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gridgov_intake_duration_seconds",
		Help:    "Time from a valid report to its committed case, by outcome (created, duplicate, replayed, rejected, failed).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}},
		[]string{"outcome"})
	m.batchSize = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "gridgov_intake_batch_size",
		Help: "Reports written by one group commit of intake.", Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256}})
	m.batchCommit = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gridgov_intake_batch_duration_seconds",
		Help:    "Time of one group commit of intake (lookup, insert, commit), by result (ok, error).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"result"})
	m.cases = &casesCollector{desc: prometheus.NewDesc("gridgov_cases",
		"Cases by status, as this process's in-memory case index holds them at scrape time.", []string{"status"}, nil)}
	m.reg.MustRegister(m.requests, m.duration, m.inFlight, m.rateLimited, m.escalations, m.actions, m.locate,
		m.tiles, m.intake, m.batchSize, m.batchCommit, m.cases,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is where the metrics live, for more collectors or for tests.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Escalated counts cases the scheduler escalated and evaluations it concluded (dispatch.Workflow.Tick).
func (m *Metrics) Escalated(escalated, concluded int) {
	if escalated > 0 {
		m.escalations.WithLabelValues("scheduler").Add(float64(escalated))
		m.actions.WithLabelValues("escalate").Add(float64(escalated))
	}
	if concluded > 0 {
		m.actions.WithLabelValues("conclude").Add(float64(concluded))
	}
}

// ObserveTile records the time to produce one tile (tiles.Service).
func (m *Metrics) ObserveTile(layer string, cached bool, d time.Duration) {
	source := "render"
	if cached {
		source = "cache"
	}
	m.tiles.WithLabelValues(layer, source).Observe(d.Seconds())
}

// ObserveBatch records one group commit of intake (data.CaseStore).
func (m *Metrics) ObserveBatch(size int, d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.batchSize.Observe(float64(size))
	m.batchCommit.WithLabelValues(result).Observe(d.Seconds())
}

// CountCasesWith sets where gridgov_cases is read from at scrape time: a cheap count of cases by status.
func (m *Metrics) CountCasesWith(count func() map[string]int) { m.cases.count.Store(&count) }

func (m *Metrics) action(name string) {
	if slices.Contains(dispatch.Actions, name) {
		m.actions.WithLabelValues(name).Inc()
		if name == "escalate" {
			m.escalations.WithLabelValues("staff").Inc()
		}
	}
}

func (m *Metrics) observeIntake(outcome string, d time.Duration) {
	m.intake.WithLabelValues(outcome).Observe(d.Seconds())
}

// observeRequest records one answered request.
func (m *Metrics) observeRequest(route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	method = metricMethod(method)
	code := statusClass(status)
	m.requests.WithLabelValues(route, method, code).Inc()
	m.duration.WithLabelValues(route, method, code).Observe(d.Seconds())
}

func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodOptions:
		return m
	}
	return "other"
}

func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}

// handleMetrics answers GET /metrics in the Prometheus text format for loopback clients (or those of
// Limits.MetricsFrom) and admin tokens; anyone else gets 403.
func (s *Server) handleMetrics() http.Handler {
	prom := promhttp.HandlerFor(s.Metrics.reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{s.log}})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := clientAddr(r, s.Limits.TrustedProxies)
		allowed := a.IsValid() && (a.IsLoopback() && s.Limits.MetricsFrom == nil || inPrefixes(a, s.Limits.MetricsFrom))
		if !allowed {
			actor, ok, err := s.actor(r)
			if err != nil {
				writeError(w, r, s.log, err)
				return
			}
			if !ok || actor.Role != dispatch.RoleAdmin {
				writeError(w, r, s.log, &Error{Status: http.StatusForbidden, Code: "forbidden",
					Message: "metrics are for the monitoring host and admin tokens"})
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		prom.ServeHTTP(w, r)
	})
}

// casesCollector reads the count of cases by status when scraped.
type casesCollector struct {
	desc  *prometheus.Desc
	count atomic.Pointer[func() map[string]int]
}

// caseStatuses are reported even when no case has them, so that each series is continuous.
var caseStatuses = []dispatch.Status{dispatch.StatusReported, dispatch.StatusHeard, dispatch.StatusDeliberating,
	dispatch.StatusDecided, dispatch.StatusDispatched, dispatch.StatusInProgress, dispatch.StatusResolved,
	dispatch.StatusVerified, dispatch.StatusClosed, dispatch.StatusSuspended, dispatch.StatusCancelled}

func (c *casesCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *casesCollector) Collect(ch chan<- prometheus.Metric) {
	fn := c.count.Load()
	if fn == nil {
		return
	}
	counts := (*fn)()
	for _, st := range caseStatuses {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[string(st)]), string(st))
	}
	for st, n := range counts {
		if !validStatus(st) {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), st)
		}
	}
}

// slogPrinter lets promhttp report its errors to the server's log.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.log.Error("metrics", "err", fmt.Sprint(v...)) }

// timedIntake measures every report's way to its case, from the API and Open311 alike.
type timedIntake struct {
	Intake
	m *Metrics
}

func (t timedIntake) Submit(ctx context.Context, r dispatch.Report, key string) (dispatch.Created, error) {
	start := time.Now()
	c, err := t.Intake.Submit(ctx, r, key)
	outcome := "created"
	var fe *dispatch.FieldError
	var oe *geo.OutsideError
	switch {
	case errors.As(err, &fe), errors.As(err, &oe), errors.Is(err, dispatch.ErrIdempotencyMismatch):
		outcome = "rejected"
	case err != nil:
		outcome = "failed"
	case c.Replayed:
		outcome = "replayed"
	case c.DuplicateOf != 0:
		outcome = "duplicate"
	}
	t.m.observeIntake(outcome, time.Since(start))
	return c, err
}

// countedWorkflow counts the workflow actions taken through the API.
type countedWorkflow struct {
	Workflow
	m *Metrics
}

func (w countedWorkflow) Act(ctx context.Context, id int64, a dispatch.Action, actor dispatch.Actor) (dispatch.Case, []dispatch.Event, error) {
	c, events, err := w.Workflow.Act(ctx, id, a, actor)
	if err == nil {
		w.m.action(a.Name)
	}
	return c, events, err
}
