package devices

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/casework"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

// Templates are the device pages' templates.
func Templates() fs.FS {
	return web.TemplateDir(templatesFS)
}

// Pages serves the stock page of the service points.
type Pages struct {
	Store *Store
	web.Kit
}

// Routes registers the pages.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /devices/stock", stockRd, pg.stock)
	rt.Page("POST /devices/stock", keepers, pg.stockPost)
}

// labels names the values of the device workflow's enum fields for the
// case page.
func labels() map[string][2]string {
	return map[string][2]string{
		"good": {"完好，可再借出", "Good, can be lent again"}, "worn": {"有磨损，仍可使用", "Worn, still usable"},
		"damaged":         {"损坏，需要维修", "Damaged, needs repair"},
		"dispensed_items": {"已发放的辅具", "Items dispensed"}, "outstanding": {"待发放的辅具", "Items still to dispense"},
		"assigned_point": {"等待发放的服务点", "Service point to dispense from"}, "close_reason": {"结案原因", "Reason for closing"},
	}
}

// modeName names how a product is given.
func modeName(p Product) (string, string) {
	switch {
	case p.Referral:
		return "转介适配", "by referral"
	case p.Mode == "loan":
		return "借用", "loan"
	default:
		return "发放", "grant"
	}
}

// productOptions offers the catalogue for a case's items: code, name and
// how it is given; for a person whose category is known, what suits it
// first under its own heading, then all the others (still all reachable).
func (s *Store) productOptions(ctx context.Context, c casework.Case) ([]casework.Option, error) {
	all, err := s.Products(ctx)
	if err != nil {
		return nil, err
	}
	cats, err := s.categories(ctx, c.PersonID)
	if err != nil {
		return nil, err
	}
	var first, rest []casework.Option
	for _, p := range all {
		zh, en := modeName(p)
		o := casework.Option{Value: p.Code, Zh: p.Code + " " + p.Name + " · " + zh, En: p.Code + " " + p.NameEn + " · " + en}
		if len(cats) == 0 {
			rest = append(rest, o)
			continue
		}
		if Suits(p.Code, cats) {
			o.GroupZh, o.GroupEn = "适合"+categoryList(cats, 0)+"的辅具", "Suits "+categoryList(cats, 1)+" disability"
			first = append(first, o)
		} else {
			o.GroupZh, o.GroupEn = "其他辅具（全部目录）", "Other devices (the whole catalogue)"
			rest = append(rest, o)
		}
	}
	return append(first, rest...), nil
}

// categoryList names categories in a language (0: zh, 1: en).
func categoryList(cats []int, lang int) string {
	var out []string
	for _, c := range cats {
		out = append(out, categoryNames[c][lang])
	}
	if lang == 0 {
		return strings.Join(out, "、")
	}
	return strings.Join(out, ", ")
}

// LoanCard is the person's loan card: what they hold on loan now, as the
// caller may see it (a registry.Section for the person page).
func (s *Store) LoanCard(ctx context.Context, c access.Caller, personID int64, lang string) ([]web.Table, error) {
	loans, err := s.Loans(ctx, c, personID, lang)
	if err != nil {
		return nil, err
	}
	t := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	tb := web.Table{ID: "loans-caption", Caption: t("借用卡：目前借用的辅具", "Loan card: devices on loan now"),
		Head:  []string{t("辅具", "Device"), t("个案", "Case"), t("借出日期", "Lent on"), t("到期日期", "Due back")},
		Empty: t("目前没有借用的辅具。", "No devices on loan now.")}
	for _, l := range loans {
		due := web.Cell{Text: l.DueDate}
		if l.Overdue {
			due.Tag = t("逾期", "overdue")
		}
		tb.Rows = append(tb.Rows, []web.Cell{{Text: l.Name + " · " + l.Code},
			{Text: t(fmt.Sprintf("个案 %d", l.CaseID), fmt.Sprintf("Case %d", l.CaseID)), Href: fmt.Sprintf("/cases/%d", l.CaseID)},
			{Text: l.LentOn}, due})
	}
	return []web.Table{tb}, nil
}

