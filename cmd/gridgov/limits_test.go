package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/api"
	"gridgov/data"
	"gridgov/data/pgtest"
)

func TestReadLimits(t *testing.T) {
	e, err := readEnv(func(string) string { return "" })
	require.NoError(t, err)
	assert.Equal(t, api.Rate{Burst: 60, Per: time.Minute}, e.limits.Public)
	assert.Equal(t, api.Rate{Burst: 600, Per: time.Minute}, e.limits.Staff)
	assert.Empty(t, e.limits.TrustedProxies)
	assert.Nil(t, e.limits.MetricsFrom)
	assert.Zero(t, e.limits.MaxBody, "the api default, 8 MiB")
	assert.Equal(t, httpLimits{readHeaderTimeout: 5 * time.Second, readTimeout: 30 * time.Second,
		writeTimeout: 60 * time.Second, idleTimeout: 120 * time.Second, maxHeaderBytes: 64 << 10}, e.http)

	set := map[string]string{"GRIDGOV_RATE_PUBLIC": "10/s", "GRIDGOV_RATE_STAFF": "off",
		"GRIDGOV_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8", "GRIDGOV_METRICS_FROM": "10.9.0.0/16",
		"GRIDGOV_MAX_BODY": "1048576", "GRIDGOV_RATE_CLIENTS": "5000", "GRIDGOV_MAX_HEADER_BYTES": "16384",
		"GRIDGOV_READ_HEADER_TIMEOUT": "2s", "GRIDGOV_READ_TIMEOUT": "10s", "GRIDGOV_WRITE_TIMEOUT": "20s",
		"GRIDGOV_IDLE_TIMEOUT": "30s"}
	e, err = readEnv(func(k string) string { return set[k] })
	require.NoError(t, err)
	assert.Equal(t, api.Rate{Burst: 10, Per: time.Second}, e.limits.Public)
	assert.True(t, e.limits.Staff.Off())
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")},
		e.limits.TrustedProxies)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")}, e.limits.MetricsFrom)
	assert.Equal(t, int64(1<<20), e.limits.MaxBody)
	assert.Equal(t, 5000, e.limits.MaxClients)
	assert.Equal(t, httpLimits{readHeaderTimeout: 2 * time.Second, readTimeout: 10 * time.Second,
		writeTimeout: 20 * time.Second, idleTimeout: 30 * time.Second, maxHeaderBytes: 16384}, e.http)

	for name, bad := range map[string]string{"GRIDGOV_RATE_PUBLIC": "lots", "GRIDGOV_RATE_STAFF": "5/fortnight",
		"GRIDGOV_TRUSTED_PROXIES": "proxy.local", "GRIDGOV_METRICS_FROM": "10.0.0.0/99", "GRIDGOV_MAX_BODY": "1",
		"GRIDGOV_RATE_CLIENTS": "-5", "GRIDGOV_MAX_HEADER_BYTES": "lots", "GRIDGOV_WRITE_TIMEOUT": "0s",
		"GRIDGOV_READ_TIMEOUT": "forever"} {
		_, err := readEnv(func(k string) string {
			if k == name {
				return bad
			}
			return ""
		})
		assert.ErrorContains(t, err, name, "%s=%s", name, bad)
	}
}

// serveLimited runs `gridgov serve` with extra environment and returns its base URL and its log.
func serveLimited(t *testing.T, url string, extra map[string]string) (string, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	return serveEnv(t, url, extra, logs), logs
}

// TestLimitsAndMetricsEndToEnd: the binary reads its limits from the environment, believes X-Forwarded-For from
// the trusted proxy only, answers 429 with Retry-After, refuses oversized headers, serves /metrics to loopback
// with the case counts of the demo city, and logs every request with its id.
func TestLimitsAndMetricsEndToEnd(t *testing.T) {
	url := pgtest.NewDatabase(t)
	_, _, err := gridgov(t, url, "demo", "--seed", "3", "--cases", "200")
	require.NoError(t, err)
	pool, err := data.Open(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, lon, lat := someCompound(t, pool, "370781001024")
	base, logs := serveLimited(t, url, map[string]string{"GRIDGOV_RATE_PUBLIC": "2/1m",
		"GRIDGOV_TRUSTED_PROXIES": "127.0.0.1", "GRIDGOV_MAX_HEADER_BYTES": "8192", "GRIDGOV_DEDUP_RADIUS_M": "0"})

	send := func(method, path, body string, headers ...string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		require.NoError(t, err)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return res, string(raw)
	}
	report, _ := json.Marshal(map[string]any{"category": "sanitation", "description": "垃圾", "lat": lat, "lon": lon})
	for i := range 2 {
		res, body := send("POST", "/api/v1/reports", string(report), "X-Forwarded-For", "203.0.113.7",
			"X-Request-Id", "e2e-"+string(rune('a'+i)))
		require.Equal(t, http.StatusCreated, res.StatusCode, body)
	}
	res, body := send("POST", "/api/v1/reports", string(report), "X-Forwarded-For", "203.0.113.7")
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode, body)
	assert.NotEmpty(t, res.Header.Get("Retry-After"))
	assert.Contains(t, body, `"code":"rate_limited"`)
	res, body = send("POST", "/api/v1/reports", string(report), "X-Forwarded-For", "203.0.113.8")
	assert.Equal(t, http.StatusCreated, res.StatusCode, "another client behind the proxy: %s", body)
	res, _ = send("GET", "/healthz", "", "X-Padding", strings.Repeat("x", 16<<10))
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, res.StatusCode)

	res, body = send("GET", "/metrics", "")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, `gridgov_http_rate_limited_total{budget="public",route="POST /api/v1/reports"} 1`)
	assert.Contains(t, body, `gridgov_http_requests_total{code="2xx",method="POST",route="POST /api/v1/reports"} 3`)
	assert.Contains(t, body, `gridgov_intake_duration_seconds_count{outcome="created"} 3`)
	assert.Contains(t, body, "process_resident_memory_bytes")
	assert.Regexp(t, `gridgov_intake_batch_duration_seconds_count\{result="ok"\} [1-3]\n`, body, "group commits")
	assert.Regexp(t, `gridgov_intake_batch_size_sum 3\n`, body)
	var open int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM cases WHERE status = 'reported'`).Scan(&open))
	assert.Contains(t, body, `gridgov_cases{status="reported"} `)
	// The index follows the live feed: the gauge reaches the database's count once the new cases are in.
	deadline := time.Now().Add(10 * time.Second)
	want := `gridgov_cases{status="reported"} ` + strconv.Itoa(open) + "\n"
	for !strings.Contains(body, want) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		_, body = send("GET", "/metrics", "")
	}
	assert.Contains(t, body, want)
	res, _ = send("GET", "/metrics", "", "X-Forwarded-For", "203.0.113.7")
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "a client behind the proxy is not the monitoring host")

	// Every request's log line names its id; the ids the client sent are kept.
	var lines int
	for _, l := range strings.Split(logs.String(), "\n") {
		if !strings.Contains(l, `"msg":"request"`) {
			continue
		}
		lines++
		assert.Contains(t, l, `"request_id":"`, l)
	}
	assert.GreaterOrEqual(t, lines, 6)
	assert.Contains(t, logs.String(), `"request_id":"e2e-a"`)
	assert.Contains(t, logs.String(), `"request_id":"e2e-b"`)
}
