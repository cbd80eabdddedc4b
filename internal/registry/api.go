package registry

import (
	"net/http"
	"slices"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// CallerOf is the caller of a request (access.Of).
func CallerOf(r *http.Request, p *web.Principal) Caller { return access.Of(r, p) }

// Who may do what with persons.
var (
	editors = web.Roles(identity.DistrictStaff, identity.TownStaff)
	staff   = web.Roles(identity.Staff()...)
	readers = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person)
	// A person's access log is a person's page: the auditor reads the whole
	// log (/audit), never a person's (三员分立: no administrator reads personal data).
	logReads = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person)
)

// API is the person registry's JSON API over its store: the handlers live
// on it, so the store itself never sees HTTP.
type API struct{ *Store }

// Routes registers the person registry API.
func (s API) Routes(rt *web.Router) {
	rt.Handle("POST /api/v1/persons", editors, s.apiCreate, web.Types{In: PersonInput{}, Out: Person{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/persons", staff, s.apiList, web.Types{Out: web.List[Person]{}})
	rt.Handle("GET /api/v1/persons/{id}", readers, s.apiGet, web.Types{Out: Person{}})
	rt.Handle("PATCH /api/v1/persons/{id}", editors, s.apiPatch, web.Types{In: PersonPatch{}, Out: Person{}})
	rt.Handle("POST /api/v1/persons/{id}/reveal", staff, s.apiReveal, web.Types{In: RevealInput{}, Out: Revealed{}})
	rt.Handle("GET /api/v1/persons/{id}/access-log", logReads, s.apiAccessLog, web.Types{Out: web.List[audit.Entry]{}})
	rt.Handle("GET /api/v1/persons/{id}/annual/{year}", readers, s.apiGetAnnual, web.Types{Out: Annual{}})
	rt.Handle("PUT /api/v1/persons/{id}/annual/{year}", staff, s.apiPutAnnual, web.Types{In: Annual{}, Out: Annual{}})
	s.visitRoutes(rt)
}

func pathID(r *http.Request) (int64, error) {
	return web.PathID(r, apperr.ErrNotFound())
}

func (s API) apiCreate(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in PersonInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.Create(r.Context(), CallerOf(r, p), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/persons/"+strconv.FormatInt(out.ID, 10))
	return web.JSON(w, http.StatusCreated, out)
}

func (s API) apiList(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	limit, cursor, err := web.Paging(r)
	if err != nil {
		return err
	}
	f, err := filterOf(r)
	if err != nil {
		return err
	}
	f.Limit, f.Cursor = limit, cursor
	items, total, next, err := s.List(r.Context(), CallerOf(r, p), f)
	if err != nil {
		return err
	}
	out := web.List[Person]{Items: items, Total: total, Next: next}
	if items == nil {
		out.Items = []Person{}
	}
	return web.JSON(w, http.StatusOK, out)
}

// filterOf reads the list filters of a request (API and pages alike).
func filterOf(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{OrgUnit: q.Get("orgunit"), Status: q.Get("status"), Q: q.Get("q")}
	if c := q.Get("category"); c != "" {
		if f.Category, _ = ParseCategory(c); f.Category == 0 {
			return f, apperr.Validation(apperr.Field("category", "invalid", "残疾类别应为1至7。", "The category must be 1 to 7."))
		}
	}
	if g := q.Get("grade"); g != "" {
		if f.Grade, _ = ParseGrade(g); f.Grade == 0 {
			return f, apperr.Validation(apperr.Field("grade", "invalid", "残疾等级应为1至4。", "The grade must be 1 to 4."))
		}
	}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		return f, apperr.Validation(apperr.Field("status", "invalid", "状态应为 active、moved_out、deceased 或 cancelled。", "The status must be active, moved_out, deceased or cancelled."))
	}
	days, err := web.IntParam("expiring", q.Get("expiring"))
	if err != nil {
		return f, err
	}
	year, err := web.IntParam("no_annual", q.Get("no_annual"))
	if err != nil {
		return f, err
	}
	f.ExpiringDays, f.NoAnnual = int(days), int(year)
	switch v := q.Get("expired"); v {
	case "", "0", "false":
	case "1", "true":
		f.Expired = true
	default:
		return f, apperr.Validation(apperr.Field("expired", "invalid", "expired 应为 1 或 0。", "expired must be 1 or 0."))
	}
	// cert is the list page's select: "expired", or expiring within N days.
	switch v := q.Get("cert"); v {
	case "":
	case "expired":
		f.Expired = true
	default:
		n, err := web.IntParam("cert", v)
		if err != nil || n < 1 || n > 3660 {
			return f, apperr.Validation(apperr.Field("cert", "invalid", "残疾证筛选应为“已过期”或到期天数（1 至 3660）。", "The certificate filter must be “expired” or a number of days (1 to 3660)."))
		}
		f.ExpiringDays = int(n)
	}
	return f, nil
}

func (s API) apiGet(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	out, err := s.Get(r.Context(), CallerOf(r, p), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiPatch(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var patch PersonPatch
	if err := web.Decode(w, r, &patch); err != nil {
		return err
	}
	out, err := s.Patch(r.Context(), CallerOf(r, p), id, patch.Values())
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiReveal(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body RevealInput
	if err := web.Decode(w, r, &body); err != nil {
		return err
	}
	out, err := s.Reveal(r.Context(), CallerOf(r, p), id, body.Reason)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiAccessLog(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	limit, cursor, err := web.Paging(r)
	if err != nil {
		return err
	}
	before, err := web.IntParam("cursor", cursor)
	if err != nil {
		return err
	}
	items, next, err := s.AccessLog(r.Context(), CallerOf(r, p), id, before, limit)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(items, next))
}

func pathYear(r *http.Request) (int, error) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || y < 1900 || y > 9999 {
		return 0, apperr.Validation(apperr.Field("year", "invalid", "年度应为四位数字，例如 2026。", "The year must have four digits, e.g. 2026."))
	}
	return y, nil
}

func (s API) apiGetAnnual(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	year, err := pathYear(r)
	if err != nil {
		return err
	}
	out, err := s.GetAnnual(r.Context(), CallerOf(r, p), id, year)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiPutAnnual(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	year, err := pathYear(r)
	if err != nil {
		return err
	}
	// The body is an Annual as GET returns it; the path names the person and
	// the year, so the body's person_id and year are ignored.
	var a Annual
	if err := web.Decode(w, r, &a); err != nil {
		return err
	}
	a.Year = year
	out, _, err := s.PutAnnual(r.Context(), CallerOf(r, p), id, a)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}
