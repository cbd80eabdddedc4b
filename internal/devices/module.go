package devices

import (
	"context"

	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is the assistive device service as the app sees it: the catalogue,
// service points and stock API, and the stock page. It registers the
// assistive_device service type with engine.
func (s *Store) Module(engine *casework.Engine) module.Module {
	engine.Register(s.Type())
	return module.Module{
		Name: "devices", Templates: Templates(),
		Tables: []string{"device_catalogue", "service_points", "device_stock", "device_moves", "device_loans", "device_transfers"},
		Demo:   func(ctx context.Context, d *module.Demo) error { return s.demo(ctx, engine, d) },
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			(&Pages{Store: s, Kit: kit}).Routes(rt)
		},
		Nav: []module.Nav{{Order: 120, Roles: []string{identity.DistrictStaff, identity.TownStaff, identity.Provider},
			Zh: "辅具库存", En: "Device stock", Href: "/devices/stock"}},
	}
}
