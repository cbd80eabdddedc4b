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

// Shared events between partner districts (issue 20): an event marked
// shared is listed to the partners' installations (GET
// /api/v1/federation/events, no entries, no names); each partner records
// its own residents at it (partner_event_entries) and tells the organiser
// only counts (GET /api/v1/federation/event-counts). A resident who
// attended a partner's sport or culture event counts toward
// culture_sports_rate like a local event (the indicators read
// partner_event_entries; Store.Changed is told).

// Partner is a partner district whose installation this one calls.
type Partner struct{ District, Name string }

// Partners reaches the partner districts' installations (federation).
type Partners interface {
	// Partners lists the partners this installation calls (none: empty).
	Partners(ctx context.Context) ([]Partner, error)
	// Get calls GET pathQuery (e.g. "/api/v1/federation/events?year=2026")
	// on the partner's installation, signed, within a bounded wait, and
	// decodes the JSON answer into out. It fails (an *apperr.Error whose
	// message says why, zh and en) when the district is not a partner, the
	// partner does not answer in time, or answers an error or garbage.
	Get(ctx context.Context, district, pathQuery string, out any) error
}

// SharedEvent is a shared event as partner installations see it: no
// entries, no names.
type SharedEvent struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	Kind        string `json:"kind"`
	Date        string `json:"date"`
	Place       string `json:"place"`
	OrgUnit     string `json:"orgunit"`
	OrgUnitName string `json:"orgunit_name"`
	State       string `json:"state"`
	District    string `json:"district"`
}

// EventCount is how many of this installation's residents registered for
// and attended a partner's event (its own id).
type EventCount struct {
	EventID    int64 `json:"event_id"`
	Registered int   `json:"registered"`
	Attended   int   `json:"attended"`
}

// MaxShared is the most shared events one answer lists.
const MaxShared = 500

