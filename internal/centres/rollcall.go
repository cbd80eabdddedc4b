package centres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/registry"
)

// RollRow is a person on a roll call.
type RollRow struct {
	PersonID int64  `json:"person_id"`
	Name     string `json:"name"`
	Place    string `json:"place"` // the person's village, in the page's language
	// Present is what was recorded for the day (nil: nothing yet).
	Present *bool `json:"present"`
}

// RollCall is a centre's (or one programme's) list for a day.
type RollCall struct {
	Centre    Centre     `json:"centre"`
	Programme *Programme `json:"programme,omitempty"`
	Date      string     `json:"date"`
	// Recorded says whether a roll call was saved for the day.
	Recorded bool      `json:"recorded"`
	Rows     []RollRow `json:"rows"`
}

// day parses a roll call's date: not in the future (Shanghai), nor more
// than PastDays back.
func day(field, date string, now time.Time) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, date, shanghai)
	if err != nil || len(date) != 10 {
		return d, invalid(field, "invalid", "日期须为 年-月-日，如 2026-03-01。", "The date must be YYYY-MM-DD, such as 2026-03-01.")
	}
	today := Today(now)
	if date > today {
		return d, invalid(field, "future", "不能为将来的日期点名。", "A roll call cannot be taken for a date in the future.")
	}
	if d.Before(now.In(shanghai).AddDate(0, 0, -PastDays)) {
		return d, invalid(field, "too_old", "只能补录一年以内的点名。", "A roll call can be recorded at most a year back.")
	}
	return d, nil
}

// onDay is the SQL condition (alias e) for an enrolment that covered a day:
// begun before its end and not ended before its end (someone who leaves
// during a day is not on that day's roll call). Its arguments: dayArgs.
const onDay = `e.state <> 'waiting' AND e.enrolled_at IS NOT NULL AND e.enrolled_at < ? AND (e.left_at IS NULL OR e.left_at >= ?)`

func dayArgs(d time.Time) []any {
	end := d.AddDate(0, 0, 1).UnixMilli()
	return []any{end, end}
}

// runCentre reads a centre the caller runs (its unit in their area), and a
// programme of it when programmeID is not 0.
func (s *Store) runCentre(ctx context.Context, q querier, c access.Caller, centreID, programmeID int64) (Centre, *Programme, error) {
	ce, err := s.centre(ctx, q, c, centreID)
	if err != nil {
		return ce, nil, err
	}
	if !Runs(c, ce) {
		return ce, nil, apperr.New(apperr.Forbidden, "只有中心所在辖区的工作人员可以点名。", "Only staff of the centre's area take its roll call.")
	}
	if programmeID == 0 {
		return ce, nil, nil
	}
	p, err := s.programme(ctx, q, centreID, programmeID)
	if err != nil {
		return ce, nil, invalid("programme_id", "not_found", "本中心没有该项目。", "The centre has no such programme.")
	}
	return ce, &p, nil
}

