package casework

import (
	"context"
	"fmt"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/platform/db"
)

// Volume is how many cases of one service type were opened and closed in a
// period, and how many are open now: figures only (not audited).
type Volume struct {
	ServiceType string
	Name        string
	Opened      int
	Closed      int
	Open        int
}

// Volumes counts the cases in the caller's scope per service type: opened
// and closed in [from, to), and open now. Types without any case are left
// out; the order is that of the registered types (then unknown codes).
func (e *Engine) Volumes(ctx context.Context, c access.Caller, from, to time.Time, lang string) ([]Volume, error) {
	if err := e.sync(ctx); err != nil {
		return nil, err
	}
	where, args := scopeWhere(c)
	counts := map[string]*Volume{}
	var order []string
	count := func(cond string, extra []any, set func(v *Volume, n int)) error {
		rows, err := e.db.Query(ctx, `SELECT c.service_type, count(*) FROM cases c WHERE `+where+` AND `+cond+` GROUP BY c.service_type`,
			append(append([]any{}, args...), extra...)...)
		if err != nil {
			return fmt.Errorf("count case volumes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var code string
			var n int
			if err := rows.Scan(&code, &n); err != nil {
				return fmt.Errorf("count case volumes: %w", err)
			}
			v, ok := counts[code]
			if !ok {
				v = &Volume{ServiceType: code, Name: code}
				counts[code] = v
				order = append(order, code)
			}
			set(v, n)
		}
		return rows.Err()
	}
	lo, hi := db.Millis(from), db.Millis(to)
	if err := count("c.created_at >= ? AND c.created_at < ?", []any{lo, hi}, func(v *Volume, n int) { v.Opened = n }); err != nil {
		return nil, err
	}
	if err := count("c.closed_at >= ? AND c.closed_at < ?", []any{lo, hi}, func(v *Volume, n int) { v.Closed = n }); err != nil {
		return nil, err
	}
	if err := count("c.closed_at = 0", nil, func(v *Volume, n int) { v.Open = n }); err != nil {
		return nil, err
	}
	out := make([]Volume, 0, len(counts))
	for _, t := range e.Types() {
		if v, ok := counts[t.Code]; ok {
			v.Name = t.Name(lang)
			out = append(out, *v)
			delete(counts, t.Code)
		}
	}
	for _, code := range order {
		if v, ok := counts[code]; ok {
			out = append(out, *v)
		}
	}
	return out, nil
}
