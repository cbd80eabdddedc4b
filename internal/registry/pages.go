package registry

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

// Templates are the registry's page templates.
func Templates() fs.FS {
	return web.TemplateDir(templatesFS)
}

// TemplateFuncs are the registry's template helpers.
func TemplateFuncs() template.FuncMap {
	return template.FuncMap{
		"categoryName":   CategoryName,
		"gradeName":      GradeName,
		"roleName":       identity.RoleName,
		"enumName":       EnumName,
		"categories":     func() []int { return []int{1, 2, 3, 4, 5, 6, 7} },
		"grades":         func() []int { return []int{1, 2, 3, 4} },
		"hukous":         func() []string { return Hukous },
		"econs":          func() []string { return EconomicStatuses },
		"statuses":       func() []string { return Statuses },
		"employments":    func() []string { return Employments },
		"annualBools":    annualBoolFields,
		"annualLabel":    annualLabel,
		"componentsText": formatComponents,
		"actionName":     ActionName,
		"field": func(p *web.Page, name, label, value, hint, autocomplete string) fieldView {
			v := fieldView{Name: name, Label: label, Value: value, Hint: hint, Autocomplete: autocomplete}
			if p.Error != nil {
				v.Error = p.Error.ByField[name]
			}
			return v
		},
	}
}

// annualBoolFields are the yes/no fields of the annual form, in order.
func annualBoolFields() []AnnualField {
	var out []AnnualField
	for _, f := range AnnualFields {
		if f.YesNo {
			out = append(out, f)
		}
	}
	return out
}

// fieldView is one text field of a form.
type fieldView struct {
	Name, Label, Value, Hint, Autocomplete, Error string
}

// ActionName is the display name of an audit action.
func ActionName(action, lang string) string {
	names := map[string][2]string{
		"read": {"查看", "read"}, "list": {"在列表中查看", "seen in a list"}, "create": {"新建", "created"}, "update": {"修改", "changed"},
		"reveal": {"查看完整信息", "revealed the full details"}, "export": {"导出", "exported"}, "import": {"导入", "imported"},
	}
	if n, ok := names[action]; ok {
		return apperr.T(n[0], n[1]).In(lang)
	}
	return action
}

// EnumName is the display name of an enumeration value.
func EnumName(v, lang string) string {
	names := map[string][2]string{
		"local": {"本地户籍", "local"}, "nonlocal": {"外地户籍", "non-local"},
		"normal": {"一般", "normal"}, "dibao": {"低保", "minimum living allowance (dibao)"}, "near_dibao": {"低保边缘", "near dibao"}, "tekun": {"特困", "extreme poverty (tekun)"},
		"active": {"在册", "active"}, "moved_out": {"迁出", "moved out"}, "deceased": {"死亡", "deceased"}, "cancelled": {"注销", "cancelled"},
		"employed": {"就业", "employed"}, "unemployed": {"失业（有能力且求职）", "unemployed (able and seeking)"}, "unable": {"无劳动能力", "unable to work"},
		"not_seeking": {"未求职", "not seeking work"}, "student": {"在校学生", "student"}, "retired": {"退休", "retired"},
	}
	n, ok := names[v]
	if !ok {
		return v
	}
	return apperr.T(n[0], n[1]).In(lang)
}

// Pages serves the registry's web pages.
type Pages struct {
	Store    *Store
	Transfer *Transfer
	web.Kit
	Units *orgunit.Store
	// Sections add the modules' tables about the person (their service
	// requests, the devices they hold…) to the person page and to /me.
	Sections []Section
}

// Section gives a module's tables about a person, read as the caller may
// see them, in lang.
type Section func(ctx context.Context, c Caller, personID int64, lang string) ([]web.Table, error)

// sections collects the tables of every section.
func (pg *Pages) sections(ctx context.Context, c Caller, personID int64, lang string) ([]web.Table, error) {
	var out []web.Table
	for _, s := range pg.Sections {
		t, err := s(ctx, c, personID, lang)
		if err != nil {
			return nil, err
		}
		out = append(out, t...)
	}
	return out, nil
}

