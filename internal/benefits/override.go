package benefits

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/money"
)

// SubjectOverride is the audit subject of an override set on appeal.
const SubjectOverride = "benefit_override"

// MaxOverrideCents bounds an override's monthly amount (10,000 yuan).
const MaxOverrideCents = MaxAmountCents

// OverrideRule is the rule code of a decision an override made: the
// benefit's override prefix (living_override, care_override) and the amount
// in cents, e.g. living_override_52000. The amount is part of the code
// because CONTRACT.md has a code never decide two different amounts (a
// roster's subtotals by rule); IsOverrideRule recognises one.
func OverrideRule(benefit string, cents int64) string {
	return overridePrefix(benefit) + strconv.FormatInt(cents, 10)
}

func overridePrefix(benefit string) string {
	if benefit == Living {
		return "living_override_"
	}
	return "care_override_"
}

// IsOverrideRule says whether a rule code is an override's (OverrideRule).
func IsOverrideRule(code string) bool {
	return strings.HasPrefix(code, "living_override_") || strings.HasPrefix(code, "care_override_")
}

// Override is a person-specific amount of a benefit set on appeal: in force
// from FromMonth (the month of the decision) to UntilMonth inclusive.
type Override struct {
	ID          int64     `json:"id"`
	PersonID    int64     `json:"person_id"`
	Benefit     string    `json:"benefit"`
	AmountCents int64     `json:"amount_cents"`
	FromMonth   string    `json:"from_month"`
	UntilMonth  string    `json:"until_month"`
	CaseID      int64     `json:"case_id"`
	DecidedBy   string    `json:"decided_by"`
	DecidedAt   time.Time `json:"decided_at"`
}

// Reason is the sentence saying the override decided.
func (o Override) Reason() apperr.Text {
	return apperr.T(fmt.Sprintf("经申诉（个案 #%d）核定，至 %s 止：每月 %s 元。", o.CaseID, o.UntilMonth, money.Yuan(o.AmountCents)),
		fmt.Sprintf("Set on appeal (case #%d) until %s: %s yuan a month.", o.CaseID, o.UntilMonth, money.Yuan(o.AmountCents)))
}

// Apply puts the override's decision in place of the rules' on it: eligible
// with the override's amount and rule code; with explain, the reasons are
// the override's sentence followed by what the rules alone would decide.
func (o Override) Apply(it Item, explain bool) Item {
	out := Item{Benefit: it.Benefit, Eligible: true, AmountCents: o.AmountCents, Rule: OverrideRule(it.Benefit, o.AmountCents),
		RuleTitle: apperr.T(fmt.Sprintf("经申诉核定（个案 #%d）", o.CaseID), fmt.Sprintf("Set on appeal (case #%d)", o.CaseID))}
	if explain {
		out.Reasons = []apperr.Text{o.Reason()}
		rule := it.RuleTitle
		if rule.Zh == "" {
			rule = apperr.T(it.Rule, it.Rule)
		}
		verdict := apperr.T("按规则本应：不符合条件（"+rule.Zh+"）。", "By the rules alone: not eligible ("+rule.En+").")
		if it.Eligible {
			verdict = apperr.T(fmt.Sprintf("按规则本应：每月 %s 元（%s）。", money.Yuan(it.AmountCents), rule.Zh),
				fmt.Sprintf("By the rules alone: %s yuan a month (%s).", money.Yuan(it.AmountCents), rule.En))
		}
		out.Reasons = append(out.Reasons, verdict)
	}
	return out
}

// ApplyOverrides puts the overrides of a person (by benefit, as
// OverridesFor gives them) in place of the rules' decisions.
func ApplyOverrides(d Decision, ovs map[string]Override, explain bool) Decision {
	for i, it := range d.Items {
		if o, ok := ovs[it.Benefit]; ok {
			d.Items[i] = o.Apply(it, explain)
		}
	}
	return d
}

const overrideCols = `o.id, o.person_id, o.benefit, o.amount_cents, o.from_month, o.until_month, o.case_id, o.decided_by, o.decided_at`

// overridesWhere reads the overrides in force in month matching where
// (over o and p, persons), the latest decided per person and benefit.
func (s *Store) overridesWhere(ctx context.Context, month, where string, args ...any) (map[int64]map[string]Override, error) {
	if _, err := MonthStart(month); err != nil {
		return nil, apperr.Validation(apperr.Field("month", "invalid", "月份应写作 YYYY-MM，例如 2026-03。", "The month must be written YYYY-MM, e.g. 2026-03."))
	}
	rows, err := s.db.Query(ctx, `SELECT `+overrideCols+` FROM benefit_overrides o JOIN persons p ON p.id = o.person_id
		WHERE o.from_month <= ? AND o.until_month >= ? AND `+where+` ORDER BY o.id`, append([]any{month, month}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("benefit overrides: %w", err)
	}
	defer rows.Close()
	out := map[int64]map[string]Override{}
	for rows.Next() {
		var o Override
		var at int64
		if err := rows.Scan(&o.ID, &o.PersonID, &o.Benefit, &o.AmountCents, &o.FromMonth, &o.UntilMonth, &o.CaseID, &o.DecidedBy, &at); err != nil {
			return nil, fmt.Errorf("benefit overrides: %w", err)
		}
		o.DecidedAt = db.FromMillis(at)
		if out[o.PersonID] == nil {
			out[o.PersonID] = map[string]Override{}
		}
		out[o.PersonID][o.Benefit] = o // in id order: the latest wins
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("benefit overrides: %w", err)
	}
	return out, nil
}

// OverridesFor reads, in one query, the overrides in force in month
// (YYYY-MM) of every person of scope (their current org unit in its
// subtree): person id → benefit → override. Rosters and simulations apply
// them with Override.Apply (or ApplyOverrides) after DecideAmount. Persons
// without one are not in the map.
func (s *Store) OverridesFor(ctx context.Context, scope orgunit.Scope, month string) (map[int64]map[string]Override, error) {
	lo, hi := scope.Range()
	return s.overridesWhere(ctx, month, `p.orgunit >= ? AND p.orgunit < ?`, lo, hi)
}

// OverridesOf is the overrides in force in month of one person, by benefit
// (the caller has checked the person is in scope).
func (s *Store) OverridesOf(ctx context.Context, personID int64, month string) (map[string]Override, error) {
	m, err := s.overridesWhere(ctx, month, `o.person_id = ?`, personID)
	if err != nil {
		return nil, err
	}
	return m[personID], nil
}
