package app_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// dataBlock finds the chart data blocks of a page.
var dataBlock = regexp.MustCompile(`(?s)<script type="application/json" id="([^"]+)">(.*?)</script>`)

// chartBlock is the data block of a chart, as static/charts.js reads it.
type chartBlock struct {
	Kind       string   `json:"kind"`
	Categories []string `json:"categories"`
	Series     []struct {
		Name string     `json:"name"`
		Data []*float64 `json:"data"`
	} `json:"series"`
	Percent bool     `json:"percent"`
	Target  *float64 `json:"target"`
}

// charts parses every chart data block of a page as the browser's JSON.parse
// would, checks each has a container and a figure with a caption and a table,
// and returns them by id.
func charts(t *testing.T, where, body string) map[string]chartBlock {
	t.Helper()
	out := map[string]chartBlock{}
	for _, m := range dataBlock.FindAllStringSubmatch(body, -1) {
		var c chartBlock
		if err := json.Unmarshal([]byte(m[2]), &c); err != nil {
			t.Errorf("%s: data block %s is not JSON: %v\n%s", where, m[1], err, m[2])
			continue
		}
		if c.Kind != "bar" && c.Kind != "line" || len(c.Series) == 0 {
			t.Errorf("%s: data block %s: kind %q, %d series", where, m[1], c.Kind, len(c.Series))
		}
		for _, s := range c.Series {
			if len(s.Data) != len(c.Categories) {
				t.Errorf("%s: data block %s: series %q has %d values for %d categories", where, m[1], s.Name, len(s.Data), len(c.Categories))
			}
		}
		if !strings.Contains(body, `<div class="chart" data-chart="`+m[1]+`" aria-hidden="true">`) {
			t.Errorf("%s: no chart container for data block %s", where, m[1])
		}
		// The figure around it holds a text description and an equivalent table.
		start := strings.LastIndex(body[:strings.Index(body, m[0])], `<figure class="chart-figure">`)
		end := strings.Index(body[start:], "</figure>")
		if start < 0 || end < 0 {
			t.Errorf("%s: data block %s is not in a chart figure", where, m[1])
			continue
		}
		fig := body[start : start+end]
		if !strings.Contains(fig, "<figcaption>") || !strings.Contains(fig, "<table>") || !strings.Contains(fig, "<caption") {
			t.Errorf("%s: the figure of %s lacks a figcaption or a captioned table", where, m[1])
		}
		out[m[1]] = c
	}
	return out
}

// checkPage checks what every page must have: one <h1>, captioned tables
// with column headers, wide tables in a focusable labelled region.
func checkPage(t *testing.T, where, body string) {
	t.Helper()
	if n := strings.Count(body, "<h1"); n != 1 {
		t.Errorf("%s: %d <h1> elements, want 1", where, n)
	}
	if tables, caps := strings.Count(body, "<table>"), strings.Count(body, "<caption"); tables != caps {
		t.Errorf("%s: %d tables but %d captions", where, tables, caps)
	}
	if strings.Count(body, "<table>") != strings.Count(body, `<div class="table-wrap" tabindex="0" role="region" aria-labelledby=`) {
		t.Errorf("%s: a table is not in a labelled scrolling region", where)
	}
	if strings.Contains(body, "<th>") {
		t.Errorf("%s: a header cell without scope", where)
	}
	checkNames(t, where, body)
}

