package shop_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/shop"
)

// TestCataloguePages: the catalogue shows CataloguePage products a page,
// newest first, says which page of how many, links the others keeping the
// search, and takes a page number out of range as the first page. Both
// engines (the list is paged in SQL).
func TestCataloguePages(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a := apptest.New(t, d, now)
		_, weaver, _ := artisans(t, a)
		n := shop.CataloguePage + 2
		var ids []int64
		for range n {
			ids = append(ids, product(t, a, 1000, 1, shop.Share{ArtisanID: weaver, BP: 10000}).ID)
		}
		h := a.Handler()
		get := func(path string) string {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
			if w.Code != 200 {
				t.Fatalf("%s: %d", path, w.Code)
			}
			return w.Body.String()
		}
		links := func(body string) int { return strings.Count(body, `<h3><a href="/shop/products/`) }
		first := get("/shop?lang=en")
		if links(first) != shop.CataloguePage || !strings.Contains(first, "Products (50)") || !strings.Contains(first, "Page 1 of 2") ||
			!strings.Contains(first, `href="/shop?page=2#list-title" rel="next"`) || strings.Contains(first, `rel="prev"`) {
			t.Errorf("page 1: %d products", links(first))
		}
		if !strings.Contains(first, `/shop/products/`+strconv.FormatInt(ids[n-1], 10)+`"`) {
			t.Error("page 1 does not start with the newest product")
		}
		second := get("/shop?lang=en&page=2")
		if links(second) != 2 || !strings.Contains(second, `rel="prev"`) || !strings.Contains(second, `/shop/products/`+strconv.FormatInt(ids[0], 10)+`"`) {
			t.Errorf("page 2: %d products", links(second))
		}
		if out := get("/shop?lang=en&page=99"); !strings.Contains(out, "Page 1 of 2") {
			t.Error("a page out of range is not the first")
		}
		if s := get("/shop?lang=en&q=%E6%89%8B%E6%8F%90&category=straw&page=2"); links(s) != 2 ||
			!strings.Contains(s, `href="/shop?category=straw&amp;q=%E6%89%8B%E6%8F%90#list-title" rel="prev"`) {
			t.Errorf("a search's second page: %d products", links(s))
		}
	})
}
