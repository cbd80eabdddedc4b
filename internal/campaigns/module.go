package campaigns

import (
	"fmt"
	"net/http"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is campaigns as the app sees it: the API, the pages, the
// navigation entry, the home cards of village assistants and town staff,
// and the demo campaigns.
func (s *Store) Module() module.Module {
	return module.Module{
		Name: "campaigns", Templates: Templates(),
		Tables: []string{"campaigns", "campaign_persons"},
		Demo:   s.demo,
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			(&Pages{Store: s, Kit: kit}).Routes(rt)
		},
		Nav:  []module.Nav{{Order: 140, Roles: readers.Roles, Zh: "体检与通信优惠", En: "Health checks & telecom", Href: "/campaigns"}},
		Home: s.home,
	}
}

// home gives village assistants and town staff a card per campaign of this
// year with persons of their area not yet reached (figures only).
func (s *Store) home(r *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
	var h module.Home
	if p.Role != identity.VillageAssistant && p.Role != identity.TownStaff {
		return h, nil
	}
	year, _ := strconv.Atoi(Today(s.db.Now())[:4])
	list, err := s.List(r.Context(), access.Of(r, p), year)
	if err != nil {
		return h, err
	}
	for i, cp := range list {
		open := cp.Eligible - cp.Done
		if open <= 0 || i >= 5 {
			continue
		}
		h.Cards = append(h.Cards, module.Card{Order: 35 + i, Href: fmt.Sprintf("/campaigns/%d", cp.ID), Count: strconv.Itoa(open),
			Text: page.T("人尚未完成“"+cp.Name+"”", "persons not yet reached in “"+cp.Name+"”")})
	}
	return h, nil
}
