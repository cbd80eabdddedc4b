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

	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

//go:embed templates/*.html
var templatesFS embed.FS

// Templates are the case pages' templates.
func Templates() fs.FS {
	sub, _ := fs.Sub(templatesFS, "templates")
	return sub
}

// TemplateFuncs are the case pages' template helpers.
func TemplateFuncs() template.FuncMap {
	return template.FuncMap{
		// caseDate shows a time as a date in China time; nil or zero: "".
		"caseDate": func(t *time.Time) string {
			if t == nil || t.IsZero() {
				return ""
			}
			return t.In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
		},
		// hasValue tells whether a form holds value among the values of name.
		"hasValue": func(form url.Values, name, value string) bool { return slices.Contains(form[name], value) },
	}
}

// Device pages' view of the assistive device module. The devices package
// imports casework, so the case pages take what they need of it through
// DeviceSource, which the app adapts.
type (
	// DeviceProduct is a catalogue entry.
	DeviceProduct struct {
		Code     string `json:"code"`
		Name     string `json:"name"`
		NameEn   string `json:"name_en"`
		Mode     string `json:"mode"`
		Referral bool   `json:"referral"`
	}
	// DevicePoint is a service point.
	DevicePoint struct {
		ID      int64  `json:"id"`
		Name    string `json:"name"`
		NameEn  string `json:"name_en"`
		OrgUnit string `json:"orgunit"`
	}
	// DeviceStock is the quantity of one product at a point.
	DeviceStock struct {
		Code     string `json:"code"`
		Name     string `json:"name"`
		Mode     string `json:"mode"`
		Quantity int    `json:"quantity"`
	}
	// DeviceLoan is a device a person holds.
	DeviceLoan struct {
		CaseID       int64  `json:"case_id"`
		Code         string `json:"code"`
		Name         string `json:"name"`
		ServicePoint int64  `json:"service_point"`
		LentOn       string `json:"lent_on"`
		DueDate      string `json:"due_date"`
		Overdue      bool   `json:"overdue"`
	}
)

// DeviceSource is what the case and stock pages read and change of the
// assistive device service.
type DeviceSource interface {
	Products(ctx context.Context) ([]DeviceProduct, error)
	Points(ctx context.Context, sc orgunit.Scope) ([]DevicePoint, error)
	Stock(ctx context.Context, sc orgunit.Scope, pointID int64, lang string) ([]DeviceStock, error)
	Move(ctx context.Context, sc orgunit.Scope, actor audit.Actor, pointID int64, code string, quantity int, note string) (int, error)
	Loans(ctx context.Context, sc orgunit.Scope, personOnly, personID int64, lang string) ([]DeviceLoan, error)
}

// Pages serves the case pages: the inbox, a new case, one case with its
// actions, and the device stock of the service points.
type Pages struct {
	Engine   *Engine
	Registry *registry.Store
	Devices  DeviceSource
	// Labels names further data keys and choice values of other service
	// types (zh, en), e.g. rehabilitation's services and outcomes.
	Labels  map[string][2]string
	Render  func(w http.ResponseWriter, r *http.Request, status int, name string, p *web.Page) error
	NewPage func(r *http.Request, p *web.Principal, title string) *web.Page
}

var (
	stockReaders = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.Provider)
	stockKeepers = web.Roles(identity.DistrictStaff, identity.TownStaff)
)

// Routes registers the case pages.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /cases", caseRoles, pg.inbox)
	rt.Page("GET /cases/new", creators, pg.newForm)
	rt.Page("POST /cases/new", creators, pg.create)
	rt.Page("GET /cases/{id}", caseRoles, pg.show)
	rt.Page("POST /cases/{id}/act", caseRoles, pg.act)
	rt.Page("GET /devices/stock", stockReaders, pg.stock)
	rt.Page("POST /devices/stock", stockKeepers, pg.stockPost)
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

