package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestDecodeRefuses: a body not declared JSON is 415; text with a control
// character (NUL, which PostgreSQL refuses) or a bidirectional override is 422
// naming the field, wherever it sits in the body; line breaks and tabs pass.
func TestDecodeRefuses(t *testing.T) {
	type item struct {
		Note string `json:"note"`
	}
	type body struct {
		Name  string         `json:"name"`
		Items []item         `json:"items"`
		Data  map[string]any `json:"data"`
	}
	for _, c := range []struct {
		name, ctype, body string
		status            int
		field             string
	}{
		{"json", "application/json", `{"name":"王芳\n第二行\t制表"}`, 200, ""},
		{"json with charset", "application/json; charset=utf-8", `{"name":"王芳"}`, 200, ""},
		{"problem json", "application/merge-patch+json", `{"name":"王芳"}`, 200, ""},
		{"no type", "", `{"name":"王芳"}`, 415, ""},
		{"text", "text/plain", `{"name":"王芳"}`, 415, ""},
		{"form", "application/x-www-form-urlencoded", `{"name":"王芳"}`, 415, ""},
		{"nul", "application/json", `{"name":"王\u0000芳"}`, 422, "name"},
		{"escape", "application/json", `{"name":"王\u001b[31m芳"}`, 422, "name"},
		{"nested", "application/json", `{"items":[{"note":"ok"},{"note":"a\u0007b"}]}`, 422, "items[1].note"},
		{"map value", "application/json", `{"data":{"need":{"deep":["x\u0000"]}}}`, 422, "data.need.deep[0]"},
		{"map key", "application/json", `{"data":{"k\u0000":"v"}}`, 422, "data.k\x00"},
		{"bidi", "application/json", `{"name":"abc\u202edcba"}`, 422, "name"},
		{"c1", "application/json", `{"name":"a\u0085b"}`, 422, "name"},
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		if c.ctype != "" {
			r.Header.Set("Content-Type", c.ctype)
		}
		var v body
		err := Decode(httptest.NewRecorder(), r, &v)
		status := 200
		if err != nil {
			status, _ = ErrorDetailOf(err, "en")
		}
		if status != c.status {
			t.Errorf("%s: status %d, want %d (%v)", c.name, status, c.status, err)
			continue
		}
		if c.field != "" {
			if _, d := ErrorDetailOf(err, "en"); len(d.Fields) != 1 || d.Fields[0].Field != c.field || d.Fields[0].Code != "control_character" {
				t.Errorf("%s: %+v", c.name, d)
			}
		}
	}
}

// TestCheckForm: a page's form with a control character is refused, naming
// the field.
func TestCheckForm(t *testing.T) {
	post := func(form url.Values) error {
		r := httptest.NewRequest("POST", "/persons/new", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return CheckForm(r)
	}
	if err := post(url.Values{"name": {"王芳"}, "address": {"一号\r\n二号"}}); err != nil {
		t.Errorf("a good form: %v", err)
	}
	err := post(url.Values{"name": {"王芳"}, "address": {"一号\x00"}})
	if _, d := ErrorDetailOf(err, "en"); err == nil || len(d.Fields) != 1 || d.Fields[0].Field != "address" {
		t.Errorf("NUL in a form: %v", err)
	}
}

// TestLocalPath: redirect targets stay on this site, whatever a browser
// strips from them.
func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/persons?q=王": "/persons?q=王", "/a/../b": "/b", "": "/", "persons": "/",
		"//evil.com": "/", "/\\evil.com": "/", "/\t/evil.com": "/", "/\n/evil.com": "/", "/\r//evil.com": "/",
		" //evil.com": "/", "https://evil.com": "/", "/%09/evil.com": "/%09/evil.com", "/\x00": "/",
	} {
		if got := LocalPath(in); got != want {
			t.Errorf("LocalPath(%q) = %q, want %q", in, got, want)
		}
	}
	// The attack as it arrives: next=/%09/evil.com decodes to a tab.
	q, _ := url.ParseQuery("next=/%09/evil.com")
	if got := LocalPath(q.Get("next")); got != "/" {
		t.Errorf("next=/%%09/evil.com: %q", got)
	}
}

// TestStaticNoListing: /static/ serves files, never a folder's listing.
func TestStaticNoListing(t *testing.T) {
	h := Static()
	for path, want := range map[string]int{"/static/": 404, "/static/app.css": 200, "/static/nope.css": 404} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("%s: %d, want %d", path, rec.Code, want)
		}
	}
}

// TestSecureBehindProxy: behind a trusted TLS proxy a request that came over
// HTTPS gets HSTS and counts as HTTPS (cookies Secure); without the trust,
// the header is not believed.
func TestSecureBehindProxy(t *testing.T) {
	var seen bool
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = IsHTTPS(r) })
	for _, c := range []struct {
		trust bool
		proto string
		https bool
	}{{true, "https", true}, {true, "http", false}, {true, "", false}, {false, "https", false}} {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/", nil)
		if c.proto != "" {
			r.Header.Set("X-Forwarded-Proto", c.proto)
		}
		seen = false
		Secure(next, c.trust).ServeHTTP(rec, r)
		if seen != c.https || (rec.Header().Get("Strict-Transport-Security") != "") != c.https {
			t.Errorf("trust %v, proto %q: https %v, HSTS %q", c.trust, c.proto, seen, rec.Header().Get("Strict-Transport-Security"))
		}
	}
}

// TestAttachmentName: a download's name cannot carry a quote, a line break or
// a path, whatever the query parameter it was made from.
func TestAttachmentName(t *testing.T) {
	for in, want := range map[string]string{
		"persons-310114-20261202.csv":     "persons-310114-20261202.csv",
		"persons-\"\r\nX: y/../a.csv":     "persons-___X__y_.._a.csv",
		"persons-嘉定.csv":                  "persons-__.csv",
		strings.Repeat("a", 300) + ".csv": strings.Repeat("a", 100),
	} {
		rec := httptest.NewRecorder()
		Attachment(rec, in, "text/csv")
		if got := rec.Header().Get("Content-Disposition"); got != `attachment; filename="`+want+`"` {
			t.Errorf("%q: %s", in, got)
		}
	}
}

// TestClientAddrBehindProxy: X-Forwarded-For is believed only behind a
// trusted proxy, and only its last hop (the one the proxy added).
func TestClientAddrBehindProxy(t *testing.T) {
	var got string
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = ClientAddr(r) })
	for _, c := range []struct {
		trust bool
		xff   string
		want  string
	}{{false, "203.0.113.9", "192.0.2.1"}, {true, "203.0.113.9", "203.0.113.9"}, {true, "1.1.1.1, 203.0.113.9", "203.0.113.9"},
		{true, "not an address", "192.0.2.1"}, {true, "", "192.0.2.1"}} {
		r := httptest.NewRequest("GET", "/", nil)
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		Secure(next, c.trust).ServeHTTP(httptest.NewRecorder(), r)
		if got != c.want {
			t.Errorf("trust %v, X-Forwarded-For %q: %s, want %s", c.trust, c.xff, got, c.want)
		}
	}
}
