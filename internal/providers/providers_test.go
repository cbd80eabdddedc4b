package providers_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/employment"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/providers"
	"sunshine/internal/registry"
)

const (
	village  = apptest.Village // 永新村, 南翔镇
	village2 = "310114103201"  // 安亭镇
)

var (
	caller   = apptest.Caller
	district = caller(identity.DistrictStaff, "310114")
	town     = caller(identity.TownStaff, "310114102")
	sys      = registry.Caller{Actor: audit.Actor{Username: "fixture", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()}
)

// now is 11:00 on 4 May 2026 in Shanghai.
var now = time.Date(2026, 5, 4, 3, 0, 0, 0, time.UTC)

func uscc(first17 string) string { return first17 + string(employment.USCCCheckChar(first17)) }

// wrongCheck is a wrong check character of 52310114MJ1000005.
func wrongCheck() string {
	if uscc("52310114MJ1000005")[17] == '0' {
		return "1"
	}
	return "0"
}

// fixture is an app with two persons (永新村 and 安亭镇), a provider with
// a device contract over the district and a renovation contract, and a
// second provider with a device contract.
type fixture struct {
	a                   *app.App
	in, town2           int64 // persons
	p1, p2              int64 // providers
	devices, renovation int64 // p1's contracts
	devices2            int64 // p2's
}

func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	a := apptest.New(t, d, now, orgunit.Unit{Code: village2, Name: "安亭村", Level: 4, Parent: "310114103", Demo: true})
	f := fixture{a: a}
	f.in = apptest.Person(t, a, 1, "服务一", village, 4, 2)
	f.town2 = apptest.Person(t, a, 2, "服务二", village2, 4, 2)
	ctx := context.Background()
	mk := func(name, code string) int64 {
		p, err := a.Providers.CreateProvider(ctx, district, providers.ProviderInput{Name: name, USCC: uscc(code), OrgUnit: "310114",
			Services: []string{"assistive_device", "home_renovation"}, Towns: []string{"310114102"}})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	f.p1, f.p2 = mk("康健服务中心", "52310114MJ1000002"), mk("安居服务社", "52310114MJ1000003")
	contract := func(p int64, typ string) int64 {
		k, err := a.Providers.CreateContract(ctx, district, providers.ContractInput{ProviderID: p, ServiceType: typ, Year: 2026, Budget: 100000_00,
			TargetCases: 10, DueDays: 30, OrgUnit: "310114", Milestones: []providers.MilestoneInput{{Title: "预付", AmountCents: 30000_00}, {Title: "尾款", AmountCents: 70000_00}}})
		if err != nil {
			t.Fatal(err)
		}
		return k.ID
	}
	f.devices, f.renovation, f.devices2 = contract(f.p1, "assistive_device"), contract(f.p1, "home_renovation"), contract(f.p2, "assistive_device")
	return f
}

func (f fixture) newCase(t *testing.T, person int64, typ string) int64 {
	t.Helper()
	cs, err := f.a.Cases.Create(context.Background(), sys, person, typ, map[string]any{"need": "测试需求"})
	if err != nil {
		t.Fatal(err)
	}
	return cs.ID
}

// fieldCode is the code of err's field error on field ("" none).
func fieldCode(err error, field string) string {
	if e, ok := apperr.As(err); ok {
		for _, f := range e.Fields {
			if f.Field == field {
				return f.Code
			}
		}
	}
	return ""
}

func audited(t *testing.T, d *db.DB, action, subjectType, subjectID string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = ? AND subject_type = ? AND subject_id = ?`,
		action, subjectType, subjectID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestProviders(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		wrong := "0"
		if uscc("52310114MJ1000005")[17] == '0' {
			wrong = "1"
		}
		for _, tc := range []struct{ code, want string }{
			{"52310114MJ100000", "length"},
			{"52310114MJ1000O00X", "charset"},
			{"52310114MJ1000005" + wrong, "checksum"},
		} {
			in := providers.ProviderInput{Name: "坏代码", USCC: tc.code, OrgUnit: "310114"}
			_, err := f.a.Providers.CreateProvider(ctx, district, in)
			if apperr.CodeOf(err) != apperr.Invalid || fieldCode(err, "uscc") != tc.want {
				t.Errorf("USCC %q: %v, want a 422 naming %s", in.USCC, err, tc.want)
			}
		}
		_, err := f.a.Providers.CreateProvider(ctx, district, providers.ProviderInput{Name: "重复", USCC: uscc("52310114MJ1000002"), OrgUnit: "310114"})
		if apperr.CodeOf(err) != apperr.Conflict || fieldCode(err, "uscc") != "duplicate" {
			t.Errorf("duplicate USCC: %v, want 409 on uscc", err)
		}
		// A member names a hub; a hub is no member.
		hub, err := f.a.Providers.CreateProvider(ctx, district, providers.ProviderInput{Name: "枢纽", USCC: uscc("52310114MJ1000001"), OrgUnit: "310114", Kind: providers.Hub})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.a.Providers.CreateProvider(ctx, district, providers.ProviderInput{Name: "成员", USCC: uscc("52310114MJ1000004"), OrgUnit: "310114",
			HubID: f.p1}); fieldCode(err, "hub_id") != "not_hub" {
			t.Errorf("member of a non-hub: %v", err)
		}
		m, err := f.a.Providers.CreateProvider(ctx, district, providers.ProviderInput{Name: "成员", USCC: uscc("52310114MJ1000004"), OrgUnit: "310114", HubID: hub.ID})
		if err != nil || m.HubID != hub.ID {
			t.Fatalf("member: %+v %v", m, err)
		}
		if n := audited(t, d, audit.ActionCreate, providers.SubjectProvider, fmt.Sprint(m.ID)); n != 1 {
			t.Errorf("provider created: %d audit entries", n)
		}
		// A provider's worker sees its own organisation only.
		worker := caller(identity.Provider, "310114")
		worker.ProviderID = f.p1
		if list, err := f.a.Providers.Providers(ctx, worker); err != nil || len(list) != 1 || list[0].ID != f.p1 {
			t.Errorf("provider's list: %+v %v", list, err)
		}
		if _, err := f.a.Providers.Provider(ctx, worker, f.p2); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("other provider: %v, want 404", err)
		}
	})
}

func TestContracts(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		base := providers.ContractInput{ProviderID: f.p1, ServiceType: "assistive_device", Year: 2026, Budget: 1000_00, TargetCases: 5, DueDays: 30}
		in := base
		in.Year = 2029
		if _, err := f.a.Providers.CreateContract(ctx, district, in); apperr.CodeOf(err) != apperr.Invalid || fieldCode(err, "year") != "range" {
			t.Errorf("beyond its year: %v", err)
		}
		in = base
		in.Milestones = []providers.MilestoneInput{{Title: "一", AmountCents: 600_00}, {Title: "二", AmountCents: 500_00}}
		if _, err := f.a.Providers.CreateContract(ctx, district, in); fieldCode(err, "milestones") != "over_budget" {
			t.Errorf("milestones over the budget: %v", err)
		}
		in = base
		in.ServiceType = "no_such_type"
		if _, err := f.a.Providers.CreateContract(ctx, district, in); fieldCode(err, "service_type") != "unknown" {
			t.Errorf("unknown type: %v", err)
		}
		// Release a milestone once: who and when are kept, and audited.
		k, err := f.a.Providers.ReleaseMilestone(ctx, district, f.devices, 1)
		if err != nil {
			t.Fatal(err)
		}
		if m := k.Milestones[0]; !m.Released || m.ReleasedBy != district.Actor.Username || m.ReleasedOn != now.Format(time.RFC3339) || k.Milestones[1].Released {
			t.Errorf("released: %+v", k.Milestones)
		}
		if _, err := f.a.Providers.ReleaseMilestone(ctx, district, f.devices, 1); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("released twice: %v, want 409", err)
		}
		if _, err := f.a.Providers.ReleaseMilestone(ctx, district, f.devices, 3); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("no such milestone: %v, want 404", err)
		}
		list, err := f.a.Providers.Contracts(ctx, district, 2026)
		if err != nil || len(list) != 3 || len(list[0].Milestones) != 2 {
			t.Errorf("contracts of 2026: %+v %v", list, err)
		}
		if n := audited(t, d, providers.ActionRelease, providers.SubjectContract, fmt.Sprint(f.devices)); n != 1 {
			t.Errorf("release: %d audit entries, want 1", n)
		}
		// Another district's staff does not see the contract.
		if _, err := f.a.Providers.ReleaseMilestone(ctx, caller(identity.DistrictStaff, "320583"), f.devices, 2); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("other district: %v, want 404", err)
		}
	})
}

func TestAssign(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		device := f.newCase(t, f.in, "assistive_device")
		far := f.newCase(t, f.town2, "assistive_device")
		// A contract of another service type: 422 naming why.
		if _, err := f.a.Providers.Assign(ctx, district, device, providers.AssignInput{ContractID: f.renovation}); fieldCode(err, "contract_id") != "service" {
			t.Errorf("other service: %v, want 422", err)
		}
		// Town staff of 南翔镇 do not see the case of 安亭镇: 404.
		if _, err := f.a.Providers.Assign(ctx, town, far, providers.AssignInput{ContractID: f.devices}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("outside the scope: %v, want 404", err)
		}
		cs, err := f.a.Providers.Assign(ctx, town, device, providers.AssignInput{ContractID: f.devices})
		if err != nil || cs.ContractID != f.devices || cs.ProviderID != f.p1 {
			t.Fatalf("assign: %+v %v", cs, err)
		}
		// The provider's worker sees it; the other provider's does not.
		w1, w2 := caller(identity.Provider, "310114"), caller(identity.Provider, "310114")
		w1.ProviderID, w2.ProviderID = f.p1, f.p2
		if _, err := f.a.Cases.Peek(ctx, w1, device); err != nil {
			t.Errorf("assigned provider: %v", err)
		}
		if _, err := f.a.Cases.Peek(ctx, w2, device); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("other provider: %v, want 404", err)
		}
		// A reassignment is recorded on the timeline with its reason.
		if _, err := f.a.Providers.Assign(ctx, district, device, providers.AssignInput{ContractID: f.devices2, Reason: "原机构人手不足"}); err != nil {
			t.Fatal(err)
		}
		got, err := f.a.Cases.Peek(ctx, district, device)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, ev := range got.Timeline {
			actions = append(actions, ev.Action)
		}
		last := got.Timeline[len(got.Timeline)-1]
		if strings.Join(actions, ",") != "create,assign,reassign" || last.Data["reason"] != "原机构人手不足" || got.ProviderID != f.p2 {
			t.Errorf("timeline %v, last %+v, provider %d", actions, last, got.ProviderID)
		}
		if _, err := f.a.Cases.Peek(ctx, w1, device); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("the first provider after the reassignment: %v, want 404", err)
		}
		if n := audited(t, d, providers.ActionAssign, "case", fmt.Sprint(device)); n != 2 {
			t.Errorf("assignments audited: %d, want 2", n)
		}
		// A provider's worker assigns nothing.
		if _, err := f.a.Providers.Assign(ctx, w2, device, providers.AssignInput{ContractID: f.devices2}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("provider assigns: %v, want 404", err)
		}
	})
}

func TestAssignMany(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		a, b := f.newCase(t, f.in, "assistive_device"), f.newCase(t, f.in, "home_renovation")
		far := f.newCase(t, f.town2, "assistive_device")
		_, err := f.a.Providers.AssignMany(ctx, town, []int64{a, b, far}, providers.AssignInput{ContractID: f.devices})
		if fieldCode(err, providers.CaseField(b)) != "service" || fieldCode(err, providers.CaseField(far)) != "not_found" || fieldCode(err, providers.CaseField(a)) != "" {
			t.Fatalf("a batch with cases that do not fit: %v", err)
		}
		for _, id := range []int64{a, b} {
			if cs, err := f.a.Cases.Peek(ctx, district, id); err != nil || cs.ContractID != 0 {
				t.Errorf("case %d written by a refused batch: %+v %v", id, cs.ContractID, err)
			}
		}
		c := f.newCase(t, f.in, "assistive_device")
		out, err := f.a.Providers.AssignMany(ctx, town, []int64{a, c}, providers.AssignInput{ContractID: f.devices})
		if err != nil || len(out) != 2 {
			t.Fatalf("batch: %v %v", out, err)
		}
		list, _, _, err := f.a.Cases.List(ctx, district, casework.Filter{ContractID: f.devices, Limit: 10})
		if err != nil || len(list) != 2 {
			t.Errorf("cases of the contract: %d %v", len(list), err)
		}
		if n := audited(t, d, providers.ActionAssign, "case", fmt.Sprint(c)); n != 1 {
			t.Errorf("batch audited: %d", n)
		}
	})
}

// env is a running server on the fixture with a district, a town staff
// and a provider account of p1 signed in.
func env(t *testing.T, f fixture) *apptest.Env {
	t.Helper()
	srv := httptest.NewServer(f.a.Handler())
	t.Cleanup(srv.Close)
	e := &apptest.Env{T: t, App: f.a, Srv: srv, Tokens: map[string]string{}, Year: 2026}
	for _, u := range []identity.User{
		{Username: "district", Role: identity.DistrictStaff, OrgUnit: "310114"},
		{Username: "town", Role: identity.TownStaff, OrgUnit: "310114102"},
		{Username: "provider", Role: identity.Provider, OrgUnit: "310114", ProviderID: f.p1},
		{Username: "provider2", Role: identity.Provider, OrgUnit: "310114", ProviderID: f.p2},
	} {
		if _, err := f.a.Users.Create(context.Background(), u, apptest.Password, nil); err != nil {
			t.Fatal(err)
		}
		e.Tokens[u.Username] = e.Login(u.Username)
	}
	return e
}

func TestPages(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		e := env(t, f)
		get := func(user, path string) (int, string) {
			t.Helper()
			st, body := e.DoRaw(user, "GET", path, nil, nil, nil)
			return st, string(body)
		}
		// Register an organisation: a bad code is named, and what was typed stays.
		form := url.Values{"name": {"新机构"}, "uscc": {"52310114MJ10000050"}, "kind": {"member"}, "orgunit": {"310114"},
			"services": {"assistive_device"}, "towns": {"310114102"}}
		form.Set("uscc", "52310114MJ1000005"+wrongCheck())
		st, body := e.Form("district", "/providers", form)
		if st != 422 || !strings.Contains(string(body), "统一社会信用代码") || !strings.Contains(string(body), `value="新机构"`) ||
			!strings.Contains(string(body), `id="f-services-assistive_device" name="services" value="assistive_device" checked`) {
			t.Fatalf("bad USCC: %d %s", st, body)
		}
		form.Set("uscc", uscc("52310114MJ1000005"))
		if st, body := e.Form("district", "/providers", form); st != 303 {
			t.Fatalf("register: %d %s", st, body)
		}
		if st, body := get("district", "/providers"); st != 200 || !strings.Contains(body, "新机构") || !strings.Contains(body, "辅助器具适配") || !strings.Contains(body, "南翔镇") {
			t.Errorf("providers list: %d", st)
		}
		// A contract: over its budget, then right.
		cf := url.Values{"provider_id": {fmt.Sprint(f.p1)}, "service_type": {"assistive_device"}, "year": {"2026"}, "orgunit": {"310114"},
			"budget": {"1000"}, "target_cases": {"5"}, "due_days": {"30"}, "target_satisfaction": {"4.5"},
			"ms-title-0": {"预付"}, "ms-amount-0": {"600"}, "ms-title-1": {"尾款"}, "ms-amount-1": {"600"}}
		st, body = e.Form("district", "/contracts", cf)
		if st != 422 || !strings.Contains(string(body), "超过了预算") {
			t.Fatalf("over budget: %d %s", st, body)
		}
		cf.Set("ms-amount-1", "400")
		if st, body := e.Form("district", "/contracts", cf); st != 303 {
			t.Fatalf("contract: %d %s", st, body)
		}
		// Assign a case from its page: the case page links to the form.
		device := f.newCase(t, f.in, "assistive_device")
		if st, body := get("town", fmt.Sprintf("/cases/%d", device)); st != 200 || !strings.Contains(body, fmt.Sprintf("/cases/%d/assign", device)) {
			t.Errorf("case page: %d, no link to assign", st)
		}
		if st, body := get("town", fmt.Sprintf("/cases/%d/assign", device)); st != 200 || !strings.Contains(body, "康健服务中心") {
			t.Errorf("assign form: %d", st)
		}
		if st, body := e.Form("town", fmt.Sprintf("/cases/%d/assign", device), url.Values{"contract_id": {fmt.Sprint(f.devices)}}); st != 303 {
			t.Fatalf("assign: %d %s", st, body)
		}
		// Reassigning asks for a reason.
		if st, body := e.Form("district", fmt.Sprintf("/cases/%d/assign", device), url.Values{"contract_id": {fmt.Sprint(f.devices2)}}); st != 422 || !strings.Contains(string(body), "改派时请填写原因") {
			t.Errorf("reassign without a reason: %d", st)
		}
		// The provider's inbox holds the case; the other provider's does not, and its page is 404.
		if st, body := get("provider", "/cases?show=open"); st != 200 || !strings.Contains(body, fmt.Sprintf("/cases/%d", device)) {
			t.Errorf("provider's inbox: %d", st)
		}
		if st, body := get("provider2", "/cases?show=open"); st != 200 || strings.Contains(body, fmt.Sprintf("/cases/%d\"", device)) {
			t.Errorf("other provider's inbox: %d", st)
		}
		if st, _ := get("provider2", fmt.Sprintf("/cases/%d", device)); st != 404 {
			t.Errorf("other provider's case page: %d, want 404", st)
		}
		if st, body := get("provider", fmt.Sprintf("/contracts/%d", f.devices)); st != 200 || !strings.Contains(body, "服务一") {
			t.Errorf("provider's contract page: %d", st)
		}
		if st, _ := get("provider", fmt.Sprintf("/contracts/%d", f.devices2)); st != 404 {
			t.Errorf("other provider's contract: %d, want 404", st)
		}
		if st, _ := get("provider", fmt.Sprintf("/providers/%d", f.p2)); st != 404 {
			t.Errorf("other provider's page: %d, want 404", st)
		}
		if st, body := get("provider", fmt.Sprintf("/providers/%d", f.p1)); st != 200 || !strings.Contains(body, "工作人员账户") {
			t.Errorf("own provider page: %d", st)
		}
		// Bulk: a case of another town is refused by name, nothing written.
		c2 := f.newCase(t, f.in, "assistive_device")
		c3 := f.newCase(t, f.in, "assistive_device")
		if st, body := get("town", "/providers/assign?type=assistive_device"); st != 200 || !strings.Contains(body, fmt.Sprintf(`value="%d"`, c2)) {
			t.Errorf("bulk page: %d", st)
		}
		st, body = e.Form("town", "/providers/assign", url.Values{"type": {"assistive_device"}, "contract_id": {fmt.Sprint(f.renovation)},
			"cases": {fmt.Sprint(c2), fmt.Sprint(c3)}})
		if st != 422 || !strings.Contains(string(body), "服务一（个案") {
			t.Errorf("bulk with the wrong contract: %d %s", st, body)
		}
		if st, body := e.Form("town", "/providers/assign", url.Values{"type": {"assistive_device"}, "contract_id": {fmt.Sprint(f.devices)},
			"cases": {fmt.Sprint(c2), fmt.Sprint(c3)}}); st != 303 {
			t.Fatalf("bulk: %d %s", st, body)
		}
		if st, body := get("district", fmt.Sprintf("/contracts/%d", f.devices)); st != 200 || strings.Count(body, "服务一") < 3 {
			t.Errorf("contract page: %d", st)
		}
		// Release a milestone from the page, twice.
		if st, body := e.Form("district", fmt.Sprintf("/contracts/%d/milestones/1/release", f.devices), nil); st != 303 {
			t.Fatalf("release: %d %s", st, body)
		}
		if st, body := e.Form("district", fmt.Sprintf("/contracts/%d/milestones/1/release", f.devices), nil); st != 409 || !strings.Contains(string(body), "已经拨付过了") {
			t.Errorf("release twice: %d", st)
		}
		var k providers.Contract
		if st := e.Do("district", "POST", fmt.Sprintf("/api/v1/contracts/%d/milestones/2/release", f.devices), map[string]any{}, &k); st != 200 || !k.Milestones[1].Released {
			t.Errorf("API release: %d %+v", st, k.Milestones)
		}
		if st := e.Do("district", "POST", fmt.Sprintf("/api/v1/contracts/%d/milestones/2/release", f.devices), map[string]any{}, nil); st != 409 {
			t.Errorf("API release twice: %d", st)
		}
		if st := e.Do("town", "POST", fmt.Sprintf("/api/v1/contracts/%d/milestones/2/release", f.devices2), map[string]any{}, nil); st != 403 {
			t.Errorf("town staff release: %d, want 403", st)
		}
		for _, path := range []string{"/contracts", "/contracts?year=2025", "/contracts/new", "/providers/new"} {
			if st, _ := get("district", path); st != 200 {
				t.Errorf("%s: %d", path, st)
			}
		}
	})
}
