package volunteers

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/registry"
)

// TaskInput is a new task. Times are RFC 3339.
type TaskInput struct {
	Title        string    `json:"title"`
	Kind         string    `json:"kind,omitempty" enum:"escort,home_visit,rehab,event,other"`
	OrgUnit      string    `json:"orgunit"`
	Place        string    `json:"place,omitempty"`
	Help         string    `json:"help,omitempty"`
	StartsAt     time.Time `json:"starts_at"`
	EndsAt       time.Time `json:"ends_at"`
	Slots        int       `json:"slots"`
	Team         string    `json:"team,omitempty"`
	Skills       []string  `json:"skills,omitempty"`
	CaseID       int64     `json:"case_id,omitempty"`
	PersonID     int64     `json:"person_id,omitempty"`
	ContactName  string    `json:"contact_name,omitempty"`
	ContactPhone string    `json:"contact_phone,omitempty"`
}

// Task is a volunteer task. What a volunteer account receives of it is
// trimmed by forVolunteer: no person or case id, no check-in code, the
// address only as the task needs, only its own sign-up.
type Task struct {
	ID           int64     `json:"id"`
	Title        string    `json:"title"`
	Kind         string    `json:"kind"`
	OrgUnit      string    `json:"orgunit"`
	Place        string    `json:"place"`
	Help         string    `json:"help"`
	StartsAt     time.Time `json:"starts_at"`
	EndsAt       time.Time `json:"ends_at"`
	Slots        int       `json:"slots"`
	Taken        int       `json:"taken"`
	Team         string    `json:"team,omitempty"`
	Skills       []string  `json:"skills"`
	CaseID       int64     `json:"case_id,omitempty"`
	PersonID     int64     `json:"person_id,omitempty"`
	ServedName   string    `json:"served_name,omitempty"` // the served person's first name
	Address      string    `json:"address,omitempty"`
	ContactName  string    `json:"contact_name,omitempty"`
	ContactPhone string    `json:"contact_phone,omitempty"` // the federation's contact, never a served person's
	State        string    `json:"state"`
	Owner        string    `json:"owner"`
	Version      int       `json:"version"`
	CheckinCode  string    `json:"checkin_code,omitempty"`
	// Mine is the caller's own sign-up (a volunteer account), if any.
	Mine    *Signup  `json:"mine,omitempty"`
	Signups []Signup `json:"signups,omitempty"`
}

// Minutes is the task's length.
func (t Task) Minutes() int { return int(t.EndsAt.Sub(t.StartsAt) / time.Minute) }

// Free is the number of free slots.
func (t Task) Free() int { return max(0, t.Slots-t.Taken) }

// Signup is a volunteer on a task, with the hours recorded (HoursID 0: none).
type Signup struct {
	VolunteerID int64      `json:"volunteer_id"`
	Name        string     `json:"name"`
	Team        string     `json:"team"`
	SignedBy    string     `json:"signed_by"`
	SignedAt    time.Time  `json:"signed_at"`
	CheckedInAt *time.Time `json:"checked_in_at,omitempty"`
	HoursID     int64      `json:"hours_id,omitempty"`
	Minutes     int        `json:"minutes,omitempty"`
	HoursState  string     `json:"hours_state,omitempty"`
}

const taskCols = `k.id, k.title, k.kind, k.orgunit, k.place, k.help, k.starts_at, k.ends_at, k.slots,
	(SELECT count(*) FROM volunteer_signups g WHERE g.task_id = k.id AND g.cancelled_at = 0),
	k.team, k.skills, COALESCE(k.case_id, 0), COALESCE(k.person_id, 0), k.served_name, k.address, k.contact_name, k.contact_phone,
	k.state, k.owner, k.version, k.checkin_code`

func scanTask(sc interface{ Scan(...any) error }) (Task, error) {
	var t Task
	var from, to int64
	var skills string
	err := sc.Scan(&t.ID, &t.Title, &t.Kind, &t.OrgUnit, &t.Place, &t.Help, &from, &to, &t.Slots, &t.Taken, &t.Team, &skills,
		&t.CaseID, &t.PersonID, &t.ServedName, &t.Address, &t.ContactName, &t.ContactPhone, &t.State, &t.Owner, &t.Version, &t.CheckinCode)
	t.StartsAt, t.EndsAt, t.Skills = db.FromMillis(from), db.FromMillis(to), split(skills)
	return t, err
}

