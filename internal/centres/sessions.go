package centres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"sunshine/internal/access"
)

// MaxSessionDays is the longest span Sessions lists.
const MaxSessionDays = 62

// Session is a programme of a centre meeting on a day.
type Session struct {
	Date        string `json:"date"`
	CentreID    int64  `json:"centre_id"`
	Centre      string `json:"centre"`
	ProgrammeID int64  `json:"programme_id"`
	Programme   string `json:"programme"`
	Kind        string `json:"kind"`      // in the page's language
	KindCode    string `json:"kind_code"` // course, therapy, work, culture, sport
	Starts      string `json:"starts"`
	Ends        string `json:"ends"`
}

// Sessions lists the meetings of the active programmes of the centres the
// caller sees on the days from (inclusive) to (exclusive), "YYYY-MM-DD",
// at most MaxSessionDays, by date and time: for a calendar of the month.
func (s *Store) Sessions(ctx context.Context, c access.Caller, from, to, lang string) ([]Session, error) {
	out := []Session{}
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || !f.Before(t) || t.Sub(f) > MaxSessionDays*24*time.Hour {
		return out, invalid("from", "range", "日期范围无效（最多"+fmt.Sprint(MaxSessionDays)+"天）。", fmt.Sprintf("The dates are not a valid span (at most %d days).", MaxSessionDays))
	}
	list, err := s.Centres(ctx, c, Filter{})
	if err != nil || len(list) == 0 {
		return out, err
	}
	byID := map[int64]Centre{}
	args := make([]any, 0, len(list))
	for _, ce := range list {
		byID[ce.ID] = ce
		args = append(args, ce.ID)
	}
	rows, err := s.db.Query(ctx, `SELECT `+programmeCols+` FROM centre_programmes WHERE active AND centre_id IN (`+marks(len(args))+`) ORDER BY starts, name, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list programmes: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var progs []Programme
	for rows.Next() {
		p, err := scanProgramme(rows)
		if err != nil {
			return nil, fmt.Errorf("list programmes: %w", err)
		}
		progs = append(progs, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list programmes: %w", err)
	}
	for d := f; d.Before(t); d = d.AddDate(0, 0, 1) {
		wd := Weekdays[(int(d.Weekday())+6)%7].Code
		for _, p := range progs {
			ce := byID[p.CentreID]
			if !slices.Contains(p.Days, wd) {
				continue
			}
			out = append(out, Session{Date: d.Format(time.DateOnly), CentreID: ce.ID, Centre: ce.Label(lang), ProgrammeID: p.ID,
				Programme: p.Name, Kind: WordOf(ProgrammeKinds, p.Kind).In(lang), KindCode: p.Kind, Starts: p.Starts, Ends: p.Ends})
		}
	}
	return out, nil
}

func marks(n int) string {
	b := make([]byte, 0, 3*n)
	for i := range n {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '?')
	}
	return string(b)
}
