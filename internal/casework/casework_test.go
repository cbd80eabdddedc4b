package casework_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/devices"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

const (
	village = apptest.Village
	town    = "310114102"
	dist    = "310114"
)

type fx struct {
	a       *app.App
	person  int64
	now     *time.Time
	centre  int64 // the district's service point
	townPt  int64
	kunshan int64
	// provider is a worker of the provider organisation providerOrg, which
	// sees the cases assigned to it (assign).
	provider    access.Caller
	providerOrg int64
}

func setup(t *testing.T, d *db.DB) *fx {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	a := apptest.New(t, d, now)
	f := &fx{a: a, person: apptest.Person(t, a, 23, "王芳", village, 4, 2), now: &now, providerOrg: apptest.ProviderOrg(t, a, 1)}
	f.provider = apptest.ProviderCaller(f.providerOrg, dist)
	d.Clock = func() time.Time { return now } // follows now, which the tests move through f.now
	for unit, dst := range map[string]*int64{dist: &f.centre, town: &f.townPt, "320583": &f.kunshan} {
		if err := d.QueryRow(ctx, `SELECT id FROM service_points WHERE orgunit = ?`, unit).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// assign puts cases under a contract of the provider organisation, so that
// f.provider acts on them (apptest.Assign).
func (f *fx) assign(t *testing.T, ids ...int64) {
	t.Helper()
	for _, id := range ids {
		apptest.Assign(t, f.a, f.providerOrg, id)
	}
}

var (
	caller = apptest.Caller
	data   = apptest.Data
)

var (
	districtStaff = caller(identity.DistrictStaff, dist)
	townStaff     = caller(identity.TownStaff, town)
	villageAsst   = caller(identity.VillageAssistant, village)
)

func (f *fx) stock(t *testing.T, point int64, code string, n int) {
	t.Helper()
	if _, err := f.a.Devices.Move(context.Background(), orgunit.ScopeOf(dist), districtStaff.Actor, point, code, n, "test"); err != nil {
		t.Fatal(err)
	}
}

func (f *fx) qty(t *testing.T, point int64, code string) int {
	t.Helper()
	var n int
	err := f.a.DB.QueryRow(context.Background(), `SELECT COALESCE(SUM(quantity), 0) FROM device_stock WHERE service_point = ? AND code = ?`, point, code).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDeviceWorkflow walks a loan and a grant through every transition, each
// by a role allowed to take it, and tries each with a role that is not.
func TestDeviceWorkflow(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		e := f.a.Cases
		f.stock(t, f.townPt, "12 22 03", 2) // manual wheelchair: loan
		f.stock(t, f.townPt, "09 33 03", 1) // bath chair: grant
		c, err := e.Create(ctx, villageAsst, f.person, "assistive_device", data(`{"need":"出行困难"}`))
		if err != nil || c.State != "submitted" || c.DueAt == nil || !c.DueAt.Equal(f.now.Add(7*24*time.Hour)) {
			t.Fatalf("create: %+v %v", c, err)
		}
		act := func(who access.Caller, action, body string, want apperr.Code) casework.Case {
			t.Helper()
			got, err := e.Act(ctx, who, c.ID, action, data(body), 0)
			if want == "" && err != nil || want != "" && apperr.CodeOf(err) != want {
				t.Fatalf("%s as %s: %v, want %q", action, who.Actor.Role, err, want)
			}
			if err == nil {
				c = got
			}
			return got
		}
		// A provider's worker does not see a case not assigned to its organisation.
		act(f.provider, "assess", `{"items":[{"code":"12 22 03"}]}`, apperr.NotFound)
		if _, err := e.Get(ctx, f.provider, c.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("a provider reads an unassigned case: %v", err)
		}
		f.assign(t, c.ID)
		c, _ = e.Get(ctx, townStaff, c.ID)
		// Not allowed: a village assistant may not assess or approve; a provider may not approve.
		act(villageAsst, "assess", `{"items":[{"code":"12 22 03"}]}`, apperr.Forbidden)
		act(f.provider, "approve", `{}`, apperr.Forbidden)
		// Wrong state: approve before assess.
		act(townStaff, "approve", `{}`, apperr.Conflict)
		// Missing data, unknown product.
		act(f.provider, "assess", `{}`, apperr.Invalid)
		act(f.provider, "assess", `{"items":[{"code":"99 99 99"}]}`, apperr.Invalid)
		act(f.provider, "assess", `{"items":[{"code":"12 22 03"},{"code":"09 33 03"},{"code":"06 24 15"}]}`, "")
		act(villageAsst, "approve", `{}`, apperr.Forbidden)
		act(townStaff, "approve", `{}`, "")
		// Stale version.
		if _, err := e.Act(ctx, townStaff, c.ID, "dispense", data(fmt.Sprintf(`{"service_point":%d}`, f.townPt)), c.Version-1); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("stale version: %v", err)
		}
		// A point of another district is not usable.
		act(townStaff, "dispense", fmt.Sprintf(`{"service_point":%d}`, f.kunshan), apperr.NotFound)
		act(villageAsst, "dispense", fmt.Sprintf(`{"service_point":%d}`, f.townPt), apperr.Forbidden)
		act(f.provider, "dispense", fmt.Sprintf(`{"service_point":%d}`, f.townPt), "")
		if c.State != "dispensed" || f.qty(t, f.townPt, "12 22 03") != 1 || f.qty(t, f.townPt, "09 33 03") != 0 {
			t.Fatalf("after dispense: %s, stock %d/%d", c.State, f.qty(t, f.townPt, "12 22 03"), f.qty(t, f.townPt, "09 33 03"))
		}
		due := f.now.Add(180 * 24 * time.Hour)
		if c.DueAt == nil || !c.DueAt.Equal(due) || c.Data["loan_due"] != due.Format(time.DateOnly) {
			t.Fatalf("loan due: %+v", c)
		}
		loans, _ := f.a.Devices.Loans(ctx, townStaff, f.person, "zh")
		if len(loans) != 1 || loans[0].Code != "12 22 03" {
			t.Fatalf("loan card: %+v", loans)
		}
		// Closing with a loan out is refused; renew moves the due date.
		act(townStaff, "close", `{}`, apperr.Conflict)
		*f.now = f.now.Add(100 * 24 * time.Hour)
		act(villageAsst, "renew", `{}`, apperr.Forbidden)
		act(townStaff, "renew", `{}`, "")
		if c.State != "dispensed" || !c.DueAt.Equal(f.now.Add(180*24*time.Hour)) {
			t.Fatalf("after renew: %+v", c)
		}
		act(f.provider, "return", `{}`, apperr.Invalid)
		act(villageAsst, "return", `{"condition":"good"}`, apperr.Forbidden)
		act(f.provider, "return", `{"condition":"good"}`, "")
		if f.qty(t, f.townPt, "12 22 03") != 2 {
			t.Fatalf("stock after return: %d", f.qty(t, f.townPt, "12 22 03"))
		}
		act(f.provider, "close", `{}`, apperr.Forbidden)
		act(townStaff, "close", `{}`, "")
		if c.State != "closed" || c.ClosedAt == nil || c.DueAt != nil {
			t.Fatalf("closed: %+v", c)
		}
		act(townStaff, "cancel", `{}`, apperr.Conflict)
		got, err := e.Get(ctx, townStaff, c.ID)
		if err != nil || len(got.Timeline) != 8 || got.Timeline[0].Action != "create" || got.Timeline[1].Action != "assign" || got.Timeline[7].Action != "close" {
			t.Fatalf("timeline: %v %+v", err, got.Timeline)
		}

		// Reject and cancel; the person cancels their own.
		c, _ = e.Create(ctx, townStaff, f.person, "assistive_device", nil)
		act(villageAsst, "reject", `{"reason":"x"}`, apperr.Forbidden)
		act(townStaff, "reject", `{}`, apperr.Invalid)
		act(townStaff, "reject", `{"reason":"已有同类辅具"}`, "")
		person := access.Caller{Actor: audit.Actor{Username: "wf", Role: identity.Person}, Scope: orgunit.ScopeOf(village), PersonID: f.person}
		c, err = e.Create(ctx, person, f.person, "assistive_device", nil)
		if err != nil {
			t.Fatal(err)
		}
		act(f.provider, "cancel", `{}`, apperr.NotFound) // not assigned
		f.assign(t, c.ID)
		c, _ = e.Get(ctx, townStaff, c.ID)
		act(f.provider, "cancel", `{}`, apperr.Forbidden)
		act(person, "cancel", `{}`, "")
		// Out of scope: another town's staff see nothing.
		other := caller(identity.TownStaff, "310114103")
		if _, err := e.Get(ctx, other, c.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another town reads the case: %v", err)
		}
		if _, err := e.Create(ctx, other, f.person, "assistive_device", nil); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another town opens a case: %v", err)
		}
		if _, err := e.Create(ctx, f.provider, f.person, "assistive_device", nil); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("a provider opens a case: %v", err)
		}
		// A person account not linked to a record sees and opens nothing.
		unlinked := access.Caller{Actor: audit.Actor{Username: "nobody", Role: identity.Person}}
		if _, err := e.Create(ctx, unlinked, f.person, "assistive_device", nil); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("an unlinked person account opens a case for someone: %v", err)
		}
		if items, total, _, err := e.List(ctx, unlinked, casework.Filter{Limit: 10}); err != nil || total != 0 || len(items) != 0 {
			t.Errorf("an unlinked person account lists %d cases: %v", total, err)
		}
	})
}

