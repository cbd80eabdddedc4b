package notify

import (
	"context"
	"fmt"
	"io"
	"time"

	"sunshine/internal/platform/db"
)

// DemoAccounts are the demo accounts that get a few notifications.
var DemoAccounts = []string{"demo", "demo_town", "demo_village", "demo_person"}

// Demo runs the rules on the demo data and, for each demo account that got
// none from them, makes a few (after the demo accounts exist: the app calls
// it once they do).
func (s *Store) Demo(ctx context.Context, out io.Writer) error {
	now := s.db.Now()
	g, err := s.Generate(ctx, now)
	if err != nil {
		return fmt.Errorf("demo notifications: %w", err)
	}
	today := Today(now)
	made := g.Notifications
	for _, name := range DemoAccounts {
		var id, person int64
		var unit string
		err := s.db.QueryRow(ctx, `SELECT id, orgunit, COALESCE(person_id, 0) FROM users WHERE username = ?`, name).Scan(&id, &unit, &person)
		if err != nil {
			continue // not a demo database with this account
		}
		var n int
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE user_id = ?`, id).Scan(&n); err != nil {
			return fmt.Errorf("demo notifications: %w", err)
		}
		if n >= 2 {
			continue
		}
		link := "/notifications"
		if person != 0 {
			link = "/me"
		}
		samples := []Notice{
			{Kind: KindCert90, Subject: "demo:" + name, Due: today.AddDate(0, 0, 80).Format(time.DateOnly), UserID: id,
				Params: map[string]string{"date": today.AddDate(0, 0, 80).Format(time.DateOnly)}, Link: link, OrgUnit: unit},
			{Kind: KindLoanDue, Subject: "demo:" + name, Due: today.AddDate(0, 0, 10).Format(time.DateOnly), UserID: id,
				Params: map[string]string{"date": today.AddDate(0, 0, 10).Format(time.DateOnly)}, Link: link, OrgUnit: unit},
		}
		err = s.db.InTx(ctx, func(tx *db.Tx) error {
			for _, sm := range samples {
				m, _, err := s.insert(ctx, tx, sm, now)
				if err != nil {
					return err
				}
				made += m
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("demo notifications: %w", err)
		}
	}
	fmt.Fprintf(out, "notifications: %d\n", made)
	return nil
}
