package volunteers

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// ---- the calendar ----

type taskRow struct {
	ID                       int64
	Time, Title, Unit, State string
	Taken, Free, Slots       int
	Cancelled                bool
}

type dayGroup struct {
	Day, Label string
	Today      bool
	Tasks      []taskRow
}

type calendarData struct {
	Month, MonthLabel string
	Prev, Next        string
	PrevLabel         string
	NextLabel         string
	Places            []orgunit.PickGroup
	Unit              string
	Days              []dayGroup
	Count             int
}

func monthLabel(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("January 2006")
	}
	return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
}

func (p *Pages) taskState(t Task, lang string) string {
	switch {
	case t.State == TaskCancelled:
		return apperr.T("已取消", "Cancelled").In(lang)
	case !t.EndsAt.After(p.db.Now()):
		return apperr.T("已结束", "Over").In(lang)
	case !t.StartsAt.After(p.db.Now()):
		return apperr.T("进行中", "Under way").In(lang)
	case t.Free() == 0:
		return apperr.T("名额已满", "Full").In(lang)
	}
	return apperr.T("招募中", "Open for sign-up").In(lang)
}

func (p *Pages) calendar(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	ctx, c := r.Context(), access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	q := r.URL.Query()
	now := p.db.Now().In(shanghai)
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, shanghai)
	if m := strings.TrimSpace(q.Get("month")); m != "" {
		t, err := time.ParseInLocation("2006-01", m, shanghai)
		if err != nil || t.Year() < 2000 || t.Year() > 2100 {
			return apperr.Validation(apperr.Field("month", "invalid", "月份应写成 2026-05 这样。", "The month is written like 2026-05."))
		}
		start = t
	}
	end := start.AddDate(0, 1, 0)
	unit := q.Get("orgunit")
	if unit != "" && !c.Scope.Contains(unit) {
		unit = ""
	}
	list, err := p.ListTasks(ctx, c, TaskFilter{From: start, To: end, OrgUnit: unit, Limit: 500})
	if err != nil {
		return err
	}
	var codes []string
	for _, t := range list {
		codes = append(codes, t.OrgUnit)
	}
	names, err := p.units.Labels(ctx, codes, page.Lang)
	if err != nil {
		return err
	}
	d := calendarData{Month: start.Format("2006-01"), MonthLabel: monthLabel(start, page.Lang), Unit: unit, Count: len(list)}
	keep := url.Values{}
	if unit != "" {
		keep.Set("orgunit", unit)
	}
	link := func(t time.Time) string {
		keep.Set("month", t.Format("2006-01"))
		return "/volunteer-tasks?" + keep.Encode()
	}
	prev, next := start.AddDate(0, -1, 0), end
	d.Prev, d.PrevLabel, d.Next, d.NextLabel = link(prev), monthLabel(prev, page.Lang), link(next), monthLabel(next, page.Lang)
	today := DayOf(now)
	for _, t := range list {
		day := DayOf(t.StartsAt)
		if len(d.Days) == 0 || d.Days[len(d.Days)-1].Day != day {
			d.Days = append(d.Days, dayGroup{Day: day, Label: day + " " + weekday(t.StartsAt, page.Lang), Today: day == today})
		}
		g := &d.Days[len(d.Days)-1]
		g.Tasks = append(g.Tasks, taskRow{ID: t.ID, Time: clock(t.StartsAt) + "–" + clock(t.EndsAt), Title: t.Title, Unit: or(names[t.OrgUnit], t.OrgUnit),
			State: p.taskState(t, page.Lang), Taken: t.Taken, Free: t.Free(), Slots: t.Slots, Cancelled: t.State == TaskCancelled})
	}
	if d.Places, err = p.units.Picker(ctx, c.Scope, page.Lang, false, ""); err != nil {
		return err
	}
	page.Title = page.T("志愿服务任务："+d.MonthLabel, "Volunteer tasks: "+d.MonthLabel)
	page.Crumbs = crumbs(page, web.Crumb{Label: page.T("任务", "Tasks")})
	page.Data = d
	return p.Render(w, r, http.StatusOK, "volunteer_tasks.html", page)
}

