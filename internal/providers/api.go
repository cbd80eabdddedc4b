package providers

import (
	"fmt"
	"net/http"

	"sunshine/internal/access"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

var (
	// keepers register providers and contracts: the district's staff.
	keepers = web.Roles(identity.DistrictStaff)
	// assigners put cases of their scope under a contract.
	assigners = web.Roles(identity.DistrictStaff, identity.TownStaff)
	// readers see the organisations and the contracts of their view (a
	// provider's worker: its own).
	readers = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.Provider)
)

// API is the JSON API of purchased services (CONTRACT.md "Providers and
// purchased services").
type API struct{ *Store }

// Routes registers the API.
func (s API) Routes(rt *web.Router) {
	rt.Handle("POST /api/v1/providers", keepers, s.apiCreateProvider, web.Types{In: ProviderInput{}, Out: Provider{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/providers", readers, s.apiProviders, web.Types{Out: web.List[Provider]{}})
	rt.Handle("GET /api/v1/providers/{id}", readers, s.apiProvider, web.Types{Out: Provider{}})
	rt.Handle("POST /api/v1/contracts", keepers, s.apiCreateContract, web.Types{In: ContractInput{}, Out: Contract{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/contracts", readers, s.apiContracts, web.Types{Out: web.List[Contract]{}})
	rt.Handle("GET /api/v1/contracts/{id}", readers, s.apiContract, web.Types{Out: Contract{}})
	rt.Handle("POST /api/v1/cases/{id}/assign", assigners, s.apiAssign, web.Types{In: AssignInput{}, Out: casework.Case{}})
	s.milestoneRoutes(rt)
	s.evaluationRoutes(rt)
	s.microRoutes(rt)
}

func (s API) apiCreateProvider(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in ProviderInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.CreateProvider(r.Context(), access.Of(r, p), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/providers/%d", out.ID))
	return web.JSON(w, http.StatusCreated, out)
}

func (s API) apiProviders(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	list, err := s.Providers(r.Context(), access.Of(r, p))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.List[Provider]{Items: list})
}

func (s API) apiProvider(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, providerNotFound())
	if err != nil {
		return err
	}
	out, err := s.Provider(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiCreateContract(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in ContractInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.CreateContract(r.Context(), access.Of(r, p), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/contracts/%d", out.ID))
	return web.JSON(w, http.StatusCreated, out)
}

func (s API) apiContracts(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	year, err := web.IntParam("year", r.URL.Query().Get("year"))
	if err != nil {
		return err
	}
	list, err := s.Contracts(r.Context(), access.Of(r, p), int(year))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.List[Contract]{Items: list})
}

func (s API) apiContract(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, contractNotFound())
	if err != nil {
		return err
	}
	out, err := s.Contract(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiAssign(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, apperr.ErrNotFound())
	if err != nil {
		return err
	}
	var in AssignInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.Assign(r.Context(), access.Of(r, p), id, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}
