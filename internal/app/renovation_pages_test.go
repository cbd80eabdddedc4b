package app_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestRenovationBudgetPage: district staff pick a year, set its budget typed
// as people write it, and read total, committed, paid and remaining, overall
// and by town by name; a budget that cannot be read, or below what is
// approved, is refused at its field with the typed text kept. A quote is
// corrected on the case page and its history shows old → new.
func TestRenovationBudgetPage(t *testing.T) {
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
		year := fmt.Sprint(d.Now().Year())
		get("district", "/renovation/budget", 200, "无障碍改造预算", "预算尚未设定", "南翔镇", "安亭镇", `<option value="2021"`, `id="f-budget"`)
		get("town", "/renovation/budget", 403)
		post("district", "/renovation/budget", url.Values{"year": {year}, "budget": {"12,5OO"}}, 422, `id="e-budget"`, `value="12,5OO"`, "年度预算：“12,5OO”不是金额", "error-summary")
		post("district", "/renovation/budget", url.Values{"year": {year}, "budget": {""}}, 422, `id="e-budget"`, "请填写年度预算金额")
		post("district", "/renovation/budget", url.Values{"year": {year}, "budget": {"2000000万"}}, 422, `id="e-budget"`, "超过上限")
		post("district", "/renovation/budget", url.Values{"year": {year}, "budget": {"1.2万"}}, 303)
		get("district", "/renovation/budget?saved=1&year="+year, 200, "已保存", "12,000.00 元", `value="12,000.00"`)

		// A renovation quoted at 12,500.50, corrected to 8,000 by the one who quoted, approved.
		var cs struct{ ID int64 }
		if st := e.Do("town", "POST", "/api/v1/cases", map[string]any{"person_id": e.In, "service_type": "home_renovation", "data": map[string]any{"need": "坡道"}}, &cs); st != 201 {
			t.Fatalf("open: %d", st)
		}
		tr := fmt.Sprintf("/api/v1/cases/%d/transitions", cs.ID)
		for _, body := range []map[string]any{{"action": "survey", "data": map[string]any{"items": []string{"ramp"}}},
			{"action": "quote", "data": map[string]any{"contractor": "嘉定建设", "cost": 1250050}}} {
			if st := e.Do("town", "POST", tr, body, nil); st != 200 {
				t.Fatalf("%v: %d", body["action"], st)
			}
		}
		page := fmt.Sprintf("/cases/%d", cs.ID)
		get("town", page, 200, `value="correct_quote"`, "12,500.50 元", "报价记录")
		post("town", page+"/act", url.Values{"action": {"correct_quote"}, "version": {"3"}, "cost": {"八千"}}, 422, `value="八千"`, "更正后的费用：“八千”不是金额")
		post("town", page+"/act", url.Values{"action": {"correct_quote"}, "version": {"3"}, "cost": {"8,000元"}}, 303)
		body := get("town", page+"?lang=en", 200, "Quote history", "12,500.50 yuan → 8,000.00 yuan", "<dd>8,000.00 yuan</dd>")
		if strings.Contains(body, "1250050") {
			t.Error("the case page shows an amount in cents")
		}
		post("district", page+"/act", url.Values{"action": {"approve"}, "version": {"4"}}, 303)
		get("district", "/renovation/budget?year="+year, 200, "8,000.00 元", "4,000.00 元")
		// Below what is approved: refused at the field, the typed text kept.
		post("district", "/renovation/budget", url.Values{"year": {year}, "budget": {"5000元"}}, 409, `id="e-budget"`, `value="5000元"`, "预算不能低于已批准的金额 8,000.00 元")
		get("district", "/renovation/budget?lang=en&year="+year, 200, "Home renovation budget", "By town", "Nanxiang", "8,000.00 yuan")
		// The API answers the same figures, by town.
		var o struct {
			Set   bool
			Towns []struct {
				Name           string
				Cases          int
				CommittedCents int64 `json:"committed_cents"`
			}
		}
		if st := e.Do("district", "GET", "/api/v1/renovation/budget?year="+year, nil, &o); st != 200 || !o.Set || len(o.Towns) < 2 || o.Towns[0].Name == "" {
			t.Fatalf("budget API: %d %+v", st, o)
		}
		for _, tf := range o.Towns {
			if tf.Name == "南翔镇" && (tf.Cases != 1 || tf.CommittedCents != 800000) {
				t.Errorf("Nanxiang in the API: %+v", tf)
			}
		}
	})
}
