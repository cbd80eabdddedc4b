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
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

type caseOut struct {
	ID      int64          `json:"id"`
	State   string         `json:"state"`
	Version int            `json:"version"`
	Data    map[string]any `json:"data"`
}

// act takes an action on a case through the API and returns the status.
func act(e *apptest.Env, user string, id int64, action string, data map[string]any, out any) int {
	e.T.Helper()
	return e.Do(user, "POST", fmt.Sprintf("/api/v1/cases/%d/transitions", id), map[string]any{"action": action, "data": data}, out)
}

func count(t *testing.T, e *apptest.Env, q string, args ...any) int64 {
	t.Helper()
	return e.Int64(q, args...)
}

// TestAppeal: the whole flow of an appeal on both engines: the person opens
// it, the town forwards it, the district upholds it with an amount and an
// expiry, and the explanation shows the override for the months in range
// and the rules outside them; reasons required, bounds, scope, audit, and
// nothing half-written when a step is refused; a rejected appeal sets
// nothing.
func TestAppeal(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		ctx := context.Background()
		// Town staff of another town.
		if _, err := e.App.Users.Create(ctx, identity.User{Username: "town2", Role: identity.TownStaff, OrgUnit: "310114103"}, apptest.Password, nil); err != nil {
			t.Fatal(err)
		}
		e.Tokens["town2"] = e.Login("town2")
		path := apptest.PersonAPI(e.In, "/benefits")

		// Opening: the person themself; the reason and month are required, the month valid.
		var ae apiError
		if st := e.Do("person", "POST", "/api/v1/cases", map[string]any{"service_type": benefits.AppealCode,
			"data": map[string]any{"benefit": "living_subsidy"}}, &ae); st != 422 || len(ae.Error.Fields) != 2 {
			t.Fatalf("no month, no reason: %d %+v", st, ae)
		}
		if st := e.Do("person", "POST", "/api/v1/cases", map[string]any{"service_type": benefits.AppealCode,
			"data": map[string]any{"benefit": "living_subsidy", "month": "2026-13", "need": "证件已更新"}}, &ae); st != 422 || ae.Error.Fields[0].Field != "month" {
			t.Fatalf("bad month: %d %+v", st, ae)
		}
		if st := e.Do("person", "POST", "/api/v1/cases", map[string]any{"service_type": benefits.AppealCode,
			"data": map[string]any{"benefit": "living_subsidy", "month": "2026-11", "need": strings.Repeat("长", casework.MaxText+1)}}, &ae); st != 422 || ae.Error.Fields[0].Field != "need" {
			t.Fatalf("reason too long: %d %+v", st, ae)
		}
		if st := e.Do("district", "POST", "/api/v1/cases", map[string]any{"person_id": e.In, "service_type": benefits.AppealCode,
			"data": map[string]any{"benefit": "living_subsidy", "month": "2026-11", "need": "x"}}, nil); st != 403 {
			t.Errorf("district staff opening: %d", st)
		}
		var c caseOut
		if st := e.Do("person", "POST", "/api/v1/cases", map[string]any{"service_type": benefits.AppealCode,
			"data": map[string]any{"benefit": "living_subsidy", "month": "2026-11", "need": "我的残疾证已换新，请重新核定。"}}, &c); st != 201 || c.State != "submitted" {
			t.Fatalf("open: %d %+v", st, c)
		}
		if st := e.Do("village", "POST", "/api/v1/cases", map[string]any{"person_id": e.In, "service_type": benefits.AppealCode,
			"data": map[string]any{"benefit": "living_subsidy", "month": "2026-10", "need": "again"}}, nil); st != 409 {
			t.Errorf("a second open appeal on the same benefit: %d", st)
		}

		// Review: another town's staff cannot see it; reasons required.
		if st := act(e, "town2", c.ID, "forward", map[string]any{"opinion": "同意"}, nil); st != 404 {
			t.Errorf("another town forwarding: %d", st)
		}
		if st := act(e, "town", c.ID, "forward", nil, &ae); st != 422 || ae.Error.Fields[0].Field != "opinion" {
			t.Errorf("forward without an opinion: %d %+v", st, ae)
		}
		if st := act(e, "district", c.ID, "uphold", map[string]any{"amount": 50000, "until": "2027-06", "reason": "x"}, nil); st != 409 {
			t.Errorf("uphold before the review: %d", st)
		}
		if st := act(e, "town", c.ID, "forward", map[string]any{"opinion": "情况属实，建议核定。"}, &c); st != 200 || c.State != "forwarded" {
			t.Fatalf("forward: %d %+v", st, c)
		}

		// Decision: reason required; bounds of the amount and the expiry;
		// a refused step writes nothing.
		for _, bad := range []struct {
			data  map[string]any
			field string
		}{
			{map[string]any{"amount": 50000, "until": "2027-06"}, "reason"},
			{map[string]any{"amount": 0, "until": "2027-06", "reason": "x"}, "amount"},
			{map[string]any{"amount": 1_000_001, "until": "2027-06", "reason": "x"}, "amount"},
			{map[string]any{"amount": 50000, "until": "2028-12", "reason": "x"}, "until"},
			{map[string]any{"amount": 50000, "until": "2026-10", "reason": "x"}, "until"},
			{map[string]any{"amount": 50000, "until": "2027-6", "reason": "x"}, "until"},
			{map[string]any{"amount": 50000, "reason": "x"}, "until"},
		} {
			ae = apiError{}
			if st := act(e, "district", c.ID, "uphold", bad.data, &ae); st != 422 || len(ae.Error.Fields) != 1 || ae.Error.Fields[0].Field != bad.field {
				t.Errorf("uphold %v: %d %+v", bad.data, st, ae)
			}
		}
		if n := count(t, e, `SELECT COUNT(*) FROM benefit_overrides`); n != 0 {
			t.Errorf("overrides after refused steps: %d", n)
		}
		if st := e.Do("district", "GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), nil, &c); st != 200 || c.State != "forwarded" {
			t.Errorf("case after refused steps: %d %+v", st, c)
		}
		if st := act(e, "town", c.ID, "uphold", map[string]any{"amount": 50000, "until": "2027-06", "reason": "x"}, nil); st != 403 {
			t.Errorf("town staff deciding: %d", st)
		}
		if st := act(e, "district", c.ID, "uphold", map[string]any{"amount": 52000, "until": "2027-06", "reason": "新证有效，按低保标准核定。"}, &c); st != 200 || c.State != "upheld" {
			t.Fatalf("uphold: %d %+v", st, c)
		}

		// The explanation: the override from the decision's month to its expiry.
		var a answer
		for month, want := range map[string]string{"2026-11": "520.00", "2027-03": "520.00", "2027-06": "520.00"} {
			if st := e.Do("person", "GET", path+"?month="+month, nil, &a); st != 200 || a.Items[0].Amount != want || !a.Items[0].Eligible ||
				a.Items[0].Rule != "living_override_52000" || !strings.Contains(a.Items[0].Reasons[0], fmt.Sprintf("经申诉（个案 #%d）核定，至 2027-06 止", c.ID)) {
				t.Errorf("%s: %d %+v", month, st, a.Items[0])
			}
			if benefits.IsOverrideRule(a.Items[1].Rule) {
				t.Errorf("%s: the other benefit overridden: %+v", month, a.Items[1])
			}
		}
		if st, raw := e.DoRaw("town", "GET", path+"?month=2027-01", nil, &a, http.Header{"Accept-Language": {"en"}}); st != 200 ||
			!strings.Contains(a.Items[0].Reasons[0], fmt.Sprintf("set on appeal (case #%d) until 2027-06", c.ID)) && !strings.Contains(a.Items[0].Reasons[0], fmt.Sprintf("Set on appeal (case #%d) until 2027-06", c.ID)) {
			t.Errorf("english: %d %s", st, raw)
		}
		for _, month := range []string{"2026-10", "2027-07", "2028-01"} {
			if st := e.Do("district", "GET", path+"?month="+month, nil, &a); st != 200 || benefits.IsOverrideRule(a.Items[0].Rule) || a.Items[0].Amount != "0.00" {
				t.Errorf("%s, outside the override: %d %+v", month, st, a.Items[0])
			}
		}
		// The page shows it too.
		if st, body := e.DoRaw("person", "GET", "/me", nil, nil, nil); st != 200 || !strings.Contains(string(body), "经申诉核定（个案 #") {
			t.Errorf("/me: %d", st)
		}
		// The rosters' lookup.
		ovs, err := e.App.Benefits.OverridesFor(ctx, orgunit.ScopeOf("310114102"), "2027-02")
		if err != nil {
			t.Fatal(err)
		}
		if o := ovs[e.In][benefits.Living]; len(ovs) != 1 || o.AmountCents != 52000 || o.CaseID != c.ID || o.DecidedBy != "district" || o.FromMonth != "2026-11" {
			t.Errorf("OverridesFor: %+v", ovs)
		}
		if ovs, _ := e.App.Benefits.OverridesFor(ctx, orgunit.ScopeOf("310114103"), "2027-02"); len(ovs) != 0 {
			t.Errorf("OverridesFor another town: %+v", ovs)
		}
		if ovs, _ := e.App.Benefits.OverridesFor(ctx, orgunit.ScopeOf("3"), "2027-07"); len(ovs) != 0 {
			t.Errorf("OverridesFor after the expiry: %+v", ovs)
		}

		// A roster of a month in range pays the override (rosters are made for the months near the current one).
		for month, want := range map[string]string{"2026-11": "520.00 living_override_52000"} {
			var r struct {
				ID int64 `json:"id"`
			}
			if st := e.Do("district", "POST", "/api/v1/benefit-rosters", map[string]any{"benefit": "living_subsidy", "month": month, "orgunit": "310114102"}, &r); st != 201 {
				t.Fatalf("roster %s: %d", month, st)
			}
			var rows struct {
				Items []struct {
					PersonID int64  `json:"person_id"`
					Amount   string `json:"amount"`
					Rule     string `json:"rule"`
				} `json:"items"`
			}
			if st := e.Do("district", "GET", fmt.Sprintf("/api/v1/benefit-rosters/%d/rows", r.ID), nil, &rows); st != 200 {
				t.Fatalf("roster rows: %d", st)
			}
			got := ""
			for _, x := range rows.Items {
				if x.PersonID == e.In {
					got = x.Amount + " " + x.Rule
				}
			}
			if got != want {
				t.Errorf("roster %s: %q, want %q", month, got, want)
			}
		}

		// Audit: the override, and each step of the case.
		entries, _, err := e.App.Audit.List(ctx, audit.Filter{SubjectType: benefits.SubjectOverride})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Username != "district" || entries[0].Action != audit.ActionCreate ||
			!strings.Contains(entries[0].Detail, `"amount_cents":52000`) || !strings.Contains(entries[0].Detail, fmt.Sprintf(`"case":%d`, c.ID)) || entries[0].Reason == "" {
			t.Errorf("override audit: %+v", entries)
		}
		steps, _, err := e.App.Audit.List(ctx, audit.Filter{SubjectType: casework.SubjectCase, SubjectID: fmt.Sprint(c.ID)})
		if err != nil {
			t.Fatal(err)
		}
		var moves []string
		for _, s := range steps {
			if s.Action == audit.ActionCreate || s.Action == audit.ActionUpdate {
				moves = append(moves, s.Username+" "+s.Action+" "+s.Reason)
			}
		}
		if strings.Join(moves, ",") != "district update 新证有效，按低保标准核定。,town update ,person create " {
			t.Errorf("case audit: %+v", steps)
		}

		// A rejected appeal (care subsidy, opened by the village assistant) sets nothing.
		var c2 caseOut
		if st := e.Do("village", "POST", "/api/v1/cases", map[string]any{"person_id": e.In, "service_type": benefits.AppealCode,
			"data": map[string]any{"benefit": "care_subsidy", "month": "2026-11", "need": "需要护理"}}, &c2); st != 201 {
			t.Fatalf("open by the village: %d", st)
		}
		if st := act(e, "town", c2.ID, "forward", map[string]any{"opinion": "转区残联"}, nil); st != 200 {
			t.Fatalf("forward: %d", st)
		}
		if st := act(e, "district", c2.ID, "reject", nil, &ae); st != 422 || ae.Error.Fields[0].Field != "reason" {
			t.Errorf("reject without a reason: %d %+v", st, ae)
		}
		if st := act(e, "district", c2.ID, "reject", map[string]any{"reason": "二级肢体残疾不属护理补贴范围。"}, &c2); st != 200 || c2.State != "rejected" {
			t.Fatalf("reject: %d %+v", st, c2)
		}
		if n := count(t, e, `SELECT COUNT(*) FROM benefit_overrides WHERE case_id = ?`, c2.ID); n != 0 {
			t.Errorf("override of a rejected appeal: %d", n)
		}
		if st := e.Do("person", "GET", path+"?month=2026-12", nil, &a); st != 200 || benefits.IsOverrideRule(a.Items[1].Rule) || a.Items[0].Rule != "living_override_52000" {
			t.Errorf("after the rejection: %+v", a)
		}
		// Returned by the town: closed, nothing set.
		var c3 caseOut
		if st := e.Do("person", "POST", "/api/v1/cases", map[string]any{"service_type": benefits.AppealCode,
			"data": map[string]any{"benefit": "care_subsidy", "month": "2026-11", "need": "再申诉"}}, &c3); st != 201 {
			t.Fatalf("open again: %d", st)
		}
		if st := act(e, "town", c3.ID, "return", nil, &ae); st != 422 || ae.Error.Fields[0].Field != "reason" {
			t.Errorf("return without a reason: %d", st)
		}
		if st := act(e, "town", c3.ID, "return", map[string]any{"reason": "材料不全"}, &c3); st != 200 || c3.State != "returned" {
			t.Errorf("return: %d %+v", st, c3)
		}
	})
}

