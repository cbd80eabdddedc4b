package benefits

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/registry"
)

// SubjectRule is the audit subject of a rule version.
const SubjectRule = "benefit_rule"

// Store keeps the rules and reads the facts of persons (from the registry's
// tables, through queries of its own).
type Store struct {
	db  *db.DB
	log *audit.Log
}

// NewStore is the benefits store on d, auditing to log.
func NewStore(d *db.DB, log *audit.Log) *Store { return &Store{db: d, log: log} }

var shanghai = time.FixedZone("CST", 8*3600)

// CurrentMonth is the month of the store's clock in Shanghai (YYYY-MM).
func (s *Store) CurrentMonth() string { return s.db.Now().In(shanghai).Format("2006-01") }

// EnsureSeed adds the seeded version of every rule of Seed whose code has no
// version yet: a new database and an older one opened by this binary both
// get the rules of DOMAIN.md §4, and staff's versions are left alone.
func (s *Store) EnsureSeed(ctx context.Context) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		for _, r := range Seed {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM benefit_rules WHERE code = ?`, r.Code).Scan(&n); err != nil {
				return fmt.Errorf("seed benefit rules: %w", err)
			}
			if n > 0 {
				continue
			}
			// Several servers may start at once over one PostgreSQL: the
			// first to insert a seed wins, the others leave it.
			if _, err := tx.Exec(ctx, `INSERT INTO benefit_rules (code, benefit, kind, position, expression, amount_cents, effective_from,
				title_zh, title_en, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code, effective_from) DO NOTHING`,
				r.Code, r.Benefit, r.Kind, r.Position, r.Condition, r.AmountCents, SeedFrom, r.TitleZh, r.TitleEn,
				db.Millis(tx.Now), "sunshine"); err != nil {
				return fmt.Errorf("seed benefit rule %s: %w", r.Code, err)
			}
		}
		return nil
	})
}

func insertRule(ctx context.Context, tx *db.Tx, r Rule) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO benefit_rules (code, benefit, kind, position, expression, amount_cents, effective_from,
		title_zh, title_en, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.Code, r.Benefit, r.Kind, r.Position, r.Condition, r.AmountCents, r.EffectiveFrom, r.TitleZh, r.TitleEn,
		db.Millis(tx.Now), r.CreatedBy).Scan(&id)
	return id, err
}

const ruleCols = `id, code, benefit, kind, position, expression, amount_cents, effective_from, title_zh, title_en, created_at, created_by`

// Versions lists every version of every rule: by benefit, kind, order,
// code, then newest first.
func (s *Store) Versions(ctx context.Context) ([]Rule, error) {
	rows, err := s.db.Query(ctx, `SELECT `+ruleCols+` FROM benefit_rules ORDER BY benefit DESC, kind DESC, position, code, effective_from DESC`)
	if err != nil {
		return nil, fmt.Errorf("benefit rules: %w", err)
	}
	defer rows.Close()
	var out []Rule
	for rows.Next() {
		var r Rule
		var created int64
		if err := rows.Scan(&r.ID, &r.Code, &r.Benefit, &r.Kind, &r.Position, &r.Condition, &r.AmountCents, &r.EffectiveFrom,
			&r.TitleZh, &r.TitleEn, &created, &r.CreatedBy); err != nil {
			return nil, fmt.Errorf("benefit rules: %w", err)
		}
		r.CreatedAt = db.FromMillis(created)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("benefit rules: %w", err)
	}
	return out, nil
}

// RuleSet is the rules in force for month (YYYY-MM), compiled. The table
// is small; each condition is compiled once (Compile caches by text).
func (s *Store) RuleSet(ctx context.Context, month string) (*RuleSet, error) {
	all, err := s.Versions(ctx)
	if err != nil {
		return nil, err
	}
	return NewRuleSet(all, month)
}

// RuleInput is a new version of a rule. For an existing code, benefit and
// kind are the code's (they may be left out), and the titles and order
// default to the latest version's. A new code needs them all.
type RuleInput struct {
	Code          string `json:"code"`
	Benefit       string `json:"benefit,omitempty" in:"optional"`
	Kind          string `json:"kind,omitempty" in:"optional"`
	Position      int    `json:"position,omitempty" in:"optional"`
	Condition     string `json:"condition"`
	AmountCents   int64  `json:"amount_cents" in:"optional"`
	EffectiveFrom string `json:"effective_from"`
	TitleZh       string `json:"title_zh,omitempty" in:"optional"`
	TitleEn       string `json:"title_en,omitempty" in:"optional"`
}

// MaxAmountCents bounds a rule's monthly amount (10,000 yuan).
const MaxAmountCents = 1_000_000

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{2,49}$`)

