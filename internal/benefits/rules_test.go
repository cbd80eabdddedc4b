package benefits_test

import (
	"strings"
	"testing"

	"sunshine/internal/benefits"
	"sunshine/internal/platform/apperr"
)

// base is a person who gets nothing: local, active certificate, grade 4
// physical, an annual record of a normal, employed household.
func base() benefits.Facts {
	return benefits.Facts{PersonID: 1, Month: "2026-03", Hukou: "local", Status: "active", CertificateIssued: "2020-05-01",
		Category: 4, Grade: 4, BirthYear: 1980, AnnualRecord: true, EconomicStatus: "normal", Employment: "employed"}
}

// TestDecide covers every branch of DOMAIN.md §4 with the seeded rules.
func TestDecide(t *testing.T) {
	rs, err := benefits.NewRuleSet(benefits.SeedRules(), "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		rule   string
		amount int64
	}
	cases := []struct {
		name         string
		edit         func(f *benefits.Facts)
		living, care want
	}{
		{"nothing applies", func(f *benefits.Facts) {}, want{"living_no_clause", 0}, want{"care_no_clause", 0}},
		{"nonlocal hukou", func(f *benefits.Facts) { f.Hukou, f.EconomicStatus, f.Grade = "nonlocal", "dibao", 1 },
			want{"living_local_hukou", 0}, want{"care_local_hukou", 0}},
		{"status not active", func(f *benefits.Facts) { f.Status, f.EconomicStatus, f.Grade = "moved_out", "dibao", 1 },
			want{"living_certificate_active", 0}, want{"care_certificate_active", 0}},
		{"issued exactly 10 years before the month", func(f *benefits.Facts) { f.CertificateIssued, f.Grade = "2016-03-01", 1 },
			want{"living_certificate_active", 0}, want{"care_certificate_active", 0}},
		{"issued 10 years before the day after", func(f *benefits.Facts) { f.CertificateIssued, f.Grade = "2016-03-02", 1 },
			want{"living_no_clause", 0}, want{"care_grade1", 35000}},
		{"no issue date", func(f *benefits.Facts) { f.CertificateIssued, f.Grade = "", 1 },
			want{"living_certificate_active", 0}, want{"care_certificate_active", 0}},
		{"issued after the month", func(f *benefits.Facts) { f.CertificateIssued, f.Grade = "2026-04-01", 1 },
			want{"living_certificate_active", 0}, want{"care_certificate_active", 0}},
		{"dibao", func(f *benefits.Facts) { f.EconomicStatus = "dibao" }, want{"living_dibao", 45000}, want{"care_no_clause", 0}},
		{"tekun", func(f *benefits.Facts) { f.EconomicStatus = "tekun" }, want{"living_tekun", 45000}, want{"care_no_clause", 0}},
		{"near dibao", func(f *benefits.Facts) { f.EconomicStatus = "near_dibao" }, want{"living_near_dibao", 32000}, want{"care_no_clause", 0}},
		{"near dibao, severe without work: the higher", func(f *benefits.Facts) { f.EconomicStatus, f.Grade, f.Employment = "near_dibao", 2, "unable" },
			want{"living_severe_no_work", 45000}, want{"care_grade2", 18000}},
		{"grade 1 without work, both subsidies", func(f *benefits.Facts) { f.Grade, f.Employment = 1, "not_seeking" },
			want{"living_severe_no_work", 45000}, want{"care_grade1", 35000}},
		{"grade 2 unemployed", func(f *benefits.Facts) { f.Grade, f.Employment = 2, "unemployed" }, want{"living_severe_no_work", 45000}, want{"care_grade2", 18000}},
		{"grade 2 retired", func(f *benefits.Facts) { f.Grade, f.Employment = 2, "retired" }, want{"living_severe_no_work", 45000}, want{"care_grade2", 18000}},
		{"grade 1 employed", func(f *benefits.Facts) { f.Grade = 1 }, want{"living_no_clause", 0}, want{"care_grade1", 35000}},
		{"grade 2 student", func(f *benefits.Facts) { f.Grade, f.Employment = 2, "student" }, want{"living_no_clause", 0}, want{"care_grade2", 18000}},
		{"grade 3 without work is not severe", func(f *benefits.Facts) { f.Grade, f.Employment = 3, "unable" }, want{"living_no_clause", 0}, want{"care_no_clause", 0}},
		{"grade 1 without an annual record", func(f *benefits.Facts) { f.Grade, f.AnnualRecord, f.Employment, f.EconomicStatus = 1, false, "", "" },
			want{"living_no_clause", 0}, want{"care_grade1", 35000}},
		{"grade 3 intellectual", func(f *benefits.Facts) { f.Category, f.Grade = 5, 3 }, want{"living_no_clause", 0}, want{"care_grade3_intellectual_mental", 18000}},
		{"grade 3 mental", func(f *benefits.Facts) { f.Category, f.Grade = 6, 3 }, want{"living_no_clause", 0}, want{"care_grade3_intellectual_mental", 18000}},
		{"grade 3 physical", func(f *benefits.Facts) { f.Category, f.Grade = 4, 3 }, want{"living_no_clause", 0}, want{"care_no_clause", 0}},
		{"grade 4 intellectual", func(f *benefits.Facts) { f.Category, f.Grade = 5, 4 }, want{"living_no_clause", 0}, want{"care_no_clause", 0}},
		{"multiple, grade 1", func(f *benefits.Facts) { f.Category, f.Grade, f.Components = 7, 1, []int{1, 4} }, want{"living_no_clause", 0}, want{"care_grade1", 35000}},
		{"multiple, grade 2 dibao", func(f *benefits.Facts) {
			f.Category, f.Grade, f.Components, f.EconomicStatus = 7, 2, []int{2, 3}, "dibao"
		},
			want{"living_dibao", 45000}, want{"care_grade2", 18000}},
		{"multiple, grade 3 with an intellectual component uses its grade", func(f *benefits.Facts) { f.Category, f.Grade, f.Components = 7, 3, []int{4, 5} },
			want{"living_no_clause", 0}, want{"care_no_clause", 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := base()
			c.edit(&f)
			f.Complete()
			d := benefits.Decide(rs, f)
			if len(d.Items) != 2 || d.Items[0].Benefit != benefits.Living || d.Items[1].Benefit != benefits.Care {
				t.Fatalf("items %+v", d.Items)
			}
			for i, w := range []want{c.living, c.care} {
				it := d.Items[i]
				if it.Rule != w.rule || it.AmountCents != w.amount || it.Eligible != (w.amount > 0) {
					t.Errorf("%s: rule %s, amount %d, eligible %v; want %s, %d", it.Benefit, it.Rule, it.AmountCents, it.Eligible, w.rule, w.amount)
				}
				if q := benefits.DecideAmount(rs, it.Benefit, f); q.Rule != it.Rule || q.AmountCents != it.AmountCents || q.Reasons != nil {
					t.Errorf("%s: DecideAmount %+v", it.Benefit, q)
				}
				if len(it.Reasons) < 2 {
					t.Errorf("%s: reasons %v", it.Benefit, it.Reasons)
				}
				for _, r := range it.Reasons {
					if r.Zh == "" || r.En == "" {
						t.Errorf("%s: a reason without both languages: %+v", it.Benefit, r)
					}
				}
			}
		})
	}
}

