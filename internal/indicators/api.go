package indicators

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

// Who may see what.
var (
	// viewers see figures: staff of every level and leaders.
	viewers = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Leader)
	// gapReaders see the persons behind a gap (leaders see counts only).
	gapReaders = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant)
	// apiViewers read the figures over the API: the viewers, and partner
	// districts' installations (federation), which see suppressed figures
	// like every role without access to personal data.
	apiViewers = web.Roles(append(slices.Clone(viewers.Roles), identity.Peer)...)
	// setters configure targets.
	setters = web.Roles(identity.DistrictStaff)
)

// Trend is every year's indicators of a unit, as the API answers it.
type Trend struct {
	OrgUnit string   `json:"orgunit"`
	Items   []Result `json:"items"`
}

// Comparison is a year's indicators of each child unit against the year
// before, as the API answers it.
type Comparison struct {
	OrgUnit string   `json:"orgunit"`
	Year    int      `json:"year"`
	Items   []Change `json:"items"`
}

// Targets are the targets of a unit and year, as the API answers them.
type Targets struct {
	OrgUnit string       `json:"orgunit"`
	Year    int          `json:"year"`
	Items   []TargetView `json:"items"`
}

// BreakdownOf is one indicator broken down by child unit or by a person's
// attribute, as the API answers it (CONTRACT.md).
type BreakdownOf struct {
	Code    string `json:"code"`
	OrgUnit string `json:"orgunit"`
	Year    int    `json:"year"`
	By      string `json:"by"`
	Items   []Item `json:"items"`
}

// API serves the indicators' JSON API.
type API struct {
	Store    *Store
	Registry *registry.Store
}

// Routes registers the API.
func (a *API) Routes(rt *web.Router) {
	rt.Handle("GET /api/v1/indicators", apiViewers, a.apiIndicators, web.Types{Out: Result{}})
	rt.Handle("GET /api/v1/indicators/definitions", apiViewers, a.apiDefinitions, web.Types{Out: web.Items[DefView]{}})
	rt.Handle("GET /api/v1/indicators/trend", apiViewers, a.apiTrend, web.Types{Out: Trend{}})
	rt.Handle("GET /api/v1/indicators/compare", apiViewers, a.apiCompare, web.Types{Out: Comparison{}})
	rt.Handle("GET /api/v1/indicators/export", viewers, a.apiExport)
	rt.Handle("GET /api/v1/indicators/targets", viewers, a.apiTargets, web.Types{Out: Targets{}})
	rt.Handle("PUT /api/v1/indicators/targets", setters, a.apiSetTarget, web.Types{In: TargetInput{}, Out: Targets{}})
	rt.Handle("GET /api/v1/indicators/{code}/breakdown", apiViewers, a.apiBreakdown, web.Types{Out: BreakdownOf{}})
	rt.Handle("GET /api/v1/indicators/{code}/gap", gapReaders, a.apiGap, web.Types{Out: web.List[registry.Person]{}})
}

// Query is what most indicator requests name: a unit and a year.
type Query struct {
	OrgUnit string
	Year    int
}

// QueryOf reads ?orgunit= (default: the caller's unit) and ?year= (default:
// this year) of a request.
func QueryOf(r *http.Request, p *web.Principal, now int) (Query, error) {
	q := Query{OrgUnit: r.URL.Query().Get("orgunit"), Year: now}
	if q.OrgUnit == "" {
		q.OrgUnit = p.OrgUnit
	}
	if y := r.URL.Query().Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 1900 || n > 2200 {
			return q, apperr.Validation(apperr.Field("year", "invalid", "年份应为四位数字，如 2026。", "The year must be four digits, such as 2026."))
		}
		q.Year = n
	}
	return q, nil
}

func scopeOf(p *web.Principal) orgunit.Scope { return orgunit.ScopeOf(p.OrgUnit) }

func (a *API) query(r *http.Request, p *web.Principal) (Query, error) {
	return QueryOf(r, p, a.Store.db.Now().Year())
}

