package centres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/registry"
)

// Subjects of the audit log.
const (
	SubjectCentre    = "centre"
	SubjectEnrolment = "centre_enrolment"
)

// Store keeps the centres. Every method takes the caller.
type Store struct {
	db    *db.DB
	units *orgunit.Store
	log   *audit.Log
	// Changed is told, inside the transaction, whose attendance at a
	// culture or sport programme changed (the indicators keep
	// culture_sports_rate live with it).
	Changed registry.ChangeHook
}

// NewStore returns a store.
func NewStore(d *db.DB, units *orgunit.Store, log *audit.Log) *Store {
	return &Store{db: d, units: units, log: log}
}

type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func notFound() error {
	return apperr.New(apperr.NotFound, "未找到该记录。", "Not found.")
}

func conflict(field, code, zh, en string) error {
	return &apperr.Error{Code: apperr.Conflict, Msg: apperr.T(zh, en), Fields: []apperr.FieldError{apperr.Field(field, code, zh, en)}}
}

func invalid(field, code, zh, en string) error {
	return apperr.Validation(apperr.Field(field, code, zh, en))
}

// IsStaff says whether the caller is federation staff at some level (the
// roles that run centres).
func IsStaff(c access.Caller) bool {
	switch c.Actor.Role {
	case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant:
		return true
	}
	return false
}

// CanManage says whether the caller may add and change centres and their
// programmes (district and town staff).
func CanManage(c access.Caller) bool {
	return c.Actor.Role == identity.DistrictStaff || c.Actor.Role == identity.TownStaff
}

// sees says whether staff of scope sc see a centre of unit: one of their
// area, or of a unit above them (a village assistant enrols its villagers at
// the town's Sunshine Home).
func sees(sc orgunit.Scope, unit string) bool {
	return sc.Contains(unit) || sc.Prefix != "" && strings.HasPrefix(sc.Prefix, unit)
}

// ---- centres ----

// Centre is a day centre.
type Centre struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	NameEn     string   `json:"name_en,omitempty"`
	Kind       string   `json:"kind"`
	OrgUnit    string   `json:"orgunit"`
	UnitName   string   `json:"orgunit_name"`
	UnitNameEn string   `json:"-"`
	Address    string   `json:"address"`
	Capacity   int      `json:"capacity"`
	Days       []string `json:"days"`
	Staff      string   `json:"staff"`
	Active     bool     `json:"active"`
	Enrolled   int      `json:"enrolled"`
	Waiting    int      `json:"waiting"`
	Version    int      `json:"version"`
}

// Label is the centre's name in a language.
func (c Centre) Label(lang string) string { return apperr.T(c.Name, c.NameEn).In(lang) }

// Unit is the name of the centre's org unit in a language.
func (c Centre) Unit(lang string) string { return apperr.T(c.UnitName, c.UnitNameEn).In(lang) }

// Free is the number of places left.
func (c Centre) Free() int { return max(0, c.Capacity-c.Enrolled) }

const centreCols = `c.id, c.name, c.name_en, c.kind, c.orgunit, COALESCE(o.name, ''), COALESCE(o.name_en, ''), c.address, c.capacity, c.days, c.staff, c.active, c.version,
	(SELECT count(*) FROM centre_enrolments e WHERE e.centre_id = c.id AND e.state = 'enrolled'),
	(SELECT count(*) FROM centre_enrolments e WHERE e.centre_id = c.id AND e.state = 'waiting')`

const centreFrom = ` FROM centres c LEFT JOIN orgunits o ON o.code = c.orgunit`

func scanCentre(sc interface{ Scan(...any) error }) (Centre, error) {
	var c Centre
	var d string
	err := sc.Scan(&c.ID, &c.Name, &c.NameEn, &c.Kind, &c.OrgUnit, &c.UnitName, &c.UnitNameEn, &c.Address, &c.Capacity, &d, &c.Staff, &c.Active, &c.Version, &c.Enrolled, &c.Waiting)
	c.Days = split(d)
	return c, err
}

