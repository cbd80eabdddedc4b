package admin

import (
	"net/http"

	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/web"
)

// A second factor (identity/totp.go): the account's own enrolment page, and
// the security administrator's reset.

type twoFactorData struct {
	identity.TwoFactor
	Required bool   // the account's role should have one
	Secret   string // the secret waiting for its first code
	URI      string // the same as an otpauth:// URI
	Codes    []string
	Next     string
}

// renderTwoFactor renders the enrolment page: the state of the account's
// second factor and, when it has none, a new secret to confirm.
func (a *Admin) renderTwoFactor(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, codes []string, ferr error) error {
	page := a.NewPage(r, p, "")
	page.Title = page.T("两步验证", "Two-step verification")
	tf, err := a.Users.TwoFactorOf(r.Context(), p.UserID)
	if err != nil {
		return err
	}
	d := twoFactorData{TwoFactor: tf, Required: identity.RequiresTwoFactor(p.Role), Codes: codes, Next: web.LocalPath(r.FormValue("next"))}
	if !tf.Enrolled {
		if d.Secret, err = a.Users.PendingTOTP(r.Context(), p.UserID); err != nil {
			return err
		}
		if d.Secret == "" || r.Method == http.MethodGet {
			if d.Secret, err = a.Users.BeginTOTP(r.Context(), p.UserID); err != nil {
				return err
			}
		}
		d.URI = identity.OTPAuthURI(p.Username, d.Secret)
	}
	if ferr != nil {
		if page.Error = web.FormErrorOf(ferr, page.Lang); page.Error == nil {
			return ferr
		}
	}
	page.Data = d
	return a.Render(w, r, status, "twofactor.html", page)
}

func (a *Admin) pageTwoFactor(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return a.renderTwoFactor(w, r, p, http.StatusOK, nil, nil)
}

// pageTwoFactorPost confirms the secret with one code and shows the recovery
// codes, once.
func (a *Admin) pageTwoFactorPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	codes, err := a.Users.ConfirmTOTP(r.Context(), p.UserID, r.PostFormValue("otp"), func(tx *db.Tx) error {
		return audit.Append(r.Context(), tx, actorOf(r, p).Entry(audit.ActionTwoFactorOn, "user", p.Username, p.OrgUnit))
	})
	if err != nil {
		return a.renderTwoFactor(w, r, p, web.Status(apperr.CodeOf(err)), nil, err)
	}
	return a.renderTwoFactor(w, r, p, http.StatusOK, codes, nil)
}

func (a *Admin) resetTwoFactor() stateChange {
	return a.change(audit.ActionTwoFactorReset, func(a *Admin, r *http.Request, by identity.Requester, u, reason string, also func(*db.Tx, identity.User) error) (identity.User, error) {
		return a.Users.ResetTOTP(r.Context(), by, u, reason, also)
	})
}

func (a *Admin) apiResetTwoFactor(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return a.api(w, r, p, a.resetTwoFactor(), true)
}

func (a *Admin) pageResetTwoFactor(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return a.page(w, r, p, a.resetTwoFactor())
}
