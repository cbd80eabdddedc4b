package app_test

import (
	"regexp"
	"strings"
	"testing"

	"sunshine/internal/platform/testkit"
)

// TestOpenAPI: the document at /api/v1/openapi.json is OpenAPI 3.0.3, every
// $ref in it resolves, and every API route that answers JSON has the schema
// of its answer (the others answer files or nothing).
func TestOpenAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testkit.SQLite(t))
	var doc struct {
		OpenAPI    string
		Paths      map[string]map[string]struct{ Responses map[string]map[string]any }
		Components struct{ Schemas map[string]any }
	}
	st, raw := e.DoRaw("", "GET", "/api/v1/openapi.json", nil, &doc, nil)
	if st != 200 || doc.OpenAPI != "3.0.3" {
		t.Fatalf("openapi.json: %d %q", st, doc.OpenAPI)
	}
	for _, m := range regexp.MustCompile(`"#/components/schemas/([^"]+)"`).FindAllStringSubmatch(string(raw), -1) {
		if _, ok := doc.Components.Schemas[m[1]]; !ok {
			t.Errorf("$ref %s does not resolve", m[1])
		}
	}
	noJSON := map[string]bool{ // files, or no body at all
		"delete /api/v1/session": true, "delete /api/v1/employers/{id}/employees": true, "get /api/v1/openapi.json": true,
		"get /api/v1/indicators/export": true, "get /api/v1/imports/{id}/rejects": true, "get /api/v1/imports/persons/template": true,
		"get /api/v1/imports/annual/template": true, "get /api/v1/exports/persons": true, "get /api/v1/exports/annual": true,
	}
	typed := 0
	for path, ops := range doc.Paths {
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		for method, op := range ops {
			has := false
			for status, r := range op.Responses {
				if status != "default" && r["content"] != nil {
					has = true
				}
			}
			switch {
			case has:
				typed++
			case !noJSON[method+" "+path]:
				t.Errorf("%s %s has no answer schema", method, path)
			}
		}
	}
	if typed < 60 {
		t.Errorf("only %d routes have answer schemas", typed)
	}
}
