package privacy

import (
	"embed"
	"net/http"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

//go:embed templates
var templates embed.FS

// Module is a person's rights over their data as the app sees it: the
// download of all of it and the correction request (a service type it
// registers with the case engine).
func (s *Store) Module() module.Module {
	t := CorrectionType()
	s.Cases.Register(&t)
	api := &API{Store: s}
	person := web.Roles(identity.Person)
	return module.Module{
		Name: "privacy", Templates: web.TemplateDir(templates),
		Routes: func(rt *web.Router, k web.Kit) {
			api.kit = k
			rt.Handle("GET /api/v1/me/data", person, api.apiData, web.Types{Out: MyData{}})
			rt.Page("GET /me/data", person, api.pageData)
			rt.Page("POST /me/corrections", person, api.pageCorrection)
		},
		Nav: []module.Nav{{Order: 55, Roles: []string{identity.Person}, Zh: "我的数据", En: "My data", Href: "/me/data"}},
	}
}

// API is the module's HTTP side.
type API struct {
	*Store
	kit web.Kit
}

// apiData answers all the caller's data as a file to keep.
func (a *API) apiData(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	data, err := a.Collect(r.Context(), access.Of(r, p))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", `attachment; filename="my-data.json"`)
	w.Header().Set("Cache-Control", "no-store")
	return web.JSON(w, http.StatusOK, data)
}

// pageData shows what the person may do with their data.
func (a *API) pageData(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page := a.kit.NewPage(r, p, "")
	page.Title = page.T("我的数据", "My data")
	return a.kit.Render(w, r, http.StatusOK, "mydata.html", page)
}

// pageCorrection opens a correction request for the caller's own record and
// shows it; a form without the text comes back with what was typed.
func (a *API) pageCorrection(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	text := strings.TrimSpace(r.PostFormValue("need"))
	c, err := a.Cases.Create(r.Context(), access.Of(r, p), p.PersonID, CorrectionType().Code, map[string]any{"need": text})
	if err == nil {
		http.Redirect(w, r, "/cases/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
		return nil
	}
	if apperr.CodeOf(err) != apperr.Invalid {
		return err
	}
	page := a.kit.NewPage(r, p, "")
	page.Title = page.T("我的数据", "My data")
	page.Error = web.FormErrorOf(err, page.Lang)
	page.Data = map[string]string{"Need": text}
	return a.kit.Render(w, r, http.StatusUnprocessableEntity, "mydata.html", page)
}
