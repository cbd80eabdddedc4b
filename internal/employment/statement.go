package employment

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
)

// Outcome is a levy calculation as the API returns it (CONTRACT.md): people
// as decimal numbers, money as decimal strings with two places.
type Outcome struct {
	Required        json.Number `json:"required"`
	Counted         json.Number `json:"counted"`
	Shortfall       json.Number `json:"shortfall"`
	WageBase        string      `json:"wage_base"`
	Gross           string      `json:"gross"`
	Ratio           json.Number `json:"ratio"`
	Rate            json.Number `json:"rate"`
	Due             string      `json:"due"`
	Exempt          bool        `json:"exempt"`
	ShortfallPeople int         `json:"shortfall_people"`
	WageCapped      bool        `json:"wage_capped"`
	Employees       int         `json:"employees"`
	Severe          int         `json:"severe"`
}

// OutcomeOf formats a result.
func OutcomeOf(r Result) Outcome {
	return Outcome{Required: json.Number(People(r.RequiredU)), Counted: json.Number(strconv.Itoa(r.Counted)),
		Shortfall: json.Number(People(r.ShortfallU)), WageBase: money.Yuan(r.WageBase), Gross: money.Yuan(r.Gross),
		Ratio: json.Number(People(r.RatioBP)), Rate: json.Number(People(int64(r.RateBP))), Due: money.Yuan(r.Due), Exempt: r.Exempt,
		ShortfallPeople: r.ShortPeople, WageCapped: r.WageCapped, Employees: r.Employees, Severe: r.Severe}
}

// Levy is the levy statement of one employer and year.
type Levy struct {
	EmployerID  int64    `json:"employer_id"`
	Name        string   `json:"name"`
	OrgUnit     string   `json:"orgunit"`
	Year        int      `json:"year"`
	HasFigures  bool     `json:"has_figures"`
	Staff       int      `json:"staff"`
	AverageWage string   `json:"average_wage"`
	BelowQuota  bool     `json:"below_quota"` // short of the quota and not exempt
	Outcome     *Outcome `json:"levy,omitempty"`
	Params      Params   `json:"params"`
	Result      Result   `json:"-"`
}

// figuresRow is what the statement reads of one employer.
type figuresRow struct {
	id         int64
	name, unit string
	has        bool
	staff      int
	wage       int64
}

// gradesOf returns, per employer, the grades of the persons with an active
// certificate who worked there at some time in the year.
func (s *Store) gradesOf(ctx context.Context, where string, args []any, year int) (map[int64][]int, error) {
	from, to := fmt.Sprintf("%d-01-01", year), fmt.Sprintf("%d-12-31", year)
	rows, err := s.db.Query(ctx, `SELECT x.employer_id, p.grade FROM employer_employees x
		JOIN employers e ON e.id = x.employer_id JOIN persons p ON p.id = x.person_id
		WHERE `+where+` AND x.from_date <= ? AND (x.until_date = '' OR x.until_date >= ?) AND p.status = 'active'
		GROUP BY x.employer_id, x.person_id, p.grade`, append(args, to, from)...)
	if err != nil {
		return nil, fmt.Errorf("read employees: %w", err)
	}
	defer rows.Close()
	out := map[int64][]int{}
	for rows.Next() {
		var id int64
		var g int
		if err := rows.Scan(&id, &g); err != nil {
			return nil, fmt.Errorf("read employees: %w", err)
		}
		out[id] = append(out[id], g)
	}
	return out, rows.Err()
}

