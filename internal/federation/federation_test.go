package federation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/federation"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/signedreq"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// install is one district's installation in a test: its own database (of
// the engine of the test), its own data key, its own server on the loopback.
type install struct {
	t        testing.TB
	District string
	App      *app.App
	Srv      *httptest.Server
	Staff    string // district staff's token
	Names    []string
	IDs      []string
	Phones   []string
}

func freshDB(t testing.TB, like *db.DB) *db.DB {
	if like.Dialect == db.Postgres {
		return testkit.Postgres(t)
	}
	return testkit.SQLite(t)
}

var start = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

// newInstall starts the installation of district with n persons in one
// village, of whom employed have an annual record saying employed (and the
// others one saying unemployed), a district staff account "staff" and a
// peer account "peer_CODE" for each partner.
func newInstall(t testing.TB, d *db.DB, district, town string, n, employed int, partners ...string) *install {
	t.Helper()
	ctx := context.Background()
	d.Clock = testkit.Clock(start)
	cfg := app.Config{KeyFile: filepath.Join(t.TempDir(), "key"), PasswordHash: apptest.HashCost(), District: district}
	a, err := app.New(ctx, d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	in := &install{t: t, District: district, App: a, Srv: srv}
	village := town + "201"
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		return orgunit.InsertTx(ctx, tx, orgunit.Unit{Code: village, Name: "测试村" + district, Level: 4, Parent: town, Demo: true})
	}); err != nil {
		t.Fatal(err)
	}
	sys := registry.Caller{Scope: orgunit.ScopeOf(district)}
	for i := range n {
		id := apptest.IDNumber(fmt.Sprintf("%s1975%02d01%03d", district, 1+i%12, 100+i))
		name := fmt.Sprintf("居民%s甲%d", district[4:], i)
		phone := fmt.Sprintf("1391234%04d", 1000+i)
		p, err := a.Registry.Create(ctx, sys, registry.PersonInput{Name: name, IDNumber: id, Category: 1 + i%6, Grade: 1 + i%4, OrgUnit: village, Phone: phone})
		if err != nil {
			t.Fatal(err)
		}
		emp := "unemployed"
		if i < employed {
			emp = "employed"
		}
		if _, _, err := a.Registry.PutAnnual(ctx, sys, p.ID, registry.Annual{Year: start.Year(), Employment: emp}); err != nil {
			t.Fatal(err)
		}
		in.Names, in.IDs, in.Phones = append(in.Names, name), append(in.IDs, id), append(in.Phones, phone)
	}
	users := []identity.User{{Username: "staff", Role: identity.DistrictStaff, OrgUnit: district}}
	for _, p := range partners {
		users = append(users, identity.User{Username: "peer_" + p, Role: identity.Peer, OrgUnit: p})
	}
	for _, u := range users {
		if _, err := a.Users.Create(ctx, u, apptest.Password, nil); err != nil {
			t.Fatal(err)
		}
	}
	in.Staff = in.login("staff")
	return in
}

func (in *install) login(user string) string {
	in.t.Helper()
	var out struct{ Token string }
	if st, body := in.do("", "POST", "/api/v1/session", map[string]string{"username": user, "password": apptest.Password}, &out); st != 200 {
		in.t.Fatalf("login %s: %d %s", user, st, body)
	}
	return out.Token
}

func (in *install) do(token, method, path string, body, out any) (int, []byte) {
	in.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, in.Srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			in.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, raw
}

// pair makes caller a partner of callee: callee issues a key to its peer
// account for caller's district, and caller registers it.
func pair(t *testing.T, caller, callee *install, name string) {
	t.Helper()
	ctx := context.Background()
	tok, _, err := callee.App.Federation.Store.Issue(ctx, federation.Actor{Username: "test"}, "peer_"+caller.District)
	if err != nil {
		t.Fatal(err)
	}
	if _, created, err := caller.App.Federation.Store.AddPeer(ctx, federation.Actor{Username: "test"},
		federation.PeerInput{Name: name, URL: callee.Srv.URL, Token: tok.String()}); err != nil || !created {
		t.Fatalf("add peer %s: %v", name, err)
	}
}

