package employment_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sunshine/internal/access"
	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/employment"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

const (
	password = "correct horse battery"
	nanxiang = "310114102"
	anting   = "310114103"
	village  = "310114102201"
	village2 = "310114103201"
	year     = 2026
)

var system = employment.Caller{Actor: audit.Actor{Username: "test", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits(),
	Registry: access.Caller{Scope: orgunit.AllUnits()}}

func uscc(first17 string) string { return first17 + string(employment.USCCCheckChar(first17)) }

type fixture struct {
	t       *testing.T
	a       *app.App
	srv     *httptest.Server
	tokens  map[string]string
	A, B, C int64
}

// setup: three employers for 2026 with linked employees (see TestStatement).
func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	d.Clock = func() time.Time { return time.Date(year, 5, 4, 3, 0, 0, 0, time.UTC) }
	a, err := app.New(ctx, d, apptest.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	f := &fixture{t: t, a: a, tokens: map[string]string{}}
	f.srv = httptest.NewServer(a.Handler())
	t.Cleanup(f.srv.Close)
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		return orgunit.InsertTx(ctx, tx, orgunit.Unit{Code: village, Name: "永新村", Level: 4, Parent: nanxiang, Demo: true},
			orgunit.Unit{Code: village2, Name: "安亭村", Level: 4, Parent: anting, Demo: true})
	}); err != nil {
		t.Fatal(err)
	}
	person := func(n, grade int, unit string) int64 {
		first17 := fmt.Sprintf("310114198501012%02d", n)
		p, err := a.Registry.Create(ctx, access.Caller{Scope: orgunit.ScopeOf("3")}, registry.PersonInput{Name: fmt.Sprintf("职工%d", n),
			IDNumber: first17 + string(registry.IDCheckChar(first17)), Category: 4, Grade: grade, OrgUnit: unit})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	employer := func(name, town, code string, staff int, wage int64) int64 {
		e, err := a.Employment.Create(ctx, system, employment.EmployerInput{Name: name, USCC: uscc(code), OrgUnit: town, ContactPhone: "13912345678"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Employment.PutFigures(ctx, system, e.ID, employment.Figures{Year: year, Staff: staff, AverageWageCents: wage}); err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	link := func(emp, person int64, from string) {
		if _, err := a.Employment.Link(ctx, system, emp, person, from); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Employment.SetParams(ctx, orgunit.ScopeOf("310114"), system.Actor, func() employment.Params {
		p := employment.DefaultParams()
		p.OrgUnit, p.Year, p.SocialAverageWageCents = "310114", year, 100000_00
		return p
	}()); err != nil {
		t.Fatal(err)
	}
	f.A = employer("南翔精密制造", nanxiang, "91310114MA1GT0001", 200, 120000_00)
	f.B = employer("安亭汽车配件", anting, "91310114MA1GT0002", 100, 250000_00)
	f.C = employer("=HYPERLINK(\"x\")小店", nanxiang, "91310114MA1GT0003", 30, 60000_00)
	link(f.A, person(1, 3, village), "2021-01-01")
	ended := person(2, 1, village)
	link(f.A, ended, "2020-01-01")
	if err := a.Employment.Unlink(ctx, system, f.A, ended, "2025-06-30"); err != nil {
		t.Fatal(err)
	}
	link(f.B, person(3, 1, village2), "2026-02-01")
	link(f.B, person(4, 3, village2), "2019-01-01")
	users := []identity.User{
		{Username: "district", Role: identity.DistrictStaff, OrgUnit: "310114"},
		{Username: "town", Role: identity.TownStaff, OrgUnit: nanxiang},
		{Username: "employer", Role: identity.Employer, OrgUnit: nanxiang, EmployerID: f.A},
	}
	for _, u := range users {
		if _, err := a.Users.Create(ctx, u, password, nil); err != nil {
			t.Fatal(err)
		}
		var out struct{ Token string }
		if st, raw := f.do("", "POST", "/api/v1/session", map[string]string{"username": u.Username, "password": password}, &out); st != 200 {
			t.Fatalf("login %s: %d %s", u.Username, st, raw)
		}
		f.tokens[u.Username] = out.Token
	}
	return f
}

func (f *fixture) do(user, method, path string, body, out any) (int, []byte) {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, rd)
	req.Header.Set("Accept-Language", "en")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := f.tokens[user]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			f.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, raw
}

// fields returns the field names and codes of a 422 answer.
func fields(t *testing.T, raw []byte) map[string]string {
	t.Helper()
	var e struct {
		Error struct {
			Code   string
			Fields []struct{ Field, Code, Message string }
		}
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	out := map[string]string{}
	for _, x := range e.Error.Fields {
		if x.Message == "" {
			t.Errorf("field %s has no message", x.Field)
		}
		out[x.Field] = x.Code
	}
	return out
}

func TestCalculateAPI(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		var out map[string]any
		st, raw := f.do("", "POST", "/api/v1/levy/calculate", map[string]any{"staff": 200, "average_wage": 120000, "social_average_wage": "100000.00",
			"disabled_employees": []map[string]int{{"grade": 3}}}, &out)
		if st != 200 || out["due"] != "216000.00" || out["gross"] != "240000.00" || out["wage_base"] != "120000.00" ||
			out["required"] != 3.0 || out["counted"] != 1.0 || out["shortfall"] != 2.0 || out["ratio"] != 0.005 || out["rate"] != 0.9 || out["exempt"] != false {
			t.Fatalf("worked example: %d %s", st, raw)
		}
		for _, tc := range []struct {
			body map[string]any
			want map[string]string
		}{
			{map[string]any{"average_wage": 1}, map[string]string{"staff": "required"}},
			{map[string]any{"staff": -1, "average_wage": "-5"}, map[string]string{"staff": "range", "average_wage": "format"}},
			{map[string]any{"staff": 10, "average_wage": "1.234", "social_average_wage": "x"}, map[string]string{"average_wage": "format", "social_average_wage": "format"}},
			{map[string]any{"staff": 10, "average_wage": 5, "disabled_employees": []map[string]int{{"grade": 3}, {"grade": 5}}},
				map[string]string{"disabled_employees[1].grade": "invalid"}},
			{map[string]any{"staff": 1.5, "average_wage": 5}, map[string]string{"staff": "type"}},
		} {
			st, raw := f.do("", "POST", "/api/v1/levy/calculate", tc.body, nil)
			if st != 422 {
				t.Fatalf("%v: %d %s", tc.body, st, raw)
			}
			got := fields(t, raw)
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%v: field %s code %q, want %q (%s)", tc.body, k, got[k], v, raw)
				}
			}
		}
	})
}

