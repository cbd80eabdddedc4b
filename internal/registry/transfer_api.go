package registry

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/web"
)

// Transfer serves imports, exports and templates over HTTP.
type Transfer struct {
	Store     *Store
	Jobs      *Jobs
	MaxUpload int64
	Log       func(error)
}

var (
	importersPersons = web.Roles(identity.DistrictStaff, identity.TownStaff)
	// who may export and see the full secrets in exports: the roles that may reveal
	exporters = web.Roles(identity.Staff()...)
)

// mayReveal reports whether a role sees full secrets in exports.
func mayReveal(role string) bool {
	for _, r := range identity.Staff() {
		if r == role {
			return true
		}
	}
	return false
}

// Routes registers the import and export API.
func (t *Transfer) Routes(rt *web.Router) {
	rt.Handle("POST /api/v1/imports/persons", importersPersons, t.apiImport("persons"), web.Types{Out: ImportReport{}})
	rt.Handle("POST /api/v1/imports/annual", staff, t.apiImport("annual"), web.Types{Out: ImportReport{}})
	rt.Handle("GET /api/v1/imports/{id}", staff, t.apiStatus, web.Types{Out: JobStatus{}})
	rt.Handle("GET /api/v1/imports/{id}/rejects", staff, t.apiRejects)
	rt.Handle("GET /api/v1/imports/persons/template", staff, t.apiTemplate(PersonColumns(), "persons"))
	rt.Handle("GET /api/v1/imports/annual/template", staff, t.apiTemplate(AnnualColumns(), "annual"))
	rt.Handle("GET /api/v1/exports/persons", exporters, t.apiExport("persons"))
	rt.Handle("GET /api/v1/exports/annual", exporters, t.apiExport("annual"))
}

func (t *Transfer) apiImport(kind string) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
		q := r.URL.Query()
		o := ImportOptions{Mode: q.Get("mode"), ID: NewImportID(), KeepRejects: true}
		if o.Mode == "" {
			o.Mode = ModeStrict
		}
		if o.Mode != ModeStrict && o.Mode != ModeSkipInvalid {
			return apperr.Validation(apperr.Field("mode", "invalid", "导入模式应为 strict 或 skip-invalid。", "The mode must be strict or skip-invalid."))
		}
		if kind == "annual" {
			y, err := strconv.Atoi(q.Get("year"))
			if err != nil {
				return apperr.Validation(apperr.Field("year", "required", "请给出年度，例如 ?year=2026。", "Give the year, e.g. ?year=2026."))
			}
			o.Year = y
		}
		path, name, sum, _, err := t.receive(w, r)
		if err != nil {
			return err
		}
		o.FileName, o.SHA256, o.Sheet = name, sum, q.Get("sheet")
		// Refuse what cannot be read (not CSV, XLSX or XLS; no such
		// sheet) before starting any work.
		rd, format, err := OpenImportFile(kind, path, o.Sheet)
		if err != nil {
			_ = os.Remove(path) // #nosec G703 -- our own temporary file from SaveUpload (os.CreateTemp), not a path from the request
			return err
		}
		_ = rd.Close() // only sniffed: nothing was read that a close error could spoil
		total := 0
		if format == tabular.CSV {
			total = CountLines(path)
		}
		c := CallerOf(r, p)
		if q.Get("async") == "1" || q.Get("async") == "true" {
			if _, err := t.Jobs.Begin(r.Context(), c, kind, o, total); err != nil {
				_ = os.Remove(path) // #nosec G703 -- our own temporary file from SaveUpload (os.CreateTemp), not a path from the request
				return err
			}
			t.Jobs.Run(c, kind, path, o, t.Log)
			return web.JSON(w, http.StatusAccepted, map[string]string{"id": o.ID})
		}
		defer os.Remove(path)
		if _, err := t.Jobs.Begin(r.Context(), c, kind, o, total); err != nil {
			return err
		}
		res, err := t.Store.ImportFile(r.Context(), c, kind, path, o)
		if ferr := t.Jobs.Finish(r.Context(), o.ID, res, err); ferr != nil && t.Log != nil {
			t.Log(ferr)
		}
		if err != nil {
			return err
		}
		res.Report.Localize(web.Lang(r))
		status := http.StatusOK
		if res.Report.Failed() && o.Mode == ModeStrict {
			status = http.StatusUnprocessableEntity
		}
		return web.JSON(w, status, res.Report)
	}
}

