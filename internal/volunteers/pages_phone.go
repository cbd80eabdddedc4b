package volunteers

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// The volunteer's phone pages (issue 17): their tasks, one task with the
// actions its state allows (sign up, withdraw, check in with the code
// printed under the QR code, check out), the QR code's target, the hours
// ledger; and the served person's feedback on a task. Phone first: one
// column, big buttons, plain words, no script needed.

var (
	// volunteerOnly are the volunteer accounts.
	volunteerOnly = web.Roles(identity.Volunteer)
	// persons are the served persons' own accounts.
	persons = web.Roles(identity.Person)
)

// phoneRoutes registers the volunteer's phone pages.
func (p *Pages) phoneRoutes(rt *web.Router) {
	rt.Page("GET /my/tasks", volunteerOnly, p.myTasks)
	rt.Page("GET /my/tasks/{id}", volunteerOnly, p.myTask)
	rt.Page("POST /my/tasks/{id}/signup", volunteerOnly, p.mySignup)
	rt.Page("POST /my/tasks/{id}/withdraw", volunteerOnly, p.myWithdraw)
	rt.Page("POST /my/tasks/{id}/checkin", volunteerOnly, p.myCheckin)
	rt.Page("POST /my/tasks/{id}/checkout", volunteerOnly, p.myCheckout)
	rt.Page("GET /checkin/{id}", corps, p.qrPage)
	rt.Page("POST /checkin/{id}", volunteerOnly, p.qrCheckin)
	rt.Page("GET /my/hours", volunteerOnly, p.myHours)
	rt.Page("GET /my/volunteer-feedback/{id}", persons, p.feedbackForm)
	rt.Page("POST /my/volunteer-feedback/{id}", persons, p.feedbackPost)
}

func taskID(r *http.Request) (int64, error) {
	return web.PathID(r, apperr.New(apperr.NotFound, "找不到这项任务。", "The task was not found."))
}

// taskView is a task as the volunteer's pages show it.
type taskView struct {
	Task
	Href      string
	When      string
	Kind      string
	Skills    string
	Today     bool
	Begun     bool
	Over      bool
	Cancelled bool
	// The volunteer's own sign-up, in words.
	SignedUp   bool
	CheckedIn  string // when, "" when not
	HoursWords string
	StateWords string
}

func (p *Pages) view(t Task, now time.Time, lang string) taskView {
	v := taskView{Task: t, Href: fmt.Sprintf("/my/tasks/%d", t.ID), When: WhenWords(t.StartsAt, t.EndsAt, now, lang),
		Kind: WordOf(Kinds, t.Kind).In(lang), Today: DayOf(t.StartsAt) == DayOf(now),
		Begun: !now.Before(t.StartsAt), Over: !now.Before(t.EndsAt), Cancelled: t.State == TaskCancelled}
	var sk []string
	for _, c := range t.Skills {
		sk = append(sk, WordOf(Skills, c).In(lang))
	}
	v.Skills = strings.Join(sk, lang2(lang, "、", ", "))
	if g := t.Mine; g != nil {
		v.SignedUp = true
		if g.CheckedInAt != nil {
			v.CheckedIn = g.CheckedInAt.In(shanghai).Format("15:04")
		}
		if g.HoursID != 0 {
			v.HoursWords, v.StateWords = HoursWords(int64(g.Minutes), lang), StateWords(g.HoursState, lang)
		}
	}
	return v
}