// TestLastItemUnderConcurrency: 50 approved cases race for the last item in
// stock; exactly one is dispensed and the stock ends at zero.
func TestLastItemUnderConcurrency(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		e := f.a.Cases
		f.stock(t, f.townPt, "12 06 03", 1)
		var ids []int64
		for range 50 {
			c, err := e.Create(ctx, townStaff, f.person, "assistive_device", nil)
			if err == nil {
				f.assign(t, c.ID)
				c, err = e.Act(ctx, f.provider, c.ID, "assess", data(`{"items":[{"code":"12 06 03"}]}`), 0) // who assesses does not approve
			}
			if err == nil {
				c, err = e.Act(ctx, townStaff, c.ID, "approve", nil, 0)
			}
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, short := 0, 0
		var other []error
		for _, id := range ids {
			wg.Go(func() {
				_, err := e.Act(ctx, townStaff, id, "dispense", data(fmt.Sprintf(`{"service_point":%d}`, f.townPt)), 0)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case apperr.CodeOf(err) == apperr.Conflict:
					short++
				default:
					other = append(other, err)
				}
			})
		}
		wg.Wait()
		if ok != 1 || short != 49 || len(other) > 0 || f.qty(t, f.townPt, "12 06 03") != 0 {
			t.Fatalf("dispensed %d, refused %d, other errors %v, stock left %d", ok, short, other, f.qty(t, f.townPt, "12 06 03"))
		}
		if _, err := f.a.Devices.Move(ctx, orgunit.ScopeOf(dist), districtStaff.Actor, f.townPt, "12 06 03", -1, "lost"); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("adjusting below zero: %v", err)
		}
	})
}