// mayAct lists the transitions role may take from the case's current state.
func mayAct(t *Type, state, role string) []Transition {
	var out []Transition
	for _, tr := range t.Transitions {
		if slices.Contains(tr.Roles, role) && slices.Contains(tr.From, state) {
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
	if t, ok := pg.Engine.TypeOf(q.Get("type")); ok {
		d.Type, f.ServiceType = t.Code, t.Code
	}
	for _, t := range pg.Engine.Types() {
		d.Types = append(d.Types, typeOption{Code: t.Code, Name: t.Name(page.Lang)})
	}
	if d.Show == "mine" {
		f.WaitingFor = p.Role
	}
	cases, total, next, err := pg.Engine.List(r.Context(), registry.CallerOf(r, p), f)
	if err != nil {
		return err
	}
	d.Total, d.Next = total, next
	for _, c := range cases {
		t, ok := pg.Engine.TypeOf(c.ServiceType)
		if !ok {
			continue
		}
		st, _ := t.StateOf(c.State)
		d.Rows = append(d.Rows, inboxRow{Case: c, TypeName: t.Name(page.Lang), StateName: page.T(st.Zh, st.En), MayAct: t.WaitsFor(c.State, p.Role)})
	}
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "cases.html", page)
}

// newData is the form of a new case.
type newData struct {
	PersonID   string
	PersonName string
	IsPerson   bool
	Types      []typeOption
	Type       string
	Need       string
	Unit       string     // the person's unit: only the types open to it are offered
	Form       url.Values // the values of a failed submission
}

// typeOption is a service the form offers, with the fields of its own
// (a local project's) beyond the need.
type typeOption struct {
	Code, Name string
	Fields     []Field
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
func createData(r *http.Request, t *Type, need string) map[string]any {
	data := map[string]any{"need": need}
	for _, f := range ownFields(t) {
		v := strings.TrimSpace(r.PostFormValue(t.Code + "." + f.Name))
		switch f.Kind {
		case KindInt, KindMoney:
			if v != "" {
				data[f.Name] = v // reported as not a number
				if _, err := strconv.ParseInt(v, 10, 64); err == nil {
					data[f.Name] = json.Number(v)
				}
			}
		case KindBool:
			data[f.Name] = v == "true" || v == "on"
		default:
			if v != "" {
				data[f.Name] = v
			}
		}
	}
	return data
}

// personFor checks the person of a new case: a person account opens cases
// for themselves only; staff for persons in their scope (404 otherwise). It
// returns the person's id, name and unit ("" when unknown yet).
func (pg *Pages) personFor(r *http.Request, p *web.Principal, raw string) (int64, string, string, error) {
	c := registry.CallerOf(r, p)
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
		return 0, "", "", apperr.Validation(apperr.Field("person_id", "invalid", "档案编号应为正整数。", "The record number must be a whole number."))
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
	if d.Form == nil {
		d.Form = url.Values{}
	}
	unit := d.Unit
	if unit == "" && len(p.OrgUnit) >= 9 {
		unit = p.OrgUnit // no person yet: the services of the caller's own town
	}
	for _, t := range pg.Engine.Types() {
		if !slices.Contains(t.CreateRoles, p.Role) {
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
		fields := ownFields(t)
		for i := range fields {
			fields[i].Name = t.Code + "." + fields[i].Name
		}
		d.Types = append(d.Types, typeOption{Code: t.Code, Name: t.Name(page.Lang), Fields: fields})
	}
	page.Data = d
	return pg.Render(w, r, status, "case_new.html", page)
}

func (pg *Pages) newForm(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	raw := r.URL.Query().Get("person_id")
	id, name, unit, err := pg.personFor(r, p, raw)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			return pg.newPage(w, r, p, http.StatusUnprocessableEntity, newData{PersonID: raw}, web.FormErrorOf(err, web.PageLang(r)))
		}
		return err
	}
	d := newData{PersonName: name, Unit: unit, Type: r.URL.Query().Get("service_type")}
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
	if err == nil && id == 0 {
		err = apperr.Validation(apperr.Field("person_id", "required", "请填写档案编号。", "Enter the record number."))
	}
	if err == nil && d.Need == "" {
		err = apperr.Validation(apperr.Field("need", "required", "请说明需要什么帮助。", "Say what help is needed."))
	}
	var cs Case
	t, known := pg.Engine.TypeOf(d.Type)
	if err == nil {
		data := map[string]any{"need": d.Need}
		if known {
			data = createData(r, t, d.Need)
		}
		cs, err = pg.Engine.Create(r.Context(), registry.CallerOf(r, p), id, d.Type, data)
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
	Case       Case
	TypeName   string
	StateName  string
	Terminal   bool
	PersonName string
	PersonURL  string
	Facts      []fact
	Items      []itemView
	Timeline   []eventView
	Actions    []actionView
	Loans      []DeviceLoan
	Devices    bool            // an assistive device case: items are catalogue products
	Products   []DeviceProduct // for the items selects
	Form       url.Values      // the values of a failed submission
	Failed     string          // the action whose submission failed
	ItemSel    []string        // the items chosen in a failed assessment, one per select
}

type fact struct{ Label, Value string }

type itemView struct{ Code, Name, Mode string }

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
}

// names of stored data keys, for the case's facts.
var dataNames = map[string][2]string{
	"need": {"需求说明", "What is needed"}, "service_point": {"发放服务点", "Service point"}, "dispensed_on": {"发放日期", "Dispensed on"},
	"loan_due": {"借用到期", "Loan due"}, "returned_on": {"归还日期", "Returned on"}, "reason": {"原因", "Reason"},
}

func (pg *Pages) caseView(r *http.Request, p *web.Principal, page *web.Page, cs Case) (caseData, error) {
	ctx := r.Context()
	c := registry.CallerOf(r, p)
	t, ok := pg.Engine.TypeOf(cs.ServiceType)
	if !ok {
		return caseData{}, fmt.Errorf("case %d has an unknown service type %q", cs.ID, cs.ServiceType)
	}
	st, _ := t.StateOf(cs.State)
	d := caseData{Case: cs, TypeName: t.Name(page.Lang), StateName: page.T(st.Zh, st.En), Terminal: st.Terminal}
	switch p.Role {
	case identity.Person:
		d.PersonURL = "/me"
	case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant:
		d.PersonURL = fmt.Sprintf("/persons/%d", cs.PersonID)
		if person, err := pg.Registry.Get(ctx, c, cs.PersonID); err == nil {
			d.PersonName = person.Name
		}
	}
	var err error
	if pg.Devices != nil && cs.ServiceType == "assistive_device" {
		d.Devices = true
		if d.Products, err = pg.Devices.Products(ctx); err != nil {
			return d, err
		}
		personOnly := int64(0)
		if p.Role == identity.Person {
			personOnly = c.PersonID
		}
		if d.Loans, err = pg.Devices.Loans(ctx, c.Scope, personOnly, cs.PersonID, page.Lang); err != nil {
			return d, err
		}
	}
	keys := make([]string, 0, len(cs.Data))
	for k := range cs.Data {
		if k != "items" && !strings.HasPrefix(k, "_") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		label := k
		if n, ok := dataNames[k]; ok {
			label = page.T(n[0], n[1])
		} else if n, ok := pg.Labels[k]; ok {
			label = page.T(n[0], n[1])
		}
		for _, f := range t.CreateFields { // a local project's own fields
			if f.Name == k {
				label = page.T(f.Zh, f.En)
			}
		}
		v := fmt.Sprint(cs.Data[k])
		if n, ok := pg.Labels[v]; ok {
			v = page.T(n[0], n[1])
		}
		if t.Options != nil { // a value chosen from a list: its label
			opts, err := t.Options(ctx, cs, k)
			if err != nil {
				return d, err
			}
			for _, o := range opts {
				if o.Value == v {
					v = page.T(o.Zh, o.En)
				}
			}
		}
		d.Facts = append(d.Facts, fact{Label: label, Value: v})
	}
	if items, ok := cs.Data["items"].([]any); ok {
		for _, it := range items {
			code := fmt.Sprint(it)
			iv := itemView{Code: code, Name: code}
			if n, ok := pg.Labels[code]; ok {
				iv.Name = page.T(n[0], n[1])
			}
			for _, pr := range d.Products {
				if pr.Code == code {
					iv.Name, iv.Mode = page.T(pr.Name, pr.NameEn), pr.Mode
				}
			}
			d.Items = append(d.Items, iv)
		}
	}
	for _, ev := range cs.Timeline {
		v := eventView{At: ev.At, Who: ev.Username + " · " + identity.RoleName(ev.Role, page.Lang), Action: ev.Action}
		if ev.Action == "create" {
			v.Action = page.T("申请", "opened")
		}
		for _, tr := range t.Transitions {
			if tr.Action == ev.Action {
				v.Action = page.T(tr.Zh, tr.En)
			}
		}
		if s, ok := t.StateOf(ev.From); ok {
			v.From = page.T(s.Zh, s.En)
		}
		if s, ok := t.StateOf(ev.To); ok {
			v.To = page.T(s.Zh, s.En)
		}
		d.Timeline = append(d.Timeline, v)
	}
	used := map[string]bool{}
	for _, tr := range mayAct(t, cs.State, p.Role) {
		av := actionView{Action: tr.Action, Name: page.T(tr.Zh, tr.En), Fields: tr.Fields, IDs: map[string]string{}, Choices: map[string]string{},
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
					if av.Options == nil {
						av.Options = map[string][]Option{}
					}
					av.Options[f.Name] = opts
				}
			}
			for _, c := range f.Choices {
				if n, ok := pg.Labels[c]; ok {
					av.Choices[c] = page.T(n[0], n[1])
				}
			}
		}
		d.Actions = append(d.Actions, av)
	}
	return d, nil
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
	d.ItemSel = make([]string, 3)
	copy(d.ItemSel, d.Form["items"])
	page.Error = formErr
	page.Data = d
	return pg.Render(w, r, status, "case.html", page)
}

