package employment

import (
	"context"

	"sunshine/internal/platform/money"
)

// Totals is the levy of a year summed over the employers of the caller's
// scope: figures only, no employer named (not audited), for a leader's home.
type Totals struct {
	Year int
	// Employers in scope; WithFigures of them have staff and wage figures
	// for the year; BelowQuota of those employ fewer disabled people than the
	// quota and are not exempt.
	Employers, WithFigures, BelowQuota int
	// Shortfall is the places short, in whole persons, over BelowQuota.
	Shortfall int
	DueCents  int64
	Due       string
}

// LevyTotals sums the levy statement of a year for the caller's scope.
func (s *Store) LevyTotals(ctx context.Context, c Caller, year int) (Totals, error) {
	t := Totals{Year: year}
	if err := checkYear(year); err != nil {
		return t, err
	}
	where, args := c.where()
	list, err := s.levies(ctx, where, args, year)
	if err != nil {
		return t, err
	}
	t.Employers = len(list)
	for _, l := range list {
		if !l.HasFigures {
			continue
		}
		t.WithFigures++
		if l.BelowQuota && !l.Result.Exempt {
			t.BelowQuota++
			t.Shortfall += l.Result.ShortPeople
		}
		t.DueCents += l.Result.Due
	}
	t.Due = money.Yuan(t.DueCents)
	return t, nil
}
