// Package money reads and writes amounts of yuan kept as integer cents.
//
// Amounts are read as people write them — "5500", "5,500", "5，500",
// "5500元", "¥5,500.50", "5.6万", "1.2万元", "５５００" — or refused; an
// amount that cannot be read is never taken as 0. Field reads a form input or
// an import cell and names what was typed in its error.
package money

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"sunshine/internal/platform/apperr"
)

// MaxCents bounds every amount Amount reads: ¥1 trillion (10^12 yuan), far
// above any real one, so that sums of many amounts stay within 64 bits.
const MaxCents = 1_000_000_000_000_00

// Yuan formats cents as yuan with two decimals ("216000.00", "-0.05").
func Yuan(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// Grouped formats cents as yuan with thousands separators and two decimals
// ("12,500.50", "-0.05"), the way amounts are shown to people.
func Grouped(cents int64) string {
	s := Yuan(cents)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String() + "." + frac
}

// Why an amount could not be read.
var (
	ErrNotAmount = errors.New("not an amount of yuan")
	ErrDecimals  = errors.New("more decimals than cents")
	ErrTooLarge  = errors.New("amount too large")
)

// Amount reads an amount of yuan as people write it and returns it in cents,
// which may be negative (a leading "-"). It accepts, around the number, spaces,
// a leading "¥" or "￥" and a trailing "元", "万" or "万元"; in the number,
// full-width digits, thousands separators ("," "，" or a space between groups of
// three digits) and a decimal point: at most two decimals for yuan, at most six
// for 万 (ten thousand yuan). Anything else is an error wrapping ErrNotAmount,
// ErrDecimals or ErrTooLarge.
func Amount(s string) (int64, error) {
	t := normalize(s)
	neg := false
	if strings.HasPrefix(t, "-") {
		neg, t = true, strings.TrimSpace(t[1:])
	}
	for _, p := range []string{"¥", "￥"} {
		if strings.HasPrefix(t, p) {
			t = strings.TrimSpace(strings.TrimPrefix(t, p))
			break
		}
	}
	if !neg && strings.HasPrefix(t, "-") { // "¥-5"
		neg, t = true, strings.TrimSpace(t[1:])
	}
	t = strings.TrimSpace(strings.TrimSuffix(t, "元"))
	wan := strings.HasSuffix(t, "万")
	t = strings.TrimSpace(strings.TrimSuffix(t, "万"))
	whole, frac, hasFrac := strings.Cut(t, ".")
	whole, ok := ungroup(whole)
	if !ok || whole == "" || !digits(whole) || hasFrac && (frac == "" || !digits(frac)) {
		return 0, fmt.Errorf("%q: %w", s, ErrNotAmount)
	}
	scale := 2 // decimals kept: cents of yuan, or of 万 (10^4 yuan = 10^6 cents)
	if wan {
		scale = 6
	}
	if len(frac) > scale {
		return 0, fmt.Errorf("%q: %w", s, ErrDecimals)
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole)+scale > 15 { // more than MaxCents' 15 digits
		return 0, fmt.Errorf("%q: %w", s, ErrTooLarge)
	}
	var cents int64
	for _, c := range whole + frac + strings.Repeat("0", scale-len(frac)) {
		cents = cents*10 + int64(c-'0')
	}
	if cents > MaxCents {
		return 0, fmt.Errorf("%q: %w", s, ErrTooLarge)
	}
	if neg {
		cents = -cents
	}
	return cents, nil
}

// Parse reads an amount of yuan as cents, as Amount does, refusing negative
// amounts.
func Parse(s string) (int64, error) {
	cents, err := Amount(s)
	if err == nil && cents < 0 {
		return 0, fmt.Errorf("%q: negative: %w", s, ErrNotAmount)
	}
	return cents, err
}

// normalize trims s and maps full-width digits, signs and separators (as a
// Chinese input method types them) to ASCII, and every kind of space to one.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			r = '0' + (r - '０')
		case r == '，':
			r = ','
		case r == '．':
			r = '.'
		case r == '－' || r == '−':
			r = '-'
		case r == '\u3000' || r == '\u00a0' || r == '\t':
			r = ' '
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// ungroup removes thousands separators from the whole part of a number: the
// first group has one to three digits, every later one exactly three, all
// separated by the same separator (a comma, or one space). ok is false when
// the separators are misplaced ("5,50", "1,2345").
func ungroup(s string) (string, bool) {
	sep := ""
	switch {
	case strings.Contains(s, ","):
		sep = ","
	case strings.Contains(s, " "):
		sep = " "
	default:
		return s, true
	}
	groups := strings.Split(s, sep)
	for i, g := range groups {
		if i == 0 && (len(g) < 1 || len(g) > 3) || i > 0 && len(g) != 3 {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
}

// digits reports whether s is made of ASCII digits only.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Field describes a form input or an import column that takes an amount of
// yuan, for Read.
type Field struct {
	Name   string // the input's name and the error's field, e.g. "monthly_wage"
	Zh, En string // the label errors name the field by, e.g. "月薪", "The monthly wage"
	// Max is the largest amount accepted, in cents (0: MaxCents).
	Max int64
	// Whole takes whole yuan only ("5500", "5.6万"; not "5500.50").
	Whole bool
	// Negative accepts amounts below zero.
	Negative bool
}

// Read reads what was typed into the field. given is false when nothing was
// typed (only spaces): the caller decides what an empty field means. An
// amount that cannot be read, or that is out of the field's bounds, is a field
// error in Chinese and English that quotes what was typed; cents is then 0
// and must not be used.
func (f Field) Read(typed string) (cents int64, given bool, fe *apperr.FieldError) {
	if normalize(typed) == "" {
		return 0, false, nil
	}
	q := quote(typed)
	fail := func(code, zh, en string) (int64, bool, *apperr.FieldError) {
		e := apperr.Field(f.Name, code, f.Zh+"："+zh, f.En+": "+en)
		return 0, true, &e
	}
	example := "例如 5500、5,500、5500.50 或 5.6万"
	exampleEn := "for example 5500, 5,500, 5500.50 or 5.6万 (56,000)"
	if f.Whole {
		example, exampleEn = "例如 5500、5,500 或 5.6万", "for example 5500, 5,500 or 5.6万 (56,000)"
	}
	max := f.Max
	if max <= 0 || max > MaxCents {
		max = MaxCents
	}
	cents, err := Amount(typed)
	switch {
	case errors.Is(err, ErrDecimals) || err == nil && f.Whole && cents%100 != 0:
		if f.Whole {
			return fail("format", "“"+q+"”不是整数元，请填写整数，"+example+"。",
				"“"+q+"” is not a whole number of yuan; enter whole yuan, "+exampleEn+".")
		}
		return fail("format", "“"+q+"”的小数超过两位（金额精确到分），"+example+"。",
			"“"+q+"” has more than two decimals (amounts go to the fen), "+exampleEn+".")
	case errors.Is(err, ErrTooLarge) || err == nil && cents > max:
		return fail("range", "“"+q+"”超过上限 "+Grouped(max)+" 元。", "“"+q+"” is more than the limit of "+Grouped(max)+" yuan.")
	case err != nil:
		return fail("format", "“"+q+"”不是金额，请填写以元为单位的数字，"+example+"。",
			"“"+q+"” is not an amount; enter a number of yuan, "+exampleEn+".")
	case cents < 0 && !f.Negative:
		return fail("format", "“"+q+"”是负数，金额不能小于 0。", "“"+q+"” is negative; the amount cannot be less than 0.")
	case cents < -max:
		return fail("range", "“"+q+"”低于下限 -"+Grouped(max)+" 元。", "“"+q+"” is less than the limit of -"+Grouped(max)+" yuan.")
	}
	return cents, true, nil
}

// quote is what was typed, trimmed and shortened to 40 characters, for an
// error message.
func quote(typed string) string {
	s := strings.TrimSpace(typed)
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return s
}
