// Package apperr defines the error type shared by every domain package: a code
// that the web layer maps to a status, a bilingual message and per-field details.
package apperr

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Code classifies an error; the web layer maps each code to one HTTP status.
type Code string

// The error codes of DESIGN.md, plus the transport-level ones of CONTRACT.md.
const (
	Invalid      Code = "invalid"      // 422: validation failed
	NotFound     Code = "not_found"    // 404: missing or outside the caller's scope
	Conflict     Code = "conflict"     // 409: state, stock, version, duplicate
	Forbidden    Code = "forbidden"    // 403: the role may not do this
	Unauthorized Code = "unauthorized" // 401: not signed in
	TooMany      Code = "too_many"     // 429: throttled
	Malformed    Code = "malformed"    // 400: unreadable request
	TooLarge     Code = "too_large"    // 413
	Unsupported  Code = "unsupported"  // 415
	Internal     Code = "internal"     // 500
	Unavailable  Code = "unavailable"  // 502: another installation did not answer usably
)

// Text is a message in the two languages of the product.
type Text struct {
	Zh string
	En string
}

// T builds a Text.
func T(zh, en string) Text { return Text{Zh: zh, En: en} }

// In returns the message for a language tag ("en…" gives English, anything else Chinese).
func (t Text) In(lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "en") && t.En != "" {
		return t.En
	}
	return t.Zh
}

// FieldError tells which field is wrong and why.
type FieldError struct {
	Field string // the API field name, e.g. "id_number"
	Code  string // a short reason, e.g. "checksum"
	Msg   Text
}

// Error is the error every domain package returns for expected failures.
type Error struct {
	Code   Code
	Msg    Text
	Fields []FieldError
	Err    error // an underlying cause, never shown to users
	// RetryAfter is, for TooMany, how long to wait before trying again (the
	// Retry-After header); zero when unknown.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	b.WriteString(": ")
	b.WriteString(e.Msg.En)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s %s", f.Field, f.Code)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a bilingual message.
func New(code Code, zh, en string) *Error { return &Error{Code: code, Msg: T(zh, en)} }

// Validation returns an Invalid error carrying field errors.
func Validation(fields ...FieldError) *Error {
	return &Error{Code: Invalid, Msg: T("提交的数据有误，请检查标出的字段。", "Some fields are not valid; please check the marked fields."), Fields: fields}
}

// Field builds a FieldError.
func Field(field, code, zh, en string) FieldError {
	return FieldError{Field: field, Code: code, Msg: T(zh, en)}
}

// ErrNotFound is the common 404.
func ErrNotFound() *Error { return New(NotFound, "未找到该记录。", "Not found.") }

// ErrForbidden is the common 403.
func ErrForbidden() *Error {
	return New(Forbidden, "您的角色无权进行此操作。", "Your role is not allowed to do this.")
}

// ErrStale is the optimistic-locking conflict.
func ErrStale() *Error {
	return New(Conflict, "该记录已被他人修改，请刷新后重试。", "This record was changed by someone else; reload it and try again.")
}

// CodeOf returns the code of err, or Internal when err is not an *Error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns err as *Error if it is one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
