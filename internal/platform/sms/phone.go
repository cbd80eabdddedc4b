package sms

import (
	"strings"

	"sunshine/internal/platform/safetext"
)

// PhoneError says why a number cannot receive a text message. It wraps
// ErrPermanent: the same number fails again, so a sender skips it with the
// reason (Code for programs, ZH and EN for people).
type PhoneError struct {
	Code string // "empty", "landline", "not_mobile" or "bad_characters"
	ZH   string
	EN   string
}

func (e *PhoneError) Error() string { return "sms: " + e.EN }

// Unwrap makes errors.Is(err, ErrPermanent) true.
func (e *PhoneError) Unwrap() error { return ErrPermanent }

// maxPhoneInput bounds what NormalizePhone looks at: a number with its
// prefix and separators is far shorter.
const maxPhoneInput = 40

// NormalizePhone answers the 11 digits of a mainland China mobile number
// (1, then 3 to 9, then 9 digits) as typed in any common way: full-width
// digits, spaces and dashes between groups, a +86, 0086 or 86 prefix. A
// landline, a service number (400, 800, 95…) or anything else is refused
// with a *PhoneError naming the reason.
func NormalizePhone(s string) (string, error) {
	if len(s) > maxPhoneInput*4 {
		return "", &PhoneError{"not_mobile", "不是手机号码。", "not a mobile phone number"}
	}
	s = safetext.Narrow(strings.TrimSpace(s))
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-':
		case r == '+' && i == 0:
			b.WriteRune(r)
		default:
			return "", &PhoneError{"bad_characters", "号码中有数字以外的字符。", "the number holds characters other than digits"}
		}
	}
	d := b.String()
	switch {
	case d == "" || d == "+":
		return "", &PhoneError{"empty", "没有号码。", "no number"}
	case strings.HasPrefix(d, "+86"):
		d = d[3:]
	case strings.HasPrefix(d, "+"):
		return "", &PhoneError{"not_mobile", "不是中国大陆的手机号码。", "not a mainland China mobile number"}
	case strings.HasPrefix(d, "0086"):
		d = d[4:]
	case strings.HasPrefix(d, "86") && len(d) == 13:
		d = d[2:]
	}
	switch {
	case len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9':
		return d, nil
	case strings.HasPrefix(d, "0") && len(d) >= 10 && len(d) <= 12,
		len(d) == 7 || len(d) == 8,
		strings.HasPrefix(d, "400") || strings.HasPrefix(d, "800") || strings.HasPrefix(d, "95"):
		return "", &PhoneError{"landline", "这是固定电话或服务号码，不能接收短信。", "a landline or service number cannot receive text messages"}
	}
	return "", &PhoneError{"not_mobile", "不是手机号码（应为1开头的11位数字）。", "not a mobile phone number (11 digits starting with 1)"}
}

// ValidPhone reports whether NormalizePhone takes s.
func ValidPhone(s string) bool {
	_, err := NormalizePhone(s)
	return err == nil
}
