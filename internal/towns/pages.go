package towns

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

// Templates are the town pages' templates.
func Templates() fs.FS {
	return web.TemplateDir(templatesFS)
}

// FormRows is how many empty field rows the project form offers.
const FormRows = 5

// Pages serves the town pages: the service switches and the local projects.
type Pages struct {
	Store *Store
	web.Kit
}

// Routes registers the town pages.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /towns/{code}/services", townStaff, pg.services)
	rt.Page("POST /towns/{code}/services", townStaff, pg.switchService)
	rt.Page("GET /towns/{code}/projects", townStaff, pg.projects)
	rt.Page("POST /towns/{code}/projects", townStaff, pg.createProject)
	rt.Page("POST /towns/{code}/projects/{id}/promote", promoters, pg.promote)
}

// townLink is a town a district user may choose.
type townLink struct {
	Code, Name string
	Current    bool
}

// townPage is what both pages share.
type townPage struct {
	Town     orgunit.Unit
	TownName string
	Towns    []townLink // for district staff
	Section  string     // services, projects
}

func (pg *Pages) start(r *http.Request, p *web.Principal, section, zh, en string) (*web.Page, townPage, error) {
	page := pg.NewPage(r, p, "")
	sc := orgunit.ScopeOf(p.OrgUnit)
	town, err := pg.Store.Town(r.Context(), sc, r.PathValue("code"))
	if err != nil {
		return nil, townPage{}, err
	}
	d := townPage{Town: town, TownName: town.Label(page.Lang), Section: section}
	if p.Role == identity.DistrictStaff {
		all, err := pg.Store.Towns(r.Context(), sc)
		if err != nil {
			return nil, d, err
		}
		for _, u := range all {
			d.Towns = append(d.Towns, townLink{Code: u.Code, Name: u.Label(page.Lang), Current: u.Code == town.Code})
		}
	}
	page.Title = page.T(d.TownName+zh, d.TownName+en)
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	return page, d, nil
}

type servicesData struct {
	townPage
	Services []Service
}

func (pg *Pages) servicesPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, formErr error) error {
	page, tp, err := pg.start(r, p, "services", "：服务开关", ": services")
	if err != nil {
		return err
	}
	d := servicesData{townPage: tp}
	if d.Services, err = pg.Store.Services(r.Context(), orgunit.ScopeOf(p.OrgUnit), tp.Town.Code, page.Lang); err != nil {
		return err
	}
	if done := r.URL.Query().Get("done"); done != "" && formErr == nil {
		for _, s := range d.Services {
			if s.Code == done {
				page.Flash = page.T("已保存：“"+s.Name+"”现在"+map[bool]string{true: "开放受理", false: "暂停受理"}[s.Enabled]+"。",
					"Saved: “"+s.Name+"” is now "+map[bool]string{true: "on", false: "off"}[s.Enabled]+".")
			}
		}
	}
	if formErr != nil {
		page.Error = web.FormErrorOf(formErr, page.Lang)
		if page.Error == nil {
			e, _ := apperr.As(formErr)
			page.Error = &web.FormError{Message: e.Msg.In(page.Lang), ByField: map[string]string{}}
		}
	}
	page.Data = d
	return pg.Render(w, r, status, "town_services.html", page)
}

func (pg *Pages) services(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.servicesPage(w, r, p, http.StatusOK, nil)
}

func (pg *Pages) switchService(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	code, typ := r.PathValue("code"), r.PostFormValue("service_type")
	var err error
	switch v := r.PostFormValue("enabled"); v {
	case "1", "0":
		_, err = pg.Store.SetService(r.Context(), orgunit.ScopeOf(p.OrgUnit), access.Of(r, p).Actor, code, typ, v == "1", web.PageLang(r))
	default:
		err = apperr.Validation(apperr.Field("enabled", "invalid", "请选择开启或关闭。", "Choose on or off."))
	}
	if err == nil {
		web.Redirect(w, r, fmt.Sprintf("/towns/%s/services?done=%s", code, url.QueryEscape(typ)))
		return nil
	}
	if c := apperr.CodeOf(err); c != apperr.Invalid {
		return err
	}
	return pg.servicesPage(w, r, p, http.StatusUnprocessableEntity, err)
}

// fieldRow is one row of custom fields in the project form.
type fieldRow struct {
	Index                           int
	LabelZh, LabelEn, Kind, Choices string
	Required                        bool
}

type projectsData struct {
	townPage
	Projects   []Project
	CanPromote bool
	Form       url.Values
	Rows       []fieldRow
	Kinds      []string
}

