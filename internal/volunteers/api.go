package volunteers

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// API is the JSON API of the corps (CONTRACT.md "Volunteers").
type API struct{ *Store }

// Routes registers the API.
func (s API) Routes(rt *web.Router) {
	rt.Handle("GET /api/v1/volunteer-teams", corps, s.apiTeams, web.Types{Out: web.List[Team]{}})
	rt.Handle("PUT /api/v1/volunteer-teams/{code}", districtStaff, s.apiUpdateTeam, web.Types{In: TeamInput{}, Out: Team{}})
	rt.Handle("POST /api/v1/volunteers", staffRoles, s.apiCreate, web.Types{In: VolunteerInput{}, Out: Volunteer{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/volunteers", staffRoles, s.apiList, web.Types{Out: web.List[Volunteer]{}})
	rt.Handle("GET /api/v1/volunteers/{id}", corps, s.apiGet, web.Types{Out: Volunteer{}})
	rt.Handle("PUT /api/v1/volunteers/{id}", staffRoles, s.apiUpdate, web.Types{In: VolunteerInput{}, Out: Volunteer{}})
	rt.Handle("POST /api/v1/volunteers/{id}/reveal", staffRoles, s.apiReveal, web.Types{In: RevealInput{}, Out: Revealed{}})
	rt.Handle("GET /api/v1/volunteers/{id}/hours", corps, s.apiLedger, web.Types{Out: Ledger{}})
	rt.Handle("GET /api/v1/volunteer-tasks", taskReaders, s.apiTasks, web.Types{Out: web.List[Task]{}})
	rt.Handle("POST /api/v1/volunteer-tasks", staffRoles, s.apiCreateTask, web.Types{In: TaskInput{}, Out: Task{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/volunteer-tasks/{id}", taskReaders, s.apiTask, web.Types{Out: Task{}})
	rt.Handle("POST /api/v1/volunteer-tasks/{id}/cancel", staffRoles, s.apiCancelTask, web.Types{In: ReasonInput{}, Out: Task{}})
	rt.Handle("GET /api/v1/volunteer-tasks/{id}/suggestions", staffRoles, s.apiSuggest, web.Types{Out: web.List[Suggestion]{}})
	rt.Handle("POST /api/v1/volunteer-tasks/{id}/signups", corps, s.apiSignUp, web.Types{In: SignupInput{}, Out: Signup{}, Status: http.StatusCreated})
	rt.Handle("DELETE /api/v1/volunteer-tasks/{id}/signups/{vid}", corps, s.apiCancelSignup, web.Types{Status: http.StatusNoContent})
	rt.Handle("POST /api/v1/volunteer-tasks/{id}/arrivals", corps, s.apiArrive, web.Types{In: ArrivalInput{}, Out: Signup{}, Status: http.StatusCreated})
	rt.Handle("POST /api/v1/volunteer-tasks/{id}/departures", corps, s.apiDepart, web.Types{In: SignupInput{}, Out: Entry{}, Status: http.StatusCreated})
	rt.Handle("POST /api/v1/volunteer-tasks/{id}/checkins", corps, s.apiRecord, web.Types{In: RecordInput{}, Out: Entry{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/volunteer-tasks/{id}/feedback", taskReaders, s.apiFeedbackList, web.Types{Out: web.List[Feedback]{}})
	rt.Handle("POST /api/v1/volunteer-tasks/{id}/feedback", feedbackGivers, s.apiFeedback, web.Types{In: FeedbackInput{}, Out: Feedback{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/volunteer-hours", corps, s.apiPending, web.Types{Out: web.List[Entry]{}})
	rt.Handle("POST /api/v1/volunteer-hours/{id}/approve", corps, s.apiApprove, web.Types{In: struct{}{}, Out: Entry{}})
	rt.Handle("POST /api/v1/volunteer-hours/{id}/reject", corps, s.apiReject, web.Types{In: ReasonInput{}, Out: Entry{}})
	rt.Handle("GET /api/v1/volunteer-totals", staffRoles, s.apiTotals, web.Types{Out: web.List[TotalRow]{}})
}

// RevealInput is the stated reason for seeing a full phone number.
type RevealInput struct {
	Reason string `json:"reason"`
}

// Revealed is a full phone number.
type Revealed struct {
	Phone string `json:"phone"`
}

// ReasonInput is a reason (cancelling a task, rejecting hours).
type ReasonInput struct {
	Reason string `json:"reason"`
}

// SignupInput names the volunteer (a volunteer account may leave it out:
// itself).
type SignupInput struct {
	VolunteerID int64 `json:"volunteer_id,omitempty"`
}

// ArrivalInput is a check-in at the task: a volunteer account gives the
// code of the task's QR code; staff confirming name the volunteer.
type ArrivalInput struct {
	VolunteerID int64  `json:"volunteer_id,omitempty"`
	Code        string `json:"code,omitempty"`
}

func id(r *http.Request) (int64, error) { return web.PathID(r, notFound()) }

// optionalBody decodes a JSON body when there is one (an empty body is {}).
func optionalBody(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return nil
	}
	return web.Decode(w, r, v)
}

func (s API) apiTeams(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	list, err := s.Teams(r.Context(), access.Of(r, p))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}

func (s API) apiUpdateTeam(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in TeamInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	t, err := s.UpdateTeam(r.Context(), access.Of(r, p), r.PathValue("code"), in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, t)
}

func (s API) apiCreate(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in VolunteerInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	v, err := s.CreateVolunteer(r.Context(), access.Of(r, p), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/volunteers/%d", v.ID))
	return web.JSON(w, http.StatusCreated, v)
}

func (s API) apiList(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	limit, cursor, err := web.Paging(r)
	if err != nil {
		return err
	}
	after, err := web.IntParam("cursor", cursor)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, total, next, err := s.ListVolunteers(r.Context(), access.Of(r, p), VolunteerFilter{OrgUnit: q.Get("orgunit"), Team: q.Get("team"),
		Skill: q.Get("skill"), Q: q.Get("q"), All: q.Get("all") == "true", After: after, Limit: limit})
	if err != nil {
		return err
	}
	out := web.SeqPage(list, next)
	out.Total = total
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiGet(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	v, err := s.GetVolunteer(r.Context(), access.Of(r, p), n)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, v)
}

func (s API) apiUpdate(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in VolunteerInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	v, err := s.UpdateVolunteer(r.Context(), access.Of(r, p), n, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, v)
}

func (s API) apiReveal(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in RevealInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	phone, err := s.RevealPhone(r.Context(), access.Of(r, p), n, in.Reason)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, Revealed{Phone: phone})
}

// yearParam reads ?year= (absent: this year; "all": 0).
func (s *Store) yearParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("year")
	switch v {
	case "":
		return YearOf(s.db.Now()), nil
	case "all":
		return 0, nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2100 {
		return 0, apperr.Validation(apperr.Field("year", "invalid", "年份应在2000到2100之间，或为 all。", "The year must be from 2000 to 2100, or all."))
	}
	return y, nil
}

func (s API) apiLedger(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	year := 0 // without ?year=, every year
	if r.URL.Query().Has("year") {
		if year, err = s.yearParam(r); err != nil {
			return err
		}
	}
	l, err := s.LedgerOf(r.Context(), access.Of(r, p), n, year)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, l)
}

// timeParam reads an RFC 3339 time or a date (midnight in Shanghai).
func timeParam(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, shanghai); err == nil {
		return t, nil
	}
	return time.Time{}, apperr.Validation(apperr.Field(name, "invalid", name+" 应为日期（2026-12-01）或 RFC 3339 时间。",
		name+" must be a date (2026-12-01) or an RFC 3339 time."))
}

func (s API) apiTasks(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q := r.URL.Query()
	from, err := timeParam("from", q.Get("from"))
	if err != nil {
		return err
	}
	to, err := timeParam("to", q.Get("to"))
	if err != nil {
		return err
	}
	limit, _, err := web.Paging(r)
	if err != nil {
		return err
	}
	list, err := s.ListTasks(r.Context(), access.Of(r, p), TaskFilter{From: from, To: to, OrgUnit: q.Get("orgunit"),
		Mine: q.Get("mine") == "true", Open: q.Get("open") == "true", Limit: limit})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}

func (s API) apiCreateTask(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in TaskInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	t, err := s.CreateTask(r.Context(), access.Of(r, p), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/volunteer-tasks/%d", t.ID))
	return web.JSON(w, http.StatusCreated, t)
}

func (s API) apiTask(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	t, err := s.GetTask(r.Context(), access.Of(r, p), n)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, t)
}

func (s API) apiCancelTask(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in ReasonInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	c := access.Of(r, p)
	if err := s.CancelTask(r.Context(), c, n, in.Reason); err != nil {
		return err
	}
	t, err := s.GetTask(r.Context(), c, n)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, t)
}

func (s API) apiSuggest(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	list, err := s.Suggest(r.Context(), access.Of(r, p), n, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}

func (s API) apiSignUp(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in SignupInput
	if err := optionalBody(w, r, &in); err != nil {
		return err
	}
	g, err := s.SignUp(r.Context(), access.Of(r, p), n, in.VolunteerID)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, g)
}

func (s API) apiCancelSignup(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	vid, err := strconv.ParseInt(r.PathValue("vid"), 10, 64)
	if err != nil || vid <= 0 {
		return notFound()
	}
	if err := s.CancelSignup(r.Context(), access.Of(r, p), n, vid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s API) apiArrive(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in ArrivalInput
	if err := optionalBody(w, r, &in); err != nil {
		return err
	}
	g, err := s.CheckIn(r.Context(), access.Of(r, p), n, in.VolunteerID, in.Code)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, g)
}

func (s API) apiDepart(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in SignupInput
	if err := optionalBody(w, r, &in); err != nil {
		return err
	}
	e, err := s.CheckOut(r.Context(), access.Of(r, p), n, in.VolunteerID)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, e)
}

func (s API) apiRecord(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in RecordInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.Record(r.Context(), access.Of(r, p), n, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, e)
}

func (s API) apiFeedbackList(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	list, err := s.FeedbackOf(r.Context(), access.Of(r, p), n)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}

func (s API) apiFeedback(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in FeedbackInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	f, err := s.GiveFeedback(r.Context(), access.Of(r, p), n, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, f)
}

func (s API) apiPending(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if st := r.URL.Query().Get("state"); st != "" && st != Pending {
		return apperr.Validation(apperr.Field("state", "invalid", "state 只能是 pending。", "state can only be pending."))
	}
	limit, _, err := web.Paging(r)
	if err != nil {
		return err
	}
	list, err := s.PendingFor(r.Context(), access.Of(r, p), limit)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}

func (s API) apiApprove(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in struct{}
	if err := optionalBody(w, r, &in); err != nil {
		return err
	}
	e, err := s.Approve(r.Context(), access.Of(r, p), n)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, e)
}

func (s API) apiReject(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in ReasonInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.Reject(r.Context(), access.Of(r, p), n, in.Reason)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, e)
}

func (s API) apiTotals(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	year, err := s.yearParam(r)
	if err != nil {
		return err
	}
	if year == 0 {
		return apperr.Validation(apperr.Field("year", "invalid", "请给出一个年份。", "Give one year."))
	}
	list, err := s.Totals(r.Context(), access.Of(r, p), year)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}
