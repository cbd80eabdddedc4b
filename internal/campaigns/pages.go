package campaigns

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/dates"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

//go:embed templates/*.html
var templatesFS embed.FS

// Templates are the campaign pages' templates.
func Templates() fs.FS { return web.TemplateDir(templatesFS) }

// Pages serves the campaign pages.
type Pages struct {
	Store *Store
	web.Kit
}

// Routes registers the pages.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /campaigns", readers, pg.list)
	rt.Page("GET /campaigns/new", creators, pg.newForm)
	rt.Page("POST /campaigns", creators, pg.create)
	rt.Page("GET /campaigns/{id}", readers, pg.show)
	rt.Page("GET /campaigns/{id}/done", recorders, pg.doneForm)
	rt.Page("POST /campaigns/{id}/done", recorders, pg.donePost)
	rt.Page("GET /campaigns/{id}/import", importers, pg.importForm)
	rt.Page("POST /campaigns/{id}/import", importers, pg.importPost)
}

// dateField is the mark-done form's date: typed as people write dates.
var dateField = dates.Field{Name: "date", Zh: "完成日期", En: "The date"}

func crumbs(page *web.Page, more ...web.Crumb) []web.Crumb {
	return append([]web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("体检与通信优惠", "Health checks and telecom"), Href: "/campaigns"}}, more...)
}

// campaignView is a campaign as a page shows it.
type campaignView struct {
	Campaign
	KindName string
	UnitName string
	Percent  string
	Criteria []string // the criteria in words
}

func (pg *Pages) view(r *http.Request, cp Campaign, lang string) campaignView {
	v := campaignView{Campaign: cp, KindName: KindName(cp.Kind, lang), UnitName: cp.OrgUnit, Percent: Percent(cp.Rate)}
	codes := append([]string{cp.OrgUnit}, cp.Criteria.Towns...)
	names, err := pg.Store.units.Labels(r.Context(), codes, lang)
	if err == nil && names[cp.OrgUnit] != "" {
		v.UnitName = names[cp.OrgUnit]
	}
	t := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	c := cp.Criteria
	if len(c.Categories) > 0 {
		var ns []string
		for _, k := range c.Categories {
			ns = append(ns, registry.CategoryName(k, lang))
		}
		v.Criteria = append(v.Criteria, t("残疾类别：", "Categories: ")+strings.Join(ns, t("、", ", ")))
	}
	if len(c.Grades) > 0 {
		var ns []string
		for _, g := range c.Grades {
			ns = append(ns, strconv.Itoa(g))
		}
		v.Criteria = append(v.Criteria, t("残疾等级：", "Grades: ")+strings.Join(ns, t("、", ", ")))
	}
	switch {
	case c.AgeMin != nil && c.AgeMax != nil:
		v.Criteria = append(v.Criteria, t(fmt.Sprintf("年龄 %d–%d 岁（按当年 12 月 31 日计）", *c.AgeMin, *c.AgeMax),
			fmt.Sprintf("Aged %d to %d (on 31 December of the year)", *c.AgeMin, *c.AgeMax)))
	case c.AgeMin != nil:
		v.Criteria = append(v.Criteria, t(fmt.Sprintf("年满 %d 岁（按当年 12 月 31 日计）", *c.AgeMin),
			fmt.Sprintf("Aged %d and over (on 31 December of the year)", *c.AgeMin)))
	case c.AgeMax != nil:
		v.Criteria = append(v.Criteria, t(fmt.Sprintf("%d 岁及以下（按当年 12 月 31 日计）", *c.AgeMax),
			fmt.Sprintf("Aged %d or under (on 31 December of the year)", *c.AgeMax)))
	}
	switch c.Hukou {
	case "local":
		v.Criteria = append(v.Criteria, t("本地户籍", "Local hukou"))
	case "nonlocal":
		v.Criteria = append(v.Criteria, t("外地户籍", "Non-local hukou"))
	}
	if len(c.Towns) > 0 {
		var ns []string
		for _, code := range c.Towns {
			n := names[code]
			if n == "" {
				n = code
			}
			ns = append(ns, n)
		}
		v.Criteria = append(v.Criteria, t("限于：", "Only in: ")+strings.Join(ns, t("、", ", ")))
	}
	if len(v.Criteria) == 0 {
		v.Criteria = []string{t("辖区内全部在册持证残疾人", "Every active person of the area")}
	}
	return v
}

