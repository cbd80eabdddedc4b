package indicators

import (
	"math"
	"strconv"
	"strings"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
)

// This file turns figures into what the pages show: numbers formatted for
// people (85.0%, 18,750 元), words instead of colours (达标 / 未达标), chart
// data blocks and their text descriptions, and the targets typed on the
// settings page back into numbers. All of it is pure and tested without a
// database.

// fmtr formats figures in one language.
type fmtr struct{ lang string }

func (f fmtr) t(zh, en string) string { return apperr.T(zh, en).In(f.lang) }

// groupDigits writes a whole number with thousands separators: 18750 → "18,750".
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// count is a number of persons, records or units with separators.
func (f fmtr) count(n int64) string { return groupDigits(n) }

// percent writes a fraction as a percentage with one decimal: 0.85 → "85.0%".
func (f fmtr) percent(v float64) string {
	return strconv.FormatFloat(math.Round(v*1000)/10, 'f', 1, 64) + "%"
}

// amount writes a yuan amount or a number of households with its unit.
func (f fmtr) amount(d Def, v float64) string {
	n := groupDigits(int64(math.Round(v)))
	switch d.TargetUnit {
	case "yuan":
		return n + f.t(" 元", " yuan")
	case "households":
		return n + f.t(" 户", " households")
	}
	return n
}

// value is how a value of d reads: "85.0%", "18,750 元", "12 户"; without a
// value (no denominator): "无数据", never 0%.
func (f fmtr) value(d Def, v *float64) string {
	if v == nil {
		return f.t("无数据", "no data")
	}
	if d.Kind == Rate {
		return f.percent(*v)
	}
	return f.amount(d, *v)
}

// figure is how the value of a figure reads: value, or "少于5" / "<5" when
// the figure is suppressed (small cells).
func (f fmtr) figure(d Def, it Item) string {
	if it.Suppressed {
		return smallLabel(f.lang)
	}
	return f.value(d, it.Value)
}

// n64 is a count that may be null (suppressed) as a number, 0 for null.
func n64(v *int64) int64 {
	if v == nil {
		return 0
	}
	return *v
}

// target is how a target of d reads; none configured: "未设定".
func (f fmtr) target(d Def, t *float64) string {
	if t == nil {
		return f.t("未设定", "not set")
	}
	if d.Kind == Rate {
		return f.percent(*t)
	}
	return f.amount(d, *t)
}

// met says in words whether a figure meets its target.
func (f fmtr) met(d Def, it Item) string {
	switch {
	case it.Suppressed:
		return smallLabel(f.lang)
	case it.Target == nil:
		return f.t("未设定目标", "no target")
	case it.Value == nil:
		return f.t("无法判断（无数据）", "cannot tell (no data)")
	case it.Met != nil && *it.Met:
		return f.t("达标", "met")
	}
	if n := shortOf(d, it); n > 0 {
		return f.t("未达标（还差 "+f.count(n)+" 人）", "not met ("+f.count(n)+" more persons needed)")
	}
	return f.t("未达标", "not met")
}

// shortOf is, for a rate that misses its target, how many more persons of
// the denominator the numerator needs to reach it: the gap to the target,
// which a unit that meets its target does not have (those not yet reached are
// counted apart, as Item.Gap). 0 for other figures and when the rate is met.
func shortOf(d Def, it Item) int64 {
	if d.Kind != Rate || it.Target == nil || it.Numerator == nil || it.Denominator == nil || it.Met == nil || *it.Met {
		return 0
	}
	need := int64(math.Ceil(*it.Target*float64(*it.Denominator) - 1e-9))
	return max(need-*it.Numerator, 0)
}

// metState is "met", "unmet" or "" (cannot tell), for a tag beside the words.
func metState(it Item) string {
	switch {
	case it.Met == nil:
		return ""
	case *it.Met:
		return "met"
	}
	return "unmet"
}

// ratio is "numerator / denominator" of a rate, the number of records of a
// mean, and nothing for a count.
func (f fmtr) ratio(d Def, it Item) string {
	switch {
	case it.Suppressed && d.Kind != Count:
		return smallLabel(f.lang)
	case d.Kind == Rate && it.Denominator != nil:
		return f.count(n64(it.Numerator)) + " / " + f.count(*it.Denominator)
	case d.Kind == Mean && it.Denominator != nil:
		return f.t("依据 "+f.count(*it.Denominator)+" 条填写了收入的记录", "from "+f.count(*it.Denominator)+" records that give an income")
	}
	return ""
}

// numerator and denominator are the table cells of a figure ("—" when the
// indicator has none).
func (f fmtr) numerator(d Def, it Item) string {
	switch {
	case d.Kind == Count:
		return "—"
	case it.Suppressed:
		return smallLabel(f.lang)
	}
	return f.count(n64(it.Numerator))
}

func (f fmtr) denominator(it Item) string {
	if it.Suppressed {
		return smallLabel(f.lang)
	}
	if it.Denominator == nil {
		return "—"
	}
	return f.count(*it.Denominator)
}

