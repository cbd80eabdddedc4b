package employment

import (
	"testing"
)

func TestCalculate(t *testing.T) {
	def := DefaultParams()
	social := def
	social.SocialAverageWageCents = 100000_00
	single := def
	single.DoubleCountSevere = false
	grades := func(g int, n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = g
		}
		return out
	}
	tests := []struct {
		name                string
		p                   Params
		in                  Input
		required, shortfall string
		counted             int
		wageBase, gross     string
		ratio               string
		rateBP              int
		due                 string
		exempt              bool
	}{
		// DOMAIN.md §5's worked example.
		{"worked example", social, Input{Year: 2026, Staff: 200, AverageWageCents: 120000_00, Grades: []int{3}},
			"3", "2", 1, "120000.00", "240000.00", "0.005", 9000, "216000.00", false},
		{"exempt at 30 staff", social, Input{Year: 2026, Staff: 30, AverageWageCents: 100000_00},
			"0.45", "0.45", 0, "100000.00", "45000.00", "0", 9000, "0.00", true},
		{"not exempt at 31 staff", social, Input{Year: 2026, Staff: 31, AverageWageCents: 100000_00},
			"0.465", "0.465", 0, "100000.00", "46500.00", "0", 9000, "41850.00", false},
		{"exemption ends after its last year", social, Input{Year: 2028, Staff: 30, AverageWageCents: 100000_00},
			"0.45", "0.45", 0, "100000.00", "45000.00", "0", 9000, "40500.00", false},
		// 300 staff need 4.5; one grade-2 employee counts 2: shortfall 2.5, ratio 2/300 < 1%.
		{"double counting of a severe grade", social, Input{Year: 2026, Staff: 300, AverageWageCents: 80000_00, Grades: []int{2}},
			"4.5", "2.5", 2, "80000.00", "200000.00", "0.0067", 9000, "180000.00", false},
		{"without double counting", single, Input{Year: 2026, Staff: 300, AverageWageCents: 80000_00, Grades: []int{2}},
			"4.5", "3.5", 1, "80000.00", "280000.00", "0.0033", 9000, "252000.00", false},
		// A wage of 250,000 is capped at twice the social average, 200,000.
		{"wage cap", social, Input{Year: 2026, Staff: 200, AverageWageCents: 250000_00, Grades: []int{3}},
			"3", "2", 1, "200000.00", "400000.00", "0.005", 9000, "360000.00", false},
		{"no cap without a social average", def, Input{Year: 2026, Staff: 200, AverageWageCents: 250000_00, Grades: []int{3}},
			"3", "2", 1, "250000.00", "500000.00", "0.005", 9000, "450000.00", false},
		// 200 staff, two grade-3: ratio exactly 1% → 50%.
		{"reduced rate at exactly 1%", social, Input{Year: 2026, Staff: 200, AverageWageCents: 120000_00, Grades: []int{3, 4}},
			"3", "1", 2, "120000.00", "120000.00", "0.01", 5000, "60000.00", false},
		{"full rate just below 1%", social, Input{Year: 2026, Staff: 201, AverageWageCents: 120000_00, Grades: []int{3, 4}},
			"3.015", "1.015", 2, "120000.00", "121800.00", "0.01", 9000, "109620.00", false},
		{"zero shortfall", social, Input{Year: 2026, Staff: 200, AverageWageCents: 120000_00, Grades: []int{1, 4}},
			"3", "0", 3, "120000.00", "0.00", "0.015", 5000, "0.00", false},
		{"more than required", social, Input{Year: 2026, Staff: 100, AverageWageCents: 120000_00, Grades: grades(1, 3)},
			"1.5", "0", 6, "120000.00", "0.00", "0.06", 5000, "0.00", false},
		// 0.465 × 33,333.33 = 15,499.99845 gross → 15,500.00; × 90% = 13,949.998605 → 13,950.00 (half up).
		{"rounding to the cent", social, Input{Year: 2026, Staff: 31, AverageWageCents: 33333_33},
			"0.465", "0.465", 0, "33333.33", "15500.00", "0", 9000, "13950.00", false},
		// 0.465 × 10,000.01 = 4,650.00465 → × 90% = 4,185.004185 → 4,185.00 (down).
		{"rounding down below half a cent", social, Input{Year: 2026, Staff: 31, AverageWageCents: 10000_01},
			"0.465", "0.465", 0, "10000.01", "4650.00", "0", 9000, "4185.00", false},
		// 100 staff (1.5) with 1 grade-3 → s 0.5, ratio 1% → 50%: 0.5 × 0.03 yuan = 0.015 × 50% = 0.0075 → 0.01.
		{"half a cent rounds up", social, Input{Year: 2026, Staff: 100, AverageWageCents: 3, Grades: []int{3}},
			"1.5", "0.5", 1, "0.03", "0.02", "0.01", 5000, "0.01", false},
		{"no staff", Params{QuotaBP: 150, RateBelowBP: 9000, RateAtOrAboveBP: 5000, ThresholdBP: 100}, Input{Staff: 0, AverageWageCents: 100},
			"0", "0", 0, "1.00", "0.00", "0", 9000, "0.00", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Calculate(tc.p, tc.in)
			o := OutcomeOf(r)
			got := []string{string(o.Required), string(o.Shortfall), o.WageBase, o.Gross, string(o.Ratio), o.Due}
			want := []string{tc.required, tc.shortfall, tc.wageBase, tc.gross, tc.ratio, tc.due}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("required, shortfall, wage base, gross, ratio, due: got %v, want %v", got, want)
					break
				}
			}
			if r.Counted != tc.counted || r.RateBP != tc.rateBP || r.Exempt != tc.exempt {
				t.Errorf("counted %d rate %d exempt %v, want %d %d %v", r.Counted, r.RateBP, r.Exempt, tc.counted, tc.rateBP, tc.exempt)
			}
		})
	}
}

