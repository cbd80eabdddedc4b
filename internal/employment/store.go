package employment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/vault"
	"sunshine/internal/registry"
)

// Audit subject types of this module.
const (
	SubjectEmployer  = "employer"
	SubjectLevyParam = "levy_params"
)

// fPhone is the vault field name of an employer's contact phone.
const fPhone = "employer_contact_phone"

// Accessibility features a workplace may offer, with their names.
var Accessibility = []Feature{
	{"step_free", "无障碍通道（无台阶）", "Step-free access"},
	{"accessible_toilet", "无障碍卫生间", "Accessible toilet"},
	{"elevator", "无障碍电梯", "Accessible lift"},
	{"accessible_parking", "无障碍停车位", "Accessible parking"},
	{"sign_language", "手语沟通", "Sign language"},
	{"screen_reader", "读屏软件", "Screen reader"},
	{"flexible_hours", "弹性工时", "Flexible hours"},
	{"remote_work", "居家办公", "Work from home"},
}

// Feature is one workplace accessibility feature.
type Feature struct {
	Code string
	Zh   string
	En   string
}

// Name is the feature's name in a language.
func (f Feature) Name(lang string) string { return apperr.T(f.Zh, f.En).In(lang) }

// Caller is who asks: staff see the employers of their scope; an employer
// account only its own organisation.
type Caller struct {
	Actor audit.Actor
	Scope orgunit.Scope
	// Employer is true for an employer account; EmployerID is its organisation.
	Employer   bool
	EmployerID int64
	// Registry is the caller as the registry sees them (to link employees).
	Registry access.Caller
}

// Where restricts employers (alias e) to the caller: an employer account to
// its own organisation, staff to the employers in their area.
func (c Caller) Where() (string, []any) { return c.where() }

// where restricts employers (alias e) to the caller.
func (c Caller) where() (string, []any) {
	if c.Employer {
		return "e.id = ?", []any{c.EmployerID} // 0 matches nothing
	}
	lo, hi := c.Scope.Range()
	return "e.orgunit >= ? AND e.orgunit < ?", []any{lo, hi}
}

// Units looks up org units.
type Units interface {
	Get(ctx context.Context, code string) (orgunit.Unit, error)
}

// Store keeps employers, their figures and employees, and the levy parameters.
type Store struct {
	db       *db.DB
	vault    *vault.Vault
	units    Units
	registry *registry.Store
	log      *audit.Log
}

// NewStore returns a store.
func NewStore(d *db.DB, v *vault.Vault, units Units, reg *registry.Store, log *audit.Log) *Store {
	return &Store{db: d, vault: v, units: units, registry: reg, log: log}
}

// EmployerInput is what a client sends to create or change an employer:
// only name, uscc and orgunit must be given.
type EmployerInput struct {
	Name          string   `json:"name"`
	USCC          string   `json:"uscc"`
	OrgUnit       string   `json:"orgunit"`
	Address       string   `json:"address,omitempty"`
	ContactName   string   `json:"contact_name,omitempty"`
	ContactPhone  string   `json:"contact_phone,omitempty"`
	Accessibility []string `json:"accessibility,omitempty" enum:"step_free,accessible_toilet,elevator,accessible_parking,sign_language,screen_reader,flexible_hours,remote_work"`
	Version       int      `json:"version,omitempty"`
}

