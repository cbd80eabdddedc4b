package centres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/centres"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

var (
	district = apptest.Caller(identity.DistrictStaff, "310114")
	town     = apptest.Caller(identity.TownStaff, "310114102")
	village  = apptest.Caller(identity.VillageAssistant, apptest.Village)
	townB    = apptest.Caller(identity.TownStaff, "310114103")
)

// now is 10:00 on Monday 16 November 2026 in Shanghai.
var now = time.Date(2026, 11, 16, 2, 0, 0, 0, time.UTC)

const (
	today     = "2026-11-16"
	villageB  = "310114103201" // 安亭村 of 安亭镇
	thisYear  = 2026
	notFound  = apperr.NotFound
	invalid   = apperr.Invalid
	conflictC = apperr.Conflict
)

func code(err error) apperr.Code { return apperr.CodeOf(err) }

func fieldOf(err error) string {
	if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
		return e.Fields[0].Field + "/" + e.Fields[0].Code
	}
	return ""
}

func setup(t testing.TB, d *db.DB) *app.App {
	t.Helper()
	return apptest.New(t, d, now, orgunit.Unit{Code: villageB, Name: "安亭村", Level: 4, Parent: "310114103", Demo: true})
}

// person registers a person born in birthYear (sex "M" or "F") of a
// category in unit; seq makes the ID number unique.
func person(t testing.TB, a *app.App, seq int, name string, birthYear int, sex string, category int, unit string, components ...int) int64 {
	t.Helper()
	digit := 1
	if sex == "F" {
		digit = 2
	}
	first17 := fmt.Sprintf("310114%d0101%02d%d", birthYear, seq%100, digit)
	if seq >= 100 {
		first17 = fmt.Sprintf("310114%d%02d%02d%02d%d", birthYear, 1+seq/2800%12, 1+seq/100%28, seq%100, digit)
	}
	in := registry.PersonInput{Name: name, IDNumber: apptest.IDNumber(first17), Category: category, Grade: 3, OrgUnit: unit, Components: components}
	p, err := a.Registry.Create(context.Background(), registry.Caller{Scope: orgunit.ScopeOf("3")}, in)
	if err != nil {
		t.Fatalf("person %s: %v", name, err)
	}
	return p.ID
}

func centre(t testing.TB, a *app.App, kind, unit string, capacity int) centres.Centre {
	t.Helper()
	ce, err := a.Centres.CreateCentre(context.Background(), district, centres.CentreInput{Name: kind + "中心", Kind: kind, OrgUnit: unit, Capacity: capacity,
		Days: []string{"mon", "tue", "wed", "thu", "fri"}})
	if err != nil {
		t.Fatal(err)
	}
	return ce
}