// ---- the new task form ----

type taskForm struct {
	Form    url.Values
	Kinds   []option
	Teams   []option
	Skills  []option
	Places  []orgunit.PickGroup
	Unit    string
	Served  string // the served person's name (from ?case= or ?person=)
	CaseID  string
	Person  string
	Minutes int
}

// taskFields are the form's inputs of the store's fields.
var taskFields = map[string]string{"starts_at": "date", "ends_at": "end", "case_id": "title", "person_id": "title"}

func (p *Pages) taskFormPage(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, form url.Values, err error) error {
	ctx, c := r.Context(), access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	page.Title = page.T("发布志愿服务任务", "New volunteer task")
	page.Crumbs = crumbs(page, web.Crumb{Label: page.T("任务", "Tasks"), Href: "/volunteer-tasks"}, web.Crumb{Label: page.Title})
	d := taskForm{Form: form, Unit: form.Get("orgunit"), CaseID: form.Get("case_id"), Person: form.Get("person_id")}
	d.Kinds = wordOptions(Kinds, []string{form.Get("kind")}, page.Lang)
	teams, err2 := p.Teams(ctx, c)
	if err2 != nil {
		return err2
	}
	for _, t := range teams {
		d.Teams = append(d.Teams, option{Value: t.Code, Label: t.Label(page.Lang), Checked: t.Code == form.Get("team")})
	}
	d.Skills = wordOptions(Skills, form["skills"], page.Lang)
	if d.Places, err2 = p.units.Picker(ctx, c.Scope, page.Lang, false, d.Unit); err2 != nil {
		return err2
	}
	// The person served: the case's, or the one named.
	var person int64
	if d.CaseID != "" {
		id, err := strconv.ParseInt(d.CaseID, 10, 64)
		if err != nil || id <= 0 {
			return notFound()
		}
		cs, err := p.cases.Peek(ctx, c, id)
		if err != nil {
			return err
		}
		person = cs.PersonID
	} else if d.Person != "" {
		id, err := strconv.ParseInt(d.Person, 10, 64)
		if err != nil || id <= 0 {
			return notFound()
		}
		person = id
	}
	if person != 0 {
		labels, err := p.reg.Labels(ctx, c, []int64{person}, page.Lang)
		if err != nil {
			return err
		}
		l, ok := labels[person]
		if !ok {
			return notFound()
		}
		d.Served = l.Name + page.T("（", " (") + l.Unit + page.T("）", ")")
	}
	if err != nil {
		page.Error = formError(err, page.Lang, taskFields)
	}
	page.Data = d
	return p.Render(w, r, status, "volunteer_task_new.html", page)
}

func (p *Pages) newTask(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	q := r.URL.Query()
	tomorrow := p.db.Now().In(shanghai).AddDate(0, 0, 1)
	form := url.Values{"orgunit": {pr.OrgUnit}, "slots": {"1"}, "date": {tomorrow.Format(time.DateOnly)}, "start": {"09:00"}, "end": {"11:00"}, "kind": {"escort"},
		"contact_name": {pr.Name}}
	if v := q.Get("case"); v != "" {
		form.Set("case_id", v)
	} else if v := q.Get("person"); v != "" {
		form.Set("person_id", v)
	}
	return p.taskFormPage(w, r, pr, http.StatusOK, form, nil)
}

