// Package pgtest gives tests a real PostGIS: the test database of the private cluster that `make test` starts.
// Each test gets a transaction that is rolled back when it ends, so tests run in parallel and leave nothing behind.
//
// The database is GRIDGOV_TEST_DATABASE_URL, by default gridgov_test on 127.0.0.1:55432. When it cannot be reached
// the test is skipped, unless CI=true or REQUIRE_TEST_DB=1 (as `make test` sets), when the run fails.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"gridgov/data"
)

// DefaultURL is the test database of the cluster that scripts/db.sh starts.
const DefaultURL = "postgres://gridgov@127.0.0.1:55432/gridgov_test?sslmode=disable"

var (
	once    sync.Once
	pool    *pgxpool.Pool
	openErr error
)

// URL is the test database's connection string.
func URL() string {
	if u := os.Getenv("GRIDGOV_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// Pool returns the shared, migrated pool for the test database.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		pool, openErr = data.Open(ctx, URL())
		if openErr == nil {
			_, openErr = data.Migrate(ctx, pool)
		}
	})
	if openErr != nil {
		if os.Getenv("CI") == "true" || os.Getenv("REQUIRE_TEST_DB") == "1" {
			t.Fatalf("test database %s: %v (start it with `make db-up`)", URL(), openErr)
		}
		t.Skipf("no test database (%v); run `make test`, which starts one", openErr)
	}
	return pool
}

// Tx opens a transaction on the test database that is rolled back when the test ends.
func Tx(t testing.TB) pgx.Tx {
	t.Helper()
	p := Pool(t)
	tx, err := p.Begin(context.Background())
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	return tx
}

// NewDatabase creates an empty database with PostGIS beside the test database and drops it when the test ends,
// for tests that commit (the demo city, end-to-end runs of the binary). It returns the new database's URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	p := Pool(t)
	ctx := context.Background()
	name := fmt.Sprintf("gridgov_t%d_%d", os.Getpid(), dbSeq.Add(1))
	if _, err := p.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() { _, _ = p.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	cfg := p.Config().ConnConfig.Copy()
	u := &url.URL{Scheme: "postgres", User: url.User(cfg.User), Host: fmt.Sprintf("%s:%d", cfg.Host, cfg.Port),
		Path: "/" + name, RawQuery: "sslmode=disable"}
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	}
	return u.String()
}

var dbSeq atomic.Int64
