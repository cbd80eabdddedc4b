package admin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/web"
)

type loginData struct {
	Username string
	Next     string
	Message  string
	// Challenge is the second step's token (the password was right and the
	// account has a second factor).
	Challenge string
}

func (a *Admin) pageLogin(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if p != nil {
		web.Redirect(w, r, "/")
		return nil
	}
	page := a.NewPage(r, nil, "")
	page.Title = page.T("登录", "Sign in")
	page.Data = loginData{Next: web.LocalPath(r.URL.Query().Get("next"))}
	return a.Render(w, r, http.StatusOK, "login.html", page)
}

func (a *Admin) pageLoginPost(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	username, password := strings.TrimSpace(r.PostFormValue("username")), r.PostFormValue("password")
	next := web.LocalPath(r.PostFormValue("next"))
	token, sess, err := a.Users.LoginFrom(r.Context(), username, password, "web", web.ClientAddr(r))
	actor := audit.Actor{Username: username, Client: web.ClientAddr(r)}
	var needs *identity.NeedsCode
	if errors.As(err, &needs) {
		return a.renderCodeStep(w, r, http.StatusOK, username, next, needs.Challenge, nil)
	}
	if err != nil {
		if !a.failedSignIn(r, actor, err) {
			return err
		}
		page := a.NewPage(r, nil, "")
		page.Title = page.T("登录", "Sign in")
		e, _ := apperr.As(err)
		page.Error = &web.FormError{Message: e.Msg.In(page.Lang), ByField: map[string]string{}}
		page.Data = loginData{Username: username, Next: next}
		web.SetRetryAfter(w, err)
		return a.Render(w, r, web.Status(apperr.CodeOf(err)), "login.html", page)
	}
	return a.signedIn(w, r, token, sess, next, password == identity.DemoPassword)
}

// signedIn ends a page sign-in: audited, the session cookie set, and on to
// next, or first to the enrolment page for an account whose role should
// have a second factor and has none (except the published demo accounts).
func (a *Admin) signedIn(w http.ResponseWriter, r *http.Request, token string, sess identity.Session, next string, demo bool) error {
	actor := audit.Actor{Username: sess.User.Username, Role: sess.User.Role, Client: web.ClientAddr(r)}
	if err := a.Audit.Record(r.Context(), actor.Entry(audit.ActionLogin, "user", sess.User.Username, sess.User.OrgUnit)); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: web.SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: web.IsHTTPS(r), SameSite: http.SameSiteLaxMode}) // #nosec G124 -- HttpOnly, SameSite=Lax; Secure whenever the request came over HTTPS (web.IsHTTPS): a plain-HTTP LAN install must still sign in
	if next == "/login" {
		next = "/"
	}
	if identity.RequiresTwoFactor(sess.User.Role) && !demo {
		tf, err := a.Users.TwoFactorOf(r.Context(), sess.User.ID)
		if err != nil {
			return err
		}
		if !tf.Enrolled {
			next = "/account/2fa?next=" + url.QueryEscape(next)
		}
	}
	web.Redirect(w, r, next)
	return nil
}

// renderCodeStep renders the sign-in page's second step: the code of the
// account's second factor, for the challenge.
func (a *Admin) renderCodeStep(w http.ResponseWriter, r *http.Request, status int, username, next, challenge string, err error) error {
	page := a.NewPage(r, nil, "")
	page.Title = page.T("两步验证", "Two-step verification")
	if err != nil {
		e, ok := apperr.As(err)
		if !ok {
			return err // not the caller's mistake: the error page
		}
		page.Error = &web.FormError{Message: e.Msg.In(page.Lang), ByField: map[string]string{}}
		if fe := web.FormErrorOf(err, page.Lang); fe != nil {
			page.Error = fe
		}
		web.SetRetryAfter(w, err)
	}
	page.Data = loginData{Username: username, Next: next, Challenge: challenge}
	return a.Render(w, r, status, "login.html", page)
}

