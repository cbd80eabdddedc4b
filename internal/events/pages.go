package events

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

// Pages serves the events' pages: the staff's list, calendar, new event
// form and an event's page with its entries; the person's /my/events.
type Pages struct {
	*Store
	web.Kit
	Reg *registry.Store
}

// Routes registers the pages.
func (p *Pages) Routes(rt *web.Router) {
	rt.Page("GET /events", staffRoles, p.list)
	rt.Page("GET /events/calendar", staffRoles, p.calendar)
	rt.Page("GET /events/new", staffRoles, p.newEvent)
	rt.Page("POST /events/new", staffRoles, p.createEvent)
	rt.Page("GET /events/{id}", staffRoles, p.eventPage)
	rt.Page("POST /events/{id}/registrations", staffRoles, p.register)
	rt.Page("POST /events/{id}/withdrawals", staffRoles, p.withdraw)
	rt.Page("POST /events/{id}/attendance", staffRoles, p.attend)
	rt.Page("POST /events/{id}/absences", staffRoles, p.unattend)
	rt.Page("POST /events/{id}/results", staffRoles, p.result)
	rt.Page("POST /events/{id}/cancel", staffRoles, p.cancel)
	p.partnerRoutes(rt)
	rt.Page("GET /my/events", personOnly, p.mine)
	rt.Page("POST /my/events/{id}/register", personOnly, p.myRegister)
	rt.Page("POST /my/events/{id}/withdraw", personOnly, p.myWithdraw)
}

// option is a choice of a select.
type option struct {
	Value, Label string
	Checked      bool
}

func kindOptions(chosen, lang string) []option {
	out := make([]option, 0, len(Kinds))
	for _, k := range Kinds {
		out = append(out, option{Value: k.Code, Label: k.In(lang), Checked: k.Code == chosen})
	}
	return out
}

var weekdays = [][2]string{{"周日", "Sun"}, {"周一", "Mon"}, {"周二", "Tue"}, {"周三", "Wed"}, {"周四", "Thu"}, {"周五", "Fri"}, {"周六", "Sat"}}

// dayLabel says a date with its weekday.
func dayLabel(date, lang string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	w := weekdays[t.Weekday()]
	return date + " " + apperr.T(w[0], w[1]).In(lang)
}

func monthLabel(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("January 2006")
	}
	return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// row is an event in a list.
type row struct {
	ID                      int64
	Title, Date, Kind, Unit string
	State, Places, Mine     string
	Cancelled, CanJoin      bool
}

func (p *Pages) stateWords(e Event, lang string) string {
	today := Today(p.db.Now())
	switch {
	case e.State == Cancelled:
		return apperr.T("已取消", "Cancelled").In(lang)
	case e.Date < today:
		return apperr.T("已举行", "Held").In(lang)
	case e.Date == today:
		return apperr.T("今天举行", "Today").In(lang)
	case e.Full():
		return apperr.T("名额已满", "Full").In(lang)
	}
	return apperr.T("报名中", "Open for registration").In(lang)
}

func placesWords(e Event, lang string) string {
	if e.Places == 0 {
		return apperr.T(fmt.Sprintf("已报 %d，不限名额", e.Registered), fmt.Sprintf("%d registered, no limit", e.Registered)).In(lang)
	}
	return apperr.T(fmt.Sprintf("已报 %d / 共 %d", e.Registered, e.Places), fmt.Sprintf("%d of %d places taken", e.Registered, e.Places)).In(lang)
}

// rows names events for a list (units by name).
func (p *Pages) rows(r *http.Request, list []Event, lang string) ([]row, error) {
	var codes []string
	for _, e := range list {
		codes = append(codes, e.OrgUnit)
	}
	names, err := p.units.Labels(r.Context(), codes, lang)
	if err != nil {
		return nil, err
	}
	today := Today(p.db.Now())
	out := make([]row, 0, len(list))
	for _, e := range list {
		rw := row{ID: e.ID, Title: e.Title, Date: dayLabel(e.Date, lang), Kind: KindOf(e.Kind).In(lang), Unit: or(names[e.OrgUnit], e.OrgUnit),
			State: p.stateWords(e, lang), Places: placesWords(e, lang), Cancelled: e.State == Cancelled}
		rw.CanJoin = e.State == Open && e.Date >= today && !e.Full() && e.Mine == nil
		if e.Mine != nil {
			rw.Mine = entryWords(*e.Mine, e, today, lang)
		}
		out = append(out, rw)
	}
	return out, nil
}