// gap is the gap cell: a number of persons for rates, "—" otherwise.
func (f fmtr) gap(d Def, it Item) string {
	switch {
	case !d.HasGap():
		return "—"
	case it.Suppressed:
		return smallLabel(f.lang)
	}
	return f.count(n64(it.Gap))
}

// yearLabel is "2026 年" / "2026".
func (f fmtr) yearLabel(y int) string { return f.t(strconv.Itoa(y)+" 年", strconv.Itoa(y)) }

// trend lists the values of a figure over the years: "2025 年 80.1% → 2026 年 83.0%".
func (f fmtr) trend(d Def, years []int, values []*float64) string {
	labels := make([]string, len(values))
	for i, v := range values {
		labels[i] = f.value(d, v)
	}
	return f.trendOf(years, labels)
}

// trendOf lists values already written, year by year.
func (f fmtr) trendOf(years []int, labels []string) string {
	parts := make([]string, len(years))
	for i, y := range years {
		parts[i] = f.t(strconv.Itoa(y)+" 年 ", strconv.Itoa(y)+": ") + labels[i]
	}
	return strings.Join(parts, " → ")
}

// points is the change of a rate in percentage points, rounded to one decimal.
func points(change float64) float64 { return math.Round(change*1000) / 10 }

// direction is "rise", "fall" or "same" for a change of a rate, as rounded for display.
func direction(change float64) string {
	switch p := points(change); {
	case p > 0:
		return "rise"
	case p < 0:
		return "fall"
	}
	return "same"
}

// change writes a change of a rate in percentage points with a sign and the
// word for its direction: "+2.3 个百分点（上升）", "-1.5 percentage points (fall)".
func (f fmtr) change(c *float64) string {
	if c == nil {
		return f.t("无法比较（缺少一年的数据）", "cannot compare (a year has no data)")
	}
	p := points(*c)
	n := strconv.FormatFloat(math.Abs(p), 'f', 1, 64)
	switch direction(*c) {
	case "rise":
		return f.t("+"+n+" 个百分点（上升）", "+"+n+" percentage points (rise)")
	case "fall":
		return f.t("-"+n+" 个百分点（下降）", "-"+n+" percentage points (fall)")
	}
	return f.t("0.0 个百分点（持平）", "0.0 percentage points (no change)")
}

// chartSpec is the data block of one chart (static/charts.js).
type chartSpec struct {
	Kind       string        `json:"kind"`
	Categories []string      `json:"categories"`
	Series     []chartSeries `json:"series"`
	Percent    bool          `json:"percent,omitempty"`
	Target     *float64      `json:"target,omitempty"`
}

type chartSeries struct {
	Name string     `json:"name"`
	Data []*float64 `json:"data"`
}

// chartView is a chart on a page: the container's data block id, the text
// description for the figcaption and the data. The page puts an equivalent
// table beside it.
type chartView struct {
	ID      string
	Caption string
	Spec    chartSpec
}

// describeValues describes the values of a chart of one indicator by group:
// the highest and the lowest, how many meet the target, how many have no data.
func (f fmtr) describeValues(d Def, what string, items []Item, target *float64) string {
	var hi, lo *Item
	var met, known, none, hidden int
	for i := range items {
		it := &items[i]
		if it.Suppressed {
			hidden++
			continue
		}
		if it.Value == nil {
			none++
			continue
		}
		known++
		if hi == nil || *it.Value > *hi.Value {
			hi = it
		}
		if lo == nil || *it.Value < *lo.Value {
			lo = it
		}
		if it.Met != nil && *it.Met {
			met++
		}
	}
	var b strings.Builder
	b.WriteString(what)
	if known == 0 && hidden == 0 {
		b.WriteString(f.t("：都没有数据。", ": no data for any of them."))
		return b.String()
	}
	if known == 0 {
		b.WriteString(f.t("：都没有可显示的数据（"+strconv.Itoa(hidden)+" 个人数过少，不显示）。",
			": no figures to show ("+strconv.Itoa(hidden)+" too small to show)."))
		return b.String()
	}
	b.WriteString(f.t("：最高 ", ": highest "))
	b.WriteString(hi.Name + " " + f.value(d, hi.Value))
	b.WriteString(f.t("，最低 ", ", lowest "))
	b.WriteString(lo.Name + " " + f.value(d, lo.Value))
	if target != nil {
		b.WriteString(f.t("；目标 ", "; target "))
		b.WriteString(f.target(d, target))
		b.WriteString(f.t("，"+strconv.Itoa(known)+" 个中 "+strconv.Itoa(met)+" 个达标",
			", "+strconv.Itoa(met)+" of "+strconv.Itoa(known)+" meet it"))
	}
	if none > 0 {
		b.WriteString(f.t("；"+strconv.Itoa(none)+" 个没有数据", "; "+strconv.Itoa(none)+" without data"))
	}
	if hidden > 0 {
		b.WriteString(f.t("；"+strconv.Itoa(hidden)+" 个人数过少，不显示", "; "+strconv.Itoa(hidden)+" too small to show"))
	}
	b.WriteString(f.t("。", "."))
	return b.String()
}

