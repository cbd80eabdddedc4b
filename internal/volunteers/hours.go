package volunteers

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// lockTask takes the task's row for the transaction (PostgreSQL holds it
// until commit; SQLite has one writer), so that slots are counted once.
func lockTask(ctx context.Context, tx *db.Tx, id int64) error {
	if _, err := tx.Exec(ctx, `UPDATE volunteer_tasks SET version = version WHERE id = ?`, id); err != nil {
		return fmt.Errorf("lock task: %w", err)
	}
	return nil
}

// lockedTask locks a task's row and reads it as the caller may see it (404
// otherwise): the start of every change that counts the task's slots.
func (s *Store) lockedTask(ctx context.Context, tx *db.Tx, c access.Caller, id int64) (Task, error) {
	if err := lockTask(ctx, tx, id); err != nil {
		return Task{}, err
	}
	return s.task(ctx, tx, c, id)
}

// lockVolunteer takes the volunteer's row, so that two sign-ups of one
// volunteer are checked for overlap one after the other. Tasks are always
// locked before volunteers.
func lockVolunteer(ctx context.Context, tx *db.Tx, id int64) error {
	if _, err := tx.Exec(ctx, `UPDATE volunteers SET version = version WHERE id = ?`, id); err != nil {
		return fmt.Errorf("lock volunteer: %w", err)
	}
	return nil
}

// whoFor resolves the volunteer a request is about: a volunteer account is
// always itself (naming another is refused); staff must name one.
func whoFor(c access.Caller, volunteerID int64) (int64, error) {
	if isVolunteer(c) {
		if c.VolunteerID == 0 {
			return 0, apperr.ErrForbidden()
		}
		if volunteerID != 0 && volunteerID != c.VolunteerID {
			return 0, apperr.New(apperr.Forbidden, "志愿者只能为自己报名或签到。", "A volunteer signs up and checks in only themself.")
		}
		return c.VolunteerID, nil
	}
	if volunteerID <= 0 {
		return 0, apperr.Validation(apperr.Field("volunteer_id", "required", "请选择志愿者。", "Choose the volunteer."))
	}
	return volunteerID, nil
}

// signupState is where a volunteer stands on a task: a row (even a
// withdrawn one), a current sign-up, and the check-in (0: none).
type signupState struct {
	exists, current bool
	checkedIn       int64
}

// signupOf reads a volunteer's sign-up of a task inside tx.
func signupOf(ctx context.Context, tx *db.Tx, taskID, vid int64) (signupState, error) {
	var in, cancelled int64
	err := tx.QueryRow(ctx, `SELECT checked_in_at, cancelled_at FROM volunteer_signups WHERE task_id = ? AND volunteer_id = ?`, taskID, vid).Scan(&in, &cancelled)
	if errors.Is(err, sql.ErrNoRows) {
		return signupState{}, nil
	}
	if err != nil {
		return signupState{}, fmt.Errorf("read sign-up: %w", err)
	}
	return signupState{exists: true, current: cancelled == 0, checkedIn: in}, nil
}

