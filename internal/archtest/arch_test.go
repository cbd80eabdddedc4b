// Package archtest checks rules of the code's shape that the compiler does
// not: stores never see HTTP, no module imports the registry only to learn
// who is calling, and each module's permission matrix is in its folder.
package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// packages parses every non-test Go file under internal/, by folder.
func packages(t *testing.T) map[string][]*ast.File {
	t.Helper()
	out := map[string][]*ast.File{}
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		out[filepath.Dir(path)] = append(out[filepath.Dir(path)], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 10 {
		t.Fatalf("found only %d packages: run from internal/archtest", len(out))
	}
	return out
}

func imports(f *ast.File, path string) bool {
	for _, im := range f.Imports {
		if p, _ := strconv.Unquote(im.Path.Value); p == path {
			return true
		}
	}
	return false
}

// domainFile names the files that hold a module's model, rules and storage.
var domainFile = regexp.MustCompile(`^(store|types|model|rules.*|.*_rules)\.go$`)

// TestStoresNeverSeeHTTP: a store, types, model or rules file imports neither
// net/http nor the web package, and no handler (a function taking an
// http.ResponseWriter) is a method of a Store or an Engine: handlers live on
// each module's API and Pages types.
func TestStoresNeverSeeHTTP(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		if domainFile.MatchString(filepath.Base(path)) {
			checked++
			for _, bad := range []string{"net/http", "sunshine/internal/platform/web"} {
				if imports(f, bad) {
					t.Errorf("%s imports %s: a store, model, types or rules file never sees HTTP", path, bad)
				}
			}
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || !takesResponseWriter(fn) {
				continue
			}
			if recv := receiverType(fn); recv == "Store" || recv == "Engine" {
				t.Errorf("%s: %s.%s is an HTTP handler on the %s: move it to the module's API or Pages", path, recv, fn.Name.Name, recv)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("checked only %d store, model, types or rules files", checked)
	}
}

func takesResponseWriter(fn *ast.FuncDecl) bool {
	for _, p := range fn.Type.Params.List {
		if sel, ok := p.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "ResponseWriter" {
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "http" {
				return true
			}
		}
	}
	return false
}

func receiverType(fn *ast.FuncDecl) string {
	t := fn.Recv.List[0].Type
	if st, ok := t.(*ast.StarExpr); ok {
		t = st.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// TestNoRegistryForTheCallerAlone: who is calling comes from the access
// package; a module that imports the registry uses something else of it.
func TestNoRegistryForTheCallerAlone(t *testing.T) {
	const registry = "sunshine/internal/registry"
	for dir, files := range packages(t) {
		used := map[string]bool{}
		importsIt := false
		for _, f := range files {
			if !imports(f, registry) {
				continue
			}
			importsIt = true
			ast.Inspect(f, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == "registry" {
						used[sel.Sel.Name] = true
					}
				}
				return true
			})
		}
		if !importsIt {
			continue
		}
		var names []string
		for n := range used {
			if n != "Caller" && n != "CallerOf" {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		if len(names) == 0 {
			t.Errorf("%s imports the registry only for the caller: use sunshine/internal/access", dir)
		}
	}
}
