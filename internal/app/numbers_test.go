package app_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/access"
	"sunshine/internal/employment"
	"sunshine/internal/employment/jobs"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// Issue 14: the forms that take money read amounts as people write them
// ("5,500", "5.6万"), and refuse what they cannot read with the typed text
// kept in the input and the error tied to it — never a silent 0.
func TestFormsReadNumbersAsTyped(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		sys := employment.Caller{Scope: orgunit.AllUnits(), Registry: access.Caller{Scope: orgunit.AllUnits()}}
		post := func(user, path string, form url.Values, want int, wants ...string) string {
			t.Helper()
			return html.UnescapeString(e.submit(t, user, path, form, want))
		}
		has := func(what, body string, wants ...string) {
			t.Helper()
			for _, w := range wants {
				if !strings.Contains(body, w) {
					t.Errorf("%s: no %q", what, w)
				}
			}
		}

		// The vacancy's monthly wage.
		v, err := e.App.Seekers.CreateVacancy(ctx, sys, jobs.VacancyInput{EmployerID: e.EmpIn, Title: "包装工", Positions: 1, Hours: "full_time"})
		if err != nil {
			t.Fatal(err)
		}
		vp := fmt.Sprintf("/vacancies/%d/edit", v.ID)
		wage := func() int64 {
			t.Helper()
			got, err := e.App.Seekers.GetVacancy(ctx, sys, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.MonthlyWage
		}
		form := func(version int, w string) url.Values {
			return url.Values{"version": {fmt.Sprint(version)}, "title": {"包装工"}, "positions": {"1"}, "hours": {"full_time"}, "monthly_wage": {w}}
		}
		for i, c := range []struct {
			typed string
			want  int64
		}{{"5,500", 5500}, {"5.6万", 56000}, {"５５００元", 5500}, {"", 0}} { // empty: 面议
			post("district", vp, form(i+1, c.typed), 303)
			if got := wage(); got != c.want {
				t.Errorf("wage typed %q: stored %d, want %d", c.typed, got, c.want)
			}
		}
		body := post("district", vp, form(5, "abc"), 422)
		has("vacancy abc", body, `value="abc"`, `id="e-monthly_wage"`, `aria-describedby="h-monthly_wage e-monthly_wage"`, `aria-invalid="true"`,
			`href="#f-monthly_wage"`, "月薪：“abc”不是金额", `name="positions" value="1"`)
		body = post("district", vp, form(5, "5500.50"), 422)
		has("vacancy 5500.50", body, `value="5500.50"`, "“5500.50”不是整数元")
		if got := wage(); got != 0 {
			t.Errorf("a refused wage changed the vacancy: %d", got)
		}
		body = html.UnescapeString(e.page(t, "district", vp, 200))
		has("vacancy form", body, `name="monthly_wage" value=""`, "留空表示面议")

		// The employer's average annual wage.
		ep := fmt.Sprintf("/employers/%d/figures", e.EmpIn)
		year := fmt.Sprint(e.Year)
		post("town", ep, url.Values{"year": {year}, "staff": {"150"}, "average_wage": {"9.8万"}}, 303)
		var emp employment.Employer
		if st := e.Do("town", "GET", fmt.Sprintf("/api/v1/employers/%d", e.EmpIn), nil, &emp); st != 200 {
			t.Fatalf("employer: %d", st)
		}
		found := false
		for _, f := range emp.Figures {
			if f.Year == e.Year {
				found = f.AverageWageCents == 98000_00
			}
		}
		if !found {
			t.Errorf("average wage typed 9.8万: %+v", emp.Figures)
		}
		body = post("town", ep, url.Values{"year": {year}, "staff": {"150"}, "average_wage": {"九万"}}, 422)
		has("figures", body, `value="九万"`, `id="e-average_wage"`, "“九万”不是金额")

		// The household income of the annual record.
		ap := fmt.Sprintf("/persons/%d/annual/%d", e.In, e.Year-1)
		income := func() *int64 {
			t.Helper()
			var rec struct {
				Income *int64 `json:"household_income_per_capita"`
			}
			if st := e.Do("village", "GET", "/api/v1"+ap, nil, &rec); st != 200 {
				t.Fatalf("annual: %d", st)
			}
			return rec.Income
		}
		for i, c := range []struct {
			typed string
			want  int64
		}{{"5.6万", 56000}, {"5,500", 5500}, {"36000元", 36000}} {
			post("village", ap, url.Values{"version": {fmt.Sprint(i)}, "employment": {"employed"}, "household_income_per_capita": {c.typed}}, 303)
			if got := income(); got == nil || *got != c.want {
				t.Errorf("income typed %q: stored %v, want %d", c.typed, got, c.want)
			}
		}
		body = post("village", ap, url.Values{"version": {"3"}, "employment": {"employed"}, "household_income_per_capita": {"abc"}, "rehab_need": {"1"}}, 422)
		has("annual abc", body, `value="abc"`, `id="e-income"`, `aria-describedby="h-income e-income"`, `href="#f-household_income_per_capita"`,
			"家庭人均年收入：“abc”不是金额", `id="f-rehab_need-1" name="rehab_need" value="1" checked`)
		if got := income(); got == nil || *got != 36000 {
			t.Errorf("a refused income changed the record: %v", got)
		}
		post("village", ap, url.Values{"version": {"3"}, "employment": {"employed"}, "household_income_per_capita": {""}}, 303)
		if got := income(); got != nil {
			t.Errorf("an empty income is unknown, not %d", *got)
		}
		body = html.UnescapeString(e.page(t, "village", ap, 200))
		has("annual form", body, `name="household_income_per_capita" inputmode="decimal" autocomplete="off" value=""`)

		// An import column: 万 read, what cannot be read named with the cell's text.
		var rev struct {
			IDNumber string `json:"id_number"`
		}
		e.Do("town", "POST", fmt.Sprintf("/api/v1/persons/%d/reveal", e.In), map[string]string{"reason": "年度导入测试"}, &rev)
		file := "身份证号,就业状况,家庭人均收入\n" + rev.IDNumber + ",employed,3.6万\n"
		if st, rep := e.importFile("village", fmt.Sprintf("/api/v1/imports/annual?year=%d", e.Year-2), "a.csv", []byte(file)); st != 200 || rep.Created != 1 {
			t.Fatalf("import 3.6万: %d %+v", st, rep)
		}
		var rec struct {
			Income *int64 `json:"household_income_per_capita"`
		}
		if e.Do("village", "GET", fmt.Sprintf("/api/v1/persons/%d/annual/%d", e.In, e.Year-2), nil, &rec); rec.Income == nil || *rec.Income != 36000 {
			t.Errorf("imported 3.6万: %v", rec.Income)
		}
		file = "身份证号,就业状况,家庭人均收入\n" + rev.IDNumber + ",employed,三万六\n"
		st, rep := e.importFile("village", fmt.Sprintf("/api/v1/imports/annual?year=%d&mode=skip-invalid", e.Year-3), "a.csv", []byte(file))
		if st != 200 || rep.RejectedRows != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Column != "家庭人均收入" ||
			!strings.Contains(rep.Rejected[0].Message, "三万六") {
			t.Errorf("import 三万六: %d %+v", st, rep)
		}
	})
}