// TestReasonsNameFacts: the reasons name the facts the deciding rules use.
func TestReasonsNameFacts(t *testing.T) {
	rs, err := benefits.NewRuleSet(benefits.SeedRules(), "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	f := base()
	f.EconomicStatus = "dibao"
	f.Complete()
	it := benefits.DecideBenefit(rs, benefits.Living, f)
	all := func(lang string) string {
		var s []string
		for _, r := range it.Reasons {
			s = append(s, r.In(lang))
		}
		return strings.Join(s, " ")
	}
	for _, w := range []string{"户籍：本地户籍", "残疾证有效", "2026 年度状况：家庭经济状况为“低保”", "适用条款：低保家庭", "450.00"} {
		if !strings.Contains(all("zh"), w) {
			t.Errorf("zh reasons %q lack %q", all("zh"), w)
		}
	}
	for _, w := range []string{"Household registration: local", "economic status minimum living allowance", "450.00 yuan a month"} {
		if !strings.Contains(all("en"), w) {
			t.Errorf("en reasons %q lack %q", all("en"), w)
		}
	}
	g := base()
	g.Grade, g.AnnualRecord = 1, false
	g.Complete()
	it = benefits.DecideBenefit(rs, benefits.Living, g)
	if !strings.Contains(all("en"), "no annual record for 2026") {
		t.Errorf("reasons without a record: %q", all("en"))
	}
}

// TestVersions: a new version takes effect from its month, and the
// highest amount of the rules in force decides.
func TestVersions(t *testing.T) {
	rules := benefits.SeedRules()
	rules = append(rules, benefits.Rule{ID: 100, Code: "living_dibao", Benefit: benefits.Living, Kind: benefits.Grants, Position: 10,
		AmountCents: 48000, Condition: `economic_status == "dibao"`, EffectiveFrom: "2027-01", TitleZh: "低保家庭", TitleEn: "dibao"})
	f := base()
	f.EconomicStatus = "dibao"
	for month, want := range map[string]int64{"2026-12": 45000, "2027-01": 48000, "2027-06": 48000} {
		rs, err := benefits.NewRuleSet(rules, month)
		if err != nil {
			t.Fatal(err)
		}
		g := f
		g.Month = month
		g.Complete()
		if it := benefits.DecideBenefit(rs, benefits.Living, g); it.AmountCents != want || it.Rule != "living_dibao" {
			t.Errorf("%s: %d by %s, want %d", month, it.AmountCents, it.Rule, want)
		}
	}
}

// TestCompile: conditions are type-checked; an error names its position.
func TestCompile(t *testing.T) {
	for cond, want := range map[string]string{
		`grade == 1`:                          "",
		`5 in components && grade <= 3`:       "",
		`age >= 60 && annual_record`:          "",
		`grade ==`:                            "line 1, column 9",
		"grade == 1 &&\n  salary > 3":         "line 2, column 3",
		`grade + 1`:                           "not int",
		`hukou == 1`:                          "line 1, column 7",
		``:                                    "Enter the condition",
		`economic_status == "dibao" || tekun`: "line 1, column 31",
	} {
		_, err := benefits.Compile(cond)
		if want == "" {
			if err != nil {
				t.Errorf("%q: %v", cond, err)
			}
			continue
		}
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "condition" {
			t.Errorf("%q: %v, want a field error of condition", cond, err)
			continue
		}
		msg := e.Fields[0].Msg
		if !strings.Contains(msg.En, want) || msg.Zh == "" || msg.Zh == msg.En {
			t.Errorf("%q: %q / %q, want %q", cond, msg.Zh, msg.En, want)
		}
	}
}

// BenchmarkDecide is the pure decision of both benefits for one person
// (a roster of 600,000 persons decides one benefit for each).
func BenchmarkDecide(b *testing.B) {
	rs, err := benefits.NewRuleSet(benefits.SeedRules(), "2026-03")
	if err != nil {
		b.Fatal(err)
	}
	f := base()
	f.Grade, f.Employment, f.EconomicStatus = 2, "unable", "near_dibao"
	f.Complete()
	b.Run("explained", func(b *testing.B) {
		for b.Loop() {
			benefits.Decide(rs, f)
		}
	})
	b.Run("amount", func(b *testing.B) {
		for b.Loop() {
			benefits.DecideAmount(rs, benefits.Living, f)
			benefits.DecideAmount(rs, benefits.Care, f)
		}
	})
}
