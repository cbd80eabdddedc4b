package centres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/registry"
)

// Enrolment is a person's place at a centre (or on its waiting list).
type Enrolment struct {
	ID             int64      `json:"id"`
	CentreID       int64      `json:"centre_id"`
	CentreName     string     `json:"centre_name"`
	CentreNameEn   string     `json:"-"`
	CentreKind     string     `json:"centre_kind"`
	CentreUnit     string     `json:"centre_orgunit"`
	PersonID       int64      `json:"person_id"`
	PersonName     string     `json:"person_name"`
	Place          string     `json:"place"` // the person's village, in Chinese
	PlaceEn        string     `json:"-"`
	Sex            string     `json:"sex"`
	Age            int        `json:"age"`
	Category       int        `json:"category"`
	State          string     `json:"state"`
	OverrideReason string     `json:"override_reason,omitempty"`
	RequestedAt    time.Time  `json:"requested_at"`
	EnrolledAt     *time.Time `json:"enrolled_at,omitempty"`
	LeftAt         *time.Time `json:"left_at,omitempty"`
	LeftReason     string     `json:"left_reason,omitempty"`
	// Position is the place on the waiting list (1: next), 0 otherwise.
	Position int `json:"position,omitempty"`
	Version  int `json:"version"`
}

// Centre is the name of the enrolment's centre in a language.
func (e Enrolment) Centre(lang string) string { return apperr.T(e.CentreName, e.CentreNameEn).In(lang) }

// Village is the person's village in a language.
func (e Enrolment) Village(lang string) string { return apperr.T(e.Place, e.PlaceEn).In(lang) }

const enrolmentCols = `e.id, e.centre_id, c.name, c.name_en, c.kind, c.orgunit, e.person_id, p.name, COALESCE(o.name, ''), COALESCE(o.name_en, ''), p.sex, p.birth_year, p.category,
	e.state, e.override_reason, e.requested_at, e.enrolled_at, e.left_at, e.left_reason, e.version, p.orgunit`

const enrolmentFrom = ` FROM centre_enrolments e JOIN centres c ON c.id = e.centre_id JOIN persons p ON p.id = e.person_id LEFT JOIN orgunits o ON o.code = p.orgunit`

func scanEnrolment(sc interface{ Scan(...any) error }, year int) (Enrolment, string, error) {
	var e Enrolment
	var by int
	var req int64
	var enrolled, left *int64
	var unit string
	err := sc.Scan(&e.ID, &e.CentreID, &e.CentreName, &e.CentreNameEn, &e.CentreKind, &e.CentreUnit, &e.PersonID, &e.PersonName, &e.Place, &e.PlaceEn, &e.Sex, &by, &e.Category,
		&e.State, &e.OverrideReason, &req, &enrolled, &left, &e.LeftReason, &e.Version, &unit)
	e.Age = year - by
	e.RequestedAt = time.UnixMilli(req)
	if enrolled != nil {
		t := time.UnixMilli(*enrolled)
		e.EnrolledAt = &t
	}
	if left != nil {
		t := time.UnixMilli(*left)
		e.LeftAt = &t
	}
	return e, unit, err
}

