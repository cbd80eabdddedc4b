package registry

import (
	"context"

	"sunshine/internal/platform/apperr"
)

// unitGroup is a town and the units under it, for a picker by name (an
// <optgroup>); a group without a code holds units above the towns, shown
// as plain options.
type unitGroup struct {
	Code  string
	Label string
	Units []unitOption
}

// unitOption is one unit a picker offers.
type unitOption struct {
	Code  string
	Label string
}

// unitPicker lists the org units of the caller's scope grouped by town, so
// a form picks a place by its name instead of a typed 9- or 12-digit code.
// villages leaves out the towns and the units above them (a person lives in
// a village); otherwise a town is offered as a whole first in its group.
// selected, when not among them (a code typed into an address), is kept as
// an option of its own so a filter is never dropped silently.
func (pg *Pages) unitPicker(ctx context.Context, c Caller, lang string, villages bool, selected string) ([]unitGroup, error) {
	if c.PersonID != 0 {
		return nil, nil
	}
	units, err := pg.Units.InScope(ctx, c.Scope, 0)
	if err != nil {
		return nil, err
	}
	var top unitGroup
	var groups []unitGroup
	found := selected == ""
	for _, u := range units {
		found = found || u.Code == selected
		switch {
		case u.Level < 3:
			if !villages {
				top.Units = append(top.Units, unitOption{Code: u.Code, Label: u.Label(lang) + apperr.T("（全部）", " (all)").In(lang)})
			}
		case u.Level == 3:
			g := unitGroup{Code: u.Code, Label: u.Label(lang)}
			if !villages {
				g.Units = append(g.Units, unitOption{Code: u.Code, Label: u.Label(lang) + apperr.T("（全镇）", " (whole town)").In(lang)})
			}
			groups = append(groups, g)
		default:
			if len(groups) == 0 || groups[len(groups)-1].Code != u.Parent {
				// The caller's scope is a village: its town is outside the list.
				g := unitGroup{Code: u.Parent, Label: u.Parent}
				if t, err := pg.Units.Get(ctx, u.Parent); err == nil {
					g.Label = t.Label(lang)
				}
				groups = append(groups, g)
			}
			g := &groups[len(groups)-1]
			g.Units = append(g.Units, unitOption{Code: u.Code, Label: u.Label(lang)})
		}
	}
	if !found {
		top.Units = append(top.Units, unitOption{Code: selected, Label: selected})
	}
	groups = append([]unitGroup{top}, groups...)
	return groups, nil
}
