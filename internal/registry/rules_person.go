package registry

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"sunshine/internal/platform/apperr"
)

// CertificateValidYears is how long a certificate is valid from issue (DOMAIN.md §1.2).
const CertificateValidYears = 10

// Normalized is a validated person: the input cleaned, plus what the ID number tells.
type Normalized struct {
	PersonInput
	ID IDNumber
}

// ValidatePerson checks every field of a person (DOMAIN.md §1–§2) and returns all
// field errors at once. It does not check the org unit's existence, level or
// scope, which need the database. allowLegacy accepts 15-digit ID numbers (import).
func ValidatePerson(in PersonInput, today time.Time, allowLegacy bool) (Normalized, []apperr.FieldError) {
	var errs []apperr.FieldError
	add := func(e *apperr.FieldError) {
		if e != nil {
			errs = append(errs, *e)
		}
	}
	field := func(f, code, zh, en string) {
		errs = append(errs, apperr.Field(f, code, zh, en))
	}
	in.Name = strings.TrimSpace(in.Name)
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		field("name", "required", "请填写姓名。", "Enter the name.")
	case n > 50:
		field("name", "too_long", "姓名最多50个字符。", "The name can have at most 50 characters.")
	}
	var id IDNumber
	var idErr *apperr.FieldError
	if allowLegacy {
		id, idErr = ParseIDNumberLegacy("id_number", in.IDNumber, today)
	} else {
		id, idErr = ParseIDNumber("id_number", in.IDNumber, today)
	}
	add(idErr)
	if idErr == nil {
		in.IDNumber = id.Value
	}
	catOK := in.Category >= 1 && in.Category <= 7
	if !catOK {
		field("category", "invalid", "残疾类别应为1至7：1视力 2听力 3言语 4肢体 5智力 6精神 7多重。",
			"The category must be 1 to 7: 1 visual, 2 hearing, 3 speech, 4 physical, 5 intellectual, 6 mental, 7 multiple.")
	}
	gradeOK := in.Grade >= 1 && in.Grade <= 4
	if !gradeOK {
		field("grade", "invalid", "残疾等级应为1至4级。", "The grade must be 1 to 4.")
	}
	if len(in.Components) > 0 {
		c := slices.Clone(in.Components)
		slices.Sort(c)
		c = slices.Compact(c)
		switch {
		case in.Category != 7:
			field("components", "not_multiple", "只有多重残疾（类别7）才填写组成类别。", "Component categories apply only to multiple disability (category 7).")
		case len(c) != len(in.Components) || len(c) < 2 || c[0] < 1 || c[len(c)-1] > 6:
			field("components", "invalid", "多重残疾的组成类别应为1至6中至少两个不同的类别。",
				"The components of a multiple disability are two or more different categories from 1 to 6.")
		default:
			in.Components = c
		}
	}
	in.CertificateNumber = strings.TrimSpace(in.CertificateNumber)
	if in.CertificateNumber != "" && idErr == nil && catOK && gradeOK {
		c, e := ParseCertificateNumber("certificate_number", in.CertificateNumber, id.Value, in.Category, in.Grade)
		add(e)
		in.CertificateNumber = c
	}
	in.OrgUnit = strings.TrimSpace(in.OrgUnit)
	if in.OrgUnit == "" {
		field("orgunit", "required", "请选择所属村居（或填写其12位代码）。", "Choose the village or residential committee (or enter its 12-digit code).")
	}
	var e *apperr.FieldError
	in.Phone, e = ParsePhone("phone", in.Phone)
	add(e)
	in.GuardianPhone, e = ParsePhone("guardian_phone", in.GuardianPhone)
	add(e)
	// A line break is kept as LF, as office suites show it and as our
	// exports write it (a browser's form sends CR LF), so that an export
	// imported again changes nothing.
	in.Address = strings.TrimSpace(strings.ReplaceAll(in.Address, "\r\n", "\n"))
	if utf8.RuneCountInString(in.Address) > 200 {
		field("address", "too_long", "住址最多200个字符。", "The address can have at most 200 characters.")
	}
	in.GuardianName = strings.TrimSpace(in.GuardianName)
	if utf8.RuneCountInString(in.GuardianName) > 50 {
		field("guardian_name", "too_long", "监护人姓名最多50个字符。", "The guardian's name can have at most 50 characters.")
	}
	in.Household = strings.TrimSpace(in.Household)
	if len(in.Household) > 32 {
		field("household", "too_long", "户号最多32个字符。", "The household number can have at most 32 characters.")
	}
	in.Hukou = enum(&errs, "hukou", in.Hukou, "local", Hukous, "户籍应为 local（本地）或 nonlocal（外地）。", "Household registration must be local or nonlocal.")
	in.EconomicStatus = enum(&errs, "economic_status", in.EconomicStatus, "normal", EconomicStatuses,
		"经济状况应为 normal（一般）、dibao（低保）、near_dibao（低保边缘）或 tekun（特困）。",
		"Economic status must be normal, dibao, near_dibao or tekun.")
	in.Status = enum(&errs, "status", in.Status, "active", Statuses,
		"状态应为 active（在册）、moved_out（迁出）、deceased（死亡）或 cancelled（注销）。",
		"Status must be active, moved_out, deceased or cancelled.")
	in.CertificateIssued = strings.TrimSpace(in.CertificateIssued)
	if in.CertificateIssued != "" {
		d, err := time.Parse(time.DateOnly, in.CertificateIssued)
		switch {
		case err != nil:
			field("certificate_issued", "format", "发证日期格式应为 YYYY-MM-DD，例如 2020-05-01。", "The issue date must look like YYYY-MM-DD, e.g. 2020-05-01.")
		case d.After(today):
			field("certificate_issued", "future", "发证日期不能晚于今天。", "The issue date cannot be in the future.")
		case idErr == nil && in.CertificateIssued < id.BirthDate:
			field("certificate_issued", "before_birth", "发证日期不能早于出生日期。", "The issue date cannot be before the birth date.")
		}
	}
	return Normalized{PersonInput: in, ID: id}, errs
}

func enum(errs *[]apperr.FieldError, field, v, def string, allowed []string, zh, en string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return def
	}
	if !slices.Contains(allowed, v) {
		*errs = append(*errs, apperr.Field(field, "invalid", zh, en))
	}
	return v
}

// CertificateExpiry returns the expiry date of a certificate issued on issued
// (YYYY-MM-DD), or "" when unknown.
func CertificateExpiry(issued string) string {
	d, err := time.Parse(time.DateOnly, issued)
	if err != nil {
		return ""
	}
	return d.AddDate(CertificateValidYears, 0, 0).Format(time.DateOnly)
}

// ValidateAnnual checks an annual record's year, and each field by its check in AnnualFields.
func ValidateAnnual(a *Annual, currentYear int) []apperr.FieldError {
	var errs []apperr.FieldError
	if a.Year < 2000 || a.Year > currentYear+1 {
		errs = append(errs, apperr.Field("year", "invalid", fmt.Sprintf("年度应在2000至%d之间。", currentYear+1),
			fmt.Sprintf("The year must be between 2000 and %d.", currentYear+1)))
	}
	for _, f := range AnnualFields {
		if f.check != nil {
			f.check(a, &errs)
		}
	}
	checkUnknown(a, &errs)
	return errs
}
