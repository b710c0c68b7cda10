package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/data"
	"gridgov/data/pgtest"
)

// realCommunities are the 23 communities of Qingzhou's four urban streets with their statistical codes.
var realCommunities = []string{
	"370781001024", "370781001025", "370781001026", "370781001027", "370781001028", "370781001029",
	"370781001030", "370781001031", "370781002035", "370781002036", "370781002037", "370781002038",
	"370781002039", "370781006022", "370781006023", "370781006025", "370781006026", "370781006031",
	"370781006033", "370781006034", "370781006036", "370781006038", "370781006039",
}

func envFor(url string) func(string) string {
	return func(k string) string {
		if k == "GRIDGOV_DATABASE_URL" {
			return url
		}
		return ""
	}
}

// gridgov runs the command in-process and returns its stdout and stderr.
func gridgov(t *testing.T, url string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, envFor(url), &out, &errb)
	return out.String(), errb.String(), err
}

// cityHash is a digest of every unit's code and geometry.
func cityHash(t *testing.T, url string) string {
	t.Helper()
	pool, err := data.Open(context.Background(), url)
	require.NoError(t, err)
	defer pool.Close()
	var h string
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT md5(string_agg(code || ':' || encode(ST_AsBinary(geom), 'hex'), ',' ORDER BY code))
		FROM (SELECT code, geom FROM units UNION ALL SELECT code, geom FROM discuss_points UNION ALL SELECT code, geom FROM roads) u`).Scan(&h))
	return h
}

// serveCity runs `gridgov serve` on a free port against the database and returns its base URL; the server is
// shut down (and must stop gracefully) when the test ends.
func serveCity(t testing.TB, url string) string {
	t.Helper()
	return serveEnv(t, url, nil, &syncBuffer{})
}

// serveEnv runs `gridgov serve` in-process on a free port with extra environment and returns its base URL; the
// server log is kept in logs and shown when the test fails.
func serveEnv(t testing.TB, url string, extra map[string]string, logs *syncBuffer) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	getenv := func(k string) string {
		if k == "GRIDGOV_DATABASE_URL" {
			return url
		}
		if v, ok := extra[k]; ok {
			return v
		}
		if k == "GRIDGOV_RATE_PUBLIC" || k == "GRIDGOV_RATE_STAFF" {
			return "off" // every test client shares the loopback address; limits_test.go sets its own
		}
		return ""
	}
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, getenv, pw, logs)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err, "serve: %s", logs)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err, "graceful shutdown")
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
		if t.Failed() {
			t.Logf("server log (tail):\n%s", logs.tail(60))
		}
	})
	return strings.TrimSpace(strings.TrimPrefix(line, "gridgov serving on "))
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) tail(n int) string {
	lines := strings.Split(s.String(), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestEndToEnd loads the demo city into a fresh database, serves it on a free port and reads it back over HTTP
// as a client would.
func TestEndToEnd(t *testing.T) {
	url := pgtest.NewDatabase(t)
	out, _, err := gridgov(t, url, "demo", "--seed", "7", "--cases", "3000")
	require.NoError(t, err)
	assert.Equal(t, 4, strings.Count(out, "topology problems: 0"), "every area level imports cleanly:\n%s", out)
	hash := cityHash(t, url)

	// Loading again needs --replace; --if-empty leaves the city alone.
	out, _, err = gridgov(t, url, "demo", "--if-empty")
	require.NoError(t, err)
	assert.Contains(t, out, "left as it is")
	_, stderr, err := gridgov(t, url, "demo")
	assert.Equal(t, exitError(1), err)
	assert.Contains(t, stderr, "--replace")

	base := serveCity(t, url)

	getJSON := func(path string) (int, map[string]any) {
		res, err := http.Get(base + path)
		require.NoError(t, err)
		defer res.Body.Close()
		var body map[string]any
		require.NoError(t, json.NewDecoder(res.Body).Decode(&body), path)
		return res.StatusCode, body
	}
	status, body := getJSON("/healthz")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ok", body["status"])

	all := func(level string) map[string]map[string]any {
		got := map[string]map[string]any{}
		path := "/api/v1/units?level=" + level + "&limit=500"
		for path != "" {
			status, body := getJSON(path)
			require.Equal(t, http.StatusOK, status, path)
			for _, f := range body["features"].([]any) {
				props := f.(map[string]any)["properties"].(map[string]any)
				got[props["code"].(string)] = props
			}
			path, _ = body["next"].(string)
		}
		return got
	}
	communities := all("community")
	assert.Len(t, communities, 26)
	for _, code := range realCommunities {
		assert.Contains(t, communities, code)
	}
	assert.Len(t, all("street"), 4)
	grids := all("grid")
	assert.Len(t, grids, 210)
	for code, g := range grids {
		assert.Len(t, code, 15)
		assert.Contains(t, communities, g["parent_code"])
	}
	assert.Len(t, all("building"), 1335)
	assert.Len(t, all("discuss_point"), 500)

	status, body = getJSON("/api/v1/units/370781006033")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body["properties"].(map[string]any)["name"], "宝鼎")
	status, body = getJSON("/api/v1/units/000000000")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "not_found", body["error"].(map[string]any)["code"])

	res, err := http.Get(base + "/")
	require.NoError(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, string(page), "maplibre-gl.js")

	// The same seed gives the same city; another seed another one.
	_, _, err = gridgov(t, url, "demo", "--seed", "7", "--cases", "100", "--replace")
	require.NoError(t, err)
	assert.Equal(t, hash, cityHash(t, url))
	_, _, err = gridgov(t, url, "demo", "--seed", "8", "--cases", "100", "--replace")
	require.NoError(t, err)
	assert.NotEqual(t, hash, cityHash(t, url))
}

// TestExportImport checks that the exported demo city imports level by level with no problem and gives the
// same units as loading it directly.
func TestExportImport(t *testing.T) {
	dir := t.TempDir()
	out, _, err := gridgov(t, "", "demo", "--seed", "7", "--export", dir)
	require.NoError(t, err)
	assert.Contains(t, out, "building.geojson: 1335 features")

	url := pgtest.NewDatabase(t)
	for _, level := range []string{"street", "community", "grid", "building", "discuss_point", "road"} {
		out, _, err := gridgov(t, url, "import", "--level", level, "--file", filepath.Join(dir, level+".geojson"))
		require.NoError(t, err, out)
		assert.NotContains(t, out, "rejected")
		if level != "discuss_point" && level != "road" {
			assert.Contains(t, out, "topology: no problems", out)
		}
	}
	direct := pgtest.NewDatabase(t)
	_, _, err = gridgov(t, direct, "demo", "--seed", "7", "--cases", "10")
	require.NoError(t, err)
	assert.Equal(t, cityHash(t, direct), cityHash(t, url))
}

func TestImportCommandErrors(t *testing.T) {
	url := pgtest.NewDatabase(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.geojson")
	require.NoError(t, os.WriteFile(bad, []byte("not json"), 0o644))
	for _, tc := range []struct {
		args []string
		code exitError
		msg  string
	}{
		{[]string{"import", "--level", "planet", "--file", bad}, 2, "unknown level"},
		{[]string{"import", "--level", "grid"}, 2, "--file is required"},
		{[]string{"import", "--level", "grid", "--file", bad}, 1, "rejected as a whole"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, stderr, err := gridgov(t, url, tc.args...)
			assert.Equal(t, tc.code, err)
			assert.Contains(t, out+stderr, tc.msg)
		})
	}
	_, _, err := gridgov(t, url, "import", "--level", "grid", "--file", filepath.Join(dir, "missing.geojson"))
	assert.ErrorContains(t, err, "no such file")
}
