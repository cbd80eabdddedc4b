package app_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

func TestCasePages(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		get := func(user, path string, want int, wants ...string) string {
			t.Helper()
			return e.page(t, user, path, want, wants...)
		}
		post := func(user, path string, form url.Values, want int, wants ...string) string {
			t.Helper()
			return e.submit(t, user, path, form, want, wants...)
		}
		district := e.Int64(`SELECT id FROM service_points WHERE orgunit = ?`, "310114")
		dp := fmt.Sprint(district)

		// Stock: the district receives wheelchairs; mistakes are shown next to the fields.
		get("district", "/devices/stock", 200, "辅具库存", "嘉定区", "这个服务点还没有库存", `id="f-code"`)
		post("district", "/devices/stock", url.Values{"service_point": {dp}, "code": {"12 22 03"}, "quantity": {"x"}}, 422, `id="e-quantity"`, "数量应为整数")
		post("district", "/devices/stock", url.Values{"service_point": {dp}, "code": {"12 22 03"}, "quantity": {"-1"}}, 422, `id="e-note"`)
		post("district", "/devices/stock", url.Values{"service_point": {dp}, "code": {"12 22 03"}, "quantity": {"3"}, "note": {"采购"}}, 303)
		get("district", "/devices/stock?service_point="+dp+"&moved=12+22+03", 200, "手动轮椅", "<td>3</td>", "库存已更新")
		// A provider reads the stock without the form; English is complete.
		body := get("provider", "/devices/stock?service_point="+dp+"&lang=en", 200, "Device stock", "Manual wheelchair, bimanual hand-rim drive")
		if strings.Contains(body, `id="f-code"`) {
			t.Error("a provider sees the stock form")
		}

		// A new case: the village assistant opens one for 测试1.
		get("village", fmt.Sprintf("/cases/new?person_id=%d", e.In), 200, "申请服务", "测试1", `id="f-need"`)
		post("village", "/cases/new", url.Values{"person_id": {fmt.Sprint(e.In)}, "service_type": {"assistive_device"}}, 422, `id="e-need"`, "error-summary")
		post("village", "/cases/new", url.Values{"person_id": {"abc"}, "service_type": {"assistive_device"}, "need": {"轮椅"}}, 422, `id="e-person_id"`)
		// The person page lists the person's requests and loans: none yet, with a link to request one.
		pp := fmt.Sprintf("/persons/%d", e.In)
		get("village", pp, 200, `<caption id="person-cases">服务申请</caption>`, "还没有服务申请。",
			fmt.Sprintf(`<a class="button secondary" href="/cases/new?person_id=%d">申请服务</a>`, e.In), "目前没有借用的辅具。")
		get("person", "/me", 200, "还没有服务申请。", `<a class="button secondary" href="/cases/new">申请服务</a>`)
		post("village", "/cases/new", url.Values{"person_id": {fmt.Sprint(e.In)}, "service_type": {"assistive_device"}, "need": {"出门需要轮椅"}}, 303)
		var id int64
		if err := e.App.DB.QueryRow(context.Background(), `SELECT max(id) FROM cases`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		cp := fmt.Sprintf("/cases/%d", id)
		act := cp + "/act"
		ver := func() string {
			t.Helper()
			var v int
			if err := e.App.DB.QueryRow(context.Background(), `SELECT version FROM cases WHERE id = ?`, id).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(v)
		}

		// The provider sees nothing of a case not assigned to its organisation; then it is.
		get("provider", "/", 200, `<a href="/cases"><span class="count">0</span>个服务个案等您处理</a>`)
		if body := get("provider", "/cases", 200, "等我处理的个案"); strings.Contains(body, cp) || strings.Contains(body, "测试1") {
			t.Error("a provider's inbox lists a case not assigned to its organisation")
		}
		get("provider", cp, 404)
		e.Assign(id)
		// The home page counts what waits for the user: the provider assesses, the village assistant waits.
		get("provider", "/", 200, `<a href="/cases"><span class="count">1</span>个服务个案等您处理</a>`,
			`<a href="/cases?show=overdue"><span class="count">0</span>个个案已逾期</a>`)
		get("village", "/?lang=en", 200, `<a href="/cases"><span class="count">0</span>service cases wait for your action</a>`)
		// The inbox: the provider assesses, so the case waits for them; the person sees their own.
		// Rows name the person with the village; staff see the masked ID
		// number and a link, a provider the name only.
		if body := get("provider", "/cases", 200, cp, "等我处理的个案", "已申请", "测试1", "永新村"); strings.Contains(body, registry.MaskID(e.InID)) || strings.Contains(body, fmt.Sprintf(`href="/persons/%d"`, e.In)) {
			t.Error("a provider's inbox shows the ID number or links the record")
		}
		get("person", "/cases", 200, cp, "本人")
		get("district", "/cases?show=overdue", 200, "已逾期的个案", "没有符合条件的个案")
		get("town", "/cases?show=open&lang=en", 200, "Open cases", fmt.Sprintf(`<a href="/persons/%d">测试1</a>`, e.In), "永新村", registry.MaskID(e.InID))
		// Filtered by service type: none of the device case among renovations.
		if body := get("town", "/cases?show=open&type=home_renovation", 200, `<option value="home_renovation" selected>`, "没有符合条件的个案"); strings.Contains(body, cp) {
			t.Error("the device case is listed among renovations")
		}

		// The case page: the provider's assessment form.
		get("provider", cp, 200, "出门需要轮椅", "办理经过", `<h3 id="a-assess">评估</h3>`, `aria-labelledby="a-assess"`, `name="action" value="assess"`, `id="f-items-0"`, "手动轮椅")
		post("provider", act, url.Values{"action": {"assess"}, "version": {ver()}}, 422, `id="e-items"`, "error-summary")
		// A stale form comes back with the items it chose still chosen.
		post("provider", act, url.Values{"action": {"assess"}, "version": {"99"}, "items": {"12 22 03"}}, 409, "error-summary",
			`<select id="f-items-0" name="items">`, `<option value="12 22 03" selected>12 22 03 手动轮椅（双手驱动） · 借用</option>`)
		post("provider", act, url.Values{"action": {"approve"}, "version": {ver()}}, 403, "error-summary", "您的角色不能执行这个操作")
		post("provider", act, url.Values{"action": {"assess"}, "version": {ver()}, "items": {"12 22 03", "", ""}}, 303)
		get("district", cp+"?done=assess", 200, "已保存", "测试1", "<li>12 22 03 手动轮椅（双手驱动） · 借用</li>", `value="approve"`, `value="reject"`, `id="f-reason"`)
		post("district", act, url.Values{"action": {"reject"}, "version": {ver()}}, 422, `id="e-reason"`)
		post("district", act, url.Values{"action": {"approve"}, "version": {ver()}}, 303)
		get("provider", cp, 200, `id="f-service_point"`, "嘉定区辅具服务中心")
		post("provider", act, url.Values{"action": {"dispense"}, "version": {ver()}, "service_point": {dp}}, 303)
		// The person's loan card; the return form asks for the condition with radio buttons.
		get("person", cp, 200, `<caption id="loans-caption">借用卡：目前借用的辅具</caption>`, "<td>手动轮椅（双手驱动） · 12 22 03</td>",
			fmt.Sprintf(`<a href="%s">个案 %d</a>`, cp, id), "已发放")
		get("provider", cp, 200, `type="radio"`, "<legend>归还时状况</legend>", `<label for="f-condition">完好，可再借出</label>`)
		// The person page and /me list the case and the loan.
		get("village", pp+"?lang=en", 200, fmt.Sprintf(`<a href="%s">Case %d</a>`, cp, id), "<td>Assistive devices</td>", "<td>dispensed</td>",
			"Loan card: devices on loan now", "<td>Manual wheelchair, bimanual hand-rim drive · 12 22 03</td>")
		if body := get("person", "/me", 200, fmt.Sprintf(`<a href="%s">个案 %d</a>`, cp, id), "借用卡"); strings.Contains(body, "还没有服务申请") {
			t.Error("/me says there are no requests")
		}
		post("provider", act, url.Values{"action": {"return"}, "version": {ver()}}, 422, `id="e-condition"`)
		post("provider", act, url.Values{"action": {"return"}, "version": {ver()}, "condition": {"good"}}, 303)
		post("district", act, url.Values{"action": {"close"}, "version": {ver()}, "close_reason": {"已归还"}}, 303)
		get("district", cp, 200, "这个个案已经结束", "已结案", "归还", "结案", "<dd>嘉定区辅具服务中心</dd>")
		get("district", "/devices/stock?service_point="+dp, 200, "<td>3</td>")

		// Home renovation: the survey's works are chosen with checkboxes and named on the case page.
		var rc struct {
			ID      int64
			Version int
		}
		if st := e.Do("town", "POST", "/api/v1/cases", map[string]any{"person_id": e.In, "service_type": "home_renovation", "data": map[string]any{"need": "卫生间"}}, &rc); st != 201 {
			t.Fatalf("open a renovation case: %d", st)
		}
		rp := fmt.Sprintf("/cases/%d", rc.ID)
		get("provider", rp, 404) // not assigned to its organisation yet
		e.Assign(rc.ID)
		rc.Version++
		get("provider", rp, 200, `type="checkbox" id="f-items-ramp" name="items" value="ramp"`, `<label for="f-items-bathroom">卫生间改造</label>`)
		post("provider", rp+"/act", url.Values{"action": {"survey"}, "version": {fmt.Sprint(rc.Version)}}, 422, `id="e-items"`)
		post("provider", rp+"/act", url.Values{"action": {"survey"}, "version": {fmt.Sprint(rc.Version)}, "items": {"grab_bars", "bathroom"}}, 303)
		get("town", rp+"?lang=en", 200, "Grab bars", "Bathroom")
		// The quote's cost is typed in yuan (the API takes cents) and shown in yuan.
		rv := func() string {
			t.Helper()
			var v int
			if err := e.App.DB.QueryRow(context.Background(), `SELECT version FROM cases WHERE id = ?`, rc.ID).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(v)
		}
		get("provider", rp, 200, `<label for="f-cost">费用（元）</label>`, `inputmode="decimal"`, `<input id="f-contractor" name="contractor" autocomplete="off" value="">`)
		post("provider", rp+"/act", url.Values{"action": {"quote"}, "version": {rv()}, "contractor": {"嘉定建设"}, "cost": {"12500.505"}}, 422,
			`id="e-cost"`, "费用：“12500.505”的小数超过两位", `value="12500.505"`)
		post("provider", rp+"/act", url.Values{"action": {"quote"}, "version": {rv()}, "contractor": {"嘉定建设"}, "cost": {"12,500.5"}}, 303)
		var got struct{ Data struct{ Cost int64 } }
		if st := e.Do("town", "GET", "/api/v1"+rp, nil, &got); st != 200 || got.Data.Cost != 1250050 {
			t.Fatalf("the renovation case through the API: %d, cost %d (want 1250050 cents)", st, got.Data.Cost)
		}
		get("town", rp, 200, "<dd>12,500.50 元</dd>")
	})
}
