package centres

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/web"
)

// ---- the list ----

type centreRow struct {
	ID                          int64
	Name, Kind, Unit            string
	Enrolled, Capacity, Waiting int
	Active                      bool
}

type listData struct {
	Rows      []centreRow
	Kinds     []option
	Places    []orgunit.PickGroup
	Unit      string
	All       bool
	Filtered  bool
	CanManage bool
	Absences  int
}

func (pg *Pages) list(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	ctx, c := r.Context(), access.Of(r, pr)
	page := pg.Kit.NewPage(r, pr, "")
	page.Title = page.T("助残中心", "Centres")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	q := r.URL.Query()
	f := Filter{Kind: q.Get("kind"), OrgUnit: q.Get("orgunit"), All: q.Get("all") == "1"}
	if !inVocab(Kinds, f.Kind) {
		f.Kind = ""
	}
	if f.OrgUnit != "" && !c.Scope.Contains(f.OrgUnit) {
		f.OrgUnit = ""
	}
	list, err := pg.Centres(ctx, c, f)
	if err != nil {
		return err
	}
	d := listData{Unit: f.OrgUnit, All: f.All, Filtered: f.Kind != "" || f.OrgUnit != "" || f.All, CanManage: CanManage(c),
		Kinds: wordOptions(Kinds, []string{f.Kind}, page.Lang)}
	if d.Places, err = pg.units.Picker(ctx, c.Scope, page.Lang, false, f.OrgUnit); err != nil {
		return err
	}
	for _, ce := range list {
		d.Rows = append(d.Rows, centreRow{ID: ce.ID, Name: ce.Label(page.Lang), Kind: WordOf(Kinds, ce.Kind).In(page.Lang), Unit: ce.Unit(page.Lang),
			Enrolled: ce.Enrolled, Capacity: ce.Capacity, Waiting: ce.Waiting, Active: ce.Active})
	}
	abs, err := pg.Absences(ctx, c, 0, page.Lang)
	if err != nil {
		return err
	}
	d.Absences = len(abs)
	page.Data = d
	return pg.Kit.Render(w, r, http.StatusOK, "centre_list.html", page)
}

// ---- the centre form ----

type centreForm struct {
	Form   url.Values
	ID     int64
	Kinds  []option
	Places []orgunit.PickGroup
	Days   []option
}

func (pg *Pages) formPage(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, id int64, form url.Values, err error) error {
	ctx, c := r.Context(), access.Of(r, pr)
	page := pg.Kit.NewPage(r, pr, "")
	if id == 0 {
		page.Title = page.T("添加中心", "Add a centre")
		page.Crumbs = crumbs(page, web.Crumb{Label: page.Title})
	} else {
		was := form.Get("name_was")
		page.Title = page.T("修改中心："+was, "Edit the centre: "+was)
		page.Crumbs = crumbs(page, web.Crumb{Label: was, Href: fmt.Sprintf("/centres/%d", id)}, web.Crumb{Label: page.T("修改", "Edit")})
	}
	d := centreForm{Form: form, ID: id, Kinds: wordOptions(Kinds, []string{form.Get("kind")}, page.Lang), Days: wordOptions(Weekdays, form["days"], page.Lang)}
	var err2 error
	if d.Places, err2 = pg.units.Picker(ctx, c.Scope, page.Lang, true, form.Get("orgunit")); err2 != nil {
		return err2
	}
	if err != nil {
		page.Error = fieldError(err, page.Lang, map[string]string{"": "name"})
	}
	page.Data = d
	return pg.Kit.Render(w, r, status, "centre_form.html", page)
}

func (pg *Pages) newCentre(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return pg.formPage(w, r, pr, http.StatusOK, 0, url.Values{"orgunit": {pr.OrgUnit}, "days": {"mon", "tue", "wed", "thu", "fri"}}, nil)
}

// centreInput reads the centre form.
func centreInput(f url.Values, edit bool) (CentreInput, error) {
	if len(f["days"]) > len(Weekdays) {
		return CentreInput{}, badForm()
	}
	in := CentreInput{Name: f.Get("name"), NameEn: f.Get("name_en"), Kind: f.Get("kind"), OrgUnit: f.Get("orgunit"), Address: f.Get("address"),
		Days: f["days"], Staff: f.Get("staff")}
	if in.Days == nil {
		in.Days = []string{}
	}
	if v := strings.TrimSpace(f.Get("capacity")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			n = -1 // out of range: the store names the field
		}
		in.Capacity = n
	}
	if edit {
		active := f.Get("active") == "1"
		in.Active = &active
		n, err := strconv.Atoi(f.Get("version"))
		if err != nil {
			return in, badForm()
		}
		in.Version = n
	}
	return in, nil
}

func (pg *Pages) createCentre(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	in, err := centreInput(r.PostForm, false)
	if err != nil {
		return err
	}
	ce, err := pg.CreateCentre(r.Context(), access.Of(r, pr), in)
	if err != nil {
		if status, ok := formRefusal(err); ok {
			return pg.formPage(w, r, pr, status, 0, r.PostForm, err)
		}
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/centres/%d?done=created", ce.ID))
	return nil
}

func (pg *Pages) editCentre(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	c := access.Of(r, pr)
	ce, err := pg.Centre(r.Context(), c, id)
	if err != nil {
		return err
	}
	if !Runs(c, ce) {
		return notFound() // a centre above the caller's area: theirs to see, not to change
	}
	form := url.Values{"name": {ce.Name}, "name_was": {ce.Label(web.PageLang(r))}, "name_en": {ce.NameEn}, "kind": {ce.Kind}, "orgunit": {ce.OrgUnit},
		"address": {ce.Address}, "capacity": {strconv.Itoa(ce.Capacity)}, "days": ce.Days, "staff": {ce.Staff}, "version": {strconv.Itoa(ce.Version)}}
	if ce.Active {
		form.Set("active", "1")
	}
	return pg.formPage(w, r, pr, http.StatusOK, id, form, nil)
}

func (pg *Pages) updateCentre(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	ctx, c := r.Context(), access.Of(r, pr)
	old, err := pg.Centre(ctx, c, id)
	if err != nil {
		return err
	}
	if !Runs(c, old) {
		return notFound()
	}
	f := r.PostForm
	f.Set("name_was", old.Label(web.PageLang(r)))
	in, err := centreInput(f, true)
	if err != nil {
		return err
	}
	if _, err := pg.UpdateCentre(ctx, c, id, in); err != nil {
		if status, ok := formRefusal(err); ok {
			return pg.formPage(w, r, pr, status, id, f, err)
		}
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/centres/%d?done=saved", id))
	return nil
}
