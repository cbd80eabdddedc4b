package providers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/view"
	"sunshine/internal/platform/web"
)

// EvalPages serves the pages of feedback, complaints and the evaluation.
type EvalPages struct {
	Store *Store
	web.Kit
}

// Routes registers the pages (called from Module's Routes).
func (pg *EvalPages) Routes(rt *web.Router) {
	rt.Page("GET /cases/{id}/feedback", feedbackGivers, pg.feedbackForm)
	rt.Page("POST /cases/{id}/feedback", feedbackGivers, pg.feedbackPost)
	rt.Page("GET /providers/complaints", complaintHandlers, pg.complaints)
	rt.Page("POST /providers/complaints/{case_id}/handle", complaintHandlers, pg.handlePost)
	rt.Page("GET /providers/evaluation", rankers, pg.ranking)
	rt.Page("GET /contracts/{id}/evaluation", evalReaders, pg.evaluation)
	rt.Page("POST /contracts/{id}/evaluation", experts, pg.expertPost)
}

// Choice is a satisfaction score offered as a radio button.
type Choice struct {
	Value   int
	Words   string
	Checked bool
}

type feedbackData struct {
	CaseID       int64
	Service      string
	Provider     string
	PersonName   string // staff giving feedback on the person's behalf
	ClosedAt     *time.Time
	Given        *Feedback
	GivenWords   string
	Reason       string // why there can be no feedback
	OnBehalf     bool
	Choices      []Choice
	Complaint    string
	ComplaintMax int
}

func caseIDOf(r *http.Request) (int64, error) {
	return web.PathID(r, apperr.New(apperr.NotFound, "找不到这个个案，或不在您的管辖范围内。", "The case was not found or is outside your area."))
}

func (pg *EvalPages) feedbackPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, form url.Values, fe *web.FormError) error {
	id, err := caseIDOf(r)
	if err != nil {
		return err
	}
	ctx, c := r.Context(), access.Of(r, p)
	cs, given, err := pg.Store.FeedbackOf(ctx, c, id)
	if err != nil {
		return err
	}
	page := pg.NewPage(r, p, "")
	page.Title = page.T("评价服务", "Rate the service")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T(fmt.Sprintf("个案 %d", id), fmt.Sprintf("Case %d", id)),
		Href: fmt.Sprintf("/cases/%d", id)}, {Label: page.Title}}
	d := feedbackData{CaseID: id, Service: cs.ServiceType, ClosedAt: cs.ClosedAt, Given: given, OnBehalf: c.PersonID == 0, ComplaintMax: MaxComplaintRunes}
	if t, ok := pg.Store.cases.TypeOf(cs.ServiceType); ok {
		d.Service = t.Name(page.Lang)
	}
	if cs.ProviderID != 0 {
		if pr, err := pg.Store.provider(ctx, cs.ProviderID); err == nil {
			d.Provider = pr.Name
		}
	}
	if d.OnBehalf {
		if err := pg.Store.db.QueryRow(ctx, `SELECT name FROM persons WHERE id = ?`, cs.PersonID).Scan(&d.PersonName); err != nil {
			return fmt.Errorf("feedback page: %w", err)
		}
	}
	if given != nil {
		d.GivenWords = SatisfactionWord(given.Satisfaction, page.Lang)
		if r.URL.Query().Get("done") != "" {
			page.Flash = page.T("谢谢您的评价，已保存。", "Thank you: your feedback is saved.")
		}
	} else if err := Feedbackable(cs); err != nil {
		e, _ := apperr.As(err)
		d.Reason = e.Msg.In(page.Lang)
	}
	if form == nil {
		form = url.Values{}
	}
	for n := 1; n <= 5; n++ {
		d.Choices = append(d.Choices, Choice{Value: n, Words: SatisfactionWord(n, page.Lang), Checked: form.Get("satisfaction") == strconv.Itoa(n)})
	}
	d.Complaint = form.Get("complaint")
	page.Error = fe
	page.Data = d
	return pg.Render(w, r, status, "feedback.html", page)
}

func (pg *EvalPages) feedbackForm(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.feedbackPage(w, r, p, http.StatusOK, nil, nil)
}

func (pg *EvalPages) feedbackPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := caseIDOf(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	in := FeedbackInput{Complaint: r.PostFormValue("complaint")}
	raw := strings.TrimSpace(r.PostFormValue("satisfaction"))
	if raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil {
			n = -1
		}
		in.Satisfaction = n
	}
	_, err = pg.Store.GiveFeedback(r.Context(), access.Of(r, p), id, in)
	if err == nil {
		web.Redirect(w, r, fmt.Sprintf("/cases/%d/feedback?done=1", id))
		return nil
	}
	fe := web.FormErrorOf(err, web.PageLang(r))
	if fe == nil {
		return err
	}
	return pg.feedbackPage(w, r, p, web.Status(apperr.CodeOf(err)), r.PostForm, fe)
}

