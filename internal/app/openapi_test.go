package app_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"sunshine/internal/employment"
	"sunshine/internal/employment/jobs"
	"sunshine/internal/identity"
	"sunshine/internal/indicators"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
	"sunshine/internal/rehab"
	"sunshine/internal/towns"
)

// TestOpenAPI: the document at /api/v1/openapi.json is OpenAPI 3.0.3 and
// valid by the rules of OpenAPI 3.0 (kin-openapi's validator), every $ref in
// it resolves, every API route that answers JSON has the schema of its
// answer (the others answer files or nothing), and every API route that
// reads a JSON body has the schema of its body (noBody lists the others).
func TestOpenAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testkit.SQLite(t))
	var doc struct {
		OpenAPI string
		Paths   map[string]map[string]struct {
			Responses   map[string]map[string]any
			RequestBody map[string]any
		}
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
	noJSON := map[string]bool{ // answering files, or no body at all
		"delete /api/v1/session": true, "delete /api/v1/employers/{id}/employees": true, "get /api/v1/openapi.json": true,
		"get /api/v1/indicators/export": true, "get /api/v1/imports/{id}/rejects": true, "get /api/v1/imports/persons/template": true,
		"get /api/v1/imports/annual/template": true, "get /api/v1/exports/persons": true, "get /api/v1/exports/annual": true,
		"get /api/v1/campaigns/{id}/export": true, "get /api/v1/benefit-rosters/{id}/export": true,
		"get /api/v1/providers/evaluation.xlsx": true, "delete /api/v1/volunteer-tasks/{id}/signups/{vid}": true,
		"delete /api/v1/events/{id}/registrations/{person_id}": true, "delete /api/v1/events/{id}/attendance/{person_id}": true,
		"delete /api/v1/peers/{district}": true, "delete /api/v1/peer-keys/{key}": true,
		"get /api/v1/attachments/{id}": true, "get /api/v1/attachments/{id}/thumbnail": true, "delete /api/v1/attachments/{id}": true,
		"post /api/v1/notifications/read-all": true,
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

	// The API routes that change something and read no JSON body: all the
	// others have the schema of their body.
	noBody := map[string]string{
		"delete /api/v1/session":                               "signing out needs only the token",
		"post /api/v1/projects/{id}/promote":                   "the path names the project; promoting takes nothing else",
		"post /api/v1/audit/checkpoint":                        "a checkpoint of the log as it stands takes nothing else",
		"post /api/v1/users/{username}/approve":                "the path names the pending account; approving takes nothing else",
		"post /api/v1/users/{username}/enable":                 "the path names the disabled account; asking to enable it takes nothing else",
		"post /api/v1/imports/persons":                         "a file upload (multipart/form-data)",
		"post /api/v1/imports/annual":                          "a file upload (multipart/form-data)",
		"post /api/v1/campaigns/{id}/imports":                  "a file upload (multipart/form-data)",
		"post /api/v1/persons/{id}/attachments":                "a file upload (multipart/form-data)",
		"post /api/v1/cases/{id}/attachments":                  "a file upload (multipart/form-data)",
		"delete /api/v1/volunteer-tasks/{id}/signups/{vid}":    "the path names the task and the volunteer; withdrawing takes nothing else",
		"delete /api/v1/events/{id}/registrations/{person_id}": "the path names the event and the person; withdrawing takes nothing else",
		"delete /api/v1/peers/{district}":                      "the path names the partner; revoking takes nothing else",
		"delete /api/v1/peer-keys/{key}":                       "the path names the key; revoking takes nothing else",
		"delete /api/v1/events/{id}/attendance/{person_id}":    "the path names the event and the person; removing the attendance takes nothing else",
	}
	bodies := 0
	for path, ops := range doc.Paths {
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		for method, op := range ops {
			if method == "get" {
				if op.RequestBody != nil {
					t.Errorf("%s %s has a request body", method, path)
				}
				continue
			}
			key := method + " " + path
			schema := func() any {
				c, _ := op.RequestBody["content"].(map[string]any)
				j, _ := c["application/json"].(map[string]any)
				return j["schema"]
			}()
			_, exempt := noBody[key]
			delete(noBody, key)
			switch {
			case exempt && op.RequestBody != nil:
				t.Errorf("%s reads no JSON body (noBody), yet has a request body schema", key)
			case exempt:
			case schema == nil:
				t.Errorf("%s has no request body schema", key)
			default:
				bodies++
			}
		}
	}
	for key := range noBody {
		t.Errorf("noBody lists %s, which is not an API route", key)
	}
	if bodies < 27 {
		t.Errorf("only %d routes have request body schemas", bodies)
	}

	// The whole document by the rules of OpenAPI 3.0.
	loader := openapi3.NewLoader()
	d, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if err := d.Validate(context.Background()); err != nil {
		t.Errorf("openapi.json is not valid OpenAPI 3.0: %v", err)
	}
}

// TestOpenAPIEnums: the values that the API document lists for a field (the
// enum tags of the request types) are the vocabularies that the server
// checks against, in their order.
func TestOpenAPIEnums(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testkit.SQLite(t))
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum  []string
					Items struct{ Enum []string }
				}
			}
		}
	}
	if st := e.Do("", "GET", "/api/v1/openapi.json", nil, &doc); st != 200 {
		t.Fatalf("openapi.json: %d", st)
	}
	codes := func(n int, code func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = code(i)
		}
		return out
	}
	terms := func(ts []jobs.Term) []string { return codes(len(ts), func(i int) string { return ts[i].Code }) }
	indicatorCodes := codes(len(indicators.Defs), func(i int) string { return indicators.Defs[i].Code })
	accessibility := codes(len(employment.Accessibility), func(i int) string { return employment.Accessibility[i].Code })
	for field, want := range map[string][]string{
		"admin.userInput.role":                   identity.Roles(),
		"indicators.TargetInput.code":            indicatorCodes,
		"registry.PersonInput.hukou":             registry.Hukous,
		"registry.PersonInput.economic_status":   registry.EconomicStatuses,
		"registry.PersonInput.status":            registry.Statuses,
		"registry.PersonPatch.hukou":             registry.Hukous,
		"registry.PersonPatch.economic_status":   registry.EconomicStatuses,
		"registry.PersonPatch.status":            registry.Statuses,
		"employment.EmployerInput.accessibility": accessibility,
		"jobs.ProfileInput.skills":               terms(jobs.Skills),
		"jobs.ProfileInput.accommodations":       terms(jobs.Accommodations),
		"jobs.OpeningInput.min_education":        terms(jobs.Education),
		"jobs.OpeningInput.hours":                terms(jobs.Hours),
		"jobs.OpeningInput.skills":               terms(jobs.Skills),
		"jobs.OpeningInput.accommodations":       terms(jobs.Accommodations),
		"jobs.VacancyInput.min_education":        terms(jobs.Education),
		"jobs.VacancyInput.hours":                terms(jobs.Hours),
		"jobs.VacancyInput.skills":               terms(jobs.Skills),
		"jobs.VacancyInput.accommodations":       terms(jobs.Accommodations),
		"rehab.CentreInput.services":             rehab.Services,
		"towns.FieldDefInput.kind":               towns.Kinds,
	} {
		i := strings.LastIndexByte(field, '.')
		p, ok := doc.Components.Schemas[field[:i]].Properties[field[i+1:]]
		if !ok {
			t.Errorf("no %s in the document", field)
			continue
		}
		got := p.Enum
		if got == nil {
			got = p.Items.Enum
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s lists %v; the server knows %v", field, got, want)
		}
	}
}