// entryWords says where a person's entry stands.
func entryWords(n Entry, e Event, today, lang string) string {
	switch {
	case n.Attended && (n.Place > 0 || n.Award != ""):
		return apperr.T("已参加：", "Attended: ").In(lang) + placeWords(n.Place, n.Award, lang)
	case n.Attended:
		return apperr.T("已参加", "Attended").In(lang)
	case e.Date < today:
		return apperr.T("已报名，未记录到场", "Registered; no attendance recorded").In(lang)
	}
	return apperr.T("已报名", "Registered").In(lang)
}

// doneMessages are the results a redirect names with ?done=.
var doneMessages = map[string]apperr.Text{
	"created":    apperr.T("活动已发布。", "The event is published."),
	"registered": apperr.T("已报名。", "Registered."),
	"withdrawn":  apperr.T("已取消报名。", "The registration is withdrawn."),
	"attended":   apperr.T("已记录到场。", "Attendance recorded."),
	"absent":     apperr.T("已撤销到场记录。", "Attendance removed."),
	"result":     apperr.T("成绩已记录。", "The result is recorded."),
	"cancelled":  apperr.T("活动已取消。", "The event is cancelled."),
}

func flash(r *http.Request, page *web.Page) {
	if m, ok := doneMessages[r.URL.Query().Get("done")]; ok {
		page.Flash = m.In(page.Lang)
	}
}

func crumbs(page *web.Page, more ...web.Crumb) []web.Crumb {
	return append([]web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("活动赛事", "Events"), Href: "/events"}}, more...)
}

func badForm() error {
	return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
}

// monthParam reads ?month=YYYY-MM (this month when absent).
func (p *Pages) monthParam(r *http.Request) (time.Time, bool, error) {
	now := p.db.Now().In(shanghai)
	m := strings.TrimSpace(r.URL.Query().Get("month"))
	if m == "" {
		return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, shanghai), false, nil
	}
	t, err := time.ParseInLocation("2006-01", m, shanghai)
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		return time.Time{}, false, apperr.Validation(apperr.Field("month", "invalid", "月份应写成 2026-05 这样。", "The month is written like 2026-05."))
	}
	return t, true, nil
}

// ---- the list ----

type listData struct {
	Kinds          []option
	Month          string
	Upcoming, Past []row
	Filtered       bool
	// Partners are the partner districts' shared events of this year,
	// fetched live (none: no partner districts set up).
	Partners []partnerSection
}

func (p *Pages) list(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	c := access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	page.Title = page.T("活动赛事", "Events")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	flash(r, page)
	q := r.URL.Query()
	kind := q.Get("kind")
	if KindOf(kind).Code == "" {
		kind = ""
	}
	f := Filter{Kind: kind, Limit: 500}
	start, month, err := p.monthParam(r)
	if err != nil {
		return err
	}
	d := listData{Kinds: kindOptions(kind, page.Lang), Filtered: kind != "" || month}
	if month {
		f.From, f.To, d.Month = Today(start), Today(start.AddDate(0, 1, 0)), start.Format("2006-01")
	}
	list, err := p.List(r.Context(), c, f)
	if err != nil {
		return err
	}
	rows, err := p.rows(r, list, page.Lang)
	if err != nil {
		return err
	}
	today := Today(p.db.Now())
	for i, e := range list {
		if e.Date >= today {
			d.Upcoming = append(d.Upcoming, rows[i])
		} else {
			d.Past = append([]row{rows[i]}, d.Past...) // the latest first
		}
	}
	if d.Partners, err = p.partnerSections(r, page.Lang); err != nil {
		return err
	}
	page.Data = d
	return p.Render(w, r, http.StatusOK, "event_list.html", page)
}

// ---- the calendar ----

type dayGroup struct {
	Day, Label string
	Today      bool
	Events     []row
	Sessions   []Session
}

type calendarData struct {
	Month, MonthLabel string
	Prev, Next        string
	PrevLabel         string
	NextLabel         string
	Days              []dayGroup
	// More is how many centre sessions were left out (MaxCalendarSessions).
	More int
}

