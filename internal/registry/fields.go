package registry

import (
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/platform/apperr"
)

// AnnualField is one field of the annual record (DOMAIN.md §6), described
// once. Its Column.Field is at the same time the JSON key of Annual, the name
// of the form's input, the column of the annual_records table and the English
// header of files; the rest of Column is the Chinese header and the help of
// the import template. Import, export, the page form, the API and the SQL of
// annual records are all driven by AnnualFields.
//
// Adding a yes/no field takes: a bool field in Annual (with its JSON tag), one
// yesNoField entry in AnnualFields, and a migration adding the column.
type AnnualField struct {
	Column
	// LabelZh and LabelEn name the field on the form.
	LabelZh, LabelEn string
	// YesNo fields are ticked on the form (the others have their own markup
	// in templates/annual.html).
	YesNo bool
	// value points at the field in a record: a *bool, *string or **int64.
	// It is also where the SQL column is scanned into and written from.
	value func(a *Annual) any
	// cell reads a file cell into a; nil reads by the kind of value (yes/no
	// through ParseBool, text through enumValue).
	cell func(a *Annual, v string) *apperr.FieldError
	// form reads the posted value into a; nil reads by the kind of value (a
	// ticked box is "1", text as it is). noForm fields have no form input.
	form   func(a *Annual, v string) *apperr.FieldError
	noForm bool
	// check validates (and tidies) the value; nil has nothing to check.
	check func(a *Annual, errs *[]apperr.FieldError)
}

// yesNoField describes a yes/no field: its name, Chinese header and label, and
// English label.
func yesNoField(name, zh, en string, value func(a *Annual) *bool) AnnualField {
	return AnnualField{
		Column: Column{Field: name, Zh: zh, En: name, Choices: []string{"是", "否"}, Example: "否",
			DescZh: "是/否（也可填 true/false、1/0、Y/N）", DescEn: en + ": yes/no (是/否, true/false, 1/0, Y/N)"},
		LabelZh: zh, LabelEn: en, YesNo: true,
		value: func(a *Annual) any { return value(a) },
	}
}

// annualIDColumn is the first column of annual files: whose record a row is.
// It is no field of the record.
var annualIDColumn = Column{Field: "id_number", Zh: "身份证号", En: "id_number", Required: true, Example: "11010519491231002X",
	DescZh: "18位居民身份证号", DescEn: "18-character resident ID number"}

// AnnualFields are the fields of the annual record, in the order of the
// columns of annual files (after the ID number).
var AnnualFields = []AnnualField{
	{Column: Column{Field: "employment", Zh: "就业状况", En: "employment", Required: true, Choices: Employments, Example: "employed",
		DescZh: "employed 就业，unemployed 失业（有能力且求职），unable 无劳动能力，not_seeking 未求职，student 在校，retired 退休",
		DescEn: "employed, unemployed (able and seeking), unable, not_seeking, student, retired"},
		LabelZh: "就业状况", LabelEn: "Employment",
		value: func(a *Annual) any { return &a.Employment },
		check: func(a *Annual, errs *[]apperr.FieldError) {
			a.Employment = strings.ToLower(strings.TrimSpace(a.Employment))
			if !slices.Contains(Employments, a.Employment) {
				*errs = append(*errs, apperr.Field("employment", "invalid",
					"就业状况应为 employed（就业）、unemployed（失业求职）、unable（无劳动能力）、not_seeking（未求职）、student（在校）或 retired（退休）。",
					"Employment must be employed, unemployed, unable, not_seeking, student or retired."))
			}
		}},
	yesNoField("college_graduate", "应届大学毕业生", "Graduated from college this year", func(a *Annual) *bool { return &a.CollegeGraduate }),
	yesNoField("school_enrolled", "义务教育在学", "In compulsory education", func(a *Annual) *bool { return &a.SchoolEnrolled }),
	yesNoField("rehab_need", "康复需求", "Needs rehabilitation", func(a *Annual) *bool { return &a.RehabNeed }),
	yesNoField("rehab_received", "已获康复服务", "Received rehabilitation", func(a *Annual) *bool { return &a.RehabReceived }),
	yesNoField("device_need", "辅具需求", "Needs an assistive device", func(a *Annual) *bool { return &a.DeviceNeed }),
	yesNoField("device_received", "已适配辅具", "Received an assistive device", func(a *Annual) *bool { return &a.DeviceReceived }),
	yesNoField("pension_insured", "参加养老保险", "Has pension insurance", func(a *Annual) *bool { return &a.PensionInsured }),
	yesNoField("medical_insured", "参加医疗保险", "Has medical insurance", func(a *Annual) *bool { return &a.MedicalInsured }),
	yesNoField("culture_sports", "参加文体活动", "Took part in culture or sports", func(a *Annual) *bool { return &a.CultureSports }),
	yesNoField("living_subsidy_received", "领取生活补贴", "Receives the living subsidy", func(a *Annual) *bool { return &a.LivingSubsidyReceived }),
	yesNoField("care_subsidy_received", "领取护理补贴", "Receives the care subsidy", func(a *Annual) *bool { return &a.CareSubsidyReceived }),
	{Column: Column{Field: "economic_status", Zh: "经济状况", En: "economic_status", Choices: EconomicStatuses, Example: "normal",
		DescZh: "normal 一般，dibao 低保，near_dibao 低保边缘，tekun 特困", DescEn: "normal, dibao, near_dibao or tekun"},
		LabelZh: "经济状况", LabelEn: "Economic status",
		value: func(a *Annual) any { return &a.EconomicStatus },
		check: func(a *Annual, errs *[]apperr.FieldError) {
			a.EconomicStatus = enum(errs, "economic_status", a.EconomicStatus, "normal", EconomicStatuses,
				"经济状况应为 normal、dibao、near_dibao 或 tekun。", "Economic status must be normal, dibao, near_dibao or tekun.")
		}},
	{Column: Column{Field: "household_income_per_capita", Zh: "家庭人均收入", En: "household_income_per_capita", Example: "36000",
		DescZh: "元/年，整数；不详可留空", DescEn: "Yuan per year, whole number; leave empty when unknown"},
		LabelZh: "家庭人均年收入（元，可不填）", LabelEn: "Household income per person per year (yuan, optional)",
		value: func(a *Annual) any { return &a.HouseholdIncomePerCapita },
		cell: func(a *Annual, v string) *apperr.FieldError {
			if v == "" {
				a.HouseholdIncomePerCapita = nil
				return nil
			}
			n, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
			if err != nil {
				e := cellError("household_income_per_capita", "invalid", apperr.T("家庭人均收入应为数字（元/年）："+v, "Household income per capita must be a number (yuan per year): "+v))
				return &e
			}
			x := int64(n + 0.5)
			a.HouseholdIncomePerCapita = &x
			return nil
		},
		form: func(a *Annual, v string) *apperr.FieldError {
			if v = strings.TrimSpace(v); v == "" {
				return nil
			}
			n, err := strconv.ParseInt(strings.ReplaceAll(v, ",", ""), 10, 64)
			a.HouseholdIncomePerCapita = &n
			if err != nil {
				e := apperr.Field("household_income_per_capita", "invalid", "家庭人均收入应为整数（元/年）。", "Household income per capita must be a whole number of yuan per year.")
				return &e
			}
			return nil
		},
		check: func(a *Annual, errs *[]apperr.FieldError) {
			if a.HouseholdIncomePerCapita != nil && (*a.HouseholdIncomePerCapita < 0 || *a.HouseholdIncomePerCapita > 100_000_000) {
				*errs = append(*errs, apperr.Field("household_income_per_capita", "range", "家庭人均收入应为0至1亿元之间的整数（元/年）。",
					"Household income per capita must be a whole number of yuan per year between 0 and 100 million."))
			}
		}},
	{Column: Column{Field: "orgunit", Zh: "所属村居", En: "orgunit", Example: "310114102201",
		DescZh: "调查时所在村居代码；留空则取登记的村居", DescEn: "Village code at the time of the survey; empty means the registered one"},
		LabelZh: "所属村居", LabelEn: "Village",
		value: func(a *Annual) any { return &a.OrgUnit },
		cell: func(a *Annual, v string) *apperr.FieldError {
			if v != "" {
				a.OrgUnit = v
			}
			return nil
		},
		noForm: true, // the record keeps the person's village
	},
}

