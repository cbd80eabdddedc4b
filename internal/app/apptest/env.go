package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"sunshine/internal/app"
	"sunshine/internal/audit"
	"sunshine/internal/employment"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// Org units of Env's fixture besides Village (in 南翔镇, the town staff's
// town): a village in 安亭镇 (same district, another town) and one in 昆山
// (another district), outside every fixture user's scope.
const (
	VillageTown2 = "310114103201"
	VillageOut   = "320583100201"
)

// Password is the password of Env's users.
const Password = "correct horse battery"

// OutName is the name of Env's person outside every fixture user's scope.
const OutName = "测试3"

// Start is when Env's clock starts (10:00 in Shanghai): the year of the
// annual records is 2026 whenever the tests run, and demo persons generated
// on 1 November 2026 are all born by then.
func Start() time.Time { return time.Date(2026, 11, 16, 2, 0, 0, 0, time.UTC) }

// Env is a running server on a fresh database with the fixture's villages,
// persons and employers and one signed-in user per role (UserOf names them).
type Env struct {
	T   *testing.T
	App *app.App
	Srv *httptest.Server
	// Tokens are the users' session tokens, by user name.
	Tokens map[string]string
	// Persons: 测试1 in Village, 测试2 in VillageTown2, 测试3 (OutName) in
	// VillageOut; InID and OutID are the ID numbers of 测试1 and 测试3.
	In, Town2, Out int64
	InID, OutID    string
	// Year is the year of the clock; each person has an annual record of it.
	Year int
	// Employers: in 南翔镇 (the employer account's own), in 安亭镇, in 昆山.
	EmpIn, EmpTown2, EmpOut int64
	// ProviderOrg is the provider user's organisation (ProviderOrg 1): it
	// sees the cases assigned to it (Assign, CaseFor).
	ProviderOrg int64
	// Volunteer is the volunteer user's volunteer (VolunteerOf 1, 南翔镇,
	// the escort team).
	Volunteer int64
}

// IDNumber completes 17 digits with the check character.
func IDNumber(first17 string) string { return first17 + string(registry.IDCheckChar(first17)) }

// FixtureID is the ID number of Env's n-th person.
func FixtureID(n int) string { return IDNumber(fmt.Sprintf("3101141980010%d00", 10+n)) }

// UserOf is the name of Env's user of a role.
func UserOf(role string) string {
	return map[string]string{
		identity.DistrictStaff: "district", identity.TownStaff: "town", identity.VillageAssistant: "village",
		identity.Provider: "provider", identity.Volunteer: "volunteer", identity.Person: "person", identity.Leader: "leader",
		identity.SysAdmin: "sysadmin", identity.SecAdmin: "secadmin", identity.Auditor: "auditor", identity.Employer: "employer",
		identity.Peer: "peer",
	}[role]
}

// UserCode gives each of Env's users a distinct 3-digit code, for the
// things they create (ID numbers, org unit codes).
func UserCode(user string) string {
	for i, r := range identity.Roles() {
		if UserOf(r) == user {
			return fmt.Sprintf("%03d", 300+i)
		}
	}
	return "399"
}

