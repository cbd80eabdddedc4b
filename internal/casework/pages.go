package casework

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/dates"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

//go:embed templates/*.html
var templatesFS embed.FS

// Templates are the case pages' templates.
func Templates() fs.FS {
	return web.TemplateDir(templatesFS)
}

// TemplateFuncs are the case pages' template helpers.
func TemplateFuncs() template.FuncMap {
	return template.FuncMap{
		"caseDate": dateOf,
		// optionGroups splits a field's options into runs under one heading.
		"optionGroups": optionGroups,
		// hasValue tells whether a form holds value among the values of name.
		"hasValue": func(form url.Values, name, value string) bool { return slices.Contains(form[name], value) },
	}
}

// dateOf shows a time as a date in China time; nil or zero: "".
func dateOf(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
}

// personCases is how many of a person's cases their page lists.
const personCases = 50

// PersonCases is the person page's table of the person's cases, newest
// first, with a link to request a service when the caller may (a
// registry.Section).
func (pg *Pages) PersonCases(ctx context.Context, c access.Caller, personID int64, lang string) ([]web.Table, error) {
	cases, total, _, err := pg.Engine.List(ctx, c, Filter{PersonID: personID, Limit: personCases})
	if err != nil {
		return nil, err
	}
	t := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	tb := web.Table{ID: "person-cases", Caption: t("服务申请", "Service requests"),
		Head:  []string{t("个案", "Case"), t("服务", "Service"), t("状态", "State"), t("办理期限", "Due"), t("申请日期", "Opened")},
		Empty: t("还没有服务申请。", "No service requests yet.")}
	if total > len(cases) {
		tb.Caption = t(fmt.Sprintf("服务申请：最近 %d 个，共 %d 个", len(cases), total), fmt.Sprintf("Service requests: the latest %d of %d", len(cases), total))
	}
	for _, cs := range cases {
		typ, ok := pg.Engine.TypeOf(cs.ServiceType)
		if !ok {
			continue
		}
		st, _ := typ.StateOf(cs.State)
		state := web.Cell{Text: t(st.Zh, st.En)}
		if cs.Overdue {
			state.Tag = t("逾期", "overdue")
		}
		due := dateOf(cs.DueAt)
		if due == "" {
			due = "—"
		}
		tb.Rows = append(tb.Rows, []web.Cell{{Text: t(fmt.Sprintf("个案 %d", cs.ID), fmt.Sprintf("Case %d", cs.ID)), Href: fmt.Sprintf("/cases/%d", cs.ID)},
			{Text: typ.Name(lang)}, state, {Text: due}, {Text: dateOf(&cs.CreatedAt)}})
	}
	if slices.Contains(creators.Roles, c.Actor.Role) {
		href := fmt.Sprintf("/cases/new?person_id=%d", personID)
		if c.Actor.Role == identity.Person {
			href = "/cases/new"
		}
		tb.Links = append(tb.Links, web.Cell{Text: t("申请服务", "Request a service"), Href: href})
	}
	return []web.Table{tb}, nil
}

// Pages serves the case pages: the inbox, a new case, one case with its
// actions.
type Pages struct {
	Engine   *Engine
	Registry *registry.Store
	web.Kit
	// Extras, when set, adds tables of another module to every case page
	// after the type's own panels (purchased services: the contract the
	// case is assigned to and the link to assign it). The app sets it.
	Extras func(r *http.Request, p *web.Principal, cs Case, lang string) ([]web.Table, error)
}

// Routes registers the case pages.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /cases", caseRoles, pg.inbox)
	rt.Page("GET /cases/new", creators, pg.newForm)
	rt.Page("POST /cases/new", creators, pg.create)
	rt.Page("GET /cases/{id}", caseRoles, pg.show)
	rt.Page("POST /cases/{id}/act", caseRoles, pg.act)
	rt.Page("POST /cases/renew", renewers, pg.renew)
}

// renewers may start a certificate's renewal (Renewal's CreateRoles).
var renewers = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant)

// renew starts the renewal task of a person's certificate (the person page's
// button) and shows it; when one is under way already, it shows that one.
func (pg *Pages) renew(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	c := access.Of(r, p)
	id, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("person_id")), 10, 64)
	if err != nil || id <= 0 {
		return apperr.New(apperr.NotFound, "找不到这个人员。", "There is no such person.")
	}
	open, _, _, err := pg.Engine.List(r.Context(), c, Filter{PersonID: id, ServiceType: RenewalCode, Open: true, Limit: 1})
	if err != nil {
		return err
	}
	if len(open) > 0 {
		web.Redirect(w, r, fmt.Sprintf("/cases/%d", open[0].ID))
		return nil
	}
	lang := web.PageLang(r)
	cs, err := pg.Engine.Create(r.Context(), c, id, RenewalCode, map[string]any{
		"need": apperr.T("残疾证到期，需要重新评定并换发新证。", "The certificate expires: it needs a reassessment and a new certificate.").In(lang)})
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/cases/%d", cs.ID))
	return nil
}

