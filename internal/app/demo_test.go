package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// seededEverywhere are the tables that hold units of every district from
// the first start (DOMAIN.md §3), not from the demo.
var seededEverywhere = []string{"orgunits", "rehab_centres", "service_points"}

// TestDemoOfEachDistrict loads the demo on an installation of each district
// of DOMAIN.md §3: every row of every table with an org unit lies in the
// home district (or names one of its ancestors, as aggregates do), the demo
// villages are the district's towns' codes + 3 digits, every demo account
// signs in with the printed password, the indicator rollups agree with a
// recomputation and give figures for the district, and another district's
// demo says no Jiading name. Jiading's demo is the one it always was.
func TestDemoOfEachDistrict(t *testing.T) {
	t.Parallel()
	for _, district := range []string{"310114", "320583", "320585"} {
		t.Run(district, func(t *testing.T) {
			t.Parallel()
			testkit.Engines(t, func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				d.Clock = testkit.Clock(apptest.Start())
				cfg := apptest.Config(t)
				cfg.District = district
				a, err := app.New(ctx, d, cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer a.Close()
				var out strings.Builder
				if err := a.LoadDemo(ctx, 300, 5, &out); err != nil {
					t.Fatalf("%v\n%s", err, out.String())
				}
				checkDemoDistrict(t, a, district, out.String())
			})
		})
	}
}