// TestAppealPages: the person's benefits section links to the new appeal
// form with the benefit and month filled in; the form and the case page
// name the fields; the form opens the case; the district upholds on the
// case page in yuan.
func TestAppealPages(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		st, body := e.DoRaw("person", "GET", "/me", nil, nil, nil)
		link := "/cases/new?benefit_appeal.benefit=living_subsidy&amp;benefit_appeal.month=2026-11&amp;person_id=" + fmt.Sprint(e.In) + "&amp;service_type=benefit_appeal"
		if st != 200 || !strings.Contains(string(body), link) {
			t.Fatalf("/me: %d, no link %s", st, link)
		}
		if _, body := e.DoRaw("district", "GET", apptest.PersonPage(e.In, ""), nil, nil, nil); strings.Contains(string(body), "service_type=benefit_appeal") {
			t.Errorf("district staff (who cannot open an appeal) offered the link")
		}
		if _, body := e.DoRaw("town", "GET", apptest.PersonPage(e.In, ""), nil, nil, nil); !strings.Contains(string(body), "service_type=benefit_appeal") {
			t.Errorf("town staff not offered the link")
		}
		st, body = e.DoRaw("person", "GET", strings.ReplaceAll(link, "&amp;", "&"), nil, nil, nil)
		page := string(body)
		if st != 200 || !strings.Contains(page, "补贴决定申诉") || !strings.Contains(page, "申诉的月份") || !strings.Contains(page, `<label for="f-need">申诉理由</label>`) || !strings.Contains(page, `value="2026-11"`) ||
			!strings.Contains(page, `<option value="living_subsidy" selected>困难残疾人生活补贴</option>`) {
			t.Errorf("new appeal form: %d %s", st, page)
		}
		st, body = e.DoRaw("person", "GET", strings.ReplaceAll(link, "&amp;", "&")+"&lang=en", nil, nil, nil)
		if st != 200 || !strings.Contains(string(body), "Appeal against a subsidy decision") || !strings.Contains(string(body), "Month appealed") || !strings.Contains(string(body), "Reason for the appeal") ||
			!strings.Contains(string(body), ">Living subsidy for disabled persons in need</option>") {
			t.Errorf("new appeal form, en: %d", st)
		}
		st, _ = e.Form("person", "/cases/new", url.Values{"service_type": {"benefit_appeal"}, "benefit_appeal.benefit": {"living_subsidy"},
			"benefit_appeal.month": {"2026-11"}, "need": {"证件已换新"}})
		if st != 303 {
			t.Fatalf("open on the form: %d", st)
		}
		id := e.Int64(`SELECT id FROM cases WHERE service_type = 'benefit_appeal'`)
		if st := act(e, "town", id, "forward", map[string]any{"opinion": "同意"}, nil); st != 200 {
			t.Fatalf("forward: %d", st)
		}
		st, body = e.DoRaw("district", "GET", fmt.Sprintf("/cases/%d", id), nil, nil, nil)
		page = string(body)
		if st != 200 || !strings.Contains(page, "核定截止月份") || !strings.Contains(page, "困难残疾人生活补贴") || !strings.Contains(page, "镇街审核意见") {
			t.Errorf("case page: %d %s", st, page)
		}
		st, body = e.Form("district", fmt.Sprintf("/cases/%d/act", id), url.Values{"action": {"uphold"}, "version": {"2"},
			"amount": {"10001"}, "until": {"2027-06"}, "reason": {"核定"}})
		if st != 422 || !strings.Contains(string(body), `class="error"`) {
			t.Errorf("uphold beyond 10,000 yuan on the page: %d", st)
		}
		if st, _ := e.Form("district", fmt.Sprintf("/cases/%d/act", id), url.Values{"action": {"uphold"}, "version": {"2"},
			"amount": {"500.5"}, "until": {"2027-06"}, "reason": {"核定"}}); st != 303 {
			t.Fatalf("uphold on the page: %d", st)
		}
		st, body = e.DoRaw("person", "GET", "/me?lang=en", nil, nil, nil)
		if st != 200 || !strings.Contains(string(body), "Set on appeal (case #") || !strings.Contains(string(body), "500.50") {
			t.Errorf("/me after: %d", st)
		}
		st, body = e.DoRaw("district", "GET", fmt.Sprintf("/cases/%d?lang=en", id), nil, nil, nil)
		if st != 200 || !strings.Contains(string(body), "500.50 yuan") || !strings.Contains(string(body), "Set until") {
			t.Errorf("case page after: %d %s", st, body)
		}
	})
}

