package providers

import (
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is purchased services as the app sees it: the organisations and
// contracts (their tables come before the accounts and cases that point at
// them), the API and pages, and the navigation entry.
func (s *Store) Module() module.Module {
	return module.Module{
		Name:      "providers",
		Templates: Templates(),
		Tables:    []string{"providers", "provider_contracts", "contract_milestones", "micro_projects", "micro_scores", "micro_years", "micro_selection"},
		Sealed:    []module.Sealed{{Table: "providers", Key: []string{"id"}, Column: "contact_phone_enc", Field: fPhone}},
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			(&EvalPages{Store: s, Kit: kit}).Routes(rt)
			(&MicroPages{Store: s, Kit: kit}).Routes(rt)
		},
		Nav: []module.Nav{{Order: 151, Roles: microReaders.Roles, Zh: "十大微公益项目", En: "Micro-charity projects", Href: "/micro-projects"}},
	}
}

// CasesModule is the part of purchased services whose tables point at cases
// (the assignments): it comes after the modules that make cases.
func (s *Store) CasesModule() module.Module {
	return module.Module{
		Name:   "provider assignments",
		Tables: []string{"case_assignments", "case_feedback", "contract_expert_scores"},
		Home:   s.feedbackHome,
		Nav: []module.Nav{{Order: 155, Roles: rankers.Roles, Zh: "服务机构评估", En: "Provider evaluation", Href: "/providers/evaluation",
			Section: "/providers/evaluation"}},
	}
}
