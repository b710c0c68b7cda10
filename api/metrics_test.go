package api

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/dispatch"
)

// scrape reads /metrics as the monitoring host on loopback does.
func (f *limitFixture) scrape(t *testing.T) string {
	t.Helper()
	rec := f.send("GET", "/metrics", "127.0.0.1:9090", nil)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	return rec.Body.String()
}

// TestMetricsAccess: loopback and the configured monitoring hosts read /metrics; anyone else needs an admin token.
func TestMetricsAccess(t *testing.T) {
	f := newLimitFixture(t, Limits{})
	admin := issue(t, f.tokens, dispatch.Actor{Role: dispatch.RoleAdmin, Unit: "370781", Subject: "A1"}, time.Hour, o311Now)
	for _, tc := range []struct {
		name, from string
		headers    []string
		status     int
	}{
		{"loopback", "127.0.0.1:1", nil, 200},
		{"loopback v6", "[::1]:1", nil, 200},
		{"remote", "203.0.113.7:1", nil, 403},
		{"remote with an admin token", "203.0.113.7:1", []string{"Authorization", "Bearer " + admin}, 200},
		{"remote with a chief's token", "203.0.113.7:1", []string{"Authorization", "Bearer " + issue(t, f.tokens, chief, time.Hour, o311Now)}, 403},
		{"remote with a bad token", "203.0.113.7:1", []string{"Authorization", "Bearer nope"}, 401},
		{"remote claiming loopback", "203.0.113.7:1", []string{"X-Forwarded-For", "127.0.0.1"}, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.send("GET", "/metrics", tc.from, nil, tc.headers...)
			assert.Equal(t, tc.status, rec.Code, rec.Body.String())
			if tc.status == 200 {
				assert.Contains(t, rec.Header().Get("Content-Type"), "text/plain")
				assert.Contains(t, rec.Body.String(), "# TYPE gridgov_http_requests_in_flight gauge")
			}
		})
	}
	// A monitoring network, named in MetricsFrom, replaces loopback.
	f = newLimitFixture(t, Limits{MetricsFrom: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}})
	assert.Equal(t, 200, f.send("GET", "/metrics", "10.1.2.3:1", nil).Code)
	assert.Equal(t, 403, f.send("GET", "/metrics", "127.0.0.1:1", nil).Code)
}

// TestMetricsExposition: requests are counted by route pattern (never the raw path) and status class; runtime and
// process metrics are there; the in-memory case count, escalations, workflow actions, intake and locator timings
// are exposed; nothing a reporter sent appears.
func TestMetricsExposition(t *testing.T) {
	f := newLimitFixture(t, Limits{})
	f.srv.Metrics.CountCasesWith(func() map[string]int { return map[string]int{"reported": 3, "closed": 2} })
	f.srv.Metrics.Escalated(2, 1)
	for _, path := range []string{"/api/v1/reports/123456", "/api/v1/reports/654321", "/api/v1/nothing/here"} {
		f.send("GET", path, "203.0.113.7:1", nil)
	}
	f.send("GET", "/api/v1/locate?lat=36.62&lon=118.42", "203.0.113.7:1", nil)
	rec := f.send("POST", "/api/v1/reports", "203.0.113.7:1", strings.NewReader(
		`{"category":"A01","description":"楼道堆物","lat":36.62,"lon":118.42,"reporter":{"name":"王小明","phone":"13912345678"}}`))
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	f.send("POST", "/api/v1/reports", "203.0.113.7:1", strings.NewReader(`{"category":"A01","colour":"red"}`))
	f.send("BREW", "/api/v1/reports", "203.0.113.7:1", nil)
	out := f.scrape(t)

	for _, want := range []string{
		`gridgov_http_requests_total{code="4xx",method="GET",route="GET /api/v1/reports/{id}"} 2`,
		`gridgov_http_requests_total{code="4xx",method="GET",route="/api/"} 1`,
		`gridgov_http_requests_total{code="2xx",method="GET",route="GET /api/v1/locate"} 1`,
		`gridgov_http_requests_total{code="2xx",method="POST",route="POST /api/v1/reports"} 1`,
		`gridgov_http_request_duration_seconds_bucket{code="2xx",method="POST",route="POST /api/v1/reports",le="+Inf"} 1`,
		`gridgov_http_requests_in_flight 1`, // the scrape itself
		`gridgov_cases{status="reported"} 3`,
		`gridgov_cases{status="closed"} 2`,
		`gridgov_cases{status="verified"} 0`,
		`gridgov_escalations_total{by="scheduler"} 2`,
		`gridgov_workflow_actions_total{action="conclude"} 1`,
		`gridgov_intake_duration_seconds_count{outcome="created"} 1`,
		`gridgov_locate_duration_seconds_count 1`,
		"go_goroutines ",
		"go_memstats_heap_alloc_bytes ",
		"process_cpu_seconds_total ",
		"process_resident_memory_bytes ",
	} {
		assert.Contains(t, out, want)
	}
	assert.Regexp(t, `method="other"`, out, "unknown methods are folded")
	for _, leak := range []string{"123456", "654321", "nothing/here", "王小明", "13912345678", "楼道堆物", "BREW"} {
		assert.NotContains(t, out, leak, "the exposition holds no raw path or personal data")
	}
	// The exposition is valid Prometheus text.
	n, err := testutil.GatherAndCount(f.srv.Metrics.Registry(), "gridgov_http_requests_total")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 5)
}

