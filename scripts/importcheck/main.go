// Command importcheck enforces the direction of gridgov's package dependencies (see README, "Structure"):
// geo ← dispatch, tiles ← data, api ← cmd; api and data do not import each other; only data imports pgx.
// It runs `go list` over the module and exits non-zero naming each forbidden import.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// allowed lists, for each top-level package, the gridgov packages it may import.
var allowed = map[string][]string{
	"geo":      {},
	"dispatch": {"geo"},
	"tiles":    {"geo", "dispatch"},
	"data":     {"geo", "dispatch", "tiles", "data"},
	"api":      {"geo", "dispatch", "tiles"},
	"web":      {},
	"cmd":      {"geo", "dispatch", "tiles", "data", "api", "web", "cmd"},
	"scripts":  {},
}

// onlyData are outside packages that only package data (and its subpackages) may import.
var onlyData = []string{"github.com/jackc/pgx"}

type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

func main() {
	problems, err := check(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "importcheck:", err)
		os.Exit(2)
	}
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}

// check lists the forbidden imports of the module in dir.
func check(dir string) ([]string, error) {
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go list: %v: %s", err, errb.String())
	}
	const module = "gridgov/"
	var problems []string
	dec := json.NewDecoder(&out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		top := strings.SplitN(strings.TrimPrefix(p.ImportPath, module), "/", 2)[0]
		rules, known := allowed[top]
		if !known {
			problems = append(problems, fmt.Sprintf("%s: a top-level package with no import rule", p.ImportPath))
			continue
		}
		// Tests may use test helpers such as data/pgtest only in packages that may import data anyway.
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module) {
				itop := strings.SplitN(strings.TrimPrefix(imp, module), "/", 2)[0]
				if !contains(rules, itop) {
					problems = append(problems, fmt.Sprintf("%s imports %s", p.ImportPath, imp))
				}
				continue
			}
			for _, od := range onlyData {
				if strings.HasPrefix(imp, od) && top != "data" {
					problems = append(problems, fmt.Sprintf("%s imports %s: only package data may", p.ImportPath, imp))
				}
			}
		}
	}
	return problems, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
