package app

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

//go:embed templates/*.html
var templatesFS embed.FS

// pageTemplates are the app's own page templates.
func pageTemplates() fs.FS {
	return web.TemplateDir(templatesFS)
}

// newPage starts the data of a page for the request.
func (a *App) newPage(r *http.Request, p *web.Principal, title string) *web.Page {
	page := &web.Page{Lang: web.PageLang(r), Display: web.PageDisplay(r), User: p, Title: title, Path: r.URL.RequestURI()}
	if p == nil {
		return page
	}
	page.RoleName = identity.RoleName(p.Role, page.Lang)
	if u, err := a.Units.Get(r.Context(), p.OrgUnit); err == nil {
		page.UnitName = u.Label(page.Lang)
	}
	nav := []web.NavItem{{Label: page.T("首页", "Home"), Href: "/"}}
	switch p.Role {
	case identity.DistrictStaff:
		nav = append(nav, web.NavItem{Label: page.T("残疾人档案", "Registry"), Href: "/persons"},
			web.NavItem{Label: page.T("导入导出", "Import and export"), Href: "/imports"},
			web.NavItem{Label: page.T("指标", "Indicators"), Href: "/indicators"},
			web.NavItem{Label: page.T("组织单位", "Org units"), Href: "/orgunits"})
	case identity.TownStaff, identity.VillageAssistant:
		nav = append(nav, web.NavItem{Label: page.T("残疾人档案", "Registry"), Href: "/persons"},
			web.NavItem{Label: page.T("导入导出", "Import and export"), Href: "/imports"},
			web.NavItem{Label: page.T("指标", "Indicators"), Href: "/indicators"})
	case identity.Leader:
		nav = append(nav, web.NavItem{Label: page.T("指标", "Indicators"), Href: "/indicators"})
	case identity.Person:
		nav = append(nav, web.NavItem{Label: page.T("我的档案", "My record"), Href: "/me"})
	case identity.Auditor:
		nav = append(nav, web.NavItem{Label: page.T("审计日志", "Audit log"), Href: "/audit"})
	case identity.SysAdmin, identity.SecAdmin:
		nav = append(nav, web.NavItem{Label: page.T("用户", "Users"), Href: "/users"})
	case identity.Employer:
		if p.EmployerID != 0 {
			nav = append(nav, web.NavItem{Label: page.T("本单位", "My organisation"), Href: fmt.Sprintf("/employers/%d", p.EmployerID)})
		}
	}
	switch p.Role {
	case identity.DistrictStaff, identity.TownStaff:
		nav = append(nav, web.NavItem{Label: page.T("用人单位", "Employers"), Href: "/employers"})
	}
	switch p.Role {
	case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant:
		nav = append(nav, web.NavItem{Label: page.T("就业", "Employment"), Href: "/jobs/seekers"})
	case identity.Employer:
		nav = append(nav, web.NavItem{Label: page.T("就业", "Employment"), Href: "/vacancies"})
	}
	switch p.Role {
	case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Provider, identity.Person:
		nav = append(nav, web.NavItem{Label: page.T("个案", "Cases"), Href: "/cases"})
	}
	switch p.Role {
	case identity.DistrictStaff, identity.TownStaff, identity.Provider:
		nav = append(nav, web.NavItem{Label: page.T("辅具库存", "Device stock"), Href: "/devices/stock"})
	}
	switch p.Role {
	case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Provider:
		nav = append(nav, web.NavItem{Label: page.T("康复排期", "Rehabilitation"), Href: "/rehab/schedule"})
	}
	switch town := p.OrgUnit; p.Role {
	case identity.DistrictStaff, identity.TownStaff:
		if p.Role == identity.DistrictStaff { // the district's first town; the page lets them choose
			if ts, err := a.Towns.Towns(r.Context(), orgunit.ScopeOf(p.OrgUnit)); err == nil && len(ts) > 0 {
				town = ts[0].Code
			}
		}
		if len(town) == 9 {
			nav = append(nav, web.NavItem{Label: page.T("街镇服务", "Town services"), Href: "/towns/" + town + "/services"})
		}
	}
	for i := range nav {
		nav[i].Current = r.URL.Path == nav[i].Href || (nav[i].Href != "/" && strings.HasPrefix(r.URL.Path, nav[i].Href+"/"))
		if strings.HasPrefix(nav[i].Href, "/towns/") && strings.HasPrefix(r.URL.Path, "/towns/") {
			nav[i].Current = true
		}
	}
	page.Nav = nav
	return page
}

// render renders a page, turning a template error into a logged 500.
func (a *App) render(w http.ResponseWriter, r *http.Request, status int, name string, p *web.Page) error {
	return a.pages.Render(w, r, status, name, p)
}

