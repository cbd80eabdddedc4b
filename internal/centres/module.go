package centres

import (
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is the centres as the app sees them: their tables (after the
// persons they point at), API and pages (pick reads their person picker:
// registry.Store.PickerFrom), the navigation entry, the home page's parts
// and the demo centres.
func (s *Store) Module(pick PickFunc) module.Module {
	return module.Module{
		Name:      "centres",
		Templates: Templates(),
		Tables:    []string{"centres", "centre_programmes", "centre_enrolments", "centre_attendance"},
		Demo:      s.demo,
		Home:      s.home,
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			(&Pages{Store: s, Kit: kit, Pick: pick}).Routes(rt)
		},
		Nav: []module.Nav{
			{Order: 135, Roles: staffRoles.Roles, Zh: "助残中心", En: "Centres", Href: "/centres", Section: "/centre"},
		},
	}
}
