package events

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// Who may do what on the events' pages and API.
var (
	// staffRoles publish events and record registrations, attendance and
	// results for the persons of their area.
	staffRoles = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant)
	// readers see events: staff, and persons (those of their village, town
	// and district, and their own entries), who register themselves.
	readers = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person)
	// personOnly is the person's own pages.
	personOnly = web.Roles(identity.Person)
)

// API is the JSON API of the events (CONTRACT.md "Centres and events").
type API struct{ *Store }

// Routes registers the API. POST …/attendance answers 201 when it records
// the attendance and 200 when it was recorded already (nothing changes).
func (s API) Routes(rt *web.Router) {
	rt.Handle("GET /api/v1/events", readers, s.apiList, web.Types{Out: web.List[Event]{}})
	rt.Handle("POST /api/v1/events", staffRoles, s.apiCreate, web.Types{In: Input{}, Out: Event{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/events/{id}", readers, s.apiGet, web.Types{Out: Event{}})
	rt.Handle("PUT /api/v1/events/{id}", staffRoles, s.apiUpdate, web.Types{In: Input{}, Out: Event{}})
	rt.Handle("POST /api/v1/events/{id}/cancel", staffRoles, s.apiCancel, web.Types{In: ReasonInput{}, Out: Event{}})
	rt.Handle("GET /api/v1/events/{id}/registrations", readers, s.apiEntries, web.Types{Out: web.List[Entry]{}})
	rt.Handle("POST /api/v1/events/{id}/registrations", readers, s.apiRegister, web.Types{In: PersonInput{}, Out: Entry{}, Status: http.StatusCreated})
	rt.Handle("DELETE /api/v1/events/{id}/registrations/{person_id}", readers, s.apiWithdraw, web.Types{Status: http.StatusNoContent})
	rt.Handle("POST /api/v1/events/{id}/attendance", staffRoles, s.apiAttend, web.Types{In: PersonInput{}, Out: Entry{}, Status: http.StatusCreated})
	rt.Handle("DELETE /api/v1/events/{id}/attendance/{person_id}", staffRoles, s.apiUnattend, web.Types{Status: http.StatusNoContent})
	rt.Handle("PUT /api/v1/events/{id}/results/{person_id}", staffRoles, s.apiResult, web.Types{In: ResultInput{}, Out: Entry{}})
}

// ReasonInput is the reason for cancelling an event.
type ReasonInput struct {
	Reason string `json:"reason"`
}

// PersonInput names a person (a person account may leave it out: itself).
type PersonInput struct {
	PersonID int64 `json:"person_id,omitempty"`
}

func id(r *http.Request) (int64, error) { return web.PathID(r, notFound()) }

func personParam(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("person_id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, notFound()
	}
	return n, nil
}

// optionalBody decodes a JSON body when there is one (an empty body is {}).
func optionalBody(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return nil
	}
	return web.Decode(w, r, v)
}

// dateParam reads a date parameter (YYYY-MM-DD; "" none).
func dateParam(name, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return "", apperr.Validation(apperr.Field(name, "invalid", name+" 应为日期，如 2026-12-01。", name+" must be a date like 2026-12-01."))
	}
	return v, nil
}

func (s API) apiList(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q := r.URL.Query()
	from, err := dateParam("from", q.Get("from"))
	if err != nil {
		return err
	}
	to, err := dateParam("to", q.Get("to"))
	if err != nil {
		return err
	}
	kind := q.Get("kind")
	if kind != "" && KindOf(kind).Code == "" {
		return apperr.Validation(apperr.Field("kind", "invalid", "kind 应为 sport、culture 或 skills。", "kind must be sport, culture or skills."))
	}
	limit, _, err := web.Paging(r)
	if err != nil {
		return err
	}
	list, err := s.List(r.Context(), access.Of(r, p), Filter{From: from, To: to, Kind: kind, OrgUnit: q.Get("orgunit"), Limit: limit})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}

func (s API) apiCreate(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in Input
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.Create(r.Context(), access.Of(r, p), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/events/%d", e.ID))
	return web.JSON(w, http.StatusCreated, e)
}

func (s API) apiGet(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	e, err := s.Get(r.Context(), access.Of(r, p), n)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, e)
}

func (s API) apiUpdate(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in Input
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.Update(r.Context(), access.Of(r, p), n, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, e)
}

func (s API) apiCancel(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in ReasonInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.Cancel(r.Context(), access.Of(r, p), n, in.Reason)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, e)
}

func (s API) apiEntries(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	list, err := s.Entries(r.Context(), access.Of(r, p), n, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}

func (s API) apiRegister(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in PersonInput
	if err := optionalBody(w, r, &in); err != nil {
		return err
	}
	e, err := s.Register(r.Context(), access.Of(r, p), n, in.PersonID)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, e)
}

func (s API) apiWithdraw(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	pid, err := personParam(r)
	if err != nil {
		return err
	}
	if err := s.Withdraw(r.Context(), access.Of(r, p), n, pid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s API) apiAttend(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in PersonInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	e, created, err := s.Attend(r.Context(), access.Of(r, p), n, in.PersonID)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return web.JSON(w, status, e)
}

func (s API) apiUnattend(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	pid, err := personParam(r)
	if err != nil {
		return err
	}
	if err := s.Unattend(r.Context(), access.Of(r, p), n, pid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s API) apiResult(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	pid, err := personParam(r)
	if err != nil {
		return err
	}
	var in ResultInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.SetResult(r.Context(), access.Of(r, p), n, pid, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, e)
}
