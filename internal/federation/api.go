package federation

import (
	"net/http"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// Who may do what.
var (
	// dashboard: the federation's figures (district staff and leaders).
	dashboard = web.Roles(identity.DistrictStaff, identity.Leader)
	// managers register partners and issue keys to them.
	managers = web.Roles(identity.DistrictStaff, identity.SysAdmin)
	// peersToo: what partner installations read, and the staff.
	peersToo = web.Roles(identity.Peer, identity.DistrictStaff, identity.Leader, identity.SysAdmin)
)

// API is the federation's JSON API.
type API struct{ *Service }

// Routes registers the API.
func (a API) Routes(rt *web.Router) {
	rt.Handle("GET /api/v1/federation/indicators", dashboard, a.apiIndicators, web.Types{Out: Overview{}})
	rt.Handle("GET /api/v1/federation/services", dashboard, a.apiServices, web.Types{Out: Services{}})
	rt.Handle("GET /api/v1/federation/about", peersToo, a.apiAbout, web.Types{Out: About{}})
	rt.Handle("GET /api/v1/federation/volumes", peersToo, a.apiVolumes, web.Types{Out: Volumes{}})
	rt.Handle("GET /api/v1/peers", managers, a.apiPeers, web.Types{Out: web.Items[PeerView]{}})
	rt.Handle("POST /api/v1/peers", managers, a.apiAddPeer, web.Types{In: PeerInput{}, Out: Peer{}, Status: http.StatusCreated})
	rt.Handle("DELETE /api/v1/peers/{district}", managers, a.apiRevokePeer)
	rt.Handle("POST /api/v1/peers/{district}/check", managers, a.apiCheck, web.Types{In: struct{}{}, Out: Check{}})
	rt.Handle("GET /api/v1/peer-keys", managers, a.apiKeys, web.Types{Out: web.Items[Key]{}})
	rt.Handle("POST /api/v1/peer-keys", managers, a.apiIssue, web.Types{In: IssueInput{}, Out: Issued{}, Status: http.StatusCreated})
	rt.Handle("DELETE /api/v1/peer-keys/{key}", managers, a.apiRevokeKey)
}

// errText is an error's message in a language (an unexpected error's is
// generic: its details go to the log, not to a page).
func errText(err error, lang string) string {
	if e, ok := apperr.As(err); ok {
		return e.Msg.In(lang)
	}
	return apperr.T("出错了，请稍后再试。", "Something went wrong; please try again later.").In(lang)
}

// yearOf reads ?year= (default: this year), bounded.
func (s *Service) yearOf(r *http.Request) (int, error) {
	y := s.Store.db.Now().Year()
	if v := r.URL.Query().Get("year"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2000 || n > y+1 {
			return 0, apperr.Validation(apperr.Field("year", "invalid", "年份应在 2000 年到明年之间。", "The year is between 2000 and next year."))
		}
		y = n
	}
	return y, nil
}

func (a API) apiIndicators(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	year, err := a.yearOf(r)
	if err != nil {
		return err
	}
	o, err := a.Overview(r, p, year, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, o)
}

func (a API) apiServices(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	year, err := a.yearOf(r)
	if err != nil {
		return err
	}
	v, err := a.Services(r.Context(), year, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, v)
}

// About is what an installation says of itself to partners.
type About struct {
	District string `json:"district"`
	Name     string `json:"name"`
	Version  string `json:"version"`
}

func (a API) apiAbout(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	return web.JSON(w, http.StatusOK, About{District: a.Store.Home, Name: a.Store.unitName(r.Context(), a.Store.Home), Version: a.Version})
}

func (a API) apiVolumes(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	year, err := a.yearOf(r)
	if err != nil {
		return err
	}
	v, err := a.Volumes(r.Context(), year, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, v)
}

// PeerView is a partner with what the last call of it said.
type PeerView struct {
	Peer
	DistrictName string `json:"district_name"`
}

func (a API) apiPeers(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	views, err := a.peerViews(r)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.Items[PeerView]{Items: views})
}

func (s *Service) peerViews(r *http.Request) ([]PeerView, error) {
	list, err := s.Store.Peers(r.Context(), true)
	if err != nil {
		return nil, err
	}
	out := make([]PeerView, 0, len(list))
	for _, p := range list {
		out = append(out, PeerView{Peer: p, DistrictName: s.Store.unitLabel(r.Context(), p.District, web.Lang(r))})
	}
	return out, nil
}

func (a API) apiAddPeer(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in PeerInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	peer, created, err := a.Store.AddPeer(r.Context(), access.Of(r, p).Actor, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return web.JSON(w, status, peer)
}

func districtOf(r *http.Request) (string, error) {
	d := r.PathValue("district")
	if !districtPattern.MatchString(d) {
		return "", apperr.ErrNotFound()
	}
	return d, nil
}

func (a API) apiRevokePeer(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	d, err := districtOf(r)
	if err != nil {
		return err
	}
	if err := a.Store.RevokePeer(r.Context(), access.Of(r, p).Actor, d); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Check is the answer of a partner to a test call (its about).
type Check struct {
	OK    bool   `json:"ok"`
	About *About `json:"about,omitempty"`
	Error string `json:"error,omitempty"`
}

// check calls a partner's about: does it answer, to this key, as the
// district it was registered as?
func (s *Service) check(r *http.Request, district string) (Check, error) {
	if _, _, err := s.Store.peerOf(r.Context(), district); err != nil {
		return Check{}, apperr.ErrNotFound()
	}
	var ab About
	if err := s.Client.Get(r.Context(), district, "/api/v1/federation/about", &ab); err != nil {
		return Check{Error: errText(err, web.Lang(r))}, nil
	}
	if ab.District != district {
		return Check{About: &ab, Error: apperr.T("对方系统属于区县 "+ab.District+"，不是 "+district+"。",
			"The partner's installation is the home of district "+ab.District+", not "+district+".").In(web.Lang(r))}, nil
	}
	return Check{OK: true, About: &ab}, nil
}

func (a API) apiCheck(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	d, err := districtOf(r)
	if err != nil {
		return err
	}
	c, err := a.check(r, d)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, c)
}

func (a API) apiKeys(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	keys, err := a.Store.Keys(r.Context())
	if err != nil {
		return err
	}
	if keys == nil {
		keys = []Key{}
	}
	return web.JSON(w, http.StatusOK, web.Items[Key]{Items: keys})
}

// IssueInput names the peer account to issue a key to.
type IssueInput struct {
	Username string `json:"username"`
}

// Issued is a key just issued, with its token (shown this once).
type Issued struct {
	Key
	Token string `json:"token"`
}

func (a API) apiIssue(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in IssueInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	tok, k, err := a.Store.Issue(r.Context(), access.Of(r, p).Actor, in.Username)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.JSON(w, http.StatusCreated, Issued{Key: k, Token: tok.String()})
}

func (a API) apiRevokeKey(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	k := strings.TrimSpace(r.PathValue("key"))
	if !keyIDPattern.MatchString(k) {
		return apperr.ErrNotFound()
	}
	if err := a.Store.RevokeKey(r.Context(), access.Of(r, p).Actor, k); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
