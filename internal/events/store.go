package events

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
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/registry"
)

// Store keeps the events. Every method takes the caller.
type Store struct {
	db    *db.DB
	units *orgunit.Store
	log   *audit.Log
	// Changed, when set, is told inside the transaction which persons'
	// attendance counts changed (the indicators: culture_sports_rate).
	Changed registry.ChangeHook
	// Sessions, when set, gives what else meets on the days from
	// (inclusive) to (exclusive) that the caller sees — the centres'
	// programmes — for the month's calendar.
	Sessions func(ctx context.Context, c access.Caller, from, to, lang string) ([]Session, error)
	// Partners reaches the partner districts' installations for their
	// shared events and the counts of their residents at ours (nil: no
	// partners).
	Partners Partners
	// Home is the home district's code: the district of the shared events
	// this installation lists to its partners.
	Home string
}

// Session is a meeting of a centre's programme on a day, as the calendar
// shows it beside the events.
type Session struct {
	Date  string
	Time  string // "14:00–15:30", or ""
	Title string // the programme
	Where string // the centre
	Kind  string // in the page's language
	Href  string // the centre's page
}

// NewStore returns a store.
func NewStore(d *db.DB, units *orgunit.Store, log *audit.Log) *Store {
	return &Store{db: d, units: units, log: log}
}

// querier is a database or a transaction.
type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// Input is a new event or a change of one (Version for a change).
type Input struct {
	Title       string `json:"title"`
	Kind        string `json:"kind" enum:"sport,culture,skills"`
	OrgUnit     string `json:"orgunit"`
	Shared      bool   `json:"shared,omitempty"`
	Date        string `json:"date"`
	Place       string `json:"place,omitempty"`
	Places      int    `json:"places,omitempty"`
	Description string `json:"description,omitempty"`
	Version     int    `json:"version,omitempty"`
}

// Event is an event as the caller may see it.
type Event struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	Kind        string `json:"kind"`
	OrgUnit     string `json:"orgunit"`
	Shared      bool   `json:"shared"`
	Date        string `json:"date"`
	Place       string `json:"place"`
	Places      int    `json:"places"`
	Description string `json:"description"`
	State       string `json:"state"`
	CreatedBy   string `json:"created_by"`
	Version     int    `json:"version"`
	// Registered counts every entry of the event; Attended the attended.
	Registered int `json:"registered"`
	Attended   int `json:"attended"`
	// Mine is the caller's own entry (a person account), if any.
	Mine *Entry `json:"mine,omitempty"`
}

// Full says whether the event's places are taken.
func (e Event) Full() bool { return e.Places > 0 && e.Registered >= e.Places }

// Free is the number of free places (-1: no limit).
func (e Event) Free() int {
	if e.Places == 0 {
		return -1
	}
	return max(0, e.Places-e.Registered)
}

const eventCols = `v.id, v.title, v.kind, v.orgunit, v.shared, v.date, v.place, v.places, v.description, v.state, v.created_by, v.version,
	(SELECT count(*) FROM event_entries n WHERE n.event_id = v.id),
	(SELECT count(*) FROM event_entries n WHERE n.event_id = v.id AND n.attended = TRUE)`

func scanEvent(sc interface{ Scan(...any) error }) (Event, error) {
	var e Event
	err := sc.Scan(&e.ID, &e.Title, &e.Kind, &e.OrgUnit, &e.Shared, &e.Date, &e.Place, &e.Places, &e.Description, &e.State, &e.CreatedBy, &e.Version,
		&e.Registered, &e.Attended)
	return e, err
}

// homeOf is the village of a person account's record ("" when none).
func (s *Store) homeOf(ctx context.Context, q querier, personID int64) (string, error) {
	var unit string
	err := q.QueryRow(ctx, `SELECT orgunit FROM persons WHERE id = ?`, personID).Scan(&unit)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read person: %w", err)
	}
	return unit, nil
}

