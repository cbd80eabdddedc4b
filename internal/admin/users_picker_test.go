package admin_test

import (
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestUserFormPicksUnitByName: the new user form picks the org unit by
// name (a <select> grouped by town, no typed code), and a form sent back
// with an error keeps the unit chosen.
func TestUserFormPicksUnitByName(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		admin := apptest.UserOf(identity.SysAdmin)
		st, body := e.DoRaw(admin, "GET", "/users", nil, nil, nil)
		page := string(body)
		if st != 200 || !strings.Contains(page, `<select id="f-orgunit" name="orgunit"`) || !strings.Contains(page, `<optgroup label="南翔镇">`) ||
			!strings.Contains(page, `<option value="`+apptest.Village+`">永新村</option>`) {
			t.Fatalf("GET /users: %d; the unit is not a select of names", st)
		}
		if strings.Contains(page, `inputmode="numeric" value="" name="orgunit"`) || strings.Contains(page, "单位代码") {
			t.Error("the form still asks for a typed unit code")
		}
		st, body = e.Form(admin, "/users", url.Values{"username": {"新用户"}, "role": {identity.TownStaff}, "orgunit": {"310114102"}, "password": {"short"}})
		if st != 422 || !strings.Contains(string(body), `<option value="310114102" selected>`) {
			t.Errorf("an error: %d; the chosen unit kept: %v", st, strings.Contains(string(body), `<option value="310114102" selected>`))
		}
	})
}
