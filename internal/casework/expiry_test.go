package casework_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// expiredPerson registers a person in the test village whose certificate
// was issued on issued.
func expiredPerson(t *testing.T, f *fx, n int, name, issued string) int64 {
	t.Helper()
	p, err := f.a.Registry.Create(context.Background(), registry.Caller{Scope: orgunit.ScopeOf("3")}, registry.PersonInput{Name: name,
		IDNumber: apptest.IDNumber("310114198001013" + strconv.Itoa(10+n)), Category: 4, Grade: 2, OrgUnit: village, CertificateIssued: issued})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// auditDetail is the detail of the latest audit entry of action on a subject.
func auditDetail(t *testing.T, f *fx, subject, id, action string) string {
	t.Helper()
	es, _, err := f.a.Audit.List(context.Background(), audit.Filter{SubjectType: subject, SubjectID: id, Action: action, Limit: 1})
	if err != nil || len(es) == 0 {
		t.Fatalf("no %s %s entry on %s %s: %v", action, subject, subject, id, err)
	}
	return es[0].Detail
}

// TestExpiredCertificate: opening a case for a person whose certificate has
// expired asks for a reason (assistive devices: kept on the case, its
// timeline and the audit entry), is refused (home renovation), or goes
// ahead (a correction of the record); a valid certificate needs nothing.
func TestExpiredCertificate(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d) // today is 2026-03-02
		expired := expiredPerson(t, f, 1, "过期", "2016-02-01")
		valid := expiredPerson(t, f, 2, "有效", "2016-03-02") // its last valid day

		_, err := f.a.Cases.Create(ctx, villageAsst, expired, "assistive_device", data(`{"need":"轮椅"}`))
		e, _ := apperr.As(err)
		if apperr.CodeOf(err) != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "certificate_override" || e.Fields[0].Code != "certificate_expired" ||
			!strings.Contains(e.Fields[0].Msg.Zh, "已过期 29 天") || !strings.Contains(e.Fields[0].Msg.En, "expired 29 days ago") {
			t.Fatalf("device case on an expired certificate without a reason: %v", err)
		}
		if _, err := f.a.Cases.Create(ctx, villageAsst, expired, "assistive_device", data(`{"need":"轮椅","certificate_override":"a\u0007b"}`)); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("a reason with a control character: %v", err)
		}
		cs, err := f.a.Cases.Create(ctx, villageAsst, expired, "assistive_device", data(`{"need":"轮椅","certificate_override":" 复评已预约，出行急需 "}`))
		if err != nil {
			t.Fatal(err)
		}
		if cs.Data["certificate_override"] != "复评已预约，出行急需" || cs.Timeline[0].Data["certificate_override"] != "复评已预约，出行急需" {
			t.Errorf("the reason is not on the case: %+v / %+v", cs.Data, cs.Timeline[0].Data)
		}
		if got := auditDetail(t, f, casework.SubjectCase, strconv.FormatInt(cs.ID, 10), audit.ActionCreate); !strings.Contains(got, `"override":true`) {
			t.Errorf("audit detail = %q", got)
		}
		// Refused: home renovation, whatever the reason.
		_, err = f.a.Cases.Create(ctx, townStaff, expired, "home_renovation", data(`{"need":"扶手","certificate_override":"急需"}`))
		if e, _ := apperr.As(err); apperr.CodeOf(err) != apperr.Conflict || !strings.Contains(e.Msg.Zh, "请先办理换证") || !strings.Contains(e.Msg.En, "renewed") {
			t.Fatalf("renovation on an expired certificate: %v", err)
		}
		// A correction of the record, and the renewal itself: no reason asked.
		if _, err := f.a.Cases.Create(ctx, villageAsst, expired, "record_correction", data(`{"need":"电话错了"}`)); err != nil {
			t.Fatalf("correction: %v", err)
		}
		// A valid certificate: nothing asked, a reason sent anyway is not kept.
		cs, err = f.a.Cases.Create(ctx, villageAsst, valid, "home_renovation", data(`{"need":"扶手","certificate_override":"无关"}`))
		if err != nil || cs.Data["certificate_override"] != nil {
			t.Fatalf("valid certificate: %+v, %v", cs.Data, err)
		}
		// The flag on the case's person, by name.
		labels, err := f.a.Registry.Labels(ctx, villageAsst, []int64{expired, valid}, "zh")
		if err != nil || labels[expired].CertFlag("zh") != "残疾证已过期 29 天" || labels[valid].CertFlag("en") != "Certificate expires today" {
			t.Fatalf("labels: %+v, %v", labels, err)
		}
		// A provider's worker sees the name, not the certificate.
		if l, err := f.a.Registry.Labels(ctx, f.provider, []int64{expired}, "zh"); err != nil || l[expired].CertFlag("zh") != "" {
			t.Fatalf("provider's label: %+v, %v", l, err)
		}
	})
}

