package registry

import (
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is the registry as the app sees it: the persons API and pages,
// imports and exports. sections add other modules' tables about a person
// (their service requests, the devices they hold) to the person page and /me.
func (s *Store) Module(t *Transfer, units *orgunit.Store, sections ...Section) module.Module {
	return module.Module{
		Name: "registry", Templates: Templates(), Funcs: TemplateFuncs(),
		Tables: []string{"orgunits", "persons", "annual_records", "imports"}, Home: s.home(t),
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			t.Routes(rt)
			(&Pages{Store: s, Transfer: t, Kit: kit, Units: units, Sections: sections}).Routes(rt)
		},
		Nav: []module.Nav{
			{Order: 10, Roles: identity.Staff(), Zh: "残疾人档案", En: "Registry", Href: "/persons"},
			{Order: 20, Roles: identity.Staff(), Zh: "导入导出", En: "Import and export", Href: "/imports"},
			{Order: 50, Roles: []string{identity.Person}, Zh: "我的档案", En: "My record", Href: "/me"},
		},
	}
}
