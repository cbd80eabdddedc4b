package centres

import (
	"fmt"
	"net/http"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/web"
)

var (
	// staffRoles run and use centres.
	staffRoles = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant)
	// managers add and change centres and programmes.
	managers = web.Roles(identity.DistrictStaff, identity.TownStaff)
)

// API is the JSON API of the centres (CONTRACT.md "Centres and events").
type API struct{ *Store }

// Routes registers the API.
func (s API) Routes(rt *web.Router) {
	rt.Handle("GET /api/v1/centres", staffRoles, s.apiList, web.Types{Out: web.List[Centre]{}})
	rt.Handle("POST /api/v1/centres", managers, s.apiCreate, web.Types{In: CentreInput{}, Out: Centre{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/centres/{id}", staffRoles, s.apiGet, web.Types{Out: Centre{}})
	rt.Handle("PUT /api/v1/centres/{id}", managers, s.apiUpdate, web.Types{In: CentreInput{}, Out: Centre{}})
	rt.Handle("GET /api/v1/centres/{id}/programmes", staffRoles, s.apiProgrammes, web.Types{Out: web.List[Programme]{}})
	rt.Handle("POST /api/v1/centres/{id}/programmes", managers, s.apiAddProgramme, web.Types{In: ProgrammeInput{}, Out: Programme{}, Status: http.StatusCreated})
	rt.Handle("PUT /api/v1/centres/{id}/programmes/{pid}", managers, s.apiUpdateProgramme, web.Types{In: ProgrammeInput{}, Out: Programme{}})
	rt.Handle("GET /api/v1/centres/{id}/enrolments", staffRoles, s.apiEnrolments, web.Types{Out: web.List[Enrolment]{}})
	rt.Handle("POST /api/v1/centres/{id}/enrolments", staffRoles, s.apiEnrol, web.Types{In: EnrolInput{}, Out: Enrolment{}, Status: http.StatusCreated})
	rt.Handle("POST /api/v1/centre-enrolments/{id}/leave", staffRoles, s.apiLeave, web.Types{In: LeaveInput{}, Out: Enrolment{}})
	rt.Handle("GET /api/v1/centres/{id}/attendance", staffRoles, s.apiRollCall, web.Types{Out: RollCall{}})
	rt.Handle("POST /api/v1/centres/{id}/attendance", staffRoles, s.apiAttendance, web.Types{In: AttendanceInput{}, Out: AttendanceResult{}})
	rt.Handle("GET /api/v1/centres/{id}/rates", staffRoles, s.apiRates, web.Types{Out: MonthRates{}})
	rt.Handle("GET /api/v1/centre-absences", staffRoles, s.apiAbsences, web.Types{Out: web.List[Absence]{}})
	rt.Handle("GET /api/v1/centre-sessions", staffRoles, s.apiSessions, web.Types{Out: web.List[Session]{}})
}

func (s API) apiSessions(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q := r.URL.Query()
	list, err := s.Sessions(r.Context(), access.Of(r, p), q.Get("from"), q.Get("to"), lang(r, p))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}

// LeaveInput ends an enrolment: the reason and the version read.
type LeaveInput struct {
	Reason  string `json:"reason"`
	Version int    `json:"version"`
}

func id(r *http.Request) (int64, error) { return web.PathID(r, notFound()) }

func lang(r *http.Request, _ *web.Principal) string { return web.PageLang(r) }

func (s API) apiList(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q := r.URL.Query()
	list, err := s.Centres(r.Context(), access.Of(r, p), Filter{Kind: q.Get("kind"), OrgUnit: q.Get("orgunit"), All: q.Get("all") == "true"})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}

func (s API) apiCreate(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in CentreInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	ce, err := s.CreateCentre(r.Context(), access.Of(r, p), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/centres/%d", ce.ID))
	return web.JSON(w, http.StatusCreated, ce)
}

func (s API) apiGet(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	ce, err := s.Centre(r.Context(), access.Of(r, p), n)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, ce)
}

func (s API) apiUpdate(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in CentreInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	ce, err := s.UpdateCentre(r.Context(), access.Of(r, p), n, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, ce)
}

func (s API) apiProgrammes(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	list, err := s.Programmes(r.Context(), access.Of(r, p), n, r.URL.Query().Get("all") == "true")
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}

func (s API) apiAddProgramme(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in ProgrammeInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	pr, err := s.SaveProgramme(r.Context(), access.Of(r, p), n, 0, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, pr)
}

func (s API) apiUpdateProgramme(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	pid, err := strconv.ParseInt(r.PathValue("pid"), 10, 64)
	if err != nil || pid <= 0 {
		return notFound()
	}
	var in ProgrammeInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	pr, err := s.SaveProgramme(r.Context(), access.Of(r, p), n, pid, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, pr)
}

func (s API) apiEnrolments(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	list, err := s.Enrolments(r.Context(), access.Of(r, p), n)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}

func (s API) apiEnrol(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in EnrolInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.Enrol(r.Context(), access.Of(r, p), n, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, e)
}

func (s API) apiLeave(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in LeaveInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.Leave(r.Context(), access.Of(r, p), n, in.Reason, in.Version)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, e)
}

func programmeParam(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("programme")
	if v == "" {
		return 0, nil
	}
	return web.IntParam("programme", v)
}

func (s API) apiRollCall(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	prog, err := programmeParam(r)
	if err != nil {
		return err
	}
	date := r.URL.Query().Get("date")
	if date == "" {
		date = Today(s.db.Now())
	}
	rc, err := s.RollCallOf(r.Context(), access.Of(r, p), n, date, prog, lang(r, p))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, rc)
}

func (s API) apiAttendance(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	var in AttendanceInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	res, err := s.SaveAttendance(r.Context(), access.Of(r, p), n, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, res)
}

func (s API) apiRates(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	n, err := id(r)
	if err != nil {
		return err
	}
	prog, err := programmeParam(r)
	if err != nil {
		return err
	}
	month := r.URL.Query().Get("month")
	if month == "" {
		month = Today(s.db.Now())[:7]
	}
	mr, err := s.Rates(r.Context(), access.Of(r, p), n, month, prog, lang(r, p))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, mr)
}

func (s API) apiAbsences(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var centre int64
	if v := r.URL.Query().Get("centre"); v != "" {
		n, err := web.IntParam("centre", v)
		if err != nil {
			return err
		}
		centre = n
	}
	list, err := s.Absences(r.Context(), access.Of(r, p), centre, lang(r, p))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}
