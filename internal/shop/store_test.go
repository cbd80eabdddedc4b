package shop_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
	"sunshine/internal/shop"
)

var (
	staff   = registry.Caller{Actor: audit.Actor{Username: "maker", Role: identity.DistrictStaff}, Scope: orgunit.ScopeOf("310114")}
	checker = registry.Caller{Actor: audit.Actor{Username: "checker", Role: identity.DistrictStaff}, Scope: orgunit.ScopeOf("310114")}
	leader  = registry.Caller{Actor: audit.Actor{Username: "boss", Role: identity.Leader}, Scope: orgunit.ScopeOf("310114")}
	town    = registry.Caller{Actor: audit.Actor{Username: "town", Role: identity.TownStaff}, Scope: orgunit.ScopeOf("310114102")}
	buyer   = audit.Actor{Username: "public", Role: "buyer"}
)

// now is 10:00 on Monday 16 November 2026 in Shanghai.
var now = time.Date(2026, 11, 16, 2, 0, 0, 0, time.UTC)

func setup(t testing.TB, d *db.DB) *app.App {
	t.Helper()
	return apptest.New(t, d, now, orgunit.Unit{Code: apptest.VillageOut, Name: "玉山村", Level: 4, Parent: "320583100"})
}

func fieldOf(err error) string {
	if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
		return string(e.Code) + " " + e.Fields[0].Field + "/" + e.Fields[0].Code
	}
	return fmt.Sprint(err)
}