// TestMetricsIntakeOutcomes: each report's way to intake is timed by outcome, from the API and Open311 alike.
func TestMetricsIntakeOutcomes(t *testing.T) {
	m := NewMetrics()
	for _, tc := range []struct {
		fake    fakeIntake
		outcome string
	}{
		{fakeIntake{}, "created"},
		{fakeIntake{duplicate: true}, "duplicate"},
		{fakeIntake{err: &dispatch.FieldError{Field: "lat", Code: "invalid_argument"}}, "rejected"},
		{fakeIntake{err: dispatch.ErrIdempotencyMismatch}, "rejected"},
		{fakeIntake{err: dispatch.ErrUnavailable}, "failed"},
	} {
		in := timedIntake{&tc.fake, m}
		_, _ = in.Submit(context.Background(), dispatch.Report{}, "")
	}
	counts := map[string]uint64{}
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	for _, fam := range families {
		if fam.GetName() != "gridgov_intake_duration_seconds" {
			continue
		}
		for _, mt := range fam.GetMetric() {
			counts[mt.GetLabel()[0].GetValue()] = mt.GetHistogram().GetSampleCount()
		}
	}
	assert.Equal(t, map[string]uint64{"created": 1, "duplicate": 1, "rejected": 2, "failed": 1}, counts)
}

// TestMetricsTilesAndActions: tile timings say whether the cache answered; staff actions are counted by action, and
// escalations by who escalated.
func TestMetricsTilesAndActions(t *testing.T) {
	s, store, _ := tileServer(t)
	s.Tiles.Observe(s.Metrics.ObserveTile)
	for range 3 {
		require.Equal(t, http.StatusOK, getTile(s, "/tiles/streets/12/3365/1574.mvt").Code)
	}
	assert.Equal(t, 1, store.renders)
	m := s.Metrics
	assert.Equal(t, 2, testutil.CollectAndCount(m.tiles, "gridgov_tile_duration_seconds"), "render and cache")
	out := scrapeHandler(t, s)
	assert.Contains(t, out, `gridgov_tile_duration_seconds_count{layer="streets",source="render"} 1`)
	assert.Contains(t, out, `gridgov_tile_duration_seconds_count{layer="streets",source="cache"} 2`)
	assert.Contains(t, out, `gridgov_http_requests_total{code="2xx",method="GET",route="GET /tiles/{layer}/{z}/{x}/{y}"} 3`)

	wf := countedWorkflow{okWorkflow{open311Cases()}, m}
	for _, a := range []string{"escalate", "hear", "escalate", "made-up"} {
		_, _, err := wf.Act(context.Background(), 1, dispatch.Action{Name: a}, chief)
		require.NoError(t, err)
	}
	out = scrapeHandler(t, s)
	assert.Contains(t, out, `gridgov_escalations_total{by="staff"} 2`)
	assert.Contains(t, out, `gridgov_workflow_actions_total{action="hear"} 1`)
	assert.NotContains(t, out, "made-up", "only known actions are labels")
}

// okWorkflow accepts every action.
type okWorkflow struct{ *fakeCases }

func (okWorkflow) Act(context.Context, int64, dispatch.Action, dispatch.Actor) (dispatch.Case, []dispatch.Event, error) {
	return dispatch.Case{}, nil, nil
}

func scrapeHandler(t *testing.T, h http.Handler) string {
	t.Helper()
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.RemoteAddr = "127.0.0.1:9090"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	return rec.Body.String()
}

// TestRequestIDInEveryLogLine: every record logged while a request is served carries its request id — the access
// line and a handler's error alike — and the id is the one answered in X-Request-Id.
func TestRequestIDInEveryLogLine(t *testing.T) {
	var logs strings.Builder
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	cases := open311Cases()
	srv := NewServer(log, Services{Places: open311Dir(t), Intake: &fakeIntake{err: io.ErrUnexpectedEOF},
		Cases: cases, Workflow: cases, Now: func() time.Time { return o311Now }})
	send := func(id string) string {
		req := httptest.NewRequest("POST", "/api/v1/reports", strings.NewReader(`{"category":"A01","description":"x","lat":36.62,"lon":118.42}`))
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		require.Equal(t, http.StatusInternalServerError, rec.Code, "the intake fails: the handler logs the error")
		return rec.Header().Get("X-Request-Id")
	}
	for _, tc := range []struct{ sent, want string }{
		{"abc-123", "abc-123"},
		{"", ""},
		{"has space", ""},
		{strings.Repeat("x", 65), ""},
		{"控制", ""},
	} {
		logs.Reset()
		got := send(tc.sent)
		if tc.want != "" {
			assert.Equal(t, tc.want, got)
		} else {
			assert.Regexp(t, `^[0-9a-f]{16}$`, got, "a fresh id for %q", tc.sent)
		}
		lines := 0
		sc := bufio.NewScanner(strings.NewReader(logs.String()))
		for sc.Scan() {
			lines++
			assert.Contains(t, sc.Text(), `"request_id":"`+got+`"`, sc.Text())
			assert.Equal(t, 1, strings.Count(sc.Text(), `"request_id"`), "once: %s", sc.Text())
		}
		assert.Equal(t, 2, lines, "the handler's error and the access line: %s", logs.String())
	}
	// The handler can be installed by cmd too: wrapping twice adds the id once.
	h := WithRequestID(WithRequestID(slog.NewJSONHandler(&logs, nil)))
	logs.Reset()
	slog.New(h).With("k", "v").WithGroup("g").InfoContext(withRequestID(context.Background(), "r-1"), "x", "a", 1)
	assert.Equal(t, 1, strings.Count(logs.String(), `"request_id":"r-1"`), logs.String())
	logs.Reset()
	slog.New(h).Info("outside any request")
	assert.NotContains(t, logs.String(), "request_id")
}