// inboxPage is how many cases one inbox page shows: overdue first, then by
// due date, cases without one last (the order is the database's).
const inboxPage = 100

// inboxRow is one case of the inbox.
type inboxRow struct {
	Case
	TypeName  string
	StateName string
	MayAct    bool
	// Person names the case's person; nil when the person's record lies
	// outside the caller's scope (moved away): the page says so, without a name.
	Person *registry.Label
}

type inboxData struct {
	Show      string // mine, open, overdue
	Rows      []inboxRow
	Total     int          // cases of this view, on all pages
	Type      string       // only cases of this service type ("": all)
	Types     []typeOption // the service types to choose from
	Next      string
	Cursor    string
	IsPerson  bool
	CanCreate bool
	PersonURL bool // link person ids to /persons/{id}
}

// mayAct lists the transitions role may take from the case's current state
// that the type offers for the case.
func mayAct(t *Type, cs Case, role string) []Transition {
	var out []Transition
	for _, tr := range t.Transitions {
		if slices.Contains(tr.Roles, role) && slices.Contains(tr.From, cs.State) && t.offers(cs, tr.Action) {
			out = append(out, tr)
		}
	}
	return out
}

func (pg *Pages) inbox(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T("个案", "Cases")
	q := r.URL.Query()
	d := inboxData{Show: q.Get("show"), IsPerson: p.Role == identity.Person, CanCreate: slices.Contains(creators.Roles, p.Role),
		PersonURL: p.Role != identity.Provider && p.Role != identity.Person, Cursor: q.Get("cursor")}
	if d.Show != "open" && d.Show != "overdue" && d.Show != "mine" {
		d.Show = "mine"
		if d.IsPerson {
			d.Show = "open"
		}
	}
	f := Filter{Open: true, Overdue: d.Show == "overdue", ByDue: true, Cursor: d.Cursor, Limit: inboxPage}
	if err := pg.Engine.Refresh(r.Context()); err != nil {
		return err
	}
	if t, ok := pg.Engine.TypeOf(q.Get("type")); ok {
		d.Type, f.ServiceType = t.Code, t.Code
	}
	for _, t := range pg.Engine.Types() {
		d.Types = append(d.Types, typeOption{Code: t.Code, Name: t.Name(page.Lang)})
	}
	if d.Show == "mine" {
		f.WaitingFor = p.Role
	}
	cases, total, next, err := pg.Engine.List(r.Context(), access.Of(r, p), f)
	if err != nil {
		return err
	}
	d.Total, d.Next = total, next
	labels, err := pg.labels(r, p, cases, page.Lang)
	if err != nil {
		return err
	}
	for _, c := range cases {
		t, ok := pg.Engine.TypeOf(c.ServiceType)
		if !ok {
			continue
		}
		st, _ := t.StateOf(c.State)
		row := inboxRow{Case: c, TypeName: t.Name(page.Lang), StateName: page.T(st.Zh, st.En), MayAct: t.WaitsFor(c.State, p.Role)}
		if l, ok := labels[c.PersonID]; ok {
			row.Person = &l
		}
		d.Rows = append(d.Rows, row)
	}
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "cases.html", page)
}

// labels names the persons of a page of cases in one lookup, limited to the
// caller's scope.
func (pg *Pages) labels(r *http.Request, p *web.Principal, cases []Case, lang string) (map[int64]registry.Label, error) {
	ids := make([]int64, len(cases))
	for i, c := range cases {
		ids[i] = c.PersonID
	}
	return pg.Registry.Labels(r.Context(), access.Of(r, p), ids, lang)
}