func figures(t *testing.T, in *install, year int) federation.Figures {
	t.Helper()
	var f federation.Figures
	if st, raw := in.do(in.Staff, "GET", fmt.Sprintf("/api/v1/indicators?orgunit=%s&year=%d", in.District, year), nil, &f); st != 200 {
		t.Fatalf("%s indicators: %d %s", in.District, st, raw)
	}
	return f
}

func get(items []federation.Figure, code string) federation.Figure {
	for _, f := range items {
		if f.Code == code {
			return f
		}
	}
	return federation.Figure{}
}

func n(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// TestThreeInstallations starts Jiading, Kunshan and Taicang (three
// databases, three servers on the loopback), pairs them, and checks that
// Jiading's federation figures list every district as it reports itself,
// with a total that is their sum; that with Taicang stopped it is listed
// as not answering (its cached figures beside it, out of the total) while
// the rest still render; and that a partner's answers carry nothing
// personal.
func TestThreeInstallations(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		jd := newInstall(t, d, "310114", "310114102", 12, 7, "320583", "320585")
		ks := newInstall(t, freshDB(t, d), "320583", "320583100", 11, 6, "310114", "320585")
		tc := newInstall(t, freshDB(t, d), "320585", "320585100", 15, 5, "310114", "320583")
		all := []*install{jd, ks, tc}
		names := map[string]string{"310114": "嘉定区残联", "320583": "昆山市残联", "320585": "太仓市残联"}
		for _, a := range all {
			for _, b := range all {
				if a != b {
					pair(t, a, b, names[b.District])
				}
			}
		}
		// Kunshan's cases: 6 device requests (shown), 2 renovation requests (a small count: not shown).
		kc := access.Caller{Actor: audit.Actor{Username: "test", Role: identity.DistrictStaff}, Scope: orgunit.ScopeOf("320583")}
		var kids []int64
		if err := ks.App.DB.QueryRow(context.Background(), `SELECT count(*) FROM persons`).Scan(new(int)); err != nil {
			t.Fatal(err)
		}
		rows, err := ks.App.DB.Query(context.Background(), `SELECT id FROM persons ORDER BY id LIMIT 8`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			kids = append(kids, id)
		}
		rows.Close()
		for i, id := range kids {
			typ := "assistive_device"
			if i >= 6 {
				typ = "home_renovation"
			}
			if _, err := ks.App.Cases.Create(context.Background(), kc, id, typ, map[string]any{}); err != nil {
				t.Fatalf("case %s: %v", typ, err)
			}
		}
		year := start.Year()
		own := map[string]federation.Figures{}
		for _, in := range all {
			own[in.District] = figures(t, in, year)
		}
		var o federation.Overview
		if st, raw := jd.do(jd.Staff, "GET", fmt.Sprintf("/api/v1/federation/indicators?year=%d", year), nil, &o); st != 200 {
			t.Fatalf("federation indicators: %d %s", st, raw)
		}
		if len(o.Items) != 3 || o.Items[0].District != "310114" || o.Year != year {
			t.Fatalf("entries: %+v", o.Items)
		}
		for _, e := range o.Items {
			if e.Error != "" {
				t.Fatalf("%s did not answer: %s", e.District, e.Error)
			}
			// Each entry is what the district reports itself (small cells
			// aside: a partner sees its figures suppressed as a peer).
			for _, f := range own[e.District].Items {
				g := get(e.Items, f.Code)
				if g.Code == "" {
					t.Errorf("%s: %s missing", e.District, f.Code)
					continue
				}
				if !g.Suppressed && (n(g.Numerator) != n(f.Numerator) || n(g.Denominator) != n(f.Denominator)) {
					t.Errorf("%s %s: federation %v/%v, own %v/%v", e.District, f.Code, n(g.Numerator), n(g.Denominator), n(f.Numerator), n(f.Denominator))
				}
			}
		}
		// The total is the sum of the three districts' own figures.
		emp := get(o.Total, "employment_rate")
		var wantNum, wantDen int64
		for _, in := range all {
			f := get(own[in.District].Items, "employment_rate")
			wantNum, wantDen = wantNum+n(f.Numerator), wantDen+n(f.Denominator)
		}
		if wantDen == 0 || n(emp.Numerator) != wantNum || n(emp.Denominator) != wantDen || emp.Partial {
			t.Fatalf("total employment_rate %v/%v partial %v, want %d/%d", n(emp.Numerator), n(emp.Denominator), emp.Partial, wantNum, wantDen)
		}
		for _, f := range o.Total {
			var sum int64
			for _, in := range all {
				sum += n(get(own[in.District].Items, f.Code).Numerator)
			}
			if !f.Partial && n(f.Numerator) != sum {
				t.Errorf("total %s: %d, want %d", f.Code, n(f.Numerator), sum)
			}
		}

		// Taicang stops: listed with an error (its cached figures beside
		// it), the total sums Jiading and Kunshan, in a bounded time.
		tc.Srv.Close()
		began := time.Now()
		o = federation.Overview{}
		if st, raw := jd.do(jd.Staff, "GET", fmt.Sprintf("/api/v1/federation/indicators?year=%d", year), nil, &o); st != 200 {
			t.Fatalf("federation indicators with Taicang down: %d %s", st, raw)
		}
		if took := time.Since(began); took > federation.Wait+2*time.Second {
			t.Errorf("the dashboard took %v with a partner down", took)
		}
		down := o.Items[2]
		if down.District != "320585" || down.Error == "" || !down.Cached || len(down.Items) == 0 {
			t.Fatalf("Taicang down: %+v", down)
		}
		emp = get(o.Total, "employment_rate")
		jf, kf := get(own["310114"].Items, "employment_rate"), get(own["320583"].Items, "employment_rate")
		if n(emp.Numerator) != n(jf.Numerator)+n(kf.Numerator) || n(emp.Denominator) != n(jf.Denominator)+n(kf.Denominator) {
			t.Fatalf("total without Taicang: %v/%v", n(emp.Numerator), n(emp.Denominator))
		}
		var sv federation.Services
		if st, raw := jd.do(jd.Staff, "GET", fmt.Sprintf("/api/v1/federation/services?year=%d", year), nil, &sv); st != 200 || len(sv.Items) != 3 ||
			sv.Items[1].Error != "" || sv.Items[2].Error == "" {
			t.Fatalf("services with Taicang down: %d %s", st, raw)
		}
		for _, v := range sv.Items[1].Items {
			switch v.ServiceType {
			case "assistive_device":
				if n(v.Opened) != 6 {
					t.Errorf("Kunshan's device requests: %+v", v)
				}
			case "home_renovation":
				if v.Opened != nil {
					t.Errorf("Kunshan's 2 renovation requests shown: %+v", v)
				}
			}
		}
		if len(sv.Items[1].Items) != 2 {
			t.Errorf("Kunshan's volumes: %+v", sv.Items[1].Items)
		}
		st, page := jd.do(jd.Staff, "GET", fmt.Sprintf("/federation?year=%d", year), nil, nil)
		if st != 200 || !strings.Contains(string(page), "太仓市残联") || !strings.Contains(string(page), "未响应") || !strings.Contains(string(page), "昆山市残联") {
			t.Fatalf("dashboard page with Taicang down: %d", st)
		}

		// Jiading's shared event: Kunshan sees it (a signed call), registers
		// two of its residents and marks one attended; Jiading's organiser
		// sees Kunshan's counts, and no names.
		sharedEventRound(t, jd, ks)

		// A person moves from Jiading to Kunshan, end to end.
		ref := moveOne(t, jd, ks)

		// What a partner reaches carries nothing personal: every route that
		// admits the peer role, called signed by Jiading on Kunshan.
		scanPeerAnswers(t, jd, ks, year, ref)
	})
}

