package indicators

import (
	"cmp"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

//go:embed templates/*.html
var templatesFS embed.FS

// Templates are the indicator pages' templates.
func Templates() fs.FS {
	return web.TemplateDir(templatesFS)
}

// TemplateFuncs are the indicator pages' template helpers.
func TemplateFuncs() template.FuncMap {
	return template.FuncMap{
		// indURL builds a local URL with query parameters from name, value
		// pairs; empty values are left out.
		"indURL": func(path string, kv ...any) string { return link(path, kv...) },
	}
}

// link builds path?name=value&… from name, value pairs, leaving out empty values.
func link(path string, kv ...any) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		s := fmt.Sprint(kv[i+1])
		if s == "" || s == "0" && kv[i] == "year" {
			continue
		}
		v.Set(fmt.Sprint(kv[i]), s)
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// Pages serves the indicator pages: the dashboard of a unit, one indicator
// with its drill-down, the persons behind a gap, the annual comparison, the
// targets and the XLSX exports.
type Pages struct {
	API *API
	web.Kit
}

// Routes registers the indicator pages.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /indicators", viewers, pg.dashboard)
	rt.Page("GET /indicators/compare", viewers, pg.compare)
	rt.Page("GET /indicators/export", viewers, pg.export)
	rt.Page("GET /indicators/targets", setters, pg.targets)
	rt.Page("POST /indicators/targets", setters, pg.targetsPost)
	rt.Page("GET /indicators/{code}", viewers, pg.indicator)
	rt.Page("GET /indicators/{code}/gap", gapReaders, pg.gap)
}

func (pg *Pages) store() *Store { return pg.API.Store }

// scoped reads ?orgunit= and ?year= and checks the unit against the caller's
// scope (outside it: not found).
func (pg *Pages) scoped(r *http.Request, p *web.Principal) (Query, orgunit.Unit, error) {
	q, err := pg.API.query(r, p)
	if err != nil {
		return q, orgunit.Unit{}, err
	}
	u, err := pg.store().unitIn(r.Context(), scopeOf(p), q.OrgUnit)
	return q, u, err
}

// defOf finds the indicator of the path, or answers not found.
func defOf(r *http.Request) (Def, error) {
	code := r.PathValue("code")
	d, ok := DefOf(code)
	if !ok {
		return Def{}, apperr.New(apperr.NotFound, "没有这个指标："+code, "There is no indicator "+code+".")
	}
	return d, nil
}

// unitCrumbs are the units from the top of the caller's scope down to unit,
// each linking to href(code); the unit itself is left without a link (the
// current page) unless linkLast.
func (pg *Pages) unitCrumbs(ctx context.Context, sc orgunit.Scope, unit, lang string, href func(string) string, linkLast bool) []web.Crumb {
	path, err := pg.store().units.Path(ctx, unit)
	if err != nil {
		return nil
	}
	var out []web.Crumb
	for _, u := range path {
		if !sc.Contains(u.Code) {
			continue
		}
		c := web.Crumb{Label: u.Label(lang), Href: href(u.Code)}
		if u.Code == unit && !linkLast {
			c.Href = ""
		}
		out = append(out, c)
	}
	return out
}

// yearForm is the year selector of a page: a GET form to Action with the
// other parameters hidden.
type yearForm struct {
	Action string
	Hidden [][2]string
	Years  []int
	Year   int
}

// common is what every indicator page shows of its unit and year.
type common struct {
	Q        Query
	UnitName string
	HasData  bool // the unit has annual records for the year
	YearForm yearForm
	CanGap   bool // the caller may see the persons behind a gap
	IsStaff  bool // district staff: may set targets
	Children []unitLink
}

type unitLink struct {
	Code, Name, URL string
}

