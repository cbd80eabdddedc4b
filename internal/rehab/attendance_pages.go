package rehab

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/dates"
	"sunshine/internal/platform/web"
)

// recorders take a centre's attendance: those who record sessions.
var recorders = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.Provider)

// dateField is the attendance page's date: typed as people write dates.
var dateField = dates.Field{Name: "date", Zh: "训练日期", En: "The session date"}

type rosterView struct {
	RosterRow
	ServiceName string
	Checked     bool
}

type attendanceData struct {
	Centres []centreLink
	Centre  *Centre
	Name    string
	Date    string // as typed (or the date shown)
	Shown   string // the date of the roster, YYYY-MM-DD ("" when the date could not be read)
	Rows    []rosterView
	Open    int // rows without a session yet
}

// attendancePage renders the roster of a centre's day. typed is the date as
// typed; present the cases ticked in a failed submission.
func (pg *Pages) attendancePage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, rawCentre, typed string, present []int64,
	flash string, fe *web.FormError) error {
	ctx := r.Context()
	page := pg.NewPage(r, p, "")
	page.Title = page.T("记录出勤", "Take attendance")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("康复排期", "Rehabilitation schedule"), Href: "/rehab/schedule"}, {Label: page.Title}}
	c := access.Of(r, p)
	list, err := pg.Store.Centres(ctx, c.Scope)
	if err != nil {
		return err
	}
	sel, err := pg.pickCentre(p, list, rawCentre)
	if err != nil {
		return err
	}
	d := attendanceData{Date: typed}
	for _, ct := range list {
		d.Centres = append(d.Centres, centreLink{ID: ct.ID, Name: ct.Label(page.Lang), Current: ct.ID == sel})
	}
	date := today(pg.Store.db.Now())
	if strings.TrimSpace(typed) == "" {
		d.Date = day(date)
	} else if iso, _, bad := dateField.Read(typed); bad == nil {
		date, _ = time.Parse(time.DateOnly, iso)
		d.Date = iso
	} else {
		if fe == nil {
			fe = web.FormErrorOf(apperr.Validation(*bad), page.Lang)
			status = http.StatusUnprocessableEntity
		}
		date = time.Time{}
	}
	if sel != 0 && !date.IsZero() {
		ro, err := pg.Store.RosterOf(ctx, c, sel, date, page.Lang)
		if err != nil {
			return err
		}
		d.Centre, d.Name, d.Shown = &ro.Centre, ro.Centre.Label(page.Lang), ro.Date
		for _, row := range ro.Rows {
			d.Rows = append(d.Rows, rosterView{RosterRow: row, ServiceName: ServiceName(row.Service, page.Lang), Checked: slices.Contains(present, row.CaseID)})
			if !row.Recorded {
				d.Open++
			}
		}
	}
	page.Flash, page.Error = flash, fe
	page.Data = d
	return pg.Render(w, r, status, "rehab_attendance.html", page)
}

// pickCentre is the centre asked for (404 when not a whole number or not
// listed), else the caller's own (sub-)centre, else the district's.
func (pg *Pages) pickCentre(p *web.Principal, list []Centre, raw string) (int64, error) {
	if raw = strings.TrimSpace(raw); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 || !slices.ContainsFunc(list, func(c Centre) bool { return c.ID == id }) {
			return 0, centreNotFound(max(id, 0))
		}
		return id, nil
	}
	for _, ct := range list {
		if strings.HasPrefix(p.OrgUnit, ct.OrgUnit) && len(ct.OrgUnit) >= 9 {
			return ct.ID, nil
		}
	}
	if len(list) > 0 {
		return list[0].ID, nil
	}
	return 0, nil
}

func (pg *Pages) attendance(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q := r.URL.Query()
	flash := ""
	if n := q.Get("recorded"); n != "" {
		rec, _ := strconv.Atoi(n)
		att, _ := strconv.Atoi(q.Get("attended"))
		flash = apperr.T(fmt.Sprintf("已保存：记录 %d 人，其中参加 %d 人，缺席 %d 人。", rec, att, rec-att),
			fmt.Sprintf("Saved: %d recorded, %d attended, %d absent.", rec, att, rec-att)).In(web.PageLang(r))
	}
	return pg.attendancePage(w, r, p, http.StatusOK, q.Get("centre"), q.Get("date"), nil, flash, nil)
}

func (pg *Pages) attendancePost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	lang := web.PageLang(r)
	rawCentre, typed := r.PostFormValue("centre"), r.PostFormValue("date")
	var present []int64
	for _, v := range r.PostForm["present"] {
		if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && id > 0 && len(present) < 1000 {
			present = append(present, id)
		}
	}
	iso, given, bad := dateField.Read(typed)
	if bad != nil || !given {
		if !given {
			e := apperr.Field("date", "required", "请填写训练日期。", "Enter the session date.")
			bad = &e
		}
		return pg.attendancePage(w, r, p, http.StatusUnprocessableEntity, rawCentre, typed, present, "", web.FormErrorOf(apperr.Validation(*bad), lang))
	}
	c := access.Of(r, p)
	list, err := pg.Store.Centres(r.Context(), c.Scope)
	if err != nil {
		return err
	}
	centre, err := pg.pickCentre(p, list, rawCentre)
	if err != nil {
		return err
	}
	date, _ := time.Parse(time.DateOnly, iso)
	res, err := pg.Store.RecordAttendance(r.Context(), pg.Engine, c, centre, date, present, lang)
	if err != nil {
		fe := web.FormErrorOf(err, lang)
		if fe == nil {
			return err
		}
		return pg.attendancePage(w, r, p, web.Status(apperr.CodeOf(err)), rawCentre, typed, present, "", fe)
	}
	if len(res.Failed) == 0 {
		web.Redirect(w, r, fmt.Sprintf("/rehab/attendance?centre=%d&date=%s&recorded=%d&attended=%d", centre, iso, res.Recorded, res.Attended))
		return nil
	}
	fe := &web.FormError{Message: apperr.T("以下人员的出勤没有记录，其余已保存：", "The attendance of these persons was not recorded; the rest is saved:").In(lang),
		ByField: map[string]string{}}
	for _, f := range res.Failed {
		field := fmt.Sprintf("present-%d", f.CaseID)
		msg := f.Name + apperr.T("：", ": ").In(lang) + f.Message.In(lang)
		fe.Fields = append(fe.Fields, web.FieldDetail{Field: field, Code: "refused", Message: msg})
		fe.ByField[field] = msg
	}
	flash := apperr.T(fmt.Sprintf("已记录 %d 人。", res.Recorded), fmt.Sprintf("%d recorded.", res.Recorded)).In(lang)
	return pg.attendancePage(w, r, p, http.StatusConflict, rawCentre, iso, present, flash, fe)
}
