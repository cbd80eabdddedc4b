package centres

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

// ---- a centre's page ----

type programmeRow struct {
	ID                     int64
	Name, Kind, Days, Time string
	Active                 bool
}

type enrolmentRow struct {
	ID, PersonID      int64
	Name, Village     string
	Age               int
	Since             string
	Exception         string
	Position, Version int
	Field, Reason     string // the leave form's reason field and what was typed in it
}

type rateRow struct {
	PersonID          int64
	Name, Village     string
	Days, Present     int
	Rate, LastPresent string
}

type centreData struct {
	C                   Centre
	Name, Kind, Unit    string
	Days                string
	CanManage, Runs     bool
	District            bool
	Programmes          []programmeRow
	ProgForm            url.Values
	ProgEdit            int64
	ProgEditName        string
	ProgKinds, ProgDays []option
	Enrolled, Waiting   []enrolmentRow
	Picker              registry.Picker
	Form                url.Values
	Month               string
	Rates               MonthRates
	Rate                string
	RateRows            []rateRow
	Absences            []Absence
	Today               string
}

// percent says a rate as a percentage ("—" when there is none).
func percent(r *float64) string {
	if r == nil {
		return "—"
	}
	return strconv.FormatFloat(*r*100, 'f', 0, 64) + "%"
}

// monthParam reads ?month= (this month when absent or not a month).
func (pg *Pages) monthParam(r *http.Request) (string, bool) {
	m := strings.TrimSpace(r.URL.Query().Get("month"))
	if m == "" {
		return Today(pg.db.Now())[:7], true
	}
	if _, err := time.Parse("2006-01", m); err != nil || len(m) != 7 {
		return Today(pg.db.Now())[:7], false
	}
	return m, true
}

func (pg *Pages) centrePage(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return pg.centreShow(w, r, pr, http.StatusOK, nil, nil, nil, nil)
}

// centreShow renders a centre's page; after a refused form, with its
// errors (fe), what was typed (form: the enrol and leave forms; prog: the
// programme form) and the enrol form's picker.
func (pg *Pages) centreShow(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, fe *web.FormError, form, prog url.Values, pk *registry.Picker) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	ctx, c := r.Context(), access.Of(r, pr)
	page := pg.Kit.NewPage(r, pr, "")
	lang := page.Lang
	ce, err := pg.Centre(ctx, c, id)
	if err != nil {
		return err
	}
	if form == nil {
		form = url.Values{}
	}
	d := centreData{C: ce, Name: ce.Label(lang), Kind: WordOf(Kinds, ce.Kind).In(lang), Unit: ce.Unit(lang), Days: words(Weekdays, ce.Days, lang),
		Runs: Runs(c, ce), District: pr.Role == identity.DistrictStaff, Form: form, Today: Today(pg.db.Now())}
	d.CanManage = CanManage(c) && d.Runs
	// Programmes, and the form to add one or change one (?programme=).
	progs, err := pg.Programmes(ctx, c, id, d.CanManage)
	if err != nil {
		return err
	}
	for _, p := range progs {
		t := p.Starts
		if p.Ends != "" {
			t += "–" + p.Ends
		}
		d.Programmes = append(d.Programmes, programmeRow{ID: p.ID, Name: p.Name, Kind: WordOf(ProgrammeKinds, p.Kind).In(lang), Days: words(Weekdays, p.Days, lang), Time: t, Active: p.Active})
	}
	if d.CanManage {
		if prog == nil {
			prog = url.Values{}
			if v := r.URL.Query().Get("programme"); v != "" {
				for _, p := range progs {
					if strconv.FormatInt(p.ID, 10) == v {
						prog = url.Values{"programme_id": {v}, "name": {p.Name}, "kind": {p.Kind}, "days": p.Days, "starts": {p.Starts}, "ends": {p.Ends},
							"version": {strconv.Itoa(p.Version)}}
						if p.Active {
							prog.Set("active", "1")
						}
					}
				}
			}
		}
		d.ProgForm = prog
		d.ProgEdit, _ = strconv.ParseInt(prog.Get("programme_id"), 10, 64)
		for _, p := range progs {
			if p.ID == d.ProgEdit {
				d.ProgEditName = p.Name
			}
		}
		d.ProgKinds = wordOptions(ProgrammeKinds, []string{prog.Get("kind")}, lang)
		d.ProgDays = wordOptions(Weekdays, prog["days"], lang)
	}
	// Those enrolled and waiting (of the caller's scope).
	es, err := pg.Enrolments(ctx, c, id)
	if err != nil {
		return err
	}
	for _, e := range es {
		row := enrolmentRow{ID: e.ID, PersonID: e.PersonID, Name: e.PersonName, Village: e.Village(lang), Age: e.Age, Exception: e.OverrideReason,
			Position: e.Position, Version: e.Version, Field: fmt.Sprintf("reason-%d", e.ID)}
		row.Reason = form.Get(row.Field)
		if e.EnrolledAt != nil {
			row.Since = Today(*e.EnrolledAt)
		} else {
			row.Since = Today(e.RequestedAt)
		}
		if e.State == "waiting" {
			d.Waiting = append(d.Waiting, row)
		} else {
			d.Enrolled = append(d.Enrolled, row)
		}
	}
	if pk == nil {
		pk = &registry.Picker{}
	}
	d.Picker = *pk
	d.Picker.Field, d.Picker.Label = "person_id", page.T("残疾人", "Person")
	if fe != nil && d.Picker.Error == "" {
		d.Picker.Error = fe.ByField["person_id"]
	}
	// The month's rates of the centre's day roll call.
	month, ok := pg.monthParam(r)
	d.Month = month
	if !ok && fe == nil {
		fe = fieldError(apperr.Validation(apperr.Field("month", "invalid", "月份须为 年-月，如 2026-03。", "The month must be YYYY-MM, such as 2026-03.")), lang, nil)
		status = http.StatusUnprocessableEntity
	}
	if d.Rates, err = pg.Rates(ctx, c, id, month, 0, lang); err != nil {
		return err
	}
	d.Rate = percent(d.Rates.Rate)
	for _, p := range d.Rates.Persons {
		d.RateRows = append(d.RateRows, rateRow{PersonID: p.PersonID, Name: p.Name, Village: p.Place, Days: p.Days, Present: p.Present, Rate: percent(p.Rate),
			LastPresent: p.LastPresent})
	}
	if d.Absences, err = pg.Absences(ctx, c, id, lang); err != nil {
		return err
	}
	page.Title = d.Name
	page.Crumbs = crumbs(page, web.Crumb{Label: d.Name})
	page.Error = fe
	flash(r, page)
	page.Data = d
	return pg.Kit.Render(w, r, status, "centre_page.html", page)
}