// TestOverrideApply: an override decides eligible with its amount and a
// code naming the amount (a code never decides two amounts), its sentence
// first, then what the rules alone decide; without reasons for rosters.
func TestOverrideApply(t *testing.T) {
	t.Parallel()
	o := benefits.Override{Benefit: benefits.Care, AmountCents: 30050, UntilMonth: "2027-06", CaseID: 7}
	it := o.Apply(benefits.Item{Benefit: benefits.Care, Rule: "care_no_clause"}, true)
	if !it.Eligible || it.AmountCents != 30050 || it.Rule != "care_override_30050" || len(it.Reasons) != 2 ||
		it.Reasons[0].In("zh") != "经申诉（个案 #7）核定，至 2027-06 止：每月 300.50 元。" || !strings.Contains(it.Reasons[1].In("en"), "care_no_clause") {
		t.Errorf("apply: %+v", it)
	}
	if it := o.Apply(benefits.Item{Benefit: benefits.Care, Eligible: true, AmountCents: 18000, Rule: "care_grade3"}, false); it.Reasons != nil || it.AmountCents != 30050 {
		t.Errorf("apply without reasons: %+v", it)
	}
	o2 := o
	o2.AmountCents = 40000
	if benefits.OverrideRule(o.Benefit, o.AmountCents) == benefits.OverrideRule(o2.Benefit, o2.AmountCents) || !benefits.IsOverrideRule("living_override_1") || benefits.IsOverrideRule("living_dibao") {
		t.Error("override codes")
	}
}
