package admin_test

import (
	"context"
	"net/url"
	"strconv"
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

// TestUserFormPicksProviderOrganisation: a provider's account is linked to
// its organisation, picked by name on the new user form; without one it is
// refused at that field, the choices kept.
func TestUserFormPicksProviderOrganisation(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		admin := apptest.UserOf(identity.SysAdmin)
		org := strconv.FormatInt(e.ProviderOrg, 10)
		st, body := e.DoRaw(admin, "GET", "/users", nil, nil, nil)
		if st != 200 || !strings.Contains(string(body), `<select id="f-provider_id" name="provider_id">`) || !strings.Contains(string(body), `<option value="`+org+`">`) {
			t.Fatalf("GET /users: %d; no organisation picker with the fixture's organisation", st)
		}
		form := url.Values{"username": {"worker1"}, "role": {identity.Provider}, "orgunit": {"310114"}, "password": {"a long enough password"}}
		st, body = e.Form(admin, "/users", form)
		if st != 422 || !strings.Contains(string(body), `id="e-provider_id"`) || !strings.Contains(string(body), `<option value="provider" selected>`) {
			t.Fatalf("a provider's account without an organisation: %d, the error at its field: %v", st, strings.Contains(string(body), `id="e-provider_id"`))
		}
		form.Set("provider_id", org)
		if st, _ = e.Form(admin, "/users", form); st != 303 {
			t.Fatalf("with its organisation: %d", st)
		}
		var got int64
		if err := d.QueryRow(context.Background(), `SELECT COALESCE(provider_id, 0) FROM users WHERE username = 'worker1'`).Scan(&got); err != nil || got != e.ProviderOrg {
			t.Errorf("the account's organisation: %d %v, want %d", got, err, e.ProviderOrg)
		}
	})
}

// TestUserFormPicksVolunteer: the administrators' new-user form links a
// volunteer's account to its volunteer, picked by name with its unit; an
// account without one is refused at the field.
func TestUserFormPicksVolunteer(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		admin := apptest.UserOf(identity.SysAdmin)
		vol := strconv.FormatInt(e.Volunteer, 10)
		st, body := e.DoRaw(admin, "GET", "/users", nil, nil, nil)
		if st != 200 || !strings.Contains(string(body), `<select id="f-volunteer_id" name="volunteer_id">`) || !strings.Contains(string(body), `<option value="`+vol+`">志愿者1（南翔镇）</option>`) {
			t.Fatalf("GET /users: %d; no volunteer picker naming the fixture's volunteer and town", st)
		}
		form := url.Values{"username": {"helper1"}, "role": {identity.Volunteer}, "orgunit": {"310114102"}, "password": {"a long enough password"}}
		if st, body = e.Form(admin, "/users", form); st != 422 || !strings.Contains(string(body), `id="e-volunteer_id"`) {
			t.Fatalf("a volunteer's account without its volunteer: %d", st)
		}
		form.Set("volunteer_id", vol)
		if st, _ = e.Form(admin, "/users", form); st != 303 {
			t.Fatalf("with its volunteer: %d", st)
		}
		var got int64
		if err := d.QueryRow(context.Background(), `SELECT COALESCE(volunteer_id, 0) FROM users WHERE username = 'helper1'`).Scan(&got); err != nil || got != e.Volunteer {
			t.Errorf("the account's volunteer: %d %v, want %d", got, err, e.Volunteer)
		}
	})
}