// newData is the form of a new case.
type newData struct {
	PersonID   string
	PersonName string
	Picker     registry.Picker // staff choose the person with it
	IsPerson   bool
	Types      []typeOption
	Type       string
	Need       string
	Unit       string     // the person's unit: only the types open to it are offered
	Form       url.Values // the values of a failed submission
	// CertFlag flags the person's expired or soon-expiring certificate;
	// when it has expired, Refused names the services it bars (left out of
	// the choice) and Reason says the others ask why (Type.ExpiredCertificate).
	CertFlag    string
	CertExpired bool
	Refused     []string
	Reason      bool
	CanRenew    bool // the caller may start the renewal task
	// NeedField names the need box after the chosen type's own "need" field
	// (an appeal's reason), when the form comes with the type chosen.
	NeedField *Field
	// Own is set when the form is for one type opened from its own link
	// (Type.OwnEntry: an appeal): that type only, named in the title.
	Own bool
}

// typeOption is a service the form offers, with the fields of its own
// (a local project's) beyond the need.
type typeOption struct {
	Code, Name string
	Fields     []Field
	Labels     map[string][2]string // the names of enum choices (Type.Labels)
}

// ownFields are a type's create fields beyond "need", which the form asks always.
func ownFields(t *Type) []Field {
	var out []Field
	for _, f := range t.CreateFields {
		if f.Name != "need" {
			out = append(out, f)
		}
	}
	return out
}

// createData builds a new case's data from the posted form: the need, and
// the type's own fields (posted as "<type>.<field>") by their kinds.
func createData(r *http.Request, t *Type, need string) (map[string]any, []apperr.FieldError) {
	data := map[string]any{"need": need}
	var bad []apperr.FieldError
	for _, f := range ownFields(t) {
		if v, ok, fe := formValue(f, r.PostForm[t.Code+"."+f.Name]); fe != nil {
			bad = append(bad, *fe)
		} else if ok {
			data[f.Name] = v
		}
	}
	return data, bad
}

// formValue reads a field's value from the posted values by its kind: the
// non-empty items of a list, a whole number, an amount typed in yuan (kept
// in cents, as the API takes it), a checkbox. ok is false when the field
// was left empty. A number that cannot be read is left to the engine's
// check, which names the field; an amount in yuan is checked here, as the
// engine's message speaks of cents.
func formValue(f Field, posted []string) (v any, ok bool, bad *apperr.FieldError) {
	first := ""
	if len(posted) > 0 {
		first = strings.TrimSpace(posted[0])
	}
	switch f.Kind {
	case KindList:
		var items []any
		for _, x := range posted {
			if x = strings.TrimSpace(x); x != "" {
				items = append(items, x)
			}
		}
		return items, len(items) > 0, nil
	case KindBool:
		return first == "true" || first == "on", true, nil
	case KindInt:
		if first == "" {
			return nil, false, nil
		}
		if _, err := strconv.ParseInt(first, 10, 64); err == nil {
			return json.Number(first), true, nil
		}
		return first, true, nil // reported as not a number
	case KindMoney:
		if first == "" {
			return nil, false, nil
		}
		hi := int64(MaxMoneyCents)
		if f.Max > 0 {
			hi = f.Max
		}
		cents, _, fe := money.Field{Name: f.Name, Zh: f.Zh, En: f.En, Max: hi}.Read(first)
		if fe != nil {
			return nil, false, fe
		}
		return json.Number(strconv.FormatInt(cents, 10)), true, nil
	case KindDate: // typed as people write dates ("2026年3月5日", "2026/3/5"), kept as YYYY-MM-DD
		iso, given, fe := dates.Field{Name: f.Name, Zh: f.Zh, En: f.En}.Read(first)
		if fe != nil {
			return nil, false, fe
		}
		return iso, given, nil
	default:
		return first, first != "", nil
	}
}

// personFor checks the person of a new case: a person account opens cases
// for themselves only; staff for persons in their scope (404 otherwise). It
// returns the person's id, name and unit ("" when unknown yet).
func (pg *Pages) personFor(r *http.Request, p *web.Principal, raw string) (int64, string, string, error) {
	c := access.Of(r, p)
	raw = strings.TrimSpace(raw)
	if p.Role == identity.Person {
		if raw != "" && raw != strconv.FormatInt(c.PersonID, 10) {
			return 0, "", "", apperr.New(apperr.NotFound, "找不到这个人员。", "There is no such person.")
		}
		return c.PersonID, "", p.OrgUnit, nil
	}
	if raw == "" {
		return 0, "", "", nil
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, "", "", apperr.Validation(apperr.Field("person_id", "invalid", "所选的人无效，请重新查找并选择。", "The chosen person is not valid; search and choose again."))
	}
	person, err := pg.Registry.Get(r.Context(), c, id)
	if err != nil {
		return 0, "", "", err
	}
	return id, person.Name, person.OrgUnit, nil
}

