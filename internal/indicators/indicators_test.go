package indicators_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/indicators"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

const (
	year  = 2026
	vA    = "310114102201" // 南翔镇
	vB    = "310114102202" // 南翔镇
	vC    = "310114103201" // 安亭镇
	town  = "310114102"
	town2 = "310114103"
	dist  = "310114"
)

var all = orgunit.ScopeOf("3")

var demoActor = audit.Actor{Username: "demo", Role: "district_staff"}

func idNumber(unit6 string, birth string, seq int) string {
	first17 := fmt.Sprintf("%s%s%03d", unit6, birth, seq)
	return first17 + string(registry.IDCheckChar(first17))
}

type fixture struct {
	app *app.App
	ids map[int]int64
}

func newApp(t *testing.T, d *db.DB) *app.App {
	t.Helper()
	ctx := context.Background()
	d.Clock = func() time.Time { return time.Date(year, 6, 1, 9, 0, 0, 0, time.UTC) }
	a, err := app.New(ctx, d, apptest.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	err = d.InTx(ctx, func(tx *db.Tx) error {
		return orgunit.InsertTx(ctx, tx,
			orgunit.Unit{Code: vA, Name: "甲村", Level: 4, Parent: town, Demo: true},
			orgunit.Unit{Code: vB, Name: "乙村", Level: 4, Parent: town, Demo: true},
			orgunit.Unit{Code: vC, Name: "丙村", Level: 4, Parent: town2, Demo: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

type person struct {
	n        int
	unit     string
	birth    string // YYYYMMDD
	cat, gr  int
	hukou    string
	status   string
	annual   *registry.Annual // nil: no record for the year
	recordIn string           // the record's unit when not the registry's
}

func income(v int64) *int64 { return &v }

// The hand-checked fixture: twelve persons in villages A and B of one town and
// C of another. The expected figures below were worked out by hand from it.
func fixturePersons() []person {
	return []person{
		{1, vA, "19860305", 4, 2, "local", "active", &registry.Annual{Employment: "employed", PensionInsured: true, MedicalInsured: true,
			CultureSports: true, RehabNeed: true, RehabReceived: true, EconomicStatus: "normal", CareSubsidyReceived: true, HouseholdIncomePerCapita: income(30000)}, ""},
		{2, vA, "19960411", 1, 1, "local", "active", &registry.Annual{Employment: "unemployed", MedicalInsured: true, RehabNeed: true,
			DeviceNeed: true, DeviceReceived: true, EconomicStatus: "normal", LivingSubsidyReceived: true, CareSubsidyReceived: true, HouseholdIncomePerCapita: income(20000)}, ""},
		{3, vA, "20140101", 5, 3, "local", "active", &registry.Annual{Employment: "student", SchoolEnrolled: true, MedicalInsured: true, EconomicStatus: "dibao"}, ""},
		{4, vA, "20120707", 2, 4, "nonlocal", "active", &registry.Annual{Employment: "student", CultureSports: true, EconomicStatus: "normal"}, ""},
		{5, vB, "19700202", 6, 3, "local", "active", &registry.Annual{Employment: "not_seeking", PensionInsured: true, MedicalInsured: true,
			EconomicStatus: "near_dibao", CareSubsidyReceived: true, HouseholdIncomePerCapita: income(10000)}, ""},
		{6, vB, "20030909", 3, 2, "local", "active", &registry.Annual{Employment: "employed", CollegeGraduate: true, PensionInsured: true, MedicalInsured: true, EconomicStatus: "normal"}, ""},
		{7, vB, "19500101", 7, 3, "local", "active", &registry.Annual{Employment: "retired", PensionInsured: true, MedicalInsured: true, DeviceNeed: true, EconomicStatus: "normal"}, ""},
		{8, vB, "19800808", 4, 4, "local", "active", nil, ""},
		{9, vC, "19900515", 4, 1, "local", "active", &registry.Annual{Employment: "unable", MedicalInsured: true, EconomicStatus: "normal",
			LivingSubsidyReceived: true, CareSubsidyReceived: true, HouseholdIncomePerCapita: income(15000)}, ""},
		{10, vC, "20040404", 2, 3, "local", "moved_out", &registry.Annual{Employment: "unemployed", CollegeGraduate: true, MedicalInsured: true, EconomicStatus: "normal"}, ""},
		{11, vC, "19850120", 4, 4, "local", "active", &registry.Annual{Employment: "employed", PensionInsured: true, EconomicStatus: "normal"}, vA},
		{12, vA, "19600606", 4, 2, "local", "deceased", nil, ""},
	}
}

func loadFixture(t *testing.T, a *app.App) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{app: a, ids: map[int]int64{}}
	sys := access.Caller{Scope: all}
	for _, p := range fixturePersons() {
		got, err := a.Registry.Create(ctx, sys, registry.PersonInput{Name: fmt.Sprintf("指标%d", p.n), IDNumber: idNumber(p.unit[:6], p.birth, p.n),
			Category: p.cat, Grade: p.gr, OrgUnit: p.unit, Hukou: p.hukou, EconomicStatus: "normal", Status: p.status})
		if err != nil {
			t.Fatalf("person %d: %v", p.n, err)
		}
		f.ids[p.n] = got.ID
		if p.annual == nil {
			continue
		}
		rec := *p.annual
		rec.Year, rec.OrgUnit = year, p.recordIn
		if _, _, err := a.Registry.PutAnnual(ctx, sys, got.ID, rec); err != nil {
			t.Fatalf("annual record of %d: %v", p.n, err)
		}
	}
	return f
}

// want is numerator/denominator per indicator; den −1 means no denominator
// (counts), and a zero denominator must give a null value.
type want map[string][2]int64

func check(t *testing.T, a *app.App, unit string, w want) {
	t.Helper()
	res, err := a.Indicators.Indicators(context.Background(), all, unit, year, "zh")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != len(indicators.Defs) {
		t.Fatalf("%s: %d items, want %d", unit, len(res.Items), len(indicators.Defs))
	}
	for _, it := range res.Items {
		nd, ok := w[it.Code]
		if !ok {
			continue
		}
		if *it.Numerator != nd[0] || it.Denominator == nil || *it.Denominator != nd[1] {
			t.Errorf("%s %s: %d/%v, want %d/%d", unit, it.Code, *it.Numerator, deref(it.Denominator), nd[0], nd[1])
			continue
		}
		switch {
		case nd[1] == 0 && it.Value != nil:
			t.Errorf("%s %s: empty denominator gives value %v, want null", unit, it.Code, *it.Value)
		case nd[1] != 0 && (it.Value == nil || *it.Value != float64(nd[0])/float64(nd[1])):
			t.Errorf("%s %s: value %v, want %v", unit, it.Code, it.Value, float64(nd[0])/float64(nd[1]))
		}
		if *it.Gap != nd[1]-nd[0] && it.Code != "income_per_capita" {
			t.Errorf("%s %s: gap %d, want %d", unit, it.Code, *it.Gap, nd[1]-nd[0])
		}
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

var (
	wantDistrict = want{
		"survey_coverage": {9, 10}, "employment_rate": {3, 5}, "graduate_employment_rate": {1, 2}, "compulsory_education_rate": {1, 2},
		"culture_sports_rate": {2, 10}, "rehab_rate": {1, 2}, "device_rate": {1, 2}, "living_subsidy_coverage": {2, 4},
		"care_subsidy_coverage": {4, 6}, "pension_insurance_rate": {5, 8}, "medical_insurance_rate": {8, 10}, "income_per_capita": {75000, 4},
	}
	wantTown = want{ // villages A and B
		"survey_coverage": {7, 8}, "employment_rate": {3, 4}, "graduate_employment_rate": {1, 1}, "compulsory_education_rate": {1, 2},
		"culture_sports_rate": {2, 8}, "rehab_rate": {1, 2}, "device_rate": {1, 2}, "living_subsidy_coverage": {1, 3},
		"care_subsidy_coverage": {3, 5}, "pension_insurance_rate": {5, 6}, "medical_insurance_rate": {6, 8}, "income_per_capita": {60000, 3},
	}
	wantVillageA = want{
		"survey_coverage": {4, 4}, "employment_rate": {2, 3}, "graduate_employment_rate": {0, 0}, "compulsory_education_rate": {1, 2},
		"culture_sports_rate": {2, 5}, "rehab_rate": {1, 2}, "device_rate": {1, 1}, "living_subsidy_coverage": {1, 2},
		"care_subsidy_coverage": {2, 3}, "pension_insurance_rate": {2, 3}, "medical_insurance_rate": {3, 5}, "income_per_capita": {50000, 2},
	}
	wantTown2 = want{"survey_coverage": {2, 2}, "compulsory_education_rate": {0, 0}, "graduate_employment_rate": {0, 1}, "employment_rate": {0, 1}}
)

func TestHandCheckedFixture(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a := newApp(t, d)
		loadFixture(t, a)
		check(t, a, dist, wantDistrict)
		check(t, a, town, wantTown)
		check(t, a, vA, wantVillageA)
		check(t, a, town2, wantTown2)
		res, _ := a.Indicators.Indicators(context.Background(), all, vA, year, "en")
		for _, it := range res.Items {
			switch it.Code {
			case "income_per_capita":
				if it.Value == nil || *it.Value != 25000 {
					t.Errorf("income per capita of A: %v, want 25000", it.Value)
				}
			case "home_renovation_households":
				if *it.Numerator != 0 || it.Denominator != nil || it.Value == nil || *it.Value != 0 {
					t.Errorf("renovations: %+v, want a count of 0", it)
				}
			case "rehab_rate":
				if it.Name != "Basic rehabilitation coverage" || it.Target == nil || *it.Target != 0.85 || it.Met == nil || *it.Met {
					t.Errorf("rehab_rate of A: %+v (want English name, target 0.85, not met)", it)
				}
			case "device_rate":
				if it.Met == nil || !*it.Met {
					t.Errorf("device_rate of A (1/1) should meet 85%%: %+v", it)
				}
			}
		}
		if m, err := a.Indicators.Check(context.Background(), 10); err != nil || len(m) > 0 {
			t.Fatalf("rollups differ from a recomputation: %v %+v", err, m)
		}
	})
}

func TestBreakdowns(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a := newApp(t, d)
		loadFixture(t, a)
		ctx := context.Background()
		items, err := a.Indicators.Breakdown(ctx, all, "survey_coverage", town, year, "", "zh")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][2]int64{}
		for _, it := range items {
			got[it.OrgUnit] = [2]int64{*it.Numerator, *it.Denominator}
		}
		if got[vA] != [2]int64{4, 4} || got[vB] != [2]int64{3, 4} {
			t.Errorf("survey coverage by village: %v", got)
		}
		items, _ = a.Indicators.Breakdown(ctx, all, "care_subsidy_coverage", dist, year, "", "zh")
		sum := [2]int64{}
		for _, it := range items {
			sum[0] += *it.Numerator
			sum[1] += *it.Denominator
		}
		if sum != [2]int64{4, 6} || len(items) != 12 {
			t.Errorf("care subsidy by town: %d towns adding up to %v, want 12 towns and 4/6", len(items), sum)
		}
		byCat := func(code, by string) map[string][2]int64 {
			items, err := a.Indicators.Breakdown(ctx, all, code, dist, year, by, "zh")
			if err != nil {
				t.Fatal(err)
			}
			m := map[string][2]int64{}
			for _, it := range items {
				m[it.Key] = [2]int64{*it.Numerator, *it.Denominator}
			}
			return m
		}
		if m := byCat("medical_insurance_rate", "category"); m["4"] != [2]int64{2, 3} || m["2"] != [2]int64{1, 2} {
			t.Errorf("medical by category: %v (want physical 2/3: persons 1, 9 of 1, 9, 11; hearing 1/2)", m)
		}
		if m := byCat("survey_coverage", "age_band"); m["6-15"] != [2]int64{2, 2} || m["75+"] != [2]int64{1, 1} || m["30-44"] != [2]int64{4, 4} || m["45-59"] != [2]int64{1, 2} {
			t.Errorf("survey coverage by age band: %v", m)
		}
		if m := byCat("pension_insurance_rate", "sex"); m["M"][1]+m["F"][1] != 8 {
			t.Errorf("pension by sex does not add up to 8: %v", m)
		}
		if _, err := a.Indicators.Breakdown(ctx, all, "nope", dist, year, "", "zh"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("unknown indicator: %v", err)
		}
		if _, err := a.Indicators.Breakdown(ctx, all, "rehab_rate", dist, year, "colour", "zh"); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("unknown breakdown: %v", err)
		}
	})
}

func TestScope(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a := newApp(t, d)
		loadFixture(t, a)
		ctx := context.Background()
		townScope := orgunit.ScopeOf(town)
		if _, err := a.Indicators.Indicators(ctx, townScope, vA, year, "zh"); err != nil {
			t.Fatalf("a village of the town: %v", err)
		}
		for _, u := range []string{dist, town2, vC, "320583"} {
			if _, err := a.Indicators.Indicators(ctx, townScope, u, year, "zh"); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("town staff asking for %s: %v, want not found", u, err)
			}
		}
		api := &indicators.API{Store: a.Indicators, Registry: a.Registry}
		c := access.Caller{Scope: townScope}
		ps, total, _, err := api.Gap(ctx, c, "employment_rate", town, year, 50, "")
		if err != nil || total != 1 || len(ps) != 1 || ps[0].Name != "指标2" {
			t.Fatalf("employment gap of the town: %d %v %v", total, ps, err)
		}
		if ps[0].IDNumberMasked == "" || len(ps[0].IDNumberMasked) != 18 || ps[0].IDNumberMasked[6:14] != "********" {
			t.Errorf("gap list shows the ID number unmasked or not at all: %q", ps[0].IDNumberMasked)
		}
		ps, total, _, _ = api.Gap(ctx, c, "survey_coverage", town, year, 50, "")
		if total != 1 || ps[0].Name != "指标8" {
			t.Errorf("survey gap: %d %v", total, ps)
		}
		if _, _, _, err := api.Gap(ctx, c, "employment_rate", town2, year, 50, ""); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("gap of another town: %v", err)
		}
		// The district's gap: person 10 (moved out, unemployed graduate) is in it.
		ps, total, _, _ = api.Gap(ctx, access.Caller{Scope: orgunit.ScopeOf(dist)}, "graduate_employment_rate", dist, year, 50, "")
		if total != 1 || ps[0].Name != "指标10" {
			t.Errorf("graduate gap of the district: %d %v", total, ps)
		}
	})
}