// common fills what every page shows: the years to choose from, whether the
// year has data, the child units linking to path.
func (pg *Pages) common(ctx context.Context, p *web.Principal, q Query, u orgunit.Unit, lang, action string, hidden [][2]string, childPath string) (common, error) {
	st := pg.store()
	c := common{Q: q, UnitName: u.Label(lang), CanGap: slices.Contains(gapReaders.Roles, p.Role),
		IsStaff: p.Role == identity.DistrictStaff}
	years, err := st.Years(ctx, scopeOf(p), q.OrgUnit)
	if err != nil {
		return c, err
	}
	c.HasData = slices.Contains(years, q.Year)
	years = append(years, q.Year, st.db.Now().Year())
	slices.Sort(years)
	years = slices.Compact(years)
	slices.Reverse(years)
	c.YearForm = yearForm{Action: action, Hidden: append([][2]string{{"orgunit", q.OrgUnit}}, hidden...), Years: years, Year: q.Year}
	if childPath != "" {
		children, err := st.units.Children(ctx, q.OrgUnit)
		if err != nil {
			return c, err
		}
		for _, ch := range children {
			c.Children = append(c.Children, unitLink{Code: ch.Code, Name: ch.Label(lang), URL: link(childPath, "orgunit", ch.Code, "year", q.Year)})
		}
	}
	return c, nil
}

// card is one indicator on the dashboard.
type card struct {
	Code, Name, Desc      string
	Value                 string
	Ratio, RatioLabel     string
	Target, Met, MetState string
	HasGap                bool
	Gap                   string
	GapN                  int64
	Trend                 string
	URL, GapURL           string
	ValueMissing          bool
}

type dashData struct {
	common
	Cards     []card
	Chart     chartView
	Rates     []row // the chart's table
	ExportURL string
}

// row is one line of an indicator table: a unit, a group or an indicator.
type row struct {
	Key, Name, URL     string
	Num, Den, Value    string
	Target, Met        string
	MetState           string
	Gap                string
	GapN               int64
	GapURL             string
	Year               int
	ValueMissing       bool
	IndicatorURL, Code string
}

func (f fmtr) row(d Def, it Item) row {
	return row{Key: it.Key, Name: it.Name, Num: f.numerator(d, it), Den: f.denominator(it), Value: f.figure(d, it),
		Target: f.target(d, it.Target), Met: f.met(d, it), MetState: metState(it), Gap: f.gap(d, it), GapN: n64(it.Gap), ValueMissing: it.Value == nil}
}

func (pg *Pages) dashboard(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q, u, err := pg.scoped(r, p)
	if err != nil {
		return err
	}
	ctx, sc := r.Context(), scopeOf(p)
	page := pg.NewPage(r, p, "")
	f := fmtr{page.Lang}
	c, err := pg.common(ctx, p, q, u, page.Lang, "/indicators", nil, "/indicators")
	if err != nil {
		return err
	}
	trend, err := pg.store().Trend(ctx, sc, q.OrgUnit, q.Year, page.Lang)
	if err != nil {
		return err
	}
	if !exact(p.Role) {
		for i := range trend {
			suppressResult(&trend[i])
		}
	}
	var cur Result
	var years []int
	for _, t := range trend {
		years = append(years, t.Year)
		if t.Year == q.Year {
			cur = t
		}
	}
	d := dashData{common: c, ExportURL: link("/indicators/export", "table", "indicators", "orgunit", q.OrgUnit, "year", q.Year)}
	var rateItems []Item
	for i, def := range Defs {
		it := cur.Items[i]
		labels := make([]string, len(trend))
		for j, t := range trend {
			labels[j] = f.figure(def, t.Items[i])
		}
		cd := card{Code: def.Code, Name: it.Name, Desc: def.Desc(page.Lang), Value: f.figure(def, it), Ratio: f.ratio(def, it),
			Target: f.target(def, it.Target), Met: f.met(def, it), MetState: metState(it), HasGap: def.HasGap(), Gap: f.gap(def, it), GapN: n64(it.Gap),
			Trend: f.trendOf(years, labels), URL: link("/indicators/"+def.Code, "orgunit", q.OrgUnit, "year", q.Year),
			ValueMissing: it.Value == nil}
		if def.Kind == Rate {
			cd.RatioLabel = f.t("人数（分子 / 分母）：", "Persons (numerator / denominator): ")
		}
		if def.HasGap() && n64(it.Gap) > 0 && c.CanGap {
			cd.GapURL = link("/indicators/"+def.Code+"/gap", "orgunit", q.OrgUnit, "year", q.Year)
		}
		d.Cards = append(d.Cards, cd)
		if def.Kind == Rate {
			rateItems = append(rateItems, it)
			rw := f.row(def, it)
			rw.IndicatorURL, rw.Code = cd.URL, def.Code
			d.Rates = append(d.Rates, rw)
		}
	}
	d.Chart = f.dashboardChart(q.Year, rateItems)
	page.Title = page.T("指标看板：", "Indicators: ") + c.UnitName
	page.Crumbs = pg.unitCrumbs(ctx, sc, q.OrgUnit, page.Lang, func(code string) string { return link("/indicators", "orgunit", code, "year", q.Year) }, false)
	page.Charts = true
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "indicators.html", page)
}

