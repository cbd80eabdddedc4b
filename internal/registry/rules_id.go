package registry

// Identifier rules of DOMAIN.md §1–§2: resident ID numbers (GB 11643-1999),
// second-generation disability certificate numbers, phone numbers, the
// disability category and grade tables, and masking for display.
// Everything here is a pure function: no database, no state.

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/safetext"
)

// IDNumber is a validated 18-character resident ID number (GB 11643-1999).
type IDNumber struct {
	Value     string // 18 chars, upper-case X
	BirthDate string // "YYYY-MM-DD"
	BirthYear int
	Sex       string // "M" odd digit 17, "F" even
	Converted bool   // true when converted from a legacy 15-digit number
}

// idWeights are the ISO 7064 MOD 11-2 weights of digits 1–17 (2^(18-i) mod 11).
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps Σ dᵢ·wᵢ mod 11 to the check character.
const idCheckChars = "10X98765432"

// IDCheckChar computes the ISO 7064 MOD 11-2 check character for 17 digits.
// It returns 0 when first17 is not exactly 17 ASCII digits.
func IDCheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

func fieldErr(field, code, zh, en string) *apperr.FieldError {
	f := apperr.Field(field, code, zh, en)
	return &f
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// normalizeID folds full-width characters (safetext.Narrow), trims
// surrounding white space and upper-cases a trailing x.
func normalizeID(s string) string {
	s = strings.TrimSpace(safetext.Narrow(s))
	if n := len(s); n > 0 && s[n-1] == 'x' {
		s = s[:n-1] + "X"
	}
	return s
}

// ParseIDNumber validates an 18-char ID number for field `field` (trim
// surrounding spaces, accept lower-case x; store upper-case).
// Error codes in order of checking: "required" (empty), "length", "charset"
// (17 digits + digit or X), "birth_date" (real calendar date, not after
// `today`, year >= 1900), "checksum".
func ParseIDNumber(field, s string, today time.Time) (IDNumber, *apperr.FieldError) {
	s = normalizeID(s)
	if s == "" {
		return IDNumber{}, fieldErr(field, "required",
			"请填写身份证号。",
			"The ID number is required.")
	}
	if n := utf8.RuneCountInString(s); n != 18 {
		return IDNumber{}, fieldErr(field, "length",
			fmt.Sprintf("身份证号应为18位，现在是%d位。", n),
			fmt.Sprintf("The ID number must have 18 characters; it has %d.", n))
	}
	return parseID18(field, s, today, false)
}

// ParseIDNumberLegacy does the same as ParseIDNumber but also accepts a
// 15-digit legacy number (all digits, YYMMDD birth date): it inserts "19"
// after the 6-digit address code, appends the check character and sets
// Converted.
func ParseIDNumberLegacy(field, s string, today time.Time) (IDNumber, *apperr.FieldError) {
	s = normalizeID(s)
	if s == "" {
		return IDNumber{}, fieldErr(field, "required",
			"请填写身份证号。",
			"The ID number is required.")
	}
	n := utf8.RuneCountInString(s)
	switch n {
	case 18:
		return parseID18(field, s, today, false)
	case 15:
		if !allDigits(s) {
			return IDNumber{}, fieldErr(field, "charset",
				"15位旧身份证号只能由数字组成。",
				"A 15-digit legacy ID number may contain digits only.")
		}
		first17 := s[:6] + "19" + s[6:]
		return parseID18(field, first17+string(IDCheckChar(first17)), today, true)
	default:
		return IDNumber{}, fieldErr(field, "length",
			fmt.Sprintf("身份证号应为18位（或15位旧号码），现在是%d位。", n),
			fmt.Sprintf("The ID number must have 18 characters (or 15 digits for a legacy number); it has %d.", n))
	}
}

// parseID18 checks charset, birth date and checksum of an 18-character,
// already normalized ID number.
func parseID18(field, s string, today time.Time, converted bool) (IDNumber, *apperr.FieldError) {
	if len(s) != 18 || !allDigits(s[:17]) || !(s[17] == 'X' || (s[17] >= '0' && s[17] <= '9')) {
		return IDNumber{}, fieldErr(field, "charset",
			"身份证号的前17位只能是数字，最后一位是数字或X。",
			"The first 17 characters of the ID number must be digits and the last one a digit or X.")
	}
	y, _ := strconv.Atoi(s[6:10])
	m, _ := strconv.Atoi(s[10:12])
	d, _ := strconv.Atoi(s[12:14])
	if fe := checkBirthDate(field, y, m, d, today, converted); fe != nil {
		return IDNumber{}, fe
	}
	// The message does not name the expected check character: that would
	// invite typing a valid but wrong number instead of reading the card.
	if s[17] != IDCheckChar(s[:17]) {
		return IDNumber{}, fieldErr(field, "checksum",
			"这不是一个有效的身份证号，请对照身份证逐位核对。",
			"This is not a valid ID number; please check it digit by digit against the ID card.")
	}
	sex := "F"
	if (s[16]-'0')%2 == 1 {
		sex = "M"
	}
	return IDNumber{
		Value:     s,
		BirthDate: fmt.Sprintf("%04d-%02d-%02d", y, m, d),
		BirthYear: y,
		Sex:       sex,
		Converted: converted,
	}, nil
}

func checkBirthDate(field string, y, m, d int, today time.Time, converted bool) *apperr.FieldError {
	pos, posEn := "第7–14位", "characters 7–14"
	if converted {
		pos, posEn = "第7–12位", "digits 7–12"
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return fieldErr(field, "birth_date",
			fmt.Sprintf("身份证号中的出生日期（%s）%04d-%02d-%02d 不是真实存在的日期。", pos, y, m, d),
			fmt.Sprintf("The birth date in the ID number (%s), %04d-%02d-%02d, is not a real calendar date.", posEn, y, m, d))
	}
	if y < 1900 {
		return fieldErr(field, "birth_date",
			fmt.Sprintf("身份证号中的出生年份 %d 早于1900年，请核对。", y),
			fmt.Sprintf("The birth year in the ID number, %d, is before 1900; please check it.", y))
	}
	ty, tm, td := today.Date()
	if y > ty || (y == ty && (m > int(tm) || (m == int(tm) && d > td))) {
		return fieldErr(field, "birth_date",
			fmt.Sprintf("身份证号中的出生日期 %04d-%02d-%02d 晚于今天，请核对。", y, m, d),
			fmt.Sprintf("The birth date in the ID number, %04d-%02d-%02d, is in the future; please check it.", y, m, d))
	}
	return nil
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	default:
		return 31
	}
}