// TestFreshness changes the fixture through each kind of write and expects the
// next read to show it.
func TestFreshness(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a := newApp(t, d)
		f := loadFixture(t, a)
		ctx := context.Background()
		sys := access.Caller{Scope: all}
		value := func(unit, code string) [2]int64 {
			t.Helper()
			res, err := a.Indicators.Indicators(ctx, all, unit, year, "zh")
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range res.Items {
				if it.Code == code {
					return [2]int64{*it.Numerator, *it.Denominator}
				}
			}
			t.Fatalf("no %s", code)
			return [2]int64{}
		}
		// An annual record through the store (API and form use it).
		if _, _, err := a.Registry.PutAnnual(ctx, sys, f.ids[8], registry.Annual{Year: year, Employment: "employed", MedicalInsured: true}); err != nil {
			t.Fatal(err)
		}
		if got := value(town, "survey_coverage"); got != [2]int64{8, 8} {
			t.Errorf("after the annual record of person 8: survey %v, want 8/8", got)
		}
		if got := value(dist, "employment_rate"); got != [2]int64{4, 6} {
			t.Errorf("after the annual record of person 8: employment %v, want 4/6", got)
		}
		// A change to a person: grade 4 → 2 makes person 11 eligible for the care subsidy.
		p, _ := a.Registry.Get(ctx, sys, f.ids[11])
		patch := map[string]json.RawMessage{"version": json.RawMessage(fmt.Sprint(p.Version)), "grade": json.RawMessage("2")}
		if _, err := a.Registry.Patch(ctx, sys, f.ids[11], patch); err != nil {
			t.Fatal(err)
		}
		if got := value(dist, "care_subsidy_coverage"); got != [2]int64{4, 7} {
			t.Errorf("after the grade change: care %v, want 4/7", got)
		}
		// Moving out takes the person out of the survey's denominator.
		p, _ = a.Registry.Get(ctx, sys, f.ids[9])
		patch = map[string]json.RawMessage{"version": json.RawMessage(fmt.Sprint(p.Version)), "status": json.RawMessage(`"moved_out"`)}
		if _, err := a.Registry.Patch(ctx, sys, f.ids[9], patch); err != nil {
			t.Fatal(err)
		}
		if got := value(town2, "survey_coverage"); got != [2]int64{1, 1} {
			t.Errorf("after moving out: survey of town 2 %v, want 1/1", got)
		}
		// A new person: active, no record.
		_, err := a.Registry.Create(ctx, sys, registry.PersonInput{Name: "新人", IDNumber: idNumber("310114", "19910101", 77), Category: 1, Grade: 4, OrgUnit: vB})
		if err != nil {
			t.Fatal(err)
		}
		if got := value(town, "survey_coverage"); got != [2]int64{8, 9} {
			t.Errorf("after a new person: survey %v, want 8/9", got)
		}
		// An annual import: the new person's record, employed and insured.
		csv := "身份证号,就业状况,参加养老保险,参加医疗保险\n" + idNumber("310114", "19910101", 77) + ",employed,是,是\n"
		src, err := tabular.OpenCSV(strings.NewReader(csv))
		if err != nil {
			t.Fatal(err)
		}
		if res, err := a.Registry.ImportAnnual(ctx, sys, src, registry.ImportOptions{Year: year}); err != nil || res.Report.RejectedRows > 0 {
			t.Fatalf("annual import: %v %+v", err, res)
		}
		if got := value(town, "survey_coverage"); got != [2]int64{9, 9} {
			t.Errorf("after the annual import: survey %v, want 9/9", got)
		}
		if got := value(town, "pension_insurance_rate"); got != [2]int64{6, 8} {
			t.Errorf("after the annual import: pension %v, want 6/8 (5/6 of the fixture, person 8 uninsured, the new person insured)", got)
		}
		// A person import: the new person moves to village C.
		csv = "身份证号,姓名,残疾类别,残疾等级,所属村居\n" + idNumber("310114", "19910101", 77) + ",新人,1,4," + vC + "\n"
		if src, err = tabular.OpenCSV(strings.NewReader(csv)); err != nil {
			t.Fatal(err)
		}
		if res, err := a.Registry.ImportPersons(ctx, sys, src, registry.ImportOptions{}); err != nil || res.Report.Updated != 1 {
			t.Fatalf("person import: %v %+v", err, res)
		}
		if got := value(town2, "survey_coverage"); got != [2]int64{2, 2} {
			t.Errorf("after the person import: survey of town 2 %v, want 2/2", got)
		}
		if got := value(town, "survey_coverage"); got != [2]int64{8, 8} {
			t.Errorf("after the person import: survey of the town %v, want 8/8", got)
		}
		if m, err := a.Indicators.Check(ctx, 10); err != nil || len(m) > 0 {
			t.Fatalf("rollups differ from a recomputation: %v %+v", err, m)
		}
	})
}

