package events

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

// partnerRoutes registers the pages of partners' shared events: one event
// with this installation's residents at it, and the actions on them.
func (p *Pages) partnerRoutes(rt *web.Router) {
	rt.Page("GET /events/partners/{district}/{id}", staffRoles, p.partnerPage)
	rt.Page("POST /events/partners/{district}/{id}/registrations", staffRoles, p.partnerRegister)
	rt.Page("POST /events/partners/{district}/{id}/withdrawals", staffRoles, p.partnerWithdraw)
	rt.Page("POST /events/partners/{district}/{id}/attendance", staffRoles, p.partnerAttend)
	rt.Page("POST /events/partners/{district}/{id}/absences", staffRoles, p.partnerUnattend)
}

// partnerRow is a partner's shared event in a list.
type partnerRow struct {
	Href, Title, Date, Kind, Unit, State string
}

// partnerSection is one partner's shared events on /events.
type partnerSection struct {
	Name, District, Error string
	Rows                  []partnerRow
}

func (p *Pages) remoteState(e SharedEvent, lang string) string {
	today := Today(p.db.Now())
	switch {
	case e.State != Open:
		return apperr.T("已取消", "Cancelled").In(lang)
	case e.Date < today:
		return apperr.T("已举行", "Held").In(lang)
	case e.Date == today:
		return apperr.T("今天举行", "Today").In(lang)
	}
	return apperr.T("报名中", "Open for registration").In(lang)
}

// partnerSections fetches the partners' shared events of this year for
// /events.
func (p *Pages) partnerSections(r *http.Request, lang string) ([]partnerSection, error) {
	year := p.db.Now().In(shanghai).Year()
	list, err := p.PartnerEvents(r.Context(), year, lang)
	if err != nil {
		return nil, err
	}
	out := make([]partnerSection, 0, len(list))
	for _, pe := range list {
		sec := partnerSection{Name: pe.Name, District: pe.District, Error: pe.Error}
		for _, e := range pe.Events {
			sec.Rows = append(sec.Rows, partnerRow{Href: fmt.Sprintf("/events/partners/%s/%d", pe.District, e.ID), Title: e.Title,
				Date: dayLabel(e.Date, lang), Kind: KindOf(e.Kind).In(lang), Unit: e.OrgUnitName, State: p.remoteState(e, lang)})
		}
		out = append(out, sec)
	}
	return out, nil
}

type partnerEntryRow struct {
	PartnerEntry
	By                     string
	CanWithdraw, CanAttend bool
	CanUnattend            bool
}

type partnerData struct {
	Partner     Partner
	E           SharedEvent
	Error       string // why the partner did not answer
	Kind, State string
	Base        string
	CanRegister bool
	Entries     []partnerEntryRow
	Picker      registry.Picker
}

// partnerPath reads the district and event of a partner's event's path (404
// when malformed).
func partnerPath(r *http.Request) (string, int64, error) {
	d := r.PathValue("district")
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if !validDistrict(d) || err != nil || n <= 0 {
		return "", 0, notFound()
	}
	return d, n, nil
}

func (p *Pages) partnerPage(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.showPartner(w, r, pr, http.StatusOK, nil, nil)
}

// showPartner renders a partner's event's page, fetched live; when the
// partner does not answer, the page still lists this installation's
// entries (withdrawals and removals of attendance work without it).
func (p *Pages) showPartner(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, fe *web.FormError, pk *registry.Picker) error {
	district, n, err := partnerPath(r)
	if err != nil {
		return err
	}
	ctx, c := r.Context(), access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	partner, e, err := p.RemoteEvent(ctx, district, n)
	d := partnerData{Partner: partner, E: e, Base: fmt.Sprintf("/events/partners/%s/%d", district, n)}
	switch {
	case apperr.CodeOf(err) == apperr.NotFound:
		return err
	case err != nil:
		d.Error = why(err, page.Lang)
		if d.E, err = p.storedCopy(r, district, n); err != nil {
			return err
		}
	default:
		d.Kind, d.State = KindOf(e.Kind).In(page.Lang), p.remoteState(e, page.Lang)
	}
	list, err := p.PartnerEntries(ctx, c, district, n, page.Lang)
	if err != nil {
		return err
	}
	who := make([]string, 0, len(list))
	for _, x := range list {
		who = append(who, x.RegisteredBy)
	}
	actors, err := identity.DescribeActors(ctx, p.db, who, page.Lang)
	if err != nil {
		return err
	}
	today := Today(p.db.Now())
	live := d.Error == ""
	open := live && d.E.State == Open
	d.CanRegister = open && d.E.Date >= today
	for _, x := range list {
		d.Entries = append(d.Entries, partnerEntryRow{PartnerEntry: x, By: actors[x.RegisteredBy].Words("", page.Lang),
			CanWithdraw: d.E.Date >= today && !x.Attended, CanAttend: open && d.E.Date <= today && !x.Attended, CanUnattend: x.Attended})
	}
	if pk != nil {
		d.Picker = *pk
	} else {
		d.Picker = registry.Picker{Field: "person_id"}
	}
	d.Picker.Label = page.T("报名的人", "Person to register")
	if fe != nil {
		d.Picker.Error = fe.ByField["person_id"]
	}
	page.Title = or(d.E.Title, page.T("合作区活动", "Partner district's event"))
	page.Crumbs = crumbs(page, web.Crumb{Label: page.Title})
	flash(r, page)
	page.Error = fe
	page.Data = d
	return p.Render(w, r, status, "event_partner.html", page)
}