func (pg *Pages) newPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, d newData, formErr *web.FormError) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T("申请服务", "Request a service")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("个案", "Cases"), Href: "/cases"}, {Label: page.Title}}
	page.Error = formErr
	d.IsPerson = p.Role == identity.Person
	d.Picker.Field, d.Picker.Label = "person_id", page.T("服务对象", "Person")
	if formErr != nil {
		d.Picker.Error = formErr.ByField["person_id"]
	}
	if d.Form == nil {
		d.Form = url.Values{}
	}
	unit := d.Unit
	if unit == "" && len(p.OrgUnit) >= 9 {
		unit = p.OrgUnit // no person yet: the services of the caller's own town
	}
	if err := pg.Engine.Refresh(r.Context()); err != nil {
		return err
	}
	if err := pg.certOf(r, p, &d, page.Lang); err != nil {
		return err
	}
	if t, ok := pg.Engine.TypeOf(d.Type); ok && t.OwnEntry && t.Code != RenewalCode && slices.Contains(t.CreateRoles, p.Role) {
		d.Own = true
		page.Title = t.Name(page.Lang)
		page.Crumbs[len(page.Crumbs)-1].Label = page.Title
	}
	for _, t := range pg.Engine.Types() {
		if d.Own && t.Code != d.Type {
			continue // the form of one type opened from its own link
		}
		// A renewal (its own button, where the certificate is flagged) and
		// an appeal (its link beside the decision) are not chosen among the
		// services: each was once the first of them, so a request left at
		// the first choice became one. The renewal is never offered here.
		if !slices.Contains(t.CreateRoles, p.Role) || t.Code == RenewalCode || (t.OwnEntry && d.Type != t.Code) {
			continue
		}
		if unit != "" {
			ok, err := pg.Engine.Available(r.Context(), t.Code, unit)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		if d.CertExpired {
			switch t.ExpiredCertificate {
			case CertRefuse:
				d.Refused = append(d.Refused, t.Name(page.Lang))
				continue
			case CertWarn:
				d.Reason = true
			}
		}
		fields := ownFields(t)
		for i := range fields {
			fields[i].Name = t.Code + "." + fields[i].Name
		}
		if t.Code == d.Type {
			for _, f := range t.CreateFields {
				if f.Name == needField.Name && f.Zh != needField.Zh {
					d.NeedField = &f
				}
			}
		}
		d.Types = append(d.Types, typeOption{Code: t.Code, Name: t.Name(page.Lang), Fields: fields, Labels: t.Labels})
	}
	page.Data = d
	return pg.Render(w, r, status, "case_new.html", page)
}

// certOf flags, on the new case form, the certificate of the person the
// form is for (when known and in the caller's scope).
func (pg *Pages) certOf(r *http.Request, p *web.Principal, d *newData, lang string) error {
	c := access.Of(r, p)
	id := c.PersonID
	if p.Role != identity.Person {
		id, _ = strconv.ParseInt(strings.TrimSpace(d.PersonID), 10, 64)
	}
	if id <= 0 {
		return nil
	}
	labels, err := pg.Registry.Labels(r.Context(), c, []int64{id}, lang)
	if err != nil {
		return err
	}
	l, ok := labels[id]
	if !ok {
		return nil
	}
	d.CertFlag, d.CertExpired = l.CertFlag(lang), l.CertExpired()
	if t, ok := pg.Engine.TypeOf(RenewalCode); ok {
		d.CanRenew = d.CertFlag != "" && slices.Contains(t.CreateRoles, p.Role)
	}
	return nil
}

func (pg *Pages) newForm(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	raw := r.URL.Query().Get("person_id")
	id, name, unit, err := pg.personFor(r, p, raw)
	var pk registry.Picker
	if err == nil && p.Role != identity.Person {
		// The picker without JavaScript: its search comes as a query.
		pk, _, err = pg.Registry.PickerFrom(r.Context(), access.Of(r, p), r.URL.Query(), "person_id", "", web.PageLang(r))
	}
	if err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			return pg.newPage(w, r, p, http.StatusUnprocessableEntity, newData{PersonID: raw, Picker: pk}, web.FormErrorOf(err, web.PageLang(r)))
		}
		return err
	}
	// The type's own fields may come filled in ("<type>.<field>=…": an
	// appeal of the benefit and month shown on the person's page).
	d := newData{PersonName: name, Unit: unit, Type: r.URL.Query().Get("service_type"), Picker: pk, Form: r.URL.Query()}
	if id != 0 {
		d.PersonID = strconv.FormatInt(id, 10)
	}
	return pg.newPage(w, r, p, http.StatusOK, d, nil)
}

