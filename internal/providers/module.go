package providers

import (
	"net/http"

	"sunshine/internal/casework"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

// Module is purchased services as the app sees it: the organisations and
// contracts (their tables come before the accounts and cases that point at
// them), the API and pages, the navigation entry, and the demo
// organisations, contracts and provider account. reg names the persons of
// the cases on the pages.
func (s *Store) Module(reg *registry.Store) module.Module {
	return module.Module{
		Name:      "providers",
		Templates: Templates(),
		Tables:    []string{"providers", "provider_contracts", "contract_milestones", "micro_projects", "micro_scores", "micro_years", "micro_selection"},
		Sealed:    []module.Sealed{{Table: "providers", Key: []string{"id"}, Column: "contact_phone_enc", Field: fPhone}},
		Demo:      s.demo,
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			(&Pages{Store: s, Registry: reg, Kit: kit}).Routes(rt)
			(&EvalPages{Store: s, Kit: kit}).Routes(rt)
			(&MicroPages{Store: s, Kit: kit}).Routes(rt)
		},
		// One menu entry: the providers page links to the evaluation, the
		// complaints and the micro-charity projects.
		Nav: []module.Nav{{Order: 150, Roles: readers.Roles, Zh: "购买服务", En: "Purchased services", Href: "/providers"}},
	}
}

// CasesModule is the part of purchased services whose tables point at cases
// (the assignments): it comes after the modules that make cases, and its
// demo assigns some of the demo cases.
func (s *Store) CasesModule() module.Module {
	return module.Module{
		Name:   "provider assignments",
		Tables: []string{"case_assignments", "case_feedback", "contract_expert_scores"},
		Demo:   s.demoAssign,
		Home:   s.feedbackHome,
	}
}

// CaseExtras is the case page's part of purchased services, for
// casework.Pages.Extras (see Pages.CaseExtras).
func (s *Store) CaseExtras(reg *registry.Store) func(r *http.Request, p *web.Principal, cs casework.Case, lang string) ([]web.Table, error) {
	return (&Pages{Store: s, Registry: reg}).CaseExtras
}