// panels is the loan card on a device case's page, when the person holds
// something.
func (s *Store) panels(ctx context.Context, c access.Caller, cs casework.Case, lang string) ([]web.Table, error) {
	var out []web.Table
	moves, err := s.transfersTable(ctx, cs, lang)
	if err != nil {
		return nil, err
	}
	if len(moves.Rows) > 0 {
		out = append(out, moves)
	}
	card, err := s.LoanCard(ctx, c, cs.PersonID, lang)
	if err != nil {
		return nil, err
	}
	if len(card[0].Rows) > 0 {
		out = append(out, card...)
	}
	return out, nil
}

var errNoPoint = apperr.New(apperr.NotFound, "找不到这个服务点。", "There is no such service point.")

// stockData is what the stock page shows.
type stockData struct {
	Points   []pointLink
	Point    *ServicePoint
	Items    []StockItem
	CanMove  bool
	Products []Product
	Form     url.Values
}

type pointLink struct {
	ID       int64
	Name     string
	Current  bool
	OwnScope bool
}

func (pg *Pages) stockPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, pointRaw string, form url.Values, formErr error) error {
	ctx := r.Context()
	page := pg.NewPage(r, p, "")
	page.Title = page.T("辅具库存", "Device stock")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	sc := orgunit.ScopeOf(p.OrgUnit)
	points, err := pg.Store.Points(ctx, sc)
	if err != nil {
		return err
	}
	d := stockData{Form: form}
	if d.Form == nil {
		d.Form = url.Values{}
	}
	var sel int64
	if pointRaw != "" {
		if sel, err = strconv.ParseInt(pointRaw, 10, 64); err != nil || sel <= 0 {
			return errNoPoint
		}
	}
	for i, pt := range points {
		if sel == 0 && (sc.Contains(pt.OrgUnit) || i == len(points)-1) {
			sel = pt.ID
		}
	}
	for _, pt := range points {
		d.Points = append(d.Points, pointLink{ID: pt.ID, Name: page.T(pt.Name, pt.NameEn), Current: pt.ID == sel, OwnScope: sc.Contains(pt.OrgUnit)})
		if pt.ID == sel {
			d.Point = &pt
			d.Point.Name = page.T(pt.Name, pt.NameEn)
		}
	}
	if sel != 0 {
		if d.Items, err = pg.Store.Stock(ctx, sc, sel, page.Lang); err != nil {
			return err
		}
	}
	if d.Point != nil && slices.Contains(keepers.Roles, p.Role) && sc.Contains(d.Point.OrgUnit) {
		d.CanMove = true
		all, err := pg.Store.Products(ctx)
		if err != nil {
			return err
		}
		for _, pr := range all {
			if !pr.Referral {
				pr.Name = page.T(pr.Name, pr.NameEn)
				d.Products = append(d.Products, pr)
			}
		}
	}
	if m := r.URL.Query().Get("moved"); m != "" && formErr == nil {
		page.Flash = page.T("库存已更新："+m, "Stock updated: "+m)
	}
	if formErr != nil {
		page.Error = web.FormErrorOf(formErr, page.Lang)
	}
	page.Data = d
	return pg.Render(w, r, status, "device_stock.html", page)
}

func (pg *Pages) stock(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.stockPage(w, r, p, http.StatusOK, r.URL.Query().Get("service_point"), nil, nil)
}

func (pg *Pages) stockPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	pointRaw := strings.TrimSpace(r.PostFormValue("service_point"))
	pointID, err := strconv.ParseInt(pointRaw, 10, 64)
	if err != nil || pointID <= 0 {
		return errNoPoint
	}
	code := r.PostFormValue("code")
	qty, qerr := strconv.Atoi(strings.TrimSpace(r.PostFormValue("quantity")))
	if qerr != nil {
		err = apperr.Validation(apperr.Field("quantity", "invalid", "数量应为整数：入库为正数，调减为负数。", "The quantity must be a whole number: positive to receive, negative to adjust down."))
	} else {
		_, err = pg.Store.Move(r.Context(), orgunit.ScopeOf(p.OrgUnit), access.Of(r, p).Actor, pointID, code, qty, strings.TrimSpace(r.PostFormValue("note")))
	}
	if err == nil {
		web.Redirect(w, r, fmt.Sprintf("/devices/stock?service_point=%d&moved=%s", pointID, url.QueryEscape(code)))
		return nil
	}
	if web.FormErrorOf(err, web.PageLang(r)) == nil {
		return err
	}
	return pg.stockPage(w, r, p, web.Status(apperr.CodeOf(err)), pointRaw, r.PostForm, err)
}
