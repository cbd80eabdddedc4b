// Package events is the federation's sport, culture and skills events
// (issue 18): staff of a district, town or village publish an event, persons
// are registered for it (by staff, or by themselves), attendance is recorded
// on or after the day, and the attended get their result (a place and an
// award).
//
// Who sees an event: staff whose scope holds its unit, and staff of the
// units under it (a village assistant sees the district's and its town's
// events, to register its villagers); a person account the events of its
// village, town and district, and those it has an entry in. An event outside
// that is answered 404, as if it did not exist. Of an event's entries staff
// see those of the persons in their scope, a person account its own; each
// entry names the person and their village, never an ID number, certificate
// number or phone, and every listing of entries is audited as a listing of
// those persons (as the registry's labels are).
//
// Attending a sport or culture event counts toward culture_sports_rate of
// the event's year: every change of attendance, a cancellation and a change
// of an event's kind or date tells the indicators (Store.Changed) inside
// the transaction that makes it.
package events

import (
	"time"
	"unicode/utf8"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/safetext"
)

// Audit subject types: an event; changes of a person's entry are audited as
// changes about the person (registry's SubjectPerson) naming the event.
const SubjectEvent = "event"

// States of an event.
const (
	Open      = "open"
	Cancelled = "cancelled"
)

// Bounds.
const (
	MaxTitle  = 100
	MaxPlace  = 200
	MaxText   = 2000
	MaxAward  = 100
	MaxPlaces = 100000
	MaxResult = 1000
)

// shanghai is the time zone of the days.
var shanghai = time.FixedZone("CST", 8*3600)

// Kind is a kind of event in both languages.
type Kind struct{ Code, Zh, En string }

// In names the kind in a language.
func (k Kind) In(lang string) string {
	if lang == "en" {
		return k.En
	}
	return k.Zh
}

// Kinds are the kinds of event; attending the first two counts toward
// culture_sports_rate.
var Kinds = []Kind{{"sport", "体育", "Sport"}, {"culture", "文化", "Culture"}, {"skills", "技能", "Skills"}}

// KindOf finds a kind (zero Kind when unknown).
func KindOf(code string) Kind {
	for _, k := range Kinds {
		if k.Code == code {
			return k
		}
	}
	return Kind{}
}

// Counts says whether attending an event of this kind counts toward
// culture_sports_rate.
func Counts(kind string) bool { return kind == "sport" || kind == "culture" }

// Today is the Shanghai date of a moment, YYYY-MM-DD.
func Today(t time.Time) string { return t.In(shanghai).Format(time.DateOnly) }

func isStaff(c access.Caller) bool {
	switch c.Actor.Role {
	case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant:
		return true
	}
	return false
}

func notFound() error {
	return apperr.New(apperr.NotFound, "未找到该记录。", "Not found.")
}

func conflict(field, code, zh, en string) error {
	return &apperr.Error{Code: apperr.Conflict, Msg: apperr.T(zh, en), Fields: []apperr.FieldError{apperr.Field(field, code, zh, en)}}
}

func invalid(field, code, zh, en string) error {
	return apperr.Validation(apperr.Field(field, code, zh, en))
}

// clip shortens echoed input.
func clip(s string) string {
	if utf8.RuneCountInString(s) > 20 {
		return string([]rune(s)[:20]) + "…"
	}
	return s
}

// text checks a free-text field in place: at most max characters, no
// control characters, required when asked.
func text(field string, s *string, required bool, max int, zh, en string) *apperr.FieldError {
	return safetext.Field(field, s, required, max, zh, en)
}

// parentsOf are the units above a unit code and the unit itself: the
// district (6 digits), the town (9) and the village (12).
func parentsOf(unit string) []string {
	var out []string
	for _, n := range []int{6, 9, 12} {
		if len(unit) >= n {
			out = append(out, unit[:n])
		}
	}
	return out
}
