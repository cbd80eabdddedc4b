// Package employment keeps employers (DOMAIN.md §1.3), their yearly figures
// and disabled employees linked to the registry, and computes the employment
// quota levy of DOMAIN.md §5 (残疾人就业保障金). The levy formula and the
// credit code check are pure functions; money is in integer cents.
package employment

import (
	"fmt"
	"math/big"
	"strings"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
)

// Params are the levy rules of one district and year (DOMAIN.md §5). Every
// rule is configuration; DefaultParams gives DOMAIN.md's defaults. Rates are
// in basis points (1/10,000): 150 = 1.5%.
type Params struct {
	OrgUnit string `json:"orgunit,omitempty"`
	Year    int    `json:"year,omitempty"`
	// QuotaBP is the quota q as a share of the average staff N.
	QuotaBP int `json:"quota_bp"`
	// DoubleCountSevere counts an employee of grade 1 or 2 twice.
	DoubleCountSevere bool `json:"double_count_severe"`
	// Employers with N ≤ ExemptMaxStaff owe nothing, for years up to ExemptUntilYear.
	ExemptMaxStaff  int `json:"exempt_max_staff"`
	ExemptUntilYear int `json:"exempt_until_year"`
	// WageCapPct caps the wage base at this percentage of the social average wage (200 = 2×).
	WageCapPct int `json:"wage_cap_pct"`
	// The due amount is RateAtOrAboveBP of the gross when D/N ≥ ThresholdBP, else RateBelowBP.
	ThresholdBP     int `json:"threshold_bp"`
	RateAtOrAboveBP int `json:"rate_at_or_above_bp"`
	RateBelowBP     int `json:"rate_below_bp"`
	// SocialAverageWageCents is the local social average annual wage; 0 when not set.
	SocialAverageWageCents int64  `json:"social_average_wage_cents"`
	SocialAverageWage      string `json:"social_average_wage"`
	// Configured is false when these are the defaults (nothing stored).
	Configured bool   `json:"configured"`
	UpdatedBy  string `json:"updated_by,omitempty"`
}

// DefaultParams are DOMAIN.md §5's defaults: quota 1.5%, grades 1–2 count
// twice, employers of up to 30 staff exempt until 2027, wage base capped at
// twice the social average wage, 50% of the gross due at a ratio of 1% or
// more, else 90%. The social average wage has no default.
func DefaultParams() Params {
	return Params{QuotaBP: 150, DoubleCountSevere: true, ExemptMaxStaff: 30, ExemptUntilYear: 2027, WageCapPct: 200,
		ThresholdBP: 100, RateAtOrAboveBP: 5000, RateBelowBP: 9000, SocialAverageWage: "0.00"}
}

// Validate checks the parameters' ranges; the errors name the field.
func (p Params) Validate() error {
	var errs []apperr.FieldError
	bp := func(field string, v, max int) {
		if v < 0 || v > max {
			errs = append(errs, apperr.Field(field, "range", fmt.Sprintf("%s 应在 0 到 %d 之间（万分之一为单位）。", field, max),
				fmt.Sprintf("%s must be between 0 and %d (in basis points, 1/10,000).", field, max)))
		}
	}
	bp("quota_bp", p.QuotaBP, 10000)
	bp("threshold_bp", p.ThresholdBP, 10000)
	bp("rate_at_or_above_bp", p.RateAtOrAboveBP, 10000)
	bp("rate_below_bp", p.RateBelowBP, 10000)
	if p.ExemptMaxStaff < 0 || p.ExemptMaxStaff > 100000 {
		errs = append(errs, apperr.Field("exempt_max_staff", "range", "免征人数上限应在 0 到 100000 之间。", "exempt_max_staff must be between 0 and 100,000."))
	}
	if p.ExemptUntilYear != 0 && (p.ExemptUntilYear < 2000 || p.ExemptUntilYear > 2100) {
		errs = append(errs, apperr.Field("exempt_until_year", "range", "免征截止年份应在 2000 到 2100 之间（0 表示不限）。", "exempt_until_year must be between 2000 and 2100 (0: no end)."))
	}
	if p.WageCapPct < 0 || p.WageCapPct > 10000 {
		errs = append(errs, apperr.Field("wage_cap_pct", "range", "工资封顶倍数应在 0% 到 10000% 之间。", "wage_cap_pct must be between 0 and 10,000."))
	}
	if p.SocialAverageWageCents < 0 {
		errs = append(errs, apperr.Field("social_average_wage", "range", "社会平均工资不能为负数。", "The social average wage cannot be negative."))
	}
	if len(errs) > 0 {
		return apperr.Validation(errs...)
	}
	return nil
}

// Input is what the levy of one employer and year is computed from.
type Input struct {
	Year int // the year of the figures; 0: the exemption's end year does not apply
	// Staff is N, the average in-service staff.
	Staff int
	// AverageWageCents is the employer's average annual wage.
	AverageWageCents int64
	// Grades are the disability grades (1–4) of the employees with a certificate.
	Grades []int
}

