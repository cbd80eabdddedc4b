package shop

import (
	"context"
	"fmt"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/view"
)

// PersonSection shows, on a registered artisan's record (the registry's
// person page, read in scope by the registry), the income from the shop by
// year, as the approved payout rosters recorded it (shop_income). A person
// who never sold through the shop gets no section.
func (s *Store) PersonSection(ctx context.Context, _ access.Caller, personID int64, lang string) ([]view.Table, error) {
	rows, err := s.db.Query(ctx, `SELECT year, cents FROM shop_income WHERE person_id = ? ORDER BY year DESC`, personID)
	if err != nil {
		return nil, fmt.Errorf("shop income of %d: %w", personID, err)
	}
	defer rows.Close()
	t := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	tb := view.Table{ID: "shop-income-caption", Caption: t("手工艺品商店收入", "Income from the handicraft shop"), RowHeads: true,
		Head: []string{t("年度", "Year"), t("收入（元，已批准的分账）", "Income (yuan, approved payouts)")}}
	for rows.Next() {
		var year int
		var cents int64
		if err := rows.Scan(&year, &cents); err != nil {
			return nil, fmt.Errorf("shop income of %d: %w", personID, err)
		}
		tb.Rows = append(tb.Rows, []view.Cell{{Text: strconv.Itoa(year)}, {Text: money.Grouped(cents)}})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("shop income of %d: %w", personID, err)
	}
	if len(tb.Rows) == 0 {
		return nil, nil
	}
	return []view.Table{tb}, nil
}
