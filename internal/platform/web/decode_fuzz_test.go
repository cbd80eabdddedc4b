package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"sunshine/internal/platform/apperr"
)

// fuzzBody is a representative API body: text, numbers, a flag, a list, a
// nested object, a map and a free-form value.
type fuzzBody struct {
	Name    string   `json:"name"`
	Count   int      `json:"count"`
	Amount  int64    `json:"amount"`
	Active  *bool    `json:"active"`
	Tags    []string `json:"tags"`
	Address struct {
		Line string `json:"line"`
	} `json:"address"`
	Extra map[string]string `json:"extra"`
	Data  any               `json:"data"`
}

// FuzzDecode: Decode never panics; on success every string of the body (keys
// included) passes the text rules and the body encodes and decodes again to
// the same value; on failure the error is an *apperr.Error of a client code,
// and a validation error names its fields.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"name":"张三","count":3,"amount":12000,"active":true,"tags":["a","b"],"address":{"line":"x"},"extra":{"k":"v"},"data":{"a":[1,"b"]}}`,
		`{}`, `{"name":"a\u0000b"}`, `{"name":"\u202e"}`, `{"extra":{"\u0007":"v"}}`, `{"data":["\u0085"]}`,
		`{"count":"3"}`, `{"count":1e99}`, `{"unknown":1}`, `{"name":"a"} {}`, `{"name":"a"`, `null`, `[]`, ``,
		`{"address":{"line":5}}`, `{"tags":[null]}`, "{\"name\":\"a\tb\\n\"}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var v fuzzBody
		err := Decode(httptest.NewRecorder(), r, &v)
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("Decode(%q): error %T is not an *apperr.Error", body, err)
			}
			switch ae.Code {
			case apperr.Malformed, apperr.TooLarge:
			case apperr.Invalid:
				if len(ae.Fields) == 0 {
					t.Fatalf("Decode(%q): validation error without fields", body)
				}
				for _, fe := range ae.Fields {
					if fe.Code == "" || fe.Msg.Zh == "" || fe.Msg.En == "" {
						t.Fatalf("Decode(%q): incomplete field error %+v", body, fe)
					}
				}
			default:
				t.Fatalf("Decode(%q): unexpected code %s", body, ae.Code)
			}
			return
		}
		var walk func(x any)
		walk = func(x any) {
			switch x := x.(type) {
			case string:
				if BadText(x) {
					t.Fatalf("Decode(%q) accepted bad text %q", body, x)
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			case map[string]any:
				for k, e := range x {
					walk(k)
					walk(e)
				}
			}
		}
		// Encode back and walk the generic form: covers every string field.
		enc, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("Decode(%q): decoded value does not encode: %v", body, err)
		}
		var generic any
		if err := json.Unmarshal(enc, &generic); err != nil {
			t.Fatal(err)
		}
		walk(generic)
		r2 := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(enc)))
		r2.Header.Set("Content-Type", "application/json")
		var v2 fuzzBody
		if err := Decode(httptest.NewRecorder(), r2, &v2); err != nil {
			t.Fatalf("Decode(%q): re-encoded %s is refused: %v", body, enc, err)
		}
		enc2, _ := json.Marshal(v2)
		if string(enc2) != string(enc) {
			t.Fatalf("Decode(%q): round trip %s != %s", body, enc2, enc)
		}
	})
}