func (pg *Pages) create(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	d := newData{PersonID: strings.TrimSpace(r.PostFormValue("person_id")), Type: r.PostFormValue("service_type"), Need: strings.TrimSpace(r.PostFormValue("need")),
		Form: r.PostForm}
	id, name, unit, err := pg.personFor(r, p, d.PersonID)
	d.PersonName, d.Unit = name, unit
	if err == nil && p.Role != identity.Person {
		d.Picker, _, err = pg.Registry.PickerFrom(r.Context(), access.Of(r, p), r.PostForm, "person_id", "", web.PageLang(r))
		if err == nil && d.Picker.Find {
			// The picker's search button (no JavaScript): the form again,
			// with the matches to choose from and everything typed kept.
			return pg.newPage(w, r, p, http.StatusOK, d, nil)
		}
	}
	if err == nil && id == 0 {
		err = apperr.Validation(d.Picker.PickRequired())
	}
	if err == nil && d.Need == "" {
		err = apperr.Validation(apperr.Field("need", "required", "请说明需要什么帮助。", "Say what help is needed."))
	}
	var cs Case
	if err == nil {
		err = pg.Engine.Refresh(r.Context())
	}
	t, known := pg.Engine.TypeOf(d.Type)
	if err == nil {
		data := map[string]any{"need": d.Need}
		var bad []apperr.FieldError
		if known {
			data, bad = createData(r, t, d.Need)
		}
		if reason := strings.TrimSpace(r.PostFormValue(overrideField.Name)); reason != "" {
			data[overrideField.Name] = reason
		}
		if len(bad) > 0 {
			err = apperr.Validation(bad...)
		} else {
			cs, err = pg.Engine.Create(r.Context(), access.Of(r, p), id, d.Type, data)
		}
	}
	if err != nil {
		fe := web.FormErrorOf(err, web.PageLang(r))
		if fe == nil {
			return err
		}
		if known { // the type's own fields are posted as "<type>.<field>"
			for _, f := range ownFields(t) {
				for i := range fe.Fields {
					if fe.Fields[i].Field == f.Name {
						fe.Fields[i].Field = t.Code + "." + f.Name
						fe.ByField[fe.Fields[i].Field] = fe.Fields[i].Message
					}
				}
			}
		}
		return pg.newPage(w, r, p, web.Status(apperr.CodeOf(err)), d, fe)
	}
	web.Redirect(w, r, fmt.Sprintf("/cases/%d", cs.ID))
	return nil
}

// caseData is what the case page shows.
type caseData struct {
	Case      Case
	TypeName  string
	StateName string
	Terminal  bool
	PersonURL string
	// Person names the case's person; nil outside the caller's scope.
	Person *registry.Label
	// OpenedBy says who opened the case, in words.
	OpenedBy string
	Facts    []fact
	Panels   []web.Table // the module's own tables (Type.Panels)
	Timeline []eventView
	Actions  []actionView
	Form     url.Values // the values of a failed submission
	Failed   string     // the action whose submission failed
	// Renew offers to start the renewal of the person's expired or
	// soon-expiring certificate (not on the renewal's own case).
	Renew bool
	// Next says, for a case still open, what happens next and who does it
	// (the steps the caller does not take themself).
	Next []string
	// Contact tells the person whom to ask about their request.
	Contact string
}

// fact is a piece of the case's data: one value, or a list of them.
type fact struct {
	Label  string
	Value  string
	Values []string
}

type eventView struct {
	At       time.Time
	Who      string
	Action   string
	From, To string
}

type actionView struct {
	Action string
	Name   string
	Fields []Field
	Danger bool // ends the case without service
	// IDs are the element ids of the fields ("f-" + name, or "f-" + action
	// + "-" + name when an earlier form on the page has a field of that name).
	IDs map[string]string
	// Choices names the values of enum fields.
	Choices map[string]string
	// Options are the values offered for fields (Type.Options).
	Options map[string][]Option
	// Boxes holds, for each list field shown as selects or text boxes, the
	// value of each box: empty, or what a failed submission chose.
	Boxes map[string][]string
}

// listBoxes is how many text boxes a list field without options gets.
const listBoxes = 3

// names of stored data keys, for the case's facts.
var dataNames = map[string][2]string{
	"need": {"需求说明", "What is needed"}, "dispensed_on": {"发放日期", "Dispensed on"},
	"loan_due": {"借用到期", "Loan due"}, "returned_on": {"归还日期", "Returned on"}, "reason": {"原因", "Reason"},
	"certificate_override": {"残疾证已过期仍申请的原因", "Reason to go ahead with an expired certificate"},
}

