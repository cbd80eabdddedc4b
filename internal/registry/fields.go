package registry

import (
	"slices"
	"strconv"
	"strings"
	"sunshine/internal/platform/tabular"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/money"
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
	// amount, for an amount field, is how its text is read (readIncome): the
	// phone's form reads it by the same definition (visits_api.go).
	amount *money.Field
	// form reads the posted value into a; nil reads by the kind of value (a
	// ticked box is "1", text as it is). noForm fields have no form input.
	form   func(a *Annual, v string) *apperr.FieldError
	noForm bool
	// check validates (and tidies) the value; nil has nothing to check.
	check func(a *Annual, errs *[]apperr.FieldError)
	// MinAge and MaxAge bound the ages (survey year − birth year, DOMAIN.md
	// §7) the question applies to; 0 leaves that side open. The form asks
	// only what applies.
	MinAge, MaxAge int
}

// AppliesAt tells whether the question applies to a person of age.
func (f AnnualField) AppliesAt(age int) bool {
	return (f.MinAge == 0 || age >= f.MinAge) && (f.MaxAge == 0 || age <= f.MaxAge)
}

// ages bounds the ages a field applies to.
func ages(f AnnualField, lo, hi int) AnnualField {
	f.MinAge, f.MaxAge = lo, hi
	return f
}

// unknownWords are what a file cell says for an answer that is not known.
var unknownWords = map[string]bool{"不详": true, "未知": true, "不清楚": true, "unknown": true, "?": true, "？": true}

// IsUnknown tells whether the answer of the yes/no field named name is not known.
func (a *Annual) IsUnknown(name string) bool { return slices.Contains(a.Unknown, name) }

// markUnknown records that the answer of the yes/no field named name is not
// known (its value is false).
func (a *Annual) markUnknown(name string) {
	if !a.IsUnknown(name) {
		a.Unknown = append(a.Unknown, name)
	}
	if f, ok := annualField(name); ok && f.YesNo {
		*f.value(a).(*bool) = false
	}
}

// checkUnknown validates and orders the unknown answers: yes/no fields
// only, each once, none of them also answered yes.
func checkUnknown(a *Annual, errs *[]apperr.FieldError) {
	if len(a.Unknown) == 0 {
		a.Unknown = nil
		return
	}
	var out []string
	for _, f := range AnnualFields {
		if !f.YesNo || !slices.Contains(a.Unknown, f.Field) {
			continue
		}
		if *f.value(a).(*bool) {
			*errs = append(*errs, apperr.Field("unknown", "invalid", "“"+f.LabelZh+"”不能既为“是”又为“不详”。",
				"“"+f.LabelEn+"” cannot be both yes and unknown."))
		}
		out = append(out, f.Field)
	}
	for _, n := range a.Unknown {
		if f, ok := annualField(n); !ok || !f.YesNo {
			*errs = append(*errs, apperr.Field("unknown", "invalid", "“不详”只能用于是/否问题："+clip(n),
				"Only yes/no questions can be unknown: "+clip(n)))
			break
		}
	}
	a.Unknown = out
}

// clip bounds a name quoted in a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// unknownText is the stored form of a's unknown answers.
func unknownText(a *Annual) string { return strings.Join(a.Unknown, ",") }

