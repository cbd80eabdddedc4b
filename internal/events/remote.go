package events

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// What the partners' installations are asked, and what this one answers
// them (peer accounts; no personal data in these answers, ever).
var (
	// sharedReaders list this installation's shared events: partners'
	// installations, and district and town staff.
	sharedReaders = web.Roles(identity.Peer, identity.DistrictStaff, identity.TownStaff)
	// peerOnly is what only a partner's installation asks.
	peerOnly = web.Roles(identity.Peer)
)

// PartnerCount is how many residents of a partner district registered for
// and attended one of this installation's shared events, as the partner's
// installation answered (Error: why it did not).
type PartnerCount struct {
	District   string `json:"district"`
	Name       string `json:"name"`
	Registered int    `json:"registered"`
	Attended   int    `json:"attended"`
	Error      string `json:"error,omitempty"`
}

// partnerList lists the partners (none without Partners).
func (s *Store) partnerList(ctx context.Context) ([]Partner, error) {
	if s.Partners == nil {
		return nil, nil
	}
	list, err := s.Partners.Partners(ctx)
	if err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	return list, nil
}

// partner finds a partner by its district code (404 when none).
func (s *Store) partner(ctx context.Context, district string) (Partner, error) {
	list, err := s.partnerList(ctx)
	if err != nil {
		return Partner{}, err
	}
	for _, p := range list {
		if p.District == district {
			return p, nil
		}
	}
	return Partner{}, notFound()
}

// why says in a language why a partner's call failed.
func why(err error, lang string) string {
	if e, ok := apperr.As(err); ok {
		return e.Msg.In(lang)
	}
	return apperr.T("对方系统没有应答。", "The partner's installation does not answer.").In(lang)
}

// fetchShared asks a partner's installation for its shared events (of a
// year, or the one with id), keeping only sound ones.
func (s *Store) fetchShared(ctx context.Context, district string, year int, id int64) ([]SharedEvent, error) {
	q := "/api/v1/federation/events?year=" + strconv.Itoa(year)
	if id != 0 {
		q = "/api/v1/federation/events?id=" + strconv.FormatInt(id, 10)
	}
	var out web.List[SharedEvent]
	if err := s.Partners.Get(ctx, district, q, &out); err != nil {
		return nil, err
	}
	var list []SharedEvent
	for _, e := range out.Items {
		if len(list) == MaxShared {
			break
		}
		if checkRemote(district, e) == nil && (id == 0 || e.ID == id) {
			e.Title, e.Place, e.OrgUnitName = strings.TrimSpace(e.Title), clipTo(e.Place, MaxPlace), clipTo(e.OrgUnitName, MaxTitle)
			list = append(list, e)
		}
	}
	return list, nil
}

// clipTo shortens a partner's text to at most n characters.
func clipTo(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// partnerEvents is one partner's shared events as its installation
// answered (Error: why it did not).
type partnerEvents struct {
	Partner
	Events []SharedEvent
	Error  string
}

// PartnerEvents fetches every partner's shared events of a year, at once;
// a partner that does not answer is listed with why.
func (s *Store) PartnerEvents(ctx context.Context, year int, lang string) ([]partnerEvents, error) {
	list, err := s.partnerList(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]partnerEvents, len(list))
	var wg sync.WaitGroup
	for i, p := range list {
		out[i].Partner = p
		wg.Add(1)
		go func() {
			defer wg.Done()
			evs, err := s.fetchShared(ctx, p.District, year, 0)
			if err != nil {
				out[i].Error = why(err, lang)
				return
			}
			out[i].Events = evs
		}()
	}
	wg.Wait()
	return out, nil
}

// RemoteEvent fetches one of a partner's shared events: 404 when the
// district is not a partner or the partner has no such shared event; the
// partner's failure (its message) when it does not answer.
func (s *Store) RemoteEvent(ctx context.Context, district string, id int64) (Partner, SharedEvent, error) {
	p, err := s.partner(ctx, district)
	if err != nil {
		return Partner{}, SharedEvent{}, err
	}
	list, err := s.fetchShared(ctx, district, 0, id)
	if err != nil {
		return p, SharedEvent{}, err
	}
	if len(list) == 0 {
		return p, SharedEvent{}, notFound()
	}
	return p, list[0], nil
}

// PartnerCounts asks every partner how many of its residents registered
// for and attended one of this installation's shared events the caller
// sees; a partner that does not answer is listed with why. A shared event
// only: none for others.
func (s *Store) PartnerCounts(ctx context.Context, c access.Caller, eventID int64, lang string) ([]PartnerCount, error) {
	e, err := s.event(ctx, s.db, c, eventID)
	if err != nil {
		return nil, err
	}
	out := []PartnerCount{}
	if !e.Shared {
		return out, nil
	}
	list, err := s.partnerList(ctx)
	if err != nil {
		return nil, err
	}
	out = make([]PartnerCount, len(list))
	var wg sync.WaitGroup
	for i, p := range list {
		out[i] = PartnerCount{District: p.District, Name: p.Name}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ans web.List[EventCount]
			if err := s.Partners.Get(ctx, p.District, "/api/v1/federation/event-counts?year="+e.Date[:4], &ans); err != nil {
				out[i].Error = why(err, lang)
				return
			}
			for _, n := range ans.Items {
				if n.EventID == eventID && n.Registered >= 0 && n.Attended >= 0 && n.Attended <= n.Registered {
					out[i].Registered, out[i].Attended = n.Registered, n.Attended
				}
			}
		}()
	}
	wg.Wait()
	return out, nil
}

// ---- the API partners call, and the counts ----

// FederationRoutes registers the API of the shared events: what partners'
// installations call, and the organiser's counts.
func (s API) FederationRoutes(rt *web.Router) {
	rt.Handle("GET /api/v1/federation/events", sharedReaders, s.apiShared, web.Types{Out: web.List[SharedEvent]{}})
	rt.Handle("GET /api/v1/federation/event-counts", peerOnly, s.apiCounts, web.Types{Out: web.List[EventCount]{}})
	rt.Handle("GET /api/v1/events/{id}/partner-counts", staffRoles, s.apiPartnerCounts, web.Types{Out: PartnerCounts{}})
}

// PartnerCounts is the answer of GET /api/v1/events/{id}/partner-counts.
type PartnerCounts struct {
	Items []PartnerCount `json:"items"`
}

// yearParam reads ?year= (2000..2100).
func yearParam(r *http.Request) (int, error) {
	y, err := strconv.Atoi(strings.TrimSpace(r.URL.Query().Get("year")))
	if err != nil || y < 2000 || y > 2100 {
		return 0, apperr.Validation(apperr.Field("year", "invalid", "year 应为 2000 到 2100 之间的年份。", "year must be a year from 2000 to 2100."))
	}
	return y, nil
}

func (s API) apiShared(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	var year int
	var id int64
	if v := r.URL.Query().Get("id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return apperr.Validation(apperr.Field("id", "invalid", "id 应为正整数。", "id must be a positive whole number."))
		}
		id = n
	} else {
		y, err := yearParam(r)
		if err != nil {
			return err
		}
		year = y
	}
	list, err := s.Shared(r.Context(), year, id, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}

func (s API) apiCounts(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	year, err := yearParam(r)
	if err != nil {
		return err
	}
	if !validDistrict(p.Peer) {
		return apperr.ErrForbidden()
	}
	list, err := s.CountsFor(r.Context(), p.Peer, year)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}

func (s API) apiPartnerCounts(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	list, err := s.PartnerCounts(r.Context(), access.Of(r, p), n, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, PartnerCounts{Items: list})
}
