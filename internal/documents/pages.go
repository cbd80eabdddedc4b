package documents

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/printdoc"
	"sunshine/internal/platform/web"
)

//go:embed templates
var templatesFS embed.FS

// Templates are the module's page templates (named document_*.html).
func Templates() fs.FS { return web.TemplateDir(templatesFS) }

// LevyFunc computes an employer's levy of a year as the signed-in caller
// may see it (the employment module's: 404 out of scope or without figures;
// it audits the read of the employer).
type LevyFunc func(r *http.Request, p *web.Principal, employerID int64, year int) (LevyFigures, error)

// Config is what the app hands the module from the others.
type Config struct {
	// BenefitName names a benefit in a language (benefits.BenefitName).
	BenefitName func(benefit, lang string) string
	Levy        LevyFunc
}

// Who may print what: as who may see the record printed.
var (
	caseRoles      = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Provider, identity.Person)
	volunteerRoles = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Volunteer)
	personRoles    = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person)
	employerRoles  = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.Employer)
	anyone         = web.Access{}
)

// Pages serve the documents: a print page at …/documents/{kind} and the
// PDF at …/documents/{kind}.pdf.
type Pages struct {
	*Store
	Config
	Kit web.Kit
}

// Module is the documents as the app sees them.
func (s *Store) Module(cfg Config) module.Module {
	return module.Module{
		Name: "documents", Templates: Templates(),
		Routes: func(rt *web.Router, kit web.Kit) { (&Pages{Store: s, Config: cfg, Kit: kit}).Routes(rt) },
	}
}

// Routes registers the print pages and PDFs.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /documents/print.css", anyone, asset(printdoc.PrintCSS, "text/css; charset=utf-8"))
	rt.Page("GET /documents/print.js", anyone, asset(printJS, "text/javascript; charset=utf-8"))
	rt.Page("GET /cases/{id}/documents/{doc}", caseRoles, pg.caseDoc)
	rt.Page("GET /volunteers/{id}/documents/{doc}", volunteerRoles, pg.volunteerDoc)
	rt.Page("GET /persons/{id}/documents/{doc}", personRoles, pg.personDoc)
	rt.Page("GET /employers/{id}/documents/{doc}", employerRoles, pg.employerDoc)
}

const printJS = `document.querySelectorAll("[data-print]").forEach(function (b) { b.hidden = false; b.addEventListener("click", function () { window.print(); }); });
`

func asset(body, contentType string) web.Handler {
	return func(w http.ResponseWriter, _ *http.Request, _ *web.Principal) error {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-cache")
		_, err := w.Write([]byte(body))
		return err
	}
}

// docParam reads {doc}: a kind among kinds, and whether the PDF is asked.
func docParam(r *http.Request, kinds ...string) (kind string, pdf bool, err error) {
	raw := r.PathValue("doc")
	kind, pdf = strings.CutSuffix(raw, ".pdf")
	if !slices.Contains(kinds, kind) {
		return "", false, errNotFound
	}
	return kind, pdf, nil
}

func pathID(r *http.Request) (int64, error) { return web.PathID(r, errNotFound) }

