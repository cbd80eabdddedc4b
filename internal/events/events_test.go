package events_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"sunshine/internal/access"
	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/events"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

var (
	district = apptest.Caller(identity.DistrictStaff, "310114")
	townA    = apptest.Caller(identity.TownStaff, "310114102")
	townB    = apptest.Caller(identity.TownStaff, "310114103")
	village  = apptest.Caller(identity.VillageAssistant, apptest.Village)
	provider = apptest.Caller(identity.Provider, "310114")
)

func personCaller(id int64) access.Caller {
	return access.Caller{Actor: audit.Actor{Username: "person_user", Role: identity.Person}, Scope: orgunit.ScopeOf(apptest.Village), PersonID: id}
}

func fieldMsg(err error) string {
	if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
		return e.Fields[0].Msg.In("en")
	}
	return ""
}

func code(err error) apperr.Code { return apperr.CodeOf(err) }

func fields(err error) string {
	e, ok := apperr.As(err)
	if !ok {
		return ""
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+"/"+f.Code)
	}
	return strings.Join(out, " ")
}

// culture reads the numerator of culture_sports_rate of the fixture's
// village for the year, and checks that the rollups agree with the facts.
func culture(t *testing.T, e *apptest.Env) int64 {
	t.Helper()
	ctx := context.Background()
	if ms, err := e.App.Indicators.Check(ctx, 0); err != nil {
		t.Fatal(err)
	} else if len(ms) > 0 {
		t.Fatalf("indicator mismatches: %+v", ms)
	}
	res, err := e.App.Indicators.Indicators(ctx, orgunit.AllUnits(), apptest.Village, e.Year, "zh")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range res.Items {
		if it.Code == "culture_sports_rate" {
			if it.Numerator == nil {
				t.Fatal("culture_sports_rate suppressed")
			}
			return *it.Numerator
		}
	}
	t.Fatal("no culture_sports_rate")
	return 0
}

