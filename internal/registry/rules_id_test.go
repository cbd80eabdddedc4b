package registry

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"

	"sunshine/internal/platform/apperr"
)

var testToday = time.Date(2025, 6, 15, 10, 0, 0, 0, time.UTC)

// iso7064Valid checks an 18-character ID number with the textbook ISO 7064
// MOD 11-2 formulation, independent of the weight table under test:
// Σ aᵢ·2^(18−i) over all 18 characters (X = 10) must be ≡ 1 (mod 11).
func iso7064Valid(s string) bool {
	if len(s) != 18 {
		return false
	}
	sum, pow := 0, 1 // pow = 2^(18-i), starting from the last character
	for i := 17; i >= 0; i-- {
		var a int
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			a = int(c - '0')
		case c == 'X' && i == 17:
			a = 10
		default:
			return false
		}
		sum += a * pow
		pow = pow * 2 % 11
	}
	return sum%11 == 1
}

// withCheck completes 17 digits with the check character found by trial using
// iso7064Valid, so the tests do not trust IDCheckChar.
func withCheck(t *testing.T, first17 string) string {
	t.Helper()
	for _, c := range "0123456789X" {
		if s := first17 + string(c); iso7064Valid(s) {
			return s
		}
	}
	t.Fatalf("no check character for %q", first17)
	return ""
}

// wrongCheck returns first17 completed with a check character that is wrong.
func wrongCheck(t *testing.T, first17 string) string {
	t.Helper()
	good := withCheck(t, first17)
	if good[17] == '0' {
		return first17 + "1"
	}
	return first17 + "0"
}

func checkMsg(t *testing.T, fe *apperr.FieldError) {
	t.Helper()
	if fe.Msg.Zh == "" || fe.Msg.En == "" || fe.Msg.Zh == fe.Msg.En {
		t.Errorf("message not bilingual: %+v", fe.Msg)
	}
	hasHan := false
	for _, r := range fe.Msg.Zh {
		if unicode.Is(unicode.Han, r) {
			hasHan = true
			break
		}
	}
	if !hasHan {
		t.Errorf("Chinese message has no Chinese: %q", fe.Msg.Zh)
	}
}