func TestShortfallPeople(t *testing.T) {
	p := DefaultParams()
	for _, tc := range []struct {
		staff  int
		grades []int
		want   int
	}{{200, nil, 3}, {200, []int{3}, 2}, {201, []int{3}, 3}, {300, []int{2}, 3}, {100, []int{1}, 0}, {0, nil, 0}} {
		if got := Calculate(p, Input{Staff: tc.staff, Grades: tc.grades}).ShortPeople; got != tc.want {
			t.Errorf("staff %d grades %v: short %d people, want %d", tc.staff, tc.grades, got, tc.want)
		}
	}
}

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		code string
	}{{"120000", 12000000, ""}, {"120,000.5", 12000050, ""}, {" 0.01 ", 1, ""}, {"", 0, "required"}, {"-5", 0, "format"}, {"5,500", 550000, ""}, {"1.2万", 1200000, ""}, {"12万元", 12000000, ""}, {"1,00", 0, "format"},
		{"1.234", 0, "format"}, {"abc", 0, "format"}, {"1.", 0, "format"}, {"1e5", 0, "format"}} {
		got, e := ParseMoney("average_wage", tc.in)
		code := ""
		if e != nil {
			code = e.Code
			if e.Field != "average_wage" {
				t.Errorf("%q: field %q", tc.in, e.Field)
			}
		}
		if got != tc.want || code != tc.code {
			t.Errorf("%q: %d %q, want %d %q", tc.in, got, code, tc.want, tc.code)
		}
	}
}

func TestFormats(t *testing.T) {
	if People(45000) != "4.5" || People(0) != "0" || Percent(50) != "0.5%" || Percent(9000) != "90%" {
		t.Fatal(People(45000), People(0), Percent(50), Percent(9000))
	}
}

// TestCalculateBounds: the largest inputs the calculator takes give a sensible,
// non-negative amount (huge ones once gave a negative one), and larger ones
// are refused at their field.
func TestCalculateBounds(t *testing.T) {
	staff := int64(10000000)
	in, _, err := CalcInput(&staff, []byte(`"10000000"`), []byte(`"10000000"`), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := Calculate(DefaultParams(), in)
	if r.Due <= 0 || r.Gross <= 0 || r.Due > r.Gross {
		t.Errorf("largest inputs: due %d, gross %d", r.Due, r.Gross)
	}
	for _, wage := range []string{`"10000000.01"`, `9999999999999`, `"9999999999999.99"`} {
		if _, _, err := CalcInput(&staff, []byte(wage), nil, nil); err == nil {
			t.Errorf("average wage %s accepted", wage)
		}
	}
}