// taskInput reads the new task form: the day and the times in Shanghai.
func taskInput(f url.Values) (TaskInput, []apperr.FieldError) {
	in := TaskInput{Title: f.Get("title"), Kind: f.Get("kind"), OrgUnit: f.Get("orgunit"), Place: f.Get("place"), Help: f.Get("help"),
		Team: f.Get("team"), Skills: f["skills"], ContactName: f.Get("contact_name"), ContactPhone: f.Get("contact_phone")}
	var fs []apperr.FieldError
	day := strings.TrimSpace(f.Get("date"))
	at := func(field, hhmm, zh, en string) time.Time {
		hhmm = strings.TrimSpace(hhmm)
		if day == "" || hhmm == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+hhmm, shanghai)
		if err != nil {
			fs = append(fs, apperr.Field(field, "invalid", zh+"无法识别："+clip(hhmm)+"，请写成 09:30 这样。", "The "+en+" cannot be read: "+clip(hhmm)+"; write it like 09:30."))
		}
		return t
	}
	if day != "" {
		if _, err := time.ParseInLocation(time.DateOnly, day, shanghai); err != nil {
			fs = append(fs, apperr.Field("date", "invalid", "日期无法识别："+clip(day)+"，请写成 2026-05-01 这样。", "The date cannot be read: "+clip(day)+"; write it like 2026-05-01."))
			day = ""
		}
	}
	if day != "" && strings.TrimSpace(f.Get("start")) == "" {
		fs = append(fs, apperr.Field("start", "required", "请填写开始时间。", "Enter the start time."))
	}
	in.StartsAt = at("start", f.Get("start"), "开始时间", "start time")
	in.EndsAt = at("end", f.Get("end"), "结束时间", "end time")
	if s := strings.TrimSpace(f.Get("slots")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			fs = append(fs, apperr.Field("slots", "invalid", "名额应为整数。", "The slots must be a whole number."))
		}
		in.Slots = n
	}
	for _, k := range []string{"case_id", "person_id"} {
		if s := strings.TrimSpace(f.Get(k)); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				fs = append(fs, apperr.Field("title", "invalid", "服务对象无效。", "The person served is not valid."))
			}
			if k == "case_id" {
				in.CaseID = n
			} else {
				in.PersonID = n
			}
		}
	}
	return in, fs
}

func (p *Pages) createTask(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	f := r.PostForm
	if len(f["skills"]) > len(Skills) {
		return badForm()
	}
	in, fs := taskInput(f)
	var err error
	if len(fs) == 0 {
		var t Task
		if t, err = p.CreateTask(r.Context(), access.Of(r, pr), in); err == nil {
			web.Redirect(w, r, fmt.Sprintf("/volunteer-tasks/%d?done=task", t.ID))
			return nil
		}
		if web.FormErrorOf(err, web.PageLang(r)) == nil {
			return err
		}
	} else {
		err = apperr.Validation(fs...)
	}
	return p.taskFormPage(w, r, pr, web.Status(apperr.CodeOf(err)), f, err)
}

// ---- a task ----

type signupRow struct {
	Signup
	CheckedIn  string
	Hours      string
	SignedBy   string
	CanArrive  bool
	CanDepart  bool
	CanRecord  bool
	CanCancel  bool
	MinutesVal string
}

type suggestionRow struct {
	Suggestion
	Team, Unit, Reasons string
}

type feedbackRow struct {
	Feedback
	By, At string
}

type taskData struct {
	T                   Task
	Kind, Unit, Team    string
	When, Length        string
	Skills, State       string
	Owner               string
	Manages, Open       bool
	Begun, Over         bool
	Signups             []signupRow
	Suggestions         []suggestionRow
	Others              []option
	Feedback            []feedbackRow
	CanFeedback         bool
	CanSignUp           bool
	Form                url.Values
	Ratings             []int
	MaxMinutes          int
	ContactPhone        string
	ContactPhoneVisible bool
}

func (p *Pages) taskPage(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.taskShow(w, r, pr, http.StatusOK, nil, nil)
}