func TestIDCheckChar(t *testing.T) {
	// 11010519491231002X, by hand:
	// digits  1 1  0 1 0 5 1 9 4 9 1 2  3 1 0 0 2
	// weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
	// products 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 → "10X98765432"[2] = 'X'.
	cases := map[string]byte{
		"11010519491231002": 'X',
		// 3·7+1·9+0+1·5+1·8+4·4+1·2+9·1+8·6+5·3+0+6·9+1·10+5·5+1·8+2·4+3·2 = 244; 244 mod 11 = 2 → 'X'.
		"31011419850615123": 'X',
		// same with last digit 4: 244 − 6 + 8 = 246; 246 mod 11 = 4 → '8'.
		"31011419850615124":  '8',
		"1101051949123100":   0, // 16 digits
		"1101051949123100A":  0,
		"110105194912310023": 0,
	}
	for in, want := range cases {
		if got := IDCheckChar(in); got != want {
			t.Errorf("IDCheckChar(%q) = %q, want %q", in, got, want)
		}
		if want != 0 && !iso7064Valid(in+string(want)) {
			t.Errorf("independent check rejects %q", in+string(want))
		}
	}
	// Every check digit agrees with the independent formulation.
	for seq := 0; seq < 1000; seq++ {
		first17 := "31011419850615" + strings.Repeat("0", 3-len(itoa(seq))) + itoa(seq)
		if got := IDCheckChar(first17); !iso7064Valid(first17 + string(got)) {
			t.Fatalf("IDCheckChar(%q) = %q disagrees with ISO 7064", first17, got)
		}
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestParseIDNumberValid(t *testing.T) {
	cases := []struct {
		in, value, birth, sex string
		year                  int
	}{
		{"11010519491231002X", "11010519491231002X", "1949-12-31", "F", 1949},
		{"11010519491231002x", "11010519491231002X", "1949-12-31", "F", 1949},
		{"  11010519491231002x \t", "11010519491231002X", "1949-12-31", "F", 1949},
		{"31011419850615123X", "31011419850615123X", "1985-06-15", "M", 1985},
		{"310114198506151248", "310114198506151248", "1985-06-15", "F", 1985},
		{withCheck(t, "31011420000229011"), withCheck(t, "31011420000229011"), "2000-02-29", "M", 2000},
		{withCheck(t, "32058319000101001"), withCheck(t, "32058319000101001"), "1900-01-01", "M", 1900},
		{withCheck(t, "32058320250615002"), withCheck(t, "32058320250615002"), "2025-06-15", "F", 2025}, // born today
		{withCheck(t, "32058320240229003"), withCheck(t, "32058320240229003"), "2024-02-29", "M", 2024},
	}
	for _, c := range cases {
		got, fe := ParseIDNumber("id_number", c.in, testToday)
		if fe != nil {
			t.Errorf("ParseIDNumber(%q): unexpected error %s %+v", c.in, fe.Code, fe.Msg)
			continue
		}
		want := IDNumber{Value: c.value, BirthDate: c.birth, BirthYear: c.year, Sex: c.sex}
		if got != want {
			t.Errorf("ParseIDNumber(%q) = %+v, want %+v", c.in, got, want)
		}
		// The legacy parser gives the same for 18-character input.
		if got2, fe := ParseIDNumberLegacy("id_number", c.in, testToday); fe != nil || got2 != want {
			t.Errorf("ParseIDNumberLegacy(%q) = %+v, %v", c.in, got2, fe)
		}
	}
}

func TestParseIDNumberErrors(t *testing.T) {
	cases := []struct {
		name, in, code string
	}{
		{"empty", "", "required"},
		{"spaces only", "   ", "required"},
		{"17 chars", "11010519491231002", "length"},
		{"19 chars", "11010519491231002X1", "length"},
		{"15 digits not accepted", "110105491231002", "length"},
		{"letter inside", "1101051949123A002X", "charset"},
		{"X not last", "X10105194912310021", "charset"},
		{"lower x inside", "110105194912310x2X", "charset"},
		{"other last letter", "11010519491231002Y", "charset"},
		{"non-ASCII 18 runes", "11010519491231002中", "charset"},
		{"full-width letter inside", "1101051949123Ａ002X", "charset"},
		{"month 13", withCheck(t, "11010519491331002"), "birth_date"},
		{"month 00", withCheck(t, "11010519490031002"), "birth_date"},
		{"day 00", withCheck(t, "11010519491200002"), "birth_date"},
		{"April 31", withCheck(t, "11010519490431002"), "birth_date"},
		{"Feb 29 non-leap 2001", withCheck(t, "31011420010229011"), "birth_date"},
		{"Feb 29 1900 (not leap)", withCheck(t, "31011419000229011"), "birth_date"},
		{"Feb 30 leap", withCheck(t, "31011420000230011"), "birth_date"},
		{"tomorrow", withCheck(t, "31011420250616011"), "birth_date"},
		{"next year", withCheck(t, "31011420260101011"), "birth_date"},
		{"year 1899", withCheck(t, "31011418991231011"), "birth_date"},
		{"year 0001", withCheck(t, "31011400010101011"), "birth_date"},
		{"wrong check", "110105194912310021", "checksum"},
		{"wrong check 2", wrongCheck(t, "31011419850615124"), "checksum"},
		{"bad date beats bad check", wrongCheck(t, "31011420010229011"), "birth_date"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, fe := ParseIDNumber("id_number", c.in, testToday)
			if fe == nil {
				t.Fatalf("ParseIDNumber(%q) = %+v, want error %s", c.in, got, c.code)
			}
			if fe.Code != c.code || fe.Field != "id_number" {
				t.Errorf("ParseIDNumber(%q) error %s/%s, want id_number/%s (%s)", c.in, fe.Field, fe.Code, c.code, fe.Msg.En)
			}
			if got != (IDNumber{}) {
				t.Errorf("non-zero result on error: %+v", got)
			}
			checkMsg(t, fe)
		})
	}
}

func TestParseIDNumberChecksumMessage(t *testing.T) {
	_, fe := ParseIDNumber("id_number", "110105194912310021", testToday)
	if fe == nil || fe.Code != "checksum" {
		t.Fatalf("want checksum error, got %+v", fe)
	}
	// The message says the number is not valid and to check it against the
	// card, and never names the expected check character (X here).
	if !strings.Contains(fe.Msg.Zh, "不是一个有效的身份证号") || !strings.Contains(fe.Msg.Zh, "对照身份证") || strings.Contains(fe.Msg.Zh, "X") {
		t.Errorf("zh message: %q", fe.Msg.Zh)
	}
	if !strings.Contains(fe.Msg.En, "not a valid ID number") || !strings.Contains(fe.Msg.En, "ID card") || strings.Contains(fe.Msg.En, "X") {
		t.Errorf("en message: %q", fe.Msg.En)
	}
	_, fe = ParseIDNumber("id_number", withCheck(t, "31011420260101011"), testToday)
	if fe == nil || !strings.Contains(fe.Msg.En, "future") {
		t.Errorf("future birth date message: %+v", fe)
	}
	_, fe = ParseIDNumber("id_number", withCheck(t, "31011418991231011"), testToday)
	if fe == nil || !strings.Contains(fe.Msg.En, "1900") {
		t.Errorf("1899 message: %+v", fe)
	}
}

func TestParseIDNumberTodayTimeZone(t *testing.T) {
	// "today" is the calendar date of `today` in its own location.
	shanghai := time.FixedZone("CST", 8*3600)
	today := time.Date(2025, 6, 16, 1, 0, 0, 0, shanghai) // still 2025-06-15 in UTC
	id := withCheck(t, "31011420250616011")
	if _, fe := ParseIDNumber("id_number", id, today); fe != nil {
		t.Errorf("born on today's local date rejected: %s", fe.Msg.En)
	}
	if _, fe := ParseIDNumber("id_number", id, today.UTC()); fe == nil || fe.Code != "birth_date" {
		t.Errorf("born tomorrow (UTC) accepted: %+v", fe)
	}
}

func TestParseIDNumberLegacy(t *testing.T) {
	// Hand conversion: 110105 491231 002 → 110105 19 491231 002 + check.
	// Check of 11010519491231002 is 'X' (worked out in TestIDCheckChar).
	// Independently: Σ aᵢ·2^(18−i) for 11010519491231002X
	//   = 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2 + 10·1
	//   = 167 + 10 = 177 = 16·11 + 1 ≡ 1 (mod 11). ✓
	// Second pair: 310114 850615 124 → 31011419850615124 + '8' (246 mod 11 = 4 → '8';
	// 246 + 8 = 254 = 23·11 + 1 ≡ 1). Digit 17 = 4 → female.
	cases := []struct {
		in   string
		want IDNumber
	}{
		{"110105491231002", IDNumber{"11010519491231002X", "1949-12-31", 1949, "F", true}},
		{" 310114850615124 ", IDNumber{"310114198506151248", "1985-06-15", 1985, "F", true}},
		{"310114850615123", IDNumber{"31011419850615123X", "1985-06-15", 1985, "M", true}},
	}
	for _, c := range cases {
		got, fe := ParseIDNumberLegacy("id_number", c.in, testToday)
		if fe != nil {
			t.Errorf("ParseIDNumberLegacy(%q): %s %s", c.in, fe.Code, fe.Msg.En)
			continue
		}
		if got != c.want {
			t.Errorf("ParseIDNumberLegacy(%q) = %+v, want %+v", c.in, got, c.want)
		}
		if !iso7064Valid(got.Value) {
			t.Errorf("converted %q fails ISO 7064", got.Value)
		}
	}
	errs := []struct{ in, code string }{
		{"", "required"},
		{"31011485061512", "length"},      // 14
		{"3101148506151234", "length"},    // 16
		{"31011485061512X", "charset"},    // 15 with X: legacy numbers have no check character
		{"31011485061512x", "charset"},    // lower-case too
		{"3101148506A5124", "charset"},    // letter
		{"310114000229011", "birth_date"}, // 1900-02-29 does not exist
		{"310114851301124", "birth_date"}, // month 13
		{"310114850230124", "birth_date"}, // Feb 30
		{"11010519491231002Y", "charset"},
		{"110105194912310021", "checksum"},
	}
	for _, c := range errs {
		got, fe := ParseIDNumberLegacy("id_number", c.in, testToday)
		if fe == nil || fe.Code != c.code {
			t.Errorf("ParseIDNumberLegacy(%q) = %+v, %+v; want %s", c.in, got, fe, c.code)
			continue
		}
		checkMsg(t, fe)
	}
	// 1996-02-29 exists (leap year): 15-digit 960229.
	if got, fe := ParseIDNumberLegacy("id_number", "310114960229011", testToday); fe != nil || got.BirthDate != "1996-02-29" || !got.Converted {
		t.Errorf("leap-day legacy: %+v %+v", got, fe)
	}
}

func TestParseCertificateNumber(t *testing.T) {
	const id = "11010519491231002X"
	ok := []struct {
		in, want string
		cat, gr  int
	}{
		{"11010519491231002X41", "11010519491231002X41", 4, 1},
		{"11010519491231002x41", "11010519491231002X41", 4, 1},
		{"  11010519491231002X74 ", "11010519491231002X74", 7, 4},
		{"11010519491231002X41B1", "11010519491231002X41B1", 4, 1},
		{"11010519491231002x41b2", "11010519491231002X41B2", 4, 1},
		{"11010519491231002X41B12", "11010519491231002X41B12", 4, 1},
	}
	for _, c := range ok {
		got, fe := ParseCertificateNumber("certificate_number", c.in, id, c.cat, c.gr)
		if fe != nil || got != c.want {
			t.Errorf("ParseCertificateNumber(%q) = %q, %+v; want %q", c.in, got, fe, c.want)
		}
	}
	// The recorded ID is compared after normalization too.
	if got, fe := ParseCertificateNumber("c", "11010519491231002X41", " 11010519491231002x", 4, 1); fe != nil || got != "11010519491231002X41" {
		t.Errorf("lower-case recorded id: %q %+v", got, fe)
	}
	bad := []struct {
		name, in, code string
		cat, gr        int
	}{
		{"empty", "", "required", 4, 1},
		{"blank", "  ", "required", 4, 1},
		{"id only", "11010519491231002X", "length", 4, 1},
		{"19 chars", "11010519491231002X4", "length", 4, 1},
		{"21 chars", "11010519491231002X41B", "length", 4, 1},
		{"letter in id", "1101051949123100AX41", "charset", 4, 1},
		{"letter category", "11010519491231002XA1", "charset", 4, 1},
		{"category 0", "11010519491231002X01", "charset", 4, 1},
		{"category 8", "11010519491231002X81", "charset", 4, 1},
		{"grade 0", "11010519491231002X40", "charset", 4, 1},
		{"grade 5", "11010519491231002X45", "charset", 4, 1},
		{"other id", "31011419850615123X41", "id_mismatch", 4, 1},
		{"id differs in check", "11010519491231002141", "id_mismatch", 4, 1},
		{"category mismatch", "11010519491231002X21", "category_mismatch", 4, 1},
		{"grade mismatch", "11010519491231002X43", "grade_mismatch", 4, 1},
		{"grade mismatch with reissue", "11010519491231002X43B1", "grade_mismatch", 4, 1},
		{"suffix not B", "11010519491231002X41C1", "reissue", 4, 1},
		{"suffix B0", "11010519491231002X41B0", "reissue", 4, 1},
		{"suffix B00", "11010519491231002X41B00", "reissue", 4, 1},
		{"suffix letters", "11010519491231002X41BX", "reissue", 4, 1},
		{"suffix two digits", "11010519491231002X4112", "reissue", 4, 1},
		{"suffix B1 then junk", "11010519491231002X41B1A", "reissue", 4, 1},
		{"suffix non-ASCII", "11010519491231002X41B①中", "reissue", 4, 1},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			got, fe := ParseCertificateNumber("certificate_number", c.in, id, c.cat, c.gr)
			if fe == nil {
				t.Fatalf("ParseCertificateNumber(%q) = %q, want %s", c.in, got, c.code)
			}
			if fe.Code != c.code || fe.Field != "certificate_number" || got != "" {
				t.Errorf("ParseCertificateNumber(%q) = %q, %s/%s; want %s (%s)", c.in, got, fe.Field, fe.Code, c.code, fe.Msg.En)
			}
			checkMsg(t, fe)
		})
	}
	_, fe := ParseCertificateNumber("c", "11010519491231002X21", id, 4, 1)
	if fe == nil || !strings.Contains(fe.Msg.Zh, "听力残疾") || !strings.Contains(fe.Msg.Zh, "肢体残疾") ||
		!strings.Contains(fe.Msg.En, "hearing") || !strings.Contains(fe.Msg.En, "physical") {
		t.Errorf("category mismatch message should name both categories: %+v", fe)
	}
}