// ---- programmes ----

func (pg *Pages) saveProgramme(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	f := r.PostForm
	if len(f["days"]) > len(Weekdays) {
		return badForm()
	}
	in := ProgrammeInput{Name: f.Get("name"), Kind: f.Get("kind"), Days: f["days"], Starts: strings.TrimSpace(f.Get("starts")), Ends: strings.TrimSpace(f.Get("ends"))}
	if in.Days == nil {
		in.Days = []string{}
	}
	var pid int64
	if v := f.Get("programme_id"); v != "" && v != "0" {
		if pid, err = strconv.ParseInt(v, 10, 64); err != nil || pid <= 0 {
			return notFound()
		}
		if in.Version, err = strconv.Atoi(f.Get("version")); err != nil {
			return badForm()
		}
		active := f.Get("active") == "1"
		in.Active = &active
	}
	if _, err := pg.SaveProgramme(r.Context(), access.Of(r, pr), id, pid, in); err != nil {
		if status, ok := formRefusal(err); ok {
			fe := fieldError(err, web.PageLang(r), map[string]string{"": "p-name", "name": "p-name", "kind": "p-kind", "days": "p-days", "starts": "p-starts", "ends": "p-ends"})
			return pg.centreShow(w, r, pr, status, fe, nil, f, nil)
		}
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/centres/%d?done=programme#programmes-title", id))
	return nil
}

// ---- enrolment ----

// pickerOf reads the enrol form's person picker.
func (pg *Pages) pickerOf(r *http.Request, c access.Caller, form url.Values) (registry.Picker, int64, error) {
	lang := web.PageLang(r)
	label := apperr.T("残疾人", "Person").In(lang)
	return pg.Pick(r.Context(), c, form, "person_id", label, lang)
}

func (pg *Pages) enrol(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	ctx, c, lang := r.Context(), access.Of(r, pr), web.PageLang(r)
	if _, err := pg.Centre(ctx, c, id); err != nil {
		return err
	}
	f := r.PostForm
	pk, pid, err := pg.pickerOf(r, c, f)
	if err != nil {
		if status, ok := formRefusal(err); ok {
			return pg.centreShow(w, r, pr, status, fieldError(err, lang, nil), f, nil, &pk)
		}
		if apperr.CodeOf(err) == apperr.NotFound {
			fe := fieldError(apperr.Validation(apperr.Field("person_id", "not_found", "找不到所选的人，请重新查找并选择。",
				"The chosen person was not found; search and choose again.")), lang, nil)
			return pg.centreShow(w, r, pr, http.StatusUnprocessableEntity, fe, f, nil, &pk)
		}
		return err
	}
	if pk.Find {
		return pg.centreShow(w, r, pr, http.StatusOK, nil, f, nil, &pk)
	}
	if pid == 0 {
		fe := fieldError(apperr.Validation(pk.PickRequired()), lang, nil)
		return pg.centreShow(w, r, pr, http.StatusUnprocessableEntity, fe, f, nil, &pk)
	}
	in := EnrolInput{PersonID: pid, Waitlist: f.Get("waitlist") == "1"}
	if pr.Role == identity.DistrictStaff {
		in.Override = f.Get("override_reason")
	}
	e, err := pg.Enrol(ctx, c, id, in)
	if err != nil {
		if status, ok := formRefusal(err); ok {
			fe := fieldError(err, lang, map[string]string{"": "person_id", "centre": "waitlist"})
			return pg.centreShow(w, r, pr, status, fe, f, nil, &pk)
		}
		return err
	}
	done := "enrolled"
	if e.State == "waiting" {
		done = "waiting"
	}
	web.Redirect(w, r, fmt.Sprintf("/centres/%d?done=%s", id, done))
	return nil
}

func (pg *Pages) leave(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	ctx, c := r.Context(), access.Of(r, pr)
	f := r.PostForm
	eid, err := strconv.ParseInt(f.Get("enrolment_id"), 10, 64)
	if err != nil || eid <= 0 {
		return notFound()
	}
	e, err := pg.Enrolment(ctx, c, eid)
	if err != nil {
		return err
	}
	if e.CentreID != id {
		return notFound()
	}
	version, err := strconv.Atoi(f.Get("version"))
	if err != nil {
		return badForm()
	}
	field := fmt.Sprintf("reason-%d", eid)
	if _, err := pg.Leave(ctx, c, eid, f.Get(field), version); err != nil {
		if status, ok := formRefusal(err); ok {
			fe := fieldError(err, web.PageLang(r), map[string]string{"": field, "reason": field, "state": field})
			return pg.centreShow(w, r, pr, status, fe, f, nil, nil)
		}
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/centres/%d?done=left", id))
	return nil
}
