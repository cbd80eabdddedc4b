package renovation_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/renovation"
)

const village = apptest.Village

var (
	caller   = apptest.Caller
	data     = apptest.Data
	district = caller(identity.DistrictStaff, "310114")
	town     = caller(identity.TownStaff, "310114102")
	assist   = caller(identity.VillageAssistant, village)
)

// worker is a worker of the test's provider organisation (registered the
// first time): it acts on the cases assigned to it (assign).
func worker(t testing.TB, a *app.App) access.Caller {
	t.Helper()
	var id int64
	err := a.DB.QueryRow(context.Background(), `SELECT COALESCE(MIN(id), 0) FROM providers`).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	if id == 0 {
		id = apptest.ProviderOrg(t, a, 1)
	}
	return apptest.ProviderCaller(id, "310114")
}

// assign puts cases under a contract of the test's provider organisation.
func assign(t testing.TB, a *app.App, ids ...int64) {
	t.Helper()
	for _, id := range ids {
		apptest.Assign(t, a, worker(t, a).ProviderID, id)
	}
}

func setup(t *testing.T, d *db.DB) (*app.App, []int64) {
	t.Helper()
	a := apptest.New(t, d, time.Date(2026, 5, 4, 3, 0, 0, 0, time.UTC))
	var ids []int64
	for i := range 10 {
		ids = append(ids, apptest.Person(t, a, i, fmt.Sprintf("改造%d", i), village, 4, 1))
	}
	return a, ids
}

// quoted opens a case, assigns it to the provider, which brings it to
// "quoted" at the given cost (cents).
func quoted(t *testing.T, a *app.App, person int64, cents int) int64 {
	t.Helper()
	ctx := context.Background()
	provider := worker(t, a)
	c, err := a.Cases.Create(ctx, assist, person, "home_renovation", data(`{"need":"卫生间改造"}`))
	if err == nil {
		assign(t, a, c.ID)
		c, err = a.Cases.Act(ctx, provider, c.ID, "survey", data(`{"items":["bathroom","grab_bars"]}`), 0)
	}
	if err == nil {
		c, err = a.Cases.Act(ctx, provider, c.ID, "quote", data(fmt.Sprintf(`{"contractor":"嘉定建设","cost":%d}`, cents)), 0)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func TestRenovationWorkflow(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a, persons := setup(t, d)
		ctx := context.Background()
		e := a.Cases
		provider := worker(t, a)
		id := quoted(t, a, persons[0], 800000)
		act := func(who access.Caller, action, body string, want apperr.Code) {
			t.Helper()
			_, err := e.Act(ctx, who, id, action, data(body), 0)
			if want == "" && err != nil || want != "" && apperr.CodeOf(err) != want {
				t.Fatalf("%s as %s: %v, want %q", action, who.Actor.Role, err, want)
			}
		}
		act(assist, "approve", `{}`, apperr.Forbidden)
		act(town, "approve", `{}`, apperr.Conflict) // no budget yet
		if _, err := a.Renovation.SetBudget(ctx, orgunit.ScopeOf("310114"), district.Actor, "310114", 2026, 1000000); err != nil {
			t.Fatal(err)
		}
		act(town, "approve", `{}`, "")
		b, _ := a.Renovation.BudgetOf(ctx, orgunit.ScopeOf("310114"), "310114", 2026)
		if b.CommittedCents != 800000 || b.Left != "2000.00" {
			t.Fatalf("budget after approval: %+v", b)
		}
		if _, err := a.Renovation.SetBudget(ctx, orgunit.ScopeOf("310114"), district.Actor, "310114", 2026, 500000); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("budget below what is committed: %v", err)
		}
		act(assist, "build", `{}`, apperr.Forbidden)
		act(provider, "build", `{}`, "")
		act(provider, "accept", `{}`, apperr.Forbidden)
		act(assist, "accept", `{}`, "")
		act(town, "pay", `{}`, apperr.Forbidden)
		act(district, "pay", `{}`, "")
		renov := func() int64 {
			res, err := a.Indicators.Indicators(ctx, orgunit.ScopeOf("3"), "310114102", 2026, "zh")
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range res.Items {
				if it.Code == "home_renovation_households" {
					return *it.Numerator
				}
			}
			return -1
		}
		if renov() != 0 {
			t.Fatalf("renovations before closing: %d", renov())
		}
		act(provider, "close", `{}`, apperr.Forbidden)
		act(town, "close", `{}`, "")
		if renov() != 1 {
			t.Fatalf("renovations after closing: %d, want 1", renov())
		}
		// Cancelling an approved renovation gives its money back.
		id = quoted(t, a, persons[1], 150000)
		act(district, "approve", `{}`, "")
		act(assist, "cancel", `{}`, "")
		if b, _ := a.Renovation.BudgetOf(ctx, orgunit.ScopeOf("310114"), "310114", 2026); b.CommittedCents != 800000 {
			t.Fatalf("after cancelling: committed %d", b.CommittedCents)
		}
		// Reject needs a reason; a bad work item and a zero cost are refused.
		id = quoted(t, a, persons[2], 1000)
		act(town, "reject", `{}`, apperr.Invalid)
		act(town, "reject", `{"reason":"不符合条件"}`, "")
		c, _ := e.Create(ctx, town, persons[3], "home_renovation", nil)
		id = c.ID
		act(provider, "survey", `{"items":["ramp"]}`, apperr.NotFound) // not assigned to its organisation
		assign(t, a, id)
		act(provider, "survey", `{"items":["swimming_pool"]}`, apperr.Invalid)
		act(provider, "survey", `{"items":["ramp"]}`, "")
		act(provider, "quote", `{"contractor":"x","cost":0}`, apperr.Invalid)
	})
}