// Filter narrows the list of centres.
type Filter struct {
	Kind    string
	OrgUnit string // within this unit's subtree
	All     bool   // closed ones too
}

// Centres lists the centres the caller sees (staff: of their area and of the
// units above it), by org unit and name.
func (s *Store) Centres(ctx context.Context, c access.Caller, f Filter) ([]Centre, error) {
	if !IsStaff(c) {
		return []Centre{}, nil
	}
	lo, hi := c.Scope.Range()
	where := `((c.orgunit >= ? AND c.orgunit < ?)`
	args := []any{lo, hi}
	for _, up := range above(c.Scope.Prefix) {
		where += ` OR c.orgunit = ?`
		args = append(args, up)
	}
	where += `)`
	if f.Kind != "" {
		where += ` AND c.kind = ?`
		args = append(args, f.Kind)
	}
	if f.OrgUnit != "" {
		where += ` AND c.orgunit >= ? AND c.orgunit < ?`
		l, h := orgunit.ScopeOf(f.OrgUnit).Range()
		args = append(args, l, h)
	}
	if !f.All {
		where += ` AND c.active`
	}
	rows, err := s.db.Query(ctx, `SELECT `+centreCols+centreFrom+` WHERE `+where+` ORDER BY c.orgunit, c.name, c.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list centres: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := []Centre{}
	for rows.Next() {
		ce, err := scanCentre(rows)
		if err != nil {
			return nil, fmt.Errorf("list centres: %w", err)
		}
		out = append(out, ce)
	}
	return out, rows.Err()
}

// above lists the codes of the units above a unit (district, town).
func above(code string) []string {
	var out []string
	for _, n := range []int{6, 9} {
		if len(code) > n {
			out = append(out, code[:n])
		}
	}
	return out
}

// Centre reads a centre the caller sees (404 otherwise).
func (s *Store) Centre(ctx context.Context, c access.Caller, id int64) (Centre, error) {
	return s.centre(ctx, s.db, c, id)
}

func (s *Store) centre(ctx context.Context, q querier, c access.Caller, id int64) (Centre, error) {
	if !IsStaff(c) {
		return Centre{}, notFound()
	}
	ce, err := scanCentre(q.QueryRow(ctx, `SELECT `+centreCols+centreFrom+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !sees(c.Scope, ce.OrgUnit) {
		return Centre{}, notFound()
	}
	if err != nil {
		return Centre{}, fmt.Errorf("read centre: %w", err)
	}
	return ce, nil
}

// Runs says whether the caller runs the centre (its unit is in their area):
// they take its roll call, see everyone enrolled and change it.
func Runs(c access.Caller, ce Centre) bool { return IsStaff(c) && c.Scope.Contains(ce.OrgUnit) }

// whoWhere restricts the persons of a centre's lists (alias of their
// id column and org unit column) to those the caller may see there: those
// who run the centre see everyone enrolled at it (by name and village, as
// they need to; a town's Sunshine Home may take people of other towns),
// other staff only the persons of their own area.
func whoWhere(c access.Caller, ce Centre, idCol, unitCol string) (string, []any) {
	if Runs(c, ce) {
		return "1 = 1", nil
	}
	return c.Where(idCol, unitCol)
}

// CentreInput adds or changes a centre.
type CentreInput struct {
	Name     string   `json:"name"`
	NameEn   string   `json:"name_en,omitempty" in:"optional"`
	Kind     string   `json:"kind"`
	OrgUnit  string   `json:"orgunit"`
	Address  string   `json:"address,omitempty" in:"optional"`
	Capacity int      `json:"capacity"`
	Days     []string `json:"days,omitempty" in:"optional"`
	Staff    string   `json:"staff,omitempty" in:"optional"`
	Active   *bool    `json:"active,omitempty" in:"optional"`
	Version  int      `json:"version,omitempty" in:"optional"`
}

func (s *Store) checkCentre(ctx context.Context, c access.Caller, in *CentreInput) error {
	var fs []apperr.FieldError
	for _, fe := range []*apperr.FieldError{
		text("name", &in.Name, true, MaxName, "名称", "name"),
		text("name_en", &in.NameEn, false, MaxName, "英文名称", "English name"),
		text("address", &in.Address, false, MaxAddress, "地址", "address"),
		text("staff", &in.Staff, false, MaxStaff, "工作人员", "staff"),
	} {
		if fe != nil {
			fs = append(fs, *fe)
		}
	}
	if !inVocab(Kinds, in.Kind) {
		fs = append(fs, apperr.Field("kind", "invalid", "请选择中心类型。", "Choose the kind of centre."))
	}
	if in.Capacity < 1 || in.Capacity > MaxCapacity {
		fs = append(fs, apperr.Field("capacity", "range", "名额须在 1 到 "+strconv.Itoa(MaxCapacity)+" 之间。", "The capacity must be 1 to "+strconv.Itoa(MaxCapacity)+"."))
	}
	d, fe := days("days", in.Days)
	if fe != nil {
		fs = append(fs, *fe)
	}
	in.Days = d
	in.OrgUnit = strings.TrimSpace(in.OrgUnit)
	if in.OrgUnit == "" || !c.Scope.Contains(in.OrgUnit) {
		fs = append(fs, apperr.Field("orgunit", "scope", "请选择您辖区内的单位。", "Choose a unit of your area."))
	} else if ok, err := s.units.Exists(ctx, in.OrgUnit); err != nil {
		return err
	} else if !ok {
		fs = append(fs, apperr.Field("orgunit", "scope", "请选择您辖区内的单位。", "Choose a unit of your area."))
	}
	if len(fs) > 0 {
		return apperr.Validation(fs...)
	}
	return nil
}

// CreateCentre adds a centre of a unit of the caller's area (district and
// town staff). Audited.
func (s *Store) CreateCentre(ctx context.Context, c access.Caller, in CentreInput) (Centre, error) {
	if !CanManage(c) {
		return Centre{}, apperr.New(apperr.Forbidden, "只有区、街镇工作人员可以添加中心。", "Only district and town staff may add a centre.")
	}
	if err := s.checkCentre(ctx, c, &in); err != nil {
		return Centre{}, err
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO centres (name, name_en, kind, orgunit, address, capacity, days, staff, active, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?) RETURNING id`,
			in.Name, in.NameEn, in.Kind, in.OrgUnit, in.Address, in.Capacity, strings.Join(in.Days, ","), in.Staff, c.Actor.Username, db.Millis(tx.Now)).Scan(&id); err != nil {
			return fmt.Errorf("insert centre: %w", err)
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionCreate, SubjectCentre, strconv.FormatInt(id, 10), in.OrgUnit))
	})
	if err != nil {
		return Centre{}, err
	}
	return s.Centre(ctx, c, id)
}