type listData struct {
	Items     []campaignView
	CanCreate bool
}

func (pg *Pages) list(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T("体检与通信优惠", "Health checks and telecom")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	items, err := pg.Store.List(r.Context(), access.Of(r, p), 0)
	if err != nil {
		return err
	}
	d := listData{CanCreate: slices.Contains(creators.Roles, p.Role)}
	for _, cp := range items {
		d.Items = append(d.Items, pg.view(r, cp, page.Lang))
	}
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "campaigns.html", page)
}

type option struct {
	Value, Label string
	Checked      bool
}

type newData struct {
	Form       url.Values
	Kinds      []option
	Categories []option
	Grades     []option
	Towns      []option
	Places     []orgunit.PickGroup
	Unit       string
}

func (pg *Pages) newPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, form url.Values, formErr error) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T("新建活动", "New campaign")
	page.Crumbs = crumbs(page, web.Crumb{Label: page.Title})
	sc := orgunit.ScopeOf(p.OrgUnit)
	if form == nil {
		form = url.Values{"kind": {HealthCheck}, "year": {strconv.Itoa(pg.Store.db.Now().In(shanghai).Year())}, "orgunit": {p.OrgUnit}}
	}
	d := newData{Form: form, Unit: form.Get("orgunit")}
	for _, k := range Kinds {
		d.Kinds = append(d.Kinds, option{Value: k, Label: KindName(k, page.Lang), Checked: form.Get("kind") == k})
	}
	for k := 1; k <= 7; k++ {
		v := strconv.Itoa(k)
		d.Categories = append(d.Categories, option{Value: v, Label: registry.CategoryName(k, page.Lang), Checked: slices.Contains(form["categories"], v)})
	}
	for g := 1; g <= 4; g++ {
		v := strconv.Itoa(g)
		d.Grades = append(d.Grades, option{Value: v, Label: page.T(v+"级", "Grade "+v), Checked: slices.Contains(form["grades"], v)})
	}
	towns, err := pg.Store.units.InScope(r.Context(), sc, 3)
	if err != nil {
		return err
	}
	for _, t := range towns {
		d.Towns = append(d.Towns, option{Value: t.Code, Label: t.Label(page.Lang), Checked: slices.Contains(form["towns"], t.Code)})
	}
	places, err := pg.Store.units.Picker(r.Context(), sc, page.Lang, false, d.Unit)
	if err != nil {
		return err
	}
	d.Places = places
	if formErr != nil {
		page.Error = web.FormErrorOf(formErr, page.Lang)
	}
	page.Data = d
	return pg.Render(w, r, status, "campaign_new.html", page)
}

func (pg *Pages) newForm(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.newPage(w, r, p, http.StatusOK, nil, nil)
}

// formInput reads the create form; a number that cannot be read is a field error.
func formInput(f url.Values) (Input, []apperr.FieldError) {
	in := Input{Kind: f.Get("kind"), Name: f.Get("name"), OrgUnit: f.Get("orgunit")}
	var fs []apperr.FieldError
	num := func(field, zh, en string) *int {
		v := strings.TrimSpace(f.Get(field))
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			fs = append(fs, apperr.Field(field, "invalid", zh+"应为整数。", en+" must be a whole number."))
			return nil
		}
		return &n
	}
	if y := num("year", "年度", "The year"); y != nil {
		in.Year = *y
	}
	in.AgeMin = num("age_min", "最小年龄", "The lowest age")
	in.AgeMax = num("age_max", "最大年龄", "The highest age")
	for _, v := range f["categories"] {
		n, _ := strconv.Atoi(v)
		in.Categories = append(in.Categories, n)
	}
	for _, v := range f["grades"] {
		n, _ := strconv.Atoi(v)
		in.Grades = append(in.Grades, n)
	}
	in.Hukou = f.Get("hukou")
	in.Towns = f["towns"]
	if len(in.Towns) > MaxTowns+1 {
		in.Towns = in.Towns[:MaxTowns+1]
	}
	return in, fs
}

