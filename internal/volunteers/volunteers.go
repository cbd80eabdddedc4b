// Package volunteers is the Sunshine Clover volunteer corps (阳光四叶草,
// issue 17): the volunteers and their teams, the tasks staff make (for a
// case, a served person or an event), sign-ups, check-in and check-out at
// the task, and the hours ledger that the task's owner approves.
//
// The corps rule: a volunteer reaches the tasks of their home town (its
// villages included) and those of the units above it (the district's); a
// volunteer of the district's own base reaches every task of the district. A
// volunteer account asking for another town's task is answered 404, as if
// it did not exist; staff signing up a volunteer of another town get 422.
//
// What a volunteer account receives of a served person: the first name
// (the given name, without the surname) and the help needed; the address
// only for a home visit, only on the task's day (Shanghai time) and only
// to a volunteer signed up for it — that read is audited as a read of the
// person. Never an ID number, certificate number or phone.
//
// The hours ledger: each volunteer has one entry per task (minutes,
// pending until approved or rejected with a reason); volunteer_totals keeps
// each volunteer's minutes per year and state, changed in the same
// transaction as the entries, so that the totals always equal the sums of
// the entries (a property test holds them so).
//
// Who approves an entry: the task's owner, staff whose scope holds the
// task's unit, or the leader of the task's team — never the volunteer whose
// hours they are.
package volunteers

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"sunshine/internal/access"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/safetext"
)

// Audit subject types.
const (
	SubjectVolunteer = "volunteer"
	SubjectTask      = "volunteer_task"
	SubjectHours     = "volunteer_hours"
	SubjectTeam      = "volunteer_team"
)

// fPhone is the vault field of a volunteer's phone.
const fPhone = "volunteer_phone"

// States of a ledger entry.
const (
	Pending  = "pending"
	Approved = "approved"
	Rejected = "rejected"
)

// States of a task.
const (
	TaskOpen      = "open"
	TaskCancelled = "cancelled"
)

// Bounds.
const (
	MaxSlots      = 100
	MaxTaskHours  = 24
	MaxTitle      = 100
	MaxText       = 500
	MaxName       = 50
	MaxAhead      = 366 * 24 * time.Hour // a task starts at most a year ahead
	CheckInEarly  = time.Hour            // check-in opens an hour before the start
	MaxRating     = 5
	MaxSuggestion = 20
)

// shanghai is the time zone of days and years.
var shanghai = time.FixedZone("CST", 8*3600)

// Word is a vocabulary entry in both languages.
type Word struct {
	Code string `json:"code"`
	Zh   string `json:"zh"`
	En   string `json:"en"`
}

// In gives the word in a language.
func (w Word) In(lang string) string {
	if lang == "en" {
		return w.En
	}
	return w.Zh
}

// Skills is the fixed vocabulary of a volunteer's skills.
var Skills = []Word{
	{"sign_language", "手语", "Sign language"},
	{"accompaniment", "陪伴助行", "Accompaniment"},
	{"rehab", "康复协助", "Rehabilitation assistance"},
	{"driving", "驾驶", "Driving"},
	{"tutoring", "辅导", "Tutoring"},
	{"repair", "维修", "Repair"},
	{"counselling", "心理疏导", "Counselling"},
	{"nursing", "护理", "Nursing"},
	{"braille", "盲文", "Braille"},
	{"it", "电脑与手机", "Computers and phones"},
}

// Days are the weekdays of availability, Monday first.
var Days = []Word{
	{"mon", "周一", "Mon"}, {"tue", "周二", "Tue"}, {"wed", "周三", "Wed"}, {"thu", "周四", "Thu"},
	{"fri", "周五", "Fri"}, {"sat", "周六", "Sat"}, {"sun", "周日", "Sun"},
}

// Times are the parts of the day of availability: morning before 12:00,
// afternoon 12:00–18:00, evening after.
var Times = []Word{{"am", "上午", "Morning"}, {"pm", "下午", "Afternoon"}, {"eve", "晚上", "Evening"}}

