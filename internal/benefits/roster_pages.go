package benefits

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"sunshine/internal/access"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/web"
)

// rosterRoutes registers the rosters' pages: the list with the form that
// makes one, a roster with its totals per town, its differences from the
// previous month and its rows, and the approve and cancel buttons.
func (pg *Pages) rosterRoutes(rt *web.Router) {
	rt.Page("GET /benefits/rosters", rosterStaff, pg.rosters)
	rt.Page("POST /benefits/rosters", rosterStaff, pg.rostersPost)
	rt.Page("GET /benefits/rosters/{id}", rosterStaff, pg.roster)
	rt.Page("POST /benefits/rosters/{id}/approve", rosterStaff, pg.rosterDecide(Approved))
	rt.Page("POST /benefits/rosters/{id}/cancel", rosterStaff, pg.rosterDecide(Cancelled))
}

// rosterView is a roster as the pages show it.
type rosterView struct {
	Roster
	Unit, BenefitName, StateName, TotalText string
	Decided                                 string // when it was approved or cancelled
}

func (pg *Pages) rosterView(r Roster, names map[string]string, page *web.Page) rosterView {
	unit := names[r.OrgUnit]
	if unit == "" {
		unit = r.OrgUnit
	}
	state := map[string]string{Draft: page.T("草稿（待审核）", "Draft (to be approved)"), Approved: page.T("已审核", "Approved"),
		Cancelled: page.T("已作废", "Cancelled")}[r.State]
	decided := ""
	if r.DecidedAt != nil {
		decided = web.Date(*r.DecidedAt)
	}
	return rosterView{Roster: r, Unit: unit, Decided: decided, BenefitName: BenefitName(r.Benefit, page.Lang), StateName: state,
		TotalText: page.T(money.Grouped(r.TotalCents)+" 元", money.Grouped(r.TotalCents)+" yuan")}
}

type unitOption struct{ Code, Label string }

type rostersData struct {
	Rosters  []rosterView
	Units    []unitOption
	Benefits []unitOption
	Form     url.Values
	Month    string
}

// rosterUnits are the units a roster may be made for in the form: the
// district and the towns of the caller's scope (the API takes villages too).
func (s *Store) rosterUnits(ctx context.Context, sc orgunit.Scope, lang string) ([]unitOption, error) {
	lo, hi := sc.Range()
	q, err := s.db.Query(ctx, `SELECT code, name, COALESCE(name_en, '') FROM orgunits WHERE code >= ? AND code < ? AND level IN (2, 3) ORDER BY level, code`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("roster units: %w", err)
	}
	defer q.Close()
	var out []unitOption
	for q.Next() {
		var code, zh, en string
		if err := q.Scan(&code, &zh, &en); err != nil {
			return nil, fmt.Errorf("roster units: %w", err)
		}
		out = append(out, unitOption{Code: code, Label: apperr.T(zh, en).In(lang) + " (" + code + ")"})
	}
	return out, q.Err()
}

func (pg *Pages) rostersPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, page *web.Page, form url.Values) error {
	page.Title = page.T("补贴发放名册", "Subsidy rosters")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	ctx := r.Context()
	c := access.Of(r, p)
	list, err := pg.Store.Rosters(ctx, c, 200)
	if err != nil {
		return err
	}
	var codes []string
	for _, x := range list {
		codes = append(codes, x.OrgUnit)
	}
	names, err := pg.Store.unitNames(ctx, codes, page.Lang)
	if err != nil {
		return err
	}
	units, err := pg.Store.rosterUnits(ctx, c.Scope, page.Lang)
	if err != nil {
		return err
	}
	d := rostersData{Units: units, Form: form, Month: pg.Store.CurrentMonth()}
	for _, b := range Benefits {
		d.Benefits = append(d.Benefits, unitOption{Code: b, Label: BenefitName(b, page.Lang)})
	}
	for _, x := range list {
		d.Rosters = append(d.Rosters, pg.rosterView(x, names, page))
	}
	if d.Form == nil {
		d.Form = url.Values{"month": {d.Month}}
	}
	page.Data = d
	return pg.Render(w, r, status, "roster_list.html", page)
}

func (pg *Pages) rosters(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.rostersPage(w, r, p, http.StatusOK, pg.NewPage(r, p, ""), nil)
}

func (pg *Pages) rostersPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	f := r.PostForm
	out, err := pg.Store.CreateRoster(r.Context(), access.Of(r, p), RosterInput{Benefit: f.Get("benefit"), Month: f.Get("month"), OrgUnit: f.Get("orgunit")})
	if err == nil {
		web.Redirect(w, r, fmt.Sprintf("/benefits/rosters/%d", out.ID))
		return nil
	}
	code := apperr.CodeOf(err)
	if code != apperr.Invalid && code != apperr.Conflict {
		return err
	}
	page := pg.NewPage(r, p, "")
	page.Error = web.FormErrorOf(err, page.Lang)
	return pg.rostersPage(w, r, p, web.Status(code), page, f)
}

