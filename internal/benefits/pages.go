package benefits

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

// Templates are the benefits pages' templates.
func Templates() fs.FS { return web.TemplateDir(templatesFS) }

// Pages serves the rules page of district staff.
type Pages struct {
	Store *Store
	web.Kit
}

// Routes registers the pages.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /benefits/rules", keepers, pg.rules)
	rt.Page("POST /benefits/rules", keepers, pg.rulesPost)
	pg.rosterRoutes(rt)
}

// PersonSection is the person page's and /me's table of the two decisions
// for the current month, in plain words with the reasons (a registry
// Section). The page has audited its read of the person already.
func (s *Store) PersonSection(ctx context.Context, c access.Caller, personID int64, lang string) ([]web.Table, error) {
	month := s.CurrentMonth()
	d, err := s.Explain(ctx, c, personID, month, false)
	if err != nil {
		return nil, err
	}
	tb := DecisionTable(d, lang)
	tb.Links = appealLinks(c, personID, month, lang) // appeal.go
	return []web.Table{tb}, nil
}

// DecisionTable shows a decision: a row per benefit with the result, the
// rule that decided and the reasons.
func DecisionTable(d Decision, lang string) web.Table {
	t := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	tb := web.Table{ID: "benefits-caption", RowHeads: true,
		Caption: t(fmt.Sprintf("补贴资格（%s年%s月）", d.Month[:4], strings.TrimPrefix(d.Month[5:], "0")), fmt.Sprintf("Subsidies (%s)", d.Month)),
		Head:    []string{t("补贴", "Subsidy"), t("结果", "Result"), t("依据的规则", "Rule"), t("理由", "Why")}}
	for _, it := range d.Items {
		result := t("不符合条件", "Not eligible")
		if it.Eligible {
			result = t("符合条件，每月 "+money.Grouped(it.AmountCents)+" 元", "Eligible: "+money.Grouped(it.AmountCents)+" yuan a month")
		}
		var reasons []string
		for _, r := range it.Reasons {
			reasons = append(reasons, r.In(lang))
		}
		rule := it.RuleTitle.In(lang)
		if rule == "" {
			rule = it.Rule
		}
		tb.Rows = append(tb.Rows, []web.Cell{{Text: BenefitName(it.Benefit, lang)}, {Text: result}, {Text: rule}, {Text: strings.Join(reasons, " ")}})
	}
	return tb
}

// ruleRow is a rule version as the page shows it.
type ruleRow struct {
	Rule
	Benefit, Kind, Amount, Title string
	InForce                      bool
}

type rulesData struct {
	Month    string
	InForce  []ruleRow
	Versions []ruleRow
	Codes    []ruleRow // the latest version of each code (the form's choices)
	Names    []string  // the facts a condition may name
	Form     url.Values
}

func (pg *Pages) rulesPage(w http.ResponseWriter, r *http.Request, status int, page *web.Page, form url.Values) error {
	page.Title = page.T("补贴规则", "Subsidy rules")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	month := pg.Store.CurrentMonth()
	all, err := pg.Store.Versions(r.Context())
	if err != nil {
		return err
	}
	inForce := map[int64]bool{}
	d := rulesData{Month: month, Names: VariableNames(), Form: form}
	row := func(x Rule) ruleRow {
		kind := page.T("必备条件", "Requirement")
		amount := "—"
		if x.Kind == Grants {
			kind, amount = page.T("发放条款", "Clause that pays"), page.T(money.Grouped(x.AmountCents)+" 元", money.Grouped(x.AmountCents)+" yuan")
		}
		return ruleRow{Rule: x, Benefit: BenefitName(x.Benefit, page.Lang), Kind: kind, Amount: amount, Title: x.Title(page.Lang), InForce: inForce[x.ID]}
	}
	for _, x := range InForce(all, month) {
		inForce[x.ID] = true
		d.InForce = append(d.InForce, row(x))
	}
	seen := map[string]bool{}
	for _, x := range InForce(all, "9999-12") {
		if !seen[x.Code] {
			seen[x.Code] = true
			d.Codes = append(d.Codes, row(x))
		}
	}
	for _, x := range all {
		d.Versions = append(d.Versions, row(x))
	}
	if d.Form == nil {
		d.Form = url.Values{"effective_from": {month}}
	}
	if page.Error == nil && r.URL.Query().Get("saved") != "" {
		page.Flash = page.T("已保存新版本：规则 "+r.URL.Query().Get("saved")+"。", "Saved the new version of rule "+r.URL.Query().Get("saved")+".")
	}
	page.Data = d
	return pg.Render(w, r, status, "benefit_rules.html", page)
}

func (pg *Pages) rules(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.rulesPage(w, r, http.StatusOK, pg.NewPage(r, p, ""), nil)
}

// amountField is the form's amount a month, typed as people write it.
var amountField = money.Field{Name: "amount", Zh: "每月金额", En: "The amount a month", Max: MaxAmountCents}

func (pg *Pages) rulesPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	f := r.PostForm
	in := RuleInput{Code: f.Get("code"), Condition: f.Get("condition"), EffectiveFrom: f.Get("effective_from"),
		TitleZh: f.Get("title_zh"), TitleEn: f.Get("title_en")}
	cents, _, bad := amountField.Read(f.Get("amount"))
	var err error
	if bad != nil {
		err = apperr.Validation(*bad)
	} else {
		in.AmountCents = cents
		_, err = pg.Store.AddVersion(r.Context(), access.Of(r, p).Actor, in)
	}
	if err == nil {
		web.Redirect(w, r, "/benefits/rules?saved="+url.QueryEscape(in.Code))
		return nil
	}
	code := apperr.CodeOf(err)
	if code != apperr.Invalid && code != apperr.Conflict {
		return err
	}
	page := pg.NewPage(r, p, "")
	page.Error = web.FormErrorOf(err, page.Lang)
	for i := range page.Error.Fields { // the store names the API's field
		if page.Error.Fields[i].Field == "amount_cents" {
			page.Error.Fields[i].Field = "amount"
			page.Error.ByField["amount"] = page.Error.Fields[i].Message
		}
	}
	return pg.rulesPage(w, r, web.Status(code), page, f)
}