func TestIntakeRules(t *testing.T) {
	t.Parallel()
	type tc struct {
		kind, unit string
		a          centres.Applicant
		want       string // "" fits, else the rule's code
	}
	intellectual := func(age int) centres.Applicant {
		return centres.Applicant{Category: 5, Sex: "M", Age: age, OrgUnit: apptest.Village}
	}
	cases := []tc{
		{"sunshine_home", "310114102", intellectual(16), ""},
		{"sunshine_home", "310114102", intellectual(35), ""},
		{"sunshine_home", "310114102", intellectual(15), "sunshine_home_intake"},
		{"sunshine_home", "310114102", intellectual(36), "sunshine_home_intake"},
		{"sunshine_home", "310114102", centres.Applicant{Category: 4, Age: 20}, "sunshine_home_intake"},
		{"sunshine_home", "310114102", centres.Applicant{Category: 7, Components: []int{2, 5}, Age: 20}, ""},
		{"sunshine_home", "310114102", centres.Applicant{Category: 7, Components: []int{2, 4}, Age: 20}, "sunshine_home_intake"},
		{"vocational_base", "310114102", centres.Applicant{Category: 4, Sex: "M", Age: 16}, ""},
		{"vocational_base", "310114102", centres.Applicant{Category: 4, Sex: "M", Age: 50}, ""},
		{"vocational_base", "310114102", centres.Applicant{Category: 4, Sex: "M", Age: 51}, "vocational_base_intake"},
		{"vocational_base", "310114102", centres.Applicant{Category: 1, Sex: "F", Age: 45}, ""},
		{"vocational_base", "310114102", centres.Applicant{Category: 1, Sex: "F", Age: 46}, "vocational_base_intake"},
		{"vocational_base", "310114102", centres.Applicant{Category: 1, Sex: "F", Age: 15}, "vocational_base_intake"},
		{"mind_garden", "310114", centres.Applicant{Category: 6, Age: 16}, ""},
		{"mind_garden", "310114", centres.Applicant{Category: 6, Age: 80}, ""},
		{"mind_garden", "310114", centres.Applicant{Category: 6, Age: 15}, "mind_garden_intake"},
		{"mind_garden", "310114", centres.Applicant{Category: 5, Age: 30}, "mind_garden_intake"},
		{"mind_garden", "310114", centres.Applicant{Category: 7, Components: []int{6, 4}, Age: 30}, ""},
		{"village_home", apptest.Village, centres.Applicant{Category: 2, Age: 90, OrgUnit: apptest.Village}, ""},
		{"village_home", apptest.Village, centres.Applicant{Category: 2, Age: 90, OrgUnit: villageB}, "village_home_intake"},
		{"village_home", "310114102", centres.Applicant{Category: 2, Age: 9, OrgUnit: apptest.Village}, ""},
		{"rehab", "310114", centres.Applicant{Category: 3, Age: 3, OrgUnit: villageB}, ""},
	}
	for _, c := range cases {
		got := ""
		if r := centres.Intake(c.kind, c.unit, c.a); r != nil {
			got = r.Code
			if r.Zh == "" || r.En == "" {
				t.Errorf("%s: rule %s without its text", c.kind, r.Code)
			}
		}
		if got != c.want {
			t.Errorf("%s at %s, %+v: got %q, want %q", c.kind, c.unit, c.a, got, c.want)
		}
	}
}

