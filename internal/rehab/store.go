package rehab

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// visible: a centre serves its whole district, so everyone working in the
// district sees every centre of it.
func visible(sc orgunit.Scope, unit string) bool {
	if sc.All {
		return true
	}
	return len(sc.Prefix) >= 6 && district(sc.Prefix) == district(unit)
}

// Centres lists the centres of the caller's district, the district centre first.
func (s *Store) Centres(ctx context.Context, sc orgunit.Scope) ([]Centre, error) {
	rows, err := s.db.Query(ctx, `SELECT `+centreCols+` FROM rehab_centres ORDER BY orgunit`)
	if err != nil {
		return nil, fmt.Errorf("read rehabilitation centres: %w", err)
	}
	defer rows.Close()
	out := []Centre{}
	for rows.Next() {
		c, err := scanCentre(rows)
		if err != nil {
			return nil, fmt.Errorf("read rehabilitation centres: %w", err)
		}
		if visible(sc, c.OrgUnit) {
			out = append(out, c)
		}
	}
	return out, rows.Err()
}

// Centre reads one centre of the caller's district (404 otherwise).
func (s *Store) Centre(ctx context.Context, sc orgunit.Scope, id int64) (Centre, error) {
	c, err := scanCentre(s.db.QueryRow(ctx, `SELECT `+centreCols+` FROM rehab_centres WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !visible(sc, c.OrgUnit) {
		return c, centreNotFound(id)
	}
	if err != nil {
		return c, fmt.Errorf("read rehabilitation centre: %w", err)
	}
	return c, nil
}

// CentreInput is a change of a centre's capacity (sessions a week) and
// services (left out: none).
type CentreInput struct {
	Capacity *int     `json:"capacity"`
	Services []string `json:"services,omitempty" enum:"physical,occupational,speech,psychological,children"`
}

// UpdateCentre sets a centre's weekly capacity and services. Only centres in
// the caller's scope (district staff: their district) may be changed; the
// capacity never drops below what a coming week has booked (409). Audited.
func (s *Store) UpdateCentre(ctx context.Context, sc orgunit.Scope, actor audit.Actor, id int64, in CentreInput) (Centre, error) {
	var fields []apperr.FieldError
	if in.Capacity == nil || *in.Capacity < 0 || *in.Capacity > 10000 {
		fields = append(fields, apperr.Field("capacity", "range", "每周容量应为 0–10000 的整数（次/周）。", "The weekly capacity is a whole number of sessions from 0 to 10000."))
	}
	var services []string
	for _, sv := range in.Services {
		if !slices.Contains(Services, sv) {
			fields = append(fields, apperr.Field("services", "unknown", "康复服务应为以下之一："+strings.Join(Services, "、"), "A service is one of "+strings.Join(Services, ", ")+"."))
			break
		}
		if !slices.Contains(services, sv) {
			services = append(services, sv)
		}
	}
	slices.SortFunc(services, func(a, b string) int { return slices.Index(Services, a) - slices.Index(Services, b) })
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, err := scanCentre(tx.QueryRow(ctx, `SELECT `+centreCols+` FROM rehab_centres WHERE id = ?`+tx.ForUpdate(), id))
		if errors.Is(err, sql.ErrNoRows) || err == nil && !sc.Contains(c.OrgUnit) {
			return centreNotFound(id)
		}
		if err != nil {
			return fmt.Errorf("read rehabilitation centre: %w", err)
		}
		if len(fields) > 0 {
			return apperr.Validation(fields...)
		}
		var most int
		var week string
		err = tx.QueryRow(ctx, `SELECT week, SUM(slots) AS n FROM rehab_bookings WHERE centre = ? AND week >= ? GROUP BY week ORDER BY n DESC, week LIMIT 1`,
			id, day(monday(today(tx.Now)))).Scan(&week, &most)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read bookings: %w", err)
		}
		if *in.Capacity < most {
			return apperr.New(apperr.Conflict, fmt.Sprintf("%s 起的一周已预约 %d 次，容量不能低于此数。", week, most),
				fmt.Sprintf("The week of %s has %d sessions booked; the capacity cannot be less.", week, most))
		}
		if _, err := tx.Exec(ctx, `UPDATE rehab_centres SET capacity = ?, services = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
			*in.Capacity, strings.Join(services, ","), actor.Username, db.Millis(tx.Now), id); err != nil {
			return fmt.Errorf("update rehabilitation centre: %w", err)
		}
		e := actor.Entry(audit.ActionUpdate, "rehab_centre", strconv.FormatInt(id, 10), c.OrgUnit)
		e.Detail = fmt.Sprintf(`{"capacity":%d,"services":%q}`, *in.Capacity, strings.Join(services, ","))
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Centre{}, err
	}
	return s.Centre(ctx, sc, id)
}

// Booking is a case's booked slots in one week, as the schedule shows it.
type Booking struct {
	CaseID     int64  `json:"case_id"`
	PersonID   int64  `json:"person_id"`
	PersonName string `json:"person_name"`
	Service    string `json:"service"`
	PerWeek    int    `json:"per_week"`
}

// Session is a recorded session.
type Session struct {
	CaseID     int64  `json:"case_id"`
	PersonID   int64  `json:"person_id"`
	PersonName string `json:"person_name"`
	Date       string `json:"date"`
	Attended   bool   `json:"attended"`
}

