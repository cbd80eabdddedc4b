package benefits_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/benefits"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

type answer struct {
	Month string `json:"month"`
	Items []struct {
		Benefit  string   `json:"benefit"`
		Eligible bool     `json:"eligible"`
		Amount   string   `json:"amount"`
		Rule     string   `json:"rule"`
		Reasons  []string `json:"reasons"`
	} `json:"items"`
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Fields  []struct {
			Field, Code, Message string
		} `json:"fields"`
	} `json:"error"`
}

// person registers a person of the fixture's village with an annual record
// of year (economic status, employment) and returns the id.
func person(t *testing.T, e *apptest.Env, n int, in registry.PersonInput, economic, employment string) int64 {
	t.Helper()
	ctx := context.Background()
	sys := registry.Caller{Scope: orgunit.ScopeOf("3")}
	in.Name, in.IDNumber, in.OrgUnit = fmt.Sprintf("补贴%d", n), apptest.IDNumber(fmt.Sprintf("310114198502021%02d", n)), apptest.Village
	p, err := e.App.Registry.Create(ctx, sys, in)
	if err != nil {
		t.Fatal(err)
	}
	if employment != "" {
		if _, _, err := e.App.Registry.PutAnnual(ctx, sys, p.ID, registry.Annual{Year: e.Year, Employment: employment, EconomicStatus: economic}); err != nil {
			t.Fatal(err)
		}
	}
	return p.ID
}

// TestAPI: the decision as the API gives it, in both languages, scope,
// the person's own access, audit, month validation, and a new version from
// a month on (both engines).
func TestAPI(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		ctx := context.Background()
		id := person(t, e, 1, registry.PersonInput{Category: 5, Grade: 3, CertificateIssued: "2020-05-01"}, "dibao", "employed")
		path := fmt.Sprintf("/api/v1/persons/%d/benefits", id)

		var a answer
		if st := e.Do("town", "GET", path+"?month=2026-11", nil, &a); st != 200 {
			t.Fatalf("status %d", st)
		}
		if a.Month != "2026-11" || len(a.Items) != 2 || a.Items[0].Benefit != "living_subsidy" || a.Items[1].Benefit != "care_subsidy" {
			t.Fatalf("answer %+v", a)
		}
		if it := a.Items[0]; !it.Eligible || it.Amount != "450.00" || it.Rule != "living_dibao" || !strings.Contains(strings.Join(it.Reasons, ""), "低保") {
			t.Errorf("living %+v", it)
		}
		if it := a.Items[1]; !it.Eligible || it.Amount != "180.00" || it.Rule != "care_grade3_intellectual_mental" || !strings.Contains(strings.Join(it.Reasons, ""), "智力残疾") {
			t.Errorf("care %+v", it)
		}
		// English, and the month defaults to the current one.
		st, raw := e.DoRaw("district", "GET", path, nil, &a, http.Header{"Accept-Language": {"en"}})
		if st != 200 || a.Month != "2026-11" || !strings.Contains(strings.Join(a.Items[1].Reasons, " "), "intellectual") {
			t.Errorf("english: %d %s", st, raw)
		}
		// The fixture's person: no certificate date, so not active.
		if st := e.Do("person", "GET", apptest.PersonAPI(e.In, "/benefits"), nil, &a); st != 200 || a.Items[0].Rule != "living_certificate_active" ||
			a.Items[0].Amount != "0.00" || a.Items[0].Eligible {
			t.Errorf("the person's own: %d %+v", st, a)
		}
		// Out of scope: 404, nothing revealed; another person's record for a person account.
		if st, raw := e.DoRaw("district", "GET", apptest.PersonAPI(e.Out, "/benefits"), nil, nil, nil); st != 404 || strings.Contains(string(raw), "living") {
			t.Errorf("out of scope: %d %s", st, raw)
		}
		if st := e.Do("village", "GET", apptest.PersonAPI(e.Town2, "/benefits"), nil, nil); st != 404 {
			t.Errorf("village assistant, another town: %d", st)
		}
		if st := e.Do("person", "GET", path, nil, nil); st != 404 {
			t.Errorf("a person reading another: %d", st)
		}
		// Audit: each read of the API is a read of the person.
		entries, _, err := e.App.Audit.List(ctx, audit.Filter{SubjectType: registry.SubjectPerson, SubjectID: fmt.Sprint(id), Action: audit.ActionRead, DetailHas: "benefits"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].Username != "district" || entries[1].Username != "town" || !strings.Contains(entries[0].Detail, "2026-11") {
			t.Errorf("audit entries %+v", entries)
		}
		// Month validation.
		for _, m := range []string{"1999-12", "2028-12", "2026-13", "202611", "", "2026-1"} {
			var ae apiError
			if st := e.Do("district", "GET", path+"?month="+url.QueryEscape(m), nil, &ae); st != 422 || len(ae.Error.Fields) != 1 || ae.Error.Fields[0].Field != "month" {
				t.Errorf("month %q: %d %+v", m, st, ae)
			}
		}
		if st := e.Do("district", "GET", path+"?month=2028-11", nil, nil); st != 200 {
			t.Errorf("24 months ahead: %d", st)
		}
		if st := e.Do("district", "GET", path+"?month=2000-01", nil, nil); st != 200 {
			t.Errorf("2000-01: %d", st)
		}

		// A new version of living_dibao from 2027-01: 480 from then, 450 before
		// (the months of 2027 read the record of 2027).
		if _, _, err := e.App.Registry.PutAnnual(ctx, registry.Caller{Scope: orgunit.ScopeOf("3")}, id,
			registry.Annual{Year: 2027, Employment: "employed", EconomicStatus: "dibao"}); err != nil {
			t.Fatal(err)
		}
		var rule benefits.Rule
		in := map[string]any{"code": "living_dibao", "condition": `economic_status == "dibao"`, "amount_cents": 48000, "effective_from": "2027-01"}
		if st := e.Do("district", "POST", "/api/v1/benefit-rules", in, &rule); st != 201 || rule.Benefit != "living_subsidy" || rule.Kind != "grants" || rule.TitleZh != "低保家庭" {
			t.Fatalf("new version: %d %+v", st, rule)
		}
		for month, want := range map[string]string{"2026-12": "450.00", "2027-01": "480.00", "2027-06": "480.00"} {
			if st := e.Do("district", "GET", path+"?month="+month, nil, &a); st != 200 || a.Items[0].Amount != want || a.Items[0].Rule != "living_dibao" {
				t.Errorf("%s: %d %+v, want %s", month, st, a.Items[0], want)
			}
		}
		if st := e.Do("district", "POST", "/api/v1/benefit-rules", in, nil); st != 409 {
			t.Errorf("the same code and month again: %d", st)
		}
		created, _, err := e.App.Audit.List(ctx, audit.Filter{SubjectType: benefits.SubjectRule, Action: audit.ActionCreate})
		if err != nil {
			t.Fatal(err)
		}
		if len(created) != 1 || created[0].SubjectID != fmt.Sprint(rule.ID) || !strings.Contains(created[0].Detail, "2027-01") {
			t.Errorf("rule audit %+v", created)
		}

		// A condition that does not compile is refused with its position, in both languages.
		bad := map[string]any{"code": "care_grade1", "condition": "grade == 1 &&\n  salary > 3", "amount_cents": 35000, "effective_from": "2027-01"}
		var ae apiError
		if st := e.Do("district", "POST", "/api/v1/benefit-rules", bad, &ae); st != 422 || len(ae.Error.Fields) != 1 || ae.Error.Fields[0].Field != "condition" ||
			!strings.Contains(ae.Error.Fields[0].Message, "第 2 行第 3 列") {
			t.Errorf("bad condition: %d %+v", st, ae)
		}
		if st, raw := e.DoRaw("district", "POST", "/api/v1/benefit-rules", bad, nil, http.Header{"Accept-Language": {"en"}}); st != 422 || !strings.Contains(string(raw), "line 2, column 3") {
			t.Errorf("bad condition, en: %d %s", st, raw)
		}
		bad["condition"], bad["effective_from"] = "grade + 1", "2026-10"
		ae = apiError{}
		if st := e.Do("district", "POST", "/api/v1/benefit-rules", bad, &ae); st != 422 || len(ae.Error.Fields) != 2 {
			t.Errorf("not boolean, in the past: %d %+v", st, ae)
		}
		if st := e.Do("town", "POST", "/api/v1/benefit-rules", in, nil); st != 403 {
			t.Errorf("town staff adding a rule: %d", st)
		}
	})
}

