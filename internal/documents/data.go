// Package documents makes the printable documents staff hand out and file:
// a device handover receipt, a loan card, a renovation acceptance form, a
// volunteer hours certificate, a subsidy decision letter and a levy
// statement — each a print page and a PDF (internal/platform/printdoc).
//
// It reads the records with its own queries of the other modules' tables
// (cases, device_loans, volunteer_hours, benefit_roster_rows …), restricted
// to what the caller may see exactly as the record it prints: out of scope
// answers 404 like a missing record. The levy's figures come from the
// employment module through a function the app hands over (the levy formula
// is employment's). Every document about a person is audited as a read of
// the person.
package documents

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// Store reads the documents' data.
type Store struct {
	db  *db.DB
	log *audit.Log
}

// NewStore returns the documents' store.
func NewStore(d *db.DB, log *audit.Log) *Store { return &Store{db: d, log: log} }

// Subjects of the audit log this module names.
const (
	subjectPerson    = "person"
	subjectVolunteer = "volunteer"
)

// errNotFound is the answer for a missing or out-of-scope record.
var errNotFound = apperr.New(apperr.NotFound, "未找到该记录。", "Not found.")

func notReady(zh, en string) error { return apperr.New(apperr.Conflict, zh, en) }

var shanghai = time.FixedZone("CST", 8*3600)

// day is a stored millisecond time as a Shanghai date.
func day(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).In(shanghai).Format(time.DateOnly)
}

// Issuer is the federation that issues a document: the district's.
type Issuer struct{ Zh, En string }

// issuer names the federation of the district a unit belongs to, read
// from the org units: "上海市嘉定区残疾人联合会" (a county-level city stands
// alone: "昆山市残疾人联合会").
func (s *Store) issuer(ctx context.Context, unit string) (Issuer, error) {
	type u struct {
		name, en, parent string
		level            int
	}
	var chain []u
	code := unit
	for range 5 {
		var x u
		var parent sql.NullString
		err := s.db.QueryRow(ctx, `SELECT name, name_en, level, parent FROM orgunits WHERE code = ?`, code).Scan(&x.name, &x.en, &x.level, &parent)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return Issuer{}, fmt.Errorf("read org unit %s: %w", code, err)
		}
		x.parent = parent.String
		chain = append(chain, x)
		if x.level <= 1 || x.parent == "" {
			break
		}
		code = x.parent
	}
	var city, dist *u
	for i := range chain {
		switch chain[i].level {
		case 1:
			city = &chain[i]
		case 2:
			dist = &chain[i]
		}
	}
	switch {
	case dist != nil && city != nil && !strings.HasSuffix(dist.name, "市"):
		return Issuer{city.name + dist.name + "残疾人联合会", dist.en + " Disabled Persons' Federation, " + city.en}, nil
	case dist != nil:
		return Issuer{dist.name + "残疾人联合会", dist.en + " Disabled Persons' Federation"}, nil
	case city != nil:
		return Issuer{city.name + "残疾人联合会", city.en + " Disabled Persons' Federation"}, nil
	}
	return Issuer{"残疾人联合会", "Disabled Persons' Federation"}, nil
}

// Person is what a document says of a person.
type Person struct {
	ID                 int64
	Name, IDMasked     string
	Address, OrgUnit   string
	Guardian, Category string
	Grade              int
}

// CaseData is a case as the documents read it.
type CaseData struct {
	ID          int64
	ServiceType string
	State       string
	Data        map[string]any
	Person      Person
	CreatedAt   int64
	ClosedAt    int64
}

// Case reads a case the caller may see (404 otherwise), with its person.
func (s *Store) Case(ctx context.Context, c access.Caller, id int64) (CaseData, error) {
	where, args := c.CaseWhere("c")
	var cs CaseData
	var raw string
	err := s.db.QueryRow(ctx, `SELECT c.id, c.service_type, c.state, c.data, c.created_at, c.closed_at,
		p.id, p.name, p.id_masked, p.address, p.orgunit, p.guardian_name, p.grade
		FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id = ? AND `+where, append([]any{id}, args...)...).
		Scan(&cs.ID, &cs.ServiceType, &cs.State, &raw, &cs.CreatedAt, &cs.ClosedAt,
			&cs.Person.ID, &cs.Person.Name, &cs.Person.IDMasked, &cs.Person.Address, &cs.Person.OrgUnit, &cs.Person.Guardian, &cs.Person.Grade)
	if errors.Is(err, sql.ErrNoRows) {
		return CaseData{}, errNotFound
	}
	if err != nil {
		return CaseData{}, fmt.Errorf("read case %d: %w", id, err)
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&cs.Data); err != nil {
		return CaseData{}, fmt.Errorf("read case %d's data: %w", id, err)
	}
	return cs, nil
}

