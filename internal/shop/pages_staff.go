package shop

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

var (
	// managers run the shop.
	managers = web.Roles(identity.DistrictStaff)
	// readers see the sales figures.
	readers = web.Roles(identity.DistrictStaff, identity.Leader)
)

// PickFunc reads a person picker from a form (registry.Store.PickerFrom).
type PickFunc func(ctx context.Context, c access.Caller, form url.Values, field, label, lang string) (registry.Picker, int64, error)

// Staff serves the staff's pages of the shop.
type Staff struct {
	*Store
	Kit web.Kit
	// Pick reads the artisan form's person picker (the registry's).
	Pick PickFunc
}

// Routes registers the pages.
func (pg *Staff) Routes(rt *web.Router) {
	rt.Page("GET /shop/staff", managers, pg.hub)
	rt.Page("GET /shop/staff/artisans/new", managers, pg.newArtisan)
	rt.Page("POST /shop/staff/artisans/new", managers, pg.saveArtisan)
	rt.Page("GET /shop/staff/artisans/{id}", managers, pg.editArtisan)
	rt.Page("POST /shop/staff/artisans/{id}", managers, pg.saveArtisan)
	rt.Page("GET /shop/staff/products/new", managers, pg.newProduct)
	rt.Page("POST /shop/staff/products/new", managers, pg.saveProduct)
	rt.Page("GET /shop/staff/products/{id}", managers, pg.editProduct)
	rt.Page("POST /shop/staff/products/{id}", managers, pg.saveProduct)
	rt.Page("GET /shop/staff/orders", managers, pg.orders)
	rt.Page("GET /shop/staff/orders/{id}", managers, pg.order)
	rt.Page("POST /shop/staff/orders/{id}/{action}", managers, pg.act)
	rt.Page("GET /shop/staff/payouts", managers, pg.payouts)
	rt.Page("POST /shop/staff/payouts", managers, pg.makePayout)
	rt.Page("GET /shop/staff/payouts/{id}", managers, pg.payout)
	rt.Page("POST /shop/staff/payouts/{id}/{action}", managers, pg.decide)
	rt.Page("GET /shop/staff/sales", readers, pg.sales)
	rt.Page("GET /shop/staff/products/{id}/photos", managers, pg.photos)
	rt.Page("POST /shop/staff/products/{id}/photos", managers, pg.uploadPhoto)
	rt.Page("POST /shop/staff/photos/{id}/{action}", managers, pg.photoAct)
	rt.Page("GET /shop/staff/artisans/{id}/photo", managers, pg.artisanPhoto)
	rt.Page("POST /shop/staff/artisans/{id}/photo", managers, pg.uploadArtisanPhoto)
	rt.Page("GET /shop/staff/workshops", managers, pg.workshops)
	rt.Page("GET /shop/staff/workshops/new", managers, pg.newWorkshop)
	rt.Page("POST /shop/staff/workshops/new", managers, pg.saveWorkshop)
	rt.Page("GET /shop/staff/workshops/{id}", managers, pg.editWorkshop)
	rt.Page("POST /shop/staff/workshops/{id}", managers, pg.saveWorkshop)
}

func badForm() error {
	return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
}

func staffCrumbs(page *web.Page, more ...web.Crumb) []web.Crumb {
	return append([]web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("网店管理", "Shop"), Href: "/shop/staff"}}, more...)
}

// doneMessages are the results a redirect names with ?done=.
var doneMessages = map[string]apperr.Text{
	"artisan":       apperr.T("匠人已保存。", "The artisan is saved."),
	"product":       apperr.T("商品已保存。", "The product is saved."),
	"pay":           apperr.T("已记录付款。", "The payment is recorded."),
	"ship":          apperr.T("已记录发货。", "The shipping is recorded."),
	"deliver":       apperr.T("已记录送达。", "The delivery is recorded."),
	"refund":        apperr.T("已退款。", "The refund is recorded."),
	"made":          apperr.T("名册已制作，请另一位工作人员审核。", "The roster is made: another member of staff approves it."),
	"approve":       apperr.T("名册已审核，匠人收入已记录。", "The roster is approved; the artisans' income is recorded."),
	"discarded":     apperr.T("名册已作废。", "The roster is discarded."),
	"photo":         apperr.T("照片已上传。", "The photo is uploaded."),
	"moved":         apperr.T("照片顺序已调整。", "The photo is moved."),
	"photo_deleted": apperr.T("照片已删除。", "The photo is deleted."),
	"workshop":      apperr.T("工坊已保存。", "The workshop is saved."),
}

