// Package demo generates realistic synthetic registry data: demo villages and
// residential committees under real towns, disabled persons with valid ID and
// certificate numbers, and one annual status record per person (DOMAIN.md
// §1–§4, §6). It is pure and deterministic: the same arguments always give
// the same Dataset, and nothing touches a database.
package demo

import (
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/orgunit"
	"sunshine/internal/registry"
)

// Dataset is one generated data set.
type Dataset struct {
	// Units are the synthetic level-4 units (villages and residential
	// committees), each with Demo set, in generation order (town by town).
	Units []orgunit.Unit
	// Persons are valid in every field.
	Persons []registry.PersonInput
	// Annual holds one record for the requested year per person: Annual[i]
	// belongs to Persons[i] (PersonID is left 0 for the caller to fill in).
	Annual []registry.Annual
}

// Shares and rates used by the generator. They describe the synthetic
// population only; no rule of the platform depends on them.
const (
	localAddressShare = 0.85 // ID address code of the person's own district
	maleShare         = 0.52
	sharedHousehold   = 0.05 // chance to join a single-person household of the same village (→ ~10% share)
	reissueShare      = 0.05
	expiringShare     = 0.03 // certificate expires within the next 90 days
	mobileShare       = 0.85
	landlineShare     = 0.60 // of those without a mobile, in a district with a known area code
	localHukou        = 0.90
	nonlocalElsewhere = 0.80 // of nonlocal hukou, ID address code from elsewhere
	guardianMentalInt = 0.60 // guardian for intellectual / mental disability
	subsidyTakeUp     = 0.97 // eligible persons who receive a subsidy
	incomeKnown       = 0.90
	collegeGraduate   = 0.06 // of non-students aged 21–24
)

// categoryWeights are the 2006 survey shares of DOMAIN.md §2 in basis points,
// index = category code − 1.
var categoryWeights = []int{1486, 2416, 153, 2907, 668, 740, 1630}

// gradeWeights in percent, index = grade − 1.
var gradeWeights = []int{12, 23, 30, 35}

var economicWeights = []int{80, 8, 7, 5} // normal, dibao, near_dibao, tekun (registry.EconomicStatuses order)

// elsewhereCodes are real county-level address codes (GB/T 2260) of persons
// whose ID number was issued outside their current district.
var elsewhereCodes = []string{
	"110105", "310101", "320102", "340104", "410102", "510104", "420102", "370102",
	"330106", "350102", "430102", "610103", "500103", "130102", "210102",
}

// surnames, most common first; weights fall off with the index.
var surnames = []string{
	"王", "张", "陈", "李", "周", "徐", "朱", "沈", "陆", "顾", "刘", "杨", "黄", "吴", "钱",
	"孙", "赵", "胡", "马", "郭", "何", "高", "林", "罗", "金", "施", "姚", "蒋", "曹", "唐",
	"许", "陶", "袁", "严", "汤", "蔡", "潘", "范", "宋", "戴", "夏", "郁", "俞", "丁", "杜",
	"方", "倪", "龚", "毛", "汪", "程", "叶", "邵", "邱", "秦", "葛", "浦", "瞿", "季", "殷",
}

var surnameCum = func() []int {
	c := make([]int, len(surnames))
	t := 0
	for i := range surnames {
		t += 100 / (1 + i/5) // 100 for the first five, then 50, 33, …
		c[i] = t
	}
	return c
}()

// Given-name characters by sex and generation (born before 1975 / from 1975).
var (
	givenMaleOld     = []string{"建", "国", "明", "华", "强", "军", "伟", "平", "林", "根", "荣", "福", "兴", "德", "忠", "海", "卫", "东", "生", "宝", "金", "庆", "祥", "发", "良", "才", "正", "洪"}
	givenFemaleOld   = []string{"秀", "英", "兰", "芳", "珍", "凤", "玉", "桂", "梅", "琴", "萍", "红", "华", "娣", "妹", "菊", "莲", "美", "芬", "彩", "云", "霞", "敏", "静"}
	givenMaleYoung   = []string{"浩", "宇", "子", "轩", "博", "睿", "俊", "杰", "晨", "昊", "天", "泽", "一", "鹏", "磊", "凯", "然", "航", "文", "涛", "斌", "伟", "鑫", "晟", "辰", "逸", "阳", "嘉"}
	givenFemaleYoung = []string{"欣", "怡", "涵", "悦", "琳", "佳", "思", "诗", "梓", "雨", "婷", "颖", "洁", "雯", "晓", "静", "敏", "丽", "倩", "雪", "慧", "蕾", "萱", "妍", "可", "馨", "彤", "琪"}
)

