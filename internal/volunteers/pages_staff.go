package volunteers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// staffRoutes registers the staff's pages: the corps overview with the
// volunteers of the caller's area, a volunteer's form, profile and
// certificate, the teams, the tasks calendar and a task's page with its
// QR code, and the queue of hours waiting for approval.
func (p *Pages) staffRoutes(rt *web.Router) {
	rt.Page("GET /volunteers", staffRoles, p.overview)
	rt.Page("GET /volunteers/new", staffRoles, p.newVolunteer)
	rt.Page("POST /volunteers/new", staffRoles, p.createVolunteer)
	rt.Page("GET /volunteers/{id}", staffRoles, p.profile)
	rt.Page("GET /volunteers/{id}/edit", staffRoles, p.editVolunteer)
	rt.Page("POST /volunteers/{id}/edit", staffRoles, p.updateVolunteer)
	rt.Page("POST /volunteers/{id}/reveal", staffRoles, p.reveal)
	rt.Page("GET /volunteers/{id}/certificate", corps, p.certificate)
	rt.Page("GET /volunteer-teams", staffRoles, p.teams)
	rt.Page("POST /volunteer-teams/{code}", districtStaff, p.updateTeam)
	rt.Page("GET /volunteer-tasks", staffRoles, p.calendar)
	rt.Page("GET /volunteer-tasks/new", staffRoles, p.newTask)
	rt.Page("POST /volunteer-tasks/new", staffRoles, p.createTask)
	rt.Page("GET /volunteer-tasks/{id}", staffRoles, p.taskPage)
	rt.Page("POST /volunteer-tasks/{id}/signups", staffRoles, p.taskSignUp)
	rt.Page("POST /volunteer-tasks/{id}/withdrawals", staffRoles, p.taskWithdraw)
	rt.Page("POST /volunteer-tasks/{id}/arrivals", staffRoles, p.taskArrive)
	rt.Page("POST /volunteer-tasks/{id}/departures", staffRoles, p.taskDepart)
	rt.Page("POST /volunteer-tasks/{id}/checkins", staffRoles, p.taskRecord)
	rt.Page("POST /volunteer-tasks/{id}/cancel", staffRoles, p.taskCancel)
	rt.Page("POST /volunteer-tasks/{id}/feedback", staffRoles, p.taskFeedback)
	rt.Page("GET /volunteer-tasks/{id}/qr", staffRoles, p.taskQR)
	rt.Page("GET /volunteer-tasks/{id}/qr.png", staffRoles, p.taskQRImage)
	rt.Page("GET /volunteer-hours", staffRoles, p.hoursQueue)
	rt.Page("POST /volunteer-hours/{id}/approve", staffRoles, p.approveHours)
	rt.Page("POST /volunteer-hours/{id}/reject", staffRoles, p.rejectHours)
}

// ---- shared helpers ----

// option is a choice of a select, radio or checkbox.
type option struct {
	Value, Label string
	Checked      bool
}

func wordOptions(vocab []Word, chosen []string, lang string) []option {
	out := make([]option, 0, len(vocab))
	for _, w := range vocab {
		out = append(out, option{Value: w.Code, Label: w.In(lang), Checked: slices.Contains(chosen, w.Code)})
	}
	return out
}

// words names codes of a vocabulary in a language, joined.
func words(vocab []Word, codes []string, lang string) string {
	var out []string
	for _, c := range codes {
		if w := WordOf(vocab, c); w.Code != "" {
			out = append(out, w.In(lang))
		}
	}
	sep := "、"
	if lang == "en" {
		sep = ", "
	}
	return strings.Join(out, sep)
}

// hm says a number of minutes in hours and minutes.
func hm(m int64, lang string) string {
	h, mm := m/60, m%60
	switch {
	case lang == "en" && h == 0:
		return fmt.Sprintf("%d min", mm)
	case lang == "en" && mm == 0:
		return fmt.Sprintf("%d h", h)
	case lang == "en":
		return fmt.Sprintf("%d h %d min", h, mm)
	case h == 0:
		return fmt.Sprintf("%d分钟", mm)
	case mm == 0:
		return fmt.Sprintf("%d小时", h)
	}
	return fmt.Sprintf("%d小时%d分钟", h, mm)
}

// stateName names a ledger entry's state.
func stateName(state, lang string) string {
	switch state {
	case Approved:
		return apperr.T("已认定", "Approved").In(lang)
	case Pending:
		return apperr.T("待认定", "Waiting for approval").In(lang)
	case Rejected:
		return apperr.T("不予认定", "Rejected").In(lang)
	}
	return ""
}

// weekday names the weekday of a moment in Shanghai.
func weekday(t time.Time, lang string) string {
	return WordOf(Days, weekdayCode(t)).In(lang)
}

// clock is the Shanghai time of day of a moment.
func clock(t time.Time) string { return t.In(shanghai).Format("15:04") }

