// Package renovation is the home accessibility renovation service (DOMAIN.md
// §8): apply → survey → quote → approve within the district's yearly budget →
// build → accept (by the family) → pay → close.
package renovation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/money"
)

// Items are the works a survey may find needed.
var Items = []string{"ramp", "grab_bars", "door_widening", "bathroom", "kitchen", "alarm", "lighting", "other"}

// itemNames are the works' names in Chinese and English.
var itemNames = map[string][2]string{
	"ramp": {"坡道", "Ramp"}, "grab_bars": {"扶手", "Grab bars"}, "door_widening": {"拓宽门洞", "Door widening"},
	"bathroom": {"卫生间改造", "Bathroom"}, "kitchen": {"厨房改造", "Kitchen"}, "alarm": {"紧急呼叫或闪光门铃", "Alarm or flashing doorbell"},
	"lighting": {"照明改造", "Lighting"}, "other": {"其他", "Other"},
}

// labels names the works and the budget year, for the case pages.
func labels() map[string][2]string {
	l := maps.Clone(itemNames)
	l["budget_year"] = [2]string{"预算年度", "Budget year"}
	return l
}

// options offers the works to choose from in a survey.
func options(_ context.Context, _ casework.Case, field string) ([]casework.Option, error) {
	if field != "items" {
		return nil, nil
	}
	out := make([]casework.Option, len(Items))
	for i, it := range Items {
		out[i] = casework.Option{Value: it, Zh: itemNames[it][0], En: itemNames[it][1]}
	}
	return out, nil
}

// Store keeps the budgets and commitments.
type Store struct{ db *db.DB }

// NewStore returns a store.
func NewStore(d *db.DB) *Store { return &Store{db: d} }

// shanghai is the time zone that decides a budget year.
var shanghai = time.FixedZone("CST", 8*3600)

// district is the level-2 unit (6 digits) of a unit code.
func district(unit string) string {
	if len(unit) < 6 {
		return unit
	}
	return unit[:6]
}

// Type is the home_renovation service type.
func (s *Store) Type() *casework.Type {
	staff := []string{identity.DistrictStaff, identity.TownStaff}
	workers := []string{identity.DistrictStaff, identity.TownStaff, identity.Provider}
	return &casework.Type{
		Code: "home_renovation", Zh: "家庭无障碍改造", En: "Home accessibility renovation",
		Initial:      "applied",
		CreateRoles:  []string{identity.VillageAssistant, identity.TownStaff, identity.DistrictStaff, identity.Person},
		CreateFields: []casework.Field{{Name: "need", Kind: casework.KindText, Zh: "需求说明", En: "What is needed"}},
		States: []casework.State{
			{Code: "applied", Zh: "已申请", En: "applied", Due: 14 * 24 * time.Hour},
			{Code: "surveyed", Zh: "已勘查", En: "surveyed", Due: 14 * 24 * time.Hour},
			{Code: "quoted", Zh: "已报价", En: "quoted", Due: 14 * 24 * time.Hour},
			{Code: "approved", Zh: "已批准", En: "approved", Due: 60 * 24 * time.Hour},
			{Code: "built", Zh: "已施工", En: "built", Due: 14 * 24 * time.Hour},
			{Code: "accepted", Zh: "已验收", En: "accepted", Due: 30 * 24 * time.Hour},
			{Code: "paid", Zh: "已付款", En: "paid", Due: 7 * 24 * time.Hour},
			{Code: "closed", Zh: "已结案", En: "closed", Terminal: true},
			{Code: "rejected", Zh: "未通过", En: "rejected", Terminal: true},
			{Code: "cancelled", Zh: "已撤销", En: "cancelled", Terminal: true},
		},
		Transitions: []casework.Transition{
			{Action: "survey", From: []string{"applied"}, To: "surveyed", Roles: workers, Zh: "入户勘查", En: "survey",
				Fields: []casework.Field{{Name: "items", Kind: casework.KindList, Required: true, Zh: "改造项目", En: "Works needed"}}},
			{Action: "quote", From: []string{"surveyed"}, To: "quoted", Roles: workers, Zh: "报价", En: "quote",
				Fields: []casework.Field{{Name: "contractor", Kind: casework.KindText, Short: true, Required: true, Zh: "施工单位", En: "Contractor"},
					{Name: "cost", Kind: casework.KindMoney, Required: true, Zh: "费用", En: "Cost", Max: MaxQuoteCents}}},
			{Action: "correct_quote", From: []string{"quoted"}, To: "", Roles: workers, Zh: "修改报价", En: "correct the quote",
				Fields: []casework.Field{{Name: "contractor", Kind: casework.KindText, Short: true, Zh: "施工单位（不改可不填）", En: "Contractor (leave empty to keep)"},
					{Name: "cost", Kind: casework.KindMoney, Required: true, Zh: "更正后的费用", En: "Corrected cost", Max: MaxQuoteCents}}},
			{Action: "approve", From: []string{"quoted"}, To: "approved", Roles: staff, Zh: "批准", En: "approve"},
			{Action: "build", From: []string{"approved"}, To: "built", Roles: workers, Zh: "完工", En: "build"},
			{Action: "accept", From: []string{"built"}, To: "accepted", Roles: []string{identity.Person, identity.VillageAssistant, identity.TownStaff},
				Zh: "验收", En: "accept"},
			{Action: "pay", From: []string{"accepted"}, To: "paid", Roles: []string{identity.DistrictStaff}, Zh: "付款", En: "pay"},
			{Action: "close", From: []string{"paid"}, To: "closed", Roles: staff, Zh: "结案", En: "close"},
			{Action: "reject", From: []string{"applied", "surveyed", "quoted"}, To: "rejected", Roles: staff, Zh: "不予批准", En: "reject",
				Fields: []casework.Field{{Name: "reason", Kind: casework.KindText, Required: true, Zh: "原因", En: "Reason"}}},
			{Action: "cancel", From: []string{"applied", "surveyed", "quoted", "approved"}, To: "cancelled",
				Roles: []string{identity.VillageAssistant, identity.TownStaff, identity.DistrictStaff, identity.Person}, Zh: "撤销", En: "cancel"},
		},
		Effect:  s.effect,
		Labels:  labels(),
		Options: options,
		Panels:  s.panels,
		// Public money for a certified disability: not on an expired
		// certificate (renew it first).
		ExpiredCertificate: casework.CertRefuse,
	}
}

