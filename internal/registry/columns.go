package registry

import (
	"strconv"
	"strings"

	"sunshine/internal/platform/apperr"
)

// Column is one column of the person or annual file formats: its field name
// (the API's), its Chinese and English headers, and help for the template.
type Column struct {
	Field    string
	Zh, En   string
	Required bool
	Choices  []string
	Example  string
	DescZh   string
	DescEn   string
}

// PersonColumns are the columns of person files, in the order of CONTRACT.md;
// household and components follow as optional extras (PersonFields).
func PersonColumns() []Column {
	cols := make([]Column, len(PersonFields))
	for i, f := range PersonFields {
		cols[i] = f.Column
	}
	return cols
}

// AnnualColumns are the columns of annual-record files (DOMAIN.md §6): the ID
// number, then the fields of AnnualFields.
func AnnualColumns() []Column {
	cols := []Column{annualIDColumn}
	for _, f := range AnnualFields {
		cols = append(cols, f.Column)
	}
	return cols
}

// headerMap maps each column of a file's header to a field. Unknown headers
// are returned separately; a field named twice is reported as a duplicate.
func headerMap(header []string, cols []Column) (fields []string, unknown []string, dup []string) {
	byName := map[string]string{}
	for _, c := range cols {
		byName[normHeader(c.Zh)] = c.Field
		byName[normHeader(c.En)] = c.Field
	}
	fields = make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		f, ok := byName[normHeader(h)]
		switch {
		case strings.TrimSpace(h) == "":
		case !ok:
			unknown = append(unknown, h)
		case seen[f]:
			dup = append(dup, h)
		default:
			fields[i], seen[f] = f, true
		}
	}
	return fields, unknown, dup
}

// headerScore scores a row as the header of a file of cols: how many of
// its cells name a column (tabular.Options.Header).
func headerScore(cols []Column) func([]string) int {
	byName := map[string]bool{}
	for _, c := range cols {
		byName[normHeader(c.Zh)] = true
		byName[normHeader(c.En)] = true
	}
	return func(cells []string) int {
		n := 0
		for _, c := range cells {
			if byName[normHeader(c)] {
				n++
			}
		}
		return n
	}
}

func normHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.TrimPrefix(h, "*") // templates mark required columns with *
	return strings.NewReplacer(" ", "", "_", "", "-", "", "（", "(", "）", ")").Replace(h)
}

// ParseBool accepts 是/否, true/false, 1/0, Y/N, yes/no; empty is false.
func ParseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "是", "true", "1", "y", "yes", "有", "√":
		return true, true
	case "否", "false", "0", "n", "no", "无", "", "×":
		return false, true
	}
	return false, false
}

// enumAliases maps the Chinese names staff type to the codes.
var enumAliases = map[string]map[string]string{
	"hukou":           {"本地": "local", "本市": "local", "外地": "nonlocal", "非本地": "nonlocal", "外省市": "nonlocal"},
	"economic_status": {"一般": "normal", "正常": "normal", "低保": "dibao", "低保边缘": "near_dibao", "特困": "tekun", "特困供养": "tekun"},
	"status":          {"在册": "active", "正常": "active", "迁出": "moved_out", "死亡": "deceased", "注销": "cancelled"},
	"employment": {"就业": "employed", "已就业": "employed", "失业": "unemployed", "失业求职": "unemployed", "无劳动能力": "unable",
		"丧失劳动能力": "unable", "未求职": "not_seeking", "在校": "student", "学生": "student", "退休": "retired"},
}

// enumValue turns a typed value into its code (unknown values pass through for
// validation to refuse).
func enumValue(field, v string) string {
	v = strings.TrimSpace(v)
	if code, ok := enumAliases[field][v]; ok {
		return code
	}
	if code, ok := enumByLabel(field, v); ok {
		return code
	}
	return v
}

func cellError(field, code string, msg apperr.Text) apperr.FieldError {
	return apperr.FieldError{Field: field, Code: code, Msg: msg}
}

// parseComponentsCell reads "1,4" or "1、4" or "1 4".
func parseComponentsCell(s string) ([]int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' || r == ';' }) {
		n, ok := ParseCategory(f)
		if !ok {
			if v, err := strconv.Atoi(f); err == nil {
				n = v
			} else {
				return nil, false
			}
		}
		out = append(out, n)
	}
	return out, true
}