func (a *API) apiIndicators(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q, err := a.query(r, p)
	if err != nil {
		return err
	}
	res, err := a.Store.Indicators(r.Context(), scopeOf(p), q.OrgUnit, q.Year, web.Lang(r))
	if err != nil {
		return err
	}
	if !exact(p.Role) {
		suppressResult(&res)
	}
	return web.JSON(w, http.StatusOK, res)
}

// DefView is a definition as the API shows it.
type DefView struct {
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	NameZh     string   `json:"name_zh"`
	NameEn     string   `json:"name_en"`
	Desc       string   `json:"description"`
	Formula    string   `json:"formula"`
	Fields     []string `json:"fields"`
	Kind       string   `json:"kind"`
	Target     *float64 `json:"default_target"`
	TargetUnit string   `json:"target_unit"`
}

// Views are the definitions in lang.
func Views(lang string) []DefView {
	var out []DefView
	for _, d := range Defs {
		kind := map[Kind]string{Rate: "rate", Count: "count", Mean: "mean"}[d.Kind]
		out = append(out, DefView{Code: d.Code, Name: d.Name(lang), NameZh: d.Zh, NameEn: d.En, Desc: d.Desc(lang), Formula: d.Formula(lang),
			Fields: d.Fields, Kind: kind, Target: d.Target, TargetUnit: d.TargetUnit})
	}
	return out
}

func (a *API) apiDefinitions(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return web.JSON(w, http.StatusOK, web.Items[DefView]{Items: Views(web.Lang(r))})
}

func (a *API) apiTrend(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q, err := a.query(r, p)
	if err != nil {
		return err
	}
	res, err := a.Store.Trend(r.Context(), scopeOf(p), q.OrgUnit, q.Year, web.Lang(r))
	if err != nil {
		return err
	}
	if !exact(p.Role) {
		for i := range res {
			suppressResult(&res[i])
		}
	}
	return web.JSON(w, http.StatusOK, Trend{OrgUnit: q.OrgUnit, Items: res})
}

func (a *API) apiCompare(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q, err := a.query(r, p)
	if err != nil {
		return err
	}
	res, err := a.Store.compare(r.Context(), scopeOf(p), q.OrgUnit, q.Year, web.Lang(r), !exact(p.Role))
	if err != nil {
		return err
	}
	if res == nil {
		res = []Change{}
	}
	return web.JSON(w, http.StatusOK, Comparison{OrgUnit: q.OrgUnit, Year: q.Year, Items: res})
}

func (a *API) apiBreakdown(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q, err := a.query(r, p)
	if err != nil {
		return err
	}
	by := r.URL.Query().Get("by")
	items, err := a.Store.Breakdown(r.Context(), scopeOf(p), r.PathValue("code"), q.OrgUnit, q.Year, by, web.Lang(r))
	if err != nil {
		return err
	}
	if !exact(p.Role) {
		suppressGroups(items)
	}
	if by == "" {
		by = "orgunit"
	}
	return web.JSON(w, http.StatusOK, BreakdownOf{Code: r.PathValue("code"), OrgUnit: q.OrgUnit, Year: q.Year, By: by, Items: items})
}

// GapFilter is the registry filter of the persons behind the gap of an
// indicator for a unit and year: in its denominator, not in its numerator.
func GapFilter(code, unit string, year int) (registry.Filter, error) {
	def, ok := DefOf(code)
	switch {
	case !ok:
		return registry.Filter{}, apperr.New(apperr.NotFound, "没有这个指标："+code, "There is no indicator "+code+".")
	case !def.HasGap():
		return registry.Filter{}, apperr.New(apperr.NotFound, "这个指标没有人员名单。", "This indicator has no list of persons.")
	case def.Code == "survey_coverage":
		return registry.Filter{OrgUnit: unit, Status: "active", NoAnnual: year}, nil
	}
	den, num := int64(1)<<(2*def.bit), int64(1)<<(2*def.bit+1)
	lo, hi := orgunit.ScopeOf(unit).Range()
	return registry.Filter{
		Where:     `p.id IN (SELECT f.person_id FROM indicator_facts f WHERE f.year = ? AND f.orgunit >= ? AND f.orgunit < ? AND (f.bits & ?) = ?)`,
		WhereArgs: []any{year, lo, hi, den | num, den},
	}, nil
}

