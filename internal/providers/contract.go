package providers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// CreateContract adds a purchase agreement with its payment milestones
// (district staff). The year is this year, the next or the last (a
// contract beyond them is refused); the milestones add up to at most the
// budget.
func (s *Store) CreateContract(ctx context.Context, c access.Caller, in ContractInput) (Contract, error) {
	var fs []apperr.FieldError
	add := func(e *apperr.FieldError) {
		if e != nil {
			fs = append(fs, *e)
		}
	}
	p, err := s.Provider(ctx, c, in.ProviderID)
	if apperr.CodeOf(err) == apperr.NotFound {
		fs = append(fs, apperr.Field("provider_id", "not_found", "找不到这个服务机构。", "There is no such provider."))
	} else if err != nil {
		return Contract{}, err
	}
	t, ok := s.cases.TypeOf(in.ServiceType)
	if !ok || t.OwnEntry {
		fs = append(fs, apperr.Field("service_type", "unknown", "没有这种可以购买的服务类型："+in.ServiceType, "There is no service type "+in.ServiceType+" to buy."))
	}
	this := s.db.Now().Year()
	if in.Year < this-1 || in.Year > this+1 {
		fs = append(fs, apperr.Field("year", "range", fmt.Sprintf("合同年度应在 %d 至 %d 之间。", this-1, this+1),
			fmt.Sprintf("The contract's year is from %d to %d.", this-1, this+1)))
	}
	if in.Budget <= 0 || in.Budget > MaxBudgetCents {
		fs = append(fs, apperr.Field("budget", "range", "预算应大于 0 且不超过 1 亿元（以分为单位）。", "The budget is above 0 and at most 100 million yuan (in cents)."))
	}
	if in.TargetCases < 1 || in.TargetCases > MaxTargetCases {
		fs = append(fs, apperr.Field("target_cases", "range", fmt.Sprintf("目标个案数应在 1 至 %d 之间。", MaxTargetCases),
			fmt.Sprintf("The target number of cases is from 1 to %d.", MaxTargetCases)))
	}
	if in.DueDays < 1 || in.DueDays > MaxDueDays {
		fs = append(fs, apperr.Field("due_days", "range", fmt.Sprintf("办结时限应在 1 至 %d 天之间。", MaxDueDays),
			fmt.Sprintf("The days to close a case are from 1 to %d.", MaxDueDays)))
	}
	if in.TargetSatisfaction == 0 {
		in.TargetSatisfaction = 4.5
	}
	if math.IsNaN(in.TargetSatisfaction) || in.TargetSatisfaction < 1 || in.TargetSatisfaction > 5 {
		fs = append(fs, apperr.Field("target_satisfaction", "range", "满意度目标应在 1 至 5 之间。", "The satisfaction aimed at is from 1 to 5."))
	}
	var e *apperr.FieldError
	in.Title, e = text("title", in.Title, 100, false, "合同名称", "contract's title")
	add(e)
	if in.OrgUnit == "" {
		in.OrgUnit = p.OrgUnit
	}
	if in.OrgUnit != "" {
		if ok, err := s.units.Exists(ctx, in.OrgUnit); err != nil {
			return Contract{}, err
		} else if !ok || !c.Scope.Contains(in.OrgUnit) {
			fs = append(fs, apperr.Field("orgunit", "not_found", "没有这个组织单位，或不在您的管辖范围内。", "No such org unit in your area."))
		}
	}
	if len(in.Milestones) > MaxMilestones {
		fs = append(fs, apperr.Field("milestones", "range", fmt.Sprintf("最多 %d 个付款节点。", MaxMilestones), fmt.Sprintf("At most %d payment milestones.", MaxMilestones)))
	}
	var sum int64
	for i, m := range in.Milestones {
		if i >= MaxMilestones {
			break
		}
		in.Milestones[i].Title, e = text(fmt.Sprintf("milestones[%d].title", i), m.Title, 100, true, "付款节点名称", "milestone's title")
		add(e)
		if m.AmountCents <= 0 || m.AmountCents > MaxBudgetCents {
			fs = append(fs, apperr.Field(fmt.Sprintf("milestones[%d].amount", i), "range", "付款金额应大于 0。", "A payment is above 0."))
			continue
		}
		sum += m.AmountCents
	}
	if sum > in.Budget && in.Budget > 0 {
		fs = append(fs, apperr.Field("milestones", "over_budget", "付款节点合计超过了预算。", "The milestones add up to more than the budget."))
	}
	if len(fs) > 0 {
		return Contract{}, apperr.Validation(fs...)
	}
	if t.Zh != "" && in.Title == "" {
		in.Title = fmt.Sprintf("%d年%s", in.Year, t.Zh)
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO provider_contracts (provider_id, service_type, year, title, orgunit, budget_cents, target_cases, due_days,
			target_satisfaction, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			p.ID, in.ServiceType, in.Year, in.Title, in.OrgUnit, in.Budget, in.TargetCases, in.DueDays, int(math.Round(in.TargetSatisfaction*100)),
			c.Actor.Username, db.Millis(tx.Now)).Scan(&id); err != nil {
			return fmt.Errorf("create contract: %w", err)
		}
		for i, m := range in.Milestones {
			if _, err := tx.Exec(ctx, `INSERT INTO contract_milestones (contract_id, seq, title, amount_cents) VALUES (?, ?, ?, ?)`,
				id, i+1, m.Title, m.AmountCents); err != nil {
				return fmt.Errorf("create contract milestones: %w", err)
			}
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionCreate, SubjectContract, strconv.FormatInt(id, 10), in.OrgUnit))
	})
	if err != nil {
		return Contract{}, err
	}
	return s.Contract(ctx, c, id)
}