// Shared lists this installation's shared events of a year (id != 0: that
// one event, of any year), for partners: nothing of their entries.
func (s *Store) Shared(ctx context.Context, year int, id int64, lang string) ([]SharedEvent, error) {
	q := `SELECT id, title, kind, date, place, orgunit, state FROM events WHERE shared = TRUE AND `
	var args []any
	if id != 0 {
		q, args = q+`id = ?`, []any{id}
	} else {
		q, args = q+`date >= ? AND date < ?`, []any{fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-01-01", year+1)}
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY date, id LIMIT `+strconv.Itoa(MaxShared), args...)
	if err != nil {
		return nil, fmt.Errorf("list shared events: %w", err)
	}
	out := []SharedEvent{}
	var codes []string
	for rows.Next() {
		var e SharedEvent
		if err := rows.Scan(&e.ID, &e.Title, &e.Kind, &e.Date, &e.Place, &e.OrgUnit, &e.State); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("list shared events: %w", err)
		}
		e.District = s.Home
		out, codes = append(out, e), append(codes, e.OrgUnit)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("list shared events: %w", err)
	}
	names, err := s.units.Labels(ctx, codes, lang)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].OrgUnitName = or(names[out[i].OrgUnit], out[i].OrgUnit)
	}
	return out, nil
}

// CountsFor counts this installation's residents registered for and
// attending a partner district's events of a year, by the partner's event
// id: what the organiser may know.
func (s *Store) CountsFor(ctx context.Context, district string, year int) ([]EventCount, error) {
	rows, err := s.db.Query(ctx, `SELECT event_id, count(*), COALESCE(SUM(CASE WHEN attended THEN 1 ELSE 0 END), 0)
		FROM partner_event_entries WHERE district = ? AND date >= ? AND date < ? GROUP BY event_id ORDER BY event_id`,
		district, fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-01-01", year+1))
	if err != nil {
		return nil, fmt.Errorf("count partner entries: %w", err)
	}
	out := []EventCount{}
	for rows.Next() {
		var n EventCount
		if err := rows.Scan(&n.EventID, &n.Registered, &n.Attended); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("count partner entries: %w", err)
		}
		out = append(out, n)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("count partner entries: %w", err)
	}
	return out, nil
}

// PartnerEntry is one of this installation's residents at a partner's
// event: the name and village, never an ID number.
type PartnerEntry struct {
	PersonID     int64
	Name         string
	OrgUnit      string
	Village      string
	RegisteredBy string
	Attended     bool
}

// PartnerEntries lists this installation's entries at a partner's event of
// the persons in the caller's scope, by name. Audited as a listing of the
// persons named.
func (s *Store) PartnerEntries(ctx context.Context, c access.Caller, district string, eventID int64, lang string) ([]PartnerEntry, error) {
	if !isStaff(c) {
		return nil, apperr.ErrForbidden()
	}
	where, args := c.Where("e.person_id", "p.orgunit")
	rows, err := s.db.Query(ctx, `SELECT e.person_id, p.name, p.orgunit, COALESCE(u.name, ''), COALESCE(u.name_en, ''), e.registered_by, e.attended
		FROM partner_event_entries e JOIN persons p ON p.id = e.person_id LEFT JOIN orgunits u ON u.code = p.orgunit
		WHERE e.district = ? AND e.event_id = ? AND `+where+` ORDER BY p.name, e.person_id`, append([]any{district, eventID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("list partner entries: %w", err)
	}
	var out []PartnerEntry
	for rows.Next() {
		var n PartnerEntry
		var zh, en string
		if err := rows.Scan(&n.PersonID, &n.Name, &n.OrgUnit, &zh, &en, &n.RegisteredBy, &n.Attended); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("list partner entries: %w", err)
		}
		n.Village = n.OrgUnit
		if zh != "" {
			n.Village = apperr.T(zh, en).In(lang)
		}
		out = append(out, n)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("list partner entries: %w", err)
	}
	if len(out) > 0 {
		list := make([]audit.Entry, len(out))
		for i, n := range out {
			list[i] = c.Actor.Entry(audit.ActionList, registry.SubjectPerson, strconv.FormatInt(n.PersonID, 10), n.OrgUnit)
			list[i].Detail = fmt.Sprintf(`{"via":"partner_event","district":%q,"event":%d}`, district, eventID)
		}
		if err := s.log.Record(ctx, list...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// partnerChanged audits a change of a person's entry at a partner's event
// as a change about the person, and tells the indicators when attendance
// changed.
func (s *Store) partnerChanged(ctx context.Context, tx *db.Tx, c access.Caller, district string, eventID, person int64, unit, what string, attendance bool) error {
	e := c.Actor.Entry(audit.ActionUpdate, registry.SubjectPerson, strconv.FormatInt(person, 10), unit)
	e.Detail = fmt.Sprintf(`{"via":"partner_event","district":%q,"event":%d,"change":%q}`, district, eventID, what)
	if err := audit.Append(ctx, tx, e); err != nil {
		return err
	}
	if attendance && s.Changed != nil {
		return s.Changed.PersonsChanged(ctx, tx, []int64{person})
	}
	return nil
}

// partnerEntryOf reads a person's entry at a partner's event (ok false when
// none), locked for the transaction.
func partnerEntryOf(ctx context.Context, tx *db.Tx, district string, eventID, person int64) (attended, ok bool, err error) {
	err = tx.QueryRow(ctx, `SELECT attended FROM partner_event_entries WHERE district = ? AND event_id = ? AND person_id = ?`+tx.ForUpdate(),
		district, eventID, person).Scan(&attended)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("read partner entry: %w", err)
	}
	return attended, true, nil
}

// checkRemote checks a partner's event as its installation answered it:
// what this installation stores of it must be sound.
func checkRemote(district string, ev SharedEvent) error {
	bad := func() error {
		return apperr.New(apperr.Conflict, "合作区返回的活动信息不完整，暂时无法登记。", "The partner district answered an incomplete event: it cannot be recorded now.")
	}
	if ev.ID <= 0 || ev.District != district || KindOf(ev.Kind).Code == "" || len(ev.Date) != 10 {
		return bad()
	}
	if fe := text("title", &ev.Title, true, MaxTitle, "活动名称", "title"); fe != nil {
		return bad()
	}
	return nil
}

// PartnerRegister registers a person of the caller's scope (staff) for a
// partner's shared event, as the partner's installation just answered it:
// open, not past, not twice (409). Audited.
func (s *Store) PartnerRegister(ctx context.Context, c access.Caller, district string, ev SharedEvent, personID int64) error {
	if !isStaff(c) {
		return apperr.ErrForbidden()
	}
	if err := checkRemote(district, ev); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		id, unit, err := s.person(ctx, tx, c, personID)
		if err != nil {
			return err
		}
		if ev.State != Open {
			return cancelledErr()
		}
		if ev.Date < Today(tx.Now) {
			return invalid("person_id", "over", "活动已于"+ev.Date+"举行，报名已截止。", "The event took place on "+ev.Date+": registration is closed.")
		}
		if _, ok, err := partnerEntryOf(ctx, tx, district, ev.ID, id); err != nil {
			return err
		} else if ok {
			return conflict("person_id", "twice", "此人已报名这项活动。", "This person is registered for the event already.")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO partner_event_entries (district, event_id, title, kind, date, state, person_id, registered_by, registered_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, district, ev.ID, ev.Title, ev.Kind, ev.Date, ev.State, id, c.Actor.Username, db.Millis(tx.Now)); err != nil {
			return fmt.Errorf("register at partner event: %w", err)
		}
		if err := s.refreshCopy(ctx, tx, district, ev); err != nil {
			return err
		}
		return s.partnerChanged(ctx, tx, c, district, ev.ID, id, unit, "registered", false)
	})
}

// refreshCopy keeps the stored copy of a partner's event as it was last
// answered, and tells the indicators when that changes what counts.
func (s *Store) refreshCopy(ctx context.Context, tx *db.Tx, district string, ev SharedEvent) error {
	rows, err := tx.Query(ctx, `SELECT person_id FROM partner_event_entries WHERE district = ? AND event_id = ? AND attended = TRUE
		AND (kind <> ? OR date <> ? OR state <> ?) ORDER BY person_id`, district, ev.ID, ev.Kind, ev.Date, ev.State)
	if err != nil {
		return fmt.Errorf("read partner entries: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			_ = rows.Close()
			return fmt.Errorf("read partner entries: %w", err)
		}
		ids = append(ids, p)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("read partner entries: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE partner_event_entries SET title = ?, kind = ?, date = ?, state = ? WHERE district = ? AND event_id = ?`,
		ev.Title, ev.Kind, ev.Date, ev.State, district, ev.ID); err != nil {
		return fmt.Errorf("update partner event: %w", err)
	}
	if len(ids) > 0 && s.Changed != nil {
		return s.Changed.PersonsChanged(ctx, tx, ids)
	}
	return nil
}

// PartnerWithdraw withdraws a person's registration at a partner's event,
// up to the event's day and while no attendance is recorded. Audited.
func (s *Store) PartnerWithdraw(ctx context.Context, c access.Caller, district string, eventID, personID int64) error {
	if !isStaff(c) {
		return apperr.ErrForbidden()
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		id, unit, err := s.person(ctx, tx, c, personID)
		if err != nil {
			return err
		}
		attended, ok, err := partnerEntryOf(ctx, tx, district, eventID, id)
		if err != nil {
			return err
		}
		if !ok {
			return notFound()
		}
		var date string
		if err := tx.QueryRow(ctx, `SELECT date FROM partner_event_entries WHERE district = ? AND event_id = ? AND person_id = ?`,
			district, eventID, id).Scan(&date); err != nil {
			return fmt.Errorf("read partner entry: %w", err)
		}
		if date < Today(tx.Now) {
			return invalid("person_id", "over", "活动已举行，不能再取消报名。", "The event has taken place: the registration cannot be withdrawn.")
		}
		if attended {
			return conflict("person_id", "attended", "已记录到场，请先撤销到场记录。", "Attendance is recorded: remove it first.")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM partner_event_entries WHERE district = ? AND event_id = ? AND person_id = ?`, district, eventID, id); err != nil {
			return fmt.Errorf("withdraw from partner event: %w", err)
		}
		return s.partnerChanged(ctx, tx, c, district, eventID, id, unit, "withdrawn", false)
	})
}

// PartnerAttend records that a person of the caller's scope attended a
// partner's event (as just answered), on or after its day; without a
// registration it makes the entry. It tells whether the attendance is new.
// The indicators are told. Audited.
func (s *Store) PartnerAttend(ctx context.Context, c access.Caller, district string, ev SharedEvent, personID int64) (bool, error) {
	if !isStaff(c) {
		return false, apperr.ErrForbidden()
	}
	if err := checkRemote(district, ev); err != nil {
		return false, err
	}
	created := false
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		id, unit, err := s.person(ctx, tx, c, personID)
		if err != nil {
			return err
		}
		if ev.State != Open {
			return cancelledErr()
		}
		if ev.Date > Today(tx.Now) {
			return invalid("person_id", "future", "活动在"+ev.Date+"举行：到场情况在活动当天或之后记录。",
				"The event is on "+ev.Date+": attendance is recorded on or after the event day.")
		}
		if err := s.refreshCopy(ctx, tx, district, ev); err != nil {
			return err
		}
		attended, ok, err := partnerEntryOf(ctx, tx, district, ev.ID, id)
		if err != nil {
			return err
		}
		now := db.Millis(tx.Now)
		switch {
		case attended:
			return nil
		case ok:
			_, err = tx.Exec(ctx, `UPDATE partner_event_entries SET attended = TRUE, attended_at = ?, attended_by = ? WHERE district = ? AND event_id = ? AND person_id = ?`,
				now, c.Actor.Username, district, ev.ID, id)
		default:
			_, err = tx.Exec(ctx, `INSERT INTO partner_event_entries (district, event_id, title, kind, date, state, person_id, registered_by, registered_at,
				attended, attended_at, attended_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?)`,
				district, ev.ID, ev.Title, ev.Kind, ev.Date, ev.State, id, c.Actor.Username, now, now, c.Actor.Username)
		}
		if err != nil {
			return fmt.Errorf("record attendance at partner event: %w", err)
		}
		created = true
		return s.partnerChanged(ctx, tx, c, district, ev.ID, id, unit, "attended", true)
	})
	return created, err
}

// PartnerUnattend removes a person's attendance at a partner's event; the
// registration stays. The indicators are told. Audited.
func (s *Store) PartnerUnattend(ctx context.Context, c access.Caller, district string, eventID, personID int64) error {
	if !isStaff(c) {
		return apperr.ErrForbidden()
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		id, unit, err := s.person(ctx, tx, c, personID)
		if err != nil {
			return err
		}
		if attended, _, err := partnerEntryOf(ctx, tx, district, eventID, id); err != nil {
			return err
		} else if !attended {
			return notFound()
		}
		if _, err := tx.Exec(ctx, `UPDATE partner_event_entries SET attended = FALSE, attended_at = NULL, attended_by = '' WHERE district = ? AND event_id = ? AND person_id = ?`,
			district, eventID, id); err != nil {
			return fmt.Errorf("remove attendance at partner event: %w", err)
		}
		return s.partnerChanged(ctx, tx, c, district, eventID, id, unit, "attendance_removed", true)
	})
}

// validDistrict says whether s is a district code (6 digits).
func validDistrict(s string) bool {
	if len(s) != 6 {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}