// signUp signs a volunteer up inside tx (the task locked and read).
// Staff may sign volunteers up for a task already over, to record what was
// done; a volunteer account may not.
func (s *Store) signUp(ctx context.Context, tx *db.Tx, c access.Caller, t Task, vid int64) (Signup, error) {
	now := tx.Now
	if t.State != TaskOpen {
		return Signup{}, conflict("task", "cancelled", "这项任务已取消。", "This task is cancelled.")
	}
	if !t.EndsAt.After(now) && !isStaff(c) {
		return Signup{}, conflict("task", "over", "这项任务已结束，不能再报名。", "This task is over: sign-ups are closed.")
	}
	if isStaff(c) && !manages(c, t) && !c.Scope.All && !strings.HasPrefix(c.Scope.Prefix, t.OrgUnit) {
		return Signup{}, notFound()
	}
	v, err := s.volunteer(ctx, tx, c, vid)
	if apperr.CodeOf(err) == apperr.NotFound {
		return Signup{}, apperr.Validation(apperr.Field("volunteer_id", "not_found", "未找到该志愿者。", "No such volunteer."))
	}
	if err != nil {
		return Signup{}, err
	}
	if !v.Active {
		return Signup{}, apperr.Validation(apperr.Field("volunteer_id", "inactive", v.Name+"已不在册，不能报名。", v.Name+" is no longer active and cannot sign up."))
	}
	if !Reaches(v.OrgUnit, t.OrgUnit) {
		return Signup{}, apperr.Validation(apperr.Field("volunteer_id", "corps_rule",
			v.Name+"属于另一个镇（街道），按志愿服务队的规定只能参加本镇（街道）和区级的任务。",
			v.Name+" belongs to another town: by the corps rule a volunteer takes tasks of their own town and of the district."))
	}
	if err := lockVolunteer(ctx, tx, vid); err != nil {
		return Signup{}, err
	}
	st, err := signupOf(ctx, tx, t.ID, vid)
	if err != nil {
		return Signup{}, err
	}
	if st.current {
		return Signup{}, conflict("volunteer_id", "duplicate", v.Name+"已报名这项任务。", v.Name+" is already signed up for this task.")
	}
	var other string
	err = tx.QueryRow(ctx, `SELECT k.title FROM volunteer_signups g JOIN volunteer_tasks k ON k.id = g.task_id
		WHERE g.volunteer_id = ? AND g.cancelled_at = 0 AND g.task_id <> ? AND k.state = 'open' AND g.starts_at < ? AND g.ends_at > ?
		ORDER BY g.starts_at LIMIT 1`, vid, t.ID, db.Millis(t.EndsAt), db.Millis(t.StartsAt)).Scan(&other)
	if err == nil {
		return Signup{}, conflict("volunteer_id", "overlap", v.Name+"同一时间已报名“"+other+"”。", v.Name+" is already signed up for “"+other+"” at that time.")
	} else if !errors.Is(err, sql.ErrNoRows) {
		return Signup{}, fmt.Errorf("find overlapping sign-ups: %w", err)
	}
	var taken int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM volunteer_signups WHERE task_id = ? AND cancelled_at = 0`, t.ID).Scan(&taken); err != nil {
		return Signup{}, fmt.Errorf("count sign-ups: %w", err)
	}
	if taken >= t.Slots {
		return Signup{}, conflict("task", "full", "这项任务的名额已满。", "This task has no free slot.")
	}
	if st.exists {
		_, err = tx.Exec(ctx, `UPDATE volunteer_signups SET cancelled_at = 0, checked_in_at = 0, signed_by = ?, signed_at = ?, starts_at = ?, ends_at = ?
			WHERE task_id = ? AND volunteer_id = ?`, c.Actor.Username, db.Millis(now), db.Millis(t.StartsAt), db.Millis(t.EndsAt), t.ID, vid)
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO volunteer_signups (task_id, volunteer_id, starts_at, ends_at, signed_by, signed_at) VALUES (?, ?, ?, ?, ?, ?)`,
			t.ID, vid, db.Millis(t.StartsAt), db.Millis(t.EndsAt), c.Actor.Username, db.Millis(now))
	}
	if err != nil {
		return Signup{}, fmt.Errorf("sign up: %w", err)
	}
	e := c.Actor.Entry(audit.ActionCreate, SubjectTask, strconv.FormatInt(t.ID, 10), t.OrgUnit)
	e.Detail = fmt.Sprintf(`{"signup":%d}`, vid)
	if err := audit.Append(ctx, tx, e); err != nil {
		return Signup{}, err
	}
	return Signup{VolunteerID: vid, Name: v.Name, Team: v.Team, SignedBy: c.Actor.Username, SignedAt: now}, nil
}

// SignUp signs a volunteer up for a task: a volunteer account itself (the
// id may be omitted), staff any volunteer of their scope. A full task, an
// overlapping sign-up or one twice: 409; a volunteer outside the corps
// rule: 422.
func (s *Store) SignUp(ctx context.Context, c access.Caller, taskID, volunteerID int64) (Signup, error) {
	vid, err := whoFor(c, volunteerID)
	if err != nil {
		return Signup{}, err
	}
	var out Signup
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		t, err := s.lockedTask(ctx, tx, c, taskID)
		if err != nil {
			return err
		}
		out, err = s.signUp(ctx, tx, c, t, vid)
		return err
	})
	return out, err
}

// CancelSignup withdraws a sign-up before the task starts and before
// check-in (the volunteer, or staff who manage the task). Audited.
func (s *Store) CancelSignup(ctx context.Context, c access.Caller, taskID, volunteerID int64) error {
	vid, err := whoFor(c, volunteerID)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		t, err := s.task(ctx, tx, c, taskID)
		if err != nil {
			return err
		}
		if isStaff(c) && !manages(c, t) {
			if _, err := s.volunteer(ctx, tx, c, vid); err != nil {
				return err
			}
		}
		st, err := signupOf(ctx, tx, taskID, vid)
		if err != nil {
			return err
		}
		if !st.current {
			return notFound()
		}
		if st.checkedIn != 0 {
			return conflict("task", "checked_in", "已签到，不能再取消报名。", "Already checked in: the sign-up can no longer be withdrawn.")
		}
		if !t.StartsAt.After(tx.Now) {
			return conflict("task", "started", "任务已开始，不能再取消报名；请联系任务负责人。", "The task has begun: the sign-up can no longer be withdrawn; contact the task's owner.")
		}
		if _, err := tx.Exec(ctx, `UPDATE volunteer_signups SET cancelled_at = ? WHERE task_id = ? AND volunteer_id = ?`, db.Millis(tx.Now), taskID, vid); err != nil {
			return fmt.Errorf("cancel sign-up: %w", err)
		}
		e := c.Actor.Entry(audit.ActionUpdate, SubjectTask, strconv.FormatInt(taskID, 10), t.OrgUnit)
		e.Detail = fmt.Sprintf(`{"signup_cancelled":%d}`, vid)
		return audit.Append(ctx, tx, e)
	})
}

