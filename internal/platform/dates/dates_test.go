package dates

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	ok := map[string]string{
		"2026-03-05": "2026-03-05", "2026-3-5": "2026-03-05", " 2026年3月5日 ": "2026-03-05", "2026年03月05日": "2026-03-05",
		"2026年3月5号": "2026-03-05", "2026年3月5": "2026-03-05", "2026.3.5": "2026-03-05", "2026/3/5": "2026-03-05", "20260305": "2026-03-05",
		"２０２６年３月５日": "2026-03-05", "2026 年 3 月 5 日": "2026-03-05", "2024-2-29": "2024-02-29", "2026／12／31": "2026-12-31",
	}
	for in, want := range ok {
		got, err := ISO(in)
		if err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	bad := map[string]error{
		"": ErrNotDate, "5/3/2026": ErrNotDate, "26-3-5": ErrNotDate, "2026-3": ErrNotDate, "2026年3月": ErrNotDate, "三月五日": ErrNotDate,
		"2026-03-05T00:00": ErrNotDate, "2026-3-5-1": ErrNotDate, "202635": ErrNotDate, "2026-+3-5": ErrNotDate, "2026--3-5": ErrNotDate,
		"2026-02-30": ErrNoDay, "2025年2月29日": ErrNoDay, "20261305": ErrNoDay, "2026-00-10": ErrNoDay, "1899-12-31": ErrYear, "2999-01-01": ErrYear, "2026-3-0": ErrNoDay,
	}
	for in, want := range bad {
		if got, err := Parse(in); !errors.Is(err, want) {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
}

func TestFieldRead(t *testing.T) {
	f := Field{Name: "date", Zh: "训练日期", En: "The session date"}
	if iso, given, fe := f.Read("2026年3月5日"); iso != "2026-03-05" || !given || fe != nil {
		t.Errorf("good: %q %v %v", iso, given, fe)
	}
	if _, given, fe := f.Read("  "); given || fe != nil {
		t.Errorf("empty: %v %v", given, fe)
	}
	_, _, fe := f.Read("2026年2月30日")
	if fe == nil || fe.Field != "date" || !strings.Contains(fe.Msg.Zh, "训练日期：“2026年2月30日”不是日历上的日期") || !strings.Contains(fe.Msg.En, "The session date") {
		t.Errorf("no such day: %+v", fe)
	}
	_, _, fe = f.Read("2999-01-01")
	if fe == nil || !strings.Contains(fe.Msg.Zh, "“2999-01-01”的年份不在 1900–2200 年之间") || !strings.Contains(fe.Msg.En, "the year of “2999-01-01” is not between 1900 and 2200") {
		t.Errorf("year out of range: %+v", fe)
	}
	_, _, fe = f.Read("next Monday")
	if fe == nil || !strings.Contains(fe.Msg.Zh, "“next Monday”不是日期") || !strings.Contains(fe.Msg.En, "“next Monday” is not a date") {
		t.Errorf("not a date: %+v", fe)
	}
}

// FuzzParse: Parse never panics, and what it reads is a real day that reads
// back the same from its ISO form.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"2026-03-05", "2026年3月5日", "20260305", "2026.3.5", "２０２６／１／１", "2026年13月", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		if d.Year() < MinYear || d.Year() > MaxYear {
			t.Fatalf("%q: year %d", s, d.Year())
		}
		back, err := Parse(d.Format(time.DateOnly))
		if err != nil || !back.Equal(d) {
			t.Fatalf("%q → %v → %v %v", s, d, back, err)
		}
	})
}