// Routes registers the registry pages.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /persons", staff, pg.list)
	rt.Handle("GET /persons/pick", staff, pg.pick, web.Types{Out: pickAnswer{}})
	rt.Page("GET /persons/new", editors, pg.newForm)
	rt.Page("POST /persons/new", editors, pg.create)
	rt.Page("GET /persons/{id}", staff, pg.detail)
	rt.Page("POST /persons/{id}/reveal", staff, pg.reveal)
	rt.Page("GET /persons/{id}/edit", editors, pg.editForm)
	rt.Page("POST /persons/{id}/edit", editors, pg.edit)
	rt.Page("GET /persons/{id}/annual/{year}", staff, pg.annualForm)
	rt.Page("POST /persons/{id}/annual/{year}", staff, pg.annualSave)
	rt.Page("GET /persons/{id}/access-log", logReads, pg.accessLog)
	rt.Page("GET /imports", staff, pg.imports)
	rt.Page("POST /imports", staff, pg.importPost)
	rt.Page("GET /imports/{id}", staff, pg.importStatus)
	rt.Page("GET /me", web.Roles(identity.Person), pg.me)
	pg.visitRoutes(rt)
}

func (pg *Pages) crumbs(page *web.Page, r *http.Request, unit string, extra ...web.Crumb) {
	path, err := pg.Units.Path(r.Context(), unit)
	if err == nil {
		for _, u := range path {
			page.Crumbs = append(page.Crumbs, web.Crumb{Label: u.Label(page.Lang), Href: "/persons?orgunit=" + u.Code})
		}
	}
	page.Crumbs = append(page.Crumbs, extra...)
}

type listData struct {
	Items   []Person
	Total   int
	Next    string
	Filter  Filter
	Query   string
	CanEdit bool
	Year    int
	Units   map[string]string   // village code → name in the page's language
	Places  []orgunit.PickGroup // the filter's places by name, grouped by town
}

// UnitName is the name of a village of the list, or its code when unknown.
func (d listData) UnitName(code string) string {
	if n, ok := d.Units[code]; ok {
		return n
	}
	return code
}

func (pg *Pages) list(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T("残疾人档案", "Registry of disabled persons")
	f, err := filterOf(r)
	if err != nil {
		return err
	}
	f.Limit, f.Cursor = 50, r.URL.Query().Get("cursor")
	items, total, next, err := pg.Store.List(r.Context(), CallerOf(r, p), f)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	q.Del("cursor")
	q.Del("lang")
	q.Del("display")
	units := map[string]string{}
	for _, it := range items {
		if _, done := units[it.OrgUnit]; done {
			continue
		}
		units[it.OrgUnit] = it.OrgUnit
		if u, err := pg.Units.Get(r.Context(), it.OrgUnit); err == nil {
			units[it.OrgUnit] = u.Label(page.Lang)
		}
	}
	places, err := pg.unitPicker(r.Context(), CallerOf(r, p), page.Lang, false, f.OrgUnit)
	if err != nil {
		return err
	}
	page.Data = listData{Items: items, Total: total, Next: next, Filter: f, Query: q.Encode(), CanEdit: p.Role != identity.VillageAssistant,
		Year: pg.Store.db.Now().Year(), Units: units, Places: places}
	return pg.Render(w, r, http.StatusOK, "persons.html", page)
}

type detailData struct {
	Person   Person
	Revealed *Revealed
	Reason   string
	CanEdit  bool
	Year     int
	Unit     string
	Sections []web.Table
	// AnnualExists: the person has a record of Year (the link reads "edit").
	AnnualExists bool
}

func (pg *Pages) showPerson(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, person Person, rev *Revealed, formErr error) error {
	page := pg.NewPage(r, p, person.Name)
	pg.crumbs(page, r, person.OrgUnit, web.Crumb{Label: person.Name})
	page.Error = web.FormErrorOf(formErr, page.Lang)
	unit := person.OrgUnit
	if u, err := pg.Units.Get(r.Context(), person.OrgUnit); err == nil {
		unit = u.Label(page.Lang)
	}
	sections, err := pg.sections(r.Context(), CallerOf(r, p), person.ID, page.Lang)
	if err != nil {
		return err
	}
	year := pg.Store.db.Now().Year()
	exists, err := pg.Store.HasAnnual(r.Context(), person.ID, year)
	if err != nil {
		return err
	}
	page.Data = detailData{Person: person, Revealed: rev, CanEdit: p.Role == identity.DistrictStaff || p.Role == identity.TownStaff,
		Year: year, Unit: unit, Sections: sections, AnnualExists: exists}
	return pg.Render(w, r, status, "person.html", page)
}