// Result is every step of the calculation. Quantities of people are in
// 1/10,000 of a person (the quota makes them fractional); money in cents.
type Result struct {
	RequiredU   int64 // N·q
	CountedU    int64 // D
	ShortfallU  int64 // s = max(0, N·q − D)
	WageBase    int64 // w = min(average wage, cap × social average)
	WageCapped  bool  // the cap applied
	Gross       int64 // g = s·w, rounded half up to the cent (for display)
	RatioBP     int64 // r = D/N in basis points, rounded half up (for display)
	AtOrAbove   bool  // D/N ≥ the threshold (exactly)
	RateBP      int   // the share of g that is due
	Due         int64 // due, rounded half up to the cent
	Exempt      bool  // N ≤ the exemption size (in its years)
	Counted     int   // D as a whole number of counted places
	Severe      int   // employees of grade 1–2
	Employees   int   // employees with a certificate
	ShortPeople int   // ceil(N·q − D), at least 0: the shortfall in people
}

// unit is 1 person in Result's people fields.
const unit = 10000

// Calculate computes the levy of DOMAIN.md §5 with integer arithmetic:
// shortfall in 1/10,000 persons, money in cents, one rounding (half up) of
// the due amount at the end.
func Calculate(p Params, in Input) Result {
	var r Result
	for _, g := range in.Grades {
		r.Employees++
		if p.DoubleCountSevere && (g == 1 || g == 2) {
			r.Counted += 2
			r.Severe++
		} else {
			r.Counted++
			if g == 1 || g == 2 {
				r.Severe++
			}
		}
	}
	n := int64(in.Staff)
	r.RequiredU = n * int64(p.QuotaBP)
	r.CountedU = int64(r.Counted) * unit
	r.ShortfallU = max(0, r.RequiredU-r.CountedU)
	r.ShortPeople = int((r.ShortfallU + unit - 1) / unit)
	r.WageBase = in.AverageWageCents
	if p.SocialAverageWageCents > 0 {
		wageCap := p.SocialAverageWageCents * int64(p.WageCapPct) / 100
		if r.WageBase > wageCap {
			r.WageBase, r.WageCapped = wageCap, true
		}
	}
	// g = s·w: s is in 1/10,000 persons.
	gross := new(big.Int).Mul(big.NewInt(r.ShortfallU), big.NewInt(r.WageBase))
	r.Gross = divRound(gross, big.NewInt(unit))
	if n > 0 {
		r.RatioBP = divRound(big.NewInt(int64(r.Counted)*unit*unit), big.NewInt(n*unit))
		r.AtOrAbove = int64(r.Counted)*unit >= n*int64(p.ThresholdBP)
	}
	r.RateBP = p.RateBelowBP
	if r.AtOrAbove {
		r.RateBP = p.RateAtOrAboveBP
	}
	r.Exempt = in.Staff <= p.ExemptMaxStaff && (in.Year == 0 || p.ExemptUntilYear == 0 || in.Year <= p.ExemptUntilYear)
	if r.Exempt || r.ShortfallU == 0 {
		r.Due = 0
		return r
	}
	// due = s·w·rate, from the exact gross: s (1/10,000) × w (cents) × rate (1/10,000).
	due := new(big.Int).Mul(gross, big.NewInt(int64(r.RateBP)))
	r.Due = divRound(due, big.NewInt(unit*unit))
	return r
}

// divRound divides two non-negative integers, rounding half up.
func divRound(a, b *big.Int) int64 {
	q, m := new(big.Int).QuoRem(a, b, new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(b) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	return q.Int64()
}

// People formats 1/10,000 persons as a decimal ("3", "2.25", "0.0150").
func People(u int64) string {
	s := fmt.Sprintf("%d.%04d", u/unit, u%unit)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Percent formats basis points as a percentage ("0.5%", "1.25%", "50%").
func Percent(bp int64) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// ParseMoney reads an amount in yuan as people write it ("120000",
// "120,000.50", "12万", "¥120000元") as cents: not negative, at most two
// decimals, at most MaxWageCents. Errors name field and quote what was typed.
func ParseMoney(field, s string) (int64, *apperr.FieldError) {
	label := moneyLabels[field]
	if label[0] == "" {
		label = [2]string{"金额", "The amount"}
	}
	cents, given, fe := money.Field{Name: field, Zh: label[0], En: label[1], Max: MaxWageCents}.Read(s)
	if fe != nil {
		return 0, fe
	}
	if !given {
		e := apperr.Field(field, "required", "请填写"+label[0]+"。", "Enter "+strings.ToLower(label[1][:1])+label[1][1:]+".")
		return 0, &e
	}
	return cents, nil
}

// moneyLabels name the amounts of the levy's forms in errors.
var moneyLabels = map[string][2]string{
	"average_wage":        {"职工年平均工资", "The average annual wage"},
	"social_average_wage": {"当地社会平均工资", "The local social average wage"},
}

// MaxWageCents bounds every amount the levy reads (a yearly wage): ¥10 million
// is far above any real one, and keeps every product of the calculation within
// 64 bits.
const MaxWageCents = 10_000_000_00