func (pg *Pages) projectsPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, form url.Values, fe *web.FormError) error {
	page, tp, err := pg.start(r, p, "projects", "：本地服务项目", ": local projects")
	if err != nil {
		return err
	}
	d := projectsData{townPage: tp, CanPromote: p.Role == identity.DistrictStaff, Form: form, Kinds: Kinds}
	if d.Form == nil {
		d.Form = url.Values{}
	}
	if d.Projects, err = pg.Store.Projects(r.Context(), orgunit.ScopeOf(p.OrgUnit), tp.Town.Code); err != nil {
		return err
	}
	for i := range FormRows {
		n := strconv.Itoa(i)
		d.Rows = append(d.Rows, fieldRow{Index: i, LabelZh: d.Form.Get("field_label_zh_" + n),
			LabelEn: d.Form.Get("field_label_en_" + n), Kind: d.Form.Get("field_kind_" + n), Choices: d.Form.Get("field_choices_" + n),
			Required: d.Form.Get("field_required_"+n) != ""})
	}
	q := r.URL.Query()
	switch {
	case fe != nil:
		page.Error = fe
	case q.Get("created") != "":
		if pr, ok := projectByID(d.Projects, q.Get("created")); ok {
			page.Flash = page.T("已定义项目“"+pr.Name+"”，本镇居民现在可以申请。", "The project “"+pr.NameEn+"” is defined: the town's residents may now request it.")
		}
	case q.Get("promoted") != "":
		if pr, ok := projectByID(d.Projects, q.Get("promoted")); ok {
			page.Flash = page.T("项目“"+pr.Name+"”已推广到全区。", "The project “"+pr.NameEn+"” is now offered in the whole district.")
		}
	}
	page.Data = d
	return pg.Render(w, r, status, "town_projects.html", page)
}

// projectByID finds a project of the list by its id as a query gives it.
func projectByID(list []Project, raw string) (Project, bool) {
	id, err := strconv.ParseInt(raw, 10, 64)
	for _, p := range list {
		if err == nil && p.ID == id {
			return p, true
		}
	}
	return Project{}, false
}

func (pg *Pages) projects(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.projectsPage(w, r, p, http.StatusOK, nil, nil)
}

func (pg *Pages) createProject(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	f := r.PostForm
	in := ProjectInput{Name: f.Get("name"), NameEn: f.Get("name_en"), Description: f.Get("description"), Fields: []FieldDef{}}
	var rowOf []int // the form row of each field given
	for i := range FormRows {
		n := strconv.Itoa(i)
		// People name a field in words; its internal name is made for it.
		fd := FieldDef{LabelZh: f.Get("field_label_zh_" + n), LabelEn: f.Get("field_label_en_" + n),
			Kind: f.Get("field_kind_" + n), Required: f.Get("field_required_"+n) != ""}
		if strings.TrimSpace(fd.LabelZh) == "" && strings.TrimSpace(fd.LabelEn) == "" && strings.TrimSpace(f.Get("field_choices_"+n)) == "" {
			continue // an empty row
		}
		for c := range strings.SplitSeq(strings.ReplaceAll(f.Get("field_choices_"+n), "，", ","), ",") {
			fd.Choices = append(fd.Choices, c)
		}
		in.Fields, rowOf = append(in.Fields, fd), append(rowOf, i)
	}
	pr, err := pg.Store.CreateProject(r.Context(), orgunit.ScopeOf(p.OrgUnit), access.Of(r, p).Actor, r.PathValue("code"), in)
	if err == nil {
		web.Redirect(w, r, fmt.Sprintf("/towns/%s/projects?created=%d", pr.OrgUnit, pr.ID))
		return nil
	}
	fe := web.FormErrorOf(err, web.PageLang(r))
	if fe == nil {
		return err
	}
	// fields[k].part → the form's control field_part_<row>.
	fe.ByField = map[string]string{}
	for i, fd := range fe.Fields {
		var k int
		var part string
		if _, e := fmt.Sscanf(fd.Field, "fields[%d].%s", &k, &part); e == nil && k < len(rowOf) {
			fe.Fields[i].Field = fmt.Sprintf("field_%s_%d", part, rowOf[k])
		}
		if _, dup := fe.ByField[fe.Fields[i].Field]; !dup {
			fe.ByField[fe.Fields[i].Field] = fd.Message
		}
	}
	return pg.projectsPage(w, r, p, web.Status(apperr.CodeOf(err)), f, fe)
}

func (pg *Pages) promote(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := projectID(r)
	if err != nil {
		return err
	}
	code := r.PathValue("code")
	sc := orgunit.ScopeOf(p.OrgUnit)
	if pr, err := pg.Store.Project(r.Context(), sc, id); err != nil {
		return err
	} else if pr.OrgUnit != code {
		return projectNotFound(id)
	}
	pr, err := pg.Store.Promote(r.Context(), sc, access.Of(r, p).Actor, id)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Conflict {
			e, _ := apperr.As(err)
			return pg.projectsPage(w, r, p, http.StatusConflict, nil, &web.FormError{Message: e.Msg.In(web.PageLang(r)), ByField: map[string]string{}})
		}
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/towns/%s/projects?promoted=%d", code, pr.ID))
	return nil
}
