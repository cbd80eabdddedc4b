// Package indicators computes the plan indicators of DOMAIN.md §7 for every
// org unit and year, live: rollups kept in the same transaction as each change
// to a person or an annual record, drill-down by child unit and by category,
// grade, sex and age band, and gap lists of the persons behind each figure.
package indicators

// Kind tells how an indicator's value is formed.
type Kind int

const (
	// Rate is numerator / denominator (empty denominator: no value).
	Rate Kind = iota
	// Count is a number of things (no denominator).
	Count
	// Mean is the mean of an amount over the records that have it.
	Mean
)

// Def is one indicator: its names, what it means, how it is computed and its
// default target. All definitions live in Defs; nothing else spells them out.
type Def struct {
	Code       string
	Zh, En     string
	DescZh     string
	DescEn     string
	FormulaZh  string
	FormulaEn  string
	Fields     []string // the fields it reads
	Kind       Kind
	Target     *float64 // default target (fraction for rates); nil: none configured
	TargetUnit string   // "rate", "households" or "yuan"
	// bit is the index of a rate computed from annual records (den bit 2·bit,
	// num bit 2·bit+1 of a fact's bits); -1 for the others.
	bit int
	// den and num decide membership for a rate computed from annual records.
	den, num func(s Subject) bool
}

func pct(v float64) *float64 { return &v }

// Ages, economic statuses and employment values the rules read.
const (
	employed   = "employed"
	unemployed = "unemployed"
	student    = "student"
)

