package events

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/registry"
)

// Entry is a person's entry in an event: the name and village, never an ID
// number, certificate number or phone.
type Entry struct {
	PersonID     int64  `json:"person_id"`
	Name         string `json:"name"`
	OrgUnit      string `json:"orgunit"`
	Village      string `json:"village"`
	RegisteredBy string `json:"registered_by"`
	Attended     bool   `json:"attended"`
	Place        int    `json:"place"`
	Award        string `json:"award"`
}

// ResultInput is an attended person's result: a place (1..1000; 0 none)
// and an award.
type ResultInput struct {
	Place int    `json:"place"`
	Award string `json:"award,omitempty"`
}

// entries lists an event's entries of the persons the caller may see (one
// person when person != 0), by name. listed audits the persons named, as a
// listing of their records.
func (s *Store) entries(ctx context.Context, q querier, c access.Caller, eventID, person int64, lang string, listed bool) ([]Entry, error) {
	where, args := c.Where("e.person_id", "p.orgunit")
	if !isStaff(c) && c.PersonID == 0 {
		return nil, nil
	}
	cond := ""
	if person != 0 {
		cond, args = " AND e.person_id = ?", append(args, person)
	}
	rows, err := q.Query(ctx, `SELECT e.person_id, p.name, p.orgunit, COALESCE(u.name, ''), COALESCE(u.name_en, ''), e.registered_by, e.attended,
			e.result_place, e.award
		FROM event_entries e JOIN persons p ON p.id = e.person_id LEFT JOIN orgunits u ON u.code = p.orgunit
		WHERE e.event_id = ? AND `+where+cond+` ORDER BY p.name, e.person_id`, append([]any{eventID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	var out []Entry
	for rows.Next() {
		var n Entry
		var zh, en string
		if err := rows.Scan(&n.PersonID, &n.Name, &n.OrgUnit, &zh, &en, &n.RegisteredBy, &n.Attended, &n.Place, &n.Award); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("list entries: %w", err)
		}
		n.Village = n.OrgUnit
		if zh != "" {
			n.Village = apperr.T(zh, en).In(lang)
		}
		out = append(out, n)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	if listed && len(out) > 0 {
		list := make([]audit.Entry, len(out))
		for i, n := range out {
			list[i] = c.Actor.Entry(audit.ActionList, registry.SubjectPerson, strconv.FormatInt(n.PersonID, 10), n.OrgUnit)
			list[i].Detail = fmt.Sprintf(`{"via":"event","event":%d}`, eventID)
		}
		if err := s.log.Record(ctx, list...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Entries lists an event's entries as the caller may see them: staff those
// of the persons in their scope, a person account its own. Audited as a
// listing of the persons named.
func (s *Store) Entries(ctx context.Context, c access.Caller, eventID int64, lang string) ([]Entry, error) {
	if _, err := s.event(ctx, s.db, c, eventID); err != nil {
		return nil, err
	}
	return s.entries(ctx, s.db, c, eventID, 0, lang, true)
}

// person checks that the caller may act for a person: staff for the
// persons of their scope, a person account for itself (0: itself). It
// returns the person's id and village; 404 otherwise, as for a missing id.
func (s *Store) person(ctx context.Context, q querier, c access.Caller, id int64) (int64, string, error) {
	if c.PersonID != 0 {
		if id != 0 && id != c.PersonID {
			return 0, "", notFound()
		}
		id = c.PersonID
	} else if !isStaff(c) {
		return 0, "", apperr.ErrForbidden()
	}
	if id <= 0 {
		return 0, "", invalid("person_id", "required", "请选择要报名的人。", "Choose the person.")
	}
	where, args := c.Where("p.id", "p.orgunit")
	var unit string
	err := q.QueryRow(ctx, `SELECT p.orgunit FROM persons p WHERE p.id = ? AND `+where, append([]any{id}, args...)...).Scan(&unit)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", notFound()
	}
	if err != nil {
		return 0, "", fmt.Errorf("read person: %w", err)
	}
	return id, unit, nil
}

// changed audits a change of a person's entry as a change about the person,
// naming the event, and tells the indicators when attendance changed.
func (s *Store) changed(ctx context.Context, tx *db.Tx, c access.Caller, ev Event, person int64, unit, what string, attendance bool) error {
	e := c.Actor.Entry(audit.ActionUpdate, registry.SubjectPerson, strconv.FormatInt(person, 10), unit)
	e.Detail = fmt.Sprintf(`{"via":"event","event":%d,"change":%q}`, ev.ID, what)
	if err := audit.Append(ctx, tx, e); err != nil {
		return err
	}
	if attendance && s.Changed != nil {
		return s.Changed.PersonsChanged(ctx, tx, []int64{person})
	}
	return nil
}

// entryOf reads a person's entry row in an event (ok false when none).
func entryOf(ctx context.Context, tx *db.Tx, eventID, person int64) (attended, ok bool, err error) {
	err = tx.QueryRow(ctx, `SELECT attended FROM event_entries WHERE event_id = ? AND person_id = ?`+tx.ForUpdate(), eventID, person).Scan(&attended)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("read entry: %w", err)
	}
	return attended, true, nil
}

func cancelledErr() error {
	return conflict("state", "cancelled", "这项活动已取消。", "This event is cancelled.")
}

// Register registers a person for an open event the caller sees: staff a
// person of their scope, a person account itself. Not after the event's day
// (422), not when its places are taken (409), not twice (409). Audited.
func (s *Store) Register(ctx context.Context, c access.Caller, eventID, personID int64) (Entry, error) {
	var pid int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		ev, err := s.lockedEvent(ctx, tx, c, eventID)
		if err != nil {
			return err
		}
		id, unit, err := s.person(ctx, tx, c, personID)
		if err != nil {
			return err
		}
		pid = id
		if ev.State != Open {
			return cancelledErr()
		}
		if ev.Date < Today(tx.Now) {
			return invalid("person_id", "over", "活动已于"+ev.Date+"举行，报名已截止。", "The event took place on "+ev.Date+": registration is closed.")
		}
		if _, ok, err := entryOf(ctx, tx, eventID, id); err != nil {
			return err
		} else if ok {
			return conflict("person_id", "twice", "此人已报名这项活动。", "This person is registered for the event already.")
		}
		if ev.Full() {
			return conflict("person_id", "full", fmt.Sprintf("名额已满（共%d个）。", ev.Places), fmt.Sprintf("The event is full (%d places).", ev.Places))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO event_entries (event_id, person_id, registered_by, registered_at) VALUES (?, ?, ?, ?)`,
			eventID, id, c.Actor.Username, db.Millis(tx.Now)); err != nil {
			return fmt.Errorf("register: %w", err)
		}
		return s.changed(ctx, tx, c, ev, id, unit, "registered", false)
	})
	if err != nil {
		return Entry{}, err
	}
	return s.one(ctx, c, eventID, pid)
}

// one reads a person's entry (not audited: the caller just wrote it).
func (s *Store) one(ctx context.Context, c access.Caller, eventID, person int64) (Entry, error) {
	list, err := s.entries(ctx, s.db, c, eventID, person, "", false)
	if err != nil {
		return Entry{}, err
	}
	if len(list) == 0 {
		return Entry{}, notFound()
	}
	return list[0], nil
}

// Withdraw withdraws a person's registration, up to the event's day and
// while no attendance is recorded. Audited.
func (s *Store) Withdraw(ctx context.Context, c access.Caller, eventID, personID int64) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		ev, err := s.lockedEvent(ctx, tx, c, eventID)
		if err != nil {
			return err
		}
		id, unit, err := s.person(ctx, tx, c, personID)
		if err != nil {
			return err
		}
		attended, ok, err := entryOf(ctx, tx, eventID, id)
		if err != nil {
			return err
		}
		if !ok {
			return notFound()
		}
		if ev.Date < Today(tx.Now) {
			return invalid("person_id", "over", "活动已举行，不能再取消报名。", "The event has taken place: the registration cannot be withdrawn.")
		}
		if attended {
			return conflict("person_id", "attended", "已记录到场，请先撤销到场记录。", "Attendance is recorded: remove it first.")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM event_entries WHERE event_id = ? AND person_id = ?`, eventID, id); err != nil {
			return fmt.Errorf("withdraw: %w", err)
		}
		return s.changed(ctx, tx, c, ev, id, unit, "withdrawn", false)
	})
}

// Attend records that a person attended (staff, for persons of their
// scope), on or after the event's day; without a registration it makes
// the entry. It tells whether the attendance is new (false: it was
// recorded already, and nothing changed). The indicators are told.
// Audited.
func (s *Store) Attend(ctx context.Context, c access.Caller, eventID, personID int64) (Entry, bool, error) {
	if !isStaff(c) {
		return Entry{}, false, apperr.ErrForbidden()
	}
	var pid int64
	created := false
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		ev, err := s.lockedEvent(ctx, tx, c, eventID)
		if err != nil {
			return err
		}
		id, unit, err := s.person(ctx, tx, c, personID)
		if err != nil {
			return err
		}
		pid = id
		if ev.State != Open {
			return cancelledErr()
		}
		if ev.Date > Today(tx.Now) {
			return invalid("person_id", "future", "活动在"+ev.Date+"举行：到场情况在活动当天或之后记录。",
				"The event is on "+ev.Date+": attendance is recorded on or after the event day.")
		}
		attended, ok, err := entryOf(ctx, tx, eventID, id)
		if err != nil {
			return err
		}
		switch {
		case attended:
			return nil
		case ok:
			_, err = tx.Exec(ctx, `UPDATE event_entries SET attended = TRUE, attended_at = ? WHERE event_id = ? AND person_id = ?`, db.Millis(tx.Now), eventID, id)
		default:
			_, err = tx.Exec(ctx, `INSERT INTO event_entries (event_id, person_id, registered_by, registered_at, attended, attended_at) VALUES (?, ?, ?, ?, TRUE, ?)`,
				eventID, id, c.Actor.Username, db.Millis(tx.Now), db.Millis(tx.Now))
		}
		if err != nil {
			return fmt.Errorf("record attendance: %w", err)
		}
		created = true
		return s.changed(ctx, tx, c, ev, id, unit, "attended", true)
	})
	if err != nil {
		return Entry{}, false, err
	}
	n, err := s.one(ctx, c, eventID, pid)
	return n, created, err
}