// parseTarget reads a target typed on the settings page: a rate as a
// percentage from 0 to 100 ("85", "85%", "87.5 %" → 0.85, 0.875), yuan as
// people write amounts ("18,750", "18750 元", "1.875万"), households as a
// whole number. A rate typed as a fraction below 1 ("0.8") is refused with a
// suggestion of the percentage (80): it is read as 0.8% only when the percent
// sign confirms it ("0.8%"). Empty gives nil: the unit then follows its
// parent's setting or the default. field names the form field of the error.
func parseTarget(d Def, field, s string) (*float64, *apperr.FieldError) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	name := apperr.T(d.Zh, d.En)
	if d.TargetUnit == "yuan" && d.Kind != Rate {
		cents, _, fe := money.Field{Name: field, Zh: name.Zh, En: name.En, Max: 100_000_000_00}.Read(s)
		if fe != nil {
			return nil, fe
		}
		v := float64(cents) / 100
		return &v, nil
	}
	pct := strings.ContainsAny(s, "%％")
	clean := strings.NewReplacer("%", "", "％", "", ",", "", "，", "", "户", "", " ", "").Replace(strings.ToLower(s))
	clean = strings.TrimSuffix(clean, "households")
	v, err := strconv.ParseFloat(clean, 64)
	bad := err != nil || math.IsNaN(v) || math.IsInf(v, 0) || strings.ContainsAny(clean, "eExXpP_") // no 1e2, 0x10, 1_0
	switch {
	case d.Kind == Rate && bad:
		fe := apperr.Field(field, "invalid", name.Zh+"：“"+s+"”不是百分数。请填写 0 到 100 之间的数，如 85 表示 85%。",
			name.En+": “"+s+"” is not a percentage. Enter a number from 0 to 100, such as 85 for 85%.")
		return nil, &fe
	case d.Kind == Rate && (v < 0 || v > 100):
		fe := apperr.Field(field, "range", name.Zh+"：“"+s+"”不在 0 到 100 之间。请填写百分数，如 85 表示 85%。",
			name.En+": “"+s+"” is not between 0 and 100. Enter a percentage, such as 85 for 85%.")
		return nil, &fe
	case d.Kind == Rate && v > 0 && v < 1 && !pct:
		sug := strconv.FormatFloat(math.Round(v*1e6)/1e4, 'f', -1, 64)
		fe := apperr.Field(field, "fraction", name.Zh+"：“"+s+"”像是小数。目标按百分数填写：如指 "+sug+"%，请填写 "+sug+"；如确指 "+s+"%，请连同百分号填写 "+s+"%。",
			name.En+": “"+s+"” looks like a fraction. Targets are percentages: for "+sug+"%, enter "+sug+"; if you do mean "+s+"%, enter it with the sign: "+s+"%.")
		return nil, &fe
	case d.Kind == Rate:
		v = math.Round(v*1e4) / 1e6 // percent with up to four decimals → fraction
		return &v, nil
	case d.TargetUnit == "households" && (bad || v < 0 || v != math.Trunc(v) || v > 1e9):
		fe := apperr.Field(field, "invalid", name.Zh+"：“"+s+"”不是户数，请填写不小于 0 的整数。",
			name.En+": “"+s+"” is not a number of households; enter a whole number, 0 or more.")
		return nil, &fe
	case bad || v < 0:
		fe := apperr.Field(field, "invalid", name.Zh+"：“"+s+"”不是不小于 0 的数。", name.En+": “"+s+"” is not a number of 0 or more.")
		return nil, &fe
	}
	return &v, nil
}

// targetInput is how a target stands in the settings form: a rate as a
// percentage without the sign (0.875 → "87.5"; below 1% with it, 0.005 →
// "0.5%", as parseTarget takes it), other targets as numbers.
func targetInput(d Def, t *float64) string {
	if t == nil {
		return ""
	}
	v := *t
	if d.Kind == Rate {
		v = math.Round(v*1e6) / 1e4
		if v > 0 && v < 1 { // the sign confirms a target below 1%
			return strconv.FormatFloat(v, 'f', -1, 64) + "%"
		}
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// targetUnitLabel is the unit shown beside a target field.
func (f fmtr) targetUnitLabel(d Def) string {
	switch {
	case d.Kind == Rate:
		return "%"
	case d.TargetUnit == "yuan":
		return f.t("元", "yuan")
	case d.TargetUnit == "households":
		return f.t("户", "households")
	}
	return ""
}

// Format is how a figure of the indicator code reads in a language: its
// value ("85.0%", "18,750 元", "12 户"), "无数据" without one, "少于5"
// when suppressed (other modules' pages: the federation's dashboard).
// Rate reports whether the indicator is a rate (its values are fractions).
func Format(code string, v *float64, suppressed bool, lang string) (text string, rate bool) {
	d, ok := DefOf(code)
	if !ok {
		return "", false
	}
	f := fmtr{lang}
	if suppressed {
		return smallLabel(lang), d.Kind == Rate
	}
	return f.value(d, v), d.Kind == Rate
}