func (pg *Pages) show(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	cs, err := pg.Engine.Get(r.Context(), registry.CallerOf(r, p), id)
	if err != nil {
		return err
	}
	return pg.showCase(w, r, p, http.StatusOK, cs, nil, "", nil)
}

// formData builds an action's data from the posted form, by the kinds of
// the action's fields: list items from the item controls (catalogue codes
// for assistive devices), numbers for int and money fields.
func formData(r *http.Request, t *Type, action string) map[string]any {
	data := map[string]any{}
	for _, tr := range t.Transitions {
		if tr.Action != action {
			continue
		}
		for _, f := range tr.Fields {
			switch f.Kind {
			case KindList:
				var items []any
				for _, v := range r.PostForm[f.Name] {
					if v = strings.TrimSpace(v); v == "" {
						continue
					}
					items = append(items, v)
				}
				if len(items) > 0 {
					data[f.Name] = items
				}
			case KindInt, KindMoney:
				if v := strings.TrimSpace(r.PostFormValue(f.Name)); v != "" {
					data[f.Name] = v // reported as not a number
					if _, err := strconv.ParseInt(v, 10, 64); err == nil {
						data[f.Name] = json.Number(v)
					}
				}
			case KindBool:
				v := r.PostFormValue(f.Name)
				data[f.Name] = v == "true" || v == "on"
			default:
				if v := strings.TrimSpace(r.PostFormValue(f.Name)); v != "" {
					data[f.Name] = v
				}
			}
		}
	}
	return data
}

