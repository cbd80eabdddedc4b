// Package campaigns is the yearly service campaigns of DOMAIN.md §8: free
// health checks (健康体检) and telecom discount packages (信息消费通信优惠).
// Staff create a campaign for a year over an org unit's subtree with
// criteria (categories, grades, an age range, hukou, some towns); its
// eligible list is computed from the registry's active persons and frozen
// at creation. Village assistants and staff record who was reached, one by
// one or from the provider's spreadsheet (matched by the blind index of the
// ID number); the progress per town and village, and the persons not yet
// reached, tell them whom to call on.
package campaigns

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/safetext"
)

// Kinds of campaign.
const (
	HealthCheck    = "health_check"
	TelecomPackage = "telecom_package"
)

// Kinds lists the kinds of campaign.
var Kinds = []string{HealthCheck, TelecomPackage}

var kindNames = map[string][2]string{
	HealthCheck:    {"健康体检", "Health check"},
	TelecomPackage: {"通信优惠套餐", "Telecom discount package"},
}

// KindName is a kind's name in lang.
func KindName(kind, lang string) string {
	if n, ok := kindNames[kind]; ok {
		return apperr.T(n[0], n[1]).In(lang)
	}
	return kind
}

// Bounds of a campaign's input.
const (
	MaxName  = 60  // characters of a name
	MinAge   = 0   // the age range, in years
	MaxAge   = 120 // …
	MaxTowns = 50  // towns (or villages) a campaign may be limited to
	// YearsBack is how many years before this one a campaign may be for
	// (one recorded late); one year ahead is allowed (planned in December).
	YearsBack = 5
)

// Criteria choose the eligible persons among the active persons of the
// campaign's org unit; left empty, each allows everyone.
type Criteria struct {
	Categories []int `json:"categories,omitempty"` // disability categories 1–7
	Grades     []int `json:"grades,omitempty"`     // grades 1–4
	// AgeMin and AgeMax bound the age at 31 December of the campaign's year
	// (year − birth year: the full birth date is in the ID number only).
	AgeMin *int     `json:"age_min,omitempty"`
	AgeMax *int     `json:"age_max,omitempty"`
	Hukou  string   `json:"hukou,omitempty" enum:"local,nonlocal"`
	Towns  []string `json:"towns,omitempty"` // org units (towns or villages) under the campaign's unit: only their subtrees
}

// Input is a new campaign.
type Input struct {
	Kind     string `json:"kind" enum:"health_check,telecom_package"`
	Name     string `json:"name"`
	Year     int    `json:"year"`
	OrgUnit  string `json:"orgunit"`
	Criteria `in:"optional"`
}

// Created is the answer to a new campaign (CONTRACT.md).
type Created struct {
	ID       int64 `json:"id"`
	Eligible int   `json:"eligible"`
	Done     int   `json:"done"`
}

// Campaign is a campaign with its counts in the caller's scope.
type Campaign struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	Year      int       `json:"year"`
	OrgUnit   string    `json:"orgunit"`
	Criteria  Criteria  `json:"criteria"`
	Listed    int       `json:"listed"`   // persons on the list when it was made (all areas)
	Eligible  int       `json:"eligible"` // of them, those in the caller's scope now
	Done      int       `json:"done"`
	Rate      *float64  `json:"rate"` // done / eligible; null when nobody is eligible
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Completion is a person reached in a campaign.
type Completion struct {
	CampaignID int64  `json:"campaign_id"`
	PersonID   int64  `json:"person_id"`
	Date       string `json:"date"`
}

// CompletionInput records that a person was reached on a date (YYYY-MM-DD).
type CompletionInput struct {
	PersonID int64  `json:"person_id"`
	Date     string `json:"date"`
}

// rate is done/eligible, nil when nobody is eligible.
func rate(done, eligible int) *float64 {
	if eligible == 0 {
		return nil
	}
	r := float64(done) / float64(eligible)
	return &r
}

// Percent writes a rate as a percentage ("—" for none).
func Percent(r *float64) string {
	if r == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *r*100)
}

