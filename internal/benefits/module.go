package benefits

import (
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is the benefits module as the app sees it: the decision API, the
// rules API and page of district staff. Its person section (PersonSection)
// is handed to the registry's module by the app.
func (s *Store) Module() module.Module {
	return module.Module{Name: "benefits", Templates: Templates(),
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			(&Pages{Store: s, Kit: kit}).Routes(rt)
			API{Store: s}.SimulateRoutes(rt)
			(&Pages{Store: s, Kit: kit}).SimulateRoutes(rt)
		},
		Tables: []string{"benefit_rules", "benefit_overrides", "benefit_rosters", "benefit_roster_rows"},
		Demo:   s.demo,
		Nav: []module.Nav{{Order: 128, Roles: []string{identity.DistrictStaff},
			Zh: "补贴规则", En: "Subsidy rules", Href: "/benefits/rules"},
			{Order: 129, Roles: rosterStaff.Roles, Zh: "补贴发放名册", En: "Subsidy rosters", Href: "/benefits/rosters"}}}
}