func TestParsePhone(t *testing.T) {
	ok := map[string]string{
		"":              "",
		"   ":           "",
		"13812345678":   "13812345678",
		" 19912345678 ": "19912345678",
		"021-59531234":  "021-59531234",
		"02159531234":   "02159531234",
		"0512-57571234": "0512-57571234",
		"051257571234":  "051257571234",
		"010-1234567":   "010-1234567",
		"0512-5757123":  "0512-5757123",
		"0101234567":    "0101234567",
	}
	for in, want := range ok {
		got, fe := ParsePhone("phone", in)
		if fe != nil || got != want {
			t.Errorf("ParsePhone(%q) = %q, %+v; want %q", in, got, fe, want)
		}
	}
	bad := []string{
		"12812345678",    // second digit 2
		"1381234567",     // 10 digits
		"138123456789",   // 12 digits
		"138-1234-5678",  // hyphens in mobile
		"+8613812345678", // country code
		"21-59531234",    // no leading 0
		"02-59531234",    // area too short
		"05121-5953123",  // area too long
		"021-595312",     // local too short
		"021-595312345",  // local too long
		"021--59531234",
		"021 59531234",
		"0215953123456", // 13 digits
		"012345678",     // 9 digits
		"abc",
		"１3812345678中",
	}
	for _, in := range bad {
		got, fe := ParsePhone("phone", in)
		if fe == nil || fe.Code != "format" || fe.Field != "phone" || got != "" {
			t.Errorf("ParsePhone(%q) = %q, %+v; want format error", in, got, fe)
			continue
		}
		checkMsg(t, fe)
	}
}