// Item is a device of a case: from the catalogue, with its loan if lent.
type Item struct {
	Code, Name, NameEn, Mode string
	LentOn, DueDate          string
	Returned                 bool
}

// Items reads the catalogue entries of codes, in order, with the case's
// loans of them.
func (s *Store) Items(ctx context.Context, caseID int64, codes []string) ([]Item, error) {
	out := make([]Item, 0, len(codes))
	for _, code := range codes {
		it := Item{Code: code, Name: code, NameEn: code}
		err := s.db.QueryRow(ctx, `SELECT name, name_en, mode FROM device_catalogue WHERE code = ?`, code).Scan(&it.Name, &it.NameEn, &it.Mode)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("read catalogue %s: %w", code, err)
		}
		var lent, returned int64
		err = s.db.QueryRow(ctx, `SELECT lent_at, due_date, returned_at FROM device_loans WHERE case_id = ? AND code = ?`, caseID, code).Scan(&lent, &it.DueDate, &returned)
		switch {
		case err == nil:
			it.LentOn, it.Returned = day(lent), returned != 0
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("read loan %s: %w", code, err)
		}
		out = append(out, it)
	}
	return out, nil
}

// ServicePoint names a service point.
func (s *Store) ServicePoint(ctx context.Context, id int64) (zh, en string, err error) {
	err = s.db.QueryRow(ctx, `SELECT name, name_en FROM service_points WHERE id = ?`, id).Scan(&zh, &en)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("read service point %d: %w", id, err)
	}
	return zh, en, nil
}

// ActionDay is the date a case's action was last taken ("" when never).
func (s *Store) ActionDay(ctx context.Context, caseID int64, action string) (string, error) {
	var at int64
	err := s.db.QueryRow(ctx, `SELECT at FROM case_events WHERE case_id = ? AND action = ? ORDER BY id DESC LIMIT 1`, caseID, action).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read case %d's %s: %w", caseID, action, err)
	}
	return day(at), nil
}

// readPerson records a read of a person by a document.
func (s *Store) readPerson(ctx context.Context, c access.Caller, p Person, doc string) error {
	e := c.Actor.Entry(audit.ActionRead, subjectPerson, strconv.FormatInt(p.ID, 10), p.OrgUnit)
	e.Detail = fmt.Sprintf(`{"document":%q}`, doc)
	return s.log.Record(ctx, e)
}

// Volunteer is a volunteer's approved service, for the certificate.
type Volunteer struct {
	ID                int64
	Name, OrgUnit     string
	Team, TeamEn      string
	Minutes           int64
	Tasks             int
	FirstDay, LastDay string
}

// VolunteerHours reads a volunteer the caller may see (staff in scope, the
// volunteer themself; 404 otherwise) and their approved hours.
func (s *Store) VolunteerHours(ctx context.Context, c access.Caller, id int64) (Volunteer, error) {
	var v Volunteer
	q := `SELECT v.id, v.name, v.orgunit, t.name, t.name_en FROM volunteers v JOIN volunteer_teams t ON t.code = v.team WHERE v.id = ?`
	args := []any{id}
	if c.VolunteerID != 0 {
		q += ` AND v.id = ?`
		args = append(args, c.VolunteerID)
	} else {
		lo, hi := c.Scope.Range()
		q += ` AND v.orgunit >= ? AND v.orgunit < ?`
		args = append(args, lo, hi)
	}
	err := s.db.QueryRow(ctx, q, args...).Scan(&v.ID, &v.Name, &v.OrgUnit, &v.Team, &v.TeamEn)
	if errors.Is(err, sql.ErrNoRows) {
		return Volunteer{}, errNotFound
	}
	if err != nil {
		return Volunteer{}, fmt.Errorf("read volunteer %d: %w", id, err)
	}
	var first, last sql.NullInt64
	err = s.db.QueryRow(ctx, `SELECT COALESCE(SUM(h.minutes), 0), COUNT(DISTINCT h.task_id), MIN(t.starts_at), MAX(t.starts_at)
		FROM volunteer_hours h JOIN volunteer_tasks t ON t.id = h.task_id WHERE h.volunteer_id = ? AND h.state = 'approved'`, id).
		Scan(&v.Minutes, &v.Tasks, &first, &last)
	if err != nil {
		return Volunteer{}, fmt.Errorf("read volunteer %d's hours: %w", id, err)
	}
	v.FirstDay, v.LastDay = day(first.Int64), day(last.Int64)
	e := c.Actor.Entry(audit.ActionRead, subjectVolunteer, strconv.FormatInt(id, 10), v.OrgUnit)
	e.Detail = `{"document":"hours"}`
	return v, s.log.Record(ctx, e)
}

