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
	return module.Module{
		Name: "jobs", Templates: Templates(), Funcs: TemplateFuncs(),
		Tables: []string{"job_seekers", "vacancies"}, Unsaved: []string{"job_seekers_gen"}, // a cache stamp: its row is made by the migration
		Demo: func(ctx context.Context, d *module.Demo) error { return s.demo(ctx, employers, d) },
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			(&Pages{Store: s, Employers: employers, Kit: kit, UnitLabel: unitLabel, Places: places}).Routes(rt)
		},
		Nav: []module.Nav{
			{Order: 100, Roles: identity.Staff(), Zh: "就业", En: "Employment", Href: "/jobs/seekers"},
			{Order: 100, Roles: []string{identity.Employer}, Zh: "就业", En: "Employment", Href: "/vacancies"},
		},
	}
}