func TestEnrolment(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a := setup(t, d)
		s, ctx := a.Centres, context.Background()
		home := centre(t, a, "sunshine_home", "310114102", 2)
		p1 := person(t, a, 1, "一号", 2006, "M", 5, apptest.Village)       // 20, intellectual
		p2 := person(t, a, 2, "二号", 1986, "M", 5, apptest.Village)       // 40
		p3 := person(t, a, 3, "三号", 2006, "M", 4, apptest.Village)       // physical
		p4 := person(t, a, 4, "四号", 2001, "M", 7, apptest.Village, 2, 5) // multiple, with intellectual
		p5 := person(t, a, 5, "五号", 1996, "F", 5, apptest.Village)       // 30
		p6 := person(t, a, 6, "六号", 2004, "F", 5, villageB)              // of 安亭镇
		enrol := func(c registry.Caller, ce centres.Centre, in centres.EnrolInput) (centres.Enrolment, error) {
			return s.Enrol(ctx, c, ce.ID, in)
		}
		if e, err := enrol(town, home, centres.EnrolInput{PersonID: p1}); err != nil || e.State != "enrolled" || e.PersonName != "一号" {
			t.Fatalf("enrol p1: %+v %v", e, err)
		}
		for _, p := range []int64{p2, p3} {
			_, err := enrol(town, home, centres.EnrolInput{PersonID: p})
			if code(err) != invalid || fieldOf(err) != "person_id/sunshine_home_intake" || !strings.Contains(err.Error(), "16–35") {
				t.Errorf("outside the rule: %v (%s)", err, fieldOf(err))
			}
		}
		if _, err := enrol(village, home, centres.EnrolInput{PersonID: p4}); err != nil {
			t.Fatalf("a village assistant enrols its villager at the town's home: %v", err)
		}
		if _, err := enrol(town, home, centres.EnrolInput{PersonID: p5}); code(err) != conflictC || fieldOf(err) != "centre/full" {
			t.Errorf("full: %v", err)
		}
		w, err := enrol(town, home, centres.EnrolInput{PersonID: p5, Waitlist: true})
		if err != nil || w.State != "waiting" || w.Position != 1 {
			t.Fatalf("waiting list: %+v %v", w, err)
		}
		if _, err := enrol(town, home, centres.EnrolInput{PersonID: p1}); code(err) != conflictC || fieldOf(err) != "person_id/duplicate" {
			t.Errorf("twice: %v", err)
		}
		if _, err := enrol(town, home, centres.EnrolInput{PersonID: p5, Waitlist: true}); code(err) != conflictC {
			t.Errorf("twice on the waiting list: %v", err)
		}
		// The override: district staff only, with a reason; not past capacity.
		if _, err := enrol(town, home, centres.EnrolInput{PersonID: p2, Override: "家属申请，评估适合"}); fieldOf(err) != "override_reason/district_only" {
			t.Errorf("town staff's override: %v", err)
		}
		if _, err := enrol(district, home, centres.EnrolInput{PersonID: p2, Override: "家属申请，评估适合"}); fieldOf(err) != "centre/full" {
			t.Errorf("override past capacity: %v", err)
		}
		w2, err := enrol(district, home, centres.EnrolInput{PersonID: p2, Override: "家属申请，评估适合", Waitlist: true})
		if err != nil || w2.Position != 2 || w2.OverrideReason == "" {
			t.Fatalf("override onto the waiting list: %+v %v", w2, err)
		}
		// Scope: another town's staff do not see the home; a person out of
		// the caller's scope reads as a missing one.
		if _, err := s.Centre(ctx, townB, home.ID); code(err) != notFound {
			t.Errorf("another town's staff read the home: %v", err)
		}
		if _, err := enrol(townB, home, centres.EnrolInput{PersonID: p6}); code(err) != notFound {
			t.Errorf("another town's staff enrol: %v", err)
		}
		_, errOut := enrol(town, home, centres.EnrolInput{PersonID: p6, Waitlist: true})
		_, errNone := enrol(town, home, centres.EnrolInput{PersonID: 99999999, Waitlist: true})
		if code(errOut) != invalid || errOut.Error() != errNone.Error() {
			t.Errorf("a person out of scope (%v) must read as a missing one (%v)", errOut, errNone)
		}
		// Leaving frees the place for the first on the waiting list.
		list, err := s.Enrolments(ctx, town, home.ID)
		if err != nil || len(list) != 4 {
			t.Fatalf("enrolments: %d %v", len(list), err)
		}
		var e1 centres.Enrolment
		for _, e := range list {
			if e.PersonID == p1 {
				e1 = e
			}
		}
		if _, err := s.Leave(ctx, town, e1.ID, "", e1.Version); fieldOf(err) != "reason/required" {
			t.Errorf("leave without a reason: %v", err)
		}
		if _, err := s.Leave(ctx, town, e1.ID, "搬家", e1.Version+1); code(err) != conflictC {
			t.Errorf("leave with a stale version: %v", err)
		}
		if left, err := s.Leave(ctx, town, e1.ID, "搬家", e1.Version); err != nil || left.State != "left" {
			t.Fatalf("leave: %+v %v", left, err)
		}
		got, err := s.Enrolment(ctx, town, w.ID)
		if err != nil || got.State != "enrolled" || got.EnrolledAt == nil {
			t.Errorf("the first waiting is enrolled: %+v %v", got, err)
		}
		got2, _ := s.Enrolment(ctx, town, w2.ID)
		if got2.State != "waiting" || got2.Position != 1 {
			t.Errorf("the second waiting moves up: %+v", got2)
		}
		if mine, err := s.PersonCentres(ctx, town, p1); err != nil || len(mine) != 1 || mine[0].State != "left" {
			t.Errorf("the person's centres: %+v %v", mine, err)
		}
		// Those who run the home see everyone at it, of other towns too;
		// a village assistant (who does not run it) only their villagers.
		if _, err := enrol(district, home, centres.EnrolInput{PersonID: p6, Waitlist: true}); err != nil {
			t.Fatal(err)
		}
		has := func(c registry.Caller, id int64) bool {
			list, err := s.Enrolments(ctx, c, home.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range list {
				if e.PersonID == id {
					return true
				}
			}
			return false
		}
		if !has(town, p6) || has(village, p6) || !has(village, p4) {
			t.Errorf("who sees 安亭's person at 南翔's home: town %t, village %t", has(town, p6), has(village, p6))
		}
		// The person page's table links the centre only for staff who see it.
		for c, link := range map[*registry.Caller]bool{&district: true, &townB: false} {
			tbs, err := s.PersonSection(ctx, *c, p6, "zh")
			if err != nil || len(tbs) != 1 || len(tbs[0].Rows) != 1 {
				t.Fatalf("person section: %+v %v", tbs, err)
			}
			if got := tbs[0].Rows[0][0].Href != ""; got != link {
				t.Errorf("%s: the centre linked %t", c.Actor.Role, got)
			}
		}
		// The other kinds' rules through the store.
		base := centre(t, a, "vocational_base", "310114102", 5)
		woman46 := person(t, a, 7, "七号", thisYear-46, "F", 4, apptest.Village)
		man46 := person(t, a, 8, "八号", thisYear-46, "M", 4, apptest.Village)
		if _, err := enrol(town, base, centres.EnrolInput{PersonID: woman46}); fieldOf(err) != "person_id/vocational_base_intake" {
			t.Errorf("a woman of 46 at a vocational base: %v", err)
		}
		if _, err := enrol(town, base, centres.EnrolInput{PersonID: man46}); err != nil {
			t.Errorf("a man of 46 at a vocational base: %v", err)
		}
		garden := centre(t, a, "mind_garden", "310114", 5)
		mental := person(t, a, 9, "九号", 1990, "F", 6, apptest.Village)
		if _, err := enrol(village, garden, centres.EnrolInput{PersonID: mental}); err != nil {
			t.Errorf("mental disability at the mind garden: %v", err)
		}
		if _, err := enrol(village, garden, centres.EnrolInput{PersonID: p3}); fieldOf(err) != "person_id/mind_garden_intake" {
			t.Errorf("physical disability at the mind garden: %v", err)
		}
		vhome := centre(t, a, "village_home", apptest.Village, 5)
		if _, err := enrol(district, vhome, centres.EnrolInput{PersonID: p6}); fieldOf(err) != "person_id/village_home_intake" {
			t.Errorf("another village's person at a village home: %v", err)
		}
		if _, err := enrol(district, vhome, centres.EnrolInput{PersonID: p3}); err != nil {
			t.Errorf("a villager at the village home: %v", err)
		}
		// Bad centres.
		_, err = s.CreateCentre(ctx, town, centres.CentreInput{Name: "", Kind: "spa", OrgUnit: "310114103", Capacity: 0, Days: []string{"someday"}})
		if e, _ := apperr.As(err); code(err) != invalid || len(e.Fields) != 5 {
			t.Errorf("bad centre: %v %+v", err, e)
		}
		if _, err := s.CreateCentre(ctx, village, centres.CentreInput{Name: "x", Kind: "rehab", OrgUnit: apptest.Village, Capacity: 3}); code(err) != apperr.Forbidden {
			t.Errorf("a village assistant adds a centre: %v", err)
		}
		home, _ = s.Centre(ctx, town, home.ID)
		in := centres.CentreInput{Name: home.Name, Kind: home.Kind, OrgUnit: home.OrgUnit, Capacity: 1, Days: home.Days, Version: home.Version}
		if _, err := s.UpdateCentre(ctx, town, home.ID, in); fieldOf(err) != "capacity/below_enrolled" {
			t.Errorf("capacity below those enrolled: %v", err)
		}
	})
}

