package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// cluster is several servers on one database, each its own app, and a
// client that sends each request to the server it is told (round and round).
type cluster struct {
	t       *testing.T
	servers []*apptest.Env
	client  *http.Client
}

// call sends a JSON request (body may be nil) with token to server i and
// returns the status and the body. It is safe in goroutines: a request that
// fails, or a 5xx, is reported with t.Errorf (status 0 when nothing came).
func (c *cluster) call(i int, token, method, path string, in any) (int, []byte) {
	var b *body
	if in != nil {
		b = ptr(jsonBody(in))
	}
	return c.send(i, token, method, path, b)
}

// send is call with a body of any content type.

func (c *cluster) send(i int, token, method, path string, b *body) (int, []byte) {
	srv := c.servers[i%len(c.servers)]
	var rd io.Reader
	if b != nil {
		rd = bytes.NewReader(b.data)
	}
	req, err := http.NewRequest(method, srv.Srv.URL+path, rd)
	if err != nil {
		c.t.Errorf("%s %s: %v", method, path, err)
		return 0, nil
	}
	if b != nil {
		req.Header.Set("Content-Type", b.ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Errorf("server %d: %s %s: %v", i%len(c.servers)+1, method, path, err)
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 {
		c.t.Errorf("server %d: %s %s: %d %s", i%len(c.servers)+1, method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, raw
}

// token is a fixture user's session token (signed in on the first server).
func (c *cluster) token(user string) string { return c.servers[0].Tokens[user] }

// decode decodes a JSON answer into v, reporting a failure.
func (c *cluster) decode(raw []byte, v any) bool {
	if err := json.Unmarshal(raw, v); err != nil {
		c.t.Errorf("decode %.200s: %v", raw, err)
		return false
	}
	return true
}

// tally counts answers by status, from several goroutines.
type tally struct {
	mu sync.Mutex
	n  map[int]int
}

func (t *tally) add(status int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = map[int]int{}
	}
	t.n[status]++
}

func (t *tally) of(status int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n[status]
}

// newCluster starts n servers at once on one new PostgreSQL schema, with one
// data key file, as a deployment runs them; the first adds apptest's fixture
// and signs its users in (apptest.NewEnv).
func newCluster(t *testing.T, n int) *cluster {
	t.Helper()
	dsn := testkit.PostgresSchemaDSN(t) // skipped without PostgreSQL, failed under CI
	ctx := context.Background()
	cfg := apptest.Config(t)
	open := func() *db.DB {
		d, err := db.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		return d
	}
	// The servers start at once: each migrates the new schema (one does,
	// the others wait and find it current) and seeds it.
	apps := make([]*app.App, n-1)
	var wg sync.WaitGroup
	defer wg.Wait() // also when the first server fails the test
	for i := range apps {
		d := open()
		d.Clock = testkit.Clock(apptest.Start())
		wg.Go(func() {
			a, err := app.New(ctx, d, cfg)
			if err != nil {
				t.Errorf("server %d: %v", i+2, err)
				return
			}
			t.Cleanup(func() { _ = a.Close() })
			apps[i] = a
		})
	}
	first := apptest.NewEnv(t, open(), cfg)
	wg.Wait()
	c := &cluster{t: t, servers: []*apptest.Env{first}, client: timed(60 * time.Second)}
	for _, a := range apps {
		if a == nil {
			continue
		}
		e := *first // the fixture's ids and tokens, another app and server
		e.App, e.Srv = a, httptest.NewServer(a.Handler())
		t.Cleanup(e.Srv.Close)
		c.servers = append(c.servers, &e)
	}
	if t.Failed() {
		t.FailNow()
	}
	return c
}

// TestSeveralServers is issue 13's test of a deployment of several servers
// on one PostgreSQL database. Three servers start at once on a new schema
// with one key file; then, at the same time and each
// request to another server than the last: 30 approved device cases race
// for 5 wheelchairs while stock moves come and go, 10 renovation approvals
// of 200 yuan race for a budget of 1,000, 10 persons' annual records are
// saved 6 times at once and then 4 times at once with the same version, two
// strict imports of one file and a background import run (its status read
// on another server), and sessions are opened, used, ended and disabled.
// The invariants are the single-server tests': exactly 5 dispensed and
// stock never negative and equal to its moves, exactly 5 approved and the
// budget never overspent, one annual record per person-year whose version
// counts its saves and one save of each version, persons matched by ID
// number (re-importing changes nothing), the indicator rollups equal to a
// recomputation, the audit chain intact. What servers keep in memory is
// right at once on the others: a sign-out or a disabled account is refused
// by the very next request to another server, a town's new local project is
// a service type there, a job seeker's profile is ranked there. Of the
// servers verifying the audit chain one records the 'verified' checkpoint.
func TestSeveralServers(t *testing.T) {
	c := newCluster(t, 3)
	first := c.servers[0]
	a := first.App
	ctx := context.Background()
	year := first.Year
	stop := watchdog(5*time.Minute, t.Name())
	defer stop()

	// Setup, through the first server's stores.
	district := apptest.Caller(identity.DistrictStaff, "310114")
	assist := apptest.Caller(identity.VillageAssistant, apptest.Village)
	// The provider's worker acts on the cases assigned to its organisation.
	provider := apptest.ProviderCaller(first.ProviderOrg, "310114")
	var point int64
	if err := a.DB.QueryRow(ctx, `SELECT id FROM service_points WHERE orgunit = ?`, "310114").Scan(&point); err != nil {
		t.Fatal(err)
	}
	const wheelchair, crutches = "12 22 03", "12 06 03"
	if st, raw := c.call(1, c.token("district"), "POST", "/api/v1/devices/stock",
		map[string]any{"service_point": point, "code": wheelchair, "quantity": 5, "note": "入库"}); st != 200 && st != 201 {
		t.Fatalf("stock in: %d %s", st, raw)
	}
	if st, raw := c.call(2, c.token("district"), "POST", "/api/v1/devices/stock",
		map[string]any{"service_point": point, "code": crutches, "quantity": 10, "note": "入库"}); st != 200 && st != 201 {
		t.Fatalf("stock in: %d %s", st, raw)
	}
	devicePerson := apptest.Person(t, a, 60, "王芳", apptest.Village, 4, 2)
	var deviceCases []int64
	for range 30 {
		cs, err := a.Cases.Create(ctx, district, devicePerson, "assistive_device", nil)
		if err == nil {
			apptest.Assign(t, a, provider.ProviderID, cs.ID)
			cs, err = a.Cases.Act(ctx, provider, cs.ID, "assess", apptest.Data(`{"items":[{"code":"`+wheelchair+`"}]}`), 0) // who assesses does not approve
		}
		if err == nil {
			cs, err = a.Cases.Act(ctx, district, cs.ID, "approve", nil, 0)
		}
		if err != nil {
			t.Fatal(err)
		}
		deviceCases = append(deviceCases, cs.ID)
	}
	if st, raw := c.call(2, c.token("district"), "PUT", "/api/v1/renovation/budget",
		map[string]any{"orgunit": "310114", "year": year, "budget_cents": 100000}); st != 200 {
		t.Fatalf("budget: %d %s", st, raw)
	}
	var renovations []int64
	for n := 40; n < 50; n++ {
		p := apptest.Person(t, a, n, fmt.Sprintf("改造%d", n), apptest.Village, 4, 1)
		cs, err := a.Cases.Create(ctx, assist, p, "home_renovation", apptest.Data(`{"need":"卫生间改造"}`))
		if err == nil {
			apptest.Assign(t, a, provider.ProviderID, cs.ID)
			cs, err = a.Cases.Act(ctx, provider, cs.ID, "survey", apptest.Data(`{"items":["bathroom","grab_bars"]}`), 0)
		}
		if err == nil {
			cs, err = a.Cases.Act(ctx, provider, cs.ID, "quote", apptest.Data(`{"contractor":"嘉定建设","cost":20000}`), 0)
		}
		if err != nil {
			t.Fatal(err)
		}
		renovations = append(renovations, cs.ID)
	}
	var annualPersons []int64
	for n := 50; n < 60; n++ {
		annualPersons = append(annualPersons, apptest.Person(t, a, n, fmt.Sprintf("年报%d", n), apptest.Village, 2, 3))
	}
	ds := demoPersons(t, a.DB, 200)
	fileX := personsCSV(ds.Persons[:100])
	fileY := append(personsCSV(ds.Persons[100:]), []byte("坏行,110105194912310021,,9,9,310114102201,,,,,,,,,,\n")...)
	if _, err := a.Users.Create(ctx, identity.User{Username: "temp", Role: identity.TownStaff, OrgUnit: "310114102"}, apptest.Password, nil); err != nil {
		t.Fatal(err)
	}
	personsBefore := first.Int64(`SELECT count(*) FROM persons`)

	// Everything at once, each request to another server.
	var wg sync.WaitGroup
	var dispensed, approved tally
	for i, id := range deviceCases {
		wg.Go(func() {
			st, raw := c.call(i, c.token("district"), "POST", fmt.Sprintf("/api/v1/cases/%d/transitions", id),
				map[string]any{"action": "dispense", "data": map[string]any{"service_point": point}})
			if st != 200 && st != 409 {
				t.Errorf("dispense case %d: %d %s", id, st, raw)
			}
			dispensed.add(st)
		})
	}
	for i := range 20 {
		wg.Go(func() {
			q := []int{3, -2, 1, -4, 2}[i%5]
			if st, raw := c.call(i, c.token("district"), "POST", "/api/v1/devices/stock",
				map[string]any{"service_point": point, "code": crutches, "quantity": q, "note": "盘点"}); st != 200 && st != 201 && st != 409 {
				t.Errorf("stock move %d: %d %s", q, st, raw)
			}
		})
	}
	for i, id := range renovations {
		wg.Go(func() {
			st, raw := c.call(i, c.token("district"), "POST", fmt.Sprintf("/api/v1/cases/%d/transitions", id), map[string]any{"action": "approve"})
			if st != 200 && st != 409 {
				t.Errorf("approve renovation %d: %d %s", id, st, raw)
			}
			approved.add(st)
		})
	}
	saves := make([]int, len(annualPersons)) // the saves that succeeded, by person
	for p, id := range annualPersons {
		wg.Go(func() {
			path := fmt.Sprintf("/api/v1/persons/%d/annual/%d", id, year)
			var mu sync.Mutex
			var inner sync.WaitGroup
			for j := range 6 { // no version: each save wins, but a second first save (409)
				inner.Go(func() {
					emp := []string{"employed", "unemployed", "unable"}[j%3]
					st, raw := c.call(p+j, c.token("district"), "PUT", path, map[string]any{"employment": emp, "rehab_need": j%2 == 0})
					switch st {
					case 200, 201:
						mu.Lock()
						saves[p]++
						mu.Unlock()
					case 409:
					default:
						t.Errorf("annual record of %d: %d %s", id, st, raw)
					}
				})
			}
			inner.Wait()
			var rec struct{ Version int }
			if st, raw := c.call(p, c.token("district"), "GET", path, nil); st != 200 || !c.decode(raw, &rec) {
				t.Errorf("read annual record of %d: %d %s", id, st, raw)
				return
			}
			won := 0
			for j := range 4 { // the same version: one save wins
				inner.Go(func() {
					st, raw := c.call(p+j, c.token("district"), "PUT", path, map[string]any{"employment": "retired", "version": rec.Version})
					switch st {
					case 200:
						mu.Lock()
						saves[p]++
						won++
						mu.Unlock()
					case 409:
					default:
						t.Errorf("annual record of %d with version %d: %d %s", id, rec.Version, st, raw)
					}
				})
			}
			inner.Wait()
			if won != 1 {
				t.Errorf("annual record of %d: %d saves of version %d, want 1", id, won, rec.Version)
			}
		})
	}
	var strictImports tally
	for _, server := range []int{0, 2} {
		wg.Go(func() {
			st, raw := c.send(server, c.token("district"), "POST", "/api/v1/imports/persons?mode=strict", ptr(fileBody("x.csv", fileX)))
			if st != 200 && st != 409 { // 409: the other import wrote a person of the file meanwhile
				t.Errorf("strict import on server %d: %d %.300s", server+1, st, raw)
			}
			strictImports.add(st)
		})
	}
	wg.Go(func() {
		st, raw := c.send(1, c.token("district"), "POST", "/api/v1/imports/persons?mode=skip-invalid&async=1", ptr(fileBody("y.csv", fileY)))
		var job struct{ ID string }
		if st != 202 || !c.decode(raw, &job) {
			t.Errorf("background import: %d %s", st, raw)
			return
		}
		var status struct {
			State  string
			Report struct {
				Created      int
				RejectedRows int `json:"rejected_rows"`
			}
		}
		for end := time.Now().Add(2 * time.Minute); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			st, raw := c.call(2, c.token("district"), "GET", "/api/v1/imports/"+job.ID, nil) // another server than the one running it
			if st != 200 || !c.decode(raw, &status) || status.State != "running" {
				break
			}
		}
		if status.State != "done" || status.Report.Created != 100 || status.Report.RejectedRows != 1 {
			t.Errorf("background import as another server sees it: %+v", status)
		}
	})
	var signOuts tally
	for i := range 6 {
		wg.Go(func() {
			st, raw := c.call(i, "", "POST", "/api/v1/session", map[string]string{"username": "town", "password": apptest.Password})
			var s struct{ Token string }
			if st != 200 || !c.decode(raw, &s) {
				t.Errorf("sign in on server %d: %d %s", i%3+1, st, raw)
				return
			}
			for j := 1; j <= 2; j++ {
				if st, _ := c.call(i+j, s.Token, "GET", "/api/v1/session", nil); st != 200 {
					t.Errorf("a session of server %d on server %d: %d", i%3+1, (i+j)%3+1, st)
				}
			}
			if st, _ := c.call(i+1, s.Token, "DELETE", "/api/v1/session", nil); st != 200 && st != 204 {
				t.Errorf("sign out: %d", st)
			}
			for j := range 3 {
				st, _ := c.call(i+j, s.Token, "GET", "/api/v1/session", nil)
				signOuts.add(st)
				if st != 401 {
					t.Errorf("signed out on server %d, server %d still answers %d", (i+1)%3+1, (i+j)%3+1, st)
				}
			}
		})
	}
	wg.Go(func() {
		var tokens []string
		for i := range 3 {
			st, raw := c.call(i, "", "POST", "/api/v1/session", map[string]string{"username": "temp", "password": apptest.Password})
			var s struct{ Token string }
			if st != 200 || !c.decode(raw, &s) {
				t.Errorf("sign in: %d %s", st, raw)
				return
			}
			tokens = append(tokens, s.Token)
		}
		for i, tok := range tokens {
			if st, _ := c.call(i+1, tok, "GET", "/api/v1/session", nil); st != 200 {
				t.Errorf("before disabling: %d", st)
			}
		}
		if st, raw := c.call(1, c.token("sysadmin"), "POST", "/api/v1/users/temp/disable", map[string]string{"reason": "离职"}); st != 200 {
			t.Errorf("disable: %d %s", st, raw)
			return
		}
		for i, tok := range tokens {
			for j := range 3 {
				if st, _ := c.call(i+j, tok, "GET", "/api/v1/session", nil); st != 401 {
					t.Errorf("disabled on server 2: a session of server %d answers %d on server %d", i+1, st, (i+j)%3+1)
				}
			}
		}
		if st, _ := c.call(2, "", "POST", "/api/v1/session", map[string]string{"username": "temp", "password": apptest.Password}); st != 401 {
			t.Errorf("a disabled account signs in on another server: %d", st)
		}
	})
	wg.Wait()

	// The invariants of the single-server tests.
	if n, m := dispensed.of(200), dispensed.of(409); n != 5 || m != 25 {
		t.Errorf("wheelchairs dispensed %d, refused %d; want 5 and 25", n, m)
	}
	if n := first.Int64(`SELECT quantity FROM device_stock WHERE service_point = ? AND code = ?`, point, wheelchair); n != 0 {
		t.Errorf("wheelchairs left: %d, want 0", n)
	}
	if n, m := approved.of(200), approved.of(409); n != 5 || m != 5 {
		t.Errorf("renovations approved %d, refused %d; want 5 and 5", n, m)
	}
	for i := range c.servers {
		var b struct {
			CommittedCents int64 `json:"committed_cents"`
			LeftCents      int64 `json:"left_cents"`
		}
		if st, raw := c.call(i, c.token("district"), "GET", fmt.Sprintf("/api/v1/renovation/budget?orgunit=310114&year=%d", year), nil); st != 200 ||
			!c.decode(raw, &b) || b.CommittedCents != 100000 || b.LeftCents != 0 {
			t.Errorf("budget on server %d: %d %+v", i+1, st, b)
		}
	}
	for p, id := range annualPersons {
		var rows, version int64
		if err := a.DB.QueryRow(ctx, `SELECT count(*), COALESCE(max(version), 0) FROM annual_records WHERE person_id = ? AND year = ?`, id, year).Scan(&rows, &version); err != nil {
			t.Fatal(err)
		}
		if rows != 1 || version != int64(saves[p]) {
			t.Errorf("annual records of %d: %d rows, version %d after %d saves", id, rows, version, saves[p])
		}
		for i := range c.servers {
			var rec struct{ Version int64 }
			if st, raw := c.call(i, c.token("district"), "GET", fmt.Sprintf("/api/v1/persons/%d/annual/%d", id, year), nil); st != 200 || !c.decode(raw, &rec) || rec.Version != version {
				t.Errorf("annual record of %d on server %d: %d version %d, want %d", id, i+1, st, rec.Version, version)
			}
		}
	}
	if strictImports.of(200) == 0 {
		t.Errorf("neither strict import of the same file succeeded: %v", strictImports.n)
	}
	var rep importReport
	if st, raw := c.send(1, c.token("district"), "POST", "/api/v1/imports/persons?mode=strict", ptr(fileBody("x.csv", fileX))); st != 200 || !c.decode(raw, &rep) {
		t.Errorf("strict import again: %d %.300s", st, raw)
	}
	if st, raw := c.send(2, c.token("district"), "POST", "/api/v1/imports/persons?mode=strict", ptr(fileBody("x.csv", fileX))); st != 200 || !c.decode(raw, &rep) || rep.Unchanged != 100 {
		t.Errorf("re-import: %d %+v", st, rep)
	}
	if n := first.Int64(`SELECT count(*) FROM persons`); n != personsBefore+200 {
		t.Errorf("persons: %d, want %d (each ID number once)", n, personsBefore+200)
	}
	if n := signOuts.of(401); n != 18 {
		t.Errorf("refused after signing out: %d of 18", n)
	}
	checkInvariants(t, a)

	// A town's new local project is a service type on every server at once.
	var project struct{ Code, Name string }
	if st, raw := c.call(0, c.token("town"), "POST", "/api/v1/towns/310114102/projects", projectBody("助学")); st != 201 || !c.decode(raw, &project) {
		t.Fatalf("define a project: %d %s", st, raw)
	}
	var types struct {
		Items []struct {
			Code    string
			Enabled *bool
		}
	}
	if st, raw := c.call(1, c.token("village"), "GET", "/api/v1/service-types?orgunit="+apptest.Village, nil); st != 200 || !c.decode(raw, &types) ||
		!strings.Contains(string(raw), `"`+project.Code+`"`) {
		t.Errorf("service types on server 2 lack %s: %d %s", project.Code, st, raw)
	}
	if st, body := c.call(2, c.token("village"), "GET", "/cases/new?person_id="+strconv.FormatInt(first.In, 10), nil); st != 200 || !strings.Contains(string(body), project.Name) {
		t.Errorf("the new case page on server 3 lacks %s: %d", project.Name, st)
	}
	newCase := map[string]any{"person_id": first.In, "service_type": project.Code, "data": map[string]any{"school": "一中", "hours": 3}}
	if st, raw := c.call(2, c.token("village"), "POST", "/api/v1/cases", newCase); st != 201 {
		t.Errorf("a case of the project on server 3: %d %s", st, raw)
	}
	if st, raw := c.call(1, c.token("town"), "PUT", "/api/v1/towns/310114102/services/"+project.Code, map[string]any{"enabled": false}); st != 200 {
		t.Errorf("switch the project off on server 2: %d %s", st, raw)
	}
	if st, raw := c.call(0, c.token("village"), "POST", "/api/v1/cases", newCase); st != 409 {
		t.Errorf("a case of the project switched off, on server 1: %d %s", st, raw)
	}

	// A job seeker's profile saved on one server is ranked on the others.
	seekers := func(i int) int {
		var r struct{ Seekers int }
		if st, raw := c.call(i, c.token("district"), "POST", "/api/v1/job-seekers/rank", map[string]any{"orgunit": "310114", "hours": "full_time"}); st != 200 || !c.decode(raw, &r) {
			t.Fatalf("rank on server %d: %d %s", i+1, st, raw)
		}
		return r.Seekers
	}
	profile := func(i int, seeking bool) {
		if st, raw := c.call(i, c.token("district"), "PUT", fmt.Sprintf("/api/v1/persons/%d/job-profile", first.In),
			map[string]any{"seeking": seeking, "education": "senior", "hours": "full_time"}); st != 200 {
			t.Fatalf("job profile on server %d: %d %s", i+1, st, raw)
		}
	}
	before := seekers(0)
	profile(1, true)
	if n := seekers(2); n != before+1 {
		t.Errorf("seekers on server 3 after a profile on server 2: %d, want %d", n, before+1)
	}
	profile(0, false)
	if n := seekers(1); n != before {
		t.Errorf("seekers on server 2 after the profile stopped seeking on server 1: %d, want %d", n, before)
	}

	// Of servers verifying the same entries, one records where they got to.
	for _, s := range c.servers {
		s.App.Audit.SetCheckpointEvery(20)
	}
	verify := func() {
		for i := range c.servers {
			var v struct{ OK bool }
			if st, raw := c.call(i, c.token("auditor"), "GET", "/api/v1/audit/verify", nil); st != 200 || !c.decode(raw, &v) || !v.OK {
				t.Errorf("verify on server %d: %d %s", i+1, st, raw)
			}
		}
	}
	verify()
	verified := func() int64 { return first.Int64(`SELECT count(*) FROM audit_checkpoints WHERE kind = 'verified'`) }
	recorded := verified()
	for i := range 60 { // audited reads, far more than the interval
		c.call(i, c.token("district"), "GET", fmt.Sprintf("/api/v1/persons/%d", first.In), nil)
	}
	verify()
	if n := verified() - recorded; n != 1 {
		t.Errorf("'verified' checkpoints recorded by three servers verifying in turn: %d, want 1", n)
	}
	checkInvariants(t, a)
}
