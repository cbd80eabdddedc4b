package rehab_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestAttendanceList: a centre's session day lists, by name, everyone whose
// plan books it that week (in the caller's scope); attendance for the whole
// list is recorded at once (ticked: attended, the rest absent), a person
// whose plan has not started yet is reported by name and the others still
// recorded; a second pass records nothing twice; the case lists its dates.
// Dates typed in the Chinese forms are understood.
func TestAttendanceList(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		var ids []int64
		for i, start := range []string{"2026-05-04", "2026-05-04", "2026-05-04", "2026-05-06"} {
			id := f.assessed(t, f.persons[i], "physical", 4)
			if _, err := f.a.Cases.Act(ctx, town, id, "schedule", data(fmt.Sprintf(`{"centre":%d,"start":%q,"per_week":2}`, f.sub.ID, start)), 0); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		other := f.assessed(t, f.persons[4], "physical", 4) // at the district centre: not on the sub-centre's list
		if _, err := f.a.Cases.Act(ctx, town, other, "schedule", data(fmt.Sprintf(`{"centre":%d,"start":"2026年5月4日","per_week":2}`, f.centre.ID)), 0); err != nil {
			t.Fatalf("a start typed 2026年5月4日: %v", err)
		}
		monday := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
		ro, err := f.a.Rehab.RosterOf(ctx, town, f.sub.ID, monday, "zh")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range ro.Rows {
			names = append(names, r.PersonName+"/"+r.Place)
		}
		if strings.Join(names, ",") != "康复0/永新村,康复1/永新村,康复2/永新村,康复3/永新村" {
			t.Fatalf("the list: %v", names)
		}
		if _, err := f.a.Rehab.RosterOf(ctx, kunshan, f.sub.ID, monday, "zh"); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("another district's list: %v", err)
		}
		if _, err := f.a.Rehab.RecordAttendance(ctx, f.a.Cases, town, f.sub.ID, monday.AddDate(0, 0, 1), ids[:1], "zh"); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("tomorrow: %v", err)
		}
		res, err := f.a.Rehab.RecordAttendance(ctx, f.a.Cases, town, f.sub.ID, monday, []int64{ids[0], ids[2], ids[3], other}, "zh")
		if err != nil {
			t.Fatal(err)
		}
		if res.Recorded != 3 || res.Attended != 2 || len(res.Failed) != 1 || res.Failed[0].Name != "康复3" || !strings.Contains(res.Failed[0].Message.Zh, "早于计划开始日期") {
			t.Fatalf("recorded: %+v", res)
		}
		for i, want := range []string{"1", "0", "1"} {
			c, err := f.a.Cases.Get(ctx, town, ids[i])
			if err != nil || fmt.Sprint(c.Data["sessions_recorded"]) != "1" || fmt.Sprint(c.Data["sessions_attended"]) != want {
				t.Fatalf("case %d: %+v %v", i, c.Data, err)
			}
		}
		if c, _ := f.a.Cases.Get(ctx, town, other); c.Data["sessions_recorded"] != nil {
			t.Fatalf("a case not on the list was recorded: %+v", c.Data)
		}
		again, err := f.a.Rehab.RecordAttendance(ctx, f.a.Cases, town, f.sub.ID, monday, ids, "zh")
		if err != nil || again.Recorded != 0 || len(again.Failed) != 1 {
			t.Fatalf("a second pass: %+v %v", again, err)
		}
		if _, err := f.a.Cases.Act(ctx, f.provider, ids[0], "session", data(`{"date":"2026/5/4","attended":true}`), 0); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("the same day twice: %v", err)
		}
		if _, err := f.a.Cases.Act(ctx, f.provider, other, "session", data(`{"date":"2026年5月4日","attended":true}`), 0); err != nil {
			t.Fatalf("a session dated 2026年5月4日: %v", err)
		}
		var date string
		if err := d.QueryRow(ctx, `SELECT date FROM rehab_sessions WHERE case_id = ?`, other).Scan(&date); err != nil || date != "2026-05-04" {
			t.Fatalf("stored date: %q %v", date, err)
		}
		if _, err := f.a.Cases.Act(ctx, f.provider, other, "session", data(`{"date":"2026年2月30日","attended":true}`), 0); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("2026年2月30日: %v", err)
		}
		// The case lists its dates.
		typ, _ := f.a.Cases.TypeOf("rehabilitation")
		c, _ := f.a.Cases.Get(ctx, town, ids[0])
		panels, err := typ.Panels(ctx, town, c, "en")
		if err != nil || len(panels) != 1 || len(panels[0].Rows) != 1 || panels[0].Rows[0][0].Text != "2026-05-04" || panels[0].Rows[0][1].Text != "attended" ||
			!strings.Contains(panels[0].Caption, "1 attended of 1") {
			t.Fatalf("panels: %+v %v", panels, err)
		}
		ro, _ = f.a.Rehab.RosterOf(ctx, town, f.sub.ID, monday, "en")
		var rec []bool
		for _, r := range ro.Rows {
			rec = append(rec, r.Recorded, r.Attended)
		}
		if !slices.Equal(rec, []bool{true, true, true, false, true, true, false, false}) {
			t.Fatalf("the list after: %v", rec)
		}
	})
}