// fieldOf finds the field a data key was given by: a create field or a
// transition's.
func fieldOf(t *Type, key string) (Field, bool) {
	for _, f := range t.CreateFields {
		if f.Name == key {
			return f, true
		}
	}
	for _, tr := range t.Transitions {
		for _, f := range tr.Fields {
			if f.Name == key {
				return f, true
			}
		}
	}
	return Field{}, false
}

// factOf shows one data key of a case: its label (a local project's own
// field's name, the type's Labels, dataNames, a transition field's name),
// and its value or values named by the field's options or the type's
// Labels; amounts in yuan.
func (pg *Pages) factOf(ctx context.Context, page *web.Page, t *Type, cs Case, key string) (fact, error) {
	f, isField := fieldOf(t, key)
	out := fact{Label: key}
	created := isField && slices.ContainsFunc(t.CreateFields, func(c Field) bool { return c.Name == key })
	if n, ok := t.Labels[key]; ok && !created { // a local project's own field keeps its own name
		out.Label = page.T(n[0], n[1])
	} else if n, ok := dataNames[key]; ok && !created {
		out.Label = page.T(n[0], n[1])
	} else if isField {
		out.Label = page.T(f.Zh, f.En)
	}
	var opts []Option
	if t.Options != nil {
		var err error
		if opts, err = t.Options(ctx, cs, key); err != nil {
			return out, err
		}
	}
	name := func(v string) string {
		for _, o := range opts { // a value chosen from a list: its label
			if o.Value == v {
				return page.T(o.Zh, o.En)
			}
		}
		if n, ok := t.Labels[v]; ok {
			return page.T(n[0], n[1])
		}
		return v
	}
	switch v := cs.Data[key].(type) {
	case []any:
		for _, x := range v {
			out.Values = append(out.Values, name(fmt.Sprint(x)))
		}
		return out, nil
	case []string:
		for _, x := range v {
			out.Values = append(out.Values, name(x))
		}
		return out, nil
	}
	out.Value = name(fmt.Sprint(cs.Data[key]))
	if isField && f.Kind == KindMoney {
		if cents, err := strconv.ParseInt(out.Value, 10, 64); err == nil {
			out.Value = page.T(money.Grouped(cents)+" 元", money.Grouped(cents)+" yuan")
		}
	}
	return out, nil
}