// ParseCertificateNumber validates a second-generation disability certificate
// number: <18-char ID><category digit 1-7><grade digit 1-4> optionally
// followed by "B<n>" (n: one or more digits, value >= 1) for the n-th reissue;
// so 20, or 22+ chars. It trims spaces, accepts lower-case x and b and returns
// the normalized upper-case number.
// Codes: "required", "length", "charset", "id_mismatch" (first 18 != id),
// "category_mismatch", "grade_mismatch", "reissue" (malformed suffix).
func ParseCertificateNumber(field, s, id string, category, grade int) (string, *apperr.FieldError) {
	s = strings.ToUpper(strings.TrimSpace(safetext.Narrow(s)))
	if s == "" {
		return "", fieldErr(field, "required",
			"请填写残疾人证号。",
			"The disability certificate number is required.")
	}
	if n := utf8.RuneCountInString(s); n < 20 || n == 21 {
		return "", fieldErr(field, "length",
			fmt.Sprintf("残疾人证号应为20位（身份证号18位+类别1位+等级1位），补发证再加“B”和补发次数；现在是%d位。", n),
			fmt.Sprintf("The certificate number must have 20 characters (18-character ID number, category digit, grade digit), plus \"B\" and the reissue count for a reissued certificate; it has %d.", n))
	}
	if !allDigits(s[:17]) || !(s[17] == 'X' || (s[17] >= '0' && s[17] <= '9')) {
		return "", fieldErr(field, "charset",
			"残疾人证号的前18位应是身份证号：前17位为数字，第18位为数字或X。",
			"The first 18 characters of the certificate number must be the ID number: 17 digits, then a digit or X.")
	}
	if s[18] < '1' || s[18] > '7' {
		return "", fieldErr(field, "charset",
			"残疾人证号第19位是残疾类别，应为1–7之间的数字。",
			"Character 19 of the certificate number is the disability category and must be a digit from 1 to 7.")
	}
	if s[19] < '1' || s[19] > '4' {
		return "", fieldErr(field, "charset",
			"残疾人证号第20位是残疾等级，应为1–4之间的数字。",
			"Character 20 of the certificate number is the disability grade and must be a digit from 1 to 4.")
	}
	if s[:18] != normalizeID(id) {
		return "", fieldErr(field, "id_mismatch",
			"残疾人证号的前18位与本人的身份证号不一致。",
			"The first 18 characters of the certificate number do not match the person's ID number.")
	}
	if c := int(s[18] - '0'); c != category {
		return "", fieldErr(field, "category_mismatch",
			fmt.Sprintf("残疾人证号中的残疾类别是%d（%s），与登记的类别%s不一致。", c, CategoryName(c, "zh"), codeLabel(category, CategoryName(category, "zh"))),
			fmt.Sprintf("The certificate number gives disability category %d (%s), which differs from the recorded category %s.", c, CategoryName(c, "en"), codeLabel(category, CategoryName(category, "en"))))
	}
	if g := int(s[19] - '0'); g != grade {
		return "", fieldErr(field, "grade_mismatch",
			fmt.Sprintf("残疾人证号中的残疾等级是%s，与登记的等级%s不一致。", GradeName(g, "zh"), codeLabel(grade, GradeName(grade, "zh"))),
			fmt.Sprintf("The certificate number gives %s, which differs from the recorded grade %s.", GradeName(g, "en"), codeLabel(grade, GradeName(grade, "en"))))
	}
	if len(s) > 20 {
		suffix := s[20:]
		if suffix[0] != 'B' || len(suffix) < 2 || !allDigits(suffix[1:]) || strings.Trim(suffix[1:], "0") == "" {
			return "", fieldErr(field, "reissue",
				"残疾人证号第20位之后只能是补发标记“B”加补发次数（如 B1）。",
				"After character 20 the certificate number may only carry the reissue mark \"B\" followed by the reissue count (e.g. B1).")
		}
	}
	return s, nil
}