func TestOverdue(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		e := f.a.Cases
		c, err := e.Create(ctx, townStaff, f.person, "assistive_device", nil)
		if err != nil || c.Overdue {
			t.Fatalf("new case: %+v %v", c, err)
		}
		*f.now = f.now.Add(8 * 24 * time.Hour)
		got, _ := e.Get(ctx, townStaff, c.ID)
		items, total, _, err := e.List(ctx, townStaff, casework.Filter{Overdue: true, Limit: 10})
		if !got.Overdue || err != nil || total != 1 || len(items) != 1 || !items[0].Overdue {
			t.Fatalf("after 8 days: overdue %v, list %d %v", got.Overdue, total, err)
		}
		if n, err := e.Count(ctx, townStaff, casework.Filter{Overdue: true}); err != nil || n != 1 {
			t.Fatalf("after 8 days: Count says %d overdue (%v)", n, err)
		}
		if n, err := e.Count(ctx, villageAsst, casework.Filter{Overdue: true, OrgUnit: "320583"}); err != nil || n != 0 {
			t.Fatalf("a unit outside the scope: Count says %d (%v)", n, err)
		}
		if _, err := e.Act(ctx, townStaff, c.ID, "assess", data(`{"items":[{"code":"06 24 15"}]}`), 0); err != nil {
			t.Fatal(err)
		}
		if _, total, _, _ := e.List(ctx, townStaff, casework.Filter{Overdue: true, Limit: 10}); total != 0 {
			t.Errorf("a case moved on is still overdue")
		}
	})
}

