package benefits

import (
	"net/http"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/web"
)

// API is the JSON API of the module over its store.
type API struct{ *Store }

var (
	// readers: staff whose scope holds the person, and the person themself.
	readers = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person)
	// keepers read and add rule versions.
	keepers = web.Roles(identity.DistrictStaff)
)

// Routes registers the benefits API.
func (s API) Routes(rt *web.Router) {
	rt.Handle("GET /api/v1/persons/{id}/benefits", readers, s.apiDecision, web.Types{Out: Answer{}})
	rt.Handle("GET /api/v1/benefit-rules", keepers, s.apiRules, web.Types{Out: web.List[Rule]{}})
	rt.Handle("POST /api/v1/benefit-rules", keepers, s.apiAddRule, web.Types{In: RuleInput{}, Out: Rule{}})
	s.rosterRoutes(rt)
}

// Answer is the decision as the API gives it (CONTRACT: Benefits).
type Answer struct {
	Month string       `json:"month"`
	Items []AnswerItem `json:"items"`
}

// AnswerItem is the decision on one benefit; Amount is yuan with two
// decimals ("450.00", "0.00" when not eligible).
type AnswerItem struct {
	Benefit  string   `json:"benefit"`
	Eligible bool     `json:"eligible"`
	Amount   string   `json:"amount"`
	Rule     string   `json:"rule"`
	Reasons  []string `json:"reasons"`
}

// AnswerOf puts a decision in lang.
func AnswerOf(d Decision, lang string) Answer {
	a := Answer{Month: d.Month, Items: []AnswerItem{}}
	for _, it := range d.Items {
		x := AnswerItem{Benefit: it.Benefit, Eligible: it.Eligible, Amount: money.Yuan(it.AmountCents), Rule: it.Rule, Reasons: []string{}}
		for _, r := range it.Reasons {
			x.Reasons = append(x.Reasons, r.In(lang))
		}
		a.Items = append(a.Items, x)
	}
	return a
}

// monthOf reads ?month= (default: the current month) and validates it.
func (s *Store) monthOf(r *http.Request) (string, error) {
	cur := s.CurrentMonth()
	m := r.URL.Query().Get("month")
	if !r.URL.Query().Has("month") {
		return cur, nil
	}
	return m, CheckMonth("month", m, cur)
}

func personID(r *http.Request) (int64, error) {
	return web.PathID(r, apperr.ErrNotFound())
}

func (s API) apiDecision(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	month, err := s.monthOf(r)
	if err != nil {
		return err
	}
	d, err := s.Explain(r.Context(), access.Of(r, p), id, month, true)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, AnswerOf(d, web.Lang(r)))
}

func (s API) apiRules(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	all, err := s.Versions(r.Context())
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.List[Rule]{Items: all, Total: len(all)})
}

func (s API) apiAddRule(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in RuleInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	rule, err := s.AddVersion(r.Context(), access.Of(r, p).Actor, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, rule)
}
