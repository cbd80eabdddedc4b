package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/employment"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// SubjectVacancy is the audit subject of vacancies.
const SubjectVacancy = "vacancy"

// VacancyInput is a vacancy as clients write it. An employer account's
// vacancies are its own (employer_id may be left out); min_education
// defaults to none.
type VacancyInput struct {
	EmployerID     int64    `json:"employer_id,omitempty"`
	Title          string   `json:"title"`
	Description    string   `json:"description,omitempty"`
	OrgUnit        string   `json:"orgunit,omitempty"` // where the work is; "" → the employer's unit
	Positions      int      `json:"positions"`
	MinEducation   string   `json:"min_education,omitempty" enum:"none,primary,junior,senior,vocational,college,bachelor,postgraduate"`
	Hours          string   `json:"hours" enum:"full_time,part_time,flexible"`
	Skills         []string `json:"skills,omitempty" enum:"computer,data_entry,customer_service,phone_service,assembly,packaging,cleaning,cooking,sewing,massage,handicraft,gardening,accounting,design,logistics,retail,security,driving,care_work,programming,sign_language,teaching,printing,baking"`
	Accommodations []string `json:"accommodations,omitempty" enum:"step_free,accessible_toilet,sign_language,screen_reader,flexible_hours,quiet_space,job_coach,adjustable_desk,large_print,transport"` // offered
	MonthlyWage    int64    `json:"monthly_wage,omitempty"`                                                                                                                                             // yuan; 0: not stated
	Open           *bool    `json:"open,omitempty"`                                                                                                                                                     // nil: open (new) or unchanged
	Version        int      `json:"version,omitempty"`
}

