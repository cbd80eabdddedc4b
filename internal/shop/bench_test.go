package shop_test

import (
	"context"
	"fmt"
	"image/color"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/shop"
)

// BenchmarkPublicCatalogue renders the public catalogue (/shop, no
// sign-in) with 1,000 published products of 20 artisans, each with a photo, through the app's
// whole handler (middleware, queries, template) on SQLite.
func BenchmarkPublicCatalogue(b *testing.B) {
	ctx := context.Background()
	d := testkit.SQLite(b)
	a := apptest.New(b, d, now)
	var ids []int64
	for i := range 20 {
		art, err := a.Shop.CreateArtisan(ctx, staff, shop.ArtisanInput{Name: fmt.Sprintf("匠人%d", i), Region: []string{"jiading", "chuxiong"}[i%2], Craft: "彝绣",
			Story: strings.Repeat("一针一线绣出山里的花。", 10), Consent: i%3 != 0})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, art.ID)
	}
	tile := shop.DemoPNG(64, 48, 1, color.NRGBA{0xB2, 0x22, 0x3A, 0xFF})
	var first int64
	for i := range 1000 {
		p, err := a.Shop.CreateProduct(ctx, staff, shop.ProductInput{Title: fmt.Sprintf("彝绣零钱包 %d 号", i), TitleEn: fmt.Sprintf("Yi purse no. %d", i), Category: "embroidery",
			Description: "楚雄彝族传统马缨花纹样。", Price: int64(1000 + i), Stock: i % 7, Published: true,
			Shares: []shop.Share{{ArtisanID: ids[i%20], BP: 6000}, {ArtisanID: ids[(i+1)%20], BP: 4000}}})
		if err != nil {
			b.Fatal(err)
		}
		if first == 0 {
			first = p.ID
		}
		if _, err := a.Shop.AddProductPhoto(ctx, staff, p.ID, shop.PhotoInput{Data: tile, Alt: "彝绣零钱包"}); err != nil {
			b.Fatal(err)
		}
	}
	h := a.Handler()
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w
	}
	// The catalogue of 1,000 products shows them a page at a time.
	if w := get("/shop?lang=en"); w.Code != http.StatusOK || strings.Count(w.Body.String(), `href="/shop/products/`) != shop.CataloguePage ||
		!strings.Contains(w.Body.String(), "Products (1000)") || !strings.Contains(w.Body.String(), "Page 1 of 21") {
		b.Fatalf("status %d, %d products", w.Code, strings.Count(w.Body.String(), `href="/shop/products/`))
	}
	// The baseline of the same run: the sign-in page through the same
	// handler (middleware, layout, no query of the shop).
	for _, c := range []struct{ name, path string }{{"baseline_login", "/login?lang=en"}, {"catalogue1000", "/shop?lang=en"}, {"catalogue1000_page21", "/shop?lang=en&page=21"},
		{"search1000", "/shop?lang=en&q=purse&category=embroidery"},
		{"product", fmt.Sprintf("/shop/products/%d?lang=en", first)}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if w := get(c.path); w.Code != http.StatusOK {
					b.Fatal(c.path, w.Code)
				}
			}
		})
	}
}