// TestRandomData: on random persons and records, every unit equals the sum of
// its children, the rollups equal a full recomputation, and a rebuild changes
// nothing.
func TestRandomData(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a := newApp(t, d)
		ctx := context.Background()
		sys := access.Caller{Scope: all}
		rng := rand.New(rand.NewPCG(7, 11))
		villages := []string{vA, vB, vC}
		emps := []string{"employed", "unemployed", "unable", "not_seeking", "student", "retired"}
		econs := []string{"normal", "dibao", "near_dibao", "tekun"}
		statuses := []string{"active", "active", "active", "moved_out", "deceased"}
		for i := range 150 {
			birth := fmt.Sprintf("%04d0%d1%d", 1940+rng.IntN(80), 1+rng.IntN(9), rng.IntN(9))
			p, err := a.Registry.Create(ctx, sys, registry.PersonInput{Name: fmt.Sprintf("随机%d", i), IDNumber: idNumber("310114", birth, i),
				Category: 1 + rng.IntN(7), Grade: 1 + rng.IntN(4), OrgUnit: villages[rng.IntN(3)], Hukou: []string{"local", "nonlocal"}[rng.IntN(2)],
				Status: statuses[rng.IntN(len(statuses))]})
			if err != nil {
				t.Fatal(err)
			}
			for _, y := range []int{year - 1, year} {
				if rng.IntN(5) == 0 {
					continue
				}
				b := func() bool { return rng.IntN(2) == 0 }
				rec := registry.Annual{Year: y, OrgUnit: villages[rng.IntN(3)], Employment: emps[rng.IntN(len(emps))], EconomicStatus: econs[rng.IntN(4)],
					CollegeGraduate: b(), SchoolEnrolled: b(), RehabNeed: b(), RehabReceived: b(), DeviceNeed: b(), DeviceReceived: b(),
					PensionInsured: b(), MedicalInsured: b(), CultureSports: b(), LivingSubsidyReceived: b(), CareSubsidyReceived: b()}
				if b() {
					rec.HouseholdIncomePerCapita = income(int64(rng.IntN(90000)))
				}
				if _, _, err := a.Registry.PutAnnual(ctx, sys, p.ID, rec); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, code := range []string{"survey_coverage", "employment_rate", "living_subsidy_coverage", "care_subsidy_coverage", "income_per_capita", "rehab_rate"} {
			for _, parent := range []string{dist, town} {
				for _, y := range []int{year - 1, year} {
					res, err := a.Indicators.Indicators(ctx, all, parent, y, "zh")
					if err != nil {
						t.Fatal(err)
					}
					var whole indicators.Item
					for _, it := range res.Items {
						if it.Code == code {
							whole = it
						}
					}
					items, err := a.Indicators.Breakdown(ctx, all, code, parent, y, "orgunit", "zh")
					if err != nil {
						t.Fatal(err)
					}
					var n, dd int64
					for _, it := range items {
						n += *it.Numerator
						dd += *it.Denominator
					}
					if n != *whole.Numerator || dd != *whole.Denominator {
						t.Errorf("%s %s %d: children add up to %d/%d, the unit has %d/%d", code, parent, y, n, dd, *whole.Numerator, *whole.Denominator)
					}
					for _, by := range []string{"category", "grade", "sex", "age_band"} {
						items, _ := a.Indicators.Breakdown(ctx, all, code, parent, y, by, "zh")
						var n, dd int64
						for _, it := range items {
							n += *it.Numerator
							dd += *it.Denominator
						}
						if n != *whole.Numerator || dd != *whole.Denominator {
							t.Errorf("%s %s %d by %s: groups add up to %d/%d, the unit has %d/%d", code, parent, y, by, n, dd, *whole.Numerator, *whole.Denominator)
						}
					}
				}
			}
		}
		if m, err := a.Indicators.Check(ctx, 10); err != nil || len(m) > 0 {
			t.Fatalf("rollups differ from a recomputation: %v %+v", err, m)
		}
		before, _ := a.Indicators.Indicators(ctx, all, dist, year, "zh")
		if _, err := a.Indicators.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		after, _ := a.Indicators.Indicators(ctx, all, dist, year, "zh")
		b1, _ := json.Marshal(before)
		b2, _ := json.Marshal(after)
		if !bytes.Equal(b1, b2) {
			t.Errorf("a rebuild changed the figures:\n%s\n%s", b1, b2)
		}
		// The check notices a rollup changed behind the application's back.
		if _, err := d.Exec(ctx, `UPDATE indicator_rollup SET records = records + 1 WHERE year = ? AND dim = 'all' AND orgunit = ?`, year, vA); err != nil {
			t.Fatal(err)
		}
		if m, err := a.Indicators.Check(ctx, 10); err != nil || len(m) != 1 || m[0].Counter != "records" || m[0].OrgUnit != vA {
			t.Fatalf("check after tampering: %v %+v", err, m)
		}
	})
}

