package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"gridgov/data"
	"gridgov/data/demo"
	"gridgov/geo"
)

func demoCmd(ctx context.Context, e env, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	seed := fs.Int64("seed", 1, "random seed; the same seed gives the same city")
	scale := fs.Int("scale", 1, "multiply units and cases (10 for benchmarks)")
	cases := fs.Int("cases", 0, "number of historical cases (default about 23,000 × scale)")
	replace := fs.Bool("replace", false, "delete what the database holds and load the demo city")
	ifEmpty := fs.Bool("if-empty", false, "load only when the database holds no units (for make run)")
	export := fs.String("export", "", "write the city as GeoJSON files into this directory instead of loading it")
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	if *scale < 1 || *scale > 100 {
		fmt.Fprintln(stderr, "gridgov demo: --scale must be from 1 to 100")
		return exitError(2)
	}
	start := time.Now()
	now := time.Now().UTC().Truncate(24 * time.Hour)
	city, err := demo.Generate(demo.Options{Seed: *seed, Scale: *scale, Now: now, Cases: *cases})
	if err != nil {
		return err
	}
	if *export != "" {
		return exportCity(city, *export, stdout)
	}
	pool, err := data.Open(ctx, e.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := data.Migrate(ctx, pool); err != nil {
		return err
	}
	rep, err := data.LoadCity(ctx, pool, city, *replace, progressBar(stdout))
	if errors.Is(err, data.ErrNotEmpty) {
		if *ifEmpty {
			fmt.Fprintln(stdout, "demo: the database already holds a city; left as it is")
			return nil
		}
		fmt.Fprintln(stderr, "gridgov demo: the database already holds units; use --replace to overwrite them")
		return exitError(1)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo city (seed %d, scale %d) loaded in %.1fs:\n", *seed, *scale, time.Since(start).Seconds())
	for _, ir := range rep.Imports {
		if !ir.Level.IsArea() {
			fmt.Fprintf(stdout, "  %-13s %6d\n", ir.Level, ir.Inserted+ir.Updated)
			continue
		}
		fmt.Fprintf(stdout, "  %-13s %6d, %6d H3 cells, topology problems: %d\n", ir.Level, ir.Inserted+ir.Updated,
			ir.Cells, len(ir.Topology))
		for _, p := range ir.Topology {
			fmt.Fprintf(stdout, "    %s\n", p)
		}
	}
	fmt.Fprintf(stdout, "  %-13s %6d\n  %-13s %6d\n  %-13s %6d (%d events)\n  %-13s %6d\n", "party orgs", rep.Orgs,
		"staff", rep.People, "cases", rep.Cases, rep.Events, "categories", len(city.Categories))
	return nil
}

// exportCity writes one GeoJSON file per level, named after the level, that `gridgov import` reads back.
func exportCity(city *demo.City, dir string, stdout io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, l := range geo.Levels {
		b, err := geo.MarshalFeatureCollection(city.Units(l))
		if err != nil {
			return err
		}
		name := filepath.Join(dir, string(l)+".geojson")
		if err := os.WriteFile(name, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d features\n", name, len(city.Units(l)))
	}
	return nil
}