// TestIndicatorsMove: a device dispensed in the year counts toward device_rate
// at once, and the rollups stay equal to a recomputation.
func TestIndicatorsMove(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		all := orgunit.ScopeOf("3")
		if _, _, err := f.a.Registry.PutAnnual(ctx, access.Caller{Scope: all}, f.person, registry.Annual{Year: 2026, Employment: "unable", DeviceNeed: true}); err != nil {
			t.Fatal(err)
		}
		rate := func() [2]int64 {
			t.Helper()
			res, err := f.a.Indicators.Indicators(ctx, all, village, 2026, "zh")
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range res.Items {
				if it.Code == "device_rate" {
					return [2]int64{*it.Numerator, *it.Denominator}
				}
			}
			return [2]int64{}
		}
		if got := rate(); got != [2]int64{0, 1} {
			t.Fatalf("before: %v", got)
		}
		f.stock(t, f.townPt, "12 06 06", 1)
		c, err := f.a.Cases.Create(ctx, townStaff, f.person, "assistive_device", nil)
		if err == nil {
			f.assign(t, c.ID)
		}
		for _, step := range []struct{ action, body string }{{"assess", `{"items":[{"code":"12 06 06"}]}`}, {"approve", `{}`},
			{"dispense", fmt.Sprintf(`{"service_point":%d}`, f.townPt)}} {
			if err != nil {
				t.Fatal(err)
			}
			who := townStaff
			if step.action == "assess" { // who assesses does not approve
				who = f.provider
			}
			c, err = f.a.Cases.Act(ctx, who, c.ID, step.action, data(step.body), 0)
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := rate(); got != [2]int64{1, 1} {
			t.Errorf("after the device was dispensed: %v, want 1/1", got)
		}
		if m, err := f.a.Indicators.Check(ctx, 5); err != nil || len(m) > 0 {
			t.Errorf("rollups differ from a recomputation: %v %+v", err, m)
		}
	})
}