// artisans adds a registered weaver and a Chuxiong embroiderer.
func artisans(t testing.TB, a *app.App) (int64, int64, int64) {
	t.Helper()
	ctx := context.Background()
	pid := apptest.Person(t, a, 1, "编织匠", apptest.Village, 2, 3)
	w, err := a.Shop.CreateArtisan(ctx, staff, shop.ArtisanInput{PersonID: pid, Region: "jiading", Craft: "黄草编织", Story: "三十年手艺", Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	e, err := a.Shop.CreateArtisan(ctx, staff, shop.ArtisanInput{Name: "阿依", Region: "chuxiong", Craft: "彝绣", Story: "不公开的故事"})
	if err != nil {
		t.Fatal(err)
	}
	return pid, w.ID, e.ID
}

func product(t testing.TB, a *app.App, price int64, stock int, shares ...shop.Share) shop.Product {
	t.Helper()
	p, err := a.Shop.CreateProduct(context.Background(), staff, shop.ProductInput{Title: "手提包", Category: "straw", Price: price, Stock: stock, Published: true, Shares: shares})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var goodBuyer = shop.Buyer{Name: "张三", Phone: "138 0013 8000", Address: "上海市嘉定区博乐路1号"}

func stockOf(t testing.TB, a *app.App, id int64) int {
	t.Helper()
	var n int
	if err := a.DB.QueryRow(context.Background(), `SELECT stock FROM shop_products WHERE id = ?`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func count(t testing.TB, a *app.App, q string, args ...any) int {
	t.Helper()
	var n int
	if err := a.DB.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestArtisansAndProducts(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := setup(t, d)
		pid, weaver, ayi := artisans(t, a)
		// A person out of the caller's scope is refused as a missing one.
		out := apptest.Person(t, a, 3, "外区人", apptest.VillageOut, 2, 3)
		_, err1 := a.Shop.CreateArtisan(ctx, staff, shop.ArtisanInput{PersonID: out, Region: "jiading", Craft: "编织"})
		_, err2 := a.Shop.CreateArtisan(ctx, staff, shop.ArtisanInput{PersonID: 999999, Region: "jiading", Craft: "编织"})
		if fieldOf(err1) != "invalid person_id/not_found" || fieldOf(err1) != fieldOf(err2) || err1.Error() != err2.Error() {
			t.Errorf("out of scope %v, missing %v", err1, err2)
		}
		if _, err := a.Shop.CreateArtisan(ctx, staff, shop.ArtisanInput{PersonID: pid, Region: "jiading", Craft: "编织"}); fieldOf(err) != "invalid person_id/taken" {
			t.Errorf("twice: %v", err)
		}
		for _, c := range []struct {
			in   shop.ArtisanInput
			want string
		}{
			{shop.ArtisanInput{Region: "chuxiong", Craft: "彝绣"}, "invalid name/required"},
			{shop.ArtisanInput{Name: "阿\x07依", Region: "chuxiong", Craft: "彝绣"}, "invalid name/control"},
			{shop.ArtisanInput{Name: "阿依", Region: "mars", Craft: "彝绣"}, "invalid region/invalid"},
			{shop.ArtisanInput{Name: "阿依", Region: "chuxiong", Craft: "彝绣", Story: strings.Repeat("长", 2001)}, "invalid story/too_long"},
		} {
			if _, err := a.Shop.CreateArtisan(ctx, staff, c.in); fieldOf(err) != c.want {
				t.Errorf("%+v: %v, want %s", c.in, err, c.want)
			}
		}
		if _, err := a.Shop.CreateArtisan(ctx, town, shop.ArtisanInput{Name: "x", Region: "chuxiong", Craft: "y"}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("town staff: %v", err)
		}
		// The registered artisan's name comes from the registry; adding them is audited on the person.
		as, err := a.Shop.Artisans(ctx, staff)
		if err != nil || len(as) != 2 || as[1].Name != "编织匠" || as[1].PersonID != pid {
			t.Fatalf("artisans %+v %v", as, err)
		}
		if n := count(t, a, `SELECT count(*) FROM audit_log WHERE subject_type = 'person' AND subject_id = ? AND action = 'update'`, fmt.Sprint(pid)); n != 1 {
			t.Errorf("audit of the person: %d", n)
		}
		// Products: bad input changes nothing.
		before := count(t, a, `SELECT count(*) FROM shop_products`)
		good := shop.ProductInput{Title: "杯垫", Category: "joint", Price: 9900, Stock: 5, Shares: []shop.Share{{ArtisanID: weaver, BP: 5000}, {ArtisanID: ayi, BP: 5000}}}
		for _, c := range []struct {
			edit func(*shop.ProductInput)
			want string
		}{
			{func(p *shop.ProductInput) { p.Price = 0 }, "invalid price/zero"},
			{func(p *shop.ProductInput) { p.Price = shop.MaxPrice + 1 }, "invalid price/too_large"},
			{func(p *shop.ProductInput) { p.Shares[1].BP = 4999 }, "invalid shares/sum"},
			{func(p *shop.ProductInput) { p.Shares[1].ArtisanID = 424242 }, "invalid shares/artisan"},
			{func(p *shop.ProductInput) { p.Stock = -1 }, "invalid stock/range"},
			{func(p *shop.ProductInput) { p.Title = strings.Repeat("包", 61) }, "invalid title/too_long"},
			{func(p *shop.ProductInput) { p.Category = "" }, "invalid category/invalid"},
		} {
			in := good
			in.Shares = append([]shop.Share(nil), good.Shares...)
			c.edit(&in)
			if _, err := a.Shop.CreateProduct(ctx, staff, in); fieldOf(err) != c.want {
				t.Errorf("product: %v, want %s", err, c.want)
			}
		}
		if n := count(t, a, `SELECT count(*) FROM shop_products`); n != before {
			t.Errorf("refused products written: %d", n-before)
		}
		p, err := a.Shop.CreateProduct(ctx, staff, good)
		if err != nil {
			t.Fatal(err)
		}
		// A draft is not public; publishing it shows it, with the consented artisan's name and story only.
		if _, err := a.Shop.PublicProduct(ctx, p.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("draft public: %v", err)
		}
		good.Published, good.Version = true, p.Version
		good.Shares = []shop.Share{{ArtisanID: weaver, BP: 3334}, {ArtisanID: ayi, BP: 6666}}
		if _, err := a.Shop.UpdateProduct(ctx, staff, p.ID, good); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Shop.UpdateProduct(ctx, staff, p.ID, good); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("stale update: %v", err)
		}
		pub, err := a.Shop.PublicProduct(ctx, p.ID)
		if err != nil || len(pub.Artisans) != 2 {
			t.Fatalf("public %+v %v", pub, err)
		}
		for _, m := range pub.Artisans {
			if m.ID == ayi && (m.Name != "" || m.Story != "") || m.ID == weaver && (m.Name != "编织匠" || m.Story != "三十年手艺") {
				t.Errorf("public artisan %+v", m)
			}
		}
		list, err := a.Shop.PublicProducts(ctx, shop.Filter{Query: "杯"})
		if err != nil || len(list) != 1 {
			t.Errorf("search: %v %v", list, err)
		}
		if list, _ := a.Shop.PublicProducts(ctx, shop.Filter{Query: "%"}); len(list) != 0 {
			t.Errorf("a %% search matched %d", len(list))
		}
	})
}

func TestOrders(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := setup(t, d)
		_, weaver, ayi := artisans(t, a)
		p1 := product(t, a, 16800, 5, shop.Share{ArtisanID: weaver, BP: 10000})
		p2 := product(t, a, 6800, 2, shop.Share{ArtisanID: weaver, BP: 4000}, shop.Share{ArtisanID: ayi, BP: 6000})
		for _, c := range []struct {
			in   shop.OrderInput
			want string
		}{
			{shop.OrderInput{Items: []shop.Line{{p1.ID, 0}}, Buyer: goodBuyer}, "invalid items[0].quantity/range"},
			{shop.OrderInput{Items: []shop.Line{{p1.ID, 1 << 40}}, Buyer: goodBuyer}, "invalid items[0].quantity/range"},
			{shop.OrderInput{Items: []shop.Line{{p1.ID, -1}}, Buyer: goodBuyer}, "invalid items[0].quantity/range"},
			{shop.OrderInput{Items: nil, Buyer: goodBuyer}, "invalid items/required"},
			{shop.OrderInput{Items: []shop.Line{{p1.ID, 1}}, Buyer: shop.Buyer{Name: "张三", Phone: "12345", Address: "某地"}}, "invalid buyer.phone/invalid"},
			{shop.OrderInput{Items: []shop.Line{{p1.ID, 1}}, Buyer: shop.Buyer{Name: "张\u202e三", Phone: "13800138000", Address: "某地"}}, "invalid buyer.name/control"},
			{shop.OrderInput{Items: []shop.Line{{p1.ID, 1}}, Buyer: shop.Buyer{Name: "张三", Phone: "13800138000", Address: strings.Repeat("路", 201)}}, "invalid buyer.address/too_long"},
			{shop.OrderInput{Items: []shop.Line{{424242, 1}}, Buyer: goodBuyer}, "invalid items[0].product_id/not_found"},
			{shop.OrderInput{Items: []shop.Line{{p1.ID, 1}, {p1.ID, 1}}, Buyer: goodBuyer}, "invalid items[1].product_id/duplicate"},
			// The first line fits, the second does not: nothing is taken.
			{shop.OrderInput{Items: []shop.Line{{p1.ID, 2}, {p2.ID, 3}}, Buyer: goodBuyer}, "conflict items[1].quantity/stock"},
		} {
			if _, err := a.Shop.PlaceOrder(ctx, buyer, c.in); fieldOf(err) != c.want {
				t.Errorf("%+v: %v, want %s", c.in, err, c.want)
			}
		}
		if stockOf(t, a, p1.ID) != 5 || stockOf(t, a, p2.ID) != 2 || count(t, a, `SELECT count(*) FROM shop_orders`) != 0 {
			t.Fatal("a refused order wrote something")
		}
		o, err := a.Shop.PlaceOrder(ctx, buyer, shop.OrderInput{Items: []shop.Line{{p2.ID, 2}, {p1.ID, 1}}, Buyer: goodBuyer})
		if err != nil || o.Total != 2*6800+16800 {
			t.Fatalf("order %+v %v", o, err)
		}
		if stockOf(t, a, p1.ID) != 4 || stockOf(t, a, p2.ID) != 0 {
			t.Error("stock not taken")
		}
		if _, err := a.Shop.PlaceOrder(ctx, buyer, shop.OrderInput{Items: []shop.Line{{p2.ID, 1}}, Buyer: goodBuyer}); fieldOf(err) != "conflict items[0].quantity/sold_out" {
			t.Errorf("sold out: %v", err)
		}
		// The buyer is sealed at rest, masked unless revealed (audited).
		var sealed []byte
		if err := a.DB.QueryRow(ctx, `SELECT buyer_phone_enc FROM shop_orders WHERE id = ?`, o.ID).Scan(&sealed); err != nil || strings.Contains(string(sealed), "13800138000") {
			t.Errorf("phone stored in clear: %v", err)
		}
		got, err := a.Shop.Order(ctx, staff, o.ID, false)
		if err != nil || got.Buyer.Phone != "138****8000" || strings.Contains(got.Buyer.Name, "三") || len(got.Lines) != 2 {
			t.Errorf("masked %+v %v", got, err)
		}
		got, err = a.Shop.Order(ctx, staff, o.ID, true)
		if err != nil || got.Buyer.Phone != "13800138000" || got.Buyer.Name != "张三" {
			t.Errorf("revealed %+v %v", got, err)
		}
		if n := count(t, a, `SELECT count(*) FROM audit_log WHERE subject_type = 'shop_order' AND action = 'reveal'`); n != 1 {
			t.Errorf("reveals audited: %d", n)
		}
		// State machine.
		if err := a.Shop.Ship(ctx, staff, o.ID, "SF1"); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("ship unpaid: %v", err)
		}
		if err := a.Shop.RecordPayment(ctx, staff, o.ID, shop.Payment{Method: "cash", Reference: "x"}); fieldOf(err) != "invalid method/invalid" {
			t.Errorf("method: %v", err)
		}
		if err := a.Shop.RecordPayment(ctx, town, o.ID, shop.Payment{Method: "bank_transfer", Reference: "ICBC1"}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("town pays: %v", err)
		}
		if err := a.Shop.RecordPayment(ctx, staff, o.ID, shop.Payment{Method: "bank_transfer", Reference: "ICBC1"}); err != nil {
			t.Fatal(err)
		}
		if err := a.Shop.RecordPayment(ctx, staff, o.ID, shop.Payment{Method: "bank_transfer", Reference: "ICBC1"}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("paid twice: %v", err)
		}
		if err := a.Shop.RefundOrder(ctx, staff, o.ID, shop.Refund{Amount: o.Total + 1, Reason: "退货"}); fieldOf(err) != "invalid amount/beyond_paid" {
			t.Errorf("refund beyond paid: %v", err)
		}
		if err := a.Shop.Ship(ctx, staff, o.ID, ""); fieldOf(err) != "invalid tracking/required" {
			t.Errorf("no tracking: %v", err)
		}
		if err := a.Shop.Ship(ctx, staff, o.ID, "SF1001"); err != nil {
			t.Fatal(err)
		}
		if err := a.Shop.Deliver(ctx, staff, o.ID); err != nil {
			t.Fatal(err)
		}
		if err := a.Shop.Deliver(ctx, staff, 424242); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("missing order: %v", err)
		}
		raised, err := a.Shop.Raised(ctx)
		if err != nil || raised != o.Total {
			t.Errorf("raised %d %v", raised, err)
		}
		// A refund before shipping puts the stock back; a cancelled order (never paid) refunds nothing.
		o2, err := a.Shop.PlaceOrder(ctx, buyer, shop.OrderInput{Items: []shop.Line{{p1.ID, 3}}, Buyer: goodBuyer})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Shop.RefundOrder(ctx, staff, o2.ID, shop.Refund{Amount: 1, Reason: "取消"}); fieldOf(err) != "invalid amount/beyond_paid" {
			t.Errorf("refund of unpaid: %v", err)
		}
		if err := a.Shop.RecordPayment(ctx, staff, o2.ID, shop.Payment{Method: "reference", Reference: "WX123"}); err != nil {
			t.Fatal(err)
		}
		if err := a.Shop.RefundOrder(ctx, staff, o2.ID, shop.Refund{Amount: o2.Total, Reason: "买家取消"}); err != nil {
			t.Fatal(err)
		}
		if stockOf(t, a, p1.ID) != 4 {
			t.Errorf("stock after refund: %d", stockOf(t, a, p1.ID))
		}
		// Sales figures: by product, artisan (shares) and region; the leader sees no names.
		s, err := a.Shop.SalesFigures(ctx, leader)
		if err != nil || s.Total != o.Total || len(s.Products) != 2 || len(s.Regions) != 2 {
			t.Fatalf("sales %+v %v", s, err)
		}
		var sum int64
		for _, f := range s.Artisans {
			sum += f.Proceeds
			if strings.Contains(f.Zh, "编织匠") {
				t.Errorf("leader sees a name: %+v", f)
			}
		}
		if sum != o.Total {
			t.Errorf("artisans' figures add to %d, not %d", sum, o.Total)
		}
		// Retention: a year after the order closed, the buyer is erased.
		d.Clock = func() time.Time { return now.AddDate(0, 0, shop.RetentionDays+1) }
		n, err := a.Shop.EraseBuyers(ctx)
		if err != nil || n != 2 {
			t.Errorf("erased %d %v", n, err)
		}
		if got, err := a.Shop.Order(ctx, staff, o.ID, true); err != nil || !got.Erased || got.Buyer.Phone != "" {
			t.Errorf("after erasing %+v %v", got, err)
		}
	})
}

