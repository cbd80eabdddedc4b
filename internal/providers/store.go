// Package providers is purchased services (issue 16): the social
// organisations the federation buys services from, their contracts
// (purchase agreements) with payment milestones, the assignment of cases to
// a contract — after which the provider's workers see those cases and
// their persons, with the minimum personal data, and no other — the served
// persons' feedback, and the yearly evaluation computed from the delivered
// work.
//
// The evaluation of a contract (Evaluate) sums the points of seven KPIs
// whose weights add up to 100, each computed in integers of hundredths
// (rounded half up), never in floats:
//
//   - cases: value = assigned, target = target_cases, weight 20,
//     points = 20 × min(1, assigned/target)
//   - completion: value = closed/assigned (0 when none assigned), target 1,
//     weight 20, points = 20 × value
//   - timeliness: value = closed_on_time/closed (0 when none closed),
//     target 1, weight 20, points = 20 × value; a case is on time when
//     closed_at − (its latest assignment to this contract, from
//     case_assignments) ≤ due_days days
//   - satisfaction: value = the average satisfaction of the feedback (0 when
//     none), target = target_satisfaction, weight 15,
//     points = 15 × min(1, value/target)
//   - complaints: value = the number of complaints, target 0, weight 5,
//     points = max(0, 5 − complaints)
//   - budget: value = the released milestones' total / budget, target 1,
//     weight 5, points = 5 when value ≤ 1, else 0
//   - expert: value = the expert score entered by district staff (0 when
//     none), target 100, weight 15, points = 15 × value/100
//
// The score is the sum of the points; each KPI says in words how its points
// came. A provider's score for a year (Rank) is the average of its
// contracts' scores weighted by their budgets.
//
// The yearly "ten micro-charity projects" (十大微公益项目, micro.go):
// organisations propose projects (no personal data in what is published);
// district staff score each on a fixed rubric — need 30, feasibility 25,
// benefit to disabled people 25, cost 10, sustainability 10 points, whole
// points from 0 to each maximum — a project's score being the average of
// its scorers' totals to the hundredth (half up), ties going to the earlier
// proposal; the top ten are published on a page anyone may read.
package providers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/employment"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/platform/vault"
	"sunshine/internal/registry"
)

// Audit subject types.
const (
	SubjectProvider = "provider"
	SubjectContract = "provider_contract"
)

// ActionAssign is the audit action of assigning a case to a contract.
const ActionAssign = "assign"

// fPhone is the vault field of a provider's contact phone.
const fPhone = "provider_contact_phone"

// Kinds of provider: the hub coordinates its members ("1+3+N").
const (
	Hub    = "hub"
	Member = "member"
)

// Bounds of a contract.
const (
	MaxBudgetCents = 100_000_000_00 // 100 million yuan
	MaxTargetCases = 100_000
	MaxDueDays     = 366
	MaxMilestones  = 12
)

// Store keeps providers and contracts and assigns cases. Every method takes
// the caller.
type Store struct {
	db    *db.DB
	cases *casework.Engine
	units *orgunit.Store
	vault *vault.Vault
	log   *audit.Log
}

// NewStore returns a store.
func NewStore(d *db.DB, cases *casework.Engine, units *orgunit.Store, v *vault.Vault, log *audit.Log) *Store {
	return &Store{db: d, cases: cases, units: units, vault: v, log: log}
}

// Provider is a social organisation that delivers purchased services.
type Provider struct {
	ID           int64    `json:"id"`
	Name         string   `json:"name"`
	USCC         string   `json:"uscc"`
	Kind         string   `json:"kind" enum:"hub,member"`
	HubID        int64    `json:"hub_id,omitempty"`
	OrgUnit      string   `json:"orgunit"`
	Services     []string `json:"services"`
	Towns        []string `json:"towns"`
	ContactName  string   `json:"contact_name,omitempty"`
	ContactPhone string   `json:"contact_phone,omitempty"` // masked
}

// ProviderInput is the body of POST /api/v1/providers: name, uscc and
// orgunit are required (CONTRACT.md); kind defaults to member.
type ProviderInput struct {
	Name         string   `json:"name"`
	USCC         string   `json:"uscc"`
	OrgUnit      string   `json:"orgunit"`
	Kind         string   `json:"kind,omitempty" enum:"hub,member"`
	HubID        int64    `json:"hub_id,omitempty"`
	Services     []string `json:"services,omitempty"`
	Towns        []string `json:"towns,omitempty"`
	ContactName  string   `json:"contact_name,omitempty"`
	ContactPhone string   `json:"contact_phone,omitempty"`
}