// Employer is an employer as returned: the contact phone only masked.
type Employer struct {
	ID                 int64      `json:"id"`
	Name               string     `json:"name"`
	USCC               string     `json:"uscc"`
	OrgUnit            string     `json:"orgunit"`
	Address            string     `json:"address"`
	ContactName        string     `json:"contact_name"`
	ContactPhoneMasked string     `json:"contact_phone_masked"`
	Accessibility      []string   `json:"accessibility"`
	Version            int        `json:"version"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
	Figures            []Figures  `json:"figures,omitempty"`
	Employees          []Employee `json:"employees,omitempty"`
}

// Figures are an employer's figures of one year.
type Figures struct {
	Year             int    `json:"year"`
	Staff            int    `json:"staff"`
	AverageWageCents int64  `json:"average_wage_cents"`
	AverageWage      string `json:"average_wage"`
}

// Employee is a disabled employee linked to a registry person. Staff see the
// name; an employer account sees only the grade and dates.
type Employee struct {
	PersonID int64  `json:"person_id"`
	Name     string `json:"name,omitempty"`
	Grade    int    `json:"grade"`
	Active   bool   `json:"active"` // the person's certificate is active
	From     string `json:"from_date"`
	Until    string `json:"until_date,omitempty"`
}

// validate checks an employer's fields and returns it cleaned.
func (s *Store) validate(ctx context.Context, c Caller, in EmployerInput) (EmployerInput, string, error) {
	var errs []apperr.FieldError
	add := func(e *apperr.FieldError) {
		if e != nil {
			errs = append(errs, *e)
		}
	}
	in.Name = strings.TrimSpace(in.Name)
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		errs = append(errs, apperr.Field("name", "required", "请填写单位名称。", "Enter the employer's name."))
	case n > 100:
		errs = append(errs, apperr.Field("name", "too_long", "单位名称最多100个字符。", "The name can have at most 100 characters."))
	}
	code, e := ParseUSCC("uscc", in.USCC)
	add(e)
	in.USCC = code
	in.OrgUnit = strings.TrimSpace(in.OrgUnit)
	if in.OrgUnit == "" {
		errs = append(errs, apperr.Field("orgunit", "required", "请选择所在街镇。", "Choose the town."))
	} else if u, err := s.units.Get(ctx, in.OrgUnit); apperr.CodeOf(err) == apperr.NotFound {
		errs = append(errs, apperr.Field("orgunit", "not_found", "街镇代码不存在："+in.OrgUnit, "No town has the code "+in.OrgUnit))
	} else if err != nil {
		return in, "", err
	} else if u.Level != 3 {
		errs = append(errs, apperr.Field("orgunit", "level", "用人单位应登记在街镇（9位代码）。", "An employer belongs to a town (a 9-digit code)."))
	} else if c.Employer || !c.Scope.Contains(in.OrgUnit) {
		errs = append(errs, apperr.Field("orgunit", "scope", "该街镇不在您的管辖范围内。", "This town is outside your area."))
	}
	in.Address, in.ContactName = strings.TrimSpace(in.Address), strings.TrimSpace(in.ContactName)
	if utf8.RuneCountInString(in.Address) > 200 {
		errs = append(errs, apperr.Field("address", "too_long", "地址最多200个字符。", "The address can have at most 200 characters."))
	}
	if utf8.RuneCountInString(in.ContactName) > 50 {
		errs = append(errs, apperr.Field("contact_name", "too_long", "联系人最多50个字符。", "The contact name can have at most 50 characters."))
	}
	phone, e := registry.ParsePhone("contact_phone", in.ContactPhone)
	add(e)
	in.ContactPhone = phone
	var feats []string
	for i, f := range in.Accessibility {
		if !slices.ContainsFunc(Accessibility, func(x Feature) bool { return x.Code == f }) {
			codes := make([]string, len(Accessibility))
			for j, x := range Accessibility {
				codes[j] = x.Code
			}
			errs = append(errs, apperr.Field(fmt.Sprintf("accessibility[%d]", i), "unknown", "无障碍设施应为："+strings.Join(codes, "、"),
				"An accessibility feature is one of "+strings.Join(codes, ", ")))
			continue
		}
		if !slices.Contains(feats, f) {
			feats = append(feats, f)
		}
	}
	in.Accessibility = feats
	if len(errs) > 0 {
		return in, "", apperr.Validation(errs...)
	}
	return in, registry.MaskPhone(phone), nil
}

func duplicateUSCC() *apperr.Error {
	return &apperr.Error{Code: apperr.Conflict, Msg: apperr.T("该统一社会信用代码已登记。", "An employer with this unified social credit code is registered already."),
		Fields: []apperr.FieldError{apperr.Field("uscc", "duplicate", "该统一社会信用代码已登记。", "This unified social credit code is registered already.")}}
}

func (s *Store) sealPhone(phone string) []byte {
	if phone == "" {
		return nil
	}
	return s.vault.Seal(fPhone, phone)
}

// Create registers an employer (staff within their scope), audited.
func (s *Store) Create(ctx context.Context, c Caller, in EmployerInput) (Employer, error) {
	in, masked, err := s.validate(ctx, c, in)
	if err != nil {
		return Employer{}, err
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		now := db.Millis(tx.Now)
		err := tx.QueryRow(ctx, `INSERT INTO employers (name, uscc, orgunit, address, contact_name, contact_phone_enc, contact_phone_masked,
			accessibility, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
			in.Name, in.USCC, in.OrgUnit, in.Address, in.ContactName, s.sealPhone(in.ContactPhone), masked,
			strings.Join(in.Accessibility, ","), now, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return duplicateUSCC()
		}
		if err != nil {
			return fmt.Errorf("create employer: %w", err)
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionCreate, SubjectEmployer, strconv.FormatInt(id, 10), in.OrgUnit))
	})
	if err != nil {
		return Employer{}, err
	}
	return s.get(ctx, c, id)
}

