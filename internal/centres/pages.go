package centres

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

// PickFunc reads a person picker from a form (registry.Store.PickerFrom).
type PickFunc func(ctx context.Context, c access.Caller, form url.Values, field, label, lang string) (registry.Picker, int64, error)

// Pages are the staff's pages of the centres: the list, the centre form,
// a centre's page (programmes, enrolments, the waiting list, the month's
// rates and absences), the tablet roll call and the persons flagged for a
// home visit.
type Pages struct {
	*Store
	Kit web.Kit
	// Pick reads the enrol form's person picker (the registry's: by name,
	// the last characters of the ID number or a phone).
	Pick PickFunc
}

// Routes registers the pages.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /centres", staffRoles, pg.list)
	rt.Page("GET /centres/new", managers, pg.newCentre)
	rt.Page("POST /centres/new", managers, pg.createCentre)
	rt.Page("GET /centres/absences", staffRoles, pg.absences)
	rt.Page("GET /centres/rollcall.js", staffRoles, pg.asset(rollcallJS, "text/javascript; charset=utf-8"))
	rt.Page("GET /centres/rollcall.css", staffRoles, pg.asset(rollcallCSS, "text/css; charset=utf-8"))
	rt.Page("GET /centres/{id}", staffRoles, pg.centrePage)
	rt.Page("GET /centres/{id}/edit", managers, pg.editCentre)
	rt.Page("POST /centres/{id}/edit", managers, pg.updateCentre)
	rt.Page("POST /centres/{id}/programmes", managers, pg.saveProgramme)
	rt.Page("POST /centres/{id}/enrolments", staffRoles, pg.enrol)
	rt.Page("POST /centres/{id}/leave", staffRoles, pg.leave)
	rt.Page("GET /centres/{id}/rollcall", staffRoles, pg.rollCall)
	rt.Page("POST /centres/{id}/rollcall", staffRoles, pg.saveRollCall)
}

// ---- shared helpers ----

// option is a choice of a select or checkbox.
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

// badForm is the error of a form that cannot be read.
func badForm() error {
	return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
}

// fieldError localizes a refusal for a page, each field renamed by rename
// (a field it does not name keeps its name); an error of no field goes to
// rename[""] (or "form").
func fieldError(err error, lang string, rename map[string]string) *web.FormError {
	to := rename[""]
	if to == "" {
		to = "form"
	}
	return web.FormErrorAt(err, lang, rename, to)
}

// formRefusal says whether err is a refusal a form shows (invalid,
// conflict, forbidden), with its status.
func formRefusal(err error) (int, bool) {
	code := apperr.CodeOf(err)
	if _, ok := apperr.As(err); !ok || code != apperr.Invalid && code != apperr.Conflict && code != apperr.Forbidden {
		return 0, false
	}
	return web.Status(code), true
}

// crumbs are the breadcrumbs of the centres' pages.
func crumbs(page *web.Page, more ...web.Crumb) []web.Crumb {
	return append([]web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("助残中心", "Centres"), Href: "/centres"}}, more...)
}

// doneMessages are the results a redirect names with ?done=.
var doneMessages = map[string]apperr.Text{
	"created":   apperr.T("中心已添加。", "The centre is added."),
	"saved":     apperr.T("已保存。", "Saved."),
	"programme": apperr.T("项目已保存。", "The programme is saved."),
	"enrolled":  apperr.T("已登记入中心。", "The person is enrolled."),
	"waiting":   apperr.T("中心已满，已加入候补名单。", "The centre is full: the person is on the waiting list."),
	"left":      apperr.T("已办理离开，原因已记录。", "The person has left; the reason is recorded."),
}

// flash sets the page's message from ?done=.
func flash(r *http.Request, page *web.Page) {
	if m, ok := doneMessages[r.URL.Query().Get("done")]; ok {
		page.Flash = m.In(page.Lang)
	}
}

// asset serves a small file of the roll call (its script or styles).
func (pg *Pages) asset(body, ctype string) func(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return func(w http.ResponseWriter, _ *http.Request, _ *web.Principal) error {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "private, max-age=3600")
		_, err := w.Write([]byte(body))
		return err
	}
}
