package transfers

import (
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is the transfers as the app sees them: their table (after the
// persons it points at), API, pages and navigation entry.
func (s *Store) Module() module.Module {
	return module.Module{
		Name:      "transfers",
		Templates: web.TemplateDir(templateFiles),
		Tables:    []string{"transfers"},
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			(&Pages{Store: s, Kit: kit}).Routes(rt)
		},
		Nav: []module.Nav{
			{Order: 137, Roles: []string{identity.DistrictStaff, identity.TownStaff}, Zh: "跨区迁移", En: "Moves between districts", Href: "/transfers"},
		},
	}
}
