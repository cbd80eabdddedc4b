// Package dates reads calendar dates as people in China type them —
// "2026-03-05", "2026-3-5", "2026年3月5日", "2026年3月5号", "2026.3.5",
// "2026/3/5", "20260305", with full-width digits too — or refuses them. A
// date that cannot be read is never guessed: Field names what was typed in
// its error, so a form can keep it.
package dates

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sunshine/internal/platform/apperr"
)

// Why a date could not be read.
var (
	ErrNotDate = errors.New("not a date")
	ErrNoDay   = errors.New("no such day")
	ErrYear    = errors.New("year out of range")
)

// MinYear and MaxYear bound the years Parse accepts.
const (
	MinYear = 1900
	MaxYear = 2200
)

// Parse reads a date as people write it and returns it at midnight UTC. It
// accepts, around the date, spaces; year, month and day in that order,
// separated by "-", "/", ".", or written 2026年3月5日 (日 or 号, or nothing
// after the day), or eight digits YYYYMMDD. The day must exist (no 2月30日)
// and the year lie in MinYear–MaxYear.
func Parse(s string) (time.Time, error) {
	t := normalize(s)
	var parts []string
	switch {
	case len(t) == 8 && digits(t):
		parts = []string{t[:4], t[4:6], t[6:]}
	case strings.Contains(t, "年"):
		rest, ok := strings.CutSuffix(t, "日")
		if !ok {
			rest = strings.TrimSuffix(t, "号")
		}
		y, md, ok1 := strings.Cut(rest, "年")
		m, d, ok2 := strings.Cut(md, "月")
		if !ok1 || !ok2 {
			return time.Time{}, fmt.Errorf("%q: %w", s, ErrNotDate)
		}
		parts = []string{strings.TrimSpace(y), strings.TrimSpace(m), strings.TrimSpace(d)}
	default:
		for _, sep := range []string{"-", "/", "."} {
			if strings.Count(t, sep) == 2 {
				parts = strings.Split(t, sep)
				break
			}
		}
	}
	if len(parts) != 3 || len(parts[0]) != 4 || len(parts[1]) < 1 || len(parts[1]) > 2 || len(parts[2]) < 1 || len(parts[2]) > 2 ||
		!digits(parts[0]) || !digits(parts[1]) || !digits(parts[2]) {
		return time.Time{}, fmt.Errorf("%q: %w", s, ErrNotDate)
	}
	y, _ := strconv.Atoi(parts[0])
	m, _ := strconv.Atoi(parts[1])
	d, _ := strconv.Atoi(parts[2])
	date := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if y < MinYear || y > MaxYear {
		return time.Time{}, fmt.Errorf("%q: %w", s, ErrYear)
	}
	if m < 1 || m > 12 || date.Day() != d || int(date.Month()) != m {
		return time.Time{}, fmt.Errorf("%q: %w", s, ErrNoDay)
	}
	return date, nil
}

// ISO reads a date as Parse does and writes it YYYY-MM-DD.
func ISO(s string) (string, error) {
	t, err := Parse(s)
	if err != nil {
		return "", err
	}
	return t.Format(time.DateOnly), nil
}

// normalize trims s and maps full-width digits and separators (as a Chinese
// input method types them) to ASCII, dropping the spaces inside.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '０' && r <= '９':
			r = '0' + (r - '０')
		case r == '－' || r == '—' || r == '–':
			r = '-'
		case r == '／':
			r = '/'
		case r == '．' || r == '。':
			r = '.'
		case r == ' ' || r == '\u3000' || r == '\u00a0' || r == '\t':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Field describes a form input that takes a date, for Read.
type Field struct {
	Name   string // the input's name and the error's field
	Zh, En string // the label errors name the field by, e.g. "训练日期", "The session date"
}

// Read reads what was typed into the field and returns the date as
// YYYY-MM-DD. given is false when nothing was typed. A date that cannot be
// read is a field error in Chinese and English that quotes what was typed.
func (f Field) Read(typed string) (iso string, given bool, fe *apperr.FieldError) {
	if normalize(typed) == "" {
		return "", false, nil
	}
	t, err := Parse(typed)
	if err == nil {
		return t.Format(time.DateOnly), true, nil
	}
	q := strings.TrimSpace(typed)
	if utf8.RuneCountInString(q) > 40 {
		q = string([]rune(q)[:40]) + "…"
	}
	var e apperr.FieldError
	switch {
	case errors.Is(err, ErrYear):
		e = apperr.Field(f.Name, "invalid", fmt.Sprintf("%s：“%s”的年份不在 %d–%d 年之间，请检查年份。", f.Zh, q, MinYear, MaxYear),
			fmt.Sprintf("%s: the year of “%s” is not between %d and %d; check the year.", f.En, q, MinYear, MaxYear))
	case errors.Is(err, ErrNoDay):
		e = apperr.Field(f.Name, "invalid", f.Zh+"：“"+q+"”不是日历上的日期，请检查年、月、日。", f.En+": “"+q+"” is not a day of the calendar; check the year, month and day.")
	default:
		e = apperr.Field(f.Name, "invalid", f.Zh+"：“"+q+"”不是日期，请写成 2026-03-05、2026年3月5日 或 2026/3/5。",
			f.En+": “"+q+"” is not a date; write it as 2026-03-05, 2026年3月5日 or 2026/3/5.")
	}
	return "", true, &e
}
