package benefits

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/registry"
)

// Facts are what a decision for a month of year Y looks at (CONTRACT:
// Benefits): hukou, category, grade, components, status and certificate
// from the registry; economic status and employment from the annual record
// of Y. Without a record of Y, the economic status is taken as "normal"
// and the employment as "unknown" (AnnualRecord false), and the reasons
// say so: the seeded rules then pay neither a 低保/特困 amount nor the
// "severely disabled without work" amount until the survey is done.
type Facts struct {
	PersonID          int64
	OrgUnit           string
	Month             string // YYYY-MM
	Hukou             string
	Status            string
	CertificateIssued string // YYYY-MM-DD, "" when unknown
	Category, Grade   int
	Components        []int
	BirthYear         int
	AnnualRecord      bool
	EconomicStatus    string
	Employment        string
	// Derived by Complete.
	CertificateActive bool
	Age               int
}

// Unknown employment: the person has no annual record of the year.
const Unknown = "unknown"

// Complete fills what the facts derive for their month: the certificate's
// state, the age, and the annual answers when there is no record.
func (f *Facts) Complete() {
	first, _ := MonthStart(f.Month)
	f.CertificateActive = f.Status == "active" && CertificateActive(f.CertificateIssued, first)
	f.Age = 0
	if f.BirthYear > 0 {
		f.Age = first.Year() - f.BirthYear
	}
	if !f.AnnualRecord {
		f.EconomicStatus, f.Employment = "normal", Unknown
	}
	if f.EconomicStatus == "" {
		f.EconomicStatus = "normal"
	}
}

// CertificateActive reports whether a certificate issued on issued
// (YYYY-MM-DD) is active in the month starting on first: issued less than
// registry.CertificateValidYears years before first, and not after the
// month's last day. (registry.CertificateState counts the tenth
// anniversary itself as valid; the contract's rule does not, so the
// comparison is made here.) An unknown issue date is not active.
func CertificateActive(issued string, first time.Time) bool {
	d, err := time.Parse(time.DateOnly, issued)
	if err != nil {
		return false
	}
	return d.After(first.AddDate(-registry.CertificateValidYears, 0, 0)) && d.Before(first.AddDate(0, 1, 0))
}

var monthRE = regexp.MustCompile(`^\d{4}-\d{2}$`)

// MonthStart is the first day (UTC) of a month written YYYY-MM.
func MonthStart(month string) (time.Time, error) {
	if !monthRE.MatchString(month) {
		return time.Time{}, fmt.Errorf("month %q is not YYYY-MM", month)
	}
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return time.Time{}, fmt.Errorf("month %q: %w", month, err)
	}
	return t, nil
}

// FirstMonth is the earliest month asked about; months at most MonthsAhead
// after the current one may be asked too.
const (
	FirstMonth  = "2000-01"
	MonthsAhead = 24
)

// CheckMonth validates a month (YYYY-MM) against the current month, or
// refuses it naming field.
func CheckMonth(field, month, current string) error {
	t, err := MonthStart(month)
	if err != nil {
		return apperr.Validation(apperr.Field(field, "invalid", "月份应写作 YYYY-MM，例如 2026-03。", "The month must be written YYYY-MM, e.g. 2026-03."))
	}
	cur, _ := MonthStart(current)
	last := cur.AddDate(0, MonthsAhead, 0).Format("2006-01")
	if month < FirstMonth || t.After(cur.AddDate(0, MonthsAhead, 0)) {
		return apperr.Validation(apperr.Field(field, "range", fmt.Sprintf("月份应在 %s 至 %s 之间。", FirstMonth, last),
			fmt.Sprintf("The month must be from %s to %s.", FirstMonth, last)))
	}
	return nil
}

