package renovation

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/view"
)

// paidStates are the states of a renovation whose money has gone out.
var paidStates = []string{"paid", "closed"}

// paid sums what of a district's commitments of a year has been paid.
func paid(ctx context.Context, q interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}, dist string, year int) (int64, error) {
	var cents int64
	if err := q.QueryRow(ctx, `SELECT COALESCE(SUM(r.cents), 0) FROM renovation_commitments r JOIN cases c ON c.id = r.case_id
		WHERE r.orgunit = ? AND r.year = ? AND c.state IN (?, ?)`, dist, year, paidStates[0], paidStates[1]).Scan(&cents); err != nil {
		return 0, fmt.Errorf("read payments: %w", err)
	}
	return cents, nil
}

// TownFigures is what the renovations of one town took of the district's
// budget of a year.
type TownFigures struct {
	Code           string `json:"orgunit"`
	Name           string `json:"name"`
	NameEn         string `json:"name_en"`
	Cases          int    `json:"cases"` // approved renovations (not cancelled)
	CommittedCents int64  `json:"committed_cents"`
	PaidCents      int64  `json:"paid_cents"`
}

// Overview is a district's budget of a year with its figures by town, and
// the years that have a budget.
type Overview struct {
	Budget
	Set   bool          `json:"set"` // a budget was set for the year
	Towns []TownFigures `json:"towns"`
	Years []int         `json:"years"`
}