func (pg *Pages) create(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	in, fs := formInput(r.PostForm)
	var err error
	if len(fs) > 0 {
		err = apperr.Validation(fs...)
	} else {
		var out Created
		out, err = pg.Store.Create(r.Context(), access.Of(r, p), in)
		if err == nil {
			web.Redirect(w, r, fmt.Sprintf("/campaigns/%d?created=%d", out.ID, out.Eligible))
			return nil
		}
	}
	if web.FormErrorOf(err, web.PageLang(r)) == nil {
		return err
	}
	return pg.newPage(w, r, p, web.Status(apperr.CodeOf(err)), r.PostForm, err)
}

// personRow is a person of the not-yet-reached list.
type personRow struct {
	registry.Person
	Unit string
}

type showData struct {
	C         campaignView
	Progress  Progress
	TownRates []string
	Rows      []personRow
	Total     int
	Next      string
	Cursor    string
	CanRecord bool
	CanImport bool
	Rates     map[string]string
}

func (pg *Pages) show(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := campaignID(r)
	if err != nil {
		return err
	}
	ctx, c := r.Context(), access.Of(r, p)
	page := pg.NewPage(r, p, "")
	pr, err := pg.Store.ProgressOf(ctx, c, id, page.Lang)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	notDone := false
	persons, total, next, err := pg.Store.Persons(ctx, c, id, &notDone, "", 100, q.Get("cursor"))
	if err != nil {
		return err
	}
	d := showData{C: pg.view(r, pr.Campaign, page.Lang), Progress: pr, Total: total, Next: next, Cursor: q.Get("cursor"),
		CanRecord: slices.Contains(recorders.Roles, p.Role), CanImport: slices.Contains(importers.Roles, p.Role), Rates: map[string]string{}}
	for _, row := range append(slices.Clone(pr.Towns), pr.Villages...) {
		d.Rates[row.OrgUnit] = Percent(row.Rate)
	}
	var codes []string
	for _, ps := range persons {
		codes = append(codes, ps.OrgUnit)
	}
	names, err := pg.Store.units.Labels(ctx, codes, page.Lang)
	if err != nil {
		return err
	}
	for _, ps := range persons {
		d.Rows = append(d.Rows, personRow{Person: ps, Unit: names[ps.OrgUnit]})
	}
	page.Title = d.C.Name
	page.Crumbs = crumbs(page, web.Crumb{Label: page.Title})
	if n := q.Get("created"); n != "" {
		page.Flash = page.T("活动已建立，名单已生成，共 "+n+" 人。", "The campaign is created; its list holds "+n+" persons.")
	}
	if n := q.Get("recorded"); n != "" {
		page.Flash = page.T("已登记完成：", "Recorded as reached: ") + q.Get("name")
	}
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "campaign.html", page)
}

type doneData struct {
	C      campaignView
	Person registry.Label
	Date   string
}

// donePage shows the mark-done form of one person on the list.
func (pg *Pages) donePage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, rawPerson, date string, fe *web.FormError) error {
	id, err := campaignID(r)
	if err != nil {
		return err
	}
	ctx, c := r.Context(), access.Of(r, p)
	page := pg.NewPage(r, p, "")
	cp, err := pg.Store.Get(ctx, c, id)
	if err != nil {
		return err
	}
	person, err := strconv.ParseInt(strings.TrimSpace(rawPerson), 10, 64)
	noPerson := apperr.New(apperr.NotFound, "找不到这个人。", "There is no such person.")
	if err != nil || person <= 0 {
		return noPerson
	}
	labels, err := pg.Store.reg.Labels(ctx, c, []int64{person}, page.Lang)
	if err != nil {
		return err
	}
	l, ok := labels[person]
	if !ok {
		return noPerson
	}
	if date == "" {
		date = Today(pg.Store.db.Now())
	}
	page.Title = page.T("登记完成", "Record as reached")
	page.Crumbs = crumbs(page, web.Crumb{Label: cp.Name, Href: fmt.Sprintf("/campaigns/%d", id)}, web.Crumb{Label: page.Title})
	page.Error = fe
	page.Data = doneData{C: pg.view(r, cp, page.Lang), Person: l, Date: date}
	return pg.Render(w, r, status, "campaign_done.html", page)
}

func (pg *Pages) doneForm(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.donePage(w, r, p, http.StatusOK, r.URL.Query().Get("person"), "", nil)
}