// CheckIn records a volunteer's arrival at the task: a volunteer account
// with the code of the task's QR code (signed up on the spot when a slot is
// free), or staff who manage the task confirming it. Open from an hour
// before the start to the end; twice: 409.
func (s *Store) CheckIn(ctx context.Context, c access.Caller, taskID, volunteerID int64, code string) (Signup, error) {
	vid, err := whoFor(c, volunteerID)
	if err != nil {
		return Signup{}, err
	}
	var out Signup
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		t, err := s.lockedTask(ctx, tx, c, taskID)
		if err != nil {
			return err
		}
		switch {
		case isVolunteer(c):
			if subtle.ConstantTimeCompare([]byte(NormalizeCode(code)), []byte(t.CheckinCode)) != 1 {
				return apperr.Validation(apperr.Field("code", "mismatch", "签到码与这项任务不符，请扫描现场张贴的二维码。",
					"The check-in code does not match this task: scan the QR code posted at the task."))
			}
		case !manages(c, t):
			return apperr.ErrForbidden()
		}
		if t.State != TaskOpen {
			return conflict("task", "cancelled", "这项任务已取消。", "This task is cancelled.")
		}
		now := tx.Now
		if now.Before(t.StartsAt.Add(-CheckInEarly)) {
			return conflict("task", "early", "签到在任务开始前一小时开放。", "Check-in opens an hour before the task starts.")
		}
		if !now.Before(t.EndsAt) {
			return conflict("task", "over", "这项任务已结束，不能再签到；请联系任务负责人补记时长。", "This task is over: check-in is closed; ask the task's owner to record the hours.")
		}
		st, err := signupOf(ctx, tx, taskID, vid)
		if err != nil {
			return err
		}
		if !st.current {
			if _, err := s.signUp(ctx, tx, c, t, vid); err != nil {
				return err
			}
		} else if st.checkedIn != 0 {
			return conflict("task", "checked_in", "已经签到过了。", "Already checked in.")
		}
		if _, err := tx.Exec(ctx, `UPDATE volunteer_signups SET checked_in_at = ? WHERE task_id = ? AND volunteer_id = ?`, db.Millis(now), taskID, vid); err != nil {
			return fmt.Errorf("check in: %w", err)
		}
		e := c.Actor.Entry(audit.ActionUpdate, SubjectTask, strconv.FormatInt(taskID, 10), t.OrgUnit)
		e.Detail = fmt.Sprintf(`{"checkin":%d}`, vid)
		if err := audit.Append(ctx, tx, e); err != nil {
			return err
		}
		gs, err := s.signups(ctx, tx, taskID)
		for _, g := range gs {
			if g.VolunteerID == vid {
				out = g
			}
		}
		return err
	})
	return out, err
}

// CheckOut ends a volunteer's time at the task (the volunteer, or staff who
// manage the task): the minutes since check-in, at most the task's length,
// go to the ledger, pending. Without a check-in: 409.
func (s *Store) CheckOut(ctx context.Context, c access.Caller, taskID, volunteerID int64) (Entry, error) {
	vid, err := whoFor(c, volunteerID)
	if err != nil {
		return Entry{}, err
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		t, err := s.task(ctx, tx, c, taskID)
		if err != nil {
			return err
		}
		if isStaff(c) && !manages(c, t) {
			return apperr.ErrForbidden()
		}
		st, err := signupOf(ctx, tx, taskID, vid)
		if err != nil {
			return err
		}
		if !st.current || st.checkedIn == 0 {
			return conflict("task", "not_checked_in", "还没有签到，不能签退。", "Not checked in: check in before checking out.")
		}
		in := st.checkedIn
		from := db.FromMillis(in)
		to := tx.Now
		if to.After(t.EndsAt) {
			to = t.EndsAt // the hours end with the task
		}
		if from.Before(t.StartsAt) {
			from = t.StartsAt // and begin with it
		}
		minutes := int(to.Sub(from) / time.Minute)
		if minutes < 1 {
			return apperr.Validation(apperr.Field("minutes", "too_short", "签到后不到一分钟，或任务尚未开始，没有可记录的时长。",
				"Less than a minute since check-in, or the task has not begun: there is no time to record."))
		}
		id, err = s.record(ctx, tx, c, t, vid, minutes, db.FromMillis(in), tx.Now)
		return err
	})
	if err != nil {
		return Entry{}, err
	}
	return s.entry(ctx, id)
}

// RecordInput is a check-in recorded afterwards (the API's checkins):
// minutes, and optionally when the volunteer came and went.
type RecordInput struct {
	VolunteerID  int64      `json:"volunteer_id,omitempty"` // a volunteer account may leave it out: itself
	Minutes      int        `json:"minutes"`
	CheckedInAt  *time.Time `json:"checked_in_at,omitempty"`
	CheckedOutAt *time.Time `json:"checked_out_at,omitempty"`
}

