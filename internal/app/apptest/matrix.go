package apptest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"sunshine/internal/app"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/platform/web"
)

// Request is one call of a route in a permission matrix: a JSON body, a
// file, a form, or nothing.
type Request struct {
	Path   string
	Body   any        // sent as JSON when set
	File   []byte     // sent as the multipart field "file" when set
	Fields []string   // other multipart fields, name and value pairs
	Form   url.Values // sent url-encoded when set (a page's form)
}

// Entry says how to call a route in and out of the caller's scope, which
// roles may call it, and what they get. The calls get the Env and the name
// of the calling user ("" without sign-in).
type Entry struct {
	Public  bool
	Allowed []string                   // roles that may use the route (ignored when Public)
	In      func(*Env, string) Request // a call inside the caller's scope
	InOK    int                        // status for allowed roles in scope
	Out     func(*Env, string) Request // a call outside the scope (nil: the route has no scope)
	OutOK   int                        // status for allowed roles out of scope
	PageIn  bool                       // a page: without sign-in it redirects (303)
	// The routes that sign in and out. SignInAs: a call without sign-in
	// is made as this user (a sign-in route needs an account to sign in
	// with). SignedInOK: the status of a public route for signed-in users
	// when it is not InOK (the sign-in page sends them home). EndsSession:
	// the call ends the caller's session, so the route runs after the
	// module's others, and every user signs in again after it.
	SignInAs    string
	SignedInOK  int
	EndsSession bool
}

// Fixed is a call of the same path and JSON body (nil for none) for everyone.
func Fixed(path string, body any) func(*Env, string) Request {
	return func(*Env, string) Request { return Request{Path: path, Body: body} }
}

// FixedForm is a post of the same form to the same path for everyone.
func FixedForm(path string, form url.Values) func(*Env, string) Request {
	return func(*Env, string) Request { return Request{Path: path, Form: form} }
}

// PersonAPI is the API path of a person, with rest after it.
func PersonAPI(id int64, rest string) string { return fmt.Sprintf("/api/v1/persons/%d%s", id, rest) }

// PersonPage is the page of a person, with rest after it.
func PersonPage(id int64, rest string) string { return fmt.Sprintf("/persons/%d%s", id, rest) }

// InPerson picks the fixture's person in every user's scope (Env.In).
func InPerson(e *Env) int64 { return e.In }

// OutPerson picks the fixture's person out of every user's scope (Env.Out).
func OutPerson(e *Env) int64 { return e.Out }

// OnPersonAPI is a call of the API path of the person personOf picks, with
// rest after it and a JSON body when not nil.
func OnPersonAPI(personOf func(*Env) int64, rest string, body any) func(*Env, string) Request {
	return func(e *Env, _ string) Request { return Request{Path: PersonAPI(personOf(e), rest), Body: body} }
}

// OnPersonPage is a call of the page of the person personOf picks, with rest
// after it and a form when not nil.
func OnPersonPage(personOf func(*Env) int64, rest string, form url.Values) func(*Env, string) Request {
	return func(e *Env, _ string) Request { return Request{Path: PersonPage(personOf(e), rest), Form: form} }
}

