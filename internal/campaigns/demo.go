package campaigns

import (
	"context"
	"fmt"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
)

// demo makes a health-check campaign and a telecom campaign of the demo
// year in the home district (嘉定区 …), and records some of their persons
// as reached, so that the pages show progress and a list of those not yet
// reached.
func (s *Store) demo(ctx context.Context, d *module.Demo) error {
	home := d.Place.Code()
	sys := access.Demo(identity.DistrictStaff, home)
	today := Today(s.db.Now())
	year := d.Year
	if year == 0 {
		year = s.db.Now().In(shanghai).Year()
	}
	sixty := 60
	made := []struct {
		in   Input
		done int // every n-th person of the list is reached
	}{
		{Input{Kind: HealthCheck, Name: fmt.Sprintf("%d年度残疾人免费健康体检", year), Year: year, OrgUnit: home,
			Criteria: Criteria{AgeMin: &sixty}}, 3},
		{Input{Kind: TelecomPackage, Name: fmt.Sprintf("%d年度信息消费通信优惠", year), Year: year, OrgUnit: home,
			Criteria: Criteria{Grades: []int{1, 2}, Hukou: "local"}}, 2},
	}
	first, _ := time.Parse(time.DateOnly, fmt.Sprintf("%d-01-01", year))
	last, _ := time.Parse(time.DateOnly, today)
	for _, m := range made {
		out, err := s.Create(ctx, sys, m.in)
		if err != nil {
			return fmt.Errorf("demo campaign: %w", err)
		}
		rows, err := s.db.Query(ctx, `SELECT person_id FROM campaign_persons WHERE campaign_id = ? ORDER BY person_id`, out.ID)
		if err != nil {
			return fmt.Errorf("demo campaign: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				_ = rows.Close()
				return fmt.Errorf("demo campaign: %w", err)
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("demo campaign: %w", err)
		}
		done := 0
		span := int(last.Sub(first).Hours()/24) + 1
		for i, id := range ids {
			if i%m.done != 0 || last.Year() != year {
				continue
			}
			day := first.AddDate(0, 0, (i*7)%span).Format(time.DateOnly)
			if _, err := s.Complete(ctx, sys, out.ID, CompletionInput{PersonID: id, Date: day}, "form"); err != nil {
				return fmt.Errorf("demo campaign: %w", err)
			}
			done++
		}
		fmt.Fprintf(d.Out, "demo data: campaign %q, %d persons, %d reached\n", m.in.Name, out.Eligible, done)
	}
	return nil
}
