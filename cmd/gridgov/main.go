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
	"syscall"
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
}

func readEnv(getenv func(string) string) env {
	e := env{databaseURL: getenv("GRIDGOV_DATABASE_URL"), addr: getenv("GRIDGOV_ADDR")}
	if e.databaseURL == "" {
		e.databaseURL = "postgres://gridgov@127.0.0.1:55432/gridgov?sslmode=disable"
	}
	if e.addr == "" {
		e.addr = "127.0.0.1:8080"
	}
	return e
}

const usage = `usage: gridgov <command> [flags]

commands:
  serve     serve the API and the web app (GRIDGOV_ADDR, default 127.0.0.1:8080)
  migrate   apply the database schema migrations
  import    load a GeoJSON FeatureCollection: --level street|community|grid|building|discuss_point|road --file F
  demo      generate and load the demo city: [--seed N] [--scale N] [--replace|--if-empty] [--export DIR]

environment:
  GRIDGOV_DATABASE_URL  PostgreSQL URL (default the local cluster of 'make db-up' on 127.0.0.1:55432)
  GRIDGOV_ADDR          listen address of serve (default 127.0.0.1:8080)
`

// run is the whole program, with its inputs and outputs passed in so that tests can run it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError(2)
	}
	e := readEnv(getenv)
	log := slog.New(slog.NewJSONHandler(stderr, nil))
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