func TestTargets(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a := newApp(t, d)
		loadFixture(t, a)
		ctx := context.Background()
		s := a.Indicators
		v := 0.5
		if err := s.SetTarget(ctx, orgunit.ScopeOf(dist), town, year, "rehab_rate", &v, demoActor); err != nil {
			t.Fatal(err)
		}
		t2, src, _ := s.Targets(ctx, vA, year)
		if *t2["rehab_rate"] != 0.5 || src["rehab_rate"] != town || *t2["device_rate"] != 0.85 {
			t.Errorf("village inherits the town's target: %v %v", *t2["rehab_rate"], src)
		}
		res, _ := s.Indicators(ctx, all, vA, year, "zh")
		for _, it := range res.Items {
			if it.Code == "rehab_rate" && (it.Met == nil || !*it.Met) {
				t.Errorf("rehab 1/2 meets a 50%% target: %+v", it)
			}
		}
		bad := 1.5
		if err := s.SetTarget(ctx, orgunit.ScopeOf(dist), town, year, "rehab_rate", &bad, demoActor); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("target 150%%: %v", err)
		}
		if err := s.SetTarget(ctx, orgunit.ScopeOf(town), dist, year, "rehab_rate", &v, demoActor); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("target above one's scope: %v", err)
		}
		// Several at once: all or none, each in the audit log.
		good, worse := 0.7, -1.0
		if err := s.SetTargets(ctx, orgunit.ScopeOf(dist), town, year, map[string]*float64{"device_rate": &good, "employment_rate": &worse}, demoActor); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("a bad target among good ones: %v", err)
		}
		if t4, _, _ := s.Targets(ctx, town, year); *t4["device_rate"] != 0.85 {
			t.Errorf("half a change was saved: device_rate %v", *t4["device_rate"])
		}
		entries, _, err := a.Audit.List(ctx, audit.Filter{SubjectType: "indicator_target"})
		if err != nil || len(entries) != 1 || entries[0].SubjectID != fmt.Sprintf("rehab_rate/%s/%d", town, year) || entries[0].Username != "demo" {
			t.Errorf("target changes in the audit log: %v %+v", err, entries)
		}
		if err := s.SetTarget(ctx, orgunit.ScopeOf(dist), town, year, "rehab_rate", nil, demoActor); err != nil {
			t.Fatal(err)
		}
		if t3, _, _ := s.Targets(ctx, vA, year); *t3["rehab_rate"] != 0.85 {
			t.Errorf("after removing: %v", *t3["rehab_rate"])
		}
	})
}

