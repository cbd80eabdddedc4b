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

// TestEmployerHomeAndRecommendations: the employer's home shows its quota
// position, its vacancies and the candidates recommended to it; staff
// recommend a ranked seeker from the vacancy page; the employer answers
// there; the answer shows to staff.
func TestEmployerHomeAndRecommendations(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		// 200 staff, no disabled employee: 3 required, 3 short.
		e.page(t, "employer", "/", 200, fmt.Sprintf("%d 年按比例安排残疾人就业", e.Year), "应安排残疾人（按比例）", "还差 3 名残疾职工", "还没有推荐人选", "还没有发布岗位")
		st, raw := e.Form("employer", "/vacancies/new", url.Values{"title": {"质检员"}, "positions": {"2"}, "min_education": {"none"}, "hours": {"full_time"}, "skills": {"computer"}})
		if st != 303 {
			t.Fatalf("new vacancy: %d %s", st, raw)
		}
		var vid int64
		if err := d.QueryRow(t.Context(), `SELECT id FROM vacancies WHERE title = '质检员'`).Scan(&vid); err != nil {
			t.Fatal(err)
		}
		if st := e.Do("town", "PUT", fmt.Sprintf("/api/v1/persons/%d/job-profile", e.In), map[string]any{"seeking": true, "education": "senior", "hours": "full_time", "skills": []string{"computer"}}, nil); st != 200 {
			t.Fatalf("profile: %d", st)
		}
		vp := fmt.Sprintf("/vacancies/%d", vid)
		e.page(t, "town", vp, 200, "推荐测试1", "还没有向这个岗位推荐人选")
		e.submit(t, "town", vp+"/recommend", url.Values{"person_id": {"abc"}}, 422, "请从列表中选择要推荐的人")
		e.submit(t, "town", vp+"/recommend", url.Values{"person_id": {fmt.Sprint(e.In)}}, 303)
		e.submit(t, "town", vp+"/recommend", url.Values{"person_id": {fmt.Sprint(e.In)}}, 409, "已经向这个岗位推荐过此人")
		e.page(t, "town", vp+"?saved=recommended", 200, "已推荐给用人单位", "待单位答复")
		home := e.page(t, "employer", "/?lang=en", 200, "Candidates the federation recommends to you", "测试1", "awaiting the employer", "质检员")
		if strings.Contains(home, "3101141980") {
			t.Error("the employer's home shows an ID number")
		}
		body := e.page(t, "employer", vp, 200, "同意面试测试1", "婉拒测试1")
		var pid int64
		if err := d.QueryRow(t.Context(), `SELECT id FROM job_proposals WHERE vacancy_id = ?`, vid).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, fmt.Sprintf(`action="/proposals/%d/accept"`, pid)) {
			t.Error("no accept form")
		}
		e.submit(t, "employer", fmt.Sprintf("/proposals/%d/accept", pid), url.Values{}, 303)
		e.submit(t, "employer", fmt.Sprintf("/proposals/%d/decline", pid), url.Values{}, 409)
		e.page(t, "town", vp, 200, "单位同意面试")
		var list struct {
			Items []struct {
				State, Name string
				PersonID    int64 `json:"person_id"`
			}
		}
		if st := e.Do("employer", "GET", "/api/v1/proposals", nil, &list); st != 200 || len(list.Items) != 1 || list.Items[0].State != "accepted" || list.Items[0].Name != "测试1" {
			t.Errorf("the employer's proposals through the API: %d %+v", st, list)
		}
		if st := e.Do("town", "POST", fmt.Sprintf("/api/v1/vacancies/%d/proposals", vid), map[string]any{"person_id": e.In}, nil); st != 409 {
			t.Errorf("recommending twice through the API: %d", st)
		}
		// The person sees the recommendation and the answer at home; staff on the person page.
		e.page(t, "person", "/me", 200, "推荐的岗位及单位答复", "质检员", "南翔精密制造", "单位同意面试")
		e.page(t, "town", fmt.Sprintf("/persons/%d", e.In), 200, "推荐的岗位及单位答复", "质检员")
		// The employer's own employee is no candidate for it.
		e.submit(t, "town", fmt.Sprintf("/employers/%d/employees", e.EmpIn), url.Values{"person_id": {fmt.Sprint(e.In)}, "from_date": {fmt.Sprintf("%d-01-05", e.Year)}}, 303)
		if body := e.page(t, "town", vp, 200); strings.Contains(body, "推荐测试1") || strings.Contains(body, `<a href="/persons/`+fmt.Sprint(e.In)+`/job-profile">`) {
			t.Error("the match list offers the employer's own employee")
		}
	})
}

// TestPersonRequestSaysWhatNext: the person's own request says what happens
// next, who does it, and whom to contact (their village and town by name).
func TestPersonRequestSaysWhatNext(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var cs struct{ ID int64 }
		if st := e.Do("person", "POST", "/api/v1/cases", map[string]any{"person_id": e.In, "service_type": "employment", "data": map[string]any{"need": "想找一份工作"}}, &cs); st != 201 {
			t.Fatalf("open a request: %d", st)
		}
		path := fmt.Sprintf("/cases/%d", cs.ID)
		e.page(t, "person", path, 200, `id="what-next"`, "接下来：", "推荐岗位：由街镇工作人员或区残联工作人员办理", `id="contact"`, "永新村", "南翔镇残联")
		e.page(t, "person", path+"?lang=en", 200, "What happens next:", "match: done by Town staff or District staff", "Nanxiang")
		// Staff see what comes next but no contact line (it is for the person).
		if body := e.page(t, "town", path, 200); strings.Contains(body, `id="contact"`) {
			t.Error("staff see the person's contact line")
		}
	})
}