// TestInbox: "waiting for me" selects the cases in states from which the
// role may move them on (cancelling does not count), in the database, and the
// inbox order (by due time, none last) pages through every case once.
func TestInbox(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		e := f.a.Cases
		f.stock(t, f.townPt, "12 03 03", 1)
		var ids []int64
		for range 7 {
			*f.now = f.now.Add(time.Hour)
			c, err := e.Create(ctx, villageAsst, f.person, "assistive_device", nil)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		f.assign(t, ids[:6]...)            // not ids[6]: the provider does not wait for it
		*f.now = f.now.Add(-5 * time.Hour) // assessed earlier than the last ones were opened: due dates interleave
		for _, id := range ids[:3] {
			if _, err := e.Act(ctx, f.provider, id, "assess", data(`{"items":[{"code":"12 03 03"}]}`), 0); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.Act(ctx, townStaff, ids[3], "reject", data(`{"reason":"重复申请"}`), 0); err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct{ action, data string }{{"approve", `{}`}, {"dispense", fmt.Sprintf(`{"service_point":%d}`, f.townPt)}} {
			if _, err := e.Act(ctx, townStaff, ids[0], step.action, data(step.data), 0); err != nil {
				t.Fatal(err)
			}
		}
		// Now: ids[0] dispensed (a grant: no due time; waits for staff to close),
		// ids[1..2] assessed (wait for approval), ids[3] rejected, ids[4..6] submitted.
		want := map[string][]int64{
			identity.Provider:         {ids[0], ids[4], ids[5]}, // fitters take returns from "dispensed"; ids[6] is not assigned
			identity.TownStaff:        {ids[0], ids[1], ids[2], ids[4], ids[5], ids[6]},
			identity.VillageAssistant: {},
		}
		who := map[string]access.Caller{identity.Provider: f.provider, identity.TownStaff: townStaff, identity.VillageAssistant: villageAsst}
		for role, ids := range want {
			items, total, _, err := e.List(ctx, who[role], casework.Filter{WaitingFor: role, Limit: 50})
			var got []int64
			for _, c := range items {
				got = append(got, c.ID)
			}
			slices.Sort(got)
			if err != nil || total != len(ids) || !slices.Equal(got, ids) {
				t.Errorf("%s waits for %v (total %d, %v), want %v", role, got, total, err, ids)
			}
			if n, err := e.Count(ctx, who[role], casework.Filter{WaitingFor: role}); err != nil || n != len(ids) {
				t.Errorf("%s: Count says %d waiting (%v), want %d", role, n, err, len(ids))
			}
		}
		// Pages of two, by due time: every open case once, due times rising, the one without last.
		var seen []int64
		var last time.Time
		cursor := ""
		for page := 0; ; page++ {
			items, total, next, err := e.List(ctx, townStaff, casework.Filter{Open: true, ByDue: true, Limit: 2, Cursor: cursor})
			if err != nil || total != 6 || page > 4 {
				t.Fatalf("page %d: total %d, %v", page, total, err)
			}
			for _, c := range items {
				seen = append(seen, c.ID)
				switch {
				case c.DueAt == nil && c.ID != ids[0], c.DueAt != nil && c.DueAt.Before(last):
					t.Errorf("case %d (due %v) out of order after %v", c.ID, c.DueAt, last)
				case c.DueAt != nil:
					last = *c.DueAt
				}
			}
			if cursor = next; cursor == "" {
				break
			}
		}
		if len(seen) != 6 || seen[5] != ids[0] {
			t.Errorf("pages by due time: %v, want 6 cases ending with %d", seen, ids[0])
		}
		if _, _, _, err := e.List(ctx, townStaff, casework.Filter{ByDue: true, Cursor: "x_1"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("bad cursor: %v", err)
		}
	})
}

// TestStockBounds: a move beyond devices.MaxMove is refused at its field, and
// stock never grows past devices.MaxStock (2^31 once broke PostgreSQL).
func TestStockBounds(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		sc, actor := orgunit.ScopeOf(dist), districtStaff.Actor
		for _, q := range []int{1 << 31, devices.MaxMove + 1, -devices.MaxMove - 1} {
			if _, err := f.a.Devices.Move(ctx, sc, actor, f.centre, "12 22 03", q, "x"); apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("move of %d: %v", q, err)
			}
		}
		for i := range devices.MaxStock / devices.MaxMove {
			if _, err := f.a.Devices.Move(ctx, sc, actor, f.centre, "12 22 03", devices.MaxMove, "入库"); err != nil {
				t.Fatalf("receipt %d: %v", i, err)
			}
		}
		if _, err := f.a.Devices.Move(ctx, sc, actor, f.centre, "12 22 03", 1, "入库"); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("a receipt past the most a point holds: %v", err)
		}
	})
}

