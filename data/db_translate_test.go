package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"

	"gridgov/dispatch"
)

// TestTranslateUnavailable: what a database that is down, restarting or not answering makes pgx return becomes
// dispatch.ErrUnavailable (503); errors in what was asked of it do not.
func TestTranslateUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tc := range []struct {
		name string
		err  error
		want error // nil: neither unavailable nor another sentinel
	}{
		{"refused", fmt.Errorf("failed to connect: %w", refused), dispatch.ErrUnavailable},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), dispatch.ErrUnavailable},
		{"eof", fmt.Errorf("receive message: %w", io.ErrUnexpectedEOF), dispatch.ErrUnavailable},
		{"deadline", fmt.Errorf("batch: %w", context.DeadlineExceeded), dispatch.ErrUnavailable},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, dispatch.ErrUnavailable},
		{"crash shutdown", &pgconn.PgError{Code: "57P02"}, dispatch.ErrUnavailable},
		{"starting up", &pgconn.PgError{Code: "57P03"}, dispatch.ErrUnavailable},
		{"connection failure", &pgconn.PgError{Code: "08006"}, dispatch.ErrUnavailable},
		{"too many connections", &pgconn.PgError{Code: "53300"}, dispatch.ErrUnavailable},
		{"closed conn", errors.New("conn closed"), dispatch.ErrUnavailable},
		{"unique violation", &pgconn.PgError{Code: "23505"}, dispatch.ErrConflict},
		{"no rows", pgx.ErrNoRows, dispatch.ErrNotFound},
		{"syntax error", &pgconn.PgError{Code: "42601"}, nil},
		{"canceled by the client", context.Canceled, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := translate(tc.err)
			if tc.want == nil {
				assert.False(t, errors.Is(got, dispatch.ErrUnavailable), "%v", got)
				assert.Equal(t, tc.err, got)
				return
			}
			assert.ErrorIs(t, got, tc.want)
			assert.ErrorIs(t, translate(got), tc.want, "translating twice changes nothing")
		})
	}
	assert.NoError(t, translate(nil))
}