// taskShow renders a task's page; after a refused action, with the error
// tied to the action's field and the form as sent.
func (p *Pages) taskShow(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, fe *web.FormError, form url.Values) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	ctx, c := r.Context(), access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	t, err := p.GetTask(ctx, c, id)
	if err != nil {
		return err
	}
	_, teams, err := p.teamLabels(ctx, c, page.Lang)
	if err != nil {
		return err
	}
	now := p.db.Now()
	if form == nil {
		form = url.Values{}
	}
	d := taskData{T: t, Kind: WordOf(Kinds, t.Kind).In(page.Lang), Team: teams[t.Team], When: span(t.StartsAt, t.EndsAt, page.Lang),
		Length: hm(int64(t.Minutes()), page.Lang), Skills: words(Skills, t.Skills, page.Lang), State: p.taskState(t, page.Lang),
		Manages: manages(c, t), Open: t.State == TaskOpen, Begun: !now.Before(t.StartsAt), Over: !now.Before(t.EndsAt), Form: form,
		Ratings: []int{1, 2, 3, 4, 5}, MaxMinutes: t.Minutes()}
	d.CanSignUp = d.Open && !d.Over
	d.CanFeedback = d.Manages && d.Begun
	var who []string
	who = append(who, t.Owner)
	for _, g := range t.Signups {
		who = append(who, g.SignedBy)
	}
	fb, err := p.FeedbackOf(ctx, c, id)
	if err != nil {
		return err
	}
	for _, f := range fb {
		who = append(who, f.GivenBy)
	}
	actors, err := identity.DescribeActors(ctx, p.db, who, page.Lang)
	if err != nil {
		return err
	}
	d.Owner = actors[t.Owner].Words("", page.Lang)
	codes := []string{t.OrgUnit}
	var sugg []Suggestion
	if d.CanSignUp {
		if sugg, err = p.Suggest(ctx, c, id, page.Lang); err != nil {
			return err
		}
		for _, s := range sugg {
			codes = append(codes, s.OrgUnit)
		}
	}
	names, err := p.units.Labels(ctx, codes, page.Lang)
	if err != nil {
		return err
	}
	d.Unit = or(names[t.OrgUnit], t.OrgUnit)
	signed := map[int64]bool{}
	for _, g := range t.Signups {
		signed[g.VolunteerID] = true
		row := signupRow{Signup: g, SignedBy: actors[g.SignedBy].Words("", page.Lang), MinutesVal: form.Get(fmt.Sprintf("minutes-%d", g.VolunteerID))}
		if g.CheckedInAt != nil {
			row.CheckedIn = web.Date(*g.CheckedInAt)
		}
		if g.HoursID != 0 {
			row.Hours = hm(int64(g.Minutes), page.Lang) + " · " + stateName(g.HoursState, page.Lang)
		}
		if d.Manages && d.Open {
			row.CanArrive = g.CheckedInAt == nil && !d.Over && !now.Before(t.StartsAt.Add(-CheckInEarly))
			row.CanDepart = g.CheckedInAt != nil && g.HoursID == 0 && d.Begun
			row.CanRecord = g.HoursID == 0 && d.Begun
			row.CanCancel = g.CheckedInAt == nil && !d.Begun
		}
		d.Signups = append(d.Signups, row)
	}
	for _, s := range sugg {
		d.Suggestions = append(d.Suggestions, suggestionRow{Suggestion: s, Team: teams[s.Team], Unit: or(names[s.OrgUnit], s.OrgUnit),
			Reasons: strings.Join(s.Reasons, page.T("；", "; "))})
	}
	if d.CanSignUp && t.Free() > 0 {
		list, _, _, err := p.ListVolunteers(ctx, c, VolunteerFilter{Limit: 500})
		if err != nil {
			return err
		}
		slices.SortStableFunc(list, func(a, b Volunteer) int { return strings.Compare(a.Name, b.Name) })
		unitNames, err := p.units.Labels(ctx, func() []string {
			var out []string
			for _, v := range list {
				out = append(out, v.OrgUnit)
			}
			return out
		}(), page.Lang)
		if err != nil {
			return err
		}
		for _, v := range list {
			if signed[v.ID] || !Reaches(v.OrgUnit, t.OrgUnit) {
				continue
			}
			val := strconv.FormatInt(v.ID, 10)
			d.Others = append(d.Others, option{Value: val, Label: v.Name + " · " + or(unitNames[v.OrgUnit], v.OrgUnit) + " · " + teams[v.Team],
				Checked: form.Get("volunteer_id") == val})
		}
	}
	for _, f := range fb {
		d.Feedback = append(d.Feedback, feedbackRow{Feedback: f, By: actors[f.GivenBy].Words("", page.Lang), At: web.Date(f.GivenAt)})
	}
	page.Title = t.Title
	page.Crumbs = crumbs(page, web.Crumb{Label: page.T("任务", "Tasks"), Href: "/volunteer-tasks?month=" + t.StartsAt.In(shanghai).Format("2006-01")},
		web.Crumb{Label: t.Title})
	flash(r, page)
	page.Error = fe
	page.Data = d
	return p.Render(w, r, status, "volunteer_task.html", page)
}

