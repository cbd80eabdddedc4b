package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/events"
	"sunshine/internal/federation"
	"sunshine/internal/indicators"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/web"
	"sunshine/internal/transfers"
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

// partnersOf lists the partners the federation calls, as another module's
// Partner values.
func partnersOf[P any](ctx context.Context, f *federation.Service, mk func(district, name string) P) ([]P, error) {
	peers, err := f.Store.Peers(ctx, false)
	if err != nil {
		return nil, err
	}
	out := make([]P, 0, len(peers))
	for _, p := range peers {
		out = append(out, mk(p.District, p.Name))
	}
	return out, nil
}

// eventPartners are the federation's partners as the events see them.
type eventPartners struct{ f *federation.Service }

func (e eventPartners) Partners(ctx context.Context) ([]events.Partner, error) {
	return partnersOf(ctx, e.f, func(d, n string) events.Partner { return events.Partner{District: d, Name: n} })
}

func (e eventPartners) Get(ctx context.Context, district, pathQuery string, out any) error {
	return e.f.Client.Get(ctx, district, pathQuery, out)
}

// transferPartners are the federation's partners as the transfers see
// them: calls, and the sealing of packages with the key shared with each.
type transferPartners struct{ f *federation.Service }

func (t transferPartners) Partners(ctx context.Context) ([]transfers.Partner, error) {
	return partnersOf(ctx, t.f, func(d, n string) transfers.Partner { return transfers.Partner{District: d, Name: n} })
}

func (t transferPartners) Get(ctx context.Context, district, pathQuery string, out any) error {
	return t.f.Client.Get(ctx, district, pathQuery, out)
}

func (t transferPartners) Seal(ctx context.Context, district string, aad, plain []byte) (string, []byte, error) {
	return t.f.Store.Seal(ctx, district, aad, plain)
}

func (t transferPartners) Open(ctx context.Context, keyID string, aad, sealed []byte) (string, []byte, error) {
	return t.f.Store.Open(ctx, keyID, aad, sealed)
}