func TestCategoryTable(t *testing.T) {
	want := []struct {
		zh, en string
	}{
		{"视力残疾", "visual"}, {"听力残疾", "hearing"}, {"言语残疾", "speech"}, {"肢体残疾", "physical"},
		{"智力残疾", "intellectual"}, {"精神残疾", "mental"}, {"多重残疾", "multiple"},
	}
	if len(Categories) != 7 {
		t.Fatalf("%d categories", len(Categories))
	}
	for i, w := range want {
		c := Categories[i]
		if c.Code != i+1 || c.Zh != w.zh || c.En != w.en {
			t.Errorf("Categories[%d] = %+v", i, c)
		}
		if CategoryName(i+1, "zh-CN") != w.zh || CategoryName(i+1, "") != w.zh ||
			CategoryName(i+1, "en") != w.en || CategoryName(i+1, "EN-us") != w.en {
			t.Errorf("CategoryName(%d) wrong", i+1)
		}
	}
	for _, code := range []int{-1, 0, 8} {
		if CategoryName(code, "en") != "" || CategoryName(code, "zh") != "" {
			t.Errorf("CategoryName(%d) not empty", code)
		}
	}
}

func TestParseCategory(t *testing.T) {
	ok := map[string]int{
		"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7, " 4 ": 4,
		"视力": 1, "视力残疾": 1, "听力": 2, "听力残疾": 2, "言语": 3, "言语残疾": 3,
		"肢体": 4, "肢体残疾": 4, "智力": 5, "智力残疾": 5, "精神": 6, "精神残疾": 6,
		"多重": 7, "多重残疾": 7, " 肢体残疾 ": 4,
		"visual": 1, "Visual": 1, "HEARING": 2, "speech": 3, "Physical": 4,
		"intellectual": 5, "mental": 6, "Mental": 6, "psychosocial": 6, "Psychosocial": 6,
		"multiple": 7, "MULTIPLE": 7, "visual disability": 1, "Psychosocial Disability": 6,
	}
	for in, want := range ok {
		if got, found := ParseCategory(in); !found || got != want {
			t.Errorf("ParseCategory(%q) = %d, %v; want %d", in, got, found, want)
		}
	}
	for _, in := range []string{"", " ", "0", "8", "01", "残疾", "视", "视力残", "vision", "deaf", "multi", "1级", "七"} {
		if got, found := ParseCategory(in); found || got != 0 {
			t.Errorf("ParseCategory(%q) = %d, %v; want unknown", in, got, found)
		}
	}
}

