package app_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/access"
	"sunshine/internal/app/apptest"
	"sunshine/internal/employment"
	"sunshine/internal/employment/jobs"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

func TestJobPages(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		sys := employment.Caller{Scope: orgunit.AllUnits(), Registry: access.Caller{Scope: orgunit.AllUnits()}}
		get := func(user, path string, want int, wants ...string) string {
			t.Helper()
			return e.page(t, user, path, want, wants...)
		}
		post := func(user, path string, form url.Values, want int, wants ...string) string {
			t.Helper()
			return e.submit(t, user, path, form, want, wants...)
		}
		// Three seekers in the village whose order for the vacancy is known:
		// 测试11 fits fully (100), 测试12 half the skills and not the hours
		// (40), 测试13 no skills and less education than asked (35).
		seeker := func(n int, in jobs.ProfileInput) int64 {
			p, err := e.App.Registry.Create(ctx, registry.Caller{Scope: sys.Registry.Scope}, registry.PersonInput{Name: fmt.Sprintf("测试%d", n),
				IDNumber: apptest.FixtureID(n), Category: 4, Grade: 2, OrgUnit: villageIn})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.App.Seekers.Put(ctx, sys.Registry, p.ID, in); err != nil {
				t.Fatal(err)
			}
			return p.ID
		}
		a := seeker(11, jobs.ProfileInput{Seeking: true, Education: "senior", Hours: "full_time", Skills: []string{"computer", "data_entry"}, Accommodations: []string{"step_free"}})
		seeker(12, jobs.ProfileInput{Seeking: true, Education: "senior", Hours: "part_time", Skills: []string{"computer"}, Accommodations: []string{"screen_reader"}})
		seeker(13, jobs.ProfileInput{Seeking: true, Education: "none", Hours: "flexible"})
		v, err := e.App.Seekers.CreateVacancy(ctx, sys, jobs.VacancyInput{EmployerID: e.EmpIn, Title: "数据录入员", OrgUnit: villageIn, Positions: 2,
			MinEducation: "junior", Hours: "full_time", Skills: []string{"computer", "data_entry"}, Accommodations: []string{"step_free"}, MonthlyWage: 5000})
		if err != nil {
			t.Fatal(err)
		}
		vp := fmt.Sprintf("/vacancies/%d", v.ID)

		// The vacancy ranks the seekers in order, each with its reasons in words.
		body := get("town", vp, 200, "数据录入员", "推荐的求职人员", "具备岗位所需 2 项技能中的 2 项", "40 分（满分 40）", "用人单位提供所需的全部便利安排",
			"住在工作地所在村居", "扣 20 分", "学历（未上学）低于岗位要求（初中）", fmt.Sprintf(`href="/persons/%d/job-profile"`, a), "<td>100</td>")
		i11, i12, i13 := strings.Index(body, "测试11"), strings.Index(body, "测试12"), strings.Index(body, "测试13")
		if i11 < 0 || i12 < 0 || i13 < 0 || i11 > i12 || i12 > i13 {
			t.Errorf("the seekers are not ranked 测试11, 测试12, 测试13: %d %d %d", i11, i12, i13)
		}
		get("district", vp+"?lang=en", 200, "Job seekers who fit", "Has 2 of the 2 skills the job asks for", "40 of 40 points", "minus 20 points", "Wants part time work")
		// The employer sees its vacancy but no seekers.
		body = get("employer", vp, 200, "数据录入员", "修改岗位")
		for _, no := range []string{"测试11", "推荐的求职人员", "/job-profile"} {
			if strings.Contains(body, no) {
				t.Errorf("the employer sees %q on the vacancy", no)
			}
		}
		get("employer", "/vacancies", 200, "本单位的招聘岗位", "数据录入员", `href="/vacancies/new"`)
		get("district", "/vacancies?lang=en", 200, "Vacancies of the employers in your area", "数据录入员", "Open")

		// The seekers' list, filtered by a skill.
		get("village", "/jobs/seekers", 200, "求职登记人员", "测试11", "测试12", "测试13", "永新村", "数据录入", "无障碍通道")
		if n := e.count(fmt.Sprintf(`SELECT count(*) FROM audit_log WHERE username = 'village' AND action = 'list' AND subject_type = 'job_profile' AND subject_id = '%d'`, a)); n != 1 {
			t.Errorf("listing the seekers wrote %d audit entries for 测试11, want 1", n)
		}
		body = get("town", "/jobs/seekers?skill=data_entry&lang=en", 200, "Job seekers", "1 job seekers", "Data entry")
		if strings.Contains(body, "测试12") {
			t.Error("the skill filter lets 测试12 through")
		}
		get("town", "/jobs/seekers?skill=nonsense", 422)

		// The profile: a form with the vacancies ranked for the person.
		pa := fmt.Sprintf("/persons/%d/job-profile", a)
		get("town", pa, 200, "就业登记：测试11", `id="f-education"`, `id="f-skills-computer" name="skills" value="computer" checked`, "<legend>",
			"适合的招聘岗位", "匹配得分 100 分", "具备岗位所需 2 项技能中的 2 项")
		post("town", pa, url.Values{"seeking": {"1"}, "education": {"phd"}, "hours": {"full_time"}, "skills": {"computer", "juggling"}}, 422,
			"error-summary", `id="e-education"`, `href="#f-skills"`, `id="e-skills"`)
		post("town", pa, url.Values{"seeking": {"1"}, "education": {"bachelor"}, "hours": {"part_time"}, "skills": {"computer"}, "desired": {"做电脑录入"}}, 303)
		get("town", pa+"?saved=1", 200, "已保存", "做电脑录入", `value="part_time" checked`)
		// The village assistant reads it only; the person edits their own.
		body = get("village", pa+"?lang=en", 200, "Employment profile", "Bachelor", "Part time")
		if strings.Contains(body, `action="`+pa+`"`) {
			t.Error("the village assistant gets the profile form")
		}
		get("person", fmt.Sprintf("/persons/%d/job-profile", e.In), 200, "保存就业登记后", `action="/persons/`)
		get("person", pa, 404)
		get("person", "/me", 200, fmt.Sprintf(`href="/persons/%d/job-profile"`, e.In))
		get("town", apptest.PersonPage(a, ""), 200, pa)

		// A placement case names what its steps recorded, in words (no internal ids).
		var pc struct {
			ID      int64
			Version int
		}
		if st := e.Do("town", "POST", "/api/v1/cases", map[string]any{"person_id": a, "service_type": "employment", "data": map[string]any{"need": "文员"}}, &pc); st != 201 {
			t.Fatalf("open a placement case: %d", st)
		}
		cp := fmt.Sprintf("/cases/%d", pc.ID)
		get("town", cp, 200, `<h3 id="a-match">推荐岗位</h3>`, fmt.Sprintf(`<option value="%d"`, v.ID))
		post("town", cp+"/act", url.Values{"action": {"match"}, "version": {fmt.Sprint(pc.Version)}, "vacancy": {fmt.Sprint(v.ID)}}, 303)
		body = get("town", cp, 200, "<dt>岗位名称</dt><dd>数据录入员</dd>", "<dt>用人单位</dt>", "<dt>推荐岗位</dt><dd>南翔精密制造 · 数据录入员（匹配度 65）</dd>", "<dt>匹配得分</dt><dd>65</dd>")
		if strings.Contains(body, "employer_id") || strings.Contains(body, "vacancy_title") {
			t.Error("the placement case page shows raw data keys")
		}
		post("town", cp+"/act", url.Values{"action": {"place"}, "version": {fmt.Sprint(pc.Version + 1)}, "start_date": {"2026-11-02"}}, 303)
		get("town", cp+"?lang=en", 200, "<dt>Start date</dt><dd>2026-11-02</dd>", "<dt>Job</dt><dd>数据录入员</dd>")

		// The vacancy form: the employers in scope, mistakes named, a stale version refused.
		body = get("district", "/vacancies/new", 200, `id="f-employer_id"`, "南翔精密制造", "安亭汽车配件", `id="f-min_education"`, `id="f-accommodations-step_free"`)
		if strings.Contains(body, "玉山电子") {
			t.Error("the form offers an employer outside the district")
		}
		// The workplace is picked by name among the district's towns and villages.
		body = get("employer", "/vacancies/new", 200, `id="f-title"`, `<select id="f-orgunit" name="orgunit">`, `<option value="">单位所在街镇</option>`,
			`<optgroup label="安亭镇">`, `<option value="310114102201">永新村</option>`)
		if strings.Contains(body, "玉山村") {
			t.Error("the workplace picker offers a place outside the district")
		}
		if strings.Contains(body, `id="f-employer_id"`) {
			t.Error("an employer account chooses an employer")
		}
		post("town", "/vacancies/new", url.Values{"employer_id": {fmt.Sprint(e.EmpIn)}, "title": {""}, "positions": {"many"}, "hours": {"full_time"}}, 422,
			"error-summary", `id="e-title"`, `id="e-positions"`, `href="#f-positions"`)
		post("employer", "/vacancies/new", url.Values{"title": {"包装工"}, "positions": {"3"}, "hours": {"part_time"}, "skills": {"packaging"}, "monthly_wage": {"3000"}}, 303)
		get("district", vp+"/edit", 200, `name="version" value="1"`, `id="f-open-1"`, `value="数据录入员"`)
		post("district", vp+"/edit", url.Values{"version": {"1"}, "title": {"数据录入员"}, "positions": {"2"}, "hours": {"full_time"}, "open": {"0"}}, 303)
		get("district", vp, 200, "已关闭")
		post("town", vp+"/edit", url.Values{"version": {"1"}, "title": {"数据录入员"}, "positions": {"2"}, "hours": {"full_time"}}, 409, "error-summary")
		post("town", vp+"/edit", url.Values{"version": {"2"}, "title": {"数据录入员"}, "positions": {"0"}, "hours": {"full_time"}, "orgunit": {"310114103201"}}, 422,
			`id="e-positions"`, `<option value="310114103201" selected>安亭村</option>`)
	})
}
