package benefits

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/web"
)

// SimulateRoutes registers the page "try a change": district staff pick a
// rule, edit its condition or amount and see what it would change, before
// saving it as a new version through the rules page's form. It is a GET
// form (a simulation saves nothing), so it works without script and its
// address can be kept.
func (pg *Pages) SimulateRoutes(rt *web.Router) {
	rt.Page("GET /benefits/simulate", keepers, pg.simulate)
}

// simFigures is a town's (or the total's) figures as the page shows them.
type simFigures struct {
	Town, Before, After, Change string
	Changed                     bool
}

// simTable is one benefit's (or both benefits') table.
type simTable struct {
	ID, Caption string
	Rows        []simFigures
	Total       simFigures
	// Unchanged: the draft changes nothing of this benefit in any town;
	// the page then says so in one line instead of a table of equal rows.
	Unchanged bool
}

// simPerson is a gainer or a loser as the page shows them.
type simPerson struct {
	Href, Name, Village, Before, After, Rules string
}

type simulateData struct {
	Month    string
	Codes    []ruleRow
	Names    []string
	Form     url.Values
	Rule     *ruleRow // the rule picked, as it is now
	Ran      bool
	Tables   []simTable
	Gainers  int64
	Losers   int64
	Gaining  []simPerson
	Losing   []simPerson
	Millis   int64
	SaveFrom string // the month the save form proposes
}

func (pg *Pages) simulate(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T("试算规则修改", "Try a change of the rules")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("补贴规则", "Subsidy rules"), Href: "/benefits/rules"}, {Label: page.Title}}
	ctx := r.Context()
	cur := pg.Store.CurrentMonth()
	all, err := pg.Store.Versions(ctx)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	form := url.Values{"code": {q.Get("code")}, "condition": {q.Get("condition")}, "amount": {q.Get("amount")}, "month": {q.Get("month")}}
	if form.Get("month") == "" {
		form.Set("month", cur)
	}
	d := simulateData{Month: cur, Names: VariableNames(), Form: form}
	row := func(x Rule) ruleRow {
		kind, amount := page.T("必备条件", "Requirement"), "—"
		if x.Kind == Grants {
			kind, amount = page.T("发放条款", "Clause that pays"), page.T(money.Grouped(x.AmountCents)+" 元", money.Grouped(x.AmountCents)+" yuan")
		}
		return ruleRow{Rule: x, Benefit: BenefitName(x.Benefit, page.Lang), Kind: kind, Amount: amount, Title: x.Title(page.Lang)}
	}
	for _, x := range InForce(all, "9999-12") {
		rr := row(x)
		d.Codes = append(d.Codes, rr)
		if x.Code == form.Get("code") {
			d.Rule = &rr
		}
	}
	if d.Rule != nil && !q.Has("condition") { // a rule picked: start from it as it is
		form.Set("condition", d.Rule.Condition)
		if d.Rule.Rule.Kind == Grants {
			form.Set("amount", money.Yuan(d.Rule.AmountCents))
		}
	}
	status := http.StatusOK
	if q.Get("run") != "" {
		cents, _, bad := amountField.Read(form.Get("amount"))
		if bad != nil {
			err = apperr.Validation(*bad)
		} else {
			var sim Simulation
			sim, err = pg.Store.Simulate(ctx, access.Of(r, p), SimDraft{Month: form.Get("month"),
				Rules: []DraftRule{{Code: form.Get("code"), Condition: form.Get("condition"), AmountCents: cents}}})
			if err == nil {
				d.fill(page, sim)
				d.SaveFrom = max(sim.Month, cur)
			}
		}
		if err != nil {
			code := apperr.CodeOf(err)
			if code != apperr.Invalid {
				return err
			}
			status = web.Status(code)
			page.Error = web.FormErrorOf(err, page.Lang)
			for i := range page.Error.Fields { // the store names the API's fields
				f := strings.TrimPrefix(page.Error.Fields[i].Field, "rules[0].")
				if f == "amount_cents" {
					f = "amount"
				}
				page.Error.Fields[i].Field = f
				page.Error.ByField[f] = page.Error.Fields[i].Message
			}
		}
	}
	page.Data = d
	return pg.Render(w, r, status, "simulate.html", page)
}

// fill puts a simulation into the page's tables and lists.
func (d *simulateData) fill(page *web.Page, sim Simulation) {
	d.Ran, d.Gainers, d.Losers, d.Millis = true, sim.Gainers, sim.Losers, sim.Millis
	fig := func(f Figures, signed bool) string {
		sign := ""
		if signed && f.MonthlyCents > 0 {
			sign = "+"
		}
		persons := fmt.Sprintf("%d", f.Persons)
		if signed && f.Persons > 0 {
			persons = "+" + persons
		}
		return page.T(fmt.Sprintf("%s 人，每月 %s%s 元，每年 %s%s 元", persons, sign, money.Grouped(f.MonthlyCents), sign, money.Grouped(f.YearlyCents)),
			fmt.Sprintf("%s persons, %s%s yuan a month, %s%s yuan a year", persons, sign, money.Grouped(f.MonthlyCents), sign, money.Grouped(f.YearlyCents)))
	}
	mk := func(name string, t TownFigures) simFigures {
		return simFigures{Town: name, Before: fig(t.Before, false), After: fig(t.After, false), Change: fig(t.Change, true),
			Changed: t.Change != (Figures{})}
	}
	for i, b := range sim.Benefits {
		name := page.T("两项补贴合计", "Both subsidies")
		if b.Benefit != "all" {
			name = BenefitName(b.Benefit, page.Lang)
		}
		t := simTable{ID: fmt.Sprintf("sim-%d", i), Caption: name, Total: mk(page.T("全区合计", "The district"), b.Total), Unchanged: !slices.ContainsFunc(b.Towns, func(tf TownFigures) bool { return tf.Change != (Figures{}) })}
		for _, tf := range b.Towns {
			label := apperr.T(tf.Name, tf.NameEn).In(page.Lang)
			if label == "" {
				label = tf.Town
			}
			t.Rows = append(t.Rows, mk(label, tf))
		}
		d.Tables = append(d.Tables, t)
	}
	person := func(c Changed) simPerson {
		return simPerson{Href: fmt.Sprintf("/persons/%d", c.PersonID), Name: c.Name, Village: apperr.T(c.VillageName, c.VillageEn).In(page.Lang),
			Before: page.T(money.Grouped(c.BeforeCents)+" 元", money.Grouped(c.BeforeCents)+" yuan"),
			After:  page.T(money.Grouped(c.AfterCents)+" 元", money.Grouped(c.AfterCents)+" yuan"),
			Rules:  c.RulesBefore + " → " + c.RulesAfter}
	}
	// The page lists the first PageSample of each (a phone's screenful of
	// names to check the change by); the API gives SampleSize.
	for _, c := range sim.Gaining[:min(len(sim.Gaining), PageSample)] {
		d.Gaining = append(d.Gaining, person(c))
	}
	for _, c := range sim.Losing[:min(len(sim.Losing), PageSample)] {
		d.Losing = append(d.Losing, person(c))
	}
}

// PageSample is how many gainers and losers the simulation page names.
const PageSample = 30
