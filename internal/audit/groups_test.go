package audit_test

import (
	"context"
	"testing"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestListGroups: entries are counted per user, role and day of the given
// zone (the day turns at 16:00 UTC in China), newest group first; other
// actions and subjects are not counted; the cursor keeps each group whole.
func TestListGroups(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		log := newLog(t, d)
		cst := time.FixedZone("CST", 8*3600)
		alice := audit.Actor{Username: "alice", Role: "town_staff"}
		asVillage := audit.Actor{Username: "alice", Role: "village_assistant"}
		bob := audit.Actor{Username: "bob", Role: "town_staff"}
		at := func(ts string, a audit.Actor, action, subject string) {
			t.Helper()
			now, err := time.Parse(time.RFC3339, ts)
			if err != nil {
				t.Fatal(err)
			}
			d.Clock = func() time.Time { return now }
			if err := log.Record(ctx, a.Entry(action, "person", subject, "310114102201")); err != nil {
				t.Fatal(err)
			}
		}
		at("2026-12-01T15:58:00Z", alice, audit.ActionList, "7") // 23:58 on 12-01 in China
		at("2026-12-01T15:59:00Z", alice, audit.ActionList, "7")
		at("2026-12-01T15:59:30Z", bob, audit.ActionList, "7")
		at("2026-12-01T15:59:40Z", asVillage, audit.ActionList, "7") // another role: another line
		at("2026-12-01T16:01:00Z", alice, audit.ActionList, "7")     // 00:01 on 12-02
		at("2026-12-01T16:02:00Z", alice, audit.ActionRead, "7")     // not a list
		at("2026-12-01T16:03:00Z", alice, audit.ActionList, "8")     // another person
		f := audit.GroupFilter{SubjectType: "person", SubjectID: "7", Action: audit.ActionList, Zone: cst}
		gs, next, err := log.ListGroups(ctx, f)
		if err != nil || next != 0 {
			t.Fatalf("groups: %v, next %d", err, next)
		}
		type g struct {
			user, role, day string
			n               int
		}
		var got []g
		for _, x := range gs {
			got = append(got, g{x.Username, x.Role, x.Day.Format(time.DateOnly), x.Count})
		}
		want := []g{{"alice", "town_staff", "2026-12-02", 1}, {"alice", "village_assistant", "2026-12-01", 1},
			{"bob", "town_staff", "2026-12-01", 1}, {"alice", "town_staff", "2026-12-01", 2}}
		if len(got) != len(want) {
			t.Fatalf("groups: %+v", got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("group %d: %+v, want %+v", i, got[i], want[i])
			}
		}
		if gs[3].Last.Format(time.RFC3339) != "2026-12-01T15:59:00Z" {
			t.Errorf("the group's newest entry: %s", gs[3].Last)
		}
		// Two per page: the same groups, in order, each once.
		f.Limit = 2
		var paged []g
		for range 3 {
			gs, next, err := log.ListGroups(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range gs {
				paged = append(paged, g{x.Username, x.Role, x.Day.Format(time.DateOnly), x.Count})
			}
			if next == 0 {
				break
			}
			f.Before = next
		}
		if len(paged) != len(want) {
			t.Fatalf("paged: %+v", paged)
		}
		for i := range want {
			if paged[i] != want[i] {
				t.Errorf("paged %d: %+v, want %+v", i, paged[i], want[i])
			}
		}
	})
}
