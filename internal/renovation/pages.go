package renovation

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

// Templates are the renovation pages' templates.
func Templates() fs.FS {
	return web.TemplateDir(templatesFS)
}

// Pages serves the budget page of district staff.
type Pages struct {
	Store *Store
	web.Kit
}

// Routes registers the pages.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /renovation/budget", budgetRoles, pg.budget)
	rt.Page("POST /renovation/budget", budgetRoles, pg.budgetPost)
}

// FirstYear is the first year the budget page offers; it offers up to five
// years ahead.
const FirstYear = 2021

// townRow is one town's line of the budget page.
type townRow struct {
	Name            string
	Cases           int
	Committed, Paid string
}

type budgetData struct {
	Year      int
	Years     []int
	Set       bool
	Total     string
	Committed string
	Paid      string
	Left      string
	Towns     []townRow
	Form      url.Values
}

// yen shows cents as people read amounts: "12,500.50 元".
func yen(page *web.Page, cents int64) string {
	return page.T(money.Grouped(cents)+" 元", money.Grouped(cents)+" yuan")
}

// yearOf reads ?year= (or the form's year): a year from 2000 to 2100, else this year.
func (pg *Pages) yearOf(raw string) int {
	now := pg.Store.db.Now().In(shanghai).Year()
	y, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || y < 2000 || y > 2100 {
		return now
	}
	return y
}

func (pg *Pages) budgetPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, year int, form url.Values, fe *web.FormError) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T("无障碍改造预算", "Home renovation budget")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	o, err := pg.Store.OverviewOf(r.Context(), orgunit.ScopeOf(p.OrgUnit), district(p.OrgUnit), year)
	if err != nil {
		return err
	}
	d := budgetData{Year: year, Set: o.Set, Total: yen(page, o.BudgetCents), Committed: yen(page, o.CommittedCents), Paid: yen(page, o.PaidCents),
		Left: yen(page, o.LeftCents), Form: form}
	now := pg.Store.db.Now().In(shanghai).Year()
	for y := FirstYear; y <= now+5; y++ {
		d.Years = append(d.Years, y)
	}
	for _, y := range append(o.Years, year) { // a year set (or asked) outside the range is offered too
		if y < FirstYear || y > now+5 {
			d.Years = append([]int{y}, d.Years...)
		}
	}
	for _, t := range o.Towns {
		d.Towns = append(d.Towns, townRow{Name: page.T(t.Name, t.NameEn), Cases: t.Cases, Committed: yen(page, t.CommittedCents), Paid: yen(page, t.PaidCents)})
	}
	if d.Form == nil {
		d.Form = url.Values{}
		if o.Set {
			d.Form.Set("budget", money.Grouped(o.BudgetCents))
		}
	}
	if fe != nil {
		page.Error = fe
	} else if r.URL.Query().Get("saved") != "" {
		page.Flash = page.T(fmt.Sprintf("已保存：%d 年预算为 %s 元。", year, money.Grouped(o.BudgetCents)),
			fmt.Sprintf("Saved: the %d budget is %s yuan.", year, money.Grouped(o.BudgetCents)))
	}
	page.Data = d
	return pg.Render(w, r, status, "renovation_budget.html", page)
}

func (pg *Pages) budget(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.budgetPage(w, r, p, http.StatusOK, pg.yearOf(r.URL.Query().Get("year")), nil, nil)
}

// budgetField is the page's budget input: an amount typed as people write
// it ("50万", "500,000", "500000元"), at most MaxBudgetCents.
var budgetField = money.Field{Name: "budget", Zh: "年度预算", En: "The year's budget", Max: MaxBudgetCents}

func (pg *Pages) budgetPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	year := pg.yearOf(r.PostFormValue("year"))
	lang := web.PageLang(r)
	cents, given, bad := budgetField.Read(r.PostFormValue("budget"))
	var err error
	switch {
	case bad != nil:
		err = apperr.Validation(*bad)
	case !given:
		err = apperr.Validation(apperr.Field("budget", "required", "请填写年度预算金额，例如 50万 或 500,000。", "Enter the year's budget, e.g. 500,000 or 50万."))
	default:
		_, err = pg.Store.SetBudget(r.Context(), orgunit.ScopeOf(p.OrgUnit), access.Of(r, p).Actor, district(p.OrgUnit), year, cents)
	}
	if err == nil {
		web.Redirect(w, r, fmt.Sprintf("/renovation/budget?year=%d&saved=1", year))
		return nil
	}
	code := apperr.CodeOf(err)
	if code != apperr.Invalid && code != apperr.Conflict {
		return err
	}
	fe := web.FormErrorOf(err, lang)
	if e, _ := apperr.As(err); code == apperr.Conflict { // below what is approved: the budget's error
		fe = web.FormErrorOf(apperr.Validation(apperr.Field("budget", "conflict", e.Msg.Zh, e.Msg.En)), lang)
	}
	for i := range fe.Fields { // the store names the API's field
		if fe.Fields[i].Field == "budget_cents" {
			fe.Fields[i].Field = "budget"
			fe.ByField["budget"] = fe.Fields[i].Message
		}
	}
	return pg.budgetPage(w, r, p, web.Status(code), year, r.PostForm, fe)
}