// Vacancy is a vacancy as clients read it.
type Vacancy struct {
	ID             int64     `json:"id"`
	EmployerID     int64     `json:"employer_id"`
	EmployerName   string    `json:"employer_name"`
	Title          string    `json:"title"`
	Description    string    `json:"description"`
	OrgUnit        string    `json:"orgunit"`
	Positions      int       `json:"positions"`
	MinEducation   string    `json:"min_education"`
	Hours          string    `json:"hours"`
	Skills         []string  `json:"skills"`
	Accommodations []string  `json:"accommodations"`
	MonthlyWage    int64     `json:"monthly_wage"`
	Open           bool      `json:"open"`
	Version        int       `json:"version"`
	CreatedBy      string    `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	opening        Opening
}

// Opening is what matching reads of the vacancy.
func (v Vacancy) Opening() Opening { return v.opening }

const vacancyCols = `v.id, v.employer_id, e.name, v.title, v.description, v.orgunit, v.positions, v.min_education, v.hours,
	v.skills, v.offers, v.wage_cents, v.open, v.version, v.created_by, v.created_at, v.updated_at`

func scanVacancy(sc interface{ Scan(...any) error }) (Vacancy, error) {
	var v Vacancy
	var skills, offers, wage, created, updated int64
	err := sc.Scan(&v.ID, &v.EmployerID, &v.EmployerName, &v.Title, &v.Description, &v.OrgUnit, &v.Positions, &v.opening.MinEducation,
		&v.opening.Hours, &skills, &offers, &wage, &v.Open, &v.Version, &v.CreatedBy, &created, &updated)
	if err != nil {
		return v, err
	}
	v.opening.ID, v.opening.OrgUnit, v.opening.Skills, v.opening.Offers = v.ID, v.OrgUnit, fromDB(skills), fromDB(offers)
	v.MinEducation, v.Hours = Education[v.opening.MinEducation].Code, Hours[v.opening.Hours].Code
	v.Skills, v.Accommodations = codesOf(Skills, v.opening.Skills), codesOf(Accommodations, v.opening.Offers)
	v.MonthlyWage = wage / 100
	v.CreatedAt, v.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return v, nil
}

// checkVacancy validates a vacancy's terms; every mistake is named.
func checkVacancy(in VacancyInput) (Opening, []apperr.FieldError) {
	var errs []apperr.FieldError
	in.Title = strings.TrimSpace(in.Title)
	if n := utf8.RuneCountInString(in.Title); n == 0 || n > 100 {
		errs = append(errs, apperr.Field("title", "required", "请填写岗位名称（最多 100 字）。", "Give the job's title (at most 100 characters)."))
	}
	if utf8.RuneCountInString(in.Description) > 2000 {
		errs = append(errs, apperr.Field("description", "too_long", "岗位说明最多 2000 字。", "The description has at most 2,000 characters."))
	}
	if in.Positions < 1 || in.Positions > 1000 {
		errs = append(errs, apperr.Field("positions", "range", "招聘人数应在 1–1000 之间。", "Positions must be between 1 and 1,000."))
	}
	if in.MonthlyWage < 0 || in.MonthlyWage > 1_000_000 {
		errs = append(errs, apperr.Field("monthly_wage", "range", "月薪应为 0–1000000 元（0 表示面议）。", "The monthly wage is 0–1,000,000 yuan (0: not stated)."))
	}
	if in.OrgUnit != "" && !unitCode.MatchString(in.OrgUnit) {
		errs = append(errs, apperr.Field("orgunit", "invalid", "工作地应为 6、9 或 12 位行政区划代码。", "The workplace is an org unit code of 6, 9 or 12 digits."))
	}
	if in.MinEducation == "" {
		in.MinEducation = "none"
	}
	p, fe := validate(ProfileInput{Education: in.MinEducation, Hours: in.Hours, Skills: in.Skills, Accommodations: in.Accommodations})
	for _, f := range fe {
		if f.Field == "education" {
			f.Field = "min_education"
		}
		errs = append(errs, f)
	}
	return Opening{OrgUnit: in.OrgUnit, MinEducation: p.Education, Hours: p.Hours, Skills: p.Skills, Offers: p.Needs}, errs
}

// employerOf checks that the employer is the caller's (an employer account's
// own, or in staff's area) and returns its unit.
func employerOf(ctx context.Context, q queryRower, ec employment.Caller, id int64) (string, error) {
	where, args := ec.Where()
	var unit string
	err := q.QueryRow(ctx, `SELECT e.orgunit FROM employers e WHERE e.id = ? AND `+where, append([]any{id}, args...)...).Scan(&unit)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.New(apperr.NotFound, "找不到这个用人单位，或不在您的管辖范围内。", "This employer was not found or is outside your area.")
	}
	if err != nil {
		return "", fmt.Errorf("read employer: %w", err)
	}
	return unit, nil
}

func unitExists(ctx context.Context, tx *db.Tx, code string) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM orgunits WHERE code = ?`, code).Scan(&n); err != nil {
		return fmt.Errorf("read org unit: %w", err)
	}
	if n == 0 {
		return apperr.Validation(apperr.Field("orgunit", "unknown", "没有这个行政区划："+code, "There is no org unit "+code+"."))
	}
	return nil
}

// CreateVacancy adds a vacancy of an employer (staff for employers in their
// area, an employer account for its own: employer_id may be left out, another
// employer's is not found), audited in the same transaction.
func (s *Store) CreateVacancy(ctx context.Context, ec employment.Caller, in VacancyInput) (Vacancy, error) {
	if ec.Employer && in.EmployerID == 0 {
		in.EmployerID = ec.EmployerID
	}
	o, errs := checkVacancy(in)
	if len(errs) > 0 {
		return Vacancy{}, apperr.Validation(errs...)
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		unit, err := employerOf(ctx, tx, ec, in.EmployerID)
		if err != nil {
			return err
		}
		if o.OrgUnit == "" {
			o.OrgUnit = unit
		} else if err := unitExists(ctx, tx, o.OrgUnit); err != nil {
			return err
		}
		now := db.Millis(tx.Now)
		if err := tx.QueryRow(ctx, `INSERT INTO vacancies (employer_id, title, description, orgunit, positions, min_education, hours, skills, offers,
			wage_cents, open, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?) RETURNING id`,
			in.EmployerID, strings.TrimSpace(in.Title), strings.TrimSpace(in.Description), o.OrgUnit, in.Positions, o.MinEducation, o.Hours,
			toDB(o.Skills), toDB(o.Offers), in.MonthlyWage*100, ec.Actor.Username, now, now).Scan(&id); err != nil {
			return fmt.Errorf("add vacancy: %w", err)
		}
		return audit.Append(ctx, tx, ec.Actor.Entry(audit.ActionCreate, SubjectVacancy, strconv.FormatInt(id, 10), o.OrgUnit))
	})
	if err != nil {
		return Vacancy{}, err
	}
	return s.GetVacancy(ctx, ec, id)
}

