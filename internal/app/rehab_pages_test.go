package app_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

func TestRehabPages(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		get := func(user, path string, want int, wants ...string) string {
			t.Helper()
			return e.page(t, user, path, want, wants...)
		}
		post := func(user, path string, form url.Values, want int, wants ...string) {
			t.Helper()
			e.submit(t, user, path, form, want, wants...)
		}
		sub := e.Int64(`SELECT id FROM rehab_centres WHERE orgunit = ?`, "310114102")
		sp := fmt.Sprint(sub)

		// The centres: district staff change one; mistakes are shown next to the fields.
		get("district", "/rehab/centres", 200, "康复中心", "嘉定区康复中心", "南翔镇康复分中心", "物理治疗", `/rehab/centres?edit=`+sp)
		get("district", "/rehab/centres?edit="+sp, 200, `id="f-capacity"`, `id="f-services-speech"`, `value="20"`)
		post("district", "/rehab/centres", url.Values{"centre": {sp}, "capacity": {"-3"}, "services": {"physical"}}, 422, `id="e-capacity"`, "error-summary")
		post("district", "/rehab/centres", url.Values{"centre": {sp}, "capacity": {"4"}, "services": {"physical", "speech"}}, 303)
		get("district", "/rehab/centres?saved="+sp+"&lang=en", 200, "Saved.", "Nanxiang", "Speech therapy")
		body := get("town", "/rehab/centres", 200, "南翔镇康复分中心")
		if strings.Contains(body, "edit=") {
			t.Error("town staff see the edit links")
		}
		get("town", "/rehab/centres?edit="+sp, 404)

		// A plan at the sub-centre, one attended session: the schedule shows both.
		c := func(path string, body any, out any) {
			t.Helper()
			if st := e.Do("town", "POST", path, body, out); st != 200 && st != 201 {
				t.Fatalf("POST %s: %d", path, st)
			}
		}
		var cs struct{ ID int64 }
		c("/api/v1/cases", map[string]any{"person_id": e.In, "service_type": "rehabilitation", "data": map[string]any{"reason": "中风后康复"}}, &cs)
		tr := fmt.Sprintf("/api/v1/cases/%d/transitions", cs.ID)
		c(tr, map[string]any{"action": "assess", "data": map[string]any{"service": "speech", "sessions": 6}}, nil)
		today := d.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
		c(tr, map[string]any{"action": "schedule", "data": map[string]any{"centre": sub, "start": today, "per_week": 3}}, nil)
		c(tr, map[string]any{"action": "session", "data": map[string]any{"date": today, "attended": true}}, nil)
		get("town", "/rehab/schedule", 200, "康复排期", "南翔镇康复分中心", fmt.Sprintf(`href="/cases/%d"`, cs.ID), "测试1", "言语治疗", "已参加",
			"<td>4</td><td>3</td><td>1</td>", `id="f-from"`)
		// The provider sees the plans of the cases assigned to its organisation only.
		if body := get("provider", "/rehab/schedule?centre="+sp+"&from="+today+"&lang=en", 200, "Rehabilitation schedule", "Next week"); strings.Contains(body, "测试1") {
			t.Error("the provider's schedule names the person of a case not assigned to it")
		}
		get("provider", fmt.Sprintf("/cases/%d", cs.ID), 404)
		e.Assign(cs.ID)
		get("provider", "/rehab/schedule?centre="+sp+"&from="+today+"&lang=en", 200, "Rehabilitation schedule", "Speech therapy", "attended", "Next week", "测试1")
		get("district", "/rehab/schedule?centre="+sp+"&from=2026-13-01", 422)
		// A second plan needing 3 a week no longer fits: the case page says so.
		var cs2 struct{ ID int64 }
		c("/api/v1/cases", map[string]any{"person_id": e.In, "service_type": "rehabilitation", "data": map[string]any{"reason": "复健"}}, &cs2)
		c(fmt.Sprintf("/api/v1/cases/%d/transitions", cs2.ID), map[string]any{"action": "assess", "data": map[string]any{"service": "physical", "sessions": 3}}, nil)
		cp := fmt.Sprintf("/cases/%d", cs2.ID)
		// The centre is chosen from a list: those that give the planned service first, the person's town's first.
		body = get("town", cp, 200, `<select id="f-centre" name="centre">`, `id="f-per_week"`, "物理治疗")
		if i, j := strings.Index(body, `>嘉定区康复中心（每周`), strings.Index(body, `>南翔镇康复分中心（每周 4 次；物理治疗、言语治疗）`); i < 0 || j < 0 || j > i {
			t.Errorf("centre options (the sub-centre of the person's town gives physical therapy: first): %d %d", i, j)
		}
		post("town", cp+"/act", url.Values{"action": {"schedule"}, "version": {"2"}, "centre": {sp}, "start": {today}, "per_week": {"3"}}, 409, "error-summary", "剩余 1 个名额")
		// The first case's page: session and evaluation forms side by side, each field with its own id.
		body = get("provider", fmt.Sprintf("/cases/%d", cs.ID), 200, `id="f-date"`, `id="f-attended"`, `id="f-note"`, `id="f-evaluate-note"`, "改善", "言语治疗")
		if strings.Count(body, `id="f-note"`) != 1 {
			t.Error("duplicate field ids on the case page")
		}
		post("provider", fmt.Sprintf("/cases/%d/act", cs.ID), url.Values{"action": {"session"}, "version": {"5"}, "date": {"2000-01-01"}}, 422, `id="e-date"`)
	})
}

