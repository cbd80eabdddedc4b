package volunteers

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// ---- the teams ----

type teamView struct {
	Team
	ZhName, EnName string
	Members        []option
	LeaderChosen   string
}

type teamsData struct {
	Teams   []teamView
	CanEdit bool
}

func (p *Pages) teams(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.teamsShow(w, r, pr, http.StatusOK, "", nil)
}

// teamsShow renders the teams; after a refused change, that team's form
// as sent with its errors (inputs named FIELD-CODE).
func (p *Pages) teamsShow(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, code string, err error) error {
	ctx, c := r.Context(), access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	page.Title = page.T("志愿服务队", "Volunteer teams")
	page.Crumbs = crumbs(page, web.Crumb{Label: page.Title})
	flash(r, page)
	teams, err2 := p.Teams(ctx, c)
	if err2 != nil {
		return err2
	}
	d := teamsData{CanEdit: slices.Contains(districtStaff.Roles, pr.Role)}
	for _, t := range teams {
		v := teamView{Team: t, ZhName: t.Name, EnName: t.NameEn, LeaderChosen: strconv.FormatInt(t.LeaderID, 10)}
		if code == t.Code {
			v.ZhName, v.EnName, v.LeaderChosen = r.PostForm.Get("name"), r.PostForm.Get("name_en"), r.PostForm.Get("leader_id")
		}
		if d.CanEdit {
			list, _, _, err := p.ListVolunteers(ctx, c, VolunteerFilter{Team: t.Code, Limit: 500})
			if err != nil {
				return err
			}
			slices.SortStableFunc(list, func(a, b Volunteer) int { return compareNames(a.Name, b.Name) })
			for _, m := range list {
				val := strconv.FormatInt(m.ID, 10)
				v.Members = append(v.Members, option{Value: val, Label: m.Name, Checked: val == v.LeaderChosen})
			}
		}
		d.Teams = append(d.Teams, v)
	}
	if err != nil {
		page.Error = fieldErrorOf(err, page.Lang, func(f string) string {
			if f == "" {
				f = "name"
			}
			return f + "-" + code
		})
	}
	page.Data = d
	return p.Render(w, r, status, "volunteer_teams.html", page)
}

func compareNames(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// fieldErrorOf is fieldError of any refusal (nil when err is none).
func fieldErrorOf(err error, lang string, rename func(string) string) *web.FormError {
	e, ok := apperr.As(err)
	if !ok {
		return nil
	}
	return fieldError(e, lang, rename)
}

func (p *Pages) updateTeam(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	code := r.PathValue("code")
	f := r.PostForm
	in := TeamInput{Name: f.Get("name"), NameEn: f.Get("name_en")}
	var err error
	if in.Version, err = strconv.Atoi(f.Get("version")); err != nil {
		return badForm()
	}
	if l := f.Get("leader_id"); l != "" {
		if in.LeaderID, err = strconv.ParseInt(l, 10, 64); err != nil || in.LeaderID < 0 {
			return badForm()
		}
	}
	if _, err := p.UpdateTeam(r.Context(), access.Of(r, pr), code, in); err != nil {
		if c := apperr.CodeOf(err); c != apperr.Invalid && c != apperr.Conflict {
			return err
		}
		return p.teamsShow(w, r, pr, web.Status(apperr.CodeOf(err)), code, err)
	}
	web.Redirect(w, r, "/volunteer-teams?done=team")
	return nil
}

// ---- the hours waiting for approval ----

type pendingRow struct {
	Entry
	Day, Minutes, RecordedBy string
	Reason                   string
}

type hoursData struct {
	Rows []pendingRow
	More bool
	Year int
}

func (p *Pages) hoursQueue(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.hoursShow(w, r, pr, http.StatusOK, nil)
}

func (p *Pages) hoursShow(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, fe *web.FormError) error {
	ctx, c := r.Context(), access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	page.Title = page.T("待认定的志愿服务时长", "Hours waiting for approval")
	page.Crumbs = crumbs(page, web.Crumb{Label: page.T("时长认定", "Hours approval")})
	flash(r, page)
	list, err := p.PendingFor(ctx, c, 200)
	if err != nil {
		return err
	}
	var who []string
	for _, e := range list {
		who = append(who, e.RecordedBy)
	}
	actors, err := identity.DescribeActors(ctx, p.db, who, page.Lang)
	if err != nil {
		return err
	}
	d := hoursData{More: len(list) >= 200, Year: p.thisYear()}
	for _, e := range list {
		row := pendingRow{Entry: e, Day: DayOf(e.StartsAt), Minutes: hm(int64(e.Minutes), page.Lang), RecordedBy: actors[e.RecordedBy].Words("", page.Lang)}
		if fe != nil && r.PostForm.Get("id") == strconv.FormatInt(e.ID, 10) {
			row.Reason = r.PostForm.Get("reason")
		}
		d.Rows = append(d.Rows, row)
	}
	// An error about an entry no longer listed (decided meanwhile) stands
	// above the list.
	if fe != nil {
		listed := map[string]bool{}
		for _, row := range d.Rows {
			listed[fmt.Sprintf("approve-%d", row.ID)], listed[fmt.Sprintf("reason-%d", row.ID)] = true, true
		}
		for i, f := range fe.Fields {
			if !listed[f.Field] {
				delete(fe.ByField, f.Field)
				fe.Fields[i].Field = "queue"
				fe.ByField["queue"] = f.Message
			}
		}
	}
	page.Error = fe
	page.Data = d
	return p.Render(w, r, status, "volunteer_hours.html", page)
}

// decideHours approves or rejects an entry from the queue.
func (p *Pages) decideHours(w http.ResponseWriter, r *http.Request, pr *web.Principal, reject bool) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	r.PostForm.Set("id", strconv.FormatInt(id, 10))
	c := access.Of(r, pr)
	if reject {
		_, err = p.Reject(r.Context(), c, id, r.PostForm.Get("reason"))
	} else {
		_, err = p.Approve(r.Context(), c, id)
	}
	if err != nil {
		ae, ok := apperr.As(err)
		code := apperr.CodeOf(err)
		if !ok || code != apperr.Invalid && code != apperr.Conflict && code != apperr.Forbidden {
			return err
		}
		field := fmt.Sprintf("approve-%d", id)
		if reject {
			field = fmt.Sprintf("reason-%d", id)
		}
		return p.hoursShow(w, r, pr, web.Status(code), fieldError(ae, web.PageLang(r), toField(field)))
	}
	done := "approved"
	if reject {
		done = "rejected"
	}
	web.Redirect(w, r, "/volunteer-hours?done="+done)
	return nil
}

func (p *Pages) approveHours(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.decideHours(w, r, pr, false)
}

func (p *Pages) rejectHours(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.decideHours(w, r, pr, true)
}
