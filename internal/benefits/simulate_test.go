package benefits_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"sunshine/internal/access"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/benefits"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// district is the district staff's caller of the fixture.
func district() access.Caller {
	return access.Caller{Actor: audit.Actor{Username: "district", Role: identity.DistrictStaff}, Scope: orgunit.ScopeOf("310114")}
}

// figures finds a benefit's figures ("all": both) of a town ("": the total).
func figures(t *testing.T, sim benefits.Simulation, benefit, town string) benefits.TownFigures {
	t.Helper()
	for _, b := range sim.Benefits {
		if b.Benefit != benefit {
			continue
		}
		if town == "" {
			return b.Total
		}
		for _, tf := range b.Towns {
			if tf.Town == town {
				return tf
			}
		}
	}
	t.Fatalf("no figures of %s in %s", benefit, town)
	return benefits.TownFigures{}
}

// TestSimulate: a new clause adds exactly the persons it names, a new
// amount changes the cost by the right amount, a draft that does not
// compile is refused with its position, nothing is saved, and the
// simulation is audited once when it lists persons (both engines).
func TestSimulate(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		ctx := context.Background()
		const town1, town2 = "310114102", "310114103"
		gain1 := person(t, e, 1, registry.PersonInput{Category: 4, Grade: 3, CertificateIssued: "2020-05-01"}, "dibao", "employed")
		person(t, e, 2, registry.PersonInput{Category: 4, Grade: 3, CertificateIssued: "2020-05-01", Hukou: "nonlocal"}, "dibao", "employed")
		person(t, e, 3, registry.PersonInput{Category: 4, Grade: 3, CertificateIssued: "2015-01-01"}, "dibao", "employed") // expired
		person(t, e, 4, registry.PersonInput{Category: 5, Grade: 3, CertificateIssued: "2020-05-01"}, "near_dibao", "employed")
		person(t, e, 5, registry.PersonInput{Category: 4, Grade: 2, CertificateIssued: "2021-05-01"}, "normal", "employed")
		person(t, e, 6, registry.PersonInput{Category: 4, Grade: 3, CertificateIssued: "2019-05-01", Status: "deceased"}, "dibao", "employed")
		gain2 := person(t, e, 7, registry.PersonInput{Category: 4, Grade: 3, CertificateIssued: "2022-05-01"}, "dibao", "unemployed")
		// gain2 lives in another town of the district.
		if _, err := d.Exec(ctx, `UPDATE persons SET orgunit = ? WHERE id = ?`, apptest.VillageTown2, gain2); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `UPDATE annual_records SET orgunit = ? WHERE person_id = ?`, apptest.VillageTown2, gain2); err != nil {
			t.Fatal(err)
		}
		versions := func() int {
			var n int
			if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM benefit_rules`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		saved := versions()

		// "Grade 3 physical also gets the care subsidy": exactly the grade-3
		// physical active local persons gain 180 a month.
		draft := benefits.SimDraft{Month: "2026-11", Rules: []benefits.DraftRule{{Code: "care_grade3_physical", Benefit: benefits.Care, Kind: benefits.Grants,
			Position: 40, Condition: "grade == 3 && category == 4", AmountCents: 18000, TitleZh: "三级肢体残疾", TitleEn: "grade 3 physical"}}}
		sim, err := e.App.Benefits.Simulate(ctx, district(), draft)
		if err != nil {
			t.Fatal(err)
		}
		if sim.Gainers != 2 || sim.Losers != 0 || len(sim.Gaining) != 2 || sim.Gaining[0].PersonID != gain1 || sim.Gaining[1].PersonID != gain2 ||
			sim.Gaining[0].AfterCents-sim.Gaining[0].BeforeCents != 18000 || sim.Gaining[0].VillageName != "永新村" || sim.Gaining[0].Name != "补贴1" {
			t.Fatalf("gainers %+v", sim)
		}
		if c := figures(t, sim, benefits.Care, town1).Change; c != (benefits.Figures{Persons: 1, MonthlyCents: 18000, YearlyCents: 216000}) {
			t.Errorf("care, town 1: %+v", c)
		}
		if c := figures(t, sim, benefits.Care, town2).Change; c != (benefits.Figures{Persons: 1, MonthlyCents: 18000, YearlyCents: 216000}) {
			t.Errorf("care, town 2: %+v", c)
		}
		if c := figures(t, sim, "all", "").Change; c != (benefits.Figures{Persons: 0, MonthlyCents: 36000, YearlyCents: 432000}) {
			// both already receive the living subsidy: no new person paid
			t.Errorf("total: %+v", c)
		}
		if tf := figures(t, sim, benefits.Living, ""); tf.Change != (benefits.Figures{}) || tf.Before.Persons != 3 || tf.Before.MonthlyCents != 2*45000+32000 {
			t.Errorf("living unchanged: %+v", tf)
		}
		if tf := figures(t, sim, benefits.Care, ""); tf.Before.Persons != 2 || tf.After.Persons != 4 || tf.Registry != 9 {
			t.Errorf("care total %+v", tf)
		}
		for _, b := range sim.Benefits {
			for _, tf := range b.Towns {
				if !strings.HasPrefix(tf.Town, "310114") {
					t.Errorf("a town outside the scope: %+v", tf)
				}
			}
		}
		// "Living subsidy 480": the dibao persons paid gain 30 each.
		sim, err = e.App.Benefits.Simulate(ctx, district(), benefits.SimDraft{Month: "2026-11",
			Rules: []benefits.DraftRule{{Code: "living_dibao", Condition: `economic_status == "dibao"`, AmountCents: 48000}}})
		if err != nil {
			t.Fatal(err)
		}
		if c := figures(t, sim, benefits.Living, ""); c.Change != (benefits.Figures{MonthlyCents: 2 * 3000, YearlyCents: 12 * 2 * 3000}) || sim.Gainers != 2 {
			t.Errorf("living 480: %+v %d", c, sim.Gainers)
		}
		// Lowering it: losers.
		sim, err = e.App.Benefits.Simulate(ctx, district(), benefits.SimDraft{Month: "2026-11",
			Rules: []benefits.DraftRule{{Code: "living_dibao", Condition: `economic_status == "dibao"`, AmountCents: 30000}}})
		if err != nil {
			t.Fatal(err)
		}
		// gain2 is also severely...no: grade 3; both dibao persons fall to the highest other clause (none): 300.
		if sim.Losers != 2 || len(sim.Losing) != 2 || sim.Gainers != 0 {
			t.Errorf("living 300: %d losers %+v", sim.Losers, sim.Losing)
		}

		// A draft that does not compile: 422 with the position; unknown code without titles.
		var ae apiError
		bad := map[string]any{"month": "2026-11", "rules": []map[string]any{{"code": "care_grade1", "condition": "grade == 1 &&\n  salary > 3", "amount_cents": 35000}}}
		if st := e.Do("district", "POST", "/api/v1/benefit-rules/simulate", bad, &ae); st != 422 || len(ae.Error.Fields) != 1 ||
			ae.Error.Fields[0].Field != "rules[0].condition" || !strings.Contains(ae.Error.Fields[0].Message, "第 2 行第 3 列") {
			t.Errorf("bad condition: %d %+v", st, ae)
		}
		bad = map[string]any{"month": "2026-11", "rules": []map[string]any{{"code": "care_new", "condition": "true", "amount_cents": 0}}}
		if st := e.Do("district", "POST", "/api/v1/benefit-rules/simulate", bad, &ae); st != 422 || len(ae.Error.Fields) < 3 {
			t.Errorf("new code without benefit, kind, titles, amount: %d %+v", st, ae)
		}
		bad = map[string]any{"month": "2031-01", "rules": []map[string]any{{"code": "care_grade1", "condition": "grade == 1", "amount_cents": 35000}}}
		if st := e.Do("district", "POST", "/api/v1/benefit-rules/simulate", bad, &ae); st != 422 {
			t.Errorf("month out of range: %d", st)
		}
		// Through the API, in English; a town's staff may not.
		var out benefits.Simulation
		ok := map[string]any{"month": "2026-11", "rules": []map[string]any{{"code": "care_grade2", "condition": "grade == 2 || grade == 3", "amount_cents": 18000}}}
		if st := e.Do("district", "POST", "/api/v1/benefit-rules/simulate", ok, &out); st != 200 || out.Gainers != 2 || len(out.Benefits) != 3 {
			t.Errorf("API: %d %+v", st, out)
		}
		if st := e.Do("town", "POST", "/api/v1/benefit-rules/simulate", ok, nil); st != 403 {
			t.Errorf("town staff: %d", st)
		}
		if n := versions(); n != saved {
			t.Errorf("a simulation saved rules: %d, was %d", n, saved)
		}
		entries, _, err := e.App.Audit.List(ctx, audit.Filter{Action: benefits.ActionSimulate})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 4 || entries[0].Username != "district" || !strings.Contains(entries[len(entries)-1].Detail, `"gainers":2`) {
			t.Errorf("audit: %d %+v", len(entries), entries)
		}

		// The page: pick a rule, change it, see the towns and the gainers; a bad condition keeps what was typed.
		st, body := e.DoRaw("district", "GET", "/benefits/simulate?code=living_dibao", nil, nil, nil)
		if st != 200 || !strings.Contains(string(body), `economic_status == &#34;dibao&#34;`) || !strings.Contains(string(body), `value="450.00"`) {
			t.Errorf("picked: %d %s", st, body)
		}
		st, body = e.DoRaw("district", "GET", "/benefits/simulate?run=1&code=living_dibao&month=2026-11&amount=480&condition="+
			"economic_status+%3D%3D+%22dibao%22", nil, nil, nil)
		page := string(body)
		if st != 200 || !strings.Contains(page, "南翔镇") || !strings.Contains(page, "补贴1") || !strings.Contains(page, "每月 &#43;30.00 元") ||
			!strings.Contains(page, `action="/benefits/rules"`) || !strings.Contains(page, `name="amount" value="480"`) {
			t.Errorf("simulated: %d %s", st, page)
		}
		st, body = e.DoRaw("district", "GET", "/benefits/simulate?lang=en&run=1&code=living_dibao&month=2026-11&amount=480&condition=salary", nil, nil, nil)
		if st != 422 || !strings.Contains(string(body), "line 1, column 1") || !strings.Contains(string(body), `id="e-condition"`) || !strings.Contains(string(body), ">salary</textarea>") {
			t.Errorf("bad condition on the page: %d %s", st, body)
		}
		if st, body := e.DoRaw("district", "GET", "/benefits/rules", nil, nil, nil); st != 200 || !strings.Contains(string(body), `href="/benefits/simulate"`) {
			t.Errorf("the rules page links to the simulation: %d", st)
		}
		_ = http.StatusOK
	})
}