// signedIn is the access of pages for any signed-in user.
var signedIn = web.Access{}

func (a *App) pageRoutes(rt *web.Router) {
	rt.Handle("GET /static/", web.PublicAccess, func(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
		web.Static().ServeHTTP(w, r)
		return nil
	})
	rt.Page("GET /login", web.PublicAccess, a.pageLogin)
	rt.Page("POST /login", web.PublicAccess, a.pageLoginPost)
	rt.Page("POST /logout", signedIn, a.pageLogout)
	rt.Page("POST /preferences", web.PublicAccess, a.pagePreferences)
	rt.Handle("POST /session/touch", signedIn, a.apiTouch)
	rt.Page("GET /{$}", signedIn, a.pageHome)
	rt.Page("GET /orgunits", web.Roles(identity.DistrictStaff), a.pageUnits)
	rt.Page("POST /orgunits", web.Roles(identity.DistrictStaff), a.pageUnitsPost)
	rt.Page("GET /users", userReaders, a.pageUsers)
	rt.Page("POST /users", userAdmins, a.pageUsersPost)
	rt.Page("GET /audit", auditors, a.pageAudit)
}

type loginData struct {
	Username string
	Next     string
	Message  string
}

func (a *App) pageLogin(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if p != nil {
		web.Redirect(w, r, "/")
		return nil
	}
	page := a.newPage(r, nil, "")
	page.Title = page.T("登录", "Sign in")
	page.Data = loginData{Next: web.LocalPath(r.URL.Query().Get("next"))}
	return a.render(w, r, http.StatusOK, "login.html", page)
}

func (a *App) pageLoginPost(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	username, password := strings.TrimSpace(r.PostFormValue("username")), r.PostFormValue("password")
	next := web.LocalPath(r.PostFormValue("next"))
	token, sess, err := a.Users.Login(r.Context(), username, password, "web")
	actor := audit.Actor{Username: username, Client: web.ClientAddr(r)}
	if err != nil {
		code := apperr.CodeOf(err)
		if code != apperr.Unauthorized && code != apperr.TooMany {
			return err
		}
		action := audit.ActionFailed
		if code == apperr.TooMany {
			action = audit.ActionLocked
		}
		_ = a.Audit.Record(r.Context(), actor.Entry(action, "user", username, ""))
		page := a.newPage(r, nil, "")
		page.Title = page.T("登录", "Sign in")
		e, _ := apperr.As(err)
		page.Error = &web.FormError{Message: e.Msg.In(page.Lang), ByField: map[string]string{}}
		page.Data = loginData{Username: username, Next: next}
		return a.render(w, r, web.Status(code), "login.html", page)
	}
	actor.Role = sess.User.Role
	if err := a.Audit.Record(r.Context(), actor.Entry(audit.ActionLogin, "user", username, sess.User.OrgUnit)); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: web.SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	if next == "/login" {
		next = "/"
	}
	web.Redirect(w, r, next)
	return nil
}

