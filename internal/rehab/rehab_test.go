package rehab_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
	"sunshine/internal/rehab"
)

const village = apptest.Village

var (
	caller   = apptest.Caller
	data     = apptest.Data
	district = caller(identity.DistrictStaff, "310114")
	town     = caller(identity.TownStaff, "310114102")
	assist   = caller(identity.VillageAssistant, village)
	kunshan  = caller(identity.DistrictStaff, "320583")
)

// now is Monday 2026-05-04, 11:00 in Shanghai.
var now = time.Date(2026, 5, 4, 3, 0, 0, 0, time.UTC)

type fixture struct {
	a       *app.App
	persons []int64
	centre  rehab.Centre // the district centre
	sub     rehab.Centre // 南翔镇's sub-centre
	// provider is a worker of the provider organisation providerOrg: it
	// acts on the cases assigned to it (assign).
	provider    access.Caller
	providerOrg int64
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	a := apptest.New(t, d, now)
	f := &fixture{a: a, providerOrg: apptest.ProviderOrg(t, a, 1)}
	f.provider = apptest.ProviderCaller(f.providerOrg, "310114")
	for i := range 12 {
		f.persons = append(f.persons, apptest.Person(t, a, i, fmt.Sprintf("康复%d", i), village, 4, 2))
	}
	centres, err := a.Rehab.Centres(ctx, orgunit.ScopeOf("310114"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range centres {
		switch c.OrgUnit {
		case "310114":
			f.centre = c
		case "310114102":
			f.sub = c
		}
	}
	if f.centre.ID == 0 || f.sub.ID == 0 || len(centres) != 13 {
		t.Fatalf("seeded centres of Jiading: %+v", centres)
	}
	return f
}

func (f *fixture) setCapacity(t *testing.T, c rehab.Centre, n int, services ...string) {
	t.Helper()
	if _, err := f.a.Rehab.UpdateCentre(context.Background(), orgunit.ScopeOf("310114"), district.Actor, c.ID, rehab.CentreInput{Capacity: &n, Services: services}); err != nil {
		t.Fatal(err)
	}
}

// assign puts cases under a contract of the provider organisation.
func (f *fixture) assign(t *testing.T, ids ...int64) {
	t.Helper()
	for _, id := range ids {
		apptest.Assign(t, f.a, f.providerOrg, id)
	}
}

// assessed opens a case for a person, assigns it to the provider, which
// assesses it.
func (f *fixture) assessed(t *testing.T, person int64, service string, sessions int) int64 {
	t.Helper()
	ctx := context.Background()
	c, err := f.a.Cases.Create(ctx, assist, person, "rehabilitation", data(`{"reason":"中风后行走困难"}`))
	if err == nil {
		f.assign(t, c.ID)
		c, err = f.a.Cases.Act(ctx, f.provider, c.ID, "assess", data(fmt.Sprintf(`{"service":%q,"sessions":%d,"goals":"独立行走"}`, service, sessions)), 0)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func (f *fixture) schedule(t *testing.T, c rehab.Centre, from string, weeks int) rehab.Schedule {
	t.Helper()
	start, _ := time.Parse(time.DateOnly, from)
	s, err := f.a.Rehab.ScheduleOf(context.Background(), district, c.ID, start, weeks)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRehabWorkflow(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		e := f.a.Cases
		var id int64
		act := func(who access.Caller, action, body string, want apperr.Code) casework.Case {
			t.Helper()
			c, err := e.Act(ctx, who, id, action, data(body), 0)
			if want == "" && err != nil || want != "" && apperr.CodeOf(err) != want {
				t.Fatalf("%s as %s: %v, want %q", action, who.Actor.Role, err, want)
			}
			return c
		}
		// Referral: the person themself may open one; a provider may not.
		if _, err := e.Create(ctx, f.provider, f.persons[0], "rehabilitation", nil); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("a provider refers: %v", err)
		}
		me := access.Caller{Actor: audit.Actor{Username: "me", Role: identity.Person}, Scope: orgunit.ScopeOf(village), PersonID: f.persons[0]}
		c, err := e.Create(ctx, me, f.persons[0], "rehabilitation", data(`{"reason":"腿脚不便"}`))
		if err != nil || c.State != "referred" || c.DueAt == nil || !c.DueAt.Equal(now.Add(7*24*time.Hour)) {
			t.Fatalf("referral: %v %+v", err, c)
		}
		if _, err := e.Create(ctx, me, f.persons[0], "rehabilitation", data(`{"reason":5}`)); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("a reason that is not text: %v", err)
		}
		id = c.ID
		// Another district's staff does not see the case.
		act(kunshan, "assess", `{"service":"physical","sessions":10}`, apperr.NotFound)
		if _, err := e.Get(ctx, kunshan, id); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("another district reads the case: %v", err)
		}
		// A provider's worker acts on the cases assigned to its organisation only.
		act(f.provider, "assess", `{"service":"physical","sessions":10}`, apperr.NotFound)
		f.assign(t, id)
		// Assessment: roles, required data, ranges, wrong state.
		act(assist, "assess", `{"service":"physical","sessions":10}`, apperr.Forbidden)
		act(f.provider, "schedule", fmt.Sprintf(`{"centre":%d,"start":"2026-05-04","per_week":2}`, f.sub.ID), apperr.Conflict)
		act(f.provider, "assess", `{"sessions":10}`, apperr.Invalid)
		act(f.provider, "assess", `{"service":"massage","sessions":10}`, apperr.Invalid)
		act(f.provider, "assess", `{"service":"physical","sessions":0}`, apperr.Invalid)
		act(f.provider, "assess", `{"service":"physical","sessions":201}`, apperr.Invalid)
		act(f.provider, "assess", `{"service":"physical","sessions":"ten"}`, apperr.Invalid)
		c = act(f.provider, "assess", `{"service":"physical","sessions":5,"goals":"独立上下楼梯"}`, "")
		if c.State != "assessed" || c.Data["sessions"] != json.Number("5") || !c.DueAt.Equal(now.Add(14*24*time.Hour)) {
			t.Fatalf("assessed: %+v", c)
		}
		// Scheduling: roles, data, a centre of another district, a centre without the service.
		act(assist, "schedule", fmt.Sprintf(`{"centre":%d,"start":"2026-05-04","per_week":2}`, f.sub.ID), apperr.Forbidden)
		act(town, "schedule", fmt.Sprintf(`{"centre":%d,"start":"2026-05-04"}`, f.sub.ID), apperr.Invalid)
		act(town, "schedule", fmt.Sprintf(`{"centre":%d,"start":"2026-05-04","per_week":8}`, f.sub.ID), apperr.Invalid)
		act(town, "schedule", fmt.Sprintf(`{"centre":%d,"start":"04/05/2026","per_week":2}`, f.sub.ID), apperr.Invalid)
		act(town, "schedule", fmt.Sprintf(`{"centre":%d,"start":"2024-01-01","per_week":2}`, f.sub.ID), apperr.Invalid)
		other, err := f.a.Rehab.Centres(ctx, orgunit.ScopeOf("320583"))
		if err != nil || len(other) == 0 {
			t.Fatal(err)
		}
		act(town, "schedule", fmt.Sprintf(`{"centre":%d,"start":"2026-05-04","per_week":2}`, other[0].ID), apperr.Invalid)
		f.setCapacity(t, f.sub, 3, "occupational")
		act(town, "schedule", fmt.Sprintf(`{"centre":%d,"start":"2026-05-04","per_week":2}`, f.sub.ID), apperr.Conflict) // no physical therapy there
		f.setCapacity(t, f.sub, 3, "physical", "occupational")
		// 5 sessions at 2 a week: 3 weeks from the week of Wednesday 6 May (4, 11, 18 May).
		c = act(town, "schedule", fmt.Sprintf(`{"centre":%d,"start":"2026-05-06","per_week":2}`, f.sub.ID), "")
		wantDue := time.Date(2026, 5, 25, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
		if c.State != "scheduled" || c.Data["end"] != "2026-05-24" || c.DueAt == nil || !c.DueAt.Equal(wantDue) {
			t.Fatalf("scheduled: %+v due %v", c.Data, c.DueAt)
		}
		s := f.schedule(t, f.sub, "2026-05-04", 4)
		for i, want := range []int{2, 2, 2, 0} {
			if w := s.Weeks[i]; w.Booked != want || w.Free != 3-want || w.Capacity != 3 {
				t.Fatalf("week %d: %+v, want %d booked", i, w, want)
			}
		}
		if b := s.Weeks[0].Bookings; len(b) != 1 || b[0].CaseID != id || b[0].PersonName != "康复0" || b[0].Service != "physical" || b[0].PerWeek != 2 {
			t.Fatalf("bookings: %+v", b)
		}
		// Another case wanting 2 a week no longer fits (1 free): 409 naming the week.
		id2 := f.assessed(t, f.persons[1], "occupational", 4)
		_, err = e.Act(ctx, town, id2, "schedule", data(fmt.Sprintf(`{"centre":%d,"start":"2026-05-18","per_week":2}`, f.sub.ID)), 0)
		if apperr.CodeOf(err) != apperr.Conflict || !strings.Contains(err.Error(), "2026-05-18") {
			t.Fatalf("beyond capacity: %v", err)
		}
		if _, err := e.Act(ctx, town, id2, "schedule", data(fmt.Sprintf(`{"centre":%d,"start":"2026-05-25","per_week":2}`, f.sub.ID)), 0); err != nil {
			t.Fatalf("after the plan's weeks: %v", err)
		}
		// The capacity cannot drop below a week's bookings.
		two := 1
		if _, err := f.a.Rehab.UpdateCentre(ctx, orgunit.ScopeOf("310114"), district.Actor, f.sub.ID, rehab.CentreInput{Capacity: &two}); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("capacity below bookings: %v", err)
		}
		// Sessions: roles, dates within the plan and not in the future.
		act(assist, "session", `{"date":"2026-05-04","attended":true}`, apperr.Forbidden)
		act(f.provider, "session", `{"date":"2026-05-05","attended":true}`, apperr.Invalid) // before the start (6 May)
		act(f.provider, "session", `{"date":"2026-05-25","attended":true}`, apperr.Invalid) // beyond the last week
		act(f.provider, "session", `{"date":"2026-05-07","attended":true}`, apperr.Invalid) // in the future
		act(f.provider, "session", `{"attended":true}`, apperr.Invalid)
		act(f.provider, "session", `{"date":"2026-05-06"}`, apperr.Invalid)
		d.Clock = func() time.Time { return now.Add(3 * 24 * time.Hour) } // Thursday 7 May
		c = act(f.provider, "session", `{"date":"2026-05-06","attended":false,"note":"请假"}`, "")
		c = act(town, "session", `{"date":"2026-05-07","attended":true}`, "")
		if c.State != "scheduled" || c.Data["sessions_recorded"] != json.Number("2") || c.Data["sessions_attended"] != json.Number("1") || !c.DueAt.Equal(wantDue) {
			t.Fatalf("after sessions: %+v due %v", c.Data, c.DueAt)
		}
		if s := f.schedule(t, f.sub, "2026-05-04", 1); len(s.Weeks[0].Sessions) != 2 || s.Weeks[0].Sessions[0].Attended || !s.Weeks[0].Sessions[1].Attended {
			t.Fatalf("sessions of the week: %+v", s.Weeks[0].Sessions)
		}
		// Evaluation and closing.
		act(assist, "evaluate", `{"outcome":"improved"}`, apperr.Forbidden)
		act(f.provider, "evaluate", `{"outcome":"better"}`, apperr.Invalid)
		act(f.provider, "close", `{}`, apperr.Forbidden)
		act(town, "close", `{}`, apperr.Conflict)
		c = act(f.provider, "evaluate", `{"outcome":"improved","note":"可独立上下楼梯"}`, "")
		if c.State != "evaluated" || c.Data["outcome"] != "improved" {
			t.Fatalf("evaluated: %+v", c)
		}
		act(f.provider, "session", `{"date":"2026-05-07","attended":true}`, apperr.Conflict)
		act(town, "close", `{}`, "")
		// Closing released the coming weeks (11 and 18 May), not the current one.
		s = f.schedule(t, f.sub, "2026-05-04", 3)
		if s.Weeks[0].Booked != 2 || s.Weeks[1].Booked != 0 || s.Weeks[2].Booked != 0 {
			t.Fatalf("after closing: %+v", s.Weeks)
		}
		act(district, "cancel", `{}`, apperr.Conflict)

		// Reject needs a reason; only staff reject.
		id = f.assessed(t, f.persons[2], "physical", 4)
		act(f.provider, "reject", `{"reason":"x"}`, apperr.Forbidden)
		act(town, "reject", `{}`, apperr.Invalid)
		act(town, "reject", `{"reason":"已在其他机构康复"}`, "")
		// Cancelling a scheduled plan releases its bookings from the week of the cancel date.
		id = f.assessed(t, f.persons[3], "physical", 6)
		act(district, "schedule", fmt.Sprintf(`{"centre":%d,"start":"2026-05-11","per_week":3}`, f.centre.ID), "")
		if s := f.schedule(t, f.centre, "2026-05-11", 2); s.Weeks[0].Booked != 3 || s.Weeks[1].Booked != 3 {
			t.Fatalf("district centre booked: %+v", s.Weeks)
		}
		act(f.provider, "cancel", `{}`, apperr.Forbidden)
		act(assist, "cancel", `{}`, "")
		if s := f.schedule(t, f.centre, "2026-05-11", 2); s.Weeks[0].Booked != 0 || s.Weeks[1].Booked != 0 {
			t.Fatalf("after cancelling: %+v", s.Weeks)
		}
		// A plan of this week without sessions is released this week too.
		id = f.assessed(t, f.persons[4], "physical", 2)
		act(district, "schedule", fmt.Sprintf(`{"centre":%d,"start":"2026-05-07","per_week":2}`, f.centre.ID), "")
		if s := f.schedule(t, f.centre, "2026-05-04", 1); s.Weeks[0].Booked != 2 {
			t.Fatalf("this week booked: %+v", s.Weeks)
		}
		act(town, "cancel", `{}`, "")
		if s := f.schedule(t, f.centre, "2026-05-04", 1); s.Weeks[0].Booked != 0 {
			t.Fatalf("this week after cancelling: %+v", s.Weeks)
		}
		// Another district's staff cannot read or change Jiading's centres.
		if _, err := f.a.Rehab.ScheduleOf(ctx, kunshan, f.sub.ID, now, 2); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("another district's schedule: %v", err)
		}
		n := 5
		if _, err := f.a.Rehab.UpdateCentre(ctx, orgunit.ScopeOf("320583"), kunshan.Actor, f.sub.ID, rehab.CentreInput{Capacity: &n}); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("another district changes a centre: %v", err)
		}
		bad := -1
		if _, err := f.a.Rehab.UpdateCentre(ctx, orgunit.ScopeOf("310114"), district.Actor, f.sub.ID, rehab.CentreInput{Capacity: &bad, Services: []string{"yoga"}}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("a negative capacity and an unknown service: %v", err)
		}
	})
}

