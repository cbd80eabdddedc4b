package campaigns

import (
	"fmt"
	"net/http"
	"os"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

var (
	// readers see the campaigns of their area and their progress.
	readers = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant)
	// creators make campaigns for a unit of their scope: the district's
	// staff for the district or a town, a town's staff for their town.
	creators = web.Roles(identity.DistrictStaff, identity.TownStaff)
	// recorders record who was reached: village assistants and staff.
	recorders = readers
	// importers import a provider's spreadsheet and export the list for it.
	importers = web.Roles(identity.DistrictStaff, identity.TownStaff)
)

// API is the JSON API of campaigns.
type API struct{ *Store }

// Routes registers the campaigns API.
func (s API) Routes(rt *web.Router) {
	rt.Handle("POST /api/v1/campaigns", creators, s.apiCreate, web.Types{In: Input{}, Out: Created{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/campaigns", readers, s.apiList, web.Types{Out: web.List[Campaign]{}})
	rt.Handle("GET /api/v1/campaigns/{id}", readers, s.apiGet, web.Types{Out: Campaign{}})
	rt.Handle("GET /api/v1/campaigns/{id}/progress", readers, s.apiProgress, web.Types{Out: Progress{}})
	rt.Handle("GET /api/v1/campaigns/{id}/persons", readers, s.apiPersons, web.Types{Out: web.List[registry.Person]{}})
	rt.Handle("POST /api/v1/campaigns/{id}/completions", recorders, s.apiComplete, web.Types{In: CompletionInput{}, Out: Completion{}, Status: http.StatusCreated})
	rt.Handle("POST /api/v1/campaigns/{id}/imports", importers, s.apiImport, web.Types{Out: ImportReport{}})
	rt.Handle("GET /api/v1/campaigns/{id}/export", importers, s.apiExport)
}

func campaignID(r *http.Request) (int64, error) { return web.PathID(r, notFound()) }

func (s API) apiCreate(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in Input
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.Create(r.Context(), access.Of(r, p), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/campaigns/%d", out.ID))
	return web.JSON(w, http.StatusCreated, out)
}

func (s API) apiList(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	year, err := web.IntParam("year", r.URL.Query().Get("year"))
	if err != nil {
		return err
	}
	items, err := s.List(r.Context(), access.Of(r, p), int(year))
	if err != nil {
		return err
	}
	if items == nil {
		items = []Campaign{}
	}
	return web.JSON(w, http.StatusOK, web.List[Campaign]{Items: items, Total: len(items)})
}

func (s API) apiGet(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := campaignID(r)
	if err != nil {
		return err
	}
	cp, err := s.Get(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, cp)
}

func (s API) apiProgress(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := campaignID(r)
	if err != nil {
		return err
	}
	pr, err := s.ProgressOf(r.Context(), access.Of(r, p), id, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, pr)
}

// doneParam reads ?done=true|false (absent: both).
func doneParam(r *http.Request) (*bool, error) {
	switch v := r.URL.Query().Get("done"); v {
	case "":
		return nil, nil
	case "true", "1":
		t := true
		return &t, nil
	case "false", "0":
		f := false
		return &f, nil
	}
	return nil, apperr.Validation(apperr.Field("done", "invalid", "done 应为 true 或 false。", "done must be true or false."))
}

func (s API) apiPersons(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := campaignID(r)
	if err != nil {
		return err
	}
	done, err := doneParam(r)
	if err != nil {
		return err
	}
	limit, cursor, err := web.Paging(r)
	if err != nil {
		return err
	}
	items, total, next, err := s.Persons(r.Context(), access.Of(r, p), id, done, r.URL.Query().Get("orgunit"), limit, cursor)
	if err != nil {
		return err
	}
	if items == nil {
		items = []registry.Person{}
	}
	return web.JSON(w, http.StatusOK, web.List[registry.Person]{Items: items, Total: total, Next: next})
}

func (s API) apiComplete(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := campaignID(r)
	if err != nil {
		return err
	}
	var in CompletionInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.Complete(r.Context(), access.Of(r, p), id, in, "api")
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, out)
}

func (s API) apiImport(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := campaignID(r)
	if err != nil {
		return err
	}
	c := access.Of(r, p)
	if _, err := s.Get(r.Context(), c, id); err != nil {
		return err // before reading the upload: 404 for another area's campaign
	}
	mode := r.URL.Query().Get("mode")
	path, name, _, _, err := registry.ReceiveUpload(w, r, s.MaxUpload)
	if err != nil {
		return err
	}
	defer os.Remove(path) // #nosec G703 -- our own temporary file from registry.ReceiveUpload
	rep, err := s.Import(r.Context(), c, id, path, mode, name)
	if err != nil {
		return err
	}
	rep.Localize(web.Lang(r))
	status := http.StatusOK
	if rep.Failed() && rep.Mode == ModeStrict {
		status = http.StatusUnprocessableEntity
	}
	return web.JSON(w, status, rep)
}

func (s API) apiExport(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := campaignID(r)
	if err != nil {
		return err
	}
	done, err := doneParam(r)
	if err != nil {
		return err
	}
	if f := r.URL.Query().Get("format"); f != "" && f != "xlsx" {
		return apperr.Validation(apperr.Field("format", "invalid", "格式应为 xlsx。", "The format must be xlsx."))
	}
	q := r.URL.Query()
	if err := CheckReason(q.Get("reason")); err != nil {
		return err
	}
	c := access.Of(r, p)
	if _, err := s.Get(r.Context(), c, id); err != nil {
		return err // before any header is sent
	}
	web.Attachment(w, "campaign-"+strconv.FormatInt(id, 10)+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	tw, err := tabular.NewXLSXWriter(w, "名单")
	if err != nil {
		return err
	}
	if _, err := s.Export(r.Context(), c, id, done, q.Get("reason"), tw); err != nil {
		return err // headers may be sent already; the client sees a cut file
	}
	return tw.Close()
}