// Matrix is a module's permission-matrix test. On each engine, on a fresh
// Env, it walks every route the module registered (web.Route.Module) against
// every role and no sign-in, in and out of scope, as its entry (by pattern)
// says; it fails when a route of the module has no entry or an entry no
// route. Every out-of-scope answer of a person or export read must not name
// the person out of scope (OutName), and the walk must render every page
// template of the module.
func Matrix(t *testing.T, module string, entries map[string]Entry) {
	t.Helper()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := NewEnv(t, d, Config(t))
		var routes []web.Route
		for _, rt := range e.App.Router().Routes() {
			if rt.Module == module {
				routes = append(routes, rt)
			}
		}
		if len(routes) == 0 {
			t.Fatalf("module %q registers no routes", module)
		}
		var missing, extra []string
		for _, rt := range routes {
			if _, ok := entries[rt.Pattern]; !ok {
				missing = append(missing, rt.Pattern)
			}
		}
		for pattern := range entries {
			if !slices.ContainsFunc(routes, func(rt web.Route) bool { return rt.Pattern == pattern }) {
				extra = append(extra, pattern)
			}
		}
		if len(missing) > 0 {
			t.Errorf("routes of module %q without an entry in its permission matrix: %s", module, strings.Join(missing, ", "))
		}
		if len(extra) > 0 {
			sort.Strings(extra)
			t.Errorf("entries of the permission matrix of module %q for no route of it (remove the entries of routes that are gone): %s",
				module, strings.Join(extra, ", "))
		}
		if t.Failed() {
			t.FailNow()
		}
		// Routes that end the caller's session run last.
		slices.SortStableFunc(routes, func(a, b web.Route) int {
			return boolInt(entries[a.Pattern].EndsSession) - boolInt(entries[b.Pattern].EndsSession)
		})
		for _, rt := range routes {
			e.walk(t, rt.Pattern, entries[rt.Pattern])
		}
		rendered := e.App.TemplatesRendered()
		for _, name := range Templates(t, e.App)[module] {
			if rendered[name] == 0 {
				t.Errorf("the permission matrix of module %q never renders its page template %s", module, name)
			}
		}
	})
}

// Templates lists the page templates of a's modules (app.App.Modules) by
// module name, and under "" those of no module (the platform's own pages).
func Templates(t testing.TB, a *app.App) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	owned := map[string]bool{}
	for _, m := range a.Modules() {
		if m.Templates == nil {
			continue
		}
		names, err := web.PageNames(m.Templates)
		if err != nil {
			t.Fatal(err)
		}
		out[m.Name] = names
		for _, n := range names {
			owned[n] = true
		}
	}
	for _, n := range a.TemplateNames() {
		if !owned[n] {
			out[""] = append(out[""], n)
		}
	}
	return out
}

// walk calls one route as every role and without sign-in, in and out of
// scope, and checks the statuses.
func (e *Env) walk(t *testing.T, pattern string, entry Entry) {
	method, _, _ := strings.Cut(pattern, " ")
	for _, role := range append([]string{""}, identity.Roles()...) {
		user := UserOf(role)
		allowed := entry.Public || slices.Contains(entry.Allowed, role)
		for _, scope := range []string{"in", "out"} {
			build, want := entry.In, entry.InOK
			if scope == "out" {
				if entry.Out == nil {
					continue
				}
				build, want = entry.Out, entry.OutOK
			}
			switch {
			case role == "" && !entry.Public && entry.PageIn:
				want = http.StatusSeeOther
			case role == "" && !entry.Public:
				want = http.StatusUnauthorized
			case !allowed:
				want = http.StatusForbidden
			}
			if entry.Public && role == "" && entry.SignInAs != "" {
				user = entry.SignInAs
			}
			if role != "" && entry.SignedInOK != 0 {
				want = entry.SignedInOK
			}
			r := build(e, user)
			var got int
			var raw []byte
			switch {
			case r.File != nil:
				got, raw = e.Upload(user, r.Path, "file.csv", r.File, nil, r.Fields...)
			case r.Form != nil:
				got, raw = e.Form(user, r.Path, r.Form)
			default:
				got, raw = e.DoRaw(user, method, r.Path, r.Body, nil, nil)
			}
			if got != want {
				t.Errorf("%s as %q (%s scope): status %d, want %d: %s", pattern, role, scope, got, want, raw)
			}
			if scope == "out" && got == 200 && (strings.HasPrefix(pattern, "GET /api/v1/persons") || strings.HasPrefix(pattern, "GET /api/v1/exports") ||
				strings.HasPrefix(pattern, "GET /persons")) &&
				strings.Contains(string(raw), OutName) {
				t.Errorf("%s as %q leaked an out-of-scope person: %s", pattern, role, raw)
			}
		}
	}
	if entry.EndsSession {
		// Every session was ended: the tokens no longer work. Sign in again.
		if st := e.Do("district", "GET", "/api/v1/session", nil, nil); st != http.StatusUnauthorized {
			t.Errorf("after %s the token still answers %d", pattern, st)
		}
		for _, role := range identity.Roles() {
			e.Tokens[UserOf(role)] = e.Login(UserOf(role))
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
