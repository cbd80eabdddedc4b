package centres

import (
	"context"
	"fmt"

	"sunshine/internal/access"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/view"
	"sunshine/internal/platform/web"
)

// PersonSection is the person page's table of the person's centres (a
// registry Section): each centre with the state, since when, and a link to
// the centre for staff who see it (its unit in their area or above it). The page has audited its read of the
// person already.
func (s *Store) PersonSection(ctx context.Context, c access.Caller, personID int64, lang string) ([]web.Table, error) {
	list, err := s.PersonCentres(ctx, c, personID)
	if err != nil {
		return nil, err
	}
	t := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	tb := view.Table{ID: "centres-caption", Caption: t("助残中心", "Centres"), RowHeads: true,
		Head:  []string{t("中心", "Centre"), t("类型", "Kind"), t("状态", "State"), t("日期", "Date")},
		Empty: t("没有在任何中心登记。", "Not enrolled at any centre.")}
	for _, e := range list {
		name := view.Cell{Text: e.Centre(lang)}
		if IsStaff(c) && sees(c.Scope, e.CentreUnit) {
			name.Href = fmt.Sprintf("/centres/%d", e.CentreID)
		}
		state := WordOf(States, e.State).In(lang)
		if e.State == "waiting" && e.Position > 0 {
			state = fmt.Sprintf(t("候补第%d位", "waiting, number %d"), e.Position)
		}
		when := e.RequestedAt
		switch {
		case e.LeftAt != nil:
			when = *e.LeftAt
		case e.EnrolledAt != nil:
			when = *e.EnrolledAt
		}
		row := []view.Cell{name, {Text: WordOf(Kinds, e.CentreKind).In(lang)}, {Text: state}, {Text: Today(when)}}
		if e.OverrideReason != "" {
			row[2].Tag = t("破例招收", "exception")
		}
		tb.Rows = append(tb.Rows, row)
	}
	return []web.Table{tb}, nil
}