func (pg *Pages) caseView(r *http.Request, p *web.Principal, page *web.Page, cs Case) (caseData, error) {
	ctx := r.Context()
	c := access.Of(r, p)
	t, ok := pg.Engine.TypeOf(cs.ServiceType)
	if !ok {
		return caseData{}, fmt.Errorf("case %d has an unknown service type %q", cs.ID, cs.ServiceType)
	}
	st, _ := t.StateOf(cs.State)
	d := caseData{Case: cs, TypeName: t.Name(page.Lang), StateName: page.T(st.Zh, st.En), Terminal: st.Terminal}
	labels, err := pg.labels(r, p, []Case{cs}, page.Lang)
	if err != nil {
		return d, err
	}
	if l, ok := labels[cs.PersonID]; ok {
		d.Person = &l
		d.Renew = l.CertFlag(page.Lang) != "" && cs.ServiceType != RenewalCode && !st.Terminal && slices.Contains(renewers.Roles, p.Role)
		switch p.Role {
		case identity.Person:
			d.PersonURL = "/me"
		case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant:
			d.PersonURL = fmt.Sprintf("/persons/%d", cs.PersonID)
		}
	}
	if t.Panels != nil {
		var err error
		if d.Panels, err = t.Panels(ctx, c, cs, page.Lang); err != nil {
			return d, err
		}
	}
	if pg.Extras != nil {
		more, err := pg.Extras(r, p, cs, page.Lang)
		if err != nil {
			return d, err
		}
		d.Panels = append(d.Panels, more...)
	}
	keys := make([]string, 0, len(cs.Data))
	for k := range cs.Data {
		if !strings.HasPrefix(k, "_") && !slices.Contains(t.Hidden, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		f, err := pg.factOf(ctx, page, t, cs, k)
		if err != nil {
			return d, err
		}
		d.Facts = append(d.Facts, f)
	}
	// Who acted, in words (their unit, role and name), named in one lookup.
	users := []string{cs.CreatedBy}
	for _, ev := range cs.Timeline {
		users = append(users, ev.Username)
	}
	actors, err := identity.DescribeActors(ctx, pg.Engine.db, users, page.Lang)
	if err != nil {
		return d, err
	}
	d.OpenedBy = actors[cs.CreatedBy].Words("", page.Lang)
	for _, ev := range cs.Timeline {
		if ev.Action == "create" && ev.Username == cs.CreatedBy {
			d.OpenedBy = actors[cs.CreatedBy].Words(ev.Role, page.Lang)
		}
	}
	for _, ev := range cs.Timeline {
		v := eventView{At: ev.At, Who: actors[ev.Username].Words(ev.Role, page.Lang), Action: ev.Action}
		switch ev.Action {
		case "create":
			v.Action = page.T("申请", "opened")
		case "assign":
			v.Action = page.T("分配给服务机构", "assigned to a provider")
		case "reassign":
			v.Action = page.T("改派服务机构", "reassigned to another provider")
		}
		for _, tr := range t.Transitions {
			if tr.Action == ev.Action {
				v.Action = page.T(tr.Zh, tr.En)
			}
		}
		if s, ok := t.StateOf(ev.From); ok {
			v.From = page.T(s.Zh, s.En)
		}
		if s, ok := t.StateOf(ev.To); ok && ev.Action != "assign" && ev.Action != "reassign" { // the state stays
			v.To = page.T(s.Zh, s.En)
		}
		d.Timeline = append(d.Timeline, v)
	}
	if !st.Terminal {
		if d.Next, err = pg.nextSteps(ctx, page, t, cs, p.Role); err != nil {
			return d, err
		}
	}
	if p.Role == identity.Person {
		if d.Contact, err = pg.contact(ctx, page, cs.OrgUnit); err != nil {
			return d, err
		}
	}
	used := map[string]bool{}
	for _, tr := range mayAct(t, cs, p.Role) {
		av := actionView{Action: tr.Action, Name: page.T(tr.Zh, tr.En), Fields: tr.Fields, IDs: map[string]string{}, Choices: map[string]string{},
			Options: map[string][]Option{}, Boxes: map[string][]string{},
			Danger: tr.To != "" && func() bool { s, _ := t.StateOf(tr.To); return s.Terminal && tr.Action != "close" }()}
		for _, f := range tr.Fields {
			av.IDs[f.Name] = "f-" + f.Name
			if used[f.Name] {
				av.IDs[f.Name] = "f-" + tr.Action + "-" + f.Name
			}
			used[f.Name] = true
			if t.Options != nil {
				opts, err := t.Options(ctx, cs, f.Name)
				if err != nil {
					return d, err
				}
				if len(opts) > 0 {
					av.Options[f.Name] = opts
				}
			}
			if f.Kind == KindList {
				n := listBoxes
				if len(av.Options[f.Name]) > 0 {
					n = f.Selects
				}
				av.Boxes[f.Name] = make([]string, n)
			}
			for _, c := range f.Choices {
				if n, ok := t.Labels[c]; ok {
					av.Choices[c] = page.T(n[0], n[1])
				}
			}
		}
		d.Actions = append(d.Actions, av)
	}
	return d, nil
}

// nextSteps says what can happen next to an open case and who does it, one
// sentence a step, leaving out the steps that end it without service and
// those the caller's role takes (they are the forms below).
func (pg *Pages) nextSteps(ctx context.Context, page *web.Page, t *Type, cs Case, role string) ([]string, error) {
	var out []string
	for _, tr := range t.Transitions {
		if !slices.Contains(tr.From, cs.State) || slices.Contains(tr.Roles, role) || !t.offers(cs, tr.Action) {
			continue
		}
		if s, ok := t.StateOf(tr.To); ok && s.Terminal && tr.Action != "close" {
			continue
		}
		var who []string
		for _, r := range tr.Roles {
			if r == identity.Person || r == identity.Provider && len(tr.Roles) > 1 {
				continue
			}
			who = append(who, identity.RoleName(r, page.Lang))
		}
		if len(who) == 0 {
			continue
		}
		out = append(out, page.T(fmt.Sprintf("%s：由%s办理", tr.Zh, strings.Join(who, "或")),
			fmt.Sprintf("%s: done by %s", tr.En, strings.Join(who, " or "))))
	}
	return out, nil
}

// contact tells a person whom to ask about their request: the assistant of
// their village and the federation of their town. No phone numbers of units
// are kept, so it says where to find them.
func (pg *Pages) contact(ctx context.Context, page *web.Page, unit string) (string, error) {
	village, town, err := pg.Engine.UnitNames(ctx, unit)
	if err != nil {
		return "", fmt.Errorf("contact of %s: %w", unit, err)
	}
	v, tn := page.T(village[0], village[1]), page.T(town[0], town[1])
	if v == "" {
		v = page.T("您所在村居", "your village")
	}
	if tn == "" {
		tn = page.T("所在街镇", "your town")
	}
	return page.T(fmt.Sprintf("有疑问或情况有变化，请联系%s村（居）委会的助残员，或%s残联（电话见村（居）委会公示栏或社区事务受理服务中心）。", v, tn),
		fmt.Sprintf("If you have a question, or something changes, contact the disability assistant of %s, or the disabled persons' federation of %s (their phone numbers are on the village notice board and at the community service centre).", v, tn)), nil
}

func (pg *Pages) showCase(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, cs Case, form url.Values, failed string, formErr *web.FormError) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T(fmt.Sprintf("个案 %d", cs.ID), fmt.Sprintf("Case %d", cs.ID))
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("个案", "Cases"), Href: "/cases"}, {Label: page.Title}}
	if r.URL.Query().Get("done") != "" && formErr == nil {
		page.Flash = page.T("已保存。", "Saved.")
	}
	d, err := pg.caseView(r, p, page, cs)
	if err != nil {
		return err
	}
	d.Form, d.Failed = form, failed
	if d.Form == nil {
		d.Form = url.Values{}
	}
	for _, a := range d.Actions {
		if a.Action != failed {
			continue
		}
		for name, boxes := range a.Boxes { // what the failed submission chose, box by box
			copy(boxes, d.Form[name])
		}
	}
	page.Error = formErr
	page.Data = d
	return pg.Render(w, r, status, "case.html", page)
}