// TestEvents walks events through registration, attendance and results
// with every refusal on the way, and holds culture_sports_rate to the
// attendance at once.
func TestEvents(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		ctx := context.Background()
		s := e.App.Events
		today := events.Today(d.Now())
		past, future, far := "2026-11-10", "2026-11-26", "2026-12-20"
		if today != "2026-11-16" {
			t.Fatalf("today is %s", today)
		}

		// Bad events.
		_, err := s.Create(ctx, district, events.Input{Title: strings.Repeat("长", 101), Kind: "dance", OrgUnit: "320583100", Date: "2026-13-01", Places: -1})
		if code(err) != apperr.Invalid || fields(err) != "title/too_long kind/unknown orgunit/not_found date/invalid places/range" {
			t.Fatalf("bad event: %v %s", err, fields(err))
		}
		for _, c := range []struct {
			in   events.Input
			want string
		}{
			{events.Input{Kind: "sport", OrgUnit: "310114102", Date: future}, "title/required"},
			{events.Input{Title: "x", OrgUnit: "310114102", Date: future}, "kind/required"},
			{events.Input{Title: "x", Kind: "sport", OrgUnit: "310114102", Date: "2025-11-15"}, "date/past"},
			{events.Input{Title: "x", Kind: "sport", OrgUnit: "310114102", Date: "2028-11-17"}, "date/too_far"},
			{events.Input{Title: "x", Kind: "sport", OrgUnit: "310114102", Date: ""}, "date/required"},
			{events.Input{Title: "x", Kind: "sport", OrgUnit: "310114102", Date: future, Places: 100001}, "places/range"},
			{events.Input{Title: "x", Kind: "sport", OrgUnit: "310114103", Date: future}, "orgunit/not_found"},
			{events.Input{Title: "x", Kind: "sport", OrgUnit: "", Date: future}, "orgunit/required"},
		} {
			if _, err := s.Create(ctx, townA, c.in); code(err) != apperr.Invalid || fields(err) != c.want {
				t.Errorf("%+v: %v %s, want %s", c.in, err, fields(err), c.want)
			}
		}
		if _, err := s.Create(ctx, village, events.Input{Title: "x", Kind: "sport", OrgUnit: "310114", Date: future}); fields(err) != "orgunit/not_found" {
			t.Errorf("village making a district event: %v", err)
		}
		if _, err := s.Create(ctx, provider, events.Input{Title: "x", Kind: "sport", OrgUnit: "310114", Date: future}); code(err) != apperr.Forbidden {
			t.Errorf("provider making an event: %v", err)
		}
		mk := func(c access.Caller, title, kind, unit, date string, places int) events.Event {
			t.Helper()
			ev, err := s.Create(ctx, c, events.Input{Title: title, Kind: kind, OrgUnit: unit, Date: date, Places: places})
			if err != nil {
				t.Fatal(err)
			}
			return ev
		}
		games := mk(district, "区运动会", "sport", "310114", past, 0)
		contest := mk(townA, "技能竞赛", "skills", "310114102", past, 0)
		festival := mk(district, "艺术节", "culture", "310114", future, 1)
		other := mk(townB, "安亭镇趣味运动会", "sport", "310114103", future, 0)
		afternoon := mk(village, "文化下午茶", "culture", apptest.Village, far, 0)

		// Who sees what.
		for _, c := range []struct {
			who  access.Caller
			id   int64
			want apperr.Code
		}{
			{village, games.ID, ""}, {village, contest.ID, ""}, {village, other.ID, apperr.NotFound}, {townA, afternoon.ID, ""},
			{townB, afternoon.ID, apperr.NotFound}, {personCaller(e.In), games.ID, ""}, {personCaller(e.In), other.ID, apperr.NotFound},
			{provider, games.ID, apperr.NotFound},
		} {
			if _, err := s.Get(ctx, c.who, c.id); (c.want == "") != (err == nil) || err != nil && code(err) != c.want {
				t.Errorf("%s on event %d: %v, want %q", c.who.Actor.Role, c.id, err, c.want)
			}
		}
		list, err := s.List(ctx, village, events.Filter{})
		if err != nil || len(list) != 4 {
			t.Errorf("village's list: %d %v", len(list), err)
		}
		if list, _ := s.List(ctx, village, events.Filter{Kind: "skills"}); len(list) != 1 || list[0].ID != contest.ID {
			t.Errorf("village's skills: %+v", list)
		}

		// Registration.
		if _, err := s.Register(ctx, village, festival.ID, e.In); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Register(ctx, village, festival.ID, e.In); code(err) != apperr.Conflict || fields(err) != "person_id/twice" {
			t.Errorf("twice: %v", err)
		}
		if _, err := s.Register(ctx, district, festival.ID, e.Town2); code(err) != apperr.Conflict || fields(err) != "person_id/full" {
			t.Errorf("full: %v", err)
		}
		if _, err := s.Register(ctx, district, other.ID, e.Out); code(err) != apperr.NotFound {
			t.Errorf("out of scope person: %v", err)
		}
		if _, err := s.Register(ctx, village, afternoon.ID, e.Town2); code(err) != apperr.NotFound {
			t.Errorf("village registering another town's person: %v", err)
		}
		if _, err := s.Register(ctx, village, other.ID, e.In); code(err) != apperr.NotFound {
			t.Errorf("out of scope event: %v", err)
		}
		if _, err := s.Register(ctx, district, games.ID, e.In); code(err) != apperr.Invalid || fields(err) != "person_id/over" {
			t.Errorf("after the event: %v", err)
		}
		me := personCaller(e.In)
		if n, err := s.Register(ctx, me, afternoon.ID, 0); err != nil || n.PersonID != e.In || n.Name != "测试1" {
			t.Errorf("person registering itself: %+v %v", n, err)
		}
		if _, err := s.Register(ctx, me, afternoon.ID, e.Town2); code(err) != apperr.NotFound {
			t.Errorf("person registering another: %v", err)
		}
		if ev, err := s.Get(ctx, me, afternoon.ID); err != nil || ev.Mine == nil {
			t.Errorf("person's own entry: %+v %v", ev, err)
		}
		if err := s.Withdraw(ctx, me, afternoon.ID, 0); err != nil {
			t.Errorf("withdraw: %v", err)
		}
		if err := s.Withdraw(ctx, me, afternoon.ID, 0); code(err) != apperr.NotFound {
			t.Errorf("withdraw twice: %v", err)
		}

		// Attendance: not in the future; a skills contest does not count.
		if _, _, err := s.Attend(ctx, district, festival.ID, e.In); code(err) != apperr.Invalid || fields(err) != "person_id/future" ||
			!strings.Contains(fieldMsg(err), "attendance is recorded on or after the event day") {
			t.Errorf("future attendance: %v", err)
		}
		if _, _, err := s.Attend(ctx, district, games.ID, e.Out); code(err) != apperr.NotFound {
			t.Errorf("out of scope attendance: %v", err)
		}
		if _, _, err := s.Attend(ctx, me, games.ID, e.In); code(err) != apperr.Forbidden {
			t.Errorf("person marking attendance: %v", err)
		}
		before := culture(t, e)
		if _, created, err := s.Attend(ctx, village, contest.ID, e.In); err != nil || !created {
			t.Fatalf("skills attendance: %v %v", created, err)
		}
		if got := culture(t, e); got != before {
			t.Errorf("a skills contest moved culture_sports_rate: %d → %d", before, got)
		}
		n, created, err := s.Attend(ctx, village, games.ID, e.In)
		if err != nil || !created || !n.Attended {
			t.Fatalf("attendance: %+v %v %v", n, created, err)
		}
		if got := culture(t, e); got != before+1 {
			t.Errorf("attending moved culture_sports_rate %d → %d, want +1", before, got)
		}
		if _, created, err := s.Attend(ctx, village, games.ID, e.In); err != nil || created {
			t.Errorf("attendance again: %v %v", created, err)
		}

		// Results.
		if _, err := s.SetResult(ctx, district, games.ID, e.In, events.ResultInput{Place: 1001}); fields(err) != "place/range" {
			t.Errorf("place 1001: %v", err)
		}
		if _, err := s.SetResult(ctx, district, games.ID, e.In, events.ResultInput{Place: 1, Award: strings.Repeat("金", 101)}); fields(err) != "award/too_long" {
			t.Errorf("long award: %v", err)
		}
		if _, err := s.SetResult(ctx, district, festival.ID, e.In, events.ResultInput{Place: 1}); fields(err) != "place/not_attended" {
			t.Errorf("result without attendance: %v", err)
		}
		if r, err := s.SetResult(ctx, townA, games.ID, e.In, events.ResultInput{Place: 1, Award: "金牌"}); err != nil || r.Place != 1 || r.Award != "金牌" {
			t.Errorf("result: %+v %v", r, err)
		}
		entries, err := s.Entries(ctx, village, games.ID, "en")
		if err != nil || len(entries) != 1 || entries[0].Village != "永新村" || entries[0].Place != 1 {
			t.Errorf("entries: %+v %v", entries, err)
		}
		if got, err := s.Entries(ctx, townB, games.ID, "zh"); err != nil || len(got) != 0 {
			t.Errorf("another town's staff see the entries of persons outside their scope: %+v %v", got, err)
		}
		if mine, err := s.OfPerson(ctx, me, e.In); err != nil || len(mine) != 3 {
			t.Errorf("person's events: %+v %v", mine, err)
		}
		var listed int64
		if err := d.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'list' AND subject_type = 'person' AND subject_id = ? AND detail LIKE '%event%'`,
			strconv.FormatInt(e.In, 10)).Scan(&listed); err != nil || listed == 0 {
			t.Errorf("reading the entries was not audited: %d %v", listed, err)
		}

		// A change of kind moves the figure; a stale version is refused.
		ev, _ := s.Get(ctx, district, games.ID)
		in := events.Input{Title: ev.Title, Kind: "skills", OrgUnit: ev.OrgUnit, Date: ev.Date, Version: ev.Version}
		if _, err := s.Update(ctx, village, games.ID, in); code(err) != apperr.Forbidden {
			t.Errorf("village changing the district's event: %v", err)
		}
		if _, err := s.Update(ctx, district, games.ID, in); err != nil {
			t.Fatal(err)
		}
		if got := culture(t, e); got != before {
			t.Errorf("a sport event turned skills: culture_sports_rate %d, want %d", got, before)
		}
		if _, err := s.Update(ctx, district, games.ID, in); code(err) != apperr.Conflict {
			t.Errorf("stale version: %v", err)
		}
		in.Kind, in.Version = "sport", ev.Version+1
		in.Date = future
		if _, err := s.Update(ctx, district, games.ID, in); fields(err) != "date/attended" {
			t.Errorf("moving an attended event to the future: %v", err)
		}
		in.Date = past
		if _, err := s.Update(ctx, district, games.ID, in); err != nil {
			t.Fatal(err)
		}
		if got := culture(t, e); got != before+1 {
			t.Errorf("back to sport: culture_sports_rate %d, want %d", got, before+1)
		}

		// Removing attendance, and again; then cancelling an attended event.
		if err := s.Unattend(ctx, district, games.ID, e.In); err != nil {
			t.Fatal(err)
		}
		if got := culture(t, e); got != before {
			t.Errorf("attendance removed: culture_sports_rate %d, want %d", got, before)
		}
		if err := s.Unattend(ctx, district, games.ID, e.In); code(err) != apperr.NotFound {
			t.Errorf("removing attendance twice: %v", err)
		}
		if _, _, err := s.Attend(ctx, district, games.ID, e.In); err != nil {
			t.Fatal(err)
		}
		if err := s.Withdraw(ctx, district, festival.ID, e.In); err != nil {
			t.Errorf("staff withdrawing: %v", err)
		}
		if _, err := s.Cancel(ctx, village, games.ID, "下雨"); code(err) != apperr.Forbidden {
			t.Errorf("village cancelling the district's event: %v", err)
		}
		if _, err := s.Cancel(ctx, district, games.ID, ""); fields(err) != "reason/required" {
			t.Errorf("cancel without a reason: %v", err)
		}
		if c, err := s.Cancel(ctx, district, games.ID, "场地维修"); err != nil || c.State != events.Cancelled {
			t.Fatalf("cancel: %+v %v", c, err)
		}
		if got := culture(t, e); got != before {
			t.Errorf("cancelled event still counts: culture_sports_rate %d, want %d", got, before)
		}
		if _, err := s.Cancel(ctx, district, games.ID, "again"); code(err) != apperr.Conflict {
			t.Errorf("cancel twice: %v", err)
		}
		if _, err := s.Cancel(ctx, district, festival.ID, "场地维修"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Register(ctx, district, festival.ID, e.In); code(err) != apperr.Conflict || fields(err) != "state/cancelled" {
			t.Errorf("registering for a cancelled event: %v", err)
		}
		if _, _, err := s.Attend(ctx, district, games.ID, e.Town2); code(err) != apperr.Conflict {
			t.Errorf("attendance at a cancelled event: %v", err)
		}
	})
}

// TestDemo loads the demo: six events, the demo person account has an
// entry, the past games have attendance and results, the indicators agree.
func TestDemo(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		d.Clock = testkit.Clock(apptest.Start())
		a, err := app.New(ctx, d, apptest.Config(t))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = a.Close() }()
		var out strings.Builder
		if err := a.LoadDemo(ctx, 400, 3, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "6 events") {
			t.Errorf("demo output: %s", out.String())
		}
		var person int64
		if err := d.QueryRow(ctx, `SELECT person_id FROM users WHERE username = 'demo_person'`).Scan(&person); err != nil {
			t.Fatal(err)
		}
		mine, err := a.Events.OfPerson(ctx, personCaller(person), person)
		if err != nil || len(mine) < 2 {
			t.Errorf("the demo person's events: %+v %v", mine, err)
		}
		var n, attended, results int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil || n != 6 {
			t.Errorf("demo events: %d %v", n, err)
		}
		if err := d.QueryRow(ctx, `SELECT count(*), count(NULLIF(result_place, 0)) FROM event_entries WHERE attended = TRUE`).Scan(&attended, &results); err != nil ||
			attended < 4 || results < 3 {
			t.Errorf("demo attendance %d, results %d: %v", attended, results, err)
		}
		if ms, err := a.Indicators.Check(ctx, 0); err != nil || len(ms) > 0 {
			t.Errorf("indicator mismatches after the demo: %+v %v", ms, err)
		}
	})
}