// TestDevicePartialDispense: an approval the point cannot cover is refused
// naming the product short; what is in stock is dispensed in part, the rest
// stays open (no cancel or reject then), a loan of the part is returned
// without closing the rest, and the rest comes from another point. Who
// assessed does not approve.
func TestDevicePartialDispense(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		e := f.a.Cases
		f.stock(t, f.townPt, "12 22 03", 1) // manual wheelchair (loan) at the town
		f.stock(t, f.centre, "09 33 03", 1) // bath chair (grant) only at the district centre
		c, err := e.Create(ctx, villageAsst, f.person, "assistive_device", nil)
		if err != nil {
			t.Fatal(err)
		}
		f.assign(t, c.ID)
		act := func(who access.Caller, action, body string, want apperr.Code, says ...string) {
			t.Helper()
			got, err := e.Act(ctx, who, c.ID, action, data(body), 0)
			if want == "" && err != nil || want != "" && apperr.CodeOf(err) != want {
				t.Fatalf("%s as %s: %v, want %q", action, who.Actor.Role, err, want)
			}
			if err == nil {
				c = got
				return
			}
			e, _ := apperr.As(err)
			for _, s := range says {
				if !strings.Contains(e.Msg.Zh+" "+e.Msg.En, s) {
					t.Errorf("%s: %q does not say %q", action, e.Msg.Zh+" "+e.Msg.En, s)
				}
			}
		}
		act(townStaff, "assess", `{"items":[{"code":"12 22 03"},{"code":"09 33 03"}]}`, "")
		act(townStaff, "approve", `{}`, apperr.Forbidden, "另一位工作人员", "another member of staff")
		act(districtStaff, "approve", `{}`, "")

		// Choosing the point: the person's town's first, each with its stock of the items.
		t.Run("options", func(t *testing.T) {
			typ, _ := e.TypeOf("assistive_device")
			opts, err := typ.Options(ctx, c, "service_point")
			if err != nil || len(opts) != 2 || opts[0].Value != fmt.Sprint(f.townPt) {
				t.Fatalf("points: %+v %v", opts, err)
			}
			for _, s := range []string{"手动轮椅（双手驱动） 有 1 件", "洗澡椅 有 0 件"} {
				if !strings.Contains(opts[0].Zh, s) {
					t.Errorf("town point %q does not say %q", opts[0].Zh, s)
				}
			}
			if !strings.Contains(opts[1].En, "Bath chair: 1 in stock") {
				t.Errorf("centre %q", opts[1].En)
			}
		})

		town := fmt.Sprintf(`{"service_point":%d}`, f.townPt)
		act(townStaff, "dispense", town, apperr.Conflict, "洗澡椅（09 33 03）", "Bath chair (09 33 03)", "先发放有库存的部分")
		if f.qty(t, f.townPt, "12 22 03") != 1 {
			t.Fatal("a refused dispense took stock")
		}
		all := orgunit.ScopeOf("3")
		if _, _, err := f.a.Registry.PutAnnual(ctx, access.Caller{Scope: all}, f.person, registry.Annual{Year: 2026, Employment: "unable", DeviceNeed: true}); err != nil {
			t.Fatal(err)
		}
		act(townStaff, "dispense_part", town, "")
		// A part dispensed counts toward device_rate, in the rollups as in a recomputation.
		res, err := f.a.Indicators.Indicators(ctx, all, village, 2026, "zh")
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Items {
			if it.Code == "device_rate" && (*it.Numerator != 1 || *it.Denominator != 1) {
				t.Errorf("device_rate after a partial dispense: %d/%d, want 1/1", *it.Numerator, *it.Denominator)
			}
		}
		if m, err := f.a.Indicators.Check(ctx, 5); err != nil || len(m) > 0 {
			t.Errorf("rollups differ from a recomputation: %v %+v", err, m)
		}
		if c.State != "approved" || fmt.Sprint(c.Data["outstanding"]) != "[09 33 03]" || fmt.Sprint(c.Data["dispensed_items"]) != "[12 22 03]" || f.qty(t, f.townPt, "12 22 03") != 0 {
			t.Fatalf("after a partial dispense: %s %v", c.State, c.Data)
		}
		// The part dispensed cannot be cancelled or rejected away; nothing left here.
		act(villageAsst, "cancel", `{}`, apperr.Conflict)
		act(townStaff, "dispense_part", town, apperr.Conflict, "Bath chair (09 33 03)", "choose another service point")
		// The loaned part comes back while the rest stays open.
		act(f.provider, "return", `{"condition":"good"}`, "")
		if c.State != "approved" || f.qty(t, f.townPt, "12 22 03") != 1 {
			t.Fatalf("after returning the part: %s, stock %d", c.State, f.qty(t, f.townPt, "12 22 03"))
		}
		act(f.provider, "return", `{"condition":"good"}`, apperr.Conflict)
		// The rest from the district centre.
		act(townStaff, "dispense", fmt.Sprintf(`{"service_point":%d}`, f.centre), "")
		if c.State != "dispensed" || c.Data["outstanding"] != nil || f.qty(t, f.centre, "09 33 03") != 0 {
			t.Fatalf("after the rest: %s %v", c.State, c.Data)
		}
		// Nothing on loan now: no return, no renewal; closing ends it.
		act(f.provider, "return", `{"condition":"good"}`, apperr.Conflict)
		act(townStaff, "renew", `{}`, apperr.Conflict)
		act(townStaff, "close", `{}`, "")
		if c.State != "closed" {
			t.Fatalf("closed: %s", c.State)
		}
	})
}

