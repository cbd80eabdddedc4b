package shop_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/shop"
)

// TestAPI checks the shapes of CONTRACT.md "Shop": the public list, an
// order (201 with its number and total), more than the stock (409) and bad
// input (422 with the fields), without sign-in.
func TestAPI(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		p := matrixProduct(e, 2)
		if _, err := e.App.Shop.CreateProduct(context.Background(), fixture, shop.ProductInput{Title: "草稿", Category: "straw", Price: 100, Stock: 1,
			Shares: []shop.Share{{ArtisanID: p.Artisans[0].ID, BP: 10000}}}); err != nil {
			t.Fatal(err)
		}
		var raw json.RawMessage
		if st := e.Do("", "GET", "/api/v1/shop/products", nil, &raw); st != http.StatusOK {
			t.Fatalf("list: %d", st)
		}
		want := fmt.Sprintf(`{"items":[{"id":%d,"title":"彝绣零钱包","price":68.00,"stock":2,"artisans":[{"name":"阿依","region":"楚雄","region_code":"chuxiong"}]}],"total":1,"next":""}`, p.ID)
		if strings.TrimSpace(string(raw)) != want {
			t.Errorf("list:\n %s\nwant\n %s", raw, want)
		}
		order := func(qty any, phone string) map[string]any {
			return map[string]any{"items": []map[string]any{{"product_id": p.ID, "quantity": qty}}, "buyer": map[string]any{"name": "张三", "phone": phone, "address": "上海市嘉定区博乐路1号"}}
		}
		st, body := e.DoRaw("", "POST", "/api/v1/shop/orders", order(3, "13800138000"), nil, nil)
		if st != http.StatusConflict || !strings.Contains(string(body), `"field":"items[0].quantity"`) {
			t.Errorf("over stock: %d %s", st, body)
		}
		st, body = e.DoRaw("", "POST", "/api/v1/shop/orders", order(0, "12345"), nil, http.Header{"Accept-Language": {"en"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field":"items[0].quantity"`) || !strings.Contains(string(body), `"field":"buyer.phone"`) ||
			!strings.Contains(string(body), "The phone must be a mobile number") {
			t.Errorf("bad input: %d %s", st, body)
		}
		st, body = e.DoRaw("", "POST", "/api/v1/shop/orders", order(2, "021-59990000"), nil, nil)
		var placed map[string]json.RawMessage
		if err := json.Unmarshal(body, &placed); st != http.StatusCreated || err != nil || string(placed["total"]) != "136.00" || len(placed) != 2 || string(placed["id"]) == "" {
			t.Errorf("order: %d %s", st, body)
		}
		if st := e.Do("", "GET", "/api/v1/shop/products?limit=0", nil, nil); st != http.StatusUnprocessableEntity {
			t.Errorf("limit=0: %d", st)
		}
		// The page: more than the stock keeps what was typed, with the error.
		st, page := e.Form("", fmt.Sprintf("/shop/products/%d?lang=en", p.ID), url.Values{"quantity": {"5"}, "name": {"Zhang San"}, "phone": {"13800138000"}, "address": {"1 Bole Road"}})
		if st != http.StatusConflict || !strings.Contains(string(page), "This product is sold out.") || !strings.Contains(string(page), `value="Zhang San"`) ||
			!strings.Contains(string(page), "1 Bole Road</textarea>") {
			t.Errorf("order page over stock: %d %s", st, page)
		}
		if st, _ := e.Form("", "/shop/products/424242", url.Values{"quantity": {"1"}}); st != http.StatusNotFound {
			t.Errorf("missing product: %d", st)
		}
	})
}

// TestArtisanPicker: district staff find a registered person with the
// picker and make them an artisan; a person out of their scope is refused
// as a missing one.
func TestArtisanPicker(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		st, body := e.Form("district", "/shop/staff/artisans/new", url.Values{"person_id_q": {"测试1"}, "person_id_find": {"1"}, "region": {"jiading"}, "craft": {"黄草编织"}})
		if st != http.StatusOK || !strings.Contains(string(body), fmt.Sprintf(`value="%d"`, e.In)) {
			t.Fatalf("search: %d %s", st, body)
		}
		st, body = e.Form("district", "/shop/staff/artisans/new", url.Values{"person_id": {fmt.Sprint(e.Out)}, "region": {"jiading"}, "craft": {"黄草编织"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(string(body), "e-person_id") {
			t.Errorf("out of scope: %d %s", st, body)
		}
		if st, body := e.Form("district", "/shop/staff/artisans/new", url.Values{"person_id": {fmt.Sprint(e.In)}, "region": {"jiading"}, "craft": {"黄草编织"}}); st != http.StatusSeeOther {
			t.Fatalf("create: %d %s", st, body)
		}
		var person int64
		if err := e.App.DB.QueryRow(context.Background(), `SELECT person_id FROM shop_artisans`).Scan(&person); err != nil || person != e.In {
			t.Errorf("artisan's person %d %v", person, err)
		}
	})
}