// Update changes an employer; in.Version must be the stored version (else 409).
func (s *Store) Update(ctx context.Context, c Caller, id int64, in EmployerInput) (Employer, error) {
	if _, err := s.get(ctx, c, id); err != nil {
		return Employer{}, err
	}
	if in.Version < 1 {
		return Employer{}, apperr.Validation(apperr.Field("version", "required", "请提供记录的版本号 version。", "Send the record's version."))
	}
	in, masked, err := s.validate(ctx, c, in)
	if err != nil {
		return Employer{}, err
	}
	where, args := c.where()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE employers AS e SET name = ?, uscc = ?, orgunit = ?, address = ?, contact_name = ?, contact_phone_enc = ?,
			contact_phone_masked = ?, accessibility = ?, version = version + 1, updated_at = ? WHERE e.id = ? AND e.version = ? AND `+where,
			append([]any{in.Name, in.USCC, in.OrgUnit, in.Address, in.ContactName, s.sealPhone(in.ContactPhone), masked,
				strings.Join(in.Accessibility, ","), db.Millis(tx.Now), id, in.Version}, args...)...)
		if db.IsUniqueViolation(err) {
			return duplicateUSCC()
		}
		if err != nil {
			return fmt.Errorf("update employer %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.ErrStale()
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionUpdate, SubjectEmployer, strconv.FormatInt(id, 10), in.OrgUnit))
	})
	if err != nil {
		return Employer{}, err
	}
	return s.get(ctx, c, id)
}

const employerCols = `e.id, e.name, e.uscc, e.orgunit, e.address, e.contact_name, e.contact_phone_masked, e.accessibility, e.version, e.created_at, e.updated_at`

func scanEmployer(sc interface{ Scan(...any) error }) (Employer, error) {
	var e Employer
	var acc string
	var created, updated int64
	if err := sc.Scan(&e.ID, &e.Name, &e.USCC, &e.OrgUnit, &e.Address, &e.ContactName, &e.ContactPhoneMasked, &acc, &e.Version, &created, &updated); err != nil {
		return Employer{}, err
	}
	e.Accessibility = []string{}
	if acc != "" {
		e.Accessibility = strings.Split(acc, ",")
	}
	e.CreatedAt, e.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	return e, nil
}

// get reads an employer in the caller's scope (404 outside it), without figures.
func (s *Store) get(ctx context.Context, c Caller, id int64) (Employer, error) {
	where, args := c.where()
	e, err := scanEmployer(s.db.QueryRow(ctx, `SELECT `+employerCols+` FROM employers e WHERE e.id = ? AND `+where, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Employer{}, apperr.New(apperr.NotFound, "找不到这个用人单位，或不在您的管辖范围内。", "This employer was not found or is outside your area.")
	}
	if err != nil {
		return Employer{}, fmt.Errorf("get employer %d: %w", id, err)
	}
	return e, nil
}

// Get reads an employer with its figures and employees, and audits the read
// (staff see the names of the linked persons).
func (s *Store) Get(ctx context.Context, c Caller, id int64) (Employer, error) {
	e, err := s.get(ctx, c, id)
	if err != nil {
		return Employer{}, err
	}
	if e.Figures, err = s.figures(ctx, id); err != nil {
		return Employer{}, err
	}
	if e.Employees, err = s.employees(ctx, id, !c.Employer); err != nil {
		return Employer{}, err
	}
	entries := []audit.Entry{c.Actor.Entry(audit.ActionRead, SubjectEmployer, strconv.FormatInt(id, 10), e.OrgUnit)}
	if !c.Employer {
		for _, x := range e.Employees {
			entries = append(entries, c.Actor.Entry(audit.ActionRead, registry.SubjectPerson, strconv.FormatInt(x.PersonID, 10), e.OrgUnit))
		}
	}
	if err := s.log.Record(ctx, entries...); err != nil {
		return Employer{}, err
	}
	return e, nil
}

func (s *Store) figures(ctx context.Context, id int64) ([]Figures, error) {
	rows, err := s.db.Query(ctx, `SELECT year, staff, average_wage_cents FROM employer_figures WHERE employer_id = ? ORDER BY year DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("read figures: %w", err)
	}
	defer rows.Close()
	var out []Figures
	for rows.Next() {
		var f Figures
		if err := rows.Scan(&f.Year, &f.Staff, &f.AverageWageCents); err != nil {
			return nil, fmt.Errorf("read figures: %w", err)
		}
		f.AverageWage = money.Yuan(f.AverageWageCents)
		out = append(out, f)
	}
	return out, rows.Err()
}

