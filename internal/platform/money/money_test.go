package money

import "testing"

func TestParse(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "120000": 12000000, "8500.5": 850050, "8500.50": 850050, "0.05": 5, "120,000.00": 12000000,
		"１": -1, "12，500": 1250000, " ¥ 1 200 元 ": 120000, "￥3.1": 310, "9999999999999.99": 999999999999999,
		"": -1, ".5": -1, "5.": -1, "5.123": -1, "-5": -1, "1e3": -1, "12a": -1, "10000000000000": -1, "1.2.3": -1,
	} {
		got, err := Parse(in)
		if want < 0 {
			if err == nil {
				t.Errorf("Parse(%q) = %d, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestYuan(t *testing.T) {
	for cents, want := range map[int64]string{0: "0.00", 5: "0.05", 50: "0.50", 21600000: "216000.00", -5: "-0.05", -12345: "-123.45"} {
		if got := Yuan(cents); got != want {
			t.Errorf("Yuan(%d) = %q, want %q", cents, got, want)
		}
	}
}

// FuzzParse: whatever is read is not negative, and reads back from its own
// formatting.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "12,500.50", "¥ 1 200 元", "5.", "-1", "9999999999999.99", "1e3", "０"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cents, err := Parse(s)
		if err != nil {
			return
		}
		if cents < 0 {
			t.Fatalf("Parse(%q) = %d, negative", s, cents)
		}
		if back, err := Parse(Yuan(cents)); err != nil || back != cents {
			t.Fatalf("Parse(Yuan(%d)) = %d, %v", cents, back, err)
		}
	})
}
