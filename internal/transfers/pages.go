package transfers

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/view"
	"sunshine/internal/platform/web"
)

//go:embed templates/*.html
var templateFiles embed.FS

// Pages are the transfers' pages: the list with the upload form, a person's
// issue form, and a transfer's page (download, complete, cancel; or the
// preview and acceptance into a village).
type Pages struct {
	*Store
	Kit web.Kit
}

// Routes registers the pages.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /transfers", staffRoles, pg.list)
	rt.Page("POST /transfers", staffRoles, pg.upload)
	rt.Page("GET /persons/{id}/transfer", staffRoles, pg.issueForm)
	rt.Page("POST /persons/{id}/transfer", staffRoles, pg.issue)
	rt.Page("GET /transfers/{ref}", staffRoles, pg.show)
	rt.Page("POST /transfers/{ref}/accept", staffRoles, pg.act("accept"))
	rt.Page("POST /transfers/{ref}/complete", staffRoles, pg.act("complete"))
	rt.Page("POST /transfers/{ref}/cancel", staffRoles, pg.act("cancel"))
}

var shanghai = time.FixedZone("CST", 8*3600)

func day(t time.Time) string { return t.In(shanghai).Format(time.DateOnly) }

// stateText names a state.
func stateText(state string) apperr.Text {
	return map[string]apperr.Text{
		Issued: apperr.T("已签发，待对方接收", "Issued, awaiting acceptance"), Cancelled: apperr.T("已撤销", "Cancelled"),
		Completed: apperr.T("已完成（已迁出）", "Completed (moved out)"), Received: apperr.T("已收到，待确认村居", "Received, village to confirm"),
		Accepted: apperr.T("已接收入户", "Accepted"),
	}[state]
}

var doneMessages = map[string]apperr.Text{
	"issued":   apperr.T("转移包已签发。请下载并交给转入区。", "The transfer package is issued. Download it and give it to the receiving district."),
	"received": apperr.T("转移包已核验并收到。请确认此人的新村居。", "The transfer package is checked and received. Confirm the person's new village."),
	"accept":   apperr.T("已接收，此人已在本区建档。", "Accepted: the person is now registered here."),
	"complete": apperr.T("转移已完成，此人已标记为迁出。", "The transfer is complete: the person is marked moved out."),
	"cancel":   apperr.T("转移已撤销。", "The transfer is cancelled."),
}

type row2 struct {
	Ref, Href, Partner, State, Date string
}

type listData struct {
	Out, In []row2
}

func (pg *Pages) list(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.renderList(w, r, p, http.StatusOK, nil)
}

func (pg *Pages) renderList(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, fe *web.FormError) error {
	page := pg.Kit.NewPage(r, p, "")
	page.Title = page.T("跨区迁移", "Moves between districts")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	list, err := pg.List(r.Context(), access.Of(r, p), Filter{}, page.Lang)
	if err != nil {
		return err
	}
	var d listData
	for _, t := range list {
		rw := row2{Ref: t.Ref, Href: "/transfers/" + t.Ref, Partner: t.PartnerName, State: stateText(t.State).In(page.Lang), Date: day(t.CreatedAt)}
		if t.Direction == Out {
			d.Out = append(d.Out, rw)
		} else {
			d.In = append(d.In, rw)
		}
	}
	page.Error, page.Data = fe, d
	return pg.Kit.Render(w, r, status, "transfers.html", page)
}

func (pg *Pages) upload(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	file, err := ReadPackage(w, r)
	var t Transfer
	if err == nil {
		t, err = pg.Receive(r.Context(), access.Of(r, p), file, web.PageLang(r))
	}
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Code != apperr.NotFound {
			return pg.renderList(w, r, p, web.Status(e.Code), web.FormErrorAt(err, web.PageLang(r), nil, "file"))
		}
		return err
	}
	web.Redirect(w, r, "/transfers/"+t.Ref+"?done=received")
	return nil
}

type option struct {
	Value, Label string
	Selected     bool
}

type issueData struct {
	Person   string
	Back     string
	Partners []option
	Reason   string
}

func (pg *Pages) issueForm(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.renderIssue(w, r, p, http.StatusOK, nil, url.Values{})
}

func (pg *Pages) renderIssue(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, fe *web.FormError, form url.Values) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	c := access.Of(r, p)
	person, _, err := pg.reg.Record(r.Context(), c, id)
	if err != nil {
		return err
	}
	page := pg.Kit.NewPage(r, p, "")
	page.Title = page.T("将"+person.Name+"转往合作区", "Move "+person.Name+" to a partner district")
	back := fmt.Sprintf("/persons/%d", id)
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: person.Name, Href: back}, {Label: page.T("转往合作区", "Move to a partner district")}}
	d := issueData{Person: person.Name, Back: back, Reason: form.Get("reason")}
	if pg.Partners != nil {
		ps, err := pg.Partners.Partners(r.Context())
		if err != nil {
			return err
		}
		for _, pt := range ps {
			d.Partners = append(d.Partners, option{Value: pt.District, Label: pt.Name, Selected: form.Get("to") == pt.District})
		}
	}
	page.Error, page.Data = fe, d
	return pg.Kit.Render(w, r, status, "transfer_issue.html", page)
}

