package renovation_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/app/apptest"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestOverviewByTown: the budget's total, committed, paid and remaining, and
// the same by town by name (every town of the district, those without
// renovations at zero); a cancelled approval leaves no trace; out of scope 404.
func TestOverviewByTown(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a := apptest.New(t, d, time.Date(2026, 5, 4, 3, 0, 0, 0, time.UTC),
			orgunit.Unit{Code: "310114103201", Name: "安亭村", Level: 4, Parent: "310114103", Demo: true})
		ctx := context.Background()
		sc := orgunit.ScopeOf("310114")
		nanxiang := apptest.Person(t, a, 0, "改造甲", village, 4, 1)
		nanxiang2 := apptest.Person(t, a, 1, "改造乙", village, 4, 1)
		anting := apptest.Person(t, a, 2, "改造丙", "310114103201", 4, 1)
		if _, err := a.Renovation.SetBudget(ctx, sc, district.Actor, "310114", 2026, 10_000_000); err != nil {
			t.Fatal(err)
		}
		c1, c2 := quoted(t, a, nanxiang, 1_250_050), quoted(t, a, nanxiang2, 300_000)
		provider := worker(t, a)
		cs, err := a.Cases.Create(ctx, district, anting, "home_renovation", data(`{"need":"坡道"}`))
		if err == nil {
			assign(t, a, cs.ID)
			cs, err = a.Cases.Act(ctx, provider, cs.ID, "survey", data(`{"items":["ramp"]}`), 0)
		}
		if err == nil {
			cs, err = a.Cases.Act(ctx, provider, cs.ID, "quote", data(`{"contractor":"安亭建设","cost":500000}`), 0)
		}
		if err != nil {
			t.Fatal(err)
		}
		c3 := cs.ID
		for _, id := range []int64{c1, c2, c3} {
			if _, err := a.Cases.Act(ctx, district, id, "approve", nil, 0); err != nil {
				t.Fatal(err)
			}
		}
		// c1 built, accepted and paid; c2 cancelled (its money back).
		for _, st := range []struct {
			who    string
			action string
		}{{"provider", "build"}, {"assist", "accept"}, {"district", "pay"}} {
			who := map[string]access.Caller{"provider": provider, "assist": assist, "district": district}[st.who]
			if _, err := a.Cases.Act(ctx, who, c1, st.action, nil, 0); err != nil {
				t.Fatalf("%s: %v", st.action, err)
			}
		}
		if _, err := a.Cases.Act(ctx, assist, c2, "cancel", nil, 0); err != nil {
			t.Fatal(err)
		}
		o, err := a.Renovation.OverviewOf(ctx, sc, "310114", 2026)
		if err != nil {
			t.Fatal(err)
		}
		if !o.Set || o.BudgetCents != 10_000_000 || o.CommittedCents != 1_750_050 || o.PaidCents != 1_250_050 || o.LeftCents != 8_249_950 || len(o.Years) != 1 || o.Years[0] != 2026 {
			t.Fatalf("overview: %+v", o.Budget)
		}
		byName := map[string][3]int64{}
		for _, tf := range o.Towns {
			byName[tf.Name] = [3]int64{int64(tf.Cases), tf.CommittedCents, tf.PaidCents}
		}
		if len(o.Towns) != 12 || byName["南翔镇"] != [3]int64{1, 1_250_050, 1_250_050} || byName["安亭镇"] != [3]int64{1, 500_000, 0} || byName["马陆镇"] != [3]int64{} {
			t.Fatalf("by town: %d towns %v", len(o.Towns), byName)
		}
		if o, err := a.Renovation.OverviewOf(ctx, sc, "310114", 2025); err != nil || o.Set || o.CommittedCents != 0 || len(o.Towns) != 12 {
			t.Fatalf("a year without a budget: %+v %v", o, err)
		}
		if _, err := a.Renovation.OverviewOf(ctx, orgunit.ScopeOf("310114"), "320583", 2026); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("another district: %v", err)
		}
	})
}

// TestQuoteCorrection: a quote is corrected before approval by the one who
// entered it (nobody else), bounded, audited with old and new amounts; the
// case's quote history shows old → new; the approval commits the corrected
// amount; after approval no correction.
func TestQuoteCorrection(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a, persons := setup(t, d)
		ctx := context.Background()
		sc := orgunit.ScopeOf("310114")
		if _, err := a.Renovation.SetBudget(ctx, sc, district.Actor, "310114", 2026, 10_000_000); err != nil {
			t.Fatal(err)
		}
		provider := worker(t, a)
		id := quoted(t, a, persons[0], 1_250_000) // quoted by the provider
		act := func(who access.Caller, body string, want apperr.Code) {
			t.Helper()
			_, err := a.Cases.Act(ctx, who, id, "correct_quote", data(body), 0)
			if want == "" && err != nil || want != "" && apperr.CodeOf(err) != want {
				t.Fatalf("correct as %s %s: %v, want %q", who.Actor.Role, body, err, want)
			}
		}
		act(town, `{"cost":1100000}`, apperr.Forbidden)   // not who quoted
		act(assist, `{"cost":1100000}`, apperr.Forbidden) // not a worker
		act(provider, `{"cost":0}`, apperr.Invalid)
		act(provider, `{"cost":99999999999}`, apperr.Invalid)
		act(provider, `{"cost":1250000}`, apperr.Invalid) // unchanged
		act(provider, `{"cost":1100050}`, "")
		c, err := a.Cases.Get(ctx, provider, id)
		if err != nil || c.State != "quoted" || c.Data["contractor"] != "嘉定建设" {
			t.Fatalf("after the correction: %+v %v", c, err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE subject_type = ? AND subject_id = ? AND detail LIKE ?`,
			"renovation_quote", fmt.Sprint(c.ID), `%"from_cents":1250000,"to_cents":1100050%`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("audit of the correction: %d %v", n, err)
		}
		typ, _ := a.Cases.TypeOf("home_renovation")
		for lang, want := range map[string]string{"zh": "12,500.00 元 → 11,000.50 元", "en": "12,500.00 yuan → 11,000.50 yuan"} {
			panels, err := typ.Panels(ctx, district, c, lang)
			if err != nil || len(panels) != 1 || len(panels[0].Rows) != 2 {
				t.Fatalf("panels: %+v %v", panels, err)
			}
			row := panels[0].Rows[1]
			if row[3].Text != want || !strings.Contains(row[2].Text, "provider") && row[2].Text == "" {
				t.Errorf("%s: the correction row: %+v", lang, row)
			}
		}
		if _, err := a.Cases.Act(ctx, district, id, "approve", nil, 0); err != nil {
			t.Fatal(err)
		}
		if b, _ := a.Renovation.BudgetOf(ctx, sc, "310114", 2026); b.CommittedCents != 1_100_050 {
			t.Fatalf("committed after approval: %d, want the corrected 1100050", b.CommittedCents)
		}
		act(provider, `{"cost":1000000}`, apperr.Conflict) // approved: too late
	})
}