// AddVersion adds a version of a rule (audited): the condition must
// type-check (else the field error names its position), the month must be
// from the current month to MonthsAhead ahead, a grant pays a positive
// amount and a requirement none, and a code has one version per month.
func (s *Store) AddVersion(ctx context.Context, actor audit.Actor, in RuleInput) (Rule, error) {
	in.Code, in.EffectiveFrom = strings.TrimSpace(in.Code), strings.TrimSpace(in.EffectiveFrom)
	in.TitleZh, in.TitleEn = strings.TrimSpace(in.TitleZh), strings.TrimSpace(in.TitleEn)
	all, err := s.Versions(ctx)
	if err != nil {
		return Rule{}, err
	}
	r, fields, err := checkVersion(all, in, actor.Username)
	if err != nil {
		return Rule{}, err
	}
	cur := s.CurrentMonth()
	if err := CheckMonth("effective_from", r.EffectiveFrom, cur); err != nil {
		e, _ := apperr.As(err)
		fields = append(fields, e.Fields...)
	} else if r.EffectiveFrom < cur {
		fields = append(fields, apperr.Field("effective_from", "past", fmt.Sprintf("生效月份不能早于本月（%s）：已作出的决定不追溯更改。", cur),
			fmt.Sprintf("The month it takes effect from cannot be before this month (%s): decisions already made are not changed.", cur)))
	}
	if len(fields) > 0 {
		return Rule{}, apperr.Validation(fields...)
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		id, err := insertRule(ctx, tx, r)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, Msg: apperr.T("该规则在这个月份已有版本。", "The rule already has a version from that month."),
				Fields: []apperr.FieldError{apperr.Field("effective_from", "conflict", fmt.Sprintf("规则 %s 在 %s 已有版本，请选择其他月份。", r.Code, r.EffectiveFrom),
					fmt.Sprintf("Rule %s already has a version from %s: choose another month.", r.Code, r.EffectiveFrom))}}
		}
		if err != nil {
			return fmt.Errorf("add benefit rule %s: %w", r.Code, err)
		}
		r.ID, r.CreatedAt = id, tx.Now
		e := actor.Entry(audit.ActionCreate, SubjectRule, strconv.FormatInt(id, 10), "")
		e.Detail = fmt.Sprintf(`{"code":%q,"effective_from":%q,"amount_cents":%d}`, r.Code, r.EffectiveFrom, r.AmountCents)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Rule{}, err
	}
	return r, nil
}

// factCols are the columns of a person's facts: the registry's persons (p)
// and their annual record of the year (a, left joined).
const factCols = `p.id, p.orgunit, p.hukou, p.status, p.certificate_issued, p.category, p.components, p.grade, p.birth_year,
	CASE WHEN a.person_id IS NULL THEN 0 ELSE 1 END, COALESCE(a.economic_status, ''), COALESCE(a.employment, '')`

const factFrom = ` FROM persons p LEFT JOIN annual_records a ON a.person_id = p.id AND a.year = ?`