// failedSignIn audits a refused sign-in (wrong credentials, or throttled) and
// reports whether err was one; any other error is not the caller's.
func (a *Admin) failedSignIn(r *http.Request, actor audit.Actor, err error) bool {
	action := audit.ActionFailed
	switch apperr.CodeOf(err) {
	case apperr.Unauthorized:
	case apperr.TooMany:
		action = audit.ActionLocked
	default:
		return false
	}
	_ = a.Audit.Record(r.Context(), actor.Entry(action, "user", actor.Username, "")) // the refusal stands even if its record fails
	return true
}

// pageLoginOTP is the sign-in page's second step.
func (a *Admin) pageLoginOTP(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	challenge, code := r.PostFormValue("challenge"), r.PostFormValue("otp")
	next := web.LocalPath(r.PostFormValue("next"))
	username, err := a.Users.ChallengeUser(r.Context(), challenge)
	if err != nil {
		if apperr.CodeOf(err) != apperr.Unauthorized {
			return err
		}
		page := a.NewPage(r, nil, "")
		page.Title = page.T("登录", "Sign in")
		e, _ := apperr.As(err)
		page.Error = &web.FormError{Message: e.Msg.In(page.Lang), ByField: map[string]string{}}
		page.Data = loginData{Next: next}
		return a.Render(w, r, http.StatusUnauthorized, "login.html", page)
	}
	token, sess, err := a.Users.LoginChallenge(r.Context(), challenge, code, web.ClientAddr(r))
	if err != nil {
		if !a.failedSignIn(r, audit.Actor{Username: username, Client: web.ClientAddr(r)}, err) {
			return err
		}
		return a.renderCodeStep(w, r, web.Status(apperr.CodeOf(err)), username, next, challenge, err)
	}
	return a.signedIn(w, r, token, sess, next, false)
}

func (a *Admin) pageLogout(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := a.Users.Logout(r.Context(), p.Token); err != nil {
		return err
	}
	_ = a.Audit.Record(r.Context(), actorOf(r, p).Entry(audit.ActionLogout, "user", p.Username, p.OrgUnit))
	// The browser deletes what this site keeps in it — the home visits
	// prepared on a phone, and their key (issue 21) — as the service worker
	// does too: after signing out they cannot be read.
	w.Header().Set("Clear-Site-Data", `"storage"`)
	http.SetCookie(w, &http.Cookie{Name: web.SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: web.IsHTTPS(r), SameSite: http.SameSiteLaxMode}) // #nosec G124 -- HttpOnly, SameSite=Lax; Secure whenever the request came over HTTPS (web.IsHTTPS): a plain-HTTP LAN install must still sign in
	web.Redirect(w, r, "/login")
	return nil
}

func (a *Admin) pagePreferences(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	lang, display := r.PostFormValue("lang"), r.PostFormValue("display")
	if lang != "zh" && lang != "en" {
		lang = web.PageLang(r)
	}
	if display != "standard" && display != "large" && display != "contrast" {
		display = web.PageDisplay(r)
	}
	year := 365 * 24 * 3600
	http.SetCookie(w, &http.Cookie{Name: web.LangCookie, Value: lang, Path: "/", MaxAge: year, HttpOnly: true, Secure: web.IsHTTPS(r), SameSite: http.SameSiteLaxMode})       // #nosec G124 -- holds no secret (a language/display choice), HttpOnly, SameSite=Lax; Secure over HTTPS (web.IsHTTPS)
	http.SetCookie(w, &http.Cookie{Name: web.DisplayCookie, Value: display, Path: "/", MaxAge: year, HttpOnly: true, Secure: web.IsHTTPS(r), SameSite: http.SameSiteLaxMode}) // #nosec G124 -- holds no secret (a language/display choice), HttpOnly, SameSite=Lax; Secure over HTTPS (web.IsHTTPS)
	if p != nil {
		if err := a.Users.SetPreferences(r.Context(), p.UserID, lang, display); err != nil {
			return err
		}
	}
	next := r.PostFormValue("next")
	if i := strings.Index(next, "?"); i >= 0 { // drop one-off ?lang= and ?display=
		next = next[:i]
	}
	web.Redirect(w, r, next)
	return nil
}

func (a *Admin) apiTouch(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := a.Users.Touch(r.Context(), p.Token); err != nil {
		return err
	}
	sess, err := a.Users.Authenticate(r.Context(), p.Token)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, session{ExpiresAt: sess.ExpiresAt()})
}

