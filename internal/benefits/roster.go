package benefits

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/money"
	"sunshine/internal/registry"
)

// SubjectRoster is the audit subject of a monthly roster.
const SubjectRoster = "benefit_roster"

// The states of a roster: made (a draft), approved by another member of
// staff (maker ≠ checker), or cancelled while a draft.
const (
	Draft     = "draft"
	Approved  = "approved"
	Cancelled = "cancelled"
)

// RosterMonthsAhead is how far ahead a roster may be made: next month's
// roster is prepared in this month.
const RosterMonthsAhead = 1

// Roster is a monthly roster of one benefit for an org unit's subtree: the
// eligible persons, decided by the rules in force for the month when it was
// made, and frozen. Total is yuan with two decimals.
type Roster struct {
	ID         int64      `json:"id"`
	Benefit    string     `json:"benefit"`
	Month      string     `json:"month"`
	OrgUnit    string     `json:"orgunit"`
	State      string     `json:"state"`
	Count      int        `json:"count"`
	Total      string     `json:"total"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	DecidedBy  string     `json:"decided_by,omitempty"` // who approved or cancelled it
	DecidedAt  *time.Time `json:"decided_at,omitempty"`
	TotalCents int64      `json:"-"`
}

// RosterInput asks for a roster.
type RosterInput struct {
	Benefit string `json:"benefit"`
	Month   string `json:"month"`
	OrgUnit string `json:"orgunit"`
}

// RosterRow is a person on a roster, as frozen. Amount is yuan.
type RosterRow struct {
	PersonID    int64  `json:"person_id"`
	Name        string `json:"name"`
	Amount      string `json:"amount"`
	Rule        string `json:"rule"`
	Town        string `json:"-"`
	Village     string `json:"-"`
	AmountCents int64  `json:"-"`
}

func rosterNotFound() error {
	return apperr.New(apperr.NotFound, "找不到这份发放名册。", "There is no such roster.")
}

// Who may see a roster: staff whose scope holds the roster's unit (a
// roster of the district is the district staff's; a town's, its town staff
// and the district's). A town's staff do not see the district's roster,
// which lists persons of other towns.
func rosterVisible(sc orgunit.Scope, unit string) bool { return sc.Contains(unit) }

// checkRosterMonth validates a roster's month: YYYY-MM, from FirstMonth to
// RosterMonthsAhead after the current month.
func checkRosterMonth(month, current string) error {
	t, err := MonthStart(month)
	if err != nil {
		return apperr.Validation(apperr.Field("month", "invalid", "月份应写作 YYYY-MM，例如 2026-03。", "The month must be written YYYY-MM, e.g. 2026-03."))
	}
	cur, _ := MonthStart(current)
	last := cur.AddDate(0, RosterMonthsAhead, 0)
	if month < FirstMonth || t.After(last) {
		return apperr.Validation(apperr.Field("month", "range", fmt.Sprintf("名册的月份应在 %s 至 %s 之间。", FirstMonth, last.Format("2006-01")),
			fmt.Sprintf("A roster's month must be from %s to %s.", FirstMonth, last.Format("2006-01"))))
	}
	return nil
}

// PreviousMonth is the month before month (YYYY-MM).
func PreviousMonth(month string) string {
	t, err := MonthStart(month)
	if err != nil {
		return ""
	}
	return t.AddDate(0, -1, 0).Format("2006-01")
}

const rosterCols = `id, benefit, month, orgunit, state, headcount, total_cents, created_by, created_at, decided_by, decided_at`

func scanRoster(sc interface{ Scan(...any) error }) (Roster, error) {
	var r Roster
	var created, decided int64
	if err := sc.Scan(&r.ID, &r.Benefit, &r.Month, &r.OrgUnit, &r.State, &r.Count, &r.TotalCents, &r.CreatedBy, &created, &r.DecidedBy, &decided); err != nil {
		return r, err
	}
	r.Total, r.CreatedAt = money.Yuan(r.TotalCents), db.FromMillis(created)
	if decided != 0 {
		at := db.FromMillis(decided)
		r.DecidedAt = &at
	}
	return r, nil
}

type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// unitLevel is the level of an org unit (0 when there is none).
func unitLevel(ctx context.Context, q querier, code string) (int, error) {
	var level int
	err := q.QueryRow(ctx, `SELECT level FROM orgunits WHERE code = ?`, code).Scan(&level)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("org unit %s: %w", code, err)
	}
	return level, nil
}

func liveConflict(in RosterInput) error {
	return &apperr.Error{Code: apperr.Conflict,
		Msg: apperr.T(fmt.Sprintf("%s 的这项补贴在 %s 已有名册：请先作废它，再重新生成。", in.OrgUnit, in.Month),
			fmt.Sprintf("%s already has a roster of this subsidy for %s: cancel it before making a new one.", in.OrgUnit, in.Month))}
}

// CreateRoster makes a roster (a draft): every person of the unit's
// subtree whom the rules in force for the month make eligible for the
// benefit (DecideAmount), with the name as of now, the town and village,
// the amount and the rule code, frozen. The unit must lie in the caller's
// scope (404 otherwise); a roster of the same benefit, month and unit that
// is not cancelled is a conflict (409). Audited.
func (s *Store) CreateRoster(ctx context.Context, c access.Caller, in RosterInput) (Roster, error) {
	in.Benefit, in.Month, in.OrgUnit = strings.TrimSpace(in.Benefit), strings.TrimSpace(in.Month), strings.TrimSpace(in.OrgUnit)
	if in.OrgUnit != "" && !rosterVisible(c.Scope, in.OrgUnit) {
		return Roster{}, apperr.New(apperr.NotFound, "未找到该组织单位。", "Org unit not found.")
	}
	var fs []apperr.FieldError
	if in.Benefit != Living && in.Benefit != Care {
		fs = append(fs, apperr.Field("benefit", "invalid", "请选择补贴：living_subsidy 或 care_subsidy。", "Choose the benefit: living_subsidy or care_subsidy."))
	}
	if err := checkRosterMonth(in.Month, s.CurrentMonth()); err != nil {
		e, _ := apperr.As(err)
		fs = append(fs, e.Fields...)
	}
	if in.OrgUnit == "" {
		fs = append(fs, apperr.Field("orgunit", "required", "请选择区、镇（街道）或村居。", "Choose the district, a town or a village."))
	} else if level, err := unitLevel(ctx, s.db, in.OrgUnit); err != nil {
		return Roster{}, err
	} else if level == 0 {
		fs = append(fs, apperr.Field("orgunit", "unknown", "没有这个组织单位代码："+in.OrgUnit, "There is no org unit "+in.OrgUnit+"."))
	} else if level < 2 {
		fs = append(fs, apperr.Field("orgunit", "level", "名册应覆盖一个区、镇（街道）或村居。", "A roster covers a district, a town or a village."))
	}
	if len(fs) > 0 {
		return Roster{}, apperr.Validation(fs...)
	}
	var live int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM benefit_rosters WHERE benefit = ? AND month = ? AND orgunit = ? AND state <> ?`,
		in.Benefit, in.Month, in.OrgUnit, Cancelled).Scan(&live); err != nil {
		return Roster{}, fmt.Errorf("rosters of %s: %w", in.OrgUnit, err)
	}
	if live > 0 {
		return Roster{}, liveConflict(in)
	}
	rows, err := s.decideRows(ctx, in)
	if err != nil {
		return Roster{}, err
	}
	r := Roster{Benefit: in.Benefit, Month: in.Month, OrgUnit: in.OrgUnit, State: Draft, Count: len(rows), CreatedBy: c.Actor.Username}
	for _, x := range rows {
		r.TotalCents += x.AmountCents
	}
	r.Total = money.Yuan(r.TotalCents)
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO benefit_rosters (benefit, month, orgunit, state, headcount, total_cents, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.Benefit, r.Month, r.OrgUnit, r.State, r.Count, r.TotalCents, r.CreatedBy, db.Millis(tx.Now)).Scan(&r.ID)
		if db.IsUniqueViolation(err) {
			return liveConflict(in)
		}
		if err != nil {
			return fmt.Errorf("insert roster: %w", err)
		}
		r.CreatedAt = tx.Now
		const batch = 100
		for i := 0; i < len(rows); i += batch {
			part := rows[i:min(i+batch, len(rows))]
			args := make([]any, 0, 7*len(part))
			for _, x := range part {
				args = append(args, r.ID, x.PersonID, x.Name, x.Town, x.Village, x.AmountCents, x.Rule)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO benefit_roster_rows (roster_id, person_id, name, town, village, amount_cents, rule) VALUES `+
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", len(part)), ", "), args...); err != nil {
				return fmt.Errorf("freeze the roster's rows: %w", err)
			}
		}
		e := c.Actor.Entry(audit.ActionCreate, SubjectRoster, strconv.FormatInt(r.ID, 10), r.OrgUnit)
		e.Detail = fmt.Sprintf(`{"benefit":%q,"month":%q,"count":%d,"total_cents":%d}`, r.Benefit, r.Month, r.Count, r.TotalCents)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Roster{}, err
	}
	return r, nil
}

// decideRows decides the benefit for every person of the unit's subtree and
// keeps the eligible ones, with their names as of now.
func (s *Store) decideRows(ctx context.Context, in RosterInput) ([]RosterRow, error) {
	rs, err := s.RuleSet(ctx, in.Month)
	if err != nil {
		return nil, err
	}
	var out []RosterRow
	scope := orgunit.ScopeOf(in.OrgUnit)
	ovs, err := s.OverridesFor(ctx, scope, in.Month) // set on appeal (override.go)
	if err != nil {
		return nil, err
	}
	err = s.StreamFacts(ctx, scope, in.Month, func(f Facts) error {
		it := DecideAmount(rs, in.Benefit, f)
		if o, ok := ovs[f.PersonID][in.Benefit]; ok {
			it = o.Apply(it, false)
		}
		if !it.Eligible || it.AmountCents <= 0 {
			return nil
		}
		town := f.OrgUnit
		if len(town) > 9 {
			town = town[:9]
		}
		out = append(out, RosterRow{PersonID: f.PersonID, Town: town, Village: f.OrgUnit, AmountCents: it.AmountCents, Rule: it.Rule})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	lo, hi := scope.Range()
	names := make(map[int64]string, len(out))
	q, err := s.db.Query(ctx, `SELECT id, name FROM persons WHERE orgunit >= ? AND orgunit < ?`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("names of %s: %w", in.OrgUnit, err)
	}
	defer q.Close()
	for q.Next() {
		var id int64
		var name string
		if err := q.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("names of %s: %w", in.OrgUnit, err)
		}
		names[id] = name
	}
	if err := q.Err(); err != nil {
		return nil, fmt.Errorf("names of %s: %w", in.OrgUnit, err)
	}
	for i := range out {
		out[i].Name = names[out[i].PersonID]
	}
	return out, nil
}

// Roster reads a roster the caller may see (404 otherwise).
func (s *Store) Roster(ctx context.Context, c access.Caller, id int64) (Roster, error) {
	r, err := scanRoster(s.db.QueryRow(ctx, `SELECT `+rosterCols+` FROM benefit_rosters WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !rosterVisible(c.Scope, r.OrgUnit) {
		return Roster{}, rosterNotFound()
	}
	if err != nil {
		return Roster{}, fmt.Errorf("roster %d: %w", id, err)
	}
	return r, nil
}

// Rosters lists the rosters the caller may see, newest month first, at
// most limit.
func (s *Store) Rosters(ctx context.Context, c access.Caller, limit int) ([]Roster, error) {
	lo, hi := c.Scope.Range()
	q, err := s.db.Query(ctx, `SELECT `+rosterCols+` FROM benefit_rosters WHERE orgunit >= ? AND orgunit < ?
		ORDER BY month DESC, orgunit, benefit DESC, id DESC LIMIT ?`, lo, hi, limit)
	if err != nil {
		return nil, fmt.Errorf("rosters: %w", err)
	}
	defer q.Close()
	out := []Roster{}
	for q.Next() {
		r, err := scanRoster(q)
		if err != nil {
			return nil, fmt.Errorf("rosters: %w", err)
		}
		out = append(out, r)
	}
	return out, q.Err()
}

const rowCols = `person_id, name, town, village, amount_cents, rule`

func scanRow(sc interface{ Scan(...any) error }) (RosterRow, error) {
	var x RosterRow
	err := sc.Scan(&x.PersonID, &x.Name, &x.Town, &x.Village, &x.AmountCents, &x.Rule)
	x.Amount = money.Yuan(x.AmountCents)
	return x, err
}

// RosterRows is a page of a roster's rows in person id order: at most limit
// after the person id cursor ("" from the start); next is the cursor of
// the following page ("" at the end).
func (s *Store) RosterRows(ctx context.Context, c access.Caller, id int64, limit int, cursor string) (Roster, []RosterRow, string, error) {
	r, err := s.Roster(ctx, c, id)
	if err != nil {
		return r, nil, "", err
	}
	after, err := parseCursor(cursor)
	if err != nil {
		return r, nil, "", err
	}
	q, err := s.db.Query(ctx, `SELECT `+rowCols+` FROM benefit_roster_rows WHERE roster_id = ? AND person_id > ? ORDER BY person_id LIMIT ?`, id, after, limit+1)
	if err != nil {
		return r, nil, "", fmt.Errorf("rows of roster %d: %w", id, err)
	}
	defer q.Close()
	out := []RosterRow{}
	for q.Next() {
		x, err := scanRow(q)
		if err != nil {
			return r, nil, "", fmt.Errorf("rows of roster %d: %w", id, err)
		}
		out = append(out, x)
	}
	if err := q.Err(); err != nil {
		return r, nil, "", fmt.Errorf("rows of roster %d: %w", id, err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = strconv.FormatInt(out[limit-1].PersonID, 10)
	}
	return r, out, next, nil
}

func parseCursor(cursor string) (int64, error) {
	if cursor == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil || n < 0 {
		return 0, apperr.Validation(apperr.Field("cursor", "invalid", "cursor 无效。", "The cursor is not valid."))
	}
	return n, nil
}

// allRows reads every row of a roster, by town, village and person id.
func (s *Store) allRows(ctx context.Context, id int64) ([]RosterRow, error) {
	q, err := s.db.Query(ctx, `SELECT `+rowCols+` FROM benefit_roster_rows WHERE roster_id = ? ORDER BY town, village, person_id`, id)
	if err != nil {
		return nil, fmt.Errorf("rows of roster %d: %w", id, err)
	}
	defer q.Close()
	var out []RosterRow
	for q.Next() {
		x, err := scanRow(q)
		if err != nil {
			return nil, fmt.Errorf("rows of roster %d: %w", id, err)
		}
		out = append(out, x)
	}
	return out, q.Err()
}

// decideRoster moves a draft to state (approved or cancelled), audited.
// Approving needs another member of staff than its maker (403).
func (s *Store) decideRoster(ctx context.Context, c access.Caller, id int64, state string) (Roster, error) {
	r, err := s.Roster(ctx, c, id)
	if err != nil {
		return r, err
	}
	if state == Approved && r.CreatedBy == c.Actor.Username {
		return r, apperr.New(apperr.Forbidden, "名册须由制作人以外的工作人员审核：您制作了这份名册，不能审核它。",
			"A roster is approved by someone other than its maker: you made this roster, so you cannot approve it.")
	}
	notDraft := func() error {
		return apperr.New(apperr.Conflict, "只有草稿状态的名册可以审核或作废。", "Only a draft roster can be approved or cancelled.")
	}
	if r.State != Draft {
		return r, notDraft()
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE benefit_rosters SET state = ?, decided_by = ?, decided_at = ? WHERE id = ? AND state = ?`,
			state, c.Actor.Username, db.Millis(tx.Now), id, Draft)
		if err != nil {
			return fmt.Errorf("roster %d: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("roster %d: %w", id, err)
		} else if n == 0 {
			return notDraft()
		}
		now := tx.Now
		r.State, r.DecidedBy, r.DecidedAt = state, c.Actor.Username, &now
		e := c.Actor.Entry(audit.ActionUpdate, SubjectRoster, strconv.FormatInt(id, 10), r.OrgUnit)
		e.Detail = fmt.Sprintf(`{"state":%q,"benefit":%q,"month":%q,"count":%d,"total_cents":%d}`, state, r.Benefit, r.Month, r.Count, r.TotalCents)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Roster{}, err
	}
	return r, nil
}

// ApproveRoster approves a draft (the checker: not its maker). The rows
// stay as they were made.
func (s *Store) ApproveRoster(ctx context.Context, c access.Caller, id int64) (Roster, error) {
	return s.decideRoster(ctx, c, id, Approved)
}

// CancelRoster cancels a draft, so that a new roster of its benefit, month
// and unit can be made (its maker or another member of staff).
func (s *Store) CancelRoster(ctx context.Context, c access.Caller, id int64) (Roster, error) {
	return s.decideRoster(ctx, c, id, Cancelled)
}

// Change is a difference between a roster and the previous month's approved
// roster: a person who joined, left, or whose amount changed, with the
// amounts and rule codes before and after (the why).
type Change struct {
	PersonID     int64  `json:"person_id"`
	Name         string `json:"name"`
	Change       string `json:"change"` // joined, left, changed
	AmountBefore string `json:"amount_before"`
	AmountAfter  string `json:"amount_after"`
	RuleBefore   string `json:"rule_before"`
	RuleAfter    string `json:"rule_after"`
	// The rules' titles in the page's language (pages only).
	RuleBeforeTitle, RuleAfterTitle string `json:"-"`
}

// Differences is what changed since the previous month's approved roster of
// the same benefit and unit (Previous 0 when there is none: then every row
// is listed as joined).
type Differences struct {
	RosterID      int64    `json:"roster_id"`
	PreviousMonth string   `json:"previous_month"`
	Previous      int64    `json:"previous"`
	Joined        int      `json:"joined"`
	Left          int      `json:"left"`
	Changed       int      `json:"changed"`
	Items         []Change `json:"items"`
}

// RosterDifferences compares a roster with the previous month's approved
// roster of its benefit and unit: joined, left, changed, in person id order.
func (s *Store) RosterDifferences(ctx context.Context, c access.Caller, id int64) (Differences, error) {
	r, err := s.Roster(ctx, c, id)
	if err != nil {
		return Differences{}, err
	}
	d := Differences{RosterID: id, PreviousMonth: PreviousMonth(r.Month), Items: []Change{}}
	err = s.db.QueryRow(ctx, `SELECT id FROM benefit_rosters WHERE benefit = ? AND month = ? AND orgunit = ? AND state = ? ORDER BY id DESC LIMIT 1`,
		r.Benefit, d.PreviousMonth, r.OrgUnit, Approved).Scan(&d.Previous)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("previous roster of %d: %w", id, err)
	}
	cur, err := s.allRows(ctx, id)
	if err != nil {
		return d, err
	}
	var prev []RosterRow
	if d.Previous != 0 {
		if prev, err = s.allRows(ctx, d.Previous); err != nil {
			return d, err
		}
	}
	before := make(map[int64]RosterRow, len(prev))
	for _, x := range prev {
		before[x.PersonID] = x
	}
	seen := map[int64]bool{}
	for _, x := range cur {
		seen[x.PersonID] = true
		b, ok := before[x.PersonID]
		switch {
		case !ok:
			d.Joined++
			d.Items = append(d.Items, Change{PersonID: x.PersonID, Name: x.Name, Change: "joined", AmountAfter: x.Amount, RuleAfter: x.Rule})
		case b.AmountCents != x.AmountCents:
			d.Changed++
			d.Items = append(d.Items, Change{PersonID: x.PersonID, Name: x.Name, Change: "changed", AmountBefore: b.Amount, AmountAfter: x.Amount,
				RuleBefore: b.Rule, RuleAfter: x.Rule})
		}
	}
	for _, b := range prev {
		if !seen[b.PersonID] {
			d.Left++
			d.Items = append(d.Items, Change{PersonID: b.PersonID, Name: b.Name, Change: "left", AmountBefore: b.Amount, RuleBefore: b.Rule})
		}
	}
	sortChanges(d.Items)
	return d, nil
}

func sortChanges(items []Change) {
	order := map[string]int{"joined": 0, "changed": 1, "left": 2}
	slices.SortFunc(items, func(a, b Change) int {
		if o := order[a.Change] - order[b.Change]; o != 0 {
			return o
		}
		return cmp.Compare(a.PersonID, b.PersonID)
	})
}

// TownTotal is a town's part of a roster.
type TownTotal struct {
	Town       string
	Count      int
	TotalCents int64
}

// townTotals sums rows (ordered by town) per town.
func townTotals(rows []RosterRow) []TownTotal {
	var out []TownTotal
	for _, x := range rows {
		if len(out) == 0 || out[len(out)-1].Town != x.Town {
			out = append(out, TownTotal{Town: x.Town})
		}
		t := &out[len(out)-1]
		t.Count++
		t.TotalCents += x.AmountCents
	}
	return out
}

// unitNames names the org units of codes in one query (code → name in lang).
func (s *Store) unitNames(ctx context.Context, codes []string, lang string) (map[string]string, error) {
	out := map[string]string{}
	var args []any
	for _, c := range codes {
		if _, ok := out[c]; !ok && c != "" {
			out[c] = c
			args = append(args, c)
		}
	}
	if len(args) == 0 {
		return out, nil
	}
	q, err := s.db.Query(ctx, `SELECT code, name, COALESCE(name_en, '') FROM orgunits WHERE code IN (`+
		strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("org unit names: %w", err)
	}
	defer q.Close()
	for q.Next() {
		var code, zh, en string
		if err := q.Scan(&code, &zh, &en); err != nil {
			return nil, fmt.Errorf("org unit names: %w", err)
		}
		out[code] = apperr.T(zh, en).In(lang)
	}
	return out, q.Err()
}

// rowUnits are the town and village codes of rows, for unitNames.
func rowUnits(rows []RosterRow) []string {
	var out []string
	for _, x := range rows {
		out = append(out, x.Town, x.Village)
	}
	return out
}

// RosterExportHeader is the header row of an exported roster.
var RosterExportHeader = []string{"镇（街道）", "村居", "姓名", "补贴", "月份", "规则", "金额"}

// ExportKind is the kind of an exported roster in the audit log.
const ExportKind = "benefit_roster"

// ExportRoster writes a roster into sink: the header, one row per person
// by town and village (name, rule, amount), a 小计 row after each town and
// a 合计 row at the end. It is audited as an export of the persons listed
// (registry.SubjectExport, each person's access log shows it), with the
// reason when one is given.
func (s *Store) ExportRoster(ctx context.Context, c access.Caller, id int64, reason string, sink interface{ Write([]string) error }) (int, error) {
	reason = strings.TrimSpace(reason)
	if err := registry.CheckExportReason(reason); err != nil {
		return 0, err
	}
	r, err := s.Roster(ctx, c, id)
	if err != nil {
		return 0, err
	}
	rows, err := s.allRows(ctx, id)
	if err != nil {
		return 0, err
	}
	names, err := s.unitNames(ctx, rowUnits(rows), "zh")
	if err != nil {
		return 0, err
	}
	if err := sink.Write(RosterExportHeader); err != nil {
		return 0, err
	}
	benefit := BenefitName(r.Benefit, "zh")
	totals := townTotals(rows)
	var mention strings.Builder
	t := 0
	for i, x := range rows {
		if err := sink.Write([]string{names[x.Town], names[x.Village], x.Name, benefit, r.Month, x.Rule, x.Amount}); err != nil {
			return 0, err
		}
		if mention.Len() == 0 {
			mention.WriteString(",")
		}
		mention.WriteString(strconv.FormatInt(x.PersonID, 10) + ",")
		if i == len(rows)-1 || rows[i+1].Town != x.Town {
			tt := totals[t]
			t++
			if err := sink.Write([]string{names[tt.Town], "小计", fmt.Sprintf("共 %d 人", tt.Count), "", "", "", money.Yuan(tt.TotalCents)}); err != nil {
				return 0, err
			}
		}
	}
	if err := sink.Write([]string{"合计", "", fmt.Sprintf("共 %d 人", len(rows)), benefit, r.Month, "", money.Yuan(r.TotalCents)}); err != nil {
		return 0, err
	}
	e := c.Actor.Entry(audit.ActionExport, registry.SubjectExport, ExportKind, r.OrgUnit)
	e.Reason = reason
	e.Detail = fmt.Sprintf(`{"kind":%q,"roster":%d,"state":%q,"full_numbers":false,"rows":%d,"persons":%q}`, ExportKind, r.ID, r.State, len(rows), mention.String())
	return len(rows), s.log.Record(ctx, e)
}
