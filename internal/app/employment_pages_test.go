package app_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestEmployerForms: staff enter an employer's yearly figures and link and
// unlink disabled employees on the employer's page; mistakes are shown next to
// the fields; the employer's own account sees no forms.
func TestEmployerForms(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		pg := fmt.Sprintf("/employers/%d", e.EmpIn)
		get := func(user, path string, want int, wants ...string) string {
			t.Helper()
			return e.page(t, user, path, want, wants...)
		}
		post := func(user, path string, form url.Values, want int, wants ...string) {
			t.Helper()
			e.submit(t, user, path, form, want, wants...)
		}
		year := fmt.Sprint(e.Year)
		get("town", pg, 200, `action="`+pg+`/figures"`, `id="f-year"`, `id="f-average_wage"`, `action="`+pg+`/employees"`, `id="f-person_id"`)
		post("town", pg+"/figures", url.Values{"year": {year}, "staff": {"很多"}, "average_wage": {"98000"}}, 422, "error-summary", `id="e-staff"`, `value="很多"`)
		post("town", pg+"/figures", url.Values{"year": {year}, "staff": {"150"}, "average_wage": {"98,000.50"}}, 303)
		get("town", pg+"?year="+year+"&saved=figures", 200, "年度数据已保存", "<td>150</td>", "98000.50")
		post("town", pg+"/employees", url.Values{"person_id": {"abc"}}, 422, `id="e-person_id"`)
		post("town", pg+"/employees", url.Values{"person_id": {fmt.Sprint(e.Out)}, "from_date": {year + "-01-05"}}, 404)
		post("town", pg+"/employees", url.Values{"person_id": {fmt.Sprint(e.In)}, "from_date": {year + "-01-05"}}, 303)
		body := get("town", pg+"?saved=employees&lang=en", 200, "The disabled employees are saved.", year+"-01-05", "left…")
		if !strings.Contains(body, fmt.Sprintf(`href="/persons/%d"`, e.In)) {
			t.Error("the linked employee's name does not link to their record")
		}
		// Ending asks for the date and a confirmation: a slip ends nothing.
		get("town", fmt.Sprintf("%s/employees/end?person_id=%d", pg, e.In), 200, `id="f-until_date"`, `id="f-confirm"`, "测试1", "确认登记离职")
		get("town", fmt.Sprintf("%s/employees/end?person_id=%d", pg, e.Out), 404)
		post("town", pg+"/employees/end", url.Values{"person_id": {fmt.Sprint(e.In)}, "until_date": {year + "-03-31"}}, 422, `id="e-confirm"`, `value="`+year+`-03-31"`)
		post("town", pg+"/employees/end", url.Values{"person_id": {fmt.Sprint(e.In)}, "until_date": {year + "-01-01"}, "confirm": {"1"}}, 422, "离职日期不能早于入职日期")
		post("town", pg+"/employees/end", url.Values{"person_id": {fmt.Sprint(e.In)}, "until_date": {"31/03"}, "confirm": {"1"}}, 422, "离职日期应为日期", `value="31/03"`)
		get("town", pg, 200, "在职")
		post("town", pg+"/employees/end", url.Values{"person_id": {fmt.Sprint(e.In)}, "until_date": {year + "-03-31"}, "confirm": {"1"}}, 303)
		get("town", pg, 200, year+"-03-31")
		// The levy parameters: district staff only; the defaults at first, then what they save.
		get("town", "/levy/statement?year="+year, 200)
		get("district", "/levy/params?year="+year, 200, "国家规定的默认值", `value="1.5"`, `id="f-double_count_severe" name="double_count_severe" checked`, `value="90"`)
		good := url.Values{"year": {year}, "quota": {"1.7"}, "exempt_max_staff": {"30"}, "exempt_until_year": {"0"}, "wage_cap": {"3"},
			"threshold": {"1"}, "rate_at_or_above": {"50"}, "rate_below": {"90"}, "social_average_wage": {"120000"}}
		bad := url.Values{}
		for k, v := range good {
			bad[k] = v
		}
		bad.Set("quota", "百分之一")
		bad.Set("rate_below", "120")
		post("district", "/levy/params", bad, 422, "error-summary", `id="e-quota"`, `id="e-rate_below"`, "不能超过 100")
		post("district", "/levy/params", good, 303)
		get("district", "/levy/params?year="+year+"&saved=1&lang=en", 200, "Saved", `value="1.7"`, `value="3"`, `value="120000.00"`, "last changed by")
		if body := get("district", "/levy/statement?year="+year, 200, "/levy/params?year="+year); strings.Contains(body, "尚未设定") {
			t.Error("the statement still says no social average wage is set")
		}
		// The employer's own account: its page, no forms.
		if body := get("employer", pg, 200); strings.Contains(body, "/figures") || strings.Contains(body, `/employees"`) {
			t.Error("the employer account sees the staff's forms")
		}
	})
}