type unitsData struct {
	Root     orgunit.Unit
	Towns    []townNode
	Form     orgunit.Unit
	Scope    string
	TownOpts []orgunit.Unit
}

type townNode struct {
	Town     orgunit.Unit
	Villages []orgunit.Unit
}

func (a *Admin) unitsPage(r *http.Request, p *web.Principal) (*web.Page, unitsData, error) {
	page := a.NewPage(r, p, "")
	page.Title = page.T("组织单位", "Org units")
	all, err := a.Units.InScope(r.Context(), orgunit.ScopeOf(p.OrgUnit), 0)
	if err != nil {
		return nil, unitsData{}, err
	}
	d := unitsData{Scope: p.OrgUnit}
	idx := map[string]int{}
	for _, u := range all {
		switch {
		case u.Code == p.OrgUnit:
			d.Root = u
		case u.Level == 3:
			idx[u.Code] = len(d.Towns)
			d.Towns = append(d.Towns, townNode{Town: u})
			d.TownOpts = append(d.TownOpts, u)
		case u.Level == 4:
			if i, ok := idx[u.Parent]; ok {
				d.Towns[i].Villages = append(d.Towns[i].Villages, u)
			}
		}
	}
	return page, d, nil
}

func (a *Admin) pageUnits(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page, d, err := a.unitsPage(r, p)
	if err != nil {
		return err
	}
	page.Data = d
	return a.Render(w, r, http.StatusOK, "orgunits.html", page)
}

func (a *Admin) pageUnitsPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	u := orgunit.Unit{Code: strings.TrimSpace(r.PostFormValue("code")), Name: r.PostFormValue("name"),
		NameEn: r.PostFormValue("name_en"), Parent: r.PostFormValue("parent")}
	_, err := a.Units.Create(r.Context(), orgunit.ScopeOf(p.OrgUnit), u, func(tx *db.Tx) error {
		return audit.Append(r.Context(), tx, actorOf(r, p).Entry(audit.ActionCreate, "orgunit", u.Code, u.Parent))
	})
	if err == nil {
		web.Redirect(w, r, "/orgunits?created="+u.Code)
		return nil
	}
	page, d, lerr := a.unitsPage(r, p)
	if lerr != nil {
		return lerr
	}
	if page.Error = web.FormErrorOf(err, page.Lang); page.Error == nil {
		return err
	}
	d.Form = u
	page.Data = d
	return a.Render(w, r, http.StatusUnprocessableEntity, "orgunits.html", page)
}

type usersData struct {
	Users   []identity.User // active and disabled
	Pending []pendingUser   // waiting for a second administrator
	Roles   []string        // the roles the caller may ask for
	CanAdd  bool
	Form    identity.User
	Created string
	Done    string // the account whose state just changed
	Me      string
	// CanReset: the caller may reset second factors (the security administrator).
	CanReset bool
	// Places are the org units a new user may belong to, by name.
	Places []orgunit.PickGroup
	// Organisations are the provider organisations a provider's account
	// may belong to (the form's picker).
	Organisations []Organisation
	// Volunteers are the volunteers a volunteer's account may belong to.
	Volunteers []Organisation
}

type pendingUser struct {
	identity.User
	CanApprove bool // the caller may approve it (another administrator of the other kind)
}

func (a *Admin) usersPage(r *http.Request, p *web.Principal) (*web.Page, usersData, error) {
	page := a.NewPage(r, p, "")
	page.Title = page.T("用户", "Users")
	users, err := a.Users.List(r.Context())
	if err != nil {
		return nil, usersData{}, err
	}
	d := usersData{Roles: requestable(p.Role), CanAdd: len(requestable(p.Role)) > 0, Created: r.URL.Query().Get("created"),
		Done: r.URL.Query().Get("done"), Me: p.Username, CanReset: p.Role == identity.SecAdmin}
	for _, u := range users {
		if u.State == identity.StatePending {
			d.Pending = append(d.Pending, pendingUser{User: u, CanApprove: identity.CanApprove(requester(p),
				identity.Requester{Username: u.RequestedBy, Role: u.RequestedRole}, false) == nil})
		} else {
			d.Users = append(d.Users, u)
		}
	}
	return page, d, nil
}

