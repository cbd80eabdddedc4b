package registry_test

import (
	"context"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// TestAccessViewGroupsLists: the person's access log as pages read it counts
// the times a viewer saw the record in a list per day (China time), while
// opens, reveals (with their reason) and changes stay one line each; paging
// gives every line once and a group whole; the audit log keeps every entry.
func TestAccessViewGroupsLists(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// 2026-12-01 01:00 UTC is 09:00 in Shanghai.
		now := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
		a := apptest.New(t, d, now)
		d.Clock = func() time.Time { return now }
		id := apptest.Person(t, a, 1, "列表", apptest.Village, 4, 2)
		town := apptest.Caller(identity.TownStaff, apptest.Village[:9])
		town.Actor.Username = "town1"
		district := apptest.Caller(identity.DistrictStaff, "310114")
		district.Actor.Username = "district1"
		list := func(c registry.Caller, n int) {
			t.Helper()
			for range n {
				if ps, _, _, err := a.Registry.List(ctx, c, registry.Filter{}); err != nil || len(ps) != 1 {
					t.Fatalf("list: %d persons, %v", len(ps), err)
				}
			}
		}
		list(town, 12)
		list(district, 3)
		if _, err := a.Registry.Get(ctx, town, id); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Registry.Reveal(ctx, town, id, "核对补贴发放"); err != nil {
			t.Fatal(err)
		}
		list(town, 2) // the same day: counted with the 12
		now = now.Add(24 * time.Hour)
		list(town, 5)

		items, next, err := a.Registry.AccessView(ctx, town, id, 0, 50)
		if err != nil || next != 0 {
			t.Fatalf("view: %v, next %d", err, next)
		}
		type line struct {
			group       bool
			user, what  string
			count       int
			day, reason string
		}
		var got []line
		for _, it := range items {
			if it.Group != nil {
				got = append(got, line{group: true, user: it.Group.Username, count: it.Group.Count, day: it.Group.Day.Format(time.DateOnly)})
				continue
			}
			got = append(got, line{user: it.Entry.Username, what: it.Entry.Action, reason: it.Entry.Reason})
		}
		want := []line{
			{group: true, user: "town1", count: 5, day: "2026-12-02"},
			{group: true, user: "town1", count: 14, day: "2026-12-01"},
			{user: "town1", what: audit.ActionReveal, reason: "核对补贴发放"},
			{user: "town1", what: audit.ActionRead},
			{group: true, user: "district1", count: 3, day: "2026-12-01"},
		}
		// The person's creation comes last.
		if len(got) != len(want)+1 || got[len(got)-1].what != audit.ActionCreate {
			t.Fatalf("view: %+v", got)
		}
		for i, w := range want {
			if got[i] != w {
				t.Errorf("line %d: %+v, want %+v", i, got[i], w)
			}
		}
		// Pages of two: every line once, in order, each group whole.
		var paged []line
		cursor := int64(0)
		for pages := 0; ; pages++ {
			items, next, err := a.Registry.AccessView(ctx, town, id, cursor, 2)
			if err != nil || pages > 5 {
				t.Fatalf("page %d: %v", pages, err)
			}
			for _, it := range items {
				if it.Group != nil {
					paged = append(paged, line{group: true, user: it.Group.Username, count: it.Group.Count, day: it.Group.Day.Format(time.DateOnly)})
				} else {
					paged = append(paged, line{user: it.Entry.Username, what: it.Entry.Action, reason: it.Entry.Reason})
				}
			}
			if next == 0 {
				break
			}
			cursor = next
		}
		if len(paged) != len(got) {
			t.Fatalf("paged: %+v", paged)
		}
		for i := range got {
			if paged[i] != got[i] {
				t.Errorf("paged line %d: %+v, want %+v", i, paged[i], got[i])
			}
		}
		// The log keeps every entry; the API's access log lists them all.
		raw, _, err := a.Registry.AccessLog(ctx, town, id, 0, 500)
		lists := 0
		for _, e := range raw {
			if e.Action == audit.ActionList {
				lists++
			}
		}
		if err != nil || lists != 22 {
			t.Errorf("access log: %d list entries, %v", lists, err)
		}
		// Out of scope: not found, as the record itself.
		other := apptest.Caller(identity.TownStaff, "310114103")
		if _, _, err := a.Registry.AccessView(ctx, other, id, 0, 50); err == nil {
			t.Error("another town read the access log")
		}
	})
}
