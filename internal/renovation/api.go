package renovation

import (
	"net/http"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/web"
)

// API is the JSON API of the module over its store: the handlers live on
// it, so the store itself never sees HTTP.
type API struct{ *Store }

// budgetRoles may read and set the budget.
var budgetRoles = web.Roles(identity.DistrictStaff)

// Routes registers the budget API.
func (s API) Routes(rt *web.Router) {
	rt.Handle("GET /api/v1/renovation/budget", budgetRoles, s.apiBudget, web.Types{Out: Overview{}})
	rt.Handle("PUT /api/v1/renovation/budget", budgetRoles, s.apiSetBudget, web.Types{In: BudgetInput{}, Out: Budget{}})
}

func (s API) apiBudget(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q := r.URL.Query()
	unit := q.Get("orgunit")
	if unit == "" {
		unit = district(p.OrgUnit)
	}
	year, err := strconv.Atoi(q.Get("year"))
	if err != nil {
		year = s.db.Now().In(shanghai).Year()
	}
	o, err := s.OverviewOf(r.Context(), orgunit.ScopeOf(p.OrgUnit), unit, year)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, o)
}

// BudgetInput is the body of PUT /api/v1/renovation/budget: a district's
// budget for a year, in cents (left out: 0). The district defaults to the
// caller's.
type BudgetInput struct {
	OrgUnit     string `json:"orgunit,omitempty"`
	Year        int    `json:"year"`
	BudgetCents int64  `json:"budget_cents,omitempty"`
}

func (s API) apiSetBudget(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in BudgetInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	if in.OrgUnit == "" {
		in.OrgUnit = district(p.OrgUnit)
	}
	b, err := s.SetBudget(r.Context(), orgunit.ScopeOf(p.OrgUnit), access.Of(r, p).Actor, in.OrgUnit, in.Year, in.BudgetCents)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, b)
}