func (a *Admin) pageUsers(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page, d, err := a.usersPage(r, p)
	if err != nil {
		return err
	}
	if d.Places, err = a.Units.Picker(r.Context(), orgunit.ScopeOf(p.OrgUnit), page.Lang, false, ""); err != nil {
		return err
	}
	if d.Organisations, d.Volunteers, err = a.organisations(r.Context()); err != nil {
		return err
	}
	page.Data = d
	return a.Render(w, r, http.StatusOK, "users.html", page)
}

func (a *Admin) pageUsersPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	u := identity.User{Username: r.PostFormValue("username"), Name: r.PostFormValue("name"), Role: r.PostFormValue("role"), OrgUnit: strings.TrimSpace(r.PostFormValue("orgunit"))}
	if u.Role == identity.Provider { // the organisation matters to that role only
		u.ProviderID, _ = strconv.ParseInt(r.PostFormValue("provider_id"), 10, 64) // not a number: none, refused as required
	}
	if u.Role == identity.Volunteer {
		u.VolunteerID, _ = strconv.ParseInt(r.PostFormValue("volunteer_id"), 10, 64) // not a number: none, refused as required
	}
	_, err := a.Users.Request(r.Context(), requester(p), u, r.PostFormValue("password"), func(tx *db.Tx) error {
		return audit.Append(r.Context(), tx, actorOf(r, p).Entry(audit.ActionUserAdd, "user", u.Username, u.OrgUnit))
	})
	if err == nil {
		web.Redirect(w, r, "/users?created="+u.Username)
		return nil
	}
	page, d, lerr := a.usersPage(r, p)
	if lerr != nil {
		return lerr
	}
	if page.Error = web.FormErrorOf(err, page.Lang); page.Error == nil {
		return err
	}
	d.Form = u
	if d.Places, err = a.Units.Picker(r.Context(), orgunit.ScopeOf(p.OrgUnit), page.Lang, false, u.OrgUnit); err != nil {
		return err
	}
	if d.Organisations, d.Volunteers, err = a.organisations(r.Context()); err != nil {
		return err
	}
	page.Data = d
	return a.Render(w, r, http.StatusUnprocessableEntity, "users.html", page)
}

type auditData struct {
	Entries []audit.Entry
	Rows    []auditRow // the entries in words
	Next    int64
	Filter  audit.Filter
	From    string
	To      string
	Verify  audit.Verification
	Problem string // the verification's problem, in the page's language
	// The checkpoints: the key that verifies them and the latest one.
	PublicKey string
	Latest    *audit.Checkpoint
	// A kept checkpoint just checked, and the file it came from.
	Check        *audit.CheckpointCheck
	Kept         *audit.Checkpoint
	CheckFile    string
	CheckProblem string
}

// auditForm is what a form on the audit page sent and got.
type auditForm struct {
	err   error // the checkpoint file could not be read
	check *audit.CheckpointCheck
	kept  *audit.Checkpoint
	file  string
}

func (a *Admin) pageAudit(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return a.renderAudit(w, r, p, http.StatusOK, auditForm{})
}