// dashboardChart is the bar chart of the year's rates against their targets,
// with its description.
func (f fmtr) dashboardChart(year int, items []Item) chartView {
	spec := chartSpec{Kind: "bar", Percent: true}
	values := chartSeries{Name: f.yearLabel(year)}
	targets := chartSeries{Name: f.t("目标", "Target")}
	var met, known, none int
	var lo, hi *Item
	for i := range items {
		it := &items[i]
		spec.Categories = append(spec.Categories, it.Name)
		values.Data = append(values.Data, it.Value)
		targets.Data = append(targets.Data, it.Target)
		if it.Value == nil {
			none++
			continue
		}
		known++
		if it.Met != nil && *it.Met {
			met++
		}
		if lo == nil || *it.Value < *lo.Value {
			lo = it
		}
		if hi == nil || *it.Value > *hi.Value {
			hi = it
		}
	}
	spec.Series = []chartSeries{values, targets}
	n := strconv.Itoa(len(items))
	caption := f.t(strconv.Itoa(year)+" 年 "+n+" 项比率指标与目标的对比", "The "+n+" rates of "+strconv.Itoa(year)+" against their targets")
	if known == 0 {
		caption += f.t("：本年度没有数据。", ": no data for this year.")
	} else {
		pct := func(it *Item) string {
			return it.Name + " " + f.percent(*it.Value) + f.t("（目标 ", " (target ") + f.percent(ptrOr(it.Target)) + f.t("）", ")")
		}
		caption += f.t("："+strconv.Itoa(known)+" 项有数据，其中 "+strconv.Itoa(met)+" 项达标。最低：", ": "+strconv.Itoa(met)+" of the "+strconv.Itoa(known)+" with data meet their target. Lowest: ") +
			pct(lo) + f.t("；最高：", "; highest: ") + pct(hi) + f.t("。", ".")
		if none > 0 {
			caption += f.t(strconv.Itoa(none)+" 项没有数据。", " "+strconv.Itoa(none)+" without data.")
		}
	}
	return chartView{ID: "chart-rates", Caption: caption, Spec: spec}
}

func ptrOr(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}

// Sort orders of the drill-down table.
var sorts = []string{"gap", "value", "name"}

type indicatorData struct {
	common
	Def          Def
	Code         string
	Desc         string
	Formula      string
	Figure       row
	Ratio        string
	HasGap       bool
	Sort         string
	SortURL      map[string]string
	Drill        []row
	DrillChart   *chartView
	TrendChart   chartView
	Trend        []row
	Breakdowns   []breakdownView
	ExportURL    string
	Village      bool
	ParentURL    string
	ParentName   string
	DashboardURL string
}

type breakdownView struct {
	By, Title, ID, ExportURL string
	Rows                     []row
}