func lang2(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

// ---- /my/tasks ----

type myTasksData struct {
	Unlinked bool
	Next     []taskView
	Join     []taskView
	Past     []taskView
}

func (p *Pages) myTasks(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	ctx, c := r.Context(), access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	page.Title = page.T("我的志愿服务", "My volunteering")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	d := myTasksData{Unlinked: c.VolunteerID == 0}
	if !d.Unlinked {
		now := p.db.Now()
		mine, err := p.ListTasks(ctx, c, TaskFilter{Mine: true, Limit: 500})
		if err != nil {
			return err
		}
		for _, t := range mine {
			v := p.view(t, now, page.Lang)
			if v.Over || v.Cancelled || v.HoursWords != "" { // over, or checked out
				d.Past = append(d.Past, v)
			} else {
				d.Next = append(d.Next, v)
			}
		}
		slices.Reverse(d.Past) // the latest first
		open, err := p.ListTasks(ctx, c, TaskFilter{Open: true, Limit: 200})
		if err != nil {
			return err
		}
		for _, t := range open {
			if t.Mine == nil {
				d.Join = append(d.Join, p.view(t, now, page.Lang))
			}
		}
		switch r.URL.Query().Get("done") {
		case "signup":
			page.Flash = page.T("报名成功。这项任务已列在“我的下一项任务”中。", "You are signed up. The task is now under “My next tasks”.")
		case "withdraw":
			page.Flash = page.T("已取消报名。", "Your sign-up is withdrawn.")
		}
	}
	page.Data = d
	return p.Render(w, r, http.StatusOK, "volunteer_my_tasks.html", page)
}

// ---- /my/tasks/{id} ----

type myTaskData struct {
	T           taskView
	Entry       *Entry
	EntryHours  string
	EntryState  string
	CanSignUp   bool
	Full        bool
	CanWithdraw bool
	CanCheckIn  bool
	CanCheckOut bool
	Code        string
}

// myTaskPage renders one task with the actions of its state; fe, when set,
// is the failed action's error (on its field), code what was typed.
func (p *Pages) myTaskPage(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, code string, fe *web.FormError) error {
	id, err := taskID(r)
	if err != nil {
		return err
	}
	ctx, c := r.Context(), access.Of(r, pr)
	if c.VolunteerID == 0 {
		return apperr.New(apperr.NotFound, "您的账户还没有关联到志愿者，请联系您所在街镇的残联。",
			"Your account is not linked to a volunteer yet: contact the federation of your town.")
	}
	t, err := p.GetTask(ctx, c, id)
	if err != nil {
		return err
	}
	page := p.NewPage(r, pr, "")
	now := p.db.Now()
	v := p.view(t, now, page.Lang)
	page.Title = t.Title
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("我的志愿服务", "My volunteering"), Href: "/my/tasks"}, {Label: t.Title}}
	d := myTaskData{T: v, Code: code}
	open := !v.Cancelled && !v.Over
	switch {
	case t.Mine == nil:
		d.CanSignUp = open && t.Free() > 0
		d.Full = open && t.Free() == 0
	case t.Mine.CheckedInAt == nil:
		d.CanWithdraw = open && !v.Begun
		d.CanCheckIn = open
	case t.Mine.HoursID == 0:
		d.CanCheckOut = !v.Cancelled
	}
	if t.Mine != nil && t.Mine.HoursID != 0 {
		e, ok, err := p.myEntry(ctx, c, t.ID)
		if err != nil {
			return err
		}
		if ok {
			d.Entry, d.EntryHours, d.EntryState = &e, HoursWords(int64(e.Minutes), page.Lang), StateWords(e.State, page.Lang)
		}
	}
	if fe == nil {
		switch r.URL.Query().Get("done") {
		case "signup":
			page.Flash = page.T("报名成功。请按时到场，到场后签到。", "You are signed up. Please come on time and check in when you arrive.")
		case "checkin":
			page.Flash = page.T("已签到。服务结束时请点“签退”。", "You are checked in. When you finish, press “Check out”.")
		case "checkout":
			if d.Entry != nil {
				page.Flash = page.T("已签退，记录了"+d.EntryHours+"，等待认定。", "You are checked out: "+d.EntryHours+" recorded, waiting for approval.")
			}
		}
	}
	page.Error = fe
	page.Data = d
	return p.Render(w, r, status, "volunteer_my_task.html", page)
}

func (p *Pages) myTask(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.myTaskPage(w, r, pr, http.StatusOK, "", nil)
}

// onField puts an action's error on the field (or button) of its form, so
// that the page shows it there and the summary links to it.
func onField(err error, lang, field string) *web.FormError {
	fe := web.FormErrorOf(err, lang)
	if fe == nil {
		return nil
	}
	msg := fe.Message
	if len(fe.Fields) > 0 {
		msg = fe.Fields[0].Message
	}
	code := "invalid"
	if len(fe.Fields) > 0 {
		code = fe.Fields[0].Code
	}
	summary := apperr.T("这一步没有完成，原因见下。", "This step was not done, for the reason below.").In(lang)
	return &web.FormError{Message: summary, Fields: []web.FieldDetail{{Field: field, Code: code, Message: msg}}, ByField: map[string]string{field: msg}}
}

// myAct runs a volunteer's action on a task: on success it goes to next, on
// a refusal it shows the task again with the error at field.
func (p *Pages) myAct(w http.ResponseWriter, r *http.Request, pr *web.Principal, field, next string, do func(id int64, c access.Caller) error) error {
	id, err := taskID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	err = do(id, access.Of(r, pr))
	if err == nil {
		web.Redirect(w, r, strings.ReplaceAll(next, "{id}", strconv.FormatInt(id, 10)))
		return nil
	}
	fe := onField(err, web.PageLang(r), field)
	if fe == nil {
		return err
	}
	return p.myTaskPage(w, r, pr, web.Status(apperr.CodeOf(err)), r.PostFormValue("code"), fe)
}

