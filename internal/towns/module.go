package towns

import (
	"context"

	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is the town modules as the app sees them: service switches and
// local projects, API and pages.
func (s *Store) Module() module.Module {
	return module.Module{
		Name: "towns", Templates: Templates(), Demo: s.demo,
		Tables: []string{"town_services", "town_projects"}, Restored: s.Load,
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			(&Pages{Store: s, Kit: kit}).Routes(rt)
		},
		Nav: []module.Nav{{Order: 140, Roles: []string{identity.DistrictStaff, identity.TownStaff},
			Zh: "街镇服务", En: "Town services", Section: "/towns/", HrefFor: s.navHref}},
	}
}

// navHref links town staff to their town's services, and district staff to
// the district's first town (the page lets them choose another).
func (s *Store) navHref(ctx context.Context, p *web.Principal) string {
	town := p.OrgUnit
	if p.Role == identity.DistrictStaff {
		if ts, err := s.Towns(ctx, orgunit.ScopeOf(p.OrgUnit)); err == nil && len(ts) > 0 {
			town = ts[0].Code
		}
	}
	if len(town) != 9 {
		return ""
	}
	return "/towns/" + town + "/services"
}