// townLine is a town's subtotal on the roster page.
type townLine struct {
	Town, Name string
	Count      int
	Total      string
}

type rowLine struct {
	RosterRow
	Village, Total, RuleTitle string
}

// ruleTitles names each rule code in lang by its latest version's title
// (an override set on appeal by what it is), for the checker who reads
// "why" rather than a code.
func (pg *Pages) ruleTitles(ctx context.Context, lang string) (map[string]string, error) {
	all, err := pg.Store.Versions(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, r := range all { // newest version of a code first
		if _, ok := out[r.Code]; !ok {
			out[r.Code] = r.Title(lang)
		}
	}
	return out, nil
}

// ruleTitle is code's title, or what an override or an unknown code is.
func ruleTitle(titles map[string]string, code, lang string) string {
	if t, ok := titles[code]; ok {
		return t
	}
	if IsOverrideRule(code) {
		return apperr.T("经申诉核定", "Set on appeal").In(lang)
	}
	return ""
}

type rosterData struct {
	R                rosterView
	Towns            []townLine
	Diff             Differences
	Rows             []rowLine
	Next             string
	Maker, CanDecide bool
}

func (pg *Pages) roster(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	ctx := r.Context()
	c := access.Of(r, p)
	id, err := rosterID(r)
	if err != nil {
		return err
	}
	ro, err := pg.Store.Roster(ctx, c, id)
	if err != nil {
		return err
	}
	all, err := pg.Store.allRows(ctx, id)
	if err != nil {
		return err
	}
	diff, err := pg.Store.RosterDifferences(ctx, c, id)
	if err != nil {
		return err
	}
	page := pg.NewPage(r, p, "")
	names, err := pg.Store.unitNames(ctx, append(rowUnits(all), ro.OrgUnit), page.Lang)
	if err != nil {
		return err
	}
	v := pg.rosterView(ro, names, page)
	page.Title = page.T(fmt.Sprintf("%s %s月发放名册：%s", v.Unit, ro.Month, v.BenefitName), fmt.Sprintf("Roster of %s for %s: %s", v.Unit, ro.Month, v.BenefitName))
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("补贴发放名册", "Subsidy rosters"), Href: "/benefits/rosters"},
		{Label: ro.Month + " · " + v.Unit}}
	titles, err := pg.ruleTitles(ctx, page.Lang)
	if err != nil {
		return err
	}
	for i, x := range diff.Items {
		diff.Items[i].RuleBeforeTitle, diff.Items[i].RuleAfterTitle = ruleTitle(titles, x.RuleBefore, page.Lang), ruleTitle(titles, x.RuleAfter, page.Lang)
	}
	d := rosterData{R: v, Diff: diff, Maker: ro.CreatedBy == p.Username, CanDecide: ro.State == Draft}
	for _, t := range townTotals(all) {
		d.Towns = append(d.Towns, townLine{Town: t.Town, Name: names[t.Town], Count: t.Count, Total: money.Grouped(t.TotalCents)})
	}
	// The rows, by town and village, a page of 500 at a time (?from= the
	// index of the first).
	from, _ := parseCursor(r.URL.Query().Get("from"))
	if int(from) > len(all) {
		from = 0
	}
	end := min(int(from)+500, len(all))
	for _, x := range all[from:end] {
		d.Rows = append(d.Rows, rowLine{RosterRow: x, Village: names[x.Village], Total: money.Grouped(x.AmountCents), RuleTitle: ruleTitle(titles, x.Rule, page.Lang)})
	}
	if end < len(all) {
		d.Next = fmt.Sprint(end)
	}
	switch r.URL.Query().Get("done") {
	case Approved:
		page.Flash = page.T("名册已审核。", "The roster is approved.")
	case Cancelled:
		page.Flash = page.T("名册已作废：可以重新生成这个月的名册。", "The roster is cancelled: a new roster of the month can be made.")
	}
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "roster.html", page)
}

func (pg *Pages) rosterDecide(state string) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
		id, err := rosterID(r)
		if err != nil {
			return err
		}
		if _, err := pg.Store.decideRoster(r.Context(), access.Of(r, p), id, state); err != nil {
			return err
		}
		web.Redirect(w, r, fmt.Sprintf("/benefits/rosters/%d?done=%s", id, state))
		return nil
	}
}