func (s *Store) effect(ctx context.Context, tx *db.Tx, c *casework.Case, action string, data map[string]any) error {
	switch action {
	case "survey":
		list, _ := data["items"].([]any)
		var items []string
		for i, x := range list {
			v, _ := x.(string)
			if m, ok := x.(map[string]any); ok {
				v, _ = m["item"].(string)
			}
			known := false
			for _, it := range Items {
				known = known || it == v
			}
			if !known {
				return apperr.Validation(apperr.Field(fmt.Sprintf("items[%d]", i), "unknown", "改造项目应为："+fmt.Sprint(Items), "A work item is one of "+fmt.Sprint(Items)))
			}
			items = append(items, v)
		}
		c.Data["items"] = items
	case "quote":
		n, _ := data["cost"].(json.Number)
		cents, _ := n.Int64()
		if cents <= 0 {
			return apperr.Validation(apperr.Field("cost", "range", "费用应大于 0。", "The cost must be more than 0."))
		}
		c.Data["contractor"], c.Data["cost"] = data["contractor"], cents
	case "correct_quote":
		return s.correct(ctx, tx, c, data)
	case "approve":
		return s.commit(ctx, tx, c)
	case "cancel":
		if _, err := tx.Exec(ctx, `DELETE FROM renovation_commitments WHERE case_id = ?`, c.ID); err != nil {
			return fmt.Errorf("release budget: %w", err)
		}
	}
	return nil
}

// Bounds of renovation money: a household's works cost thousands of yuan, not
// hundreds of thousands; a district's yearly budget is far below ¥1 billion.
// With them no sum of a year's commitments can overflow.
const (
	MaxQuoteCents  = 200_000_00
	MaxBudgetCents = 1_000_000_000_00
)

// commit takes the quoted cost out of the district's budget for this year,
// refusing (409) when it does not fit. The budget row is locked, so that
// concurrent approvals cannot overspend it together.
func (s *Store) commit(ctx context.Context, tx *db.Tx, c *casework.Case) error {
	var cents int64
	switch v := c.Data["cost"].(type) {
	case json.Number:
		cents, _ = v.Int64()
	case int64:
		cents = v
	}
	dist, year := district(c.OrgUnit), tx.Now.In(shanghai).Year()
	var budget int64
	err := tx.QueryRow(ctx, `SELECT cents FROM renovation_budgets WHERE orgunit = ? AND year = ?`+tx.ForUpdate(), dist, year).Scan(&budget)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.Conflict, fmt.Sprintf("%d 年的改造预算尚未设定：请区残联在“改造预算”页设定后再批准。", year),
			fmt.Sprintf("No renovation budget is set for %d: district staff set it on the renovation budget page, then approve.", year))
	}
	if err != nil {
		return fmt.Errorf("read budget: %w", err)
	}
	used, err := committed(ctx, tx, dist, year)
	if err != nil {
		return err
	}
	if cents > budget-used { // not used+cents: no sum may overflow
		return apperr.New(apperr.Conflict, fmt.Sprintf("超出 %d 年改造预算：剩余 %s 元，本项 %s 元。可以修改报价，或请区残联在“改造预算”页调整预算。", year, money.Grouped(budget-used), money.Grouped(cents)),
			fmt.Sprintf("Beyond the %d renovation budget: %s yuan left, this one costs %s. Correct the quote, or ask district staff to raise the budget on the renovation budget page.", year, money.Grouped(budget-used), money.Grouped(cents)))
	}
	if _, err := tx.Exec(ctx, `INSERT INTO renovation_commitments (case_id, orgunit, year, cents) VALUES (?, ?, ?, ?)`, c.ID, dist, year, cents); err != nil {
		return fmt.Errorf("commit budget: %w", err)
	}
	c.Data["budget_year"] = year
	return nil
}