// Unattend removes a person's attendance (and result); the registration
// stays. The indicators are told. Audited.
func (s *Store) Unattend(ctx context.Context, c access.Caller, eventID, personID int64) error {
	if !isStaff(c) {
		return apperr.ErrForbidden()
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		ev, err := s.lockedEvent(ctx, tx, c, eventID)
		if err != nil {
			return err
		}
		id, unit, err := s.person(ctx, tx, c, personID)
		if err != nil {
			return err
		}
		if attended, _, err := entryOf(ctx, tx, eventID, id); err != nil {
			return err
		} else if !attended {
			return notFound()
		}
		if _, err := tx.Exec(ctx, `UPDATE event_entries SET attended = FALSE, attended_at = NULL, result_place = 0, award = '' WHERE event_id = ? AND person_id = ?`,
			eventID, id); err != nil {
			return fmt.Errorf("remove attendance: %w", err)
		}
		return s.changed(ctx, tx, c, ev, id, unit, "attendance_removed", true)
	})
}

// SetResult records an attended person's result: a place (1..1000, 0 for
// none) and an award (at most 100 characters). Audited.
func (s *Store) SetResult(ctx context.Context, c access.Caller, eventID, personID int64, in ResultInput) (Entry, error) {
	if !isStaff(c) {
		return Entry{}, apperr.ErrForbidden()
	}
	var fs []apperr.FieldError
	if in.Place < 0 || in.Place > MaxResult {
		fs = append(fs, apperr.Field("place", "range", fmt.Sprintf("名次应在1到%d之间（不填表示没有名次）。", MaxResult),
			fmt.Sprintf("The place must be from 1 to %d (empty: none).", MaxResult)))
	}
	if fe := text("award", &in.Award, false, MaxAward, "奖项", "award"); fe != nil {
		fs = append(fs, *fe)
	}
	if len(fs) > 0 {
		return Entry{}, apperr.Validation(fs...)
	}
	var pid int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		ev, err := s.lockedEvent(ctx, tx, c, eventID)
		if err != nil {
			return err
		}
		id, unit, err := s.person(ctx, tx, c, personID)
		if err != nil {
			return err
		}
		pid = id
		if ev.State != Open {
			return cancelledErr()
		}
		attended, ok, err := entryOf(ctx, tx, eventID, id)
		if err != nil {
			return err
		}
		if !ok {
			return notFound()
		}
		if !attended {
			return invalid("place", "not_attended", "只能为已到场的人记录成绩。", "Results are recorded for persons who attended.")
		}
		if _, err := tx.Exec(ctx, `UPDATE event_entries SET result_place = ?, award = ? WHERE event_id = ? AND person_id = ?`, in.Place, in.Award, eventID, id); err != nil {
			return fmt.Errorf("record result: %w", err)
		}
		return s.changed(ctx, tx, c, ev, id, unit, "result", false)
	})
	if err != nil {
		return Entry{}, err
	}
	return s.one(ctx, c, eventID, pid)
}