func (pg *Pages) detail(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	person, err := pg.Store.Get(r.Context(), CallerOf(r, p), id)
	if err != nil {
		return err
	}
	return pg.showPerson(w, r, p, http.StatusOK, person, nil, nil)
}

func (pg *Pages) reveal(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c := CallerOf(r, p)
	person, err := pg.Store.get(r.Context(), c, id)
	if err != nil {
		return err
	}
	rev, err := pg.Store.Reveal(r.Context(), c, id, r.PostFormValue("reason"))
	if err != nil {
		if web.FormErrorOf(err, "zh") == nil {
			return err
		}
		return pg.showPerson(w, r, p, http.StatusUnprocessableEntity, person, nil, err)
	}
	return pg.showPerson(w, r, p, http.StatusOK, person, &rev, nil)
}

type formData struct {
	Person PersonInput
	ID     int64
	Ver    int
	New    bool
	Towns  []orgunit.Unit
	Places []orgunit.PickGroup // the villages to choose from, grouped by town
}

func (pg *Pages) newForm(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.showForm(w, r, p, http.StatusOK, formData{New: true, Person: PersonInput{OrgUnit: r.URL.Query().Get("orgunit")}}, nil)
}

func (pg *Pages) showForm(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, d formData, formErr error) error {
	page := pg.NewPage(r, p, "")
	if d.New {
		page.Title = page.T("新建残疾人档案", "Register a person")
	} else {
		page.Title = page.T("修改档案：", "Edit: ") + d.Person.Name
		pg.crumbs(page, r, d.Person.OrgUnit, web.Crumb{Label: d.Person.Name, Href: fmt.Sprintf("/persons/%d", d.ID)}, web.Crumb{Label: page.T("修改", "Edit")})
	}
	page.Error = web.FormErrorOf(formErr, page.Lang)
	if formErr != nil && page.Error == nil {
		return formErr
	}
	places, err := pg.unitPicker(r.Context(), CallerOf(r, p), page.Lang, true, d.Person.OrgUnit)
	if err != nil {
		return err
	}
	d.Places = places
	page.Data = d
	return pg.Render(w, r, status, "person_form.html", page)
}

// formInput reads the person form.
func formInput(r *http.Request) (PersonInput, []string) {
	var in PersonInput
	for _, f := range PersonFields {
		f.readForm(&in, r.PostFormValue(f.Field))
	}
	var fields []string
	for k := range r.PostForm {
		fields = append(fields, k)
	}
	return in, fields
}

func (pg *Pages) create(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	in, _ := formInput(r)
	person, err := pg.Store.Create(r.Context(), CallerOf(r, p), in)
	if err != nil {
		return pg.showForm(w, r, p, http.StatusUnprocessableEntity, formData{New: true, Person: in}, err)
	}
	web.Redirect(w, r, fmt.Sprintf("/persons/%d", person.ID))
	return nil
}

func (pg *Pages) editForm(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	st, err := pg.Store.load(r.Context(), CallerOf(r, p), id)
	if err != nil {
		return err
	}
	// The form never shows the full secrets: they stay empty unless changed.
	in := st.in
	in.IDNumber, in.CertificateNumber, in.Phone, in.GuardianPhone = "", "", "", ""
	return pg.showForm(w, r, p, http.StatusOK, formData{Person: in, ID: id, Ver: st.version}, nil)
}