// span says when a task runs: its day, weekday and hours.
func span(from, to time.Time, lang string) string {
	s := DayOf(from) + " " + weekday(from, lang) + " " + clock(from) + "–" + clock(to)
	if DayOf(from) != DayOf(to) {
		s = DayOf(from) + " " + clock(from) + " – " + DayOf(to) + " " + clock(to)
	}
	return s
}

// badForm is the error of a form that cannot be read.
func badForm() error {
	return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
}

// formError localizes err for a form, renaming the store's fields to the
// form's inputs (nil rename: as they are). nil when err is no form error.
func formError(err error, lang string, rename map[string]string) *web.FormError {
	fe := web.FormErrorOf(err, lang)
	if fe == nil {
		return nil
	}
	by := map[string]string{}
	var out []web.FieldDetail
	for _, f := range fe.Fields {
		if to, ok := rename[f.Field]; ok {
			f.Field = to
		}
		if _, dup := by[f.Field]; dup {
			continue
		}
		by[f.Field] = f.Message
		out = append(out, f)
	}
	// An error of no field (a stale version, a full task) goes to the
	// field the form names "" in rename, when it names one.
	if to, ok := rename[""]; ok && len(out) == 0 {
		out = append(out, web.FieldDetail{Field: to, Code: "conflict", Message: fe.Message})
		by[to] = fe.Message
	}
	fe.Fields, fe.ByField = out, by
	return fe
}

// crumbs are the breadcrumbs of the corps' staff pages.
func crumbs(page *web.Page, more ...web.Crumb) []web.Crumb {
	return append([]web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("志愿服务", "Volunteers"), Href: "/volunteers"}}, more...)
}

// thisYear is the current year in Shanghai.
func (p *Pages) thisYear() int { return YearOf(p.db.Now()) }

// yearParam reads ?year= (this year when absent).
func (p *Pages) yearParam(r *http.Request) (int, error) {
	y := strings.TrimSpace(r.URL.Query().Get("year"))
	if y == "" {
		return p.thisYear(), nil
	}
	n, err := strconv.Atoi(y)
	if err != nil || n < 2000 || n > 2100 {
		return 0, apperr.Validation(apperr.Field("year", "invalid", "年度应为四位数字。", "The year is four digits."))
	}
	return n, nil
}

// years are the years a year select offers: this year and the four before.
func (p *Pages) years() []int {
	y := p.thisYear()
	return []int{y, y - 1, y - 2, y - 3, y - 4}
}