// TestRehabAttendancePage: town staff take a session day's attendance on one
// form, a checkbox per person by name; a date that cannot be read is refused
// quoting it; the case page then lists the attended date; the case page's
// date inputs are date inputs.
func TestRehabAttendancePage(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		sub := e.Int64(`SELECT id FROM rehab_centres WHERE orgunit = ?`, "310114102")
		var cs struct{ ID int64 }
		if st := e.Do("town", "POST", "/api/v1/cases", map[string]any{"person_id": e.In, "service_type": "rehabilitation", "data": map[string]any{"reason": "康复"}}, &cs); st != 201 {
			t.Fatalf("open: %d", st)
		}
		tr := fmt.Sprintf("/api/v1/cases/%d/transitions", cs.ID)
		if st := e.Do("town", "POST", tr, map[string]any{"action": "assess", "data": map[string]any{"service": "physical", "sessions": 4}}, nil); st != 200 {
			t.Fatalf("assess: %d", st)
		}
		now := d.Now().In(time.FixedZone("CST", 8*3600))
		today := now.Format(time.DateOnly)
		typed := fmt.Sprintf("%d年%d月%d日", now.Year(), now.Month(), now.Day())
		page := fmt.Sprintf("/cases/%d", cs.ID)
		e.page(t, "town", page, 200, `name="start" autocomplete="off" type="date"`)
		e.submit(t, "town", page+"/act", url.Values{"action": {"schedule"}, "version": {"2"}, "centre": {fmt.Sprint(sub)}, "start": {"2026年2月30日"}, "per_week": {"2"}}, 422,
			`value="2026年2月30日"`, "开始日期：“2026年2月30日”不是日历上的日期", `id="e-start"`)
		e.submit(t, "town", page+"/act", url.Values{"action": {"schedule"}, "version": {"2"}, "centre": {fmt.Sprint(sub)}, "start": {typed}, "per_week": {"2"}}, 303)
		e.page(t, "town", page, 200, `name="date" autocomplete="off" type="date"`, "<dd>"+today+"</dd>", "训练记录", "还没有记录训练")
		att := fmt.Sprintf("/rehab/attendance?centre=%d", sub)
		e.page(t, "village", att, 403)
		e.page(t, "town", "/rehab/schedule", 200, "记录今天的出勤")
		e.page(t, "town", att, 200, "记录出勤", `type="date"`, `value="`+today+`"`, "测试1", `id="f-present-`+fmt.Sprint(cs.ID)+`"`, "物理治疗", "保存出勤")
		e.page(t, "town", att+"&date="+url.QueryEscape("2026年2月30日"), 422, `id="e-date"`, "训练日期：“2026年2月30日”不是日历上的日期")
		e.submit(t, "town", "/rehab/attendance", url.Values{"centre": {fmt.Sprint(sub)}, "date": {"明天"}, "present": {fmt.Sprint(cs.ID)}}, 422, "“明天”不是日期")
		e.submit(t, "town", "/rehab/attendance", url.Values{"centre": {fmt.Sprint(sub)}, "date": {typed}, "present": {fmt.Sprint(cs.ID)}}, 303)
		body := e.page(t, "town", att+"&recorded=1&attended=1&lang=en", 200, "Saved: 1 recorded, 1 attended", "recorded: attended")
		if strings.Contains(body, "Save the attendance") {
			t.Error("the list offers to save again when everything is recorded")
		}
		e.page(t, "town", page, 200, "训练记录：参加 1 次，共记录 1 次", today, "已参加")
		e.page(t, "town", fmt.Sprintf("/rehab/attendance?centre=%d", e.Int64(`SELECT id FROM rehab_centres WHERE orgunit = ?`, "320583")), 404)
	})
}
