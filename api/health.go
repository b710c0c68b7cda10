package api

import (
	"context"
	"net/http"
	"time"
)

// Checker is one thing /healthz checks besides the database: it returns nil while the thing works.
type Checker interface {
	Check(ctx context.Context) error
}

// healthTimeout bounds each check: a database that does not answer a ping within it counts as down.
const healthTimeout = 2 * time.Second

// handleHealth answers 200 {"status":"ok","checks":{…}} while the database answers a ping within healthTimeout
// and the LISTEN connections that keep the in-memory state current are up, and 503 with the JSON error
// "unavailable" and Retry-After otherwise; "checks" says which failed ("database", "listen"). The reasons name no
// host or address.
func handleHealth(db Pinger, listening Checker) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
		defer cancel()
		checks := map[string]string{"database": "ok"}
		failed := ""
		if err := db.Ping(ctx); err != nil {
			checks["database"] = "unreachable"
			failed = "database unreachable"
		}
		if listening != nil {
			checks["listen"] = "ok"
			if err := listening.Check(ctx); err != nil {
				checks["listen"] = err.Error()
				if failed == "" {
					failed = "listen: " + err.Error()
				}
			}
		}
		if failed != "" {
			w.Header().Set("Retry-After", retryAfter)
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "checks": checks,
				"error": map[string]string{"code": "unavailable", "message": failed}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "checks": checks})
	}
}