// Record puts a volunteer's minutes at a task into the ledger, pending
// approval: staff who manage the task, or a volunteer account for itself.
// The volunteer must be signed up (and, for a volunteer's own report, the
// task begun: staff may record a past task's hours, or ahead of it); the
// minutes from 1 to the task's length (with both times and no minutes, the
// time between); check-out before check-in: 422; a second entry: 409.
func (s *Store) Record(ctx context.Context, c access.Caller, taskID int64, in RecordInput) (Entry, error) {
	vid, err := whoFor(c, in.VolunteerID)
	if err != nil {
		return Entry{}, err
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		t, err := s.task(ctx, tx, c, taskID)
		if err != nil {
			return err
		}
		if isStaff(c) && !manages(c, t) {
			return apperr.ErrForbidden()
		}
		if t.State != TaskOpen {
			return conflict("task", "cancelled", "这项任务已取消。", "This task is cancelled.")
		}
		if isVolunteer(c) && tx.Now.Before(t.StartsAt) { // staff may record ahead, for approval
			return conflict("task", "not_begun", "任务尚未开始，不能记录时长。", "The task has not begun: no hours can be recorded yet.")
		}
		var fs []apperr.FieldError
		var from, to time.Time
		if in.CheckedInAt != nil {
			from = *in.CheckedInAt
		}
		if in.CheckedOutAt != nil {
			to = *in.CheckedOutAt
		}
		if !from.IsZero() && !to.IsZero() {
			if !to.After(from) {
				fs = append(fs, apperr.Field("checked_out_at", "before_checkin", "签退时间早于签到时间。", "The check-out comes before the check-in."))
			} else if in.Minutes == 0 {
				in.Minutes = int(to.Sub(from) / time.Minute)
			}
		}
		length := t.Minutes()
		switch {
		case in.Minutes < 1:
			fs = append(fs, apperr.Field("minutes", "range", "时长应至少1分钟。", "The minutes must be at least 1."))
		case in.Minutes > length:
			fs = append(fs, apperr.Field("minutes", "over_length", fmt.Sprintf("时长超过了任务的时长（%d分钟）。", length),
				fmt.Sprintf("The minutes are over the task's length (%d minutes).", length)))
		}
		if st, err := signupOf(ctx, tx, taskID, vid); err != nil {
			return err
		} else if !st.current {
			fs = append(fs, apperr.Field("volunteer_id", "not_signed_up", "该志愿者没有报名这项任务。", "This volunteer is not signed up for this task."))
		}
		if len(fs) > 0 {
			return apperr.Validation(fs...)
		}
		id, err = s.record(ctx, tx, c, t, vid, in.Minutes, from, to)
		return err
	})
	if err != nil {
		return Entry{}, err
	}
	return s.entry(ctx, id)
}

// record inserts a pending entry and adds its minutes to the totals.
func (s *Store) record(ctx context.Context, tx *db.Tx, c access.Caller, t Task, vid int64, minutes int, from, to time.Time) (int64, error) {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM volunteer_hours WHERE task_id = ? AND volunteer_id = ?`, t.ID, vid).Scan(&n); err != nil {
		return 0, fmt.Errorf("read hours: %w", err)
	}
	if n > 0 {
		return 0, conflict("task", "recorded", "这项任务的时长已经记录过了。", "The hours of this task are already recorded.")
	}
	var millis = func(t time.Time) int64 {
		if t.IsZero() {
			return 0
		}
		return db.Millis(t)
	}
	year := YearOf(t.StartsAt)
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO volunteer_hours (task_id, volunteer_id, checked_in_at, checked_out_at, minutes, state, recorded_by, recorded_at, year)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, t.ID, vid, millis(from), millis(to), minutes, Pending, c.Actor.Username, db.Millis(tx.Now), year).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, conflict("task", "recorded", "这项任务的时长已经记录过了。", "The hours of this task are already recorded.")
	}
	if err != nil {
		return 0, fmt.Errorf("record hours: %w", err)
	}
	if err := addTotals(ctx, tx, vid, year, 0, int64(minutes), 0); err != nil {
		return 0, err
	}
	e := c.Actor.Entry(audit.ActionCreate, SubjectHours, strconv.FormatInt(id, 10), t.OrgUnit)
	e.Detail = fmt.Sprintf(`{"task":%d,"volunteer":%d,"minutes":%d}`, t.ID, vid, minutes)
	return id, audit.Append(ctx, tx, e)
}

// addTotals changes a volunteer's totals of a year.
func addTotals(ctx context.Context, tx *db.Tx, vid int64, year int, approved, pending, rejected int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO volunteer_totals (volunteer_id, year, approved_minutes, pending_minutes, rejected_minutes) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (volunteer_id, year) DO UPDATE SET approved_minutes = volunteer_totals.approved_minutes + excluded.approved_minutes,
			pending_minutes = volunteer_totals.pending_minutes + excluded.pending_minutes,
			rejected_minutes = volunteer_totals.rejected_minutes + excluded.rejected_minutes`, vid, year, approved, pending, rejected)
	if err != nil {
		return fmt.Errorf("volunteer totals: %w", err)
	}
	return nil
}

