package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/federation"
	"sunshine/internal/indicators"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/web"
)

// federation builds the federation module of the home district: the home
// figures come from the indicators, the service volumes from the cases.
func (a *App) federation(home, version string) *federation.Service {
	st := federation.NewStore(a.DB, a.Vault, a.Units, a.Users, home)
	return &federation.Service{
		Store:   st,
		Client:  &federation.Client{Store: st},
		Version: version,
		Format:  indicators.Format,
		Local: func(ctx context.Context, district string, year int, lang, role string) ([]federation.Figure, error) {
			res, err := a.Indicators.ForRole(ctx, district, year, lang, role)
			if err != nil {
				return nil, err
			}
			// The same JSON as the indicators API answers partners.
			b, err := json.Marshal(res.Items)
			if err != nil {
				return nil, fmt.Errorf("home figures: %w", err)
			}
			var out []federation.Figure
			if err := json.Unmarshal(b, &out); err != nil {
				return nil, fmt.Errorf("home figures: %w", err)
			}
			return out, nil
		},
		Cases: func(ctx context.Context, district string, from, to time.Time, lang string) ([]federation.Count, error) {
			c := access.Caller{Actor: audit.Actor{Username: "federation", Role: "system"}, Scope: orgunit.ScopeOf(district)}
			vs, err := a.Cases.Volumes(ctx, c, from, to, lang)
			if err != nil {
				return nil, err
			}
			out := make([]federation.Count, 0, len(vs))
			for _, v := range vs {
				out = append(out, federation.Count{ServiceType: v.ServiceType, Name: v.Name, Opened: v.Opened, Closed: v.Closed, Open: v.Open})
			}
			return out, nil
		},
	}
}

// authenticateSigned settles a partner installation's signed call
// (web.Router.Request): its principal is the peer account of the key,
// standing for the partner district the key was issued for.
func (a *App) authenticateSigned(r *http.Request) (*web.Principal, bool, error) {
	c, handled, err := a.Federation.Store.Authenticate(r)
	if !handled || err != nil {
		return nil, handled, err
	}
	p := a.principalOf(c.User, "", time.Time{})
	p.Peer = c.District
	return p, true, nil
}