// syllable is one Chinese character with its pinyin, for unit names.
type syllable struct{ zh, py string }

var placeFirst = []syllable{
	{"永", "yong"}, {"新", "xin"}, {"红", "hong"}, {"光", "guang"}, {"东", "dong"}, {"西", "xi"},
	{"南", "nan"}, {"北", "bei"}, {"华", "hua"}, {"明", "ming"}, {"和", "he"}, {"平", "ping"},
	{"安", "an"}, {"富", "fu"}, {"民", "min"}, {"星", "xing"}, {"联", "lian"}, {"胜", "sheng"},
	{"建", "jian"}, {"丰", "feng"}, {"泰", "tai"}, {"兴", "xing"}, {"长", "chang"}, {"金", "jin"},
	{"塘", "tang"}, {"石", "shi"}, {"朱", "zhu"}, {"徐", "xu"}, {"陆", "lu"}, {"沈", "shen"},
	{"钱", "qian"}, {"黄", "huang"}, {"秀", "xiu"}, {"凤", "feng"}, {"龙", "long"}, {"桃", "tao"},
	{"白", "bai"}, {"青", "qing"}, {"双", "shuang"}, {"三", "san"}, {"五", "wu"}, {"大", "da"},
	{"旺", "wang"}, {"庆", "qing"}, {"宏", "hong"}, {"汇", "hui"}, {"嘉", "jia"}, {"春", "chun"},
	{"振", "zhen"}, {"曙", "shu"}, {"幸", "xing"}, {"向", "xiang"}, {"团", "tuan"}, {"先", "xian"},
}

var placeSecond = []syllable{
	{"新", "xin"}, {"华", "hua"}, {"星", "xing"}, {"光", "guang"}, {"民", "min"}, {"丰", "feng"},
	{"利", "li"}, {"联", "lian"}, {"胜", "sheng"}, {"桥", "qiao"}, {"湾", "wan"}, {"浜", "bang"},
	{"泾", "jing"}, {"塘", "tang"}, {"港", "gang"}, {"泉", "quan"}, {"园", "yuan"}, {"河", "he"},
	{"庄", "zhuang"}, {"宅", "zhai"}, {"家", "jia"}, {"福", "fu"}, {"安", "an"}, {"和", "he"},
	{"兴", "xing"}, {"明", "ming"}, {"溪", "xi"}, {"林", "lin"}, {"山", "shan"}, {"苑", "yuan"},
	{"城", "cheng"}, {"盛", "sheng"}, {"乐", "le"}, {"康", "kang"}, {"宁", "ning"}, {"荣", "rong"},
	{"阳", "yang"}, {"浦", "pu"}, {"里", "li"}, {"泽", "ze"},
}

var roads = []string{
	"人民", "解放", "新华", "博乐", "清河", "城中", "塔城", "叶城", "沪宜", "曹安", "胜辛", "永盛",
	"德园", "金沙", "洪德", "众仁", "银翔", "民主", "嘉罗", "墨玉", "安智", "昌吉", "和静", "环城",
	"前进", "朝阳", "建设", "迎宾", "青年", "文化", "学府", "长江", "黄河", "珠江", "太平", "中山",
	"东方", "富民", "兴贤", "望新", "裕民", "澄浏",
}

var mobilePrefixes = []string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
	"153", "155", "156", "157", "158", "159", "166", "173", "176", "177", "178", "180", "181",
	"182", "183", "184", "185", "186", "187", "188", "189", "191", "198", "199",
}

