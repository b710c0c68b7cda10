// Package data is gridgov's PostGIS adapter: embedded schema migrations, the stores that dispatch and the API ask
// for, the GeoJSON import, LISTEN/NOTIFY and the demo-city loader. It is the only package that imports pgx.
package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"gridgov/dispatch"
)

// DefaultURL is the private cluster that `make run` starts (scripts/db.sh).
const DefaultURL = "postgres://gridgov@127.0.0.1:55432/gridgov?sslmode=disable"

// DB is what the stores need of a connection: a pool, a connection or a transaction. Begin on a transaction opens
// a savepoint, so code that runs its own transaction also runs inside a test's.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	Begin(ctx context.Context) (pgx.Tx, error)
}

var (
	_ DB = (*pgxpool.Pool)(nil)
	_ DB = (pgx.Tx)(nil)
)

// Pool is the connection pool the server shares among its stores.
type Pool = pgxpool.Pool

// Open connects a pool to url and checks that the server answers.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	// pgxpool's default (4 connections on a small machine) lets the intake's writers, one per partition, take
	// every connection and leave /healthz and reads waiting; pool_max_conns in the URL still decides.
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = int32(max(16, 4*runtime.NumCPU()))
	}
	// A connection idle for more than a second is pinged before use (pgxpool's default), so after an outage
	// the dead ones are replaced rather than failing a request each; this bounds the ping itself.
	cfg.PingTimeout = 2 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database %s: %w", cfg.ConnConfig.Host, err)
	}
	return pool, nil
}

// inTx runs fn in a transaction (a savepoint when db is already one), committing when fn returns nil.
func inTx(ctx context.Context, db DB, fn func(tx pgx.Tx) error) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit this is a no-op
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// translate maps database errors to dispatch's sentinels at the edge of the package: no row → ErrNotFound, a unique
// violation → ErrConflict, and a database that cannot be reached or is going away → ErrUnavailable.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if unavailable(err) {
		if errors.Is(err, dispatch.ErrUnavailable) {
			return err
		}
		return fmt.Errorf("%w: %w", dispatch.ErrUnavailable, err)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return dispatch.ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("%w: %s", dispatch.ErrConflict, pgErr.Detail)
	}
	return err
}

// unavailable tells errors that say the database cannot serve now (it is down, starting, shutting down, out of
// connections, or the connection broke or timed out) from errors in what was asked of it.
func unavailable(err error) bool {
	if errors.Is(err, dispatch.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"): // connection exception
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // shutdown, crash, starting up
			return true
		case pgErr.Code == "53300", pgErr.Code == "53400": // too many connections, configuration limit
			return true
		}
		return false
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connErr) || errors.As(err, &netErr) || pgconn.Timeout(err) || connClosed(err)
}

// connClosed recognises the errors of a connection or pool that was already closed: pgconn's and puddle's have no
// sentinel this package can reach (puddle is not a direct dependency).
func connClosed(err error) bool {
	s := err.Error()
	return strings.Contains(s, "conn closed") || strings.Contains(s, "closed pool")
}

// guard translates the error an exported method returns; defer it with the method's named error result.
func guard(err *error) { *err = translate(*err) }
