package volunteers

import (
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is the corps as the app sees it: the teams and volunteers (their
// tables come before the accounts that point at them), the API and pages,
// the navigation entry and the demo volunteers with the demo volunteer
// account.
func (s *Store) Module() module.Module {
	return module.Module{
		Name:      "volunteers",
		Templates: Templates(),
		Tables:    []string{"volunteer_teams", "volunteers"},
		Sealed:    []module.Sealed{{Table: "volunteers", Key: []string{"id"}, Column: "phone_enc", Field: fPhone}},
		Demo:      s.demo,
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			(&Pages{Store: s, Kit: kit}).Routes(rt)
		},
		Nav: []module.Nav{
			{Order: 160, Roles: staffRoles.Roles, Zh: "志愿服务", En: "Volunteers", Href: "/volunteers", Section: "/volunteer"},
			{Order: 10, Roles: volunteerOnly.Roles, Zh: "我的志愿服务", En: "My volunteering", Href: "/my/tasks", Section: "/my/"},
		},
	}
}

// TasksModule is the part of the corps whose tables point at cases and
// persons (tasks, sign-ups, hours, feedback): it comes after the modules
// that make cases; its demo makes tasks and hours, and it gives the home
// page its cards.
func (s *Store) TasksModule() module.Module {
	return module.Module{
		Name:   "volunteer tasks",
		Tables: []string{"volunteer_tasks", "volunteer_signups", "volunteer_hours", "volunteer_totals", "volunteer_feedback"},
		Demo:   s.demoTasks,
		Home:   s.home,
	}
}
