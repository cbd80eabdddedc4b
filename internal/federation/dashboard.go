package federation

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Figure is one indicator's figure as the indicators API gives it
// (CONTRACT.md "Indicators"): a partner's, the home district's, or the total.
type Figure struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	Numerator   *int64   `json:"numerator"`
	Denominator *int64   `json:"denominator"`
	Value       *float64 `json:"value"`
	Target      *float64 `json:"target"`
	Met         *bool    `json:"met"`
	// Suppressed: the partner did not show the figure (too few persons).
	Suppressed bool `json:"suppressed"`
	// Partial (the total only): some district that answered gave no usable
	// figure for it (suppressed or missing), so the total leaves it out.
	Partial bool `json:"partial,omitempty"`
}

// Figures is a district's answer to GET /api/v1/indicators.
type Figures struct {
	OrgUnit string   `json:"orgunit"`
	Year    int      `json:"year"`
	Items   []Figure `json:"items"`
}

// District is one district's entry of the federation's figures.
type District struct {
	District string   `json:"district"`
	Name     string   `json:"name"`
	Home     bool     `json:"home,omitempty"`
	Items    []Figure `json:"items"`
	// Error says why the partner did not answer at the time of the call;
	// Items are then empty, or the last good answer (Cached) from FetchedAt.
	Error     string    `json:"error,omitempty"`
	Cached    bool      `json:"cached,omitempty"`
	FetchedAt time.Time `json:"fetched_at,omitzero"`
	// AgeSeconds is how old a cached answer is.
	AgeSeconds int64 `json:"age_seconds,omitempty"`
}

// Overview is the federation's indicators of a year: every district's,
// home first, and the total of those that answered.
type Overview struct {
	Year  int        `json:"year"`
	Items []District `json:"items"`
	Total []Figure   `json:"total"`
}

// Local gives the home district's own figures of a year, in a language, as
// a role may see them.
type Local func(ctx context.Context, district string, year int, lang, role string) ([]Figure, error)

// Indicators gathers the figures of the home district (local) and of every
// partner in use (their indicators API, called at once, each within the
// client's wait), and sums those that answered.
func (c *Client) Indicators(ctx context.Context, local Local, year int, lang, role string) (Overview, error) {
	s := c.Store
	home, err := local(ctx, s.Home, year, lang, role)
	if err != nil {
		return Overview{}, fmt.Errorf("home figures: %w", err)
	}
	peers, err := s.Peers(ctx, false)
	if err != nil {
		return Overview{}, err
	}
	out := Overview{Year: year, Items: make([]District, 1+len(peers))}
	out.Items[0] = District{District: s.Home, Name: s.unitLabel(ctx, s.Home, lang), Home: true, Items: home, FetchedAt: s.db.Now()}
	var wg sync.WaitGroup
	for i, p := range peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var f Figures
			got := c.GetCached(ctx, p, fmt.Sprintf("/api/v1/indicators?orgunit=%s&year=%d", p.District, year), &f)
			d := District{District: p.District, Name: p.Name, Items: f.Items, FetchedAt: got.FetchedAt}
			if got.Err != nil {
				d.Error = errText(got.Err, lang)
				d.Cached = got.Body != nil
				if d.Cached {
					d.AgeSeconds = int64(s.db.Now().Sub(got.FetchedAt).Seconds())
				}
			} else if f.Year != year || f.OrgUnit != p.District {
				d.Items, d.Error = nil, errText(errPartner(p.Name, "返回的不是所请求的区县或年份。", "answered for another district or year."), lang)
			}
			if d.Items == nil {
				d.Items = []Figure{}
			}
			out.Items[i+1] = d
		}()
	}
	wg.Wait()
	out.Total = total(out.Items, home)
	return out, nil
}

// total sums the figures of the districts that answered at the time of the
// call (not the cached ones), indicator by indicator in the home's order:
// numerators and denominators add up, and the value is formed again (a
// rate or mean: numerator / denominator; a count: the numerator). A total
// has no target: each district has its own plan.
func total(ds []District, home []Figure) []Figure {
	out := make([]Figure, 0, len(home))
	for _, h := range home {
		t := Figure{Code: h.Code, Name: h.Name}
		var num, den int64
		hasDen := false
		for _, d := range ds {
			if d.Error != "" {
				continue
			}
			f, ok := figureOf(d.Items, h.Code)
			if !ok || f.Suppressed || f.Numerator == nil {
				t.Partial = true
				continue
			}
			num += *f.Numerator
			if f.Denominator != nil {
				hasDen = true
				den += *f.Denominator
			}
		}
		t.Numerator = &num
		switch {
		case hasDen:
			t.Denominator = &den
			if den > 0 {
				v := float64(num) / float64(den)
				t.Value = &v
			}
		case h.Denominator == nil && !h.Suppressed:
			v := float64(num)
			t.Value = &v
		}
		out = append(out, t)
	}
	return out
}

func figureOf(items []Figure, code string) (Figure, bool) {
	for _, f := range items {
		if f.Code == code {
			return f, true
		}
	}
	return Figure{}, false
}

// DistrictVolumes is one district's service volumes in the federation's.
type DistrictVolumes struct {
	District string   `json:"district"`
	Name     string   `json:"name"`
	Items    []Volume `json:"items"`
	Error    string   `json:"error,omitempty"`
	Cached   bool     `json:"cached,omitempty"`
}

// Services is every district's service volumes of a year, home first.
type Services struct {
	Year  int               `json:"year"`
	Items []DistrictVolumes `json:"items"`
}

// Services gathers the service volumes of the home district and of every
// partner in use (their /api/v1/federation/volumes, at once, each within
// the wait; a partner that does not answer: its error, and its cached
// answer when there is one).
func (s *Service) Services(ctx context.Context, year int, lang string) (Services, error) {
	home, err := s.Volumes(ctx, year, lang)
	if err != nil {
		return Services{}, err
	}
	peers, err := s.Store.Peers(ctx, false)
	if err != nil {
		return Services{}, err
	}
	out := Services{Year: year, Items: make([]DistrictVolumes, 1+len(peers))}
	out.Items[0] = DistrictVolumes{District: s.Store.Home, Name: s.Store.unitLabel(ctx, s.Store.Home, lang), Items: home.Items}
	var wg sync.WaitGroup
	for i, p := range peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var v Volumes
			got := s.Client.GetCached(ctx, p, fmt.Sprintf("/api/v1/federation/volumes?year=%d", year), &v)
			d := DistrictVolumes{District: p.District, Name: p.Name, Items: v.Items}
			if got.Err != nil {
				d.Error, d.Cached = errText(got.Err, lang), got.Body != nil
			} else if v.District != p.District || v.Year != year {
				d.Items, d.Error = nil, errText(errPartner(p.Name, "返回的不是所请求的区县或年份。", "answered for another district or year."), lang)
			}
			if d.Items == nil {
				d.Items = []Volume{}
			}
			out.Items[i+1] = d
		}()
	}
	wg.Wait()
	return out, nil
}
