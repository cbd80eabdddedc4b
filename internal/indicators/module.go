package indicators

import (
	"fmt"
	"net/http"
	"slices"

	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

// Module is the indicators as the app sees them: the API, the dashboard,
// drill-downs, gap lists and targets.
func (s *Store) Module(reg *registry.Store) module.Module {
	api := &API{Store: s, Registry: reg}
	return module.Module{
		Name: "indicators", Templates: Templates(), Funcs: TemplateFuncs(),
		Home: func(_ *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
			if !slices.Contains(identity.Staff(), p.Role) {
				return module.Home{}, nil
			}
			year := s.db.Now().Year()
			return module.Home{Cards: []module.Card{{Order: 60, Href: "/indicators", Count: page.T("指标", "Indicators"),
				Text: page.T(fmt.Sprintf("%d 年规划指标看板：数值、目标和差距名单", year), fmt.Sprintf("the %d plan indicators: figures, targets and gap lists", year))}}}, nil
		},
		Tables: []string{"indicator_facts", "indicator_rollup", "indicator_targets"},
		Routes: func(rt *web.Router, kit web.Kit) {
			api.Routes(rt)
			(&Pages{API: api, Kit: kit}).Routes(rt)
		},
		Nav: []module.Nav{{Order: 30, Roles: append(identity.Staff(), identity.Leader), Zh: "指标", En: "Indicators", Href: "/indicators"}},
	}
}