// unknownList reads the stored form of unknown answers.
func unknownList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// yesNoField describes a yes/no field: its name, Chinese header and label, and
// English label.
func yesNoField(name, zh, en string, value func(a *Annual) *bool) AnnualField {
	return AnnualField{
		Column: Column{Field: name, Zh: zh, En: name, Choices: []string{"是", "否", "不详"}, Example: "否",
			DescZh: "是/否（也可填 true/false、1/0、Y/N）；不知道填“不详”", DescEn: en + ": yes/no (是/否, true/false, 1/0, Y/N); 不详 or unknown when not known"},
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
	// A college graduate of the year is 16 to 40; compulsory schooling is
	// asked from 6 to 17 (DOMAIN.md §7 counts 6–15; late starters stay
	// longer); pensions from 16 (the pension indicator's population).
	ages(yesNoField("college_graduate", "应届大学毕业生", "Graduated from college this year", func(a *Annual) *bool { return &a.CollegeGraduate }), 16, 40),
	ages(yesNoField("school_enrolled", "义务教育在学", "In compulsory education", func(a *Annual) *bool { return &a.SchoolEnrolled }), 6, 17),
	yesNoField("rehab_need", "康复需求", "Needs rehabilitation", func(a *Annual) *bool { return &a.RehabNeed }),
	yesNoField("rehab_received", "已获康复服务", "Received rehabilitation", func(a *Annual) *bool { return &a.RehabReceived }),
	yesNoField("device_need", "辅具需求", "Needs an assistive device", func(a *Annual) *bool { return &a.DeviceNeed }),
	yesNoField("device_received", "已适配辅具", "Received an assistive device", func(a *Annual) *bool { return &a.DeviceReceived }),
	ages(yesNoField("pension_insured", "参加养老保险", "Has pension insurance", func(a *Annual) *bool { return &a.PensionInsured }), 16, 0),
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
		DescZh: "元/年，整数（可写 36000、36,000 或 3.6万）；不详可留空", DescEn: "Yuan per year, whole number (36000, 36,000 or 3.6万); leave empty when unknown"},
		LabelZh: "家庭人均年收入（元，可不填）", LabelEn: "Household income per person per year (yuan, optional)",
		value:  func(a *Annual) any { return &a.HouseholdIncomePerCapita },
		amount: &incomeField,
		cell: func(a *Annual, v string) *apperr.FieldError {
			n, fe := readIncome(v)
			if fe != nil {
				e := cellError(fe.Field, fe.Code, fe.Msg)
				return &e
			}
			a.HouseholdIncomePerCapita = n
			return nil
		},
		form: func(a *Annual, v string) *apperr.FieldError {
			n, fe := readIncome(v)
			a.HouseholdIncomePerCapita = n
			return fe
		},
		check: func(a *Annual, errs *[]apperr.FieldError) {
			if a.HouseholdIncomePerCapita != nil && (*a.HouseholdIncomePerCapita < 0 || *a.HouseholdIncomePerCapita > MaxIncomePerCapita) {
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

// MaxIncomePerCapita bounds the household income per person, in yuan a year.
const MaxIncomePerCapita = 100_000_000

// incomeField reads the household income per person: whole yuan a year.
var incomeField = money.Field{Name: "household_income_per_capita", Zh: "家庭人均年收入", En: "The household income per person",
	Max: MaxIncomePerCapita * 100, Whole: true}

// readIncome reads the household income per person as typed in a form or a
// file: nil when empty (unknown), an error quoting what was typed when it
// cannot be read — never 0 for what is not a number.
func readIncome(v string) (*int64, *apperr.FieldError) {
	cents, given, fe := incomeField.Read(v)
	if fe != nil || !given {
		return nil, fe
	}
	yuan := cents / 100
	return &yuan, nil
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
		if unknownWords[strings.ToLower(v)] {
			a.markUnknown(f.Field)
			return nil
		}
		b, ok := ParseBool(v)
		*p = b
		a.Unknown = slices.DeleteFunc(a.Unknown, func(n string) bool { return n == f.Field })
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
		if v == "unknown" {
			a.markUnknown(f.Field)
		}
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
		if a.IsUnknown(f.Field) {
			return "不详"
		}
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

// PersonField is one field of a person (PersonInput), described once: its
// Column.Field is the JSON key of PersonInput, the name of the form's input
// and the English header of person files; the rest of Column is the Chinese
// header and the help of the import template. The import, the export, the
// person form and its changes are driven by PersonFields; the checks of a
// person stay in ValidatePerson, which needs several fields together.
type PersonField struct {
	Column
	// value points at the field in a person: a *string, *int or *[]int.
	value func(in *PersonInput) any
	// cell reads a file cell (trimmed) into in; nil sets text as it is
	// (enum: through enumValue).
	cell func(in *PersonInput, v string) *apperr.FieldError
	enum bool
	// form reads the posted value into in; nil sets text as it is and
	// numbers when they are numbers.
	form func(in *PersonInput, v string)
	// Secret fields are stored encrypted and shown masked; the edit form
	// shows them empty and changes them only when something is typed in.
	// Their columns are stem_enc and stem_masked (mask makes the masked
	// form), and for an indexed one stem_bidx, the blind index to find it by.
	Secret  bool
	stem    string
	mask    func(string) string
	indexed bool
	// derived are the blind indexes of parts of the value that search
	// finds a person by (search.go): columns after stem_bidx.
	derived []module.Derived
}

func personText(c Column, value func(in *PersonInput) *string) PersonField {
	return PersonField{Column: c, value: func(in *PersonInput) any { return value(in) }}
}

func personEnum(c Column, value func(in *PersonInput) *string) PersonField {
	f := personText(c, value)
	f.enum = true
	return f
}

func personSecret(c Column, stem string, mask func(string) string, value func(in *PersonInput) *string) PersonField {
	f := personText(c, value)
	f.Secret, f.stem, f.mask = true, stem, mask
	return f
}

// searchable makes a secret field found by its blind index.
func searchable(f PersonField) PersonField {
	f.indexed = true
	return f
}

// withDerived makes a secret field found by blind indexes of parts of it.
func withDerived(f PersonField, d ...module.Derived) PersonField {
	f.derived = d
	return f
}

// PersonFields are the fields of a person, in the order of the columns of
// person files (CONTRACT.md, then household and components).
var PersonFields = []PersonField{
	personText(Column{Field: "name", Zh: "姓名", En: "name", Required: true, Example: "张三", DescZh: "残疾人姓名", DescEn: "Full name"},
		func(in *PersonInput) *string { return &in.Name }),
	withDerived(searchable(personSecret(Column{Field: "id_number", Zh: "身份证号", En: "id_number", Required: true, Example: "11010519491231002X",
		DescZh: "18位居民身份证号（旧15位号码自动升位）", DescEn: "18-character resident ID number (legacy 15-digit numbers are converted)"},
		"id", MaskID, func(in *PersonInput) *string { return &in.IDNumber })), idTailIndex),
	personSecret(Column{Field: "certificate_number", Zh: "残疾证号", En: "certificate_number", Example: "11010519491231002X42",
		DescZh: "身份证号+类别+等级，补发证加 B1、B2…", DescEn: "ID number + category digit + grade digit, plus B1, B2… for reissues"},
		"cert", MaskCertificate, func(in *PersonInput) *string { return &in.CertificateNumber }),
	{Column: Column{Field: "category", Zh: "残疾类别", En: "category", Required: true, Choices: []string{"1", "2", "3", "4", "5", "6", "7"}, Example: "4",
		DescZh: "1视力 2听力 3言语 4肢体 5智力 6精神 7多重；也可填中文或英文名称", DescEn: "1 visual, 2 hearing, 3 speech, 4 physical, 5 intellectual, 6 mental, 7 multiple; names accepted too"},
		value: func(in *PersonInput) any { return &in.Category },
		cell: func(in *PersonInput, v string) *apperr.FieldError {
			n, ok := ParseCategory(v)
			if !ok {
				e := cellError("category", "invalid", apperr.T("无法识别的残疾类别："+v+"（应为1至7或类别名称）", "Unknown category: "+v+" (use 1 to 7 or the category's name)"))
				return &e
			}
			in.Category = n
			return nil
		}},
	{Column: Column{Field: "grade", Zh: "残疾等级", En: "grade", Required: true, Choices: []string{"1", "2", "3", "4"}, Example: "2",
		DescZh: "1至4级（一级最重）", DescEn: "1 to 4 (1 is the most severe)"},
		value: func(in *PersonInput) any { return &in.Grade },
		cell: func(in *PersonInput, v string) *apperr.FieldError {
			n, ok := ParseGrade(v)
			if !ok {
				e := cellError("grade", "invalid", apperr.T("无法识别的残疾等级："+v+"（应为1至4）", "Unknown grade: "+v+" (use 1 to 4)"))
				return &e
			}
			in.Grade = n
			return nil
		}},
	{Column: Column{Field: "orgunit", Zh: "所属村居", En: "orgunit", Required: true, Example: "310114102201",
		DescZh: "村（居）委会的12位代码", DescEn: "12-digit code of the village or residential committee"},
		value: func(in *PersonInput) any { return &in.OrgUnit },
		form:  func(in *PersonInput, v string) { in.OrgUnit = strings.TrimSpace(v) }},
	withDerived(personSecret(Column{Field: "phone", Zh: "联系电话", En: "phone", Example: "13812345678", DescZh: "手机号或带区号的固定电话", DescEn: "Mobile, or landline with area code"},
		"phone", MaskPhone, func(in *PersonInput) *string { return &in.Phone }), phoneIndex, phoneTailIndex),
	personText(Column{Field: "address", Zh: "住址", En: "address", Example: "南翔镇民主街12号", DescZh: "现住址", DescEn: "Current address"},
		func(in *PersonInput) *string { return &in.Address }),
	personEnum(Column{Field: "hukou", Zh: "户籍", En: "hukou", Choices: Hukous, Example: "local", DescZh: "local 本地户籍，nonlocal 外地户籍", DescEn: "local or nonlocal household registration"},
		func(in *PersonInput) *string { return &in.Hukou }),
	personEnum(Column{Field: "economic_status", Zh: "经济状况", En: "economic_status", Choices: EconomicStatuses, Example: "normal",
		DescZh: "normal 一般，dibao 低保，near_dibao 低保边缘，tekun 特困", DescEn: "normal, dibao (minimum living allowance), near_dibao, tekun (extreme poverty)"},
		func(in *PersonInput) *string { return &in.EconomicStatus }),
	personText(Column{Field: "guardian_name", Zh: "监护人", En: "guardian_name", DescZh: "监护人姓名", DescEn: "Guardian's name"},
		func(in *PersonInput) *string { return &in.GuardianName }),
	personSecret(Column{Field: "guardian_phone", Zh: "监护人电话", En: "guardian_phone", DescZh: "监护人联系电话", DescEn: "Guardian's phone"},
		"guardian_phone", MaskPhone, func(in *PersonInput) *string { return &in.GuardianPhone }),
	{Column: Column{Field: "certificate_issued", Zh: "发证日期", En: "certificate_issued", Example: "2020-05-01", DescZh: "YYYY-MM-DD", DescEn: "YYYY-MM-DD"},
		value: func(in *PersonInput) any { return &in.CertificateIssued },
		cell: func(in *PersonInput, v string) *apperr.FieldError {
			in.CertificateIssued = dateCell(v, tabular.KindText)
			return nil
		}},
	personEnum(Column{Field: "status", Zh: "状态", En: "status", Choices: Statuses, Example: "active",
		DescZh: "active 在册，moved_out 迁出，deceased 死亡，cancelled 注销", DescEn: "active, moved_out, deceased or cancelled"},
		func(in *PersonInput) *string { return &in.Status }),
	personText(Column{Field: "household", Zh: "户号", En: "household", DescZh: "同户成员填写相同户号", DescEn: "Household number, the same for members of one household"},
		func(in *PersonInput) *string { return &in.Household }),
	{Column: Column{Field: "components", Zh: "多重残疾类别", En: "components", Example: "",
		DescZh: "仅多重残疾填写，如 1,4", DescEn: "Only for multiple disability, e.g. 1,4"},
		value: func(in *PersonInput) any { return &in.Components },
		cell: func(in *PersonInput, v string) *apperr.FieldError {
			comps, ok := parseComponentsCell(v)
			if !ok {
				e := cellError("components", "invalid", apperr.T("多重残疾类别应写成如 1,4", "Write the components like 1,4"))
				return &e
			}
			in.Components = comps
			return nil
		},
		form: func(in *PersonInput, v string) {
			if comps, ok := parseComponentsCell(v); ok {
				in.Components = comps
			}
		}},
}

// readCell reads a file cell (trimmed) into in.
func (f PersonField) readCell(in *PersonInput, v string) *apperr.FieldError {
	if f.cell != nil {
		return f.cell(in, v)
	}
	if p, ok := f.value(in).(*string); ok {
		*p = v
		if f.enum {
			*p = enumValue(f.Field, v)
		}
	}
	return nil
}

// readForm reads the posted value into in.
func (f PersonField) readForm(in *PersonInput, v string) {
	if f.form != nil {
		f.form(in, v)
		return
	}
	switch p := f.value(in).(type) {
	case *string:
		*p = v
	case *int:
		*p, _ = strconv.Atoi(v)
	}
}

// copyFrom sets the field of in to its value in old.
func (f PersonField) copyFrom(in *PersonInput, old *PersonInput) {
	switch p := f.value(in).(type) {
	case *string:
		*p = *f.value(old).(*string)
	case *int:
		*p = *f.value(old).(*int)
	case *[]int:
		*p = *f.value(old).(*[]int)
	}
}

// cellText is the field written to an export cell, or given to a change.
func (f PersonField) cellText(in *PersonInput) string {
	switch p := f.value(in).(type) {
	case *string:
		return *p
	case *int:
		return strconv.Itoa(*p)
	case *[]int:
		return formatComponents(*p)
	}
	panic("registry: person field " + f.Field + " has a value of unknown kind")
}

// jsonValue is the field's value as the API takes it.
func (f PersonField) jsonValue(in *PersonInput) any {
	switch p := f.value(in).(type) {
	case *string:
		return *p
	case *int:
		return *p
	case *[]int:
		return *p
	}
	return nil
}

// personFieldIndex finds a field of PersonFields by name.
var personFieldIndex = func() map[string]int {
	m := map[string]int{}
	for i, f := range PersonFields {
		m[f.Field] = i
	}
	return m
}()

// personFieldCols are the persons columns of PersonFields: a plain field's
// own column, a secret's encrypted (blind index) and masked ones.
func personFieldCols() []string {
	var out []string
	for _, f := range PersonFields {
		switch {
		case !f.Secret:
			out = append(out, f.Field)
		default:
			out = append(out, f.stem+"_enc")
			if f.indexed {
				out = append(out, f.stem+"_bidx")
			}
			for _, d := range f.derived {
				out = append(out, d.Column)
			}
			out = append(out, f.stem+"_masked")
		}
	}
	return out
}

// personFieldValues are the values of personFieldCols for a validated person,
// secrets encrypted.
func (s *Store) personFieldValues(in *PersonInput) []any {
	out := make([]any, 0, len(PersonFields)+len(PersonFields)/2)
	for _, f := range PersonFields {
		if !f.Secret {
			out = append(out, f.sqlValue(in))
			continue
		}
		v := *f.value(in).(*string)
		out = append(out, s.vault.Seal(f.Field, v))
		if f.indexed {
			out = append(out, s.vault.Index(f.Field, v))
		}
		for _, d := range f.derived {
			out = append(out, s.derivedIndex(d, v))
		}
		out = append(out, f.mask(v))
	}
	return out
}

// sqlValue is the value a plain field is stored as.
func (f PersonField) sqlValue(in *PersonInput) any {
	switch p := f.value(in).(type) {
	case *string:
		return *p
	case *int:
		return *p
	case *[]int:
		return formatComponents(*p)
	}
	panic("registry: person field " + f.Field + " has a value of unknown kind")
}

// personReadCols are the columns scanPersonFields reads: a plain field's
// own, a secret's encrypted one (masked: its masked one instead).
func personReadCols(alias string, masked bool) []string {
	out := make([]string, len(PersonFields))
	for i, f := range PersonFields {
		switch {
		case !f.Secret:
			out[i] = alias + f.Field
		case masked:
			out[i] = alias + f.stem + "_masked"
		default:
			out[i] = alias + f.stem + "_enc"
		}
	}
	return out
}

// scanTargets returns the targets of personReadCols (the same masked) for in;
// done finishes them after the scan (decrypts the secrets, parses the lists).
func (s *Store) scanTargets(in *PersonInput, masked bool) (dest []any, done func() error) {
	var after []func() error
	for _, f := range PersonFields {
		switch p := f.value(in).(type) {
		case *[]int:
			var text string
			dest = append(dest, &text)
			after = append(after, func() error { *p = parseComponents(text); return nil })
		case *string:
			if !f.Secret || masked {
				dest = append(dest, p)
				continue
			}
			var enc []byte
			dest = append(dest, &enc)
			after = append(after, func() error {
				var err error
				*p, err = s.vault.Open(f.Field, enc)
				return err
			})
		default:
			dest = append(dest, p)
		}
	}
	return dest, func() error {
		for _, fn := range after {
			if err := fn(); err != nil {
				return err
			}
		}
		return nil
	}
}

// readAnnualAnswers reads the answers of the annual form — the page's form
// and a phone's offline form alike (visits.go) — from get (the value posted
// for a field's name) for a person of age: a yes/no question is "1", "0" or
// "unknown"; one asked and left unanswered is not known, one not asked (it
// does not apply at age) is no. The record's year and version are the
// caller's to set.
func readAnnualAnswers(get func(string) string, age int) (Annual, []apperr.FieldError) {
	var a Annual
	var errs []apperr.FieldError
	for _, f := range AnnualFields {
		if f.noForm {
			continue
		}
		v := get(f.Field)
		if f.YesNo {
			switch v {
			case "1", "0", "unknown":
			case "":
				if f.AppliesAt(age) {
					v = "unknown"
				}
			default:
				errs = append(errs, yesNoChoiceError(f))
				continue
			}
		}
		if e := f.readForm(&a, v); e != nil {
			errs = append(errs, *e)
		}
	}
	return a, errs
}

// yesNoChoiceError is the error of a yes/no answer that is none of the three.
func yesNoChoiceError(f AnnualField) apperr.FieldError {
	return apperr.Field(f.Field, "invalid", "“"+f.LabelZh+"”请选择“是”“否”或“不详”。", "“"+f.LabelEn+"”: choose yes, no or unknown.")
}