// TestDeviceGrantNoReturn: a case of grants only offers neither return nor
// renewal, and the API refuses them.
func TestDeviceGrantNoReturn(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		e := f.a.Cases
		f.stock(t, f.townPt, "12 03 03", 1) // walking stick: grant
		c, err := e.Create(ctx, townStaff, f.person, "assistive_device", nil)
		if err == nil {
			f.assign(t, c.ID)
		}
		for _, st := range []struct {
			who          access.Caller
			action, body string
		}{{f.provider, "assess", `{"items":[{"code":"12 03 03"}]}`}, {townStaff, "approve", `{}`}, {f.provider, "dispense", fmt.Sprintf(`{"service_point":%d}`, f.townPt)}} {
			if err != nil {
				t.Fatal(err)
			}
			c, err = e.Act(ctx, st.who, c.ID, st.action, data(st.body), 0)
		}
		if err != nil || c.State != "dispensed" || c.DueAt != nil {
			t.Fatalf("dispensed grant: %+v %v", c, err)
		}
		typ, _ := e.TypeOf("assistive_device")
		for _, a := range []string{"return", "renew"} {
			if typ.Offers(c, a) {
				t.Errorf("a grant offers %s", a)
			}
			if _, err := e.Act(ctx, townStaff, c.ID, a, data(`{"condition":"good"}`), 0); apperr.CodeOf(err) == "" {
				t.Errorf("%s of a grant: %v", a, err)
			}
		}
		if !typ.Offers(c, "close") {
			t.Error("a dispensed grant cannot be closed")
		}
	})
}

// TestDeviceAssessorApproves: with the setting on (a point with one member of
// staff), who assessed may approve too.
func TestDeviceAssessorApproves(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		e := f.a.Cases
		f.a.Devices.AssessorApproves = true
		e.Register(f.a.Devices.Type())
		c, err := e.Create(ctx, townStaff, f.person, "assistive_device", nil)
		if err == nil {
			c, err = e.Act(ctx, townStaff, c.ID, "assess", data(`{"items":[{"code":"12 03 03"}]}`), 0)
		}
		if err == nil {
			c, err = e.Act(ctx, townStaff, c.ID, "approve", nil, 0)
		}
		if err != nil || c.State != "approved" {
			t.Fatalf("assessed and approved by one user: %v", err)
		}
	})
}
