package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/testkit"
)

// TestEveryModuleHasItsMatrix: every module that registers routes, the app's
// own part included (app.App.Modules), has its permission matrix in its own
// folder, the folder of the package that defines its Routes: one test there
// calls apptest.Matrix with the module's name (which checks that the
// module's routes and the matrix's entries are the same). No call names a
// module that registers no routes.
func TestEveryModuleHasItsMatrix(t *testing.T) {
	a := apptest.New(t, testkit.SQLite(t), apptest.Start())
	folders := map[string]string{} // module → its folder under internal/
	for _, m := range a.Modules() {
		if m.Routes != nil {
			folders[m.Name] = folderOf(m.Routes)
		}
	}
	routes := map[string]string{} // module → its first route
	for _, rt := range a.Router().Routes() {
		if _, ok := routes[rt.Module]; !ok {
			routes[rt.Module] = rt.Pattern
		}
	}
	if len(routes) < 10 {
		t.Fatalf("only %d modules register routes", len(routes))
	}
	calls := matrixCalls(t)
	for name, route := range routes {
		folder := folders[name]
		switch places := calls[name]; {
		case len(places) == 0:
			t.Errorf("module %q registers routes (%s, …) but has no permission matrix: add a test to internal/%s that calls apptest.Matrix(t, %q, entries), with an entry per route",
				name, route, folder, name)
		case len(places) > 1:
			t.Errorf("module %q has %d permission matrices (%s): keep one", name, len(places), strings.Join(places, ", "))
		case filepath.Dir(places[0]) != folder:
			t.Errorf("the permission matrix of module %q, %s, is not in the module's folder internal/%s", name, places[0], folder)
		}
	}
	for name, places := range calls {
		if _, ok := routes[name]; !ok {
			t.Errorf("%s: apptest.Matrix(t, %q, …) names no module that registers routes", strings.Join(places, ", "), name)
		}
	}
}

// folderOf is the folder, under internal/, of the package that defines fn.
func folderOf(fn any) string {
	name := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name() // sunshine/internal/towns.(*Store).Module.func1
	slash := strings.LastIndex(name, "/")
	pkg := name[:slash+1+strings.Index(name[slash+1:], ".")]
	return strings.TrimPrefix(pkg, "sunshine/internal/")
}

// matrixCalls finds the calls of apptest.Matrix in the tests under
// internal/, by the module they name: the files, relative to internal/.
func matrixCalls(t *testing.T) map[string][]string {
	t.Helper()
	const apptestPath = "sunshine/internal/app/apptest"
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		local := ""
		for _, im := range f.Imports {
			if p, _ := strconv.Unquote(im.Path.Value); p == apptestPath {
				local = "apptest"
				if im.Name != nil {
					local = im.Name.Name
				}
			}
		}
		if local == "" {
			return nil
		}
		rel, _ := filepath.Rel("..", path)
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Matrix" {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != local {
				return true
			}
			var name string
			if len(call.Args) == 3 {
				if lit, ok := call.Args[1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					name, _ = strconv.Unquote(lit.Value)
				}
			}
			if name == "" {
				t.Errorf("%s: call apptest.Matrix with the module's name as a string literal", fset.Position(call.Pos()))
				return true
			}
			out[name] = append(out[name], rel)
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