func (pg *Pages) indicator(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	def, err := defOf(r)
	if err != nil {
		return err
	}
	q, u, err := pg.scoped(r, p)
	if err != nil {
		return err
	}
	ctx, sc, st := r.Context(), scopeOf(p), pg.store()
	page := pg.NewPage(r, p, "")
	f := fmtr{page.Lang}
	sort := r.URL.Query().Get("sort")
	if !slices.Contains(sorts, sort) {
		sort = "gap"
	}
	self := "/indicators/" + def.Code
	c, err := pg.common(ctx, p, q, u, page.Lang, self, [][2]string{{"sort", sort}}, "")
	if err != nil {
		return err
	}
	d := indicatorData{common: c, Def: def, Code: def.Code, Desc: def.Desc(page.Lang), Formula: def.Formula(page.Lang), HasGap: def.HasGap(), Sort: sort,
		SortURL: map[string]string{}, DashboardURL: link("/indicators", "orgunit", q.OrgUnit, "year", q.Year)}
	for _, s := range sorts {
		d.SortURL[s] = link(self, "orgunit", q.OrgUnit, "year", q.Year, "sort", s) + "#drill"
	}
	if u.Parent != "" && sc.Contains(u.Parent) {
		if pu, err := st.units.Get(ctx, u.Parent); err == nil {
			d.ParentURL, d.ParentName = link(self, "orgunit", pu.Code, "year", q.Year), pu.Label(page.Lang)
		}
	}
	// The trend of the unit, whose last-but-one… entries give the chart; the
	// entry of the year gives the unit's own figure.
	trend, err := st.Trend(ctx, sc, q.OrgUnit, q.Year, page.Lang)
	if err != nil {
		return err
	}
	hidden := !exact(p.Role)
	if hidden {
		for i := range trend {
			suppressResult(&trend[i])
		}
	}
	idx := slices.IndexFunc(Defs, func(x Def) bool { return x.Code == def.Code })
	tspec := chartSpec{Kind: "line", Percent: def.Kind == Rate, Series: []chartSeries{{Name: def.Name(page.Lang)}}}
	var tparts []string
	var cur Item
	for _, t := range trend {
		it := t.Items[idx]
		if t.Year == q.Year {
			cur = it
		}
		tspec.Categories = append(tspec.Categories, f.yearLabel(t.Year))
		tspec.Series[0].Data = append(tspec.Series[0].Data, it.Value)
		rw := f.row(def, it)
		rw.Year, rw.Name = t.Year, f.yearLabel(t.Year)
		d.Trend = append(d.Trend, rw)
		tparts = append(tparts, f.yearLabel(t.Year)+" "+f.figure(def, it))
	}
	tspec.Target = cur.Target
	d.Figure, d.Ratio = f.row(def, cur), f.ratio(def, cur)
	if def.HasGap() && n64(cur.Gap) > 0 && c.CanGap {
		d.Figure.GapURL = link(self+"/gap", "orgunit", q.OrgUnit, "year", q.Year)
	}
	caption := f.t(def.Name(page.Lang)+"历年变化：", def.Name(page.Lang)+" over the years: ") + joinList(tparts, f)
	if cur.Target != nil {
		caption += f.t("；"+strconv.Itoa(q.Year)+" 年目标 ", "; target for "+strconv.Itoa(q.Year)+": ") + f.target(def, cur.Target)
	}
	d.TrendChart = chartView{ID: "chart-trend", Caption: caption + f.t("。", "."), Spec: tspec}

	children, err := st.Breakdown(ctx, sc, def.Code, q.OrgUnit, q.Year, "orgunit", page.Lang)
	if err != nil {
		return err
	}
	if hidden {
		suppressGroups(children)
	}
	d.Village = len(children) == 0
	sortItems(children, sort)
	for _, it := range children {
		rw := f.row(def, it)
		rw.URL = link(self, "orgunit", it.OrgUnit, "year", q.Year, "sort", sort)
		if def.HasGap() && n64(it.Gap) > 0 && c.CanGap {
			rw.GapURL = link(self+"/gap", "orgunit", it.OrgUnit, "year", q.Year)
		}
		d.Drill = append(d.Drill, rw)
	}
	if len(children) > 0 {
		// The chart keeps the units in their usual order, whatever the table's.
		inOrder := slices.Clone(children)
		slices.SortStableFunc(inOrder, func(a, b Item) int { return cmp.Compare(a.Key, b.Key) })
		spec := chartSpec{Kind: "bar", Percent: def.Kind == Rate, Target: cur.Target, Series: []chartSeries{{Name: def.Name(page.Lang)}}}
		for _, it := range inOrder {
			spec.Categories = append(spec.Categories, it.Name)
			spec.Series[0].Data = append(spec.Series[0].Data, it.Value)
		}
		d.DrillChart = &chartView{ID: "chart-drill", Spec: spec,
			Caption: f.describeValues(def, f.t(def.Name(page.Lang)+"，按下级单位（"+strconv.Itoa(len(children))+" 个）",
				def.Name(page.Lang)+" by unit ("+strconv.Itoa(len(children))+")"), children, cur.Target)}
	}
	d.ExportURL = link("/indicators/export", "table", "breakdown", "code", def.Code, "by", "orgunit", "orgunit", q.OrgUnit, "year", q.Year)
	if def.Kind != Count { // renovations are not split by person attributes
		titles := map[string][2]string{"category": {"按残疾类别", "By category"}, "grade": {"按残疾等级", "By grade"},
			"sex": {"按性别", "By sex"}, "age_band": {"按年龄段", "By age band"}}
		for _, by := range Breakdowns[1:] {
			items, err := st.Breakdown(ctx, sc, def.Code, q.OrgUnit, q.Year, by, page.Lang)
			if err != nil {
				return err
			}
			if hidden {
				suppressGroups(items)
			}
			bv := breakdownView{By: by, Title: f.t(titles[by][0], titles[by][1]), ID: "by-" + by,
				ExportURL: link("/indicators/export", "table", "breakdown", "code", def.Code, "by", by, "orgunit", q.OrgUnit, "year", q.Year)}
			for _, it := range items {
				bv.Rows = append(bv.Rows, f.row(def, it))
			}
			d.Breakdowns = append(d.Breakdowns, bv)
		}
	}
	page.Title = def.Name(page.Lang) + page.T("：", ": ") + c.UnitName
	page.Crumbs = append(pg.unitCrumbs(ctx, sc, q.OrgUnit, page.Lang, func(code string) string { return link("/indicators", "orgunit", code, "year", q.Year) }, true),
		web.Crumb{Label: def.Name(page.Lang)})
	page.Charts = true
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "indicator.html", page)
}