func (p *Pages) mySignup(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	next := "/my/tasks/{id}?done=signup"
	if r.PostFormValue("back") == "list" {
		next = "/my/tasks?done=signup"
	}
	return p.myAct(w, r, pr, "signup", next, func(id int64, c access.Caller) error {
		_, err := p.SignUp(r.Context(), c, id, 0)
		return err
	})
}

func (p *Pages) myWithdraw(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.myAct(w, r, pr, "withdraw", "/my/tasks?done=withdraw", func(id int64, c access.Caller) error {
		return p.CancelSignup(r.Context(), c, id, 0)
	})
}

func (p *Pages) myCheckin(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.myAct(w, r, pr, "code", "/my/tasks/{id}?done=checkin", func(id int64, c access.Caller) error {
		_, err := p.CheckIn(r.Context(), c, id, 0, r.PostFormValue("code"))
		return err
	})
}

func (p *Pages) myCheckout(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.myAct(w, r, pr, "checkout", "/my/tasks/{id}?done=checkout", func(id int64, c access.Caller) error {
		_, err := p.CheckOut(r.Context(), c, id, 0)
		return err
	})
}

// ---- /checkin/{id}: the QR code's target ----

type checkinData struct {
	TaskID    int64
	Staff     bool
	Unlinked  bool
	T         taskView
	Code      string
	ShowCode  bool // the code as a field: none came with the link, or it was refused
	CheckIn   bool
	CheckOut  bool
	Done      bool // hours recorded
	DoneWords string
}

func (p *Pages) checkinPage(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, code string, fe *web.FormError) error {
	id, err := taskID(r)
	if err != nil {
		return err
	}
	ctx, c := r.Context(), access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	page.Title = page.T("任务签到", "Check in at the task")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	d := checkinData{TaskID: id, Code: code, Staff: isStaff(c), Unlinked: isVolunteer(c) && c.VolunteerID == 0}
	if !d.Staff && !d.Unlinked {
		t, err := p.GetTask(ctx, c, id)
		if err != nil {
			return err
		}
		d.T = p.view(t, p.db.Now(), page.Lang)
		open := !d.T.Cancelled && !d.T.Over
		switch g := t.Mine; {
		case g == nil || g.CheckedInAt == nil:
			d.CheckIn = open
		case g.HoursID == 0:
			d.CheckOut = !d.T.Cancelled
		default:
			d.Done, d.DoneWords = true, HoursWords(int64(g.Minutes), page.Lang)+" · "+StateWords(g.HoursState, page.Lang)
		}
		d.ShowCode = d.CheckIn && (strings.TrimSpace(code) == "" || fe != nil)
	}
	page.Error = fe
	page.Data = d
	return p.Render(w, r, status, "volunteer_my_checkin.html", page)
}

func (p *Pages) qrPage(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.checkinPage(w, r, pr, http.StatusOK, r.URL.Query().Get("code"), nil)
}

func (p *Pages) qrCheckin(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	id, err := taskID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	code := r.PostFormValue("code")
	_, err = p.CheckIn(r.Context(), access.Of(r, pr), id, 0, code)
	if err == nil {
		web.Redirect(w, r, fmt.Sprintf("/my/tasks/%d?done=checkin", id))
		return nil
	}
	fe := onField(err, web.PageLang(r), "code")
	if fe == nil {
		return err
	}
	return p.checkinPage(w, r, pr, web.Status(apperr.CodeOf(err)), code, fe)
}

// ---- /my/hours ----

type myHoursData struct {
	Unlinked    bool
	VolunteerID int64
	Year        int
	Years       []int
	Approved    string
	Pending     string
	Rejected    string
	Items       []entryView
}

type entryView struct {
	Entry
	Href  string
	Day   string
	Hours string
	State string
}