// TestLastItem: many buyers order the last piece at once; exactly one gets it.
func TestLastItem(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a := setup(t, d)
		_, weaver, _ := artisans(t, a)
		p := product(t, a, 16800, 1, shop.Share{ArtisanID: weaver, BP: 10000})
		const buyers = 24
		var wg sync.WaitGroup
		errs := make([]error, buyers)
		start := make(chan struct{})
		for i := range buyers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = a.Shop.PlaceOrder(context.Background(), buyer, shop.OrderInput{Items: []shop.Line{{p.ID, 1}}, Buyer: goodBuyer})
			}()
		}
		close(start)
		wg.Wait()
		ok, sold := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case apperr.CodeOf(err) == apperr.Conflict:
				sold++
			default:
				t.Errorf("unexpected: %v", err)
			}
		}
		if ok != 1 || sold != buyers-1 || stockOf(t, a, p.ID) != 0 || count(t, a, `SELECT count(*) FROM shop_orders`) != 1 {
			t.Errorf("%d succeeded, %d sold out, stock %d", ok, sold, stockOf(t, a, p.ID))
		}
	})
}

// TestPayouts: random products, shares and orders delivered in October;
// the roster of October adds up to their proceeds to the cent, is approved
// by another member of staff than its maker, and records the registered
// artisans' income for 2026.
func TestPayouts(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		october := time.Date(2026, 10, 20, 2, 0, 0, 0, time.UTC)
		a := setup(t, d)
		d.Clock = func() time.Time { return october }
		r := rand.New(rand.NewPCG(7, 22))
		var ids []int64
		var persons []int64
		for i := range 5 {
			pid := apptest.Person(t, a, 10+i, fmt.Sprintf("匠人%d", i), apptest.Village, 2, 3)
			art, err := a.Shop.CreateArtisan(ctx, staff, shop.ArtisanInput{PersonID: pid, Region: "jiading", Craft: "编织"})
			if err != nil {
				t.Fatal(err)
			}
			ids, persons = append(ids, art.ID), append(persons, pid)
		}
		for i := range 2 {
			art, err := a.Shop.CreateArtisan(ctx, staff, shop.ArtisanInput{Name: fmt.Sprintf("楚雄%d", i), Region: "chuxiong", Craft: "彝绣"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, art.ID)
		}
		var products []int64
		for range 8 {
			n := 1 + r.IntN(4)
			perm := r.Perm(len(ids))[:n]
			var shares []shop.Share
			left := shop.WholeShare
			for j, k := range perm {
				bp := left
				if j < n-1 {
					bp = 1 + r.IntN(left-(n-1-j))
				}
				left -= bp
				shares = append(shares, shop.Share{ArtisanID: ids[k], BP: bp})
			}
			products = append(products, product(t, a, 1+r.Int64N(99999), 1000, shares...).ID)
		}
		var delivered int64
		for i := range 30 {
			o, err := a.Shop.PlaceOrder(ctx, buyer, shop.OrderInput{Items: []shop.Line{{products[i%len(products)], 1 + r.IntN(5)}, {products[(i+3)%len(products)], 1 + r.IntN(3)}}, Buyer: goodBuyer})
			if err != nil {
				t.Fatal(err)
			}
			if i%5 == 4 {
				continue // left unpaid: not in the payout
			}
			must(t, a.Shop.RecordPayment(ctx, staff, o.ID, shop.Payment{Method: "bank_transfer", Reference: "R"}))
			must(t, a.Shop.Ship(ctx, staff, o.ID, "SF"))
			must(t, a.Shop.Deliver(ctx, staff, o.ID))
			delivered += o.Total
		}
		if _, err := a.Shop.CreateRoster(ctx, staff, "2026-10"); fieldOf(err) != "invalid month/not_ended" {
			t.Errorf("roster of this month: %v", err)
		}
		d.Clock = func() time.Time { return now }
		for _, m := range []string{"2026-13", "26-10", "", "2026-10-01"} {
			if _, err := a.Shop.CreateRoster(ctx, staff, m); fieldOf(err) != "invalid month/invalid" {
				t.Errorf("month %q: %v", m, err)
			}
		}
		ro, err := a.Shop.CreateRoster(ctx, staff, "2026-10")
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, l := range ro.Lines {
			sum += l.Cents
		}
		if ro.Total != delivered || sum != delivered {
			t.Fatalf("roster total %d, lines %d, delivered %d", ro.Total, sum, delivered)
		}
		if _, err := a.Shop.CreateRoster(ctx, checker, "2026-10"); fieldOf(err) != "conflict month/exists" {
			t.Errorf("second roster: %v", err)
		}
		if err := a.Shop.ApproveRoster(ctx, staff, ro.ID); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("the maker approved: %v", err)
		}
		if err := a.Shop.ApproveRoster(ctx, checker, ro.ID); err != nil {
			t.Fatal(err)
		}
		if err := a.Shop.ApproveRoster(ctx, checker, ro.ID); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("approved twice: %v", err)
		}
		if err := a.Shop.DiscardRoster(ctx, checker, ro.ID); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("discarded approved: %v", err)
		}
		// The registered artisans' income of 2026 is their lines.
		want := map[int64]int64{}
		var chuxiong int64
		for _, l := range ro.Lines {
			if l.PersonID != 0 {
				want[l.PersonID] = l.Cents
			} else {
				chuxiong += l.Cents
			}
		}
		inc, err := a.Shop.Incomes(ctx, staff)
		if err != nil {
			t.Fatal(err)
		}
		var recorded int64
		for _, i := range inc {
			if i.Year != 2026 || want[i.PersonID] != i.Cents {
				t.Errorf("income %+v, want %d", i, want[i.PersonID])
			}
			recorded += i.Cents
		}
		if recorded+chuxiong != delivered {
			t.Errorf("income %d + chuxiong %d != %d", recorded, chuxiong, delivered)
		}
		// A delivered order of a month with a roster is not refunded here.
		var oid int64
		if err := a.DB.QueryRow(ctx, `SELECT min(id) FROM shop_orders WHERE state = 'delivered'`).Scan(&oid); err != nil {
			t.Fatal(err)
		}
		if err := a.Shop.RefundOrder(ctx, staff, oid, shop.Refund{Amount: 1, Reason: "破损"}); fieldOf(err) != "conflict state/paid_out" {
			t.Errorf("refund after payout: %v", err)
		}
		_ = persons
	})
}

