package federation

import (
	"context"
	"net/http"
	"time"

	"sunshine/internal/platform/web"
)

// Service is the federation module: the store, the client that calls the
// partners, and what it needs of the other modules (the app wires them).
type Service struct {
	Store  *Store
	Client *Client
	// Local gives the home district's figures (internal/indicators).
	Local Local
	// Cases counts the cases of a district's subtree by service type:
	// opened and closed in [from, to), open now (internal/casework).
	Cases func(ctx context.Context, district string, from, to time.Time, lang string) ([]Count, error)
	// Format writes an indicator's value (internal/indicators.Format).
	Format func(code string, v *float64, suppressed bool, lang string) (string, bool)
	// Version is this installation's version (shown to partners).
	Version string
}

// Overview is the federation's figures of a year as the caller p may see them.
func (s *Service) Overview(r *http.Request, p *web.Principal, year int, lang string) (Overview, error) {
	return s.Client.Indicators(r.Context(), s.Local, year, lang, p.Role)
}

// Volume is a service type's cases of a year in the home district: opened
// in the year, closed in it, and open now. Counts of 1 to 4 are not shown
// to partners (null), as the indicators' small cells.
type Volume struct {
	ServiceType string `json:"service_type"`
	Name        string `json:"name"`
	Opened      *int64 `json:"opened"`
	Closed      *int64 `json:"closed"`
	Open        *int64 `json:"open"`
}

// Count is a service type's counts (Cases gives them).
type Count struct {
	ServiceType, Name    string
	Opened, Closed, Open int
}

// Volumes is the home district's service volumes of a year.
type Volumes struct {
	District string   `json:"district"`
	Year     int      `json:"year"`
	Items    []Volume `json:"items"`
}

// minCell is the smallest count shown (the indicators' MinCell).
const minCell = 5

func shown(n int) *int64 {
	if n > 0 && n < minCell {
		return nil
	}
	v := int64(n)
	return &v
}

// Volumes gives the home district's service volumes of a year.
func (s *Service) Volumes(ctx context.Context, year int, lang string) (Volumes, error) {
	counts, err := s.Cases(ctx, s.Store.Home, yearStart(year), yearStart(year+1), lang)
	if err != nil {
		return Volumes{}, err
	}
	out := Volumes{District: s.Store.Home, Year: year, Items: []Volume{}}
	for _, c := range counts {
		out.Items = append(out.Items, Volume{ServiceType: c.ServiceType, Name: c.Name, Opened: shown(c.Opened), Closed: shown(c.Closed), Open: shown(c.Open)})
	}
	return out, nil
}

// china is the time zone in which a year begins.
var china = time.FixedZone("CST", 8*3600)

func yearStart(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, china) }
