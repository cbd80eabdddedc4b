package towns

import (
	"net/http"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// API is the JSON API of the module over its store: the handlers live on
// it, so the store itself never sees HTTP.
type API struct{ *Store }

// Who may do what: town staff for their town, district staff for every town
// of their district; only district staff promote.
var (
	townStaff = web.Roles(identity.DistrictStaff, identity.TownStaff)
	promoters = web.Roles(identity.DistrictStaff)
)

// Routes registers the towns API.
func (s API) Routes(rt *web.Router) {
	rt.Handle("GET /api/v1/towns/{code}/services", townStaff, s.apiServices, web.Types{Out: web.List[Service]{}})
	rt.Handle("PUT /api/v1/towns/{code}/services/{type}", townStaff, s.apiSetService, web.Types{In: ServiceInput{}, Out: Service{}})
	rt.Handle("GET /api/v1/towns/{code}/projects", townStaff, s.apiProjects, web.Types{Out: web.List[Project]{}})
	rt.Handle("POST /api/v1/towns/{code}/projects", townStaff, s.apiCreateProject, web.Types{In: ProjectInput{}, Out: Project{}, Status: http.StatusCreated})
	rt.Handle("PUT /api/v1/towns/{code}/projects/{id}", townStaff, s.apiUpdateProject, web.Types{In: ProjectInput{}, Out: Project{}})
	rt.Handle("POST /api/v1/projects/{id}/promote", promoters, s.apiPromote, web.Types{Out: Project{}})
}

func projectID(r *http.Request) (int64, error) {
	return web.PathID(r, apperr.New(apperr.NotFound, "找不到这个项目。", "There is no such project."))
}

func (s API) apiServices(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	items, err := s.Services(r.Context(), orgunit.ScopeOf(p.OrgUnit), r.PathValue("code"), web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.List[Service]{Items: items, Total: len(items)})
}

// ServiceInput is the body of PUT /api/v1/towns/{code}/services/{type}:
// whether the town offers the service.
type ServiceInput struct {
	Enabled *bool `json:"enabled"`
}

func (s API) apiSetService(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in ServiceInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	if in.Enabled == nil {
		return apperr.Validation(apperr.Field("enabled", "required", "请说明开启（true）还是关闭（false）。", "Say whether the service is on (true) or off (false)."))
	}
	sv, err := s.SetService(r.Context(), orgunit.ScopeOf(p.OrgUnit), access.Of(r, p).Actor, r.PathValue("code"), r.PathValue("type"), *in.Enabled, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, sv)
}

func (s API) apiProjects(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	items, err := s.Projects(r.Context(), orgunit.ScopeOf(p.OrgUnit), r.PathValue("code"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.List[Project]{Items: items, Total: len(items)})
}

func (s API) apiCreateProject(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in ProjectInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	pr, err := s.CreateProject(r.Context(), orgunit.ScopeOf(p.OrgUnit), access.Of(r, p).Actor, r.PathValue("code"), in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, pr)
}

func (s API) apiUpdateProject(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := projectID(r)
	if err != nil {
		return err
	}
	var in ProjectInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	pr, err := s.UpdateProject(r.Context(), orgunit.ScopeOf(p.OrgUnit), access.Of(r, p).Actor, r.PathValue("code"), id, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, pr)
}

func (s API) apiPromote(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := projectID(r)
	if err != nil {
		return err
	}
	pr, err := s.Promote(r.Context(), orgunit.ScopeOf(p.OrgUnit), access.Of(r, p).Actor, id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, pr)
}