func flash(r *http.Request, page *web.Page) {
	if m, ok := doneMessages[r.URL.Query().Get("done")]; ok {
		page.Flash = m.In(page.Lang)
	}
}

// refusal says whether err is one a form shows, with its status.
func refusal(err error) (int, bool) {
	code := apperr.CodeOf(err)
	if _, ok := apperr.As(err); !ok || code != apperr.Invalid && code != apperr.Conflict && code != apperr.Forbidden {
		return 0, false
	}
	return web.Status(code), true
}

// ---- the hub ----

type artisanRow struct {
	Artisan
	RegionName string
}

type productRow struct {
	ID                     int64
	Title, Price, Category string
	Stock                  int
	Published              bool
	Shares                 string
}

type hubData struct {
	Artisans []artisanRow
	Products []productRow
	New      int
}

func (pg *Staff) hub(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	ctx, c := r.Context(), access.Of(r, p)
	page := pg.Kit.NewPage(r, p, "")
	page.Title = page.T("网店管理", "Shop")
	flash(r, page)
	as, err := pg.Artisans(ctx, c)
	if err != nil {
		return err
	}
	var d hubData
	for _, a := range as {
		d.Artisans = append(d.Artisans, artisanRow{Artisan: a, RegionName: WordOf(Regions, a.Region).In(page.Lang)})
	}
	ps, err := pg.Products(ctx, c)
	if err != nil {
		return err
	}
	for _, pr := range ps {
		var sh []string
		for _, m := range pr.Artisans {
			sh = append(sh, m.Name+" "+Percent(m.BP))
		}
		d.Products = append(d.Products, productRow{ID: pr.ID, Title: pr.Label(page.Lang), Price: money.Grouped(pr.Price), Category: WordOf(Categories, pr.Category).In(page.Lang),
			Stock: pr.Stock, Published: pr.Published, Shares: strings.Join(sh, page.T("、", ", "))})
	}
	news, err := pg.Orders(ctx, c, "new")
	if err != nil {
		return err
	}
	d.New = len(news)
	page.Data = d
	return pg.Kit.Render(w, r, http.StatusOK, "shop_staff.html", page)
}

// ---- artisans ----

type artisanForm struct {
	ID        int64
	Form      url.Values
	Regions   []option
	Workshops []option
	Picker    registry.Picker
}

// picker reads the artisan form's person picker.
func (pg *Staff) picker(r *http.Request, p *web.Principal, form url.Values) (registry.Picker, int64, error) {
	lang := web.PageLang(r)
	return pg.Pick(r.Context(), access.Of(r, p), form, "person_id", apperr.T("登记的残疾人（本区匠人）", "Registered disabled person (an artisan of the district)").In(lang), lang)
}

func (pg *Staff) artisanPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, id int64, form url.Values, err error, pk *registry.Picker) error {
	page := pg.Kit.NewPage(r, p, "")
	if id == 0 {
		page.Title = page.T("添加匠人", "Add an artisan")
	} else {
		page.Title = page.T("修改匠人", "Change an artisan")
	}
	page.Crumbs = staffCrumbs(page, web.Crumb{Label: page.Title})
	if err != nil {
		page.Error = web.FormErrorAt(err, page.Lang, nil, "form")
	}
	if pk == nil {
		got, _, e := pg.picker(r, p, form)
		if e != nil {
			return e
		}
		pk = &got
	}
	if page.Error != nil && pk.Error == "" {
		pk.Error = page.Error.ByField["person_id"]
	}
	ws, e := pg.Workshops(r.Context(), access.Of(r, p))
	if e != nil {
		return e
	}
	d := artisanForm{ID: id, Form: form, Regions: wordOptions(Regions, form.Get("region"), page.Lang), Picker: *pk}
	for _, wk := range ws {
		label := wk.Name
		if wk.Where() != "" {
			label += page.T("（", " (") + wk.Where() + page.T("）", ")")
		}
		d.Workshops = append(d.Workshops, option{Value: id64(wk.ID), Label: label, Checked: id64(wk.ID) == form.Get("workshop_id")})
	}
	page.Data = d
	return pg.Kit.Render(w, r, status, "shop_artisan_form.html", page)
}

func (pg *Staff) newArtisan(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.artisanPage(w, r, p, http.StatusOK, 0, url.Values{"region": {"jiading"}}, nil, nil)
}

