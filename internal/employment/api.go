package employment

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// API is the JSON API of the module over its store: the handlers live on
// it, so the store itself never sees HTTP.
type API struct{ *Store }

// Who may do what with employers and the levy.
var (
	managers     = web.Roles(identity.DistrictStaff, identity.TownStaff)
	readers      = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.Employer)
	paramEditors = web.Roles(identity.DistrictStaff)
)

// CallerOf is the caller of a request.
func CallerOf(r *http.Request, p *web.Principal) Caller {
	rc := access.Of(r, p)
	c := Caller{Actor: rc.Actor, Scope: rc.Scope, Registry: rc}
	if p.Role == identity.Employer {
		c.Employer, c.EmployerID = true, p.EmployerID
		c.Scope, c.Registry.Scope = orgunit.Scope{}, orgunit.Scope{} // no registry access
	}
	return c
}

// Routes registers the employment API.
func (s API) Routes(rt *web.Router) {
	rt.Handle("POST /api/v1/levy/calculate", web.PublicAccess, s.apiCalculate, web.Types{In: CalcRequest{}, Out: Outcome{}})
	rt.Handle("GET /api/v1/levy/params", managers, s.apiParams, web.Types{Out: Params{}})
	rt.Handle("PUT /api/v1/levy/params", paramEditors, s.apiSetParams, web.Types{In: ParamsInput{}, Out: Params{}})
	rt.Handle("GET /api/v1/employers", readers, s.apiList, web.Types{Out: web.List[Employer]{}})
	rt.Handle("POST /api/v1/employers", managers, s.apiCreate, web.Types{In: EmployerInput{}, Out: Employer{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/employers/{id}", readers, s.apiGet, web.Types{Out: Employer{}})
	rt.Handle("PUT /api/v1/employers/{id}", managers, s.apiUpdate, web.Types{In: EmployerInput{}, Out: Employer{}})
	rt.Handle("PUT /api/v1/employers/{id}/figures/{year}", managers, s.apiFigures, web.Types{In: FiguresInput{}, Out: Figures{}})
	rt.Handle("POST /api/v1/employers/{id}/employees", managers, s.apiLink, web.Types{In: EmployeeInput{}, Out: Employee{}, Status: http.StatusCreated})
	rt.Handle("DELETE /api/v1/employers/{id}/employees", managers, s.apiUnlink, web.Types{In: EmployeeInput{}})
	rt.Handle("GET /api/v1/employers/{id}/levy", readers, s.apiLevy, web.Types{Out: Levy{}})
}

// jsonMoney reads a JSON amount (a number or a decimal string of yuan) as cents.
func jsonMoney(field string, raw json.RawMessage, required bool) (int64, *apperr.FieldError) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		if !required {
			return 0, nil
		}
		e := apperr.Field(field, "required", "请填写 "+field+"。", "Enter "+field+".")
		return 0, &e
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			e := apperr.Field(field, "format", field+" 应为金额。", field+" must be an amount.")
			return 0, &e
		}
		s = str
	}
	return ParseMoney(field, s)
}

// CalcRequest is the body of POST /api/v1/levy/calculate (CONTRACT.md); year
// and orgunit optionally choose a district's configured parameters. The
// wages are amounts of yuan, numbers or decimal strings.
type CalcRequest struct {
	Staff             *int64          `json:"staff"`
	AverageWage       json.RawMessage `json:"average_wage"`
	SocialAverageWage json.RawMessage `json:"social_average_wage,omitempty"`
	DisabledEmployees []struct {
		Grade int `json:"grade"`
	} `json:"disabled_employees,omitempty"`
	Year    int    `json:"year,omitempty"`
	OrgUnit string `json:"orgunit,omitempty"`
}

// CalcInput checks a calculator request: all field errors at once.
func CalcInput(staff *int64, wage, social json.RawMessage, grades []int) (Input, int64, error) {
	var errs []apperr.FieldError
	var in Input
	switch {
	case staff == nil:
		errs = append(errs, apperr.Field("staff", "required", "请填写在职职工人数。", "Enter the number of staff."))
	case *staff < 0 || *staff > 10000000:
		errs = append(errs, apperr.Field("staff", "range", "在职职工人数应为 0 到 10000000 之间的整数。", "The staff must be a whole number from 0 to 10,000,000."))
	default:
		in.Staff = int(*staff)
	}
	w, e := jsonMoney("average_wage", wage, true)
	if e != nil {
		errs = append(errs, *e)
	}
	in.AverageWageCents = w
	soc, e := jsonMoney("social_average_wage", social, false)
	if e != nil {
		errs = append(errs, *e)
	}
	for i, g := range grades {
		if g < 1 || g > 4 {
			errs = append(errs, apperr.Field(fmt.Sprintf("disabled_employees[%d].grade", i), "invalid", "残疾等级应为1至4级。", "The grade must be 1 to 4."))
		}
	}
	in.Grades = grades
	if len(errs) > 0 {
		return in, 0, apperr.Validation(errs...)
	}
	return in, soc, nil
}

func (s API) apiCalculate(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	var body CalcRequest
	if err := web.Decode(w, r, &body); err != nil {
		return err
	}
	grades := make([]int, len(body.DisabledEmployees))
	for i, d := range body.DisabledEmployees {
		grades[i] = d.Grade
	}
	in, social, err := CalcInput(body.Staff, body.AverageWage, body.SocialAverageWage, grades)
	if err != nil {
		return err
	}
	p := DefaultParams()
	if body.Year != 0 || body.OrgUnit != "" {
		if err := checkYear(body.Year); err != nil {
			return err
		}
		if len(body.OrgUnit) < 6 {
			return apperr.Validation(apperr.Field("orgunit", "invalid", "orgunit 应为区县代码（6位）。", "orgunit must be a district code (6 digits)."))
		}
		if p, err = s.Params(r.Context(), body.OrgUnit, body.Year); err != nil {
			return err
		}
		in.Year = body.Year
	}
	if len(body.SocialAverageWage) > 0 && string(body.SocialAverageWage) != "null" {
		p.SocialAverageWageCents = social
	}
	return web.JSON(w, http.StatusOK, OutcomeOf(Calculate(p, in)))
}