// scanPeerAnswers calls, signed as caller, every GET route of callee that
// admits the peer role, and fails on a name, ID number or phone of
// callee's persons in an answer, or on a route it cannot call.
func scanPeerAnswers(t *testing.T, caller, callee *install, year int, ref string) {
	t.Helper()
	ctx := context.Background()
	paths := map[string]string{
		"GET /api/v1/indicators":                  fmt.Sprintf("/api/v1/indicators?orgunit=%s&year=%d", callee.District, year),
		"GET /api/v1/indicators/definitions":      "/api/v1/indicators/definitions",
		"GET /api/v1/indicators/trend":            fmt.Sprintf("/api/v1/indicators/trend?orgunit=%s", callee.District),
		"GET /api/v1/indicators/compare":          fmt.Sprintf("/api/v1/indicators/compare?orgunit=%s&year=%d", callee.District, year),
		"GET /api/v1/indicators/{code}/breakdown": fmt.Sprintf("/api/v1/indicators/employment_rate/breakdown?orgunit=%s&year=%d", callee.District, year),
		"GET /api/v1/federation/about":            "/api/v1/federation/about",
		"GET /api/v1/federation/volumes":          fmt.Sprintf("/api/v1/federation/volumes?year=%d", year),
		"GET /api/v1/session":                     "/api/v1/session",
		"GET /{$}":                                "/",
		"GET /api/v1/federation/events":           fmt.Sprintf("/api/v1/federation/events?year=%d", year),
		"GET /api/v1/federation/event-counts":     fmt.Sprintf("/api/v1/federation/event-counts?year=%d", year),
		"GET /api/v1/federation/transfers/{ref}":  "/api/v1/federation/transfers/" + ref,
	}
	// Pages are read as the peer account signed in with its password.
	peerToken := callee.login("peer_" + caller.District)
	for _, rt := range callee.App.Router().Routes() {
		if rt.Access.Public || !containsRole(rt.Access.Roles, identity.Peer) {
			continue
		}
		method, _, _ := strings.Cut(rt.Pattern, " ")
		if method != "GET" {
			if method != "DELETE" && method != "POST" {
				t.Errorf("the peer role reaches %s", rt.Pattern)
			}
			continue
		}
		path, ok := paths[rt.Pattern]
		if !ok {
			t.Errorf("no scan of %s, which admits the peer role: add it", rt.Pattern)
			continue
		}
		var raw json.RawMessage
		if !strings.HasPrefix(path, "/api/") {
			st, b := callee.do(peerToken, "GET", path, nil, nil)
			if st != 200 {
				t.Errorf("%s as the partner's account: %d", path, st)
			}
			raw = b
		} else if err := caller.App.Federation.Client.Get(ctx, callee.District, path, &raw); err != nil {
			t.Errorf("%s as the partner: %v", path, err)
			continue
		}
		for i := range callee.Names {
			secrets := []string{callee.Names[i], callee.IDs[i], callee.Phones[i]}
			if strings.HasPrefix(path, "/api/") {
				// A JSON value ending in the ID number's last 4 characters.
				secrets = append(secrets, callee.IDs[i][len(callee.IDs[i])-4:]+`"`)
			}
			for _, s := range secrets {
				if strings.Contains(string(raw), s) {
					t.Errorf("%s gave the partner %q: %s", path, s, raw)
				}
			}
		}
	}
}

