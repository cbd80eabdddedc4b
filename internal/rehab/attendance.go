package rehab

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/view"
)

// RosterRow is a person whose plan books the centre in the week of the
// roster's date: the list attendance is taken on.
type RosterRow struct {
	CaseID     int64  `json:"case_id"`
	PersonID   int64  `json:"person_id"`
	PersonName string `json:"person_name"`
	Place      string `json:"place"` // the person's village, in the page's language
	Service    string `json:"service"`
	Start      string `json:"start"`
	End        string `json:"end"`
	// Recorded: a session of this case is recorded for the date (Attended
	// says whether the person came).
	Recorded bool `json:"recorded"`
	Attended bool `json:"attended"`
}

// Roster is the list of a centre's session day.
type Roster struct {
	Centre Centre      `json:"centre"`
	Date   string      `json:"date"`
	Rows   []RosterRow `json:"rows"`
}

// RosterOf lists the persons in the caller's scope whose plan (a case in
// progress) books the centre in the week of date, by name and village, with
// what is recorded for that date; each case shown is recorded in the audit
// log.
func (s *Store) RosterOf(ctx context.Context, c access.Caller, centreID int64, date time.Time, lang string) (Roster, error) {
	centre, err := s.Centre(ctx, c.Scope, centreID)
	if err != nil {
		return Roster{}, err
	}
	ro := Roster{Centre: centre, Date: day(date), Rows: []RosterRow{}}
	where, args := c.CaseWhere("c") // a provider's worker: the cases assigned to its organisation
	rows, err := s.db.Query(ctx, `SELECT b.case_id, c.person_id, p.name, COALESCE(o.name, ''), COALESCE(o.name_en, ''), c.data, c.orgunit
		FROM rehab_bookings b JOIN cases c ON c.id = b.case_id JOIN persons p ON p.id = c.person_id LEFT JOIN orgunits o ON o.code = c.orgunit
		WHERE b.centre = ? AND b.week = ? AND c.state = ? AND `+where+` ORDER BY b.case_id`,
		append([]any{centre.ID, day(monday(date)), "scheduled"}, args...)...)
	if err != nil {
		return ro, fmt.Errorf("read roster: %w", err)
	}
	units := map[int64]string{}
	for rows.Next() {
		var r RosterRow
		var zh, en, data, unit string
		if err := rows.Scan(&r.CaseID, &r.PersonID, &r.PersonName, &zh, &en, &data, &unit); err != nil {
			_ = rows.Close()
			return ro, fmt.Errorf("read roster: %w", err)
		}
		r.Place = apperr.T(zh, en).In(lang)
		if d, err := casework.ParseData([]byte(data)); err == nil {
			r.Service, _ = d["service"].(string)
			r.Start, _ = d["start"].(string)
			r.End, _ = d["end"].(string)
		}
		units[r.CaseID] = unit
		ro.Rows = append(ro.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return ro, fmt.Errorf("read roster: %w", err)
	}
	done, err := s.recorded(ctx, s.db, centre.ID, day(date))
	if err != nil {
		return ro, err
	}
	for i := range ro.Rows {
		ro.Rows[i].Attended, ro.Rows[i].Recorded = done[ro.Rows[i].CaseID]
	}
	entries := make([]audit.Entry, 0, len(ro.Rows))
	for _, r := range ro.Rows {
		entries = append(entries, c.Actor.Entry(audit.ActionList, casework.SubjectCase, strconv.FormatInt(r.CaseID, 10), units[r.CaseID]))
	}
	if err := s.log.Record(ctx, entries...); err != nil {
		return ro, err
	}
	return ro, nil
}

// recorded maps the cases with a session at a centre on a date to whether
// the person attended.
func (s *Store) recorded(ctx context.Context, q interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}, centre int64, date string) (map[int64]bool, error) {
	rows, err := q.Query(ctx, `SELECT case_id, attended FROM rehab_sessions WHERE centre = ? AND date = ?`, centre, date)
	if err != nil {
		return nil, fmt.Errorf("read sessions: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		var att bool
		if err := rows.Scan(&id, &att); err != nil {
			return nil, fmt.Errorf("read sessions: %w", err)
		}
		out[id] = out[id] || att
	}
	return out, rows.Err()
}

// PersonError is what went wrong recording one person of a roster.
type PersonError struct {
	CaseID  int64
	Name    string
	Message apperr.Text
}

// Attendance is the outcome of recording a roster's attendance.
type Attendance struct {
	Recorded, Attended int
	Failed             []PersonError
}

// RecordAttendance records a session day of a centre at once: for every
// person of the roster (RosterOf) without a session on that date, a session
// of their case, attended when their case is among present. Each is the
// case's "session" action (its checks, timeline, audit and indicators); one
// refused (a date outside its plan…) is reported by name and the others are
// still recorded. A date in the future is refused before anything is written.
func (s *Store) RecordAttendance(ctx context.Context, engine *casework.Engine, c access.Caller, centreID int64, date time.Time, present []int64, lang string) (Attendance, error) {
	var out Attendance
	if date.After(today(s.db.Now())) {
		return out, apperr.Validation(apperr.Field("date", "future", "不能记录将来的训练。", "A session in the future cannot be recorded."))
	}
	ro, err := s.RosterOf(ctx, c, centreID, date, lang)
	if err != nil {
		return out, err
	}
	for _, r := range ro.Rows {
		if r.Recorded {
			continue
		}
		came := slices.Contains(present, r.CaseID)
		_, err := engine.Act(ctx, c, r.CaseID, "session", map[string]any{"date": day(date), "attended": came}, 0)
		switch e, ok := apperr.As(err); {
		case err == nil:
			out.Recorded++
			if came {
				out.Attended++
			}
		case ok && e.Code != apperr.Internal:
			msg := e.Msg
			if len(e.Fields) > 0 {
				msg = e.Fields[0].Msg
			}
			out.Failed = append(out.Failed, PersonError{CaseID: r.CaseID, Name: r.PersonName, Message: msg})
		default:
			return out, err
		}
	}
	return out, nil
}

// panels adds to a rehabilitation case's page the sessions recorded, by
// date, attended or not.
func (s *Store) panels(ctx context.Context, _ access.Caller, c casework.Case, lang string) ([]view.Table, error) {
	rows, err := s.db.Query(ctx, `SELECT date, attended, note FROM rehab_sessions WHERE case_id = ? ORDER BY date, id`, c.ID)
	if err != nil {
		return nil, fmt.Errorf("read sessions: %w", err)
	}
	defer rows.Close()
	t := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	tb := view.Table{ID: "rehab-sessions", Caption: t("训练记录", "Sessions"), Head: []string{t("日期", "Date"), t("出勤", "Attendance"), t("备注", "Note")},
		Empty: t("还没有记录训练。", "No sessions recorded yet."), RowHeads: true}
	var attended []string
	for rows.Next() {
		var date, note string
		var att bool
		if err := rows.Scan(&date, &att, &note); err != nil {
			return nil, fmt.Errorf("read sessions: %w", err)
		}
		state := t("缺席", "absent")
		if att {
			state = t("已参加", "attended")
			attended = append(attended, date)
		}
		tb.Rows = append(tb.Rows, []view.Cell{{Text: date}, {Text: state}, {Text: note}})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read sessions: %w", err)
	}
	if len(tb.Rows) > 0 {
		tb.Caption = t(fmt.Sprintf("训练记录：参加 %d 次，共记录 %d 次", len(attended), len(tb.Rows)), fmt.Sprintf("Sessions: %d attended of %d recorded", len(attended), len(tb.Rows)))
	}
	return []view.Table{tb}, nil
}