// teamLabels names the teams in a language, by code.
func (p *Pages) teamLabels(ctx context.Context, c access.Caller, lang string) ([]Team, map[string]string, error) {
	teams, err := p.Teams(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, t := range teams {
		names[t.Code] = t.Label(lang)
	}
	return teams, names, nil
}

// doneMessages are the results a redirect names with ?done=.
var doneMessages = map[string]apperr.Text{
	"created":   apperr.T("志愿者已登记。", "The volunteer is registered."),
	"saved":     apperr.T("已保存。", "Saved."),
	"team":      apperr.T("服务队已更新。", "The team is updated."),
	"task":      apperr.T("任务已发布。", "The task is published."),
	"signed":    apperr.T("已为志愿者报名。", "The volunteer is signed up."),
	"withdrawn": apperr.T("已取消该志愿者的报名。", "The volunteer's sign-up is withdrawn."),
	"arrived":   apperr.T("已确认签到。", "The check-in is confirmed."),
	"departed":  apperr.T("已签退，时长待认定。", "Checked out: the hours wait for approval."),
	"recorded":  apperr.T("时长已记录，待认定。", "The hours are recorded and wait for approval."),
	"cancelled": apperr.T("任务已取消。", "The task is cancelled."),
	"feedback":  apperr.T("评价已记录。", "The feedback is recorded."),
	"approved":  apperr.T("时长已认定。", "The hours are approved."),
	"rejected":  apperr.T("已不予认定，原因已记录。", "The hours are rejected; the reason is recorded."),
}

// flash sets the page's message from ?done=.
func flash(r *http.Request, page *web.Page) {
	if m, ok := doneMessages[r.URL.Query().Get("done")]; ok {
		page.Flash = m.In(page.Lang)
	}
}

// ---- the overview ----

type totalView struct {
	Team, Town         string
	Volunteers         int
	Approved, Pending  string
	ApprovedM, PendM   int64
	TownCode, TeamCode string
}

type volunteerRow struct {
	ID                          int64
	Name, Phone, Team, Unit     string
	Skills                      string
	Active, PartyMember, Leader bool
}

type overviewData struct {
	Year           int
	Totals         []totalView
	SumVolunteers  int
	SumApproved    string
	SumPending     string
	Teams          []Team
	Pending        int
	PendingMore    bool
	Q              string
	TeamOpts       []option
	SkillOpts      []option
	Places         []orgunit.PickGroup
	Unit           string
	Rows           []volunteerRow
	Total          int
	Next, First    string
	Filtered       bool
	CanRenameTeams bool
}

// rows names a page of volunteers (units by name, teams by label).
func (p *Pages) rows(ctx context.Context, list []Volunteer, teams map[string]string, lang string) ([]volunteerRow, error) {
	var codes []string
	for _, v := range list {
		codes = append(codes, v.OrgUnit)
	}
	units, err := p.units.Labels(ctx, codes, lang)
	if err != nil {
		return nil, err
	}
	out := make([]volunteerRow, 0, len(list))
	for _, v := range list {
		out = append(out, volunteerRow{ID: v.ID, Name: v.Name, Phone: v.Phone, Team: teams[v.Team], Unit: or(units[v.OrgUnit], v.OrgUnit),
			Skills: words(Skills, v.Skills, lang), Active: v.Active, PartyMember: v.PartyMember})
	}
	return out, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (p *Pages) overview(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	ctx, c := r.Context(), access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	page.Title = page.T("阳光四叶草志愿服务队", "Sunshine Clover volunteer corps")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("志愿服务", "Volunteers")}}
	flash(r, page)
	q := r.URL.Query()
	d := overviewData{Year: p.thisYear(), CanRenameTeams: slices.Contains(districtStaff.Roles, pr.Role)}
	teams, teamNames, err := p.teamLabels(ctx, c, page.Lang)
	if err != nil {
		return err
	}
	d.Teams = teams
	totals, err := p.Totals(ctx, c, d.Year)
	if err != nil {
		return err
	}
	var towns []string
	for _, t := range totals {
		towns = append(towns, t.Town)
	}
	townNames, err := p.units.Labels(ctx, towns, page.Lang)
	if err != nil {
		return err
	}
	var sumA, sumP int64
	for _, t := range totals {
		d.Totals = append(d.Totals, totalView{Team: or(teamNames[t.Team], t.TeamName), Town: or(townNames[t.Town], t.Town), Volunteers: t.Volunteers,
			Approved: hm(t.ApprovedMinutes, page.Lang), Pending: hm(t.PendingMinutes, page.Lang), ApprovedM: t.ApprovedMinutes, PendM: t.PendingMinutes,
			TownCode: t.Town, TeamCode: t.Team})
		d.SumVolunteers += t.Volunteers
		sumA += t.ApprovedMinutes
		sumP += t.PendingMinutes
	}
	d.SumApproved, d.SumPending = hm(sumA, page.Lang), hm(sumP, page.Lang)
	pending, err := p.PendingFor(ctx, c, 500)
	if err != nil {
		return err
	}
	d.Pending, d.PendingMore = len(pending), len(pending) >= 500
	// The list of volunteers, filtered.
	f := VolunteerFilter{Q: strings.TrimSpace(q.Get("q")), Team: q.Get("team"), Skill: q.Get("skill"), OrgUnit: q.Get("orgunit"), Limit: 50}
	if f.Team != "" && teamNames[f.Team] == "" {
		f.Team = ""
	}
	if f.Skill != "" && !inVocab(Skills, f.Skill) {
		f.Skill = ""
	}
	if f.OrgUnit != "" && !c.Scope.Contains(f.OrgUnit) {
		f.OrgUnit = ""
	}
	if a := q.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			return apperr.Validation(apperr.Field("after", "invalid", "页码无效。", "The page is not valid."))
		}
		f.After = n
	}
	d.Q, d.Unit = f.Q, f.OrgUnit
	d.Filtered = f.Q != "" || f.Team != "" || f.Skill != "" || f.OrgUnit != ""
	for _, t := range teams {
		d.TeamOpts = append(d.TeamOpts, option{Value: t.Code, Label: t.Label(page.Lang), Checked: t.Code == f.Team})
	}
	d.SkillOpts = wordOptions(Skills, []string{f.Skill}, page.Lang)
	if d.Places, err = p.units.Picker(ctx, c.Scope, page.Lang, false, ""); err != nil {
		return err
	}
	list, total, next, err := p.ListVolunteers(ctx, c, f)
	if err != nil {
		return err
	}
	d.Total = total
	if d.Rows, err = p.rows(ctx, list, teamNames, page.Lang); err != nil {
		return err
	}
	keep := url.Values{}
	for _, k := range []string{"q", "team", "skill", "orgunit"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	if next != 0 {
		keep.Set("after", strconv.FormatInt(next, 10))
		d.Next = "/volunteers?" + keep.Encode() + "#list-title"
		keep.Del("after")
	}
	if f.After != 0 {
		d.First = "/volunteers?" + keep.Encode() + "#list-title"
	}
	page.Data = d
	return p.Render(w, r, http.StatusOK, "volunteer_overview.html", page)
}
