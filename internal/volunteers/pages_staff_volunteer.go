package volunteers

import (
	"context"
	"fmt"
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

// ---- the volunteer form ----

type volunteerForm struct {
	Form   url.Values
	Edit   bool
	ID     int64
	Masked string
	Teams  []option
	Places []orgunit.PickGroup
	Unit   string
	Skills []option
	Days   []option
	Times  []option
}

func (p *Pages) volunteerPage(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, id int64, masked string, form url.Values, err error) error {
	ctx, c := r.Context(), access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	if id == 0 {
		page.Title = page.T("登记志愿者", "Add a volunteer")
		page.Crumbs = crumbs(page, web.Crumb{Label: page.Title})
	} else {
		page.Title = page.T("修改志愿者信息："+form.Get("name_was"), "Edit the volunteer: "+form.Get("name_was"))
		page.Crumbs = crumbs(page, web.Crumb{Label: form.Get("name_was"), Href: fmt.Sprintf("/volunteers/%d", id)}, web.Crumb{Label: page.T("修改", "Edit")})
	}
	d := volunteerForm{Form: form, Edit: id != 0, ID: id, Masked: masked, Unit: form.Get("orgunit")}
	teams, err2 := p.Teams(ctx, c)
	if err2 != nil {
		return err2
	}
	for _, t := range teams {
		d.Teams = append(d.Teams, option{Value: t.Code, Label: t.Label(page.Lang), Checked: t.Code == form.Get("team")})
	}
	if d.Places, err2 = p.units.Picker(ctx, c.Scope, page.Lang, false, d.Unit); err2 != nil {
		return err2
	}
	d.Skills = wordOptions(Skills, form["skills"], page.Lang)
	d.Days = wordOptions(Days, form["days"], page.Lang)
	d.Times = wordOptions(Times, form["times"], page.Lang)
	if err != nil {
		page.Error = formError(err, page.Lang, nil)
	}
	page.Data = d
	return p.Render(w, r, status, "volunteer_form.html", page)
}

func (p *Pages) newVolunteer(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.volunteerPage(w, r, pr, http.StatusOK, 0, "", url.Values{"orgunit": {pr.OrgUnit}}, nil)
}

// volunteerInput reads the volunteer form.
func volunteerInput(f url.Values, edit bool) (VolunteerInput, error) {
	if len(f["skills"]) > len(Skills) || len(f["days"]) > len(Days) || len(f["times"]) > len(Times) {
		return VolunteerInput{}, badForm()
	}
	in := VolunteerInput{Name: f.Get("name"), Phone: f.Get("phone"), Team: f.Get("team"), OrgUnit: f.Get("orgunit"),
		Skills: f["skills"], Days: f["days"], Times: f["times"], PartyMember: f.Get("party_member") == "1", Training: f.Get("training")}
	if in.Skills == nil {
		in.Skills = []string{}
	}
	if v := strings.TrimSpace(f.Get("person_id")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return in, badForm()
		}
		in.PersonID = n
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

func (p *Pages) createVolunteer(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	in, err := volunteerInput(r.PostForm, false)
	if err != nil {
		return err
	}
	v, err := p.CreateVolunteer(r.Context(), access.Of(r, pr), in)
	if err != nil {
		if web.FormErrorOf(err, web.PageLang(r)) == nil {
			return err
		}
		return p.volunteerPage(w, r, pr, web.Status(apperr.CodeOf(err)), 0, "", r.PostForm, err)
	}
	web.Redirect(w, r, fmt.Sprintf("/volunteers/%d?done=created", v.ID))
	return nil
}

func (p *Pages) editVolunteer(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	v, err := p.volunteer(r.Context(), p.db, access.Of(r, pr), id)
	if err != nil {
		return err
	}
	form := url.Values{"name": {v.Name}, "name_was": {v.Name}, "team": {v.Team}, "orgunit": {v.OrgUnit}, "skills": v.Skills, "days": v.Days,
		"times": v.Times, "training": {v.Training}, "version": {strconv.Itoa(v.Version)}}
	if v.PartyMember {
		form.Set("party_member", "1")
	}
	if v.Active {
		form.Set("active", "1")
	}
	if v.PersonID != 0 {
		form.Set("person_id", strconv.FormatInt(v.PersonID, 10))
	}
	return p.volunteerPage(w, r, pr, http.StatusOK, id, v.Phone, form, nil)
}

// currentPhone is a volunteer's phone as stored, for an edit that leaves
// the phone field empty (it keeps the number; never shown).
func (p *Pages) currentPhone(ctx context.Context, id int64) (string, error) {
	var sealed []byte
	if err := p.db.QueryRow(ctx, `SELECT phone_enc FROM volunteers WHERE id = ?`, id).Scan(&sealed); err != nil {
		return "", fmt.Errorf("read phone: %w", err)
	}
	phone, err := p.vault.Open(fPhone, sealed)
	if err != nil {
		return "", fmt.Errorf("open phone: %w", err)
	}
	return phone, nil
}

func (p *Pages) updateVolunteer(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	ctx, c := r.Context(), access.Of(r, pr)
	old, err := p.volunteer(ctx, p.db, c, id)
	if err != nil {
		return err
	}
	f := r.PostForm
	f.Set("name_was", old.Name)
	in, err := volunteerInput(f, true)
	if err != nil {
		return err
	}
	if strings.TrimSpace(in.Phone) == "" {
		if in.Phone, err = p.currentPhone(ctx, id); err != nil {
			return err
		}
	}
	if _, err := p.UpdateVolunteer(ctx, c, id, in); err != nil {
		if web.FormErrorOf(err, web.PageLang(r)) == nil {
			return err
		}
		return p.volunteerPage(w, r, pr, web.Status(apperr.CodeOf(err)), id, old.Phone, f, err)
	}
	web.Redirect(w, r, fmt.Sprintf("/volunteers/%d?done=saved", id))
	return nil
}

// ---- the profile ----

type entryRow struct {
	Entry
	Day, Minutes, StateName string
}

type profileData struct {
	V                   Volunteer
	Team, Unit          string
	Skills, Days, Times string
	Phone               string // the full number, once revealed
	Reason              string
	Year                int
	Years               []int
	Approved            string
	Pending, Rejected   string
	Items               []entryRow
	IsStaff, CanEdit    bool
	CertHref            string
}

func (p *Pages) profile(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.profileShow(w, r, pr, http.StatusOK, "", nil)
}

func (p *Pages) profileShow(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, phone string, err error) error {
	id, err2 := web.PathID(r, notFound())
	if err2 != nil {
		return err2
	}
	year, err2 := p.yearParam(r)
	if err2 != nil {
		return err2
	}
	ctx, c := r.Context(), access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	v, err2 := p.GetVolunteer(ctx, c, id)
	if err2 != nil {
		return err2
	}
	l, err2 := p.LedgerOf(ctx, c, id, year)
	if err2 != nil {
		return err2
	}
	_, teams, err2 := p.teamLabels(ctx, c, page.Lang)
	if err2 != nil {
		return err2
	}
	units, err2 := p.units.Labels(ctx, []string{v.OrgUnit}, page.Lang)
	if err2 != nil {
		return err2
	}
	d := profileData{V: v, Team: teams[v.Team], Unit: or(units[v.OrgUnit], v.OrgUnit), Skills: words(Skills, v.Skills, page.Lang),
		Days: words(Days, v.Days, page.Lang), Times: words(Times, v.Times, page.Lang), Phone: phone, Year: year, Years: p.years(),
		Approved: hm(l.ApprovedMinutes, page.Lang), Pending: hm(l.PendingMinutes, page.Lang), Rejected: hm(l.RejectedMinutes, page.Lang),
		IsStaff: isStaff(c), CanEdit: isStaff(c), CertHref: fmt.Sprintf("/volunteers/%d/certificate?year=%d", id, year)}
	if err != nil {
		d.Reason = r.PostForm.Get("reason")
	}
	for _, e := range l.Items {
		d.Items = append(d.Items, entryRow{Entry: e, Day: DayOf(e.StartsAt), Minutes: hm(int64(e.Minutes), page.Lang), StateName: stateName(e.State, page.Lang)})
	}
	page.Title = v.Name
	page.Crumbs = crumbs(page, web.Crumb{Label: v.Name})
	flash(r, page)
	if err != nil {
		page.Error = formError(err, page.Lang, nil)
	}
	page.Data = d
	return p.Render(w, r, status, "volunteer_profile.html", page)
}

func (p *Pages) reveal(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	phone, err := p.RevealPhone(r.Context(), access.Of(r, pr), id, r.PostForm.Get("reason"))
	if err != nil {
		if web.FormErrorOf(err, web.PageLang(r)) == nil {
			return err
		}
		return p.profileShow(w, r, pr, web.Status(apperr.CodeOf(err)), "", err)
	}
	return p.profileShow(w, r, pr, http.StatusOK, phone, nil)
}

// ---- the certificate ----

type certificateData struct {
	Name, Team, Unit string
	Year             int
	Total            string
	Hours            string
	Items            []entryRow
	Today            string
	Back             string
	BackLabel        string
}

func (p *Pages) certificate(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	year, err := p.yearParam(r)
	if err != nil {
		return err
	}
	ctx, c := r.Context(), access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	v, err := p.volunteer(ctx, p.db, c, id)
	if err != nil {
		return err
	}
	l, err := p.LedgerOf(ctx, c, id, year)
	if err != nil {
		return err
	}
	_, teams, err := p.teamLabels(ctx, c, page.Lang)
	if err != nil {
		return err
	}
	units, err := p.units.Labels(ctx, []string{v.OrgUnit}, page.Lang)
	if err != nil {
		return err
	}
	d := certificateData{Name: v.Name, Team: teams[v.Team], Unit: or(units[v.OrgUnit], v.OrgUnit), Year: year, Total: hm(l.ApprovedMinutes, page.Lang),
		Hours: strconv.FormatFloat(float64(l.ApprovedMinutes)/60, 'f', 1, 64), Today: DayOf(p.db.Now())}
	for _, e := range l.Items {
		if e.State == Approved {
			d.Items = append(d.Items, entryRow{Entry: e, Day: DayOf(e.StartsAt), Minutes: hm(int64(e.Minutes), page.Lang)})
		}
	}
	page.Title = page.T(fmt.Sprintf("%d 年度志愿服务时长证明", year), fmt.Sprintf("Certificate of volunteer hours, %d", year))
	if pr.Role == identity.Volunteer {
		d.Back, d.BackLabel = "/my/hours", page.T("我的时长", "My hours")
		page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: d.BackLabel, Href: d.Back}, {Label: page.T("时长证明", "Certificate")}}
	} else {
		d.Back, d.BackLabel = fmt.Sprintf("/volunteers/%d?year=%d", id, year), v.Name
		page.Crumbs = crumbs(page, web.Crumb{Label: v.Name, Href: d.Back}, web.Crumb{Label: page.T("时长证明", "Certificate")})
	}
	page.Data = d
	return p.Render(w, r, http.StatusOK, "volunteer_certificate.html", page)
}