// TestPages: the rules page refuses a bad condition showing its position
// and keeping what was typed; the person page and /me show the decisions.
func TestPages(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		form := url.Values{"code": {"care_grade2"}, "condition": {"grade == 2 && tekun"}, "amount": {"190"}, "effective_from": {"2027-03"}}
		st, body := e.Form("district", "/benefits/rules", form)
		page := string(body)
		if st != 422 || !strings.Contains(page, "第 1 行第 15 列") || !strings.Contains(page, `id="e-condition"`) ||
			!strings.Contains(page, "grade == 2 &amp;&amp; tekun") || !strings.Contains(page, `value="190"`) {
			t.Errorf("bad condition on the page: %d %s", st, page)
		}
		form.Set("condition", "grade == 2")
		if st, _ := e.Form("district", "/benefits/rules", form); st != 303 {
			t.Errorf("saving: %d", st)
		}
		st, body = e.DoRaw("district", "GET", "/benefits/rules?lang=en", nil, nil, nil)
		if st != 200 || !strings.Contains(string(body), "190.00 yuan") || !strings.Contains(string(body), "Rules in force in 2026-11") {
			t.Errorf("rules page: %d", st)
		}
		for _, c := range []struct{ user, path string }{{"town", apptest.PersonPage(e.In, "")}, {"person", "/me"}} {
			st, body := e.DoRaw(c.user, "GET", c.path, nil, nil, nil)
			if st != 200 || !strings.Contains(string(body), "补贴资格（2026年11月）") || !strings.Contains(string(body), "未满足：须持有有效残疾证") {
				t.Errorf("%s %s: %d", c.user, c.path, st)
			}
		}
	})
}
