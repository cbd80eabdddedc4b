package jobs

import (
	"context"
	"net/http"

	"sunshine/internal/casework"
	"sunshine/internal/employment"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is job seeking and placement as the app sees it: profiles,
// vacancies and matching, API and pages. It registers the employment
// (placement) service type with engine; unitLabel names an org unit in a
// language; places offers the org units of a scope grouped by town, for the
// vacancy's workplace picked by name.
func (s *Store) Module(engine *casework.Engine, employers *employment.Store, unitLabel func(r *http.Request, code, lang string) string,
	places func(r *http.Request, sc orgunit.Scope, lang, selected string) ([]orgunit.PickGroup, error)) module.Module {
	engine.Register(s.PlacementType())
	pg := &Pages{} // filled in when the routes are made (the kit comes then)
	return module.Module{
		Name: "jobs", Templates: Templates(), Funcs: TemplateFuncs(),
		Tables: []string{"job_seekers", "vacancies", "job_proposals"}, Unsaved: []string{"job_seekers_gen"}, // a cache stamp: its row is made by the migration
		Demo: func(ctx context.Context, d *module.Demo) error { return s.demo(ctx, employers, d) },
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			pg.Store, pg.Employers, pg.Kit, pg.UnitLabel, pg.Places = s, employers, kit, unitLabel, places
			pg.Routes(rt)
		},
		Home: func(r *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
			return pg.home(r, p, page)
		},
		Nav: []module.Nav{
			{Order: 100, Roles: identity.Staff(), Zh: "就业", En: "Employment", Href: "/jobs/seekers"},
			{Order: 100, Roles: []string{identity.Employer}, Zh: "就业", En: "Employment", Href: "/vacancies"},
		},
	}
}
