package employment

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

//go:embed templates/*.html
var templatesFS embed.FS

// Templates are the employment pages' templates.
func Templates() fs.FS {
	return web.TemplateDir(templatesFS)
}

// Pages serves the levy calculator, the district's levy statement and the employer pages.
type Pages struct {
	Store *Store
	web.Kit
	// Towns lists the towns (level 3) of a scope, for the employer form.
	Towns func(r *http.Request, sc orgunit.Scope) ([]orgunit.Unit, error)
}

// Routes registers the pages.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /levy", web.PublicAccess, pg.calculator)
	rt.Page("GET /levy/statement", managers, pg.statement)
	rt.Page("GET /levy/statement.xlsx", managers, pg.statementXLSX)
	rt.Page("GET /levy/params", paramEditors, pg.params)
	rt.Page("POST /levy/params", paramEditors, pg.postParams)
	rt.Page("GET /employers", managers, pg.list)
	rt.Page("GET /employers/new", managers, pg.newForm)
	rt.Page("POST /employers/new", managers, pg.create)
	rt.Page("GET /employers/{id}", readers, pg.show)
	rt.Page("GET /employers/{id}/edit", managers, pg.editForm)
	rt.Page("POST /employers/{id}/edit", managers, pg.edit)
	rt.Page("POST /employers/{id}/figures", managers, pg.postFigures)
	rt.Page("POST /employers/{id}/employees", managers, pg.postLink)
	rt.Page("GET /employers/{id}/employees/end", managers, pg.endForm)
	rt.Page("POST /employers/{id}/employees/end", managers, pg.postUnlink)
}

// Step is one step of the calculation, explained in words.
type Step struct {
	Label string
	Value string
	How   string
}

type calcData struct {
	Form    url.Values
	Steps   []Step
	Due     string
	Exempt  bool
	Done    bool
	Summary string
}

// explain turns a result into steps in plain words.
func explain(page *web.Page, p Params, in Input, r Result) []Step {
	T := page.T
	steps := []Step{
		{T("应安排残疾人数", "Disabled employees required"), People(r.RequiredU),
			T(fmt.Sprintf("在职职工 %d 人 × 比例 %s", in.Staff, Percent(int64(p.QuotaBP))), fmt.Sprintf("%d staff × quota %s", in.Staff, Percent(int64(p.QuotaBP))))},
		{T("已安排（折算）人数", "Disabled employees counted"), strconv.Itoa(r.Counted),
			T(fmt.Sprintf("持证残疾职工 %d 人，其中一、二级 %d 人%s", r.Employees, r.Severe, map[bool]string{true: "，每人按 2 人计算", false: ""}[p.DoubleCountSevere && r.Severe > 0]),
				fmt.Sprintf("%d employees with a certificate, %d of them grade 1 or 2%s", r.Employees, r.Severe, map[bool]string{true: ", who count as 2 each", false: ""}[p.DoubleCountSevere && r.Severe > 0]))},
		{T("差额人数", "Shortfall"), People(r.ShortfallU),
			T("应安排人数减去已安排人数，不少于 0", "Required minus counted, never below 0")},
		{T("计算基数（年平均工资）", "Wage base (average annual wage)"), money.Yuan(r.WageBase) + T(" 元", " yuan"),
			map[bool]string{true: T(fmt.Sprintf("单位年平均工资超过当地社会平均工资的 %s 倍，按上限计算", People(int64(p.WageCapPct)*100)),
				fmt.Sprintf("The employer's average wage is above %s× the social average wage, so the cap applies", People(int64(p.WageCapPct)*100))),
				false: T("单位年平均工资（未超过上限）", "The employer's average wage (below the cap)")}[r.WageCapped]},
		{T("应缴总额", "Gross amount"), money.Yuan(r.Gross) + T(" 元", " yuan"), T("差额人数 × 计算基数", "Shortfall × wage base")},
		{T("安排比例", "Employment ratio"), Percent(r.RatioBP), T("已安排人数 ÷ 在职职工人数", "Counted ÷ staff")},
		{T("缴纳比例", "Share due"), Percent(int64(r.RateBP)),
			map[bool]string{true: T(fmt.Sprintf("安排比例达到 %s，按 %s 缴纳", Percent(int64(p.ThresholdBP)), Percent(int64(p.RateAtOrAboveBP))),
				fmt.Sprintf("The ratio is %s or more, so %s is due", Percent(int64(p.ThresholdBP)), Percent(int64(p.RateAtOrAboveBP)))),
				false: T(fmt.Sprintf("安排比例低于 %s，按 %s 缴纳", Percent(int64(p.ThresholdBP)), Percent(int64(p.RateBelowBP))),
					fmt.Sprintf("The ratio is below %s, so %s is due", Percent(int64(p.ThresholdBP)), Percent(int64(p.RateBelowBP))))}[r.AtOrAbove]},
	}
	due := Step{T("应缴纳保障金", "Levy due"), money.Yuan(r.Due) + T(" 元", " yuan"), T("应缴总额 × 缴纳比例，四舍五入到分", "Gross amount × share due, rounded to the cent")}
	switch {
	case r.Exempt:
		due.How = T(fmt.Sprintf("在职职工不超过 %d 人的单位免缴", p.ExemptMaxStaff), fmt.Sprintf("Employers with %d staff or fewer pay nothing", p.ExemptMaxStaff))
	case r.ShortfallU == 0:
		due.How = T("已达到比例，无需缴纳", "The quota is met: nothing is due")
	}
	return append(steps, due)
}