// MaxCalendarSessions is the most centre sessions the calendar lists in a
// month (a district sees every centre's).
const MaxCalendarSessions = 400

func (p *Pages) calendar(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	c := access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	start, _, err := p.monthParam(r)
	if err != nil {
		return err
	}
	end := start.AddDate(0, 1, 0)
	list, err := p.List(r.Context(), c, Filter{From: Today(start), To: Today(end), Limit: 500})
	if err != nil {
		return err
	}
	rows, err := p.rows(r, list, page.Lang)
	if err != nil {
		return err
	}
	prev := start.AddDate(0, -1, 0)
	d := calendarData{Month: start.Format("2006-01"), MonthLabel: monthLabel(start, page.Lang),
		Prev: "/events/calendar?month=" + prev.Format("2006-01"), PrevLabel: monthLabel(prev, page.Lang),
		Next: "/events/calendar?month=" + end.Format("2006-01"), NextLabel: monthLabel(end, page.Lang)}
	today := Today(p.db.Now())
	byDay := map[string]*dayGroup{}
	group := func(day string) *dayGroup {
		if g, ok := byDay[day]; ok {
			return g
		}
		g := &dayGroup{Day: day, Label: dayLabel(day, page.Lang), Today: day == today}
		byDay[day] = g
		return g
	}
	for i, e := range list {
		g := group(e.Date)
		g.Events = append(g.Events, rows[i])
	}
	if p.Sessions != nil {
		ss, err := p.Sessions(r.Context(), c, Today(start), Today(end), page.Lang)
		if err != nil {
			return err
		}
		if len(ss) > MaxCalendarSessions {
			d.More, ss = len(ss)-MaxCalendarSessions, ss[:MaxCalendarSessions]
		}
		for _, s := range ss {
			g := group(s.Date)
			g.Sessions = append(g.Sessions, s)
		}
	}
	for _, day := range slices.Sorted(maps.Keys(byDay)) {
		d.Days = append(d.Days, *byDay[day])
	}
	page.Title = page.T("活动与中心项目日历："+d.MonthLabel, "Calendar of events and centre sessions: "+d.MonthLabel)
	page.Crumbs = crumbs(page, web.Crumb{Label: page.T("日历", "Calendar")})
	page.Data = d
	return p.Render(w, r, http.StatusOK, "event_calendar.html", page)
}

// ---- the new event form ----

type formData struct {
	Form   url.Values
	Kinds  []option
	Places []orgunit.PickGroup
	Unit   string
}

func (p *Pages) formPage(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, form url.Values, err error) error {
	c := access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	page.Title = page.T("发布活动", "New event")
	page.Crumbs = crumbs(page, web.Crumb{Label: page.Title})
	d := formData{Form: form, Unit: form.Get("orgunit"), Kinds: kindOptions(form.Get("kind"), page.Lang)}
	var err2 error
	if d.Places, err2 = p.units.Picker(r.Context(), c.Scope, page.Lang, false, d.Unit); err2 != nil {
		return err2
	}
	if err != nil {
		page.Error = web.FormErrorOf(err, page.Lang)
	}
	page.Data = d
	return p.Render(w, r, status, "event_new.html", page)
}

func (p *Pages) newEvent(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	next := p.db.Now().In(shanghai).AddDate(0, 0, 7)
	form := url.Values{"orgunit": {pr.OrgUnit}, "date": {next.Format(time.DateOnly)}, "kind": {"sport"}, "places": {"0"}}
	return p.formPage(w, r, pr, http.StatusOK, form, nil)
}

func (p *Pages) createEvent(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	f := r.PostForm
	in := Input{Title: f.Get("title"), Kind: f.Get("kind"), OrgUnit: f.Get("orgunit"), Shared: f.Get("shared") == "1", Date: f.Get("date"),
		Place: f.Get("place"), Description: f.Get("description")}
	var err error
	if s := strings.TrimSpace(f.Get("places")); s != "" {
		n, convErr := strconv.Atoi(s)
		if convErr != nil {
			err = apperr.Validation(apperr.Field("places", "invalid", "名额应为整数（0表示不限）。", "Places must be a whole number (0: no limit)."))
		}
		in.Places = n
	}
	if err == nil {
		var e Event
		if e, err = p.Create(r.Context(), access.Of(r, pr), in); err == nil {
			web.Redirect(w, r, fmt.Sprintf("/events/%d?done=created", e.ID))
			return nil
		}
		if web.FormErrorOf(err, web.PageLang(r)) == nil {
			return err
		}
	}
	return p.formPage(w, r, pr, web.Status(apperr.CodeOf(err)), f, err)
}

