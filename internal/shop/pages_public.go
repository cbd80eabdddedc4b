package shop

import (
	_ "embed"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/web"
)

//go:embed shop.css
var pageCSS string

// Public serves the public pages of the shop (no sign-in): the catalogue,
// a product with the order form, and the confirmation of an order.
type Public struct {
	*Store
	Kit web.Kit
}

// Routes registers the pages.
func (pg *Public) Routes(rt *web.Router) {
	rt.Page("GET /shop", web.PublicAccess, pg.catalogue)
	rt.Page("GET /shop/products/{id}", web.PublicAccess, pg.product)
	rt.Page("POST /shop/products/{id}", web.PublicAccess, pg.order)
	rt.Page("GET /shop/photos/{id}", web.PublicAccess, pg.servePhoto)
	rt.Page("GET /shop/shop.css", web.PublicAccess, func(w http.ResponseWriter, _ *http.Request, _ *web.Principal) error {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, err := w.Write([]byte(pageCSS))
		return err
	})
}

// option is a choice of a select.
type option struct {
	Value, Label string
	Checked      bool
}

func wordOptions(vocab []Word, chosen, lang string) []option {
	out := make([]option, 0, len(vocab))
	for _, w := range vocab {
		out = append(out, option{Value: w.Code, Label: w.In(lang), Checked: w.Code == chosen})
	}
	return out
}

// maker is an artisan as the public pages show them.
type maker struct {
	Name, Region, Craft, Story string
	// Workshop is the artisan's workshop (阳光工坊), shown with consent.
	Workshop string
	Photo    *img
}

// img is a photo as a page shows it.
type img struct {
	ID            int64
	Width, Height int
	Alt           string
}

func imgOf(p Photo, lang string) *img {
	if p.ID == 0 {
		return nil
	}
	return &img{ID: p.ID, Width: p.Width, Height: p.Height, Alt: p.AltIn(lang)}
}

type card struct {
	// Info is the category, price and stock as one line (the catalogue's).
	Info            string
	ID              int64
	Title, Category string
	Price           string
	Stock           int
	Makers          string
	Description     string
	Artisans        []maker
	// Photo is the first photo (the catalogue's); Photos all of them (the
	// product page's).
	Photo  *img
	Photos []*img
}

func publicMakers(ms []ProductMaker, lang string) ([]maker, string) {
	var out []maker
	var names []string
	for _, m := range ms {
		name := m.Name
		if name == "" {
			name = apperr.T("匠人（未公开姓名）", "An artisan (name not shown)").In(lang)
		}
		region := WordOf(Regions, m.Region).In(lang)
		out = append(out, maker{Name: name, Region: region, Craft: m.Craft, Story: m.Story, Workshop: workshopWords(m, lang), Photo: imgOf(m.Photo, lang)})
		names = append(names, name+apperr.T("（"+region+"）", " ("+region+")").In(lang))
	}
	return out, strings.Join(names, apperr.T("、", ", ").In(lang))
}

func cardOf(p Product, lang string) card {
	c := card{ID: p.ID, Title: p.Label(lang), Category: WordOf(Categories, p.Category).In(lang), Price: money.Grouped(p.Price), Stock: p.Stock, Description: p.Description}
	c.Artisans, c.Makers = publicMakers(p.Artisans, lang)
	c.Photo = imgOf(p.Photo, lang)
	return c
}

type catalogueData struct {
	Query, Category string
	Categories      []option
	Cards           []card
	Stories         []maker
	Raised          string
	Filtered        bool
	Staff           bool
	// Total is the number of products found; Page and Pages say which page
	// of CataloguePage products is shown; Prev and Next link the others.
	Total, Page, Pages int
	Prev, Next         string
}

// CataloguePage is how many products a page of the catalogue shows: a list a
// screen reader and a phone can get through, and a page that stays fast
// however many products the shop has.
const CataloguePage = 48

