package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"sort"
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

// soakDuration is how long TestSoak runs per engine: SUNSHINE_SOAK (a Go
// duration, e.g. 5s for a quick look) or 20 s.
func soakDuration(t *testing.T) time.Duration {
	if v := os.Getenv("SUNSHINE_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("SUNSHINE_SOAK=%q: want a duration such as 20s", v)
		}
		return d
	}
	return 20 * time.Second
}

// soakWorkers is how many goroutines send requests at once. With 50,
// PostgreSQL found a lock-order deadlock that 20 did not.
const soakWorkers = 40

// requestLimit is the longest any request of the soak may take.
const requestLimit = 10 * time.Second

// soak runs requests against one server and keeps what went wrong.
type soak struct {
	t      *testing.T
	e      *env
	client *http.Client

	mu       sync.Mutex
	failures []string
	counts   map[string]int // requests by operation and status
	slowest  time.Duration
	slowOp   string
	dumped   bool
}

// body is a request body with its content type.
type body struct {
	data []byte
	ct   string
}

func jsonBody(v any) body {
	b, _ := json.Marshal(v)
	return body{b, "application/json"}
}

func formBody(v url.Values) body {
	return body{[]byte(v.Encode()), "application/x-www-form-urlencoded"}
}

func fileBody(name string, data []byte) body {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return body{buf.Bytes(), mw.FormDataContentType()}
}