// joinList joins parts with the language's list separator.
func joinList(parts []string, f fmtr) string {
	out := ""
	for i, s := range parts {
		if i > 0 {
			out += f.t("，", ", ")
		}
		out += s
	}
	return out
}

// sortItems orders the drill-down: "gap" biggest gap first, "value" lowest
// value first (no value last), "name" in the units' order.
func sortItems(items []Item, by string) {
	slices.SortStableFunc(items, func(a, b Item) int {
		switch by {
		case "gap":
			if c := cmp.Compare(gapOrder(b), gapOrder(a)); c != 0 {
				return c
			}
		case "value":
			switch {
			case a.Value == nil && b.Value == nil:
			case a.Value == nil:
				return 1
			case b.Value == nil:
				return -1
			default:
				if c := cmp.Compare(*a.Value, *b.Value); c != 0 {
					return c
				}
			}
		}
		return cmp.Compare(a.Key, b.Key)
	})
}

// gapOrder orders gaps, a suppressed one below every shown one.
func gapOrder(it Item) int64 {
	if it.Gap == nil {
		return -1
	}
	return *it.Gap
}

// gapRow is one person behind a gap.
type gapRow struct {
	ID                        int64
	Name, IDMasked            string
	Category, Grade, Village  string
	PersonURL, AnnualURL      string
	HasAnnualLink, NoAnnualYr bool
}

type gapData struct {
	common
	Def          Def
	Name         string
	Formula      string
	Explain      string
	Figure       row
	Rows         []gapRow
	Total        int
	NextURL      string
	FirstURL     string
	IndicatorURL string
}