func (pg *Pages) calculator(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T("残疾人就业保障金计算器", "Disability employment levy calculator")
	q := r.URL.Query()
	d := calcData{Form: q}
	if q.Has("staff") {
		var errs []apperr.FieldError
		var staff *int64
		if n, err := strconv.ParseInt(strings.TrimSpace(q.Get("staff")), 10, 64); err == nil {
			staff = &n
		} else if strings.TrimSpace(q.Get("staff")) != "" {
			errs = append(errs, apperr.Field("staff", "format", "在职职工人数应为整数，例如 200。", "The staff is a whole number, for example 200."))
		}
		var grades []int
		for g := 1; g <= 4; g++ {
			field := fmt.Sprintf("grade%d", g)
			v := strings.TrimSpace(q.Get(field))
			if v == "" {
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 100000 {
				errs = append(errs, apperr.Field(field, "format", "人数应为不小于 0 的整数。", "Enter a whole number of people, 0 or more."))
				continue
			}
			for range n {
				grades = append(grades, g)
			}
		}
		wage, social := []byte(strconv.Quote(q.Get("average_wage"))), []byte(strconv.Quote(q.Get("social_average_wage")))
		if strings.TrimSpace(q.Get("social_average_wage")) == "" {
			social = nil
		}
		if strings.TrimSpace(q.Get("average_wage")) == "" {
			wage = nil
		}
		in, soc, err := CalcInput(staff, wage, social, grades)
		if e, ok := apperr.As(err); ok {
			errs = append(errs, e.Fields...)
		}
		if len(errs) > 0 {
			page.Error = web.FormErrorOf(apperr.Validation(errs...), page.Lang)
			page.Data = d
			return pg.Render(w, r, http.StatusUnprocessableEntity, "levy.html", page)
		}
		params := DefaultParams()
		params.SocialAverageWageCents = soc
		in.Year = pg.Store.ThisYear()
		res := Calculate(params, in)
		d.Steps, d.Due, d.Exempt, d.Done = explain(page, params, in, res), money.Yuan(res.Due), res.Exempt, true
	}
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "levy.html", page)
}

type statementData struct {
	Year      int
	Rows      []Levy
	Below     int
	Short     int
	Due       string
	Params    Params
	XLSX      string
	NoSocial  bool
	Unit      string
	YearsNear []int
	// CanSetParams: district staff may change the levy parameters.
	CanSetParams bool
}

func (pg *Pages) statementRows(r *http.Request, p *web.Principal) (int, []Levy, error) {
	year, err := yearParam(r, pg.Store.ThisYear())
	if err != nil {
		return 0, nil, err
	}
	rows, err := pg.Store.Statement(r.Context(), CallerOf(r, p), year)
	return year, rows, err
}

func (pg *Pages) statement(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	year, rows, err := pg.statementRows(r, p)
	if err != nil {
		return err
	}
	page := pg.NewPage(r, p, "")
	page.Title = page.T(fmt.Sprintf("%d 年残疾人就业保障金统计", year), fmt.Sprintf("Employment levy statement %d", year))
	d := statementData{Year: year, Rows: rows, XLSX: fmt.Sprintf("/levy/statement.xlsx?year=%d", year), YearsNear: []int{year - 1, year + 1}}
	var due int64
	for _, l := range rows {
		if l.BelowQuota {
			d.Below++
			d.Short += l.Result.ShortPeople
		}
		due += l.Result.Due
	}
	d.Due = money.Yuan(due)
	if d.Params, err = pg.Store.Params(r.Context(), p.OrgUnit, year); err != nil {
		return err
	}
	d.NoSocial = d.Params.SocialAverageWageCents == 0
	d.CanSetParams = p.Role == identity.DistrictStaff
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "levy_statement.html", page)
}

