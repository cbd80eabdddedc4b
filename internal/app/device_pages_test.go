package app_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestDevicePartialPages walks a device case whose point is short on the case
// page: the catalogue grouped by what suits the person, the points with
// their stock (the person's town first), a shortage naming the product, a
// partial dispense with the rest kept open, and who assessed not approving.
func TestDevicePartialPages(t *testing.T) {
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
		tp := fmt.Sprint(e.Int64(`SELECT id FROM service_points WHERE orgunit = ?`, "310114102"))
		post("town", "/devices/stock", url.Values{"service_point": {tp}, "code": {"12 22 03"}, "quantity": {"1"}, "note": {"采购"}}, 303)
		open := func(who string) (string, func() string) {
			t.Helper()
			post(who, "/cases/new", url.Values{"person_id": {fmt.Sprint(e.In)}, "service_type": {"assistive_device"}, "need": {"出门需要轮椅和洗澡椅"}}, 303)
			var id int64
			if err := e.App.DB.QueryRow(context.Background(), `SELECT max(id) FROM cases`).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("/cases/%d", id), func() string { return fmt.Sprint(e.Int64(`SELECT version FROM cases WHERE id = ?`, id)) }
		}
		cp, ver := open("village")
		act := cp + "/act"
		// The provider's worker acts once the case is assigned to its organisation.
		get("provider", cp, 404)
		var id int64
		fmt.Sscanf(cp, "/cases/%d", &id)
		e.Assign(id)
		// The person (physical disability) sees what suits first; all the rest is still there.
		body := get("provider", cp, 200, `<optgroup label="适合肢体残疾的辅具">`, `<optgroup label="其他辅具（全部目录）">`, "12 39 03 盲杖")
		if strings.Index(body, "09 33 03 洗澡椅") > strings.Index(body, "12 39 03 盲杖") {
			t.Error("a bath chair is not offered before a white cane to a person with a physical disability")
		}
		post("provider", act, url.Values{"action": {"assess"}, "version": {ver()}, "items": {"12 22 03", "09 33 03", ""}}, 303)
		post("town", act, url.Values{"action": {"approve"}, "version": {ver()}}, 303)
		// The points: the town's first (chosen by default), each with its stock of the items.
		get("provider", cp, 200, fmt.Sprintf(`<option value="%s">南翔镇辅具服务点（库存：手动轮椅（双手驱动） 有 1 件，洗澡椅 有 0 件）</option>`, tp),
			`value="dispense_part"`, "先发放有库存的部分")
		post("provider", act, url.Values{"action": {"dispense"}, "version": {ver()}, "service_point": {tp}}, 409, "error-summary", "南翔镇辅具服务点库存不足：洗澡椅（09 33 03）")
		post("provider", act, url.Values{"action": {"dispense_part"}, "version": {ver()}, "service_point": {tp}}, 303)
		body = get("town", cp+"?lang=en", 200, "Items still to dispense", "Bath chair", "Items dispensed", `value="dispense"`, `value="reassess"`, `value="return"`)
		if strings.Contains(body, `value="cancel"`) || strings.Contains(body, `value="reject"`) {
			t.Error("a partly dispensed case offers to cancel or reject it")
		}

		// The catalogue API keeps what suits a category on request.
		var cat struct{ Items []struct{ Code string } }
		if st := e.Do("village", "GET", "/api/v1/devices/catalogue?category=2", nil, &cat); st != 200 || len(cat.Items) == 0 {
			t.Fatalf("catalogue for hearing: %d %+v", st, cat)
		}
		for _, it := range cat.Items {
			if !strings.HasPrefix(it.Code, "22") {
				t.Errorf("offered for a hearing disability: %s", it.Code)
			}
		}
		if st := e.Do("village", "GET", "/api/v1/devices/catalogue?category=9", nil, nil); st != 422 {
			t.Errorf("category 9: %d", st)
		}

		// Who assesses does not approve.
		cp2, ver2 := open("town")
		post("town", cp2+"/act", url.Values{"action": {"assess"}, "version": {ver2()}, "items": {"12 03 03"}}, 303)
		post("town", cp2+"/act", url.Values{"action": {"approve"}, "version": {ver2()}}, 403, "error-summary", "这个个案由您评估，不能再由您批准")
		post("district", cp2+"/act", url.Values{"action": {"approve"}, "version": {ver2()}}, 303)
	})
}