// committed sums what approved renovations have taken of a district's budget.
func committed(ctx context.Context, q interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}, dist string, year int) (int64, error) {
	var used int64
	if err := q.QueryRow(ctx, `SELECT COALESCE(SUM(cents), 0) FROM renovation_commitments WHERE orgunit = ? AND year = ?`, dist, year).Scan(&used); err != nil {
		return 0, fmt.Errorf("read commitments: %w", err)
	}
	return used, nil
}

// Budget is a district's renovation budget for a year.
type Budget struct {
	OrgUnit        string `json:"orgunit"`
	Year           int    `json:"year"`
	BudgetCents    int64  `json:"budget_cents"`
	CommittedCents int64  `json:"committed_cents"`
	LeftCents      int64  `json:"left_cents"`
	Budget         string `json:"budget"`
	Committed      string `json:"committed"`
	Left           string `json:"left"`
	// Paid is what of the committed has been paid out (cases paid or closed).
	PaidCents int64  `json:"paid_cents"`
	Paid      string `json:"paid"`
}

// BudgetOf reads a district's budget and what is committed of it.
func (s *Store) BudgetOf(ctx context.Context, sc orgunit.Scope, unit string, year int) (Budget, error) {
	b := Budget{OrgUnit: district(unit), Year: year}
	if len(unit) != 6 || !sc.Contains(unit) {
		return b, apperr.New(apperr.NotFound, "找不到这个区县，或不在您的管辖范围内。", "This district was not found or is outside your area.")
	}
	err := s.db.QueryRow(ctx, `SELECT cents FROM renovation_budgets WHERE orgunit = ? AND year = ?`, b.OrgUnit, year).Scan(&b.BudgetCents)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return b, fmt.Errorf("read budget: %w", err)
	}
	if b.CommittedCents, err = committed(ctx, s.db, b.OrgUnit, year); err != nil {
		return b, err
	}
	if b.PaidCents, err = paid(ctx, s.db, b.OrgUnit, year); err != nil {
		return b, err
	}
	b.LeftCents = b.BudgetCents - b.CommittedCents
	b.Budget, b.Committed, b.Left, b.Paid = money.Yuan(b.BudgetCents), money.Yuan(b.CommittedCents), money.Yuan(b.LeftCents), money.Yuan(b.PaidCents)
	return b, nil
}

// SetBudget sets a district's budget for a year (never below what is committed).
func (s *Store) SetBudget(ctx context.Context, sc orgunit.Scope, actor audit.Actor, unit string, year int, cents int64) (Budget, error) {
	if len(unit) != 6 || !sc.Contains(unit) {
		return Budget{}, apperr.New(apperr.NotFound, "找不到这个区县，或不在您的管辖范围内。", "This district was not found or is outside your area.")
	}
	if cents < 0 || cents > MaxBudgetCents || year < 2000 || year > 2100 {
		return Budget{}, apperr.Validation(apperr.Field("budget_cents", "range", fmt.Sprintf("预算应为 0 到 %s 元（以分计的整数），年份 2000–2100。", money.Yuan(MaxBudgetCents)),
			fmt.Sprintf("The budget is 0 to %s yuan (a whole number of cents); the year 2000–2100.", money.Yuan(MaxBudgetCents))))
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		used, err := committed(ctx, tx, unit, year)
		if err != nil {
			return err
		}
		if cents < used {
			return apperr.New(apperr.Conflict, "预算不能低于已批准的金额 "+money.Grouped(used)+" 元。", "The budget cannot be less than the "+money.Grouped(used)+" yuan already approved.")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO renovation_budgets (orgunit, year, cents, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (orgunit, year) DO UPDATE SET cents = excluded.cents, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			unit, year, cents, actor.Username, db.Millis(tx.Now)); err != nil {
			return fmt.Errorf("set budget: %w", err)
		}
		e := actor.Entry(audit.ActionUpdate, "renovation_budget", fmt.Sprintf("%s/%d", unit, year), unit)
		e.Detail = fmt.Sprintf(`{"cents":%d}`, cents)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Budget{}, err
	}
	return s.BudgetOf(ctx, sc, unit, year)
}