// UpdateCentre changes a centre the caller runs, with the version read (409
// when stale). A capacity below the number enrolled is refused. Audited.
func (s *Store) UpdateCentre(ctx context.Context, c access.Caller, id int64, in CentreInput) (Centre, error) {
	old, err := s.Centre(ctx, c, id)
	if err != nil {
		return Centre{}, err
	}
	if !CanManage(c) || !Runs(c, old) {
		return Centre{}, apperr.New(apperr.Forbidden, "只有中心所在辖区的区、街镇工作人员可以修改中心。", "Only district and town staff of the centre's area may change it.")
	}
	if err := s.checkCentre(ctx, c, &in); err != nil {
		return Centre{}, err
	}
	active := old.Active
	if in.Active != nil {
		active = *in.Active
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var enrolled int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM centre_enrolments WHERE centre_id = ? AND state = 'enrolled'`, id).Scan(&enrolled); err != nil {
			return fmt.Errorf("count enrolled: %w", err)
		}
		if in.Capacity < enrolled {
			return invalid("capacity", "below_enrolled", "名额不能少于在册人数（"+strconv.Itoa(enrolled)+"人）。",
				"The capacity cannot be below the number enrolled ("+strconv.Itoa(enrolled)+").")
		}
		res, err := tx.Exec(ctx, `UPDATE centres SET name = ?, name_en = ?, kind = ?, orgunit = ?, address = ?, capacity = ?, days = ?, staff = ?, active = ?,
			version = version + 1 WHERE id = ? AND version = ?`,
			in.Name, in.NameEn, in.Kind, in.OrgUnit, in.Address, in.Capacity, strings.Join(in.Days, ","), in.Staff, active, id, in.Version)
		if err != nil {
			return fmt.Errorf("update centre: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("update centre: %w", err)
		} else if n == 0 {
			return apperr.ErrStale()
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionUpdate, SubjectCentre, strconv.FormatInt(id, 10), in.OrgUnit))
	})
	if err != nil {
		return Centre{}, err
	}
	return s.Centre(ctx, c, id)
}

// ---- programmes ----

// Programme is a course, therapy group, work project or activity of a
// centre.
type Programme struct {
	ID       int64    `json:"id"`
	CentreID int64    `json:"centre_id"`
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Days     []string `json:"days"`
	Starts   string   `json:"starts"`
	Ends     string   `json:"ends"`
	Active   bool     `json:"active"`
	Version  int      `json:"version"`
}

// ProgrammeInput adds or changes a programme.
type ProgrammeInput struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Days    []string `json:"days,omitempty" in:"optional"`
	Starts  string   `json:"starts,omitempty" in:"optional"`
	Ends    string   `json:"ends,omitempty" in:"optional"`
	Active  *bool    `json:"active,omitempty" in:"optional"`
	Version int      `json:"version,omitempty" in:"optional"`
}

const programmeCols = `id, centre_id, name, kind, days, starts, ends, active, version`

func scanProgramme(sc interface{ Scan(...any) error }) (Programme, error) {
	var p Programme
	var d string
	err := sc.Scan(&p.ID, &p.CentreID, &p.Name, &p.Kind, &d, &p.Starts, &p.Ends, &p.Active, &p.Version)
	p.Days = split(d)
	return p, err
}

// Programmes lists a centre's programmes (the ended ones too when all).
func (s *Store) Programmes(ctx context.Context, c access.Caller, centreID int64, all bool) ([]Programme, error) {
	if _, err := s.Centre(ctx, c, centreID); err != nil {
		return nil, err
	}
	q := `SELECT ` + programmeCols + ` FROM centre_programmes WHERE centre_id = ?`
	if !all {
		q += ` AND active`
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY name, id`, centreID)
	if err != nil {
		return nil, fmt.Errorf("list programmes: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := []Programme{}
	for rows.Next() {
		p, err := scanProgramme(rows)
		if err != nil {
			return nil, fmt.Errorf("list programmes: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// programme reads one programme of a centre (404 when it is another's).
func (s *Store) programme(ctx context.Context, q querier, centreID, id int64) (Programme, error) {
	p, err := scanProgramme(q.QueryRow(ctx, `SELECT `+programmeCols+` FROM centre_programmes WHERE id = ? AND centre_id = ?`, id, centreID))
	if errors.Is(err, sql.ErrNoRows) {
		return Programme{}, notFound()
	}
	if err != nil {
		return Programme{}, fmt.Errorf("read programme: %w", err)
	}
	return p, nil
}

func checkProgramme(in *ProgrammeInput) error {
	var fs []apperr.FieldError
	if fe := text("name", &in.Name, true, MaxName, "项目名称", "programme name"); fe != nil {
		fs = append(fs, *fe)
	}
	if !inVocab(ProgrammeKinds, in.Kind) {
		fs = append(fs, apperr.Field("kind", "invalid", "请选择项目类型。", "Choose the kind of programme."))
	}
	d, fe := days("days", in.Days)
	if fe != nil {
		fs = append(fs, *fe)
	}
	in.Days = d
	for _, fe := range []*apperr.FieldError{clock("starts", in.Starts), clock("ends", in.Ends)} {
		if fe != nil {
			fs = append(fs, *fe)
		}
	}
	if in.Starts != "" && in.Ends != "" && in.Ends <= in.Starts {
		fs = append(fs, apperr.Field("ends", "order", "结束时间须晚于开始时间。", "The end must be after the start."))
	}
	if len(fs) > 0 {
		return apperr.Validation(fs...)
	}
	return nil
}

// SaveProgramme adds (id 0) or changes a programme of a centre the caller
// runs (district and town staff). Audited as a change of the centre.
func (s *Store) SaveProgramme(ctx context.Context, c access.Caller, centreID, id int64, in ProgrammeInput) (Programme, error) {
	ce, err := s.Centre(ctx, c, centreID)
	if err != nil {
		return Programme{}, err
	}
	if !CanManage(c) || !Runs(c, ce) {
		return Programme{}, apperr.New(apperr.Forbidden, "只有中心所在辖区的区、街镇工作人员可以修改项目。", "Only district and town staff of the centre's area may change its programmes.")
	}
	if err := checkProgramme(&in); err != nil {
		return Programme{}, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if id == 0 {
			if err := tx.QueryRow(ctx, `INSERT INTO centre_programmes (centre_id, name, kind, days, starts, ends, active) VALUES (?, ?, ?, ?, ?, ?, TRUE) RETURNING id`,
				centreID, in.Name, in.Kind, strings.Join(in.Days, ","), in.Starts, in.Ends).Scan(&id); err != nil {
				return fmt.Errorf("insert programme: %w", err)
			}
		} else {
			old, err := s.programme(ctx, tx, centreID, id)
			if err != nil {
				return err
			}
			active := old.Active
			if in.Active != nil {
				active = *in.Active
			}
			res, err := tx.Exec(ctx, `UPDATE centre_programmes SET name = ?, kind = ?, days = ?, starts = ?, ends = ?, active = ?, version = version + 1
				WHERE id = ? AND centre_id = ? AND version = ?`, in.Name, in.Kind, strings.Join(in.Days, ","), in.Starts, in.Ends, active, id, centreID, in.Version)
			if err != nil {
				return fmt.Errorf("update programme: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("update programme: %w", err)
			} else if n == 0 {
				return apperr.ErrStale()
			}
			if CountsForCulture(old.Kind) != CountsForCulture(in.Kind) {
				// Who attended it now counts (or no longer counts) toward
				// culture_sports_rate.
				if err := s.attendeesChanged(ctx, tx, `programme_id = ?`, id); err != nil {
					return err
				}
			}
		}
		e := c.Actor.Entry(audit.ActionUpdate, SubjectCentre, strconv.FormatInt(centreID, 10), ce.OrgUnit)
		e.Detail = fmt.Sprintf(`{"programme":%d}`, id)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Programme{}, err
	}
	return s.programme(ctx, s.db, centreID, id)
}

// attendeesChanged tells the hook about everyone with a roll-call row that
// where selects (its arguments args).
func (s *Store) attendeesChanged(ctx context.Context, tx *db.Tx, where string, args ...any) error {
	if s.Changed == nil {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT person_id FROM centre_attendance WHERE `+where, args...)
	if err != nil {
		return fmt.Errorf("read attendees: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close()
			return fmt.Errorf("read attendees: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read attendees: %w", err)
	}
	_ = rows.Close()
	if len(ids) == 0 {
		return nil
	}
	return s.Changed.PersonsChanged(ctx, tx, ids)
}