// codeLabel renders a recorded code with its name, or the bare number when the
// code is unknown.
func codeLabel(code int, name string) string {
	if name == "" {
		return strconv.Itoa(code)
	}
	return fmt.Sprintf("%d（%s）", code, name)
}

// ParsePhone validates a mainland mobile ^1[3-9]\d{9}$ or a landline
// ^0\d{2,3}-?\d{7,8}$ (folds full-width characters, trims spaces; empty is
// allowed and returns "", nil). Error code "format".
func ParsePhone(field, s string) (string, *apperr.FieldError) {
	s = strings.TrimSpace(safetext.Narrow(s))
	if s == "" {
		return "", nil
	}
	if isMobile(s) || isLandline(s) {
		return s, nil
	}
	return "", fieldErr(field, "format",
		"电话号码格式不正确：手机号应为1开头的11位数字，座机应为区号加号码，如 021-59531234。",
		"The phone number is not valid: a mobile number has 11 digits starting with 1; a landline is an area code plus number, e.g. 021-59531234.")
}

func isMobile(s string) bool {
	return len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && allDigits(s)
}

func isLandline(s string) bool {
	if len(s) == 0 || s[0] != '0' {
		return false
	}
	if i := strings.IndexByte(s, '-'); i >= 0 {
		area, local := s[:i], s[i+1:]
		return (len(area) == 3 || len(area) == 4) && allDigits(area) &&
			(len(local) == 7 || len(local) == 8) && allDigits(local)
	}
	// 0 + 2–3 area digits + 7–8 local digits.
	return len(s) >= 10 && len(s) <= 12 && allDigits(s)
}

// Category is a disability category of GB/T 26341-2010.
type Category struct {
	Code int
	Zh   string // e.g. "视力残疾"
	En   string // e.g. "visual"
}

// Categories lists the disability categories 1..7 in order.
var Categories = [...]Category{
	{1, "视力残疾", "visual"},
	{2, "听力残疾", "hearing"},
	{3, "言语残疾", "speech"},
	{4, "肢体残疾", "physical"},
	{5, "智力残疾", "intellectual"},
	{6, "精神残疾", "mental"},
	{7, "多重残疾", "multiple"},
}

// Grade is a disability grade of GB/T 26341-2010.
type Grade struct {
	Code       int
	Zh         string // "一级"
	SeverityZh string // "极重度"
	SeverityEn string // "extremely severe"
}

// Grades lists the disability grades 1..4 in order.
var Grades = [...]Grade{
	{1, "一级", "极重度", "extremely severe"},
	{2, "二级", "重度", "severe"},
	{3, "三级", "中度", "moderate"},
	{4, "四级", "轻度", "mild"},
}

// ParseCategory accepts "1".."7", the Chinese name with or without "残疾"
// ("视力" or "视力残疾"), or the English word (case-insensitive, optionally
// followed by " disability"; "psychosocial" and "mental" both give 6).
// It returns 0, false when the input is unknown.
func ParseCategory(s string) (int, bool) {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	if s == "" {
		return 0, false
	}
	if s == "psychosocial" || s == "psychosocial disability" {
		return 6, true
	}
	for _, c := range Categories {
		if s == strconv.Itoa(c.Code) || s == c.Zh || s == strings.TrimSuffix(c.Zh, "残疾") ||
			s == c.En || s == c.En+" disability" {
			return c.Code, true
		}
	}
	return 0, false
}