// areaCodes maps a province prefix of a county code to the landline area
// code and first local digit used for demo landlines.
var areaCodes = map[string]string{"31": "021-5", "32": "0512-5"}

// age bands: share of the population, and relative weights of single years.
func ageWeights() []float64 {
	w := make([]float64, 101)
	band := func(lo, hi int, share float64, f func(a int) float64) {
		t := 0.0
		for a := lo; a <= hi; a++ {
			t += f(a)
		}
		for a := lo; a <= hi; a++ {
			w[a] = share * f(a) / t
		}
	}
	band(2, 17, 0.10, func(int) float64 { return 1 })
	band(18, 59, 0.45, func(a int) float64 { return 1 + float64(a-18)/12 }) // older adults more often disabled
	band(60, 100, 0.45, func(a int) float64 {
		switch {
		case a <= 75:
			return 10
		case a <= 85:
			return 7
		case a <= 90:
			return 3.5
		case a <= 95:
			return 1.2
		default:
			return 0.3
		}
	})
	cum := make([]float64, len(w))
	t := 0.0
	for i, x := range w {
		t += x
		cum[i] = t
	}
	return cum
}

var ageCum = ageWeights()

// townInfo is a town with what the generator derives from it.
type townInfo struct {
	unit      orgunit.Unit
	district  string // first 6 digits of the town code
	hhPrefix  string // household number prefix
	landline  string // "021-5" etc., "" when unknown
	hhCounter int
}

// village is a generated level-4 unit.
type village struct {
	unit      orgunit.Unit
	town      int
	isVillage bool // 村 (true) or 居委会 (false)
	single    int  // index of the last person living alone here, −1 when none
}

type gen struct {
	r        *rand.Rand
	today    int   // day number of today
	yearsAgo []int // yearsAgo[k] = day number of today minus k years
	buf      []byte
}

// Generate makes n persons spread over synthetic villages under the given
// level-3 towns (units of other levels are ignored). seed makes the data
// reproducible; today fixes "now" (no birth date and no certificate issue date
// after it); year is the year of the annual records.
//
// Each town gets 4 to 10 villages or residential committees (about n/150 in
// total), coded town code + 3 digits: 居委会 from 001, 村 from 201.
func Generate(seed int64, n int, towns []orgunit.Unit, year int, today time.Time) Dataset {
	g := &gen{r: rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))} // #nosec G404 G115 -- synthetic demo data, not security; the seed's bits are reused as they are
	ty, tm, td := today.Date()
	g.today = daysFromCivil(ty, int(tm), td)
	g.yearsAgo = make([]int, 103)
	for k := range g.yearsAgo {
		y, m, d := time.Date(ty-k, tm, td, 0, 0, 0, 0, time.UTC).Date()
		g.yearsAgo[k] = daysFromCivil(y, int(m), d)
	}

	var ts []townInfo
	for _, t := range towns {
		if t.Level == 3 && len(t.Code) >= 6 {
			ts = append(ts, townInfo{unit: t, district: t.Code[:6]})
		}
	}
	var ds Dataset
	if len(ts) == 0 {
		return ds
	}
	g.householdPrefixes(ts)
	villages := g.villages(ts, n)
	ds.Units = make([]orgunit.Unit, len(villages))
	vCum := make([]float64, len(villages))
	t := 0.0
	for i := range villages {
		ds.Units[i] = villages[i].unit
		t += 0.6 + 0.8*g.r.Float64()
		vCum[i] = t
	}
	if n <= 0 {
		return ds
	}

	ds.Persons = make([]registry.PersonInput, n)
	ds.Annual = make([]registry.Annual, n)
	births := make([]int, n)
	used := make(map[uint64]struct{}, n)
	g.buf = make([]byte, 0, 64)
	for i := 0; i < n; i++ {
		vi := sort.SearchFloat64s(vCum, g.r.Float64()*t)
		if vi >= len(villages) {
			vi = len(villages) - 1
		}
		births[i] = g.person(&ds.Persons[i], i, ds.Persons, &villages[vi], &ts[villages[vi].town], used)
		g.annual(&ds.Annual[i], &ds.Persons[i], births[i], year)
	}
	return ds
}