func TestIndicatorPages(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		get := func(user, path string) (int, string) {
			t.Helper()
			st, raw := e.DoRaw(user, "GET", path, nil, nil, nil)
			return st, string(raw)
		}
		// The fixture: 测试1 (南翔镇) and 测试2 (安亭镇) in the district, 测试3
		// outside it, each with a record for this year: employed, no medical
		// insurance, so the medical insurance rate is 0% with a gap of two.
		personal := []string{"测试1", "测试2", "测试3", "/persons/", "/gap"}
		pages := []struct {
			path   string
			leader bool // the leader may open it too
			want   []string
		}{
			{"/indicators", true, []string{"指标看板：嘉定区", "残疾人就业率", "100.0%", "医疗保险参保率", "0.0%", "是否达标", "未达标", "南翔镇",
				"/indicators/export?orgunit=310114&amp;table=indicators&amp;year="}},
			{"/indicators?orgunit=310114102", true, []string{"指标看板：南翔镇", villageIn}},
			{"/indicators/medical_insurance_rate", true, []string{"医疗保险参保率：嘉定区", "分母：全部已调查的人（有本年度记录，不论档案状态）", "按下级单位", "安亭镇", "按残疾类别", "按年龄段",
				`aria-sort="descending"`, "table=breakdown"}},
			{"/indicators/employment_rate?orgunit=" + villageIn, true, []string{"没有下级单位", "按性别"}},
			{"/indicators/income_per_capita", true, []string{"家庭人均收入"}},
			{"/indicators/home_renovation_households", true, []string{"0 户", "不按人员属性分组"}},
			{"/indicators/compare", true, []string{"年度比较：嘉定区", "无法比较", "table=compare"}},
			{"/indicators/medical_insurance_rate/gap", false, []string{"差距共 2 人", "测试1", "测试2", "计入分母、但未计入分子"}},
			{"/indicators/targets", false, []string{"设置目标：嘉定区", `id="f-rehab_rate"`, "默认目标"}},
		}
		for _, pg := range pages {
			st, body := get("district", pg.path)
			if st != http.StatusOK {
				t.Errorf("district GET %s: %d", pg.path, st)
				continue
			}
			checkPage(t, pg.path, body)
			charts(t, pg.path, body)
			for _, w := range pg.want {
				if !strings.Contains(body, w) {
					t.Errorf("district GET %s: no %q", pg.path, w)
				}
			}
			if strings.Contains(body, "测试3") || strings.Contains(body, e.InID) {
				t.Errorf("district GET %s shows an out-of-scope person or a full ID number", pg.path)
			}
			st, body = get("leader", pg.path)
			switch {
			case !pg.leader:
				if st != http.StatusForbidden {
					t.Errorf("leader GET %s: %d, want 403", pg.path, st)
				}
			case st != http.StatusOK:
				t.Errorf("leader GET %s: %d", pg.path, st)
			default:
				checkPage(t, pg.path+" (leader)", body)
				for _, no := range personal {
					if strings.Contains(body, no) {
						t.Errorf("leader GET %s shows personal data or a way to it: %q", pg.path, no)
					}
				}
			}
		}

		// The dashboard's chart: this year's rates against their targets.
		_, body := get("district", "/indicators")
		c := charts(t, "/indicators", body)["chart-rates"]
		if c.Kind != "bar" || !c.Percent || len(c.Series) != 2 || len(c.Categories) != 11 {
			t.Fatalf("dashboard chart: %+v", c)
		}
		if v := c.Series[0].Data[10]; v == nil || *v != 0 { // medical insurance: 0 of 2
			t.Errorf("dashboard chart: medical insurance %v, want 0", v)
		}
		if v := c.Series[1].Data[10]; v == nil || *v != 0.95 {
			t.Errorf("dashboard chart: medical insurance target %v, want 0.95", v)
		}
		if !strings.Contains(body, "2 人（查看名单）") || !strings.Contains(body, "/indicators/medical_insurance_rate/gap?orgunit=310114&amp;year=") {
			t.Errorf("dashboard: no link to the gap list of medical insurance")
		}

		// The indicator page: a trend line and a bar chart of the towns with the target.
		_, body = get("district", "/indicators/medical_insurance_rate")
		cs := charts(t, "indicator", body)
		if cs["chart-trend"].Kind != "line" || cs["chart-drill"].Kind != "bar" || cs["chart-drill"].Target == nil || *cs["chart-drill"].Target != 0.95 ||
			len(cs["chart-drill"].Categories) != 12 {
			t.Errorf("indicator charts: %+v", cs)
		}
		// Towns without records have no value: null, not 0.
		nulls := 0
		for _, v := range cs["chart-drill"].Series[0].Data {
			if v == nil {
				nulls++
			}
		}
		if nulls != 10 {
			t.Errorf("indicator chart: %d towns without a value, want 10", nulls)
		}
		if strings.Index(body, ">南翔镇<") > strings.Index(body, ">新成路街道<") {
			t.Errorf("sorted by gap, 南翔镇 (gap 1) should come before 新成路街道 (gap 0)")
		}
		_, body = get("district", "/indicators/medical_insurance_rate?sort=value")
		if !strings.Contains(body, `aria-sort="ascending"`) || strings.Contains(body, `aria-sort="descending"`) {
			t.Errorf("sorted by value: the value column should be marked ascending")
		}
		if strings.Index(body, ">安亭镇<") > strings.Index(body, ">新成路街道<") {
			t.Errorf("sorted by value, 安亭镇 (0%%) should come before 新成路街道 (no data)")
		}

		// A year without records: "no data", never 0%.
		_, body = get("district", "/indicators?year=2001")
		if !strings.Contains(body, "2001 年在本单位还没有年度状况记录") || !strings.Contains(body, `<p class="count">无数据</p>`) {
			t.Errorf("a year without data should say so")
		}
		c = charts(t, "/indicators?year=2001", body)["chart-rates"]
		if len(c.Series) == 0 || c.Series[0].Data[1] != nil {
			t.Errorf("a year without data: the employment rate should be null in the chart: %+v", c)
		}
		_, body = get("district", "/indicators/employment_rate?year=2001")
		if !strings.Contains(body, "2001 年数值</dt><dd>无数据") {
			t.Errorf("indicator page for a year without data should say 无数据")
		}

		// English.
		_, body = get("district", "/indicators/medical_insurance_rate?lang=en")
		for _, w := range []string{`<html lang="en"`, "Medical insurance: Jiading District", "How it is computed", "not met", "persons (see who)"} {
			if !strings.Contains(body, w) {
				t.Errorf("English indicator page: no %q", w)
			}
		}

		// The gap list links to each person and the annual record.
		_, body = get("district", "/indicators/medical_insurance_rate/gap?orgunit=310114102")
		if !strings.Contains(body, fmt.Sprintf(`href="/persons/%d"`, e.In)) || !strings.Contains(body, fmt.Sprintf(`/persons/%d/annual/%d`, e.In, e.Year)) ||
			strings.Contains(body, "测试2") {
			t.Errorf("gap list of 南翔镇: should list 测试1 with links, and not 测试2")
		}
		if st, _ := get("district", "/indicators/home_renovation_households/gap"); st != http.StatusNotFound {
			t.Errorf("a count has no gap list: %d", st)
		}
		if st, _ := get("district", "/indicators/nothing"); st != http.StatusNotFound {
			t.Errorf("an unknown indicator: %d", st)
		}
		if st, _ := get("village", "/indicators?orgunit=310114102"); st != http.StatusNotFound {
			t.Errorf("a village assistant asking for the town: %d, want 404", st)
		}

		// Exports.
		for _, q := range []string{"table=indicators", "table=breakdown&code=rehab_rate&by=category", "table=breakdown&code=rehab_rate", "table=compare"} {
			st, raw := e.DoRaw("leader", "GET", "/indicators/export?"+q, nil, nil, nil)
			if st != 200 || !strings.HasPrefix(string(raw), "PK") {
				t.Errorf("export %s: %d, %d bytes", q, st, len(raw))
			}
		}
		if st, _ := get("district", "/indicators/export?table=nothing"); st != http.StatusUnprocessableEntity {
			t.Errorf("export of an unknown table: %d", st)
		}

		// Last year 测试1 had medical insurance: 南翔镇 fell from 100% to 0%,
		// the biggest fall, flagged in words and listed first.
		last := map[string]any{"employment": "employed", "medical_insured": true, "economic_status": "normal"}
		if st := e.Do("district", "PUT", fmt.Sprintf("/api/v1/persons/%d/annual/%d", e.In, e.Year-1), last, nil); st != 200 {
			t.Fatalf("last year's record: %d", st)
		}
		_, body = get("district", "/indicators/compare")
		checkPage(t, "compare", body)
		for _, w := range []string{"以下单位的指标下降最多", "南翔镇：医疗保险参保率", "100.0% → 0.0%", "-100.0 个百分点（下降）", `<strong class="tag">降幅最大</strong>`} {
			if !strings.Contains(body, w) {
				t.Errorf("compare after a fall: no %q", w)
			}
		}
		table := body[strings.Index(body, `id="units-caption"`):]
		if first := strings.Index(table, "<tbody>"); first < 0 || !strings.Contains(table[first:first+400], "南翔镇") || !strings.Contains(table[first:first+400], "降幅最大") {
			t.Errorf("compare: the biggest fall should be the first row")
		}
		_, body = get("district", "/indicators/compare?lang=en")
		if !strings.Contains(body, "-100.0 percentage points (fall)") || !strings.Contains(body, "biggest fall") {
			t.Errorf("compare in English: no fall in words")
		}
		// The leader has no access to personal data: last year's 100.0% rests
		// on one or two persons and is suppressed (small cells), names are
		// never shown.
		_, body = get("leader", "/indicators/medical_insurance_rate")
		if !strings.Contains(body, "少于5") || strings.Contains(body, "100.0%") || strings.Contains(body, "测试1") {
			t.Errorf("leader: the trend should show last year's figure as 少于5, and no names")
		}
	})
}