// Defs are the indicators of DOMAIN.md §7, in the order they are shown.
var Defs = []Def{
	{Code: "survey_coverage", Zh: "动态更新完成率", En: "Annual survey coverage",
		DescZh: "在册持证残疾人中，已填写本年度状况记录的比例。", DescEn: "Share of active certificate holders who have this year's annual record.",
		FormulaZh: "分母：本单位在册（状态为在册）的人，不论是否已调查；分子：其中有本年度记录的人", FormulaEn: "D: active persons registered in the unit, surveyed or not; N: those with a record for the year",
		Fields: []string{"persons.status", "persons.orgunit", "annual_records.year"}, Kind: Rate, Target: pct(1), TargetUnit: "rate", bit: -1},
	{Code: "employment_rate", Zh: "残疾人就业率", En: "Employment rate",
		DescZh: "16–59 岁、有就业能力并就业或求职的人中，已就业的比例。", DescEn: "Among people aged 16–59 who work or seek work, the share who work.",
		FormulaZh: "分母：已调查的人（有本年度记录，不论档案状态）中，年龄 16–59 且就业状况为就业或失业；分子：其中就业", FormulaEn: "D: of those surveyed (a record for the year, whatever the registry status), age 16–59 and employment employed or unemployed; N: of them, employed",
		Fields: []string{"persons.birth_year", "annual_records.employment"}, Kind: Rate, Target: pct(0.99), TargetUnit: "rate", bit: 0,
		den: func(s Subject) bool {
			return s.Age >= 16 && s.Age <= 59 && (s.Employment == employed || s.Employment == unemployed)
		},
		num: func(s Subject) bool { return s.Employment == employed }},
	{Code: "graduate_employment_rate", Zh: "应届残疾大学生就业率", En: "Employment of new graduates",
		DescZh: "本年度大学毕业的残疾人中，已就业的比例。", DescEn: "Among this year's college graduates, the share who work.",
		FormulaZh: "分母：已调查的人（有本年度记录，不论档案状态）中，应届大学毕业生；分子：其中就业", FormulaEn: "D: of those surveyed (a record for the year, whatever the registry status), college_graduate; N: of them, employed",
		Fields: []string{"annual_records.college_graduate", "annual_records.employment"}, Kind: Rate, Target: pct(1), TargetUnit: "rate", bit: 1,
		den: func(s Subject) bool { return s.CollegeGraduate },
		num: func(s Subject) bool { return s.Employment == employed }},
	{Code: "compulsory_education_rate", Zh: "义务教育入学率", En: "Compulsory education enrolment",
		DescZh: "6–15 岁残疾儿童少年中，在接受义务教育的比例。", DescEn: "Among children aged 6–15, the share in compulsory education.",
		FormulaZh: "分母：已调查的人（有本年度记录，不论档案状态）中，年龄 6–15；分子：其中义务教育在学", FormulaEn: "D: of those surveyed (a record for the year, whatever the registry status), age 6–15; N: of them, school_enrolled",
		Fields: []string{"persons.birth_year", "annual_records.school_enrolled"}, Kind: Rate, Target: pct(0.97), TargetUnit: "rate", bit: 2,
		den: func(s Subject) bool { return s.Age >= 6 && s.Age <= 15 },
		num: func(s Subject) bool { return s.SchoolEnrolled }},
	{Code: "culture_sports_rate", Zh: "文体参与率", En: "Culture and sports participation",
		DescZh: "已调查的人中，本年度参加过文化或体育活动的比例。", DescEn: "Among the people surveyed, the share who took part in culture or sports this year.",
		FormulaZh: "分母：全部已调查的人（有本年度记录，不论档案状态）；分子：其中参加文体活动，或本年度参加过文体赛事活动或中心的文体项目", FormulaEn: "D: everyone surveyed (a record for the year, whatever the registry status); N: of them, culture_sports, or attended a culture or sports event or centre programme in the year",
		Fields: []string{"annual_records.culture_sports", "event_entries (attended, sport or culture)", "centre_attendance (culture or sport programme)"}, Kind: Rate, Target: pct(0.78), TargetUnit: "rate", bit: 3,
		den: func(Subject) bool { return true },
		num: func(s Subject) bool { return s.CultureSports || s.CultureEvent }},
	{Code: "rehab_rate", Zh: "基本康复服务覆盖率", En: "Basic rehabilitation coverage",
		DescZh: "有康复需求的人中，已获得康复服务的比例。", DescEn: "Among people who need rehabilitation, the share who received it.",
		FormulaZh: "分母：已调查的人（有本年度记录，不论档案状态）中，有康复需求；分子：其中已获康复服务，或本年度参加过康复训练", FormulaEn: "D: of those surveyed (a record for the year, whatever the registry status), rehab_need; N: of them, rehab_received, or attended a rehabilitation session in the year",
		Fields: []string{"annual_records.rehab_need", "annual_records.rehab_received", "rehab_sessions (attended)"}, Kind: Rate, Target: pct(0.85), TargetUnit: "rate", bit: 4,
		den: func(s Subject) bool { return s.RehabNeed },
		num: func(s Subject) bool { return s.RehabReceived || s.RehabSession }},
	{Code: "device_rate", Zh: "辅助器具适配率", En: "Assistive device fitting",
		DescZh: "需要辅助器具的人中，已适配的比例。", DescEn: "Among people who need an assistive device, the share who have been fitted.",
		FormulaZh: "分母：已调查的人（有本年度记录，不论档案状态）中，有辅具需求；分子：其中已适配辅具，或本年度发放过辅具", FormulaEn: "D: of those surveyed (a record for the year, whatever the registry status), device_need; N: of them, device_received, or a device dispensed in the year",
		Fields: []string{"annual_records.device_need", "annual_records.device_received", "cases (assistive_device, dispense)"}, Kind: Rate, Target: pct(0.85), TargetUnit: "rate", bit: 5,
		den: func(s Subject) bool { return s.DeviceNeed },
		num: func(s Subject) bool { return s.DeviceReceived || s.DeviceDispensed }},
	{Code: "living_subsidy_coverage", Zh: "生活补贴目标人群覆盖率", En: "Living subsidy coverage",
		DescZh: "符合困难残疾人生活补贴条件的人中，已领取的比例。", DescEn: "Among people eligible for the living subsidy, the share who receive it.",
		FormulaZh: "分母：已调查的人（有本年度记录）中，按补贴规则符合条件（本地户籍、在册，低保或特困，或重度残疾且无业，或低保边缘）；分子：其中领取生活补贴",
		FormulaEn: "D: of those surveyed (a record for the year), eligible by the subsidy rules (local hukou, active; dibao or tekun, or grade 1–2 without work, or near dibao); N: of them, living_subsidy_received",
		Fields:    []string{"persons.hukou", "persons.status", "persons.grade", "annual_records.economic_status", "annual_records.employment", "annual_records.living_subsidy_received"},
		Kind:      Rate, Target: pct(1), TargetUnit: "rate", bit: 6,
		den: func(s Subject) bool { return LivingSubsidy(s) > 0 },
		num: func(s Subject) bool { return s.LivingSubsidyReceived }},
	{Code: "care_subsidy_coverage", Zh: "护理补贴目标人群覆盖率", En: "Care subsidy coverage",
		DescZh: "符合重度残疾人护理补贴条件的人中，已领取的比例。", DescEn: "Among people eligible for the care subsidy, the share who receive it.",
		FormulaZh: "分母：已调查的人（有本年度记录）中，按补贴规则符合条件（本地户籍、在册，一级、二级，或三级智力、精神残疾）；分子：其中领取护理补贴",
		FormulaEn: "D: of those surveyed (a record for the year), eligible by the subsidy rules (local hukou, active; grade 1 or 2, or grade 3 intellectual or mental); N: of them, care_subsidy_received",
		Fields:    []string{"persons.hukou", "persons.status", "persons.category", "persons.grade", "annual_records.care_subsidy_received"},
		Kind:      Rate, Target: pct(1), TargetUnit: "rate", bit: 7,
		den: func(s Subject) bool { return CareSubsidy(s) > 0 },
		num: func(s Subject) bool { return s.CareSubsidyReceived }},
	{Code: "pension_insurance_rate", Zh: "养老保险参保率", En: "Pension insurance",
		DescZh: "16 岁及以上、不在校的人中，参加养老保险的比例。", DescEn: "Among people aged 16 or more who are not students, the share with pension insurance.",
		FormulaZh: "分母：已调查的人（有本年度记录，不论档案状态）中，年龄 ≥ 16 且不是在校学生；分子：其中参加养老保险", FormulaEn: "D: of those surveyed (a record for the year, whatever the registry status), age ≥ 16 and employment not student; N: of them, pension_insured",
		Fields: []string{"persons.birth_year", "annual_records.employment", "annual_records.pension_insured"}, Kind: Rate, Target: pct(0.9), TargetUnit: "rate", bit: 8,
		den: func(s Subject) bool { return s.Age >= 16 && s.Employment != student },
		num: func(s Subject) bool { return s.PensionInsured }},
	{Code: "medical_insurance_rate", Zh: "医疗保险参保率", En: "Medical insurance",
		DescZh: "已调查的人中，参加医疗保险的比例。", DescEn: "Among the people surveyed, the share with medical insurance.",
		FormulaZh: "分母：全部已调查的人（有本年度记录，不论档案状态）；分子：其中参加医疗保险", FormulaEn: "D: everyone surveyed (a record for the year, whatever the registry status); N: of them, medical_insured",
		Fields: []string{"annual_records.medical_insured"}, Kind: Rate, Target: pct(0.95), TargetUnit: "rate", bit: 9,
		den: func(Subject) bool { return true },
		num: func(s Subject) bool { return s.MedicalInsured }},
	{Code: "home_renovation_households", Zh: "困难重度残疾人家庭无障碍改造", En: "Home accessibility renovations",
		DescZh:    "本年度完成（结案）无障碍改造的困难重度残疾人家庭数。",
		DescEn:    "Households of severely disabled people in need whose home renovation was completed (closed) this year.",
		FormulaZh: "本年度结案的家庭无障碍改造个案数", FormulaEn: "home renovation cases closed in the year",
		Fields: []string{"cases (home_renovation, closed)"}, Kind: Count, TargetUnit: "households", bit: -1},
	{Code: "income_per_capita", Zh: "家庭人均收入", En: "Household income per person",
		DescZh:    "填写了家庭人均年收入的记录的平均值（元/年），与设定的全市平均水平比较。",
		DescEn:    "Mean household income per person per year over the records that give it (yuan), compared with the configured city average.",
		FormulaZh: "家庭人均收入之和 ÷ 填写了收入的记录数", FormulaEn: "sum of household_income_per_capita ÷ records that have one",
		Fields: []string{"annual_records.household_income_per_capita"}, Kind: Mean, TargetUnit: "yuan", bit: -1},
}

