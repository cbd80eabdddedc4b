package volunteers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sunshine/internal/access"
	"sunshine/internal/platform/apperr"
)

// What the volunteer's phone pages and the home page read of a volunteer
// account's own hours, without the audit entry of LedgerOf (a volunteer
// reading their own totals is not a read of anyone's record).

// MyTotals are a volunteer account's own minutes by state: of a year, or
// of every year (year 0).
type MyTotals struct {
	Approved, Pending, Rejected int64
}

// myTotals reads the kept totals of the caller's own volunteer.
func (s *Store) myTotals(ctx context.Context, c access.Caller, year int) (MyTotals, error) {
	var t MyTotals
	if !isVolunteer(c) || c.VolunteerID == 0 {
		return t, nil
	}
	cond, args := "volunteer_id = ?", []any{c.VolunteerID}
	if year != 0 {
		cond, args = cond+" AND year = ?", append(args, year)
	}
	err := s.db.QueryRow(ctx, `SELECT COALESCE(sum(approved_minutes), 0), COALESCE(sum(pending_minutes), 0), COALESCE(sum(rejected_minutes), 0)
		FROM volunteer_totals WHERE `+cond, args...).Scan(&t.Approved, &t.Pending, &t.Rejected)
	if err != nil {
		return t, fmt.Errorf("read totals: %w", err)
	}
	return t, nil
}

// myYears lists the years in which the caller's own volunteer has hours,
// latest first.
func (s *Store) myYears(ctx context.Context, c access.Caller) ([]int, error) {
	if !isVolunteer(c) || c.VolunteerID == 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `SELECT DISTINCT year FROM volunteer_hours WHERE volunteer_id = ? ORDER BY year DESC`, c.VolunteerID)
	if err != nil {
		return nil, fmt.Errorf("read years: %w", err)
	}
	var out []int
	for rows.Next() {
		var y int
		if err := rows.Scan(&y); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("read years: %w", err)
		}
		out = append(out, y)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("read years: %w", err)
	}
	return out, nil
}

// myEntry reads the caller's own ledger entry of a task (false when there
// is none): the minutes, the state and a rejection's reason.
func (s *Store) myEntry(ctx context.Context, c access.Caller, taskID int64) (Entry, bool, error) {
	if !isVolunteer(c) || c.VolunteerID == 0 {
		return Entry{}, false, apperr.ErrForbidden()
	}
	e, err := scanEntry(s.db.QueryRow(ctx, `SELECT `+entryCols+entryFrom+` WHERE h.task_id = ? AND h.volunteer_id = ?`, taskID, c.VolunteerID))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("read hours: %w", err)
	}
	return e, true, nil
}
