package benefits

import (
	"net/http"

	"sunshine/internal/access"
	"sunshine/internal/platform/web"
)

// SimulateRoutes registers the simulation API: district staff (their scope
// is the whole district) try a draft of rules before saving it.
func (s API) SimulateRoutes(rt *web.Router) {
	rt.Handle("POST /api/v1/benefit-rules/simulate", keepers, s.apiSimulate, web.Types{In: SimDraft{}, Out: Simulation{}})
}

func (s API) apiSimulate(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var d SimDraft
	if err := web.Decode(w, r, &d); err != nil {
		return err
	}
	sim, err := s.Simulate(r.Context(), access.Of(r, p), d)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, sim)
}