// rates are the indicators computed from annual records, by bit.
var rates = func() []Def {
	var out []Def
	for _, d := range Defs {
		if d.bit >= 0 {
			if d.bit != len(out) {
				panic("indicators: rate bits out of order")
			}
			out = append(out, d)
		}
	}
	return out
}()

// DefOf finds a definition by code.
func DefOf(code string) (Def, bool) {
	for _, d := range Defs {
		if d.Code == code {
			return d, true
		}
	}
	return Def{}, false
}

// Name is the indicator's name in lang.
func (d Def) Name(lang string) string {
	if lang == "en" {
		return d.En
	}
	return d.Zh
}

// Desc is the indicator's description in lang.
func (d Def) Desc(lang string) string {
	if lang == "en" {
		return d.DescEn
	}
	return d.DescZh
}

// Formula is the indicator's formula in lang.
func (d Def) Formula(lang string) string {
	if lang == "en" {
		return d.FormulaEn
	}
	return d.FormulaZh
}

// HasGap tells whether the indicator has a list of persons behind its gap.
func (d Def) HasGap() bool { return d.Kind == Rate }

// Subject is what the rules read about one person in one year: registry
// fields and the year's annual record.
type Subject struct {
	Year       int
	Age        int // Year − birth year
	Active     bool
	LocalHukou bool
	Category   int
	Grade      int
	// from the annual record
	Employment            string
	EconomicStatus        string
	CollegeGraduate       bool
	SchoolEnrolled        bool
	RehabNeed             bool
	RehabReceived         bool
	DeviceNeed            bool
	DeviceReceived        bool
	PensionInsured        bool
	MedicalInsured        bool
	CultureSports         bool
	LivingSubsidyReceived bool
	CareSubsidyReceived   bool
	// from casework
	DeviceDispensed bool // an assistive device was dispensed to the person in the year
	RehabSession    bool // the person attended a rehabilitation session in the year
	// from events and centres
	CultureEvent bool // the person attended a sport or culture event, or such a centre programme, in the year
}