func (s *Store) employees(ctx context.Context, id int64, names bool) ([]Employee, error) {
	rows, err := s.db.Query(ctx, `SELECT x.person_id, p.name, p.grade, p.status, x.from_date, x.until_date
		FROM employer_employees x JOIN persons p ON p.id = x.person_id WHERE x.employer_id = ? ORDER BY x.until_date <> '', x.from_date, x.id`, id)
	if err != nil {
		return nil, fmt.Errorf("read employees: %w", err)
	}
	defer rows.Close()
	var out []Employee
	for rows.Next() {
		var x Employee
		var status string
		if err := rows.Scan(&x.PersonID, &x.Name, &x.Grade, &status, &x.From, &x.Until); err != nil {
			return nil, fmt.Errorf("read employees: %w", err)
		}
		x.Active = status == "active"
		if !names {
			x.Name = ""
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// List lists the employers of the caller's scope by org unit and id, a page
// at a time (cursor: the last id).
func (s *Store) List(ctx context.Context, c Caller, limit int, after int64) ([]Employer, int, int64, error) {
	where, args := c.where()
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM employers e WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, 0, fmt.Errorf("count employers: %w", err)
	}
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.db.Query(ctx, `SELECT `+employerCols+` FROM employers e WHERE `+where+` AND e.id > ? ORDER BY e.id LIMIT ?`,
		append(args, after, limit+1)...)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("list employers: %w", err)
	}
	defer rows.Close()
	var out []Employer
	for rows.Next() {
		e, err := scanEmployer(rows)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("list employers: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, 0, fmt.Errorf("list employers: %w", err)
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, total, next, nil
}

func checkYear(year int) error {
	if year < 2000 || year > 2100 {
		return apperr.Validation(apperr.Field("year", "range", "年份应在 2000 到 2100 之间。", "The year must be between 2000 and 2100."))
	}
	return nil
}

// PutFigures sets an employer's figures for a year (staff), audited.
func (s *Store) PutFigures(ctx context.Context, c Caller, id int64, f Figures) (Figures, error) {
	e, err := s.get(ctx, c, id)
	if err != nil {
		return Figures{}, err
	}
	var errs []apperr.FieldError
	if f.Year < 2000 || f.Year > 2100 {
		errs = append(errs, apperr.Field("year", "range", "年份应在 2000 到 2100 之间。", "The year must be between 2000 and 2100."))
	}
	if f.Staff < 0 || f.Staff > 10000000 {
		errs = append(errs, apperr.Field("staff", "range", "在职职工人数应为 0 到 10000000 之间的整数。", "The staff must be a whole number from 0 to 10,000,000."))
	}
	if f.AverageWageCents < 0 || f.AverageWageCents > 1e13 {
		errs = append(errs, apperr.Field("average_wage", "range", "年平均工资应为不小于 0 的金额。", "The average annual wage must be an amount of 0 or more."))
	}
	if len(errs) > 0 {
		return Figures{}, apperr.Validation(errs...)
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO employer_figures (employer_id, year, staff, average_wage_cents, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (employer_id, year) DO UPDATE SET staff = excluded.staff, average_wage_cents = excluded.average_wage_cents,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			id, f.Year, f.Staff, f.AverageWageCents, c.Actor.Username, db.Millis(tx.Now)); err != nil {
			return fmt.Errorf("set figures: %w", err)
		}
		a := c.Actor.Entry(audit.ActionUpdate, SubjectEmployer, strconv.FormatInt(id, 10), e.OrgUnit)
		a.Detail = fmt.Sprintf(`{"figures":%d,"staff":%d,"average_wage_cents":%d}`, f.Year, f.Staff, f.AverageWageCents)
		return audit.Append(ctx, tx, a)
	})
	if err != nil {
		return Figures{}, err
	}
	f.AverageWage = money.Yuan(f.AverageWageCents)
	return f, nil
}

func parseDate(field, s string, def time.Time) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def.In(shanghai).Format(time.DateOnly), nil
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return "", apperr.Validation(apperr.Field(field, "format", field+" 应为日期 YYYY-MM-DD。", field+" must be a date (YYYY-MM-DD)."))
	}
	return s, nil
}