func TestGradeTableAndParse(t *testing.T) {
	want := []Grade{
		{1, "一级", "极重度", "extremely severe"},
		{2, "二级", "重度", "severe"},
		{3, "三级", "中度", "moderate"},
		{4, "四级", "轻度", "mild"},
	}
	if len(Grades) != 4 {
		t.Fatalf("%d grades", len(Grades))
	}
	for i, w := range want {
		if Grades[i] != w {
			t.Errorf("Grades[%d] = %+v, want %+v", i, Grades[i], w)
		}
		if GradeName(w.Code, "zh") != w.Zh || GradeName(w.Code, "en-GB") != "grade "+itoa(w.Code) {
			t.Errorf("GradeName(%d) wrong", w.Code)
		}
	}
	if GradeName(0, "zh") != "" || GradeName(5, "en") != "" {
		t.Error("GradeName of an unknown code should be empty")
	}
	ok := map[string]int{
		"1": 1, "2": 2, "3": 3, "4": 4, " 3 ": 3,
		"一级": 1, "二级": 2, "三级": 3, "四级": 4,
		"一": 1, "二": 2, "三": 3, "四": 4,
		"1级": 1, "2级": 2, "3级": 3, "4级": 4,
		"grade 1": 1, "Grade 2": 2, "GRADE 3": 3, "grade  4": 4, "grade4": 4,
		"extremely severe": 1, "Extremely Severe": 1, "extremely  severe": 1,
		"severe": 2, "SEVERE": 2, "moderate": 3, "Moderate": 3, "mild": 4, "MILD": 4,
		"极重度": 1, "重度": 2, "中度": 3, "轻度": 4,
	}
	for in, want := range ok {
		if got, found := ParseGrade(in); !found || got != want {
			t.Errorf("ParseGrade(%q) = %d, %v; want %d", in, got, found, want)
		}
	}
	for _, in := range []string{"", "0", "5", "五级", "五", "级", "grade", "grade 5", "very severe", "extreme", "一级残疾x", "5级"} {
		if got, found := ParseGrade(in); found || got != 0 {
			t.Errorf("ParseGrade(%q) = %d, %v; want unknown", in, got, found)
		}
	}
	for g, want := range map[int]bool{0: false, 1: true, 2: true, 3: false, 4: false, 5: false} {
		if IsSevere(g) != want {
			t.Errorf("IsSevere(%d) = %v", g, !want)
		}
	}
}

