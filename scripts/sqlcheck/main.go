// Command sqlcheck checks that package data sends SQL only with parameters: the query text of every Query,
// QueryRow, Exec and Batch.Queue call, and the table of every CopyFrom, must be built from constants alone —
// string literals, named constants, $n placeholders from a local helper, integers, and strings joined from such
// pieces — never from a value that came from outside. What cannot be shown constant must be listed in allowed
// with the reason it is safe. Run from the repository root: go run ./scripts/sqlcheck (also a test).
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// allowed are the query expressions that are not built from constants alone, by file, function and expression,
// with the reason each is safe.
var allowed = map[string]string{
	"import.go checkStaged st.sql": "one of the constant statements of the step table beside it",
	"kpi.go KPI q": "fmt.Sprintf of the constant kpiUnit with column names from kpiColumn's fixed switch, " +
		"quoted with pgx.Identifier.Sanitize",
	"kpi.go KPITable q": "fmt.Sprintf of the constant kpiChildren with column names from kpiColumn's fixed switch, " +
		"quoted with pgx.Identifier.Sanitize",
	`listen.go listenOnce "LISTEN " + pgx.Identifier{ch}.Sanitize()`: "channel names from the callers' constant " +
		"lists (units_changed, cases_changed, case_events), quoted with pgx.Identifier.Sanitize",
	"migrate.go Migrate string(sql)": "the text of an embedded migration file (data/migrations/*.sql), part of the binary",
}

// queryMethods take the SQL text as their first argument after the context (Queue: first argument).
var queryMethods = map[string]int{"Query": 1, "QueryRow": 1, "Exec": 1, "Queue": 0, "Prepare": 2}

// Problem is one query built from something not shown constant.
type Problem struct {
	Pos  token.Position
	Func string
	Expr string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: %s: SQL built from %s, which is not a constant; use a $n parameter (or list it in "+
		"scripts/sqlcheck allowed with the reason it is safe)", p.Pos, p.Func, p.Expr)
}

func main() {
	problems, err := check("data")
	if err != nil {
		fmt.Fprintln(os.Stderr, "sqlcheck:", err)
		os.Exit(2)
	}
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}

// check reads every non-test Go file of dir (not its subdirectories) and returns the queries it cannot show safe.
func check(dir string) ([]Problem, error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	consts := map[string]bool{}
	var parsed []*ast.File
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			return nil, err
		}
		parsed = append(parsed, f)
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, s := range g.Specs {
					for _, n := range s.(*ast.ValueSpec).Names {
						consts[n.Name] = true
					}
				}
			}
		}
	}
	var out []Problem
	used := map[string]bool{}
	for _, f := range parsed {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			c := &checker{fset: fset, consts: consts, file: filepath.Base(fset.Position(f.Pos()).Filename),
				fn: funcName(fd), body: fd.Body, seen: map[string]bool{}}
			c.collect()
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				var q ast.Expr
				if i, ok := queryMethods[sel.Sel.Name]; ok && len(call.Args) > i {
					q = call.Args[i]
				} else if sel.Sel.Name == "CopyFrom" && len(call.Args) > 1 {
					q = call.Args[1] // pgx.Identifier{…}: its parts must be constants
				} else {
					return true
				}
				if !c.safe(q) {
					expr := c.src(q)
					used[c.file+" "+c.fn+" "+expr] = true
					if _, ok := allowed[c.file+" "+c.fn+" "+expr]; !ok {
						out = append(out, Problem{Pos: fset.Position(q.Pos()), Func: c.fn, Expr: expr})
					}
				}
				return true
			})
		}
	}
	for k := range allowed {
		if !used[k] {
			out = append(out, Problem{Pos: token.Position{Filename: filepath.Join(dir, strings.Fields(k)[0])},
				Func: "allowed", Expr: k + " (an exception no longer needed: remove it)"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pos.String() < out[j].Pos.String() })
	return out, nil
}

func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + fd.Name.Name
	}
	return fd.Name.Name
}

type checker struct {
	fset         *token.FileSet
	consts       map[string]bool
	file, fn     string
	body         *ast.BlockStmt
	assigns      map[string][]ast.Expr // every value given to a local variable (appends: the appended values)
	placeholders map[string]bool       // local helpers that return "$n"
	localConsts  map[string]bool
	seen         map[string]bool
}