func (pg *Pages) gap(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	def, err := defOf(r)
	if err != nil {
		return err
	}
	if !def.HasGap() {
		return apperr.New(apperr.NotFound, "这个指标没有人员名单。", "This indicator has no list of persons.")
	}
	q, u, err := pg.scoped(r, p)
	if err != nil {
		return err
	}
	ctx, sc, st := r.Context(), scopeOf(p), pg.store()
	page := pg.NewPage(r, p, "")
	f := fmtr{page.Lang}
	self := "/indicators/" + def.Code + "/gap"
	c, err := pg.common(ctx, p, q, u, page.Lang, self, nil, "")
	if err != nil {
		return err
	}
	res, err := st.Indicators(ctx, sc, q.OrgUnit, q.Year, page.Lang)
	if err != nil {
		return err
	}
	var cur Item
	for _, it := range res.Items {
		if it.Code == def.Code {
			cur = it
		}
	}
	cursor := r.URL.Query().Get("cursor")
	persons, total, next, err := pg.API.Gap(ctx, access.Of(r, p), def.Code, q.OrgUnit, q.Year, 50, cursor)
	if err != nil {
		return err
	}
	d := gapData{common: c, Def: def, Name: def.Name(page.Lang), Formula: def.Formula(page.Lang), Figure: f.row(def, cur), Total: total,
		IndicatorURL: link("/indicators/"+def.Code, "orgunit", q.OrgUnit, "year", q.Year)}
	d.Explain = f.t("差距名单列出计入分母、但未计入分子的人，也就是"+def.Name(page.Lang)+"还没有覆盖到的人。补上他们，指标就会提高。",
		"The gap list shows the people who are in the denominator but not in the numerator: those the "+def.Name(page.Lang)+
			" does not yet reach. Reaching them raises the figure.")
	if def.Code == "survey_coverage" {
		d.Explain = f.t("这些在册的人还没有 "+strconv.Itoa(q.Year)+" 年度状况记录。为他们填写年度记录后，完成率就会提高。",
			"These active persons have no "+strconv.Itoa(q.Year)+" annual record yet. Filling in their records raises the coverage.")
	}
	names := map[string]string{}
	for _, ps := range persons {
		if _, ok := names[ps.OrgUnit]; !ok {
			names[ps.OrgUnit] = ps.OrgUnit
			if vu, err := st.units.Get(ctx, ps.OrgUnit); err == nil {
				names[ps.OrgUnit] = vu.Label(page.Lang)
			}
		}
		d.Rows = append(d.Rows, gapRow{ID: ps.ID, Name: ps.Name, IDMasked: ps.IDNumberMasked, Category: registry.CategoryName(ps.Category, page.Lang),
			Grade: registry.GradeName(ps.Grade, page.Lang), Village: names[ps.OrgUnit], PersonURL: fmt.Sprintf("/persons/%d", ps.ID),
			AnnualURL: fmt.Sprintf("/persons/%d/annual/%d", ps.ID, q.Year)})
	}
	if next != "" {
		d.NextURL = link(self, "orgunit", q.OrgUnit, "year", q.Year, "cursor", next)
	}
	if cursor != "" {
		d.FirstURL = link(self, "orgunit", q.OrgUnit, "year", q.Year)
	}
	page.Title = page.T("差距名单：", "Gap list: ") + def.Name(page.Lang) + page.T("（", " (") + c.UnitName + page.T("）", ")")
	page.Crumbs = append(pg.unitCrumbs(ctx, sc, q.OrgUnit, page.Lang, func(code string) string { return link("/indicators", "orgunit", code, "year", q.Year) }, true),
		web.Crumb{Label: def.Name(page.Lang), Href: d.IndicatorURL}, web.Crumb{Label: page.T("差距名单", "Gap list")})
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "indicator_gap.html", page)
}

// changeRow is one rate of one unit in two successive years.
type changeRow struct {
	Code, Name, IndicatorURL string
	UnitName, UnitURL        string
	Before, After, Change    string
	Direction                string
	Fall                     bool
}

type compareData struct {
	common
	Before, After int
	Own           []changeRow
	Rows          []changeRow
	Falls         []changeRow
	ExportURL     string
}

func (pg *Pages) compare(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q, u, err := pg.scoped(r, p)
	if err != nil {
		return err
	}
	ctx, sc, st := r.Context(), scopeOf(p), pg.store()
	page := pg.NewPage(r, p, "")
	f := fmtr{page.Lang}
	c, err := pg.common(ctx, p, q, u, page.Lang, "/indicators/compare", nil, "")
	if err != nil {
		return err
	}
	d := compareData{common: c, Before: q.Year - 1, After: q.Year,
		ExportURL: link("/indicators/export", "table", "compare", "orgunit", q.OrgUnit, "year", q.Year)}
	now, err := st.Indicators(ctx, sc, q.OrgUnit, q.Year, page.Lang)
	if err != nil {
		return err
	}
	before, err := st.Indicators(ctx, sc, q.OrgUnit, q.Year-1, page.Lang)
	if err != nil {
		return err
	}
	hidden := !exact(p.Role)
	if hidden {
		suppressResult(&now)
		suppressResult(&before)
	}
	mk := func(def Def, ch Change) changeRow {
		cr := changeRow{Code: def.Code, Name: ch.Name, UnitName: ch.UnitName, Before: f.value(def, ch.Before), After: f.value(def, ch.After),
			Change: f.change(ch.Change), Fall: ch.Fall}
		if ch.BeforeSuppressed {
			cr.Before = smallLabel(f.lang)
		}
		if ch.AfterSuppressed {
			cr.After = smallLabel(f.lang)
		}
		if ch.Change != nil {
			cr.Direction = direction(*ch.Change)
		}
		return cr
	}
	for i, def := range Defs {
		if def.Kind != Rate {
			continue
		}
		ch := Change{Code: def.Code, Name: now.Items[i].Name, UnitName: c.UnitName, Before: before.Items[i].Value, After: now.Items[i].Value,
			BeforeSuppressed: before.Items[i].Suppressed, AfterSuppressed: now.Items[i].Suppressed}
		if ch.Before != nil && ch.After != nil {
			v := *ch.After - *ch.Before
			ch.Change = &v
		}
		cr := mk(def, ch)
		cr.IndicatorURL = link("/indicators/"+def.Code, "orgunit", q.OrgUnit, "year", q.Year)
		d.Own = append(d.Own, cr)
	}
	changes, err := st.compare(ctx, sc, q.OrgUnit, q.Year, page.Lang, hidden)
	if err != nil {
		return err
	}
	// The store lists the biggest falls first; changes that cannot be
	// computed (a year without data) go last rather than among the zeros.
	slices.SortStableFunc(changes, func(a, b Change) int { return boolCmp(a.Change == nil, b.Change == nil) })
	for _, ch := range changes {
		def, _ := DefOf(ch.Code)
		cr := mk(def, ch)
		cr.UnitURL = link("/indicators/compare", "orgunit", ch.OrgUnit, "year", q.Year)
		cr.IndicatorURL = link("/indicators/"+def.Code, "orgunit", ch.OrgUnit, "year", q.Year)
		d.Rows = append(d.Rows, cr)
		if cr.Fall {
			d.Falls = append(d.Falls, cr)
		}
	}
	page.Title = page.T("年度比较：", "Year on year: ") + c.UnitName
	page.Crumbs = append(pg.unitCrumbs(ctx, sc, q.OrgUnit, page.Lang, func(code string) string { return link("/indicators", "orgunit", code, "year", q.Year) }, true),
		web.Crumb{Label: page.T("年度比较", "Year on year")})
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "indicators_compare.html", page)
}