// factReasons are sentences naming the facts used (each once, in the
// order of variables).
func factReasons(f Facts, used []string) []apperr.Text {
	year := f.Month[:4]
	var out []apperr.Text
	annualSaid := false
	for _, v := range variables {
		if !slices.Contains(used, v.Name) {
			continue
		}
		switch v.Name {
		case "hukou":
			out = append(out, apperr.T("户籍："+registry.EnumName(f.Hukou, "zh")+"。", "Household registration: "+registry.EnumName(f.Hukou, "en")+"."))
		case "certificate_active", "status":
			if v.Name == "status" && slices.Contains(used, "certificate_active") {
				continue // said with the certificate
			}
			out = append(out, certReason(f))
		case "category":
			zh, en := categoryName(f.Category)
			out = append(out, apperr.T("残疾类别："+zh+"。", "Category of disability: "+en+"."))
		case "components":
			var zh, en []string
			for _, c := range f.Components {
				z, e := categoryName(c)
				zh, en = append(zh, z), append(en, e)
			}
			if len(zh) == 0 {
				out = append(out, apperr.T("没有记录多重残疾的组成类别。", "No components of a multiple disability are recorded."))
			} else {
				out = append(out, apperr.T("多重残疾包括："+strings.Join(zh, "、")+"。", "The multiple disability combines: "+strings.Join(en, ", ")+"."))
			}
		case "grade":
			zh, en := gradeName(f.Grade)
			if f.Category == 7 {
				out = append(out, apperr.T("残疾等级（多重残疾按其等级）："+zh+"。", "Grade (a multiple disability counts by its grade): "+en+"."))
			} else {
				out = append(out, apperr.T("残疾等级："+zh+"。", "Grade: "+en+"."))
			}
		case "economic_status", "employment", "annual_record":
			if !f.AnnualRecord {
				if !annualSaid {
					out = append(out, apperr.T("没有 "+year+" 年度状况记录：经济状况按“一般”、就业状况按“不详”处理。",
						"There is no annual record for "+year+": the economic status is taken as normal and the employment as unknown."))
					annualSaid = true
				}
				continue
			}
			switch v.Name {
			case "economic_status":
				out = append(out, apperr.T(year+" 年度状况：家庭经济状况为“"+registry.EnumName(f.EconomicStatus, "zh")+"”。",
					"Annual record "+year+": economic status "+registry.EnumName(f.EconomicStatus, "en")+"."))
			case "employment":
				out = append(out, apperr.T(year+" 年度状况：就业状况为“"+registry.EnumName(f.Employment, "zh")+"”。",
					"Annual record "+year+": employment "+registry.EnumName(f.Employment, "en")+"."))
			default:
				out = append(out, apperr.T("有 "+year+" 年度状况记录。", "There is an annual record for "+year+"."))
			}
		case "age":
			a := strconv.Itoa(f.Age)
			out = append(out, apperr.T("年龄："+a+" 岁（"+year+" 年减出生年份）。", "Age: "+a+" ("+year+" minus the year of birth)."))
		}
	}
	return out
}

// certReason says why the certificate is active in the month or not.
func certReason(f Facts) apperr.Text {
	first, _ := MonthStart(f.Month)
	switch {
	case f.Status != "active":
		return apperr.T("档案状态为“"+registry.EnumName(f.Status, "zh")+"”，残疾证不视为有效。",
			"The record's status is "+registry.EnumName(f.Status, "en")+": the certificate does not count as active.")
	case f.CertificateIssued == "":
		return apperr.T("残疾证发证日期不详，无法确认残疾证有效。", "The certificate's date of issue is unknown: it cannot be taken as active.")
	case f.CertificateActive:
		return apperr.T("残疾证有效："+f.CertificateIssued+" 发证，不满 10 年。", "The certificate is active: issued "+f.CertificateIssued+", less than 10 years before.")
	case f.CertificateIssued >= first.AddDate(0, 1, 0).Format(time.DateOnly):
		return apperr.T("残疾证 "+f.CertificateIssued+" 才发证，晚于该月。", "The certificate was issued on "+f.CertificateIssued+", after that month.")
	}
	return apperr.T("残疾证已失效："+f.CertificateIssued+" 发证，到 "+f.Month+" 已满 10 年，需要重新评定换证。",
		"The certificate is no longer active: issued "+f.CertificateIssued+", 10 years or more before "+f.Month+"; it must be renewed after a new assessment.")
}

func categoryName(c int) (zh, en string) {
	for _, x := range registry.Categories {
		if x.Code == c {
			return x.Zh, x.En
		}
	}
	return strconv.Itoa(c), strconv.Itoa(c)
}

func gradeName(g int) (zh, en string) {
	for _, x := range registry.Grades {
		if x.Code == g {
			return x.Zh + "（" + x.SeverityZh + "）", fmt.Sprintf("%d (%s)", g, x.SeverityEn)
		}
	}
	return strconv.Itoa(g), strconv.Itoa(g)
}