func (pg *Pages) edit(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, _ := formInput(r)
	patch := map[string]json.RawMessage{}
	set := func(k string, v any) {
		b, _ := json.Marshal(v)
		patch[k] = b
	}
	set("version", atoiDefault(r.PostFormValue("version")))
	for _, f := range PersonFields {
		// Secrets are changed only when typed in (the form shows them empty).
		if f.Secret && strings.TrimSpace(f.cellText(&in)) == "" {
			continue
		}
		set(f.Field, f.jsonValue(&in))
	}
	if r.PostFormValue("clear_phone") == "1" {
		set("phone", "")
	}
	_, err = pg.Store.Patch(r.Context(), CallerOf(r, p), id, patch)
	if err != nil {
		return pg.showForm(w, r, p, http.StatusUnprocessableEntity, formData{Person: in, ID: id, Ver: atoiDefault(r.PostFormValue("version"))}, err)
	}
	web.Redirect(w, r, fmt.Sprintf("/persons/%d", id))
	return nil
}

func atoiDefault(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

type annualData struct {
	Person  Person
	Annual  Annual
	Year    int
	Exists  bool
	Saved   bool
	Checked map[string]bool
	// Income is the text of the income input: what was typed when the form
	// comes back with an error, never a number it was read as.
	Income string
	// Age is the person's age in the record's year (year − birth year).
	Age int
	// Questions are the yes/no questions asked: those that apply at Age,
	// and any other that has an answer already (never lost by hiding it).
	Questions []annualQuestion
	// Skipped names the questions left out because they do not apply.
	Skipped []string
	// Last is the record of the year before, when there is one.
	Last *Annual
	// UpdatedBy says who changed the record last, in words.
	UpdatedBy string
	// DeviceNeed: the saved record says the person needs a device, so the
	// page offers to open a device request.
	DeviceNeed bool
}

// annualQuestion is one yes/no question of the form: its field, the
// answer shown ("1" yes, "0" no, "unknown", "" none yet) and last year's
// answer in words ("" when there is no record of last year).
type annualQuestion struct {
	Field  AnnualField
	Answer string
	Last   string
}

// answerOf is the form value of a's answer to the yes/no field f.
func answerOf(a *Annual, f AnnualField) string {
	switch {
	case a.IsUnknown(f.Field):
		return "unknown"
	case *f.value(a).(*bool):
		return "1"
	}
	return "0"
}

// answerWords names an answer ("1", "0", "unknown") in lang.
func answerWords(v, lang string) string {
	switch v {
	case "1":
		return apperr.T("是", "yes").In(lang)
	case "unknown":
		return apperr.T("不详", "unknown").In(lang)
	}
	return apperr.T("否", "no").In(lang)
}

// annualLabel is the form label of the annual field named name, in lang.
func annualLabel(name, lang string) string {
	f, ok := annualField(name)
	if !ok {
		return name
	}
	return apperr.T(f.LabelZh, f.LabelEn).In(lang)
}

// flags tells which yes/no fields of a are ticked.
func (a *Annual) flags() map[string]bool {
	out := map[string]bool{}
	for _, f := range annualBoolFields() {
		out[f.Field] = *f.value(a).(*bool)
	}
	return out
}

// ageIn is the person's age in year (DOMAIN.md §7: year − birth year).
func ageIn(p Person, year int) int { return year - p.BirthYear }

// asked tells whether the form asks the yes/no question f of a person of
// age whose record is a (fresh: no record yet): when it applies, or when
// the record answers it already with yes or unknown.
func asked(f AnnualField, age int, a *Annual, fresh bool) bool {
	if f.AppliesAt(age) {
		return true
	}
	return !fresh && (a.IsUnknown(f.Field) || *f.value(a).(*bool))
}

func (pg *Pages) annualPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, d annualData, formErr error) error {
	page := pg.NewPage(r, p, "")
	verb := page.T("填写", "Fill in")
	if d.Exists {
		verb = page.T("修改", "Edit")
	}
	page.Title = fmt.Sprintf(page.T("%s %d 年度状况：%s", "%s the annual record %d: %s"), verb, d.Year, d.Person.Name)
	pg.crumbs(page, r, d.Person.OrgUnit, web.Crumb{Label: d.Person.Name, Href: fmt.Sprintf("/persons/%d", d.Person.ID)},
		web.Crumb{Label: fmt.Sprintf(page.T("%d 年度状况", "Annual record %d"), d.Year)})
	page.Error = web.FormErrorOf(formErr, page.Lang)
	if formErr != nil && page.Error == nil {
		return formErr
	}
	d.Checked = d.Annual.flags()
	if r.Method == http.MethodPost {
		d.Income = r.PostForm.Get("household_income_per_capita")
	} else if v := d.Annual.HouseholdIncomePerCapita; v != nil {
		d.Income = strconv.FormatInt(*v, 10)
	}
	d.Age = ageIn(d.Person, d.Year)
	for _, f := range annualBoolFields() {
		if !asked(f, d.Age, &d.Annual, !d.Exists && r.Method != http.MethodPost) {
			d.Skipped = append(d.Skipped, apperr.T(f.LabelZh, f.LabelEn).In(page.Lang))
			continue
		}
		q := annualQuestion{Field: f, Answer: answerOf(&d.Annual, f)}
		switch {
		case r.Method == http.MethodPost:
			q.Answer = r.PostForm.Get(f.Field) // exactly what was chosen
		case !d.Exists:
			q.Answer = "" // a new record: nothing chosen yet
		}
		if d.Last != nil {
			q.Last = answerWords(answerOf(d.Last, f), page.Lang)
		}
		d.Questions = append(d.Questions, q)
	}
	if d.Exists && d.Annual.UpdatedBy != "" {
		actors, err := identity.DescribeActors(r.Context(), pg.Store.db, []string{d.Annual.UpdatedBy}, page.Lang)
		if err != nil {
			return err
		}
		d.UpdatedBy = actors[d.Annual.UpdatedBy].Words("", page.Lang)
	}
	d.DeviceNeed = d.Saved && d.Annual.DeviceNeed
	page.Data = d
	return pg.Render(w, r, status, "annual.html", page)
}

