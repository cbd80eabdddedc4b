package federation

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

//go:embed templates
var templatesFS embed.FS

// Templates are the module's page templates (named federation_*.html).
func Templates() fs.FS { return web.TemplateDir(templatesFS) }

// Module is the federation as the app sees it: its API and pages, its
// navigation, the peer account's home section, and its tables (the partners
// it calls and the keys it issued are backed up, sealed; the home district,
// the nonces of signed calls and the cached answers are not).
func (s *Service) Module() module.Module {
	return module.Module{
		Name:      "federation",
		Templates: Templates(),
		Tables:    []string{"peers", "peer_keys"},
		Unsaved:   []string{"installation", "peer_nonces", "peer_cache"},
		Sealed: []module.Sealed{
			{Table: "peers", Key: []string{"id"}, Column: "secret_enc", Field: "peers.secret", FieldKeyed: true},
			{Table: "peer_keys", Key: []string{"key_id"}, Column: "secret_enc", Field: "peer_keys.secret", FieldKeyed: true},
		},
		Home: s.home,
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Service: s}.Routes(rt)
			(&Pages{Service: s, Kit: kit}).Routes(rt)
		},
		Nav: []module.Nav{
			{Order: 150, Roles: dashboard.Roles, Zh: "嘉昆太合作区", En: "Partner districts", Href: "/federation", Section: "/federation"},
			{Order: 950, Roles: []string{identity.SysAdmin}, Zh: "合作区接入", En: "Partner connections", Href: "/federation/peers"},
		},
	}
}

// home tells a partner installation's account what it is for.
func (s *Service) home(r *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
	if p.Role != identity.Peer {
		return module.Home{}, nil
	}
	name := s.Store.unitLabel(r.Context(), p.Peer, page.Lang)
	return module.Home{Sections: []module.Section{{Order: 1, Heading: page.T("合作区县账户", "Partner district account"),
		Text: page.T("本账户供"+name+"的阳光助残云系统调用本区县的汇总数据（指标、分解、服务量、共享活动），不能查看任何个人信息。",
			"This account lets the Sunshine installation of "+name+" read this district's aggregates (indicators, breakdowns, service volumes, shared events) over the API. It cannot see anyone's personal data.")}}}, nil
}

// Pages are the federation's pages.
type Pages struct {
	*Service
	web.Kit
}

// Routes registers the pages: plain forms and 303s, no script needed.
func (p *Pages) Routes(rt *web.Router) {
	rt.Page("GET /federation", dashboard, p.dashboard)
	rt.Page("GET /federation/peers", managers, p.peers)
	rt.Page("POST /federation/peers", managers, p.addPeer)
	rt.Page("POST /federation/peers/{district}/check", managers, p.checkPeer)
	rt.Page("POST /federation/peers/{district}/revoke", managers, p.revokePeer)
	rt.Page("POST /federation/keys", managers, p.issue)
	rt.Page("POST /federation/keys/{key}/revoke", managers, p.revokeKey)
}

type cellView struct {
	Text, Detail string
	Missing      bool
}

type rowView struct {
	Name  string
	Cells []cellView
}

type statusView struct {
	Name, District, Error string
	OK, Cached, Home      bool
	Age                   string
}

type chartSpec struct {
	Kind       string        `json:"kind"`
	Categories []string      `json:"categories"`
	Series     []chartSeries `json:"series"`
	Percent    bool          `json:"percent,omitempty"`
}

type chartSeries struct {
	Name string     `json:"name"`
	Data []*float64 `json:"data"`
}

type dashView struct {
	Year     int
	Years    []int
	Columns  []string
	Rows     []rowView
	Status   []statusView
	Partners int
	Answered int
	Chart    chartSpec
	Caption  string
	Manage   bool
	// Services: a row per service type, a cell per district.
	Services []rowView
}

// age is how long ago t was, in words.
func age(page *web.Page, d time.Duration) string {
	m := int(d.Minutes())
	if m < 1 {
		return page.T("不到 1 分钟前", "less than a minute ago")
	}
	return page.T(strconv.Itoa(m)+" 分钟前", strconv.Itoa(m)+" minutes ago")
}

