package employment

import (
	"context"
	"fmt"
	"net/http"

	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is employment as the app sees it: employers, their figures and the
// quota levy, API and pages. towns lists the towns of a scope (for the
// employer form).
func (s *Store) Module(towns func(r *http.Request, sc orgunit.Scope) ([]orgunit.Unit, error)) module.Module {
	return module.Module{
		Name: "employment", Templates: Templates(), Demo: s.demo, Home: s.home,
		Tables: []string{"employers", "employer_figures", "employer_employees", "levy_params"},
		// The contact phone (store.go) is the one sealed column.
		Sealed: []module.Sealed{{Table: "employers", Key: []string{"id"}, Column: "contact_phone_enc", Field: fPhone}},
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			(&Pages{Store: s, Kit: kit, Towns: towns}).Routes(rt)
		},
		Nav: []module.Nav{
			{Order: 80, Roles: []string{identity.Employer}, Zh: "本单位", En: "My organisation",
				HrefFor: func(_ context.Context, p *web.Principal) string {
					if p.EmployerID == 0 {
						return ""
					}
					return fmt.Sprintf("/employers/%d", p.EmployerID)
				}},
			{Order: 90, Roles: []string{identity.DistrictStaff, identity.TownStaff}, Zh: "用人单位", En: "Employers", Href: "/employers"},
		},
	}
}
