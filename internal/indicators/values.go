package indicators

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/registry"
)

// Item is one indicator's figure for a unit (or a breakdown group) and year.
type Item struct {
	Code        string   `json:"code"`
	Key         string   `json:"key,omitempty"`     // breakdowns: the child unit code or the group value
	OrgUnit     string   `json:"orgunit,omitempty"` // breakdown by child unit
	Name        string   `json:"name"`
	Numerator   *int64   `json:"numerator"`   // nil when suppressed
	Denominator *int64   `json:"denominator"` // nil for counts, and when suppressed
	Value       *float64 `json:"value"`       // nil when the denominator is 0, and when suppressed
	Target      *float64 `json:"target"`
	Met         *bool    `json:"met"`
	Gap         *int64   `json:"gap"` // denominator − numerator for rates (0 otherwise); nil when suppressed
	// Suppressed: the figure rests on too few persons to be shown to a role
	// without access to personal data (MinCell); its counts, value and met
	// are null.
	Suppressed bool `json:"suppressed"`
}

// Result is every indicator of a unit and year.
type Result struct {
	OrgUnit string `json:"orgunit"`
	Name    string `json:"orgunit_name"`
	Year    int    `json:"year"`
	Items   []Item `json:"items"`
}

// item forms the figure of def from summed counters (year rows) and the
// active count (registry rows).
func item(def Def, c []int64, active int64, renov int64, target *float64) Item {
	it := Item{Code: def.Code, Target: target}
	var num, den, gap int64
	switch {
	case def.Code == "survey_coverage":
		num, den = c[cSurveyed], active
	case def.bit >= 0:
		num, den = c[cRates+2*def.bit+1], c[cRates+2*def.bit]
	case def.Kind == Mean:
		num, den = c[cIncomeSum], c[cIncomeN]
	case def.Kind == Count:
		num = renov
		v := float64(renov)
		it.Value = &v
	}
	it.Numerator = &num
	if def.Kind != Count {
		it.Denominator = &den
		if den > 0 {
			v := float64(num) / float64(den)
			it.Value = &v
		}
	}
	if def.Kind == Rate {
		gap = den - num
	}
	it.Gap = &gap
	if it.Value != nil && target != nil {
		met := *it.Value >= *target-1e-12
		it.Met = &met
	}
	return it
}

func zero() []int64 { return make([]int64, nCounters) }

func or0(m map[string][]int64, k string) []int64 {
	if v, ok := m[k]; ok {
		return v
	}
	return zero()
}