// TestBudgetUnderConcurrency: ten approvals of 200 yuan race for a budget of
// 1,000 yuan: exactly five succeed and the budget is never overspent.
func TestBudgetUnderConcurrency(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a, persons := setup(t, d)
		ctx := context.Background()
		if _, err := a.Renovation.SetBudget(ctx, orgunit.ScopeOf("310114"), district.Actor, "310114", 2026, 100000); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, p := range persons {
			ids = append(ids, quoted(t, a, p, 20000))
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, refused := 0, 0
		var other []error
		for _, id := range ids {
			wg.Go(func() {
				_, err := a.Cases.Act(ctx, district, id, "approve", nil, 0)
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
		b, _ := a.Renovation.BudgetOf(ctx, orgunit.ScopeOf("310114"), "310114", 2026)
		if ok != 5 || refused != 5 || len(other) > 0 || b.CommittedCents != 100000 || b.LeftCents != 0 {
			t.Fatalf("approved %d, refused %d, other %v, budget %+v", ok, refused, other, b)
		}
	})
}

// TestMoneyBounds: a quote or a budget beyond any real one is refused at its
// field (the quote of 9223372036854775807 was once approved past the budget,
// and every budget call then failed); case text and data keys are bounded too;
// the budget keeps answering.
func TestMoneyBounds(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a, persons := setup(t, d)
		ctx := context.Background()
		sc := orgunit.ScopeOf("310114")
		if _, err := a.Renovation.SetBudget(ctx, sc, district.Actor, "310114", 2026, renovation.MaxBudgetCents+1); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("budget beyond the bound: %v", err)
		}
		if _, err := a.Renovation.SetBudget(ctx, sc, district.Actor, "310114", 2026, renovation.MaxBudgetCents); err != nil {
			t.Fatal(err)
		}
		c, err := a.Cases.Create(ctx, assist, persons[0], "home_renovation", data(`{"need":"卫生间改造"}`))
		if err != nil {
			t.Fatal(err)
		}
		provider := worker(t, a)
		assign(t, a, c.ID)
		if _, err = a.Cases.Act(ctx, provider, c.ID, "survey", data(`{"items":["bathroom"]}`), 0); err != nil {
			t.Fatal(err)
		}
		for _, cost := range []string{"9223372036854775807", "60000000", fmt.Sprint(renovation.MaxQuoteCents + 1), "-5"} {
			_, err := a.Cases.Act(ctx, provider, c.ID, "quote", data(`{"contractor":"嘉定建设","cost":`+cost+`}`), 0)
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("quote of %s cents: %v", cost, err)
			}
		}
		long := strings.Repeat("长", casework.MaxShortText+1)
		for _, body := range []string{`{"contractor":"` + long + `","cost":100}`, `{"contractor":"x","cost":100,"extra":"?"}`} {
			if _, err := a.Cases.Act(ctx, provider, c.ID, "quote", data(body), 0); apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("quote %.40s…: %v", body, err)
			}
		}
		if _, err := a.Cases.Create(ctx, assist, persons[1], "home_renovation", data(`{"need":"`+strings.Repeat("长", casework.MaxText+1)+`"}`)); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("a need of %d characters: %v", casework.MaxText+1, err)
		}
		if _, err := a.Cases.Act(ctx, provider, c.ID, "quote", data(fmt.Sprintf(`{"contractor":"嘉定建设","cost":%d}`, renovation.MaxQuoteCents)), 0); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Cases.Act(ctx, town, c.ID, "approve", data(`{}`), 0); err != nil {
			t.Fatal(err)
		}
		b, err := a.Renovation.BudgetOf(ctx, sc, "310114", 2026)
		if err != nil || b.CommittedCents != renovation.MaxQuoteCents || b.LeftCents != renovation.MaxBudgetCents-renovation.MaxQuoteCents {
			t.Errorf("budget: %+v %v", b, err)
		}
	})
}
