package attachments

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

//go:embed attachments.css
var pageCSS string

// Pages are the attachments' pages: a person's or a case's attachments (a
// grid of thumbnails, the upload form, deletion), and the file and the
// thumbnail opened from them.
type Pages struct {
	*Store
	Kit web.Kit
}

// Routes registers the pages.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /attachments/attachments.css", viewers, func(w http.ResponseWriter, _ *http.Request, _ *web.Principal) error {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "private, max-age=3600")
		_, err := w.Write([]byte(pageCSS))
		return err
	})
	rt.Page("GET /persons/{id}/attachments", personRoles, pg.show(false))
	rt.Page("POST /persons/{id}/attachments", personRoles, pg.upload(false))
	rt.Page("GET /cases/{id}/attachments", caseUploaders, pg.show(true))
	rt.Page("POST /cases/{id}/attachments", caseUploaders, pg.upload(true))
	rt.Page("GET /attachments/{id}", viewers, API{pg.Store}.file)
	rt.Page("GET /attachments/{id}/thumbnail", viewers, API{pg.Store}.thumbnail)
	rt.Page("POST /attachments/{id}/delete", staffRoles, pg.delete)
}

// Item is an attachment as the page shows it.
type Item struct {
	Attachment
	Kind, Date, Alt  string
	ThumbW, ThumbH   int
	PDF              bool
	ReasonField      string
	ReasonError      string
	ReasonValue      string
	DeleteAction     string
	FileHref, ImgSrc string
	By               string // who uploaded it: their name, or their user name
}

type pageData struct {
	Target   Target
	Base     string // the page's path
	Back     string // the record's page
	BackText string
	Record   string // the record's name, in the breadcrumbs
	Items    []Item
	Kinds    []option
	CanEdit  bool
	Accept   string
}

type option struct {
	Value, Label string
	Checked      bool
}

// doneMessages are the results a redirect names with ?done=.
var doneMessages = map[string]apperr.Text{
	"added":   apperr.T("附件已上传。", "The attachment is uploaded."),
	"deleted": apperr.T("附件已删除，原因已记录。", "The attachment is deleted; the reason is recorded."),
}

func (pg *Pages) show(isCase bool) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
		t, err := target(r, isCase)
		if err != nil {
			return err
		}
		return pg.render(w, r, p, t, http.StatusOK, nil, url.Values{})
	}
}

// render writes the attachments page of t with an error of a form (nil for
// none) and what was typed in it.
func (pg *Pages) render(w http.ResponseWriter, r *http.Request, p *web.Principal, t Target, status int, fe *web.FormError, form url.Values) error {
	ctx, c := r.Context(), access.Of(r, p)
	list, err := pg.List(ctx, c, t)
	if err != nil {
		return err
	}
	page := pg.Kit.NewPage(r, p, "")
	lang := page.Lang
	if m, ok := doneMessages[r.URL.Query().Get("done")]; ok && fe == nil {
		page.Flash = m.In(lang)
	}
	d := pageData{Target: t, Accept: TypeJPEG + "," + TypePNG + "," + TypePDF, CanEdit: IsStaff(c)}
	if t.CaseID != 0 {
		d.Base = fmt.Sprintf("/cases/%d/attachments", t.CaseID)
		d.Back = fmt.Sprintf("/cases/%d", t.CaseID)
		d.BackText = page.T("返回个案", "Back to the case")
		name, err := pg.caseName(ctx, t.CaseID)
		if err != nil {
			return err
		}
		d.Record = page.T(name+"的个案", name+"'s case")
		page.Title = page.T(name+"的个案附件", "Attachments of "+name+"'s case")
	} else {
		name, err := pg.personName(ctx, t.PersonID)
		if err != nil {
			return err
		}
		d.Base = fmt.Sprintf("/persons/%d/attachments", t.PersonID)
		d.Back = fmt.Sprintf("/persons/%d", t.PersonID)
		d.BackText = page.T("返回档案", "Back to the record")
		d.Record = name
		page.Title = page.T(name+"的附件", "Attachments of "+name)
		if c.Actor.Role == identity.Person { // their own: the record is /me
			d.Back, d.BackText = "/me", page.T("返回我的档案", "Back to my record")
			d.Record = page.T("我的档案", "My record")
			page.Title = page.T("我的附件", "My attachments")
		}
	}
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: d.Record, Href: d.Back}, {Label: page.T("附件", "Attachments")}}
	for _, k := range Kinds {
		d.Kinds = append(d.Kinds, option{Value: k.Code, Label: k.In(lang), Checked: form.Get("kind") == k.Code})
	}
	for _, a := range list {
		it := itemOf(a, lang)
		it.ReasonField = fmt.Sprintf("reason-%d", a.ID)
		it.DeleteAction = fmt.Sprintf("/attachments/%d/delete", a.ID)
		if fe != nil {
			it.ReasonError = fe.ByField[it.ReasonField]
			if it.ReasonError != "" {
				it.ReasonValue = form.Get("reason")
			}
		}
		d.Items = append(d.Items, it)
	}
	page.Error = fe
	page.Data = d
	return pg.Kit.Render(w, r, status, "attachments.html", page)
}

