package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
)

// TestPermissionMatrix walks the sign-in and session, org units, users and
// audit log, API and pages, against every role and no sign-in, in and out of
// scope (apptest.Matrix).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	district := []string{identity.DistrictStaff}
	userReaders := []string{identity.SysAdmin, identity.SecAdmin}
	userAdmins := []string{identity.SysAdmin, identity.SecAdmin}
	// pending asks for a town staff account named name+u as the other kind
	// of administrator than u's, so that u may approve it.
	pending := func(e *apptest.Env, name, u string) string {
		by := identity.Requester{Username: "secadmin", Role: identity.SecAdmin}
		if u == "secadmin" {
			by = identity.Requester{Username: "sysadmin", Role: identity.SysAdmin}
		}
		if _, err := e.App.Users.Request(context.Background(), by, identity.User{Username: name + u, Role: identity.TownStaff, OrgUnit: "310114102"}, apptest.Password, nil); err != nil {
			e.T.Fatal(err)
		}
		return name + u
	}
	// active adds an active town staff account named name+u.
	active := func(e *apptest.Env, name, u string) string {
		if _, err := e.App.Users.Create(context.Background(), identity.User{Username: name + u, Role: identity.TownStaff, OrgUnit: "310114102"}, apptest.Password, nil); err != nil {
			e.T.Fatal(err)
		}
		return name + u
	}
	disabled := func(e *apptest.Env, name, u string) string {
		n := active(e, name, u)
		if _, err := e.App.Users.Disable(context.Background(), identity.Requester{Username: "matrix", Role: identity.SecAdmin}, n, "left", nil); err != nil {
			e.T.Fatal(err)
		}
		return n
	}
	userAPI := func(make func(*apptest.Env, string, string) string, name, rest string, body any) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: "/api/v1/users/" + make(e, name, u) + rest, Body: body}
		}
	}
	userPage := func(make func(*apptest.Env, string, string) string, name, rest string, form url.Values) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: "/users/" + make(e, name, u) + rest, Form: form}
		}
	}
	reason := map[string]string{"reason": "left the federation"}
	reasonForm := url.Values{"reason": {"left the federation"}}
	auditors := []string{identity.Auditor}
	apptest.Matrix(t, "admin", map[string]apptest.Entry{
		// Signing in and out (as district staff when not signed in); a
		// signed-in user's sign-in page sends them home.
		"POST /api/v1/session": {Public: true, SignInAs: "district", In: func(_ *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: "/api/v1/session", Body: map[string]string{"username": u, "password": apptest.Password}}
		}, InOK: 200},
		"GET /api/v1/session":    {Allowed: identity.Roles(), In: apptest.Fixed("/api/v1/session", nil), InOK: 200},
		"DELETE /api/v1/session": {Allowed: identity.Roles(), EndsSession: true, In: apptest.Fixed("/api/v1/session", nil), InOK: 204},
		"GET /login":             {Public: true, In: apptest.Fixed("/login", nil), InOK: 200, SignedInOK: 303},
		"POST /login": {Public: true, SignInAs: "district", In: func(_ *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: "/login", Form: url.Values{"username": {u}, "password": {apptest.Password}}}
		}, InOK: 303},
		// The second step of a page sign-in, with a challenge that does not exist.
		"POST /login/otp": {Public: true, In: apptest.FixedForm("/login/otp", url.Values{"challenge": {"no-such-challenge"}, "otp": {"123456"}}), InOK: 401},
		// The second factor: one's own enrolment (a wrong first code), and the
		// security administrator's reset.
		"GET /account/2fa":                        {Allowed: identity.Ordinary(), PageIn: true, In: apptest.Fixed("/account/2fa", nil), InOK: 200},
		"POST /account/2fa":                       {Allowed: identity.Ordinary(), PageIn: true, In: apptest.FixedForm("/account/2fa", url.Values{"otp": {"abcdef"}}), InOK: 422},
		"POST /api/v1/users/{username}/2fa/reset": {Allowed: []string{identity.SecAdmin}, InOK: 200, In: userAPI(active, "reset2fa_", "/2fa/reset", reason)},
		"POST /users/{username}/2fa/reset":        {Allowed: []string{identity.SecAdmin}, PageIn: true, InOK: 303, In: userPage(active, "p_reset2fa_", "/2fa/reset", reasonForm)},
		"POST /logout":                            {Allowed: identity.Roles(), EndsSession: true, PageIn: true, In: apptest.FixedForm("/logout", url.Values{}), InOK: 303},
		"POST /preferences":                       {Public: true, In: apptest.FixedForm("/preferences", url.Values{"lang": {"en"}, "display": {"large"}, "next": {"/"}}), InOK: 303},
		"POST /session/touch":                     {Allowed: identity.Roles(), In: apptest.FixedForm("/session/touch", url.Values{}), InOK: 200},
		// Org units.
		"GET /api/v1/orgunits": {Allowed: identity.Ordinary(), In: apptest.Fixed("/api/v1/orgunits?parent=310114", nil), InOK: 200},
		"POST /api/v1/orgunits": {Allowed: []string{identity.DistrictStaff, identity.SysAdmin}, InOK: 201, OutOK: 422,
			In: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: "/api/v1/orgunits", Body: map[string]string{"code": "310114102" + apptest.UserCode(u), "name": "新村" + u, "parent": "310114102"}}
			},
			Out: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: "/api/v1/orgunits", Body: map[string]string{"code": "320583100" + apptest.UserCode(u), "name": "新村" + u, "parent": "320583100"}}
			}},
		"GET /orgunits": {Allowed: district, PageIn: true, In: apptest.Fixed("/orgunits", nil), InOK: 200},
		"POST /orgunits": {Allowed: district, PageIn: true, InOK: 303, OutOK: 422,
			In: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: "/orgunits", Form: url.Values{"code": {"310114102" + fmt.Sprint(400+len(u))}, "name": {"页面村" + u}, "parent": {"310114102"}}}
			},
			Out: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: "/orgunits", Form: url.Values{"code": {"320583100" + fmt.Sprint(400+len(u))}, "name": {"页面村" + u}, "parent": {"320583100"}}}
			}},
		// Users.
		"GET /api/v1/users": {Allowed: userReaders, In: apptest.Fixed("/api/v1/users", nil), InOK: 200},
		"POST /api/v1/users": {Allowed: userAdmins, InOK: 201, In: func(_ *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: "/api/v1/users", Body: map[string]string{"username": "new_user_" + u, "role": "town_staff", "orgunit": "310114102", "password": "a long enough password"}}
		}},
		"GET /users": {Allowed: userReaders, PageIn: true, In: apptest.Fixed("/users", nil), InOK: 200},
		"POST /users": {Allowed: userAdmins, PageIn: true, InOK: 303, In: func(_ *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: "/users", Form: url.Values{"username": {"page_user_" + u}, "role": {"village_assistant"}, "orgunit": {apptest.Village}, "password": {"a long enough password"}}}
		}},
		"POST /api/v1/users/{username}/approve": {Allowed: userAdmins, InOK: 200, In: userAPI(pending, "approve_", "/approve", nil)},
		"POST /api/v1/users/{username}/refuse":  {Allowed: userAdmins, InOK: 200, In: userAPI(pending, "refuse_", "/refuse", reason)},
		"POST /api/v1/users/{username}/disable": {Allowed: userAdmins, InOK: 200, In: userAPI(active, "disable_", "/disable", reason)},
		"POST /api/v1/users/{username}/enable":  {Allowed: userAdmins, InOK: 200, In: userAPI(disabled, "enable_", "/enable", nil)},
		"POST /users/{username}/approve":        {Allowed: userAdmins, PageIn: true, InOK: 303, In: userPage(pending, "p_approve_", "/approve", url.Values{})},
		"POST /users/{username}/refuse":         {Allowed: userAdmins, PageIn: true, InOK: 303, In: userPage(pending, "p_refuse_", "/refuse", reasonForm)},
		"POST /users/{username}/disable":        {Allowed: userAdmins, PageIn: true, InOK: 303, In: userPage(active, "p_disable_", "/disable", reasonForm)},
		"POST /users/{username}/enable":         {Allowed: userAdmins, PageIn: true, InOK: 303, In: userPage(disabled, "p_enable_", "/enable", url.Values{})},
		// The audit log.
		"GET /api/v1/audit":        {Allowed: auditors, In: apptest.Fixed("/api/v1/audit?user=district", nil), InOK: 200},
		"GET /api/v1/audit/verify": {Allowed: auditors, In: apptest.Fixed("/api/v1/audit/verify", nil), InOK: 200},
		"GET /audit":               {Allowed: auditors, PageIn: true, In: apptest.Fixed("/audit?user=district", nil), InOK: 200},
		"POST /audit/checkpoint":   {Allowed: auditors, PageIn: true, In: apptest.FixedForm("/audit/checkpoint", url.Values{}), InOK: 200},
		"POST /audit/verify": {Allowed: auditors, PageIn: true, InOK: 200,
			In: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: "/audit/verify", File: checkpointFile(e)}
			}},
		"POST /api/v1/audit/verify": {Allowed: auditors, InOK: 200,
			In: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: "/api/v1/audit/verify", Body: json.RawMessage(checkpointFile(e))}
			}},
		"GET /api/v1/audit/checkpoint": {Allowed: auditors, InOK: 200, In: func(e *apptest.Env, _ string) apptest.Request {
			checkpointFile(e) // there is one to export
			return apptest.Request{Path: "/api/v1/audit/checkpoint"}
		}},
		"POST /api/v1/audit/checkpoint": {Allowed: auditors, In: apptest.Fixed("/api/v1/audit/checkpoint", nil), InOK: 201},
	})
}

// checkpointFile takes a checkpoint of the audit log, as the system, and
// returns it as the auditor keeps it.
func checkpointFile(e *apptest.Env) []byte {
	e.T.Helper()
	c, err := e.App.Audit.Checkpoint(context.Background(), audit.Actor{Username: "matrix", Role: identity.Auditor}.Entry(audit.ActionCreate, "audit_checkpoint", "", ""))
	if err != nil {
		e.T.Fatal(err)
	}
	raw, err := json.Marshal(c)
	if err != nil {
		e.T.Fatal(err)
	}
	return raw
}