// UpdateVacancy changes a vacancy (its terms, or closes it with open=false).
// A stale version → 409.
func (s *Store) UpdateVacancy(ctx context.Context, ec employment.Caller, id int64, in VacancyInput) (Vacancy, error) {
	o, errs := checkVacancy(in)
	if len(errs) > 0 {
		return Vacancy{}, apperr.Validation(errs...)
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		where, args := ec.Where()
		cur, err := scanVacancy(tx.QueryRow(ctx, `SELECT `+vacancyCols+` FROM vacancies v JOIN employers e ON e.id = v.employer_id
			WHERE v.id = ? AND `+where+tx.ForUpdate(), append([]any{id}, args...)...))
		if errors.Is(err, sql.ErrNoRows) {
			return vacancyNotFound(id)
		}
		if err != nil {
			return fmt.Errorf("read vacancy: %w", err)
		}
		if in.Version != 0 && in.Version != cur.Version {
			return apperr.ErrStale()
		}
		if o.OrgUnit == "" {
			o.OrgUnit = cur.OrgUnit
		} else if err := unitExists(ctx, tx, o.OrgUnit); err != nil {
			return err
		}
		open := cur.Open
		if in.Open != nil {
			open = *in.Open
		}
		if _, err := tx.Exec(ctx, `UPDATE vacancies SET title = ?, description = ?, orgunit = ?, positions = ?, min_education = ?, hours = ?,
			skills = ?, offers = ?, wage_cents = ?, open = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			strings.TrimSpace(in.Title), strings.TrimSpace(in.Description), o.OrgUnit, in.Positions, o.MinEducation, o.Hours,
			toDB(o.Skills), toDB(o.Offers), in.MonthlyWage*100, open, db.Millis(tx.Now), id); err != nil {
			return fmt.Errorf("change vacancy: %w", err)
		}
		return audit.Append(ctx, tx, ec.Actor.Entry(audit.ActionUpdate, SubjectVacancy, strconv.FormatInt(id, 10), o.OrgUnit))
	})
	if err != nil {
		return Vacancy{}, err
	}
	return s.GetVacancy(ctx, ec, id)
}

func vacancyNotFound(id int64) error {
	return apperr.New(apperr.NotFound, fmt.Sprintf("找不到岗位 %d，或不在您的管辖范围内。", id), fmt.Sprintf("Vacancy %d was not found or is outside your area.", id))
}

// GetVacancy reads a vacancy of the caller's employers.
func (s *Store) GetVacancy(ctx context.Context, ec employment.Caller, id int64) (Vacancy, error) {
	where, args := ec.Where()
	v, err := scanVacancy(s.db.QueryRow(ctx, `SELECT `+vacancyCols+` FROM vacancies v JOIN employers e ON e.id = v.employer_id
		WHERE v.id = ? AND `+where, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return v, vacancyNotFound(id)
	}
	if err != nil {
		return v, fmt.Errorf("read vacancy: %w", err)
	}
	return v, nil
}

// VacancyFilter selects vacancies.
type VacancyFilter struct {
	EmployerID int64
	OpenOnly   bool
}

// Vacancies lists the vacancies of the caller's employers, newest first.
func (s *Store) Vacancies(ctx context.Context, ec employment.Caller, f VacancyFilter) ([]Vacancy, error) {
	where, args := ec.Where()
	if f.EmployerID != 0 {
		where, args = where+" AND v.employer_id = ?", append(args, f.EmployerID)
	}
	if f.OpenOnly {
		where += " AND v.open"
	}
	rows, err := s.db.Query(ctx, `SELECT `+vacancyCols+` FROM vacancies v JOIN employers e ON e.id = v.employer_id WHERE `+where+` ORDER BY v.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("list vacancies: %w", err)
	}
	return readVacancies(rows)
}

// openVacancies lists the open vacancies of a district, by id (for matching
// a seeker, and for the placement's list).
func (s *Store) openVacancies(ctx context.Context, q interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}, dist string) ([]Vacancy, error) {
	rows, err := q.Query(ctx, `SELECT `+vacancyCols+` FROM vacancies v JOIN employers e ON e.id = v.employer_id
		WHERE v.open AND v.orgunit >= ? AND v.orgunit < ? ORDER BY v.id`, dist, dist+":")
	if err != nil {
		return nil, fmt.Errorf("read vacancies: %w", err)
	}
	return readVacancies(rows)
}

