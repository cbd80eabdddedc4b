package app_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
	"sunshine/internal/volunteers"
)

// TestVolunteerPhonePages (issue 17): the volunteer's phone pages — their
// tasks, one task with its actions (sign up, an overlap refused naming the
// other task, check-in with a wrong code refused at the field, the QR
// code's page, check-out too soon refused), the hours ledger; the home
// pages of the volunteer, staff and the served person, whose feedback is
// given once. No page a volunteer gets holds the served person's ID number
// or phone.
func TestVolunteerPhonePages(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		town := apptest.Caller(identity.TownStaff, "310114102")
		district := apptest.Caller(identity.DistrictStaff, "310114")
		now := d.Now()
		// A person with an address in the volunteer's town, for a home visit.
		visited, err := e.App.Registry.Create(ctx, registry.Caller{Scope: orgunit.ScopeOf("3")}, registry.PersonInput{Name: "欧阳明华",
			IDNumber: apptest.FixtureID(7), Category: 1, Grade: 1, OrgUnit: villageIn, Phone: "13912340007", Address: "永新村幸福路8号"})
		if err != nil {
			t.Fatal(err)
		}
		mk := func(c volunteers.Caller, in volunteers.TaskInput) volunteers.Task {
			t.Helper()
			if in.Slots == 0 {
				in.Slots = 2
			}
			task, err := e.App.Volunteers.CreateTask(ctx, c, in)
			if err != nil {
				t.Fatal(err)
			}
			return task
		}
		tomorrow := now.Add(24 * time.Hour).Truncate(time.Hour)
		visit := mk(town, volunteers.TaskInput{Title: "上门陪伴测试", Kind: volunteers.HomeVisit, OrgUnit: "310114102", Help: "陪伴聊天",
			StartsAt: now.Add(-10 * time.Minute), EndsAt: now.Add(2 * time.Hour), PersonID: visited.ID, ContactName: "顾老师", ContactPhone: "02169120000"})
		served := mk(town, volunteers.TaskInput{Title: "陪同康复测试", Kind: "rehab", OrgUnit: "310114102", Place: "康复中心",
			StartsAt: now.Add(-5 * time.Minute), EndsAt: now.Add(time.Hour), PersonID: e.In})
		sign := mk(town, volunteers.TaskInput{Title: "手语协助测试", OrgUnit: "310114102", Place: "社区中心", Help: "手语翻译",
			StartsAt: tomorrow, EndsAt: tomorrow.Add(2 * time.Hour), Skills: []string{"sign_language"}})
		clash := mk(district, volunteers.TaskInput{Title: "区运动会测试", Kind: "event", OrgUnit: "310114", Place: "体育中心",
			StartsAt: tomorrow.Add(time.Hour), EndsAt: tomorrow.Add(3 * time.Hour), Slots: 5})
		other := mk(district, volunteers.TaskInput{Title: "安亭巡查测试", OrgUnit: "310114103", StartsAt: tomorrow, EndsAt: tomorrow.Add(time.Hour)})

		// Nothing of the served persons beyond their first names.
		private := regexp.MustCompile(`\b(\d{17}[\dXx]|1[3-9]\d{9})\b`)
		vol := func(path string, want int, wants ...string) string {
			t.Helper()
			body := e.page(t, "volunteer", path, want, wants...)
			if m := private.FindString(body); m != "" {
				t.Errorf("%s shows %q to a volunteer", path, m)
			}
			for _, s := range []string{"欧阳明华", "测试1", "person_id", apptest.FixtureID(1)} {
				if strings.Contains(body, s) {
					t.Errorf("%s shows %q to a volunteer", path, s)
				}
			}
			return body
		}
		post := func(path string, form url.Values, want int, wants ...string) string {
			t.Helper()
			return e.submit(t, "volunteer", path, form, want, wants...)
		}
		taskPath := func(task volunteers.Task, rest string) string { return fmt.Sprintf("/my/tasks/%d%s", task.ID, rest) }

		// The lists: tasks to join, not the other town's.
		body := vol("/my/tasks", 200, "我的志愿服务", "可以报名的任务", visit.Title, sign.Title, clash.Title, "明华", "还有 2 个名额（共 2 个）",
			`action="`+taskPath(sign, "/signup")+`"`)
		if strings.Contains(body, other.Title) {
			t.Error("the volunteer sees another town's task")
		}
		vol(taskPath(other, ""), 404)
		vol("/my/tasks?lang=en", 200, "My volunteering", "Tasks you can join", "2 of 2 places free")

		// Sign up for the home visit: the address shows (today), the contact is a tel: link.
		post(taskPath(visit, "/signup"), url.Values{"back": {"list"}}, 303)
		body = vol("/my/tasks?done=signup", 200, "报名成功")
		if i, j := strings.Index(body, `id="next"`), strings.Index(body, `id="join"`); i < 0 || j < 0 || !strings.Contains(body[i:j], visit.Title) {
			t.Error("the signed-up task is not under my next tasks")
		}
		vol(taskPath(visit, ""), 200, "永新村幸福路8号", `href="tel:02169120000"`, "顾老师", "明华", "陪伴聊天", "您已报名这项任务", `id="f-code"`)
		// A wrong code: refused at the field, what was typed kept.
		body = post(taskPath(visit, "/checkin"), url.Values{"code": {"wrong-code"}}, 422, "签到码与这项任务不符", `aria-invalid="true"`, `value="wrong-code"`, `href="#f-code"`)
		if m := private.FindString(body); m != "" {
			t.Errorf("the refused check-in shows %q", m)
		}
		// The QR code's page, with the code the staff's API gives.
		full, err := e.App.Volunteers.GetTask(ctx, town, visit.ID)
		if err != nil || full.CheckinCode == "" {
			t.Fatalf("no check-in code: %v", err)
		}
		qr := fmt.Sprintf("/checkin/%d?code=%s", visit.ID, full.CheckinCode)
		vol(qr, 200, "现在签到", `name="code" value="`+full.CheckinCode+`"`)
		vol(qr+"&lang=en", 200, "Check in now")
		// Signed out: the sign-in page comes back here with the code.
		if st, _ := e.DoRaw("", "GET", qr, nil, nil, nil); st != 303 {
			t.Errorf("the QR page signed out: %d, want 303 to the sign-in", st)
		}
		e.page(t, "town", qr, 200, "给志愿者在现场扫码签到用的", fmt.Sprintf(`href="/volunteer-tasks/%d"`, visit.ID))
		e.page(t, "person", qr, 403)
		post(fmt.Sprintf("/checkin/%d", visit.ID), url.Values{"code": {full.CheckinCode}}, 303)
		vol(taskPath(visit, "?done=checkin"), 200, "已签到", "签退", `action="`+taskPath(visit, "/checkout")+`"`)
		vol(fmt.Sprintf("/checkin/%d", visit.ID), 200, "您已在", "签退")
		// Checking out at once: less than a minute, refused at the button.
		post(taskPath(visit, "/checkout"), url.Values{}, 422, "不到一分钟", `id="e-checkout"`)

		// Tomorrow's sign language, then an overlapping task: refused naming it.
		post(taskPath(sign, "/signup"), url.Values{}, 303)
		body = vol(taskPath(sign, "?done=signup"), 200, "报名成功", "取消报名")
		if strings.Contains(body, `action="`+taskPath(sign, "/signup")+`"`) {
			t.Error("the task still offers the sign-up after signing up")
		}
		post(taskPath(sign, "/signup"), url.Values{}, 409, "已报名这项任务")
		post(taskPath(clash, "/signup"), url.Values{}, 409, "同一时间已报名“"+sign.Title+"”", `id="e-signup"`, `href="#f-signup"`)
		e.submit(t, "volunteer", taskPath(clash, "/signup")+"?lang=en", url.Values{}, 409, "already signed up for “"+sign.Title+"”")
		// Withdraw before the start.
		post(taskPath(sign, "/withdraw"), url.Values{}, 303)
		vol("/my/tasks?done=withdraw", 200, "已取消报名")
		// A task that has begun cannot be withdrawn from (the button is gone).
		if body := vol(taskPath(visit, ""), 200); strings.Contains(body, "/withdraw") {
			t.Error("a begun task offers the withdrawal")
		}

		// Hours: staff record and reject them; the ledger and the task say so.
		vol("/my/hours", 200, "我的服务时长", fmt.Sprintf("%d 年的服务时长", now.In(time.FixedZone("", 8*3600)).Year()), "这一年还没有记录服务时长",
			fmt.Sprintf(`href="/volunteers/%d/certificate?year=`, e.Volunteer))
		entry, err := e.App.Volunteers.Record(ctx, town, visit.ID, volunteers.RecordInput{VolunteerID: e.Volunteer, Minutes: 75})
		if err != nil {
			t.Fatal(err)
		}
		vol("/", 200, "您的下一项任务", "服务时长等待认定", "1小时15分钟", `href="/my/hours"`)
		vol("/my/hours", 200, "1小时15分钟", "等待认定", visit.Title)
		e.page(t, "town", "/", 200, `href="/volunteer-hours"`, "条志愿服务时长等待您认定", `href="/volunteer-tasks"`, "项志愿服务任务在今天进行")
		e.page(t, "town", "/?lang=en", 200, "volunteer&#39;s hours entry waits for your approval")
		if _, err := e.App.Volunteers.Reject(ctx, town, entry.ID, "签到时间与记录不符"); err != nil {
			t.Fatal(err)
		}
		vol("/my/hours?lang=en", 200, "1 hour 15 minutes", "not approved", "签到时间与记录不符")
		vol(taskPath(visit, ""), 200, "记录的时长", "1小时15分钟", "未认定", "签到时间与记录不符")
		vol(fmt.Sprintf("/checkin/%d", visit.ID), 200, "您已签到并签退")

		// The volunteer's home says what they can do.
		vol("/?lang=en", 200, "Your next task", "What you can do", `href="/my/tasks"`, "Two-step verification", "volunteer task")

		// The served person rates the task that served them, once.
		fb := fmt.Sprintf("/my/volunteer-feedback/%d", served.ID)
		e.page(t, "person", "/", 200, "志愿者为您提供的服务", `href="`+fb+`"`)
		e.page(t, "person", fb, 200, "很不满意", "很满意", served.Title)
		e.submit(t, "person", fb, url.Values{"comment": {"谢谢小陈"}}, 422, "请选择您的满意程度", "谢谢小陈", `href="#f-rating"`)
		e.submit(t, "person", fb, url.Values{"rating": {"5"}, "comment": {"谢谢小陈"}}, 303)
		e.page(t, "person", fb+"?done=1", 200, "谢谢您的评价", "5 · 很满意", "谢谢小陈")
		e.submit(t, "person", fb+"?lang=en", url.Values{"rating": {"4"}}, 409, "already been given")
		e.page(t, "person", "/?lang=en", 200, "Volunteers who helped you", "rated")
		e.page(t, "person", fmt.Sprintf("/my/volunteer-feedback/%d", sign.ID), 404)
		e.page(t, "volunteer", fb, 403)
		e.page(t, "town", "/my/tasks", 403)
	})
}