// Kinds of task.
var Kinds = []Word{
	{"escort", "陪同出行", "Escort"},
	{"home_visit", "上门探访", "Home visit"},
	{"rehab", "康复陪护", "Rehabilitation support"},
	{"event", "活动服务", "Event"},
	{"other", "其他", "Other"},
}

// HomeVisit is the kind of task whose volunteers see the address on its day.
const HomeVisit = "home_visit"

// WordOf finds a code in a vocabulary (zero Word when absent).
func WordOf(vocab []Word, code string) Word {
	for _, w := range vocab {
		if w.Code == code {
			return w
		}
	}
	return Word{}
}

func inVocab(vocab []Word, code string) bool { return WordOf(vocab, code).Code != "" }

// codes checks a list of codes against a vocabulary, drops duplicates and
// orders them as the vocabulary does.
func codes(field string, vocab []Word, in []string) ([]string, *apperr.FieldError) {
	var out []string
	for _, c := range in {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !inVocab(vocab, c) {
			fe := apperr.Field(field, "unknown", "不认识的选项："+clip(c), "Unknown choice: "+clip(c))
			return nil, &fe
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		return slices.IndexFunc(vocab, func(w Word) bool { return w.Code == a }) - slices.IndexFunc(vocab, func(w Word) bool { return w.Code == b })
	})
	return out, nil
}

// clip shortens echoed input.
func clip(s string) string {
	if utf8.RuneCountInString(s) > 20 {
		return string([]rune(s)[:20]) + "…"
	}
	return s
}

// text checks a free-text field: at most max characters, no control
// characters, required when min > 0.
func text(field string, s *string, required bool, max int, zh, en string) *apperr.FieldError {
	return safetext.Field(field, s, required, max, zh, en)
}

// compoundSurnames are the two-character surnames that FirstName keeps
// whole.
var compoundSurnames = []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "令狐", "宇文", "夏侯", "司徒", "轩辕", "端木", "南宫", "独孤"}

// FirstName is the given name of a Chinese name (the surname dropped: one
// character, or two for a compound surname) — what a volunteer is told of
// the person they serve. A name of one character, or one in Latin letters,
// gives its first word.
func FirstName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	if f := strings.Fields(name); len(f) > 1 { // "Li Ming", "Anna Schmidt": the first word
		return f[0]
	}
	r := []rune(name)
	if r[0] < 0x2E80 { // not Han: keep as typed
		return name
	}
	for _, s := range compoundSurnames {
		if strings.HasPrefix(name, s) && len(r) > 2 {
			return string(r[2:])
		}
	}
	if len(r) == 1 {
		return name
	}
	return string(r[1:])
}

// Overlaps says whether [a1, a2) and [b1, b2) share a moment.
func Overlaps(a1, a2, b1, b2 time.Time) bool { return a1.Before(b2) && b1.Before(a2) }

// TownOf is the town (9-digit code) of an org unit, or the unit itself when
// it lies above a town.
func TownOf(unit string) string {
	if len(unit) > 9 {
		return unit[:9]
	}
	return unit
}

// Reaches is the corps rule: a volunteer whose home unit is home reaches a
// task of unit task when the task lies in the volunteer's town or above it.
func Reaches(home, task string) bool {
	town := TownOf(home)
	return strings.HasPrefix(task, town) || strings.HasPrefix(town, task)
}

// DayOf is the Shanghai date of a moment.
func DayOf(t time.Time) string { return t.In(shanghai).Format(time.DateOnly) }

// YearOf is the Shanghai year of a moment (the year an entry counts in).
func YearOf(t time.Time) int { return t.In(shanghai).Year() }

// weekday and part of day of a moment in Shanghai, as availability codes.
func weekdayCode(t time.Time) string {
	return Days[(int(t.In(shanghai).Weekday())+6)%7].Code
}

func partOfDay(t time.Time) string {
	switch h := t.In(shanghai).Hour(); {
	case h < 12:
		return "am"
	case h < 18:
		return "pm"
	}
	return "eve"
}

// Caller is who asks (access.Caller).
type Caller = access.Caller