// boolCmp orders false before true.
func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func (pg *Pages) export(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q, err := pg.API.query(r, p)
	if err != nil {
		return err
	}
	v := r.URL.Query()
	return pg.API.Export(w, r, p, q, v.Get("table"), v.Get("code"), v.Get("by"))
}

// The years targets may be set for: from the first year of the 14th
// five-year plan to five years ahead of this one.
const (
	FirstTargetYear  = 2021
	TargetYearsAhead = 5
)

// targetRow is one indicator of the targets form.
type targetRow struct {
	Code, Name      string
	Current, Source string
	Input, Unit     string
	Hint, Error     string
	Rate            bool
}

type targetsData struct {
	common
	Rows []targetRow
}

// targetsPage renders the targets form of a unit and year; typed holds what
// was typed (after a failed post), by indicator code.
func (pg *Pages) targetsPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, q Query, u orgunit.Unit, typed map[string]string, formErr error) error {
	ctx, sc, st := r.Context(), scopeOf(p), pg.store()
	page := pg.NewPage(r, p, "")
	f := fmtr{page.Lang}
	page.Error = web.FormErrorOf(formErr, page.Lang)
	if formErr != nil && page.Error == nil {
		return formErr
	}
	c, err := pg.common(ctx, p, q, u, page.Lang, "/indicators/targets", nil, "/indicators/targets")
	if err != nil {
		return err
	}
	views, err := st.TargetViews(ctx, sc, q.OrgUnit, q.Year, page.Lang)
	if err != nil {
		return err
	}
	// Targets are planned ahead: every year from 2021 to five years ahead,
	// whether or not it has records yet.
	c.YearForm.Years = nil
	for y := st.db.Now().Year() + TargetYearsAhead; y >= FirstTargetYear; y-- {
		c.YearForm.Years = append(c.YearForm.Years, y)
	}
	if !slices.Contains(c.YearForm.Years, q.Year) {
		c.YearForm.Years = append(c.YearForm.Years, q.Year)
	}
	d := targetsData{common: c}
	for i, v := range views {
		def := Defs[i]
		tr := targetRow{Code: def.Code, Name: v.Name, Current: f.target(def, v.Target), Unit: f.targetUnitLabel(def), Rate: def.Kind == Rate}
		switch v.Source {
		case "":
			if def.Target == nil {
				tr.Source = f.t("没有默认目标", "no default target")
			} else {
				tr.Source = f.t("默认目标", "the default")
			}
		case q.OrgUnit:
			tr.Source = f.t("本单位设定", "set for this unit")
			tr.Input = targetInput(def, v.Target)
		default:
			name := v.Source
			if su, err := st.units.Get(ctx, v.Source); err == nil {
				name = su.Label(page.Lang)
			}
			tr.Source = f.t("沿用"+name+"的设定", "as set for "+name)
		}
		if typed != nil {
			tr.Input = typed[def.Code]
		}
		tr.Hint = f.t("现在："+tr.Current+"（"+tr.Source+"）。", "Now: "+tr.Current+" ("+tr.Source+"). ")
		switch {
		case def.Kind == Rate:
			tr.Hint += f.t("填写百分数，如 85 表示 85%。", "Enter a percentage: 85 means 85%. ")
		case def.TargetUnit == "yuan":
			tr.Hint += f.t("填写元/年，如 18750。", "Enter yuan per year, such as 18750. ")
		case def.TargetUnit == "households":
			tr.Hint += f.t("填写户数。", "Enter a number of households. ")
		}
		tr.Hint += f.t("留空则沿用上级单位的设定或默认目标。", "Leave empty to follow the parent unit's setting or the default.")
		if page.Error != nil {
			tr.Error = page.Error.ByField[def.Code]
		}
		d.Rows = append(d.Rows, tr)
	}
	if r.URL.Query().Get("saved") == "1" && formErr == nil {
		page.Flash = page.T("已保存。", "Saved.")
	}
	page.Title = page.T("设置目标：", "Targets: ") + c.UnitName + page.T("，", ", ") + f.yearLabel(q.Year)
	page.Crumbs = append(pg.unitCrumbs(ctx, sc, q.OrgUnit, page.Lang, func(code string) string { return link("/indicators/targets", "orgunit", code, "year", q.Year) }, true),
		web.Crumb{Label: page.T("设置目标", "Targets")})
	page.Data = d
	return pg.Render(w, r, status, "indicators_targets.html", page)
}

