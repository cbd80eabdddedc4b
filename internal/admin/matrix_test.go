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
	sysAdmin := []string{identity.SysAdmin}
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
		"POST /logout":        {Allowed: identity.Roles(), EndsSession: true, PageIn: true, In: apptest.FixedForm("/logout", url.Values{}), InOK: 303},
		"POST /preferences":   {Public: true, In: apptest.FixedForm("/preferences", url.Values{"lang": {"en"}, "display": {"large"}, "next": {"/"}}), InOK: 303},
		"POST /session/touch": {Allowed: identity.Roles(), In: apptest.FixedForm("/session/touch", url.Values{}), InOK: 200},
		// Org units.
		"GET /api/v1/orgunits": {Allowed: identity.Roles(), In: apptest.Fixed("/api/v1/orgunits?parent=310114", nil), InOK: 200},
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
		"POST /api/v1/users": {Allowed: sysAdmin, InOK: 201,
			In: apptest.Fixed("/api/v1/users", map[string]string{"username": "new_user", "role": "town_staff", "orgunit": "310114102", "password": "a long enough password"})},
		"GET /users": {Allowed: userReaders, PageIn: true, In: apptest.Fixed("/users", nil), InOK: 200},
		"POST /users": {Allowed: sysAdmin, PageIn: true, InOK: 303,
			In: apptest.FixedForm("/users", url.Values{"username": {"page_user"}, "role": {"village_assistant"}, "orgunit": {apptest.Village}, "password": {"a long enough password"}})},
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