// renderAudit renders the audit page: the chain's state (verified from the
// last verified position, or all of it with ?full=1), the checkpoints, what a
// form sent, and the entries the filter selects.
func (a *Admin) renderAudit(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, form auditForm) error {
	page := a.NewPage(r, p, "")
	page.Title = page.T("审计日志", "Audit log")
	q := r.URL.Query()
	f := audit.Filter{SubjectType: q.Get("subject_type"), SubjectID: q.Get("subject"), Username: q.Get("user"), Action: q.Get("action"), Limit: 100}
	var err error
	if f.From, err = parseTime("from", q.Get("from")); err != nil {
		return err
	}
	if f.To, err = parseTime("to", q.Get("to")); err != nil {
		return err
	}
	if !f.To.IsZero() && len(q.Get("to")) == len(time.DateOnly) {
		f.To = f.To.AddDate(0, 0, 1) // a date means the whole day
	}
	if f.Before, err = web.IntParam("cursor", q.Get("cursor")); err != nil {
		return err
	}
	entries, next, err := a.Audit.List(r.Context(), f)
	if err != nil {
		return err
	}
	v, err := a.verifyChain(r, p, fullParam(r))
	if err != nil {
		return err
	}
	rows, err := a.auditRows(r.Context(), entries, page.Lang)
	if err != nil {
		return err
	}
	d := auditData{Entries: entries, Rows: rows, Next: next, Filter: f, From: q.Get("from"), To: q.Get("to"), Verify: v,
		Problem: problemText(page, v.Problem), PublicKey: a.Audit.PublicKey(), Check: form.check, Kept: form.kept, CheckFile: form.file}
	if c, ok, err := a.Audit.LatestCheckpoint(r.Context()); err != nil {
		return err
	} else if ok {
		d.Latest = &c
	}
	if form.check != nil {
		d.CheckProblem = problemText(page, form.check.Problem)
	}
	if form.err != nil {
		page.Error = web.FormErrorOf(form.err, page.Lang)
	}
	page.Data = d
	return a.Render(w, r, status, "audit.html", page)
}

// credentials are what a sign-in sends (CONTRACT.md).
type credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
	// OTP is the code of the account's second factor (6 digits, or a
	// recovery code), needed only once the account enrolled one.
	OTP string `json:"otp,omitempty"`
}

// signedIn answers a sign-in (CONTRACT.md).
type signedIn struct {
	Token     string      `json:"token"`
	ExpiresAt time.Time   `json:"expires_at"`
	User      sessionUser `json:"user"`
}

// whoAmI answers GET /api/v1/session.
type whoAmI struct {
	User sessionUser `json:"user"`
}

// session answers a session touch: when it ends unless used again.
type session struct {
	ExpiresAt time.Time `json:"expires_at"`
}

type sessionUser struct {
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
	Role     string `json:"role"`
	OrgUnit  string `json:"orgunit"`
	PersonID int64  `json:"person_id,omitempty"`
}

func (a *Admin) apiLogin(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	var body credentials
	if err := web.Decode(w, r, &body); err != nil {
		return err
	}
	token, sess, err := a.Users.LoginOTP(r.Context(), body.Username, body.Password, body.OTP, "api", web.ClientAddr(r))
	actor := audit.Actor{Username: body.Username, Client: web.ClientAddr(r)}
	if err != nil {
		action := audit.ActionFailed
		if apperr.CodeOf(err) == apperr.TooMany {
			action = audit.ActionLocked
		}
		if apperr.CodeOf(err) == apperr.Unauthorized || apperr.CodeOf(err) == apperr.TooMany {
			_ = a.Audit.Record(r.Context(), actor.Entry(action, "user", body.Username, ""))
		}
		return err
	}
	u := sess.User
	actor.Role = u.Role
	if err := a.Audit.Record(r.Context(), actor.Entry(audit.ActionLogin, "user", u.Username, u.OrgUnit)); err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, signedIn{Token: token, ExpiresAt: sess.ExpiresAt(),
		User: sessionUser{Username: u.Username, Name: u.Name, Role: u.Role, OrgUnit: u.OrgUnit, PersonID: u.PersonID}})
}

func (a *Admin) apiWhoAmI(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return web.JSON(w, http.StatusOK, whoAmI{User: sessionUser{Username: p.Username, Name: p.Name, Role: p.Role, OrgUnit: p.OrgUnit, PersonID: p.PersonID}})
}

func (a *Admin) apiLogout(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := a.Users.Logout(r.Context(), p.Token); err != nil {
		return err
	}
	_ = a.Audit.Record(r.Context(), actorOf(r, p).Entry(audit.ActionLogout, "user", p.Username, p.OrgUnit))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *Admin) apiUnits(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	parent := r.URL.Query().Get("parent")
	if parent != "" {
		if _, err := a.Units.Get(r.Context(), parent); err != nil {
			return err
		}
	}
	units, err := a.Units.Children(r.Context(), parent)
	if err != nil {
		return err
	}
	if units == nil {
		units = []orgunit.Unit{}
	}
	return web.JSON(w, http.StatusOK, web.List[orgunit.Unit]{Items: units, Total: len(units)})
}

