package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/dispatch"
)

type pingFunc func(context.Context) error

func (f pingFunc) Ping(ctx context.Context) error  { return f(ctx) }
func (f pingFunc) Check(ctx context.Context) error { return f(ctx) }

func TestHealthChecks(t *testing.T) {
	up := pingFunc(func(context.Context) error { return nil })
	down := pingFunc(func(context.Context) error { return errors.New("dial tcp 127.0.0.1:55432: connection refused") })
	listenDown := pingFunc(func(context.Context) error { return errors.New("not listening on case_events") })
	for _, tc := range []struct {
		name     string
		db       Pinger
		listen   Checker
		status   int
		database string
		listenAs string
	}{
		{"all up", up, up, http.StatusOK, "ok", "ok"},
		{"database down", down, up, http.StatusServiceUnavailable, "unreachable", "ok"},
		{"listener down", up, listenDown, http.StatusServiceUnavailable, "ok", "not listening on case_events"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			handleHealth(tc.db, tc.listen)(rec, httptest.NewRequest("GET", "/healthz", nil))
			require.Equal(t, tc.status, rec.Code)
			var body struct {
				Status string            `json:"status"`
				Checks map[string]string `json:"checks"`
				Error  *Error            `json:"error"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
			assert.Equal(t, tc.database, body.Checks["database"])
			assert.Equal(t, tc.listenAs, body.Checks["listen"])
			assert.NotContains(t, rec.Body.String(), "55432", "no address in the answer")
			if tc.status == http.StatusOK {
				assert.Equal(t, "ok", body.Status)
				return
			}
			assert.Equal(t, "unavailable", body.Status)
			require.NotNil(t, body.Error)
			assert.Equal(t, "unavailable", body.Error.Code)
			assert.Equal(t, retryAfter, rec.Header().Get("Retry-After"))
		})
	}
}

func TestUnavailableIs503WithRetryAfter(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, err := range []error{
		fmt.Errorf("%w: dial tcp: connection refused", dispatch.ErrUnavailable),
		fmt.Errorf("list: %w", context.DeadlineExceeded),
	} {
		rec := httptest.NewRecorder()
		writeError(rec, httptest.NewRequest("POST", "/api/v1/reports", nil), log, err)
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.Equal(t, retryAfter, rec.Header().Get("Retry-After"))
		assert.JSONEq(t, `{"error":{"code":"unavailable","message":"`+errors.Unwrap(err).Error()+`"}}`, rec.Body.String())
		assert.NotContains(t, rec.Body.String(), "dial tcp")
	}
}