// LivingSubsidy is the monthly living subsidy (yuan) a person is eligible for
// by DOMAIN.md §4: 450 for dibao or tekun households, or severely disabled
// (grade 1–2) people without work; 320 for near-dibao households; else 0.
// Local hukou and an active certificate are required.
func LivingSubsidy(s Subject) int {
	if !s.LocalHukou || !s.Active {
		return 0
	}
	switch {
	case s.EconomicStatus == "dibao" || s.EconomicStatus == "tekun":
		return 450
	case s.Grade >= 1 && s.Grade <= 2 && s.Employment != employed && s.Employment != student:
		return 450
	case s.EconomicStatus == "near_dibao":
		return 320
	}
	return 0
}

// CareSubsidy is the monthly care subsidy (yuan) by DOMAIN.md §4: grade 1: 350;
// grade 2, or grade 3 intellectual (5) or mental (6): 180; else 0. Category 7
// uses its grade. Local hukou and an active certificate are required.
func CareSubsidy(s Subject) int {
	if !s.LocalHukou || !s.Active {
		return 0
	}
	switch {
	case s.Grade == 1:
		return 350
	case s.Grade == 2, s.Grade == 3 && (s.Category == 5 || s.Category == 6):
		return 180
	}
	return 0
}

// Bits computes the denominator and numerator bits of every rate for s:
// rate i has its denominator bit at 2i and its numerator bit at 2i+1; the
// numerator bit is set only within the denominator.
func Bits(s Subject) int64 {
	var b int64
	for _, d := range rates {
		if d.den(s) {
			b |= 1 << (2 * d.bit)
			if d.num(s) {
				b |= 1 << (2*d.bit + 1)
			}
		}
	}
	return b
}

// AgeBands are the age bands of the breakdown, by lower bound.
var AgeBands = []struct {
	Code     string
	From, To int // inclusive; To −1: no upper bound
	Zh, En   string
}{
	{"0-5", 0, 5, "0–5 岁", "0–5"},
	{"6-15", 6, 15, "6–15 岁", "6–15"},
	{"16-29", 16, 29, "16–29 岁", "16–29"},
	{"30-44", 30, 44, "30–44 岁", "30–44"},
	{"45-59", 45, 59, "45–59 岁", "45–59"},
	{"60-74", 60, 74, "60–74 岁", "60–74"},
	{"75+", 75, -1, "75 岁及以上", "75 and over"},
}

// AgeBand is the band of an age.
func AgeBand(age int) string {
	for _, b := range AgeBands {
		if age >= b.From && (b.To < 0 || age <= b.To) {
			return b.Code
		}
	}
	return AgeBands[0].Code // negative ages (birth after the year) count as the youngest
}