// ---- an event ----

type entryRow struct {
	Entry
	By, Result        string
	PlaceVal, Award   string
	CanWithdraw       bool
	CanAttend, CanSet bool
}

type eventData struct {
	E                    Event
	Kind, Unit, State    string
	Places, By           string
	Manages              bool
	CanRegister          bool
	CanAttend            bool
	Entries              []entryRow
	Picker               registry.Picker
	Form                 url.Values
	Over, Upcoming, Open bool
	// PartnerCounts are, for a shared event, the partners' counts of their
	// residents at it.
	PartnerCounts []PartnerCount
}

func (p *Pages) eventPage(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.show(w, r, pr, http.StatusOK, nil, nil, nil)
}

// show renders an event's page; after a refused action, with the error at
// its field and the form as sent; pk is the person picker as the form left
// it (nil: empty).
func (p *Pages) show(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, fe *web.FormError, form url.Values, pk *registry.Picker) error {
	n, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	ctx, c := r.Context(), access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	e, err := p.Get(ctx, c, n)
	if err != nil {
		return err
	}
	list, err := p.Entries(ctx, c, n, page.Lang)
	if err != nil {
		return err
	}
	names, err := p.units.Labels(ctx, []string{e.OrgUnit}, page.Lang)
	if err != nil {
		return err
	}
	who := []string{e.CreatedBy}
	for _, x := range list {
		who = append(who, x.RegisteredBy)
	}
	actors, err := identity.DescribeActors(ctx, p.db, who, page.Lang)
	if err != nil {
		return err
	}
	if form == nil {
		form = url.Values{}
	}
	today := Today(p.db.Now())
	open := e.State == Open
	d := eventData{E: e, Kind: KindOf(e.Kind).In(page.Lang), Unit: or(names[e.OrgUnit], e.OrgUnit), State: p.stateWords(e, page.Lang),
		Places: placesWords(e, page.Lang), By: actors[e.CreatedBy].Words("", page.Lang), Manages: manages(c, e), Form: form,
		Over: e.Date < today, Upcoming: e.Date > today, Open: open}
	d.CanRegister = open && e.Date >= today && !e.Full()
	d.CanAttend = open && e.Date <= today
	for _, x := range list {
		er := entryRow{Entry: x, By: actors[x.RegisteredBy].Words("", page.Lang), Result: placeWords(x.Place, x.Award, page.Lang),
			CanWithdraw: open && e.Date >= today && !x.Attended, CanAttend: d.CanAttend, CanSet: d.CanAttend && x.Attended}
		key := strconv.FormatInt(x.PersonID, 10)
		er.PlaceVal, er.Award = form.Get("place-"+key), form.Get("award-"+key)
		if form.Get("person_id") != key || form.Get("place-"+key) == "" && form.Get("award-"+key) == "" {
			if x.Place > 0 {
				er.PlaceVal = strconv.Itoa(x.Place)
			}
			er.Award = x.Award
		}
		d.Entries = append(d.Entries, er)
	}
	if e.Shared {
		if d.PartnerCounts, err = p.PartnerCounts(ctx, c, n, page.Lang); err != nil {
			return err
		}
	}
	if pk != nil {
		d.Picker = *pk
	} else {
		d.Picker = registry.Picker{Field: "person_id"}
	}
	d.Picker.Label = page.T("报名的人", "Person to register")
	if fe != nil {
		d.Picker.Error = fe.ByField["person_id"]
	}
	page.Title = e.Title
	page.Crumbs = crumbs(page, web.Crumb{Label: e.Title})
	flash(r, page)
	page.Error = fe
	page.Data = d
	return p.Render(w, r, status, "event_page.html", page)
}

