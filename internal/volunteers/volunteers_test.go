package volunteers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
	"sunshine/internal/volunteers"
)

var (
	district = apptest.Caller(identity.DistrictStaff, "310114")
	townA    = apptest.Caller(identity.TownStaff, "310114102")
	townB    = func() volunteers.Caller {
		c := apptest.Caller(identity.TownStaff, "310114103")
		c.Actor.Username = "anting_town_user"
		return c
	}()
)

// start is 09:00 on Monday 16 November 2026 in Shanghai.
var start = time.Date(2026, 11, 16, 1, 0, 0, 0, time.UTC)

// clock is a settable clock for the database.
type clock struct{ ms atomic.Int64 }

func (c *clock) now() time.Time  { return time.UnixMilli(c.ms.Load()).UTC() }
func (c *clock) set(t time.Time) { c.ms.Store(t.UnixMilli()) }
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour-8, minute, 0, 0, time.UTC)
}

type fixture struct {
	a      *app.App
	clk    *clock
	person int64 // 服务一 of 永新村 (南翔镇), with an address
	v1, v2 int64 // volunteers of 南翔镇
	v3     int64 // of 南翔镇
	vB     int64 // of 安亭镇
	vD     int64 // of the district
}

func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	a := apptest.New(t, d, start, orgunit.Unit{Code: "310114103201", Name: "安亭村", Level: 4, Parent: "310114103", Demo: true})
	clk := &clock{}
	clk.set(start)
	d.Clock = clk.now
	f := fixture{a: a, clk: clk}
	p, err := a.Registry.Create(context.Background(), registry.Caller{Scope: orgunit.ScopeOf("3")}, registry.PersonInput{Name: "欧阳小明",
		IDNumber: apptest.IDNumber("31011419800101150"), Category: 1, Grade: 2, OrgUnit: apptest.Village, Phone: "13812345678",
		Address: "永新村1号"})
	if err != nil {
		t.Fatal(err)
	}
	f.person = p.ID
	f.v1 = apptest.VolunteerOf(t, a, 1, "310114102", "escort", "accompaniment")
	f.v2 = apptest.VolunteerOf(t, a, 2, apptest.Village, "sign", "sign_language")
	f.v3 = apptest.VolunteerOf(t, a, 3, "310114102", "rehab", "rehab")
	f.vB = apptest.VolunteerOf(t, a, 4, "310114103", "escort", "accompaniment")
	f.vD = apptest.VolunteerOf(t, a, 5, "310114", "repair", "repair")
	return f
}

func (f fixture) task(t *testing.T, c volunteers.Caller, in volunteers.TaskInput) volunteers.Task {
	t.Helper()
	if in.Title == "" {
		in.Title = "陪同就医"
	}
	if in.Slots == 0 {
		in.Slots = 2
	}
	tk, err := f.a.Volunteers.CreateTask(context.Background(), c, in)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func code(err error) apperr.Code { return apperr.CodeOf(err) }

func fieldOf(err error) string {
	if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
		return e.Fields[0].Field + "/" + e.Fields[0].Code
	}
	return ""
}