// Entry is one line of the hours ledger.
type Entry struct {
	ID            int64      `json:"id"`
	TaskID        int64      `json:"task_id"`
	TaskTitle     string     `json:"task_title"`
	TaskOrgUnit   string     `json:"task_orgunit"`
	StartsAt      time.Time  `json:"starts_at"`
	VolunteerID   int64      `json:"volunteer_id"`
	VolunteerName string     `json:"volunteer_name"`
	CheckedInAt   *time.Time `json:"checked_in_at,omitempty"`
	CheckedOutAt  *time.Time `json:"checked_out_at,omitempty"`
	Minutes       int        `json:"minutes"`
	State         string     `json:"state" enum:"pending,approved,rejected"`
	Reason        string     `json:"reason,omitempty"`
	RecordedBy    string     `json:"recorded_by"`
	DecidedBy     string     `json:"decided_by,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	Year          int        `json:"year"`
}

const entryCols = `h.id, h.task_id, k.title, k.orgunit, k.starts_at, h.volunteer_id, v.name, h.checked_in_at, h.checked_out_at, h.minutes, h.state, h.reason,
	h.recorded_by, h.decided_by, h.decided_at, h.year`

const entryFrom = ` FROM volunteer_hours h JOIN volunteer_tasks k ON k.id = h.task_id JOIN volunteers v ON v.id = h.volunteer_id`

func scanEntry(sc interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var starts, in, out, decided int64
	err := sc.Scan(&e.ID, &e.TaskID, &e.TaskTitle, &e.TaskOrgUnit, &starts, &e.VolunteerID, &e.VolunteerName, &in, &out, &e.Minutes, &e.State, &e.Reason,
		&e.RecordedBy, &e.DecidedBy, &decided, &e.Year)
	e.StartsAt = db.FromMillis(starts)
	opt := func(ms int64) *time.Time {
		if ms == 0 {
			return nil
		}
		t := db.FromMillis(ms)
		return &t
	}
	e.CheckedInAt, e.CheckedOutAt, e.DecidedAt = opt(in), opt(out), opt(decided)
	return e, err
}

func (s *Store) entry(ctx context.Context, id int64) (Entry, error) {
	e, err := scanEntry(s.db.QueryRow(ctx, `SELECT `+entryCols+entryFrom+` WHERE h.id = ?`, id))
	if err != nil {
		return Entry{}, fmt.Errorf("read hours: %w", err)
	}
	return e, nil
}

// leaderOf is the leader of a team ("" or none: 0).
func leaderOf(ctx context.Context, q querier, team string) (int64, error) {
	if team == "" {
		return 0, nil
	}
	var id int64
	err := q.QueryRow(ctx, `SELECT leader_id FROM volunteer_teams WHERE code = ?`, team).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read team leader: %w", err)
	}
	return id, nil
}

// Approve approves a pending entry; Reject rejects it with a reason.
func (s *Store) Approve(ctx context.Context, c access.Caller, id int64) (Entry, error) {
	return s.decide(ctx, c, id, Approved, "")
}

// Reject rejects a pending entry with a reason (required).
func (s *Store) Reject(ctx context.Context, c access.Caller, id int64, reason string) (Entry, error) {
	return s.decide(ctx, c, id, Rejected, reason)
}

// decide approves or rejects an entry: the task's owner, staff whose scope
// holds the task's unit, or the leader of the task's team — never the
// volunteer whose hours they are (403). Not pending: 409.
func (s *Store) decide(ctx context.Context, c access.Caller, id int64, state, reason string) (Entry, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		e, err := scanEntry(tx.QueryRow(ctx, `SELECT `+entryCols+entryFrom+` WHERE h.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		if err != nil {
			return fmt.Errorf("read hours: %w", err)
		}
		t, err := scanTask(tx.QueryRow(ctx, `SELECT `+taskCols+` FROM volunteer_tasks k WHERE k.id = ?`, e.TaskID))
		if err != nil {
			return fmt.Errorf("read task: %w", err)
		}
		leader, err := leaderOf(ctx, tx, t.Team)
		if err != nil {
			return err
		}
		isLeader := isVolunteer(c) && c.VolunteerID != 0 && c.VolunteerID == leader
		if isLeader && c.VolunteerID != e.VolunteerID { // a leader decides the team's tasks it reaches
			if isLeader, err = s.sees(ctx, tx, c, t); err != nil {
				return err
			}
		}
		switch {
		case isVolunteer(c) && c.VolunteerID == e.VolunteerID:
			return apperr.New(apperr.Forbidden, "不能认定自己的志愿服务时长。", "You cannot approve your own hours.")
		case c.Actor.Username == t.Owner, isStaff(c) && c.Scope.Contains(t.OrgUnit), isLeader:
		case isStaff(c):
			if ok, err := s.sees(ctx, tx, c, t); err != nil {
				return err
			} else if ok {
				return apperr.New(apperr.Forbidden, "只有任务负责人、任务所在单位的工作人员或服务队队长可以认定时长。",
					"Only the task's owner, staff of the task's unit or the team's leader may approve its hours.")
			}
			return notFound()
		default:
			return notFound()
		}
		if state == Rejected {
			if fe := text("reason", &reason, true, 200, "不予认定的原因", "reason"); fe != nil {
				return apperr.Validation(*fe)
			}
		}
		if e.State != Pending {
			return conflict("state", "decided", "这条时长已经认定过了。", "These hours have already been decided.")
		}
		res, err := tx.Exec(ctx, `UPDATE volunteer_hours SET state = ?, reason = ?, decided_by = ?, decided_at = ? WHERE id = ? AND state = ?`,
			state, reason, c.Actor.Username, db.Millis(tx.Now), id, Pending)
		if err != nil {
			return fmt.Errorf("decide hours: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("decide hours: %w", err)
		} else if n == 0 {
			return conflict("state", "decided", "这条时长已经认定过了。", "These hours have already been decided.")
		}
		m := int64(e.Minutes)
		if state == Approved {
			err = addTotals(ctx, tx, e.VolunteerID, e.Year, m, -m, 0)
		} else {
			err = addTotals(ctx, tx, e.VolunteerID, e.Year, 0, -m, m)
		}
		if err != nil {
			return err
		}
		a := c.Actor.Entry(audit.ActionUpdate, SubjectHours, strconv.FormatInt(id, 10), t.OrgUnit)
		a.Detail = fmt.Sprintf(`{"state":%q,"minutes":%d,"reason":%s}`, state, e.Minutes, strconv.Quote(reason))
		return audit.Append(ctx, tx, a)
	})
	if err != nil {
		return Entry{}, err
	}
	return s.entry(ctx, id)
}