// act runs a task action posted from its page: on success back to the
// page with ?done=, on a refusal (409, 422, 403) the page again with the
// error at the input rename gives for each of the store's fields ("" for
// an error of no field).
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
		web.Redirect(w, r, fmt.Sprintf("/volunteer-tasks/%d?done=%s", id, done))
		return nil
	}
	e, ok := apperr.As(err)
	code := apperr.CodeOf(err)
	if !ok || code != apperr.Invalid && code != apperr.Conflict && code != apperr.Forbidden {
		return err
	}
	return p.taskShow(w, r, pr, web.Status(code), fieldError(e, web.PageLang(r), rename), r.PostForm)
}

// fieldError localizes a refusal for a page, each field renamed; an error
// of no field goes to rename("").
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

// vid reads the form's volunteer.
func vid(f url.Values) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(f.Get("volunteer_id")), 10, 64)
	return max(n, 0)
}

// toField sends every error of an action to one input of the page.
func toField(field string) func(string) string {
	return func(string) string { return field }
}

func (p *Pages) taskSignUp(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	field := "volunteer_id"
	if r.FormValue("from") == "suggestion" {
		field = "suggest-" + r.FormValue("volunteer_id")
	}
	return p.act(w, r, pr, "signed", toField(field), func(c access.Caller, id int64, f url.Values) error {
		_, err := p.SignUp(r.Context(), c, id, vid(f))
		return err
	})
}

func (p *Pages) taskWithdraw(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.act(w, r, pr, "withdrawn", toField("act-"+r.FormValue("volunteer_id")), func(c access.Caller, id int64, f url.Values) error {
		return p.CancelSignup(r.Context(), c, id, vid(f))
	})
}

func (p *Pages) taskArrive(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.act(w, r, pr, "arrived", toField("act-"+r.FormValue("volunteer_id")), func(c access.Caller, id int64, f url.Values) error {
		_, err := p.CheckIn(r.Context(), c, id, vid(f), "")
		return err
	})
}

func (p *Pages) taskDepart(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.act(w, r, pr, "departed", toField("act-"+r.FormValue("volunteer_id")), func(c access.Caller, id int64, f url.Values) error {
		_, err := p.CheckOut(r.Context(), c, id, vid(f))
		return err
	})
}

func (p *Pages) taskRecord(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	field := "minutes-" + r.FormValue("volunteer_id")
	return p.act(w, r, pr, "recorded", toField(field), func(c access.Caller, id int64, f url.Values) error {
		s := strings.TrimSpace(f.Get(field))
		n, err := strconv.Atoi(s)
		if err != nil {
			return apperr.Validation(apperr.Field("minutes", "invalid", "时长应为整数（分钟）。", "The minutes must be a whole number."))
		}
		_, err = p.Record(r.Context(), c, id, RecordInput{VolunteerID: vid(f), Minutes: n})
		return err
	})
}

