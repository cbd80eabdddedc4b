package indicators

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/platform/db"
)

// The counters of a rollup row, in column order.
var counterCols = func() []string {
	cols := []string{"records", "surveyed", "active"}
	for _, d := range rates {
		cols = append(cols, "d_"+d.Code, "n_"+d.Code)
	}
	return append(cols, "income_sum", "income_n")
}()

const (
	cRecords  = 0
	cSurveyed = 1
	cActive   = 2
	cRates    = 3 // d of rate i at cRates+2i, n at cRates+2i+1
)

var (
	cIncomeSum = cRates + 2*len(rates)
	cIncomeN   = cIncomeSum + 1
	nCounters  = len(counterCols)
)

// Breakdown dimensions of the rollups. Year-0 rows (the registry) use
// "birth_year" where year rows use "age_band", since age depends on the year.
const (
	dimAll       = "all"
	dimCategory  = "category"
	dimGrade     = "grade"
	dimSex       = "sex"
	dimAgeBand   = "age_band"
	dimBirthYear = "birth_year"
)

// fact is what one person contributes in one year (year 0: the registry).
type fact struct {
	PersonID   int64
	Year       int
	OrgUnit    string // the village of the annual record (year 0: of the registry)
	RegOrgUnit string // the village of the registry
	Active     bool
	Category   int
	Grade      int
	Sex        string
	BirthYear  int
	Bits       int64
	Income     *int64
}

func (f fact) equal(g fact) bool {
	if (f.Income == nil) != (g.Income == nil) || f.Income != nil && *f.Income != *g.Income {
		return false
	}
	f.Income, g.Income = nil, nil
	return f == g
}

type rollKey struct {
	Year    int
	Dim     string
	OrgUnit string
	Val     string
}

// delta accumulates counter changes per rollup row.
type delta map[rollKey][]int64

func (d delta) bump(k rollKey, col int, by int64) {
	v := d[k]
	if v == nil {
		v = make([]int64, nCounters)
		d[k] = v
	}
	v[col] += by
}

// add adds (sign 1) or removes (sign −1) the contribution of f.
func (d delta) add(f fact, sign int64) {
	cat, grade := strconv.Itoa(f.Category), strconv.Itoa(f.Grade)
	if f.Year == 0 {
		if !f.Active {
			return
		}
		for _, dv := range [][2]string{{dimAll, ""}, {dimCategory, cat}, {dimGrade, grade}, {dimSex, f.Sex}, {dimBirthYear, strconv.Itoa(f.BirthYear)}} {
			d.bump(rollKey{0, dv[0], f.OrgUnit, dv[1]}, cActive, sign)
		}
		return
	}
	for _, dv := range [][2]string{{dimAll, ""}, {dimCategory, cat}, {dimGrade, grade}, {dimSex, f.Sex}, {dimAgeBand, AgeBand(f.Year - f.BirthYear)}} {
		k := rollKey{f.Year, dv[0], f.OrgUnit, dv[1]}
		d.bump(k, cRecords, sign)
		for i := range rates {
			if f.Bits&(1<<(2*i)) != 0 {
				d.bump(k, cRates+2*i, sign)
			}
			if f.Bits&(1<<(2*i+1)) != 0 {
				d.bump(k, cRates+2*i+1, sign)
			}
		}
		if f.Income != nil {
			d.bump(k, cIncomeSum, sign**f.Income)
			d.bump(k, cIncomeN, sign)
		}
		if f.Active {
			d.bump(rollKey{f.Year, dv[0], f.RegOrgUnit, dv[1]}, cSurveyed, sign)
		}
	}
}

// apply writes the changes to the rollups, in key order (so that concurrent
// PostgreSQL transactions lock rows in the same order).
func (d delta) apply(ctx context.Context, tx *db.Tx) error {
	keys := make([]rollKey, 0, len(d))
	for k, v := range d {
		if slices.ContainsFunc(v, func(x int64) bool { return x != 0 }) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b rollKey) int {
		if c := a.Year - b.Year; c != 0 {
			return c
		}
		if c := strings.Compare(a.Dim, b.Dim); c != 0 {
			return c
		}
		if c := strings.Compare(a.OrgUnit, b.OrgUnit); c != 0 {
			return c
		}
		return strings.Compare(a.Val, b.Val)
	})
	if tx.Dialect == db.Postgres && len(keys) >= copyMin {
		rows := make([][]any, len(keys))
		for i, k := range keys {
			row := make([]any, 0, 4+nCounters)
			row = append(row, k.Year, k.Dim, k.OrgUnit, k.Val)
			for _, x := range d[k] {
				row = append(row, x)
			}
			rows[i] = row
		}
		// In the order of the key, as the statements below: concurrent
		// writers lock the rows they share in one order.
		if err := copyUpsert(ctx, tx, "indicator_rollup", rollupCols, rows, ` ORDER BY year, dim COLLATE "C", orgunit COLLATE "C", val COLLATE "C" `+rollupConflict); err != nil {
			return fmt.Errorf("update indicator rollups: %w", err)
		}
		return nil
	}
	for _, n := range split(len(keys)) {
		part := keys[:n]
		keys = keys[n:]
		args := make([]any, 0, len(part)*(4+nCounters))
		for _, k := range part {
			args = append(args, k.Year, k.Dim, k.OrgUnit, k.Val)
			for _, x := range d[k] {
				args = append(args, x)
			}
		}
		if _, err := tx.Exec(ctx, rollupSQLs[n], args...); err != nil {
			return fmt.Errorf("update indicator rollups: %w", err)
		}
	}
	return nil
}

