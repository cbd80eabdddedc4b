package shop_test

import (
	"context"
	"fmt"
	"image/color"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/registry"
	"sunshine/internal/shop"
)

// fixture is district staff of every district, who makes the matrix's
// artisans, products, orders and rosters.
var fixture = registry.Caller{Actor: audit.Actor{Username: "fixture", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()}

// matrixProduct adds an artisan of Chuxiong and a published product of
// theirs with stock pieces.
func matrixProduct(e *apptest.Env, stock int) shop.Product {
	ctx := context.Background()
	a, err := e.App.Shop.CreateArtisan(ctx, fixture, shop.ArtisanInput{Name: "阿依", Region: "chuxiong", Craft: "彝绣", Story: "故事", Consent: true})
	if err != nil {
		e.T.Fatal(err)
	}
	p, err := e.App.Shop.CreateProduct(ctx, fixture, shop.ProductInput{Title: "彝绣零钱包", Category: "embroidery", Price: 6800, Stock: stock, Published: true,
		Shares: []shop.Share{{ArtisanID: a.ID, BP: 10000}}})
	if err != nil {
		e.T.Fatal(err)
	}
	return p
}

// matrixOrder places an order of a fresh product, moved on by steps
// (0 new, 1 paid, 2 shipped).
func matrixOrder(e *apptest.Env, steps int) int64 {
	ctx := context.Background()
	p := matrixProduct(e, 5)
	o, err := e.App.Shop.PlaceOrder(ctx, audit.Actor{Username: "public", Role: "buyer"}, shop.OrderInput{Items: []shop.Line{{p.ID, 1}}, Buyer: goodBuyer})
	if err != nil {
		e.T.Fatal(err)
	}
	if steps >= 1 {
		must(e.T, e.App.Shop.RecordPayment(ctx, fixture, o.ID, shop.Payment{Method: "bank_transfer", Reference: "R1"}))
	}
	if steps >= 2 {
		must(e.T, e.App.Shop.Ship(ctx, fixture, o.ID, "SF1"))
	}
	return o.ID
}

// rosters numbers the matrix's rosters: each is of another ended month.
var rosters atomic.Int64

func nextMonth() string {
	n := rosters.Add(1)
	return fmt.Sprintf("%04d-%02d", 2000+n/12, 1+n%12)
}

func matrixRoster(e *apptest.Env) int64 {
	ro, err := e.App.Shop.CreateRoster(context.Background(), fixture, nextMonth())
	if err != nil {
		e.T.Fatal(err)
	}
	return ro.ID
}

func orderBody(e *apptest.Env) any {
	p := matrixProduct(e, 1)
	return map[string]any{"items": []map[string]any{{"product_id": p.ID, "quantity": 1}}, "buyer": map[string]any{"name": "张三", "phone": "13800138000", "address": "上海市嘉定区"}}
}

func buyerForm() url.Values {
	return url.Values{"quantity": {"1"}, "name": {"张三"}, "phone": {"13800138000"}, "address": {"上海市嘉定区博乐路1号"}}
}

func productForm(e *apptest.Env) url.Values {
	a, err := e.App.Shop.CreateArtisan(context.Background(), fixture, shop.ArtisanInput{Name: "李秀英", Region: "chuxiong", Craft: "彝绣"})
	if err != nil {
		e.T.Fatal(err)
	}
	return url.Values{"title": {"杯垫"}, "category": {"joint"}, "price": {"99.00"}, "stock": {"4"}, "published": {"1"},
		"artisan_1": {fmt.Sprint(a.ID)}, "share_1": {"100"}}
}

// tile is a small PNG for the matrix's uploads.
var tile = shop.DemoPNG(16, 12, 1, color.NRGBA{0xB2, 0x22, 0x3A, 0xFF})

// matrixPhoto adds a published product with one photo.
func matrixPhoto(e *apptest.Env) shop.Photo {
	p := matrixProduct(e, 1)
	ph, err := e.App.Shop.AddProductPhoto(context.Background(), fixture, p.ID, shop.PhotoInput{Data: tile, Alt: "零钱包"})
	if err != nil {
		e.T.Fatal(err)
	}
	return ph
}

func matrixArtisan(e *apptest.Env) int64 {
	a, err := e.App.Shop.CreateArtisan(context.Background(), fixture, shop.ArtisanInput{Name: "阿依", Region: "chuxiong", Craft: "彝绣", Consent: true})
	if err != nil {
		e.T.Fatal(err)
	}
	return a.ID
}

func matrixWorkshop(e *apptest.Env) shop.Workshop {
	w, err := e.App.Shop.CreateWorkshop(context.Background(), fixture, shop.WorkshopInput{Name: "楚雄彝绣工坊", Place: "楚雄市"})
	if err != nil {
		e.T.Fatal(err)
	}
	return w
}

func entries() map[string]apptest.Entry {
	district := []string{identity.DistrictStaff}
	page := func(path func(e *apptest.Env) string) apptest.Entry {
		return apptest.Entry{Allowed: district, PageIn: true, In: func(e *apptest.Env, _ string) apptest.Request { return apptest.Request{Path: path(e)} }, InOK: http.StatusOK}
	}
	fixed := func(p string) func(*apptest.Env) string { return func(*apptest.Env) string { return p } }
	post := func(build func(e *apptest.Env) apptest.Request) apptest.Entry {
		return apptest.Entry{Allowed: district, PageIn: true, In: func(e *apptest.Env, _ string) apptest.Request { return build(e) }, InOK: http.StatusSeeOther}
	}
	return map[string]apptest.Entry{
		"GET /api/v1/shop/products": {Public: true, In: apptest.Fixed("/api/v1/shop/products", nil), InOK: http.StatusOK},
		"POST /api/v1/shop/orders": {Public: true, In: func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: "/api/v1/shop/orders", Body: orderBody(e)}
		}, InOK: http.StatusCreated},
		"GET /shop": {Public: true, In: apptest.Fixed("/shop?q=%E5%BD%9D&category=embroidery", nil), InOK: http.StatusOK},
		"GET /shop/products/{id}": {Public: true, In: func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/shop/products/%d", matrixProduct(e, 3).ID)}
		}, InOK: http.StatusOK},
		"POST /shop/products/{id}": {Public: true, In: func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/shop/products/%d", matrixProduct(e, 3).ID), Form: buyerForm()}
		}, InOK: http.StatusOK},
		"GET /shop/staff":              page(fixed("/shop/staff")),
		"GET /shop/staff/artisans/new": page(fixed("/shop/staff/artisans/new")),
		"POST /shop/staff/artisans/new": post(func(e *apptest.Env) apptest.Request {
			return apptest.Request{Path: "/shop/staff/artisans/new", Form: url.Values{"name": {"阿依"}, "region": {"chuxiong"}, "craft": {"彝绣"}}}
		}),
		"GET /shop/staff/artisans/{id}": page(func(e *apptest.Env) string {
			a, err := e.App.Shop.CreateArtisan(context.Background(), fixture, shop.ArtisanInput{PersonID: 0, Name: "阿依", Region: "chuxiong", Craft: "彝绣"})
			if err != nil {
				e.T.Fatal(err)
			}
			return fmt.Sprintf("/shop/staff/artisans/%d", a.ID)
		}),
		"POST /shop/staff/artisans/{id}": post(func(e *apptest.Env) apptest.Request {
			a, err := e.App.Shop.CreateArtisan(context.Background(), fixture, shop.ArtisanInput{Name: "阿依", Region: "chuxiong", Craft: "彝绣"})
			if err != nil {
				e.T.Fatal(err)
			}
			return apptest.Request{Path: fmt.Sprintf("/shop/staff/artisans/%d", a.ID), Form: url.Values{"name": {"阿依"}, "region": {"chuxiong"}, "craft": {"彝绣"},
				"consent": {"1"}, "active": {"1"}, "version": {"1"}}}
		}),
		"GET /shop/staff/products/new": page(fixed("/shop/staff/products/new")),
		"POST /shop/staff/products/new": post(func(e *apptest.Env) apptest.Request {
			return apptest.Request{Path: "/shop/staff/products/new", Form: productForm(e)}
		}),
		"GET /shop/staff/products/{id}": page(func(e *apptest.Env) string { return fmt.Sprintf("/shop/staff/products/%d", matrixProduct(e, 2).ID) }),
		"POST /shop/staff/products/{id}": post(func(e *apptest.Env) apptest.Request {
			p := matrixProduct(e, 2)
			f := productForm(e)
			f.Set("version", fmt.Sprint(p.Version))
			return apptest.Request{Path: fmt.Sprintf("/shop/staff/products/%d", p.ID), Form: f}
		}),
		"GET /shop/staff/orders":      page(fixed("/shop/staff/orders?state=new")),
		"GET /shop/staff/orders/{id}": page(func(e *apptest.Env) string { return fmt.Sprintf("/shop/staff/orders/%d?reveal=1", matrixOrder(e, 0)) }),
		"POST /shop/staff/orders/{id}/{action}": post(func(e *apptest.Env) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/shop/staff/orders/%d/ship", matrixOrder(e, 1)), Form: url.Values{"tracking": {"SF12345"}}}
		}),
		"GET /shop/staff/payouts": page(fixed("/shop/staff/payouts")),
		"POST /shop/staff/payouts": post(func(e *apptest.Env) apptest.Request {
			return apptest.Request{Path: "/shop/staff/payouts", Form: url.Values{"month": {nextMonth()}}}
		}),
		"GET /shop/staff/payouts/{id}": page(func(e *apptest.Env) string { return fmt.Sprintf("/shop/staff/payouts/%d", matrixRoster(e)) }),
		"POST /shop/staff/payouts/{id}/{action}": post(func(e *apptest.Env) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/shop/staff/payouts/%d/approve", matrixRoster(e)), Form: url.Values{}}
		}),
		"GET /shop/photos/{id}": {Public: true, In: func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/shop/photos/%d", matrixPhoto(e).ID)}
		}, InOK: http.StatusOK},
		"GET /shop/shop.css": {Public: true, In: apptest.Fixed("/shop/shop.css", nil), InOK: http.StatusOK},
		"GET /shop/staff/products/{id}/photos": page(func(e *apptest.Env) string {
			return fmt.Sprintf("/shop/staff/products/%d/photos", matrixPhoto(e).ProductID)
		}),
		"POST /shop/staff/products/{id}/photos": post(func(e *apptest.Env) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/shop/staff/products/%d/photos", matrixProduct(e, 1).ID), File: tile, Fields: []string{"alt", "零钱包正面"}}
		}),
		"POST /shop/staff/photos/{id}/{action}": post(func(e *apptest.Env) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/shop/staff/photos/%d/delete", matrixPhoto(e).ID), Form: url.Values{}}
		}),
		"GET /shop/staff/artisans/{id}/photo": page(func(e *apptest.Env) string { return fmt.Sprintf("/shop/staff/artisans/%d/photo", matrixArtisan(e)) }),
		"POST /shop/staff/artisans/{id}/photo": post(func(e *apptest.Env) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/shop/staff/artisans/%d/photo", matrixArtisan(e)), File: tile, Fields: []string{"alt", "阿依在绣花"}}
		}),
		"GET /shop/staff/workshops":     page(fixed("/shop/staff/workshops")),
		"GET /shop/staff/workshops/new": page(fixed("/shop/staff/workshops/new")),
		"POST /shop/staff/workshops/new": post(func(e *apptest.Env) apptest.Request {
			return apptest.Request{Path: "/shop/staff/workshops/new", Form: url.Values{"name": {"阳光工坊"}, "place": {"楚雄市"}}}
		}),
		"GET /shop/staff/workshops/{id}": page(func(e *apptest.Env) string { return fmt.Sprintf("/shop/staff/workshops/%d", matrixWorkshop(e).ID) }),
		"POST /shop/staff/workshops/{id}": post(func(e *apptest.Env) apptest.Request {
			w := matrixWorkshop(e)
			return apptest.Request{Path: fmt.Sprintf("/shop/staff/workshops/%d", w.ID), Form: url.Values{"name": {"彝绣工坊"}, "place": {"楚雄市"}, "version": {fmt.Sprint(w.Version)}}}
		}),
		"GET /shop/staff/sales": {Allowed: []string{identity.DistrictStaff, identity.Leader}, PageIn: true, In: apptest.Fixed("/shop/staff/sales", nil), InOK: http.StatusOK},
	}
}

// TestPermissionMatrix calls every route of the shop as every role and
// without sign-in: the public routes are open to all, the staff's only to
// district staff (the sales figures to leaders too); peers are refused.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	apptest.Matrix(t, "shop", entries())
}
