package benefits

import (
	"fmt"
	"net/http"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

// rosterStaff make, check, read and export the monthly rosters: the
// district's staff for the district, a town or a village; a town's staff
// for their town or one of its villages. A roster is seen by those whose
// scope holds its unit; it is approved by one of them other than its maker.
var rosterStaff = web.Roles(identity.DistrictStaff, identity.TownStaff)

// rosterRoutes registers the rosters' API (CONTRACT: Benefits, rosters).
func (s API) rosterRoutes(rt *web.Router) {
	rt.Handle("POST /api/v1/benefit-rosters", rosterStaff, s.apiCreateRoster, web.Types{In: RosterInput{}, Out: Roster{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/benefit-rosters", rosterStaff, s.apiRosters, web.Types{Out: web.List[Roster]{}})
	rt.Handle("GET /api/v1/benefit-rosters/{id}", rosterStaff, s.apiRoster, web.Types{Out: Roster{}})
	rt.Handle("GET /api/v1/benefit-rosters/{id}/rows", rosterStaff, s.apiRosterRows, web.Types{Out: web.List[RosterRow]{}})
	rt.Handle("GET /api/v1/benefit-rosters/{id}/differences", rosterStaff, s.apiRosterDifferences, web.Types{Out: Differences{}})
	rt.Handle("POST /api/v1/benefit-rosters/{id}/approve", rosterStaff, s.apiApproveRoster, web.Types{In: RosterAction{}, Out: Roster{}})
	rt.Handle("POST /api/v1/benefit-rosters/{id}/cancel", rosterStaff, s.apiCancelRoster, web.Types{In: RosterAction{}, Out: Roster{}})
	rt.Handle("GET /api/v1/benefit-rosters/{id}/export", rosterStaff, s.apiExportRoster)
}

// RosterAction is the body of approve and cancel: {} (the path names the
// roster; the body is not read, so an empty one does too).
type RosterAction struct{}

func rosterID(r *http.Request) (int64, error) { return web.PathID(r, rosterNotFound()) }

func (s API) apiCreateRoster(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in RosterInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.CreateRoster(r.Context(), access.Of(r, p), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/benefit-rosters/%d", out.ID))
	return web.JSON(w, http.StatusCreated, out)
}

// apiRosters lists the rosters of the caller's scope, newest month first
// (one page of at most ?limit=).
func (s API) apiRosters(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	limit, _, err := web.Paging(r)
	if err != nil {
		return err
	}
	list, err := s.Rosters(r.Context(), access.Of(r, p), limit)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.List[Roster]{Items: list, Total: len(list)})
}

func (s API) apiRoster(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := rosterID(r)
	if err != nil {
		return err
	}
	out, err := s.Roster(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiRosterRows(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := rosterID(r)
	if err != nil {
		return err
	}
	limit, cursor, err := web.Paging(r)
	if err != nil {
		return err
	}
	ro, rows, next, err := s.RosterRows(r.Context(), access.Of(r, p), id, limit, cursor)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.List[RosterRow]{Items: rows, Total: ro.Count, Next: next})
}

func (s API) apiRosterDifferences(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := rosterID(r)
	if err != nil {
		return err
	}
	d, err := s.RosterDifferences(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, d)
}

// apiApproveRoster takes {} (the body is not read).
func (s API) apiApproveRoster(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := rosterID(r)
	if err != nil {
		return err
	}
	out, err := s.ApproveRoster(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiCancelRoster(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := rosterID(r)
	if err != nil {
		return err
	}
	out, err := s.CancelRoster(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

// exportRoster streams a roster as xlsx (the default) or csv.
func (s API) exportRoster(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := rosterID(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = "xlsx"
	}
	if format != "xlsx" && format != "csv" {
		return apperr.Validation(apperr.Field("format", "invalid", "格式应为 xlsx 或 csv。", "The format must be xlsx or csv."))
	}
	if err := registry.CheckExportReason(q.Get("reason")); err != nil {
		return err
	}
	c := access.Of(r, p)
	ro, err := s.Roster(r.Context(), c, id)
	if err != nil {
		return err // before any header is sent
	}
	name := "roster-" + strconv.FormatInt(id, 10) + "-" + ro.Month + "." + format
	var tw tabular.Writer
	if format == "csv" {
		web.Attachment(w, name, "text/csv; charset=utf-8")
		tw = tabular.NewCSVWriter(w)
	} else {
		web.Attachment(w, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		if tw, err = tabular.NewXLSXWriter(w, "发放名册"); err != nil {
			return err
		}
	}
	if _, err := s.ExportRoster(r.Context(), c, id, q.Get("reason"), tw); err != nil {
		return err // headers may be sent already; the client sees a cut file
	}
	return tw.Close()
}

func (s API) apiExportRoster(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return s.exportRoster(w, r, p)
}