// candidates counts the ID numbers that agree with everything a person's
// answer shows without a reveal: the masked ID and certificate numbers, the
// birth year and the sex. The address code is taken as known even when masked
// (it follows from where the person lives), so the count is a lower bound.
func candidates(idMasked, certMasked string, birthYear int, sex string) int {
	matches := func(mask, id string) bool {
		for i := 0; i < len(mask) && i < len(id); i++ {
			if mask[i] != '*' && mask[i] != id[i] {
				return false
			}
		}
		return true
	}
	n := 0
	for day := time.Date(birthYear, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() == birthYear; day = day.AddDate(0, 0, 1) {
		for seq := 0; seq < 1000; seq++ {
			if (seq%2 == 1) != (sex == "M") {
				continue
			}
			first17 := "310114" + day.Format("20060102") + fmt.Sprintf("%03d", seq)
			id := first17 + string(IDCheckChar(first17))
			if matches(idMasked[6:], id[6:]) && (len(certMasked) < 18 || matches(certMasked[6:18], id[6:])) {
				n++
			}
		}
	}
	return n
}

// TestMaskedCannotBeCombined: what a caller gets without a reveal leaves at
// least 10,000 possible ID numbers (CONTRACT.md, Persons).
func TestMaskedCannotBeCombined(t *testing.T) {
	for _, first17 := range []string{"31011419850615123", "31011420000229002", "31011419601231001"} {
		id := first17 + string(IDCheckChar(first17))
		cert := id + "42"
		p, fe := ParseIDNumber(fID, id, time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))
		if fe != nil {
			t.Fatal(fe)
		}
		if n := candidates(MaskID(id), MaskCertificate(cert), p.BirthYear, p.Sex); n < 10000 {
			t.Errorf("%s: masked %s and %s with birth year %d and sex %s leave only %d candidates", id, MaskID(id), MaskCertificate(cert), p.BirthYear, p.Sex, n)
		}
	}
}

