package indicators

import (
	"testing"

	"sunshine/internal/identity"
)

func rate(key string, num, den int64) Item {
	gap := den - num
	v := 0.0
	if den > 0 {
		v = float64(num) / float64(den)
	}
	return Item{Code: "employment_rate", Key: key, Numerator: ip(num), Denominator: ip(den), Value: &v, Gap: &gap}
}

// TestSuppressGroups: the primary rule (numerator, denominator or gap of 1
// to 4; zero shown) and the complementary one (a single suppressed group
// takes the next smallest non-empty group with it).
func TestSuppressGroups(t *testing.T) {
	t.Parallel()
	hiddenKeys := func(items []Item) string {
		s := ""
		for _, it := range items {
			if it.Suppressed {
				if it.Numerator != nil || it.Denominator != nil || it.Value != nil || it.Gap != nil || it.Met != nil {
					t.Errorf("%s suppressed but shown: %+v", it.Key, it)
				}
				s += it.Key
			}
		}
		return s
	}
	cases := []struct {
		name  string
		items []Item
		want  string
	}{
		{"one small, complement the next smallest", []Item{rate("a", 20, 20), rate("b", 1, 1), rate("c", 8, 8), rate("d", 0, 0)}, "bc"},
		{"two small, no complement", []Item{rate("a", 20, 20), rate("b", 1, 1), rate("c", 3, 3)}, "bc"},
		{"small gap", []Item{rate("a", 18, 20), rate("b", 10, 10), rate("c", 30, 30)}, "ab"},
		{"small numerator", []Item{rate("a", 2, 20), rate("b", 10, 10), rate("c", 30, 30)}, "ab"},
		{"nothing small", []Item{rate("a", 5, 10), rate("b", 0, 10), rate("c", 0, 0)}, ""},
		{"mean: by its records", []Item{{Code: "income_per_capita", Key: "a", Numerator: ip(30000), Denominator: ip(2)}, {Code: "income_per_capita", Key: "b", Numerator: ip(3), Denominator: ip(9)}}, "ab"},
		{"count", []Item{{Code: "home_renovation_households", Key: "a", Numerator: ip(2)}, {Code: "home_renovation_households", Key: "b", Numerator: ip(0)}}, "a"},
	}
	for _, c := range cases {
		suppressGroups(c.items)
		if got := hiddenKeys(c.items); got != c.want {
			t.Errorf("%s: suppressed %q, want %q", c.name, got, c.want)
		}
	}
	one := []Item{rate("a", 1, 1)}
	suppressFigures(one)
	if !one[0].Suppressed {
		t.Errorf("a single figure of 1 is shown")
	}
}

// TestExactRoles: who sees exact figures — the roles that may read the
// persons behind a gap — and who not: the leader and any other role.
func TestExactRoles(t *testing.T) {
	t.Parallel()
	for _, r := range identity.Roles() {
		want := r == identity.DistrictStaff || r == identity.TownStaff || r == identity.VillageAssistant
		if exact(r) != want {
			t.Errorf("%s: exact %v, want %v", r, exact(r), want)
		}
	}
	if exact("peer") {
		t.Errorf("an unknown (future) role sees exact figures")
	}
	f := fmtr{"zh"}
	it := rate("a", 1, 1)
	hide(&it)
	if f.numerator(Defs[1], it) != "少于5" || (fmtr{"en"}).figure(Defs[1], it) != "<5" {
		t.Errorf("a suppressed cell reads %q / %q", f.numerator(Defs[1], it), (fmtr{"en"}).figure(Defs[1], it))
	}
}