// TestRenewal: the renewal task, from the village's booking to the new
// issue date in the person's record (audited); one at a time.
func TestRenewal(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d) // today is 2026-03-02
		id := expiredPerson(t, f, 3, "换证", "2016-01-15")
		cs, err := f.a.Cases.Create(ctx, villageAsst, id, casework.RenewalCode, data(`{"need":"到期换证"}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.a.Cases.Create(ctx, townStaff, id, casework.RenewalCode, nil); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("a second renewal: %v", err)
		}
		// It waits for the village assistant, who books the reassessment.
		if n, err := f.a.Cases.Count(ctx, villageAsst, casework.Filter{WaitingFor: identity.VillageAssistant, ServiceType: casework.RenewalCode}); err != nil || n != 1 {
			t.Fatalf("village's inbox: %d, %v", n, err)
		}
		if _, err := f.a.Cases.Act(ctx, villageAsst, cs.ID, "book", data(`{"assessment_date":"2026-03-20","assessment_place":"嘉定区残疾评定中心"}`), 0); err != nil {
			t.Fatal(err)
		}
		if _, err := f.a.Cases.Act(ctx, villageAsst, cs.ID, "issue", data(`{"issued_on":"2026-03-01"}`), 0); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("the village records the new certificate: %v", err)
		}
		for date, code := range map[string]string{"2026-03-03": "future", "2016-01-15": "not_after", "2026-02-30": "invalid"} {
			_, err := f.a.Cases.Act(ctx, townStaff, cs.ID, "issue", data(`{"issued_on":"`+date+`"}`), 0)
			if e, _ := apperr.As(err); err == nil || len(e.Fields) == 0 || e.Fields[0].Field != "issued_on" || e.Fields[0].Code != code {
				t.Errorf("issued on %s: %v", date, err)
			}
		}
		if _, err := f.a.Cases.Act(ctx, townStaff, cs.ID, "issue", data(`{"issued_on":"2026-02-27"}`), 0); err != nil {
			t.Fatal(err)
		}
		// Corrected before the record is updated.
		if _, err := f.a.Cases.Act(ctx, townStaff, cs.ID, "issue", data(`{"issued_on":"2026-02-28"}`), 0); err != nil {
			t.Fatal(err)
		}
		p, _ := f.a.Registry.Get(ctx, townStaff, id)
		if p.CertificateIssued != "2016-01-15" {
			t.Fatalf("the record changed before the step that updates it: %s", p.CertificateIssued)
		}
		done, err := f.a.Cases.Act(ctx, townStaff, cs.ID, "record", nil, 0)
		if err != nil || done.State != "done" || done.ClosedAt == nil {
			t.Fatalf("record: %+v, %v", done, err)
		}
		p, _ = f.a.Registry.Get(ctx, townStaff, id)
		if p.CertificateIssued != "2026-02-28" || p.CertExpired() || p.CertFlag("zh") != "" || p.CertificateExpires != "2036-02-28" {
			t.Fatalf("after renewal: issued %s, expires %s, flag %q", p.CertificateIssued, p.CertificateExpires, p.CertFlag("zh"))
		}
		if got := auditDetail(t, f, registry.SubjectPerson, strconv.FormatInt(id, 10), audit.ActionUpdate); !strings.Contains(got, "certificate_issued") ||
			!strings.Contains(got, "case "+strconv.FormatInt(cs.ID, 10)) {
			t.Errorf("person's audit detail = %q", got)
		}
		// Done: a new renewal may start again later.
		if _, err := f.a.Cases.Create(ctx, townStaff, id, casework.RenewalCode, nil); err != nil {
			t.Fatalf("a renewal after the last one closed: %v", err)
		}
	})
}

// TestExpiredCertificateAPI: the API's side of it: the service types say
// their rule; a person's list filters expired certificates; opening a case
// through the API goes ahead (201, CONTRACT.md), audited as on an expired
// certificate, with data.certificate_override kept when given; the renewal page's
// button opens the renewal, and then shows the one under way.
func TestExpiredCertificateAPI(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		// 测试1's certificate was issued eleven years ago.
		if st := e.Do("district", "PATCH", fmt.Sprintf("/api/v1/persons/%d", e.In), map[string]any{"version": e.Version(e.In), "certificate_issued": "2015-11-01"}, nil); st != 200 {
			t.Fatalf("patch: %d", st)
		}
		var types struct {
			Items []struct {
				Code               string
				ExpiredCertificate string `json:"expired_certificate"`
			}
		}
		if st := e.Do("village", "GET", "/api/v1/service-types", nil, &types); st != 200 {
			t.Fatalf("service types: %d", st)
		}
		rules := map[string]string{}
		for _, it := range types.Items {
			rules[it.Code] = it.ExpiredCertificate
		}
		if rules["assistive_device"] != "warn" || rules["home_renovation"] != "refuse" || rules[casework.RenewalCode] != "allow" || rules["record_correction"] != "allow" {
			t.Errorf("rules = %v", rules)
		}
		// The person sees it on their own page, and whom to ask.
		if st, raw := e.DoRaw("person", "GET", "/me", nil, nil, nil); st != 200 || !strings.Contains(string(raw), "残疾证已过期") || !strings.Contains(string(raw), "预约复评") {
			t.Errorf("/me: %d, no flag", st)
		}
		// The home pages count it, and the district's and town's name the unit.
		for user, want := range map[string]string{"district": "南翔镇", "town": "永新村"} {
			st, raw := e.DoRaw(user, "GET", "/", nil, nil, nil)
			home := string(raw)
			if st != 200 || !strings.Contains(home, `href="/persons?status=active&amp;expired=1"><span class="count">1</span>`) ||
				!strings.Contains(home, `<th scope="row">`+want+`</th>`) {
				t.Errorf("%s's home page: %d, no count of 1 expired certificate or no row for %s", user, st, want)
			}
		}
		var list struct{ Total int }
		if st := e.Do("village", "GET", "/api/v1/persons?expired=1", nil, &list); st != 200 || list.Total != 1 {
			t.Errorf("expired list: %d, total %d", st, list.Total)
		}
		if st := e.Do("village", "GET", "/api/v1/persons?cert=nonsense", nil, nil); st != 422 {
			t.Errorf("a bad certificate filter: %d", st)
		}
		open := func(typ string, data map[string]any, lang string) (int, string) {
			st, raw := e.DoRaw("village", "POST", "/api/v1/cases", map[string]any{"person_id": e.In, "service_type": typ, "data": data}, nil,
				http.Header{"Accept-Language": {lang}})
			return st, string(raw)
		}
		// CONTRACT.md's POST /api/v1/cases answers 201 as before: an API
		// client is neither refused nor asked for a reason (the forms are);
		// the audit entry says the certificate had expired, and whether a
		// reason was given, which is kept.
		auditOf := func(body string) string {
			var cs struct{ ID int64 }
			if err := json.Unmarshal([]byte(body), &cs); err != nil {
				t.Fatal(err)
			}
			var detail string
			if err := d.QueryRow(context.Background(), `SELECT detail FROM audit_log WHERE subject_type = 'case' AND subject_id = ? AND action = 'create'`, fmt.Sprint(cs.ID)).Scan(&detail); err != nil {
				t.Fatal(err)
			}
			return detail
		}
		if st, body := open("assistive_device", map[string]any{"need": "轮椅"}, "en"); st != 201 || auditOf(body) != `{"certificate":"expired","override":false}` {
			t.Errorf("device without a reason: %d %s", st, body)
		}
		if st, body := open("home_renovation", map[string]any{"need": "扶手", "certificate_override": "急"}, "zh-CN"); st != 201 || auditOf(body) != `{"certificate":"expired","override":true}` {
			t.Errorf("renovation: %d %s", st, body)
		}
		if st, body := open("assistive_device", map[string]any{"need": "轮椅", "certificate_override": "复评已预约"}, "zh-CN"); st != 201 || !strings.Contains(body, `"certificate_override":"复评已预约"`) {
			t.Errorf("device with a reason: %d %s", st, body)
		}
		if st, _ := open("assistive_device", map[string]any{"need": "轮椅", "certificate_override": "a\u0007b"}, "zh-CN"); st != 422 {
			t.Errorf("a reason with a control character: %d", st)
		}
		// The button on the person page: the renewal, then the same one again.
		c := &http.Client{CheckRedirect: apptest.NoRedirect}
		post := func() string {
			req, _ := http.NewRequest("POST", e.Srv.URL+"/cases/renew", strings.NewReader(url.Values{"person_id": {fmt.Sprint(e.In)}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+e.Tokens["village"])
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 303 {
				t.Fatalf("renew: %d", resp.StatusCode)
			}
			return resp.Header.Get("Location")
		}
		first, again := post(), post()
		if !strings.HasPrefix(first, "/cases/") || first != again {
			t.Errorf("renew: %s, then %s", first, again)
		}
	})
}