// Ledger is a volunteer's hours: the totals (of a year, or of all years)
// and the entries.
type Ledger struct {
	VolunteerID     int64   `json:"volunteer_id"`
	Name            string  `json:"name"`
	Year            int     `json:"year,omitempty"`
	ApprovedMinutes int64   `json:"approved_minutes"`
	PendingMinutes  int64   `json:"pending_minutes"`
	RejectedMinutes int64   `json:"rejected_minutes"`
	Items           []Entry `json:"items"`
}

// LedgerOf reads a volunteer's ledger (staff in scope, or the volunteer
// itself); year 0: all years. The totals are the kept ones
// (volunteer_totals), which always equal the sums of the entries.
func (s *Store) LedgerOf(ctx context.Context, c access.Caller, vid int64, year int) (Ledger, error) {
	v, err := s.volunteer(ctx, s.db, c, vid)
	if err != nil {
		return Ledger{}, err
	}
	l := Ledger{VolunteerID: vid, Name: v.Name, Year: year, Items: []Entry{}}
	cond, args := "volunteer_id = ?", []any{vid}
	if year != 0 {
		cond, args = cond+" AND year = ?", append(args, year)
	}
	if err := s.db.QueryRow(ctx, `SELECT COALESCE(sum(approved_minutes), 0), COALESCE(sum(pending_minutes), 0), COALESCE(sum(rejected_minutes), 0)
		FROM volunteer_totals WHERE `+cond, args...).Scan(&l.ApprovedMinutes, &l.PendingMinutes, &l.RejectedMinutes); err != nil {
		return Ledger{}, fmt.Errorf("read totals: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT `+entryCols+entryFrom+` WHERE h.`+strings.ReplaceAll(cond, "year", "h.year")+` ORDER BY k.starts_at DESC, h.id DESC LIMIT 1000`, args...)
	if err != nil {
		return Ledger{}, fmt.Errorf("read ledger: %w", err)
	}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			_ = rows.Close()
			return Ledger{}, fmt.Errorf("read ledger: %w", err)
		}
		l.Items = append(l.Items, e)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return Ledger{}, fmt.Errorf("read ledger: %w", err)
	}
	return l, s.log.Record(ctx, c.Actor.Entry(audit.ActionRead, SubjectVolunteer, strconv.FormatInt(vid, 10), v.OrgUnit))
}

