package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"gridgov/api"
	"gridgov/data"
	"gridgov/dispatch"
	"gridgov/web"
)

// serve applies migrations and serves until ctx ends, then drains requests for up to ten seconds.
func serve(ctx context.Context, e env, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := newFlags("serve", io.Discard)
	addr := fs.String("addr", e.addr, "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pool, err := openMigrated(ctx, e, log)
	if err != nil {
		return err
	}
	defer pool.Close()

	places := &dispatch.Places{}
	dir, err := data.LoadDirectory(ctx, pool)
	if err != nil {
		return err
	}
	places.Store(dir)
	log.Info("directory loaded", "units", dir.Locator.Len(), "categories", len(dir.CategoryList))
	lctx, stopListening := context.WithCancel(ctx)
	defer stopListening()
	// Each listener reconnects by itself after an outage and then reloads what it keeps; listening tells
	// /healthz whether all of them are up.
	listening := &data.Listeners{}
	listening.Start(lctx, pool, []string{"units_changed"}, reloader(lctx, pool, places, log))

	cal, err := data.LoadCalendar(e.calendar)
	if err != nil {
		return err
	}
	cases := data.NewCaseStore(pool)
	defer cases.Close()
	intake := dispatch.NewIntake(places, cal, cases, time.Now, e.intake)
	feed := dispatch.NewFeed(cases)
	if err := feed.Refresh(ctx); err != nil {
		return err
	}
	mt, err := startTiles(lctx, pool, listening, feed, log)
	if err != nil {
		return err
	}
	ft, err := startField(lctx, pool, listening, feed, places, log)
	if err != nil {
		return err
	}
	caseEvents := func(string, string) {
		// Bounded, so that a database that stops answering mid-refresh cannot hold the feed's lock for good.
		rctx, cancel := context.WithTimeout(lctx, refreshTimeout)
		defer cancel()
		if err := feed.Refresh(rctx); err != nil && lctx.Err() == nil {
			log.Error("live feed refresh", "err", err)
		}
		mt.follow(rctx)
		ft.follow(rctx)
	}
	listening.Start(lctx, pool, []string{"case_events"}, caseEvents)
	// Serve only once the listeners listen, so that no change this server makes goes unheard; then catch up
	// with what other processes committed since the feed was first read.
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	if err := listening.Ready(rctx); err != nil {
		log.Warn("serving before every listener listens", "err", err)
	}
	cancel()
	caseEvents("case_events", "listening")
	workflow := dispatch.NewWorkflow(places, cal, cases, time.Now, dispatch.DefaultRules(), e.unratedAfter)
	metrics := api.NewMetrics()
	workflow.OnTick(metrics.Escalated)
	mt.svc.Observe(metrics.ObserveTile)
	cases.Observe(metrics.ObserveBatch)
	metrics.CountCasesWith(mt.svc.Hotspots().StatusCounts)
	go workflow.Run(lctx, e.schedulerEvery, log)
	key, err := data.TokenKey(ctx, pool, e.tokenKey)
	if err != nil {
		return err
	}
	tokens, err := api.NewTokens(key)
	if err != nil {
		return err
	}

	srv := &http.Server{
		Handler: api.WithDeadline(api.NewServer(log, api.Services{DB: pool, Listening: listening,
			Units: data.NewUnitStore(pool), Places: places,
			Tiles: mt.svc, Field: ft.svc,
			Intake: intake, Cases: cases, Photos: cases, Workflow: workflow, KPIs: data.KPIStore{DB: pool}, Tokens: tokens, Feed: feed,
			Web: web.Static(), Limits: e.limits, Metrics: metrics}), api.RequestTimeout),
		// The live stream lifts the read and write deadlines for itself (api/stream.go).
		ReadHeaderTimeout: e.http.readHeaderTimeout,
		ReadTimeout:       e.http.readTimeout,
		WriteTimeout:      e.http.writeTimeout,
		IdleTimeout:       e.http.idleTimeout,
		MaxHeaderBytes:    e.http.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "gridgov serving on http://%s\n", ln.Addr())
	log.Info("serving", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// refreshTimeout bounds one refresh of the in-memory state (the live feed, the hotspot index, the directory) from
// the database.
const refreshTimeout = 30 * time.Second

// reloader rebuilds the directory when units change, once for a burst of notifications (a demo load sends one
// per level in a single commit).
func reloader(ctx context.Context, pool *data.Pool, places *dispatch.Places, log *slog.Logger) func(string, string) {
	kick := coalesce(ctx, func(rctx context.Context) {
		dir, err := data.LoadDirectory(rctx, pool)
		if err != nil {
			log.Error("directory reload failed", "err", err)
			return
		}
		places.Store(dir)
		log.Info("directory reloaded", "units", dir.Locator.Len())
	})
	return func(string, string) { kick() }
}

// coalesce runs fn in its own goroutine once for each burst of calls to the returned kick, 200 ms after the
// burst's first call, with refreshTimeout to finish; kick never blocks. It stops when ctx ends.
func coalesce(ctx context.Context, fn func(ctx context.Context)) (kick func()) {
	ch := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-ch:
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
			rctx, cancel := context.WithTimeout(ctx, refreshTimeout)
			fn(rctx)
			cancel()
		}
	}()
	return func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// openMigrated connects and applies migrations, waiting up to 30 s for a database that is still starting.
func openMigrated(ctx context.Context, e env, log *slog.Logger) (*data.Pool, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		pool, err := data.Open(ctx, e.databaseURL)
		if err == nil {
			if applied, err := data.Migrate(ctx, pool); err != nil {
				pool.Close()
				return nil, fmt.Errorf("migrate: %w", err)
			} else if len(applied) > 0 {
				log.Info("migrations applied", "versions", applied)
			}
			return pool, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("%w (is the database up? `make db-up` starts the local one)", err)
		}
		log.Warn("database not ready; retrying", "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func migrate(ctx context.Context, e env, stdout io.Writer) error {
	pool, err := data.Open(ctx, e.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	applied, err := data.Migrate(ctx, pool)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "schema is up to date")
	} else {
		fmt.Fprintf(stdout, "applied migrations %v\n", applied)
	}
	return nil
}