// TestRosterStale: an order refunded after the roster was made makes the
// roster stale: approval is refused until it is discarded and made again.
func TestRosterStale(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := setup(t, d)
		d.Clock = func() time.Time { return time.Date(2026, 10, 20, 2, 0, 0, 0, time.UTC) }
		_, weaver, ayi := artisans(t, a)
		p := product(t, a, 100, 10, shop.Share{ArtisanID: weaver, BP: 3334}, shop.Share{ArtisanID: ayi, BP: 6666})
		o, err := a.Shop.PlaceOrder(ctx, buyer, shop.OrderInput{Items: []shop.Line{{p.ID, 1}}, Buyer: goodBuyer})
		if err != nil {
			t.Fatal(err)
		}
		must(t, a.Shop.RecordPayment(ctx, staff, o.ID, shop.Payment{Method: "bank_transfer", Reference: "R"}))
		must(t, a.Shop.Ship(ctx, staff, o.ID, "SF"))
		must(t, a.Shop.Deliver(ctx, staff, o.ID))
		d.Clock = func() time.Time { return now }
		ro, err := a.Shop.CreateRoster(ctx, staff, "2026-10")
		if err != nil || ro.Total != 100 || len(ro.Lines) != 2 || ro.Lines[0].Cents+ro.Lines[1].Cents != 100 {
			t.Fatalf("roster %+v %v", ro, err)
		}
		// Refunds are refused while the month has a roster; discard, refund, make again.
		if err := a.Shop.RefundOrder(ctx, staff, o.ID, shop.Refund{Amount: 100, Reason: "破损"}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("refund: %v", err)
		}
		must(t, a.Shop.DiscardRoster(ctx, checker, ro.ID))
		must(t, a.Shop.RefundOrder(ctx, staff, o.ID, shop.Refund{Amount: 100, Reason: "破损"}))
		ro, err = a.Shop.CreateRoster(ctx, staff, "2026-10")
		if err != nil || ro.Total != 0 || len(ro.Lines) != 0 {
			t.Errorf("roster after the refund %+v %v", ro, err)
		}
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(errors.Join(err))
	}
}

