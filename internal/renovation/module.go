package renovation

import (
	"context"

	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is home renovation as the app sees it: the budget API and the
// budget page of district staff (its cases run on the case pages). It
// registers the home_renovation service type with engine.
func (s *Store) Module(engine *casework.Engine) module.Module {
	engine.Register(s.Type())
	return module.Module{Name: "renovation", Templates: Templates(),
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			(&Pages{Store: s, Kit: kit}).Routes(rt)
		},
		Tables: []string{"renovation_budgets", "renovation_commitments"},
		Demo:   func(ctx context.Context, d *module.Demo) error { return s.demo(ctx, engine, d) },
		Nav: []module.Nav{{Order: 125, Roles: []string{identity.DistrictStaff},
			Zh: "改造预算", En: "Renovation budget", Href: "/renovation/budget"}}}
}