// Contract is a purchase agreement: one service type from one provider for
// a year over the cases of a unit.
type Contract struct {
	ID                 int64       `json:"id"`
	ProviderID         int64       `json:"provider_id"`
	ProviderName       string      `json:"provider_name"`
	ServiceType        string      `json:"service_type"`
	Year               int         `json:"year"`
	Title              string      `json:"title"`
	OrgUnit            string      `json:"orgunit"`
	BudgetCents        int64       `json:"budget"`
	TargetCases        int         `json:"target_cases"`
	DueDays            int         `json:"due_days"`
	TargetSatisfaction float64     `json:"target_satisfaction"`
	Milestones         []Milestone `json:"milestones"`
}

// Milestone is a payment of a contract, released once.
type Milestone struct {
	Seq         int    `json:"seq"`
	Title       string `json:"title"`
	AmountCents int64  `json:"amount"`
	Released    bool   `json:"released"`
	ReleasedBy  string `json:"released_by,omitempty"`
	ReleasedAt  int64  `json:"-"`
	// ReleasedOn is when it was released (RFC 3339), "" before.
	ReleasedOn string `json:"released_at,omitempty"`
}

// MilestoneInput is a payment milestone of a new contract.
type MilestoneInput struct {
	Title       string `json:"title"`
	AmountCents int64  `json:"amount"`
}

// ContractInput is the body of POST /api/v1/contracts (budget in cents).
// orgunit defaults to the provider's; target_satisfaction to 4.5.
type ContractInput struct {
	ProviderID         int64            `json:"provider_id"`
	ServiceType        string           `json:"service_type"`
	Year               int              `json:"year"`
	Budget             int64            `json:"budget"`
	TargetCases        int              `json:"target_cases"`
	DueDays            int              `json:"due_days"`
	Title              string           `json:"title,omitempty"`
	OrgUnit            string           `json:"orgunit,omitempty"`
	TargetSatisfaction float64          `json:"target_satisfaction,omitempty"`
	Milestones         []MilestoneInput `json:"milestones,omitempty"`
}

// AssignInput is the body of POST /api/v1/cases/{id}/assign.
type AssignInput struct {
	ContractID int64  `json:"contract_id"`
	Reason     string `json:"reason,omitempty"`
}

func providerNotFound() error {
	return apperr.New(apperr.NotFound, "找不到这个服务机构。", "There is no such provider.")
}

func contractNotFound() error {
	return apperr.New(apperr.NotFound, "找不到这份服务合同。", "There is no such contract.")
}

// text checks a free text: trimmed, no control characters, at most max runes.
func text(field, v string, max int, required bool, zh, en string) (string, *apperr.FieldError) {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && required:
		f := apperr.Field(field, "required", "请填写"+zh+"。", "Enter the "+en+".")
		return v, &f
	case utf8.RuneCountInString(v) > max:
		f := apperr.Field(field, "too_long", fmt.Sprintf("%s最多 %d 个字符。", zh, max), fmt.Sprintf("The %s can have at most %d characters.", en, max))
		return v, &f
	case safetext.Bad(v):
		f := apperr.Field(field, "control", zh+"含有不可见的控制字符。", "The "+en+" holds invisible control characters.")
		return v, &f
	}
	return v, nil
}

func (s *Store) validateProvider(ctx context.Context, c access.Caller, in ProviderInput) (ProviderInput, string, error) {
	var fs []apperr.FieldError
	add := func(e *apperr.FieldError) {
		if e != nil {
			fs = append(fs, *e)
		}
	}
	var e *apperr.FieldError
	in.Name, e = text("name", in.Name, 100, true, "机构名称", "organisation's name")
	add(e)
	in.USCC, e = employment.ParseUSCC("uscc", in.USCC)
	add(e)
	if in.Kind == "" {
		in.Kind = Member
	}
	if in.Kind != Hub && in.Kind != Member {
		fs = append(fs, apperr.Field("kind", "invalid", "机构类型应为 hub（枢纽）或 member（成员）。", "The kind is hub or member."))
	}
	in.OrgUnit = strings.TrimSpace(in.OrgUnit)
	if in.OrgUnit == "" {
		fs = append(fs, apperr.Field("orgunit", "required", "请选择登记的组织单位。", "Choose the org unit."))
	} else if ok, err := s.units.Exists(ctx, in.OrgUnit); err != nil {
		return in, "", err
	} else if !ok || !c.Scope.Contains(in.OrgUnit) {
		fs = append(fs, apperr.Field("orgunit", "not_found", "没有这个组织单位，或不在您的管辖范围内。", "No such org unit in your area."))
	}
	for i, t := range in.Services {
		if _, ok := s.cases.TypeOf(t); !ok {
			fs = append(fs, apperr.Field(fmt.Sprintf("services[%d]", i), "unknown", "没有这种服务类型："+t, "There is no service type "+t+"."))
		}
	}
	in.Services = slices.Compact(slices.Sorted(slices.Values(in.Services)))
	for i, t := range in.Towns {
		if ok, err := s.units.Exists(ctx, t); err != nil {
			return in, "", err
		} else if !ok || len(t) != 9 {
			fs = append(fs, apperr.Field(fmt.Sprintf("towns[%d]", i), "unknown", "没有这个镇（街道）："+t, "There is no town "+t+"."))
		}
	}
	in.Towns = slices.Compact(slices.Sorted(slices.Values(in.Towns)))
	in.ContactName, e = text("contact_name", in.ContactName, 50, false, "联系人", "contact's name")
	add(e)
	masked := ""
	if strings.TrimSpace(in.ContactPhone) != "" {
		in.ContactPhone, e = registry.ParsePhone("contact_phone", in.ContactPhone)
		add(e)
		masked = registry.MaskPhone(in.ContactPhone)
	}
	if in.HubID != 0 {
		if in.Kind == Hub {
			fs = append(fs, apperr.Field("hub_id", "invalid", "枢纽机构不隶属于其他枢纽。", "A hub is not a member of another hub."))
		} else if hub, err := s.provider(ctx, in.HubID); apperr.CodeOf(err) == apperr.NotFound || (err == nil && hub.Kind != Hub) {
			fs = append(fs, apperr.Field("hub_id", "not_hub", "所选的枢纽机构不存在或不是枢纽。", "The hub chosen is not a hub organisation."))
		} else if err != nil {
			return in, "", err
		}
	}
	if len(fs) > 0 {
		return in, "", apperr.Validation(fs...)
	}
	return in, masked, nil
}

