package registry

import (
	"context"
	"fmt"

	"sunshine/internal/orgunit"
	"sunshine/internal/platform/module"
)

// DemoPersons lists the ids of persons for demo data (module.Demo.Persons):
// those of a unit's subtree, in id order, optionally of one grade or active.
func (s *Store) DemoPersons(ctx context.Context, f module.PersonFilter) ([]int64, error) {
	lo, hi := orgunit.ScopeOf(f.Unit).Range()
	q, args := `SELECT id FROM persons WHERE orgunit >= ? AND orgunit < ?`, []any{lo, hi}
	if f.Grade > 0 {
		q, args = q+` AND grade = ?`, append(args, f.Grade)
	}
	if f.Active {
		q += ` AND status = 'active'`
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY id LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("read demo persons: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read demo persons: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