func (pg *Pages) act(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	c := registry.CallerOf(r, p)
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
	_, err = pg.Engine.Act(r.Context(), c, id, action, formData(r, t, action), version)
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

// stockData is what the stock page shows.
type stockData struct {
	Points   []pointLink
	Point    *DevicePoint
	Items    []DeviceStock
	CanMove  bool
	Products []DeviceProduct
	Form     url.Values
}

type pointLink struct {
	ID       int64
	Name     string
	Current  bool
	OwnScope bool
}

func (pg *Pages) stockPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, pointRaw string, form url.Values, formErr error) error {
	ctx := r.Context()
	page := pg.NewPage(r, p, "")
	page.Title = page.T("辅具库存", "Device stock")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	sc := orgunit.ScopeOf(p.OrgUnit)
	points, err := pg.Devices.Points(ctx, sc)
	if err != nil {
		return err
	}
	d := stockData{Form: form}
	if d.Form == nil {
		d.Form = url.Values{}
	}
	var sel int64
	if pointRaw != "" {
		if sel, err = strconv.ParseInt(pointRaw, 10, 64); err != nil || sel <= 0 {
			return apperr.New(apperr.NotFound, "找不到这个服务点。", "There is no such service point.")
		}
	}
	for i, pt := range points {
		if sel == 0 && (sc.Contains(pt.OrgUnit) || i == len(points)-1) {
			sel = pt.ID
		}
	}
	for _, pt := range points {
		d.Points = append(d.Points, pointLink{ID: pt.ID, Name: page.T(pt.Name, pt.NameEn), Current: pt.ID == sel, OwnScope: sc.Contains(pt.OrgUnit)})
		if pt.ID == sel {
			d.Point = &pt
			d.Point.Name = page.T(pt.Name, pt.NameEn)
		}
	}
	if sel != 0 {
		if d.Items, err = pg.Devices.Stock(ctx, sc, sel, page.Lang); err != nil {
			return err
		}
	}
	if d.Point != nil && slices.Contains(stockKeepers.Roles, p.Role) && sc.Contains(d.Point.OrgUnit) {
		d.CanMove = true
		all, err := pg.Devices.Products(ctx)
		if err != nil {
			return err
		}
		for _, pr := range all {
			if !pr.Referral {
				pr.Name = page.T(pr.Name, pr.NameEn)
				d.Products = append(d.Products, pr)
			}
		}
	}
	if m := r.URL.Query().Get("moved"); m != "" && formErr == nil {
		page.Flash = page.T("库存已更新："+m, "Stock updated: "+m)
	}
	if formErr != nil {
		page.Error = web.FormErrorOf(formErr, page.Lang)
	}
	page.Data = d
	return pg.Render(w, r, status, "device_stock.html", page)
}

