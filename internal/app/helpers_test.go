package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/employment"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

const testPassword = "correct horse battery"

// Org units of the fixture: a village in Nanxiang (the town staff's town), one in
// Anting (same district, another town) and one in Kunshan (another district).
const (
	villageIn    = "310114102201"
	villageTown2 = "310114103201"
	villageOut   = "320583100201"
)

// env is a running server on a fresh database with one user per role.
type env struct {
	t      *testing.T
	app    *app.App
	srv    *httptest.Server
	tokens map[string]string // username → token
	in     int64             // a person in villageIn
	inID   string            // their ID number
	outID  string            // the ID number of the person out of scope
	town2  int64             // a person in villageTown2
	out    int64             // a person in villageOut
	year   int
	// Employers: in Nanxiang (the employer account's own), in Anting, in Kunshan.
	empIn, empTown2, empOut int64
}

// fixtureID is the ID number of the n-th person of newEnv.
func fixtureID(n int) string { return idNumber(fmt.Sprintf("3101141980010%d00", 10+n)) }

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// form posts url-encoded fields as a user and returns the status and body.
func (e *env) form(user, path string, fields url.Values) (int, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if tok := e.tokens[user]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// idNumber completes 17 digits with the check character.
func idNumber(first17 string) string {
	return first17 + string(registry.IDCheckChar(first17))
}

// testStart is when the tests' clock starts (10:00 in Shanghai): the year of
// their annual records is 2026 whenever they run, and the demo persons of
// demoPersons (generated on 1 November 2026) are all born by then.
var testStart = time.Date(2026, 11, 16, 2, 0, 0, 0, time.UTC)

// newEnv starts the app on d with the tests' clock (testStart, running) and
// cheap password hashes, adds the fixture's villages, persons, employers and
// one user per role, and signs each user in.
func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	return newEnvConfig(t, d, apptest.Config(t))
}

