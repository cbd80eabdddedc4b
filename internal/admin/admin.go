// Package admin is the platform's own module: signing in and out, sessions
// and display preferences, user accounts, the org-unit tree and the audit
// log (API and pages). It reads no personal data.
package admin

import (
	"context"
	"embed"
	"net/http"

	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Admin serves the platform's own API and pages.
type Admin struct {
	DB    *db.DB
	Users *identity.Store
	Units *orgunit.Store
	Audit *audit.Log
	// Organisations, when set, lists the provider organisations an account
	// of the role provider may belong to (purchased services; the app sets it).
	Organisations func(ctx context.Context) ([]Organisation, error)
	// Volunteers, when set, lists the volunteers an account of the role
	// volunteer may belong to (the corps; the app sets it).
	Volunteers func(ctx context.Context) ([]Organisation, error)
	web.Kit
}

// Organisation is a provider organisation or a volunteer, for the new-user
// form's pickers.
type Organisation struct {
	ID   int64
	Name string
}

// Who may do what here.
var (
	anyone = web.Access{} // any signed-in user but a partner installation (identity.Explicit)
	// everyone is every signed-in account, a partner installation's too:
	// it signs in and out like any account.
	everyone     = web.Roles(identity.Roles()...)
	unitCreators = web.Roles(identity.DistrictStaff, identity.SysAdmin)
	// The system and the security administrator ask for, approve (each
	// other's requests, identity.CanApprove), refuse and disable accounts;
	// only the security administrator asks for administrators' accounts.
	userAdmins  = web.Roles(identity.SysAdmin, identity.SecAdmin)
	userReaders = web.Roles(identity.SysAdmin, identity.SecAdmin)
	auditors    = web.Roles(identity.Auditor)
	// Only the security administrator resets a second factor.
	secAdmins = web.Roles(identity.SecAdmin)
)

// Module is the admin module as the app sees it.
func (a *Admin) Module() module.Module {
	return module.Module{
		Name: "admin", Templates: web.TemplateDir(templates), Home: a.home,
		Tables: []string{"users", "user_totp", "user_recovery_codes", "audit_log", "audit_head", "audit_checkpoints", "audit_queue_marks"},
		Sealed: []module.Sealed{{Table: "user_totp", Key: []string{"user_id"}, Column: "secret", Field: identity.SecretField, FieldKeyed: true}},
		// A restored database starts with everyone signed out and no sign-in counted.
		Unsaved: []string{"sessions", "login_limits", "login_challenges"},
		Demo: func(_ context.Context, d *module.Demo) error {
			d.Accounts = append(d.Accounts, districtAccounts(d.Place)...)
			return nil
		},
		Routes: func(rt *web.Router, kit web.Kit) {
			a.Kit = kit
			a.Routes(rt)
		},
		Nav: []module.Nav{
			{Order: 40, Roles: []string{identity.DistrictStaff}, Zh: "组织单位", En: "Org units", Href: "/orgunits"},
			{Order: 60, Roles: []string{identity.Auditor}, Zh: "审计日志", En: "Audit log", Href: "/audit"},
			{Order: 70, Roles: []string{identity.SysAdmin, identity.SecAdmin}, Zh: "用户", En: "Users", Href: "/users"},
		},
	}
}

// Routes registers the API and pages.
func (a *Admin) Routes(rt *web.Router) {
	rt.Handle("POST /api/v1/session", web.PublicAccess, a.apiLogin, web.Types{In: credentials{}, Out: signedIn{}})
	rt.Handle("GET /api/v1/session", everyone, a.apiWhoAmI, web.Types{Out: whoAmI{}})
	rt.Handle("DELETE /api/v1/session", everyone, a.apiLogout)
	rt.Handle("GET /api/v1/orgunits", anyone, a.apiUnits, web.Types{Out: web.List[orgunit.Unit]{}})
	rt.Handle("POST /api/v1/orgunits", unitCreators, a.apiCreateUnit, web.Types{In: orgunit.Unit{}, Out: orgunit.Unit{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/users", userReaders, a.apiUsers, web.Types{Out: web.List[identity.User]{}})
	rt.Handle("POST /api/v1/users", userAdmins, a.apiCreateUser, web.Types{In: userInput{}, Out: identity.User{}, Status: http.StatusCreated})
	rt.Handle("POST /api/v1/users/{username}/approve", userAdmins, a.apiApproveUser, web.Types{Out: identity.User{}})
	rt.Handle("POST /api/v1/users/{username}/refuse", userAdmins, a.apiRefuseUser, web.Types{In: reasonInput{}, Out: identity.User{}})
	rt.Handle("POST /api/v1/users/{username}/disable", userAdmins, a.apiDisableUser, web.Types{In: reasonInput{}, Out: identity.User{}})
	rt.Handle("POST /api/v1/users/{username}/enable", userAdmins, a.apiEnableUser, web.Types{Out: identity.User{}})
	rt.Handle("GET /api/v1/audit", auditors, a.apiAudit, web.Types{Out: web.List[audit.Entry]{}})
	rt.Handle("GET /api/v1/audit/verify", auditors, a.apiAuditVerify, web.Types{Out: audit.Verification{}})
	rt.Handle("POST /api/v1/audit/verify", auditors, a.apiAuditCheckKept, web.Types{In: audit.Checkpoint{}, Out: audit.CheckpointCheck{}})
	rt.Handle("GET /api/v1/audit/checkpoint", auditors, a.apiAuditCheckpoint, web.Types{Out: audit.Checkpoint{}})
	rt.Handle("POST /api/v1/audit/checkpoint", auditors, a.apiAuditCheckpointPost, web.Types{Out: audit.Checkpoint{}, Status: http.StatusCreated})
	rt.Page("GET /login", web.PublicAccess, a.pageLogin)
	rt.Page("POST /login", web.PublicAccess, a.pageLoginPost)
	rt.Page("POST /login/otp", web.PublicAccess, a.pageLoginOTP)
	rt.Page("POST /logout", everyone, a.pageLogout)
	rt.Page("GET /account/2fa", anyone, a.pageTwoFactor)
	rt.Page("POST /account/2fa", anyone, a.pageTwoFactorPost)
	rt.Handle("POST /api/v1/users/{username}/2fa/reset", secAdmins, a.apiResetTwoFactor, web.Types{In: reasonInput{}, Out: identity.User{}})
	rt.Page("POST /users/{username}/2fa/reset", secAdmins, a.pageResetTwoFactor)
	rt.Page("POST /preferences", web.PublicAccess, a.pagePreferences)
	rt.Handle("POST /session/touch", everyone, a.apiTouch, web.Types{Out: session{}})
	rt.Page("GET /orgunits", web.Roles(identity.DistrictStaff), a.pageUnits)
	rt.Page("POST /orgunits", web.Roles(identity.DistrictStaff), a.pageUnitsPost)
	rt.Page("GET /users", userReaders, a.pageUsers)
	rt.Page("POST /users", userAdmins, a.pageUsersPost)
	rt.Page("POST /users/{username}/approve", userAdmins, a.pageApproveUser)
	rt.Page("POST /users/{username}/refuse", userAdmins, a.pageRefuseUser)
	rt.Page("POST /users/{username}/disable", userAdmins, a.pageDisableUser)
	rt.Page("POST /users/{username}/enable", userAdmins, a.pageEnableUser)
	rt.Page("GET /audit", auditors, a.pageAudit)
	rt.Page("POST /audit/checkpoint", auditors, a.pageAuditCheckpoint)
	rt.Page("POST /audit/verify", auditors, a.pageAuditVerify)
}

func actorOf(r *http.Request, p *web.Principal) audit.Actor {
	a := audit.Actor{Client: web.ClientAddr(r)}
	if p != nil {
		a.Username, a.Role = p.Username, p.Role
	}
	return a
}