// annualFieldIndex finds a field of AnnualFields by name.
var annualFieldIndex = func() map[string]int {
	m := map[string]int{}
	for i, f := range AnnualFields {
		m[f.Field] = i
	}
	return m
}()

// annualField returns the field named name.
func annualField(name string) (AnnualField, bool) {
	i, ok := annualFieldIndex[name]
	if !ok {
		return AnnualField{}, false
	}
	return AnnualFields[i], true
}

// readCell reads a file cell (trimmed) into a.
func (f AnnualField) readCell(a *Annual, v string) *apperr.FieldError {
	if f.cell != nil {
		return f.cell(a, v)
	}
	switch p := f.value(a).(type) {
	case *bool:
		b, ok := ParseBool(v)
		*p = b
		if !ok {
			e := cellError(f.Field, "invalid", apperr.T("应填“是”或“否”："+v, "Use yes or no (是/否): "+v))
			return &e
		}
	case *string:
		*p = enumValue(f.Field, v)
	}
	return nil
}

// readForm reads the posted value into a.
func (f AnnualField) readForm(a *Annual, v string) *apperr.FieldError {
	if f.form != nil {
		return f.form(a, v)
	}
	switch p := f.value(a).(type) {
	case *bool:
		*p = v == "1"
	case *string:
		*p = v
	}
	return nil
}

// sqlValue is the value written to the field's column.
func (f AnnualField) sqlValue(a *Annual) any {
	switch p := f.value(a).(type) {
	case *bool:
		return *p
	case *string:
		return *p
	case **int64:
		if *p == nil {
			return nil
		}
		return **p
	}
	panic("registry: annual field " + f.Field + " has a value of unknown kind")
}

// cellText is the field written to an export cell.
func (f AnnualField) cellText(a *Annual) string {
	switch p := f.value(a).(type) {
	case *bool:
		return yesNo(*p)
	case *string:
		return *p
	case **int64:
		if *p == nil {
			return ""
		}
		return strconv.FormatInt(**p, 10)
	}
	panic("registry: annual field " + f.Field + " has a value of unknown kind")
}

// annualColumns lists the SQL columns of the fields, each with prefix
// (a table alias and a dot, or "").
func annualColumns(prefix string) []string {
	out := make([]string, len(AnnualFields))
	for i, f := range AnnualFields {
		out[i] = prefix + f.Field
	}
	return out
}

// annualValues are the SQL values of the fields of a, in the order of annualColumns.
func annualValues(a *Annual) []any {
	out := make([]any, len(AnnualFields))
	for i, f := range AnnualFields {
		out[i] = f.sqlValue(a)
	}
	return out
}

// annualTargets are the scan targets of the fields of a, in the order of annualColumns.
func annualTargets(a *Annual) []any {
	out := make([]any, len(AnnualFields))
	for i, f := range AnnualFields {
		out[i] = f.value(a)
	}
	return out
}