// Enrolments lists those enrolled at a centre and its waiting list (in
// order): everyone for those who run the centre, else the persons of the
// caller's scope; each person shown is recorded in the audit log.
func (s *Store) Enrolments(ctx context.Context, c access.Caller, centreID int64) ([]Enrolment, error) {
	ce, err := s.Centre(ctx, c, centreID)
	if err != nil {
		return nil, err
	}
	where, args := whoWhere(c, ce, "e.person_id", "p.orgunit")
	rows, err := s.db.Query(ctx, `SELECT `+enrolmentCols+enrolmentFrom+` WHERE e.centre_id = ? AND e.state <> 'left' AND `+where+`
		ORDER BY CASE e.state WHEN 'enrolled' THEN 0 ELSE 1 END, CASE e.state WHEN 'enrolled' THEN p.name ELSE '' END, e.requested_at, e.id`,
		append([]any{centreID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("list enrolments: %w", err)
	}
	out, err := s.collect(rows)
	if err != nil {
		return nil, err
	}
	// The waiting list's positions count everyone waiting, in or out of
	// the caller's scope.
	if err := s.positions(ctx, s.db, centreID, out); err != nil {
		return nil, err
	}
	return out, s.listed(ctx, c, out)
}

func (s *Store) collect(rows *sql.Rows) ([]Enrolment, error) {
	defer func() { _ = rows.Close() }()
	year := s.db.Now().In(shanghai).Year()
	out := []Enrolment{}
	for rows.Next() {
		e, _, err := scanEnrolment(rows, year)
		if err != nil {
			return nil, fmt.Errorf("list enrolments: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *Store) positions(ctx context.Context, q querier, centreID int64, es []Enrolment) error {
	rows, err := q.Query(ctx, `SELECT id FROM centre_enrolments WHERE centre_id = ? AND state = 'waiting' ORDER BY requested_at, id`, centreID)
	if err != nil {
		return fmt.Errorf("read waiting list: %w", err)
	}
	defer func() { _ = rows.Close() }()
	pos := map[int64]int{}
	for n := 1; rows.Next(); n++ {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("read waiting list: %w", err)
		}
		pos[id] = n
	}
	for i := range es {
		if es[i].State == "waiting" {
			es[i].Position = pos[es[i].ID]
		}
	}
	return rows.Err()
}

// listed records in the audit log that the caller saw these persons.
func (s *Store) listed(ctx context.Context, c access.Caller, es []Enrolment) error {
	if len(es) == 0 {
		return nil
	}
	entries := make([]audit.Entry, 0, len(es))
	for _, e := range es {
		entries = append(entries, c.Actor.Entry(audit.ActionList, registry.SubjectPerson, strconv.FormatInt(e.PersonID, 10), ""))
	}
	return s.log.Record(ctx, entries...)
}

// PersonCentres lists a person's enrolments (past ones too), for the
// person's page and their own home page: staff of the person's area, or the
// person themself.
func (s *Store) PersonCentres(ctx context.Context, c access.Caller, personID int64) ([]Enrolment, error) {
	if !IsStaff(c) && !(c.Actor.Role == identity.Person && c.PersonID == personID) {
		return []Enrolment{}, nil
	}
	where, args := c.Where("e.person_id", "p.orgunit")
	rows, err := s.db.Query(ctx, `SELECT `+enrolmentCols+enrolmentFrom+` WHERE e.person_id = ? AND `+where+` ORDER BY e.requested_at DESC, e.id DESC`,
		append([]any{personID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("list enrolments: %w", err)
	}
	out, err := s.collect(rows)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].State == "waiting" {
			if err := s.positions(ctx, s.db, out[i].CentreID, out[i:i+1]); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Enrolment reads one enrolment at a centre the caller sees, of a person of
// their scope or at a centre they run.
func (s *Store) Enrolment(ctx context.Context, c access.Caller, id int64) (Enrolment, error) {
	return s.enrolment(ctx, s.db, c, id)
}

func (s *Store) enrolment(ctx context.Context, q querier, c access.Caller, id int64) (Enrolment, error) {
	if !IsStaff(c) {
		return Enrolment{}, notFound()
	}
	e, unit, err := scanEnrolment(q.QueryRow(ctx, `SELECT `+enrolmentCols+enrolmentFrom+` WHERE e.id = ?`, id), s.db.Now().In(shanghai).Year())
	if errors.Is(err, sql.ErrNoRows) {
		return Enrolment{}, notFound()
	}
	if err != nil {
		return Enrolment{}, fmt.Errorf("read enrolment: %w", err)
	}
	ce, err := s.centre(ctx, q, c, e.CentreID)
	if err != nil {
		return Enrolment{}, err
	}
	if !c.Scope.Contains(unit) && !Runs(c, ce) {
		return Enrolment{}, notFound()
	}
	if e.State == "waiting" {
		es := []Enrolment{e}
		if err := s.positions(ctx, q, e.CentreID, es); err != nil {
			return Enrolment{}, err
		}
		e = es[0]
	}
	return e, nil
}

// EnrolInput enrols a person. Waitlist puts them on the waiting list when
// the centre is full (else a full centre is refused); Override, given by
// district staff, is the reason to enrol someone outside the intake rule.
type EnrolInput struct {
	PersonID int64  `json:"person_id"`
	Waitlist bool   `json:"waitlist,omitempty" in:"optional"`
	Override string `json:"override_reason,omitempty" in:"optional"`
}

// applicant reads a person in the caller's scope as an intake rule sees
// them (404 outside the scope, as for a missing record).
func applicant(ctx context.Context, q querier, c access.Caller, personID int64, year int) (Applicant, string, error) {
	where, args := c.Where("p.id", "p.orgunit")
	var a Applicant
	var comps, status string
	var by int
	err := q.QueryRow(ctx, `SELECT p.category, p.components, p.sex, p.birth_year, p.orgunit, p.status FROM persons p WHERE p.id = ? AND `+where,
		append([]any{personID}, args...)...).Scan(&a.Category, &comps, &a.Sex, &by, &a.OrgUnit, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return a, "", invalid("person_id", "not_found", "未找到该残疾人（或不在您的辖区）。", "No such person in your area.")
	}
	if err != nil {
		return a, "", fmt.Errorf("read person: %w", err)
	}
	a.Age = year - by
	for _, s := range strings.Split(comps, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			a.Components = append(a.Components, n)
		}
	}
	return a, status, nil
}

// Enrol enrols a person of the caller's scope at a centre the caller sees
// (staff). The person must be registered (active) and meet the centre's
// intake rule (422 naming it) unless district staff give a reason to
// override; a full centre is refused (409) unless the person is to wait.
// Once per person and centre (409). Audited.
func (s *Store) Enrol(ctx context.Context, c access.Caller, centreID int64, in EnrolInput) (Enrolment, error) {
	ce, err := s.Centre(ctx, c, centreID)
	if err != nil {
		return Enrolment{}, err
	}
	if fe := text("override_reason", &in.Override, false, MaxReason, "破例原因", "reason for the exception"); fe != nil {
		return Enrolment{}, apperr.Validation(*fe)
	}
	if in.Override != "" && c.Actor.Role != identity.DistrictStaff {
		return Enrolment{}, invalid("override_reason", "district_only", "只有区残联工作人员可以破例招收。", "Only district staff may enrol someone outside the intake rule.")
	}
	if !ce.Active {
		return Enrolment{}, invalid("centre", "closed", "该中心已停用，不能招收。", "The centre is closed: it takes no one.")
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		// Lock the centre: two enrolments for its last place go one after
		// the other.
		var capacity int
		if err := tx.QueryRow(ctx, `SELECT capacity FROM centres WHERE id = ?`+tx.ForUpdate(), centreID).Scan(&capacity); err != nil {
			return fmt.Errorf("lock centre: %w", err)
		}
		a, status, err := applicant(ctx, tx, c, in.PersonID, tx.Now.In(shanghai).Year())
		if err != nil {
			return err
		}
		if status != "active" {
			return invalid("person_id", "not_active", "该残疾人的登记已注销或迁出，不能招收。", "The person's registration is not active.")
		}
		if r := Intake(ce.Kind, ce.OrgUnit, a); r != nil && in.Override == "" {
			return &apperr.Error{Code: apperr.Invalid, Msg: apperr.T("不符合招收条件："+r.Zh, "Outside the intake rule: "+r.En),
				Fields: []apperr.FieldError{apperr.Field("person_id", r.Code, "不符合招收条件："+r.Zh, "Outside the intake rule: "+r.En)}}
		}
		var dup int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM centre_enrolments WHERE centre_id = ? AND person_id = ? AND state <> 'left'`, centreID, in.PersonID).Scan(&dup); err != nil {
			return fmt.Errorf("check enrolment: %w", err)
		}
		if dup > 0 {
			return conflict("person_id", "duplicate", "该残疾人已在本中心登记或候补。", "The person is already enrolled at this centre or waiting.")
		}
		var enrolled int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM centre_enrolments WHERE centre_id = ? AND state = 'enrolled'`, centreID).Scan(&enrolled); err != nil {
			return fmt.Errorf("count enrolled: %w", err)
		}
		state := "enrolled"
		var at any = db.Millis(tx.Now)
		if enrolled >= capacity {
			if !in.Waitlist {
				return conflict("centre", "full", "该中心已满（名额"+strconv.Itoa(capacity)+"人），可加入候补名单。",
					"The centre is full ("+strconv.Itoa(capacity)+" places): the person may join the waiting list.")
			}
			state, at = "waiting", nil
		}
		if err := tx.QueryRow(ctx, `INSERT INTO centre_enrolments (centre_id, person_id, state, override_reason, requested_at, enrolled_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, centreID, in.PersonID, state, in.Override, db.Millis(tx.Now), at, c.Actor.Username).Scan(&id); err != nil {
			return fmt.Errorf("insert enrolment: %w", err)
		}
		e := c.Actor.Entry(audit.ActionUpdate, registry.SubjectPerson, strconv.FormatInt(in.PersonID, 10), a.OrgUnit)
		e.Detail = fmt.Sprintf(`{"centre":%d,"enrolment":%d,"state":%q}`, centreID, id, state)
		e.Reason = in.Override
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Enrolment{}, err
	}
	return s.Enrolment(ctx, c, id)
}

// Leave ends an enrolment (or takes the person off the waiting list) with a
// reason, and gives a freed place to the first on the waiting list who
// still meets the intake rule (or was admitted by an exception). Staff who
// run the centre, or staff of the person's area. Audited.
func (s *Store) Leave(ctx context.Context, c access.Caller, id int64, reason string, version int) (Enrolment, error) {
	e, err := s.Enrolment(ctx, c, id)
	if err != nil {
		return Enrolment{}, err
	}
	if fe := text("reason", &reason, true, MaxReason, "离开原因", "reason"); fe != nil {
		return Enrolment{}, apperr.Validation(*fe)
	}
	if e.State == "left" {
		return Enrolment{}, conflict("state", "left", "该登记已结束。", "The enrolment has already ended.")
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT capacity FROM centres WHERE id = ?`+tx.ForUpdate(), e.CentreID); err != nil {
			return fmt.Errorf("lock centre: %w", err)
		}
		res, err := tx.Exec(ctx, `UPDATE centre_enrolments SET state = 'left', left_at = ?, left_reason = ?, version = version + 1 WHERE id = ? AND version = ? AND state <> 'left'`,
			db.Millis(tx.Now), reason, id, version)
		if err != nil {
			return fmt.Errorf("end enrolment: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("end enrolment: %w", err)
		} else if n == 0 {
			return apperr.ErrStale()
		}
		ae := c.Actor.Entry(audit.ActionUpdate, registry.SubjectPerson, strconv.FormatInt(e.PersonID, 10), "")
		ae.Detail = fmt.Sprintf(`{"centre":%d,"enrolment":%d,"state":"left"}`, e.CentreID, id)
		ae.Reason = reason
		if err := audit.Append(ctx, tx, ae); err != nil {
			return err
		}
		if e.State == "enrolled" {
			return s.promote(ctx, tx, c, e.CentreID)
		}
		return nil
	})
	if err != nil {
		return Enrolment{}, err
	}
	return s.Enrolment(ctx, c, id)
}

// promote gives the centre's free places to the waiting list, in order.
func (s *Store) promote(ctx context.Context, tx *db.Tx, c access.Caller, centreID int64) error {
	var capacity, enrolled int
	var kind, unit string
	if err := tx.QueryRow(ctx, `SELECT capacity, kind, orgunit, (SELECT count(*) FROM centre_enrolments WHERE centre_id = ? AND state = 'enrolled') FROM centres WHERE id = ?`,
		centreID, centreID).Scan(&capacity, &kind, &unit, &enrolled); err != nil {
		return fmt.Errorf("read centre: %w", err)
	}
	if enrolled >= capacity {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT e.id, e.person_id, e.override_reason, p.category, p.components, p.sex, p.birth_year, p.orgunit, p.status
		FROM centre_enrolments e JOIN persons p ON p.id = e.person_id WHERE e.centre_id = ? AND e.state = 'waiting' ORDER BY e.requested_at, e.id`, centreID)
	if err != nil {
		return fmt.Errorf("read waiting list: %w", err)
	}
	type next struct {
		id, person int64
		unit       string
	}
	var take []next
	year := tx.Now.In(shanghai).Year()
	for rows.Next() && enrolled+len(take) < capacity {
		var n next
		var override, comps, status string
		var a Applicant
		var by int
		if err := rows.Scan(&n.id, &n.person, &override, &a.Category, &comps, &a.Sex, &by, &a.OrgUnit, &status); err != nil {
			_ = rows.Close()
			return fmt.Errorf("read waiting list: %w", err)
		}
		a.Age = year - by
		for _, s := range strings.Split(comps, ",") {
			if v, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
				a.Components = append(a.Components, v)
			}
		}
		if status == "active" && (override != "" || Intake(kind, unit, a) == nil) {
			n.unit = a.OrgUnit
			take = append(take, n)
		}
	}
	if err := rows.Err(); err != nil {
		_ = rows.Close()
		return fmt.Errorf("read waiting list: %w", err)
	}
	_ = rows.Close()
	for _, n := range take {
		if _, err := tx.Exec(ctx, `UPDATE centre_enrolments SET state = 'enrolled', enrolled_at = ?, version = version + 1 WHERE id = ?`, db.Millis(tx.Now), n.id); err != nil {
			return fmt.Errorf("admit from the waiting list: %w", err)
		}
		ae := c.Actor.Entry(audit.ActionUpdate, registry.SubjectPerson, strconv.FormatInt(n.person, 10), n.unit)
		ae.Detail = fmt.Sprintf(`{"centre":%d,"enrolment":%d,"state":"enrolled","from":"waiting"}`, centreID, n.id)
		if err := audit.Append(ctx, tx, ae); err != nil {
			return err
		}
	}
	return nil
}
