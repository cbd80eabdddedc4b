package employment_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestLinkEmployeePicker: the employer page links an employee chosen with
// the person picker: its search button (no JavaScript) lists the matches of
// the caller's area as radio buttons, keeping the start date typed; a link
// sent with a search but no choice asks to choose; a chosen person is
// linked and named on the page.
func TestLinkEmployeePicker(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		town := apptest.UserOf(identity.TownStaff)
		path := fmt.Sprintf("/employers/%d/employees", e.EmpIn)
		radio := fmt.Sprintf(`name="person_id" value="%d"`, e.In)

		st, body := e.Form(town, path, url.Values{"person_id_q": {"测试"}, "person_id_find": {"1"}, "from_date": {"2020-03-01"}})
		page := string(body)
		if st != 200 || !strings.Contains(page, radio) || !strings.Contains(page, `value="2020-03-01"`) {
			t.Fatalf("search: %d, radio %v, date kept %v", st, strings.Contains(page, radio), strings.Contains(page, `value="2020-03-01"`))
		}
		if strings.Contains(page, apptest.OutName) {
			t.Error("the search offers a person of another district")
		}
		st, body = e.Form(town, path, url.Values{"person_id_q": {"测试"}, "person_id_seen": {"测试"}, "from_date": {"2020-03-01"}})
		if st != 422 || !strings.Contains(string(body), "请从查找结果中选择一人") {
			t.Errorf("sent without a choice: %d", st)
		}
		st, _ = e.Form(town, path, url.Values{"person_id": {fmt.Sprint(e.In)}, "person_id_q": {"测试"}, "person_id_seen": {"测试"}, "from_date": {"2020-03-01"}})
		if st != 303 {
			t.Fatalf("link: %d, want 303", st)
		}
		st, body = e.Form(town, path, url.Values{"person_id": {fmt.Sprint(e.Out)}, "from_date": {"2020-03-01"}})
		if st != 404 || strings.Contains(string(body), apptest.OutName) {
			t.Errorf("a person of another district: %d", st)
		}
	})
}
