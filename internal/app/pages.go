package app

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
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
	if a.Notify != nil {
		page.Unread = a.Notify.UnreadFor(r.Context(), p.UserID)
	}
	return page
}

// render renders a page, turning a template error into a logged 500.
func (a *App) render(w http.ResponseWriter, r *http.Request, status int, name string, p *web.Page) error {
	return a.pages.Render(w, r, status, name, p)
}

// signedIn is the access of the home page: every signed-in account, a
// partner installation's too (it is told there what it may read).
var signedIn = web.Roles(identity.Roles()...)

func (a *App) pageRoutes(rt *web.Router) {
	rt.Handle("GET /static/", web.PublicAccess, func(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
		web.Static().ServeHTTP(w, r)
		return nil
	})
	rt.Page("GET /{$}", signedIn, a.pageHome)
	// The installable app (CONTRACT.md): the manifest, its icons, the
	// service worker from the root, and the page it shows offline.
	rt.Handle("GET /manifest.webmanifest", web.PublicAccess, func(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
		return web.ServeManifest(w, r)
	})
	rt.Handle("GET /sw.js", web.PublicAccess, func(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
		return web.ServeWorker(w, r)
	})
	rt.Handle("GET /icons/{size}", web.PublicAccess, func(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
		r.SetPathValue("size", strings.TrimSuffix(r.PathValue("size"), ".png"))
		return web.ServeIcon(w, r, apperr.ErrNotFound())
	})
	rt.Page("GET /offline", web.PublicAccess, a.pageOffline)
}

// pageOffline is what the service worker shows for a page that needs the
// network when there is none: in both languages (it is kept once, for
// whichever language is chosen later), and for nobody in particular (it is
// kept on the phone, so it names no account).
func (a *App) pageOffline(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	page := a.newPage(r, nil, "")
	page.Title = "没有网络 · No network"
	return a.render(w, r, http.StatusOK, "offline.html", page)
}

func (a *App) pageHome(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page := a.newPage(r, p, "")
	page.Title = page.T("首页", "Home")
	h, err := module.HomeOf(a.modules, r, p, page)
	if err != nil {
		return err
	}
	page.Data = h // the modules' cards and sections
	return a.render(w, r, http.StatusOK, "home.html", page)
}