// storedCopy is the copy of a partner's event this installation keeps with
// its entries (zero when it has none).
func (p *Pages) storedCopy(r *http.Request, district string, id int64) (SharedEvent, error) {
	rows, err := p.db.Query(r.Context(), `SELECT title, kind, date, state FROM partner_event_entries WHERE district = ? AND event_id = ? LIMIT 1`, district, id)
	if err != nil {
		return SharedEvent{}, fmt.Errorf("read partner event: %w", err)
	}
	defer func() { _ = rows.Close() }()
	e := SharedEvent{ID: id, District: district}
	if rows.Next() {
		if err := rows.Scan(&e.Title, &e.Kind, &e.Date, &e.State); err != nil {
			return SharedEvent{}, fmt.Errorf("read partner event: %w", err)
		}
	}
	return e, rows.Err()
}

// partnerAct runs an action posted from a partner's event's page (live:
// it needs the partner's answer): on success back to the page with ?done=,
// on a refusal the page again with the error at the field.
func (p *Pages) partnerAct(w http.ResponseWriter, r *http.Request, pr *web.Principal, done, field string, live bool,
	do func(c access.Caller, district string, e SharedEvent, f url.Values) error) error {
	district, n, err := partnerPath(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	e := SharedEvent{ID: n, District: district}
	if live {
		_, e, err = p.RemoteEvent(r.Context(), district, n)
		if err != nil && apperr.CodeOf(err) != apperr.NotFound {
			err = conflict(field, "partner", why(err, "zh"), why(err, "en"))
		}
	} else {
		_, err = p.partner(r.Context(), district)
	}
	if err == nil {
		err = do(access.Of(r, pr), district, e, r.PostForm)
	}
	if err == nil {
		web.Redirect(w, r, fmt.Sprintf("/events/partners/%s/%d?done=%s", district, n, done))
		return nil
	}
	ae, ok := apperr.As(err)
	code := apperr.CodeOf(err)
	if !ok || code != apperr.Invalid && code != apperr.Conflict && code != apperr.Forbidden {
		return err
	}
	return p.showPartner(w, r, pr, web.Status(code), fieldError(ae, web.PageLang(r), toField(field)), nil)
}

func (p *Pages) partnerRegister(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	lang := web.PageLang(r)
	pk, person, err := p.Reg.PickerFrom(r.Context(), access.Of(r, pr), r.PostForm, "person_id", "", lang)
	switch {
	case apperr.CodeOf(err) == apperr.Invalid:
		e, _ := apperr.As(err)
		return p.showPartner(w, r, pr, http.StatusUnprocessableEntity, fieldError(e, lang, toField("person_id")), &pk)
	case err != nil:
		return err
	case pk.Find:
		return p.showPartner(w, r, pr, http.StatusOK, nil, &pk)
	case person == 0:
		e, _ := apperr.As(apperr.Validation(pk.PickRequired()))
		return p.showPartner(w, r, pr, http.StatusUnprocessableEntity, fieldError(e, lang, toField("person_id")), &pk)
	}
	return p.partnerAct(w, r, pr, "registered", "person_id", true, func(c access.Caller, district string, e SharedEvent, _ url.Values) error {
		return p.PartnerRegister(r.Context(), c, district, e, person)
	})
}

func (p *Pages) partnerWithdraw(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.partnerAct(w, r, pr, "withdrawn", "act-"+r.FormValue("person_id"), false, func(c access.Caller, district string, e SharedEvent, f url.Values) error {
		return p.PartnerWithdraw(r.Context(), c, district, e.ID, pid(f))
	})
}

func (p *Pages) partnerAttend(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.partnerAct(w, r, pr, "attended", "act-"+r.FormValue("person_id"), true, func(c access.Caller, district string, e SharedEvent, f url.Values) error {
		_, err := p.PartnerAttend(r.Context(), c, district, e, pid(f))
		return err
	})
}

func (p *Pages) partnerUnattend(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.partnerAct(w, r, pr, "absent", "act-"+r.FormValue("person_id"), false, func(c access.Caller, district string, e SharedEvent, f url.Values) error {
		return p.PartnerUnattend(r.Context(), c, district, e.ID, pid(f))
	})
}