func (pg *Staff) editArtisan(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	a, err := pg.Artisan(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	form := url.Values{"name": {a.Name}, "region": {a.Region}, "craft": {a.Craft}, "story": {a.Story}, "version": {strconv.Itoa(a.Version)}}
	if a.PersonID != 0 {
		form.Set("person_id", id64(a.PersonID))
		form.Set("name", "")
	}
	if a.Consent {
		form.Set("consent", "1")
	}
	if a.WorkshopID != 0 {
		form.Set("workshop_id", id64(a.WorkshopID))
	}
	if a.Active {
		form.Set("active", "1")
	}
	return pg.artisanPage(w, r, p, http.StatusOK, id, form, nil, nil)
}

func (pg *Staff) saveArtisan(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = web.PathID(r, notFound()); err != nil {
			return err
		}
	}
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	f := r.PostForm
	pk, pid, err := pg.picker(r, p, f)
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			err = apperr.Validation(apperr.Field("person_id", "not_found", "登记中没有这个人。", "There is no such person in the registry."))
		}
		if status, ok := refusal(err); ok {
			return pg.artisanPage(w, r, p, status, id, f, err, &pk)
		}
		return err
	}
	if pk.Find {
		return pg.artisanPage(w, r, p, http.StatusOK, id, f, nil, &pk)
	}
	in := ArtisanInput{PersonID: pid, Name: f.Get("name"), Region: f.Get("region"), Craft: f.Get("craft"), Story: f.Get("story"), Consent: f.Get("consent") == "1", Active: f.Get("active") == "1"}
	in.Version, _ = strconv.Atoi(f.Get("version"))
	if ws := strings.TrimSpace(f.Get("workshop_id")); ws != "" {
		if in.WorkshopID, err = strconv.ParseInt(ws, 10, 64); err != nil || in.WorkshopID <= 0 {
			in.WorkshopID = -1 // refused by the store as a missing workshop
		}
	}
	c := access.Of(r, p)
	if id == 0 {
		_, err = pg.CreateArtisan(r.Context(), c, in)
	} else {
		_, err = pg.UpdateArtisan(r.Context(), c, id, in)
	}
	if err != nil {
		if status, ok := refusal(err); ok {
			return pg.artisanPage(w, r, p, status, id, f, err, &pk)
		}
		return err
	}
	web.Redirect(w, r, "/shop/staff?done=artisan")
	return nil
}

// ---- products ----

type shareRow struct {
	N        int
	Artisans []option
	Share    string
}

type productForm struct {
	ID         int64
	Form       url.Values
	Categories []option
	Shares     []shareRow
}

func (pg *Staff) productPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, id int64, form url.Values, err error) error {
	page := pg.Kit.NewPage(r, p, "")
	if id == 0 {
		page.Title = page.T("添加商品", "Add a product")
	} else {
		page.Title = page.T("修改商品", "Change a product")
	}
	page.Crumbs = staffCrumbs(page, web.Crumb{Label: page.Title})
	if err != nil {
		page.Error = web.FormErrorAt(err, page.Lang, nil, "form")
	}
	as, e := pg.Artisans(r.Context(), access.Of(r, p))
	if e != nil {
		return e
	}
	d := productForm{ID: id, Form: form, Categories: wordOptions(Categories, form.Get("category"), page.Lang)}
	for n := 1; n <= MaxArtisans; n++ {
		chosen := form.Get("artisan_" + strconv.Itoa(n))
		row := shareRow{N: n, Share: form.Get("share_" + strconv.Itoa(n))}
		for _, a := range as {
			if !a.Active && id64(a.ID) != chosen {
				continue
			}
			row.Artisans = append(row.Artisans, option{Value: id64(a.ID), Label: a.Name + page.T("（", " (") + WordOf(Regions, a.Region).In(page.Lang) + " · " + a.Craft + page.T("）", ")"), Checked: id64(a.ID) == chosen})
		}
		d.Shares = append(d.Shares, row)
	}
	page.Data = d
	return pg.Kit.Render(w, r, status, "shop_product_form.html", page)
}

func (pg *Staff) newProduct(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.productPage(w, r, p, http.StatusOK, 0, url.Values{"share_1": {"100"}}, nil)
}

