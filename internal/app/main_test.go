package app_test

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"testing"
)

// rendered collects, over every test of the package, which page templates
// were rendered, so that a template of no module (the platform's own pages)
// that no test renders fails the run. Each module's permission matrix
// renders the module's templates (apptest.Matrix).
var rendered = struct {
	sync.Mutex
	names map[string]int
	all   []string
}{names: map[string]int{}}

func recordTemplates(names []string, counts map[string]int) {
	rendered.Lock()
	defer rendered.Unlock()
	rendered.all = names
	for k, v := range counts {
		rendered.names[k] += v
	}
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	// Only a full run can tell (go test -run X renders a part).
	if f := flag.Lookup("test.run"); code == 0 && f != nil && f.Value.String() == "" {
		var never []string
		for _, n := range rendered.all {
			if rendered.names[n] == 0 {
				never = append(never, n)
			}
		}
		sort.Strings(never)
		if len(rendered.all) == 0 || len(never) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: templates never rendered by any test: %v (of %d)\n", never, len(rendered.all))
			code = 1
		}
	}
	os.Exit(code)
}
