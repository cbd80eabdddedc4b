package rehab

import (
	"net/http"
	"strconv"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// API is the JSON API of the module over its store: the handlers live on
// it, so the store itself never sees HTTP.
type API struct{ *Store }

var (
	// readers are staff and providers: they see the centres and their schedules.
	readers = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Provider)
	// keepers set a centre's capacity and services.
	keepers = web.Roles(identity.DistrictStaff)
)

// Routes registers the rehabilitation API.
func (s API) Routes(rt *web.Router) {
	rt.Handle("GET /api/v1/rehab/centres", readers, s.apiCentres, web.Types{Out: web.List[Centre]{}})
	rt.Handle("PUT /api/v1/rehab/centres/{id}", keepers, s.apiUpdate, web.Types{In: CentreInput{}, Out: Centre{}})
	rt.Handle("GET /api/v1/rehab/centres/{id}/schedule", readers, s.apiSchedule, web.Types{Out: Schedule{}})
}

func centreID(r *http.Request) (int64, error) {
	return web.PathID(r, apperr.New(apperr.NotFound, "找不到这个康复中心。", "There is no such rehabilitation centre."))
}

func (s API) apiCentres(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	items, err := s.Centres(r.Context(), orgunit.ScopeOf(p.OrgUnit))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.List[Centre]{Items: items, Total: len(items)})
}

func (s API) apiUpdate(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := centreID(r)
	if err != nil {
		return err
	}
	var in CentreInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.UpdateCentre(r.Context(), orgunit.ScopeOf(p.OrgUnit), access.Of(r, p).Actor, id, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, c)
}

// scheduleParams reads ?from=YYYY-MM-DD (default: this week) and ?weeks=N
// (default 8, at most MaxWeeks).
func scheduleParams(r *http.Request, now time.Time) (time.Time, int, error) {
	q := r.URL.Query()
	from := today(now)
	var fields []apperr.FieldError
	if v := q.Get("from"); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			fields = append(fields, apperr.Field("from", "invalid", "from 应为日期（YYYY-MM-DD）。", "from must be a date (YYYY-MM-DD)."))
		}
		from = t
	}
	weeks := 8
	if v := q.Get("weeks"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxWeeks {
			fields = append(fields, apperr.Field("weeks", "range", "weeks 应为 1–26 的整数。", "weeks must be a whole number from 1 to 26."))
		}
		weeks = n
	}
	if len(fields) > 0 {
		return from, weeks, apperr.Validation(fields...)
	}
	return from, weeks, nil
}

func (s API) apiSchedule(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := centreID(r)
	if err != nil {
		return err
	}
	from, weeks, err := scheduleParams(r, s.db.Now())
	if err != nil {
		return err
	}
	sch, err := s.ScheduleOf(r.Context(), access.Of(r, p), id, from, weeks)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, sch)
}