// PersonEntry is one of a person's events with their entry.
type PersonEntry struct {
	Event Event
	Entry Entry
}

// OfPerson lists a person's events (the caller's scope holding the
// person, or the person account itself), newest first.
func (s *Store) OfPerson(ctx context.Context, c access.Caller, personID int64) ([]PersonEntry, error) {
	if _, _, err := s.person(ctx, s.db, c, personID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+eventCols+`, e.attended, e.result_place, e.award, e.registered_by
		FROM event_entries e JOIN events v ON v.id = e.event_id WHERE e.person_id = ? ORDER BY v.date DESC, v.id DESC LIMIT 200`, personID)
	if err != nil {
		return nil, fmt.Errorf("list events of person: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []PersonEntry
	for rows.Next() {
		var pe PersonEntry
		v := &pe.Event
		if err := rows.Scan(&v.ID, &v.Title, &v.Kind, &v.OrgUnit, &v.Shared, &v.Date, &v.Place, &v.Places, &v.Description, &v.State, &v.CreatedBy,
			&v.Version, &v.Registered, &v.Attended, &pe.Entry.Attended, &pe.Entry.Place, &pe.Entry.Award, &pe.Entry.RegisteredBy); err != nil {
			return nil, fmt.Errorf("list events of person: %w", err)
		}
		pe.Entry.PersonID = personID
		out = append(out, pe)
	}
	return out, rows.Err()
}

// placeWords says a result in words.
func placeWords(place int, award, lang string) string {
	var parts []string
	if place > 0 {
		parts = append(parts, apperr.T(fmt.Sprintf("第%d名", place), ordinal(place)).In(lang))
	}
	if award != "" {
		parts = append(parts, award)
	}
	sep := "，"
	if lang == "en" {
		sep = ", "
	}
	return strings.Join(parts, sep)
}

// ordinal is an English place: 1st, 2nd, 3rd, 4th…
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix + " place"
}