func (pg *Pages) targets(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q, u, err := pg.scoped(r, p)
	if err != nil {
		return err
	}
	return pg.targetsPage(w, r, p, http.StatusOK, q, u, nil, nil)
}

func (pg *Pages) targetsPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Malformed, "表单内容无效。", "The form is not valid.")
	}
	ctx, sc, st := r.Context(), scopeOf(p), pg.store()
	q := Query{OrgUnit: r.PostForm.Get("orgunit"), Year: st.db.Now().Year()}
	if q.OrgUnit == "" {
		q.OrgUnit = p.OrgUnit
	}
	u, err := st.unitIn(ctx, sc, q.OrgUnit)
	if err != nil {
		return err
	}
	var fields []apperr.FieldError
	last := st.db.Now().Year() + TargetYearsAhead
	if y, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("year"))); err != nil || y < FirstTargetYear || y > last {
		fields = append(fields, apperr.Field("year", "range", fmt.Sprintf("目标年份应在 %d–%d 年之间：“%s”。", FirstTargetYear, last, r.PostForm.Get("year")),
			fmt.Sprintf("The year of a target is %d to %d: “%s”.", FirstTargetYear, last, r.PostForm.Get("year"))))
	} else {
		q.Year = y
	}
	typed := map[string]string{}
	values := map[string]*float64{}
	for _, def := range Defs {
		typed[def.Code] = r.PostForm.Get(def.Code)
		v, fe := parseTarget(def, def.Code, typed[def.Code])
		if fe != nil {
			fields = append(fields, *fe)
		}
		values[def.Code] = v
	}
	if len(fields) > 0 {
		return pg.targetsPage(w, r, p, http.StatusUnprocessableEntity, q, u, typed, apperr.Validation(fields...))
	}
	views, err := st.TargetViews(ctx, sc, q.OrgUnit, q.Year, "zh")
	if err != nil {
		return err
	}
	changes := map[string]*float64{}
	for i, def := range Defs {
		own := views[i].Source == q.OrgUnit
		v := values[def.Code]
		switch {
		case v == nil && !own: // nothing set here, nothing typed
			continue
		case v != nil && own && *views[i].Target == *v: // unchanged
			continue
		}
		changes[def.Code] = v
	}
	if len(changes) > 0 {
		if err := st.SetTargets(ctx, sc, q.OrgUnit, q.Year, changes, access.Of(r, p).Actor); err != nil {
			if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
				return pg.targetsPage(w, r, p, http.StatusUnprocessableEntity, q, u, typed, e)
			}
			return err
		}
	}
	web.Redirect(w, r, link("/indicators/targets", "orgunit", q.OrgUnit, "year", q.Year, "saved", "1"))
	return nil
}