// TestSimulateMatchesDecisions: on a random registry, the grouped
// simulation's per-town figures equal deciding every person with
// DecideAmount, before and after a draft that reads every fact (both
// engines).
func TestSimulateMatchesDecisions(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		ctx := context.Background()
		rnd := rand.New(rand.NewPCG(7, 15))
		sys := registry.Caller{Scope: orgunit.ScopeOf("3")}
		pick := func(xs ...string) string { return xs[rnd.IntN(len(xs))] }
		for i := range 80 {
			in := registry.PersonInput{Name: fmt.Sprintf("随机%d", i), Category: 1 + rnd.IntN(7), Grade: 1 + rnd.IntN(4),
				OrgUnit: pick(apptest.Village, apptest.VillageTown2, "310114102202"), Hukou: pick("local", "local", "local", "nonlocal"),
				Status:            pick("active", "active", "active", "moved_out", "deceased"),
				CertificateIssued: pick("", "2016-10-31", "2016-11-01", "2016-11-02", "2020-03-04", "2026-11-01", "2026-11-15")}
			if in.Category == 7 {
				in.Components = []int{4, 1 + rnd.IntN(3)}
			}
			in.IDNumber = apptest.IDNumber(fmt.Sprintf("310114%04d0101%03d", 1940+rnd.IntN(70), 100+i))
			p, err := e.App.Registry.Create(ctx, sys, in)
			if err != nil {
				t.Fatal(err)
			}
			if rnd.IntN(4) > 0 {
				if _, _, err := e.App.Registry.PutAnnual(ctx, sys, p.ID, registry.Annual{Year: 2026,
					Employment: pick("employed", "unemployed", "unable", "retired", "student"), EconomicStatus: pick("normal", "dibao", "near_dibao", "tekun")}); err != nil {
					t.Fatal(err)
				}
			}
		}
		// The bounds of the month: issued on its last day (active) and the day after (not yet).
		if _, err := d.Exec(ctx, `UPDATE persons SET certificate_issued = '2026-11-30' WHERE id % 9 = 1`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `UPDATE persons SET certificate_issued = '2026-12-01' WHERE id % 9 = 2`); err != nil {
			t.Fatal(err)
		}
		draft := benefits.SimDraft{Month: "2026-11", Rules: []benefits.DraftRule{
			{Code: "care_grade3_intellectual_mental", Condition: "grade == 3 && (category in [5, 6] || 5 in components || age >= 70)", AmountCents: 20000},
			{Code: "living_near_dibao", Condition: `economic_status == "near_dibao" || (annual_record && employment == "unable" && status == "active")`, AmountCents: 30000},
			{Code: "living_local_hukou", Condition: `hukou == "local" || age > 80`},
		}}
		sim, err := e.App.Benefits.Simulate(ctx, district(), draft)
		if err != nil {
			t.Fatal(err)
		}
		before, err := e.App.Benefits.RuleSet(ctx, "2026-11")
		if err != nil {
			t.Fatal(err)
		}
		all, err := e.App.Benefits.Versions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range sim.Rules {
			r.ID = 1000 + int64(i)
			all = append(all, r)
		}
		after, err := benefits.NewRuleSet(all, "2026-11")
		if err != nil {
			t.Fatal(err)
		}
		type key struct{ benefit, town string }
		want := map[key]*benefits.TownFigures{}
		var gainers, losers int64
		err = e.App.Benefits.StreamFacts(ctx, orgunit.ScopeOf("310114"), "2026-11", func(f benefits.Facts) error {
			var tb, ta int64
			for _, b := range append(benefits.Benefits, "all") {
				k := key{b, f.OrgUnit[:9]}
				if want[k] == nil {
					want[k] = &benefits.TownFigures{}
				}
				w := want[k]
				var bc, ac int64
				if b == "all" {
					bc, ac = tb, ta
				} else {
					bc, ac = benefits.DecideAmount(before, b, f).AmountCents, benefits.DecideAmount(after, b, f).AmountCents
					tb, ta = tb+bc, ta+ac
				}
				w.Registry++
				if bc > 0 {
					w.Before.Persons++
				}
				if ac > 0 {
					w.After.Persons++
				}
				w.Before.MonthlyCents += bc
				w.After.MonthlyCents += ac
			}
			switch {
			case ta > tb:
				gainers++
			case ta < tb:
				losers++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if sim.Gainers != gainers || sim.Losers != losers || gainers == 0 || losers == 0 {
			t.Errorf("gainers %d losers %d, want %d %d", sim.Gainers, sim.Losers, gainers, losers)
		}
		n := 0
		for _, b := range sim.Benefits {
			for _, tf := range b.Towns {
				w := want[key{b.Benefit, tf.Town}]
				n++
				if w == nil || tf.Registry != w.Registry || tf.Before.Persons != w.Before.Persons || tf.After.Persons != w.After.Persons ||
					tf.Before.MonthlyCents != w.Before.MonthlyCents || tf.After.MonthlyCents != w.After.MonthlyCents ||
					tf.After.YearlyCents != 12*w.After.MonthlyCents {
					t.Errorf("%s %s: %+v, want %+v", b.Benefit, tf.Town, tf, w)
				}
			}
		}
		if n != len(want) {
			t.Errorf("%d town figures, want %d", n, len(want))
		}
	})
}
