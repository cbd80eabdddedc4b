package indicators

import (
	"strings"
	"testing"
)

func fp(v float64) *float64 { return &v }

func ip(v int64) *int64 { return &v }

func defFor(t *testing.T, code string) Def {
	t.Helper()
	d, ok := DefOf(code)
	if !ok {
		t.Fatalf("no indicator %s", code)
	}
	return d
}

func TestFormatFigures(t *testing.T) {
	zh, en := fmtr{"zh"}, fmtr{"en"}
	rate, income, renov := defFor(t, "rehab_rate"), defFor(t, "income_per_capita"), defFor(t, "home_renovation_households")
	for _, c := range []struct{ got, want string }{
		{groupDigits(0), "0"},
		{groupDigits(999), "999"},
		{groupDigits(18750), "18,750"},
		{groupDigits(1234567), "1,234,567"},
		{groupDigits(-18750), "-18,750"},
		{zh.value(rate, fp(0.85)), "85.0%"},
		{zh.value(rate, fp(0.83049)), "83.0%"},
		{zh.value(rate, fp(0.8305)), "83.1%"},
		{zh.value(rate, fp(1)), "100.0%"},
		{zh.value(rate, fp(0)), "0.0%"},
		{zh.value(rate, nil), "无数据"},
		{en.value(rate, nil), "no data"},
		{zh.value(income, fp(18750.4)), "18,750 元"},
		{en.value(income, fp(18750.4)), "18,750 yuan"},
		{zh.value(renov, fp(12)), "12 户"},
		{en.target(rate, nil), "not set"},
		{zh.target(rate, fp(0.9)), "90.0%"},
		{zh.change(fp(0.023)), "+2.3 个百分点（上升）"},
		{en.change(fp(-0.015)), "-1.5 percentage points (fall)"},
		{en.change(fp(0.0001)), "0.0 percentage points (no change)"},
		{zh.change(nil), "无法比较（缺少一年的数据）"},
		{zh.trend(rate, []int{2025, 2026}, []*float64{fp(0.801), fp(0.83)}), "2025 年 80.1% → 2026 年 83.0%"},
		{en.trend(rate, []int{2025, 2026}, []*float64{nil, fp(0.83)}), "2025: no data → 2026: 83.0%"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	yes, no := true, false
	for _, c := range []struct {
		it   Item
		want string
	}{
		{Item{Value: fp(0.9), Target: fp(0.85), Met: &yes}, "met"},
		{Item{Value: fp(0.8), Target: fp(0.85), Met: &no}, "not met"},
		{Item{Value: nil, Target: fp(0.85)}, "cannot tell (no data)"},
		{Item{Value: fp(3)}, "no target"},
		// A rate that misses its target says how many more persons it needs ...
		{Item{Numerator: ip(80), Denominator: ip(100), Value: fp(0.8), Target: fp(0.85), Met: &no, Gap: ip(20)}, "not met (5 more persons needed)"},
		{Item{Numerator: ip(899), Denominator: ip(1000), Value: fp(0.899), Target: fp(0.9), Met: &no, Gap: ip(101)}, "not met (1 more persons needed)"},
		// ... and one that meets it has no gap to its target, whoever is not yet reached.
		{Item{Numerator: ip(90), Denominator: ip(100), Value: fp(0.9), Target: fp(0.85), Met: &yes, Gap: ip(10)}, "met"},
	} {
		rate, _ := DefOf("rehab_rate")
		if got := en.met(rate, c.it); got != c.want {
			t.Errorf("met(%+v) = %q, want %q", c.it, got, c.want)
		}
	}
}

func TestParseTarget(t *testing.T) {
	rate, income, renov := defFor(t, "rehab_rate"), defFor(t, "income_per_capita"), defFor(t, "home_renovation_households")
	for _, c := range []struct {
		d    Def
		in   string
		want *float64 // nil with ok: empty
		ok   bool
	}{
		{rate, "", nil, true},
		{rate, "  ", nil, true},
		{rate, "85", fp(0.85), true},
		{rate, "85%", fp(0.85), true},
		{rate, " 87.5 ％", fp(0.875), true},
		{rate, "100", fp(1), true},
		{rate, "0", fp(0), true},
		{rate, "120", nil, false},
		{rate, "-1", nil, false},
		{rate, "abc", nil, false},
		{rate, "NaN", nil, false},
		{rate, "1e2", nil, false},
		{rate, "0.8", nil, false}, // a fraction: refused, 80 suggested
		{rate, "0.8%", fp(0.008), true},
		{rate, "1", fp(0.01), true},
		{income, "1.875万", fp(18750), true},
		{income, "18,750.50", fp(18750.5), true},
		{income, "abc", nil, false},
		{income, "18,750", fp(18750), true},
		{income, "18750 元", fp(18750), true},
		{income, "-5", nil, false},
		{renov, "12", fp(12), true},
		{renov, "12户", fp(12), true},
		{renov, "3.5", nil, false},
	} {
		got, fe := parseTarget(c.d, c.d.Code, c.in)
		switch {
		case c.ok && fe != nil:
			t.Errorf("%s %q: error %v", c.d.Code, c.in, fe.Msg)
		case !c.ok && fe == nil:
			t.Errorf("%s %q: no error, got %v", c.d.Code, c.in, got)
		case !c.ok:
			if fe.Field != c.d.Code || !strings.Contains(fe.Msg.Zh, c.d.Zh) {
				t.Errorf("%s %q: error %+v should name the field and the indicator", c.d.Code, c.in, fe)
			}
		case (got == nil) != (c.want == nil) || got != nil && *got != *c.want:
			t.Errorf("%s %q: got %v, want %v", c.d.Code, c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		d    Def
		t    *float64
		want string
	}{
		{rate, nil, ""}, {rate, fp(0.85), "85"}, {rate, fp(0.875), "87.5"}, {rate, fp(0.07), "7"}, {rate, fp(0.005), "0.5%"}, {income, fp(18750), "18750"},
	} {
		if got := targetInput(c.d, c.t); got != c.want {
			t.Errorf("targetInput(%s, %v) = %q, want %q", c.d.Code, c.t, got, c.want)
		}
		// What the form shows reads back as the same target.
		if back, fe := parseTarget(c.d, c.d.Code, targetInput(c.d, c.t)); fe != nil || (back == nil) != (c.t == nil) || back != nil && *back != *c.t {
			t.Errorf("round trip of %v: %v %v", c.t, back, fe)
		}
	}
}

// A rate typed as a fraction is refused with the percentage it likely means,
// quoting what was typed, never stored as 0.8%.
func TestParseTargetFraction(t *testing.T) {
	rate, _ := DefOf("rehab_rate")
	_, fe := parseTarget(rate, "rehab_rate", "0.8")
	if fe == nil || fe.Code != "fraction" || !strings.Contains(fe.Msg.Zh, "请填写 80") || !strings.Contains(fe.Msg.Zh, "“0.8”") ||
		!strings.Contains(fe.Msg.En, "enter 80") || !strings.Contains(fe.Msg.En, "0.8%") {
		t.Fatalf("0.8: %+v", fe)
	}
}

func TestSortItems(t *testing.T) {
	items := []Item{
		{Key: "a", Gap: ip(3), Value: fp(0.9)},
		{Key: "b", Gap: ip(10), Value: nil},
		{Key: "c", Gap: ip(3), Value: fp(0.5)},
		{Key: "d", Gap: ip(0), Value: fp(0.7)},
	}
	keys := func() string {
		var b strings.Builder
		for _, it := range items {
			b.WriteString(it.Key)
		}
		return b.String()
	}
	for _, c := range []struct{ by, want string }{{"gap", "bacd"}, {"value", "cdab"}, {"name", "abcd"}} {
		sortItems(items, c.by)
		if got := keys(); got != c.want {
			t.Errorf("sort by %s: %s, want %s", c.by, got, c.want)
		}
	}
}

func TestLink(t *testing.T) {
	if got := link("/indicators", "orgunit", "310114", "year", 2026, "sort", ""); got != "/indicators?orgunit=310114&year=2026" {
		t.Errorf("link: %s", got)
	}
	if got := link("/indicators"); got != "/indicators" {
		t.Errorf("link without parameters: %s", got)
	}
}
