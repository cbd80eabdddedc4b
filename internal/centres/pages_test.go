package centres_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// post sends a form as a user without following the redirect, and gives
// the status, the redirect's target and the body.
func post(t *testing.T, e *apptest.Env, user, path string, form url.Values) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.Srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+e.Tokens[user])
	resp, err := (&http.Client{CheckRedirect: apptest.NoRedirect}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var b strings.Builder
	buf := make([]byte, 1<<16)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, resp.Header.Get("Location"), b.String()
}

func get(t *testing.T, e *apptest.Env, user, path string, status int, want ...string) string {
	t.Helper()
	st, raw := e.DoRaw(user, "GET", path, nil, nil, nil)
	if st != status {
		t.Fatalf("GET %s as %s: %d, want %d: %s", path, user, st, status, raw)
	}
	for _, w := range want {
		if !strings.Contains(string(raw), w) {
			t.Errorf("GET %s as %s: no %q", path, user, w)
		}
	}
	return string(raw)
}

// TestRollCallPage: everyone is present by default; a save redirects with
// the counts, the same save again says nothing changed; a future date is
// refused at the date field. A person outside the Sunshine Home's intake
// rule is refused with the rule, the person still chosen.
func TestRollCallPage(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		home := pageCentre(e, "village_home", apptest.Village)
		enrolled(e, home, e.In)
		path := fmt.Sprintf("/centres/%d/rollcall", home)
		body := get(t, e, "town", path, 200, "测试1", "永新村", `name="present" value="`+fmt.Sprint(e.In)+`" checked`, "出勤 1 人，缺勤 0 人", `/centres/rollcall.js`)
		if strings.Count(body, "<h1>") != 1 {
			t.Error("not one h1")
		}
		if strings.Contains(body, "不是这里的活动日") {
			t.Error("a day the centre opens is said not to be one")
		}
		// A Sunday: the centre opens Monday to Friday; the roll call may
		// still be taken, with a notice.
		get(t, e, "town", path+"?date=2026-11-15", 200, "注意：周日不是这里的活动日。")
		get(t, e, "town", path+"?date=2026-11-15&lang=en", 200, "Note: Sunday is not a day it meets.")
		// Everyone unticked: one absent.
		form := url.Values{"date": {pageToday(e)}}
		st, to, _ := post(t, e, "town", path, form)
		if st != http.StatusSeeOther || !strings.Contains(to, "done=saved&p=0&a=1") {
			t.Fatalf("save: %d %s", st, to)
		}
		get(t, e, "town", to, 200, "已保存：出勤 0 人，缺勤 1 人。", `name="present" value="`+fmt.Sprint(e.In)+`">`)
		get(t, e, "town", to+"&lang=en", 200, "Saved: 0 present, 1 absent.")
		// The same again (a double submission): nothing changes.
		st, to, _ = post(t, e, "town", path, form)
		if st != http.StatusSeeOther || !strings.Contains(to, "done=same") {
			t.Fatalf("save again: %d %s", st, to)
		}
		get(t, e, "town", to, 200, "没有变化：这次点名已经保存过了。")
		// A future date; a person not enrolled.
		get(t, e, "town", path+"?date=2099-01-01", 422, `id="e-date"`, "不能为将来的日期点名。")
		st, _, b := post(t, e, "town", path, url.Values{"date": {pageToday(e)}, "present": {fmt.Sprint(e.Town2)}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(b, `id="e-present"`) {
			t.Errorf("a person not enrolled: %d", st)
		}
		// The village assistant sees the town's Sunshine Home but does not run it.
		sun := pageCentre(e, "sunshine_home", "310114102")
		get(t, e, "village", fmt.Sprintf("/centres/%d/rollcall", sun), 403)
		get(t, e, "village", fmt.Sprintf("/centres/%d", sun), 200, "南翔镇")
		// A refused enrolment keeps the person chosen and names the rule.
		st, _, b = post(t, e, "town", fmt.Sprintf("/centres/%d/enrolments", sun), url.Values{"person_id": {fmt.Sprint(e.In)}, "waitlist": {"1"}})
		if st != http.StatusUnprocessableEntity {
			t.Fatalf("enrol outside the rule: %d", st)
		}
		for _, w := range []string{"阳光之家接收16–35岁的智力残疾人。", `id="e-person_id"`, `name="person_id" value="` + fmt.Sprint(e.In) + `"`, "测试1", `id="f-waitlist" name="waitlist" value="1" checked`} {
			if !strings.Contains(b, w) {
				t.Errorf("the refused enrolment: no %q", w)
			}
		}
		// Town staff see no override field; district staff do.
		if strings.Contains(get(t, e, "town", fmt.Sprintf("/centres/%d", sun), 200), `name="override_reason"`) {
			t.Error("town staff are offered an exception")
		}
		get(t, e, "district", fmt.Sprintf("/centres/%d?lang=en", sun), 200, `name="override_reason"`, "Take today&#39;s roll call")
	})
}