// Gap lists the persons behind a gap, as the registry lists persons (masked,
// in the caller's scope, each read audited).
func (a *API) Gap(ctx context.Context, c access.Caller, code, unit string, year int, limit int, cursor string) ([]registry.Person, int, string, error) {
	if _, err := a.Store.unitIn(ctx, c.Scope, unit); err != nil {
		return nil, 0, "", err
	}
	f, err := GapFilter(code, unit, year)
	if err != nil {
		return nil, 0, "", err
	}
	f.Limit, f.Cursor = limit, cursor
	return a.Registry.List(ctx, c, f)
}

func (a *API) apiGap(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q, err := a.query(r, p)
	if err != nil {
		return err
	}
	limit, cursor, err := web.Paging(r)
	if err != nil {
		return err
	}
	items, total, next, err := a.Gap(r.Context(), access.Of(r, p), r.PathValue("code"), q.OrgUnit, q.Year, limit, cursor)
	if err != nil {
		return err
	}
	if items == nil {
		items = []registry.Person{}
	}
	return web.JSON(w, http.StatusOK, web.List[registry.Person]{Items: items, Total: total, Next: next})
}

// TargetView is one indicator's target for a unit and year.
type TargetView struct {
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	Target  *float64 `json:"target"`
	Default *float64 `json:"default_target"`
	Source  string   `json:"source"` // the unit whose setting applies; "" for the default
}

// TargetViews lists the targets of a unit within scope for a year.
func (s *Store) TargetViews(ctx context.Context, sc orgunit.Scope, unit string, year int, lang string) ([]TargetView, error) {
	if _, err := s.unitIn(ctx, sc, unit); err != nil {
		return nil, err
	}
	t, src, err := s.Targets(ctx, unit, year)
	if err != nil {
		return nil, err
	}
	var out []TargetView
	for _, d := range Defs {
		out = append(out, TargetView{Code: d.Code, Name: d.Name(lang), Target: t[d.Code], Default: d.Target, Source: src[d.Code]})
	}
	return out, nil
}

func (a *API) apiTargets(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q, err := a.query(r, p)
	if err != nil {
		return err
	}
	items, err := a.Store.TargetViews(r.Context(), scopeOf(p), q.OrgUnit, q.Year, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, Targets{OrgUnit: q.OrgUnit, Year: q.Year, Items: items})
}

// TargetInput is the body of PUT /api/v1/indicators/targets: one
// indicator's target for a unit (default: the caller's) and year; a target
// left out or null removes it.
type TargetInput struct {
	OrgUnit string   `json:"orgunit,omitempty"`
	Year    int      `json:"year"`
	Code    string   `json:"code" enum:"survey_coverage,employment_rate,graduate_employment_rate,compulsory_education_rate,culture_sports_rate,rehab_rate,device_rate,living_subsidy_coverage,care_subsidy_coverage,pension_insurance_rate,medical_insurance_rate,home_renovation_households,income_per_capita"`
	Target  *float64 `json:"target,omitempty"`
}

func (a *API) apiSetTarget(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in TargetInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	if in.OrgUnit == "" {
		in.OrgUnit = p.OrgUnit
	}
	if err := a.Store.SetTarget(r.Context(), scopeOf(p), in.OrgUnit, in.Year, in.Code, in.Target, access.Of(r, p).Actor); err != nil {
		return err
	}
	items, err := a.Store.TargetViews(r.Context(), scopeOf(p), in.OrgUnit, in.Year, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, Targets{OrgUnit: in.OrgUnit, Year: in.Year, Items: items})
}

// apiExport writes an indicator table as XLSX: ?table=indicators (default),
// or ?table=breakdown&code=…&by=…, or ?table=compare.
func (a *API) apiExport(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q, err := a.query(r, p)
	if err != nil {
		return err
	}
	return a.Export(w, r, p, q, r.URL.Query().Get("table"), r.URL.Query().Get("code"), r.URL.Query().Get("by"))
}