// shanghai is the time zone of dates.
var shanghai = time.FixedZone("CST", 8*3600)

// Link records that a registry person works for the employer from a date
// (default today). The person must be in the caller's registry scope (404
// otherwise, the read audited); a person already linked (no end date) is 409.
func (s *Store) Link(ctx context.Context, c Caller, id, personID int64, from string) (Employee, error) {
	_, err := s.get(ctx, c, id) // in the caller's area (404 otherwise)
	if err != nil {
		return Employee{}, err
	}
	if personID <= 0 {
		return Employee{}, apperr.Validation(apperr.Field("person_id", "required", "请填写残疾人的档案编号。", "Enter the person's record number."))
	}
	if from, err = parseDate("from_date", from, s.db.Now()); err != nil {
		return Employee{}, err
	}
	p, err := s.registry.Get(ctx, c.Registry, personID)
	if err != nil {
		return Employee{}, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		added, err := LinkTx(ctx, tx, c.Actor, id, personID, p.OrgUnit, from)
		if err == nil && !added {
			return &apperr.Error{Code: apperr.Conflict, Msg: apperr.T("此人已是该单位的在职职工。", "This person already works for this employer."),
				Fields: []apperr.FieldError{apperr.Field("person_id", "duplicate", "此人已是该单位的在职职工。", "This person already works for this employer.")}}
		}
		return err
	})
	if err != nil {
		return Employee{}, err
	}
	return Employee{PersonID: personID, Name: p.Name, Grade: p.Grade, Active: p.Status == "active", From: from}, nil
}

// Unlink ends a person's employment at the employer on a date (default today).
func (s *Store) Unlink(ctx context.Context, c Caller, id, personID int64, until string) error {
	_, err := s.get(ctx, c, id) // in the caller's area (404 otherwise)
	if err != nil {
		return err
	}
	if until, err = parseDate("until_date", until, s.db.Now()); err != nil {
		return apperr.Validation(apperr.Field("until_date", "format", "离职日期应为日期，格式 YYYY-MM-DD，例如 2026-03-31。",
			"The last day of work must be a date as YYYY-MM-DD, for example 2026-03-31."))
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var from string
		err := tx.QueryRow(ctx, `SELECT from_date FROM employer_employees WHERE employer_id = ? AND person_id = ? AND until_date = ''`, id, personID).Scan(&from)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read employee: %w", err)
		}
		if err == nil && until < from {
			return apperr.Validation(apperr.Field("until_date", "range", fmt.Sprintf("离职日期不能早于入职日期 %s。", from),
				fmt.Sprintf("The last day of work cannot be before the start date, %s.", from)))
		}
		ended, err := EndTx(ctx, tx, c.Actor, id, personID, until)
		if err == nil && !ended {
			return apperr.New(apperr.NotFound, "此人不是该单位的在职职工。", "This person does not work for this employer now.")
		}
		return err
	})
}