// CreateProvider registers an organisation (district or town staff, in
// their scope).
func (s *Store) CreateProvider(ctx context.Context, c access.Caller, in ProviderInput) (Provider, error) {
	in, masked, err := s.validateProvider(ctx, c, in)
	if err != nil {
		return Provider{}, err
	}
	var sealed []byte
	if in.ContactPhone != "" {
		sealed = s.vault.Seal(fPhone, in.ContactPhone)
	}
	var hub any
	if in.HubID != 0 {
		hub = in.HubID
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO providers (name, uscc, kind, hub_id, orgunit, services, towns, contact_name, contact_phone_enc,
			contact_phone_masked, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Name, in.USCC, in.Kind, hub, in.OrgUnit, strings.Join(in.Services, ","), strings.Join(in.Towns, ","), in.ContactName, sealed, masked,
			c.Actor.Username, db.Millis(tx.Now)).Scan(&id)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, Msg: apperr.T("这个统一社会信用代码已登记。", "This unified social credit code is registered already."),
				Fields: []apperr.FieldError{apperr.Field("uscc", "duplicate", "这个统一社会信用代码已登记。", "This unified social credit code is registered already.")}}
		}
		if err != nil {
			return fmt.Errorf("create provider: %w", err)
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionCreate, SubjectProvider, strconv.FormatInt(id, 10), in.OrgUnit))
	})
	if err != nil {
		return Provider{}, err
	}
	return s.provider(ctx, id)
}

const providerCols = `id, name, uscc, kind, COALESCE(hub_id, 0), orgunit, services, towns, contact_name, contact_phone_masked`

func scanProvider(sc interface{ Scan(...any) error }) (Provider, error) {
	var p Provider
	var services, towns string
	err := sc.Scan(&p.ID, &p.Name, &p.USCC, &p.Kind, &p.HubID, &p.OrgUnit, &services, &towns, &p.ContactName, &p.ContactPhone)
	p.Services, p.Towns = splitList(services), splitList(towns)
	return p, err
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// provider reads an organisation (no personal data: organisations are
// listed to every staff member and provider).
func (s *Store) provider(ctx context.Context, id int64) (Provider, error) {
	p, err := scanProvider(s.db.QueryRow(ctx, `SELECT `+providerCols+` FROM providers WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Provider{}, providerNotFound()
	}
	if err != nil {
		return Provider{}, fmt.Errorf("provider %d: %w", id, err)
	}
	return p, nil
}

// Provider reads an organisation: staff any, a provider's worker its own.
func (s *Store) Provider(ctx context.Context, c access.Caller, id int64) (Provider, error) {
	if c.IsProvider() && c.ProviderID != id {
		return Provider{}, providerNotFound()
	}
	return s.provider(ctx, id)
}

// Providers lists the organisations by name (a provider's worker: its own).
func (s *Store) Providers(ctx context.Context, c access.Caller) ([]Provider, error) {
	cond, args := "1 = 1", []any{}
	if c.IsProvider() {
		cond, args = "id = ?", []any{c.ProviderID}
	}
	rows, err := s.db.Query(ctx, `SELECT `+providerCols+` FROM providers WHERE `+cond+` ORDER BY name, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("providers: %w", err)
	}
	defer rows.Close()
	out := []Provider{}
	for rows.Next() {
		p, err := scanProvider(rows)
		if err != nil {
			return nil, fmt.Errorf("providers: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