// homeOf is a volunteer's home unit and whether they are active.
func (s *Store) homeOf(ctx context.Context, q querier, id int64) (unit string, active bool, err error) {
	err = q.QueryRow(ctx, `SELECT orgunit, active FROM volunteers WHERE id = ?`, id).Scan(&unit, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, notFound()
	}
	if err != nil {
		return "", false, fmt.Errorf("read volunteer: %w", err)
	}
	return unit, active, nil
}

// sees says whether the caller may see a task: staff whose scope holds its
// unit or lies under it (a town's staff see the district's tasks, to sign
// up their volunteers); a volunteer account by the corps rule or when
// signed up; a person account the tasks that serve them.
func (s *Store) sees(ctx context.Context, q querier, c access.Caller, t Task) (bool, error) {
	switch {
	case isStaff(c):
		return c.Scope.All || c.Scope.Contains(t.OrgUnit) || strings.HasPrefix(c.Scope.Prefix, t.OrgUnit), nil
	case isVolunteer(c) && c.VolunteerID != 0:
		home, _, err := s.homeOf(ctx, q, c.VolunteerID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if Reaches(home, t.OrgUnit) {
			return true, nil
		}
		var n int
		err = q.QueryRow(ctx, `SELECT count(*) FROM volunteer_signups WHERE task_id = ? AND volunteer_id = ? AND cancelled_at = 0`, t.ID, c.VolunteerID).Scan(&n)
		return n > 0, err
	case c.PersonID != 0:
		return t.PersonID == c.PersonID, nil
	}
	return false, nil
}

// manages says whether staff may manage a task (confirm check-ins, cancel,
// sign up anyone): its owner, or staff whose scope holds its unit.
func manages(c access.Caller, t Task) bool {
	return isStaff(c) && (c.Actor.Username == t.Owner || c.Scope.Contains(t.OrgUnit))
}

// task reads a task the caller may see (404 otherwise), untrimmed.
func (s *Store) task(ctx context.Context, q querier, c access.Caller, id int64) (Task, error) {
	t, err := scanTask(q.QueryRow(ctx, `SELECT `+taskCols+` FROM volunteer_tasks k WHERE k.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Task{}, notFound()
	}
	if err != nil {
		return Task{}, fmt.Errorf("read task: %w", err)
	}
	if ok, err := s.sees(ctx, q, c, t); err != nil {
		return Task{}, err
	} else if !ok {
		return Task{}, notFound()
	}
	return t, nil
}

// GetTask reads a task with its sign-ups as the caller may see it.
func (s *Store) GetTask(ctx context.Context, c access.Caller, id int64) (Task, error) {
	t, err := s.task(ctx, s.db, c, id)
	if err != nil {
		return Task{}, err
	}
	if t.Signups, err = s.signups(ctx, s.db, t.ID); err != nil {
		return Task{}, err
	}
	return s.trim(ctx, c, t)
}

// trim gives each caller what it may see of a task. A volunteer account
// sees its own sign-up, and the address of a home visit only on the task's
// day when signed up (that read audited as a read of the person); a person
// account sees no sign-ups' details but the count; staff who do not
// manage the task see neither its address nor its check-in code.
func (s *Store) trim(ctx context.Context, c access.Caller, t Task) (Task, error) {
	if isStaff(c) {
		if !manages(c, t) {
			t.CheckinCode, t.Address = "", ""
		}
		return t, nil
	}
	all := t.Signups
	t.CheckinCode, t.CaseID, t.Signups = "", 0, nil
	if isVolunteer(c) {
		for i := range all {
			if all[i].VolunteerID == c.VolunteerID {
				t.Mine = &all[i]
			}
		}
		person := t.PersonID
		t.PersonID = 0
		if t.Kind != HomeVisit || t.Mine == nil || DayOf(s.db.Now()) != DayOf(t.StartsAt) || t.State != TaskOpen {
			t.Address = ""
		} else if t.Address != "" && person != 0 {
			e := c.Actor.Entry(audit.ActionRead, registry.SubjectPerson, strconv.FormatInt(person, 10), t.OrgUnit)
			e.Detail = fmt.Sprintf(`{"via":"volunteer_task","task":%d,"fields":["address"]}`, t.ID)
			if err := s.log.Record(ctx, e); err != nil {
				return Task{}, err
			}
		}
		return t, nil
	}
	t.Address, t.Owner, t.PersonID = "", "", 0
	return t, nil
}

// signups lists a task's current sign-ups with their hours.
func (s *Store) signups(ctx context.Context, q querier, taskID int64) ([]Signup, error) {
	rows, err := q.Query(ctx, `SELECT g.volunteer_id, v.name, v.team, g.signed_by, g.signed_at, g.checked_in_at,
			COALESCE(h.id, 0), COALESCE(h.minutes, 0), COALESCE(h.state, '')
		FROM volunteer_signups g JOIN volunteers v ON v.id = g.volunteer_id
		LEFT JOIN volunteer_hours h ON h.task_id = g.task_id AND h.volunteer_id = g.volunteer_id
		WHERE g.task_id = ? AND g.cancelled_at = 0 ORDER BY g.signed_at, g.volunteer_id`, taskID)
	if err != nil {
		return nil, fmt.Errorf("list sign-ups: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []Signup
	for rows.Next() {
		var g Signup
		var at, in int64
		if err := rows.Scan(&g.VolunteerID, &g.Name, &g.Team, &g.SignedBy, &at, &in, &g.HoursID, &g.Minutes, &g.HoursState); err != nil {
			return nil, fmt.Errorf("list sign-ups: %w", err)
		}
		g.SignedAt = db.FromMillis(at)
		if in != 0 {
			t := db.FromMillis(in)
			g.CheckedInAt = &t
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// newCode is a task's check-in code: 8 random digits, short enough to type
// from the paper under the QR code (shown as "1234 5678").
func newCode() string {
	var b strings.Builder
	for range 8 {
		n, _ := rand.Int(rand.Reader, big.NewInt(10)) // crypto/rand never fails
		b.WriteByte("0123456789"[n.Int64()])
	}
	return b.String()
}

// NormalizeCode reads a typed check-in code: full-width digits folded,
// spaces and hyphens dropped.
func NormalizeCode(s string) string {
	return strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(safetext.Narrow(strings.TrimSpace(s)))
}

// CreateTask makes a task in a unit of the caller's scope (staff). With a
// case (in scope) the task serves the case's person; with a person (in
// scope) that person. Audited.
func (s *Store) CreateTask(ctx context.Context, c access.Caller, in TaskInput) (Task, error) {
	if !isStaff(c) {
		return Task{}, apperr.ErrForbidden()
	}
	var fs []apperr.FieldError
	add := func(fe *apperr.FieldError) {
		if fe != nil {
			fs = append(fs, *fe)
		}
	}
	add(text("title", &in.Title, true, MaxTitle, "任务名称", "title"))
	add(text("place", &in.Place, false, 200, "地点", "place"))
	add(text("help", &in.Help, false, MaxText, "需要的帮助", "help needed"))
	add(text("contact_name", &in.ContactName, false, MaxName, "联系人", "contact"))
	if in.Kind == "" {
		in.Kind = "other"
	}
	if !inVocab(Kinds, in.Kind) {
		fs = append(fs, apperr.Field("kind", "unknown", "不认识的任务类型："+clip(in.Kind), "Unknown kind of task: "+clip(in.Kind)))
	}
	in.OrgUnit = safetext.Narrow(strings.TrimSpace(in.OrgUnit))
	if in.OrgUnit == "" {
		fs = append(fs, apperr.Field("orgunit", "required", "请选择任务所属的单位。", "Choose the unit of the task."))
	} else if !c.Scope.Contains(in.OrgUnit) {
		fs = append(fs, apperr.Field("orgunit", "not_found", "未找到该组织单位。", "Org unit not found."))
	} else if ok, err := s.units.Exists(ctx, in.OrgUnit); err != nil {
		return Task{}, err
	} else if !ok {
		fs = append(fs, apperr.Field("orgunit", "not_found", "未找到该组织单位。", "Org unit not found."))
	}
	now := s.db.Now()
	switch {
	case in.StartsAt.IsZero():
		fs = append(fs, apperr.Field("starts_at", "required", "请填写开始时间。", "Enter the start time."))
	case in.StartsAt.Before(now.Add(-MaxAhead)): // a past task records what was done, within a year
		fs = append(fs, apperr.Field("starts_at", "past", "开始时间已过去一年以上。", "The start is more than a year ago."))
	case in.StartsAt.After(now.Add(MaxAhead)):
		fs = append(fs, apperr.Field("starts_at", "too_far", "开始时间最多在一年之后。", "The start is at most a year ahead."))
	}
	switch {
	case in.EndsAt.IsZero():
		fs = append(fs, apperr.Field("ends_at", "required", "请填写结束时间。", "Enter the end time."))
	case !in.StartsAt.IsZero() && !in.EndsAt.After(in.StartsAt):
		fs = append(fs, apperr.Field("ends_at", "before_start", "结束时间应晚于开始时间。", "The end must come after the start."))
	case !in.StartsAt.IsZero() && in.EndsAt.Sub(in.StartsAt) > MaxTaskHours*time.Hour:
		fs = append(fs, apperr.Field("ends_at", "too_long", "一项任务最长24小时。", "A task lasts at most 24 hours."))
	}
	if in.Slots < 1 || in.Slots > MaxSlots {
		fs = append(fs, apperr.Field("slots", "range", "名额应在1到100之间。", "Slots must be between 1 and 100."))
	}
	in.Team = strings.TrimSpace(in.Team)
	if in.Team != "" {
		if ok, err := s.teamExists(ctx, s.db, in.Team); err != nil {
			return Task{}, err
		} else if !ok {
			fs = append(fs, apperr.Field("team", "unknown", "没有这个志愿服务队："+clip(in.Team), "There is no team "+clip(in.Team)+"."))
		}
	}
	var fe *apperr.FieldError
	if in.Skills, fe = codes("skills", Skills, in.Skills); fe != nil {
		fs = append(fs, *fe)
	}
	if in.ContactPhone = safetext.Narrow(strings.TrimSpace(in.ContactPhone)); in.ContactPhone != "" {
		if p, fe := registry.ParsePhone("contact_phone", in.ContactPhone); fe != nil {
			fs = append(fs, *fe)
		} else {
			in.ContactPhone = p
		}
	}
	personID := in.PersonID
	if in.CaseID < 0 || in.PersonID < 0 {
		fs = append(fs, apperr.Field("case_id", "invalid", "个案编号无效。", "The case is not valid."))
	} else if in.CaseID > 0 {
		cs, err := s.cases.Peek(ctx, c, in.CaseID)
		if apperr.CodeOf(err) == apperr.NotFound {
			fs = append(fs, apperr.Field("case_id", "not_found", "未找到该个案。", "No such case."))
		} else if err != nil {
			return Task{}, err
		} else if personID != 0 && personID != cs.PersonID {
			fs = append(fs, apperr.Field("person_id", "mismatch", "服务对象与个案不一致。", "The person is not the case's person."))
		} else {
			personID = cs.PersonID
		}
	}
	var served, address string
	if personID > 0 && len(fs) == 0 {
		p, err := s.reg.Get(ctx, c, personID)
		if apperr.CodeOf(err) == apperr.NotFound {
			fs = append(fs, apperr.Field("person_id", "not_found", "未找到该残疾人档案。", "No such registry record."))
		} else if err != nil {
			return Task{}, err
		} else {
			served = FirstName(p.Name)
			if in.Kind == HomeVisit {
				address = p.Address
			}
		}
	}
	if len(fs) > 0 {
		return Task{}, apperr.Validation(fs...)
	}
	if in.ContactName == "" {
		in.ContactName = c.Actor.Username
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO volunteer_tasks (title, kind, orgunit, place, help, starts_at, ends_at, slots, team, skills, case_id, person_id,
				served_name, address, contact_name, contact_phone, checkin_code, state, owner, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Title, in.Kind, in.OrgUnit, in.Place, in.Help, db.Millis(in.StartsAt), db.Millis(in.EndsAt), in.Slots, in.Team, strings.Join(in.Skills, ","),
			nullID(in.CaseID), nullID(personID), served, address, in.ContactName, in.ContactPhone, newCode(), TaskOpen, c.Actor.Username, db.Millis(tx.Now)).Scan(&id); err != nil {
			return fmt.Errorf("insert task: %w", err)
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionCreate, SubjectTask, strconv.FormatInt(id, 10), in.OrgUnit))
	})
	if err != nil {
		return Task{}, err
	}
	return s.GetTask(ctx, c, id)
}

// CancelTask cancels an open task that has not ended (staff who manage
// it), with a reason. Its sign-ups stay, its hours too. Audited.
func (s *Store) CancelTask(ctx context.Context, c access.Caller, id int64, reason string) error {
	if fe := text("reason", &reason, true, 200, "取消原因", "reason"); fe != nil {
		return apperr.Validation(*fe)
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		t, err := s.task(ctx, tx, c, id)
		if err != nil {
			return err
		}
		if !manages(c, t) {
			return apperr.ErrForbidden()
		}
		if t.State != TaskOpen {
			return conflict("state", "cancelled", "这项任务已取消。", "This task is already cancelled.")
		}
		if _, err := tx.Exec(ctx, `UPDATE volunteer_tasks SET state = ?, version = version + 1 WHERE id = ?`, TaskCancelled, id); err != nil {
			return fmt.Errorf("cancel task: %w", err)
		}
		e := c.Actor.Entry(audit.ActionUpdate, SubjectTask, strconv.FormatInt(id, 10), t.OrgUnit)
		e.Detail = fmt.Sprintf(`{"state":"cancelled","reason":%s}`, strconv.Quote(reason))
		return audit.Append(ctx, tx, e)
	})
}

// TaskFilter narrows the list of tasks.
type TaskFilter struct {
	From, To time.Time // starts within [From, To); zero: unbounded
	OrgUnit  string
	Mine     bool  // a volunteer account: only its sign-ups
	Open     bool  // only open tasks not yet ended
	CaseID   int64 // only the tasks made for this case
	Limit    int
}

// ListTasks lists the tasks the caller may see, by start: staff those of
// their scope and of the units above it; a volunteer account its own and
// the open ones it reaches; a person account those serving them.
func (s *Store) ListTasks(ctx context.Context, c access.Caller, f TaskFilter) ([]Task, error) {
	var conds []string
	var args []any
	switch {
	case isStaff(c):
		if !c.Scope.All {
			lo, hi := c.Scope.Range()
			cond := "(k.orgunit >= ? AND k.orgunit < ?"
			args = append(args, lo, hi)
			for n := 1; n < len(c.Scope.Prefix); n++ {
				cond, args = cond+" OR k.orgunit = ?", append(args, c.Scope.Prefix[:n])
			}
			conds = append(conds, cond+")")
		}
	case isVolunteer(c) && c.VolunteerID != 0:
		home, _, err := s.homeOf(ctx, s.db, c.VolunteerID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		town := TownOf(home)
		reach := "(k.orgunit >= ? AND k.orgunit < ?"
		lo, hi := orgunit.ScopeOf(town).Range()
		args = append(args, lo, hi)
		for n := 1; n < len(town); n++ {
			reach, args = reach+" OR k.orgunit = ?", append(args, town[:n])
		}
		reach += ")"
		mine := "k.id IN (SELECT g.task_id FROM volunteer_signups g WHERE g.volunteer_id = ? AND g.cancelled_at = 0)"
		if f.Mine {
			conds, args = append(conds, mine), append(args[:0], c.VolunteerID)
		} else {
			conds = append(conds, "("+mine+" OR ("+reach+" AND k.state = 'open' AND k.ends_at > ?))")
			args = append([]any{c.VolunteerID}, append(args, db.Millis(s.db.Now()))...)
		}
	case c.PersonID != 0:
		conds, args = append(conds, "k.person_id = ?"), append(args, c.PersonID)
	default:
		return nil, nil
	}
	if f.OrgUnit != "" {
		lo, hi := orgunit.ScopeOf(f.OrgUnit).Range()
		conds, args = append(conds, "k.orgunit >= ? AND k.orgunit < ?"), append(args, lo, hi)
	}
	if !f.From.IsZero() {
		conds, args = append(conds, "k.starts_at >= ?"), append(args, db.Millis(f.From))
	}
	if !f.To.IsZero() {
		conds, args = append(conds, "k.starts_at < ?"), append(args, db.Millis(f.To))
	}
	if f.Open {
		conds, args = append(conds, "k.state = 'open' AND k.ends_at > ?"), append(args, db.Millis(s.db.Now()))
	}
	if f.CaseID != 0 {
		conds, args = append(conds, "k.case_id = ?"), append(args, f.CaseID)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := s.db.Query(ctx, `SELECT `+taskCols+` FROM volunteer_tasks k`+where+` ORDER BY k.starts_at, k.id LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	var out []Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		out = append(out, t)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	for i := range out {
		if isVolunteer(c) {
			if out[i].Signups, err = s.signups(ctx, s.db, out[i].ID); err != nil {
				return nil, err
			}
		}
		out[i].Address = "" // lists never carry an address
		if out[i], err = s.trim(ctx, c, out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