// householdPrefixes gives each town a household number prefix: the last 5
// digits of its code, or the whole code when two towns share those digits.
func (g *gen) householdPrefixes(ts []townInfo) {
	seen := map[string]int{}
	for _, t := range ts {
		seen[suffix(t.unit.Code, 5)]++
	}
	for i := range ts {
		p := suffix(ts[i].unit.Code, 5)
		if seen[p] > 1 {
			p = ts[i].unit.Code
		}
		ts[i].hhPrefix = p
		ts[i].landline = areaCodes[ts[i].district[:2]]
		ts[i].hhCounter = 100000 + g.r.IntN(20000)
	}
}

func suffix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// villages makes the level-4 units of every town.
func (g *gen) villages(ts []townInfo, n int) []village {
	perTown := int(math.Ceil(float64(n) / 150 / float64(len(ts))))
	perTown = min(max(perTown, 4), 10)
	var out []village
	for ti, t := range ts {
		k := min(max(perTown+g.r.IntN(3)-1, 4), 10)
		var res int // residential committees
		switch name := t.unit.Name; {
		case strings.HasSuffix(name, "街道"):
			res = k
		case strings.HasSuffix(name, "镇"):
			res = max(1, (k+2)/4)
		default: // development zones, new towns: half and half
			res = k / 2
		}
		names := map[string]bool{}
		for j := 0; j < k; j++ {
			isVillage := j >= res
			var num int
			kind, kindEn := "居委会", "Residential Committee"
			if isVillage {
				num = 201 + j - res
				kind, kindEn = "村", "Village"
			} else {
				num = 1 + j
			}
			zh, py := g.placeName(names)
			code := t.unit.Code + pad3(num)
			out = append(out, village{
				unit: orgunit.Unit{
					Code: code, Name: zh + kind, NameEn: py + " " + kindEn,
					Level: 4, Parent: t.unit.Code, Demo: true,
				},
				town: ti, isVillage: isVillage, single: -1,
			})
		}
	}
	return out
}

// placeName returns a two-character place name not yet in used, and its pinyin.
func (g *gen) placeName(used map[string]bool) (string, string) {
	for {
		a := placeFirst[g.r.IntN(len(placeFirst))]
		b := placeSecond[g.r.IntN(len(placeSecond))]
		if a.zh == b.zh || used[a.zh+b.zh] {
			continue
		}
		used[a.zh+b.zh] = true
		return a.zh + b.zh, strings.ToUpper(a.py[:1]) + a.py[1:] + b.py
	}
}

