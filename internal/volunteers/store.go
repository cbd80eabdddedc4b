package volunteers

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
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/platform/vault"
	"sunshine/internal/registry"
)

// Store keeps the corps. Every method takes the caller.
type Store struct {
	db    *db.DB
	reg   *registry.Store
	cases *casework.Engine
	units *orgunit.Store
	vault *vault.Vault
	log   *audit.Log
}

// NewStore returns a store. reg and cases give a task its served person.
func NewStore(d *db.DB, reg *registry.Store, cases *casework.Engine, units *orgunit.Store, v *vault.Vault, log *audit.Log) *Store {
	return &Store{db: d, reg: reg, cases: cases, units: units, vault: v, log: log}
}

// querier is a database or a transaction.
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

func isStaff(c access.Caller) bool {
	switch c.Actor.Role {
	case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant:
		return true
	}
	return false
}

func isVolunteer(c access.Caller) bool { return c.Actor.Role == identity.Volunteer }

// ---- teams ----

// Team is one of the corps' teams.
type Team struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	NameEn     string `json:"name_en,omitempty"`
	LeaderID   int64  `json:"leader_id,omitempty"`
	LeaderName string `json:"leader_name,omitempty"`
	Members    int    `json:"members"`
	Version    int    `json:"version"`
}

// Label is the team's name in a language.
func (t Team) Label(lang string) string {
	if lang == "en" && t.NameEn != "" {
		return t.NameEn
	}
	return t.Name
}

