package notify

import (
	"context"
	"embed"
	"io/fs"
	"net/http"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/view"
	"sunshine/internal/platform/web"
)

//go:embed templates
var templatesFS embed.FS

// Templates are the module's page templates (named notify_*.html).
func Templates() fs.FS { return web.TemplateDir(templatesFS) }

// Module is the notifications as the app sees it: the API and pages, the
// tables (after users and every table the rules read), the sealed e-mail
// addresses, the demo notifications and the home section.
func (s *Store) Module() module.Module {
	return module.Module{
		Name:      "notify",
		Templates: Templates(),
		Tables:    []string{"notifications", "notify_outbox", "notify_attempts", "notify_prefs"},
		Sealed:    []module.Sealed{{Table: "notify_prefs", Key: []string{"user_id"}, Column: "email_enc", Field: fEmail}},
		Home:      s.home,
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			(&Pages{Store: s, Kit: kit}).Routes(rt)
		},
		Nav: []module.Nav{
			{Order: 900, Roles: outboxStaff.Roles, Zh: "短信与邮件发送", En: "SMS & e-mail deliveries", Href: "/notifications/outbox"},
		},
	}
}

// UnreadFor is the header's unread count of a signed-in user (the app
// puts it on every page); -1 when it cannot be read.
func (s *Store) UnreadFor(ctx context.Context, userID int64) int {
	n, err := s.Unread(ctx, userID)
	if err != nil {
		return -1
	}
	return n
}

// Pages are the notification pages.
type Pages struct {
	*Store
	web.Kit
}

// Routes registers the pages. Plain forms and 303s: no script needed.
func (p *Pages) Routes(rt *web.Router) {
	rt.Page("GET /notifications", anyone, p.list)
	rt.Page("POST /notifications/{id}/read", anyone, p.read)
	rt.Page("POST /notifications/read-all", anyone, p.readAll)
	rt.Page("GET /notifications/settings", anyone, p.settings)
	rt.Page("POST /notifications/settings", anyone, p.saveSettings)
	rt.Page("GET /notifications/outbox", outboxStaff, p.outbox)
	rt.Page("POST /notifications/outbox/{id}/retry", outboxStaff, p.retry)
}

type listData struct {
	Items  []Notification
	Unread int
	Only   bool
	Done   string
}

func (p *Pages) list(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	page := p.NewPage(r, pr, "")
	page.Title = page.T("通知", "Notifications")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	d := listData{Only: r.URL.Query().Get("unread") == "true"}
	var err error
	if d.Items, _, err = p.List(r.Context(), pr.UserID, d.Only, 100, 0, page.Lang); err != nil {
		return err
	}
	if d.Unread, err = p.Unread(r.Context(), pr.UserID); err != nil {
		return err
	}
	switch r.URL.Query().Get("done") {
	case "read":
		page.Flash = page.T("已标记为已读。", "Marked as read.")
	case "all":
		page.Flash = page.T("全部标记为已读。", "All marked as read.")
	}
	page.Data = d
	return p.Render(w, r, http.StatusOK, "notify_list.html", page)
}

func (p *Pages) read(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	id, err := web.PathID(r, noNotification())
	if err != nil {
		return err
	}
	if err := p.MarkRead(r.Context(), pr.UserID, id); err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return noNotification()
		}
		return err
	}
	web.Redirect(w, r, "/notifications?done=read")
	return nil
}

func (p *Pages) readAll(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	if err := p.MarkAllRead(r.Context(), pr.UserID); err != nil {
		return err
	}
	web.Redirect(w, r, "/notifications?done=all")
	return nil
}

type settingsData struct {
	Prefs    Prefs
	IsPerson bool
}

func (p *Pages) settings(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	prefs, err := p.Prefs(r.Context(), pr.UserID)
	if err != nil {
		return err
	}
	return p.settingsPage(w, r, pr, http.StatusOK, prefs, nil)
}

