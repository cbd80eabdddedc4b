package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestAccountNeedsSecondAdmin: the three administrators are separated
// (三员分立). A system administrator alone cannot make an account that reads
// personal data: the district staff account they ask for is pending, cannot
// sign in, and they cannot approve it themselves; the security administrator
// approves it, and then it signs in. Only the security administrator asks
// for administrators' accounts. The users page and GET /api/v1/users show
// the pending request.
func TestAccountNeedsSecondAdmin(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var u identity.User
		if st := e.Do("sysadmin", "POST", "/api/v1/users", map[string]string{"username": "new_district", "role": identity.DistrictStaff,
			"orgunit": "310114", "password": apptest.Password}, &u); st != http.StatusCreated {
			t.Fatalf("create: %d", st)
		}
		if u.State != identity.StatePending || u.RequestedBy != "sysadmin" {
			t.Errorf("new account: %+v, want pending, asked for by sysadmin", u)
		}
		login := func(want int) {
			t.Helper()
			if st := e.Do("", "POST", "/api/v1/session", map[string]string{"username": "new_district", "password": apptest.Password}, nil); st != want {
				t.Errorf("sign-in as new_district: %d, want %d", st, want)
			}
		}
		login(http.StatusUnauthorized)
		var list struct{ Items []identity.User }
		if st := e.Do("secadmin", "GET", "/api/v1/users", nil, &list); st != 200 {
			t.Fatalf("list: %d", st)
		}
		found := false
		for _, x := range list.Items {
			found = found || (x.Username == "new_district" && x.State == identity.StatePending)
		}
		if !found {
			t.Errorf("GET /api/v1/users does not show the pending request: %+v", list.Items)
		}
		e.page(t, "secadmin", "/users", 200, "new_district", "/users/new_district/approve")
		// The requester cannot approve, nor another system administrator, nor the auditor.
		if st := e.Do("sysadmin", "POST", "/api/v1/users/new_district/approve", nil, nil); st != http.StatusForbidden {
			t.Errorf("sysadmin approves their own request: %d, want 403", st)
		}
		if st, _ := e.Form("sysadmin", "/users/new_district/approve", url.Values{}); st != http.StatusForbidden {
			t.Errorf("sysadmin approves their own request on the page: %d, want 403", st)
		}
		if st := e.Do("auditor", "POST", "/api/v1/users/new_district/approve", nil, nil); st != http.StatusForbidden {
			t.Errorf("auditor approves: %d, want 403", st)
		}
		login(http.StatusUnauthorized)
		// A system administrator cannot ask for an administrator's account.
		if st := e.Do("sysadmin", "POST", "/api/v1/users", map[string]string{"username": "sock", "role": identity.SecAdmin,
			"orgunit": "310114", "password": apptest.Password}, nil); st != http.StatusForbidden {
			t.Errorf("sysadmin asks for a secadmin account: %d, want 403", st)
		}
		if st := e.Do("secadmin", "POST", "/api/v1/users/new_district/approve", nil, &u); st != 200 || u.State != identity.StateActive {
			t.Fatalf("secadmin approves: %d %+v", st, u)
		}
		login(http.StatusOK)
		// Approving twice is a conflict.
		if st := e.Do("secadmin", "POST", "/api/v1/users/new_district/approve", nil, nil); st != http.StatusConflict {
			t.Errorf("second approval: %d, want 409", st)
		}
	})
}