// Issue 14: a rate target typed as a fraction is refused with the percentage
// suggested and the text kept; any year from 2021 to five years ahead can be
// set.
func TestTargetsAsPercentages(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		now := e.App.DB.Now().Year()
		body := html.UnescapeString(e.submit(t, "district", "/indicators/targets", url.Values{"orgunit": {"310114102"}, "year": {fmt.Sprint(now)}, "rehab_rate": {"0.8"}}, 422))
		for _, w := range []string{`value="0.8"`, `id="e-rehab_rate"`, "“0.8”像是小数", "请填写 80", `href="#f-rehab_rate"`} {
			if !strings.Contains(body, w) {
				t.Errorf("target 0.8: no %q", w)
			}
		}
		target := func(year int) *float64 {
			t.Helper()
			var out struct {
				Items []struct {
					Code   string
					Target *float64
					Source string
				}
			}
			if st := e.Do("district", "GET", fmt.Sprintf("/api/v1/indicators/targets?orgunit=310114102&year=%d", year), nil, &out); st != 200 {
				t.Fatalf("targets: %d", st)
			}
			for _, it := range out.Items {
				if it.Code == "rehab_rate" && it.Source == "310114102" {
					return it.Target
				}
			}
			return nil
		}
		if v := target(now); v != nil {
			t.Errorf("a refused 0.8 was stored: %v", *v)
		}
		for _, y := range []int{2021, now + 5} {
			e.submit(t, "district", "/indicators/targets", url.Values{"orgunit": {"310114102"}, "year": {fmt.Sprint(y)}, "rehab_rate": {"80"}}, 303)
			if v := target(y); v == nil || *v != 0.8 {
				t.Errorf("target for %d: %v", y, v)
			}
		}
		e.submit(t, "district", "/indicators/targets", url.Values{"orgunit": {"310114102"}, "year": {fmt.Sprint(now)}, "rehab_rate": {"0.8%"}}, 303)
		if v := target(now); v == nil || *v != 0.008 {
			t.Errorf("0.8%% with its sign: %v", v)
		}
		e.submit(t, "district", "/indicators/targets", url.Values{"orgunit": {"310114102"}, "year": {fmt.Sprint(now + 6)}, "rehab_rate": {"80"}}, 422, "目标年份应在 2021")
		e.page(t, "district", fmt.Sprintf("/indicators/targets?orgunit=310114102&year=%d", now), 200, `name="rehab_rate" value="0.8%"`,
			fmt.Sprintf(`<option value="%d"`, now+5), `<option value="2021"`)
	})
}