func (p *Pages) dashboard(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	page := p.NewPage(r, pr, "")
	page.Title = page.T("嘉昆太合作区指标", "Partner districts' indicators")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	year, err := p.yearOf(r)
	if err != nil {
		return err
	}
	o, err := p.Overview(r, pr, year, page.Lang)
	if err != nil {
		return err
	}
	d := dashView{Year: year, Partners: len(o.Items) - 1, Manage: pr.Role == identity.SysAdmin || pr.Role == identity.DistrictStaff}
	for y := p.Store.db.Now().Year(); y >= p.Store.db.Now().Year()-5; y-- {
		d.Years = append(d.Years, y)
	}
	for _, e := range o.Items {
		d.Columns = append(d.Columns, e.Name)
		st := statusView{Name: e.Name, District: e.District, Error: e.Error, OK: e.Error == "", Cached: e.Cached, Home: e.Home}
		if e.Cached {
			st.Age = age(page, time.Duration(e.AgeSeconds)*time.Second)
		}
		if st.OK {
			d.Answered++
		}
		d.Status = append(d.Status, st)
	}
	d.Columns = append(d.Columns, page.T("合计（已响应的区县）", "Total (districts that answered)"))
	format := func(f Figure) cellView {
		text, _ := p.Format(f.Code, f.Value, f.Suppressed, page.Lang)
		c := cellView{Text: text}
		if f.Numerator != nil && f.Denominator != nil {
			c.Detail = fmt.Sprintf("%d / %d", *f.Numerator, *f.Denominator)
		}
		return c
	}
	d.Chart = chartSpec{Kind: "bar", Percent: true}
	for _, e := range o.Items {
		if e.Error != "" && !e.Cached {
			continue
		}
		d.Chart.Series = append(d.Chart.Series, chartSeries{Name: e.Name})
	}
	for _, t := range o.Total {
		row := rowView{Name: t.Name}
		_, rate := p.Format(t.Code, nil, false, page.Lang)
		if rate {
			d.Chart.Categories = append(d.Chart.Categories, t.Name)
		}
		si := 0
		for _, e := range o.Items {
			f, ok := figureOf(e.Items, t.Code)
			switch {
			case e.Error != "" && !e.Cached:
				row.Cells = append(row.Cells, cellView{Text: page.T("未响应", "no answer"), Missing: true})
				continue
			case !ok:
				row.Cells = append(row.Cells, cellView{Text: page.T("无此指标", "not reported"), Missing: true})
			default:
				c := format(f)
				if e.Cached {
					c.Detail = page.T("缓存 ", "cached ") + c.Detail
				}
				row.Cells = append(row.Cells, c)
			}
			if rate {
				var v *float64
				if ok && !f.Suppressed {
					v = f.Value
				}
				d.Chart.Series[si].Data = append(d.Chart.Series[si].Data, v)
			}
			si++
		}
		row.Cells = append(row.Cells, format(t))
		d.Rows = append(d.Rows, row)
	}
	d.Caption = page.T(fmt.Sprintf("%d 年各区县比率指标对比（%d 个区县中 %d 个已响应）。图中数据与下表相同。", year, len(o.Items), d.Answered),
		fmt.Sprintf("The rates of %d, district by district (%d of %d districts answered). The table below holds the same figures.", year, d.Answered, len(o.Items)))
	sv, err := p.Services(r.Context(), year, page.Lang)
	if err != nil {
		return err
	}
	d.Services = serviceRows(page, sv)
	page.Charts = true
	page.Data = d
	return p.Render(w, r, http.StatusOK, "federation_dashboard.html", page)
}

type option struct{ Value, Label string }

// serviceRows lays the districts' service volumes out by service type:
// "opened / closed" per district ("<5" for a small count).
func serviceRows(page *web.Page, sv Services) []rowView {
	count := func(n *int64) string {
		if n == nil {
			return page.T("少于5", "<5")
		}
		return strconv.FormatInt(*n, 10)
	}
	var rows []rowView
	index := map[string]int{}
	for _, d := range sv.Items {
		for _, v := range d.Items {
			if _, ok := index[v.ServiceType]; !ok {
				index[v.ServiceType] = len(rows)
				rows = append(rows, rowView{Name: v.Name, Cells: make([]cellView, len(sv.Items))})
			}
		}
	}
	for i, d := range sv.Items {
		for r := range rows {
			switch {
			case d.Error != "" && !d.Cached:
				rows[r].Cells[i] = cellView{Text: page.T("未响应", "no answer"), Missing: true}
			default:
				rows[r].Cells[i] = cellView{Text: "0 / 0"}
			}
		}
		if d.Error != "" && !d.Cached {
			continue
		}
		for _, v := range d.Items {
			c := cellView{Text: count(v.Opened) + " / " + count(v.Closed)}
			if d.Cached {
				c.Detail = page.T("缓存", "cached")
			}
			rows[index[v.ServiceType]].Cells[i] = c
		}
	}
	return rows
}

type peerRow struct {
	PeerView
	Added string
}

type keyRow struct {
	Key
	Issued, Used string
}

type peersView struct {
	Peers    []peerRow
	Keys     []keyRow
	Accounts []option
	In       PeerInput
	Check    *Check
	Checked  string
	Token    string
	TokenFor string
	Home     string
}

func stampOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return stamp(*t)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(china).Format("2006-01-02 15:04")
}

func (p *Pages) peers(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.peersPage(w, r, pr, http.StatusOK, peersView{}, nil)
}

func (p *Pages) peersPage(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, d peersView, fe *web.FormError) error {
	page := p.NewPage(r, pr, "")
	page.Title = page.T("合作区接入", "Partner connections")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	page.Error = fe
	switch r.URL.Query().Get("done") {
	case "added":
		page.Flash = page.T("已添加合作区县。", "Partner district added.")
	case "updated":
		page.Flash = page.T("已更新该合作区县的地址和令牌。", "The partner district's address and token were updated.")
	case "revoked":
		page.Flash = page.T("已停止调用该合作区县。", "This installation no longer calls that partner.")
	case "key-revoked":
		page.Flash = page.T("密钥已撤销：用它签名的调用从现在起被拒绝。", "Key revoked: calls signed with it are refused from now on.")
	}
	views, err := p.peerViews(r)
	if err != nil {
		return err
	}
	for _, v := range views {
		d.Peers = append(d.Peers, peerRow{PeerView: v, Added: stamp(v.AddedAt)})
	}
	keys, err := p.Store.Keys(r.Context())
	if err != nil {
		return err
	}
	for _, k := range keys {
		d.Keys = append(d.Keys, keyRow{Key: k, Issued: stamp(k.IssuedAt), Used: stampOf(k.LastUsed)})
	}
	accounts, err := p.Store.peerAccounts(r.Context())
	if err != nil {
		return err
	}
	for _, a := range accounts {
		d.Accounts = append(d.Accounts, option{Value: a.Username, Label: a.Username + " · " + p.Store.unitLabel(r.Context(), a.OrgUnit, page.Lang)})
	}
	d.Home = p.Store.unitLabel(r.Context(), p.Store.Home, page.Lang) + " (" + p.Store.Home + ")"
	page.Data = d
	if d.Token != "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	return p.Render(w, r, status, "federation_peers.html", page)
}

func formOf(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	return web.CheckForm(r)
}

func (p *Pages) addPeer(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	if err := formOf(r); err != nil {
		return err
	}
	in := PeerInput{Name: r.PostFormValue("name"), URL: r.PostFormValue("url"), Token: r.PostFormValue("token")}
	_, created, err := p.Store.AddPeer(r.Context(), access.Of(r, pr).Actor, in)
	if err != nil {
		fe := web.FormErrorOf(err, web.PageLang(r))
		if fe == nil {
			return err
		}
		in.Token = "" // a secret is not written back into the page
		return p.peersPage(w, r, pr, web.Status(apperr.CodeOf(err)), peersView{In: in}, fe)
	}
	if created {
		web.Redirect(w, r, "/federation/peers?done=added")
	} else {
		web.Redirect(w, r, "/federation/peers?done=updated")
	}
	return nil
}

func (p *Pages) checkPeer(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	d, err := districtOf(r)
	if err != nil {
		return err
	}
	c, err := p.check(r, d)
	if err != nil {
		return err
	}
	return p.peersPage(w, r, pr, http.StatusOK, peersView{Check: &c, Checked: p.Store.unitLabel(r.Context(), d, web.PageLang(r))}, nil)
}

func (p *Pages) revokePeer(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	d, err := districtOf(r)
	if err != nil {
		return err
	}
	if err := p.Store.RevokePeer(r.Context(), access.Of(r, pr).Actor, d); err != nil {
		return err
	}
	web.Redirect(w, r, "/federation/peers?done=revoked")
	return nil
}

func (p *Pages) issue(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	if err := formOf(r); err != nil {
		return err
	}
	tok, k, err := p.Store.Issue(r.Context(), access.Of(r, pr).Actor, r.PostFormValue("username"))
	if err != nil {
		fe := web.FormErrorOf(err, web.PageLang(r))
		if fe == nil {
			return err
		}
		return p.peersPage(w, r, pr, web.Status(apperr.CodeOf(err)), peersView{}, fe)
	}
	return p.peersPage(w, r, pr, http.StatusOK, peersView{Token: tok.String(), TokenFor: k.DistrictName}, nil)
}

func (p *Pages) revokeKey(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	k := r.PathValue("key")
	if !keyIDPattern.MatchString(k) {
		return apperr.ErrNotFound()
	}
	if err := p.Store.RevokeKey(r.Context(), access.Of(r, pr).Actor, k); err != nil {
		return err
	}
	web.Redirect(w, r, "/federation/peers?done=key-revoked")
	return nil
}
