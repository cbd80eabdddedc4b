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
// household and components follow as optional extras.
func PersonColumns() []Column {
	return []Column{
		{Field: "name", Zh: "姓名", En: "name", Required: true, Example: "张三", DescZh: "残疾人姓名", DescEn: "Full name"},
		{Field: "id_number", Zh: "身份证号", En: "id_number", Required: true, Example: "11010519491231002X",
			DescZh: "18位居民身份证号（旧15位号码自动升位）", DescEn: "18-character resident ID number (legacy 15-digit numbers are converted)"},
		{Field: "certificate_number", Zh: "残疾证号", En: "certificate_number", Example: "11010519491231002X42",
			DescZh: "身份证号+类别+等级，补发证加 B1、B2…", DescEn: "ID number + category digit + grade digit, plus B1, B2… for reissues"},
		{Field: "category", Zh: "残疾类别", En: "category", Required: true, Choices: []string{"1", "2", "3", "4", "5", "6", "7"}, Example: "4",
			DescZh: "1视力 2听力 3言语 4肢体 5智力 6精神 7多重；也可填中文或英文名称", DescEn: "1 visual, 2 hearing, 3 speech, 4 physical, 5 intellectual, 6 mental, 7 multiple; names accepted too"},
		{Field: "grade", Zh: "残疾等级", En: "grade", Required: true, Choices: []string{"1", "2", "3", "4"}, Example: "2",
			DescZh: "1至4级（一级最重）", DescEn: "1 to 4 (1 is the most severe)"},
		{Field: "orgunit", Zh: "所属村居", En: "orgunit", Required: true, Example: "310114102201",
			DescZh: "村（居）委会的12位代码", DescEn: "12-digit code of the village or residential committee"},
		{Field: "phone", Zh: "联系电话", En: "phone", Example: "13812345678", DescZh: "手机号或带区号的固定电话", DescEn: "Mobile, or landline with area code"},
		{Field: "address", Zh: "住址", En: "address", Example: "南翔镇民主街12号", DescZh: "现住址", DescEn: "Current address"},
		{Field: "hukou", Zh: "户籍", En: "hukou", Choices: Hukous, Example: "local", DescZh: "local 本地户籍，nonlocal 外地户籍", DescEn: "local or nonlocal household registration"},
		{Field: "economic_status", Zh: "经济状况", En: "economic_status", Choices: EconomicStatuses, Example: "normal",
			DescZh: "normal 一般，dibao 低保，near_dibao 低保边缘，tekun 特困", DescEn: "normal, dibao (minimum living allowance), near_dibao, tekun (extreme poverty)"},
		{Field: "guardian_name", Zh: "监护人", En: "guardian_name", DescZh: "监护人姓名", DescEn: "Guardian's name"},
		{Field: "guardian_phone", Zh: "监护人电话", En: "guardian_phone", DescZh: "监护人联系电话", DescEn: "Guardian's phone"},
		{Field: "certificate_issued", Zh: "发证日期", En: "certificate_issued", Example: "2020-05-01", DescZh: "YYYY-MM-DD", DescEn: "YYYY-MM-DD"},
		{Field: "status", Zh: "状态", En: "status", Choices: Statuses, Example: "active",
			DescZh: "active 在册，moved_out 迁出，deceased 死亡，cancelled 注销", DescEn: "active, moved_out, deceased or cancelled"},
		{Field: "household", Zh: "户号", En: "household", DescZh: "同户成员填写相同户号", DescEn: "Household number, the same for members of one household"},
		{Field: "components", Zh: "多重残疾类别", En: "components", Example: "",
			DescZh: "仅多重残疾填写，如 1,4", DescEn: "Only for multiple disability, e.g. 1,4"},
	}
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