func (pg *Pages) statementXLSX(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	year, rows, err := pg.statementRows(r, p)
	if err != nil {
		return err
	}
	lang := web.PageLang(r)
	T := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="levy-statement-%d.xlsx"`, year))
	tw, err := tabular.NewXLSXWriter(w, T("保障金", "Levy"))
	if err != nil {
		return err
	}
	header := []string{T("单位名称", "employer"), T("统一社会信用代码", "credit code"), T("所在街镇", "town"), T("在职职工人数", "staff"),
		T("已安排（折算）人数", "counted"), T("应安排人数", "required"), T("差额人数（取整）", "shortfall (people)"), T("年平均工资", "average wage"),
		T("计算基数", "wage base"), T("应缴纳保障金（元）", "due (yuan)"), T("说明", "note")}
	if err := tw.Write(header); err != nil {
		return err
	}
	uscc := map[int64]string{}
	if list, _, _, err := pg.Store.List(r.Context(), CallerOf(r, p), 100000, 0); err == nil {
		for _, e := range list {
			uscc[e.ID] = e.USCC
		}
	}
	for _, l := range rows {
		if !l.HasFigures {
			if err := tw.Write([]string{l.Name, uscc[l.EmployerID], l.OrgUnit, "", "", "", "", "", "", "", T("缺少当年数据", "no figures for the year")}); err != nil {
				return err
			}
			continue
		}
		note := ""
		switch {
		case l.Result.Exempt:
			note = T("免缴", "exempt")
		case l.BelowQuota:
			note = T("未达比例", "below quota")
		}
		if err := tw.Write([]string{l.Name, uscc[l.EmployerID], l.OrgUnit, strconv.Itoa(l.Staff), strconv.Itoa(l.Result.Counted), People(l.Result.RequiredU),
			strconv.Itoa(l.Result.ShortPeople), l.AverageWage, money.Yuan(l.Result.WageBase), money.Yuan(l.Result.Due), note}); err != nil {
			return err
		}
	}
	return tw.Close()
}

type listData struct {
	Rows []Employer
	Next int64
	All  int
}

func (pg *Pages) list(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	after, err := web.IntParam("cursor", r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	rows, total, next, err := pg.Store.List(r.Context(), CallerOf(r, p), 50, after)
	if err != nil {
		return err
	}
	page := pg.NewPage(r, p, "")
	page.Title = page.T("用人单位", "Employers")
	page.Data = listData{Rows: rows, Next: next, All: total}
	return pg.Render(w, r, http.StatusOK, "employers.html", page)
}

type formData struct {
	ID       int64
	Form     EmployerInput
	Towns    []orgunit.Unit
	Features []Feature
	Has      map[string]bool
}

func (pg *Pages) form(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, id int64, in EmployerInput, err error) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T("登记用人单位", "Register an employer")
	if id != 0 {
		page.Title = page.T("修改用人单位", "Edit the employer")
	}
	if err != nil {
		if page.Error = web.FormErrorOf(err, page.Lang); page.Error == nil {
			return err
		}
	}
	towns, terr := pg.Towns(r, orgunit.ScopeOf(p.OrgUnit))
	if terr != nil {
		return terr
	}
	d := formData{ID: id, Form: in, Towns: towns, Features: Accessibility, Has: map[string]bool{}}
	for _, f := range in.Accessibility {
		d.Has[f] = true
	}
	page.Data = d
	return pg.Render(w, r, status, "employer_form.html", page)
}

func formInput(r *http.Request) EmployerInput {
	_ = r.ParseForm()
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	return EmployerInput{Name: r.PostFormValue("name"), USCC: r.PostFormValue("uscc"), OrgUnit: r.PostFormValue("orgunit"),
		Address: r.PostFormValue("address"), ContactName: r.PostFormValue("contact_name"), ContactPhone: r.PostFormValue("contact_phone"),
		Accessibility: r.PostForm["accessibility"], Version: v}
}

func (pg *Pages) newForm(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	in := EmployerInput{}
	if len(p.OrgUnit) == 9 {
		in.OrgUnit = p.OrgUnit
	}
	return pg.form(w, r, p, http.StatusOK, 0, in, nil)
}

func (pg *Pages) create(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	in := formInput(r)
	e, err := pg.Store.Create(r.Context(), CallerOf(r, p), in)
	if err != nil {
		return pg.form(w, r, p, web.Status(apperr.CodeOf(err)), 0, in, err)
	}
	web.Redirect(w, r, fmt.Sprintf("/employers/%d", e.ID))
	return nil
}

func (pg *Pages) editForm(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	e, err := pg.Store.get(r.Context(), CallerOf(r, p), id)
	if err != nil {
		return err
	}
	in := EmployerInput{Name: e.Name, USCC: e.USCC, OrgUnit: e.OrgUnit, Address: e.Address, ContactName: e.ContactName,
		Accessibility: e.Accessibility, Version: e.Version}
	return pg.form(w, r, p, http.StatusOK, id, in, nil)
}

func (pg *Pages) edit(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	in := formInput(r)
	if in.ContactPhone == "" && r.PostFormValue("keep_phone") == "1" {
		// an empty phone field keeps the stored number (it is never shown unmasked)
		if in.ContactPhone, err = pg.Store.contactPhone(r.Context(), CallerOf(r, p), id); err != nil {
			return err
		}
	}
	if _, err := pg.Store.Update(r.Context(), CallerOf(r, p), id, in); err != nil {
		in.ContactPhone = ""
		return pg.form(w, r, p, web.Status(apperr.CodeOf(err)), id, in, err)
	}
	web.Redirect(w, r, fmt.Sprintf("/employers/%d", id))
	return nil
}

type showData struct {
	E        Employer
	Year     int
	Levy     *Levy
	Steps    []Step
	Features []Feature
	Staff    bool
	Severe   int
	Failed   string     // the form whose submission failed: figures, employees
	Form     url.Values // its values
	Saved    string     // the form just saved
	Today    string
	Picker   registry.Picker // chooses the person to link (staff)
}

func (pg *Pages) show(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.showPage(w, r, p, http.StatusOK, "", nil, nil)
}

// showPage renders an employer; after a failed form, with its values and
// errors (failed names the form: figures or employees).
func (pg *Pages) showPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, failed string, form url.Values, formErr error, pick ...registry.Picker) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	c := CallerOf(r, p)
	e, err := pg.Store.Get(r.Context(), c, id)
	if err != nil {
		return err
	}
	year, err := yearParam(r, pg.Store.ThisYear())
	if err != nil {
		return err
	}
	page := pg.NewPage(r, p, e.Name)
	if formErr != nil {
		if page.Error = web.FormErrorOf(formErr, page.Lang); page.Error == nil {
			return formErr
		}
	}
	if form == nil {
		form = url.Values{"year": {strconv.Itoa(year)}}
		for _, f := range e.Figures {
			if f.Year == year {
				form.Set("staff", strconv.Itoa(f.Staff))
				form.Set("average_wage", f.AverageWage)
			}
		}
	}
	d := showData{E: e, Year: year, Staff: p.Role != identity.Employer, Failed: failed, Form: form,
		Saved: r.URL.Query().Get("saved"), Today: pg.Store.db.Now().In(shanghai).Format(time.DateOnly)}
	if len(pick) > 0 {
		d.Picker = pick[0]
	}
	d.Picker.Field, d.Picker.Label = "person_id", page.T("残疾职工", "Disabled employee")
	if page.Error != nil && failed == "employees" {
		d.Picker.Error = page.Error.ByField["person_id"]
	}
	for _, f := range Accessibility {
		for _, h := range e.Accessibility {
			if f.Code == h {
				d.Features = append(d.Features, f)
			}
		}
	}
	l, err := pg.Store.Levy(r.Context(), c, id, year)
	switch {
	case err == nil:
		d.Levy = &l
		d.Steps = explain(page, l.Params, Input{Year: year, Staff: l.Staff}, l.Result)
	case apperr.CodeOf(err) != apperr.NotFound:
		return err
	}
	page.Data = d
	return pg.Render(w, r, status, "employer.html", page)
}

// postFigures sets an employer's staff and average wage of a year.
func (pg *Pages) postFigures(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	f := Figures{}
	var errs []apperr.FieldError
	if f.Year, err = strconv.Atoi(strings.TrimSpace(r.PostFormValue("year"))); err != nil {
		errs = append(errs, apperr.Field("year", "invalid", "年份应为四位数字。", "The year is a 4-digit number."))
	}
	if f.Staff, err = strconv.Atoi(strings.TrimSpace(r.PostFormValue("staff"))); err != nil {
		errs = append(errs, apperr.Field("staff", "invalid", "在职职工人数应为整数。", "The staff is a whole number."))
	}
	cents, fe := ParseMoney("average_wage", r.PostFormValue("average_wage"))
	if fe != nil {
		errs = append(errs, *fe)
	}
	f.AverageWageCents = cents
	if len(errs) == 0 {
		_, err = pg.Store.PutFigures(r.Context(), CallerOf(r, p), id, f)
	} else {
		err = apperr.Validation(errs...)
	}
	if err != nil {
		return pg.showPage(w, r, p, web.Status(apperr.CodeOf(err)), "figures", r.PostForm, err)
	}
	web.Redirect(w, r, fmt.Sprintf("/employers/%d?year=%d&saved=figures", id, f.Year))
	return nil
}

// postLink links a registered person as a disabled employee.
func (pg *Pages) postLink(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	c := CallerOf(r, p)
	// The person is chosen with the picker (registry.Picker); its search
	// button, without JavaScript, shows the page again with the matches.
	pk, person, err := pg.Store.registry.PickerFrom(r.Context(), c.Registry, r.PostForm, "person_id", "", web.PageLang(r))
	if err == nil && pk.Find {
		return pg.showPage(w, r, p, http.StatusOK, "employees", r.PostForm, nil, pk)
	}
	if err == nil && person == 0 {
		err = apperr.Validation(pk.PickRequired())
	}
	if err == nil {
		_, err = pg.Store.Link(r.Context(), c, id, person, strings.TrimSpace(r.PostFormValue("from_date")))
	}
	if err != nil {
		return pg.showPage(w, r, p, web.Status(apperr.CodeOf(err)), "employees", r.PostForm, err, pk)
	}
	web.Redirect(w, r, fmt.Sprintf("/employers/%d?saved=employees", id))
	return nil
}

// endData is the page that records the end of an employment: the date,
// and a confirmation, so that no one ends it by a slip.
type endData struct {
	E    Employer
	Emp  Employee
	Form url.Values
}

// endPage renders the end of the employment of the person named by the
// form's person_id (a current employee of the employer; 404 otherwise).
func (pg *Pages) endPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, form url.Values, formErr error) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	e, err := pg.Store.Get(r.Context(), CallerOf(r, p), id)
	if err != nil {
		return err
	}
	person, _ := strconv.ParseInt(strings.TrimSpace(form.Get("person_id")), 10, 64)
	d := endData{E: e, Form: form}
	found := false
	for _, em := range e.Employees {
		if em.PersonID == person && em.Until == "" {
			d.Emp, found = em, true
		}
	}
	if !found {
		return apperr.New(apperr.NotFound, "此人不是该单位的在职职工。", "This person does not work for this employer now.")
	}
	page := pg.NewPage(r, p, "")
	page.Title = page.T("登记离职：", "Record the end of the employment: ") + d.Emp.Name
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: e.Name, Href: fmt.Sprintf("/employers/%d", e.ID)}, {Label: page.T("登记离职", "Record the end")}}
	if formErr != nil {
		if page.Error = web.FormErrorOf(formErr, page.Lang); page.Error == nil {
			return formErr
		}
	}
	page.Data = d
	return pg.Render(w, r, status, "employee_end.html", page)
}

// endForm asks for the date an employee left (today by default) and a
// confirmation.
func (pg *Pages) endForm(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	form := url.Values{"person_id": {r.URL.Query().Get("person_id")}, "until_date": {pg.Store.db.Now().In(shanghai).Format(time.DateOnly)}}
	return pg.endPage(w, r, p, http.StatusOK, form, nil)
}

// postUnlink records that a disabled employee left (on until_date), once
// confirmed.
func (pg *Pages) postUnlink(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	person, _ := strconv.ParseInt(r.PostFormValue("person_id"), 10, 64)
	var errs []apperr.FieldError
	if strings.TrimSpace(r.PostFormValue("until_date")) == "" {
		errs = append(errs, apperr.Field("until_date", "required", "请填写离职日期。", "Enter the last day of work."))
	}
	if r.PostFormValue("confirm") != "1" {
		errs = append(errs, apperr.Field("confirm", "required", "请勾选确认此人已经离职。", "Tick to confirm that the person has left."))
	}
	if len(errs) > 0 {
		err = apperr.Validation(errs...)
	} else {
		err = pg.Store.Unlink(r.Context(), CallerOf(r, p), id, person, strings.TrimSpace(r.PostFormValue("until_date")))
	}
	if err != nil {
		return pg.endPage(w, r, p, web.Status(apperr.CodeOf(err)), r.PostForm, err)
	}
	web.Redirect(w, r, fmt.Sprintf("/employers/%d?saved=employees", id))
	return nil
}