func (p *Pages) taskCancel(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.act(w, r, pr, "cancelled", toField("reason"), func(c access.Caller, id int64, f url.Values) error {
		return p.CancelTask(r.Context(), c, id, f.Get("reason"))
	})
}

func (p *Pages) taskFeedback(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	rename := func(f string) string {
		if f == "comment" {
			return f
		}
		return "rating"
	}
	return p.act(w, r, pr, "feedback", rename, func(c access.Caller, id int64, f url.Values) error {
		n, err := strconv.Atoi(strings.TrimSpace(f.Get("rating")))
		if err != nil {
			n = 0
		}
		_, err = p.GiveFeedback(r.Context(), c, id, FeedbackInput{Rating: n, Comment: f.Get("comment")})
		return err
	})
}

// ---- the QR code ----

// The QR code's size and its quiet zone, in pixels.
const (
	qrSize  = 480
	qrQuiet = 48
)

// checkinURL is the absolute address the task's QR code holds.
func checkinURL(r *http.Request, t Task) string {
	scheme := "http"
	if web.IsHTTPS(r) {
		scheme = "https"
	}
	return fmt.Sprintf("%s://%s/checkin/%d?code=%s", scheme, r.Host, t.ID, url.QueryEscape(t.CheckinCode))
}

// managedTask reads a task the caller manages (its check-in code known);
// 404 otherwise.
func (p *Pages) managedTask(r *http.Request, pr *web.Principal) (Task, error) {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return Task{}, err
	}
	t, err := p.GetTask(r.Context(), access.Of(r, pr), id)
	if err != nil {
		return Task{}, err
	}
	if t.CheckinCode == "" {
		return Task{}, notFound()
	}
	return t, nil
}

type qrData struct {
	T          Task
	When, Unit string
	URL        string
	Code       string // the check-in code as typed: "1234 5678"
}

func (p *Pages) taskQR(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	t, err := p.managedTask(r, pr)
	if err != nil {
		return err
	}
	page := p.NewPage(r, pr, "")
	names, err := p.units.Labels(r.Context(), []string{t.OrgUnit}, page.Lang)
	if err != nil {
		return err
	}
	page.Title = page.T("签到二维码：", "Check-in QR code: ") + t.Title
	page.Crumbs = crumbs(page, web.Crumb{Label: t.Title, Href: fmt.Sprintf("/volunteer-tasks/%d", t.ID)}, web.Crumb{Label: page.T("签到二维码", "QR code")})
	page.Data = qrData{T: t, When: span(t.StartsAt, t.EndsAt, page.Lang), Unit: or(names[t.OrgUnit], t.OrgUnit), URL: checkinURL(r, t), Code: spaced(t.CheckinCode)}
	return p.Render(w, r, http.StatusOK, "volunteer_task_qr.html", page)
}

func (p *Pages) taskQRImage(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	t, err := p.managedTask(r, pr)
	if err != nil {
		return err
	}
	code, err := qr.Encode(checkinURL(r, t), qr.M, qr.Auto)
	if err != nil {
		return fmt.Errorf("qr code: %w", err)
	}
	if code, err = barcode.Scale(code, qrSize, qrSize); err != nil {
		return fmt.Errorf("qr code: %w", err)
	}
	// The quiet zone a scanner needs: white around the code.
	img := image.NewGray(image.Rect(0, 0, qrSize+2*qrQuiet, qrSize+2*qrQuiet))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(qrQuiet, qrQuiet, qrQuiet+qrSize, qrQuiet+qrSize), code, image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("qr code: %w", err)
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, err = buf.WriteTo(w)
	return err
}

// spaced shows an 8-digit check-in code in two groups of four (older codes,
// of another length, as they are).
func spaced(code string) string {
	if len(code) == 8 {
		return code[:4] + " " + code[4:]
	}
	return code
}