func sharedEventRound(t *testing.T, org, partner *install) {
	t.Helper()
	ctx := context.Background()
	var ev struct{ ID int64 }
	date := start.Format("2006-01-02") // today: attendance is taken on the day
	if st, raw := org.do(org.Staff, "POST", "/api/v1/events", map[string]any{"title": "嘉昆太残疾人文化艺术节", "kind": "culture", "orgunit": org.District,
		"shared": true, "date": date}, &ev); st != 201 {
		t.Fatalf("shared event: %d %s", st, raw)
	}
	if st, page := partner.do(partner.Staff, "GET", "/events", nil, nil); st != 200 || !strings.Contains(string(page), "嘉昆太残疾人文化艺术节") {
		t.Fatalf("the partner's events page does not list the shared event: %d", st)
	}
	_, e, err := partner.App.Events.RemoteEvent(ctx, org.District, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := access.Caller{Actor: audit.Actor{Username: "staff", Role: identity.DistrictStaff}, Scope: orgunit.ScopeOf(partner.District)}
	rows, err := partner.App.DB.Query(ctx, `SELECT id FROM persons ORDER BY id LIMIT 2`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	for i, id := range ids {
		if err := partner.App.Events.PartnerRegister(ctx, c, org.District, e, id); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, err := partner.App.Events.PartnerAttend(ctx, c, org.District, e, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	var counts struct {
		Items []struct {
			District             string
			Registered, Attended int
			Error                string
		}
	}
	st, raw := org.do(org.Staff, "GET", fmt.Sprintf("/api/v1/events/%d/partner-counts", ev.ID), nil, &counts)
	if st != 200 {
		t.Fatalf("partner counts: %d %s", st, raw)
	}
	found := false
	for _, it := range counts.Items {
		if it.District == partner.District {
			found = it.Registered == 2 && it.Attended == 1 && it.Error == ""
		}
	}
	if !found || strings.Contains(string(raw), partner.Names[0]) || strings.Contains(string(raw), partner.Names[1]) {
		t.Fatalf("the organiser's counts: %s", raw)
	}
}

// moveOne moves Jiading's first person to Kunshan's test village through
// the API of both installations: Jiading issues the package, Kunshan takes
// it in and accepts the person into the village, Jiading completes the move
// (asking Kunshan, signed, whether it accepted) and the person is moved out
// there, registered here, with the package audited on both sides.
func moveOne(t *testing.T, from, to *install) string {
	t.Helper()
	ctx := context.Background()
	var id int64
	var name string
	if err := from.App.DB.QueryRow(ctx, `SELECT id, name FROM persons ORDER BY id LIMIT 1`).Scan(&id, &name); err != nil {
		t.Fatal(err)
	}
	var tr struct {
		Ref, State string
		Version    int
		PersonID   int64 `json:"person_id"`
	}
	if st, raw := from.do(from.Staff, "POST", fmt.Sprintf("/api/v1/persons/%d/transfers", id), map[string]string{"to": to.District, "reason": "搬家到昆山"}, &tr); st != 201 {
		t.Fatalf("issue: %d %s", st, raw)
	}
	ref := tr.Ref
	st, pkg := from.do(from.Staff, "GET", "/api/v1/transfers/"+ref+"/package", nil, nil)
	if st != 200 || strings.Contains(string(pkg), name) || strings.Contains(string(pkg), from.IDs[0]) {
		t.Fatalf("package: %d (the person must travel encrypted) %s", st, pkg)
	}
	if st, raw := to.do(to.Staff, "POST", "/api/v1/transfers", json.RawMessage(pkg), &tr); st != 201 || tr.State != "received" {
		t.Fatalf("receive: %d %s", st, raw)
	}
	if st, raw := to.do(to.Staff, "POST", "/api/v1/transfers/"+ref+"/accept", map[string]any{"orgunit": to.District + "100201", "version": tr.Version}, &tr); st != 200 || tr.State != "accepted" {
		t.Fatalf("accept: %d %s", st, raw)
	}
	var p struct{ Name, Status, OrgUnit string }
	if st, raw := to.do(to.Staff, "GET", fmt.Sprintf("/api/v1/persons/%d", tr.PersonID), nil, &p); st != 200 || p.Name != name || p.Status != "active" {
		t.Fatalf("the person at Kunshan: %d %s", st, raw)
	}
	// Accepted there: no longer cancelled here.
	if st, raw := from.do(from.Staff, "POST", "/api/v1/transfers/"+ref+"/cancel", map[string]string{"reason": "改变主意"}, nil); st != 409 || !strings.Contains(string(raw), "accepted") {
		t.Fatalf("cancel after acceptance: %d %s", st, raw)
	}
	if st, raw := from.do(from.Staff, "POST", "/api/v1/transfers/"+ref+"/complete", map[string]string{}, &tr); st != 200 || tr.State != "completed" {
		t.Fatalf("complete: %d %s", st, raw)
	}
	if st, raw := from.do(from.Staff, "GET", fmt.Sprintf("/api/v1/persons/%d", id), nil, &p); st != 200 || p.Status != "moved_out" {
		t.Fatalf("the person at Jiading: %d %s", st, raw)
	}
	for _, in := range []*install{from, to} {
		var n int
		if err := in.App.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE subject_id = ? OR detail LIKE ?`, ref, "%"+ref+"%").Scan(&n); err != nil || n < 2 {
			t.Errorf("%s: %d audit entries name the package %s (%v)", in.District, n, ref, err)
		}
	}
	return ref
}

func containsRole(roles []string, r string) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// TestSignedCalls: a replayed, an expired, a tampered, an unknown-key and a
// revoked-key call are refused; a peer's signed call reaches only the
// routes that admit the peer role.
func TestSignedCalls(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		jd := newInstall(t, d, "310114", "310114102", 3, 1, "320583")
		ks := newInstall(t, freshDB(t, d), "320583", "320583100", 3, 1, "310114")
		ctx := context.Background()
		tok, key, err := ks.App.Federation.Store.Issue(ctx, federation.Actor{Username: "test"}, "peer_310114")
		if err != nil {
			t.Fatal(err)
		}
		if key.District != "310114" || tok.District != "320583" {
			t.Fatalf("issued %+v, token of %s", key, tok.District)
		}
		send := func(path string, at time.Time, mutate func(*http.Request)) (int, string) {
			req, _ := http.NewRequest("GET", ks.Srv.URL+path, nil)
			if err := signedreq.Sign(req, tok.KeyID, tok.Secret, at); err != nil {
				t.Fatal(err)
			}
			if mutate != nil {
				mutate(req)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		now := ks.App.DB.Now()
		if st, b := send("/api/v1/federation/about", now, nil); st != 200 || !strings.Contains(b, `"district":"320583"`) {
			t.Fatalf("signed about: %d %s", st, b)
		}
		// Replayed: the same request twice.
		req, _ := http.NewRequest("GET", ks.Srv.URL+"/api/v1/federation/about", nil)
		_ = signedreq.Sign(req, tok.KeyID, tok.Secret, now)
		for i, want := range []int{200, 401} {
			resp, err := http.DefaultClient.Do(req.Clone(ctx))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("call %d of a replay: %d, want %d", i+1, resp.StatusCode, want)
			}
		}
		if st, b := send("/api/v1/federation/about", now.Add(-6*time.Minute), nil); st != 401 || !strings.Contains(b, "expired") && !strings.Contains(b, "过期") {
			t.Errorf("expired call: %d %s", st, b)
		}
		if st, _ := send("/api/v1/federation/about", now, func(r *http.Request) { r.URL.RawQuery = "year=2025" }); st != 401 {
			t.Errorf("tampered call: %d", st)
		}
		// Only reading: a signed DELETE of its own session is refused.
		req, _ = http.NewRequest("DELETE", ks.Srv.URL+"/api/v1/session", nil)
		_ = signedreq.Sign(req, tok.KeyID, tok.Secret, now)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
			t.Errorf("signed DELETE: %v %v", resp.StatusCode, err)
		}
		// A peer reaches only its routes: the registry is refused.
		if st, _ := send("/api/v1/persons", now, nil); st != 403 {
			t.Errorf("peer on /api/v1/persons: %d", st)
		}
		if st, _ := send("/notifications", now, nil); st != 403 {
			t.Errorf("peer on /notifications: %d", st)
		}
		if st, _ := send("/api/v1/federation/indicators", now, nil); st != 403 {
			t.Errorf("peer on the federation dashboard: %d", st)
		}
		// Out of its scope (another district's units): 404.
		if st, _ := send("/api/v1/indicators?orgunit=310114", now, nil); st != 404 {
			t.Errorf("peer on another district's indicators: %d", st)
		}
		// An unknown key, a body, a revoked key.
		other := federation.Token{District: "320583", KeyID: "0123456789abcdef", Secret: bytes.Repeat([]byte{7}, 32)}
		req, _ = http.NewRequest("GET", ks.Srv.URL+"/api/v1/federation/about", nil)
		_ = signedreq.Sign(req, other.KeyID, other.Secret, now)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
			t.Errorf("unknown key: %v %v", resp.StatusCode, err)
		}
		if err := ks.App.Federation.Store.RevokeKey(ctx, federation.Actor{Username: "test"}, tok.KeyID); err != nil {
			t.Fatal(err)
		}
		if st, _ := send("/api/v1/federation/about", now, nil); st != 401 {
			t.Errorf("revoked key: %d", st)
		}
		_ = jd
	})
}