// newEnvConfig is newEnv with the app's configuration.
func newEnvConfig(t *testing.T, d *db.DB, cfg app.Config) *env {
	t.Helper()
	ctx := context.Background()
	d.Clock = testkit.Clock(testStart)
	a, err := app.New(ctx, d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		recordTemplates(a.TemplateNames(), a.TemplatesRendered())
		a.Close()
	})
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	e := &env{t: t, app: a, srv: srv, tokens: map[string]string{}, year: d.Now().Year()}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		return orgunit.InsertTx(ctx, tx,
			orgunit.Unit{Code: villageIn, Name: "永新村", Level: 4, Parent: "310114102", Demo: true},
			orgunit.Unit{Code: "310114102202", Name: "永乐村", Level: 4, Parent: "310114102", Demo: true},
			orgunit.Unit{Code: villageTown2, Name: "安亭村", Level: 4, Parent: "310114103", Demo: true},
			orgunit.Unit{Code: villageOut, Name: "玉山村", Level: 4, Parent: "320583100", Demo: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	sys := registry.Caller{Scope: orgunit.ScopeOf("3")} // the fixture writes in every district
	mk := func(n int, unit string) int64 {
		p, err := a.Registry.Create(ctx, sys, registry.PersonInput{Name: fmt.Sprintf("测试%d", n),
			IDNumber: fixtureID(n), Category: 4, Grade: 2, OrgUnit: unit,
			Phone: "13812345678"})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	e.in, e.town2, e.out = mk(1, villageIn), mk(2, villageTown2), mk(3, villageOut)
	e.inID, e.outID = fixtureID(1), fixtureID(3)
	for _, id := range []int64{e.in, e.town2, e.out} {
		if _, _, err := a.Registry.PutAnnual(ctx, sys, id, registry.Annual{Year: e.year, Employment: "employed"}); err != nil {
			t.Fatal(err)
		}
	}
	mkEmployer := func(name, town, first17 string, staff int, wage int64) int64 {
		em, err := a.Employment.Create(ctx, employment.Caller{Scope: orgunit.ScopeOf("3")}, employment.EmployerInput{Name: name,
			USCC: first17 + string(employment.USCCCheckChar(first17)), OrgUnit: town, ContactPhone: "13912345678", Accessibility: []string{"step_free"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Employment.PutFigures(ctx, employment.Caller{Scope: orgunit.ScopeOf("3")}, em.ID,
			employment.Figures{Year: e.year, Staff: staff, AverageWageCents: wage}); err != nil {
			t.Fatal(err)
		}
		return em.ID
	}
	e.empIn = mkEmployer("南翔精密制造", "310114102", "91310114MA1GT0001", 200, 120000_00)
	e.empTown2 = mkEmployer("安亭汽车配件", "310114103", "91310114MA1GT0002", 80, 90000_00)
	e.empOut = mkEmployer("玉山电子", "320583100", "91320583MA1GT0003", 500, 100000_00)
	users := []identity.User{
		{Username: "district", Role: identity.DistrictStaff, OrgUnit: "310114"},
		{Username: "town", Role: identity.TownStaff, OrgUnit: "310114102"},
		{Username: "village", Role: identity.VillageAssistant, OrgUnit: villageIn},
		{Username: "provider", Role: identity.Provider, OrgUnit: "310114"},
		{Username: "volunteer", Role: identity.Volunteer, OrgUnit: "310114102"},
		{Username: "person", Role: identity.Person, OrgUnit: villageIn, PersonID: e.in},
		{Username: "leader", Role: identity.Leader, OrgUnit: "310114"},
		{Username: "sysadmin", Role: identity.SysAdmin, OrgUnit: "310114"},
		{Username: "secadmin", Role: identity.SecAdmin, OrgUnit: "310114"},
		{Username: "auditor", Role: identity.Auditor, OrgUnit: "310114"},
		{Username: "employer", Role: identity.Employer, OrgUnit: "310114102", EmployerID: e.empIn},
	}
	for _, u := range users {
		if _, err := a.Users.Create(ctx, u, testPassword, nil); err != nil {
			t.Fatal(err)
		}
		e.tokens[u.Username] = e.login(u.Username)
	}
	return e
}

func (e *env) login(username string) string {
	e.t.Helper()
	var out struct{ Token string }
	if st := e.do("", "POST", "/api/v1/session", map[string]string{"username": username, "password": testPassword}, &out); st != 200 {
		e.t.Fatalf("login %s: status %d", username, st)
	}
	return out.Token
}

// do sends a request with the token of a user ("" for none) and decodes the
// JSON answer into out (may be nil). It returns the status.
func (e *env) do(user, method, path string, body, out any) int {
	e.t.Helper()
	st, _ := e.doRaw(user, method, path, body, out, nil)
	return st
}

func (e *env) doRaw(user, method, path string, body, out any, header http.Header) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	var sent []byte
	if body != nil {
		var err error
		if sent, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(sent)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if tok := e.tokens[user]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if err := e.app.CheckAnswer(req, resp.StatusCode, raw); err != nil {
		e.t.Errorf("%s %s: %v", method, path, err)
	}
	if sent != nil {
		if err := e.app.CheckRequest(req, resp.StatusCode, sent); err != nil {
			e.t.Errorf("%s %s: %v", method, path, err)
		}
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, raw
}

func (e *env) version(id int64) int {
	var p struct{ Version int }
	if st := e.do("district", "GET", "/api/v1/persons/"+strconv.FormatInt(id, 10), nil, &p); st != 200 {
		e.t.Fatalf("read version of %d: %d", id, st)
	}
	return p.Version
}

func decodeJSON(r io.Reader, v any) {
	_ = json.NewDecoder(r).Decode(v)
}

// page GETs path as user and checks the status, the rules every page keeps
// (checkPage, on HTML answers) and that the body contains each of wants. It
// returns the body.
func (e *env) page(t *testing.T, user, path string, want int, wants ...string) string {
	t.Helper()
	st, raw := e.doRaw(user, "GET", path, nil, nil, nil)
	return e.checkAnswer(t, "GET "+path, path, st, string(raw), want, wants)
}

// submit POSTs a form as user, with the same checks as page (none of the page
// on a redirect).
func (e *env) submit(t *testing.T, user, path string, form url.Values, want int, wants ...string) string {
	t.Helper()
	st, raw := e.form(user, path, form)
	return e.checkAnswer(t, fmt.Sprintf("POST %s %v", path, form), path, st, string(raw), want, wants)
}

func (e *env) checkAnswer(t *testing.T, what, path string, st int, body string, want int, wants []string) string {
	t.Helper()
	if st != want {
		t.Fatalf("%s: %d, want %d: %s", what, st, want, body)
	}
	if st != http.StatusSeeOther && strings.Contains(body, "<html") {
		checkPage(t, path, body)
	}
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: no %q", what, w)
		}
	}
	return body
}