// OverviewOf reads a district's budget of a year (total, committed, paid,
// remaining) and the same by town, every town of the district listed by
// name (those without renovations at zero).
func (s *Store) OverviewOf(ctx context.Context, sc orgunit.Scope, unit string, year int) (Overview, error) {
	b, err := s.BudgetOf(ctx, sc, unit, year)
	if err != nil {
		return Overview{}, err
	}
	o := Overview{Budget: b, Towns: []TownFigures{}, Years: []int{}}
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM renovation_budgets WHERE orgunit = ? AND year = ?`, b.OrgUnit, year).Scan(&n); err != nil {
		return o, fmt.Errorf("read budget: %w", err)
	}
	o.Set = n > 0
	rows, err := s.db.Query(ctx, `SELECT year FROM renovation_budgets WHERE orgunit = ? ORDER BY year`, b.OrgUnit)
	if err != nil {
		return o, fmt.Errorf("read budget years: %w", err)
	}
	for rows.Next() {
		var y int
		if err := rows.Scan(&y); err != nil {
			_ = rows.Close()
			return o, fmt.Errorf("read budget years: %w", err)
		}
		o.Years = append(o.Years, y)
	}
	if err := rows.Err(); err != nil {
		return o, fmt.Errorf("read budget years: %w", err)
	}
	rows, err = s.db.Query(ctx, `SELECT code, name, name_en FROM orgunits WHERE parent = ? AND level = 3 ORDER BY code`, b.OrgUnit)
	if err != nil {
		return o, fmt.Errorf("read towns: %w", err)
	}
	idx := map[string]int{}
	for rows.Next() {
		var t TownFigures
		if err := rows.Scan(&t.Code, &t.Name, &t.NameEn); err != nil {
			_ = rows.Close()
			return o, fmt.Errorf("read towns: %w", err)
		}
		idx[t.Code] = len(o.Towns)
		o.Towns = append(o.Towns, t)
	}
	if err := rows.Err(); err != nil {
		return o, fmt.Errorf("read towns: %w", err)
	}
	rows, err = s.db.Query(ctx, `SELECT c.orgunit, c.state, r.cents FROM renovation_commitments r JOIN cases c ON c.id = r.case_id
		WHERE r.orgunit = ? AND r.year = ?`, b.OrgUnit, year)
	if err != nil {
		return o, fmt.Errorf("read commitments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var unit, state string
		var cents int64
		if err := rows.Scan(&unit, &state, &cents); err != nil {
			return o, fmt.Errorf("read commitments: %w", err)
		}
		town := unit
		if len(town) > 9 {
			town = town[:9]
		}
		i, ok := idx[town]
		if !ok { // a unit of no town (not expected): a row of its own code
			idx[town], i = len(o.Towns), len(o.Towns)
			o.Towns = append(o.Towns, TownFigures{Code: town, Name: town, NameEn: town})
		}
		o.Towns[i].Cases++
		o.Towns[i].CommittedCents += cents
		if slices.Contains(paidStates, state) {
			o.Towns[i].PaidCents += cents
		}
	}
	return o, rows.Err()
}

// quoteEvent is a quote or its correction in a case's timeline.
type quoteEvent struct {
	at       int64
	username string
	role     string
	action   string
	cents    int64
}

// quoteEvents reads a case's quotes and corrections, oldest first.
func quoteEvents(ctx context.Context, q interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}, caseID int64) ([]quoteEvent, error) {
	rows, err := q.Query(ctx, `SELECT at, username, role, action, data FROM case_events WHERE case_id = ? AND action IN (?, ?) ORDER BY id`, caseID, "quote", "correct_quote")
	if err != nil {
		return nil, fmt.Errorf("read quotes: %w", err)
	}
	defer rows.Close()
	var out []quoteEvent
	for rows.Next() {
		var ev quoteEvent
		var data string
		if err := rows.Scan(&ev.at, &ev.username, &ev.role, &ev.action, &data); err != nil {
			return nil, fmt.Errorf("read quotes: %w", err)
		}
		if d, err := casework.ParseData([]byte(data)); err == nil {
			ev.cents = centsOf(d["cost"])
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// centsOf reads an amount in cents kept in case data.
func centsOf(v any) int64 {
	switch n := v.(type) {
	case json.Number:
		i, _ := n.Int64()
		return i
	case int64:
		return n
	case float64:
		return int64(n)
	case string:
		i, _ := strconv.ParseInt(n, 10, 64)
		return i
	}
	return 0
}

// correct changes the quote of a case before its approval: only the user who
// entered the quote (or its last correction) may; the contractor is kept when
// left out. The change, old and new amount, is in the audit log, and the
// case's quote history (panels) shows it.
func (s *Store) correct(ctx context.Context, tx *db.Tx, c *casework.Case, data map[string]any) error {
	actor := casework.ActorOf(ctx)
	evs, err := quoteEvents(ctx, tx, c.ID)
	if err != nil {
		return err
	}
	if len(evs) == 0 || evs[len(evs)-1].username != actor.Username {
		return apperr.New(apperr.Forbidden, "只有录入报价的人可以修改报价。", "Only the one who entered the quote may correct it.")
	}
	cents := centsOf(data["cost"])
	if cents <= 0 {
		return apperr.Validation(apperr.Field("cost", "range", "费用应大于 0。", "The cost must be more than 0."))
	}
	old := centsOf(c.Data["cost"])
	if cents == old && (data["contractor"] == nil || data["contractor"] == c.Data["contractor"]) {
		return apperr.Validation(apperr.Field("cost", "unchanged", "更正后的费用与原报价相同（"+money.Grouped(old)+" 元）。",
			"The corrected cost is the quote's ("+money.Grouped(old)+" yuan)."))
	}
	c.Data["cost"] = cents
	if v, ok := data["contractor"].(string); ok && v != "" {
		c.Data["contractor"] = v
	}
	e := actor.Entry(audit.ActionUpdate, "renovation_quote", strconv.FormatInt(c.ID, 10), c.OrgUnit)
	e.Detail = fmt.Sprintf(`{"from_cents":%d,"to_cents":%d}`, old, cents)
	return audit.Append(ctx, tx, e)
}

// panels adds the case's quote history to its page: each quote and
// correction, when, by whom, and the amount old → new.
func (s *Store) panels(ctx context.Context, _ access.Caller, c casework.Case, lang string) ([]view.Table, error) {
	evs, err := quoteEvents(ctx, s.db, c.ID)
	if err != nil || len(evs) == 0 {
		return nil, err
	}
	users := make([]string, len(evs))
	for i, ev := range evs {
		users[i] = ev.username
	}
	actors, err := identity.DescribeActors(ctx, s.db, users, lang)
	if err != nil {
		return nil, err
	}
	t := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	yuan := func(cents int64) string { return t(money.Grouped(cents)+" 元", money.Grouped(cents)+" yuan") }
	tb := view.Table{ID: "quote-history", Caption: t("报价记录", "Quote history"),
		Head: []string{t("日期", "Date"), t("操作", "Action"), t("操作人", "By"), t("金额", "Amount")}}
	var prev int64
	for i, ev := range evs {
		action, amount := t("报价", "quote"), yuan(ev.cents)
		if ev.action == "correct_quote" {
			action = t("修改报价", "correction")
			amount = yuan(prev) + " → " + yuan(ev.cents)
		}
		if i > 0 && ev.action == "quote" { // quoted again after a re-survey
			amount = yuan(ev.cents)
		}
		prev = ev.cents
		tb.Rows = append(tb.Rows, []view.Cell{{Text: db.FromMillis(ev.at).In(shanghai).Format("2006-01-02")}, {Text: action},
			{Text: actors[ev.username].Words(ev.role, lang)}, {Text: amount}})
	}
	return []view.Table{tb}, nil
}