// lastYear reads the person's record of the year before year (audited as a
// read), nil when there is none.
func (pg *Pages) lastYear(r *http.Request, c Caller, id int64, year int) (*Annual, error) {
	a, err := pg.Store.GetAnnual(r.Context(), c, id, year-1)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func (pg *Pages) annualForm(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	year, err := pathYear(r)
	if err != nil {
		return err
	}
	c := CallerOf(r, p)
	person, err := pg.Store.get(r.Context(), c, id)
	if err != nil {
		return err
	}
	d := annualData{Person: person, Year: year, Annual: Annual{Employment: "", EconomicStatus: person.EconomicStatus, OrgUnit: person.OrgUnit},
		Saved: r.URL.Query().Get("saved") == "1"}
	if a, err := pg.Store.GetAnnual(r.Context(), c, id, year); err == nil {
		d.Annual, d.Exists = a, true
	} else if apperr.CodeOf(err) != apperr.NotFound {
		return err
	}
	if d.Last, err = pg.lastYear(r, c, id, year); err != nil {
		return err
	}
	return pg.annualPage(w, r, p, http.StatusOK, d, nil)
}

func (pg *Pages) annualSave(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	year, err := pathYear(r)
	if err != nil {
		return err
	}
	c := CallerOf(r, p)
	person, err := pg.Store.get(r.Context(), c, id)
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	a, formErrs := readAnnualAnswers(r.PostForm.Get, ageIn(person, year))
	a.Year, a.Version = year, atoiDefault(r.PostFormValue("version"))
	if len(formErrs) == 0 {
		_, _, err = pg.Store.PutAnnual(r.Context(), c, id, a)
	} else {
		err = apperr.Validation(formErrs...)
	}
	if err != nil {
		d := annualData{Person: person, Year: year, Annual: a, Exists: a.Version > 0}
		var err2 error
		if d.Last, err2 = pg.lastYear(r, c, id, year); err2 != nil {
			return err2
		}
		return pg.annualPage(w, r, p, http.StatusUnprocessableEntity, d, err)
	}
	web.Redirect(w, r, fmt.Sprintf("/persons/%d/annual/%d?saved=1", id, year))
	return nil
}

type accessData struct {
	Person  Person
	Entries []accessRow
	Next    int64
}

// accessWords is what an action did to the person's record, in words.
func accessWords(e audit.Entry, lang string) string {
	words := map[string][2]string{
		audit.ActionRead: {"查看了档案", "viewed the record"}, audit.ActionList: {"在列表中看到了档案", "saw the record in a list"},
		audit.ActionCreate: {"新建了档案", "created the record"}, audit.ActionUpdate: {"修改了档案", "changed the record"},
		audit.ActionReveal: {"查看了完整的身份证号和电话", "revealed the full ID number and phone"},
		audit.ActionExport: {"导出了含此档案的名单", "exported a list with the record"}, audit.ActionImport: {"导入了档案", "imported the record"},
	}
	if e.SubjectType == SubjectImport && strings.Contains(e.Detail, `"person":"created"`) {
		return apperr.T("导入时新建了档案", "created the record in an import").In(lang)
	}
	if e.SubjectType == SubjectImport {
		return apperr.T("导入时修改了档案", "changed the record in an import").In(lang)
	}
	if w, ok := words[e.Action]; ok {
		return apperr.T(w[0], w[1]).In(lang)
	}
	return ActionName(e.Action, lang)
}

func (pg *Pages) accessLog(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c := CallerOf(r, p)
	person, err := pg.Store.get(r.Context(), c, id)
	if err != nil {
		return err
	}
	page := pg.NewPage(r, p, "")
	page.Title = page.T("查阅记录：", "Access log: ") + person.Name
	pg.crumbs(page, r, person.OrgUnit, web.Crumb{Label: person.Name, Href: fmt.Sprintf("/persons/%d", id)}, web.Crumb{Label: page.T("查阅记录", "Access log")})
	rows, next, err := pg.accessPage(r, c, id, 100, page.Lang, "")
	if err != nil {
		return err
	}
	page.Data = accessData{Person: person, Entries: rows, Next: next}
	return pg.Render(w, r, http.StatusOK, "access_log.html", page)
}

type importsData struct {
	Recent     []JobStatus
	Year       int
	CanPersons bool
	Units      []orgunit.Unit
	// The choices of a form sent back with an error, kept.
	Kind, Mode, Sheet string
}

func (pg *Pages) importsPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, formErr error) error {
	return pg.importsPageWith(w, r, p, status, formErr, nil)
}