// TestCentreForms: the centre form and the programme form keep what was
// typed next to the field's error; leaving needs a reason; a month that is
// not one is refused at the month field.
func TestCentreForms(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		st, _, b := post(t, e, "town", "/centres/new", url.Values{"name": {"永新村残疾人之家"}, "kind": {"village_home"}, "orgunit": {apptest.Village},
			"capacity": {"十二"}, "days": {"tue", "thu"}, "address": {"村委会"}})
		if st != http.StatusUnprocessableEntity {
			t.Fatalf("a capacity in words: %d", st)
		}
		for _, w := range []string{`id="e-capacity"`, `value="十二"`, `value="永新村残疾人之家"`, `id="f-days-tue" name="days" value="tue" checked`, `value="村委会"`} {
			if !strings.Contains(b, w) {
				t.Errorf("the refused centre form: no %q", w)
			}
		}
		st, to, _ := post(t, e, "town", "/centres/new", url.Values{"name": {"永新村残疾人之家"}, "kind": {"village_home"}, "orgunit": {apptest.Village},
			"capacity": {"12"}, "days": {"tue", "thu"}})
		if st != http.StatusSeeOther || !strings.Contains(to, "done=created") {
			t.Fatalf("add a centre: %d %s", st, to)
		}
		page := strings.TrimSuffix(to, "?done=created")
		get(t, e, "town", to, 200, "中心已添加。", "永新村残疾人之家", "周二、周四")
		// The programme form.
		st, _, b = post(t, e, "town", page+"/programmes", url.Values{"name": {"健身操"}, "kind": {"sport"}, "starts": {"10:00"}, "ends": {"09:00"}, "days": {"tue"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(b, `id="e-p-ends"`) || !strings.Contains(b, `value="健身操"`) {
			t.Errorf("a programme ending before it starts: %d", st)
		}
		st, _, _ = post(t, e, "town", page+"/programmes", url.Values{"name": {"健身操"}, "kind": {"sport"}, "starts": {"09:00"}, "ends": {"10:00"}, "days": {"tue"}})
		if st != http.StatusSeeOther {
			t.Errorf("add a programme: %d", st)
		}
		get(t, e, "town", page+"?lang=en", 200, "健身操", "Sport activity", "09:00–10:00")
		// Enrol, then leave: a reason is needed.
		st, to, _ = post(t, e, "town", page+"/enrolments", url.Values{"person_id": {fmt.Sprint(e.In)}})
		if st != http.StatusSeeOther || !strings.Contains(to, "done=enrolled") {
			t.Fatalf("enrol: %d %s", st, to)
		}
		en := e.Int64(`SELECT id FROM centre_enrolments WHERE person_id = ? AND state = 'enrolled'`, e.In)
		field := fmt.Sprintf("reason-%d", en)
		st, _, b = post(t, e, "town", page+"/leave", url.Values{"enrolment_id": {fmt.Sprint(en)}, "version": {"1"}, field: {""}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(b, `id="e-`+field+`"`) {
			t.Errorf("leave without a reason: %d", st)
		}
		st, to, _ = post(t, e, "town", page+"/leave", url.Values{"enrolment_id": {fmt.Sprint(en)}, "version": {"1"}, field: {"搬家"}})
		if st != http.StatusSeeOther || !strings.Contains(to, "done=left") {
			t.Errorf("leave: %d %s", st, to)
		}
		get(t, e, "town", page+"?month=2026-13", 422, `id="e-month"`)
	})
}
