package app

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
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
	page.Nav = module.Navigation(r.Context(), a.modules, p, page, r.URL.Path)
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
	rt.Page("GET /{$}", signedIn, a.pageHome)
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
