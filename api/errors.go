package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"gridgov/dispatch"
	"gridgov/geo"
)

// Error is an API error as clients see it: {"error":{"code","message","field"}}.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// For outside_coverage: the nearest grid and its distance in metres.
	NearestGrid *geo.Ref `json:"nearest_grid,omitempty"`
	DistanceM   *float64 `json:"distance_m,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// badRequest is a 400 naming the offending field.
func badRequest(field, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid_argument", Message: msg, Field: field}
}

// errorTable maps domain errors to statuses; the first match wins. Anything else is a 500 whose text the
// client never sees.
var errorTable = []struct {
	err    error
	status int
	code   string
}{
	{geo.ErrNotFound, http.StatusNotFound, "not_found"},
	{dispatch.ErrConflict, http.StatusConflict, "conflict"},
	{dispatch.ErrIdempotencyMismatch, http.StatusUnprocessableEntity, "idempotency_key_reused"},
	{dispatch.ErrInvalidTransition, http.StatusConflict, "invalid_transition"},
	{dispatch.ErrForbidden, http.StatusForbidden, "forbidden"},
	{dispatch.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
	{context.DeadlineExceeded, http.StatusServiceUnavailable, "unavailable"},
}

// retryAfter is the Retry-After of a 503, in seconds: the server reconnects to a database that is back within
// about a second, and a client that retries sooner only adds load.
const retryAfter = "2"

// writeError answers with the JSON error for err. Only server-side failures are logged.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var e *Error
	var fe *dispatch.FieldError
	var oe *geo.OutsideError
	switch {
	case errors.As(err, &e):
	case errors.As(err, &fe):
		e = &Error{Status: http.StatusBadRequest, Code: fe.Code, Message: fe.Message, Field: fe.Field}
		if fe.Unprocessable {
			e.Status = http.StatusUnprocessableEntity
		}
	case errors.As(err, &oe):
		e = outsideError(oe)
		e.Status = http.StatusUnprocessableEntity
	default:
		e = &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"}
		for _, row := range errorTable {
			if errors.Is(err, row.err) {
				e = &Error{Status: row.status, Code: row.code, Message: row.err.Error()}
				break
			}
		}
		// These messages name only what the client sent or may know (the code, the status, the action).
		switch e.Status {
		case http.StatusNotFound, http.StatusConflict, http.StatusForbidden:
			e.Message = err.Error()
		}
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="gridgov"`)
	}
	if e.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfter)
	}
	if e.Status >= 500 {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, e.Status, map[string]*Error{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