func (a *Admin) apiCreateUnit(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var u orgunit.Unit
	if err := web.Decode(w, r, &u); err != nil {
		return err
	}
	out, err := a.Units.Create(r.Context(), orgunit.ScopeOf(p.OrgUnit), orgunit.Unit{Code: u.Code, Name: u.Name, NameEn: u.NameEn, Parent: u.Parent},
		func(tx *db.Tx) error {
			return audit.Append(r.Context(), tx, actorOf(r, p).Entry(audit.ActionCreate, "orgunit", u.Code, u.Parent))
		})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, out)
}

func (a *Admin) apiUsers(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	users, err := a.Users.List(r.Context())
	if err != nil {
		return err
	}
	if users == nil {
		users = []identity.User{}
	}
	return web.JSON(w, http.StatusOK, web.List[identity.User]{Items: users, Total: len(users)})
}

// userInput is the body of POST /api/v1/users: a new account. A person's
// account names its registry record, an employer's its employer.
type userInput struct {
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
	Role     string `json:"role" enum:"district_staff,town_staff,village_assistant,provider,volunteer,person,leader,sysadmin,secadmin,auditor,employer,peer"`
	OrgUnit  string `json:"orgunit"`
	PersonID int64  `json:"person_id,omitempty"`
	Employer int64  `json:"employer_id,omitempty"`
	Provider int64  `json:"provider_id,omitempty"`
	// Volunteer links a volunteer's account to its volunteer.
	Volunteer int64  `json:"volunteer_id,omitempty"`
	Password  string `json:"password"`
}

func (a *Admin) apiCreateUser(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var body userInput
	if err := web.Decode(w, r, &body); err != nil {
		return err
	}
	u, err := a.Users.Request(r.Context(), requester(p), identity.User{Username: body.Username, Name: body.Name, Role: body.Role,
		OrgUnit: body.OrgUnit, PersonID: body.PersonID, EmployerID: body.Employer, ProviderID: body.Provider, VolunteerID: body.Volunteer}, body.Password, func(tx *db.Tx) error {
		return audit.Append(r.Context(), tx, actorOf(r, p).Entry(audit.ActionUserAdd, "user", body.Username, body.OrgUnit))
	})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, u)
}

func parseTime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, apperr.Validation(apperr.Field(name, "format", name+" 应为 YYYY-MM-DD 或 RFC 3339 时间。",
		name+" must be a date (YYYY-MM-DD) or an RFC 3339 time."))
}

func (a *Admin) apiAudit(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	q := r.URL.Query()
	limit, cursor, err := web.Paging(r)
	if err != nil {
		return err
	}
	f := audit.Filter{SubjectType: q.Get("subject_type"), SubjectID: q.Get("subject"), Username: q.Get("user"), Action: q.Get("action"), Limit: limit}
	if f.SubjectID == "" {
		f.SubjectID = q.Get("subject_id")
	}
	if f.Before, err = web.IntParam("cursor", cursor); err != nil {
		return err
	}
	if f.From, err = parseTime("from", q.Get("from")); err != nil {
		return err
	}
	if f.To, err = parseTime("to", q.Get("to")); err != nil {
		return err
	}
	items, next, err := a.Audit.List(r.Context(), f)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(items, next))
}

// apiAuditVerify verifies the chain from the last verified position, or all
// of it with ?full=1.
func (a *Admin) apiAuditVerify(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	v, err := a.verifyChain(r, p, fullParam(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, v)
}

// organisations are the provider organisations and the volunteers for the
// new-user form's pickers (none when the app has no such module).
func (a *Admin) organisations(ctx context.Context) (orgs, vols []Organisation, err error) {
	if a.Organisations != nil {
		if orgs, err = a.Organisations(ctx); err != nil {
			return nil, nil, err
		}
	}
	if a.Volunteers != nil {
		if vols, err = a.Volunteers(ctx); err != nil {
			return nil, nil, err
		}
	}
	return orgs, vols, nil
}
