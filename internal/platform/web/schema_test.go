package web

import (
	"encoding/json"
	"fmt"
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

// schemaCall is both an answer and, with its note left out, a request.
type schemaCall struct {
	Pet   schemaPet `json:"pet"`
	Note  string    `json:"note" in:"optional"`
	Moods []string  `json:"moods" enum:"calm,lively"`
}

// schemaCallInput is named as schemaCall's request variant.
type schemaCallInput struct {
	N int `json:"n"`
}

// schemaBookingInput holds a schemaCall; the request variant of a name
// ending with Input keeps the name.
type schemaBookingInput struct {
	Call  schemaCall `json:"call"`
	Count int        `json:"count" in:"optional"`
}

// schemaDefaults embeds defaults that a request may leave out, and hides
// the embedded note with one of its own.
type schemaDefaults struct {
	schemaCall `in:"optional"`
	Note       json.RawMessage `json:"note,omitempty"`
}

// TestRequestSchemas: fields tagged in:"optional" are required in answers
// and not in requests, which get their own components; a shallower field
// hides an embedded one of the same name; an enum on a list is of its items.
func TestRequestSchemas(t *testing.T) {
	s := NewSchemas()
	ref := func(r map[string]any) string {
		return strings.TrimPrefix(fmt.Sprint(r["$ref"]), "#/components/schemas/")
	}
	required := func(name string) string {
		r, _ := s.Components[name].(map[string]any)["required"].([]string)
		return strings.Join(r, ",")
	}
	if out, in := ref(s.Of(reflect.TypeOf(schemaCall{}))), ref(s.In(reflect.TypeOf(schemaCall{}))); out != "web.schemaCall" || in != "web.schemaCallInput" {
		t.Fatalf("answer %s, request %s", out, in)
	}
	if out, in := required("web.schemaCall"), required("web.schemaCallInput"); out != "moods,note,pet" || in != "moods,pet" {
		t.Errorf("required: answer %s, request %s", out, in)
	}
	// A type without in:"optional" fields is the same both ways.
	if r := ref(s.In(reflect.TypeOf(schemaPet{}))); r != "web.schemaPet" {
		t.Errorf("request schemaPet: %s", r)
	}
	moods := s.Components["web.schemaCall"].(map[string]any)["properties"].(map[string]any)["moods"].(map[string]any)
	if _, ok := moods["enum"]; ok || fmt.Sprint(moods["items"].(map[string]any)["enum"]) != "[calm lively]" {
		t.Errorf("moods %v", moods)
	}
	// Another type of the name gets a number.
	if r := ref(s.Of(reflect.TypeOf(schemaCallInput{}))); r != "web.schemaCallInput2" {
		t.Errorf("schemaCallInput: %s", r)
	}
	if in, out := ref(s.In(reflect.TypeOf(schemaBookingInput{}))), ref(s.Of(reflect.TypeOf(schemaBookingInput{}))); in != "web.schemaBookingInput" || out != "web.schemaBookingInputOutput" {
		t.Errorf("schemaBookingInput: request %s, answer %s", in, out)
	}
	if r := s.Components["web.schemaBookingInput"].(map[string]any)["properties"].(map[string]any)["call"]; ref(r.(map[string]any)) != "web.schemaCallInput" {
		t.Errorf("a request's call is %v", r)
	}

	s = NewSchemas()
	d := s.Components[ref(s.In(reflect.TypeOf(schemaDefaults{})))].(map[string]any)
	if r, ok := d["required"]; ok {
		t.Errorf("request schemaDefaults requires %v", r)
	}
	if note := d["properties"].(map[string]any)["note"].(map[string]any); len(note) != 0 {
		t.Errorf("note is the outer json.RawMessage (anything), not %v", note)
	}
	s.Of(reflect.TypeOf(schemaDefaults{}))
	if got := required("web.schemaDefaults"); got != "moods,pet" {
		t.Errorf("answer schemaDefaults requires %s", got)
	}

	// Check follows the request schema.
	s = NewSchemas()
	in := s.In(reflect.TypeOf(schemaCall{}))
	var v any
	_ = json.Unmarshal([]byte(`{"pet":{"name":"Mimi","kind":"cat","age":null,"born":"t","id":1},"moods":["calm"]}`), &v)
	if err := Check(s.Components, in, v); err != nil {
		t.Errorf("a request without note: %v", err)
	}
	_ = json.Unmarshal([]byte(`{"pet":{"name":"Mimi","kind":"cat","age":null,"born":"t","id":1},"moods":["cross"]}`), &v)
	if err := Check(s.Components, in, v); err == nil {
		t.Error("a mood not in the enum passed")
	}
}

// TestOpenAPIPath: the wildcards only ServeMux has become OpenAPI paths.
func TestOpenAPIPath(t *testing.T) {
	for in, want := range map[string]string{"/{$}": "/", "/a/{id}": "/a/{id}", "/files/{path...}": "/files/{path}", "/a/{$}": "/a/"} {
		if got := openAPIPath(in); got != want {
			t.Errorf("openAPIPath(%s) = %s, want %s", in, got, want)
		}
	}
}