// TestRetention: orders not paid within PayDays are cancelled (stock
// back), and the buyers' data of orders closed more than RetentionDays ago
// is erased, once a day by one server of several (a day's lease).
func TestRetention(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := setup(t, d)
		_, weaver, _ := artisans(t, a)
		p := product(t, a, 1000, 5, shop.Share{ArtisanID: weaver, BP: 10000})
		o, err := a.Shop.PlaceOrder(ctx, buyer, shop.OrderInput{Items: []shop.Line{{p.ID, 1}}, Buyer: goodBuyer})
		if err != nil {
			t.Fatal(err)
		}
		open, err := a.Shop.PlaceOrder(ctx, buyer, shop.OrderInput{Items: []shop.Line{{p.ID, 1}}, Buyer: goodBuyer})
		if err != nil {
			t.Fatal(err)
		}
		must(t, a.Shop.RefundOrder(ctx, staff, o.ID, shop.Refund{Amount: 0, Reason: "买家取消"}))
		if ran, n, err := a.Shop.Retain(ctx, "server-1"); err != nil || !ran || n != 0 {
			t.Errorf("today: ran %v, %d, %v", ran, n, err)
		}
		// A week on, the open order not paid is cancelled and its piece back in stock.
		d.Clock = func() time.Time { return now.AddDate(0, 0, shop.PayDays+1) }
		if ran, n, err := a.Shop.Retain(ctx, "server-1"); err != nil || !ran || n != 0 {
			t.Errorf("a week on: ran %v, %d, %v", ran, n, err)
		}
		if got, err := a.Shop.Order(ctx, staff, open.ID, false); err != nil || got.State != "refunded" || got.Refunded != 0 || stockOf(t, a, p.ID) != 5 {
			t.Errorf("unpaid order after a week %+v %v, stock %d", got, err, stockOf(t, a, p.ID))
		}
		d.Clock = func() time.Time { return now.AddDate(0, 0, shop.RetentionDays+1) }
		if ran, n, err := a.Shop.Retain(ctx, "server-2"); err != nil || !ran || n != 1 {
			t.Errorf("a year on: ran %v, %d, %v", ran, n, err)
		}
		if ran, _, err := a.Shop.Retain(ctx, "server-3"); err != nil || ran {
			t.Errorf("a second server the same day: ran %v, %v", ran, err)
		}
		if got, err := a.Shop.Order(ctx, staff, o.ID, true); err != nil || !got.Erased || got.Buyer != (shop.Buyer{}) {
			t.Errorf("refunded order %+v %v", got, err)
		}
		if got, err := a.Shop.Order(ctx, staff, open.ID, true); err != nil || got.Erased || got.Buyer.Name != "张三" {
			t.Errorf("the order cancelled a week on keeps its buyer for a year %+v %v", got, err)
		}
	})
}