func pad3(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// pickInt returns an index drawn with integer weights w.
func (g *gen) pickInt(w []int) int {
	t := 0
	for _, x := range w {
		t += x
	}
	v := g.r.IntN(t)
	for i, x := range w {
		if v < x {
			return i
		}
		v -= x
	}
	return len(w) - 1
}

// person fills p (index i; all holds the persons made so far) and returns the
// day number of the birth date.
func (g *gen) person(p *registry.PersonInput, i int, all []registry.PersonInput, v *village, t *townInfo, used map[uint64]struct{}) int {
	p.OrgUnit = v.unit.Code

	// Household: join a single-person household of the same village, or found one.
	var mate *registry.PersonInput
	if v.single >= 0 && g.chance(sharedHousehold) {
		mate = &all[v.single]
		v.single = -1
	} else {
		v.single = i
	}

	// Hukou and the address code of the ID number.
	if mate != nil && g.chance(0.9) {
		p.Hukou = mate.Hukou
	} else if g.chance(localHukou) {
		p.Hukou = "local"
	} else {
		p.Hukou = "nonlocal"
	}
	addr := t.district
	elsewhere := (1 - localAddressShare - (1-localHukou)*nonlocalElsewhere) / localHukou
	if p.Hukou == "nonlocal" {
		elsewhere = nonlocalElsewhere
	}
	if g.chance(elsewhere) {
		addr = elsewhereCodes[g.r.IntN(len(elsewhereCodes))]
	}

	// Age, birth date, sex and a unique ID number.
	age := sort.SearchFloat64s(ageCum, g.r.Float64()*ageCum[len(ageCum)-1])
	age = min(age, 100)
	male := g.chance(maleShare)
	birth, id := g.idNumber(addr, age, male, used)
	p.IDNumber = id
	by, _, _ := civilFromDays(birth)
	old := by < 1975

	surname := surnames[g.searchInt(surnameCum)]
	if mate != nil && g.chance(0.3) { // same surname within a household (parent and child, siblings)
		surname = firstRune(mate.Name)
	}
	p.Name = surname + g.given(male, old)

	// Disability.
	p.Category = 1 + g.pickInt(categoryWeights)
	p.Grade = 1 + g.pickInt(gradeWeights)
	if p.Category == 7 {
		a := 1 + g.r.IntN(6)
		b := 1 + g.r.IntN(5)
		if b >= a {
			b++
		}
		p.Components = []int{min(a, b), max(a, b)}
	}
	b := append(g.buf[:0], id...)
	b = append(b, byte('0'+p.Category), byte('0'+p.Grade)) // #nosec G115 -- category 1..7 and grade 1..4 are single digits
	if g.chance(reissueShare) {
		b = append(b, 'B', '1')
	}
	p.CertificateNumber = string(b)
	p.CertificateIssued = formatDay(g.issued(birth))

	// Household, address, economic status.
	if mate != nil {
		p.Household, p.Address, p.EconomicStatus = mate.Household, mate.Address, mate.EconomicStatus
	} else {
		t.hhCounter += 1 + g.r.IntN(9)
		p.Household = t.hhPrefix + pad6(t.hhCounter)
		p.Address = g.address(t, v)
		p.EconomicStatus = registry.EconomicStatuses[g.pickInt(economicWeights)]
	}

	// Contacts.
	ageNow := age
	if ageNow < 18 || ((p.Category == 5 || p.Category == 6) && g.chance(guardianMentalInt)) {
		gs := surnames[g.searchInt(surnameCum)]
		if ageNow < 18 && g.chance(0.85) {
			gs = surname
		}
		p.GuardianName = gs + g.given(g.chance(0.5), ageNow >= 30)
		p.GuardianPhone = g.mobile()
	}
	switch {
	case ageNow < 14:
		p.Phone = p.GuardianPhone
	case g.chance(mobileShare):
		p.Phone = g.mobile()
	case t.landline != "" && g.chance(landlineShare):
		p.Phone = g.digits(t.landline, 7)
	}

	switch x := g.r.Float64(); {
	case x < 0.97:
		p.Status = "active"
	case x < 0.99:
		p.Status = "moved_out"
	default:
		p.Status = "deceased"
	}
	return birth
}

// searchInt picks an index from cumulative integer weights.
func (g *gen) searchInt(cum []int) int {
	return sort.SearchInts(cum, g.r.IntN(cum[len(cum)-1])+1)
}

func firstRune(s string) string {
	for i := range s {
		if i > 0 {
			return s[:i]
		}
	}
	return s
}

// idNumber draws a birth date for the age (as of today) and a sequence number
// for the sex, retrying until the ID number is unused.
func (g *gen) idNumber(addr string, age int, male bool, used map[uint64]struct{}) (int, string) {
	addrN, _ := strconv.Atoi(addr)
	lo, hi := g.yearsAgo[age+1]+1, g.yearsAgo[age] // born in (today − (age+1) years, today − age years]
	birth := lo + g.r.IntN(hi-lo+1)
	for tries := 0; ; tries++ {
		if tries > 0 && tries%20 == 0 { // the day is crowded: move to the next earlier one
			birth--
		}
		seq := 2 + 2*g.r.IntN(499) // 002..998, even: female
		if male {
			seq = 1 + 2*g.r.IntN(500) // 001..999, odd: male
		}
		y, m, d := civilFromDays(birth)
		ymd := y*10000 + m*100 + d
		key := uint64(addrN)*100_000_000_000 + uint64(ymd)*1000 + uint64(seq) // #nosec G115 -- a 6-digit address code, a YYYYMMDD date and 1..999, all positive
		if _, dup := used[key]; dup {
			continue
		}
		used[key] = struct{}{}
		b := append(g.buf[:0], addr...)
		b = strconv.AppendInt(b, int64(ymd), 10)
		b = append(b, byte('0'+seq/100), byte('0'+seq/10%10), byte('0'+seq%10)) // #nosec G115 -- seq is 1..999: each is a digit 0-9
		b = append(b, registry.IDCheckChar(string(b)))
		return birth, string(b)
	}
}

// issued draws a certificate issue date: within the last 11 years, not
// before the birth date, ~3% such that the certificate (valid 10 years)
// expires within the next 90 days.
func (g *gen) issued(birth int) int {
	winLo, winHi := g.yearsAgo[10]+1, g.yearsAgo[10]+90 // expiry in [today+1, today+90]
	if birth < winLo && g.chance(expiringShare) {
		return winLo + g.r.IntN(winHi-winLo+1)
	}
	lo := max(g.yearsAgo[11], birth+30)
	if lo > g.today {
		lo = birth
	}
	for range 8 {
		d := lo + g.r.IntN(g.today-lo+1)
		if d < winLo || d > winHi {
			return d
		}
	}
	if winLo-1 >= lo {
		return winLo - 1
	}
	return g.today
}

func (g *gen) given(male, old bool) string {
	var list []string
	switch {
	case male && old:
		list = givenMaleOld
	case male:
		list = givenMaleYoung
	case old:
		list = givenFemaleOld
	default:
		list = givenFemaleYoung
	}
	a := list[g.r.IntN(len(list))]
	if g.chance(0.3) {
		return a
	}
	for {
		b := list[g.r.IntN(len(list))]
		if b != a {
			return a + b
		}
	}
}

func (g *gen) address(t *townInfo, v *village) string {
	b := append(g.buf[:0], t.unit.Name...)
	if v.isVillage {
		b = append(b, v.unit.Name...)
		b = strconv.AppendInt(b, int64(1+g.r.IntN(12)), 10)
		b = append(b, "组"...)
		b = strconv.AppendInt(b, int64(1+g.r.IntN(80)), 10)
		b = append(b, "号"...)
		return string(b)
	}
	b = append(b, roads[g.r.IntN(len(roads))]...)
	b = append(b, "路"...)
	b = strconv.AppendInt(b, int64(1+g.r.IntN(999)), 10)
	b = append(b, "弄"...)
	b = strconv.AppendInt(b, int64(1+g.r.IntN(60)), 10)
	b = append(b, "号"...)
	b = strconv.AppendInt(b, int64((1+g.r.IntN(18))*100+1+g.r.IntN(4)), 10)
	b = append(b, "室"...)
	return string(b)
}

func (g *gen) mobile() string {
	return g.digits(mobilePrefixes[g.r.IntN(len(mobilePrefixes))], 8)
}

// digits returns prefix followed by k random digits.
func (g *gen) digits(prefix string, k int) string {
	b := append(g.buf[:0], prefix...)
	for range k {
		b = append(b, byte('0'+g.r.IntN(10))) // #nosec G115 -- a digit 0-9
	}
	return string(b)
}

func pad6(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 6 {
		s = "0" + s
	}
	return s
}

// annual fills the annual record of person p for the year.
func (g *gen) annual(a *registry.Annual, p *registry.PersonInput, birth, year int) {
	by, _, _ := civilFromDays(birth)
	age := year - by // DOMAIN.md §7: age = Y − birth year
	a.Year = year
	a.OrgUnit = p.OrgUnit
	a.EconomicStatus = p.EconomicStatus
	a.Employment, a.SchoolEnrolled, a.CollegeGraduate = g.employment(age, p.Grade)

	rehab := 0.37
	if age < 18 {
		rehab = 0.70
	}
	a.RehabNeed = g.chance(rehab)
	a.RehabReceived = a.RehabNeed && g.chance(0.85)
	device := 0.10
	switch p.Category {
	case 4:
		device = 0.40
	case 1:
		device = 0.35
	case 2, 7:
		device = 0.30
	}
	a.DeviceNeed = g.chance(device)
	a.DeviceReceived = a.DeviceNeed && g.chance(0.85)
	a.PensionInsured = age >= 16 && a.Employment != "student" && g.chance(0.92)
	a.MedicalInsured = g.chance(0.96)
	a.CultureSports = g.chance(0.75)

	living, care := eligible(p, a.Employment)
	a.LivingSubsidyReceived = living && g.chance(subsidyTakeUp)
	a.CareSubsidyReceived = care && g.chance(subsidyTakeUp)

	if g.chance(incomeKnown) {
		var inc int
		switch p.EconomicStatus {
		case "dibao", "tekun":
			inc = 6000 + g.r.IntN(12000)
		case "near_dibao":
			inc = 18000 + g.r.IntN(12000)
		default:
			inc = 30000 + g.r.IntN(30000) + g.r.IntN(30000)
		}
		v := int64(inc / 100 * 100)
		a.HouseholdIncomePerCapita = &v
	}
}

// employment draws the employment of a person aged age in the survey year,
// whether they are in compulsory education, and whether they graduated from
// college that year.
func (g *gen) employment(age, grade int) (emp string, enrolled, graduate bool) {
	switch {
	case age < 6:
		return "not_seeking", false, false
	case age <= 15:
		if g.chance(0.97) {
			return "student", true, false
		}
		if grade <= 2 || g.chance(0.5) {
			return "unable", false, false
		}
		return "not_seeking", false, false
	case age >= 60:
		switch x := g.r.Float64(); {
		case x < 0.90:
			return "retired", false, false
		case x < 0.93:
			return "employed", false, false
		case x < 0.98:
			return "unable", false, false
		default:
			return "not_seeking", false, false
		}
	}
	// 16–59.
	switch {
	case age <= 18 && g.chance(0.65), age >= 19 && age <= 22 && g.chance(0.30):
		return "student", false, false
	case age >= 21 && age <= 24 && g.chance(collegeGraduate):
		if g.chance(0.97) {
			return "employed", false, true
		}
		return "unemployed", false, true
	}
	employed := [...]float64{0.22, 0.40, 0.62, 0.72}[grade-1]
	switch x := g.r.Float64(); {
	case x < employed:
		return "employed", false, false
	case x < employed+0.006: // ~99% of those able and seeking are employed
		return "unemployed", false, false
	}
	unable := 0.35
	if grade <= 2 {
		unable = 0.75
	}
	if g.chance(unable) {
		return "unable", false, false
	}
	return "not_seeking", false, false
}

// eligible applies the subsidy rules of DOMAIN.md §4 to a person with the
// given employment: local hukou, active status, then the living subsidy for
// dibao/tekun, severely disabled without work, or near_dibao; the care
// subsidy for grade 1–2 and grade 3 intellectual or mental disability.
func eligible(p *registry.PersonInput, employment string) (living, care bool) {
	if p.Hukou != "local" || p.Status != "active" {
		return false, false
	}
	severe := p.Grade == 1 || p.Grade == 2
	switch {
	case p.EconomicStatus == "dibao", p.EconomicStatus == "tekun", p.EconomicStatus == "near_dibao":
		living = true
	case severe && employment != "employed" && employment != "student":
		living = true
	}
	care = severe || (p.Grade == 3 && (p.Category == 5 || p.Category == 6))
	return living, care
}

// daysFromCivil returns the number of days since 1970-01-01 of a date in the
// proleptic Gregorian calendar.
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	doy := (153*((m+9)%12)+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int) (y, m, d int) {
	z += 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// formatDay renders a day number as YYYY-MM-DD.
func formatDay(z int) string {
	y, m, d := civilFromDays(z)
	var b [10]byte
	b[0], b[1], b[2], b[3] = byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10) // #nosec G115 -- demo years are 4-digit (1900s-2100s): digits 0-9
	b[4], b[7] = '-', '-'
	b[5], b[6] = byte('0'+m/10), byte('0'+m%10) // #nosec G115 -- month 1..12: digits 0-9
	b[8], b[9] = byte('0'+d/10), byte('0'+d%10) // #nosec G115 -- day 1..31: digits 0-9
	return string(b[:])
}
