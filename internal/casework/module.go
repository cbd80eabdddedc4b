package casework

import (
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

// NewPages returns the case pages of an engine; PersonCases is the
// registry's section listing a person's requests.
func NewPages(e *Engine, reg *registry.Store) *Pages { return &Pages{Engine: e, Registry: reg} }

// Module is casework as the app sees it: the cases API, the inbox and the
// case pages.
func (pg *Pages) Module() module.Module {
	pg.Engine.Register(Renewal(pg.Registry))
	return module.Module{
		Name: "casework", Templates: Templates(), Funcs: TemplateFuncs(), Home: pg.home,
		Tables: []string{"cases", "case_events"},
		Routes: func(rt *web.Router, kit web.Kit) {
			pg.Kit = kit
			API{Engine: pg.Engine}.Routes(rt)
			pg.Routes(rt)
		},
		Nav: []module.Nav{{Order: 110, Roles: []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Provider, identity.Person},
			Zh: "个案", En: "Cases", Href: "/cases"}},
	}
}