// RollCallOf lists the persons enrolled at a centre (which the caller runs)
// on a day, by name, with what was recorded for the day and
// programme (0: the centre's day). Each person shown is audited.
func (s *Store) RollCallOf(ctx context.Context, c access.Caller, centreID int64, date string, programmeID int64, lang string) (RollCall, error) {
	ce, prog, err := s.runCentre(ctx, s.db, c, centreID, programmeID)
	if err != nil {
		return RollCall{}, err
	}
	d, err := day("date", date, s.db.Now())
	if err != nil {
		return RollCall{}, err
	}
	rc := RollCall{Centre: ce, Programme: prog, Date: date, Rows: []RollRow{}}
	where, args := whoWhere(c, ce, "e.person_id", "p.orgunit")
	rows, err := s.db.Query(ctx, `SELECT e.person_id, p.name, COALESCE(o.name, ''), COALESCE(o.name_en, ''), a.present
		FROM centre_enrolments e JOIN persons p ON p.id = e.person_id LEFT JOIN orgunits o ON o.code = p.orgunit
		LEFT JOIN centre_attendance a ON a.centre_id = e.centre_id AND a.date = ? AND a.programme_id = ? AND a.person_id = e.person_id
		WHERE e.centre_id = ? AND `+onDay+` AND `+where+` ORDER BY p.name, e.person_id`,
		append(append([]any{date, programmeID, centreID}, dayArgs(d)...), args...)...)
	if err != nil {
		return rc, fmt.Errorf("read roll call: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var entries []audit.Entry
	for rows.Next() {
		var r RollRow
		var zh, en string
		if err := rows.Scan(&r.PersonID, &r.Name, &zh, &en, &r.Present); err != nil {
			return rc, fmt.Errorf("read roll call: %w", err)
		}
		r.Place = apperr.T(zh, en).In(lang)
		rc.Recorded = rc.Recorded || r.Present != nil
		rc.Rows = append(rc.Rows, r)
		entries = append(entries, c.Actor.Entry(audit.ActionList, registry.SubjectPerson, strconv.FormatInt(r.PersonID, 10), ""))
	}
	if err := rows.Err(); err != nil {
		return rc, fmt.Errorf("read roll call: %w", err)
	}
	if len(entries) > 0 {
		return rc, s.log.Record(ctx, entries...)
	}
	return rc, nil
}

// AttendanceInput is a roll call: the day, the programme (0: the centre's
// day) and who was present; everyone else enrolled that day was absent.
type AttendanceInput struct {
	Date        string  `json:"date"`
	ProgrammeID int64   `json:"programme_id,omitempty" in:"optional"`
	Present     []int64 `json:"present"`
}

// AttendanceResult says what a roll call recorded: how many were present
// and absent, and how many rows it changed (0 for a repeat).
type AttendanceResult struct {
	Date    string `json:"date"`
	Present int    `json:"present"`
	Absent  int    `json:"absent"`
	Changed int    `json:"changed"`
}

// maxErrors is how many refused entries of a roll call are named.
const maxErrors = 20

// rollChunk is how many rows one statement writes.
const rollChunk = 250

// SaveAttendance records a roll call of a centre the caller runs, in one
// transaction: each person enrolled that day present when listed, else
// absent. A date in the future, more than a year back, or a person listed
// who was not enrolled that day is refused (422, naming the entry). Only
// what differs from what is stored is written, so a repeated submission
// changes nothing. Each person whose row changed is audited; attendance at
// a culture or sport programme is told to the indicators at once.
func (s *Store) SaveAttendance(ctx context.Context, c access.Caller, centreID int64, in AttendanceInput) (AttendanceResult, error) {
	res := AttendanceResult{Date: in.Date}
	if len(in.Present) > MaxRollCall {
		return res, invalid("present", "too_many", "一次点名最多"+strconv.Itoa(MaxRollCall)+"人。", "A roll call names at most "+strconv.Itoa(MaxRollCall)+" persons.")
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		res = AttendanceResult{Date: in.Date}
		ce, prog, err := s.runCentre(ctx, tx, c, centreID, in.ProgrammeID)
		if err != nil {
			return err
		}
		d, err := day("date", in.Date, tx.Now)
		if err != nil {
			return err
		}
		where, args := whoWhere(c, ce, "e.person_id", "p.orgunit")
		rows, err := tx.Query(ctx, `SELECT e.person_id, p.orgunit, a.present FROM centre_enrolments e JOIN persons p ON p.id = e.person_id
			LEFT JOIN centre_attendance a ON a.centre_id = e.centre_id AND a.date = ? AND a.programme_id = ? AND a.person_id = e.person_id
			WHERE e.centre_id = ? AND `+onDay+` AND `+where+` ORDER BY e.person_id`,
			append(append([]any{in.Date, in.ProgrammeID, centreID}, dayArgs(d)...), args...)...)
		if err != nil {
			return fmt.Errorf("read roll call: %w", err)
		}
		type was struct {
			unit string
			had  *bool
		}
		enrolled := map[int64]was{}
		var order []int64
		for rows.Next() {
			var id int64
			var w was
			if err := rows.Scan(&id, &w.unit, &w.had); err != nil {
				_ = rows.Close()
				return fmt.Errorf("read roll call: %w", err)
			}
			if _, seen := enrolled[id]; !seen {
				order = append(order, id)
			}
			enrolled[id] = w
		}
		if err := rows.Err(); err != nil {
			_ = rows.Close()
			return fmt.Errorf("read roll call: %w", err)
		}
		_ = rows.Close()
		present := map[int64]bool{}
		var fs []apperr.FieldError
		refused := 0
		for i, id := range in.Present {
			if _, ok := enrolled[id]; ok {
				present[id] = true
				continue
			}
			refused++
			if refused <= maxErrors { // name the first ones only
				f := "present[" + strconv.Itoa(i) + "]"
				fs = append(fs, apperr.Field(f, "not_enrolled", "第"+strconv.Itoa(i+1)+"项："+in.Date+"该人未在本中心登记。",
					"Entry "+strconv.Itoa(i+1)+": the person was not enrolled at this centre on "+in.Date+"."))
			}
		}
		if refused > 0 {
			return apperr.Validation(fs...)
		}
		var write [][]any
		var changed []int64
		var entries []audit.Entry
		for _, id := range order {
			w, p := enrolled[id], present[id]
			if p {
				res.Present++
			} else {
				res.Absent++
			}
			if w.had != nil && *w.had == p {
				continue
			}
			write = append(write, []any{centreID, in.Date, in.ProgrammeID, id, p, c.Actor.Username, db.Millis(tx.Now)})
			changed = append(changed, id)
			e := c.Actor.Entry(audit.ActionUpdate, registry.SubjectPerson, strconv.FormatInt(id, 10), w.unit)
			e.Detail = fmt.Sprintf(`{"centre":%d,"date":%q,"programme":%d,"present":%t}`, centreID, in.Date, in.ProgrammeID, p)
			entries = append(entries, e)
		}
		res.Changed = len(write)
		for start := 0; start < len(write); start += rollChunk {
			part := write[start:min(start+rollChunk, len(write))]
			args := make([]any, 0, len(part)*7)
			for _, r := range part {
				args = append(args, r...)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO centre_attendance (centre_id, date, programme_id, person_id, present, recorded_by, recorded_at) VALUES `+
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", len(part)), ", ")+
				` ON CONFLICT (centre_id, date, programme_id, person_id) DO UPDATE SET present = excluded.present, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at`,
				args...); err != nil {
				return fmt.Errorf("save roll call: %w", err)
			}
		}
		if len(entries) > 0 {
			if err := audit.Append(ctx, tx, entries...); err != nil {
				return err
			}
		}
		if prog != nil && CountsForCulture(prog.Kind) && len(changed) > 0 && s.Changed != nil {
			return s.Changed.PersonsChanged(ctx, tx, changed)
		}
		return nil
	})
	return res, err
}

// PersonRate is a person's attendance in a month.
type PersonRate struct {
	PersonID    int64    `json:"person_id"`
	Name        string   `json:"name"`
	Place       string   `json:"place"`
	Days        int      `json:"days"`    // days with a roll call for the person
	Present     int      `json:"present"` // of them, present
	Rate        *float64 `json:"rate"`
	LastPresent string   `json:"last_present,omitempty"`
}

// MonthRates is a centre's attendance in a month: overall and per person.
type MonthRates struct {
	Month   string       `json:"month"`
	Days    int          `json:"days"` // days with a roll call
	Present int          `json:"present"`
	Records int          `json:"records"`
	Rate    *float64     `json:"rate"`
	Persons []PersonRate `json:"persons"`
}

func rate(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

// Rates gives a centre's attendance rates in a month ("YYYY-MM") for its
// day roll call (programme 0) or a programme's, per person (by name) and
// overall: everyone for those who run the centre, else the persons of the
// caller's scope.
func (s *Store) Rates(ctx context.Context, c access.Caller, centreID int64, month string, programmeID int64, lang string) (MonthRates, error) {
	ce, err := s.Centre(ctx, c, centreID)
	if err != nil {
		return MonthRates{}, err
	}
	m, err := time.Parse("2006-01", month)
	if err != nil || len(month) != 7 {
		return MonthRates{}, invalid("month", "invalid", "月份须为 年-月，如 2026-03。", "The month must be YYYY-MM, such as 2026-03.")
	}
	from, to := m.Format(time.DateOnly), m.AddDate(0, 1, 0).Format(time.DateOnly)
	out := MonthRates{Month: month, Persons: []PersonRate{}}
	where, args := whoWhere(c, ce, "a.person_id", "p.orgunit")
	rows, err := s.db.Query(ctx, `SELECT a.person_id, p.name, COALESCE(o.name, ''), COALESCE(o.name_en, ''), count(*),
			sum(CASE WHEN a.present THEN 1 ELSE 0 END), COALESCE(max(CASE WHEN a.present THEN a.date END), '')
		FROM centre_attendance a JOIN persons p ON p.id = a.person_id LEFT JOIN orgunits o ON o.code = p.orgunit
		WHERE a.centre_id = ? AND a.programme_id = ? AND a.date >= ? AND a.date < ? AND `+where+`
		GROUP BY a.person_id, p.name, o.name, o.name_en ORDER BY p.name, a.person_id`,
		append([]any{centreID, programmeID, from, to}, args...)...)
	if err != nil {
		return out, fmt.Errorf("read attendance rates: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var r PersonRate
		var zh, en string
		if err := rows.Scan(&r.PersonID, &r.Name, &zh, &en, &r.Days, &r.Present, &r.LastPresent); err != nil {
			return out, fmt.Errorf("read attendance rates: %w", err)
		}
		r.Place = apperr.T(zh, en).In(lang)
		r.Rate = rate(r.Present, r.Days)
		out.Records += r.Days
		out.Present += r.Present
		out.Persons = append(out.Persons, r)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("read attendance rates: %w", err)
	}
	out.Rate = rate(out.Present, out.Records)
	if err := s.db.QueryRow(ctx, `SELECT count(DISTINCT date) FROM centre_attendance WHERE centre_id = ? AND programme_id = ? AND date >= ? AND date < ?`,
		centreID, programmeID, from, to).Scan(&out.Days); err != nil {
		return out, fmt.Errorf("count roll-call days: %w", err)
	}
	return out, nil
}

// Absence is a person enrolled who missed every roll call of the last
// AbsentDays days: flagged for a home visit.
type Absence struct {
	CentreID    int64  `json:"centre_id"`
	CentreName  string `json:"centre_name"`
	PersonID    int64  `json:"person_id"`
	PersonName  string `json:"person_name"`
	Place       string `json:"place"`
	LastPresent string `json:"last_present,omitempty"` // "" never
	Missed      int    `json:"missed"`                 // roll calls missed in the window
}

// Absences lists the persons of the caller's scope, and those of the
// centres they run, enrolled (for at least AbsentDays) at a centre (centreID 0: any the caller sees) who were absent
// at every roll call of the last AbsentDays days, when there was at least
// one: they are due a home visit.
func (s *Store) Absences(ctx context.Context, c access.Caller, centreID int64, lang string) ([]Absence, error) {
	out := []Absence{}
	if !IsStaff(c) {
		return out, nil
	}
	now := s.db.Now()
	since := now.In(shanghai).AddDate(0, 0, -(AbsentDays - 1)).Format(time.DateOnly)
	enrolledBy := now.AddDate(0, 0, -AbsentDays).UnixMilli()
	// The persons of the caller's scope, and everyone at the centres they
	// run.
	where, args := c.Where("e.person_id", "p.orgunit")
	lo, hi := c.Scope.Range()
	where, args = "("+where+" OR (c.orgunit >= ? AND c.orgunit < ?))", append(args, lo, hi)
	q := `SELECT e.centre_id, c.name, c.name_en, e.person_id, p.name, COALESCE(o.name, ''), COALESCE(o.name_en, ''), c.orgunit,
			COALESCE((SELECT max(a.date) FROM centre_attendance a WHERE a.centre_id = e.centre_id AND a.person_id = e.person_id AND a.programme_id = 0 AND a.present), ''),
			(SELECT count(*) FROM centre_attendance a WHERE a.centre_id = e.centre_id AND a.person_id = e.person_id AND a.programme_id = 0 AND a.date >= ? AND NOT a.present)
		FROM centre_enrolments e JOIN centres c ON c.id = e.centre_id JOIN persons p ON p.id = e.person_id LEFT JOIN orgunits o ON o.code = p.orgunit
		WHERE e.state = 'enrolled' AND c.active AND e.enrolled_at <= ? AND ` + where + `
		AND EXISTS (SELECT 1 FROM centre_attendance a WHERE a.centre_id = e.centre_id AND a.programme_id = 0 AND a.date >= ?)
		AND NOT EXISTS (SELECT 1 FROM centre_attendance a WHERE a.centre_id = e.centre_id AND a.person_id = e.person_id AND a.programme_id = 0 AND a.present AND a.date >= ?)`
	qa := append(append([]any{since, enrolledBy}, args...), since, since)
	if centreID != 0 {
		q += ` AND e.centre_id = ?`
		qa = append(qa, centreID)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY c.name, p.name, e.person_id`, qa...)
	if err != nil {
		return nil, fmt.Errorf("read absences: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var a Absence
		var czh, cen, zh, en, unit string
		if err := rows.Scan(&a.CentreID, &czh, &cen, &a.PersonID, &a.PersonName, &zh, &en, &unit, &a.LastPresent, &a.Missed); err != nil {
			return nil, fmt.Errorf("read absences: %w", err)
		}
		if !sees(c.Scope, unit) {
			continue
		}
		a.CentreName, a.Place = apperr.T(czh, cen).In(lang), apperr.T(zh, en).In(lang)
		out = append(out, a)
	}
	return out, rows.Err()
}