// readVacancies reads the rows of a vacancy query (vacancyCols) and closes
// them; none is an empty list.
func readVacancies(rows *sql.Rows) ([]Vacancy, error) {
	defer rows.Close()
	out := []Vacancy{}
	for rows.Next() {
		v, err := scanVacancy(rows)
		if err != nil {
			return nil, fmt.Errorf("read vacancies: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read vacancies: %w", err)
	}
	return out, nil
}

// MatchSeekers ranks the job seekers in the caller's scope for a vacancy of
// the caller's employers, leaving out the employer's current employees.
func (s *Store) MatchSeekers(ctx context.Context, ec employment.Caller, id int64, n int) (Vacancy, []Ranked, int, error) {
	v, err := s.GetVacancy(ctx, ec, id)
	if err != nil {
		return v, nil, 0, err
	}
	staff, err := s.currentEmployees(ctx, v.EmployerID)
	if err != nil {
		return v, nil, 0, err
	}
	ranked, total, err := s.rankSeekers(ctx, ec.Registry, v.Opening(), n, staff)
	return v, ranked, total, err
}

// VacancyMatch is a vacancy ranked for a seeker.
type VacancyMatch struct {
	Match
	Vacancy Vacancy `json:"vacancy"`
}

// MatchVacancies ranks the open vacancies of the person's district for a
// job seeker in the caller's scope (the person may look at their own).
func (s *Store) MatchVacancies(ctx context.Context, c access.Caller, personID int64, n int) ([]VacancyMatch, error) {
	sp, err := s.Get(ctx, c, personID)
	if err != nil {
		return nil, err
	}
	if !sp.Exists {
		return nil, apperr.New(apperr.Conflict, "这个人还没有就业登记信息，请先填写。", "This person has no employment profile yet: fill it in first.")
	}
	p, _ := validate(sp.ProfileInput)
	p.PersonID, p.OrgUnit = personID, sp.OrgUnit
	lo := sp.OrgUnit[:min(6, len(sp.OrgUnit))]
	vs, err := s.openVacancies(ctx, s.db, lo)
	if err != nil {
		return nil, err
	}
	byID := map[int64]Vacancy{}
	openings := make([]Opening, 0, len(vs))
	for _, v := range vs {
		byID[v.ID] = v
		openings = append(openings, v.Opening())
	}
	out := []VacancyMatch{}
	for _, m := range RankOpenings(p, openings, n) {
		out = append(out, VacancyMatch{Match: m, Vacancy: byID[m.VacancyID]})
	}
	return out, nil
}
