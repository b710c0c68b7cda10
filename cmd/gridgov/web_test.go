package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/data/pgtest"
)

// mustHaveBrowser skips the test when what the browser tests need is missing, or fails it under `make test`
// (REQUIRE_TEST_DB=1) and CI=true, saying what to run.
func mustHaveBrowser(t *testing.T, what string) {
	t.Helper()
	msg := what + " (web/test/chromium.sh installs Chromium as root or prints the apt-get command; web/build.sh installs playwright-core)"
	if os.Getenv("CI") == "true" || os.Getenv("REQUIRE_TEST_DB") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// TestWebApp serves the demo city and runs web/test/browser.mjs in headless Chromium: every page loads without
// console errors and draws its map, a resident's report appears live on the dispatcher's page, the planner's
// filters change the hotspot tiles requested, and field staff get their tasks. Screenshots go to
// test-output/web/ (git-ignored).
func TestWebApp(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	chromium := os.Getenv("GRIDGOV_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		out, _ := exec.Command("bash", filepath.Join(root, "web/test/chromium.sh")).CombinedOutput()
		if _, err := os.Stat(chromium); err != nil {
			mustHaveBrowser(t, "no Chromium at "+chromium+":\n"+string(out))
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		mustHaveBrowser(t, "no node on PATH")
	}
	if _, err := os.Stat(filepath.Join(root, "web/node_modules/playwright-core/package.json")); err != nil {
		mustHaveBrowser(t, "web/node_modules/playwright-core is missing: run web/build.sh")
	}
	if _, err := os.Stat(filepath.Join(root, "web/static/vendor/maplibre-gl.js")); err != nil {
		mustHaveBrowser(t, "web/static/vendor is missing: run web/build.sh before go test")
	}

	url := pgtest.NewDatabase(t)
	_, stderr, err := gridgov(t, url, "demo", "--seed", "5", "--cases", "2000")
	require.NoError(t, err, stderr)
	base := serveCity(t, url)

	// The app's pages are the one document; unknown API paths stay JSON 404s.
	for _, p := range []string{"/", "/dispatch", "/report", "/my", "/planner", "/field"} {
		res, err := http.Get(base + p)
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode, p)
		assert.Contains(t, string(body), `<main id="view"`, p)
	}
	res, err := http.Get(base + "/api/v1/nothing")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Equal(t, "application/json", strings.Split(res.Header.Get("Content-Type"), ";")[0])

	street := "370781006"
	env := append(os.Environ(),
		"BASE_URL="+base,
		"CHROMIUM="+chromium,
		"OUT_DIR="+filepath.Join(root, "test-output/web"),
		"TOKEN_DISPATCHER="+token(t, url, "dispatcher", street, "web-dispatcher"),
		"TOKEN_PLANNER="+token(t, url, "planner", street, "web-planner"),
		"TOKEN_FIELD="+token(t, url, "grid_worker", street, "web-field"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "web/test/browser.mjs"))
	cmd.Dir = filepath.Join(root, "web")
	cmd.Env = env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("web/test/browser.mjs (%v):\n%s", time.Since(start).Round(time.Second), out)
	require.NoError(t, err, "the browser tests failed")
}