// Normalize checks a new campaign's fields, apart from whether its org
// units exist and lie in the caller's scope (the store's part), and puts
// its lists in order. thisYear is the current year.
func Normalize(in *Input, thisYear int) []apperr.FieldError {
	var fs []apperr.FieldError
	in.Kind = strings.TrimSpace(in.Kind)
	if !slices.Contains(Kinds, in.Kind) {
		fs = append(fs, apperr.Field("kind", "invalid", "活动类型应为 health_check（健康体检）或 telecom_package（通信优惠套餐）。",
			"The kind must be health_check or telecom_package."))
	}
	in.Name = strings.TrimSpace(in.Name)
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		fs = append(fs, apperr.Field("name", "required", "请填写活动名称。", "Enter the campaign's name."))
	case n > MaxName:
		fs = append(fs, apperr.Field("name", "too_long", fmt.Sprintf("活动名称最多 %d 个字。", MaxName), fmt.Sprintf("The name has at most %d characters.", MaxName)))
	case safetext.Bad(in.Name):
		fs = append(fs, apperr.Field("name", "invalid", "活动名称不能含控制字符。", "The name cannot hold control characters."))
	}
	if in.Year < thisYear-YearsBack || in.Year > thisYear+1 {
		fs = append(fs, apperr.Field("year", "range", fmt.Sprintf("年度应在 %d–%d 年之间。", thisYear-YearsBack, thisYear+1),
			fmt.Sprintf("The year must be from %d to %d.", thisYear-YearsBack, thisYear+1)))
	}
	in.OrgUnit = strings.TrimSpace(in.OrgUnit)
	if in.OrgUnit == "" {
		fs = append(fs, apperr.Field("orgunit", "required", "请选择活动覆盖的区、镇（街道）或村居。", "Choose the district, town or village the campaign covers."))
	}
	c := &in.Criteria
	var bad bool
	if c.Categories, bad = codes(c.Categories, 1, 7); bad {
		fs = append(fs, apperr.Field("categories", "invalid", "残疾类别应为 1 至 7。", "A category is 1 to 7."))
	}
	if c.Grades, bad = codes(c.Grades, 1, 4); bad {
		fs = append(fs, apperr.Field("grades", "invalid", "残疾等级应为 1 至 4。", "A grade is 1 to 4."))
	}
	for _, a := range []struct {
		field string
		v     *int
	}{{"age_min", c.AgeMin}, {"age_max", c.AgeMax}} {
		if a.v != nil && (*a.v < MinAge || *a.v > MaxAge) {
			fs = append(fs, apperr.Field(a.field, "range", fmt.Sprintf("年龄应为 %d–%d 岁。", MinAge, MaxAge), fmt.Sprintf("An age is %d to %d years.", MinAge, MaxAge)))
		}
	}
	if c.AgeMin != nil && c.AgeMax != nil && *c.AgeMin > *c.AgeMax && len(fs) == 0 {
		fs = append(fs, apperr.Field("age_max", "range", "最大年龄不能小于最小年龄。", "The highest age cannot be below the lowest."))
	}
	c.Hukou = strings.TrimSpace(c.Hukou)
	if c.Hukou != "" && c.Hukou != "local" && c.Hukou != "nonlocal" {
		fs = append(fs, apperr.Field("hukou", "invalid", "户籍应为 local（本地）或 nonlocal（外地），或不填。", "The hukou is local or nonlocal, or left out."))
	}
	var towns []string
	for _, t := range c.Towns {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(towns, t) {
			towns = append(towns, t)
		}
	}
	slices.Sort(towns)
	c.Towns = towns
	if len(towns) > MaxTowns {
		fs = append(fs, apperr.Field("towns", "too_many", fmt.Sprintf("最多选择 %d 个镇（街道）或村居。", MaxTowns), fmt.Sprintf("Choose at most %d towns or villages.", MaxTowns)))
	}
	return fs
}

// codes sorts and deduplicates a list of codes; bad when one is outside lo–hi.
func codes(in []int, lo, hi int) ([]int, bool) {
	var out []int
	for _, v := range in {
		if v < lo || v > hi {
			return in, true
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out, false
}

// shanghai is the time zone of dates (today, the day someone was reached).
var shanghai = time.FixedZone("CST", 8*3600)

// Today is the date of now in Shanghai, YYYY-MM-DD.
func Today(now time.Time) string { return now.In(shanghai).Format(time.DateOnly) }

// CheckDate checks the day a person was reached: a date (YYYY-MM-DD) of the
// campaign's year, not after today.
func CheckDate(field, date string, year int, today string) *apperr.FieldError {
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(date))
	if err != nil {
		e := apperr.Field(field, "invalid", "完成日期应为日期（YYYY-MM-DD），如 "+today+"。", "The date must be a date (YYYY-MM-DD), e.g. "+today+".")
		return &e
	}
	iso := d.Format(time.DateOnly)
	if d.Year() != year {
		e := apperr.Field(field, "wrong_year", fmt.Sprintf("完成日期 %s 不在活动年度 %d 年内。", iso, year), fmt.Sprintf("The date %s is not in the campaign's year %d.", iso, year))
		return &e
	}
	if iso > today {
		e := apperr.Field(field, "future", fmt.Sprintf("完成日期 %s 晚于今天（%s）。", iso, today), fmt.Sprintf("The date %s is after today (%s).", iso, today))
		return &e
	}
	return nil
}