func (p *Pages) myHours(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	ctx, c := r.Context(), access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	page.Title = page.T("我的服务时长", "My volunteering hours")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	now := p.db.Now()
	d := myHoursData{Unlinked: c.VolunteerID == 0, VolunteerID: c.VolunteerID, Year: YearOf(now)}
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && y >= 2000 && y <= YearOf(now) {
		d.Year = y
	}
	if !d.Unlinked {
		years, err := p.myYears(ctx, c)
		if err != nil {
			return err
		}
		for _, y := range []int{YearOf(now), d.Year} {
			if !slices.Contains(years, y) {
				years = append(years, y)
			}
		}
		slices.Sort(years)
		slices.Reverse(years)
		d.Years = years
		l, err := p.LedgerOf(ctx, c, c.VolunteerID, d.Year)
		if err != nil {
			return err
		}
		d.Approved, d.Pending, d.Rejected = HoursWords(l.ApprovedMinutes, page.Lang), HoursWords(l.PendingMinutes, page.Lang), HoursWords(l.RejectedMinutes, page.Lang)
		for _, e := range l.Items {
			d.Items = append(d.Items, entryView{Entry: e, Href: fmt.Sprintf("/my/tasks/%d", e.TaskID), Day: DayWords(e.StartsAt, now, page.Lang),
				Hours: HoursWords(int64(e.Minutes), page.Lang), State: StateWords(e.State, page.Lang)})
		}
	}
	page.Data = d
	return p.Render(w, r, http.StatusOK, "volunteer_my_hours.html", page)
}

// ---- /my/volunteer-feedback/{id} ----

type feedbackData struct {
	T       taskView
	Given   *Feedback
	Words   string // the given rating in words
	NotYet  bool
	Choices []choice
	Comment string
	Max     int
}

type choice struct {
	Value   int
	Words   string
	Checked bool
}

func (p *Pages) feedbackPage(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, form url.Values, fe *web.FormError) error {
	id, err := taskID(r)
	if err != nil {
		return err
	}
	ctx, c := r.Context(), access.Of(r, pr)
	t, err := p.GetTask(ctx, c, id)
	if err != nil {
		return err
	}
	given, err := p.FeedbackOf(ctx, c, id)
	if err != nil {
		return err
	}
	page := p.NewPage(r, pr, "")
	page.Title = page.T("评价志愿服务", "Rate the volunteers' help")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	now := p.db.Now()
	d := feedbackData{T: p.view(t, now, page.Lang), NotYet: now.Before(t.StartsAt), Max: MaxText}
	if len(given) > 0 {
		d.Given = &given[0]
		if n := d.Given.Rating; n >= 1 && n <= len(RatingWords) {
			d.Words = RatingWords[n-1].In(page.Lang)
		}
		if r.URL.Query().Get("done") != "" && fe == nil {
			page.Flash = page.T("谢谢您的评价，已保存。", "Thank you: your feedback is saved.")
		}
	}
	if form == nil {
		form = url.Values{}
	}
	for i, w := range RatingWords {
		d.Choices = append(d.Choices, choice{Value: i + 1, Words: w.In(page.Lang), Checked: form.Get("rating") == strconv.Itoa(i+1)})
	}
	d.Comment = form.Get("comment")
	page.Error = fe
	page.Data = d
	return p.Render(w, r, status, "volunteer_my_feedback.html", page)
}

func (p *Pages) feedbackForm(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.feedbackPage(w, r, pr, http.StatusOK, nil, nil)
}

func (p *Pages) feedbackPost(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	id, err := taskID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	in := FeedbackInput{Comment: r.PostFormValue("comment")}
	if raw := strings.TrimSpace(r.PostFormValue("rating")); raw != "" {
		if in.Rating, err = strconv.Atoi(raw); err != nil {
			in.Rating = -1
		}
	}
	_, err = p.GiveFeedback(r.Context(), access.Of(r, pr), id, in)
	if err == nil {
		web.Redirect(w, r, fmt.Sprintf("/my/volunteer-feedback/%d?done=1", id))
		return nil
	}
	fe := web.FormErrorOf(err, web.PageLang(r))
	if fe == nil {
		return err
	}
	if in.Rating == 0 && fe.ByField["rating"] != "" {
		// No choice made: say so plainly rather than "from 1 to 5".
		msg := apperr.T("请选择您的满意程度。", "Choose how satisfied you are.").In(web.PageLang(r))
		fe.ByField["rating"] = msg
		for i := range fe.Fields {
			if fe.Fields[i].Field == "rating" {
				fe.Fields[i].Message = msg
			}
		}
	}
	// Errors of the task (already rated, not begun) belong to no field.
	var fields []web.FieldDetail
	for _, f := range fe.Fields {
		if f.Field == "rating" || f.Field == "comment" {
			fields = append(fields, f)
		}
	}
	fe.Fields = fields
	return p.feedbackPage(w, r, pr, web.Status(apperr.CodeOf(err)), r.PostForm, fe)
}