// importsPageWith renders the page with the fields of a posted form kept.
func (pg *Pages) importsPageWith(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, formErr error, fields map[string]string) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T("导入与导出", "Import and export")
	page.Error = web.FormErrorOf(formErr, page.Lang)
	if formErr != nil && page.Error == nil {
		return formErr
	}
	recent, err := pg.Transfer.Jobs.Recent(r.Context(), CallerOf(r, p), 10)
	if err != nil {
		return err
	}
	data := importsData{Recent: recent, Year: pg.Store.db.Now().Year(), CanPersons: p.Role != identity.VillageAssistant}
	if fields != nil {
		data.Kind, data.Mode, data.Sheet = fields["kind"], fields["mode"], fields["sheet"]
		if y, err := strconv.Atoi(fields["year"]); err == nil && y >= 1900 && y <= 2200 {
			data.Year = y
		}
	}
	page.Data = data
	return pg.Render(w, r, status, "imports.html", page)
}

func (pg *Pages) imports(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.importsPage(w, r, p, http.StatusOK, nil)
}

func (pg *Pages) importPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	path, name, sum, fields, err := pg.Transfer.receive(w, r)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			return pg.importsPage(w, r, p, http.StatusUnprocessableEntity, err)
		}
		return err
	}
	kind, mode := fields["kind"], fields["mode"]
	if kind != "annual" {
		kind = "persons"
	}
	if kind == "persons" && p.Role == identity.VillageAssistant {
		_ = os.Remove(path) // #nosec G703 -- our own temporary file from SaveUpload (os.CreateTemp), not a path from the request
		return apperr.ErrForbidden()
	}
	o := ImportOptions{Mode: mode, ID: NewImportID(), FileName: name, SHA256: sum, KeepRejects: true}
	if o.Mode != ModeSkipInvalid {
		o.Mode = ModeStrict
	}
	if kind == "annual" {
		o.Year = atoiDefault(fields["year"])
	}
	o.Sheet = fields["sheet"]
	rd, format, err := OpenImportFile(kind, path, o.Sheet)
	if err != nil {
		_ = os.Remove(path) // #nosec G703 -- our own temporary file from SaveUpload (os.CreateTemp), not a path from the request
		switch apperr.CodeOf(err) {
		case apperr.Invalid, apperr.Unsupported, apperr.TooLarge:
			return pg.importsPageWith(w, r, p, http.StatusUnprocessableEntity, err, fields)
		}
		return err
	}
	_ = rd.Close() // only sniffed: nothing was read that a close error could spoil
	total := 0
	if format == tabular.CSV {
		total = CountLines(path)
	}
	c := CallerOf(r, p)
	if _, err := pg.Transfer.Jobs.Begin(r.Context(), c, kind, o, total); err != nil {
		_ = os.Remove(path) // #nosec G703 -- our own temporary file from SaveUpload (os.CreateTemp), not a path from the request
		return err
	}
	pg.Transfer.Jobs.Run(c, kind, path, o, pg.Transfer.Log)
	web.Redirect(w, r, "/imports/"+url.PathEscape(o.ID))
	return nil
}