// TestScheduleUnderConcurrency: ten plans of 2 sessions a week for 2 weeks
// race for a centre with 10 slots a week: exactly five are scheduled and no
// week is overbooked.
func TestScheduleUnderConcurrency(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.setCapacity(t, f.sub, 10, "physical")
		var ids []int64
		for _, p := range f.persons[:10] {
			ids = append(ids, f.assessed(t, p, "physical", 4))
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, refused := 0, 0
		var other []error
		for _, id := range ids {
			wg.Go(func() {
				_, err := f.a.Cases.Act(ctx, town, id, "schedule", data(fmt.Sprintf(`{"centre":%d,"start":"2026-05-11","per_week":2}`, f.sub.ID)), 0)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case apperr.CodeOf(err) == apperr.Conflict:
					refused++
				default:
					other = append(other, err)
				}
			})
		}
		wg.Wait()
		s := f.schedule(t, f.sub, "2026-05-11", 3)
		if ok != 5 || refused != 5 || len(other) > 0 || s.Weeks[0].Booked != 10 || s.Weeks[1].Booked != 10 || s.Weeks[2].Booked != 0 || s.Weeks[0].Free != 0 {
			t.Fatalf("scheduled %d, refused %d, other %v, weeks %+v", ok, refused, other, s.Weeks)
		}
		var over int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM (SELECT week FROM rehab_bookings WHERE centre = ? GROUP BY week HAVING SUM(slots) > 10) x`, f.sub.ID).Scan(&over); err != nil || over != 0 {
			t.Fatalf("overbooked weeks: %d %v", over, err)
		}
	})
}

// TestSessionsCountTowardRehabRate: an attended session in the year puts the
// person in rehab_rate's numerator at once; an absent one does not; the
// rollups stay consistent with a full recomputation.
func TestSessionsCountTowardRehabRate(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		sys := access.Caller{Actor: audit.Actor{Username: "sys", Role: identity.DistrictStaff}, Scope: orgunit.ScopeOf("310114")}
		for _, p := range f.persons[:2] {
			if _, _, err := f.a.Registry.PutAnnual(ctx, sys, p, registry.Annual{Year: 2026, Employment: "employed", RehabNeed: true}); err != nil {
				t.Fatal(err)
			}
		}
		rate := func() [2]int64 {
			t.Helper()
			res, err := f.a.Indicators.Indicators(ctx, orgunit.ScopeOf("3"), village, 2026, "zh")
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range res.Items {
				if it.Code == "rehab_rate" {
					return [2]int64{*it.Numerator, *it.Denominator}
				}
			}
			t.Fatal("no rehab_rate")
			return [2]int64{}
		}
		if got := rate(); got != [2]int64{0, 2} {
			t.Fatalf("before: %v", got)
		}
		var ids []int64
		for _, p := range f.persons[:2] {
			id := f.assessed(t, p, "physical", 4)
			if _, err := f.a.Cases.Act(ctx, town, id, "schedule", data(fmt.Sprintf(`{"centre":%d,"start":"2026-05-04","per_week":2}`, f.sub.ID)), 0); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if _, err := f.a.Cases.Act(ctx, f.provider, ids[1], "session", data(`{"date":"2026-05-04","attended":false}`), 0); err != nil {
			t.Fatal(err)
		}
		if got := rate(); got != [2]int64{0, 2} {
			t.Fatalf("after an absence: %v, want 0/2", got)
		}
		if _, err := f.a.Cases.Act(ctx, f.provider, ids[0], "session", data(`{"date":"2026-05-04","attended":true}`), 0); err != nil {
			t.Fatal(err)
		}
		if got := rate(); got != [2]int64{1, 2} {
			t.Fatalf("after an attended session: %v, want 1/2", got)
		}
		if m, err := f.a.Indicators.Check(ctx, 10); err != nil || len(m) != 0 {
			t.Fatalf("check: %v %+v", err, m)
		}
		// A rebuild recomputes the same figures.
		if _, err := f.a.Indicators.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		if got := rate(); got != [2]int64{1, 2} {
			t.Fatalf("after a rebuild: %v, want 1/2", got)
		}
		// Last year's figure does not move.
		res, err := f.a.Indicators.Indicators(ctx, orgunit.ScopeOf("3"), village, 2025, "zh")
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Items {
			if it.Code == "rehab_rate" && *it.Numerator != 0 {
				t.Fatalf("2025: %+v", it)
			}
		}
	})
}