// itemOf describes an attachment for a page in a language.
func itemOf(a Attachment, lang string) Item {
	it := Item{Attachment: a, Kind: KindOf(a.Kind).In(lang), Date: Day(a.CreatedAt), PDF: a.ContentType == TypePDF,
		FileHref: fmt.Sprintf("/attachments/%d", a.ID), ImgSrc: fmt.Sprintf("/attachments/%d/thumbnail", a.ID), By: a.CreatedBy}
	if a.CreatedByName != "" {
		it.By = a.CreatedByName
	}
	it.Alt = apperr.T(fmt.Sprintf("%s，%s 上传", it.Kind, it.Date), fmt.Sprintf("%s, uploaded %s", it.Kind, it.Date)).In(lang)
	if it.PDF {
		it.Alt = apperr.T(fmt.Sprintf("%s（PDF 文件），%s 上传", it.Kind, it.Date), fmt.Sprintf("%s (PDF file), uploaded %s", it.Kind, it.Date)).In(lang)
		it.ThumbW, it.ThumbH = 96, 120
	} else {
		it.ThumbW, it.ThumbH = fit(a.Width, a.Height)
	}
	return it
}

// fit is the size of the thumbnail of a w×h image.
func fit(w, h int) (int, int) {
	if w <= 0 || h <= 0 {
		return ThumbSide, ThumbSide
	}
	switch {
	case w >= h && w > ThumbSide:
		return ThumbSide, max(1, h*ThumbSide/w)
	case h > w && h > ThumbSide:
		return max(1, w*ThumbSide/h), ThumbSide
	}
	return w, h
}

// caseName is the name of the person of a case.
func (pg *Pages) caseName(ctx context.Context, id int64) (string, error) {
	var name string
	if err := pg.db.QueryRow(ctx, `SELECT p.name FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id = ?`, id).Scan(&name); err != nil {
		return "", fmt.Errorf("read a case's person's name: %w", err)
	}
	return name, nil
}

func (pg *Pages) personName(ctx context.Context, id int64) (string, error) {
	var name string
	if err := pg.db.QueryRow(ctx, `SELECT name FROM persons WHERE id = ?`, id).Scan(&name); err != nil {
		return "", fmt.Errorf("read a person's name: %w", err)
	}
	return name, nil
}

func (pg *Pages) upload(isCase bool) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
		t, err := target(r, isCase)
		if err != nil {
			return err
		}
		c := access.Of(r, p)
		if _, _, err := pg.resolve(r.Context(), pg.db, c, t); err != nil || !mayUpload(c, t) {
			if err == nil {
				err = notFound()
			}
			return err
		}
		data, fields, err := Receive(w, r)
		form := url.Values{"kind": {fields["kind"]}}
		if err == nil {
			_, err = pg.Upload(r.Context(), c, t, fields["kind"], data)
		}
		if err != nil {
			if e, ok := apperr.As(err); ok && e.Code != apperr.NotFound {
				return pg.render(w, r, p, t, web.Status(e.Code), fieldError(err, web.PageLang(r), nil), form)
			}
			return err
		}
		base := fmt.Sprintf("/persons/%d/attachments", t.PersonID)
		if isCase {
			base = fmt.Sprintf("/cases/%d/attachments", t.CaseID)
		}
		web.Redirect(w, r, base+"?done=added")
		return nil
	}
}

func (pg *Pages) delete(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	c := access.Of(r, p)
	a, err := pg.Get(r.Context(), c, id)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	t := Target{PersonID: a.PersonID, CaseID: a.CaseID}
	if t.CaseID != 0 {
		t.PersonID = 0
	}
	if err := pg.Delete(r.Context(), c, id, r.PostForm.Get("reason")); err != nil {
		if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
			field := "reason-" + strconv.FormatInt(id, 10)
			return pg.render(w, r, p, t, web.Status(e.Code), fieldError(err, web.PageLang(r), map[string]string{"reason": field, "": field}), r.PostForm)
		}
		return err
	}
	base := fmt.Sprintf("/persons/%d/attachments", t.PersonID)
	if t.CaseID != 0 {
		base = fmt.Sprintf("/cases/%d/attachments", t.CaseID)
	}
	web.Redirect(w, r, base+"?done=deleted")
	return nil
}

// fieldError localizes a refusal for a page, each field renamed by rename;
// an error of no field goes to the file field.
func fieldError(err error, lang string, rename map[string]string) *web.FormError {
	to := rename[""]
	if to == "" {
		to = "file"
	}
	return web.FormErrorAt(err, lang, rename, to)
}
