package rehab_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestProviderSeesAssignedOnly: a provider's worker sees, on a centre's
// schedule and session-day list, the persons of the cases assigned to its
// organisation only; staff see everyone booked.
func TestProviderSeesAssignedOnly(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		mine := f.assessed(t, f.persons[0], "physical", 4) // assigned to the provider
		c, err := f.a.Cases.Create(ctx, assist, f.persons[1], "rehabilitation", data(`{"reason":"腿脚不便"}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.a.Cases.Act(ctx, town, c.ID, "assess", data(`{"service":"physical","sessions":4}`), 0); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{mine, c.ID} {
			if _, err := f.a.Cases.Act(ctx, town, id, "schedule", data(fmt.Sprintf(`{"centre":%d,"start":"2026-05-04","per_week":2}`, f.sub.ID)), 0); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.a.Cases.Act(ctx, town, c.ID, "session", data(`{"date":"2026-05-04","attended":true}`), 0); err != nil {
			t.Fatal(err)
		}
		if _, err := f.a.Cases.Act(ctx, f.provider, mine, "session", data(`{"date":"2026-05-04","attended":true}`), 0); err != nil {
			t.Fatal(err)
		}
		monday := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
		names := func(who string) (booked, sessions, roster []string) {
			t.Helper()
			cl := town
			if who == "provider" {
				cl = f.provider
			}
			s, err := f.a.Rehab.ScheduleOf(ctx, cl, f.sub.ID, monday, 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range s.Weeks[0].Bookings {
				booked = append(booked, b.PersonName)
			}
			for _, ss := range s.Weeks[0].Sessions {
				sessions = append(sessions, ss.PersonName)
			}
			ro, err := f.a.Rehab.RosterOf(ctx, cl, f.sub.ID, monday, "zh")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range ro.Rows {
				roster = append(roster, r.PersonName)
			}
			return booked, sessions, roster
		}
		b, s, r := names("town")
		if fmt.Sprint(b, s, r) != "[康复0 康复1] [康复1 康复0] [康复0 康复1]" {
			t.Errorf("staff see: booked %v, sessions %v, list %v", b, s, r)
		}
		b, s, r = names("provider")
		if fmt.Sprint(b, s, r) != "[康复0] [康复0] [康复0]" {
			t.Errorf("the provider sees: booked %v, sessions %v, list %v (only 康复0's case is assigned to it)", b, s, r)
		}
		// Recording the day's attendance as the provider touches its own case only.
		res, err := f.a.Rehab.RecordAttendance(ctx, f.a.Cases, f.provider, f.sub.ID, monday, []int64{mine, c.ID}, "zh")
		if err != nil || res.Recorded != 0 || len(res.Failed) != 0 {
			t.Errorf("the provider records the day: %+v %v", res, err)
		}
	})
}