// backdate makes the enrolments of a centre start days ago.
func backdate(t testing.TB, d *db.DB, centreID int64, days int) {
	t.Helper()
	if _, err := d.Exec(context.Background(), `UPDATE centre_enrolments SET requested_at = ?, enrolled_at = ? WHERE centre_id = ?`,
		now.AddDate(0, 0, -days).UnixMilli(), now.AddDate(0, 0, -days).UnixMilli(), centreID); err != nil {
		t.Fatal(err)
	}
}

func cultureOf(t testing.TB, a *app.App, unit string) (n, d int64) {
	t.Helper()
	res, err := a.Indicators.Indicators(context.Background(), orgunit.ScopeOf("310114"), unit, thisYear, "zh")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range res.Items {
		if it.Code == "culture_sports_rate" {
			return *it.Numerator, *it.Denominator
		}
	}
	t.Fatal("no culture_sports_rate")
	return 0, 0
}

func consistent(t testing.TB, a *app.App) {
	t.Helper()
	if ms, err := a.Indicators.Check(context.Background(), 0); err != nil || len(ms) != 0 {
		t.Fatalf("indicators check: %+v %v", ms, err)
	}
}

func TestRollCall(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a := setup(t, d)
		s, ctx := a.Centres, context.Background()
		vhome := centre(t, a, "village_home", apptest.Village, 10)
		choir, err := s.SaveProgramme(ctx, town, vhome.ID, 0, centres.ProgrammeInput{Name: "合唱团", Kind: "culture", Days: []string{"mon"}, Starts: "14:00", Ends: "15:00"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveProgramme(ctx, town, vhome.ID, 0, centres.ProgrammeInput{Name: "x", Kind: "party", Starts: "25:00", Ends: "09:00"}); code(err) != invalid {
			t.Errorf("bad programme: %v", err)
		}
		course, err := s.SaveProgramme(ctx, town, vhome.ID, 0, centres.ProgrammeInput{Name: "识字课", Kind: "course"})
		if err != nil {
			t.Fatal(err)
		}
		// The month's sessions: the choir meets on Mondays; the course has
		// no days.
		ss, err := s.Sessions(ctx, village, "2026-11-01", "2026-12-01", "zh")
		if err != nil || len(ss) != 5 || ss[0].Date != "2026-11-02" || ss[0].Programme != "合唱团" || ss[0].Starts != "14:00" {
			t.Errorf("sessions: %+v %v", ss, err)
		}
		if _, err := s.Sessions(ctx, village, "2026-11-01", "2027-11-01", "zh"); code(err) != invalid {
			t.Errorf("a year of sessions: %v", err)
		}
		if ss, _ := s.Sessions(ctx, townB, "2026-11-01", "2026-12-01", "zh"); len(ss) != 0 {
			t.Errorf("another town's staff see the sessions: %+v", ss)
		}
		var ids []int64
		for i, name := range []string{"甲", "乙", "丙"} {
			id := person(t, a, 10+i, name, 1980, "M", 4, apptest.Village)
			if _, _, err := a.Registry.PutAnnual(ctx, registry.Caller{Scope: orgunit.ScopeOf("3")}, id, registry.Annual{Year: thisYear, Employment: "employed"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Enrol(ctx, village, vhome.ID, centres.EnrolInput{PersonID: id}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		pa, pb, pc := ids[0], ids[1], ids[2]
		outsider := person(t, a, 20, "丁", 1980, "M", 4, apptest.Village)
		backdate(t, d, vhome.ID, 20)
		save := func(c registry.Caller, in centres.AttendanceInput) (centres.AttendanceResult, error) {
			return s.SaveAttendance(ctx, c, vhome.ID, in)
		}
		// Bad roll calls.
		for in, want := range map[*centres.AttendanceInput]string{
			{Date: "2026-11-17", Present: []int64{pa}}:    "date/future",
			{Date: "2025-11-01", Present: []int64{pa}}:    "date/too_old",
			{Date: "16/11/2026", Present: []int64{pa}}:    "date/invalid",
			{Date: today, Present: []int64{pa, outsider}}: "present[1]/not_enrolled",
			{Date: today, ProgrammeID: 999999}:            "programme_id/not_found",
		} {
			if _, err := save(village, *in); code(err) != invalid || fieldOf(err) != want {
				t.Errorf("%+v: %v (%s), want %s", *in, err, fieldOf(err), want)
			}
		}
		if _, err := save(townB, centres.AttendanceInput{Date: today, Present: []int64{pa}}); code(err) != notFound {
			t.Errorf("another town's staff: %v", err)
		}
		// A roll call, and the same again: nothing changes.
		res, err := save(village, centres.AttendanceInput{Date: today, Present: []int64{pa, pb, pb}})
		if err != nil || res.Present != 2 || res.Absent != 1 || res.Changed != 3 {
			t.Fatalf("roll call: %+v %v", res, err)
		}
		auditBefore := apptestCount(t, d, `SELECT count(*) FROM audit_log`)
		res, err = save(village, centres.AttendanceInput{Date: today, Present: []int64{pb, pa}})
		if err != nil || res.Changed != 0 || res.Present != 2 {
			t.Fatalf("the same roll call again: %+v %v", res, err)
		}
		if n := apptestCount(t, d, `SELECT count(*) FROM audit_log`); n != auditBefore {
			t.Errorf("a repeated roll call wrote %d audit entries", n-auditBefore)
		}
		if res, err = save(town, centres.AttendanceInput{Date: today, Present: []int64{pa}}); err != nil || res.Changed != 1 {
			t.Fatalf("a correction: %+v %v", res, err)
		}
		rc, err := s.RollCallOf(ctx, village, vhome.ID, today, 0, "zh")
		if err != nil || !rc.Recorded || len(rc.Rows) != 3 {
			t.Fatalf("roll call read: %+v %v", rc, err)
		}
		for _, r := range rc.Rows {
			if r.Present == nil || *r.Present != (r.PersonID == pa) || r.Place != "永新村" {
				t.Errorf("row %+v", r)
			}
		}
		// Two identical submissions at once (a double tap on a slow
		// connection) end in the same state.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = save(village, centres.AttendanceInput{Date: "2026-11-02", Present: []int64{pa, pc}})
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Errorf("concurrent identical roll calls: %v", err)
			}
		}
		if n := apptestCount(t, d, `SELECT count(*) FROM centre_attendance WHERE date = '2026-11-02'`); n != 3 {
			t.Errorf("rows after two identical roll calls: %d", n)
		}
		// A culture programme moves culture_sports_rate at once; a course
		// does not; the rollups stay equal to a recomputation.
		n0, d0 := cultureOf(t, a, apptest.Village)
		if _, err := save(village, centres.AttendanceInput{Date: today, ProgrammeID: course.ID, Present: []int64{pa, pb, pc}}); err != nil {
			t.Fatal(err)
		}
		if n, _ := cultureOf(t, a, apptest.Village); n != n0 {
			t.Errorf("a course moved culture_sports_rate: %d → %d", n0, n)
		}
		if _, err := save(village, centres.AttendanceInput{Date: today, ProgrammeID: choir.ID, Present: []int64{pb}}); err != nil {
			t.Fatal(err)
		}
		n1, d1 := cultureOf(t, a, apptest.Village)
		if n1 != n0+1 || d1 != d0 {
			t.Errorf("the choir: culture_sports_rate %d/%d → %d/%d, want +1", n0, d0, n1, d1)
		}
		consistent(t, a)
		// The course becomes a culture activity: its attendees count too.
		if _, err := s.SaveProgramme(ctx, town, vhome.ID, course.ID, centres.ProgrammeInput{Name: course.Name, Kind: "culture", Version: course.Version}); err != nil {
			t.Fatal(err)
		}
		if n, _ := cultureOf(t, a, apptest.Village); n != n0+3 {
			t.Errorf("the course made culture: %d, want %d", n, n0+3)
		}
		consistent(t, a)
		// Absences: 丙 missed every roll call of two weeks.
		for _, day := range []string{"2026-11-03", "2026-11-05", "2026-11-10", "2026-11-12"} {
			if _, err := save(village, centres.AttendanceInput{Date: day, Present: []int64{pa, pb}}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := save(village, centres.AttendanceInput{Date: "2026-11-02", Present: ids}); err != nil {
			t.Fatal(err)
		}
		abs, err := s.Absences(ctx, village, 0, "zh")
		if err != nil || len(abs) != 1 || abs[0].PersonID != pc || abs[0].LastPresent != "2026-11-02" || abs[0].Missed != 5 {
			t.Errorf("absences: %+v %v", abs, err)
		}
		if abs, _ := s.Absences(ctx, townB, 0, "zh"); len(abs) != 0 {
			t.Errorf("another town's staff see absences: %+v", abs)
		}
		// The month's rates.
		mr, err := s.Rates(ctx, town, vhome.ID, "2026-11", 0, "zh")
		if err != nil || mr.Days != 6 || len(mr.Persons) != 3 {
			t.Fatalf("rates: %+v %v", mr, err)
		}
		for _, p := range mr.Persons {
			if p.PersonID == pc && (p.Days != 6 || p.Present != 1 || p.LastPresent != "2026-11-02") {
				t.Errorf("丙's month: %+v", p)
			}
		}
		if _, err := s.Rates(ctx, town, vhome.ID, "2026-13", 0, "zh"); fieldOf(err) != "month/invalid" {
			t.Errorf("bad month: %v", err)
		}
		// Leaving: the person is no longer on later roll calls.
		e, _ := s.PersonCentres(ctx, town, pc)
		if _, err := s.Leave(ctx, town, e[0].ID, "转入养老机构", e[0].Version); err != nil {
			t.Fatal(err)
		}
		if rc, _ := s.RollCallOf(ctx, village, vhome.ID, today, 0, "zh"); len(rc.Rows) != 2 {
			t.Errorf("after leaving: %d rows", len(rc.Rows))
		}
		if rc, _ := s.RollCallOf(ctx, village, vhome.ID, "2026-11-10", 0, "zh"); len(rc.Rows) != 3 {
			t.Errorf("a past day still lists who was enrolled then: %d rows", len(rc.Rows))
		}
	})
}

func apptestCount(t testing.TB, d *db.DB, q string) int64 {
	t.Helper()
	var n int64
	if err := d.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// bigCentre makes a rehabilitation centre with n persons enrolled for a
// year.
func bigCentre(t testing.TB, a *app.App, d *db.DB, n int) (centres.Centre, []int64) {
	t.Helper()
	ce := centre(t, a, "rehab", "310114102", n)
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = person(t, a, 100+i, fmt.Sprintf("学员%03d", i), 1990, "M", 4, apptest.Village)
		if _, err := a.Centres.Enrol(context.Background(), town, ce.ID, centres.EnrolInput{PersonID: ids[i]}); err != nil {
			t.Fatal(err)
		}
	}
	backdate(t, d, ce.ID, 365)
	return ce, ids
}

// TestRollCallSpeed saves a roll call of 200 persons (each row new, so
// every row is written and audited) in one transaction under 100 ms (the
// best of three days, so that a busy machine's pause does not fail it).
func TestRollCallSpeed(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a := setup(t, d)
		ce, ids := bigCentre(t, a, d, 200)
		best := time.Hour
		for i, day := range []string{"2026-11-11", "2026-11-12", "2026-11-13"} {
			present := ids[i%2:]
			start := time.Now()
			res, err := a.Centres.SaveAttendance(context.Background(), town, ce.ID, centres.AttendanceInput{Date: day, Present: present})
			took := time.Since(start)
			if err != nil || res.Changed != 200 {
				t.Fatalf("roll call: %+v %v", res, err)
			}
			best = min(best, took)
		}
		t.Logf("a 200-person roll call: best %v", best)
		if best > 100*time.Millisecond {
			t.Errorf("a 200-person roll call took %v (over 100 ms)", best)
		}
	})
}

// BenchmarkRollCall200 saves 200-person roll calls on SQLite and (with
// SUNSHINE_TEST_PG) PostgreSQL, each iteration for a new day so that every
// row is written and audited, and as its baseline the same 200 rows put in
// by one plain INSERT in a transaction of their own (no checks, no audit).
// It reports both in ms and their ratio.
//
//	go test -run '^$' -bench RollCall200 -benchtime 50x ./internal/centres/
func BenchmarkRollCall200(b *testing.B) {
	for _, e := range []struct {
		name string
		open func(testing.TB) *db.DB
	}{{"sqlite", testkit.SQLite}, {"postgres", testkit.Postgres}} {
		b.Run(e.name, func(b *testing.B) {
			d := e.open(b)
			a := setup(b, d)
			ce, ids := bigCentre(b, a, d, 200)
			ctx := context.Background()
			var roll, base time.Duration
			b.ResetTimer()
			for i := range b.N {
				day := now.AddDate(0, 0, -(i % 300)).Format(time.DateOnly)
				start := time.Now()
				if _, err := a.Centres.SaveAttendance(ctx, town, ce.ID, centres.AttendanceInput{Date: day, Present: ids[i%3:]}); err != nil {
					b.Fatal(err)
				}
				roll += time.Since(start)
				start = time.Now()
				args := make([]any, 0, len(ids)*7)
				for j, id := range ids {
					args = append(args, ce.ID, day, int64(1_000_000+i), id, j%3 != 0, "bench", now.UnixMilli())
				}
				if err := d.InTx(ctx, func(tx *db.Tx) error {
					_, err := tx.Exec(ctx, `INSERT INTO centre_attendance (centre_id, date, programme_id, person_id, present, recorded_by, recorded_at) VALUES `+
						strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", len(ids)), ", "), args...)
					return err
				}); err != nil {
					b.Fatal(err)
				}
				base += time.Since(start)
			}
			ms := func(t time.Duration) float64 { return float64(t.Microseconds()) / 1000 / float64(b.N) }
			b.ReportMetric(ms(roll), "ms/rollcall")
			b.ReportMetric(ms(base), "ms/baseline")
			b.ReportMetric(float64(roll)/float64(base), "ratio")
		})
	}
}

// TestLastPlace: eight enrolments race for a centre's last place: exactly
// one gets it, the others are told the centre is full; with the waiting
// list, the rest wait in one order without gaps.
func TestLastPlace(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a := setup(t, d)
		ce := centre(t, a, "rehab", "310114102", 1)
		ids := make([]int64, 8)
		for i := range ids {
			ids[i] = person(t, a, 30+i, fmt.Sprintf("竞%d", i), 1990, "M", 4, apptest.Village)
		}
		race := func(waitlist bool, who []int64) []error {
			errs := make([]error, len(who))
			var wg sync.WaitGroup
			for i, id := range who {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = a.Centres.Enrol(context.Background(), town, ce.ID, centres.EnrolInput{PersonID: id, Waitlist: waitlist})
				}()
			}
			wg.Wait()
			return errs
		}
		ok, full := 0, 0
		for _, err := range race(false, ids[:4]) {
			switch {
			case err == nil:
				ok++
			case fieldOf(err) == "centre/full":
				full++
			default:
				t.Errorf("race: %v", err)
			}
		}
		if ok != 1 || full != 3 {
			t.Fatalf("the last place: %d enrolled, %d full", ok, full)
		}
		for _, err := range race(true, ids[4:]) {
			if err != nil {
				t.Errorf("waiting list race: %v", err)
			}
		}
		list, err := a.Centres.Enrolments(context.Background(), town, ce.ID)
		if err != nil {
			t.Fatal(err)
		}
		enrolled, pos := 0, map[int]bool{}
		for _, e := range list {
			if e.State == "enrolled" {
				enrolled++
			} else {
				pos[e.Position] = true
			}
		}
		if enrolled != 1 || len(pos) != 4 || !pos[1] || !pos[4] {
			t.Errorf("after the races: %d enrolled, waiting positions %v", enrolled, pos)
		}
	})
}