func (a *App) pageLogout(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := a.Users.Logout(r.Context(), p.Token); err != nil {
		return err
	}
	_ = a.Audit.Record(r.Context(), actorOf(r, p).Entry(audit.ActionLogout, "user", p.Username, p.OrgUnit))
	http.SetCookie(w, &http.Cookie{Name: web.SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	web.Redirect(w, r, "/login")
	return nil
}

func (a *App) pagePreferences(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	lang, display := r.PostFormValue("lang"), r.PostFormValue("display")
	if lang != "zh" && lang != "en" {
		lang = web.PageLang(r)
	}
	if display != "standard" && display != "large" && display != "contrast" {
		display = web.PageDisplay(r)
	}
	year := 365 * 24 * 3600
	http.SetCookie(w, &http.Cookie{Name: web.LangCookie, Value: lang, Path: "/", MaxAge: year, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: web.DisplayCookie, Value: display, Path: "/", MaxAge: year, SameSite: http.SameSiteLaxMode})
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

func (a *App) apiTouch(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := a.Users.Touch(r.Context(), p.Token); err != nil {
		return err
	}
	sess, err := a.Users.Authenticate(r.Context(), p.Token)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, map[string]any{"expires_at": sess.ExpiresAt()})
}

// homeData is what the home page shows: what needs this user's attention.
type homeData struct {
	Role          string
	Year          int
	Expiring      int
	NoAnnual      int
	Active        int
	Imports       []registry.JobStatus
	ByCategory    []registry.CategoryCount
	AuditOK       *audit.Verification
	Users         int
	PersonID      int64
	ExpiringLink  string
	NoAnnualLink  string
	ImportsAllow  bool
	ShowRegistry  bool
	AggregateOnly bool
	ShowCases     bool
	Waiting       int // open cases waiting for the user's role
	Overdue       int // overdue open cases in scope
}

func (a *App) pageHome(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page := a.newPage(r, p, "")
	page.Title = page.T("首页", "Home")
	year := a.DB.Now().Year()
	d := homeData{Role: p.Role, Year: year, PersonID: p.PersonID}
	ctx := r.Context()
	c := access.Of(r, p)
	var err error
	switch p.Role {
	case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant:
		d.ShowRegistry, d.ImportsAllow = true, true
		if d.Expiring, err = a.Registry.Count(ctx, c, registry.Filter{ExpiringDays: 90, Status: "active"}); err != nil {
			return err
		}
		if d.NoAnnual, err = a.Registry.Count(ctx, c, registry.Filter{NoAnnual: year, Status: "active"}); err != nil {
			return err
		}
		if d.Active, err = a.Registry.Count(ctx, c, registry.Filter{Status: "active"}); err != nil {
			return err
		}
		d.ExpiringLink = "/persons?status=active&expiring=90"
		d.NoAnnualLink = fmt.Sprintf("/persons?status=active&no_annual=%d", year)
		if d.Imports, err = a.Jobs.Recent(ctx, c, 5); err != nil {
			return err
		}
	case identity.Leader:
		d.AggregateOnly = true
		if d.ByCategory, err = a.Registry.CountByCategory(ctx, c); err != nil {
			return err
		}
	case identity.Auditor:
		v, err := a.Audit.Verify(ctx)
		if err != nil {
			return err
		}
		d.AuditOK = &v
	case identity.SysAdmin, identity.SecAdmin:
		users, err := a.Users.List(ctx)
		if err != nil {
			return err
		}
		d.Users = len(users)
	}
	switch p.Role {
	case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Provider:
		d.ShowCases = true
		if d.Waiting, err = a.Cases.Count(ctx, c, casework.Filter{WaitingFor: p.Role}); err != nil {
			return err
		}
		if d.Overdue, err = a.Cases.Count(ctx, c, casework.Filter{Overdue: true}); err != nil {
			return err
		}
	}
	page.Data = d
	return a.render(w, r, http.StatusOK, "home.html", page)
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

func (a *App) unitsPage(r *http.Request, p *web.Principal) (*web.Page, unitsData, error) {
	page := a.newPage(r, p, "")
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

func (a *App) pageUnits(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page, d, err := a.unitsPage(r, p)
	if err != nil {
		return err
	}
	page.Data = d
	return a.render(w, r, http.StatusOK, "orgunits.html", page)
}

func (a *App) pageUnitsPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
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
	return a.render(w, r, http.StatusUnprocessableEntity, "orgunits.html", page)
}

type usersData struct {
	Users   []identity.User
	Roles   []string
	CanAdd  bool
	Form    identity.User
	Created string
}

func (a *App) usersPage(r *http.Request, p *web.Principal) (*web.Page, usersData, error) {
	page := a.newPage(r, p, "")
	page.Title = page.T("用户", "Users")
	users, err := a.Users.List(r.Context())
	if err != nil {
		return nil, usersData{}, err
	}
	return page, usersData{Users: users, Roles: identity.Roles(), CanAdd: p.Role == identity.SysAdmin, Created: r.URL.Query().Get("created")}, nil
}

func (a *App) pageUsers(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page, d, err := a.usersPage(r, p)
	if err != nil {
		return err
	}
	page.Data = d
	return a.render(w, r, http.StatusOK, "users.html", page)
}

func (a *App) pageUsersPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	u := identity.User{Username: r.PostFormValue("username"), Name: r.PostFormValue("name"), Role: r.PostFormValue("role"), OrgUnit: strings.TrimSpace(r.PostFormValue("orgunit"))}
	_, err := a.Users.Create(r.Context(), u, r.PostFormValue("password"), func(tx *db.Tx) error {
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
	page.Data = d
	return a.render(w, r, http.StatusUnprocessableEntity, "users.html", page)
}

type auditData struct {
	Entries []audit.Entry
	Next    int64
	Filter  audit.Filter
	From    string
	To      string
	Verify  audit.Verification
}

func (a *App) pageAudit(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page := a.newPage(r, p, "")
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
	v, err := a.Audit.Verify(r.Context())
	if err != nil {
		return err
	}
	page.Data = auditData{Entries: entries, Next: next, Filter: f, From: q.Get("from"), To: q.Get("to"), Verify: v}
	return a.render(w, r, http.StatusOK, "audit.html", page)
}
