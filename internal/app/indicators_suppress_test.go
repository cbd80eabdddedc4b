package app_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// suppressFixture adds to the Env's fixture (测试1: category 4, in
// apptest.Village, with a record) six persons of category 1 in
// apptest.Village and one in 永乐村, each with a record. Town 南翔镇 then
// breaks down into 永新村 7 and 永乐村 1; 永新村 by category into 6 (category 1)
// and 1 (category 4).
func suppressFixture(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	sys := registry.Caller{Scope: orgunit.ScopeOf("3")}
	add := func(n int, unit string, category int) {
		p, err := e.App.Registry.Create(ctx, sys, registry.PersonInput{Name: fmt.Sprintf("小格%d", n),
			IDNumber: apptest.IDNumber(fmt.Sprintf("3101141975020%d00", 10+n)), Category: category, Grade: 2, OrgUnit: unit})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.App.Registry.PutAnnual(ctx, sys, p.ID, registry.Annual{Year: e.Year, Employment: "employed"}); err != nil {
			t.Fatal(err)
		}
	}
	for n := 1; n <= 6; n++ {
		add(n, apptest.Village, 1)
	}
	add(7, "310114102202", 4)
}

type cell struct {
	Key         string
	Numerator   *int64
	Denominator *int64
	Value       *float64
	Gap         *int64
	Met         *bool
	Suppressed  bool
}

func (e *env) breakdown(t *testing.T, user, code, unit, by string) map[string]cell {
	t.Helper()
	var out struct{ Items []cell }
	path := fmt.Sprintf("/api/v1/indicators/%s/breakdown?orgunit=%s&year=%d&by=%s", code, unit, e.Year, by)
	if st, body := e.DoRaw(user, "GET", path, nil, &out, nil); st != 200 {
		t.Fatalf("%s as %s: %d %s", path, user, st, body)
	}
	m := map[string]cell{}
	for _, it := range out.Items {
		m[it.Key] = it
	}
	return m
}

// TestIndicatorsSmallCellsLeader: a leader (no access to personal data) is
// not shown figures under 5 — in breakdowns by village and by category, with
// the complementary cell hidden too — while district staff see the exact
// figures.
func TestIndicatorsSmallCellsLeader(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		suppressFixture(t, e)
		hidden := func(what string, c cell) {
			t.Helper()
			if !c.Suppressed || c.Numerator != nil || c.Denominator != nil || c.Value != nil || c.Gap != nil || c.Met != nil {
				t.Errorf("%s: want suppressed with null figures, got %+v", what, c)
			}
		}
		exact := func(what string, c cell, num, den int64) {
			t.Helper()
			if c.Suppressed || c.Numerator == nil || *c.Numerator != num || c.Denominator == nil || *c.Denominator != den || c.Value == nil {
				t.Errorf("%s: want %d/%d shown, got %+v", what, num, den, c)
			}
		}
		// By village: 永乐村 has 1 (suppressed); 永新村, the only other, would
		// give it away by subtraction from the town (complementary).
		lead := e.breakdown(t, "leader", "survey_coverage", "310114102", "orgunit")
		hidden("leader, 永乐村", lead["310114102202"])
		hidden("leader, 永新村 (complementary)", lead[apptest.Village])
		staff := e.breakdown(t, "district", "survey_coverage", "310114102", "orgunit")
		exact("district, 永乐村", staff["310114102202"], 1, 1)
		exact("district, 永新村", staff[apptest.Village], 7, 7)
		// By category within the village: category 4 has 1, category 1 six.
		lead = e.breakdown(t, "leader", "survey_coverage", apptest.Village, "category")
		hidden("leader, category 4", lead["4"])
		hidden("leader, category 1 (complementary)", lead["1"])
		if c := lead["2"]; c.Suppressed || c.Denominator == nil || *c.Denominator != 0 {
			t.Errorf("leader, an empty category is shown as 0: %+v", c)
		}
		staff = e.breakdown(t, "town", "survey_coverage", apptest.Village, "category")
		exact("town staff, category 4", staff["4"], 1, 1)
		exact("town staff, category 1", staff["1"], 6, 6)
		// The unit's own figures: 永乐村 alone is 1/1.
		var res struct {
			Items []struct {
				Code string
				cell
			}
		}
		if st, body := e.DoRaw("leader", "GET", fmt.Sprintf("/api/v1/indicators?orgunit=310114102202&year=%d", e.Year), nil, &res, nil); st != 200 {
			t.Fatalf("indicators: %d %s", st, body)
		}
		for _, it := range res.Items {
			if it.Code == "survey_coverage" {
				hidden("leader, 永乐村's own figure", it.cell)
			}
		}
		// The comparison hides the year's value of a suppressed village.
		var cmp struct {
			Items []struct {
				Code, OrgUnit   string
				After           *float64
				AfterSuppressed bool `json:"after_suppressed"`
			}
		}
		if st, body := e.DoRaw("leader", "GET", fmt.Sprintf("/api/v1/indicators/compare?orgunit=310114102&year=%d", e.Year), nil, &cmp, nil); st != 200 {
			t.Fatalf("compare: %d %s", st, body)
		}
		for _, it := range cmp.Items {
			if it.Code == "survey_coverage" && (!it.AfterSuppressed || it.After != nil) {
				t.Errorf("leader, compare %s: %+v", it.OrgUnit, it)
			}
		}
	})
}

// TestIndicatorsSmallCellsPagesAndExport: the indicator page and the XLSX
// export show "少于5" / "<5" to a leader where staff see the figures.
func TestIndicatorsSmallCellsPagesAndExport(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		suppressFixture(t, e)
		path := fmt.Sprintf("/indicators/survey_coverage?orgunit=%s&year=%d", apptest.Village, e.Year)
		body := e.page(t, "leader", path, 200, "少于5")
		if strings.Contains(body, "<td>1</td>") {
			t.Errorf("the leader's page shows a count of 1")
		}
		if body := e.page(t, "district", path, 200, "<td>1</td>"); strings.Contains(body, "少于5") {
			t.Errorf("district staff's page suppresses figures")
		}
		rows := func(user, lang string) [][]string {
			t.Helper()
			req, _ := http.NewRequest("GET", e.Srv.URL+fmt.Sprintf("/api/v1/indicators/export?table=breakdown&code=survey_coverage&by=orgunit&orgunit=310114102&year=%d", e.Year), nil)
			req.Header.Set("Authorization", "Bearer "+e.Tokens[user])
			req.Header.Set("Accept-Language", lang)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("export as %s: %d", user, resp.StatusCode)
			}
			file := filepath.Join(t.TempDir(), "export.xlsx")
			f, err := os.Create(file)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.ReadFrom(resp.Body); err != nil {
				t.Fatal(err)
			}
			f.Close()
			rd, _, err := tabular.Open(file, tabular.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			var out [][]string
			for {
				row, err := rd.Next()
				if err != nil {
					break
				}
				out = append(out, row)
			}
			return out
		}
		for _, row := range rows("leader", "en") {
			if len(row) < 4 || row[2] != "<5" || row[3] != "<5" {
				t.Errorf("leader's export: %q, want <5 for numerator and denominator", row)
			}
		}
		got := map[string]string{}
		for _, row := range rows("district", "en") {
			got[row[0]] = row[2] + "/" + row[3]
		}
		if got["310114102202"] != "1/1" || got[apptest.Village] != "7/7" {
			t.Errorf("district's export: %v", got)
		}
	})
}