func scanFacts(sc interface{ Scan(...any) error }, month string) (Facts, error) {
	f := Facts{Month: month}
	var comps string
	var annual int
	if err := sc.Scan(&f.PersonID, &f.OrgUnit, &f.Hukou, &f.Status, &f.CertificateIssued, &f.Category, &comps, &f.Grade, &f.BirthYear,
		&annual, &f.EconomicStatus, &f.Employment); err != nil {
		return Facts{}, err
	}
	f.AnnualRecord = annual == 1
	for _, c := range strings.Split(comps, ",") {
		if v, err := strconv.Atoi(strings.TrimSpace(c)); err == nil {
			f.Components = append(f.Components, v)
		}
	}
	f.Complete()
	return f, nil
}

func monthYear(month string) (int, error) {
	t, err := MonthStart(month)
	if err != nil {
		return 0, apperr.Validation(apperr.Field("month", "invalid", "月份应写作 YYYY-MM，例如 2026-03。", "The month must be written YYYY-MM, e.g. 2026-03."))
	}
	return t.Year(), nil
}

// Facts reads one person's facts for month, in the caller's scope (a person
// account: only their own record; else not found). It is not audited: the
// caller audits the read (Explain does).
func (s *Store) Facts(ctx context.Context, c access.Caller, personID int64, month string) (Facts, error) {
	year, err := monthYear(month)
	if err != nil {
		return Facts{}, err
	}
	where, args := c.Where("p.id", "p.orgunit")
	f, err := scanFacts(s.db.QueryRow(ctx, `SELECT `+factCols+factFrom+` WHERE p.id = ? AND `+where,
		append([]any{year, personID}, args...)...), month)
	if errors.Is(err, sql.ErrNoRows) {
		return Facts{}, apperr.ErrNotFound()
	}
	if err != nil {
		return Facts{}, fmt.Errorf("facts of person %d: %w", personID, err)
	}
	return f, nil
}

// StreamFacts calls fn with the facts for month of every person of scope
// (their current org unit in its subtree), in id order, from one query
// over persons and the year's annual records; fn's error stops it. The
// lead's rosters and simulations decide each with DecideBenefit.
func (s *Store) StreamFacts(ctx context.Context, scope orgunit.Scope, month string, fn func(Facts) error) error {
	year, err := monthYear(month)
	if err != nil {
		return err
	}
	lo, hi := scope.Range()
	rows, err := s.db.Query(ctx, `SELECT `+factCols+factFrom+` WHERE p.orgunit >= ? AND p.orgunit < ? ORDER BY p.id`, year, lo, hi)
	if err != nil {
		return fmt.Errorf("facts of %s: %w", lo, err)
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFacts(rows, month)
		if err != nil {
			return fmt.Errorf("facts of %s: %w", lo, err)
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("facts of %s: %w", lo, err)
	}
	return nil
}

// Explain decides both benefits of a person for month, read in the
// caller's scope (404 outside it). When audited, the read of the person is
// audited (the API; a page that already audited its read of the person
// does not audit it twice).
func (s *Store) Explain(ctx context.Context, c access.Caller, personID int64, month string, audited bool) (Decision, error) {
	f, err := s.Facts(ctx, c, personID, month)
	if err != nil {
		return Decision{}, err
	}
	rs, err := s.RuleSet(ctx, month)
	if err != nil {
		return Decision{}, err
	}
	if audited {
		e := c.Actor.Entry(audit.ActionRead, registry.SubjectPerson, strconv.FormatInt(personID, 10), f.OrgUnit)
		e.Detail = fmt.Sprintf(`{"benefits":%q}`, month)
		if err := s.log.Record(ctx, e); err != nil {
			return Decision{}, err
		}
	}
	ovs, err := s.OverridesOf(ctx, personID, month) // set on appeal (override.go)
	if err != nil {
		return Decision{}, err
	}
	return ApplyOverrides(Decide(rs, f), ovs, true), nil
}