func (pg *Staff) editProduct(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	pr, err := pg.Product(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	form := url.Values{"title": {pr.Title}, "title_en": {pr.TitleEn}, "description": {pr.Description}, "category": {pr.Category},
		"price": {money.Yuan(pr.Price)}, "stock": {strconv.Itoa(pr.Stock)}, "version": {strconv.Itoa(pr.Version)}}
	if pr.Published {
		form.Set("published", "1")
	}
	for i, m := range pr.Artisans {
		form.Set("artisan_"+strconv.Itoa(i+1), id64(m.ID))
		form.Set("share_"+strconv.Itoa(i+1), strings.TrimSuffix(Percent(m.BP), "%"))
	}
	return pg.productPage(w, r, p, http.StatusOK, id, form, nil)
}

// productInput reads the product form: the price in yuan, the shares in
// percent (rows with no artisan chosen are skipped).
func productInput(f url.Values) (ProductInput, error) {
	in := ProductInput{Title: f.Get("title"), TitleEn: f.Get("title_en"), Description: f.Get("description"), Category: f.Get("category"), Published: f.Get("published") == "1"}
	var fs []apperr.FieldError
	price, fe := ParsePrice("price", f.Get("price"))
	if fe != nil {
		fs = append(fs, *fe)
	}
	in.Price = price
	stock, err := strconv.Atoi(strings.TrimSpace(f.Get("stock")))
	if err != nil || stock < 0 || stock > MaxStock {
		fs = append(fs, apperr.Field("stock", "range", "库存须为0到"+strconv.Itoa(MaxStock)+"件。", "The stock must be 0 to "+strconv.Itoa(MaxStock)+" pieces."))
	}
	in.Stock = stock
	in.Version, _ = strconv.Atoi(f.Get("version"))
	for n := 1; n <= MaxArtisans; n++ {
		a := strings.TrimSpace(f.Get("artisan_" + strconv.Itoa(n)))
		if a == "" {
			continue
		}
		aid, err := strconv.ParseInt(a, 10, 64)
		if err != nil || aid <= 0 {
			fs = append(fs, apperr.Field("shares", "artisan", "所选匠人不存在或已停用。", "A chosen artisan does not exist or is inactive."))
			continue
		}
		bp, fe := ParseShare("shares", f.Get("share_"+strconv.Itoa(n)))
		if fe != nil {
			fs = append(fs, *fe)
			continue
		}
		in.Shares = append(in.Shares, Share{ArtisanID: aid, BP: bp})
	}
	if len(fs) > 0 {
		return in, apperr.Validation(fs...)
	}
	return in, nil
}

func (pg *Staff) saveProduct(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = web.PathID(r, notFound()); err != nil {
			return err
		}
	}
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	c := access.Of(r, p)
	in, err := productInput(r.PostForm)
	if err == nil {
		if id == 0 {
			_, err = pg.CreateProduct(r.Context(), c, in)
		} else {
			_, err = pg.UpdateProduct(r.Context(), c, id, in)
		}
	}
	if err != nil {
		if status, ok := refusal(err); ok {
			return pg.productPage(w, r, p, status, id, r.PostForm, err)
		}
		return err
	}
	web.Redirect(w, r, "/shop/staff?done=product")
	return nil
}

// ---- orders ----

type orderRow struct {
	ID                   int64
	Number, State, Total string
	Created              string
}

type ordersData struct {
	State  string
	States []option
	Rows   []orderRow
}

func when(ms int64) string {
	return time.UnixMilli(ms).In(shanghai).Format("2006-01-02 15:04")
}

func (pg *Staff) orders(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page := pg.Kit.NewPage(r, p, "")
	page.Title = page.T("订单", "Orders")
	page.Crumbs = staffCrumbs(page, web.Crumb{Label: page.Title})
	state := r.URL.Query().Get("state")
	if WordOf(States, state).Code == "" {
		state = ""
	}
	list, err := pg.Orders(r.Context(), access.Of(r, p), state)
	if err != nil {
		return err
	}
	d := ordersData{State: state, States: wordOptions(States, state, page.Lang)}
	for _, o := range list {
		d.Rows = append(d.Rows, orderRow{ID: o.ID, Number: OrderNumber(o.ID), State: WordOf(States, o.State).In(page.Lang), Total: money.Grouped(o.Total), Created: when(o.Created)})
	}
	page.Data = d
	return pg.Kit.Render(w, r, http.StatusOK, "shop_orders.html", page)
}

type lineRow struct {
	Title           string
	Quantity        int
	Price, Subtotal string
}

type orderData struct {
	O                                Order
	Number, State, Total, Paid       string
	Refunded, Method, Created, Paid2 string
	Lines                            []lineRow
	Methods                          []option
	Form                             url.Values
	CanPay, CanShip, CanDeliver      bool
	CanRefund                        bool
}