func (pg *Public) catalogue(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page := pg.Kit.NewPage(r, p, "")
	page.Title = page.T("阳光手工坊：残疾人匠人手工艺品", "Sunshine handicrafts: work of disabled artisans")
	q := r.URL.Query()
	d := catalogueData{Query: strings.TrimSpace(q.Get("q")), Category: q.Get("category"), Staff: p != nil && p.Role == "district_staff"}
	if len([]rune(d.Query)) > MaxQuery {
		d.Query = string([]rune(d.Query)[:MaxQuery])
	}
	if WordOf(Categories, d.Category).Code == "" {
		d.Category = ""
	}
	d.Filtered = d.Query != "" || d.Category != ""
	d.Categories = wordOptions(Categories, d.Category, page.Lang)
	f := Filter{Query: d.Query, Category: d.Category}
	total, err := pg.CountPublic(r.Context(), f)
	if err != nil {
		return err
	}
	d.Total = total
	d.Pages = max(1, (d.Total+CataloguePage-1)/CataloguePage)
	d.Page = 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n >= 1 && n <= d.Pages {
		d.Page = n
	}
	link := func(n int) string {
		v := url.Values{}
		if d.Query != "" {
			v.Set("q", d.Query)
		}
		if d.Category != "" {
			v.Set("category", d.Category)
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return "/shop#list-title"
		}
		return "/shop?" + v.Encode() + "#list-title"
	}
	if d.Page > 1 {
		d.Prev = link(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.Next = link(d.Page + 1)
	}
	f.Limit, f.Offset = CataloguePage, (d.Page-1)*CataloguePage
	list, err := pg.PublicProducts(r.Context(), f)
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	d.Cards = make([]card, 0, len(list))
	soldOut, made := page.T("已售完", "Sold out"), page.T("匠人：", "Made by: ")
	for _, pr := range list {
		c := cardOf(pr, page.Lang)
		stock := soldOut
		if c.Stock > 0 {
			stock = page.T(fmt.Sprintf("库存 %d 件", c.Stock), fmt.Sprintf("%d in stock", c.Stock))
		}
		c.Info = c.Category + " · ¥" + c.Price + " · " + stock
		if c.Makers != "" {
			c.Makers = made + c.Makers
		}
		d.Cards = append(d.Cards, c)
		for _, m := range pr.Artisans {
			if m.Story != "" && !seen[m.ID] {
				seen[m.ID] = true
				d.Stories = append(d.Stories, maker{Name: m.Name, Region: WordOf(Regions, m.Region).In(page.Lang), Craft: m.Craft, Story: m.Story, Workshop: workshopWords(m, page.Lang), Photo: imgOf(m.Photo, page.Lang)})
			}
		}
	}
	raised, err := pg.Raised(r.Context())
	if err != nil {
		return err
	}
	d.Raised = money.Grouped(raised)
	page.Data = d
	return pg.Kit.Render(w, r, http.StatusOK, "shop_catalogue.html", page)
}

type productData struct {
	C    card
	Form url.Values
}

func (pg *Public) product(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.productPage(w, r, p, http.StatusOK, url.Values{"quantity": {"1"}}, nil)
}

func (pg *Public) productPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, form url.Values, err error) error {
	id, e := web.PathID(r, notFound())
	if e != nil {
		return e
	}
	pr, e := pg.PublicProduct(r.Context(), id)
	if e != nil {
		return e
	}
	page := pg.Kit.NewPage(r, p, "")
	c := cardOf(pr, page.Lang)
	photos, e := pg.ProductPhotos(r.Context(), id)
	if e != nil {
		return e
	}
	for _, ph := range photos {
		c.Photos = append(c.Photos, imgOf(ph, page.Lang))
	}
	page.Title = c.Title
	page.Crumbs = []web.Crumb{{Label: page.T("阳光手工坊", "Sunshine handicrafts"), Href: "/shop"}, {Label: c.Title}}
	if err != nil {
		page.Error = web.FormErrorAt(err, page.Lang, map[string]string{"buyer.name": "name", "buyer.phone": "phone", "buyer.address": "address",
			"items[0].quantity": "quantity", "items[0].product_id": "quantity", "items": "quantity"}, "quantity")
	}
	page.Data = productData{C: c, Form: form}
	return pg.Kit.Render(w, r, status, "shop_product.html", page)
}

type orderedData struct {
	ID                   int64
	Number, Total, Title string
	Quantity             int
	Payee, Bank, Account string
}

// OrderNumber is how an order's number is shown (SP and 8 digits).
func OrderNumber(id int64) string { return fmt.Sprintf("SP%08d", id) }

func (pg *Public) order(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	f := r.PostForm
	qty, err := strconv.Atoi(strings.TrimSpace(f.Get("quantity")))
	if err != nil {
		return pg.productPage(w, r, p, http.StatusUnprocessableEntity, f,
			apperr.Validation(apperr.Field("quantity", "invalid", "数量须为整数。", "The quantity must be a whole number.")))
	}
	in := OrderInput{Items: []Line{{ProductID: id, Quantity: qty}}, Buyer: Buyer{Name: f.Get("name"), Phone: f.Get("phone"), Address: f.Get("address")}}
	placed, err := pg.PlaceOrder(r.Context(), buyerActor(r), in)
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid || c == apperr.Conflict {
			if c == apperr.Invalid && hasField(err, "items[0].product_id") {
				return notFound()
			}
			return pg.productPage(w, r, p, web.Status(c), f, err)
		}
		return err
	}
	pr, err := pg.PublicProduct(r.Context(), id)
	if err != nil {
		return err
	}
	page := pg.Kit.NewPage(r, p, "")
	page.Title = page.T("订单已提交", "Your order is placed")
	page.Crumbs = []web.Crumb{{Label: page.T("阳光手工坊", "Sunshine handicrafts"), Href: "/shop"}, {Label: page.Title}}
	page.Data = orderedData{ID: placed.ID, Number: OrderNumber(placed.ID), Total: money.Grouped(placed.Total), Title: pr.Label(page.Lang), Quantity: qty,
		Payee: page.T(Bank.Payee, Bank.PayeeEn), Bank: page.T(Bank.Bank, Bank.BankEn), Account: Bank.Account}
	return pg.Kit.Render(w, r, http.StatusOK, "shop_ordered.html", page)
}

func hasField(err error, field string) bool {
	if e, ok := apperr.As(err); ok {
		for _, f := range e.Fields {
			if f.Field == field {
				return true
			}
		}
	}
	return false
}

// workshopWords names an artisan's workshop and its town or place in lang.
func workshopWords(m ProductMaker, lang string) string {
	if m.Workshop == "" || m.WorkshopPlace == "" {
		return m.Workshop
	}
	return m.Workshop + apperr.T("（"+m.WorkshopPlace+"）", " ("+m.WorkshopPlace+")").In(lang)
}