// Subsidy is a person's benefit as the approved rosters pay it.
type Subsidy struct {
	Person                 Person
	Benefit, Rule          string
	RuleZh, RuleEn         string
	AmountCents            int64
	FirstMonth, LastMonth  string
	Months                 int
	RosterID               int64
	RosterUnit, ApprovedOn string
}

// PersonSubsidy reads the latest approved roster row of a person the caller
// may see (benefit "" : of any benefit), with the months the approved
// rosters have paid it at the same amount.
func (s *Store) PersonSubsidy(ctx context.Context, c access.Caller, personID int64, benefit string) (Subsidy, error) {
	where, args := c.Where("p.id", "p.orgunit")
	var sb Subsidy
	p := &sb.Person
	err := s.db.QueryRow(ctx, `SELECT p.id, p.name, p.id_masked, p.address, p.orgunit, p.guardian_name, p.grade FROM persons p WHERE p.id = ? AND `+where,
		append([]any{personID}, args...)...).Scan(&p.ID, &p.Name, &p.IDMasked, &p.Address, &p.OrgUnit, &p.Guardian, &p.Grade)
	if errors.Is(err, sql.ErrNoRows) {
		return Subsidy{}, errNotFound
	}
	if err != nil {
		return Subsidy{}, fmt.Errorf("read person %d: %w", personID, err)
	}
	q := `SELECT r.benefit, r.month, r.id, r.orgunit, r.decided_at, w.amount_cents, w.rule FROM benefit_roster_rows w JOIN benefit_rosters r ON r.id = w.roster_id
		WHERE w.person_id = ? AND r.state = 'approved'`
	qargs := []any{personID}
	if benefit != "" {
		q += ` AND r.benefit = ?`
		qargs = append(qargs, benefit)
	}
	var decided int64
	err = s.db.QueryRow(ctx, q+` ORDER BY r.month DESC, r.id DESC LIMIT 1`, qargs...).
		Scan(&sb.Benefit, &sb.LastMonth, &sb.RosterID, &sb.RosterUnit, &decided, &sb.AmountCents, &sb.Rule)
	if errors.Is(err, sql.ErrNoRows) {
		if err := s.readPerson(ctx, c, sb.Person, "subsidy"); err != nil {
			return Subsidy{}, err
		}
		return Subsidy{}, notReady("这个人还没有列入已审核的补贴发放名册，无法出具核定通知书。",
			"This person is on no approved subsidy roster yet: there is no decision to print.")
	}
	if err != nil {
		return Subsidy{}, fmt.Errorf("read person %d's subsidy: %w", personID, err)
	}
	sb.ApprovedOn = day(decided)
	// The period: the run of approved months at this amount, back from the latest.
	rows, err := s.db.Query(ctx, `SELECT r.month, w.amount_cents FROM benefit_roster_rows w JOIN benefit_rosters r ON r.id = w.roster_id
		WHERE w.person_id = ? AND r.state = 'approved' AND r.benefit = ? ORDER BY r.month DESC`, personID, sb.Benefit)
	if err != nil {
		return Subsidy{}, fmt.Errorf("read person %d's subsidy months: %w", personID, err)
	}
	sb.FirstMonth = sb.LastMonth
	for rows.Next() {
		var month string
		var cents int64
		if err := rows.Scan(&month, &cents); err != nil {
			_ = rows.Close()
			return Subsidy{}, fmt.Errorf("read person %d's subsidy months: %w", personID, err)
		}
		if cents != sb.AmountCents {
			break
		}
		if month != sb.FirstMonth || sb.Months == 0 {
			sb.Months++
		}
		sb.FirstMonth = month
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return Subsidy{}, fmt.Errorf("read person %d's subsidy months: %w", personID, err)
	}
	err = s.db.QueryRow(ctx, `SELECT title_zh, title_en FROM benefit_rules WHERE code = ? AND effective_from <= ? ORDER BY effective_from DESC LIMIT 1`,
		sb.Rule, sb.LastMonth+"-31").Scan(&sb.RuleZh, &sb.RuleEn)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Subsidy{}, fmt.Errorf("read rule %s: %w", sb.Rule, err)
	}
	return sb, s.readPerson(ctx, c, sb.Person, "subsidy")
}

// LevyFigures are an employer's levy of a year, as the levy page computes them.
type LevyFigures struct {
	EmployerID            int64
	Employer, USCC        string
	Address, OrgUnit      string
	Year, Staff           int
	AverageWageCents      int64
	RequiredU, CountedU   int64 // in 1/10,000 persons
	Employees, Severe     int
	ShortPeople           int
	WageBaseCents         int64
	GrossCents, DueCents  int64
	RateBP, QuotaBP       int
	Exempt, AtOrAboveRate bool
}
