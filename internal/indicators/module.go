package indicators

import (
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

// Module is the indicators as the app sees them: the API, the dashboard,
// drill-downs, gap lists and targets.
func (s *Store) Module(reg *registry.Store) module.Module {
	api := &API{Store: s, Registry: reg}
	return module.Module{
		Name: "indicators", Templates: Templates(), Funcs: TemplateFuncs(),
		Tables: []string{"indicator_facts", "indicator_rollup", "indicator_targets"},
		Routes: func(rt *web.Router, kit web.Kit) {
			api.Routes(rt)
			(&Pages{API: api, Kit: kit}).Routes(rt)
		},
		Nav: []module.Nav{{Order: 30, Roles: append(identity.Staff(), identity.Leader), Zh: "指标", En: "Indicators", Href: "/indicators"}},
	}
}
