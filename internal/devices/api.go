package devices

import (
	"net/http"
	"slices"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// API is the JSON API of the module over its store: the handlers live on
// it, so the store itself never sees HTTP.
type API struct{ *Store }

var (
	viewers = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Provider, identity.Person)
	keepers = web.Roles(identity.DistrictStaff, identity.TownStaff)
	stockRd = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.Provider)
	loanRd  = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Provider, identity.Person)
)

// Routes registers the devices API.
func (s API) Routes(rt *web.Router) {
	rt.Handle("GET /api/v1/devices/catalogue", viewers, s.apiCatalogue, web.Types{Out: web.Items[Product]{}})
	rt.Handle("GET /api/v1/devices/service-points", stockRd, s.apiPoints, web.Types{Out: web.Items[ServicePoint]{}})
	rt.Handle("GET /api/v1/devices/stock", stockRd, s.apiStock, web.Types{Out: StockList{}})
	rt.Handle("POST /api/v1/devices/stock", keepers, s.apiMove, web.Types{In: MoveInput{}, Out: Moved{}})
	rt.Handle("GET /api/v1/devices/loans", loanRd, s.apiLoans, web.Types{Out: LoanCard{}})
}

// apiCatalogue lists the catalogue; ?category=1…6 keeps what suits that
// disability category (7, multiple, keeps all: its components vary).
func (s API) apiCatalogue(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	items, err := s.Products(r.Context())
	if err != nil {
		return err
	}
	if raw := r.URL.Query().Get("category"); raw != "" {
		cat, err := strconv.Atoi(raw)
		if err != nil || cat < 1 || cat > 7 {
			return apperr.Validation(apperr.Field("category", "invalid", "残疾类别应为 1 到 7。", "The category must be from 1 to 7."))
		}
		if cat != 7 {
			items = slices.DeleteFunc(items, func(pr Product) bool { return !Suits(pr.Code, []int{cat}) })
		}
	}
	if web.Lang(r) == "en" {
		for i := range items {
			items[i].Name = items[i].NameEn
		}
	}
	return web.JSON(w, http.StatusOK, web.Items[Product]{Items: items})
}

func (s API) apiPoints(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	items, err := s.Points(r.Context(), orgunit.ScopeOf(p.OrgUnit))
	if err != nil {
		return err
	}
	if items == nil {
		items = []ServicePoint{}
	}
	return web.JSON(w, http.StatusOK, web.Items[ServicePoint]{Items: items})
}

func pointParam(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Validation(apperr.Field("service_point", "invalid", "请指定服务点编号。", "Give the service point's id."))
	}
	return id, nil
}

func (s API) apiStock(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pointParam(r.URL.Query().Get("service_point"))
	if err != nil {
		return err
	}
	items, err := s.Stock(r.Context(), orgunit.ScopeOf(p.OrgUnit), id, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, StockList{ServicePoint: id, Items: items})
}

// StockList is the stock of a service point, as the API answers it.
type StockList struct {
	ServicePoint int64       `json:"service_point"`
	Items        []StockItem `json:"items"`
}

// Moved is a stock move as the API answers it: what was moved and the
// stock left at the point.
type Moved struct {
	Kind         string `json:"kind" enum:"receipt,adjustment"`
	ServicePoint int64  `json:"service_point"`
	Code         string `json:"code"`
	Quantity     int    `json:"quantity"`
	Stock        int    `json:"stock"`
}

// LoanCard is a person's loans, as the API answers it.
type LoanCard struct {
	PersonID int64  `json:"person_id"`
	Items    []Loan `json:"items"`
}

// MoveInput is the body of POST /api/v1/devices/stock: a quantity of a
// catalogue product received at a service point (positive) or taken off
// its stock (negative, with a note saying why).
type MoveInput struct {
	ServicePoint int64  `json:"service_point"`
	Code         string `json:"code"`
	Quantity     int    `json:"quantity"`
	Note         string `json:"note,omitempty"`
}

func (s API) apiMove(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in MoveInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	// A town keeps its own point's stock; the district keeps every point of the district.
	left, err := s.Move(r.Context(), orgunit.ScopeOf(p.OrgUnit), access.Of(r, p).Actor, in.ServicePoint, in.Code, in.Quantity, in.Note)
	if err != nil {
		return err
	}
	kind := "receipt"
	if in.Quantity < 0 {
		kind = "adjustment"
	}
	return web.JSON(w, http.StatusOK, Moved{Kind: kind, ServicePoint: in.ServicePoint, Code: in.Code, Quantity: in.Quantity, Stock: left})
}

func (s API) apiLoans(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	c := access.Of(r, p)
	pid, err := web.IntParam("person_id", r.URL.Query().Get("person_id"))
	if err != nil {
		return err
	}
	if p.Role == identity.Person {
		pid = c.PersonID
	}
	items, err := s.Loans(r.Context(), c, pid, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, LoanCard{PersonID: pid, Items: items})
}