func TestFirstName(t *testing.T) {
	for in, want := range map[string]string{"王小明": "小明", "欧阳小明": "小明", "李": "李", "Li Ming": "Li", "Anna": "Anna", "": "", " 张三 ": "三"} {
		if got := volunteers.FirstName(in); got != want {
			t.Errorf("FirstName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReaches(t *testing.T) {
	for _, c := range []struct {
		home, task string
		want       bool
	}{
		{"310114102", "310114102", true}, {"310114102001", "310114102", true}, {"310114102", "310114102001", true},
		{"310114102001", "310114102002", true}, {"310114102", "310114", true}, {"310114102", "310114103", false},
		{"310114102001", "310114103001", false}, {"310114", "310114", true}, {"310114", "310114102", true}, {"310114", "320583100", false},
	} {
		if got := volunteers.Reaches(c.home, c.task); got != c.want {
			t.Errorf("Reaches(%s, %s) = %v, want %v", c.home, c.task, got, c.want)
		}
	}
}

// TestTasksAndHours walks a task from creation to approved hours, with
// every refusal of the "bad input" on the way.
func TestTasksAndHours(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		s := f.a.Volunteers
		// Bad tasks.
		_, err := s.CreateTask(ctx, townA, volunteers.TaskInput{Title: "x", OrgUnit: "310114102", StartsAt: at(17, 10, 0), EndsAt: at(17, 9, 0), Slots: 0})
		if code(err) != apperr.Invalid || !strings.Contains(fmt.Sprint(err), "") {
			t.Fatalf("bad task: %v", err)
		}
		if e, _ := apperr.As(err); len(e.Fields) != 2 {
			t.Errorf("bad task fields: %+v", e.Fields)
		}
		if _, err := s.CreateTask(ctx, townA, volunteers.TaskInput{Title: "x", OrgUnit: "310114103", StartsAt: at(17, 9, 0), EndsAt: at(17, 10, 0), Slots: 1}); fieldOf(err) != "orgunit/not_found" {
			t.Errorf("another town's task by town staff: %v", err)
		}
		tk := f.task(t, townA, volunteers.TaskInput{Kind: volunteers.HomeVisit, OrgUnit: "310114102", StartsAt: at(17, 9, 0), EndsAt: at(17, 11, 0),
			PersonID: f.person, Skills: []string{"accompaniment"}})
		if tk.ServedName != "小明" || tk.Address != "永新村1号" || tk.CheckinCode == "" {
			t.Errorf("task as its owner: %+v", tk)
		}
		// Sign-ups: twice, full, corps rule, overlap.
		if _, err := s.SignUp(ctx, townA, tk.ID, f.v1); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SignUp(ctx, townA, tk.ID, f.v1); fieldOf(err) != "volunteer_id/duplicate" {
			t.Errorf("twice: %v", err)
		}
		if _, err := s.SignUp(ctx, district, tk.ID, f.vB); fieldOf(err) != "volunteer_id/corps_rule" || code(err) != apperr.Invalid {
			t.Errorf("another town's volunteer: %v", err)
		}
		vB := apptest.VolunteerCaller(f.vB, "310114103")
		if _, err := s.GetTask(ctx, vB, tk.ID); code(err) != apperr.NotFound {
			t.Errorf("another town's volunteer reads the task: %v", err)
		}
		if _, err := s.SignUp(ctx, vB, tk.ID, 0); code(err) != apperr.NotFound {
			t.Errorf("another town's volunteer signs up: %v", err)
		}
		v2 := apptest.VolunteerCaller(f.v2, apptest.Village)
		if _, err := s.SignUp(ctx, v2, tk.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SignUp(ctx, townA, tk.ID, f.v3); fieldOf(err) != "task/full" || code(err) != apperr.Conflict {
			t.Errorf("full: %v", err)
		}
		if _, err := s.SignUp(ctx, v2, tk.ID, f.v1); code(err) != apperr.Forbidden {
			t.Errorf("a volunteer signs up another: %v", err)
		}
		other := f.task(t, district, volunteers.TaskInput{Title: "运动会", OrgUnit: "310114", StartsAt: at(17, 10, 30), EndsAt: at(17, 12, 0)})
		if _, err := s.SignUp(ctx, townA, other.ID, f.v1); fieldOf(err) != "volunteer_id/overlap" || !strings.Contains(fmt.Sprint(err), "陪同就医") {
			t.Errorf("overlap: %v", err)
		}
		if _, err := s.SignUp(ctx, townA, other.ID, f.v3); err != nil {
			t.Errorf("town staff sign their volunteer up for the district's task: %v", err)
		}
		if n := f.count(t, `SELECT count(*) FROM volunteer_signups WHERE task_id = ?`, other.ID); n != 1 {
			t.Errorf("sign-ups of the district's task: %d", n)
		}
		// What the volunteer sees: no address before the day, no ids, no code.
		v1 := apptest.VolunteerCaller(f.v1, "310114102")
		seen, err := s.GetTask(ctx, v1, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if seen.Address != "" || seen.CheckinCode != "" || seen.PersonID != 0 || seen.Mine == nil || len(seen.Signups) != 0 || seen.ServedName != "小明" {
			t.Errorf("the volunteer's view the day before: %+v", seen)
		}
		// Hours before the task: refused.
		if _, err := s.Record(ctx, v1, tk.ID, volunteers.RecordInput{Minutes: 60}); fieldOf(err) != "task/not_begun" {
			t.Errorf("hours before the task: %v", err)
		}
		if _, err := s.CheckIn(ctx, v1, tk.ID, 0, tk.CheckinCode); fieldOf(err) != "task/early" {
			t.Errorf("check-in the day before: %v", err)
		}
		// The day: the address, audited.
		f.clk.set(at(17, 8, 30))
		seen, err = s.GetTask(ctx, v1, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if seen.Address != "永新村1号" {
			t.Errorf("the volunteer's view on the day: %+v", seen)
		}
		if n := f.count(t, `SELECT count(*) FROM audit_log WHERE subject_type = 'person' AND subject_id = ? AND username = ?`, fmt.Sprint(f.person), "volunteer_user"); n < 1 {
			t.Errorf("the address read is not audited (%d entries)", n)
		}
		if _, err := s.CheckOut(ctx, v1, tk.ID, 0); fieldOf(err) != "task/not_checked_in" {
			t.Errorf("check-out before check-in: %v", err)
		}
		if _, err := s.CheckIn(ctx, v1, tk.ID, 0, "wrong"); fieldOf(err) != "code/mismatch" {
			t.Errorf("wrong code: %v", err)
		}
		if len(tk.CheckinCode) != 8 {
			t.Errorf("check-in code %q: want 8 digits", tk.CheckinCode)
		}
		typed := strings.Map(func(r rune) rune { return r - '0' + '０' }, tk.CheckinCode[:4]) + " " + tk.CheckinCode[4:] // full-width, spaced
		if _, err := s.CheckIn(ctx, v1, tk.ID, 0, typed); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CheckIn(ctx, v1, tk.ID, 0, tk.CheckinCode); fieldOf(err) != "task/checked_in" {
			t.Errorf("check-in twice: %v", err)
		}
		f.clk.set(at(17, 12, 0)) // after the end: the hours end with the task
		e1, err := s.CheckOut(ctx, v1, tk.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if e1.Minutes != 120 || e1.State != volunteers.Pending {
			t.Errorf("check-out: %+v", e1)
		}
		// Recorded by staff: bad minutes and times, then right.
		if _, err := s.Record(ctx, townA, tk.ID, volunteers.RecordInput{VolunteerID: f.v2, Minutes: 121}); fieldOf(err) != "minutes/over_length" {
			t.Errorf("minutes over the length: %v", err)
		}
		in, out := at(17, 10, 0), at(17, 9, 30)
		if _, err := s.Record(ctx, townA, tk.ID, volunteers.RecordInput{VolunteerID: f.v2, CheckedInAt: &in, CheckedOutAt: &out}); fieldOf(err) != "checked_out_at/before_checkin" {
			t.Errorf("check-out before check-in: %v", err)
		}
		if _, err := s.Record(ctx, townA, tk.ID, volunteers.RecordInput{VolunteerID: f.v3, Minutes: 30}); fieldOf(err) != "volunteer_id/not_signed_up" {
			t.Errorf("not signed up: %v", err)
		}
		in, out = at(17, 9, 15), at(17, 10, 45)
		e2, err := s.Record(ctx, townA, tk.ID, volunteers.RecordInput{VolunteerID: f.v2, CheckedInAt: &in, CheckedOutAt: &out})
		if err != nil || e2.Minutes != 90 {
			t.Fatalf("recorded: %+v %v", e2, err)
		}
		if _, err := s.Record(ctx, townA, tk.ID, volunteers.RecordInput{VolunteerID: f.v2, Minutes: 30}); fieldOf(err) != "task/recorded" {
			t.Errorf("recorded twice: %v", err)
		}
		// Approval: not oneself, not another town's staff, the owner once.
		if _, err := s.Approve(ctx, v1, e1.ID); code(err) != apperr.Forbidden {
			t.Errorf("approving one's own hours: %v", err)
		}
		if _, err := s.Approve(ctx, townB, e1.ID); code(err) != apperr.NotFound {
			t.Errorf("another town's staff approve: %v", err)
		}
		if _, err := s.Reject(ctx, townA, e2.ID, " "); fieldOf(err) != "reason/required" {
			t.Errorf("reject without a reason: %v", err)
		}
		if a1, err := s.Approve(ctx, townA, e1.ID); err != nil || a1.State != volunteers.Approved || a1.DecidedBy != townA.Actor.Username {
			t.Errorf("approve: %+v %v", a1, err)
		}
		if _, err := s.Approve(ctx, district, e1.ID); fieldOf(err) != "state/decided" {
			t.Errorf("approve twice: %v", err)
		}
		// The team leader (v3 leads the sign team) approves v2's hours.
		teams, _ := s.Teams(ctx, district)
		for _, tm := range teams {
			if tm.Code == "sign" {
				if _, err := s.UpdateTeam(ctx, district, "sign", volunteers.TeamInput{Name: tm.Name, LeaderID: f.v3, Version: tm.Version}); fieldOf(err) != "leader_id/not_member" {
					t.Errorf("a leader of another team: %v", err)
				}
				if _, err := s.UpdateTeam(ctx, district, "sign", volunteers.TeamInput{Name: "手语队", LeaderID: f.v2, Version: tm.Version}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := s.Approve(ctx, v2, e2.ID); code(err) != apperr.Forbidden {
			t.Errorf("a leader approving their own hours: %v", err)
		}
		l1, err := s.LedgerOf(ctx, v1, f.v1, 2026)
		if err != nil || l1.ApprovedMinutes != 120 || l1.PendingMinutes != 0 || len(l1.Items) != 1 {
			t.Errorf("ledger of v1: %+v %v", l1, err)
		}
		if _, err := s.LedgerOf(ctx, v1, f.v2, 2026); code(err) != apperr.NotFound {
			t.Errorf("a volunteer reads another's ledger: %v", err)
		}
		if _, err := s.Reject(ctx, townA, e2.ID, "未按时到场"); err != nil {
			t.Fatal(err)
		}
		l2, _ := s.LedgerOf(ctx, townA, f.v2, 0)
		if l2.RejectedMinutes != 90 || l2.Items[0].Reason != "未按时到场" {
			t.Errorf("ledger of v2: %+v", l2)
		}
		// The day after: no address any more.
		f.clk.set(at(18, 9, 0))
		if seen, _ = s.GetTask(ctx, v1, tk.ID); seen.Address != "" {
			t.Errorf("the address the day after: %q", seen.Address)
		}
		// Totals by team and town.
		tot, err := s.Totals(ctx, district, 2026)
		if err != nil {
			t.Fatal(err)
		}
		var approved int64
		for _, r := range tot {
			approved += r.ApprovedMinutes
		}
		if approved != 120 {
			t.Errorf("totals: %+v", tot)
		}
		// Staff record last week's work afterwards; a volunteer cannot sign
		// up for it any more; more than a year ago is refused.
		past := f.task(t, townA, volunteers.TaskInput{Title: "上周的助残日活动", OrgUnit: "310114102", StartsAt: at(11, 9, 0), EndsAt: at(11, 12, 0), Slots: 3})
		if _, err := s.SignUp(ctx, apptest.VolunteerCaller(f.v3, "310114102"), past.ID, 0); fieldOf(err) != "task/over" {
			t.Errorf("a volunteer signs up for a task over: %v", err)
		}
		if _, err := s.SignUp(ctx, townA, past.ID, f.v3); err != nil {
			t.Fatal(err)
		}
		if e, err := s.Record(ctx, townA, past.ID, volunteers.RecordInput{VolunteerID: f.v3, Minutes: 180}); err != nil || e.State != volunteers.Pending {
			t.Errorf("hours of last week recorded by staff: %+v %v", e, err)
		}
		if _, err := s.CreateTask(ctx, townA, volunteers.TaskInput{Title: "x", OrgUnit: "310114102", StartsAt: at(18, 9, 0).AddDate(-1, 0, -2),
			EndsAt: at(18, 10, 0).AddDate(-1, 0, -2), Slots: 1}); fieldOf(err) != "starts_at/past" {
			t.Errorf("a task more than a year ago: %v", err)
		}
		// Feedback: the served person once, in range.
		me := apptest.Caller(identity.Person, apptest.Village)
		me.PersonID = f.person
		if _, err := s.GiveFeedback(ctx, me, tk.ID, volunteers.FeedbackInput{Rating: 6}); fieldOf(err) != "rating/range" {
			t.Errorf("rating 6: %v", err)
		}
		if _, err := s.GiveFeedback(ctx, me, tk.ID, volunteers.FeedbackInput{Rating: 5, Comment: "很耐心"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GiveFeedback(ctx, me, tk.ID, volunteers.FeedbackInput{Rating: 4}); fieldOf(err) != "task/duplicate" {
			t.Errorf("feedback twice: %v", err)
		}
		other2 := apptest.Caller(identity.Person, apptest.Village)
		other2.PersonID = f.person + 1000
		if _, err := s.GiveFeedback(ctx, other2, tk.ID, volunteers.FeedbackInput{Rating: 4}); code(err) != apperr.NotFound {
			t.Errorf("another person's feedback: %v", err)
		}
	})
}

func (f fixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.a.DB.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLastSlot: volunteers race for the last slot of a task; exactly one
// gets it, and one volunteer racing for two overlapping tasks gets one.
func TestLastSlot(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		s := f.a.Volunteers
		tk := f.task(t, townA, volunteers.TaskInput{OrgUnit: "310114102", StartsAt: at(20, 9, 0), EndsAt: at(20, 11, 0), Slots: 1})
		ids := []int64{f.v1, f.v2, f.v3}
		for i := range 5 {
			ids = append(ids, apptest.VolunteerOf(t, f.a, 10+i, "310114102", "escort"))
		}
		var ok, full atomic.Int32
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Go(func() {
				_, err := s.SignUp(ctx, townA, tk.ID, id)
				switch {
				case err == nil:
					ok.Add(1)
				case fieldOf(err) == "task/full":
					full.Add(1)
				default:
					t.Errorf("sign-up %d: %v", id, err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 1 || full.Load() != int32(len(ids)-1) {
			t.Errorf("last slot: %d signed up, %d full", ok.Load(), full.Load())
		}
		if n := f.count(t, `SELECT count(*) FROM volunteer_signups WHERE task_id = ? AND cancelled_at = 0`, tk.ID); n != 1 {
			t.Errorf("sign-ups stored: %d", n)
		}
		// One volunteer, overlapping tasks, at once.
		var tasks []int64
		for i := range 4 {
			tasks = append(tasks, f.task(t, townA, volunteers.TaskInput{OrgUnit: "310114102", StartsAt: at(21, 9, i*10), EndsAt: at(21, 10, 0), Slots: 5}).ID)
		}
		v := apptest.VolunteerOf(t, f.a, 20, "310114102", "escort")
		ok.Store(0)
		for _, id := range tasks {
			wg.Go(func() {
				if _, err := s.SignUp(ctx, townA, id, v); err == nil {
					ok.Add(1)
				} else if fieldOf(err) != "volunteer_id/overlap" {
					t.Errorf("overlap race: %v", err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 1 {
			t.Errorf("overlapping sign-ups at once: %d succeeded", ok.Load())
		}
	})
}

// TestLedgerEqualsEntries is the property test of the issue: after any
// sequence of recorded, approved and rejected hours — some decided twice at
// once — every volunteer's kept totals equal the sums of their entries.
func TestLedgerEqualsEntries(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		s := f.a.Volunteers
		vols := []int64{f.v1, f.v2, f.v3, f.vD}
		rng := rand.New(rand.NewPCG(17, uint64(d.Dialect)))
		var entries []int64
		for i := range 24 {
			day := 1 + i%28
			year := 2025 + i%2
			f.clk.set(time.Date(year, 1, day, 0, 0, 0, 0, time.UTC))
			tk := f.task(t, district, volunteers.TaskInput{OrgUnit: "310114", StartsAt: time.Date(year, 1, day, 1, 0, 0, 0, time.UTC),
				EndsAt: time.Date(year, 1, day, 4, 0, 0, 0, time.UTC), Slots: 4})
			for _, v := range vols {
				if rng.IntN(3) == 0 {
					continue
				}
				if _, err := s.SignUp(ctx, district, tk.ID, v); err != nil {
					t.Fatal(err)
				}
				f.clk.set(time.Date(year, 1, day, 5, 0, 0, 0, time.UTC))
				e, err := s.Record(ctx, district, tk.ID, volunteers.RecordInput{VolunteerID: v, Minutes: 1 + rng.IntN(180)})
				if err != nil {
					t.Fatal(err)
				}
				f.clk.set(time.Date(year, 1, day, 0, 0, 0, 0, time.UTC))
				entries = append(entries, e.ID)
			}
		}
		var wg sync.WaitGroup
		for _, id := range entries {
			switch rng.IntN(4) {
			case 0: // left pending
			case 1:
				wg.Go(func() { _, _ = s.Approve(ctx, district, id) })
				wg.Go(func() { _, _ = s.Reject(ctx, district, id, "重复") })
			case 2:
				wg.Go(func() { _, _ = s.Approve(ctx, district, id) })
				wg.Go(func() { _, _ = s.Approve(ctx, townA, id) })
			default:
				wg.Go(func() { _, _ = s.Reject(ctx, district, id, "不符合") })
			}
		}
		wg.Wait()
		rows, err := d.Query(ctx, `SELECT o.volunteer_id, o.year, o.approved_minutes, o.pending_minutes, o.rejected_minutes,
				(SELECT COALESCE(sum(minutes), 0) FROM volunteer_hours h WHERE h.volunteer_id = o.volunteer_id AND h.year = o.year AND h.state = 'approved'),
				(SELECT COALESCE(sum(minutes), 0) FROM volunteer_hours h WHERE h.volunteer_id = o.volunteer_id AND h.year = o.year AND h.state = 'pending'),
				(SELECT COALESCE(sum(minutes), 0) FROM volunteer_hours h WHERE h.volunteer_id = o.volunteer_id AND h.year = o.year AND h.state = 'rejected')
			FROM volunteer_totals o`)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = rows.Close() }()
		n := 0
		for rows.Next() {
			var v, year, a, p, r, sa, sp, sr int64
			if err := rows.Scan(&v, &year, &a, &p, &r, &sa, &sp, &sr); err != nil {
				t.Fatal(err)
			}
			n++
			if a != sa || p != sp || r != sr {
				t.Errorf("volunteer %d in %d: totals %d/%d/%d, entries %d/%d/%d", v, year, a, p, r, sa, sp, sr)
			}
			l, err := s.LedgerOf(ctx, district, v, int(year))
			if err != nil {
				t.Fatal(err)
			}
			var sum int64
			for _, e := range l.Items {
				if e.State == volunteers.Approved {
					sum += int64(e.Minutes)
				}
			}
			if l.ApprovedMinutes != sum {
				t.Errorf("ledger of %d in %d: approved %d, entries %d", v, year, l.ApprovedMinutes, sum)
			}
		}
		if n < 4 {
			t.Errorf("only %d totals rows", n)
		}
	})
}

var (
	idNumber = regexp.MustCompile(`\d{17}[\dXx]`)
	phone    = regexp.MustCompile(`1[3-9]\d{9}`)
)

// TestVolunteerSeesNoIdentifiers: what the store gives a volunteer account
// of tasks serving a person holds no ID number, certificate number or phone.
func TestVolunteerSeesNoIdentifiers(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		s := f.a.Volunteers
		tk := f.task(t, townA, volunteers.TaskInput{Kind: volunteers.HomeVisit, OrgUnit: "310114102", StartsAt: at(16, 10, 0), EndsAt: at(16, 12, 0),
			PersonID: f.person, Help: "读报"})
		v1 := apptest.VolunteerCaller(f.v1, "310114102")
		if _, err := s.SignUp(ctx, v1, tk.ID, 0); err != nil {
			t.Fatal(err)
		}
		one, err := s.GetTask(ctx, v1, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.ListTasks(ctx, v1, volunteers.TaskFilter{})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal([]any{one, list})
		if idNumber.Match(raw) || phone.Match(raw) || strings.Contains(string(raw), "欧阳") {
			t.Errorf("the volunteer's answers hold an identifier or the surname: %s", raw)
		}
		if !strings.Contains(string(raw), "永新村1号") {
			t.Errorf("the address of today's home visit is missing: %s", raw)
		}
	})
}
