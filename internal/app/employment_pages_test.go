package app_test

import (
	"fmt"
	"net/http"
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
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		pg := fmt.Sprintf("/employers/%d", e.empIn)
		get := func(user, path string, want int, wants ...string) string {
			t.Helper()
			st, raw := e.doRaw(user, "GET", path, nil, nil, nil)
			if st != want {
				t.Fatalf("%s GET %s: %d, want %d: %s", user, path, st, want, raw)
			}
			checkPage(t, path, string(raw))
			for _, w := range wants {
				if !strings.Contains(string(raw), w) {
					t.Errorf("%s GET %s: no %q", user, path, w)
				}
			}
			return string(raw)
		}
		post := func(user, path string, form url.Values, want int, wants ...string) {
			t.Helper()
			st, raw := e.form(user, path, form)
			if st != want {
				t.Fatalf("%s POST %s %v: %d, want %d: %s", user, path, form, st, want, raw)
			}
			if st != http.StatusSeeOther {
				checkPage(t, path, string(raw))
			}
			for _, w := range wants {
				if !strings.Contains(string(raw), w) {
					t.Errorf("%s POST %s: no %q", user, path, w)
				}
			}
		}
		year := fmt.Sprint(e.year)
		get("town", pg, 200, `action="`+pg+`/figures"`, `id="f-year"`, `id="f-average_wage"`, `action="`+pg+`/employees"`, `id="f-person_id"`)
		post("town", pg+"/figures", url.Values{"year": {year}, "staff": {"很多"}, "average_wage": {"98000"}}, 422, "error-summary", `id="e-staff"`, `value="很多"`)
		post("town", pg+"/figures", url.Values{"year": {year}, "staff": {"150"}, "average_wage": {"98,000.50"}}, 303)
		get("town", pg+"?year="+year+"&saved=figures", 200, "年度数据已保存", "<td>150</td>", "98000.50")
		post("town", pg+"/employees", url.Values{"person_id": {"abc"}}, 422, `id="e-person_id"`)
		post("town", pg+"/employees", url.Values{"person_id": {fmt.Sprint(e.out)}, "from_date": {year + "-01-05"}}, 404)
		post("town", pg+"/employees", url.Values{"person_id": {fmt.Sprint(e.in)}, "from_date": {year + "-01-05"}}, 303)
		body := get("town", pg+"?saved=employees&lang=en", 200, "The disabled employees are saved.", year+"-01-05", "left today")
		if !strings.Contains(body, fmt.Sprintf(`href="/persons/%d"`, e.in)) {
			t.Error("the linked employee's name does not link to their record")
		}
		post("town", pg+"/employees/end", url.Values{"person_id": {fmt.Sprint(e.in)}, "until_date": {year + "-03-31"}}, 303)
		get("town", pg, 200, year+"-03-31")
		// The employer's own account: its page, no forms.
		if body := get("employer", pg, 200); strings.Contains(body, "/figures") || strings.Contains(body, `/employees"`) {
			t.Error("the employer account sees the staff's forms")
		}
	})
}