// reachCond is the SQL condition of the events a unit reaches: those of
// its subtree when sub, and those of the units above it.
func reachCond(col, unit string, sub bool) (string, []any) {
	var conds []string
	var args []any
	if sub {
		lo, hi := orgunit.ScopeOf(unit).Range()
		conds, args = append(conds, col+" >= ? AND "+col+" < ?"), append(args, lo, hi)
	}
	for _, p := range parentsOf(unit) {
		if len(p) < len(unit) || !sub {
			conds, args = append(conds, col+" = ?"), append(args, p)
		}
	}
	if len(conds) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// visible is the SQL condition of the events the caller sees (alias v).
func (s *Store) visible(ctx context.Context, q querier, c access.Caller) (string, []any, error) {
	switch {
	case isStaff(c) && c.Scope.All:
		return "1 = 1", nil, nil
	case isStaff(c) && c.Scope.Prefix != "":
		cond, args := reachCond("v.orgunit", c.Scope.Prefix, true)
		return cond, args, nil
	case c.PersonID != 0:
		home, err := s.homeOf(ctx, q, c.PersonID)
		if err != nil {
			return "", nil, err
		}
		mine := "v.id IN (SELECT m.event_id FROM event_entries m WHERE m.person_id = ?)"
		if home == "" {
			return mine, []any{c.PersonID}, nil
		}
		cond, args := reachCond("v.orgunit", home, false)
		return "(" + cond + " OR " + mine + ")", append(args, c.PersonID), nil
	}
	return "1 = 0", nil, nil
}

// manages says whether staff may change an event itself (edit, cancel):
// those whose scope holds its unit.
func manages(c access.Caller, e Event) bool { return isStaff(c) && c.Scope.Contains(e.OrgUnit) }

// event reads an event the caller sees (404 otherwise).
func (s *Store) event(ctx context.Context, q querier, c access.Caller, id int64) (Event, error) {
	cond, args, err := s.visible(ctx, q, c)
	if err != nil {
		return Event{}, err
	}
	e, err := scanEvent(q.QueryRow(ctx, `SELECT `+eventCols+` FROM events v WHERE v.id = ? AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, notFound()
	}
	if err != nil {
		return Event{}, fmt.Errorf("read event: %w", err)
	}
	return e, nil
}

// lockedEvent takes the event's row for the transaction (PostgreSQL holds
// it until commit; SQLite has one writer), so that places are counted once,
// and reads it as the caller sees it.
func (s *Store) lockedEvent(ctx context.Context, tx *db.Tx, c access.Caller, id int64) (Event, error) {
	if _, err := tx.Exec(ctx, `UPDATE events SET version = version WHERE id = ?`, id); err != nil {
		return Event{}, fmt.Errorf("lock event: %w", err)
	}
	return s.event(ctx, tx, c, id)
}

// Get reads an event the caller sees, with a person account's own entry.
func (s *Store) Get(ctx context.Context, c access.Caller, id int64) (Event, error) {
	e, err := s.event(ctx, s.db, c, id)
	if err != nil {
		return Event{}, err
	}
	return s.withMine(ctx, c, e)
}

func (s *Store) withMine(ctx context.Context, c access.Caller, e Event) (Event, error) {
	if c.PersonID == 0 {
		return e, nil
	}
	list, err := s.entries(ctx, s.db, c, e.ID, c.PersonID, "", false)
	if err != nil {
		return Event{}, err
	}
	if len(list) == 1 {
		e.Mine = &list[0]
	}
	return e, nil
}

// check validates an event's input in place.
func (s *Store) check(ctx context.Context, c access.Caller, in *Input) error {
	var fs []apperr.FieldError
	add := func(fe *apperr.FieldError) {
		if fe != nil {
			fs = append(fs, *fe)
		}
	}
	add(text("title", &in.Title, true, MaxTitle, "活动名称", "title"))
	add(text("place", &in.Place, false, MaxPlace, "地点", "place"))
	add(text("description", &in.Description, false, MaxText, "活动介绍", "description"))
	in.Kind = strings.TrimSpace(in.Kind)
	if in.Kind == "" {
		fs = append(fs, apperr.Field("kind", "required", "请选择活动类型（体育、文化或技能）。", "Choose the kind: sport, culture or skills."))
	} else if KindOf(in.Kind).Code == "" {
		fs = append(fs, apperr.Field("kind", "unknown", "不认识的活动类型："+clip(in.Kind)+"（应为体育、文化或技能）。",
			"Unknown kind of event: "+clip(in.Kind)+" (sport, culture or skills)."))
	}
	in.OrgUnit = safetext.Narrow(strings.TrimSpace(in.OrgUnit))
	if in.OrgUnit == "" {
		fs = append(fs, apperr.Field("orgunit", "required", "请选择举办单位。", "Choose the unit that holds the event."))
	} else if !c.Scope.Contains(in.OrgUnit) {
		fs = append(fs, apperr.Field("orgunit", "not_found", "未找到该组织单位。", "Org unit not found."))
	} else if u, err := s.units.Get(ctx, in.OrgUnit); apperr.CodeOf(err) == apperr.NotFound {
		fs = append(fs, apperr.Field("orgunit", "not_found", "未找到该组织单位。", "Org unit not found."))
	} else if err != nil {
		return err
	} else if u.Level < 2 || u.Level > 4 {
		fs = append(fs, apperr.Field("orgunit", "level", "举办单位应是区、镇（街道）或村居。", "The unit must be a district, a town or a village."))
	}
	if fe := s.checkDate(&in.Date); fe != nil {
		fs = append(fs, *fe)
	}
	if in.Places < 0 || in.Places > MaxPlaces {
		fs = append(fs, apperr.Field("places", "range", fmt.Sprintf("名额应在0到%d之间（0表示不限）。", MaxPlaces),
			fmt.Sprintf("Places must be from 0 to %d (0: no limit).", MaxPlaces)))
	}
	if len(fs) > 0 {
		return apperr.Validation(fs...)
	}
	return nil
}

// checkDate checks an event's date: YYYY-MM-DD, at most a year back and two
// years ahead.
func (s *Store) checkDate(d *string) *apperr.FieldError {
	*d = safetext.Narrow(strings.TrimSpace(*d))
	var fe apperr.FieldError
	now := s.db.Now().In(shanghai)
	t, err := time.ParseInLocation(time.DateOnly, *d, shanghai)
	switch {
	case *d == "":
		fe = apperr.Field("date", "required", "请填写活动日期。", "Enter the date of the event.")
	case err != nil:
		fe = apperr.Field("date", "invalid", "日期无法识别："+clip(*d)+"，请写成 2026-05-01 这样。", "The date cannot be read: "+clip(*d)+"; write it like 2026-05-01.")
	case Today(t) < Today(now.AddDate(-1, 0, 0)):
		fe = apperr.Field("date", "past", "活动日期最早在一年前。", "The date is at most a year ago.")
	case Today(t) > Today(now.AddDate(2, 0, 0)):
		fe = apperr.Field("date", "too_far", "活动日期最多在两年之后。", "The date is at most two years ahead.")
	default:
		return nil
	}
	return &fe
}

// Create publishes an event of a unit in the caller's scope (staff).
// Audited.
func (s *Store) Create(ctx context.Context, c access.Caller, in Input) (Event, error) {
	if !isStaff(c) {
		return Event{}, apperr.ErrForbidden()
	}
	if err := s.check(ctx, c, &in); err != nil {
		return Event{}, err
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO events (title, kind, orgunit, shared, date, place, places, description, state, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Title, in.Kind, in.OrgUnit, in.Shared, in.Date, in.Place, in.Places, in.Description, Open, c.Actor.Username, db.Millis(tx.Now)).Scan(&id); err != nil {
			return fmt.Errorf("insert event: %w", err)
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionCreate, SubjectEvent, strconv.FormatInt(id, 10), in.OrgUnit))
	})
	if err != nil {
		return Event{}, err
	}
	return s.Get(ctx, c, id)
}

// Update changes an open event the caller manages, with the version read
// (409 when stale). Places may not fall below the entries; an event with
// attendance may not move to a day still to come. A change of kind or date
// tells the indicators. Audited.
func (s *Store) Update(ctx context.Context, c access.Caller, id int64, in Input) (Event, error) {
	if old, err := s.event(ctx, s.db, c, id); err != nil {
		return Event{}, err
	} else if !manages(c, old) {
		return Event{}, apperr.ErrForbidden()
	}
	if err := s.check(ctx, c, &in); err != nil {
		return Event{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		old, err := s.lockedEvent(ctx, tx, c, id)
		if err != nil {
			return err
		}
		if !manages(c, old) {
			return apperr.ErrForbidden()
		}
		if old.State != Open {
			return conflict("state", "cancelled", "这项活动已取消，不能再修改。", "This event is cancelled and cannot be changed.")
		}
		if in.Places > 0 && in.Places < old.Registered {
			return invalid("places", "below_entries", fmt.Sprintf("已有%d人报名，名额不能少于此数。", old.Registered),
				fmt.Sprintf("%d are registered already: the places cannot be fewer.", old.Registered))
		}
		if old.Attended > 0 && in.Date > Today(tx.Now) {
			return invalid("date", "attended", "已记录到场的活动不能改到以后的日期。", "An event with attendance recorded cannot move to a day still to come.")
		}
		res, err := tx.Exec(ctx, `UPDATE events SET title = ?, kind = ?, orgunit = ?, shared = ?, date = ?, place = ?, places = ?, description = ?,
				version = version + 1 WHERE id = ? AND version = ?`,
			in.Title, in.Kind, in.OrgUnit, in.Shared, in.Date, in.Place, in.Places, in.Description, id, in.Version)
		if err != nil {
			return fmt.Errorf("update event: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("update event: %w", err)
		} else if n == 0 {
			return apperr.ErrStale()
		}
		if in.Kind != old.Kind || in.Date != old.Date {
			if err := s.attendedChanged(ctx, tx, id); err != nil {
				return err
			}
		}
		e := c.Actor.Entry(audit.ActionUpdate, SubjectEvent, strconv.FormatInt(id, 10), in.OrgUnit)
		e.Detail = fmt.Sprintf(`{"kind":%q,"date":%q}`, in.Kind, in.Date)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Event{}, err
	}
	return s.Get(ctx, c, id)
}

// attendedChanged tells the indicators of the persons who attended an event.
func (s *Store) attendedChanged(ctx context.Context, tx *db.Tx, id int64) error {
	if s.Changed == nil {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT person_id FROM event_entries WHERE event_id = ? AND attended = TRUE ORDER BY person_id`, id)
	if err != nil {
		return fmt.Errorf("read attendance: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			_ = rows.Close()
			return fmt.Errorf("read attendance: %w", err)
		}
		ids = append(ids, p)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("read attendance: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	return s.Changed.PersonsChanged(ctx, tx, ids)
}

// Cancel cancels an open event the caller manages, with a reason. Its
// entries stay; its attendance no longer counts (the indicators are told).
// Audited.
func (s *Store) Cancel(ctx context.Context, c access.Caller, id int64, reason string) (Event, error) {
	if fe := text("reason", &reason, true, 200, "取消原因", "reason"); fe != nil {
		return Event{}, apperr.Validation(*fe)
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		ev, err := s.lockedEvent(ctx, tx, c, id)
		if err != nil {
			return err
		}
		if !manages(c, ev) {
			return apperr.ErrForbidden()
		}
		if ev.State != Open {
			return conflict("state", "cancelled", "这项活动已取消。", "This event is already cancelled.")
		}
		if _, err := tx.Exec(ctx, `UPDATE events SET state = ?, version = version + 1 WHERE id = ?`, Cancelled, id); err != nil {
			return fmt.Errorf("cancel event: %w", err)
		}
		if err := s.attendedChanged(ctx, tx, id); err != nil {
			return err
		}
		e := c.Actor.Entry(audit.ActionUpdate, SubjectEvent, strconv.FormatInt(id, 10), ev.OrgUnit)
		e.Detail = fmt.Sprintf(`{"state":"cancelled","reason":%s}`, strconv.Quote(reason))
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Event{}, err
	}
	return s.Get(ctx, c, id)
}

// Filter narrows the list of events.
type Filter struct {
	From, To string // dates, To excluded; "" unbounded
	Kind     string
	OrgUnit  string // events of this unit's subtree
	Mine     bool   // a person account: only its entries
	Open     bool   // only open events
	Limit    int
}

// List lists the events the caller sees, by date.
func (s *Store) List(ctx context.Context, c access.Caller, f Filter) ([]Event, error) {
	cond, args, err := s.visible(ctx, s.db, c)
	if err != nil {
		return nil, err
	}
	conds := []string{cond}
	if f.From != "" {
		conds, args = append(conds, "v.date >= ?"), append(args, f.From)
	}
	if f.To != "" {
		conds, args = append(conds, "v.date < ?"), append(args, f.To)
	}
	if f.Kind != "" {
		conds, args = append(conds, "v.kind = ?"), append(args, f.Kind)
	}
	if f.OrgUnit != "" {
		lo, hi := orgunit.ScopeOf(f.OrgUnit).Range()
		conds, args = append(conds, "v.orgunit >= ? AND v.orgunit < ?"), append(args, lo, hi)
	}
	if f.Mine && c.PersonID != 0 {
		conds, args = append(conds, "v.id IN (SELECT m.event_id FROM event_entries m WHERE m.person_id = ?)"), append(args, c.PersonID)
	}
	if f.Open {
		conds = append(conds, "v.state = 'open'")
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	rows, err := s.db.Query(ctx, `SELECT `+eventCols+` FROM events v WHERE `+strings.Join(conds, " AND ")+` ORDER BY v.date, v.id LIMIT ?`,
		append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	var out []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("list events: %w", err)
		}
		out = append(out, e)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	for i := range out {
		if out[i], err = s.withMine(ctx, c, out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