// levies computes the statement rows of the employers matched by where.
func (s *Store) levies(ctx context.Context, where string, args []any, year int) ([]Levy, error) {
	rows, err := s.db.Query(ctx, `SELECT e.id, e.name, e.orgunit, f.staff, f.average_wage_cents FROM employers e
		LEFT JOIN employer_figures f ON f.employer_id = e.id AND f.year = ? WHERE `+where+` ORDER BY e.id`, append([]any{year}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("read figures: %w", err)
	}
	var list []figuresRow
	for rows.Next() {
		var r figuresRow
		var staff, wage *int64
		if err := rows.Scan(&r.id, &r.name, &r.unit, &staff, &wage); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("read figures: %w", err)
		}
		if staff != nil && wage != nil {
			r.has, r.staff, r.wage = true, int(*staff), *wage
		}
		list = append(list, r)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read figures: %w", err)
	}
	grades, err := s.gradesOf(ctx, where, args, year)
	if err != nil {
		return nil, err
	}
	params := map[string]Params{}
	out := make([]Levy, 0, len(list))
	for _, r := range list {
		d := district(r.unit)
		p, ok := params[d]
		if !ok {
			if p, err = s.Params(ctx, d, year); err != nil {
				return nil, err
			}
			params[d] = p
		}
		l := Levy{EmployerID: r.id, Name: r.name, OrgUnit: r.unit, Year: year, HasFigures: r.has, Staff: r.staff, AverageWage: money.Yuan(r.wage), Params: p}
		if r.has {
			l.Result = Calculate(p, Input{Year: year, Staff: r.staff, AverageWageCents: r.wage, Grades: grades[r.id]})
			o := OutcomeOf(l.Result)
			l.Outcome = &o
			// An exempt employer (small staff) owes no quota: it is never
			// "below" it, whatever its disabled employees.
			l.BelowQuota = l.Result.ShortfallU > 0 && !l.Result.Exempt
		}
		out = append(out, l)
	}
	return out, nil
}

// Levy computes the levy statement of one employer and year from its figures
// and linked employees (404 when there are no figures for the year).
func (s *Store) Levy(ctx context.Context, c Caller, id int64, year int) (Levy, error) {
	if err := checkYear(year); err != nil {
		return Levy{}, err
	}
	e, err := s.get(ctx, c, id)
	if err != nil {
		return Levy{}, err
	}
	list, err := s.levies(ctx, "e.id = ?", []any{id}, year)
	if err != nil {
		return Levy{}, err
	}
	if len(list) != 1 || !list[0].HasFigures {
		return Levy{}, apperr.New(apperr.NotFound, fmt.Sprintf("该单位还没有 %d 年的职工人数和工资数据。", year),
			fmt.Sprintf("This employer has no staff and wage figures for %d yet.", year))
	}
	a := c.Actor.Entry(audit.ActionRead, SubjectEmployer, strconv.FormatInt(id, 10), e.OrgUnit)
	a.Detail = fmt.Sprintf(`{"levy":%d}`, year)
	if err := s.log.Record(ctx, a); err != nil {
		return Levy{}, err
	}
	return list[0], nil
}

// Statement lists the levy of every employer of the caller's scope for a
// year: those below the quota first (largest shortfall in people first),
// then those at or above it, then those without figures.
func (s *Store) Statement(ctx context.Context, c Caller, year int) ([]Levy, error) {
	if err := checkYear(year); err != nil {
		return nil, err
	}
	where, args := c.where()
	list, err := s.levies(ctx, where, args, year)
	if err != nil {
		return nil, err
	}
	rank := func(l Levy) int {
		switch {
		case !l.HasFigures:
			return 2
		case l.BelowQuota:
			return 0
		}
		return 1
	}
	slices.SortStableFunc(list, func(a, b Levy) int {
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		if a.HasFigures && b.HasFigures && a.Result.ShortPeople != b.Result.ShortPeople {
			return b.Result.ShortPeople - a.Result.ShortPeople
		}
		return strings.Compare(a.Name, b.Name)
	})
	a := c.Actor.Entry(audit.ActionList, SubjectEmployer, "statement", c.Scope.Prefix)
	a.Detail = fmt.Sprintf(`{"levy_statement":%d,"employers":%d}`, year, len(list))
	if err := s.log.Record(ctx, a); err != nil {
		return nil, err
	}
	return list, nil
}