// Week is one ISO week of a centre's schedule.
type Week struct {
	Week     string    `json:"week"` // its Monday
	Ends     string    `json:"ends"` // its Sunday
	Capacity int       `json:"capacity"`
	Booked   int       `json:"booked"`
	Free     int       `json:"free"`
	Bookings []Booking `json:"bookings"`
	Sessions []Session `json:"sessions"`
	// Others counts the booked slots of cases outside the caller's scope
	// (in Booked, but not listed).
	Others int `json:"others"`
}

// Schedule is a centre's weeks.
type Schedule struct {
	Centre Centre `json:"centre"`
	From   string `json:"from"`
	Weeks  []Week `json:"weeks"`
}

// MaxWeeks is the most weeks one schedule shows.
const MaxWeeks = 26

// ScheduleOf reads a centre's schedule for n weeks from the week of from:
// per week the capacity, the slots booked and free, and the bookings and
// sessions of the persons in the caller's scope (names; each case shown is
// recorded in the audit log).
func (s *Store) ScheduleOf(ctx context.Context, c access.Caller, centreID int64, from time.Time, n int) (Schedule, error) {
	centre, err := s.Centre(ctx, c.Scope, centreID)
	if err != nil {
		return Schedule{}, err
	}
	n = min(max(n, 1), MaxWeeks)
	first := monday(from)
	last := first.AddDate(0, 0, 7*(n-1))
	sch := Schedule{Centre: centre, From: day(first)}
	booked, err := bookedWeeks(ctx, s.db, centre.ID, day(first), day(last))
	if err != nil {
		return sch, err
	}
	idx := map[string]int{}
	for i := range n {
		w := first.AddDate(0, 0, 7*i)
		b := booked[day(w)]
		sch.Weeks = append(sch.Weeks, Week{Week: day(w), Ends: day(w.AddDate(0, 0, 6)), Capacity: centre.Capacity, Booked: b,
			Free: max(centre.Capacity-b, 0), Bookings: []Booking{}, Sessions: []Session{}, Others: b})
		idx[day(w)] = i
	}
	where, args := c.CaseWhere("c") // a provider's worker: the cases assigned to its organisation
	rows, err := s.db.Query(ctx, `SELECT b.week, b.case_id, c.person_id, p.name, c.data, b.slots, c.orgunit FROM rehab_bookings b
		JOIN cases c ON c.id = b.case_id JOIN persons p ON p.id = c.person_id
		WHERE b.centre = ? AND b.week >= ? AND b.week <= ? AND `+where+` ORDER BY b.week, b.case_id`,
		append([]any{centre.ID, day(first), day(last)}, args...)...)
	if err != nil {
		return sch, fmt.Errorf("read bookings: %w", err)
	}
	shown := map[int64]string{}
	for rows.Next() {
		var w, data, unit string
		var bk Booking
		if err := rows.Scan(&w, &bk.CaseID, &bk.PersonID, &bk.PersonName, &data, &bk.PerWeek, &unit); err != nil {
			_ = rows.Close()
			return sch, fmt.Errorf("read bookings: %w", err)
		}
		if d, err := casework.ParseData([]byte(data)); err == nil {
			bk.Service, _ = d["service"].(string)
		}
		i := idx[w]
		sch.Weeks[i].Bookings = append(sch.Weeks[i].Bookings, bk)
		sch.Weeks[i].Others -= bk.PerWeek
		shown[bk.CaseID] = unit
	}
	if err := rows.Err(); err != nil {
		return sch, fmt.Errorf("read bookings: %w", err)
	}
	rows, err = s.db.Query(ctx, `SELECT r.date, r.case_id, r.person_id, p.name, r.attended, c.orgunit FROM rehab_sessions r
		JOIN cases c ON c.id = r.case_id JOIN persons p ON p.id = r.person_id
		WHERE r.centre = ? AND r.date >= ? AND r.date <= ? AND `+where+` ORDER BY r.date, r.id`,
		append([]any{centre.ID, day(first), day(last.AddDate(0, 0, 6))}, args...)...)
	if err != nil {
		return sch, fmt.Errorf("read sessions: %w", err)
	}
	for rows.Next() {
		var ss Session
		var unit string
		if err := rows.Scan(&ss.Date, &ss.CaseID, &ss.PersonID, &ss.PersonName, &ss.Attended, &unit); err != nil {
			_ = rows.Close()
			return sch, fmt.Errorf("read sessions: %w", err)
		}
		d, _ := time.Parse(time.DateOnly, ss.Date)
		i := idx[day(monday(d))]
		sch.Weeks[i].Sessions = append(sch.Weeks[i].Sessions, ss)
		shown[ss.CaseID] = unit
	}
	if err := rows.Err(); err != nil {
		return sch, fmt.Errorf("read sessions: %w", err)
	}
	ids := make([]int64, 0, len(shown))
	for id := range shown {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	entries := make([]audit.Entry, 0, len(ids))
	for _, id := range ids {
		entries = append(entries, c.Actor.Entry(audit.ActionList, casework.SubjectCase, strconv.FormatInt(id, 10), shown[id]))
	}
	if err := s.log.Record(ctx, entries...); err != nil {
		return sch, err
	}
	return sch, nil
}
