package app_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestDeviceTransferAndCloseReason: town staff transfer an approval from
// their town's point to the district centre, saying why; the case lists the
// transfer (from, to, who, when, why) and the dispense form offers the
// centre first; a transfer to the point it waits at, or to a point that
// does not serve the area, is refused by field. Closing on the case page
// asks for the reason, which the case shows and the audit entry carries.
func TestDeviceTransferAndCloseReason(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		centre := e.Int64(`SELECT id FROM service_points WHERE orgunit = ?`, "310114")
		own := e.Int64(`SELECT id FROM service_points WHERE orgunit = ?`, "310114102")
		other := e.Int64(`SELECT id FROM service_points WHERE orgunit = ?`, "310114103")
		if st := e.Do("district", "POST", "/api/v1/devices/stock", map[string]any{"service_point": centre, "code": "12 22 03", "quantity": 2, "note": "采购"}, nil); st != 200 && st != 201 {
			t.Fatalf("stock: %d", st)
		}
		var cs struct {
			ID      int64 `json:"id"`
			Version int   `json:"version"`
			State   string
		}
		if st := e.Do("village", "POST", "/api/v1/cases", map[string]any{"person_id": e.In, "service_type": "assistive_device", "data": map[string]any{"need": "轮椅"}}, &cs); st != 201 {
			t.Fatalf("case: %d", st)
		}
		step := func(user, action string, data map[string]any, want int) {
			t.Helper()
			if st := e.Do(user, "POST", fmt.Sprintf("/api/v1/cases/%d/transitions", cs.ID), map[string]any{"action": action, "data": data, "version": cs.Version}, &cs); st != want {
				t.Fatalf("%s: %d, want %d", action, st, want)
			}
		}
		step("district", "assess", map[string]any{"items": []map[string]string{{"code": "12 22 03"}}}, 200)
		step("town", "approve", nil, 200)
		cp := fmt.Sprintf("/cases/%d", cs.ID)
		act := cp + "/act"
		version := func() int { return int(e.Int64(`SELECT version FROM cases WHERE id = ?`, cs.ID)) }
		ver := func() string { return fmt.Sprint(version()) }
		e.page(t, "town", cp, 200, `value="transfer"`, `id="f-to_point"`, fmt.Sprintf(`<option value="%d">嘉定区辅具服务中心</option>`, centre))
		// Refused: no reason; the point it waits at; a point of another town.
		e.submit(t, "town", act, url.Values{"action": {"transfer"}, "version": {ver()}, "to_point": {fmt.Sprint(centre)}}, 422, `id="e-reason"`)
		e.submit(t, "town", act, url.Values{"action": {"transfer"}, "version": {ver()}, "to_point": {fmt.Sprint(own)}, "reason": {"试一下"}}, 422, `id="e-to_point"`, "已在南翔镇辅具服务点等待发放")
		e.submit(t, "town", act, url.Values{"action": {"transfer"}, "version": {ver()}, "to_point": {fmt.Sprint(other)}, "reason": {"试一下"}}, 422, `id="e-to_point"`)
		e.submit(t, "town", act, url.Values{"action": {"transfer"}, "version": {ver()}, "to_point": {fmt.Sprint(centre)}, "reason": {"南翔镇服务点没有轮椅库存"}}, 303)
		body := e.page(t, "town", cp, 200, `<caption id="transfers-caption">服务点转移记录</caption>`,
			"<td>南翔镇辅具服务点 → 嘉定区辅具服务中心</td>", "街镇工作人员", "<td>南翔镇服务点没有轮椅库存</td>",
			"等待发放的服务点")
		// The dispense form offers the centre first now.
		if i, j := strings.Index(body, fmt.Sprintf(`<option value="%d"`, centre)), strings.Index(body, fmt.Sprintf(`<option value="%d"`, own)); i < 0 || j < 0 {
			t.Errorf("the dispense form lacks a point: centre at %d, own at %d", i, j)
		} else if sel := body[strings.Index(body, `id="f-service_point"`):]; strings.Index(sel, fmt.Sprintf(`value="%d"`, centre)) > strings.Index(sel, fmt.Sprintf(`value="%d"`, own)) {
			t.Error("the dispense form does not offer the centre first")
		}
		e.page(t, "town", cp+"?lang=en", 200, "Transfers to another service point", "<td>Nanxiang Town assistive device service point → Jiading District assistive device centre</td>")
		// The transfer's audit entry carries the reason.
		entries, _, err := e.App.Audit.List(ctx, audit.Filter{SubjectType: casework.SubjectCase, SubjectID: fmt.Sprint(cs.ID), Action: audit.ActionUpdate, Limit: 50})
		if err != nil || len(entries) == 0 || entries[0].Reason != "南翔镇服务点没有轮椅库存" || !strings.Contains(entries[0].Detail, `"action":"transfer"`) {
			t.Fatalf("transfer audit: %+v %v", entries, err)
		}
		cs.Version = version()
		step("town", "dispense", map[string]any{"service_point": centre}, 200)
		cs.Version = version()
		step("town", "return", map[string]any{"condition": "good"}, 200)
		// Closing on the page asks why; the case and the audit say it.
		e.page(t, "town", cp, 200, `id="f-close_reason"`, "结案原因")
		e.submit(t, "town", act, url.Values{"action": {"close"}, "version": {ver()}}, 422, `id="e-close_reason"`, "请填写结案原因")
		e.submit(t, "town", act, url.Values{"action": {"close"}, "version": {ver()}, "close_reason": {"已归还，本人不再需要"}}, 303)
		e.page(t, "town", cp, 200, "已结案", "<dt>结案原因</dt>", "已归还，本人不再需要")
		e.page(t, "town", cp+"?lang=en", 200, "Reason for closing", "已归还，本人不再需要")
		entries, _, err = e.App.Audit.List(ctx, audit.Filter{SubjectType: casework.SubjectCase, SubjectID: fmt.Sprint(cs.ID), Action: audit.ActionUpdate, Limit: 50})
		if err != nil || entries[0].Reason != "已归还，本人不再需要" || !strings.Contains(entries[0].Detail, `"action":"close"`) {
			t.Errorf("close audit: %+v %v", entries[0], err)
		}
	})
}