const contractCols = `k.id, k.provider_id, p.name, k.service_type, k.year, k.title, k.orgunit, k.budget_cents, k.target_cases, k.due_days, k.target_satisfaction`

// contractWhere restricts contracts (alias k) to the caller: staff those
// whose unit is in their scope or holds it, a provider's worker its own.
func contractWhere(c access.Caller) (string, []any) {
	if c.IsProvider() {
		return "k.provider_id = ?", []any{c.ProviderID}
	}
	lo, hi := c.Scope.Range()
	return "((k.orgunit >= ? AND k.orgunit < ?) OR ? LIKE k.orgunit || '%')", []any{lo, hi, c.Scope.Prefix}
}

func (s *Store) scanContract(sc interface{ Scan(...any) error }) (Contract, error) {
	var k Contract
	var sat int
	err := sc.Scan(&k.ID, &k.ProviderID, &k.ProviderName, &k.ServiceType, &k.Year, &k.Title, &k.OrgUnit, &k.BudgetCents, &k.TargetCases, &k.DueDays, &sat)
	k.TargetSatisfaction = float64(sat) / 100
	k.Milestones = []Milestone{} // a list leaves them out; Contract reads them
	return k, err
}

// Contract reads a contract in the caller's view with its milestones.
func (s *Store) Contract(ctx context.Context, c access.Caller, id int64) (Contract, error) {
	where, args := contractWhere(c)
	k, err := s.scanContract(s.db.QueryRow(ctx, `SELECT `+contractCols+` FROM provider_contracts k JOIN providers p ON p.id = k.provider_id
		WHERE k.id = ? AND `+where, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Contract{}, contractNotFound()
	}
	if err != nil {
		return Contract{}, fmt.Errorf("contract %d: %w", id, err)
	}
	ms, err := s.milestones(ctx, []int64{id})
	if err != nil {
		return Contract{}, err
	}
	if ms[id] != nil {
		k.Milestones = ms[id]
	}
	return k, nil
}

// milestones reads the payment milestones of contracts, by contract.
func (s *Store) milestones(ctx context.Context, ids []int64) (map[int64][]Milestone, error) {
	out := map[int64][]Milestone{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.Query(ctx, `SELECT contract_id, seq, title, amount_cents, released_by, released_at FROM contract_milestones
		WHERE contract_id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`) ORDER BY contract_id, seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("contract milestones: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var m Milestone
		if err := rows.Scan(&id, &m.Seq, &m.Title, &m.AmountCents, &m.ReleasedBy, &m.ReleasedAt); err != nil {
			return nil, fmt.Errorf("contract milestones: %w", err)
		}
		m.Released = m.ReleasedAt != 0
		if m.Released {
			m.ReleasedOn = time.UnixMilli(m.ReleasedAt).UTC().Format(time.RFC3339)
		}
		out[id] = append(out[id], m)
	}
	return out, rows.Err()
}

// Contracts lists the contracts of a year in the caller's view (year 0:
// every year), newest first.
func (s *Store) Contracts(ctx context.Context, c access.Caller, year int) ([]Contract, error) {
	return s.contracts(ctx, c, year, "", true)
}

// contracts lists the contracts of a year (0: every year) and, when
// serviceType is set, of that type, in the caller's view; with their
// milestones when asked.
func (s *Store) contracts(ctx context.Context, c access.Caller, year int, serviceType string, withMilestones bool) ([]Contract, error) {
	where, args := contractWhere(c)
	if year != 0 {
		where, args = where+" AND k.year = ?", append(args, year)
	}
	if serviceType != "" {
		where, args = where+" AND k.service_type = ?", append(args, serviceType)
	}
	rows, err := s.db.Query(ctx, `SELECT `+contractCols+` FROM provider_contracts k JOIN providers p ON p.id = k.provider_id
		WHERE `+where+` ORDER BY k.year DESC, p.name, k.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("contracts: %w", err)
	}
	defer rows.Close()
	out := []Contract{}
	for rows.Next() {
		k, err := s.scanContract(rows)
		if err != nil {
			return nil, fmt.Errorf("contracts: %w", err)
		}
		k.Milestones = []Milestone{} // filled below when asked for
		out = append(out, k)
	}
	// Closed before the milestones are read (one connection at a time).
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("contracts: %w", err)
	}
	if !withMilestones {
		return out, nil
	}
	ids := make([]int64, len(out))
	for i, k := range out {
		ids[i] = k.ID
	}
	for len(ids) > 0 { // in chunks: a year's contracts of a district may be many
		n := min(len(ids), 500)
		ms, err := s.milestones(ctx, ids[:n])
		if err != nil {
			return nil, err
		}
		for i := range out {
			if m := ms[out[i].ID]; m != nil {
				out[i].Milestones = m
			}
		}
		ids = ids[n:]
	}
	return out, nil
}

// Assign puts a case under a contract (district or town staff whose scope
// holds the case): the contract must buy the case's service type and cover
// its unit, else 422; a case outside the caller's view is 404. The provider's
// workers then see the case; a reassignment is recorded on the case's
// timeline and in the audit log.
func (s *Store) Assign(ctx context.Context, c access.Caller, caseID int64, in AssignInput) (casework.Case, error) {
	if c.IsProvider() || c.PersonID != 0 {
		return casework.Case{}, apperr.ErrNotFound()
	}
	reason, e := text("reason", in.Reason, 200, false, "原因", "reason")
	if e != nil {
		return casework.Case{}, apperr.Validation(*e)
	}
	cs, err := s.cases.Peek(ctx, c, caseID)
	if err != nil {
		return casework.Case{}, err
	}
	k, err := s.Contract(ctx, access.Caller{Actor: c.Actor, Scope: c.Scope}, in.ContractID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return casework.Case{}, apperr.Validation(apperr.Field("contract_id", "not_found", "找不到这份服务合同。", "There is no such contract."))
	}
	if err != nil {
		return casework.Case{}, err
	}
	if fs := s.fits(cs, k, "contract_id"); len(fs) > 0 {
		return casework.Case{}, apperr.Validation(fs...)
	}
	var out casework.Case
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		out, err = s.cases.Assign(ctx, tx, c, caseID, k.ID, k.ProviderID, reason)
		if err != nil {
			return err
		}
		en := c.Actor.Entry(ActionAssign, "case", strconv.FormatInt(caseID, 10), cs.OrgUnit)
		en.Detail = fmt.Sprintf(`{"contract":%d,"provider":%d}`, k.ID, k.ProviderID)
		return audit.Append(ctx, tx, en)
	})
	return out, err
}

// fits checks that a contract buys the case's service type and covers its
// unit: the reasons it does not, as errors of field.
func (s *Store) fits(cs casework.Case, k Contract, field string) []apperr.FieldError {
	var fs []apperr.FieldError
	if k.ServiceType != cs.ServiceType {
		zh, en := k.ServiceType, k.ServiceType
		if t, ok := s.cases.TypeOf(k.ServiceType); ok {
			zh, en = t.Zh, t.En
		}
		fs = append(fs, apperr.Field(field, "service", "这份合同购买的是“"+zh+"”，不是这个个案的服务。", "The contract buys “"+en+"”, not this case's service."))
	}
	if len(cs.OrgUnit) < len(k.OrgUnit) || cs.OrgUnit[:len(k.OrgUnit)] != k.OrgUnit {
		fs = append(fs, apperr.Field(field, "area", "个案所在地不在这份合同的服务范围内。", "The case lies outside the contract's area."))
	}
	return fs
}