func (pg *Pages) donePost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	id, err := campaignID(r)
	if err != nil {
		return err
	}
	lang := web.PageLang(r)
	rawPerson, typed := r.PostFormValue("person"), r.PostFormValue("date")
	iso, given, bad := dateField.Read(typed)
	if bad == nil && !given {
		e := apperr.Field("date", "required", "请填写完成日期。", "Enter the date.")
		bad = &e
	}
	if bad != nil {
		return pg.donePage(w, r, p, http.StatusUnprocessableEntity, rawPerson, typed, web.FormErrorOf(apperr.Validation(*bad), lang))
	}
	person, err := strconv.ParseInt(strings.TrimSpace(rawPerson), 10, 64)
	if err != nil || person <= 0 {
		return apperr.New(apperr.NotFound, "找不到这个人。", "There is no such person.")
	}
	c := access.Of(r, p)
	_, err = pg.Store.Complete(r.Context(), c, id, CompletionInput{PersonID: person, Date: iso}, "form")
	if err != nil {
		fe := web.FormErrorOf(err, lang)
		if fe == nil {
			return err
		}
		if e, ok := apperr.As(err); ok && e.Code == apperr.Conflict && len(fe.Fields) == 0 {
			fe.Fields = []web.FieldDetail{{Field: "date", Code: "conflict", Message: fe.Message}}
			fe.ByField["date"] = fe.Message
		}
		return pg.donePage(w, r, p, web.Status(apperr.CodeOf(err)), rawPerson, iso, fe)
	}
	labels, err := pg.Store.reg.Labels(r.Context(), c, []int64{person}, lang)
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/campaigns/%d?recorded=%d&name=%s", id, person, url.QueryEscape(labels[person].Name)))
	return nil
}

type importData struct {
	C      campaignView
	Mode   string
	Report *ImportReport
}

func (pg *Pages) importPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, mode string, rep *ImportReport, fe *web.FormError) error {
	id, err := campaignID(r)
	if err != nil {
		return err
	}
	page := pg.NewPage(r, p, "")
	cp, err := pg.Store.Get(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	page.Title = page.T("导入完成名单", "Import who was reached")
	page.Crumbs = crumbs(page, web.Crumb{Label: cp.Name, Href: fmt.Sprintf("/campaigns/%d", id)}, web.Crumb{Label: page.Title})
	page.Error = fe
	if rep != nil {
		rep.Localize(page.Lang)
		if rep.Failed() && rep.Mode == ModeStrict {
			page.Flash = ""
		} else {
			page.Flash = page.T(fmt.Sprintf("已导入：登记完成 %d 人。", rep.Done), fmt.Sprintf("Imported: %d recorded as reached.", rep.Done))
		}
	}
	page.Data = importData{C: pg.view(r, cp, page.Lang), Mode: mode, Report: rep}
	return pg.Render(w, r, status, "campaign_import.html", page)
}

func (pg *Pages) importForm(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.importPage(w, r, p, http.StatusOK, ModeStrict, nil, nil)
}

func (pg *Pages) importPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := campaignID(r)
	if err != nil {
		return err
	}
	c := access.Of(r, p)
	if _, err := pg.Store.Get(r.Context(), c, id); err != nil {
		return err
	}
	lang := web.PageLang(r)
	path, name, _, fields, err := registry.ReceiveUpload(w, r, pg.Store.MaxUpload)
	if err != nil {
		if fe := web.FormErrorOf(err, lang); fe != nil {
			return pg.importPage(w, r, p, web.Status(apperr.CodeOf(err)), ModeStrict, nil, fe)
		}
		return err
	}
	defer os.Remove(path) // #nosec G703 -- our own temporary file from registry.ReceiveUpload
	mode := fields["mode"]
	rep, err := pg.Store.Import(r.Context(), c, id, path, mode, name)
	if err != nil {
		fe := web.FormErrorOf(err, lang)
		if fe == nil {
			fe = &web.FormError{Message: apperr.Text{}.In(lang), ByField: map[string]string{}}
			if e, ok := apperr.As(err); ok {
				fe.Message = e.Msg.In(lang)
			} else {
				return err
			}
		}
		return pg.importPage(w, r, p, web.Status(apperr.CodeOf(err)), mode, nil, fe)
	}
	status := http.StatusOK
	if rep.Failed() && rep.Mode == ModeStrict {
		status = http.StatusUnprocessableEntity
	}
	return pg.importPage(w, r, p, status, rep.Mode, rep, nil)
}