// ParseGrade accepts "1".."4", "一级".."四级", "一".."四", "1级".."4级",
// "grade 1".."grade 4", the English severities "extremely severe", "severe",
// "moderate", "mild" (case-insensitive) and the Chinese severities
// "极重度", "重度", "中度", "轻度". It returns 0, false when unknown.
func ParseGrade(s string) (int, bool) {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	if s == "" {
		return 0, false
	}
	for _, g := range Grades {
		n := strconv.Itoa(g.Code)
		if s == n || s == g.Zh || s == strings.TrimSuffix(g.Zh, "级") || s == n+"级" ||
			s == "grade "+n || s == "grade"+n || s == g.SeverityEn || s == g.SeverityZh {
			return g.Code, true
		}
	}
	return 0, false
}

func isEnglish(lang string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(lang)), "en")
}

// CategoryName returns the name of a category code: English for a language
// tag starting with "en", Chinese otherwise; "" for an unknown code.
func CategoryName(code int, lang string) string {
	if code < 1 || code > len(Categories) {
		return ""
	}
	c := Categories[code-1]
	if isEnglish(lang) {
		return c.En
	}
	return c.Zh
}

// GradeName returns "一级".."四级", or "grade 1".."grade 4" for a language tag
// starting with "en"; "" for an unknown code.
func GradeName(code int, lang string) string {
	if code < 1 || code > len(Grades) {
		return ""
	}
	if isEnglish(lang) {
		return "grade " + strconv.Itoa(code)
	}
	return Grades[code-1].Zh
}

// IsSevere reports whether a grade counts as severe (重度): grade 1 or 2.
func IsSevere(grade int) bool { return grade == 1 || grade == 2 }

// maskKeep shows the first `head` and last `tail` runes of s and replaces the
// rest with '*'. When s is too short to hide anything that way, it shows only
// the last 4 runes, and nothing at all when s has 4 runes or fewer.
func maskKeep(s string, head, tail int) string {
	r := []rune(s)
	n := len(r)
	if n == 0 {
		return ""
	}
	if n <= head+tail {
		head, tail = 0, 4
		if n <= 4 {
			tail = 0
		}
	}
	out := make([]rune, n)
	for i := range r {
		if i < head || i >= n-tail {
			out[i] = r[i]
		} else {
			out[i] = '*'
		}
	}
	return string(out)
}

// MaskID shows only the address code of an ID number: "310114************".
// Nothing else of the number is shown, because what a caller receives without
// a reveal must not combine back into the number (CONTRACT.md, Persons): with
// the birth year and sex beside it, about 180,000 numbers remain possible.
// Inputs shorter than 18 characters (never a stored ID number) show only the
// last 4 (and nothing when they have 4 characters or fewer).
func MaskID(id string) string {
	id = strings.TrimSpace(id)
	if utf8.RuneCountInString(id) < 18 {
		return maskKeep(id, 0, 4)
	}
	return maskKeep(id, 6, 0)
}

// MaskCertificate masks the ID number in a certificate number as MaskID does
// and keeps what follows it (category, grade, reissue: "310114************42B1"),
// which the person's record shows anyway. Inputs shorter than 18 characters
// show only the last 4.
func MaskCertificate(c string) string {
	c = strings.TrimSpace(c)
	r := []rune(c)
	if len(r) < 18 {
		return maskKeep(c, 0, 4)
	}
	return MaskID(string(r[:18])) + string(r[18:])
}

// MaskPhone masks a phone number: a mobile keeps its first 3 and last 4 digits
// ("138****5678"); a landline keeps its area code (3 digits for 010 and 02x,
// else 4, or everything up to the hyphen) and its last 4 digits. Other input
// shows only the last 4 characters; "" gives "".
func MaskPhone(p string) string {
	p = strings.TrimSpace(p)
	switch {
	case p == "":
		return ""
	case isMobile(p):
		return maskKeep(p, 3, 4)
	case isLandline(p):
		head := strings.IndexByte(p, '-') + 1
		if head == 0 {
			head = 4
			if p[1] == '1' || p[1] == '2' {
				head = 3
			}
		}
		return maskKeep(p, head, 4)
	default:
		return maskKeep(p, 0, 4)
	}
}
