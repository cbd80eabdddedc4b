package casework

import (
	"net/http"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// home shows case workers how many cases wait for their action and how
// many are overdue (counts only: not audited).
func (pg *Pages) home(r *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
	switch p.Role {
	case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Provider:
	default:
		return module.Home{}, nil
	}
	c := access.Of(r, p)
	waiting, err := pg.Engine.Count(r.Context(), c, Filter{WaitingFor: p.Role})
	if err != nil {
		return module.Home{}, err
	}
	overdue, err := pg.Engine.Count(r.Context(), c, Filter{Overdue: true})
	if err != nil {
		return module.Home{}, err
	}
	return module.Home{Cards: []module.Card{
		{Order: 10, Href: "/cases", Count: strconv.Itoa(waiting), Text: page.T("个服务个案等您处理", "service cases wait for your action")},
		{Order: 20, Href: "/cases?show=overdue", Count: strconv.Itoa(overdue), Text: page.T("个个案已逾期", "cases are overdue")},
	}}, nil
}