// call sends one request with the token and checks it: an answer within
// requestLimit, no 5xx, and one of the statuses accepted. It returns the
// status and the body (0 and nil on failure).
func (s *soak) call(op, token, method, path string, b *body, accept ...int) (int, []byte) {
	var rd io.Reader
	if b != nil {
		rd = bytes.NewReader(b.data)
	}
	req, _ := http.NewRequest(method, s.e.Srv.URL+path, rd)
	if b != nil {
		req.Header.Set("Content-Type", b.ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	took := time.Since(start)
	var raw []byte
	status := 0
	if err == nil {
		raw, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[fmt.Sprintf("%s %d", op, status)]++
	if took > s.slowest {
		s.slowest, s.slowOp = took, op
	}
	var problem string
	switch {
	case err != nil:
		problem = fmt.Sprintf("%s %s %s: %v after %s", op, method, path, err, took.Round(time.Millisecond))
	case took > requestLimit:
		problem = fmt.Sprintf("%s %s %s: %d after %s (more than %s)", op, method, path, status, took.Round(time.Millisecond), requestLimit)
	case status >= 500 || !slices.Contains(accept, status):
		problem = fmt.Sprintf("%s %s %s: %d, want one of %v: %.300s", op, method, path, status, accept, raw)
	}
	if problem == "" {
		return status, raw
	}
	s.failures = append(s.failures, problem)
	if !s.dumped && (err != nil || took > requestLimit || status >= 500) {
		s.dumped = true
		buf := make([]byte, 64<<20)
		n := runtime.Stack(buf, true)
		fmt.Fprintf(os.Stderr, "\n=== %s: %s; every goroutine:\n%s\n", s.t.Name(), problem, buf[:n])
	}
	return 0, nil
}

// TestSoak is issue 24's concurrency soak: on a fresh server per engine,
// 40 goroutines sign in and out, read records (audited), list pages, edit
// persons, save annual records, run device cases, move stock, import persons
// (strict, skip-invalid, background) and annual records, save preferences and
// touch sessions, for soakDuration. A strict import may answer 409 when a
// record it merged with was changed meanwhile (the row is named). It fails on any request over 10 s, any
// 5xx or unexpected status, or a broken invariant afterwards: the audit chain
// verifies, the indicator counters match a recomputation, stock is never
// negative and equals its moves. A hang ends the run with every goroutine.
// It does not run in parallel with other tests (it measures latencies), and
// its users' passwords are hashed at the production cost, so that signing in
// loads the server as much as it does in production.
func TestSoak(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		dur := soakDuration(t)
		cfg := apptest.Config(t)
		cfg.PasswordHash = identity.HashCost{} // production's
		e := newEnvConfig(t, d, cfg)
		ds := demoPersons(t, d, 900)
		year := e.Year
		// 300 persons registered before the soak; the other 600 come in
		// through the imports of the soak (files of 100, some with a bad row).
		if st, rep := e.importFile("district", "/api/v1/imports/persons?mode=strict", "base.csv", personsCSV(ds.Persons[:300])); st != 200 || rep.Created != 300 {
			t.Fatalf("base import: %d %+v", st, rep)
		}
		var files [][]byte
		for i := 300; i < len(ds.Persons); i += 100 {
			files = append(files, personsCSV(ds.Persons[i:i+100]))
		}
		bad := append(personsCSV(ds.Persons[300:330]), []byte("坏行,110105194912310021,,9,9,310114102201,,,,,,,,,,\n")...)
		var annual bytes.Buffer
		annual.WriteString("id_number,employment,rehab_need,rehab_received\n")
		for _, p := range ds.Persons[:100] {
			fmt.Fprintf(&annual, "%s,employed,是,否\n", p.IDNumber)
		}
		ids := jiadingPersons(t, d)
		var points []struct {
			ID      int64
			OrgUnit string
		}
		if st := e.Do("district", "GET", "/api/v1/devices/service-points", nil, &struct {
			Items *[]struct {
				ID      int64
				OrgUnit string
			}
		}{&points}); st != 200 {
			t.Fatalf("service points: %d", st)
		}
		point := int64(0)
		for _, p := range points {
			if p.OrgUnit == "310114" {
				point = p.ID
			}
		}
		if point == 0 || len(ids) < 300 {
			t.Fatalf("setup: point %d, %d persons", point, len(ids))
		}

		// The provider assesses the cases the district assigns to its contract.
		contract := apptest.Contract(t, e.App, e.ProviderOrg, "assistive_device", "310114")
		s := &soak{t: t, e: e, client: timed(2 * requestLimit), counts: map[string]int{}}
		tok := func(user string) string { return e.Tokens[user] }
		pick := func(r *rand.Rand) string { return strconv.FormatInt(ids[r.IntN(len(ids))], 10) }
		ops := []struct {
			name   string
			weight int
			run    func(r *rand.Rand)
		}{
			{"sign in and out", 2, func(r *rand.Rand) {
				st, raw := s.call("sign in", "", "POST", "/api/v1/session", ptr(jsonBody(map[string]string{"username": "town", "password": apptest.Password})), 200)
				var out struct{ Token string }
				if st == 200 && json.Unmarshal(raw, &out) == nil {
					s.call("touch", out.Token, "POST", "/session/touch", nil, 200)
					s.call("sign out", out.Token, "DELETE", "/api/v1/session", nil, 200, 204)
				}
			}},
			{"read", 10, func(r *rand.Rand) {
				s.call("read", tok("district"), "GET", "/api/v1/persons/"+pick(r), nil, 200)
			}},
			{"list", 4, func(r *rand.Rand) {
				if r.IntN(2) == 0 {
					s.call("list page", tok("district"), "GET", "/persons?orgunit=310114", nil, 200)
				} else {
					s.call("list", tok("district"), "GET", "/api/v1/persons?orgunit=310114&limit=50", nil, 200)
				}
			}},
			{"edit", 4, func(r *rand.Rand) {
				id := pick(r)
				st, raw := s.call("edit: read", tok("district"), "GET", "/api/v1/persons/"+id, nil, 200)
				var p struct{ Version int }
				if st == 200 && json.Unmarshal(raw, &p) == nil {
					s.call("edit", tok("district"), "PATCH", "/api/v1/persons/"+id,
						ptr(jsonBody(map[string]any{"version": p.Version, "address": fmt.Sprintf("城中路 %d 号", r.IntN(999)+1)})), 200, 409)
				}
			}},
			{"annual", 4, func(r *rand.Rand) {
				emp := []string{"employed", "unemployed", "unable", "retired"}[r.IntN(4)]
				s.call("annual", tok("district"), "PUT", fmt.Sprintf("/api/v1/persons/%s/annual/%d", pick(r), year),
					ptr(jsonBody(map[string]any{"employment": emp, "rehab_need": r.IntN(2) == 0, "rehab_received": r.IntN(2) == 0, "device_need": true})), 200, 201, 409) // 409: a concurrent first save made the record
			}},
			{"case", 3, func(r *rand.Rand) { soakCase(s, tok("provider"), tok("district"), pick(r), point, contract, r) }},
			{"stock", 3, func(r *rand.Rand) {
				q := r.IntN(3) + 1
				if r.IntN(3) == 0 {
					q = -q
				}
				s.call("stock", tok("district"), "POST", "/api/v1/devices/stock",
					ptr(jsonBody(map[string]any{"service_point": point, "code": "12 22 03", "quantity": q, "note": "盘点"})), 200, 201, 409)
			}},
			{"import", 1, func(r *rand.Rand) {
				switch r.IntN(5) {
				case 0:
					s.call("import strict", tok("district"), "POST", "/api/v1/imports/persons?mode=strict", ptr(fileBody("p.csv", files[r.IntN(len(files))])), 200, 409)
				case 1:
					s.call("import strict, a bad row", tok("district"), "POST", "/api/v1/imports/persons?mode=strict", ptr(fileBody("bad.csv", bad)), 422)
				case 2:
					s.call("import skip-invalid", tok("district"), "POST", "/api/v1/imports/persons?mode=skip-invalid", ptr(fileBody("bad.csv", bad)), 200)
				case 3:
					st, raw := s.call("import async", tok("district"), "POST", "/api/v1/imports/persons?mode=skip-invalid&async=1", ptr(fileBody("p.csv", files[r.IntN(len(files))])), 202)
					var job struct{ ID string }
					if st == 202 && json.Unmarshal(raw, &job) == nil {
						for range 100 {
							st, raw := s.call("import status", tok("district"), "GET", "/api/v1/imports/"+job.ID, nil, 200)
							var js struct{ State string }
							if st != 200 || json.Unmarshal(raw, &js) != nil || js.State != "running" {
								break
							}
							time.Sleep(50 * time.Millisecond)
						}
					}
				default:
					s.call("import annual", tok("district"), "POST", fmt.Sprintf("/api/v1/imports/annual?year=%d&mode=strict", year), ptr(fileBody("annual.csv", annual.Bytes())), 200, 409)
				}
			}},
			{"preferences", 1, func(r *rand.Rand) {
				s.call("preferences", tok("town"), "POST", "/preferences",
					ptr(formBody(url.Values{"lang": {[]string{"zh", "en"}[r.IntN(2)]}, "display": {"standard"}, "next": {"/"}})), 303)
			}},
		}
		var table []int
		for i, op := range ops {
			for range op.weight {
				table = append(table, i)
			}
		}

		stop := watchdog(dur+3*requestLimit, t.Name())
		defer stop()
		end := time.Now().Add(dur)
		var wg sync.WaitGroup
		for w := range soakWorkers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(w), 24))
				for time.Now().Before(end) {
					ops[table[r.IntN(len(table))]].run(r)
				}
			}()
		}
		wg.Wait()
		e.App.Jobs.Wait()
		stop()

		total := 0
		var lines []string
		for k, v := range s.counts {
			total += v
			lines = append(lines, fmt.Sprintf("%s: %d", k, v))
		}
		sort.Strings(lines)
		t.Logf("%d requests in %s, the slowest %s (%s); %s", total, dur, s.slowest.Round(time.Millisecond), s.slowOp, strings.Join(lines, ", "))
		if len(s.failures) > 0 {
			t.Errorf("%d requests failed; the first ones:\n%s", len(s.failures), strings.Join(s.failures[:min(10, len(s.failures))], "\n"))
		}
		for _, op := range []string{"read 200", "edit 200", "annual 200", "import strict 200", "import skip-invalid 200", "case: dispense 200", "stock 200"} {
			if s.counts[op] == 0 {
				t.Errorf("no %q in the soak: it tested less than it says", op)
			}
		}
		checkInvariants(t, e.App)
		if st, raw := e.DoRaw("", "GET", "/readyz", nil, nil, nil); st != 200 {
			t.Errorf("readyz after the soak: %d %s", st, raw)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// soakCase runs a device case as far as it goes: open, assess, approve,
// dispense (409 when the stock is short: then it is cancelled), and for two
// in three the return of the wheelchair and the close. The staff assign
// the case to the provider's contract, the provider assesses (who assesses
// does not approve), the staff take the rest.
func soakCase(s *soak, assessor, token, person string, point, contract int64, r *rand.Rand) {
	st, raw := s.call("case: open", token, "POST", "/api/v1/cases",
		ptr(jsonBody(map[string]any{"person_id": json.Number(person), "service_type": "assistive_device", "data": map[string]any{"need": "轮椅",
			"certificate_override": "复评已预约"}})), 201, 409) // the reason counts only for an expired certificate
	var c struct {
		ID      int64
		Version int
	}
	if st != 201 || json.Unmarshal(raw, &c) != nil {
		return
	}
	st, raw = s.call("case: assign", token, "POST", fmt.Sprintf("/api/v1/cases/%d/assign", c.ID),
		ptr(jsonBody(map[string]any{"contract_id": contract})), 200)
	if st != 200 || json.Unmarshal(raw, &c) != nil {
		return
	}
	step := func(action string, data map[string]any, accept ...int) bool {
		who := token
		if action == "assess" {
			who = assessor
		}
		st, raw := s.call("case: "+action, who, "POST", fmt.Sprintf("/api/v1/cases/%d/transitions", c.ID),
			ptr(jsonBody(map[string]any{"action": action, "data": data, "version": c.Version})), accept...)
		if st != 200 {
			return false
		}
		return json.Unmarshal(raw, &c) == nil
	}
	if !step("assess", map[string]any{"items": []string{"12 22 03"}}, 200) || !step("approve", nil, 200) {
		return
	}
	if !step("dispense", map[string]any{"service_point": point}, 200, 409) {
		step("cancel", nil, 200)
		return
	}
	if r.IntN(3) > 0 && step("return", map[string]any{"condition": "good"}, 200) { // else it stays on loan
		step("close", nil, 200)
	}
}

// checkInvariants checks what must hold whatever ran: the audit chain
// verifies, the indicator counters match a recomputation, and device stock
// is never negative and equals the sum of its moves.
func checkInvariants(t *testing.T, a *app.App) {
	t.Helper()
	ctx := context.Background()
	if v, err := a.Audit.VerifyAll(ctx); err != nil || !v.OK {
		t.Errorf("audit chain: %+v %v", v, err)
	}
	if m, err := a.Indicators.Check(ctx, 10); err != nil || len(m) > 0 {
		t.Errorf("indicators check: %v %+v", err, m)
	}
	var negative, differ int
	if err := a.DB.QueryRow(ctx, `SELECT count(*) FROM device_stock WHERE quantity < 0`).Scan(&negative); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.QueryRow(ctx, `SELECT count(*) FROM device_stock s WHERE s.quantity <>
		(SELECT COALESCE(sum(m.delta), 0) FROM device_moves m WHERE m.service_point = s.service_point AND m.code = s.code)`).Scan(&differ); err != nil {
		t.Fatal(err)
	}
	if negative > 0 || differ > 0 {
		t.Errorf("device stock: %d rows below zero, %d that differ from the sum of their moves", negative, differ)
	}
}

// jiadingPersons lists the ids of the persons of Jiading, in order.
func jiadingPersons(tb testing.TB, d *db.DB) []int64 {
	tb.Helper()
	var ids []int64
	rows, err := d.Query(context.Background(), `SELECT id FROM persons WHERE orgunit >= '310114' AND orgunit < '310114:' ORDER BY id`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return ids
}
