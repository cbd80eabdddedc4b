package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestVolunteerStaffPages walks the staff's pages of the volunteer corps
// (issue 17): a volunteer added through the form (a bad phone refused at
// its field with what was typed kept), their phone revealed for a reason,
// edited without retyping the phone; a task made through the form, its
// suggestions with reasons, sign-ups (twice: 409 at the field), the QR
// code for those who manage it only, check-in and check-out, minutes over
// the task's length refused, feedback and cancelling; the approval queue (a
// rejection needs a reason); the certificate for staff and the volunteer
// itself; the teams renamed by district staff only; the calendar.
func TestVolunteerStaffPages(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		// A clock the test moves on (a check-out 20 minutes after the check-in).
		var shift atomic.Int64
		base := d.Clock
		d.Clock = func() time.Time { return base().Add(time.Duration(shift.Load())) }
		get := func(user, path string, want int, wants ...string) string {
			t.Helper()
			return e.page(t, user, path, want, wants...)
		}
		post := func(user, path string, form url.Values, want int, wants ...string) string {
			t.Helper()
			return e.submit(t, user, path, form, want, wants...)
		}
		// post303 posts a form that must redirect, and returns where to.
		post303 := func(user, path string, form url.Values) string {
			t.Helper()
			req, _ := http.NewRequest("POST", e.Srv.URL+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+e.Tokens[user])
			c := &http.Client{CheckRedirect: apptest.NoRedirect}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("POST %s %v: %d, want 303", path, form, resp.StatusCode)
			}
			return resp.Header.Get("Location")
		}
		v1 := e.Volunteer // 志愿者1, 南翔镇, the escort team, accompaniment, free every day

		// The overview: the teams, the year's totals by town (by name), the volunteers with masked phones.
		get("district", "/volunteers", 200, "阳光四叶草志愿服务队", "助行陪伴队", "南翔镇", "志愿者1", "137****0001", `href="/volunteers/new"`)
		get("district", "/volunteers?lang=en&team=escort&skill=accompaniment&orgunit=310114102&q=志愿", 200, "Volunteers (1)", "志愿者1", "Nanxiang")
		get("town", "/volunteers?team=sign", 200, "没有符合条件的志愿者。")
		get("volunteer", "/volunteers", 403)
		get("person", "/volunteer-tasks", 403)

		// A new volunteer: a bad phone is refused at its field, what was typed kept.
		bad := url.Values{"name": {"钱晓峰"}, "phone": {"1391234"}, "team": {"sign"}, "orgunit": {"310114102"}, "skills": {"sign_language"},
			"days": {"sat"}, "times": {"am"}, "party_member": {"1"}, "training": {"手语初级"}}
		get("district", "/volunteers/new", 200, "登记志愿者", `id="f-phone"`, `id="f-skills-sign_language"`)
		post("district", "/volunteers/new", bad, 422, `id="e-phone"`, `href="#f-phone"`, `value="钱晓峰"`, `value="1391234"`,
			`id="f-skills-sign_language" name="skills" value="sign_language" checked`, `id="f-days-sat" name="days" value="sat" checked`,
			`id="f-party_member" name="party_member" value="1" checked`, "手语初级</textarea>", `<option value="sign" selected>`)
		good := url.Values{}
		for k, v := range bad {
			good[k] = v
		}
		good.Set("phone", "13912345678")
		loc := post303("district", "/volunteers/new", good)
		if !strings.HasSuffix(loc, "?done=created") {
			t.Fatalf("created: %s", loc)
		}
		vp := strings.TrimSuffix(loc, "?done=created")
		get("district", loc, 200, "志愿者已登记。", "<h1>钱晓峰</h1>", "139****5678", "手语", "周六", "上午", "南翔镇")
		// The phone, revealed for a reason (none: refused at the field).
		post("district", vp+"/reveal", url.Values{"reason": {""}}, 422, `id="e-reason"`, `aria-invalid="true"`)
		post("district", vp+"/reveal", url.Values{"reason": {"通知任务变更"}}, 200, "13912345678")
		// Edited without retyping the phone: the number stays.
		var version string
		body := get("district", vp+"/edit", 200, "修改志愿者信息：钱晓峰", "139****5678")
		if i := strings.Index(body, `name="version" value="`); i >= 0 {
			version = strings.SplitN(body[i+len(`name="version" value="`):], `"`, 2)[0]
		}
		edit := url.Values{"name": {"钱晓锋"}, "phone": {""}, "team": {"sign"}, "orgunit": {"310114102"}, "skills": {"sign_language", "tutoring"},
			"active": {"1"}, "version": {version}}
		post303("district", vp+"/edit", edit)
		get("district", vp, 200, "<h1>钱晓锋</h1>", "139****5678", "手语、辅导")
		post("district", vp+"/edit", edit, 409, "该记录已被他人修改")

		// A task for tomorrow through the form.
		now := d.Now().In(time.FixedZone("CST", 8*3600))
		tomorrow := now.AddDate(0, 0, 1).Format(time.DateOnly)
		task := url.Values{"title": {""}, "kind": {"escort"}, "orgunit": {"310114102"}, "date": {tomorrow}, "start": {"09:00"}, "end": {"11:00"},
			"slots": {"1"}, "skills": {"accompaniment"}, "contact_name": {"顾老师"}}
		get("district", "/volunteer-tasks/new", 200, "发布志愿服务任务", `type="date"`, `type="time"`)
		post("district", "/volunteer-tasks/new", task, 422, `id="e-title"`, `value="09:00"`, `id="f-skills-accompaniment" name="skills" value="accompaniment" checked`)
		task.Set("title", "陪同复诊")
		task.Set("end", "8:0x")
		post("district", "/volunteer-tasks/new", task, 422, `id="e-end"`, "结束时间无法识别")
		task.Set("end", "08:00")
		post("district", "/volunteer-tasks/new", task, 422, `id="e-end"`, "结束时间应晚于开始时间")
		task.Set("end", "11:00")
		loc = post303("district", "/volunteer-tasks/new", task)
		tp := strings.TrimSuffix(loc, "?done=task")
		body = get("district", loc, 200, "任务已发布。", "<h1>陪同复诊</h1>", "推荐的志愿者", "志愿者1", "会陪伴助行", "在同一镇（街道）", "打印签到二维码")
		if !strings.Contains(body, fmt.Sprintf(`name="volunteer_id" value="%d"`, v1)) {
			t.Error("the task page offers no sign-up for the suggested volunteer")
		}
		// Sign-ups: the suggested volunteer; twice refused at the button; full.
		post303("district", tp+"/signups", url.Values{"volunteer_id": {fmt.Sprint(v1)}, "from": {"suggestion"}})
		get("district", tp+"?lang=en", 200, "Volunteers signed up (1)", "志愿者1", "Withdraw", "The task is full.")
		post("district", tp+"/signups", url.Values{"volunteer_id": {fmt.Sprint(v1)}}, 409, `id="e-volunteer_id"`, "已报名这项任务")
		post303("district", tp+"/withdrawals", url.Values{"volunteer_id": {fmt.Sprint(v1)}})
		get("district", tp+"?done=withdrawn", 200, "已取消该志愿者的报名。", "还没有人报名。")
		// The QR code: those who manage the task; the village assistant sees the task, not its code.
		get("district", tp+"/qr", 200, "志愿者请用手机扫码签到", `<img class="qr-code" src="`+tp+`/qr.png"`, `alt="签到二维码：陪同复诊"`)
		st, png := e.DoRaw("district", "GET", tp+"/qr.png", nil, nil, nil)
		if st != 200 || !strings.HasPrefix(string(png), "\x89PNG") {
			t.Errorf("qr.png: %d, %.8q", st, png)
		}
		get("village", tp, 200, "陪同复诊")
		get("village", tp+"/qr", 404)
		get("village", tp+"/qr.png", 404)
		// Feedback before the task begins: refused at the rating.
		post("district", tp+"/feedback", url.Values{"rating": {"5"}}, 409, `id="e-rating"`, "任务开始后才能评价")
		// Cancelling needs a reason.
		post("district", tp+"/cancel", url.Values{"reason": {""}}, 422, `id="e-reason"`)
		post303("district", tp+"/cancel", url.Values{"reason": {"服务对象改期"}})
		get("district", tp+"?done=cancelled", 200, "任务已取消。", "已取消")

		// A task under way: check-in, check-out, minutes.
		today := now.Format(time.DateOnly)
		start := now.Add(-30 * time.Minute).Format("15:04")
		end := now.Add(90 * time.Minute).Format("15:04")
		if now.Hour() < 1 || now.Hour() >= 22 {
			t.Skip("the clock is too near midnight for a task under way today")
		}
		loc = post303("district", "/volunteer-tasks/new", url.Values{"title": {"助残日游园服务"}, "kind": {"event"}, "orgunit": {"310114102"},
			"date": {today}, "start": {start}, "end": {end}, "slots": {"3"}})
		up := strings.TrimSuffix(loc, "?done=task")
		v2 := apptest.VolunteerOf(t, e.App, 2, "310114102", "rehab", "rehab")
		post303("district", up+"/signups", url.Values{"volunteer_id": {fmt.Sprint(v1)}})
		post303("district", up+"/signups", url.Values{"volunteer_id": {fmt.Sprint(v2)}})
		post303("district", up+"/arrivals", url.Values{"volunteer_id": {fmt.Sprint(v2)}})
		post("district", up+"/arrivals", url.Values{"volunteer_id": {fmt.Sprint(v2)}}, 409, fmt.Sprintf(`id="e-act-%d"`, v2), "已经签到过了")
		shift.Store(int64(20 * time.Minute)) // within the sessions' idle time
		post303("district", up+"/departures", url.Values{"volunteer_id": {fmt.Sprint(v2)}})
		mf := fmt.Sprintf("minutes-%d", v1)
		post("district", up+"/checkins", url.Values{"volunteer_id": {fmt.Sprint(v1)}, mf: {"999"}}, 422, `id="e-`+mf+`"`, "时长超过了任务的时长（120分钟）", `value="999"`)
		post303("district", up+"/checkins", url.Values{"volunteer_id": {fmt.Sprint(v1)}, mf: {"90"}})
		get("district", up, 200, "1小时30分钟 · 待认定", "20分钟 · 待认定")
		post("district", up+"/feedback", url.Values{"rating": {"0"}, "comment": {"很耐心"}}, 422, `id="e-rating"`, "很耐心</textarea>")
		post303("district", up+"/feedback", url.Values{"rating": {"5"}, "comment": {"很耐心"}})
		get("district", up+"?done=feedback", 200, "评价已记录。", "5 / 5", "很耐心", "代为记录")

		// The approval queue: a rejection needs a reason; one rejected, one approved.
		body = get("district", "/volunteer-hours", 200, "待认定的志愿服务时长", "志愿者1", "志愿者2", "助残日游园服务")
		var ids []string
		for _, part := range strings.Split(body, `action="/volunteer-hours/`)[1:] {
			if id, rest, ok := strings.Cut(part, "/approve"); ok && !strings.Contains(id, "/") && rest != "" {
				ids = append(ids, id)
			}
		}
		if len(ids) != 2 {
			t.Fatalf("the queue lists %d entries to approve, want 2", len(ids))
		}
		post("district", "/volunteer-hours/"+ids[0]+"/reject", url.Values{"reason": {""}}, 422, `id="e-reason-`+ids[0]+`"`, `href="#f-reason-`+ids[0]+`"`)
		post303("district", "/volunteer-hours/"+ids[0]+"/reject", url.Values{"reason": {"未到场"}})
		post303("district", "/volunteer-hours/"+ids[1]+"/approve", url.Values{})
		post("district", "/volunteer-hours/"+ids[1]+"/approve", url.Values{}, 409, `id="e-queue"`, "这条时长已经认定过了")
		get("district", "/volunteer-hours?done=approved", 200, "时长已认定。", "没有等待认定的时长。")

		// The ledger and the certificate.
		year := fmt.Sprint(now.Year())
		get("district", fmt.Sprintf("/volunteers/%d?year=%s", v1, year), 200, "助残日游园服务")
		get("district", fmt.Sprintf("/volunteers/%d/certificate?year=%s", v1, year), 200, "嘉定区残疾人联合会", "阳光四叶草志愿服务队", "志愿者1", "盖章")
		get("volunteer", fmt.Sprintf("/volunteers/%d/certificate?year=%s&lang=en", v1, year), 200, "Certificate of volunteer hours", "My hours")
		get("volunteer", fmt.Sprintf("/volunteers/%d/certificate", v2), 404)
		get("volunteer", fmt.Sprintf("/volunteers/%d", v1), 403)

		// The teams: district staff rename them, others read.
		body = get("district", "/volunteer-teams", 200, "志愿服务队", `action="/volunteer-teams/escort"`)
		if i := strings.Index(body, `action="/volunteer-teams/escort"`); i >= 0 {
			version = strings.SplitN(body[i:], `name="version" value="`, 2)[1]
			version = strings.SplitN(version, `"`, 2)[0]
		}
		post("district", "/volunteer-teams/escort", url.Values{"name": {""}, "version": {version}}, 422, `id="e-name-escort"`)
		post("district", "/volunteer-teams/escort", url.Values{"name": {"助行队"}, "leader_id": {fmt.Sprint(v2)}, "version": {version}}, 422, `id="e-leader_id-escort"`)
		post303("district", "/volunteer-teams/escort", url.Values{"name": {"助行队"}, "name_en": {"Escort team"}, "leader_id": {fmt.Sprint(v1)}, "version": {version}})
		if body := get("town", "/volunteer-teams?lang=en", 200, "Escort team", "志愿者1"); strings.Contains(body, `action="/volunteer-teams/`) {
			t.Error("town staff see the teams' forms")
		}
		post("town", "/volunteer-teams/escort", url.Values{"name": {"x"}, "version": {"1"}}, 403)

		// The calendar: this month's tasks by day, a bad month refused.
		get("district", "/volunteer-tasks?month="+now.Format("2006-01"), 200, "陪同复诊", "助残日游园服务", "已取消")
		get("district", "/volunteer-tasks?month=2026-13", 422)
		get("district", "/volunteer-tasks?lang=en&orgunit=310114103", 200, "No tasks this month.")
	})
}