func upsertRollupSQL(n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", 4+nCounters), ", ") + ")"
	return "INSERT INTO indicator_rollup (" + strings.Join(rollupCols, ", ") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + " " + rollupConflict
}

// rollupCols are the columns of indicator_rollup: its key, then the counters.
var rollupCols = append([]string{"year", "dim", "orgunit", "val"}, counterCols...)

// rollupConflict adds to the counters of a rollup row that exists.
var rollupConflict = func() string {
	set := make([]string, len(counterCols))
	for i, c := range counterCols {
		set[i] = fmt.Sprintf("%s = indicator_rollup.%s + excluded.%s", c, c, c)
	}
	return "ON CONFLICT (year, dim, orgunit, val) DO UPDATE SET " + strings.Join(set, ", ")
}()

const factCols = `person_id, year, orgunit, reg_orgunit, active, category, grade, sex, birth_year, bits, income`

func scanFact(sc interface{ Scan(...any) error }) (fact, error) {
	var f fact
	var income *int64
	err := sc.Scan(&f.PersonID, &f.Year, &f.OrgUnit, &f.RegOrgUnit, &f.Active, &f.Category, &f.Grade, &f.Sex, &f.BirthYear, &f.Bits, &income)
	f.Income = income
	return f, err
}

// rowsIter is what scanCurrent needs of *sql.Rows.
type rowsIter interface {
	Next() bool
	Scan(...any) error
	Close() error
	Err() error
}

// currentSQL reads what the facts are computed from: each person, and each of
// their annual records (a person without records gives one row with year 0).
const currentSQL = `SELECT p.id, p.orgunit, p.status, p.hukou, p.category, p.grade, p.sex, p.birth_year,
	COALESCE(a.year, 0), COALESCE(a.orgunit, ''), COALESCE(a.employment, ''), COALESCE(a.economic_status, ''),
	COALESCE(a.college_graduate, FALSE), COALESCE(a.school_enrolled, FALSE), COALESCE(a.rehab_need, FALSE), COALESCE(a.rehab_received, FALSE),
	COALESCE(a.device_need, FALSE), COALESCE(a.device_received, FALSE), COALESCE(a.pension_insured, FALSE), COALESCE(a.medical_insured, FALSE),
	COALESCE(a.culture_sports, FALSE), COALESCE(a.living_subsidy_received, FALSE), COALESCE(a.care_subsidy_received, FALSE),
	a.household_income_per_capita
	FROM persons p LEFT JOIN annual_records a ON a.person_id = p.id`

// scanCurrent turns rows of currentSQL into facts (the registry row of a
// person comes with their first row).
func scanCurrent(rows rowsIter, emit func(fact, *Subject) error) error {
	var last int64 = -1
	for rows.Next() {
		var (
			id                                   int64
			unit, status, hukou, sex             string
			cat, grade, year, by                 int
			aUnit, emp, econ                     string
			grad, school, rn, rr, dn, dr, pi, mi bool
			cs, ls, ck                           bool
			income                               *int64
		)
		if err := rows.Scan(&id, &unit, &status, &hukou, &cat, &grade, &sex, &by, &year, &aUnit, &emp, &econ,
			&grad, &school, &rn, &rr, &dn, &dr, &pi, &mi, &cs, &ls, &ck, &income); err != nil {
			return fmt.Errorf("read persons for indicators: %w", err)
		}
		base := fact{PersonID: id, OrgUnit: unit, RegOrgUnit: unit, Active: status == "active", Category: cat, Grade: grade, Sex: sex, BirthYear: by}
		if id != last {
			if err := emit(base, nil); err != nil {
				return err
			}
			last = id
		}
		if year == 0 {
			continue
		}
		s := Subject{Year: year, Age: year - by, Active: base.Active, LocalHukou: hukou == "local", Category: cat, Grade: grade,
			Employment: emp, EconomicStatus: econ, CollegeGraduate: grad, SchoolEnrolled: school, RehabNeed: rn, RehabReceived: rr,
			DeviceNeed: dn, DeviceReceived: dr, PensionInsured: pi, MedicalInsured: mi, CultureSports: cs,
			LivingSubsidyReceived: ls, CareSubsidyReceived: ck}
		f := base
		f.Year, f.OrgUnit, f.Bits, f.Income = year, aUnit, Bits(s), income
		if err := emit(f, &s); err != nil {
			return err
		}
	}
	return rows.Err()
}
