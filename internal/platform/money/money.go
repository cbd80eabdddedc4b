// Package money reads and writes amounts of yuan kept as integer cents.
package money

import (
	"fmt"
	"strconv"
	"strings"
)

// Yuan formats cents as yuan with two decimals ("216000.00", "-0.05").
func Yuan(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// Parse reads an amount typed in yuan as cents: "120000", "8500.5",
// "120,000.00", "¥ 1 200 元". Not negative, at most two decimals, at most
// 13 digits before the point.
func Parse(s string) (int64, error) {
	s = strings.NewReplacer(",", "", "，", "", " ", "", "¥", "", "￥", "", "元", "").Replace(strings.TrimSpace(s))
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(whole) > 13 || hasFrac && (frac == "" || len(frac) > 2) ||
		strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not an amount of yuan", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an amount of yuan: %w", s, err)
	}
	frac += "00"[len(frac):]
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f, nil
}