func (pg *Staff) order(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.orderPage(w, r, p, http.StatusOK, url.Values{}, nil)
}

func (pg *Staff) orderPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, form url.Values, err error) error {
	id, e := web.PathID(r, notFound())
	if e != nil {
		return e
	}
	o, e := pg.Order(r.Context(), access.Of(r, p), id, r.URL.Query().Get("reveal") == "1")
	if e != nil {
		return e
	}
	page := pg.Kit.NewPage(r, p, "")
	page.Title = page.T("订单 ", "Order ") + OrderNumber(id)
	page.Crumbs = staffCrumbs(page, web.Crumb{Label: page.T("订单", "Orders"), Href: "/shop/staff/orders"}, web.Crumb{Label: OrderNumber(id)})
	flash(r, page)
	if err != nil {
		page.Error = web.FormErrorAt(err, page.Lang, map[string]string{"state": "form"}, "form")
	}
	d := orderData{O: o, Number: OrderNumber(id), State: WordOf(States, o.State).In(page.Lang), Total: money.Grouped(o.Total), Paid: money.Grouped(o.Paid),
		Refunded: money.Grouped(o.Refunded), Method: WordOf(Methods, o.Method).In(page.Lang), Created: when(o.Created), Form: form,
		Methods: wordOptions(Methods, form.Get("method"), page.Lang),
		CanPay:  o.State == "new", CanShip: o.State == "paid", CanDeliver: o.State == "shipped", CanRefund: o.State != "refunded"}
	if form.Get("amount") == "" {
		form.Set("amount", money.Yuan(o.Paid))
	}
	for _, l := range o.Lines {
		d.Lines = append(d.Lines, lineRow{Title: apperr.T(l.Title, l.TitleEn).In(page.Lang), Quantity: l.Quantity, Price: money.Grouped(l.Price), Subtotal: money.Grouped(l.Price * int64(l.Quantity))})
	}
	page.Data = d
	return pg.Kit.Render(w, r, status, "shop_order.html", page)
}

func (pg *Staff) act(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	ctx, c, f := r.Context(), access.Of(r, p), r.PostForm
	action := r.PathValue("action")
	switch action {
	case "pay":
		err = pg.RecordPayment(ctx, c, id, Payment{Method: f.Get("method"), Reference: f.Get("reference")})
	case "ship":
		err = pg.Ship(ctx, c, id, f.Get("tracking"))
	case "deliver":
		err = pg.Deliver(ctx, c, id)
	case "refund":
		amount, perr := money.Parse(strings.TrimSpace(f.Get("amount")))
		if perr != nil {
			err = apperr.Validation(apperr.Field("amount", "invalid", "退款金额须为金额，如 128.00。", "The refund must be an amount of yuan, such as 128.00."))
		} else {
			err = pg.RefundOrder(ctx, c, id, Refund{Amount: amount, Reason: f.Get("reason")})
		}
	default:
		return notFound()
	}
	if err != nil {
		if status, ok := refusal(err); ok {
			return pg.orderPage(w, r, p, status, f, err)
		}
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/shop/staff/orders/%d?done=%s", id, action))
	return nil
}

// ---- payouts ----

type rosterRow struct {
	ID                         int64
	Month, State, Total, Maker string
	Checker                    string
}

type incomeRow struct {
	PersonID int64
	Name     string
	Year     int
	Amount   string
}

type payoutsData struct {
	Month   string
	Rows    []rosterRow
	Incomes []incomeRow
}

func rosterState(s string) apperr.Text {
	if s == "approved" {
		return apperr.T("已审核", "Approved")
	}
	return apperr.T("待审核", "Awaiting approval")
}

func (pg *Staff) payouts(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.payoutsPage(w, r, p, http.StatusOK, "", nil)
}

func (pg *Staff) payoutsPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, month string, err error) error {
	ctx, c := r.Context(), access.Of(r, p)
	page := pg.Kit.NewPage(r, p, "")
	page.Title = page.T("匠人收益分配", "Artisans' payouts")
	page.Crumbs = staffCrumbs(page, web.Crumb{Label: page.Title})
	flash(r, page)
	if err != nil {
		page.Error = web.FormErrorAt(err, page.Lang, nil, "month")
	}
	if month == "" {
		month = Month(time.Date(pg.db.Now().Year(), pg.db.Now().Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1))
	}
	d := payoutsData{Month: month}
	rs, e := pg.Rosters(ctx, c)
	if e != nil {
		return e
	}
	for _, x := range rs {
		d.Rows = append(d.Rows, rosterRow{ID: x.ID, Month: x.Month, State: rosterState(x.State).In(page.Lang), Total: money.Grouped(x.Total), Maker: x.CreatedBy, Checker: x.DecidedBy})
	}
	in, e := pg.Incomes(ctx, c)
	if e != nil {
		return e
	}
	for _, i := range in {
		d.Incomes = append(d.Incomes, incomeRow{PersonID: i.PersonID, Name: i.Name, Year: i.Year, Amount: money.Grouped(i.Cents)})
	}
	page.Data = d
	return pg.Kit.Render(w, r, status, "shop_payouts.html", page)
}