// LinkTx makes a person a disabled employee of an employer from a date, in
// tx, with the audit entries of both; false (and nothing written) when the
// person works there already. Placements call it too.
func LinkTx(ctx context.Context, tx *db.Tx, actor audit.Actor, employerID, personID int64, personUnit, from string) (bool, error) {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM employer_employees WHERE employer_id = ? AND person_id = ? AND until_date = ''`, employerID, personID).Scan(&n); err != nil {
		return false, fmt.Errorf("check employee: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	unit, err := employerUnit(ctx, tx, employerID)
	if err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO employer_employees (employer_id, person_id, from_date, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
		employerID, personID, from, actor.Username, db.Millis(tx.Now)); err != nil {
		return false, fmt.Errorf("link employee: %w", err)
	}
	a := actor.Entry(audit.ActionUpdate, SubjectEmployer, strconv.FormatInt(employerID, 10), unit)
	a.Detail = fmt.Sprintf(`{"employee_added":%d,"from_date":%q}`, personID, from)
	b := actor.Entry(audit.ActionUpdate, registry.SubjectPerson, strconv.FormatInt(personID, 10), personUnit)
	b.Detail = fmt.Sprintf(`{"employer":%d,"from_date":%q}`, employerID, from)
	return true, audit.Append(ctx, tx, a, b)
}

// EndTx ends a person's current employment at an employer on until, in tx,
// audited; false (nothing written) when they do not work there now.
func EndTx(ctx context.Context, tx *db.Tx, actor audit.Actor, employerID, personID int64, until string) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE employer_employees SET until_date = ? WHERE employer_id = ? AND person_id = ? AND until_date = ''`, until, employerID, personID)
	if err != nil {
		return false, fmt.Errorf("unlink employee: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	unit, err := employerUnit(ctx, tx, employerID)
	if err != nil {
		return false, err
	}
	a := actor.Entry(audit.ActionUpdate, SubjectEmployer, strconv.FormatInt(employerID, 10), unit)
	a.Detail = fmt.Sprintf(`{"employee_ended":%d,"until_date":%q}`, personID, until)
	return true, audit.Append(ctx, tx, a)
}

func employerUnit(ctx context.Context, tx *db.Tx, id int64) (string, error) {
	var unit string
	if err := tx.QueryRow(ctx, `SELECT orgunit FROM employers WHERE id = ?`, id).Scan(&unit); err != nil {
		return "", fmt.Errorf("read employer %d: %w", id, err)
	}
	return unit, nil
}

// district is the level-2 unit (6 digits) of a unit code.
func district(unit string) string {
	if len(unit) < 6 {
		return unit
	}
	return unit[:6]
}

// Params returns the levy parameters of a district and year: the stored ones,
// else DOMAIN.md's defaults.
func (s *Store) Params(ctx context.Context, unit string, year int) (Params, error) {
	p := DefaultParams()
	p.OrgUnit, p.Year = district(unit), year
	var double bool
	err := s.db.QueryRow(ctx, `SELECT quota_bp, double_count_severe, exempt_max_staff, exempt_until_year, wage_cap_pct, threshold_bp,
		rate_at_or_above_bp, rate_below_bp, social_average_wage_cents, updated_by FROM levy_params WHERE orgunit = ? AND year = ?`, p.OrgUnit, year).Scan(
		&p.QuotaBP, &double, &p.ExemptMaxStaff, &p.ExemptUntilYear, &p.WageCapPct, &p.ThresholdBP, &p.RateAtOrAboveBP, &p.RateBelowBP,
		&p.SocialAverageWageCents, &p.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("read levy parameters: %w", err)
	}
	p.DoubleCountSevere, p.Configured = double, true
	p.SocialAverageWage = money.Yuan(p.SocialAverageWageCents)
	return p, nil
}

// SetParams stores a district's levy parameters for a year (district staff), audited.
func (s *Store) SetParams(ctx context.Context, sc orgunit.Scope, actor audit.Actor, p Params) (Params, error) {
	p.OrgUnit = strings.TrimSpace(p.OrgUnit)
	if len(p.OrgUnit) != 6 || !sc.Contains(p.OrgUnit) {
		return Params{}, apperr.New(apperr.NotFound, "找不到这个区县，或不在您的管辖范围内。", "This district was not found or is outside your area.")
	}
	if err := checkYear(p.Year); err != nil {
		return Params{}, err
	}
	if err := p.Validate(); err != nil {
		return Params{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO levy_params (orgunit, year, quota_bp, double_count_severe, exempt_max_staff, exempt_until_year,
			wage_cap_pct, threshold_bp, rate_at_or_above_bp, rate_below_bp, social_average_wage_cents, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (orgunit, year) DO UPDATE SET quota_bp = excluded.quota_bp, double_count_severe = excluded.double_count_severe,
			exempt_max_staff = excluded.exempt_max_staff, exempt_until_year = excluded.exempt_until_year, wage_cap_pct = excluded.wage_cap_pct,
			threshold_bp = excluded.threshold_bp, rate_at_or_above_bp = excluded.rate_at_or_above_bp, rate_below_bp = excluded.rate_below_bp,
			social_average_wage_cents = excluded.social_average_wage_cents, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			p.OrgUnit, p.Year, p.QuotaBP, p.DoubleCountSevere, p.ExemptMaxStaff, p.ExemptUntilYear, p.WageCapPct, p.ThresholdBP,
			p.RateAtOrAboveBP, p.RateBelowBP, p.SocialAverageWageCents, actor.Username, db.Millis(tx.Now)); err != nil {
			return fmt.Errorf("set levy parameters: %w", err)
		}
		e := actor.Entry(audit.ActionUpdate, SubjectLevyParam, fmt.Sprintf("%s/%d", p.OrgUnit, p.Year), p.OrgUnit)
		e.Detail = fmt.Sprintf(`{"quota_bp":%d,"double_count_severe":%t,"exempt_max_staff":%d,"exempt_until_year":%d,"wage_cap_pct":%d,"threshold_bp":%d,"rate_at_or_above_bp":%d,"rate_below_bp":%d,"social_average_wage_cents":%d}`,
			p.QuotaBP, p.DoubleCountSevere, p.ExemptMaxStaff, p.ExemptUntilYear, p.WageCapPct, p.ThresholdBP, p.RateAtOrAboveBP, p.RateBelowBP, p.SocialAverageWageCents)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Params{}, err
	}
	return s.Params(ctx, p.OrgUnit, p.Year)
}

// contactPhone reads the stored contact phone of an employer in scope (for
// an edit that keeps it); it is never shown.
func (s *Store) contactPhone(ctx context.Context, c Caller, id int64) (string, error) {
	where, args := c.where()
	var sealed []byte
	err := s.db.QueryRow(ctx, `SELECT e.contact_phone_enc FROM employers e WHERE e.id = ? AND `+where, append([]any{id}, args...)...).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.ErrNotFound()
	}
	if err != nil {
		return "", fmt.Errorf("read contact phone: %w", err)
	}
	if len(sealed) == 0 {
		return "", nil
	}
	return s.vault.Open(fPhone, sealed)
}

// DemoAccessibility is a plausible set of accessibility features for the
// i-th demo employer.
func DemoAccessibility(i int) []string {
	var out []string
	for j, f := range Accessibility {
		if (i+j)%3 == 0 {
			out = append(out, f.Code)
		}
	}
	return out
}

// ThisYear is the current year in China.
func (s *Store) ThisYear() int { return s.db.Now().In(shanghai).Year() }
