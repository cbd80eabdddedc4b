package rehab

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/casework"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

// Templates are the rehabilitation pages' templates.
func Templates() fs.FS {
	return web.TemplateDir(templatesFS)
}

// Pages serves the centre list (with the district's form) and a centre's schedule.
type Pages struct {
	Store  *Store
	Engine *casework.Engine // records the sessions of an attendance list
	web.Kit
}

// Routes registers the pages.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /rehab/centres", readers, pg.centres)
	rt.Page("POST /rehab/centres", keepers, pg.centresPost)
	rt.Page("GET /rehab/schedule", readers, pg.schedule)
	rt.Page("GET /rehab/attendance", recorders, pg.attendance)
	rt.Page("POST /rehab/attendance", recorders, pg.attendancePost)
}

type serviceOption struct {
	Code, Name string
	Checked    bool
}

type centreRow struct {
	Centre
	Label    string
	Services []string // names
}

type centresData struct {
	Rows    []centreRow
	CanEdit bool
	Edit    *centreRow
	Options []serviceOption
	Form    url.Values
}

func (pg *Pages) centresPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, editRaw string, form url.Values, formErr error) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T("康复中心", "Rehabilitation centres")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	sc := orgunit.ScopeOf(p.OrgUnit)
	list, err := pg.Store.Centres(r.Context(), sc)
	if err != nil {
		return err
	}
	d := centresData{CanEdit: slices.Contains(keepers.Roles, p.Role), Form: form}
	var editID int64
	if editRaw != "" {
		if editID, err = strconv.ParseInt(editRaw, 10, 64); err != nil || editID <= 0 {
			return centreNotFound(0)
		}
	}
	for _, c := range list {
		row := centreRow{Centre: c, Label: c.Label(page.Lang)}
		for _, sv := range c.Services {
			row.Services = append(row.Services, ServiceName(sv, page.Lang))
		}
		d.Rows = append(d.Rows, row)
		if c.ID == editID && d.CanEdit && sc.Contains(c.OrgUnit) {
			d.Edit = &row
		}
	}
	if editID != 0 && d.Edit == nil {
		return centreNotFound(editID)
	}
	if d.Edit != nil {
		for _, sv := range Services {
			checked := d.Edit.Gives(sv)
			if form != nil {
				checked = slices.Contains(form["services"], sv)
			}
			d.Options = append(d.Options, serviceOption{Code: sv, Name: ServiceName(sv, page.Lang), Checked: checked})
		}
		if d.Form == nil {
			d.Form = url.Values{"capacity": {strconv.Itoa(d.Edit.Capacity)}}
		}
	}
	if d.Form == nil {
		d.Form = url.Values{}
	}
	if v := r.URL.Query().Get("saved"); v != "" && formErr == nil {
		page.Flash = page.T("已保存。", "Saved.")
	}
	if formErr != nil {
		page.Error = web.FormErrorOf(formErr, page.Lang)
	}
	page.Data = d
	return pg.Render(w, r, status, "rehab_centres.html", page)
}

func (pg *Pages) centres(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.centresPage(w, r, p, http.StatusOK, r.URL.Query().Get("edit"), nil, nil)
}

func (pg *Pages) centresPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	raw := strings.TrimSpace(r.PostFormValue("centre"))
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return centreNotFound(0)
	}
	in := CentreInput{Services: r.PostForm["services"]}
	if n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("capacity"))); err == nil {
		in.Capacity = &n
	}
	_, err = pg.Store.UpdateCentre(r.Context(), orgunit.ScopeOf(p.OrgUnit), access.Of(r, p).Actor, id, in)
	if err == nil {
		web.Redirect(w, r, fmt.Sprintf("/rehab/centres?saved=%d", id))
		return nil
	}
	if web.FormErrorOf(err, web.PageLang(r)) == nil {
		return err
	}
	return pg.centresPage(w, r, p, web.Status(apperr.CodeOf(err)), raw, r.PostForm, err)
}

type centreLink struct {
	ID      int64
	Name    string
	Current bool
}

type bookingView struct {
	Booking
	ServiceName string
}

type weekView struct {
	Week
	Current bool
	Full    bool
}

type scheduleData struct {
	CanRecord bool // may take attendance (recorders)
	Centres   []centreLink
	Centre    *Centre
	Name      string
	From      string
	Prev      string
	Next      string
	Weeks     []weekView
	Week      *weekView // the chosen week, in detail
	Bookings  []bookingView
}

func (pg *Pages) schedule(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	ctx := r.Context()
	page := pg.NewPage(r, p, "")
	page.Title = page.T("康复排期", "Rehabilitation schedule")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("康复中心", "Rehabilitation centres"), Href: "/rehab/centres"}, {Label: page.Title}}
	c := access.Of(r, p)
	list, err := pg.Store.Centres(ctx, c.Scope)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var sel int64
	if v := q.Get("centre"); v != "" {
		if sel, err = strconv.ParseInt(v, 10, 64); err != nil || sel <= 0 {
			return centreNotFound(0)
		}
	}
	sc := orgunit.ScopeOf(p.OrgUnit)
	for _, ct := range list { // default: the caller's own (sub-)centre, else the district's
		if sel == 0 && strings.HasPrefix(p.OrgUnit, ct.OrgUnit) && sc.Contains(ct.OrgUnit) {
			sel = ct.ID
		}
	}
	if sel == 0 && len(list) > 0 {
		sel = list[0].ID
	}
	from, _, err := scheduleParams(&http.Request{URL: &url.URL{RawQuery: url.Values{"from": {q.Get("from")}}.Encode()}}, pg.Store.db.Now())
	if err != nil {
		return err
	}
	d := scheduleData{CanRecord: slices.Contains(recorders.Roles, p.Role)}
	for _, ct := range list {
		d.Centres = append(d.Centres, centreLink{ID: ct.ID, Name: ct.Label(page.Lang), Current: ct.ID == sel})
	}
	if sel != 0 {
		sch, err := pg.Store.ScheduleOf(ctx, c, sel, from, 8)
		if err != nil {
			return err
		}
		d.Centre, d.Name, d.From = &sch.Centre, sch.Centre.Label(page.Lang), sch.From
		f, _ := time.Parse(time.DateOnly, sch.From)
		d.Prev, d.Next = day(f.AddDate(0, 0, -7)), day(f.AddDate(0, 0, 7))
		for i, wk := range sch.Weeks {
			d.Weeks = append(d.Weeks, weekView{Week: wk, Current: i == 0, Full: wk.Free == 0})
		}
		if len(d.Weeks) > 0 {
			d.Week = &d.Weeks[0]
			for _, b := range d.Week.Bookings {
				d.Bookings = append(d.Bookings, bookingView{Booking: b, ServiceName: ServiceName(b.Service, page.Lang)})
			}
		}
	}
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "rehab_schedule.html", page)
}