func (pg *Staff) makePayout(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	month := strings.TrimSpace(r.PostForm.Get("month"))
	ro, err := pg.CreateRoster(r.Context(), access.Of(r, p), month)
	if err != nil {
		if status, ok := refusal(err); ok {
			return pg.payoutsPage(w, r, p, status, month, err)
		}
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/shop/staff/payouts/%d?done=made", ro.ID))
	return nil
}

type payoutLine struct {
	Name, Region, Amount string
	Registered           bool
}

type payoutData struct {
	R            Roster
	State, Total string
	Lines        []payoutLine
	Draft, Maker bool
}

func (pg *Staff) payout(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.payoutPage(w, r, p, http.StatusOK, nil)
}

func (pg *Staff) payoutPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, err error) error {
	id, e := web.PathID(r, notFound())
	if e != nil {
		return e
	}
	ro, e := pg.Roster(r.Context(), access.Of(r, p), id)
	if e != nil {
		return e
	}
	page := pg.Kit.NewPage(r, p, "")
	page.Title = page.T(ro.Month+" 匠人收益分配名册", "Payout roster of "+ro.Month)
	page.Crumbs = staffCrumbs(page, web.Crumb{Label: page.T("匠人收益分配", "Artisans' payouts"), Href: "/shop/staff/payouts"}, web.Crumb{Label: ro.Month})
	flash(r, page)
	if err != nil {
		page.Error = web.FormErrorAt(err, page.Lang, map[string]string{"state": "form"}, "form")
	}
	d := payoutData{R: ro, State: rosterState(ro.State).In(page.Lang), Total: money.Grouped(ro.Total), Draft: ro.State == "draft", Maker: ro.CreatedBy == p.Username}
	for _, l := range ro.Lines {
		d.Lines = append(d.Lines, payoutLine{Name: l.Name, Region: WordOf(Regions, l.Region).In(page.Lang), Amount: money.Grouped(l.Cents), Registered: l.PersonID != 0})
	}
	page.Data = d
	return pg.Kit.Render(w, r, status, "shop_payout.html", page)
}

func (pg *Staff) decide(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	ctx, c := r.Context(), access.Of(r, p)
	switch r.PathValue("action") {
	case "approve":
		err = pg.ApproveRoster(ctx, c, id)
		if err == nil {
			web.Redirect(w, r, fmt.Sprintf("/shop/staff/payouts/%d?done=approve", id))
			return nil
		}
	case "discard":
		err = pg.DiscardRoster(ctx, c, id)
		if err == nil {
			web.Redirect(w, r, "/shop/staff/payouts?done=discarded")
			return nil
		}
	default:
		return notFound()
	}
	if status, ok := refusal(err); ok {
		return pg.payoutPage(w, r, p, status, err)
	}
	return err
}

// ---- sales ----

type figureRow struct {
	Name, Amount string
	Pieces       int
}

type salesData struct {
	Total                       string
	Products, Artisans, Regions []figureRow
}

func (pg *Staff) sales(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page := pg.Kit.NewPage(r, p, "")
	page.Title = page.T("网店销售情况", "Shop sales")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	s, err := pg.SalesFigures(r.Context(), access.Of(r, p))
	if err != nil {
		return err
	}
	rows := func(fs []Figure) []figureRow {
		out := []figureRow{}
		for _, f := range fs {
			out = append(out, figureRow{Name: apperr.T(f.Zh, f.En).In(page.Lang), Amount: money.Grouped(f.Proceeds), Pieces: f.Pieces})
		}
		return out
	}
	page.Data = salesData{Total: money.Grouped(s.Total), Products: rows(s.Products), Artisans: rows(s.Artisans), Regions: rows(s.Regions)}
	return pg.Kit.Render(w, r, http.StatusOK, "shop_sales.html", page)
}
