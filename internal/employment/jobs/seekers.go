package jobs

import (
	"context"
	"fmt"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/audit"
)

// SeekerRow is a job seeker as a list shows them.
type SeekerRow struct {
	PersonID       int64    `json:"person_id"`
	Name           string   `json:"name"`
	OrgUnit        string   `json:"orgunit"`
	Education      string   `json:"education"`
	Hours          string   `json:"hours"`
	Skills         []string `json:"skills"`
	Accommodations []string `json:"accommodations"`
}

// SeekerFilter selects job seekers: those with a skill (a code of Skills; ""
// any), a page at a time after a person id.
type SeekerFilter struct {
	Skill string
	After int64
	Limit int
}

// ListSeekers lists the active persons seeking work in the caller's scope, by
// person id, a page at a time; it returns the total and the cursor of the
// next page (0: none). Every person listed is in the audit log, as the
// registry's lists are.
func (s *Store) ListSeekers(ctx context.Context, c access.Caller, f SeekerFilter) ([]SeekerRow, int, int64, error) {
	where, args := c.Where("p.id", "p.orgunit")
	where = "s.seeking AND s.active AND " + where
	if f.Skill != "" {
		k := index(Skills, f.Skill)
		if k < 0 {
			return nil, 0, 0, nil // an unknown skill: nobody has it
		}
		where, args = where+" AND (s.skills & ?) <> 0", append(args, int64(1)<<k)
	}
	from := ` FROM job_seekers s JOIN persons p ON p.id = s.person_id WHERE ` + where
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*)`+from, args...).Scan(&total); err != nil {
		return nil, 0, 0, fmt.Errorf("count job seekers: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	rows, err := s.db.Query(ctx, `SELECT s.person_id, p.name, p.orgunit, s.education, s.hours, s.skills, s.needs`+from+
		` AND s.person_id > ? ORDER BY s.person_id LIMIT ?`, append(args, f.After, f.Limit+1)...)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("list job seekers: %w", err)
	}
	defer rows.Close()
	out := []SeekerRow{}
	for rows.Next() {
		var r SeekerRow
		var edu, hours int
		var skills, needs int64
		if err := rows.Scan(&r.PersonID, &r.Name, &r.OrgUnit, &edu, &hours, &skills, &needs); err != nil {
			return nil, 0, 0, fmt.Errorf("list job seekers: %w", err)
		}
		r.Education, r.Hours = Education[edu].Code, Hours[hours].Code
		r.Skills, r.Accommodations = codesOf(Skills, fromDB(skills)), codesOf(Accommodations, fromDB(needs))
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, 0, fmt.Errorf("list job seekers: %w", err)
	}
	var next int64
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[f.Limit-1].PersonID
	}
	if len(out) > 0 {
		entries := make([]audit.Entry, len(out))
		for i, r := range out {
			entries[i] = c.Actor.Entry(audit.ActionList, SubjectProfile, strconv.FormatInt(r.PersonID, 10), r.OrgUnit)
		}
		if err := s.log.Record(ctx, entries...); err != nil {
			return nil, 0, 0, err
		}
	}
	return out, total, next, nil
}