// Export writes one indicator table as XLSX (the API and the pages share it).
func (a *API) Export(w http.ResponseWriter, r *http.Request, p *web.Principal, q Query, table, code, by string) error {
	lang := web.PageLang(r) // a page's link: the language of the page
	if strings.HasPrefix(r.URL.Path, "/api/") {
		lang = web.Lang(r)
	}
	T := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	var rows [][]string
	name := fmt.Sprintf("indicators-%s-%d", q.OrgUnit, q.Year)
	pctOrEmpty := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', 4, 64)
	}
	hidden := !exact(p.Role)
	small := smallLabel(lang)
	num := func(v *int64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatInt(*v, 10)
	}
	met := func(m *bool) string {
		switch {
		case m == nil:
			return ""
		case *m:
			return T("达标", "met")
		}
		return T("未达标", "not met")
	}
	// cells are the figures of an item: numerator, denominator and value,
	// then target, met and gap ("<5" in place of a suppressed figure's).
	cells := func(it Item) []string {
		if it.Suppressed {
			return []string{small, small, small, pctOrEmpty(it.Target), small, small}
		}
		return []string{num(it.Numerator), num(it.Denominator), pctOrEmpty(it.Value), pctOrEmpty(it.Target), met(it.Met), num(it.Gap)}
	}
	header := []string{T("指标代码", "code"), T("名称", "name"), T("分子", "numerator"), T("分母", "denominator"), T("值", "value"),
		T("目标", "target"), T("是否达标", "met"), T("差距人数", "gap")}
	switch table {
	case "", "indicators":
		res, err := a.Store.Indicators(r.Context(), scopeOf(p), q.OrgUnit, q.Year, lang)
		if err != nil {
			return err
		}
		if hidden {
			suppressResult(&res)
		}
		rows = append(rows, header)
		for _, it := range res.Items {
			rows = append(rows, append([]string{it.Code, it.Name}, cells(it)...))
		}
	case "breakdown":
		items, err := a.Store.Breakdown(r.Context(), scopeOf(p), code, q.OrgUnit, q.Year, by, lang)
		if err != nil {
			return err
		}
		if hidden {
			suppressGroups(items)
		}
		name = fmt.Sprintf("%s-%s-%d-by-%s", code, q.OrgUnit, q.Year, map[bool]string{true: "orgunit", false: by}[by == ""])
		rows = append(rows, append([]string{T("分组", "group")}, header[1:]...))
		for _, it := range items {
			rows = append(rows, append([]string{it.Key, it.Name}, cells(it)...))
		}
	case "compare":
		items, err := a.Store.compare(r.Context(), scopeOf(p), q.OrgUnit, q.Year, lang, hidden)
		if err != nil {
			return err
		}
		name = fmt.Sprintf("compare-%s-%d", q.OrgUnit, q.Year)
		rows = append(rows, []string{T("指标代码", "code"), T("名称", "name"), T("单位代码", "org unit"), T("单位", "unit name"),
			strconv.Itoa(q.Year - 1), strconv.Itoa(q.Year), T("变化", "change"), T("降幅最大", "biggest fall")})
		for _, c := range items {
			fall := ""
			if c.Fall {
				fall = T("是", "yes")
			}
			before, after := pctOrEmpty(c.Before), pctOrEmpty(c.After)
			if c.BeforeSuppressed {
				before = small
			}
			if c.AfterSuppressed {
				after = small
			}
			rows = append(rows, []string{c.Code, c.Name, c.OrgUnit, c.UnitName, before, after, pctOrEmpty(c.Change), fall})
		}
	default:
		return apperr.Validation(apperr.Field("table", "invalid", "table 应为 indicators、breakdown 或 compare。", "table must be indicators, breakdown or compare."))
	}
	web.Attachment(w, name+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	tw, err := tabular.NewXLSXWriter(w, T("指标", "Indicators"))
	if err != nil {
		return err
	}
	for _, row := range rows {
		if err := tw.Write(row); err != nil {
			return err
		}
	}
	return tw.Close()
}