func (pg *Pages) stock(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.stockPage(w, r, p, http.StatusOK, r.URL.Query().Get("service_point"), nil, nil)
}

func (pg *Pages) stockPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	pointRaw := strings.TrimSpace(r.PostFormValue("service_point"))
	pointID, err := strconv.ParseInt(pointRaw, 10, 64)
	if err != nil || pointID <= 0 {
		return apperr.New(apperr.NotFound, "找不到这个服务点。", "There is no such service point.")
	}
	code := r.PostFormValue("code")
	qty, qerr := strconv.Atoi(strings.TrimSpace(r.PostFormValue("quantity")))
	if qerr != nil {
		err = apperr.Validation(apperr.Field("quantity", "invalid", "数量应为整数：入库为正数，调减为负数。", "The quantity must be a whole number: positive to receive, negative to adjust down."))
	} else {
		_, err = pg.Devices.Move(r.Context(), orgunit.ScopeOf(p.OrgUnit), registry.CallerOf(r, p).Actor, pointID, code, qty, strings.TrimSpace(r.PostFormValue("note")))
	}
	if err == nil {
		web.Redirect(w, r, fmt.Sprintf("/devices/stock?service_point=%d&moved=%s", pointID, url.QueryEscape(code)))
		return nil
	}
	if web.FormErrorOf(err, web.PageLang(r)) == nil {
		return err
	}
	return pg.stockPage(w, r, p, web.Status(apperr.CodeOf(err)), pointRaw, r.PostForm, err)
}
