package api

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// RequestTimeout bounds every request but the event stream: a handler whose database stops answering gives up
// then and answers 503 "unavailable" (context.DeadlineExceeded is in the error table), well within the server's
// 60 s write timeout, instead of holding the client. Failing fast is the normal case — a refused connection fails
// at once, a connection attempt after 5 s, a group commit after 15 s — so this is the bound of last resort.
const RequestTimeout = 25 * time.Second

// WithDeadline gives each request's context a deadline of d, except the server-sent event stream, which is meant
// to stay open.
func WithDeadline(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/stream" || strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
