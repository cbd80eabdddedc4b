package shop

import (
	"encoding/json"
	"net/http"
	"strconv"

	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/web"
)

// API is the public JSON API of the shop (CONTRACT.md "Shop").
type API struct{ *Store }

// Routes registers the API.
func (s API) Routes(rt *web.Router) {
	rt.Handle("GET /api/v1/shop/products", web.PublicAccess, s.apiProducts, web.Types{Out: web.List[APIProduct]{}})
	rt.Handle("POST /api/v1/shop/orders", web.PublicAccess, s.apiOrder, web.Types{In: OrderInput{}, Out: APIPlaced{}, Status: http.StatusCreated})
}

// APIProduct is a product of the public list: the price in yuan as a
// number with two decimals; the artisans' names only with their consent
// (else "").
type APIProduct struct {
	ID       int64        `json:"id"`
	Title    string       `json:"title"`
	Price    json.Number  `json:"price"`
	Stock    int          `json:"stock"`
	Artisans []APIArtisan `json:"artisans"`
}

// APIArtisan is an artisan of a product: name and region code.
type APIArtisan struct {
	Name string `json:"name"`
	// Region is where the artisan lives, in words of the request's
	// language (嘉定, 楚雄…); RegionCode is its code (jiading, chuxiong, other).
	Region     string `json:"region"`
	RegionCode string `json:"region_code"`
}

// APIPlaced is the answer to an order: its number and total in yuan.
type APIPlaced struct {
	ID    int64       `json:"id"`
	Total json.Number `json:"total"`
}

// Yuan says cents as a JSON number of yuan with two decimals.
func Yuan(cents int64) json.Number { return json.Number(money.Yuan(cents)) }

func (s API) apiProducts(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	limit, cursor, err := web.Paging(r)
	if err != nil {
		return err
	}
	var after int64
	if cursor != "" {
		if after, err = strconv.ParseInt(cursor, 10, 64); err != nil || after <= 0 {
			return apperr.Validation(apperr.Field("cursor", "invalid", "cursor 无效。", "The cursor is not valid."))
		}
	}
	q := r.URL.Query()
	if len([]rune(q.Get("q"))) > MaxQuery {
		return apperr.Validation(apperr.Field("q", "too_long", "搜索词过长。", "The search is too long."))
	}
	list, err := s.PublicProducts(r.Context(), Filter{Query: q.Get("q"), Category: q.Get("category"), After: after, Limit: limit + 1})
	if err != nil {
		return err
	}
	var next int64
	if len(list) > limit {
		list = list[:limit]
		next = list[limit-1].ID
	}
	lang := web.Lang(r)
	out := make([]APIProduct, 0, len(list))
	for _, p := range list {
		ap := APIProduct{ID: p.ID, Title: p.Label(lang), Price: Yuan(p.Price), Stock: p.Stock, Artisans: []APIArtisan{}}
		for _, a := range p.Artisans {
			ap.Artisans = append(ap.Artisans, APIArtisan{Name: a.Name, Region: WordOf(Regions, a.Region).In(lang), RegionCode: a.Region})
		}
		out = append(out, ap)
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(out, next))
}

// Buyer is the audit actor of an order of the public.
func buyerActor(r *http.Request) audit.Actor {
	return audit.Actor{Username: "public", Role: "buyer", Client: web.ClientAddr(r)}
}

func (s API) apiOrder(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	var in OrderInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	o, err := s.PlaceOrder(r.Context(), buyerActor(r), in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, APIPlaced{ID: o.ID, Total: Yuan(o.Total)})
}
