package centres

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// ---- the roll call (a tablet at the centre's door) ----

type rollRow struct {
	PersonID      int64
	Name, Village string
	Present       bool
}

type rollData struct {
	C                 Centre
	Name              string
	Date, Today       string
	Programme         int64
	ProgrammeName     string
	Programmes        []option
	Rows              []rollRow
	Present, Absent   int
	Recorded, DateBad bool
	// Closed names the weekday when the centre (or the programme) does
	// not meet on the day ("" when it does).
	Closed string
}

// rollParams reads the roll call's date (today when absent) and programme
// (0: the centre's day) from a query or a form.
func (pg *Pages) rollParams(v url.Values) (string, int64, error) {
	date := strings.TrimSpace(v.Get("date"))
	if date == "" {
		date = Today(pg.db.Now())
	}
	var prog int64
	if s := strings.TrimSpace(v.Get("programme")); s != "" && s != "0" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return date, 0, apperr.Validation(apperr.Field("programme", "invalid", "请选择项目。", "Choose the programme."))
		}
		prog = n
	}
	return date, prog, nil
}

// rollHref is the address of a roll call.
func rollHref(id int64, date string, prog int64) string {
	q := url.Values{"date": {date}}
	if prog != 0 {
		q.Set("programme", strconv.FormatInt(prog, 10))
	}
	return fmt.Sprintf("/centres/%d/rollcall?%s", id, q.Encode())
}

func (pg *Pages) rollCall(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return pg.rollShow(w, r, pr, http.StatusOK, r.URL.Query(), nil, nil)
}

// rollShow renders a roll call for the date and programme of v; after a
// refused save, with the error and the boxes as they were sent (posted).
func (pg *Pages) rollShow(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, v url.Values, posted []int64, formErr error) error {
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
	if !Runs(c, ce) {
		return apperr.New(apperr.Forbidden, "只有中心所在辖区的工作人员可以点名。", "Only staff of the centre's area take its roll call.")
	}
	d := rollData{C: ce, Name: ce.Label(lang), Today: Today(pg.db.Now())}
	date, prog, perr := pg.rollParams(v)
	d.Date, d.Programme = date, prog
	progs, err := pg.Programmes(ctx, c, id, false)
	if err != nil {
		return err
	}
	d.Programmes = append(d.Programmes, option{Value: "0", Label: page.T("中心日常点名", "The centre's day"), Checked: prog == 0})
	for _, p := range progs {
		d.Programmes = append(d.Programmes, option{Value: strconv.FormatInt(p.ID, 10), Label: p.Name + " · " + WordOf(ProgrammeKinds, p.Kind).In(lang), Checked: p.ID == prog})
		if p.ID == prog {
			d.ProgrammeName = p.Name
		}
	}
	if perr == nil && prog != 0 && d.ProgrammeName == "" {
		perr = apperr.Validation(apperr.Field("programme", "not_found", "本中心没有该项目。", "The centre has no such programme."))
	}
	if formErr == nil && perr != nil {
		formErr, status = perr, http.StatusUnprocessableEntity
	}
	if perr == nil {
		d.Closed = closedOn(date, ce.Days, progs, prog, lang)
		rc, err := pg.RollCallOf(ctx, c, id, date, prog, lang)
		switch {
		case err == nil:
			d.Recorded = rc.Recorded
			for _, row := range rc.Rows {
				present := row.Present == nil || *row.Present
				if posted != nil {
					present = slices.Contains(posted, row.PersonID)
				}
				d.Rows = append(d.Rows, rollRow{PersonID: row.PersonID, Name: row.Name, Village: row.Place, Present: present})
				if present {
					d.Present++
				} else {
					d.Absent++
				}
			}
		case apperr.CodeOf(err) == apperr.Invalid:
			if formErr == nil {
				formErr, status = err, http.StatusUnprocessableEntity
			}
			d.DateBad = true
		default:
			return err
		}
	}
	page.Title = page.T("点名：", "Roll call: ") + d.Name
	page.Crumbs = crumbs(page, web.Crumb{Label: d.Name, Href: fmt.Sprintf("/centres/%d", id)}, web.Crumb{Label: page.T("点名", "Roll call")})
	if formErr != nil {
		page.Error = fieldError(formErr, lang, map[string]string{"": "present"})
		// Every "not enrolled" entry points at the list.
		for i, f := range page.Error.Fields {
			if strings.HasPrefix(f.Field, "present[") {
				page.Error.Fields[i].Field = "present"
				page.Error.ByField["present"] = f.Message
			}
		}
	}
	q := r.URL.Query()
	switch q.Get("done") {
	case "saved":
		page.Flash = page.T(fmt.Sprintf("已保存：出勤 %s 人，缺勤 %s 人。", num(q.Get("p")), num(q.Get("a"))),
			fmt.Sprintf("Saved: %s present, %s absent.", num(q.Get("p")), num(q.Get("a"))))
	case "same":
		page.Flash = page.T("没有变化：这次点名已经保存过了。", "Nothing changed: this roll call was already saved.")
	}
	page.Data = d
	return pg.Kit.Render(w, r, status, "centre_rollcall.html", page)
}

// num is a count from a query ("0" when it is not one).
func num(s string) string {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return "0"
	}
	return strconv.Itoa(n)
}

func (pg *Pages) saveRollCall(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	f := r.PostForm
	if len(f["present"]) > MaxRollCall {
		return badForm()
	}
	present := []int64{}
	for _, s := range f["present"] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return badForm()
		}
		present = append(present, n)
	}
	date, prog, err := pg.rollParams(f)
	if err == nil {
		var res AttendanceResult
		res, err = pg.SaveAttendance(r.Context(), access.Of(r, pr), id, AttendanceInput{Date: date, ProgrammeID: prog, Present: present})
		if err == nil {
			to := rollHref(id, date, prog)
			if res.Changed == 0 {
				to += "&done=same"
			} else {
				to += fmt.Sprintf("&done=saved&p=%d&a=%d", res.Present, res.Absent)
			}
			web.Redirect(w, r, to)
			return nil
		}
	}
	status, ok := formRefusal(err)
	if !ok || apperr.CodeOf(err) == apperr.Forbidden {
		return err
	}
	return pg.rollShow(w, r, pr, status, f, present, err)
}

// ---- the persons flagged for a home visit ----

func (pg *Pages) absences(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	page := pg.Kit.NewPage(r, pr, "")
	list, err := pg.Absences(r.Context(), access.Of(r, pr), 0, page.Lang)
	if err != nil {
		return err
	}
	page.Title = page.T("连续两周未到中心的人员", "People absent from their centre for two weeks")
	page.Crumbs = crumbs(page, web.Crumb{Label: page.T("需上门探访", "Home visits due")})
	page.Data = list
	return pg.Kit.Render(w, r, http.StatusOK, "centre_absences.html", page)
}

// closedOn names the weekday of date when the centre's day (prog 0) or the
// programme prog does not meet on it ("" when it does, or when its days are
// not set).
func closedOn(date string, centreDays []string, progs []Programme, prog int64, lang string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return ""
	}
	wd := Weekdays[(int(t.Weekday())+6)%7]
	days := centreDays
	for _, p := range progs {
		if p.ID == prog {
			days = p.Days
		}
	}
	if len(days) == 0 || slices.Contains(days, wd.Code) {
		return ""
	}
	if lang == "en" {
		return t.Weekday().String()
	}
	return wd.In(lang)
}