// act runs an action posted from an event's page: on success back to the
// page with ?done=, on a refusal (409, 422, 403) the page again with the
// error at the field rename gives (for an error of no field: rename("")).
func (p *Pages) act(w http.ResponseWriter, r *http.Request, pr *web.Principal, done string, rename func(string) string,
	do func(c access.Caller, id int64, f url.Values) error) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	err = do(access.Of(r, pr), id, r.PostForm)
	if err == nil {
		web.Redirect(w, r, fmt.Sprintf("/events/%d?done=%s", id, done))
		return nil
	}
	e, ok := apperr.As(err)
	code := apperr.CodeOf(err)
	if !ok || code != apperr.Invalid && code != apperr.Conflict && code != apperr.Forbidden {
		return err
	}
	return p.show(w, r, pr, web.Status(code), fieldError(e, web.PageLang(r), rename), r.PostForm, nil)
}

// fieldError localizes a refusal for a page, each field renamed.
func fieldError(e *apperr.Error, lang string, rename func(string) string) *web.FormError {
	fe := &web.FormError{Message: e.Msg.In(lang), ByField: map[string]string{}}
	add := func(field, code, msg string) {
		if _, dup := fe.ByField[field]; !dup {
			fe.Fields = append(fe.Fields, web.FieldDetail{Field: field, Code: code, Message: msg})
			fe.ByField[field] = msg
		}
	}
	for _, f := range e.Fields {
		add(rename(f.Field), f.Code, f.Msg.In(lang))
	}
	if len(fe.Fields) == 0 {
		add(rename(""), string(e.Code), fe.Message)
	}
	return fe
}

func toField(field string) func(string) string { return func(string) string { return field } }

// pid reads the form's person.
func pid(f url.Values) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(f.Get("person_id")), 10, 64)
	return max(n, 0)
}

func (p *Pages) register(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	lang := web.PageLang(r)
	pk, person, err := p.Reg.PickerFrom(r.Context(), access.Of(r, pr), r.PostForm, "person_id", "", lang)
	switch {
	case apperr.CodeOf(err) == apperr.Invalid:
		e, _ := apperr.As(err)
		return p.show(w, r, pr, http.StatusUnprocessableEntity, fieldError(e, lang, toField("person_id")), r.PostForm, &pk)
	case err != nil:
		return err
	case pk.Find:
		return p.show(w, r, pr, http.StatusOK, nil, r.PostForm, &pk)
	case person == 0:
		e, _ := apperr.As(apperr.Validation(pk.PickRequired()))
		return p.show(w, r, pr, http.StatusUnprocessableEntity, fieldError(e, lang, toField("person_id")), r.PostForm, &pk)
	}
	return p.act(w, r, pr, "registered", toField("person_id"), func(c access.Caller, id int64, _ url.Values) error {
		_, err := p.Register(r.Context(), c, id, person)
		return err
	})
}

func (p *Pages) withdraw(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.act(w, r, pr, "withdrawn", toField("act-"+r.FormValue("person_id")), func(c access.Caller, id int64, f url.Values) error {
		return p.Withdraw(r.Context(), c, id, pid(f))
	})
}

func (p *Pages) attend(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.act(w, r, pr, "attended", toField("act-"+r.FormValue("person_id")), func(c access.Caller, id int64, f url.Values) error {
		_, _, err := p.Attend(r.Context(), c, id, pid(f))
		return err
	})
}

func (p *Pages) unattend(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.act(w, r, pr, "absent", toField("act-"+r.FormValue("person_id")), func(c access.Caller, id int64, f url.Values) error {
		return p.Unattend(r.Context(), c, id, pid(f))
	})
}

func (p *Pages) result(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	key := r.FormValue("person_id")
	rename := func(f string) string {
		if f == "award" {
			return "award-" + key
		}
		return "place-" + key
	}
	return p.act(w, r, pr, "result", rename, func(c access.Caller, id int64, f url.Values) error {
		in := ResultInput{Award: f.Get("award-" + key)}
		if s := strings.TrimSpace(f.Get("place-" + key)); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return apperr.Validation(apperr.Field("place", "invalid", "名次应为整数。", "The place must be a whole number."))
			}
			in.Place = n
		}
		_, err := p.SetResult(r.Context(), c, id, pid(f), in)
		return err
	})
}

func (p *Pages) cancel(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.act(w, r, pr, "cancelled", toField("reason"), func(c access.Caller, id int64, f url.Values) error {
		_, err := p.Cancel(r.Context(), c, id, f.Get("reason"))
		return err
	})
}
