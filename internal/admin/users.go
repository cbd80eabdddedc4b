package admin

import (
	"net/http"
	"net/url"

	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/web"
)

// Accounts are asked for by one administrator and approved by another
// (三员分立, identity.CanRequest and identity.CanApprove): an account made
// here is pending, and cannot sign in, until then. Disabling takes effect at
// once. The command line (sunshine user add) still makes active accounts.

// reasonInput is the body of a refusal or a disabling.
type reasonInput struct {
	Reason string `json:"reason"`
}

func requester(p *web.Principal) identity.Requester {
	return identity.Requester{Username: p.Username, Role: p.Role}
}

// requestable lists the roles an administrator of role may ask for.
func requestable(role string) []string {
	var out []string
	for _, r := range identity.Roles() {
		if identity.CanRequest(role, r) == nil {
			out = append(out, r)
		}
	}
	return out
}

// stateChange runs one change of an account's state, recorded in the audit
// log as action in the same transaction (detail: the reason, if any).
type stateChange func(r *http.Request, p *web.Principal, username, reason string) (identity.User, error)

func (a *Admin) change(action string, run func(*Admin, *http.Request, identity.Requester, string, string, func(*db.Tx, identity.User) error) (identity.User, error)) stateChange {
	return func(r *http.Request, p *web.Principal, username, reason string) (identity.User, error) {
		return run(a, r, requester(p), username, reason, func(tx *db.Tx, u identity.User) error {
			e := actorOf(r, p).Entry(action, "user", u.Username, u.OrgUnit)
			e.Detail = u.Reason
			return audit.Append(r.Context(), tx, e)
		})
	}
}

func (a *Admin) approve() stateChange {
	return a.change(audit.ActionUserApprove, func(a *Admin, r *http.Request, by identity.Requester, u, _ string, also func(*db.Tx, identity.User) error) (identity.User, error) {
		return a.Users.Approve(r.Context(), by, u, also)
	})
}

func (a *Admin) refuse() stateChange {
	return a.change(audit.ActionUserRefuse, func(a *Admin, r *http.Request, by identity.Requester, u, reason string, also func(*db.Tx, identity.User) error) (identity.User, error) {
		return a.Users.Refuse(r.Context(), by, u, reason, also)
	})
}

func (a *Admin) disable() stateChange {
	return a.change(audit.ActionUserDisable, func(a *Admin, r *http.Request, by identity.Requester, u, reason string, also func(*db.Tx, identity.User) error) (identity.User, error) {
		return a.Users.Disable(r.Context(), by, u, reason, also)
	})
}

func (a *Admin) enable() stateChange {
	return a.change(audit.ActionUserEnable, func(a *Admin, r *http.Request, by identity.Requester, u, _ string, also func(*db.Tx, identity.User) error) (identity.User, error) {
		return a.Users.Enable(r.Context(), by, u, also)
	})
}

// api answers a change of state with the account.
func (a *Admin) api(w http.ResponseWriter, r *http.Request, p *web.Principal, c stateChange, withReason bool) error {
	var body reasonInput
	if withReason {
		if err := web.Decode(w, r, &body); err != nil {
			return err
		}
	}
	u, err := c(r, p, r.PathValue("username"), body.Reason)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, u)
}

// page runs a change of state from the users page and goes back to it.
func (a *Admin) page(w http.ResponseWriter, r *http.Request, p *web.Principal, c stateChange) error {
	username := r.PathValue("username")
	if _, err := c(r, p, username, r.PostFormValue("reason")); err != nil {
		page, d, lerr := a.usersPage(r, p)
		if lerr != nil {
			return lerr
		}
		if page.Error = web.FormErrorOf(err, page.Lang); page.Error == nil {
			return err
		}
		page.Data = d
		return a.Render(w, r, web.Status(apperr.CodeOf(err)), "users.html", page)
	}
	web.Redirect(w, r, "/users?done="+url.QueryEscape(username))
	return nil
}

func (a *Admin) apiApproveUser(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return a.api(w, r, p, a.approve(), false)
}

func (a *Admin) apiRefuseUser(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return a.api(w, r, p, a.refuse(), true)
}

func (a *Admin) apiDisableUser(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return a.api(w, r, p, a.disable(), true)
}

func (a *Admin) apiEnableUser(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return a.api(w, r, p, a.enable(), false)
}

func (a *Admin) pageApproveUser(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return a.page(w, r, p, a.approve())
}

func (a *Admin) pageRefuseUser(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return a.page(w, r, p, a.refuse())
}

func (a *Admin) pageDisableUser(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return a.page(w, r, p, a.disable())
}

func (a *Admin) pageEnableUser(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return a.page(w, r, p, a.enable())
}
