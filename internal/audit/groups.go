package audit

import (
	"context"
	"fmt"
	"time"
)

// Group is the entries of one action on one subject by one user in one
// role on one day, counted: a person's access log shows "saw the record
// in a list 12 times" once a day per viewer, not twelve lines. The log
// itself keeps every entry; grouping is only how it is read.
type Group struct {
	Day      time.Time // midnight of the day, in the zone ListGroups was given
	Username string
	Role     string
	Count    int
	Seq      int64     // the group's newest entry: its place in the log, and the paging cursor
	Last     time.Time // when the newest entry was written
}

// GroupFilter says which entries ListGroups counts.
type GroupFilter struct {
	SubjectType, SubjectID, Action string
	// Zone fixes the days (China Standard Time for the pages); nil is UTC.
	Zone *time.Location
	// Before keeps the groups whose newest entry has seq < Before: a group
	// is whole on the page where its newest entry falls.
	Before int64
	Limit  int
}

const dayMillis = 24 * 60 * 60 * 1000

// ListGroups counts the entries of f per day, user and role, newest group
// first (by its newest entry), and gives the cursor of the next page (0 at
// the end).
func (l *Log) ListGroups(ctx context.Context, f GroupFilter) ([]Group, int64, error) {
	if err := l.Flush(ctx); err != nil {
		return nil, 0, err
	}
	zone := f.Zone
	if zone == nil {
		zone = time.UTC
	}
	_, off := time.Unix(0, 0).In(zone).Zone()
	offset := int64(off) * 1000
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	// The day is an integer expression written out (two integers of ours,
	// not input), the same in SELECT and GROUP BY: PostgreSQL would take two
	// placeholders as two different expressions.
	day := fmt.Sprintf("(at + %d) / %d", offset, int64(dayMillis))
	q := `SELECT ` + day + `, username, role, COUNT(*), MAX(seq), MAX(at) FROM audit_log
		WHERE subject_type = ? AND subject_id = ? AND action = ?
		GROUP BY ` + day + `, username, role`
	args := []any{f.SubjectType, f.SubjectID, f.Action}
	if f.Before > 0 {
		q += ` HAVING MAX(seq) < ?`
		args = append(args, f.Before)
	}
	q += ` ORDER BY MAX(seq) DESC LIMIT ?`
	args = append(args, f.Limit+1)
	rows, err := l.db.Query(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("audit: list groups: %w", err)
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		var day, last int64
		if err := rows.Scan(&day, &g.Username, &g.Role, &g.Count, &g.Seq, &last); err != nil {
			return nil, 0, fmt.Errorf("audit: list groups: %w", err)
		}
		g.Day = time.UnixMilli(day*dayMillis - offset).In(zone)
		g.Last = time.UnixMilli(last).UTC()
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("audit: list groups: %w", err)
	}
	var next int64
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].Seq
	}
	return out, next, nil
}
