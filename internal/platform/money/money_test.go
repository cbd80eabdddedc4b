package money

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAmount(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		err  error
	}{
		{"5500", 550000, nil}, {"5,500", 550000, nil}, {"5，500", 550000, nil}, {"5500元", 550000, nil},
		{"¥5,500.50", 550050, nil}, {"5.6万", 5600000, nil}, {"1.2万元", 1200000, nil}, {"５５００", 550000, nil},
		{"  5500  ", 550000, nil}, {"\u30005500\u3000", 550000, nil}, {"0", 0, nil}, {"0.05", 5, nil}, {"8500.5", 850050, nil},
		{"120,000.00", 12000000, nil}, {"12，500", 1250000, nil}, {" ¥ 1 200 元 ", 120000, nil}, {"￥3.1", 310, nil},
		{"１２，５００．５０", 1250050, nil}, {"5万", 5000000, nil}, {"0.0001万", 100, nil}, {"1.234567万", 1234567, nil},
		{"1,234,567.89", 123456789, nil}, {"-5", -500, nil}, {"－5.5", -550, nil}, {"¥-5", -500, nil}, {"007", 700, nil},
		{"1000000000000", MaxCents, nil}, {"1亿", 0, ErrNotAmount},
		{"", 0, ErrNotAmount}, {"abc", 0, ErrNotAmount}, {"12a", 0, ErrNotAmount}, {"1e3", 0, ErrNotAmount},
		{"1.2.3", 0, ErrNotAmount}, {".5", 0, ErrNotAmount}, {"5.", 0, ErrNotAmount}, {"5,50", 0, ErrNotAmount},
		{"1,2345", 0, ErrNotAmount}, {",500", 0, ErrNotAmount}, {"5,500 000", 0, ErrNotAmount}, {"5,,500", 0, ErrNotAmount},
		{"5 500,000", 0, ErrNotAmount}, {"元", 0, ErrNotAmount}, {"¥", 0, ErrNotAmount}, {"5元万", 0, ErrNotAmount},
		{"--5", 0, ErrNotAmount}, {"+5", 0, ErrNotAmount}, {"5-", 0, ErrNotAmount}, {"NaN", 0, ErrNotAmount}, {"0x10", 0, ErrNotAmount},
		{"5.123", 0, ErrDecimals}, {"1.2345678万", 0, ErrDecimals},
		{"1000000000000.01", 0, ErrTooLarge}, {"99999999999999999999", 0, ErrTooLarge}, {"100000001万", 0, ErrTooLarge},
	} {
		got, err := Amount(c.in)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("Amount(%q) = %d, %v; want %v", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Amount(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

func TestParseRefusesNegative(t *testing.T) {
	if got, err := Parse("-5"); err == nil {
		t.Errorf("Parse(-5) = %d, want an error", got)
	}
	if got, err := Parse("5,500"); err != nil || got != 550000 {
		t.Errorf("Parse(5,500) = %d, %v", got, err)
	}
}

func TestYuan(t *testing.T) {
	for cents, want := range map[int64]string{0: "0.00", 5: "0.05", 50: "0.50", 21600000: "216000.00", -5: "-0.05", -12345: "-123.45"} {
		if got := Yuan(cents); got != want {
			t.Errorf("Yuan(%d) = %q, want %q", cents, got, want)
		}
	}
}

func TestGrouped(t *testing.T) {
	for cents, want := range map[int64]string{0: "0.00", 5: "0.05", 1250050: "12,500.50", 100000: "1,000.00", 99999: "999.99",
		-123456789: "-1,234,567.89", MaxCents: "1,000,000,000,000.00"} {
		if got := Grouped(cents); got != want {
			t.Errorf("Grouped(%d) = %q, want %q", cents, got, want)
		}
	}
}

func TestFieldRead(t *testing.T) {
	wage := Field{Name: "monthly_wage", Zh: "月薪", En: "The monthly wage", Max: 1_000_000_00, Whole: true}
	for _, c := range []struct {
		f            Field
		typed        string
		cents        int64
		given        bool
		code, zh, en string // the error's code and words both messages hold
	}{
		{wage, "", 0, false, "", "", ""},
		{wage, "   ", 0, false, "", "", ""},
		{wage, "5,500", 550000, true, "", "", ""},
		{wage, "5.6万", 5600000, true, "", "", ""},
		{wage, "abc", 0, true, "format", "月薪：“abc”不是金额", "The monthly wage: “abc” is not an amount"},
		{wage, "5500.50", 0, true, "format", "“5500.50”不是整数元", "“5500.50” is not a whole number of yuan"},
		{wage, "200万", 0, true, "range", "“200万”超过上限 1,000,000.00 元", "more than the limit of 1,000,000.00 yuan"},
		{wage, "-5", 0, true, "format", "“-5”是负数", "“-5” is negative"},
		{wage, "1.2.3", 0, true, "format", "“1.2.3”不是金额", "“1.2.3” is not an amount"},
		{Field{Name: "cost", Zh: "费用", En: "Cost"}, "5.123", 0, true, "format", "“5.123”的小数超过两位", "“5.123” has more than two decimals"},
		{Field{Name: "cost", Zh: "费用", En: "Cost"}, "¥5,500.50", 550050, true, "", "", ""},
		{Field{Name: "cost", Zh: "费用", En: "Cost"}, "99999999999999999999", 0, true, "range", "超过上限", "more than the limit"},
		{Field{Name: "delta", Zh: "差额", En: "Difference", Negative: true, Max: 100_00}, "-5", -500, true, "", "", ""},
		{Field{Name: "delta", Zh: "差额", En: "Difference", Negative: true, Max: 100_00}, "-500", 0, true, "range", "低于下限 -100.00 元", "less than the limit"},
	} {
		cents, given, fe := c.f.Read(c.typed)
		if cents != c.cents || given != c.given {
			t.Errorf("%s.Read(%q) = %d, %v; want %d, %v", c.f.Name, c.typed, cents, given, c.cents, c.given)
		}
		if c.code == "" {
			if fe != nil {
				t.Errorf("%s.Read(%q): unexpected error %+v", c.f.Name, c.typed, fe)
			}
			continue
		}
		if fe == nil {
			t.Errorf("%s.Read(%q): want a %s error", c.f.Name, c.typed, c.code)
			continue
		}
		if fe.Field != c.f.Name || fe.Code != c.code || !strings.Contains(fe.Msg.Zh, c.zh) || !strings.Contains(fe.Msg.En, c.en) {
			t.Errorf("%s.Read(%q) = %+v; want %s with %q / %q", c.f.Name, c.typed, fe, c.code, c.zh, c.en)
		}
	}
}

// The error quotes at most 40 characters of what was typed.
func TestFieldReadQuotesShort(t *testing.T) {
	_, _, fe := Field{Name: "x", Zh: "x", En: "x"}.Read(strings.Repeat("字", 100))
	if fe == nil || utf8.RuneCountInString(fe.Msg.Zh) > 120 || !strings.Contains(fe.Msg.Zh, strings.Repeat("字", 40)+"…") {
		t.Fatalf("long input: %+v", fe)
	}
}

// FuzzAmount: whatever is read is within bounds and reads back from its own
// formatting (plain and grouped); a field never accepts what Amount refuses,
// and every refusal is a field error quoting what was typed.
func FuzzAmount(f *testing.F) {
	for _, s := range []string{"0", "12,500.50", "¥ 1 200 元", "5.", "-1", "9999999999999.99", "1e3", "０", "5.6万", "1.2万元",
		"５５００", "5，500", "1,2345", "－5", "¥-5", "1000000000000", "0.000001万"} {
		f.Add(s)
	}
	fld := Field{Name: "amount", Zh: "金额", En: "Amount"}
	f.Fuzz(func(t *testing.T, s string) {
		cents, err := Amount(s)
		_, given, fe := fld.Read(s)
		if err != nil {
			if given && fe == nil {
				t.Fatalf("Read(%q) accepted what Amount refused: %v", s, err)
			}
			if fe != nil && !strings.Contains(fe.Msg.Zh, quote(s)) {
				t.Fatalf("Read(%q): the message %q does not quote the input", s, fe.Msg.Zh)
			}
			return
		}
		if cents > MaxCents || cents < -MaxCents {
			t.Fatalf("Amount(%q) = %d, out of bounds", s, cents)
		}
		for _, out := range []string{Yuan(cents), Grouped(cents), "¥" + Grouped(cents) + "元"} {
			if back, err := Amount(out); err != nil || back != cents {
				t.Fatalf("Amount(%q) = %d, %v; want %d (from %q)", out, back, err, cents, s)
			}
		}
		if cents >= 0 && fe != nil {
			t.Fatalf("Read(%q) refused %d: %+v", s, cents, fe)
		}
	})
}
