package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sunshine/internal/app"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/platform/web"
)

// BenchmarkInbox fills the district with SUNSHINE_BENCH_CASES open cases
// (default 50,000; device and renovation cases in every state, due times
// spread over two months, some overdue) for the 20,000 demo persons, on
// SQLite and, when SUNSHINE_TEST_PG is set, on PostgreSQL, and times whole
// inbox pages through the HTTP handler (session, scope, query, audit of
// every row shown, template): the town's "waiting for me" (the goal: < 100
// ms), the town's overdue cases and the district's "waiting for me". The
// baseline, measured in the same run, is one SELECT count(*) over the cases.
// It reports medians of 21 rounds in ms and as ratios to the baseline.
//
//	go test -run '^$' -bench Inbox -benchtime 1x ./internal/app/
func BenchmarkInbox(b *testing.B) {
	n := 50_000
	if v, err := strconv.Atoi(os.Getenv("SUNSHINE_BENCH_CASES")); err == nil && v > 0 {
		n = v
	}
	engines := []struct {
		name string
		open func(testing.TB) *db.DB
	}{{"sqlite", testkit.SQLite}, {"postgres", testkit.Postgres}}
	for _, eng := range engines {
		b.Run(eng.name, func(b *testing.B) {
			d := eng.open(b)
			ctx := context.Background()
			a, err := app.New(ctx, d, app.Config{KeyFile: filepath.Join(b.TempDir(), "key")})
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			if err := a.LoadDemo(ctx, 20000, 7, io.Discard); err != nil {
				b.Fatal(err)
			}
			if err := fillCases(ctx, d, n); err != nil {
				b.Fatal(err)
			}
			if eng.name == "postgres" {
				if _, err := d.Exec(ctx, `VACUUM ANALYZE`); err != nil { // as autovacuum would after the load
					b.Fatal(err)
				}
			}
			h := a.Handler()
			cookie := func(user string) *http.Cookie {
				tok, _, err := a.Users.Login(ctx, user, app.DemoPassword, "web")
				if err != nil {
					b.Fatal(err)
				}
				return &http.Cookie{Name: web.SessionCookie, Value: tok}
			}
			town, district := cookie("demo_town"), cookie("demo")
			page := func(c *http.Cookie, path string) func() error {
				return func() error {
					r := httptest.NewRequest("GET", path, nil)
					r.AddCookie(c)
					w := httptest.NewRecorder()
					h.ServeHTTP(w, r)
					if w.Code != 200 || !strings.Contains(w.Body.String(), "/cases/") {
						b.Fatalf("GET %s: %d %.300s", path, w.Code, w.Body.String())
					}
					return nil
				}
			}
			count := func() error {
				var k int
				return d.QueryRow(ctx, `SELECT count(*) FROM cases`).Scan(&k)
			}
			measures := []struct {
				name string
				fn   func() error
			}{
				{"count", count},
				{"town_mine", page(town, "/cases")},
				{"town_overdue", page(town, "/cases?show=overdue")},
				{"district_mine", page(district, "/cases")},
			}
			times := make([][]time.Duration, len(measures))
			b.ResetTimer()
			for round := range 22 {
				for i, m := range measures {
					t0 := time.Now()
					if err := m.fn(); err != nil {
						b.Fatal(err)
					}
					if round > 0 { // the first round warms caches
						times[i] = append(times[i], time.Since(t0))
					}
				}
			}
			b.StopTimer()
			ms := func(i int) float64 {
				slices.Sort(times[i])
				return float64(times[i][len(times[i])/2].Microseconds()) / 1000
			}
			base := ms(0)
			b.ReportMetric(base, "count_ms")
			for i := 1; i < len(measures); i++ {
				v := ms(i)
				b.ReportMetric(v, measures[i].name+"_ms")
				b.ReportMetric(v/base, measures[i].name+"_ratio")
				b.Logf("%s: %.1f ms (%.2f× the count's %.1f ms)", measures[i].name, v, v/base, base)
			}
			if v := ms(1); v >= 100 {
				b.Errorf("the town's inbox took %.1f ms (goal: under 100 ms)", v)
			}
		})
	}
}

// fillCases opens n cases for the district's demo persons directly in the
// database (states and due times spread as a busy district would have them).
func fillCases(ctx context.Context, d *db.DB, n int) error {
	rows, err := d.Query(ctx, `SELECT id, orgunit FROM persons WHERE orgunit >= '310114' AND orgunit < '310114:' ORDER BY id`)
	if err != nil {
		return err
	}
	type person struct {
		id   int64
		unit string
	}
	var ps []person
	for rows.Next() {
		var p person
		if err := rows.Scan(&p.id, &p.unit); err != nil {
			rows.Close()
			return err
		}
		ps = append(ps, p)
	}
	rows.Close()
	devStates := []string{"submitted", "assessed", "approved", "dispensed", "returned"}
	renStates := []string{"applied", "surveyed", "quoted", "approved", "built", "accepted", "paid"}
	now := d.Now()
	const batch = 5000
	for start := 0; start < n; start += batch {
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for i := start; i < min(start+batch, n); i++ {
				p := ps[i%len(ps)]
				typ, state := "assistive_device", devStates[i%len(devStates)]
				if i%3 == 0 {
					typ, state = "home_renovation", renStates[i%len(renStates)]
				}
				due := db.Millis(now.Add(time.Duration(i%1440-240) * time.Hour)) // ten days overdue … fifty days ahead
				if state == "dispensed" && i%2 == 0 {
					due = 0 // grants: no due time
				}
				created := db.Millis(now.Add(-time.Duration(i%2000) * time.Hour))
				if _, err := tx.Exec(ctx, `INSERT INTO cases (person_id, orgunit, service_type, state, data, due_at, created_by, created_at, updated_at)
					VALUES (?, ?, ?, ?, '{}', ?, 'bench', ?, ?)`, p.id, p.unit, typ, state, due, created, created); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