func TestIndicatorTargetsPage(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		year := fmt.Sprint(e.Year)
		target := func(unit, code string) (*float64, string) {
			t.Helper()
			var out struct {
				Items []struct {
					Code   string
					Target *float64
					Source string
				}
			}
			if st := e.Do("district", "GET", "/api/v1/indicators/targets?orgunit="+unit+"&year="+year, nil, &out); st != 200 {
				t.Fatalf("targets: %d", st)
			}
			for _, it := range out.Items {
				if it.Code == code {
					return it.Target, it.Source
				}
			}
			t.Fatalf("no target %s", code)
			return nil, ""
		}
		post := func(fields url.Values) (int, string) {
			t.Helper()
			st, raw := e.Form("district", "/indicators/targets", fields)
			return st, string(raw)
		}

		// Set the town's rehabilitation target as "90%" and the income target.
		st, _ := post(url.Values{"orgunit": {"310114102"}, "year": {year}, "rehab_rate": {" 90% "}, "income_per_capita": {"18,750"}})
		if st != http.StatusSeeOther {
			t.Fatalf("post targets: %d", st)
		}
		if v, src := target("310114102", "rehab_rate"); v == nil || *v != 0.9 || src != "310114102" {
			t.Errorf("rehab_rate target: %v from %q, want 0.9 from the town", v, src)
		}
		if v, _ := target("310114102", "income_per_capita"); v == nil || *v != 18750 {
			t.Errorf("income target: %v", v)
		}
		_, raw := e.DoRaw("district", "GET", "/indicators/targets?orgunit=310114102&year="+year+"&saved=1", nil, nil, nil)
		body := string(raw)
		checkPage(t, "targets", body)
		for _, w := range []string{"已保存。", `name="rehab_rate" value="90"`, "现在：90.0%（本单位设定）", "18,750 元", `name="employment_rate" value=""`} {
			if !strings.Contains(body, w) {
				t.Errorf("targets page after saving: no %q", w)
			}
		}
		// The village follows its town.
		_, raw = e.DoRaw("district", "GET", "/indicators/targets?orgunit="+villageIn+"&year="+year, nil, nil, nil)
		if !strings.Contains(string(raw), "现在：90.0%（沿用南翔镇的设定）") {
			t.Errorf("the village's target should come from its town")
		}
		// ... and the village's figures are measured against it.
		_, raw = e.DoRaw("district", "GET", "/indicators/rehab_rate?orgunit="+villageIn+"&year="+year, nil, nil, nil)
		if !strings.Contains(string(raw), "<dt>目标</dt><dd>90.0%</dd>") {
			t.Errorf("the indicator page should show the town's target")
		}

		// Wrong values: 422, the errors next to the fields and summarised, nothing saved.
		st, body = post(url.Values{"orgunit": {"310114102"}, "year": {year}, "rehab_rate": {"abc"}, "employment_rate": {"120"}, "home_renovation_households": {"2.5"}})
		if st != http.StatusUnprocessableEntity {
			t.Fatalf("post wrong targets: %d", st)
		}
		body = html.UnescapeString(body)
		for _, w := range []string{`class="error-summary"`, `href="#f-rehab_rate"`, `href="#f-employment_rate"`, `href="#f-home_renovation_households"`,
			`id="e-rehab_rate"`, `aria-invalid="true"`, `value="abc"`, "基本康复服务覆盖率：“abc”不是百分数", "残疾人就业率：“120”不在 0 到 100 之间"} {
			if !strings.Contains(body, w) {
				t.Errorf("targets with errors: no %q", w)
			}
		}
		if v, _ := target("310114102", "rehab_rate"); v == nil || *v != 0.9 {
			t.Errorf("a failed post changed the target: %v", v)
		}

		// Empty: back to the default.
		if st, _ := post(url.Values{"orgunit": {"310114102"}, "year": {year}, "rehab_rate": {""}, "income_per_capita": {"18750"}}); st != http.StatusSeeOther {
			t.Fatalf("post empty target: %d", st)
		}
		if v, src := target("310114102", "rehab_rate"); v == nil || *v != 0.85 || src != "" {
			t.Errorf("after emptying: %v from %q, want the default 0.85", v, src)
		}

		// Outside the scope: not found; other roles: not allowed.
		if st, _ := post(url.Values{"orgunit": {villageOut}, "year": {year}, "rehab_rate": {"90"}}); st != http.StatusNotFound {
			t.Errorf("targets outside the scope: %d", st)
		}
		if st, _ := e.Form("town", "/indicators/targets", url.Values{"orgunit": {"310114102"}, "year": {year}, "rehab_rate": {"90"}}); st != http.StatusForbidden {
			t.Errorf("town staff setting targets: %d", st)
		}
	})
}