// collect finds what each local variable is given, the local constants and the placeholder helpers.
func (c *checker) collect() {
	c.assigns, c.placeholders, c.localConsts = map[string][]ast.Expr{}, map[string]bool{}, map[string]bool{}
	add := func(name string, v ast.Expr) {
		if call, ok := v.(*ast.CallExpr); ok {
			if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "append" && len(call.Args) > 0 {
				c.assigns[name] = append(c.assigns[name], call.Args[1:]...)
				return
			}
		}
		if fl, ok := v.(*ast.FuncLit); ok && isPlaceholderFunc(fl) {
			c.placeholders[name] = true
			return
		}
		c.assigns[name] = append(c.assigns[name], v)
	}
	ast.Inspect(c.body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				id, ok := l.(*ast.Ident)
				if !ok {
					continue
				}
				if len(n.Rhs) == len(n.Lhs) {
					add(id.Name, n.Rhs[i])
				} else {
					c.assigns[id.Name] = append(c.assigns[id.Name], nil) // from a multi-value call: unknown
				}
			}
		case *ast.GenDecl:
			for _, s := range n.Specs {
				vs, ok := s.(*ast.ValueSpec)
				if !ok {
					continue
				}
				for i, id := range vs.Names {
					if n.Tok == token.CONST {
						c.localConsts[id.Name] = true
					} else if i < len(vs.Values) {
						add(id.Name, vs.Values[i])
					}
				}
			}
		case *ast.RangeStmt:
			if id, ok := n.Key.(*ast.Ident); ok {
				c.assigns[id.Name] = append(c.assigns[id.Name], nil) // an index or a key: not SQL
			}
			if id, ok := n.Value.(*ast.Ident); ok {
				c.assigns[id.Name] = append(c.assigns[id.Name], n.X) // an element: as safe as what is ranged over
			}
		}
		return true
	})
}

// isPlaceholderFunc recognises func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }.
func isPlaceholderFunc(fl *ast.FuncLit) bool {
	if len(fl.Body.List) == 0 {
		return false
	}
	ret, ok := fl.Body.List[len(fl.Body.List)-1].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return false
	}
	call, ok := ret.Results[0].(*ast.CallExpr)
	if !ok || !isCall(call, "fmt", "Sprintf") || len(call.Args) != 2 {
		return false
	}
	lit, ok := call.Args[0].(*ast.BasicLit)
	return ok && lit.Value == `"$%d"`
}

func isCall(call *ast.CallExpr, pkg, name string) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == pkg && sel.Sel.Name == name
}

func (c *checker) src(e ast.Expr) string {
	var b strings.Builder
	_ = printer.Fprint(&b, c.fset, e)
	return b.String()
}

// safe says whether e is built from constants alone.
func (c *checker) safe(e ast.Expr) bool {
	switch e := e.(type) {
	case nil:
		return false
	case *ast.BasicLit:
		return true
	case *ast.ParenExpr:
		return c.safe(e.X)
	case *ast.BinaryExpr:
		return e.Op == token.ADD && c.safe(e.X) && c.safe(e.Y)
	case *ast.Ident:
		if c.consts[e.Name] || c.localConsts[e.Name] {
			return true
		}
		if c.seen[e.Name] {
			return true // a cycle (q += …): the other assignments decide
		}
		vals, ok := c.assigns[e.Name]
		if !ok {
			return false // a parameter or a package variable
		}
		c.seen[e.Name] = true
		defer delete(c.seen, e.Name)
		for _, v := range vals {
			if !c.safe(v) {
				return false
			}
		}
		return true
	case *ast.CompositeLit: // []string{…}, pgx.Identifier{…}
		for _, el := range e.Elts {
			if !c.safe(el) {
				return false
			}
		}
		return true
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok && c.placeholders[id.Name] {
			return true // "$n"
		}
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sanitize" && len(e.Args) == 0 {
			return c.safe(sel.X) // pgx.Identifier{constants}.Sanitize()
		}
		switch {
		case isCall(e, "fmt", "Sprintf"), isCall(e, "strings", "Join"):
			for _, a := range e.Args {
				if !c.safe(a) {
					return false
				}
			}
			return true
		case isCall(e, "strconv", "Itoa"), isCall(e, "strconv", "FormatInt"):
			return true // an integer cannot carry SQL
		}
	}
	return false
}
