// Package centres keeps the day centres of the three-level network (issue
// 18): the district's and towns' Sunshine Homes (阳光之家), vocational
// rehabilitation bases (阳光基地), mental-health day centres (阳光心园),
// village homes (残疾人之家) and rehabilitation centres; their programmes;
// enrolment under each kind's intake rule (DOMAIN.md §8) with a waiting list;
// and the daily roll call, its monthly rates and the persons absent for two
// weeks, who are flagged for a home visit.
package centres

import (
	"slices"
	"strings"
	"time"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/safetext"
)

// Limits of the inputs.
const (
	MaxName     = 60
	MaxAddress  = 200
	MaxStaff    = 500
	MaxReason   = 200
	MaxCapacity = 2000
	// MaxRollCall is the most persons one roll call may name.
	MaxRollCall = 5000
	// AbsentDays is how long a person enrolled may miss every roll call
	// before they are flagged for a home visit.
	AbsentDays = 14
	// PastDays is how far back a roll call may be recorded.
	PastDays = 366
)

// Word is a code with its Chinese and English names.
type Word struct {
	Code, Zh, En string
}

// In is the word in a language.
func (w Word) In(lang string) string { return apperr.T(w.Zh, w.En).In(lang) }

// Kinds are the kinds of centre (CONTRACT.md "Centres and events").
var Kinds = []Word{
	{"sunshine_home", "阳光之家", "Sunshine Home"},
	{"vocational_base", "阳光基地", "Vocational rehabilitation base"},
	{"mind_garden", "阳光心园", "Mental-health day centre"},
	{"village_home", "残疾人之家", "Village home"},
	{"rehab", "康复中心", "Rehabilitation centre"},
}

// ProgrammeKinds are the kinds of programme; attending a culture or sport
// programme counts toward culture_sports_rate.
var ProgrammeKinds = []Word{
	{"course", "课程", "Course"},
	{"therapy", "康复训练小组", "Therapy group"},
	{"work", "庇护劳动项目", "Work project"},
	{"culture", "文化活动", "Culture activity"},
	{"sport", "体育活动", "Sport activity"},
}

// Weekdays are the days a centre or programme may meet, Monday first.
var Weekdays = []Word{
	{"mon", "周一", "Mon"}, {"tue", "周二", "Tue"}, {"wed", "周三", "Wed"}, {"thu", "周四", "Thu"},
	{"fri", "周五", "Fri"}, {"sat", "周六", "Sat"}, {"sun", "周日", "Sun"},
}

// States of an enrolment.
var States = []Word{
	{"enrolled", "在册", "Enrolled"},
	{"waiting", "候补", "Waiting"},
	{"left", "已离开", "Left"},
}

// WordOf finds a code in a vocabulary (the zero Word when absent).
func WordOf(vocab []Word, code string) Word {
	for _, w := range vocab {
		if w.Code == code {
			return w
		}
	}
	return Word{}
}

func inVocab(vocab []Word, code string) bool { return WordOf(vocab, code).Code != "" }

// CountsForCulture says whether attending a programme of this kind counts
// toward culture_sports_rate.
func CountsForCulture(kind string) bool { return kind == "culture" || kind == "sport" }

// Applicant is what an intake rule looks at of a person.
type Applicant struct {
	Category   int   // DOMAIN.md §2
	Components []int // of a multiple disability (category 7)
	Sex        string
	Age        int    // this year − birth year (DOMAIN.md §7)
	OrgUnit    string // where the person is registered
}

func (a Applicant) has(cat int) bool {
	return a.Category == cat || a.Category == 7 && slices.Contains(a.Components, cat)
}

// Rule is an intake rule a person does not meet: its code and its text.
type Rule struct {
	Code string `json:"code"`
	Zh   string `json:"zh"`
	En   string `json:"en"`
}

// The intake rules of DOMAIN.md §8.
var (
	RuleSunshineHome = Rule{"sunshine_home_intake", "阳光之家接收16–35岁的智力残疾人。", "A Sunshine Home takes people with an intellectual disability aged 16–35."}
	RuleVocational   = Rule{"vocational_base_intake", "阳光基地接收16–50岁的男性和16–45岁的女性。", "A vocational base takes men aged 16–50 and women aged 16–45."}
	RuleMindGarden   = Rule{"mind_garden_intake", "阳光心园接收16岁以上的精神残疾人。", "A mental-health day centre takes people with a mental (psychosocial) disability aged 16 or over."}
	RuleVillageHome  = Rule{"village_home_intake", "残疾人之家接收本村居（本辖区）登记的残疾人。", "A village home takes the disabled people registered in its own village or area."}
)

// Intake checks a person against the intake rule of a centre of kind kind
// held by org unit unit: nil when they fit, else the rule they do not meet.
// A rehabilitation centre takes anyone registered.
func Intake(kind, unit string, a Applicant) *Rule {
	switch kind {
	case "sunshine_home":
		if !a.has(5) || a.Age < 16 || a.Age > 35 {
			return &RuleSunshineHome
		}
	case "vocational_base":
		max := 50
		if a.Sex == "F" {
			max = 45
		}
		if a.Age < 16 || a.Age > max {
			return &RuleVocational
		}
	case "mind_garden":
		if !a.has(6) || a.Age < 16 {
			return &RuleMindGarden
		}
	case "village_home":
		if !strings.HasPrefix(a.OrgUnit, unit) {
			return &RuleVillageHome
		}
	}
	return nil
}

// shanghai is the time zone of the roll call's dates.
var shanghai = time.FixedZone("CST", 8*3600)

// Today is the date in Shanghai.
func Today(now time.Time) string { return now.In(shanghai).Format(time.DateOnly) }

func text(field string, s *string, required bool, max int, zh, en string) *apperr.FieldError {
	return safetext.Field(field, s, required, max, zh, en)
}

// days checks a list of weekday codes, giving them in the week's order.
func days(field string, in []string) ([]string, *apperr.FieldError) {
	var out []string
	for _, w := range Weekdays {
		if slices.Contains(in, w.Code) {
			out = append(out, w.Code)
		}
	}
	for _, d := range in {
		if !inVocab(Weekdays, d) {
			fe := apperr.Field(field, "invalid", "星期须为 mon…sun。", "Days must be mon…sun.")
			return nil, &fe
		}
	}
	return out, nil
}

func split(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// clock checks a time of day "HH:MM" (empty allowed).
func clock(field, s string) *apperr.FieldError {
	if s == "" {
		return nil
	}
	if _, err := time.Parse("15:04", s); err != nil || len(s) != 5 {
		fe := apperr.Field(field, "invalid", "时间须为 时:分，如 09:30。", "A time must be HH:MM, such as 09:30.")
		return &fe
	}
	return nil
}
