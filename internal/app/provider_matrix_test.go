package app_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/attachments"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/platform/web"
	"sunshine/internal/providers"
	"sunshine/internal/registry"
)

// fullID is a full ID number (18 characters) standing alone in an answer.
var fullID = regexp.MustCompile(`(^|[^0-9])[0-9]{17}[0-9Xx]([^0-9]|$)`)

// TestProviderMatrix is the permission matrix of the provider role over
// assigned and unassigned cases (issue 16): two provider organisations with
// a contract per service type each; A's cases (person 测试1) are assigned
// to the first (the provider user's), B's (another person of the same
// village) to the second. Every route of the app the provider role may call
// — taken from the router, so that a new route is covered as it comes — is
// called with A's ids and with B's in its path: A's answer 200 (a GET) or
// anything but 404 and 5xx (a POST with a body it refuses), B's answer 404.
// Every route without an id is called too, with B's person and cases in its
// query; no answer to the provider anywhere names B's person or holds a
// full ID number. A provider account without an organisation sees nothing.
func TestProviderMatrix(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.App
		ctx := context.Background()
		const nameB = "林乙乙"
		orgA, orgB := e.ProviderOrg, apptest.ProviderOrg(t, a, 2)
		personA, personB := e.In, apptest.Person(t, a, 50, nameB, apptest.Village, 4, 2)
		district := apptest.Caller(identity.DistrictStaff, "310114")
		town := apptest.Caller(identity.TownStaff, "310114102")
		today := d.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
		dp := e.Int64(`SELECT id FROM service_points WHERE orgunit = ?`, "310114")
		sub := e.Int64(`SELECT id FROM rehab_centres WHERE orgunit = ?`, "310114102")
		if _, err := a.Devices.Move(ctx, district.Scope, district.Actor, dp, "12 22 03", 5, "入库"); err != nil {
			t.Fatal(err)
		}
		step := func(who access.Caller, id int64, action, data string) {
			t.Helper()
			if _, err := a.Cases.Act(ctx, who, id, action, apptest.Data(data), 0); err != nil {
				t.Fatalf("%s case %d: %v", action, id, err)
			}
		}
		// Each person: a wheelchair on loan, a rehabilitation plan at the
		// town's sub-centre with a session today, a renovation and an
		// employment case; each case under its organisation's contract.
		cases := map[int64][]int64{}
		for _, pc := range []struct{ person, org int64 }{{personA, orgA}, {personB, orgB}} {
			open := func(typ, data string) int64 {
				t.Helper()
				cs, err := a.Cases.Create(ctx, district, pc.person, typ, apptest.Data(data))
				if err != nil {
					t.Fatal(err)
				}
				apptest.Assign(t, a, pc.org, cs.ID)
				cases[pc.person] = append(cases[pc.person], cs.ID)
				return cs.ID
			}
			dev := open("assistive_device", `{"need":"轮椅"}`)
			step(town, dev, "assess", `{"items":[{"code":"12 22 03"}]}`)
			step(district, dev, "approve", `{}`)
			step(district, dev, "dispense", fmt.Sprintf(`{"service_point":%d}`, dp))
			rh := open("rehabilitation", `{"reason":"中风后康复"}`)
			step(district, rh, "assess", `{"service":"physical","sessions":6}`)
			step(town, rh, "schedule", fmt.Sprintf(`{"centre":%d,"start":%q,"per_week":2}`, sub, today))
			step(town, rh, "session", fmt.Sprintf(`{"date":%q,"attended":true}`, today))
			open("home_renovation", `{"need":"卫生间扶手"}`)
			open("employment", `{"need":"想做文员"}`)
		}
		contractOf := func(org int64) int64 {
			return apptest.Contract(t, a, org, "assistive_device", "310114")
		}
		// A micro-charity proposal of each organisation (its workers see
		// their own only).
		proposalOf := map[int64]int64{}
		for _, org := range []int64{orgA, orgB} {
			mp, err := a.Providers.ProposeMicro(ctx, apptest.ProviderCaller(org, "310114"), providers.MicroInput{Title: fmt.Sprintf("助残微公益 %d", org),
				Summary: "为残疾人提供上门理发服务。", Towns: []string{"310114102"}, Budget: 500000, Beneficiaries: 30})
			if err != nil {
				t.Fatal(err)
			}
			proposalOf[org] = mp.ID
		}

		// What a provider's answer may never hold.
		leak := func(what string, raw []byte) {
			t.Helper()
			if strings.Contains(string(raw), nameB) {
				t.Errorf("%s: the provider's answer names %s, whose cases are another organisation's", what, nameB)
			}
			if m := fullID.Find(raw); m != nil {
				t.Errorf("%s: the provider's answer holds a full ID number %q", what, m)
			}
		}
		version := func(id int64) string { return fmt.Sprint(e.Int64(`SELECT version FROM cases WHERE id = ?`, id)) }
		call := func(method, path string, caseID int64) (int, []byte) {
			t.Helper()
			switch {
			case method == "GET":
				return e.DoRaw("provider", "GET", path, nil, nil, nil)
			case strings.HasPrefix(path, "/api/"):
				return e.DoRaw("provider", method, path, map[string]any{"action": "nonsense"}, nil, nil)
			default: // a page's form: an action it does not take
				form := url.Values{"action": {"nonsense"}, "centre": {fmt.Sprint(sub)}, "date": {today}}
				if caseID != 0 {
					form.Set("version", version(caseID))
				}
				for _, id := range cases[personB] {
					form.Add("present", fmt.Sprint(id))
				}
				return e.Form("provider", path, form)
			}
		}

		var routes []web.Route
		for _, rt := range a.Router().Routes() {
			if !rt.Access.Public && (len(rt.Access.Roles) == 0 || slices.Contains(rt.Access.Roles, identity.Provider)) {
				routes = append(routes, rt)
			}
		}
		if len(routes) < 10 {
			t.Fatalf("the provider may call %d routes", len(routes))
		}
		param := regexp.MustCompile(`([a-z-]+)/\{([a-z_]+)\}`)
		byID := 0
		var attA, attB int64 // an attachment of a case of A's and of B's, made when a route first needs them
		for _, rt := range routes {
			method, path, _ := strings.Cut(rt.Pattern, " ")
			path = strings.TrimSuffix(path, "{$}")
			ps := param.FindAllStringSubmatch(path, -1)
			if len(ps) == 0 {
				if method != "GET" && (strings.Contains(path, "session") || strings.Contains(path, "logout")) {
					continue // signs the provider out: its own data only
				}
				if method != "GET" && !strings.HasPrefix(path, "/rehab/") {
					continue // the account's own settings (two-step verification)
				}
				// Without an id: plain, then with B's person, centre and point in the query.
				for _, q := range []string{"", fmt.Sprintf("?person_id=%d&centre=%d&service_point=%d&date=%s&from=%s&show=open", personB, sub, dp, today, today)} {
					st, raw := call(method, path+q, 0)
					if st >= 500 {
						t.Errorf("%s%s: %d", rt.Pattern, q, st)
					}
					leak(rt.Pattern+q, raw)
				}
				continue
			}
			// A printable document of a record: the record's id, and the kind
			// (A's cases may not be ready for it: 409, or 404 for a case of
			// another service type; B's are 404 like every record of B).
			doc := len(ps) == 2 && ps[1][2] == "doc"
			if doc {
				path, ps = strings.Replace(path, "{doc}", "handover.pdf", 1), ps[:1]
			}
			if len(ps) > 1 {
				t.Errorf("%s: more than one path parameter: teach this test to fill them", rt.Pattern)
				continue
			}
			// ids is what fills the path parameter for A and for B; open
			// says whether B's id answers too (not personal: a centre).
			var idsA, idsB []int64
			open := false
			switch ps[0][1] + "/" + ps[0][2] {
			case "cases/id":
				idsA, idsB = cases[personA], cases[personB]
			case "persons/id":
				idsA, idsB = []int64{personA}, []int64{personB}
			case "providers/id":
				idsA, idsB = []int64{orgA}, []int64{orgB}
			case "contracts/id":
				idsA, idsB = []int64{contractOf(orgA)}, []int64{contractOf(orgB)}
			case "micro-projects/id":
				idsA, idsB = []int64{proposalOf[orgA]}, []int64{proposalOf[orgB]}
			case "centres/id":
				idsA, idsB, open = []int64{sub}, []int64{sub}, true
			case "attachments/id":
				if attA == 0 {
					attA, attB = attachmentOn(t, a, cases[personA][0]), attachmentOn(t, a, cases[personB][0])
				}
				idsA, idsB = []int64{attA}, []int64{attB}
			case "notifications/id": // the provider's own, and another user's
				idsA, idsB = []int64{notificationOf(t, e.Env, "provider")}, []int64{notificationOf(t, e.Env, "district")}
			default:
				t.Errorf("%s: a path parameter %s this test cannot fill: add it", rt.Pattern, ps[0][0])
				continue
			}
			byID++
			t.Logf("%s: A's %v, B's %v", rt.Pattern, idsA, idsB)
			fill := func(id int64) string { return strings.Replace(path, "{"+ps[0][2]+"}", fmt.Sprint(id), 1) }
			caseOf := func(id int64) int64 {
				if ps[0][1] == "cases" {
					return id
				}
				return 0
			}
			for _, id := range idsA {
				st, raw := call(method, fill(id), caseOf(id))
				switch {
				case doc && (st == 200 || st == 404 || st == 409):
				case method == "GET" && st != 200:
					t.Errorf("%s with A's id %d: %d, want 200: %.300s", rt.Pattern, id, st, raw)
				case st == 404 || st >= 500:
					t.Errorf("%s with A's id %d: %d, want its answer (or a refusal of the body), not 404: %.300s", rt.Pattern, id, st, raw)
				}
				leak(rt.Pattern+" (A)", raw)
			}
			for _, id := range idsB {
				st, raw := call(method, fill(id), caseOf(id))
				if !open && st != 404 {
					t.Errorf("%s with B's id %d: %d, want 404: %.300s", rt.Pattern, id, st, raw)
				}
				if st >= 500 {
					t.Errorf("%s with B's id %d: %d", rt.Pattern, id, st)
				}
				leak(rt.Pattern+" (B)", raw)
			}
		}
		if byID < 5 {
			t.Errorf("only %d of the provider's routes take an id", byID)
		}
		// The posts above changed nothing of B's cases.
		for _, id := range cases[personB] {
			cs, err := a.Cases.Peek(ctx, district, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range cs.Timeline {
				if ev.Role == identity.Provider {
					t.Errorf("case %d of B: the provider took %s", id, ev.Action)
				}
			}
		}

		// What the provider's lists hold: A's, never B's.
		var list struct {
			Items []struct {
				ID       int64 `json:"id"`
				PersonID int64 `json:"person_id"`
			}
			Total int
		}
		if st := e.Do("provider", "GET", "/api/v1/cases?limit=100", nil, &list); st != 200 || list.Total != len(cases[personA]) {
			t.Errorf("the provider's cases: %d, %d listed, want %d", st, list.Total, len(cases[personA]))
		}
		for _, it := range list.Items {
			if it.PersonID != personA {
				t.Errorf("the provider lists case %d of person %d", it.ID, it.PersonID)
			}
		}
		var loans struct {
			Items []struct {
				CaseID int64 `json:"case_id"`
			}
		}
		if st := e.Do("provider", "GET", fmt.Sprintf("/api/v1/devices/loans?person_id=%d", personA), nil, &loans); st != 200 || len(loans.Items) != 1 {
			t.Errorf("A's loan card for the provider: %d, %d loans, want 1", st, len(loans.Items))
		}
		if st := e.Do("provider", "GET", fmt.Sprintf("/api/v1/devices/loans?person_id=%d", personB), nil, &loans); st != 200 || len(loans.Items) != 0 {
			t.Errorf("B's loan card for the provider: %d, %d loans, want none", st, len(loans.Items))
		}
		if st, raw := e.DoRaw("provider", "GET", fmt.Sprintf("/rehab/schedule?centre=%d&from=%s", sub, today), nil, nil, nil); st != 200 || !strings.Contains(string(raw), "测试1") {
			t.Errorf("the provider's schedule: %d, without 测试1, whose plan is its organisation's", st)
		}

		// The stores: the registry finds the persons of the provider's
		// cases only, with the minimum data.
		prov := apptest.ProviderCaller(orgA, "310114")
		ps, total, _, err := a.Registry.List(ctx, prov, registry.Filter{Limit: 50})
		if err != nil || total != 1 || len(ps) != 1 || ps[0].ID != personA {
			t.Errorf("the provider's persons: %d, %v", total, err)
		}
		if ps, total, _, err := a.Registry.List(ctx, prov, registry.Filter{Q: nameB, Limit: 50}); err != nil || total != 0 || len(ps) != 0 {
			t.Errorf("the provider finds %s by name: %d, %v", nameB, total, err)
		}
		if _, err := a.Registry.Get(ctx, prov, personB); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("the provider reads B's person: %v", err)
		}
		labels, err := a.Registry.Labels(ctx, prov, []int64{personA, personB}, "zh")
		if l, ok := labels[personA]; err != nil || len(labels) != 1 || !ok || l.IDMasked != "" || l.Cert != (registry.CertState{}) {
			t.Errorf("the provider's labels: %+v %v", labels, err)
		}

		// A provider account without an organisation sees no case and no person.
		none := apptest.ProviderCaller(0, "310114")
		if cs, total, _, err := a.Cases.List(ctx, none, casework.Filter{Limit: 50}); err != nil || total != 0 || len(cs) != 0 {
			t.Errorf("a provider without an organisation lists %d cases: %v", total, err)
		}
		for _, id := range append(slices.Clone(cases[personA]), cases[personB]...) {
			if _, err := a.Cases.Get(ctx, none, id); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("a provider without an organisation reads case %d: %v", id, err)
			}
		}
		if _, total, _, err := a.Registry.List(ctx, none, registry.Filter{Limit: 50}); err != nil || total != 0 {
			t.Errorf("a provider without an organisation lists %d persons: %v", total, err)
		}
		if l, err := a.Registry.Labels(ctx, none, []int64{personA, personB}, "zh"); err != nil || len(l) != 0 {
			t.Errorf("a provider without an organisation names %v: %v", l, err)
		}
		if l, err := a.Devices.Loans(ctx, none, personA, "zh"); err != nil || len(l) != 0 {
			t.Errorf("a provider without an organisation reads a loan card: %v %v", l, err)
		}
		monday, _ := time.Parse(time.DateOnly, today)
		if s, err := a.Rehab.ScheduleOf(ctx, none, sub, monday, 1); err != nil || len(s.Weeks[0].Bookings) != 0 || len(s.Weeks[0].Sessions) != 0 {
			t.Errorf("a provider without an organisation reads the schedule: %+v %v", s.Weeks, err)
		}
		if ro, err := a.Rehab.RosterOf(ctx, none, sub, monday, "zh"); err != nil || len(ro.Rows) != 0 {
			t.Errorf("a provider without an organisation reads the session day: %+v %v", ro.Rows, err)
		}
		if v, err := a.Cases.Volumes(ctx, none, monday.AddDate(-1, 0, 0), monday.AddDate(0, 0, 1), "zh"); err != nil || len(v) != 0 {
			t.Errorf("a provider without an organisation counts cases: %+v %v", v, err)
		}
	})
}

// attachmentOn attaches a new photo (a quote) to a case, as district staff.
func attachmentOn(t *testing.T, a *app.App, caseID int64) int64 {
	t.Helper()
	at, err := a.Attachments.Upload(context.Background(), apptest.Caller(identity.DistrictStaff, "310114"), attachments.Target{CaseID: caseID}, "quote", smallJPEG(t, caseID))
	if err != nil {
		t.Fatal(err)
	}
	return at.ID
}

// smallJPEG is an 8×8 photo, different for each seed.
func smallJPEG(t *testing.T, seed int64) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(0, 0, color.RGBA{R: uint8(seed), G: uint8(seed >> 8), A: 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// notificationOf makes a notification of a user and returns its id.
func notificationOf(t *testing.T, e *apptest.Env, user string) int64 {
	t.Helper()
	var id int64
	err := e.App.DB.InTx(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), `INSERT INTO notifications (user_id, dedupe, kind, params, created_at)
			VALUES ((SELECT id FROM users WHERE username = ?), ?, 'cert_90', '{}', 0) RETURNING id`, user, fmt.Sprintf("provider matrix|%s|%d", user, time.Now().UnixNano())).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