func (pg *Pages) show(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	cs, err := pg.Engine.Get(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	return pg.showCase(w, r, p, http.StatusOK, cs, nil, "", nil)
}

// formData builds an action's data from the posted form, by the kinds of
// the action's fields (formValue).
func formData(r *http.Request, t *Type, action string) (map[string]any, []apperr.FieldError) {
	data := map[string]any{}
	var bad []apperr.FieldError
	for _, tr := range t.Transitions {
		if tr.Action != action {
			continue
		}
		for _, f := range tr.Fields {
			if v, ok, fe := formValue(f, r.PostForm[f.Name]); fe != nil {
				bad = append(bad, *fe)
			} else if ok {
				data[f.Name] = v
			} else if f.Ask {
				bad = append(bad, apperr.Field(f.Name, "required", "请填写"+f.Zh+"。", f.En+" is required."))
			}
		}
	}
	return data, bad
}

func (pg *Pages) act(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	c := access.Of(r, p)
	action := r.PostFormValue("action")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	if version <= 0 {
		version = -1 // a form always sends its version: missing means stale
	}
	cs, err := pg.Engine.get(r.Context(), c, id)
	if err != nil {
		return err
	}
	t, ok := pg.Engine.TypeOf(cs.ServiceType)
	if !ok {
		return fmt.Errorf("case %d has an unknown service type %q", id, cs.ServiceType)
	}
	data, bad := formData(r, t, action)
	if len(bad) > 0 {
		err = apperr.Validation(bad...)
	} else {
		_, err = pg.Engine.Act(r.Context(), c, id, action, data, version)
	}
	if err == nil {
		web.Redirect(w, r, fmt.Sprintf("/cases/%d?done=%s", id, url.QueryEscape(action)))
		return nil
	}
	code := apperr.CodeOf(err)
	if code != apperr.Forbidden && code != apperr.Conflict && code != apperr.Invalid {
		return err
	}
	lang := web.PageLang(r)
	fe := web.FormErrorOf(err, lang)
	if fe == nil {
		e, _ := apperr.As(err)
		fe = &web.FormError{Message: e.Msg.In(lang), ByField: map[string]string{}}
	}
	// Errors of one item ("items[1].code") belong to the items fieldset.
	for i, f := range fe.Fields {
		if name, _, ok := strings.Cut(f.Field, "["); ok {
			fe.Fields[i].Field = name
			if _, dup := fe.ByField[name]; !dup {
				fe.ByField[name] = f.Message
			}
		}
		if f.Field == "action" {
			fe.Fields[i].Field = "actions"
		}
	}
	if cs, err = pg.Engine.get(r.Context(), c, id); err != nil {
		return err
	}
	return pg.showCase(w, r, p, web.Status(code), cs, r.PostForm, action, fe)
}