func TestMasking(t *testing.T) {
	cases := []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"id", MaskID, "31011419850615123X", "310114************"},
		{"id example", MaskID, "11010519491231002X", "110105************"},
		{"id 15", MaskID, "310114850615123", "***********5123"},
		{"id short", MaskID, "12345", "*2345"},
		{"id 4", MaskID, "1234", "****"},
		{"id empty", MaskID, "", ""},
		{"cert 20", MaskCertificate, "11010519491231002X41", "110105************41"},
		{"cert 22", MaskCertificate, "11010519491231002X41B1", "110105************41B1"},
		{"cert short", MaskCertificate, "ABCDEFG", "***DEFG"},
		{"cert empty", MaskCertificate, "", ""},
		{"mobile", MaskPhone, "13812345678", "138****5678"},
		{"landline hyphen 3", MaskPhone, "021-59531234", "021-****1234"},
		{"landline hyphen 4", MaskPhone, "0512-5757123", "0512-***7123"},
		{"landline 010 no hyphen", MaskPhone, "01012345678", "010****5678"},
		{"landline 021 no hyphen", MaskPhone, "02159531234", "021****1234"},
		{"landline 0512 no hyphen", MaskPhone, "051257571234", "0512****1234"},
		{"phone empty", MaskPhone, "", ""},
		{"phone other", MaskPhone, "+8613812345678", "**********5678"},
		{"phone tiny", MaskPhone, "110", "***"},
	}
	for _, c := range cases {
		if got := c.fn(c.in); got != c.want {
			t.Errorf("%s: mask(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
		if len([]rune(c.fn(c.in))) != len([]rune(c.in)) {
			t.Errorf("%s: mask changes length", c.name)
		}
	}
}

// FuzzParseIDNumber: never panics; an accepted number is 18 characters with a
// correct check character and parses again to the same result.
func FuzzParseIDNumber(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "11010519491231002x", " 11010519491231002X ", "31011419850615123X",
		"310114198506151248", "110105194912310021", "11010519491331002X", "", "X", "110105491231002",
		"11010519000229001X", "11010520000229001X", "11010519491231002中",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check := func(name string, got IDNumber, fe *apperr.FieldError, again func(string) (IDNumber, *apperr.FieldError)) {
			if fe != nil {
				if got != (IDNumber{}) {
					t.Fatalf("%s(%q): non-zero result with error", name, s)
				}
				if fe.Code == "" || fe.Msg.Zh == "" || fe.Msg.En == "" {
					t.Fatalf("%s(%q): incomplete error %+v", name, s, fe)
				}
				return
			}
			v := got.Value
			if len(v) != 18 {
				t.Fatalf("%s(%q): Value %q is not 18 chars", name, s, v)
			}
			if v[17] != IDCheckChar(v[:17]) || !iso7064Valid(v) {
				t.Fatalf("%s(%q): Value %q has a wrong check character", name, s, v)
			}
			if got.BirthDate != v[6:10]+"-"+v[10:12]+"-"+v[12:14] || got.BirthYear < 1900 {
				t.Fatalf("%s(%q): bad birth date %+v", name, s, got)
			}
			if (got.Sex == "M") != ((v[16]-'0')%2 == 1) || (got.Sex != "M" && got.Sex != "F") {
				t.Fatalf("%s(%q): bad sex %+v", name, s, got)
			}
			re, fe2 := again(v)
			if fe2 != nil {
				t.Fatalf("%s(%q): re-parsing %q fails: %s", name, s, v, fe2.Code)
			}
			re.Converted = got.Converted
			if re != got {
				t.Fatalf("%s(%q): re-parse %+v != %+v", name, s, re, got)
			}
		}
		parse := func(x string) (IDNumber, *apperr.FieldError) { return ParseIDNumber("id", x, testToday) }
		got, fe := parse(s)
		if fe == nil && got.Converted {
			t.Fatalf("ParseIDNumber(%q) claims a conversion", s)
		}
		check("ParseIDNumber", got, fe, parse)
		legacy := func(x string) (IDNumber, *apperr.FieldError) { return ParseIDNumberLegacy("id", x, testToday) }
		lgot, lfe := legacy(s)
		if fe == nil && (lfe != nil || lgot != got) {
			t.Fatalf("legacy parser disagrees on 18-char %q", s)
		}
		check("ParseIDNumberLegacy", lgot, lfe, parse)
		// Masking and certificate parsing never panic either.
		_ = MaskID(s)
		_ = MaskCertificate(s)
		_ = MaskPhone(s)
		_, _ = ParsePhone("phone", s)
		_, _ = ParseCertificateNumber("c", s, got.Value, 4, 1)
		_, _ = ParseCategory(s)
		_, _ = ParseGrade(s)
	})
}

// Full-width digits and letters, as a Chinese input method types them, read
// as their ASCII forms (issue 23).
func TestFullWidthIdentifiers(t *testing.T) {
	today := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	id, fe := ParseIDNumber("id_number", "\u3000１１０１０５１９４９１２３１００２ｘ ", today)
	if fe != nil || id.Value != "11010519491231002X" {
		t.Errorf("full-width ID number: %+v %+v", id, fe)
	}
	cert, fe := ParseCertificateNumber("certificate_number", "１１０１０５１９４９１２３１００２Ｘ４１ｂ１", "11010519491231002X", 4, 1)
	if fe != nil || cert != "11010519491231002X41B1" {
		t.Errorf("full-width certificate number: %q %+v", cert, fe)
	}
	for in, want := range map[string]string{"１３８１２３４５６７８": "13812345678", "０２１－５９５３１２３４": "021-59531234"} {
		if got, fe := ParsePhone("phone", in); fe != nil || got != want {
			t.Errorf("ParsePhone(%q) = %q, %+v; want %q", in, got, fe, want)
		}
	}
}
