package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gridgov/data"
	"gridgov/geo"
)

// maxImportFile bounds the size of one GeoJSON file.
const maxImportFile = 1 << 30

func importCmd(ctx context.Context, e env, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", stderr)
	levelName := fs.String("level", "", "street|community|grid|building|discuss_point|road")
	file := fs.String("file", "", "GeoJSON FeatureCollection file ('-' for standard input)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	level, err := geo.ParseLevel(*levelName)
	if err != nil {
		fmt.Fprintln(stderr, "gridgov import: --level:", err)
		return exitError(2)
	}
	if *file == "" {
		fmt.Fprintln(stderr, "gridgov import: --file is required")
		return exitError(2)
	}
	raw, err := readFile(*file)
	if err != nil {
		return err
	}
	pool, err := data.Open(ctx, e.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := data.Migrate(ctx, pool); err != nil {
		return err
	}
	rep, err := data.ImportFile(ctx, pool, level, raw, progressBar(stdout))
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		_ = enc.Encode(rep)
	} else {
		printImport(stdout, *file, rep)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, data.ErrRejected), errors.Is(err, geo.ErrNotGeoJSON):
		return exitError(1)
	}
	return err
}

func readFile(name string) ([]byte, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxImportFile+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxImportFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, maxImportFile)
	}
	return raw, nil
}

func printImport(w io.Writer, file string, r *data.ImportReport) {
	if r.FileProblem != "" {
		fmt.Fprintf(w, "%s: rejected as a whole: %s\nnothing was imported\n", file, r.FileProblem)
		return
	}
	fmt.Fprintf(w, "%s: %d %s features\n", file, r.Features, r.Level)
	if r.RolledBack {
		fmt.Fprintf(w, "  rejected: %d — nothing was imported\n", len(r.Rejected))
	} else {
		fmt.Fprintf(w, "  loaded:   %d (%d new, %d updated), %d H3 cells, %d parents found spatially\n",
			r.Inserted+r.Updated, r.Inserted, r.Updated, r.Cells, r.ParentsFound)
	}
	if len(r.Repaired) > 0 {
		fmt.Fprintf(w, "  repaired: %d\n", len(r.Repaired))
		for _, p := range r.Repaired {
			fmt.Fprintf(w, "    %s\n", p)
		}
	}
	for _, p := range r.Rejected {
		fmt.Fprintf(w, "    rejected %s\n", p)
	}
	if !r.RolledBack {
		if len(r.Topology) == 0 {
			fmt.Fprintln(w, "  topology: no problems")
		} else {
			fmt.Fprintf(w, "  topology: %d problems\n", len(r.Topology))
			for _, p := range r.Topology {
				fmt.Fprintf(w, "    %s\n", p)
			}
		}
	}
}

// progressBar draws progress on a terminal and stays silent otherwise (pipes, CI logs).
func progressBar(w io.Writer) data.Progress {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return func(stage string, done, total int) {
		if total <= 0 {
			return
		}
		const width = 30
		n := done * width / total
		fmt.Fprintf(w, "\r  %-20s [%s%s] %d/%d", stage, strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
		if done == total {
			fmt.Fprint(w, "\r\033[K")
		}
	}
}
