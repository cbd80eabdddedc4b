package volunteers

import (
	"fmt"
	"time"
)

// Plain words for the volunteer's pages: days with their weekday, times of
// day, hours and minutes, the states of hours.

var weekdaysZh = []string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// DayWords is a Shanghai date in words with its weekday ("12月3日 星期四",
// "Thursday 3 December"), "今天"/"明天"/"昨天" before it when it is one of
// those days relative to now; the year only when not now's.
func DayWords(t, now time.Time, lang string) string {
	t, now = t.In(shanghai), now.In(shanghai)
	var s string
	if lang == "en" {
		s = fmt.Sprintf("%s %d %s", t.Weekday(), t.Day(), t.Month())
		if t.Year() != now.Year() {
			s += fmt.Sprintf(" %d", t.Year())
		}
	} else {
		s = fmt.Sprintf("%d月%d日 %s", int(t.Month()), t.Day(), weekdaysZh[t.Weekday()])
		if t.Year() != now.Year() {
			s = fmt.Sprintf("%d年", t.Year()) + s
		}
	}
	d0 := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shanghai)
	d1 := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, shanghai)
	rel := map[int][2]string{0: {"今天", "Today"}, 1: {"明天", "Tomorrow"}, -1: {"昨天", "Yesterday"}}
	if w, ok := rel[int(d1.Sub(d0).Round(time.Hour)/(24*time.Hour))]; ok {
		if lang == "en" {
			return w[1] + ", " + s
		}
		return w[0] + " " + s
	}
	return s
}

// WhenWords is a task's day and its start–end ("今天 12月3日 星期四
// 15:00–17:00"); a task ending on another day gives that day too.
func WhenWords(from, to, now time.Time, lang string) string {
	s := DayWords(from, now, lang) + " " + from.In(shanghai).Format("15:04") + "–"
	if DayOf(from) != DayOf(to) {
		s += DayWords(to, now, lang) + " "
	}
	return s + to.In(shanghai).Format("15:04")
}

// HoursWords says minutes as hours and minutes ("2小时45分钟", "2 hours
// 45 minutes"; "0小时", "0 hours").
func HoursWords(minutes int64, lang string) string {
	h, m := minutes/60, minutes%60
	if lang == "en" {
		plural := func(n int64, one, many string) string {
			if n == 1 {
				return fmt.Sprintf("%d %s", n, one)
			}
			return fmt.Sprintf("%d %s", n, many)
		}
		switch {
		case h == 0 && m == 0:
			return "0 hours"
		case h == 0:
			return plural(m, "minute", "minutes")
		case m == 0:
			return plural(h, "hour", "hours")
		}
		return plural(h, "hour", "hours") + " " + plural(m, "minute", "minutes")
	}
	switch {
	case h == 0 && m == 0:
		return "0小时"
	case h == 0:
		return fmt.Sprintf("%d分钟", m)
	case m == 0:
		return fmt.Sprintf("%d小时", h)
	}
	return fmt.Sprintf("%d小时%d分钟", h, m)
}

// StateWords names the state of hours in plain words.
func StateWords(state, lang string) string {
	w := map[string][2]string{
		Pending:  {"等待认定", "waiting for approval"},
		Approved: {"已认定", "approved"},
		Rejected: {"未认定", "not approved"},
	}[state]
	if lang == "en" {
		return w[1]
	}
	return w[0]
}

// RatingWords are the words of the ratings 1 to 5.
var RatingWords = []Word{
	{"1", "很不满意", "Very dissatisfied"},
	{"2", "不满意", "Dissatisfied"},
	{"3", "一般", "Neither satisfied nor dissatisfied"},
	{"4", "满意", "Satisfied"},
	{"5", "很满意", "Very satisfied"},
}