// NoRedirect is a CheckRedirect that shows redirects instead of following them.
func NoRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// NewEnv starts the app on d with cfg and the clock at Start (running), adds
// the fixture's villages, persons, employers and one user per role, and
// signs each user in. The server and the app stop when the test ends.
func NewEnv(t *testing.T, d *db.DB, cfg app.Config) *Env {
	t.Helper()
	ctx := context.Background()
	d.Clock = testkit.Clock(Start())
	a, err := app.New(ctx, d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	e := &Env{T: t, App: a, Srv: srv, Tokens: map[string]string{}, Year: d.Now().Year()}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		return orgunit.InsertTx(ctx, tx,
			orgunit.Unit{Code: Village, Name: "永新村", Level: 4, Parent: "310114102", Demo: true},
			orgunit.Unit{Code: "310114102202", Name: "永乐村", Level: 4, Parent: "310114102", Demo: true},
			orgunit.Unit{Code: VillageTown2, Name: "安亭村", Level: 4, Parent: "310114103", Demo: true},
			orgunit.Unit{Code: VillageOut, Name: "玉山村", Level: 4, Parent: "320583100", Demo: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	sys := registry.Caller{Scope: orgunit.ScopeOf("3")} // the fixture writes in every district
	mk := func(n int, unit string) int64 {
		p, err := a.Registry.Create(ctx, sys, registry.PersonInput{Name: fmt.Sprintf("测试%d", n),
			IDNumber: FixtureID(n), Category: 4, Grade: 2, OrgUnit: unit,
			Phone: "13812345678"})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	e.In, e.Town2, e.Out = mk(1, Village), mk(2, VillageTown2), mk(3, VillageOut)
	e.InID, e.OutID = FixtureID(1), FixtureID(3)
	for _, id := range []int64{e.In, e.Town2, e.Out} {
		if _, _, err := a.Registry.PutAnnual(ctx, sys, id, registry.Annual{Year: e.Year, Employment: "employed"}); err != nil {
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
			employment.Figures{Year: e.Year, Staff: staff, AverageWageCents: wage}); err != nil {
			t.Fatal(err)
		}
		return em.ID
	}
	e.EmpIn = mkEmployer("南翔精密制造", "310114102", "91310114MA1GT0001", 200, 120000_00)
	e.EmpTown2 = mkEmployer("安亭汽车配件", "310114103", "91310114MA1GT0002", 80, 90000_00)
	e.EmpOut = mkEmployer("玉山电子", "320583100", "91320583MA1GT0003", 500, 100000_00)
	e.ProviderOrg = ProviderOrg(t, a, 1)
	e.Volunteer = VolunteerOf(t, a, 1, "310114102", "escort", "accompaniment")
	users := []identity.User{
		{Role: identity.DistrictStaff, OrgUnit: "310114"},
		{Role: identity.TownStaff, OrgUnit: "310114102"},
		{Role: identity.VillageAssistant, OrgUnit: Village},
		{Role: identity.Provider, OrgUnit: "310114", ProviderID: e.ProviderOrg},
		{Role: identity.Volunteer, OrgUnit: "310114102", VolunteerID: e.Volunteer},
		{Role: identity.Person, OrgUnit: Village, PersonID: e.In},
		{Role: identity.Leader, OrgUnit: "310114"},
		{Role: identity.SysAdmin, OrgUnit: "310114"},
		{Role: identity.SecAdmin, OrgUnit: "310114"},
		{Role: identity.Auditor, OrgUnit: "310114"},
		{Role: identity.Employer, OrgUnit: "310114102", EmployerID: e.EmpIn},
		// A partner installation's account: Kunshan's, on Jiading's installation.
		{Role: identity.Peer, OrgUnit: "320583"},
	}
	for _, u := range users {
		u.Username = UserOf(u.Role)
		if _, err := a.Users.Create(ctx, u, Password, nil); err != nil {
			t.Fatal(err)
		}
		e.Tokens[u.Username] = e.Login(u.Username)
	}
	return e
}

// Login signs a user in through the API and returns the token.
func (e *Env) Login(username string) string {
	e.T.Helper()
	var out struct{ Token string }
	if st := e.Do("", "POST", "/api/v1/session", map[string]string{"username": username, "password": Password}, &out); st != 200 {
		e.T.Fatalf("login %s: status %d", username, st)
	}
	return out.Token
}

// Do sends a request with the token of a user ("" for none) and decodes the
// JSON answer into out (may be nil). It returns the status.
func (e *Env) Do(user, method, path string, body, out any) int {
	e.T.Helper()
	st, _ := e.DoRaw(user, method, path, body, out, nil)
	return st
}

// DoRaw is Do with more headers; it returns the body too.
func (e *Env) DoRaw(user, method, path string, body, out any, header http.Header) (int, []byte) {
	e.T.Helper()
	var rd io.Reader
	var sent []byte
	if body != nil {
		var err error
		if sent, err = json.Marshal(body); err != nil {
			e.T.Fatal(err)
		}
		rd = bytes.NewReader(sent)
	}
	req, err := http.NewRequest(method, e.Srv.URL+path, rd)
	if err != nil {
		e.T.Fatal(err)
	}
	if tok := e.Tokens[user]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	st, raw := e.send(req)
	if sent != nil {
		if err := e.App.CheckRequest(req, st, sent); err != nil {
			e.T.Errorf("%s %s: %v", method, path, err)
		}
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			e.T.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return st, raw
}

// Form posts url-encoded fields as a user and returns the status and body.
func (e *Env) Form(user, path string, fields url.Values) (int, []byte) {
	e.T.Helper()
	req, _ := http.NewRequest("POST", e.Srv.URL+path, strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if tok := e.Tokens[user]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return e.send(req)
}

// Upload posts a file as the multipart field "file", with more fields (name
// and value pairs), as a user.
func (e *Env) Upload(user, path, name string, data []byte, header http.Header, fields ...string) (int, []byte) {
	e.T.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := mw.WriteField(fields[i], fields[i+1]); err != nil {
			e.T.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", name)
	if err == nil {
		_, err = fw.Write(data)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		e.T.Fatal(err)
	}
	req, _ := http.NewRequest("POST", e.Srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.Tokens[user])
	for k, v := range header {
		req.Header[k] = v
	}
	return e.send(req)
}

// send sends a request without following redirects and checks the answer
// against its route's schema (app.App.CheckAnswer).
func (e *Env) send(req *http.Request) (int, []byte) {
	e.T.Helper()
	resp, err := (&http.Client{CheckRedirect: NoRedirect}).Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if err := e.App.CheckAnswer(req, resp.StatusCode, raw); err != nil {
		e.T.Errorf("%s %s: %v", req.Method, req.URL.RequestURI(), err)
	}
	return resp.StatusCode, raw
}

// Version is the current version of a person's record.
func (e *Env) Version(id int64) int {
	e.T.Helper()
	var p struct{ Version int }
	if st := e.Do("district", "GET", "/api/v1/persons/"+strconv.FormatInt(id, 10), nil, &p); st != 200 {
		e.T.Fatalf("read version of %d: %d", id, st)
	}
	return p.Version
}

// Int64 is the one integer a query answers (an id of the fixture, a count).
func (e *Env) Int64(query string, args ...any) int64 {
	e.T.Helper()
	var n int64
	if err := e.App.DB.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		e.T.Fatal(err)
	}
	return n
}

// Case opens an assistive device case for a person, as the system, and
// returns its id.
func (e *Env) Case(personID int64) int64 {
	e.T.Helper()
	sys := registry.Caller{Actor: audit.Actor{Username: "matrix", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()}
	c, err := e.App.Cases.Create(context.Background(), sys, personID, "assistive_device", nil)
	if err != nil {
		e.T.Fatal(err)
	}
	return c.ID
}