// PendingFor lists the pending entries the caller may decide, oldest
// first: staff those of tasks of their scope or that they own; a team
// leader those of the team's tasks (never their own).
func (s *Store) PendingFor(ctx context.Context, c access.Caller, limit int) ([]Entry, error) {
	var cond string
	var args []any
	switch {
	case isStaff(c):
		lo, hi := c.Scope.Range()
		cond, args = "((k.orgunit >= ? AND k.orgunit < ?) OR k.owner = ?)", []any{lo, hi, c.Actor.Username}
	case isVolunteer(c) && c.VolunteerID != 0:
		cond, args = "k.team IN (SELECT code FROM volunteer_teams WHERE leader_id = ?) AND h.volunteer_id <> ?", []any{c.VolunteerID, c.VolunteerID}
	default:
		return nil, nil
	}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	rows, err := s.db.Query(ctx, `SELECT `+entryCols+entryFrom+` WHERE h.state = 'pending' AND `+cond+` ORDER BY h.recorded_at, h.id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list pending hours: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("list pending hours: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// TotalRow is a year's hours of a team in a town.
type TotalRow struct {
	Team            string `json:"team"`
	TeamName        string `json:"team_name"`
	Town            string `json:"town"`
	Volunteers      int    `json:"volunteers"`
	ApprovedMinutes int64  `json:"approved_minutes"`
	PendingMinutes  int64  `json:"pending_minutes"`
}

// Totals gives a year's approved and pending minutes by team and town, of
// the volunteers of the caller's scope (staff).
func (s *Store) Totals(ctx context.Context, c access.Caller, year int) ([]TotalRow, error) {
	if !isStaff(c) {
		return nil, nil
	}
	lo, hi := c.Scope.Range()
	rows, err := s.db.Query(ctx, `SELECT v.team, t.name, substr(v.orgunit, 1, 9), count(DISTINCT v.id), COALESCE(sum(o.approved_minutes), 0), COALESCE(sum(o.pending_minutes), 0)
		FROM volunteers v JOIN volunteer_teams t ON t.code = v.team LEFT JOIN volunteer_totals o ON o.volunteer_id = v.id AND o.year = ?
		WHERE v.orgunit >= ? AND v.orgunit < ? AND (v.active OR o.volunteer_id IS NOT NULL)
		GROUP BY v.team, t.name, t.seq, substr(v.orgunit, 1, 9) ORDER BY t.seq, v.team, substr(v.orgunit, 1, 9)`, year, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("hours totals: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []TotalRow
	for rows.Next() {
		var r TotalRow
		if err := rows.Scan(&r.Team, &r.TeamName, &r.Town, &r.Volunteers, &r.ApprovedMinutes, &r.PendingMinutes); err != nil {
			return nil, fmt.Errorf("hours totals: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Suggestion is a volunteer suggested for a task, with the reasons.
type Suggestion struct {
	VolunteerID int64    `json:"volunteer_id"`
	Name        string   `json:"name"`
	Team        string   `json:"team"`
	OrgUnit     string   `json:"orgunit"`
	Score       int      `json:"score"`
	Reasons     []string `json:"reasons"`
}

// Suggest proposes active volunteers for a task (staff who see it): those
// the corps rule lets take it, of the caller's scope, not signed up and
// free at that time, ranked by matching skills (3 points each), the task's
// team (2), the same village (3) or town (2), and availability on the
// task's weekday (1) and part of the day (1); each with its reasons in
// words.
func (s *Store) Suggest(ctx context.Context, c access.Caller, taskID int64, lang string) ([]Suggestion, error) {
	if !isStaff(c) {
		return nil, apperr.ErrForbidden()
	}
	t, err := s.task(ctx, s.db, c, taskID)
	if err != nil {
		return nil, err
	}
	teams, err := s.Teams(ctx, c)
	if err != nil {
		return nil, err
	}
	teamName := func(code string) string {
		for _, tm := range teams {
			if tm.Code == code {
				return tm.Label(lang)
			}
		}
		return code
	}
	tlo, thi := orgunit.ScopeOf(TownOf(t.OrgUnit)).Range()
	lo, hi := c.Scope.Range()
	rows, err := s.db.Query(ctx, `SELECT `+volunteerCols+volunteerFrom+` WHERE v.active AND v.orgunit >= ? AND v.orgunit < ? AND v.orgunit >= ? AND v.orgunit < ?
		AND v.id NOT IN (SELECT g.volunteer_id FROM volunteer_signups g JOIN volunteer_tasks o ON o.id = g.task_id
			WHERE g.cancelled_at = 0 AND o.state = 'open' AND (g.task_id = ? OR (g.starts_at < ? AND g.ends_at > ?)))
		ORDER BY v.id LIMIT 5000`, tlo, thi, lo, hi, t.ID, db.Millis(t.EndsAt), db.Millis(t.StartsAt))
	if err != nil {
		return nil, fmt.Errorf("suggest volunteers: %w", err)
	}
	defer func() { _ = rows.Close() }()
	en := lang == "en"
	say := func(zh, e string) string {
		if en {
			return e
		}
		return zh
	}
	day, part := weekdayCode(t.StartsAt), partOfDay(t.StartsAt)
	var out []Suggestion
	for rows.Next() {
		v, err := scanVolunteer(rows)
		if err != nil {
			return nil, fmt.Errorf("suggest volunteers: %w", err)
		}
		sg := Suggestion{VolunteerID: v.ID, Name: v.Name, Team: v.Team, OrgUnit: v.OrgUnit}
		for _, sk := range t.Skills {
			if slices.Contains(v.Skills, sk) {
				sg.Score += 3
				w := WordOf(Skills, sk)
				sg.Reasons = append(sg.Reasons, say("会"+w.Zh, "skill: "+w.En))
			}
		}
		if t.Team != "" && v.Team == t.Team {
			sg.Score += 2
			sg.Reasons = append(sg.Reasons, say("属于"+v.TeamName, "member of the "+teamName(v.Team)))
		}
		switch {
		case len(t.OrgUnit) >= 12 && v.OrgUnit == t.OrgUnit:
			sg.Score += 3
			sg.Reasons = append(sg.Reasons, say("住在同一村居", "lives in the same village"))
		case len(t.OrgUnit) >= 9 && TownOf(v.OrgUnit) == TownOf(t.OrgUnit):
			sg.Score += 2
			sg.Reasons = append(sg.Reasons, say("在同一镇（街道）", "in the same town"))
		}
		if slices.Contains(v.Days, day) {
			sg.Score++
			sg.Reasons = append(sg.Reasons, say(WordOf(Days, day).Zh+"有空", "free on "+WordOf(Days, day).En))
		}
		if slices.Contains(v.Times, part) {
			sg.Score++
			sg.Reasons = append(sg.Reasons, say(WordOf(Times, part).Zh+"有空", "free in the "+strings.ToLower(WordOf(Times, part).En)))
		}
		if sg.Reasons == nil {
			sg.Reasons = []string{say("可以参加（同镇或区级任务），时间不冲突", "may take it (own town or district task), no clash")}
		}
		out = append(out, sg)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("suggest volunteers: %w", err)
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int { return b.Score - a.Score })
	if len(out) > MaxSuggestion {
		out = out[:MaxSuggestion]
	}
	return out, nil
}

// FeedbackInput is feedback on a task.
type FeedbackInput struct {
	Rating  int    `json:"rating"`
	Comment string `json:"comment,omitempty"`
}

// Feedback is what the served person (or staff on their behalf) said.
type Feedback struct {
	TaskID   int64     `json:"task_id"`
	GivenBy  string    `json:"given_by"`
	Rating   int       `json:"rating"`
	Comment  string    `json:"comment"`
	OnBehalf bool      `json:"on_behalf"`
	GivenAt  time.Time `json:"given_at"`
}

// GiveFeedback records the served person's feedback on a task that has
// begun: the person's own account, or staff who manage the task on their
// behalf. Rating 1..5; a second time from the same account: 409.
func (s *Store) GiveFeedback(ctx context.Context, c access.Caller, taskID int64, in FeedbackInput) (Feedback, error) {
	var fs []apperr.FieldError
	if in.Rating < 1 || in.Rating > MaxRating {
		fs = append(fs, apperr.Field("rating", "range", "评分应在1到5之间。", "The rating must be from 1 to 5."))
	}
	if fe := text("comment", &in.Comment, false, MaxText, "意见", "comment"); fe != nil {
		fs = append(fs, *fe)
	}
	var out Feedback
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		t, err := s.task(ctx, tx, c, taskID)
		if err != nil {
			return err
		}
		behalf := isStaff(c)
		switch {
		case behalf && !manages(c, t):
			return apperr.ErrForbidden()
		case !behalf && (c.PersonID == 0 || t.PersonID != c.PersonID):
			return notFound()
		}
		if tx.Now.Before(t.StartsAt) {
			return conflict("task", "not_begun", "任务开始后才能评价。", "Feedback can be given once the task has begun.")
		}
		if len(fs) > 0 {
			return apperr.Validation(fs...)
		}
		out = Feedback{TaskID: taskID, GivenBy: c.Actor.Username, Rating: in.Rating, Comment: in.Comment, OnBehalf: behalf, GivenAt: tx.Now}
		_, err = tx.Exec(ctx, `INSERT INTO volunteer_feedback (task_id, given_by, rating, comment, on_behalf, given_at) VALUES (?, ?, ?, ?, ?, ?)`,
			taskID, out.GivenBy, out.Rating, out.Comment, behalf, db.Millis(tx.Now))
		if db.IsUniqueViolation(err) {
			return conflict("task", "duplicate", "已经评价过这项任务了。", "Feedback on this task has already been given.")
		}
		if err != nil {
			return fmt.Errorf("give feedback: %w", err)
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionCreate, SubjectTask, strconv.FormatInt(taskID, 10), t.OrgUnit))
	})
	return out, err
}

// FeedbackOf lists a task's feedback (staff who see the task; the person
// their own).
func (s *Store) FeedbackOf(ctx context.Context, c access.Caller, taskID int64) ([]Feedback, error) {
	if _, err := s.task(ctx, s.db, c, taskID); err != nil {
		return nil, err
	}
	cond, args := "task_id = ?", []any{taskID}
	if !isStaff(c) {
		cond, args = cond+" AND given_by = ?", append(args, c.Actor.Username)
	}
	rows, err := s.db.Query(ctx, `SELECT task_id, given_by, rating, comment, on_behalf, given_at FROM volunteer_feedback WHERE `+cond+` ORDER BY given_at`, args...)
	if err != nil {
		return nil, fmt.Errorf("list feedback: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := []Feedback{}
	for rows.Next() {
		var f Feedback
		var at int64
		if err := rows.Scan(&f.TaskID, &f.GivenBy, &f.Rating, &f.Comment, &f.OnBehalf, &at); err != nil {
			return nil, fmt.Errorf("list feedback: %w", err)
		}
		f.GivenAt = db.FromMillis(at)
		out = append(out, f)
	}
	return out, rows.Err()
}