func checkDemoDistrict(t *testing.T, a *app.App, district, printed string) {
	ctx := context.Background()
	d := a.DB
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := d.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	lo, hi := orgunit.ScopeOf(district).Range()

	// The demo made records of each kind, all in the district.
	for _, table := range []string{"persons", "users", "employers", "providers", "centres", "events", "volunteers", "volunteer_tasks", "cases", "campaigns"} {
		all := count(`SELECT count(*) FROM ` + table)
		in := count(`SELECT count(*) FROM `+table+` WHERE orgunit >= ? AND orgunit < ?`, lo, hi)
		if all == 0 || in != all {
			t.Errorf("%s: %d rows, %d of them in %s", table, all, in, district)
		}
	}
	// Every table with an org unit: nothing outside the district but its
	// ancestors (the rollups of the city and province).
	ancestors := []string{}
	for i := 1; i < len(district); i++ {
		ancestors = append(ancestors, district[:i])
	}
	tables := orgunitTables(t, d)
	if len(tables) < 20 {
		t.Fatalf("found only %d tables with an orgunit column: %v", len(tables), tables)
	}
	for _, table := range tables {
		if slices.Contains(seededEverywhere, table) {
			continue
		}
		rows, err := d.Query(ctx, `SELECT DISTINCT orgunit FROM `+table+` WHERE orgunit IS NOT NULL AND orgunit <> '' AND NOT (orgunit >= ? AND orgunit < ?)`, lo, hi)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(ancestors, u) {
				t.Errorf("%s holds a row of %s, outside the home district %s", table, u, district)
			}
		}
		_ = rows.Close()
	}
	// The demo villages: a town of the district's code + 3 digits.
	villages := count(`SELECT count(*) FROM orgunits WHERE demo = ?`, true)
	good := count(`SELECT count(*) FROM orgunits v JOIN orgunits t ON t.code = v.parent
		WHERE v.demo = ? AND v.level = 4 AND t.level = 3 AND t.parent = ? AND length(v.code) = 12`, true, district)
	if villages == 0 || good != villages {
		t.Errorf("%d demo villages, %d of them under a town of %s", villages, good, district)
	}

	// Every demo account signs in with the demo password.
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	names := []string{}
	rows, err := d.Query(ctx, `SELECT username FROM users ORDER BY username`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			t.Fatal(err)
		}
		names = append(names, u)
	}
	_ = rows.Close()
	for _, want := range []string{"demo", "demo_town", "demo_village", "demo_person", "demo_employer", "demo_provider", "demo_volunteer", "demo_leader"} {
		if !slices.Contains(names, want) {
			t.Errorf("no demo account %s (have %v)", want, names)
		}
	}
	for _, u := range names {
		body, _ := json.Marshal(map[string]string{"username": u, "password": app.DemoPassword})
		resp, err := http.Post(srv.URL+"/api/v1/session", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("demo account %s signs in: status %d", u, resp.StatusCode)
		}
		if !strings.Contains(printed, u) {
			t.Errorf("the demo login %s is not printed:\n%s", u, printed)
		}
	}

	// The indicator rollups agree with a recomputation, and the district has figures.
	if diffs, err := a.Indicators.Check(ctx, 5); err != nil || len(diffs) > 0 {
		t.Errorf("indicators check: %v %+v", err, diffs)
	}
	res, err := a.Indicators.Indicators(ctx, orgunit.ScopeOf(district), district, d.Now().Year(), "zh")
	if err != nil || len(res.Items) == 0 {
		t.Fatalf("indicators of %s: %+v %v", district, res, err)
	}
	figures := 0
	for _, it := range res.Items {
		if it.Numerator != nil && *it.Numerator > 0 {
			figures++
		}
	}
	if figures < len(res.Items)/2 {
		t.Errorf("indicators of %s: only %d of %d have figures", district, figures, len(res.Items))
	}

	// No Jiading name in another district's demo: the titles, names and
	// places of every kind of record.
	named := map[string][]string{
		"events": {"title", "place"}, "volunteer_tasks": {"title", "place", "contact_name"}, "providers": {"name"},
		"centres": {"name", "name_en", "address"}, "employers": {"name", "address"}, "campaigns": {"name"},
		"town_projects": {"name", "description"}, "users": {"name"}, "volunteers": {"training"},
	}
	jiading := 0
	for table, cols := range named {
		for _, col := range cols {
			n := count(fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s LIKE ? OR %s LIKE ?`, table, col, col), "%嘉定%", "%Jiading%")
			jiading += n
			if district != "310114" && n > 0 {
				t.Errorf("%s.%s: %d demo rows of %s name Jiading", table, col, n, district)
			}
		}
	}
	// Landlines of the district's own area code (021 Shanghai, 0512 Suzhou).
	area := map[string]string{"310114": "021", "320583": "0512", "320585": "0512"}[district]
	if n := count(`SELECT count(*) FROM volunteer_tasks WHERE contact_phone LIKE '0%' AND contact_phone NOT LIKE ?`, area+"%"); n > 0 {
		t.Errorf("%d demo tasks of %s with a landline of another area than %s", n, district, area)
	}
	if district == "310114" {
		// Jiading's demo as it always was (web-tests rely on these names).
		for _, want := range []string{"嘉定区残疾人综合运动会", "嘉定体育中心"} {
			if count(`SELECT count(*) FROM events WHERE title = ? OR place = ?`, want, want) != 1 {
				t.Errorf("Jiading's demo has no event %s", want)
			}
		}
		for table, name := range map[string]string{"centres": "南翔镇阳光之家", "providers": "嘉定区康健助残服务中心", "employers": "南翔精密制造有限公司（演示）"} {
			if count(`SELECT count(*) FROM `+table+` WHERE name = ?`, name) != 1 {
				t.Errorf("Jiading's demo has no %s %s", table, name)
			}
		}
		if jiading == 0 || !strings.Contains(printed, "villages of Jiading") || !strings.Contains(printed, "cases in 南翔镇") {
			t.Errorf("Jiading's demo printed:\n%s", printed)
		}
	}
}

// orgunitTables lists the tables with a column named orgunit.
func orgunitTables(t *testing.T, d *db.DB) []string {
	t.Helper()
	q := `SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'orgunit' ORDER BY m.name`
	if d.Dialect == db.Postgres {
		q = `SELECT table_name FROM information_schema.columns WHERE column_name = 'orgunit' AND table_schema = current_schema() ORDER BY table_name`
	}
	rows, err := d.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}
