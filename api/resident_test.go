package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/dispatch"
)

// TestResidentToken: each call gives a new anonymous resident identity that verifies, is nobody's representative
// and may rate only its own cases.
func TestResidentToken(t *testing.T) {
	tk := newTokens(t, testKey)
	s := NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), Services{Tokens: tk})
	subjects := map[string]bool{}
	for i := 0; i < 2; i++ {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("POST", "/api/v1/residents/token", nil))
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		var body struct {
			Token, Subject string
			ExpiresAt      time.Time `json:"expires_at"`
		}
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
		a, err := tk.Verify(body.Token, time.Now())
		require.NoError(t, err)
		assert.Equal(t, dispatch.Actor{Role: dispatch.RoleResident, Unit: residentDeviceUnit, Subject: body.Subject}, a)
		assert.Regexp(t, `^device:[0-9a-f]{32}$`, body.Subject)
		assert.False(t, subjects[body.Subject], "a new subject each time")
		subjects[body.Subject] = true

		grid := "370781006033001"
		deliberated := dispatch.Case{ID: 1, Status: dispatch.StatusVerified, Deliberated: true, GridCode: grid, ReporterID: "someone"}
		assert.Empty(t, dispatch.Available(deliberated, a), "not a residents' representative")
		own := deliberated
		own.ReporterID = a.Subject
		assert.Equal(t, []string{"rate", "cancel"}, dispatch.Available(own, a))
	}
}

// TestAppPages: the web app's pages are served as index.html; other paths are files or 404s.
func TestAppPages(t *testing.T) {
	web := fstest.MapFS{"index.html": {Data: []byte("<html>gridgov app</html>")}, "app.js": {Data: []byte("//")}}
	s := NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), Services{Web: web})
	for path, want := range map[string]int{"/": 200, "/dispatch": 200, "/report": 200, "/my": 200, "/planner": 200,
		"/field": 200, "/app.js": 200, "/dispatcher": 404, "/api/v1/nothing": 404} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		assert.Equal(t, want, w.Code, path)
		if want == 200 && path != "/app.js" {
			assert.Contains(t, w.Body.String(), "gridgov app", path)
		}
	}
}
