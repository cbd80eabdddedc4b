// Package devices is the assistive device service (DOMAIN.md §8): a catalogue
// coded by ISO 9999, service points with stock that never goes below zero,
// and the `assistive_device` workflow (assess, approve, dispense from a
// point's stock, loans with due dates, return, renew, close).
package devices

// Product is a catalogue entry.
type Product struct {
	Code     string `json:"code"` // ISO 9999: three 2-digit pairs, e.g. "12 22 03"
	Name     string `json:"name"`
	NameEn   string `json:"name_en"`
	Mode     string `json:"mode"`     // "loan" or "grant"
	Referral bool   `json:"referral"` // fitted by a specialist (prostheses, orthoses): referred, not stocked
}

// Catalogue are the common products seeded on first start.
var Catalogue = []Product{
	{"12 22 03", "手动轮椅（双手驱动）", "Manual wheelchair, bimanual hand-rim drive", "loan", false},
	{"12 22 18", "护理型轮椅（他人推行）", "Attendant-controlled manual wheelchair", "loan", false},
	{"12 23 06", "电动轮椅", "Powered wheelchair", "loan", false},
	{"12 06 03", "助行架", "Walking frame", "loan", false},
	{"12 06 06", "带轮助行器", "Rollator", "loan", false},
	{"12 03 03", "手杖", "Walking stick", "grant", false},
	{"12 03 06", "肘拐", "Elbow crutches", "grant", false},
	{"12 03 12", "腋拐", "Axillary crutches", "grant", false},
	{"12 03 16", "多脚手杖", "Multi-legged walking stick", "grant", false},
	{"12 39 03", "盲杖", "White cane", "grant", false},
	{"12 31 03", "转移板", "Transfer board", "loan", false},
	{"12 36 03", "移位机", "Patient lift", "loan", false},
	{"22 06 06", "耳背式助听器", "Behind-the-ear hearing aid", "grant", false},
	{"22 06 03", "耳内式助听器", "In-the-ear hearing aid", "grant", false},
	{"22 03 09", "放大镜", "Magnifier", "grant", false},
	{"22 03 18", "电子助视器", "Video magnifier", "loan", false},
	{"22 39 12", "读屏软件", "Screen reader software", "grant", false},
	{"22 30 21", "有声读物播放器", "Talking book player", "grant", false},
	{"22 27 03", "闪光门铃", "Flashing doorbell", "grant", false},
	{"22 27 12", "振动闹钟", "Vibrating alarm clock", "grant", false},
	{"22 33 06", "盲用电脑（带盲文显示器）", "Computer with braille display", "loan", false},
	{"09 33 03", "洗澡椅", "Bath chair", "grant", false},
	{"09 12 03", "坐便椅", "Commode chair", "grant", false},
	{"09 12 18", "马桶增高器", "Raised toilet seat", "grant", false},
	{"04 33 03", "防褥疮坐垫", "Anti-bedsore cushion", "grant", false},
	{"04 33 06", "防褥疮床垫", "Anti-bedsore mattress", "grant", false},
	{"18 12 10", "护理床", "Nursing bed with adjustable sections", "loan", false},
	{"18 18 06", "扶手（抓杆）", "Grab rail", "grant", false},
	{"15 09 13", "助食餐具", "Adapted cutlery", "grant", false},
	{"24 21 03", "取物器", "Reacher", "grant", false},
	{"06 24 15", "小腿假肢", "Transtibial prosthesis", "grant", true},
	{"06 24 21", "大腿假肢", "Transfemoral prosthesis", "grant", true},
	{"06 18 12", "前臂假肢", "Transradial prosthesis", "grant", true},
	{"06 12 06", "踝足矫形器", "Ankle-foot orthosis", "grant", true},
	{"06 12 12", "膝踝足矫形器", "Knee-ankle-foot orthosis", "grant", true},
	{"06 03 09", "脊柱矫形器", "Thoraco-lumbo-sacral orthosis", "grant", true},
	{"06 33 06", "矫形鞋", "Orthopaedic shoes", "grant", true},
	{"05 06 06", "盲文书写板", "Braille writing frame", "grant", false},
	{"30 09 03", "盲用象棋", "Tactile chess set", "grant", false},
	{"28 03 03", "可调节工作台", "Adjustable work table", "loan", false},
}

// suited are the ISO 9999 classes and subclasses (code prefixes) that suit
// each disability category (DOMAIN.md §2): what staff look at first when
// prescribing. Category 7 (multiple) takes those of its components.
var suited = map[int][]string{
	1: {"12 39", "22 03", "22 30", "22 33", "22 39", "05 06", "30 09"},                                  // visual
	2: {"22 06", "22 27"},                                                                               // hearing
	3: {"22 27", "22 33"},                                                                               // speech
	4: {"04", "06", "09", "12 03", "12 06", "12 22", "12 23", "12 31", "12 36", "15", "18", "24", "28"}, // physical
	5: {"09", "15", "24", "28"},                                                                         // intellectual
	6: {"09", "22 27 12", "28"},                                                                         // mental
}

// Suits reports whether a product suits a person of one of the categories
// (a multiple disability gives its components). No category known: all do.
func Suits(code string, categories []int) bool {
	if len(categories) == 0 {
		return true
	}
	for _, c := range categories {
		for _, prefix := range suited[c] {
			if len(code) >= len(prefix) && code[:len(prefix)] == prefix {
				return true
			}
		}
	}
	return false
}

// categoryNames are the categories' names (DOMAIN.md §2).
var categoryNames = map[int][2]string{1: {"视力残疾", "visual"}, 2: {"听力残疾", "hearing"}, 3: {"言语残疾", "speech"},
	4: {"肢体残疾", "physical"}, 5: {"智力残疾", "intellectual"}, 6: {"精神残疾", "mental"}, 7: {"多重残疾", "multiple"}}
