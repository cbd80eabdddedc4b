package safetext

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"sunshine/internal/platform/apperr"
)

// Field checks a free-text form field in place: trimmed, required when
// asked, no character that Bad refuses, at most max characters. zh and en
// name the field in the error (nil when the text is fine).
func Field(field string, s *string, required bool, max int, zh, en string) *apperr.FieldError {
	*s = strings.TrimSpace(*s)
	var fe apperr.FieldError
	switch {
	case *s == "" && required:
		fe = apperr.Field(field, "required", "请填写"+zh+"。", "Enter the "+en+".")
	case Bad(*s):
		fe = apperr.Field(field, "control", zh+"含有不允许的控制字符。", "The "+en+" holds control characters.")
	case utf8.RuneCountInString(*s) > max:
		fe = apperr.Field(field, "too_long", zh+"过长，最多"+strconv.Itoa(max)+"个字。", "The "+en+" is too long: at most "+strconv.Itoa(max)+" characters.")
	default:
		return nil
	}
	return &fe
}
