package rehab

import (
	"context"

	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is rehabilitation as the app sees it: the centres API, the
// schedule and the centres pages. It registers the rehabilitation service
// type with engine.
func (s *Store) Module(engine *casework.Engine) module.Module {
	engine.Register(s.Type())
	return module.Module{
		Name: "rehab", Templates: Templates(),
		Tables: []string{"rehab_centres", "rehab_bookings", "rehab_sessions"},
		Demo:   func(ctx context.Context, d *module.Demo) error { return s.demo(ctx, engine, d) },
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			(&Pages{Store: s, Engine: engine, Kit: kit}).Routes(rt)
		},
		Nav: []module.Nav{{Order: 130, Roles: []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Provider},
			Zh: "康复排期", En: "Rehabilitation", Href: "/rehab/schedule"}},
	}
}
