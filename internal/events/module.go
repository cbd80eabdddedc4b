package events

import (
	"embed"
	"io/fs"

	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

//go:embed templates
var templatesFS embed.FS

// Templates are the module's page templates (named event_*.html, as
// template names are shared by every module).
func Templates() fs.FS { return web.TemplateDir(templatesFS) }

// Module is the events as the app sees it: the tables (after the persons
// and org units they point at), the API and pages, the navigation entries,
// the home page's sections and the demo events. reg gives the pages their
// person picker.
func (s *Store) Module(reg *registry.Store) module.Module {
	return module.Module{
		Name:      "events",
		Templates: Templates(),
		Tables:    []string{"events", "event_entries", "partner_event_entries"},
		Demo:      s.demo,
		Home:      s.home,
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			API{Store: s}.FederationRoutes(rt)
			(&Pages{Store: s, Kit: kit, Reg: reg}).Routes(rt)
		},
		Nav: []module.Nav{
			{Order: 165, Roles: staffRoles.Roles, Zh: "活动赛事", En: "Events", Href: "/events"},
			{Order: 55, Roles: personOnly.Roles, Zh: "我的活动", En: "My events", Href: "/my/events"},
		},
	}
}