func TestRules(t *testing.T) {
	base := indicators.Subject{Active: true, LocalHukou: true, Category: 4, Grade: 3, Employment: "employed", EconomicStatus: "normal"}
	cases := []struct {
		name         string
		edit         func(*indicators.Subject)
		living, care int
	}{
		{"grade 3 physical, employed", func(*indicators.Subject) {}, 0, 0},
		{"dibao", func(s *indicators.Subject) { s.EconomicStatus = "dibao" }, 450, 0},
		{"tekun", func(s *indicators.Subject) { s.EconomicStatus = "tekun" }, 450, 0},
		{"near dibao", func(s *indicators.Subject) { s.EconomicStatus = "near_dibao" }, 320, 0},
		{"severe without work", func(s *indicators.Subject) { s.Grade, s.Employment = 2, "unable" }, 450, 180},
		{"severe student", func(s *indicators.Subject) { s.Grade, s.Employment = 1, "student" }, 0, 350},
		{"severe near dibao employed", func(s *indicators.Subject) { s.Grade, s.EconomicStatus = 1, "near_dibao" }, 320, 350},
		{"grade 3 intellectual", func(s *indicators.Subject) { s.Category = 5 }, 0, 180},
		{"grade 3 mental", func(s *indicators.Subject) { s.Category = 6 }, 0, 180},
		{"grade 3 multiple", func(s *indicators.Subject) { s.Category = 7 }, 0, 0},
		{"non-local dibao", func(s *indicators.Subject) { s.EconomicStatus, s.LocalHukou = "dibao", false }, 0, 0},
		{"inactive grade 1", func(s *indicators.Subject) { s.Grade, s.Active = 1, false }, 0, 0},
	}
	for _, c := range cases {
		s := base
		c.edit(&s)
		if l, k := indicators.LivingSubsidy(s), indicators.CareSubsidy(s); l != c.living || k != c.care {
			t.Errorf("%s: living %d care %d, want %d %d", c.name, l, k, c.living, c.care)
		}
	}
	for age, band := range map[int]string{0: "0-5", 5: "0-5", 6: "6-15", 15: "6-15", 16: "16-29", 59: "45-59", 60: "60-74", 75: "75+", 101: "75+"} {
		if got := indicators.AgeBand(age); got != band {
			t.Errorf("age %d: band %s, want %s", age, got, band)
		}
	}
	// Numerator bits only within the denominator.
	s := indicators.Subject{Age: 70, Employment: "employed", RehabReceived: true}
	if b := indicators.Bits(s); b&(1<<9) != 0 {
		t.Errorf("rehab received without need counts in the numerator: %b", b)
	}
}