// Teams lists the teams in their order, with their leaders and the number
// of active volunteers (of the caller's scope, for staff).
func (s *Store) Teams(ctx context.Context, c access.Caller) ([]Team, error) {
	lo, hi := c.Scope.Range()
	rows, err := s.db.Query(ctx, `SELECT t.code, t.name, t.name_en, t.leader_id, COALESCE(l.name, ''), t.version,
			(SELECT count(*) FROM volunteers v WHERE v.team = t.code AND v.active AND v.orgunit >= ? AND v.orgunit < ?)
		FROM volunteer_teams t LEFT JOIN volunteers l ON l.id = t.leader_id ORDER BY t.seq, t.code`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []Team
	for rows.Next() {
		var t Team
		if err := rows.Scan(&t.Code, &t.Name, &t.NameEn, &t.LeaderID, &t.LeaderName, &t.Version, &t.Members); err != nil {
			return nil, fmt.Errorf("list teams: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TeamInput renames a team or names its leader.
type TeamInput struct {
	Name     string `json:"name"`
	NameEn   string `json:"name_en,omitempty"`
	LeaderID int64  `json:"leader_id,omitempty"`
	Version  int    `json:"version"`
}

// UpdateTeam renames a team and sets its leader (one of its active
// volunteers; 0: none), with the version read (409 when stale). District
// staff only (the route says so). Audited.
func (s *Store) UpdateTeam(ctx context.Context, c access.Caller, code string, in TeamInput) (Team, error) {
	var fs []apperr.FieldError
	if fe := text("name", &in.Name, true, MaxName, "队名", "team name"); fe != nil {
		fs = append(fs, *fe)
	}
	if fe := text("name_en", &in.NameEn, false, 100, "英文队名", "English team name"); fe != nil {
		fs = append(fs, *fe)
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var version int
		if err := tx.QueryRow(ctx, `SELECT version FROM volunteer_teams WHERE code = ?`, code).Scan(&version); errors.Is(err, sql.ErrNoRows) {
			return notFound()
		} else if err != nil {
			return fmt.Errorf("read team: %w", err)
		}
		if in.LeaderID != 0 {
			var team string
			var active bool
			err := tx.QueryRow(ctx, `SELECT team, active FROM volunteers WHERE id = ?`, in.LeaderID).Scan(&team, &active)
			if errors.Is(err, sql.ErrNoRows) || err == nil && (team != code || !active) {
				fs = append(fs, apperr.Field("leader_id", "not_member", "队长应是本队的在册志愿者。", "The leader must be an active volunteer of this team."))
			} else if err != nil {
				return fmt.Errorf("read leader: %w", err)
			}
		}
		if len(fs) > 0 {
			return apperr.Validation(fs...)
		}
		res, err := tx.Exec(ctx, `UPDATE volunteer_teams SET name = ?, name_en = ?, leader_id = ?, version = version + 1 WHERE code = ? AND version = ?`,
			in.Name, in.NameEn, in.LeaderID, code, in.Version)
		if err != nil {
			return fmt.Errorf("update team: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("update team: %w", err)
		} else if n == 0 {
			return apperr.ErrStale()
		}
		e := c.Actor.Entry(audit.ActionUpdate, SubjectTeam, code, "")
		e.Detail = fmt.Sprintf(`{"leader_id":%d}`, in.LeaderID)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Team{}, err
	}
	teams, err := s.Teams(ctx, c)
	if err != nil {
		return Team{}, err
	}
	for _, t := range teams {
		if t.Code == code {
			return t, nil
		}
	}
	return Team{}, notFound()
}

func (s *Store) teamExists(ctx context.Context, q querier, code string) (bool, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM volunteer_teams WHERE code = ?`, code).Scan(&n); err != nil {
		return false, fmt.Errorf("read team: %w", err)
	}
	return n > 0, nil
}

// ---- volunteers ----

// VolunteerInput is a new volunteer or a change of one.
type VolunteerInput struct {
	Name        string   `json:"name"`
	Phone       string   `json:"phone"`
	Team        string   `json:"team"`
	OrgUnit     string   `json:"orgunit"`
	Skills      []string `json:"skills"`
	Days        []string `json:"days,omitempty" enum:"mon,tue,wed,thu,fri,sat,sun"`
	Times       []string `json:"times,omitempty" enum:"am,pm,eve"`
	PartyMember bool     `json:"party_member,omitempty"`
	Training    string   `json:"training,omitempty"`
	PersonID    int64    `json:"person_id,omitempty"`
	Active      *bool    `json:"active,omitempty"`
	Version     int      `json:"version,omitempty"`
}

// Volunteer is a member of the corps. Phone is masked.
type Volunteer struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Phone       string    `json:"phone"`
	Team        string    `json:"team"`
	TeamName    string    `json:"team_name"`
	OrgUnit     string    `json:"orgunit"`
	Skills      []string  `json:"skills"`
	Days        []string  `json:"days"`
	Times       []string  `json:"times"`
	PartyMember bool      `json:"party_member"`
	Training    string    `json:"training"`
	PersonID    int64     `json:"person_id,omitempty"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	Version     int       `json:"version"`
}

func split(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

const volunteerCols = `v.id, v.name, v.phone_masked, v.team, t.name, v.orgunit, v.skills, v.days, v.times, v.party_member, v.training,
	COALESCE(v.person_id, 0), v.active, v.created_at, v.version`

const volunteerFrom = ` FROM volunteers v JOIN volunteer_teams t ON t.code = v.team`

func scanVolunteer(sc interface{ Scan(...any) error }) (Volunteer, error) {
	var v Volunteer
	var skills, days, times string
	var at int64
	err := sc.Scan(&v.ID, &v.Name, &v.Phone, &v.Team, &v.TeamName, &v.OrgUnit, &skills, &days, &times, &v.PartyMember, &v.Training,
		&v.PersonID, &v.Active, &at, &v.Version)
	v.Skills, v.Days, v.Times, v.CreatedAt = split(skills), split(days), split(times), db.FromMillis(at)
	return v, err
}

// check validates a volunteer's input in place and returns the sealed and
// masked phone.
func (s *Store) check(ctx context.Context, c access.Caller, in *VolunteerInput) (sealed []byte, masked string, err error) {
	var fs []apperr.FieldError
	if fe := text("name", &in.Name, true, MaxName, "姓名", "name"); fe != nil {
		fs = append(fs, *fe)
	}
	in.Phone = safetext.Narrow(strings.TrimSpace(in.Phone))
	if in.Phone == "" {
		fs = append(fs, apperr.Field("phone", "required", "请填写手机号码。", "Enter the phone number."))
	} else if p, fe := registry.ParsePhone("phone", in.Phone); fe != nil {
		fs = append(fs, *fe)
	} else {
		in.Phone = p
	}
	in.Team = strings.TrimSpace(in.Team)
	if in.Team == "" {
		fs = append(fs, apperr.Field("team", "required", "请选择所在的队。", "Choose the team."))
	} else if ok, err := s.teamExists(ctx, s.db, in.Team); err != nil {
		return nil, "", err
	} else if !ok {
		fs = append(fs, apperr.Field("team", "unknown", "没有这个志愿服务队："+clip(in.Team), "There is no team "+clip(in.Team)+"."))
	}
	in.OrgUnit = safetext.Narrow(strings.TrimSpace(in.OrgUnit))
	if in.OrgUnit == "" {
		fs = append(fs, apperr.Field("orgunit", "required", "请选择所在的镇（街道）或村居。", "Choose the town or village."))
	} else if !c.Scope.Contains(in.OrgUnit) {
		fs = append(fs, apperr.Field("orgunit", "not_found", "未找到该组织单位。", "Org unit not found."))
	} else if ok, err := s.units.Exists(ctx, in.OrgUnit); err != nil {
		return nil, "", err
	} else if !ok {
		fs = append(fs, apperr.Field("orgunit", "not_found", "未找到该组织单位。", "Org unit not found."))
	}
	var fe *apperr.FieldError
	if in.Skills, fe = codes("skills", Skills, in.Skills); fe != nil {
		fs = append(fs, *fe)
	}
	if in.Days, fe = codes("days", Days, in.Days); fe != nil {
		fs = append(fs, *fe)
	}
	if in.Times, fe = codes("times", Times, in.Times); fe != nil {
		fs = append(fs, *fe)
	}
	if fe := text("training", &in.Training, false, MaxText, "培训与证书", "training and certificates"); fe != nil {
		fs = append(fs, *fe)
	}
	if in.PersonID < 0 {
		fs = append(fs, apperr.Field("person_id", "invalid", "残疾人档案编号无效。", "The registry record is not valid."))
	} else if in.PersonID > 0 {
		if _, err := s.reg.Get(ctx, c, in.PersonID); apperr.CodeOf(err) == apperr.NotFound {
			fs = append(fs, apperr.Field("person_id", "not_found", "未找到该残疾人档案。", "No such registry record."))
		} else if err != nil {
			return nil, "", err
		}
	}
	if len(fs) > 0 {
		return nil, "", apperr.Validation(fs...)
	}
	return s.vault.Seal(fPhone, in.Phone), registry.MaskPhone(in.Phone), nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// CreateVolunteer adds a volunteer of a unit in the caller's scope.
// Audited.
func (s *Store) CreateVolunteer(ctx context.Context, c access.Caller, in VolunteerInput) (Volunteer, error) {
	sealed, masked, err := s.check(ctx, c, &in)
	if err != nil {
		return Volunteer{}, err
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO volunteers (name, phone_enc, phone_masked, team, orgunit, skills, days, times, party_member, training, person_id,
				active, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?) RETURNING id`,
			in.Name, sealed, masked, in.Team, in.OrgUnit, strings.Join(in.Skills, ","), strings.Join(in.Days, ","), strings.Join(in.Times, ","),
			in.PartyMember, in.Training, nullID(in.PersonID), c.Actor.Username, db.Millis(tx.Now)).Scan(&id); err != nil {
			return fmt.Errorf("insert volunteer: %w", err)
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionCreate, SubjectVolunteer, strconv.FormatInt(id, 10), in.OrgUnit))
	})
	if err != nil {
		return Volunteer{}, err
	}
	return s.volunteer(ctx, s.db, c, id)
}

// UpdateVolunteer changes a volunteer in the caller's scope, with the
// version read (409 when stale). Audited.
func (s *Store) UpdateVolunteer(ctx context.Context, c access.Caller, id int64, in VolunteerInput) (Volunteer, error) {
	old, err := s.volunteer(ctx, s.db, c, id)
	if err != nil {
		return Volunteer{}, err
	}
	if !isStaff(c) {
		return Volunteer{}, notFound()
	}
	sealed, masked, err := s.check(ctx, c, &in)
	if err != nil {
		return Volunteer{}, err
	}
	active := old.Active
	if in.Active != nil {
		active = *in.Active
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE volunteers SET name = ?, phone_enc = ?, phone_masked = ?, team = ?, orgunit = ?, skills = ?, days = ?, times = ?,
				party_member = ?, training = ?, person_id = ?, active = ?, version = version + 1 WHERE id = ? AND version = ?`,
			in.Name, sealed, masked, in.Team, in.OrgUnit, strings.Join(in.Skills, ","), strings.Join(in.Days, ","), strings.Join(in.Times, ","),
			in.PartyMember, in.Training, nullID(in.PersonID), active, id, in.Version)
		if err != nil {
			return fmt.Errorf("update volunteer: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("update volunteer: %w", err)
		} else if n == 0 {
			return apperr.ErrStale()
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionUpdate, SubjectVolunteer, strconv.FormatInt(id, 10), in.OrgUnit))
	})
	if err != nil {
		return Volunteer{}, err
	}
	return s.volunteer(ctx, s.db, c, id)
}

// volunteer reads a volunteer the caller may see: staff those of their
// scope, a volunteer account itself (404 otherwise). Not audited.
func (s *Store) volunteer(ctx context.Context, q querier, c access.Caller, id int64) (Volunteer, error) {
	v, err := scanVolunteer(q.QueryRow(ctx, `SELECT `+volunteerCols+volunteerFrom+` WHERE v.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Volunteer{}, notFound()
	}
	if err != nil {
		return Volunteer{}, fmt.Errorf("read volunteer: %w", err)
	}
	switch {
	case isStaff(c) && c.Scope.Contains(v.OrgUnit):
	case isVolunteer(c) && c.VolunteerID == id:
	default:
		return Volunteer{}, notFound()
	}
	return v, nil
}

// GetVolunteer reads a volunteer (staff in scope, or the volunteer itself);
// the read is audited.
func (s *Store) GetVolunteer(ctx context.Context, c access.Caller, id int64) (Volunteer, error) {
	v, err := s.volunteer(ctx, s.db, c, id)
	if err != nil {
		return Volunteer{}, err
	}
	return v, s.log.Record(ctx, c.Actor.Entry(audit.ActionRead, SubjectVolunteer, strconv.FormatInt(id, 10), v.OrgUnit))
}

// RevealPhone gives staff in scope a volunteer's full phone, for a stated
// reason; audited with the reason.
func (s *Store) RevealPhone(ctx context.Context, c access.Caller, id int64, reason string) (string, error) {
	if !isStaff(c) {
		return "", notFound()
	}
	v, err := s.volunteer(ctx, s.db, c, id)
	if err != nil {
		return "", err
	}
	if fe := text("reason", &reason, true, 200, "查看原因", "reason"); fe != nil {
		return "", apperr.Validation(*fe)
	}
	var sealed []byte
	if err := s.db.QueryRow(ctx, `SELECT phone_enc FROM volunteers WHERE id = ?`, id).Scan(&sealed); err != nil {
		return "", fmt.Errorf("read phone: %w", err)
	}
	phone, err := s.vault.Open(fPhone, sealed)
	if err != nil {
		return "", fmt.Errorf("open phone: %w", err)
	}
	e := c.Actor.Entry(audit.ActionReveal, SubjectVolunteer, strconv.FormatInt(id, 10), v.OrgUnit)
	e.Detail = fmt.Sprintf(`{"field":"phone","reason":%s}`, strconv.Quote(reason))
	return phone, s.log.Record(ctx, e)
}

// VolunteerFilter narrows the list of volunteers.
type VolunteerFilter struct {
	OrgUnit string
	Team    string
	Skill   string
	Q       string // a name, or its beginning
	All     bool   // inactive ones too
	After   int64  // the next page: volunteers after this id
	Limit   int
}

// ListVolunteers lists the volunteers of the caller's scope (staff only),
// by id, with the total and the next page's cursor (0 at the end).
func (s *Store) ListVolunteers(ctx context.Context, c access.Caller, f VolunteerFilter) ([]Volunteer, int, int64, error) {
	if !isStaff(c) {
		return nil, 0, 0, nil
	}
	lo, hi := c.Scope.Range()
	conds, args := []string{"v.orgunit >= ? AND v.orgunit < ?"}, []any{lo, hi}
	if f.OrgUnit != "" {
		ulo, uhi := orgunit.ScopeOf(f.OrgUnit).Range()
		conds, args = append(conds, "v.orgunit >= ? AND v.orgunit < ?"), append(args, ulo, uhi)
	}
	if f.Team != "" {
		conds, args = append(conds, "v.team = ?"), append(args, f.Team)
	}
	if f.Skill != "" {
		conds, args = append(conds, "(',' || v.skills || ',') LIKE ?"), append(args, "%,"+f.Skill+",%")
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		q = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q)
		conds, args = append(conds, `v.name LIKE ? ESCAPE '\'`), append(args, q+"%")
	}
	if !f.All {
		conds = append(conds, "v.active")
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM volunteers v`+where, args...).Scan(&total); err != nil {
		return nil, 0, 0, fmt.Errorf("count volunteers: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	rows, err := s.db.Query(ctx, `SELECT `+volunteerCols+volunteerFrom+where+` AND v.id > ? ORDER BY v.id LIMIT ?`, append(args, f.After, f.Limit+1)...)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("list volunteers: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []Volunteer
	for rows.Next() {
		v, err := scanVolunteer(rows)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("list volunteers: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, 0, fmt.Errorf("list volunteers: %w", err)
	}
	var next int64
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].ID
	}
	return out, total, next, nil
}

// Named is a volunteer's id and name with their unit's name, for pickers.
type Named struct {
	ID   int64
	Name string
	Unit string
}

// Roster lists every active volunteer by name (for the new-account form's
// picker; at most 5,000).
func (s *Store) Roster(ctx context.Context) ([]Named, error) {
	rows, err := s.db.Query(ctx, `SELECT v.id, v.name, COALESCE(o.name, v.orgunit) FROM volunteers v LEFT JOIN orgunits o ON o.code = v.orgunit
		WHERE v.active ORDER BY v.name, v.id LIMIT 5000`)
	if err != nil {
		return nil, fmt.Errorf("list volunteers: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []Named
	for rows.Next() {
		var n Named
		if err := rows.Scan(&n.ID, &n.Name, &n.Unit); err != nil {
			return nil, fmt.Errorf("list volunteers: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