func TestEmployersAPI(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		// The credit code is checked: 422 naming the field and the reason.
		bad := uscc("91310114MA1GT0009")
		bad = bad[:17] + map[bool]string{true: "1", false: "0"}[bad[17] == '0']
		for code, want := range map[string]string{bad: "checksum", "91310114MA1GT000": "length", "91310114MA1GT000I1": "charset"} {
			st, raw := f.do("town", "POST", "/api/v1/employers", map[string]any{"name": "x", "uscc": code, "orgunit": nanxiang}, nil)
			if st != 422 || fields(t, raw)["uscc"] != want {
				t.Errorf("uscc %s: %d %s, want 422 %s", code, st, raw, want)
			}
		}
		st, raw := f.do("town", "POST", "/api/v1/employers", map[string]any{"name": "x", "uscc": uscc("91310114MA1GT0001"), "orgunit": nanxiang}, nil)
		if st != 409 || fields(t, raw)["uscc"] != "duplicate" {
			t.Errorf("duplicate credit code: %d %s", st, raw)
		}
		// Town staff: their town only.
		var list struct {
			Items []employment.Employer
			Total int
		}
		if st, raw := f.do("town", "GET", "/api/v1/employers", nil, &list); st != 200 || list.Total != 2 {
			t.Fatalf("town list: %d %s", st, raw)
		}
		if st, _ := f.do("town", "GET", fmt.Sprintf("/api/v1/employers/%d", f.B), nil, nil); st != 404 {
			t.Errorf("town staff read an employer of another town: %d", st)
		}
		if st, raw := f.do("town", "POST", "/api/v1/employers", map[string]any{"name": "x", "uscc": uscc("91310114MA1GT0008"), "orgunit": anting}, nil); st != 422 || fields(t, raw)["orgunit"] != "scope" {
			t.Errorf("town staff created an employer in another town: %d %s", st, raw)
		}
		// The employer account: its own organisation only, without the employees' names.
		var own employment.Employer
		if st, raw := f.do("employer", "GET", fmt.Sprintf("/api/v1/employers/%d", f.A), nil, &own); st != 200 || own.ContactPhoneMasked != "139****5678" ||
			len(own.Employees) != 2 || own.Employees[0].Name != "" || strings.Contains(string(raw), "13912345678") {
			t.Fatalf("own employer: %d %s", st, raw)
		}
		for _, id := range []int64{f.B, f.C} {
			if st, _ := f.do("employer", "GET", fmt.Sprintf("/api/v1/employers/%d", id), nil, nil); st != 404 {
				t.Errorf("employer read employer %d: %d", id, st)
			}
			if st, _ := f.do("employer", "GET", fmt.Sprintf("/api/v1/employers/%d/levy?year=%d", id, year), nil, nil); st != 404 {
				t.Errorf("employer read the levy of employer %d: %d", id, st)
			}
		}
		if st, _ := f.do("employer", "GET", "/api/v1/employers", nil, &list); st != 200 || list.Total != 1 || list.Items[0].ID != f.A {
			t.Errorf("employer list: %d %+v", st, list)
		}
		var levy struct {
			Levy  struct{ Due string }
			Staff int
		}
		if st, raw := f.do("employer", "GET", fmt.Sprintf("/api/v1/employers/%d/levy?year=%d", f.A, year), nil, &levy); st != 200 || levy.Levy.Due != "216000.00" {
			t.Errorf("own levy: %d %s", st, raw)
		}
		if st, _ := f.do("employer", "PUT", fmt.Sprintf("/api/v1/employers/%d/figures/%d", f.A, year), map[string]any{"staff": 1, "average_wage": 1}, nil); st != 403 {
			t.Errorf("employer changed its figures: %d", st)
		}
		// Staff edit with the version; a stale version is 409; bad figures are 422.
		in := map[string]any{"name": "南翔精密制造有限公司", "uscc": uscc("91310114MA1GT0001"), "orgunit": nanxiang, "version": own.Version,
			"accessibility": []string{"step_free", "lift"}}
		if st, raw := f.do("town", "PUT", fmt.Sprintf("/api/v1/employers/%d", f.A), in, nil); st != 422 || fields(t, raw)["accessibility[1]"] != "unknown" {
			t.Errorf("unknown accessibility: %d %s", st, raw)
		}
		in["accessibility"] = []string{"step_free", "elevator"}
		if st, raw := f.do("town", "PUT", fmt.Sprintf("/api/v1/employers/%d", f.A), in, nil); st != 200 {
			t.Errorf("update: %d %s", st, raw)
		}
		if st, _ := f.do("town", "PUT", fmt.Sprintf("/api/v1/employers/%d", f.A), in, nil); st != 409 {
			t.Errorf("stale update: %d", st)
		}
		if st, raw := f.do("town", "PUT", fmt.Sprintf("/api/v1/employers/%d/figures/%d", f.A, year), map[string]any{"staff": -3, "average_wage": "abc"}, nil); st != 422 ||
			fields(t, raw)["staff"] != "range" || fields(t, raw)["average_wage"] != "format" {
			t.Errorf("bad figures: %d %s", st, raw)
		}
		// Linking: a person outside the town staff's scope is 404; twice is 409.
		if st, _ := f.do("district", "POST", fmt.Sprintf("/api/v1/employers/%d/employees", f.A), map[string]any{"person_id": 1}, nil); st != 409 {
			t.Errorf("link twice: %d", st)
		}
		var anting int64
		if err := d.QueryRow(context.Background(), `SELECT id FROM persons WHERE orgunit = ? ORDER BY id LIMIT 1`, village2).Scan(&anting); err != nil {
			t.Fatal(err)
		}
		if st, _ := f.do("town", "POST", fmt.Sprintf("/api/v1/employers/%d/employees", f.A), map[string]any{"person_id": anting}, nil); st != 404 {
			t.Errorf("town staff linked a person of another town: %d", st)
		}
		if st, raw := f.do("town", "POST", fmt.Sprintf("/api/v1/employers/%d/employees", f.A), map[string]any{"person_id": 0, "from_date": "x"}, nil); st != 422 {
			t.Errorf("link without a person: %d %s", st, raw)
		}
		// Every change is in the audit log.
		var n int
		if err := d.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE subject_type = 'employer' AND action = 'update'`).Scan(&n); err != nil || n < 6 {
			t.Errorf("audited employer updates: %d %v", n, err)
		}
	})
}

func TestStatement(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		rows, err := f.a.Employment.Statement(ctx, system, year)
		if err != nil {
			t.Fatal(err)
		}
		// A: 200 staff need 3; one grade-3 employee (the grade-1 one left in 2025): 2 short, 216,000.00 due.
		// C: 30 staff need 0.45: 1 short, but exempt, so not below the quota. B: 100 staff need 1.5; grade 1 (counts 2) + grade 3: none short.
		type row struct {
			id                 int64
			staff, counted     int
			required           string
			short              int
			due                string
			below, exempt, cap bool
		}
		want := []row{{f.A, 200, 1, "3", 2, "216000.00", true, false, false}, {f.C, 30, 0, "0.45", 1, "0.00", false, true, false},
			{f.B, 100, 3, "1.5", 0, "0.00", false, false, true}}
		if len(rows) != len(want) {
			t.Fatalf("%d rows", len(rows))
		}
		for i, w := range want {
			l := rows[i]
			got := row{l.EmployerID, l.Staff, l.Result.Counted, People(l.Outcome), l.Result.ShortPeople, l.Outcome.Due, l.BelowQuota, l.Result.Exempt, l.Result.WageCapped}
			if got != w {
				t.Errorf("row %d: %+v, want %+v", i, got, w)
			}
		}
		// Town staff see their town's employers only.
		town := employment.Caller{Actor: system.Actor, Scope: orgunit.ScopeOf(nanxiang)}
		if rows, err := f.a.Employment.Statement(ctx, town, year); err != nil || len(rows) != 2 {
			t.Fatalf("town statement: %d rows, %v", len(rows), err)
		}
		// The XLSX export opens and holds the rows, formulas escaped.
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/levy/statement.xlsx?year=%d&lang=en", f.srv.URL, year), nil)
		req.Header.Set("Authorization", "Bearer "+f.tokens["district"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		x, err := excelize.OpenReader(resp.Body)
		if err != nil {
			t.Fatalf("open the XLSX: %v", err)
		}
		sheet := x.GetSheetName(0)
		cells, err := x.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(cells) != 4 || cells[0][0] != "employer" || cells[1][0] != "南翔精密制造" || cells[1][9] != "216000.00" || cells[1][6] != "2" ||
			!strings.HasPrefix(cells[2][0], "'=") || len(cells[3]) > 10 {
			t.Fatalf("XLSX rows: %q", cells)
		}
		// The pages render: the statement, the employer's own page, the calculator with and without errors.
		for _, tc := range []struct {
			user, path string
			status     int
			has        string
		}{
			{"district", fmt.Sprintf("/levy/statement?year=%d&lang=en", year), 200, "3 employers; 1 are below the quota, short of 2 people"},
			{"town", fmt.Sprintf("/levy/statement?year=%d&lang=en", year), 200, "2 employers"},
			{"employer", fmt.Sprintf("/employers/%d?year=%d&lang=en", f.A, year), 200, "216000.00"},
			{"", "/levy?staff=200&average_wage=120000&social_average_wage=100000&grade3=1&lang=en", 200, "Levy due: 216000.00 yuan"},
			{"", "/levy?staff=abc&average_wage=-1&grade2=x&lang=en", 422, `id="e-grade2"`},
			{"", "/levy?lang=en", 200, "Calculate"},
		} {
			req, _ := http.NewRequest("GET", f.srv.URL+tc.path, nil)
			if tok := f.tokens[tc.user]; tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.has) {
				t.Errorf("%s as %q: %d, want %d with %q", tc.path, tc.user, resp.StatusCode, tc.status, tc.has)
			}
		}
	})
}

// People is the required number of people of an outcome, as text.
func People(o *employment.Outcome) string {
	if o == nil {
		return ""
	}
	return string(o.Required)
}