type complaintsData struct {
	All     bool
	Items   []complaintView
	Failed  int64
	Note    string
	NoteMax int
}

type complaintView struct {
	Complaint
	Service  string
	Unit     string
	Words    string
	Handlers string
}

func (pg *EvalPages) complaintsPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, failed int64, note string, fe *web.FormError) error {
	ctx, c := r.Context(), access.Of(r, p)
	all := r.URL.Query().Get("show") == "all"
	list, err := pg.Store.Complaints(ctx, c, !all)
	if err != nil {
		return err
	}
	page := pg.NewPage(r, p, "")
	page.Title = page.T("服务投诉", "Complaints about services")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	if r.URL.Query().Get("handled") != "" && fe == nil {
		page.Flash = page.T("已记录处理情况。", "The complaint is marked handled.")
	}
	var codes []string
	for _, k := range list {
		codes = append(codes, k.OrgUnit)
	}
	names, err := pg.Store.units.Labels(ctx, codes, page.Lang)
	if err != nil {
		return err
	}
	d := complaintsData{All: all, Failed: failed, Note: note, NoteMax: MaxNoteRunes}
	for _, k := range list {
		v := complaintView{Complaint: k, Service: k.ServiceType, Unit: k.OrgUnit, Words: SatisfactionWord(k.Satisfaction, page.Lang)}
		if t, ok := pg.Store.cases.TypeOf(k.ServiceType); ok {
			v.Service = t.Name(page.Lang)
		}
		if n := names[k.OrgUnit]; n != "" {
			v.Unit = n
		}
		d.Items = append(d.Items, v)
	}
	page.Error = fe
	page.Data = d
	return pg.Render(w, r, status, "complaints.html", page)
}

func (pg *EvalPages) complaints(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.complaintsPage(w, r, p, http.StatusOK, 0, "", nil)
}

func (pg *EvalPages) handlePost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := complaintID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	note := r.PostFormValue("note")
	_, err = pg.Store.HandleComplaint(r.Context(), access.Of(r, p), id, HandleInput{Note: note})
	if err == nil {
		web.Redirect(w, r, "/providers/complaints?handled=1")
		return nil
	}
	fe := web.FormErrorOf(err, web.PageLang(r))
	if fe == nil {
		return err
	}
	// The note's error belongs to the form of this complaint.
	field := fmt.Sprintf("note-%d", id)
	for i := range fe.Fields {
		fe.Fields[i].Field = field
	}
	if len(fe.Fields) == 0 {
		fe.Fields = []web.FieldDetail{{Field: field, Code: "conflict", Message: fe.Message}}
	}
	fe.ByField = map[string]string{field: fe.Fields[0].Message}
	return pg.complaintsPage(w, r, p, web.Status(apperr.CodeOf(err)), id, note, fe)
}

// feedbackHome gives the served person a section of their closed cases
// awaiting feedback, and district and town staff a card with the open
// complaints of their scope.
func (s *Store) feedbackHome(r *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
	var h module.Home
	c := access.Of(r, p)
	switch p.Role {
	case identity.Person:
		list, err := s.AwaitingFeedback(r.Context(), c)
		if err != nil || len(list) == 0 {
			return h, err
		}
		sec := module.Section{Order: 45, Heading: page.T("请评价已办结的服务", "Rate the services you received"),
			Text: page.T("您的满意度和意见会用于评估为您服务的机构。", "Your satisfaction and remarks count in the evaluation of the organisations that served you.")}
		for _, cs := range list {
			name := cs.ServiceType
			if t, ok := s.cases.TypeOf(cs.ServiceType); ok {
				name = t.Name(page.Lang)
			}
			sec.Items = append(sec.Items, view.Cell{Href: fmt.Sprintf("/cases/%d/feedback", cs.ID),
				Text: page.T(fmt.Sprintf("评价“%s”（个案 %d）", name, cs.ID), fmt.Sprintf("Rate “%s” (case %d)", name, cs.ID)),
				Tag:  page.T("办结于 ", "closed on ") + web.Date(*cs.ClosedAt)})
		}
		h.Sections = []module.Section{sec}
	case identity.DistrictStaff, identity.TownStaff:
		n, err := s.OpenComplaints(r.Context(), c)
		if err != nil || n == 0 {
			return h, err
		}
		en := "complaints about services wait to be handled"
		if n == 1 {
			en = "complaint about a service waits to be handled"
		}
		h.Cards = []module.Card{{Order: 60, Href: "/providers/complaints", Count: strconv.Itoa(n),
			Text: page.T("条服务投诉待处理", en)}}
	}
	return h, nil
}