func (pg *Pages) issue(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Malformed, "表单无法读取。", "The form cannot be read.")
	}
	t, err := pg.Issue(r.Context(), access.Of(r, p), id, IssueInput{To: r.PostForm.Get("to"), Reason: r.PostForm.Get("reason")}, web.PageLang(r))
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Code != apperr.NotFound {
			return pg.renderIssue(w, r, p, web.Status(e.Code), web.FormErrorAt(err, web.PageLang(r), map[string]string{"person": "to", "status": "to"}, "to"), r.PostForm)
		}
		return err
	}
	web.Redirect(w, r, "/transfers/"+t.Ref+"?done=issued")
	return nil
}

type showData struct {
	Transfer
	StateText string
	Out       bool
	Open      bool // out and issued: may be completed or cancelled; in and received: may be accepted
	Package   string
	Person    string
	Places    []orgunit.PickGroup
	Form      url.Values
}

func (pg *Pages) show(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.renderShow(w, r, p, http.StatusOK, nil, url.Values{})
}

func (pg *Pages) renderShow(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, fe *web.FormError, form url.Values) error {
	ctx, c := r.Context(), access.Of(r, p)
	page := pg.Kit.NewPage(r, p, "")
	t, err := pg.Get(ctx, c, r.PathValue("ref"), page.Lang)
	if err != nil {
		return err
	}
	if m, ok := doneMessages[r.URL.Query().Get("done")]; ok && fe == nil {
		page.Flash = m.In(page.Lang)
	}
	d := showData{Transfer: t, StateText: stateText(t.State).In(page.Lang), Out: t.Direction == Out, Form: form}
	if d.Out {
		d.Open = t.State == Issued
		d.Package = "/api/v1/transfers/" + t.Ref + "/package"
		d.Person = fmt.Sprintf("/persons/%d", t.PersonID)
		page.Title = page.T("转往"+t.PartnerName+"的迁移", "Move to "+t.PartnerName)
	} else {
		d.Open = t.State == Received
		if t.PersonID != 0 {
			d.Person = fmt.Sprintf("/persons/%d", t.PersonID)
		}
		page.Title = page.T("来自"+t.PartnerName+"的迁入", "Move from "+t.PartnerName)
		if d.Open {
			if d.Places, err = pg.units.Picker(ctx, c.Scope, page.Lang, true, form.Get("orgunit")); err != nil {
				return err
			}
		}
	}
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("跨区迁移", "Moves between districts"), Href: "/transfers"}, {Label: page.Title}}
	page.Error, page.Data = fe, d
	return pg.Kit.Render(w, r, status, "transfer.html", page)
}

func (pg *Pages) act(what string) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
		if err := r.ParseForm(); err != nil {
			return apperr.New(apperr.Malformed, "表单无法读取。", "The form cannot be read.")
		}
		ctx, c, ref, lang, f := r.Context(), access.Of(r, p), r.PathValue("ref"), web.PageLang(r), r.PostForm
		var err error
		var fallback string
		switch what {
		case "accept":
			var version int
			_, _ = fmt.Sscan(f.Get("version"), &version)
			_, err = pg.Accept(ctx, c, ref, AcceptInput{OrgUnit: f.Get("orgunit"), Version: version}, lang)
			fallback = "orgunit"
		case "complete":
			_, err = pg.Complete(ctx, c, ref, ReasonInput{Reason: f.Get("reason")}, lang)
			fallback = "reason"
		default:
			_, err = pg.Cancel(ctx, c, ref, ReasonInput{Reason: f.Get("cancel_reason")}, lang)
			fallback = "cancel_reason"
		}
		if err != nil {
			if e, ok := apperr.As(err); ok && e.Code != apperr.NotFound {
				rename := map[string]string{"state": fallback, "to": fallback, "file": fallback, "id_number": fallback, "status": fallback}
				if what == "cancel" {
					rename["reason"] = "cancel_reason"
				}
				return pg.renderShow(w, r, p, web.Status(e.Code), web.FormErrorAt(err, lang, rename, fallback), f)
			}
			return err
		}
		web.Redirect(w, r, "/transfers/"+ref+"?done="+what)
		return nil
	}
}

// PersonSection is the person page's table of the person's moves to
// partner districts, with the link to issue one (district and town staff).
func (s *Store) PersonSection(ctx context.Context, c access.Caller, personID int64, lang string) ([]view.Table, error) {
	if c.Actor.Role != identity.DistrictStaff && c.Actor.Role != identity.TownStaff {
		return nil, nil
	}
	lo, hi := c.Scope.Range()
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM transfers t WHERE t.person_id = ? AND t.direction = 'out' AND t.orgunit >= ? AND t.orgunit < ? ORDER BY t.id DESC LIMIT 20`, personID, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("list a person's transfers: %w", err)
	}
	defer rows.Close()
	tr := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	tb := view.Table{ID: "transfers-caption", Caption: tr("跨区迁移", "Moves to partner districts"),
		Head:  []string{tr("转入区", "To"), tr("状态", "State"), tr("签发日期", "Issued")},
		Empty: tr("没有跨区迁移。", "No moves to partner districts."),
		Links: []view.Cell{{Text: tr("转往合作区", "Move to a partner district"), Href: fmt.Sprintf("/persons/%d/transfer", personID)}}}
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("list a person's transfers: %w", err)
		}
		tb.Rows = append(tb.Rows, []view.Cell{{Text: s.name(ctx, r.Partner, lang), Href: "/transfers/" + r.Ref}, {Text: stateText(r.State).In(lang)}, {Text: day(r.CreatedAt)}})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list a person's transfers: %w", err)
	}
	return []view.Table{tb}, nil
}
