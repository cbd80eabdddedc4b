package employment

import (
	"strings"
	"sunshine/internal/platform/safetext"

	"sunshine/internal/platform/apperr"
)

// usccAlphabet is the character set of the unified social credit code
// (GB 32100-2015): digits and capital letters without I, O, S, V, Z. A
// character's value is its index.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are the weights of characters 1–17 (3^(i-1) mod 31).
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCCCheckChar computes the check character of the first 17 characters of a
// unified social credit code; 0 when first17 is not 17 characters of the alphabet.
func USCCCheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := range 17 {
		v := strings.IndexByte(usccAlphabet, first17[i])
		if v < 0 {
			return 0
		}
		sum += v * usccWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return usccAlphabet[c]
}

// ParseUSCC validates a unified social credit code for field (DOMAIN.md §1.3):
// full-width characters are folded (safetext.Narrow), surrounding spaces
// trimmed and lower case accepted; it returns the code in upper case. Error codes in order of checking: "required", "length",
// "charset" (a character outside the alphabet: no I, O, S, V or Z), "checksum".
func ParseUSCC(field, s string) (string, *apperr.FieldError) {
	s = strings.ToUpper(strings.TrimSpace(safetext.Narrow(s)))
	fail := func(code, zh, en string) (string, *apperr.FieldError) {
		e := apperr.Field(field, code, zh, en)
		return "", &e
	}
	switch {
	case s == "":
		return fail("required", "请填写统一社会信用代码。", "Enter the unified social credit code.")
	case len(s) != 18:
		return fail("length", "统一社会信用代码应为18位。", "The unified social credit code has 18 characters.")
	}
	for i := range 18 {
		if strings.IndexByte(usccAlphabet, s[i]) < 0 {
			return fail("charset", "统一社会信用代码只含数字和大写字母（不含 I、O、S、V、Z）。",
				"The unified social credit code has only digits and capital letters (no I, O, S, V or Z).")
		}
	}
	if USCCCheckChar(s[:17]) != s[17] {
		return fail("checksum", "统一社会信用代码的校验位不正确，请核对。", "The check character of the unified social credit code is wrong; check the code.")
	}
	return s, nil
}