// TestDisableAccount: disabling an account (with a reason, in the audit log)
// ends its sessions at once, and its sign-in is answered exactly like a
// wrong password. Enabling it again makes it pending: a second administrator
// approves it.
func TestDisableAccount(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		if st := e.Do("town", "GET", "/api/v1/session", nil, nil); st != 200 {
			t.Fatalf("town's session: %d", st)
		}
		if st := e.Do("sysadmin", "POST", "/api/v1/users/town/disable", map[string]string{}, nil); st != http.StatusUnprocessableEntity {
			t.Errorf("disable without a reason: %d, want 422", st)
		}
		var u identity.User
		if st := e.Do("sysadmin", "POST", "/api/v1/users/town/disable", map[string]string{"reason": "left the federation"}, &u); st != 200 || u.State != identity.StateDisabled {
			t.Fatalf("disable: %d %+v", st, u)
		}
		if st := e.Do("town", "GET", "/api/v1/session", nil, nil); st != http.StatusUnauthorized {
			t.Errorf("disabled account's session: %d, want 401", st)
		}
		if n := e.Int64(`SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'town'`); n != 0 {
			t.Errorf("%d sessions left", n)
		}
		_, right := e.DoRaw("", "POST", "/api/v1/session", map[string]string{"username": "town", "password": apptest.Password}, nil, nil)
		st, wrong := e.DoRaw("", "POST", "/api/v1/session", map[string]string{"username": "town", "password": apptest.Password + "x"}, nil, nil)
		if st != http.StatusUnauthorized || string(right) != string(wrong) {
			t.Errorf("disabled account signs in: %s; wrong password: %d %s", right, st, wrong)
		}
		if n := e.Int64(`SELECT count(*) FROM audit_log WHERE action = 'user_disable' AND subject_id = 'town' AND username = 'sysadmin' AND detail = 'left the federation'`); n != 1 {
			t.Errorf("%d audit entries of the disabling", n)
		}
		if st := e.Do("sysadmin", "POST", "/api/v1/users/sysadmin/disable", map[string]string{"reason": "x"}, nil); st != http.StatusForbidden {
			t.Errorf("disable oneself: %d, want 403", st)
		}
		// Enabled again: pending until the other administrator approves.
		if st := e.Do("sysadmin", "POST", "/api/v1/users/town/enable", nil, &u); st != 200 || u.State != identity.StatePending {
			t.Fatalf("enable: %d %+v", st, u)
		}
		if st := e.Do("", "POST", "/api/v1/session", map[string]string{"username": "town", "password": apptest.Password}, nil); st != http.StatusUnauthorized {
			t.Errorf("re-enabled, not approved, signs in: %d", st)
		}
		if st := e.Do("secadmin", "POST", "/api/v1/users/town/approve", nil, nil); st != 200 {
			t.Fatalf("approve: %d", st)
		}
		e.Tokens["town"] = e.Login("town")
		// The users page disables too.
		e.submit(t, "secadmin", "/users/town/disable", url.Values{"reason": {"moved"}}, http.StatusSeeOther)
		if st := e.Do("town", "GET", "/api/v1/session", nil, nil); st != http.StatusUnauthorized {
			t.Errorf("session after the page disabled the account: %d", st)
		}
	})
}

// TestAdminsReadNoPerson: none of the three administrators reads a person,
// their access log or their cases (403), on the API or the pages.
func TestAdminsReadNoPerson(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		caseID := e.Case(e.In)
		for _, user := range []string{"sysadmin", "secadmin", "auditor"} {
			for _, path := range []string{
				fmt.Sprintf("/api/v1/persons/%d", e.In), fmt.Sprintf("/api/v1/persons/%d/access-log", e.In), "/api/v1/persons?q=" + url.QueryEscape("测试"),
				fmt.Sprintf("/api/v1/cases/%d", caseID), fmt.Sprintf("/persons/%d", e.In), fmt.Sprintf("/persons/%d/access-log", e.In),
			} {
				st, body := e.DoRaw(user, "GET", path, nil, nil, nil)
				if st != http.StatusForbidden {
					t.Errorf("%s GET %s: %d, want 403", user, path, st)
				}
				if strings.Contains(string(body), e.InID) || strings.Contains(string(body), "测试1") {
					t.Errorf("%s GET %s shows personal data: %s", user, path, body)
				}
			}
		}
	})
}