// receive stores the multipart field "file" in a temporary file and returns
// the other (small) fields of the form too.
func (t *Transfer) receive(w http.ResponseWriter, r *http.Request) (path, name, sum string, fields map[string]string, err error) {
	limit := t.MaxUpload
	if limit <= 0 {
		limit = DefaultMaxUpload
	}
	tooLarge := apperr.New(apperr.TooLarge, fmt.Sprintf("文件超过 %d MB 的上限。", limit>>20), fmt.Sprintf("The file is larger than the limit of %d MB.", limit>>20))
	if r.ContentLength > limit+1<<20 {
		return "", "", "", nil, tooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	fields = map[string]string{}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", "", "", nil, apperr.New(apperr.Unsupported, "请以 multipart/form-data 上传，文件字段名为 file。", "Upload as multipart/form-data with the file in the field named file.")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", "", "", nil, apperr.Validation(apperr.Field("file", "required", "请选择要导入的文件。", "Choose the file to import."))
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", "", "", nil, tooLarge
		}
		if err != nil {
			return "", "", "", nil, apperr.New(apperr.Malformed, "上传内容不完整："+err.Error(), "The upload is incomplete: "+err.Error())
		}
		if part.FormName() != "file" {
			b, _ := io.ReadAll(io.LimitReader(part, 1<<10))
			_ = part.Close() // a part of the request body: nothing to flush
			fields[part.FormName()] = strings.TrimSpace(string(b))
			continue
		}
		path, sum, err := SaveUpload(part, limit)
		_ = part.Close() // a part of the request body: nothing to flush
		if errors.As(err, &mbe) {
			return "", "", "", nil, tooLarge
		}
		if err != nil {
			return "", "", "", nil, err
		}
		// Fields after the file are read too (browsers send them in form order).
		for {
			next, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(io.LimitReader(next, 1<<10))
			fields[next.FormName()] = strings.TrimSpace(string(b))
			_ = next.Close()
		}
		return path, filepath.Base(part.FileName()), sum, fields, nil
	}
}

func (t *Transfer) apiStatus(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	st, err := t.Jobs.Status(r.Context(), CallerOf(r, p), r.PathValue("id"), web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, st)
}

func (t *Transfer) apiRejects(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	b, err := t.Jobs.Rejects(r.Context(), CallerOf(r, p), r.PathValue("id"))
	if err != nil {
		return err
	}
	attachment(w, "rejected-rows.xlsx", tabular.XLSX)
	_, err = w.Write(b)
	return err
}

func formatOf(r *http.Request, def tabular.Format) (tabular.Format, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "":
		return def, nil
	case "csv":
		return tabular.CSV, nil
	case "xlsx":
		return tabular.XLSX, nil
	}
	return "", apperr.Validation(apperr.Field("format", "invalid", "格式应为 csv 或 xlsx。", "The format must be csv or xlsx."))
}

func attachment(w http.ResponseWriter, name string, f tabular.Format) {
	ct := "text/csv; charset=utf-8"
	if f == tabular.XLSX {
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	web.Attachment(w, name, ct)
}

func templateColumns(cols []Column) []tabular.Column {
	out := make([]tabular.Column, len(cols))
	for i, c := range cols {
		out[i] = tabular.Column{Header: c.Zh, AltHeader: c.En, Example: c.Example, Choices: c.Choices, Required: c.Required, DescZh: c.DescZh, DescEn: c.DescEn}
	}
	return out
}

func (t *Transfer) apiTemplate(cols []Column, kind string) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
		f, err := formatOf(r, tabular.XLSX)
		if err != nil {
			return err
		}
		if f == tabular.XLSX {
			tcols, lookups, err := t.xlsxTemplate(r.Context(), CallerOf(r, p), cols)
			if err != nil {
				return err
			}
			attachment(w, kind+"-template."+string(f), f)
			return tabular.WriteTemplateLookups(w, "导入 import", "说明 help", tcols, lookups...)
		}
		attachment(w, kind+"-template."+string(f), f)
		tw, err := tabular.NewWriter(f, w, kind)
		if err != nil {
			return err
		}
		ex := make([]string, len(cols))
		for i, c := range cols {
			ex[i] = c.Example
		}
		if err := tw.Write(Headers(cols)); err != nil {
			return err
		}
		if err := tw.Write(ex); err != nil {
			return err
		}
		return tw.Close()
	}
}

func (t *Transfer) apiExport(kind string) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
		f, err := formatOf(r, tabular.CSV)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		year := 0
		if kind == "annual" {
			if year, err = strconv.Atoi(q.Get("year")); err != nil {
				return apperr.Validation(apperr.Field("year", "required", "请给出年度，例如 ?year=2026。", "Give the year, e.g. ?year=2026."))
			}
		}
		reason := strings.TrimSpace(q.Get("reason"))
		if err := CheckExportReason(reason); err != nil {
			return err
		}
		c := CallerOf(r, p)
		name := fmt.Sprintf("%s-%s.%s", kind, time.Now().Format("20060102"), f)
		if u := q.Get("orgunit"); u != "" {
			name = strings.Replace(name, kind, kind+"-"+u, 1)
		}
		attachment(w, name, f)
		tw, err := tabular.NewWriter(f, w, kind)
		if err != nil {
			return err
		}
		if kind == "annual" {
			_, err = t.Store.ExportAnnual(r.Context(), c, year, q.Get("orgunit"), reason, mayReveal(p.Role), tw)
		} else {
			_, err = t.Store.ExportPersons(r.Context(), c, q.Get("orgunit"), reason, mayReveal(p.Role), tw)
		}
		if err != nil {
			return err // headers may be sent already; the client sees a cut file
		}
		return tw.Close()
	}
}
