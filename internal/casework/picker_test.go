package casework_test

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

// TestNewRequestPicker: the new request form chooses its person with the
// picker without JavaScript. The search button brings the form back with
// the matches of the caller's area as radio buttons and everything typed
// kept; a request sent with a search but no choice asks to choose; the
// chosen person stays chosen after another field's error; a person of
// another area is never offered.
func TestNewRequestPicker(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		village := apptest.UserOf(identity.VillageAssistant)
		radio := fmt.Sprintf(`name="person_id" value="%d"`, e.In)

		// From a person's page: the person comes chosen.
		st, body := e.DoRaw(village, "GET", fmt.Sprintf("/cases/new?person_id=%d", e.In), nil, nil, nil)
		if page := string(body); st != 200 || !strings.Contains(page, "<strong>测试1</strong>") ||
			!strings.Contains(page, fmt.Sprintf(`type="hidden" name="person_id" value="%d"`, e.In)) {
			t.Errorf("GET /cases/new?person_id=: %d; the person is not chosen", st)
		}

		st, body = e.Form(village, "/cases/new", url.Values{"person_id_q": {"测试"}, "person_id_find": {"1"}, "service_type": {"assistive_device"}, "need": {"需要轮椅"}})
		page := string(body)
		if st != 200 || !strings.Contains(page, radio) || !strings.Contains(page, "需要轮椅") || !strings.Contains(page, `value="测试"`) {
			t.Fatalf("search: %d, radio %v, need kept %v", st, strings.Contains(page, radio), strings.Contains(page, "需要轮椅"))
		}
		if strings.Contains(page, apptest.OutName) || strings.Contains(page, "测试2") {
			t.Error("the search offers a person of another area")
		}

		// Enter in the search field without JavaScript sends the form (its
		// default button): a search not answered yet is answered as a search.
		st, body = e.Form(village, "/cases/new", url.Values{"person_id_q": {"测试"}, "service_type": {"assistive_device"}, "need": {"需要轮椅"}})
		if page = string(body); st != 200 || !strings.Contains(page, radio) || !strings.Contains(page, `name="person_id_seen" value="测试"`) {
			t.Errorf("a new search sent with the form: %d", st)
		}

		st, body = e.Form(village, "/cases/new", url.Values{"person_id_q": {"测试"}, "person_id_seen": {"测试"}, "service_type": {"assistive_device"}, "need": {"需要轮椅"}})
		if page = string(body); st != 422 || !strings.Contains(page, "请从查找结果中选择一人") || !strings.Contains(page, radio) {
			t.Errorf("sent without a choice: %d", st)
		}

		st, body = e.Form(village, "/cases/new", url.Values{"person_id": {fmt.Sprint(e.In)}, "person_id_q": {"测试"}, "person_id_seen": {"测试"}, "service_type": {"assistive_device"}})
		page = string(body)
		if st != 422 || !strings.Contains(page, fmt.Sprintf(`type="hidden" name="person_id" value="%d"`, e.In)) || !strings.Contains(page, "<strong>测试1</strong>") {
			t.Errorf("another field's error: %d; the chosen person kept: %v", st, strings.Contains(page, "<strong>测试1</strong>"))
		}

		st, _ = e.Form(village, "/cases/new", url.Values{"person_id": {fmt.Sprint(e.In)}, "person_id_q": {"测试"}, "person_id_seen": {"测试"}, "service_type": {"assistive_device"}, "need": {"需要轮椅"}})
		if st != 303 {
			t.Errorf("sent with the chosen person: %d, want 303", st)
		}
		st, _ = e.Form(village, "/cases/new", url.Values{"person_id": {fmt.Sprint(e.Out)}, "service_type": {"assistive_device"}, "need": {"需要轮椅"}})
		if st != 404 {
			t.Errorf("sent with a person of another area: %d, want 404", st)
		}
	})
}
