package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"sunshine/internal/platform/apperr"
)

func TestLang(t *testing.T) {
	for header, want := range map[string]string{
		"": "zh", "en": "en", "en-GB,en;q=0.9": "en", "zh-CN,zh;q=0.9,en;q=0.8": "zh", "fr-FR": "zh", "EN-us": "en",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", header)
		if got := Lang(r); got != want {
			t.Errorf("Accept-Language %q: %s, want %s", header, got, want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	var v struct{ A int }
	for body, code := range map[string]apperr.Code{
		`{"A":1}`: "", `{"A":"x"}`: apperr.Invalid, `{"B":1}`: apperr.Malformed, `{"A":1} {}`: apperr.Malformed,
		`not json`: apperr.Malformed, `{"A":` + strings.Repeat(" ", MaxJSONBody) + `1}`: apperr.TooLarge,
	} {
		err := Decode(httptest.NewRecorder(), jsonRequest(body), &v)
		if (code == "" && err != nil) || (code != "" && apperr.CodeOf(err) != code) {
			t.Errorf("%.20q: %v, want %s", body, err, code)
		}
	}
}

// TestDecodeTypeErrors: a value of the wrong type is named at its field,
// with what it should be in plain words.
func TestDecodeTypeErrors(t *testing.T) {
	var v struct {
		N  int64       `json:"n"`
		F  float64     `json:"f"`
		S  string      `json:"s"`
		B  *bool       `json:"b"`
		L  []int       `json:"l"`
		O  struct{}    `json:"o"`
		JN json.Number `json:"jn"`
	}
	for body, want := range map[string][2]string{
		`{"n":"x"}`: {"整数", "a whole number"}, `{"f":"x"}`: {"数字", "a number"}, `{"s":1}`: {"文字", "text"},
		`{"b":1}`: {"true 或 false", "true or false"}, `{"l":{}}`: {"列表", "a list"}, `{"o":[]}`: {"对象", "an object"},
		`{"jn":true}`: {"数字", "a number"},
	} {
		err := Decode(httptest.NewRecorder(), jsonRequest(body), &v)
		e, ok := apperr.As(err)
		if !ok || len(e.Fields) != 1 || !strings.Contains(e.Fields[0].Msg.Zh, want[0]) || !strings.Contains(e.Fields[0].Msg.En, want[1]) ||
			strings.Contains(e.Fields[0].Msg.En, "int64") {
			t.Errorf("%s: %+v, want %q / %q", body, e, want[0], want[1])
		}
	}
}

func TestRouterAccessAndErrors(t *testing.T) {
	auth := func(_ context.Context, tok string) (*Principal, error) {
		if tok == "good" {
			return &Principal{Username: "u", Role: "town_staff"}, nil
		}
		return nil, apperr.New(apperr.Unauthorized, "未登录", "not signed in")
	}
	rt := NewRouter(auth, nil)
	rt.Handle("GET /x", Roles("district_staff"), func(w http.ResponseWriter, r *http.Request, p *Principal) error { return nil })
	rt.Handle("GET /y", Access{}, func(w http.ResponseWriter, r *http.Request, p *Principal) error {
		return apperr.Validation(apperr.Field("f", "bad", "坏", "bad"))
	})
	rt.Module = "m" // each route records the module that registered it
	rt.Handle("GET /z", PublicAccess, func(w http.ResponseWriter, r *http.Request, p *Principal) error { return errors.New("boom") })
	for _, c := range []struct {
		path, token string
		status      int
	}{{"/x", "", 401}, {"/x", "bad", 401}, {"/x", "good", 403}, {"/y", "good", 422}, {"/z", "", 500}} {
		r := httptest.NewRequest("GET", c.path, nil)
		if c.token != "" {
			r.Header.Set("Authorization", "Bearer "+c.token)
		}
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		if w.Code != c.status || !strings.Contains(w.Body.String(), `"error"`) || strings.Contains(w.Body.String(), "boom") {
			t.Errorf("%s with %q: %d %s", c.path, c.token, w.Code, w.Body)
		}
	}
	if rs := rt.Routes(); len(rs) != 3 || rs[0].Module != "" || rs[2].Module != "m" {
		t.Fatalf("routes: %v", rs)
	}
}

// jsonRequest is a POST of a JSON body.
func jsonRequest(body string) *http.Request {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}
