package centres

import (
	"fmt"
	"net/http"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/view"
	"sunshine/internal/platform/web"
)

// home gives staff a card for the persons absent from their centre for two
// weeks (due a home visit), and a person the centres they attend or wait
// for.
func (s *Store) home(r *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
	c := access.Of(r, p)
	var h module.Home
	switch p.Role {
	case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant:
		list, err := s.Absences(r.Context(), c, 0, page.Lang)
		if err != nil {
			return h, err
		}
		if len(list) > 0 {
			h.Cards = append(h.Cards, module.Card{Order: 45, Href: "/centres/absences", Count: strconv.Itoa(len(list)),
				Text: page.T("人连续两周没有到中心，请上门看看", "people have missed their centre for two weeks: visit them at home")})
		}
	case identity.Person:
		if c.PersonID == 0 {
			return h, nil
		}
		list, err := s.PersonCentres(r.Context(), c, c.PersonID)
		if err != nil {
			return h, err
		}
		sec := module.Section{Order: 20, Heading: page.T("我的中心", "My centres")}
		for _, e := range list {
			var tag string
			switch e.State {
			case "enrolled":
				tag = page.T("在册", "enrolled")
			case "waiting":
				tag = fmt.Sprintf(page.T("候补第%d位", "waiting, number %d"), e.Position)
			default:
				continue
			}
			sec.Items = append(sec.Items, view.Cell{Text: e.Centre(page.Lang), Tag: tag})
		}
		if len(sec.Items) > 0 {
			h.Sections = append(h.Sections, sec)
		}
	}
	return h, nil
}
