package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

type schemaPet struct {
	Name  string     `json:"name"`
	Kind  string     `json:"kind" enum:"cat,dog"`
	Age   *int       `json:"age"`
	Tags  []string   `json:"tags,omitempty"`
	Born  time.Time  `json:"born"`
	Owner *schemaPet `json:"owner,omitempty"`
	//lint:ignore U1000 an unexported field, which JSON leaves out
	secret  string
	Skipped string `json:"-"`
	schemaBase
}

type schemaBase struct {
	ID int64 `json:"id"`
}

// TestSchemas: the schema of a Go type follows its JSON encoding, and Check
// accepts what encoding/json writes for it and refuses what it never writes.
func TestSchemas(t *testing.T) {
	s := NewSchemas()
	ref := s.Of(reflect.TypeOf(List[schemaPet]{}))
	if ref["$ref"] != "#/components/schemas/web.ListOfschemaPet" {
		t.Fatalf("ref %v; components %v", ref, s.Components)
	}
	pet := s.Components["web.schemaPet"].(map[string]any)
	props := pet["properties"].(map[string]any)
	for _, name := range []string{"name", "kind", "age", "tags", "born", "owner", "id"} {
		if _, ok := props[name]; !ok {
			t.Errorf("no property %q: %v", name, props)
		}
	}
	for _, name := range []string{"secret", "Skipped", "schemaBase"} {
		if _, ok := props[name]; ok {
			t.Errorf("property %q should not be there", name)
		}
	}
	if got := strings.Join(pet["required"].([]string), ","); got != "age,born,id,kind,name" {
		t.Errorf("required %s", got)
	}
	age := 3
	good, _ := json.Marshal(List[schemaPet]{Items: []schemaPet{{Name: "Mimi", Kind: "cat", Age: &age, Born: time.Now(), schemaBase: schemaBase{ID: 1}},
		{Name: "Rex", Kind: "dog", Born: time.Now()}}, Total: 2})
	var v any
	_ = json.Unmarshal(good, &v)
	if err := Check(s.Components, ref, v); err != nil {
		t.Fatalf("a real answer: %v", err)
	}
	for _, bad := range []string{
		`{"items":[{"name":"x","kind":"cat","age":null,"born":"t","id":1}],"total":1}`,                 // no next
		`{"items":[{"name":"x","kind":"cow","age":null,"born":"t","id":1}],"total":1,"next":""}`,       // not in the enum
		`{"items":[{"name":1,"kind":"cat","age":null,"born":"t","id":1}],"total":1,"next":""}`,         // a number for a string
		`{"items":[{"name":"x","kind":"cat","age":1.5,"born":"t","id":1}],"total":1,"next":""}`,        // not a whole number
		`{"items":[{"name":"x","kind":"cat","age":null,"born":"t","id":null}],"total":1,"next":""}`,    // null where not nullable
		`{"items":[{"name":"x","kind":"cat","age":null,"born":"t","id":1,"x":1}],"total":1,"next":""}`, // not in the schema
		`{"items":{},"total":1,"next":""}`, // an object for a list
	} {
		var v any
		if err := json.Unmarshal([]byte(bad), &v); err != nil {
			t.Fatal(err)
		}
		if err := Check(s.Components, ref, v); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

// TestOpenAPIDocument: every $ref of the document resolves, and a route's
// declared types appear as its request and answer schemas.
func TestOpenAPIDocument(t *testing.T) {
	rt := NewRouter(nil, nil)
	h := func(w http.ResponseWriter, r *http.Request, _ *Principal) error {
		return JSON(w, http.StatusCreated, schemaPet{Name: "Mimi", Kind: "cat", Born: time.Now()})
	}
	rt.Handle("POST /api/v1/pets", PublicAccess, h, Types{In: schemaPet{}, Out: schemaPet{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/pets/{id}", PublicAccess, h)
	doc := OpenAPI(rt.Routes())
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Paths      map[string]map[string]map[string]any
		Components struct{ Schemas map[string]any }
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	for _, m := range refs.FindAllStringSubmatch(string(raw), -1) {
		if _, ok := d.Components.Schemas[m[1]]; !ok {
			t.Errorf("$ref %s does not resolve", m[1])
		}
	}
	post := d.Paths["/api/v1/pets"]["post"]
	if _, ok := post["requestBody"]; !ok || !strings.Contains(string(raw), `"201":{"content"`) {
		t.Errorf("the typed route has no request body or 201 schema: %v", post)
	}
	// The router checks its own answers against the schema.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/v1/pets", nil)
	rt.ServeHTTP(rec, req)
	if err := rt.CheckAnswer(req, rec.Code, rec.Body.Bytes()); err != nil {
		t.Errorf("a real answer: %v", err)
	}
	if err := rt.CheckAnswer(req, http.StatusCreated, []byte(`{"name":"Mimi"}`)); err == nil {
		t.Error("an answer without required fields passed")
	}
}

var refs = regexp.MustCompile(`"#/components/schemas/([^"]+)"`)
