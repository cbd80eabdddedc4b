// Package jobs is the job seekers' side of the employment module (DOMAIN.md
// §8): the employment profile of a registered person, vacancies of the
// employers kept by package employment, the matching that ranks job seekers
// for a vacancy and vacancies for a seeker (explaining each score), and the
// placement workflow. It is a part of the employment module, so it uses the
// employers' package directly; other modules do not import it.
package jobs

import (
	"fmt"
	"math/bits"
	"slices"

	"sunshine/internal/platform/apperr"
)

// Term is a word of a fixed vocabulary (skills, accommodations…).
type Term struct {
	Code string `json:"code"`
	Zh   string `json:"name_zh"`
	En   string `json:"name_en"`
}

// Skills are the skills matching knows, by bit position (append only: the
// positions are stored).
var Skills = []Term{
	{"computer", "电脑操作", "Computer use"}, {"data_entry", "数据录入", "Data entry"},
	{"customer_service", "客户服务", "Customer service"}, {"phone_service", "电话客服", "Telephone service"},
	{"assembly", "装配", "Assembly"}, {"packaging", "包装", "Packing"},
	{"cleaning", "保洁", "Cleaning"}, {"cooking", "烹饪", "Cooking"},
	{"sewing", "缝纫", "Sewing"}, {"massage", "按摩推拿", "Massage"},
	{"handicraft", "手工艺", "Handicraft"}, {"gardening", "园艺绿化", "Gardening"},
	{"accounting", "会计", "Accounting"}, {"design", "设计", "Design"},
	{"logistics", "物流仓储", "Logistics and storage"}, {"retail", "零售", "Retail"},
	{"security", "安保", "Security"}, {"driving", "驾驶", "Driving"},
	{"care_work", "护理", "Care work"}, {"programming", "编程", "Programming"},
	{"sign_language", "手语", "Sign language"}, {"teaching", "教学辅导", "Teaching"},
	{"printing", "印刷", "Printing"}, {"baking", "烘焙", "Baking"},
}

// Accommodations are what a workplace may offer and a seeker may need.
var Accommodations = []Term{
	{"step_free", "无障碍通道（无台阶）", "Step-free access"},
	{"accessible_toilet", "无障碍卫生间", "Accessible toilet"},
	{"sign_language", "手语沟通", "Sign language"},
	{"screen_reader", "读屏软件", "Screen reader"},
	{"flexible_hours", "弹性工时", "Flexible hours"},
	{"quiet_space", "安静的工作环境", "A quiet workspace"},
	{"job_coach", "就业辅导员", "A job coach"},
	{"adjustable_desk", "可调节工位", "An adjustable workstation"},
	{"large_print", "大字或盲文资料", "Large print or braille"},
	{"transport", "通勤接送", "Transport to work"},
}

// Education levels, lowest first.
var Education = []Term{
	{"none", "未上学", "No schooling"}, {"primary", "小学", "Primary school"},
	{"junior", "初中", "Junior secondary"}, {"senior", "高中", "Senior secondary"},
	{"vocational", "中专或职高", "Vocational secondary"}, {"college", "大专", "College"},
	{"bachelor", "本科", "Bachelor's degree"}, {"postgraduate", "研究生", "Postgraduate"},
}

// Hours a seeker wants or a vacancy offers.
var Hours = []Term{
	{"full_time", "全职", "Full time"}, {"part_time", "兼职", "Part time"}, {"flexible", "灵活", "Flexible"},
}

func codes(ts []Term) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Code
	}
	return out
}

// index finds a code in a vocabulary (-1: none).
func index(ts []Term, code string) int {
	return slices.IndexFunc(ts, func(t Term) bool { return t.Code == code })
}

// bitsOf turns codes into a bit set, or says which is unknown (field[i]).
func bitsOf(ts []Term, field string, list []string) (uint64, []apperr.FieldError) {
	var b uint64
	var errs []apperr.FieldError
	for i, c := range list {
		k := index(ts, c)
		if k < 0 {
			errs = append(errs, apperr.Field(fmt.Sprintf("%s[%d]", field, i), "unknown",
				fmt.Sprintf("“%s”不在可选项中。", c), fmt.Sprintf("%q is not one of the choices.", c)))
			continue
		}
		b |= 1 << k
	}
	return b, errs
}

// The bit sets are stored in BIGINT columns: toDB reinterprets the uint64 as
// an int64 and fromDB turns it back, bit for bit, so no value is lost (a set
// with bit 63 would read as negative in SQL, which only tests bits with &).
func toDB(b uint64) int64 { return int64(b) } // #nosec G115 -- a bit set, reinterpreted bit for bit

func fromDB(v int64) uint64 { return uint64(v) } // #nosec G115 -- a bit set, reinterpreted bit for bit

// codesOf turns a bit set back into codes.
func codesOf(ts []Term, b uint64) []string {
	out := []string{}
	for b != 0 {
		k := bits.TrailingZeros64(b)
		if k < len(ts) {
			out = append(out, ts[k].Code)
		}
		b &^= 1 << k
	}
	return out
}

// names lists the names of a bit set's terms in lang, joined.
func names(ts []Term, b uint64, lang string) []string {
	var out []string
	for _, c := range codesOf(ts, b) {
		t := ts[index(ts, c)]
		out = append(out, apperr.T(t.Zh, t.En).In(lang))
	}
	return out
}
