// Command gridgov is the one binary of gridgov: it serves the API and web app, applies migrations, imports
// GeoJSON, and generates and loads the demo city. It only wires the packages together.
//
//	gridgov serve                         serve on GRIDGOV_ADDR (default 127.0.0.1:8080)
//	gridgov migrate                       apply the schema migrations
//	gridgov import --level L --file F     load a GeoJSON FeatureCollection of one level
//	gridgov demo [--seed N] [--scale N]   generate and load the demo city (--export DIR writes it as GeoJSON)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"gridgov/api"
	"gridgov/dispatch"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(int(ee))
		}
		fmt.Fprintln(os.Stderr, "gridgov:", err)
		os.Exit(1)
	}
}

// exitError ends the program with a status after the command has already said why.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// env is the configuration read from the environment.
type env struct {
	databaseURL string
	addr        string
	calendar    string // a working-time calendar JSON file; "" for the shipped one
	intake      dispatch.IntakeConfig
	tokenKey    string // hex; "" for the key kept in the database
	// unratedAfter closes evaluations nobody finished; schedulerEvery is how often overdue cases are escalated.
	unratedAfter   time.Duration
	schedulerEvery time.Duration
	limits         api.Limits // body caps, write budgets, trusted proxies, who reads /metrics
	http           httpLimits
}

// httpLimits are the HTTP server's own bounds on a connection.
type httpLimits struct {
	readHeaderTimeout, readTimeout, writeTimeout, idleTimeout time.Duration
	maxHeaderBytes                                            int
}

func readEnv(getenv func(string) string) (env, error) {
	e := env{databaseURL: getenv("GRIDGOV_DATABASE_URL"), addr: getenv("GRIDGOV_ADDR"), calendar: getenv("GRIDGOV_CALENDAR"),
		intake:   dispatch.IntakeConfig{DedupRadius: 50, DedupWindow: 72 * time.Hour, Points: 1},
		tokenKey: getenv("GRIDGOV_TOKEN_KEY"), unratedAfter: 7 * 24 * time.Hour, schedulerEvery: 30 * time.Second}
	if err := readLimits(getenv, &e); err != nil {
		return e, err
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"GRIDGOV_UNRATED_AFTER", &e.unratedAfter}, {"GRIDGOV_SCHEDULER_EVERY", &e.schedulerEvery}} {
		if s := getenv(d.name); s != "" {
			v, err := time.ParseDuration(s)
			if err != nil || v < time.Second {
				return e, fmt.Errorf("%s=%q: want a duration of at least 1s, such as 168h", d.name, s)
			}
			*d.dst = v
		}
	}
	if s := getenv("GRIDGOV_DEDUP_RADIUS_M"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 || f > 1000 {
			return e, fmt.Errorf("GRIDGOV_DEDUP_RADIUS_M=%q: want metres from 0 (off) to 1000", s)
		}
		e.intake.DedupRadius = f
		if f == 0 {
			e.intake.DedupRadius = -1 // off: a zero IntakeConfig.DedupRadius means the default
		}
	}
	if s := getenv("GRIDGOV_DEDUP_WINDOW"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return e, fmt.Errorf("GRIDGOV_DEDUP_WINDOW=%q: want a duration such as 72h", s)
		}
		e.intake.DedupWindow = d
	}
	if s := getenv("GRIDGOV_REPORT_POINTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 1000 {
			return e, fmt.Errorf("GRIDGOV_REPORT_POINTS=%q: want a whole number from 0 to 1000", s)
		}
		e.intake.Points = n
	}
	if e.databaseURL == "" {
		e.databaseURL = "postgres://gridgov@127.0.0.1:55432/gridgov?sslmode=disable"
	}
	if e.addr == "" {
		e.addr = "127.0.0.1:8080"
	}
	return e, nil
}

const usage = `usage: gridgov <command> [flags]

commands:
  serve     serve the API and the web app (GRIDGOV_ADDR, default 127.0.0.1:8080)
  migrate   apply the database schema migrations
  import    load a GeoJSON FeatureCollection: --level street|community|grid|building|discuss_point|road --file F
  demo      generate and load the demo city: [--seed N] [--scale N] [--replace|--if-empty] [--export DIR]
  token     print a bearer token: --role ROLE --unit CODE [--sub ID] [--ttl 720h] (key: GRIDGOV_TOKEN_KEY or the database's)

environment:
  GRIDGOV_DATABASE_URL    PostgreSQL URL (default the local cluster of 'make db-up' on 127.0.0.1:55432)
  GRIDGOV_ADDR            listen address of serve (default 127.0.0.1:8080)
  GRIDGOV_CALENDAR        working-time calendar JSON (default the shipped China 2026 calendar)
  GRIDGOV_DEDUP_RADIUS_M  an open case of the same category this near is the same matter (default 50; 0 off)
  GRIDGOV_DEDUP_WINDOW    … if reported within this time (default 72h)
  GRIDGOV_REPORT_POINTS   reporter points per report that becomes a case (default 1)
  GRIDGOV_TOKEN_KEY       hex key that signs tokens (default: one kept in the database)
  GRIDGOV_UNRATED_AFTER   close evaluations left unrated this long after verification (default 168h)
  GRIDGOV_SCHEDULER_EVERY how often overdue cases are escalated (default 30s)
  GRIDGOV_RATE_PUBLIC     writes per client address without a staff token, N/PERIOD (default 60/1m; off)
  GRIDGOV_RATE_STAFF      writes per staff token (default 600/1m; off)
  GRIDGOV_TRUSTED_PROXIES proxies whose X-Forwarded-For names the client: addresses and CIDRs (default none)
  GRIDGOV_METRICS_FROM    addresses and CIDRs that may read /metrics without an admin token (default loopback)
  GRIDGOV_MAX_BODY        the largest request body in bytes (default 8388608)
  GRIDGOV_RATE_CLIENTS    clients whose budgets are kept at once (default 100000)
  GRIDGOV_READ_HEADER_TIMEOUT, GRIDGOV_READ_TIMEOUT, GRIDGOV_WRITE_TIMEOUT, GRIDGOV_IDLE_TIMEOUT
                          the HTTP server's timeouts (default 5s, 30s, 60s, 120s)
  GRIDGOV_MAX_HEADER_BYTES the largest request header block (default 65536)
`

// run is the whole program, with its inputs and outputs passed in so that tests can run it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError(2)
	}
	e, err := readEnv(getenv)
	if err != nil {
		return err
	}
	log := slog.New(api.WithRequestID(slog.NewJSONHandler(stderr, nil)))
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, e, log, rest, stdout)
	case "migrate":
		return migrate(ctx, e, stdout)
	case "import":
		return importCmd(ctx, e, rest, stdout, stderr)
	case "demo":
		return demoCmd(ctx, e, rest, stdout, stderr)
	case "token":
		return tokenCmd(ctx, e, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "gridgov: unknown command %q\n\n%s", cmd, usage)
	return exitError(2)
}

// newFlags returns a flag set that reports errors to stderr and does not exit.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("gridgov "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