func yearParam(r *http.Request, def int) (int, error) {
	v := r.URL.Query().Get("year")
	if v == "" {
		v = r.PathValue("year")
	}
	if v == "" {
		return def, nil
	}
	y, err := strconv.Atoi(v)
	if err != nil {
		return 0, apperr.Validation(apperr.Field("year", "invalid", "年份应为四位数字。", "The year is a 4-digit number."))
	}
	return y, checkYear(y)
}

func (s API) apiParams(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	year, err := yearParam(r, s.ThisYear())
	if err != nil {
		return err
	}
	unit := r.URL.Query().Get("orgunit")
	if unit == "" {
		unit = district(p.OrgUnit)
	}
	if len(unit) != 6 || !orgunit.ScopeOf(district(p.OrgUnit)).Contains(unit) {
		return apperr.New(apperr.NotFound, "找不到这个区县，或不在您的管辖范围内。", "This district was not found or is outside your area.")
	}
	params, err := s.Params(r.Context(), unit, year)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, params)
}

// ParamsInput is the body of PUT /api/v1/levy/params: the levy parameters
// of a district (default: the caller's) for a year (?year=, else year). A
// parameter left out has its default (DefaultParams). social_average_wage is
// an amount of yuan, a number or a decimal string, and overrides
// social_average_wage_cents.
type ParamsInput struct {
	Params            `in:"optional"`
	SocialAverageWage json.RawMessage `json:"social_average_wage,omitempty"`
}

func (s API) apiSetParams(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var body ParamsInput
	body.Params = DefaultParams()
	if err := web.Decode(w, r, &body); err != nil {
		return err
	}
	year, err := yearParam(r, body.Year)
	if err != nil {
		return err
	}
	in := body.Params
	in.Year = year
	if in.OrgUnit == "" {
		in.OrgUnit = district(p.OrgUnit)
	}
	if len(body.SocialAverageWage) > 0 {
		cents, e := jsonMoney("social_average_wage", body.SocialAverageWage, false)
		if e != nil {
			return apperr.Validation(*e)
		}
		in.SocialAverageWageCents = cents
	}
	out, err := s.SetParams(r.Context(), orgunit.ScopeOf(p.OrgUnit), CallerOf(r, p).Actor, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiList(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	limit, cursor, err := web.Paging(r)
	if err != nil {
		return err
	}
	after, err := web.IntParam("cursor", cursor)
	if err != nil {
		return err
	}
	items, total, next, err := s.List(r.Context(), CallerOf(r, p), limit, after)
	if err != nil {
		return err
	}
	out := web.List[Employer]{Items: items, Total: total}
	if out.Items == nil {
		out.Items = []Employer{}
	}
	if next != 0 {
		out.Next = strconv.FormatInt(next, 10)
	}
	return web.JSON(w, http.StatusOK, out)
}

func idParam(r *http.Request) (int64, error) {
	return web.PathID(r, apperr.New(apperr.NotFound, "找不到这个用人单位。", "This employer was not found."))
}

func (s API) apiCreate(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in EmployerInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.Create(r.Context(), CallerOf(r, p), in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, e)
}

func (s API) apiGet(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	e, err := s.Get(r.Context(), CallerOf(r, p), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, e)
}

func (s API) apiUpdate(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	var in EmployerInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.Update(r.Context(), CallerOf(r, p), id, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, e)
}

func (s API) apiFigures(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		return apperr.Validation(apperr.Field("year", "invalid", "年份应为四位数字。", "The year is a 4-digit number."))
	}
	var body FiguresInput
	if err := web.Decode(w, r, &body); err != nil {
		return err
	}
	in, _, err := CalcInput(body.Staff, body.AverageWage, nil, nil)
	if err != nil {
		return err
	}
	f, err := s.PutFigures(r.Context(), CallerOf(r, p), id, Figures{Year: year, Staff: in.Staff, AverageWageCents: in.AverageWageCents})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, f)
}

// FiguresInput is the body of PUT /api/v1/employers/{id}/figures/{year}:
// the employer's staff and their average annual wage, an amount of yuan (a
// number or a decimal string).
type FiguresInput struct {
	Staff       *int64          `json:"staff"`
	AverageWage json.RawMessage `json:"average_wage"`
}

// EmployeeInput is the body of POST /api/v1/employers/{id}/employees, which
// links a person to the employer from from_date, and of DELETE, which ends
// the link on until_date; a date left out is today, and each ignores the
// other's date.
type EmployeeInput struct {
	PersonID  int64  `json:"person_id"`
	FromDate  string `json:"from_date,omitempty"`
	UntilDate string `json:"until_date,omitempty"`
}

func (s API) apiLink(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	var body EmployeeInput
	if err := web.Decode(w, r, &body); err != nil {
		return err
	}
	e, err := s.Link(r.Context(), CallerOf(r, p), id, body.PersonID, body.FromDate)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, e)
}

func (s API) apiUnlink(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	var body EmployeeInput
	if err := web.Decode(w, r, &body); err != nil {
		return err
	}
	if err := s.Unlink(r.Context(), CallerOf(r, p), id, body.PersonID, body.UntilDate); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s API) apiLevy(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	year, err := yearParam(r, s.ThisYear())
	if err != nil {
		return err
	}
	l, err := s.Levy(r.Context(), CallerOf(r, p), id, year)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, l)
}