// yearParam reads ?year= (default: this year), 2000–2100.
func yearParam(r *http.Request, now time.Time) (int, error) {
	v := r.URL.Query().Get("year")
	if v == "" {
		return now.In(shanghai).Year(), nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2100 {
		return 0, apperr.Validation(apperr.Field("year", "range", "年份应为 2000 到 2100 之间的整数。", "The year is a whole number from 2000 to 2100."))
	}
	return y, nil
}

func (pg *Pages) today() string { return pg.db.Now().In(shanghai).Format(time.DateOnly) }

func (pg *Pages) caseDoc(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	kind, pdf, err := docParam(r, Handover, Loan, Acceptance)
	if err != nil {
		return err
	}
	lang := web.PageLang(r)
	d, err := pg.CaseDoc(r.Context(), access.Of(r, p), id, kind, lang)
	if err != nil {
		return err
	}
	return pg.serve(w, r, p, d, pdf, fmt.Sprintf("/cases/%d/documents/%s", id, kind), fmt.Sprintf("/cases/%d", id))
}

func (pg *Pages) volunteerDoc(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	kind, pdf, err := docParam(r, Hours)
	if err != nil {
		return err
	}
	d, err := pg.HoursDoc(r.Context(), access.Of(r, p), id, web.PageLang(r), pg.today())
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/volunteers/%d", id)
	if p.Role == identity.Volunteer {
		back = "/"
	}
	return pg.serve(w, r, p, d, pdf, fmt.Sprintf("/volunteers/%d/documents/%s", id, kind), back)
}

func (pg *Pages) personDoc(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	kind, pdf, err := docParam(r, SubsidyDoc_)
	if err != nil {
		return err
	}
	benefit := r.URL.Query().Get("benefit")
	if len(benefit) > 40 || strings.ContainsFunc(benefit, func(c rune) bool { return !(c == '_' || c >= 'a' && c <= 'z') }) {
		return apperr.Validation(apperr.Field("benefit", "format", "补贴类型代码无效。", "The benefit code is not valid."))
	}
	d, err := pg.SubsidyDoc(r.Context(), access.Of(r, p), id, benefit, web.PageLang(r), pg.BenefitName)
	if err != nil {
		return err
	}
	self := fmt.Sprintf("/persons/%d/documents/%s", id, kind)
	if benefit != "" {
		self += "?benefit=" + url.QueryEscape(benefit)
	}
	back := fmt.Sprintf("/persons/%d", id)
	if p.Role == identity.Person {
		back = "/me"
	}
	return pg.serve(w, r, p, d, pdf, self, back)
}

func (pg *Pages) employerDoc(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	kind, pdf, err := docParam(r, LevyDoc)
	if err != nil {
		return err
	}
	year, err := yearParam(r, pg.db.Now())
	if err != nil {
		return err
	}
	if pg.Levy == nil {
		return errNotFound
	}
	l, err := pg.Levy(r, p, id, year)
	if err != nil {
		return err
	}
	d, err := pg.LevyDoc(r.Context(), l, web.PageLang(r), pg.today())
	if err != nil {
		return err
	}
	return pg.serve(w, r, p, d, pdf, fmt.Sprintf("/employers/%d/documents/%s?year=%d", id, kind, year), fmt.Sprintf("/employers/%d", id))
}

// printData is what the print page shows.
type printData struct {
	Doc       template.HTML
	PDF, Back string
	PDFName   string
}

// serve writes the document as a PDF or its print page. self is the print
// page's path (with its query), back the record's page.
func (pg *Pages) serve(w http.ResponseWriter, r *http.Request, p *web.Principal, d printdoc.Doc, pdf bool, self, back string) error {
	path, query, _ := strings.Cut(self, "?")
	if pdf {
		b, err := d.PDF(pg.db.Now())
		if err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", "application/pdf")
		h.Set("Content-Disposition", Disposition(d.Title+"-"+d.Number+".pdf"))
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Length", strconv.Itoa(len(b)))
		_, err = w.Write(b) // #nosec G705 -- a PDF (Content-Type application/pdf, a download), not HTML
		return err
	}
	body, err := d.HTML()
	if err != nil {
		return err
	}
	page := pg.Kit.NewPage(r, p, d.Title)
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("返回记录", "Back to the record"), Href: back}, {Label: d.Title}}
	pdfHref := path + ".pdf"
	if query != "" {
		pdfHref += "?" + query
	}
	page.Data = printData{Doc: body, PDF: pdfHref, Back: back, PDFName: d.Title + ".pdf"}
	w.Header().Set("Cache-Control", "no-store")
	return pg.Kit.Render(w, r, http.StatusOK, "document_print.html", page)
}

// Disposition is a Content-Disposition header offering name as the file's
// name: an ASCII fallback, and the UTF-8 name (RFC 5987, filename*).
func Disposition(name string) string {
	ascii := strings.Map(func(c rune) rune {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.', c == '_':
			return c
		case c == ' ':
			return '_'
		}
		return -1
	}, name)
	ascii = strings.TrimLeft(ascii, "-.")
	if ascii == "" || ascii == "pdf" {
		ascii = "document.pdf"
	}
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, rfc5987(name))
}

// rfc5987 percent-encodes every byte of s but the attr-chars of RFC 5987.
func rfc5987(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