// renovations counts the home renovations closed in the year (Shanghai time)
// within a unit's subtree: DOMAIN.md §7 home_renovation_households, live.
func (s *Store) renovations(ctx context.Context, prefix string, year int) (int64, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, shanghai)
	lo, hi := db.PrefixRange(prefix)
	var n int64
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM cases WHERE closed_at >= ? AND closed_at < ? AND orgunit >= ? AND orgunit < ?
		AND service_type = 'home_renovation' AND state = 'closed'`, db.Millis(from), db.Millis(from.AddDate(1, 0, 0)), lo, hi).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count renovations: %w", err)
	}
	return n, nil
}

// Indicators gives every indicator for a unit within scope and a year.
func (s *Store) Indicators(ctx context.Context, sc orgunit.Scope, unit string, year int, lang string) (Result, error) {
	u, err := s.unitIn(ctx, sc, unit)
	if err != nil {
		return Result{}, err
	}
	if err := checkYear(year); err != nil {
		return Result{}, err
	}
	yr, err := s.sums(ctx, year, dimAll, unit, 0, false)
	if err != nil {
		return Result{}, err
	}
	reg, err := s.sums(ctx, 0, dimAll, unit, 0, false)
	if err != nil {
		return Result{}, err
	}
	renov, err := s.renovations(ctx, unit, year)
	if err != nil {
		return Result{}, err
	}
	targets, _, err := s.Targets(ctx, unit, year)
	if err != nil {
		return Result{}, err
	}
	res := Result{OrgUnit: unit, Name: u.Label(lang), Year: year}
	c, active := or0(yr, ""), or0(reg, "")[cActive]
	for _, d := range Defs {
		it := item(d, c, active, renov, targets[d.Code])
		it.Name = d.Name(lang)
		res.Items = append(res.Items, it)
	}
	return res, nil
}

func checkYear(year int) error {
	if year < 1900 || year > 2200 {
		return apperr.Validation(apperr.Field("year", "range", "年份无效。", "The year is not valid."))
	}
	return nil
}

// Breakdowns an indicator can be split by.
var Breakdowns = []string{"orgunit", "category", "grade", "sex", "age_band"}

// Breakdown splits one indicator of a unit and year by child unit (by "" or
// "orgunit"; every child is listed, and they add up to the unit) or by
// category, grade, sex or age band.
func (s *Store) Breakdown(ctx context.Context, sc orgunit.Scope, code, unit string, year int, by, lang string) ([]Item, error) {
	def, ok := DefOf(code)
	if !ok {
		return nil, apperr.New(apperr.NotFound, "没有这个指标："+code, "There is no indicator "+code+".")
	}
	if _, err := s.unitIn(ctx, sc, unit); err != nil {
		return nil, err
	}
	if err := checkYear(year); err != nil {
		return nil, err
	}
	targets, _, err := s.Targets(ctx, unit, year)
	if err != nil {
		return nil, err
	}
	type group struct{ key, name string }
	var groups []group
	var yr, reg map[string][]int64
	switch by {
	case "", "orgunit":
		children, err := s.units.Children(ctx, unit)
		if err != nil {
			return nil, err
		}
		if len(children) == 0 {
			return []Item{}, nil
		}
		childLen := len(children[0].Code)
		for _, ch := range children {
			groups = append(groups, group{ch.Code, ch.Label(lang)})
		}
		if yr, err = s.sums(ctx, year, dimAll, unit, childLen, false); err != nil {
			return nil, err
		}
		if reg, err = s.sums(ctx, 0, dimAll, unit, childLen, false); err != nil {
			return nil, err
		}
		items := make([]Item, 0, len(groups))
		for _, g := range groups {
			renov, err := s.renovations(ctx, g.key, year)
			if err != nil {
				return nil, err
			}
			t, _, err := s.Targets(ctx, g.key, year)
			if err != nil {
				return nil, err
			}
			it := item(def, or0(yr, g.key), or0(reg, g.key)[cActive], renov, t[code])
			it.Key, it.OrgUnit, it.Name = g.key, g.key, g.name
			items = append(items, it)
		}
		return items, nil
	case "category":
		for c := 1; c <= 7; c++ {
			groups = append(groups, group{strconv.Itoa(c), registry.CategoryName(c, lang)})
		}
	case "grade":
		for g := 1; g <= 4; g++ {
			groups = append(groups, group{strconv.Itoa(g), registry.GradeName(g, lang)})
		}
	case "sex":
		groups = []group{{"M", apperr.T("男", "male").In(lang)}, {"F", apperr.T("女", "female").In(lang)}}
	case "age_band":
		for _, b := range AgeBands {
			groups = append(groups, group{b.Code, apperr.T(b.Zh, b.En).In(lang)})
		}
	default:
		return nil, apperr.Validation(apperr.Field("by", "invalid", "分组方式应为 orgunit、category、grade、sex 或 age_band。",
			"by must be orgunit, category, grade, sex or age_band."))
	}
	if yr, err = s.sums(ctx, year, by, unit, 0, true); err != nil {
		return nil, err
	}
	regDim := by
	if by == dimAgeBand {
		regDim = dimBirthYear
	}
	if reg, err = s.sums(ctx, 0, regDim, unit, 0, true); err != nil {
		return nil, err
	}
	if by == dimAgeBand { // birth years → age bands of this year
		bands := map[string][]int64{}
		for k, v := range reg {
			by, _ := strconv.Atoi(k)
			b := AgeBand(year - by)
			if bands[b] == nil {
				bands[b] = zero()
			}
			for i := range v {
				bands[b][i] += v[i]
			}
		}
		reg = bands
	}
	items := make([]Item, 0, len(groups))
	for _, g := range groups {
		it := item(def, or0(yr, g.key), or0(reg, g.key)[cActive], 0, targets[code])
		if def.Kind == Count {
			var none int64
			it.Value, it.Numerator = nil, &none // renovations are not split by person attributes
		}
		it.Key, it.Name = g.key, g.name
		items = append(items, it)
	}
	return items, nil
}

// Years lists the years with annual records in a unit's subtree, oldest first.
func (s *Store) Years(ctx context.Context, sc orgunit.Scope, unit string) ([]int, error) {
	if _, err := s.unitIn(ctx, sc, unit); err != nil {
		return nil, err
	}
	lo, hi := db.PrefixRange(unit)
	rows, err := s.db.Query(ctx, `SELECT DISTINCT year FROM indicator_rollup WHERE year > 0 AND dim = 'all' AND orgunit >= ? AND orgunit < ? AND records <> 0 ORDER BY year`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("list indicator years: %w", err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var y int
		if err := rows.Scan(&y); err != nil {
			return nil, fmt.Errorf("list indicator years: %w", err)
		}
		out = append(out, y)
	}
	return out, rows.Err()
}

// Trend gives every indicator for each year with data (and the given year).
func (s *Store) Trend(ctx context.Context, sc orgunit.Scope, unit string, year int, lang string) ([]Result, error) {
	years, err := s.Years(ctx, sc, unit)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(years, year) {
		years = append(years, year)
		slices.Sort(years)
	}
	var out []Result
	for _, y := range years {
		r, err := s.Indicators(ctx, sc, unit, y, lang)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Change is one indicator of one child unit in two successive years.
type Change struct {
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	OrgUnit  string   `json:"orgunit"`
	UnitName string   `json:"orgunit_name"`
	Before   *float64 `json:"before"` // the year before
	After    *float64 `json:"after"`  // the year
	Change   *float64 `json:"change"` // after − before (rates: in fractions)
	Fall     bool     `json:"fall"`   // among the biggest falls
	// BeforeSuppressed and AfterSuppressed: that year's figure is suppressed
	// (small cells, for roles without access to personal data): its value is
	// null and there is no change.
	BeforeSuppressed bool `json:"before_suppressed"`
	AfterSuppressed  bool `json:"after_suppressed"`
}

// Compare sets every rate of each child unit of unit for year against the
// year before and flags the biggest falls (the worst tenth of the falls, at
// least the worst one). Units without both values are listed without a change.
func (s *Store) Compare(ctx context.Context, sc orgunit.Scope, unit string, year int, lang string) ([]Change, error) {
	return s.compare(ctx, sc, unit, year, lang, false)
}

// compare is Compare; with suppress, each year's breakdown is suppressed
// (small cells) before the changes are worked out.
func (s *Store) compare(ctx context.Context, sc orgunit.Scope, unit string, year int, lang string, suppress bool) ([]Change, error) {
	var out []Change
	for _, d := range Defs {
		if d.Kind != Rate {
			continue
		}
		now, err := s.Breakdown(ctx, sc, d.Code, unit, year, "orgunit", lang)
		if err != nil {
			return nil, err
		}
		before, err := s.Breakdown(ctx, sc, d.Code, unit, year-1, "orgunit", lang)
		if err != nil {
			return nil, err
		}
		if suppress {
			suppressGroups(now)
			suppressGroups(before)
		}
		for i, it := range now {
			c := Change{Code: d.Code, Name: d.Name(lang), OrgUnit: it.OrgUnit, UnitName: it.Name, After: it.Value, AfterSuppressed: it.Suppressed}
			if i < len(before) {
				c.Before, c.BeforeSuppressed = before[i].Value, before[i].Suppressed
			}
			if c.Before != nil && c.After != nil {
				v := *c.After - *c.Before
				c.Change = &v
			}
			out = append(out, c)
		}
	}
	var falls []int
	for i, c := range out {
		if c.Change != nil && *c.Change < 0 {
			falls = append(falls, i)
		}
	}
	slices.SortFunc(falls, func(a, b int) int {
		switch {
		case *out[a].Change < *out[b].Change:
			return -1
		case *out[a].Change > *out[b].Change:
			return 1
		}
		return 0
	})
	for _, i := range falls[:min(len(falls), max(1, len(falls)/10))] {
		out[i].Fall = true
	}
	slices.SortStableFunc(out, func(a, b Change) int {
		av, bv := 0.0, 0.0
		if a.Change != nil {
			av = *a.Change
		}
		if b.Change != nil {
			bv = *b.Change
		}
		switch {
		case av < bv:
			return -1
		case av > bv:
			return 1
		}
		return 0
	})
	return out, nil
}