func (p *Pages) settingsPage(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, prefs Prefs, fe *web.FormError) error {
	page := p.NewPage(r, pr, "")
	page.Title = page.T("提醒方式", "Notification settings")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("通知", "Notifications"), Href: "/notifications"}, {Label: page.Title}}
	if r.URL.Query().Get("done") == "saved" {
		page.Flash = page.T("已保存。", "Saved.")
	}
	page.Error = fe
	page.Data = settingsData{Prefs: prefs, IsPerson: pr.Role == identity.Person}
	return p.Render(w, r, status, "notify_settings.html", page)
}

func (p *Pages) saveSettings(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	if err := web.CheckForm(r); err != nil {
		return err
	}
	in := Prefs{Channel: r.PostFormValue("channel"), SMSTo: r.PostFormValue("sms_to"), Email: r.PostFormValue("email")}
	if _, err := p.SavePrefs(r.Context(), access.Of(r, pr), pr.UserID, pr.Role == identity.Person, in); err != nil {
		fe := web.FormErrorOf(err, web.PageLang(r))
		if fe == nil {
			return err
		}
		return p.settingsPage(w, r, pr, web.Status(apperr.CodeOf(err)), in, fe)
	}
	web.Redirect(w, r, "/notifications/settings?done=saved")
	return nil
}

type deliveryView struct {
	Delivery
	KindName, StateName, Created, Next string
	Attempts                           []attemptView
	CanRetry                           bool
}

type attemptView struct{ At, Outcome, Error string }

type outboxData struct {
	Items  []deliveryView
	Failed bool
}

func stamp(t time.Time) string { return t.In(China).Format("2006-01-02 15:04") }

func stateName(state, lang string) string {
	m := map[string]apperr.Text{
		StatePending: apperr.T("待发送", "pending"), StateSent: apperr.T("已发送", "sent"),
		StateFailed: apperr.T("失败", "failed"), StateSkipped: apperr.T("已跳过", "skipped"), "error": apperr.T("出错", "error"),
	}
	if t, ok := m[state]; ok {
		return t.In(lang)
	}
	return state
}

func (p *Pages) outbox(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	page := p.NewPage(r, pr, "")
	page.Title = page.T("短信与邮件发送", "SMS and e-mail deliveries")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	d := outboxData{Failed: r.URL.Query().Get("state") == StateFailed}
	list, err := p.Outbox(r.Context(), access.Of(r, pr), d.Failed, 200)
	if err != nil {
		return err
	}
	for _, x := range list {
		v := deliveryView{Delivery: x, KindName: KindName(x.Kind, page.Lang), StateName: stateName(x.State, page.Lang), Created: stamp(x.CreatedAt),
			CanRetry: x.State == StateFailed || x.State == StateSkipped}
		if x.State == StatePending {
			v.Next = stamp(x.NextAt)
		}
		for _, a := range x.Attempts {
			v.Attempts = append(v.Attempts, attemptView{At: stamp(a.At), Outcome: stateName(a.Outcome, page.Lang), Error: a.Error})
		}
		d.Items = append(d.Items, v)
	}
	if r.URL.Query().Get("done") == "retry" {
		page.Flash = page.T("已安排重新发送。", "The delivery will be sent again.")
	}
	page.Data = d
	return p.Render(w, r, http.StatusOK, "notify_outbox.html", page)
}

func (p *Pages) retry(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	if err := p.Retry(r.Context(), access.Of(r, pr), id); err != nil {
		return err
	}
	web.Redirect(w, r, "/notifications/outbox?done=retry")
	return nil
}

// home is the latest unread notifications, for every role that has any.
func (s *Store) home(r *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
	list, _, err := s.List(r.Context(), p.UserID, true, 5, 0, page.Lang)
	if err != nil || len(list) == 0 {
		return module.Home{}, err
	}
	sec := module.Section{Order: 3, Heading: page.T("最新通知", "Latest notifications"),
		Link: view.Cell{Href: "/notifications", Text: page.T("查看全部通知", "See all notifications")}}
	for _, n := range list {
		href := n.Link
		if href == "" {
			href = "/notifications"
		}
		sec.Items = append(sec.Items, view.Cell{Href: href, Text: n.Text})
	}
	return module.Home{Sections: []module.Section{sec}}, nil
}