func (pg *Pages) importStatus(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page := pg.NewPage(r, p, "")
	st, err := pg.Transfer.Jobs.Status(r.Context(), CallerOf(r, p), r.PathValue("id"), page.Lang)
	if err != nil {
		return err
	}
	page.Title = page.T("导入结果", "Import result")
	if st.State == "running" {
		page.Title = page.T("正在导入", "Importing")
	}
	page.Crumbs = []web.Crumb{{Label: page.T("导入与导出", "Import and export"), Href: "/imports"}, {Label: page.Title}}
	page.Data = st
	return pg.Render(w, r, http.StatusOK, "import.html", page)
}

type meData struct {
	Person   Person
	Entries  []accessRow
	Next     int64
	Unit     string
	Sections []web.Table
	// Annual shows the answers of the person's latest annual records.
	Annual web.Table
}

// annualTable shows the answers of up to the two latest records (newest
// first), one column a year, in lang.
func annualTable(recs []Annual, lang string) web.Table {
	t := web.Table{ID: "my-annual", Caption: apperr.T("年度状况的回答", "The answers of the annual survey").In(lang), RowHeads: true,
		Empty: apperr.T("还没有年度状况记录。村居助残员入户走访时会和您一起填写。", "There is no annual record yet. The village assistant fills it in with you at a home visit.").In(lang)}
	if len(recs) > 2 {
		recs = recs[:2]
	}
	if len(recs) == 0 {
		return t
	}
	t.Head = []string{apperr.T("问题", "Question").In(lang)}
	for _, a := range recs {
		t.Head = append(t.Head, strconv.Itoa(a.Year))
	}
	row := func(label string, cell func(a *Annual) string) {
		r := []web.Cell{{Text: label}}
		for i := range recs {
			r = append(r, web.Cell{Text: cell(&recs[i])})
		}
		t.Rows = append(t.Rows, r)
	}
	row(annualLabel("employment", lang), func(a *Annual) string { return EnumName(a.Employment, lang) })
	row(annualLabel("economic_status", lang), func(a *Annual) string { return EnumName(a.EconomicStatus, lang) })
	for _, f := range annualBoolFields() {
		row(apperr.T(f.LabelZh, f.LabelEn).In(lang), func(a *Annual) string { return answerWords(answerOf(a, f), lang) })
	}
	return t
}

func (pg *Pages) me(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	c := CallerOf(r, p)
	person, err := pg.Store.Get(r.Context(), c, p.PersonID)
	if err != nil {
		return err
	}
	page := pg.NewPage(r, p, "")
	page.Title = page.T("我的档案", "My record")
	unit := person.OrgUnit
	if u, err := pg.Units.Get(r.Context(), person.OrgUnit); err == nil {
		unit = u.Label(page.Lang)
	}
	sections, err := pg.sections(r.Context(), c, person.ID, page.Lang)
	if err != nil {
		return err
	}
	rows, next, err := pg.accessPage(r, c, p.PersonID, 50, page.Lang, p.Username)
	if err != nil {
		return err
	}
	recs, err := pg.Store.AnnualRecords(r.Context(), c, person.ID)
	if err != nil {
		return err
	}
	page.Data = meData{Person: person, Entries: rows, Next: next, Unit: unit, Sections: sections, Annual: annualTable(recs, page.Lang)}
	return pg.Render(w, r, http.StatusOK, "me.html", page)
}
