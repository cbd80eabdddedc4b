package employment_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"sunshine/internal/access"
	"sunshine/internal/app/apptest"
	"sunshine/internal/employment"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
)

// matrixCaller is the matrix's own caller, for its fixture.
var matrixCaller = employment.Caller{Scope: orgunit.AllUnits(), Registry: access.Caller{Scope: orgunit.AllUnits()}}

// usccFor is a valid credit code distinct per user.
func usccFor(kind, u string) string {
	first := "91310114MA1G" + kind + apptest.UserCode(u) + "X"
	return first + string(employment.USCCCheckChar(first))
}

// employerVersion is the current version of an employer.
func employerVersion(e *apptest.Env, id int64) int {
	em, err := e.App.Employment.Get(context.Background(), matrixCaller, id)
	if err != nil {
		e.T.Fatal(err)
	}
	return em.Version
}

// TestPermissionMatrix walks the employer and levy API and pages against every
// role and no sign-in, in and out of scope (apptest.Matrix).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	managers := []string{identity.DistrictStaff, identity.TownStaff}
	readers := []string{identity.DistrictStaff, identity.TownStaff, identity.Employer}
	emp := func(id func(*apptest.Env) int64, rest string, body func(*apptest.Env, string) any) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, u string) apptest.Request {
			r := apptest.Request{Path: fmt.Sprintf("/api/v1/employers/%d%s", id(e), rest)}
			if body != nil {
				r.Body = body(e, u)
			}
			return r
		}
	}
	page := func(id func(*apptest.Env) int64, rest string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/employers/%d%s", id(e), rest)}
		}
	}
	in, out := func(e *apptest.Env) int64 { return e.EmpIn }, func(e *apptest.Env) int64 { return e.EmpOut }
	input := func(unit string) func(*apptest.Env, string) any {
		return func(e *apptest.Env, u string) any {
			return map[string]any{"name": "单位" + u, "uscc": usccFor("A", u), "orgunit": unit, "contact_phone": "13812345678"}
		}
	}
	update := func(e *apptest.Env, u string) any {
		return map[string]any{"name": "南翔精密制造", "uscc": "91310114MA1GT0001" + string(employment.USCCCheckChar("91310114MA1GT0001")),
			"orgunit": "310114102", "address": "地址 " + u, "version": employerVersion(e, e.EmpIn)}
	}
	figures := func(*apptest.Env, string) any { return map[string]any{"staff": 210, "average_wage": "118000.50"} }
	link := func(e *apptest.Env, u string) any {
		_ = e.App.Employment.Unlink(context.Background(), matrixCaller, e.EmpIn, e.In, "")
		return map[string]any{"person_id": e.In, "from_date": "2020-03-01"}
	}
	unlink := func(e *apptest.Env, u string) any {
		_, _ = e.App.Employment.Link(context.Background(), matrixCaller, e.EmpIn, e.In, "2020-03-01")
		return map[string]any{"person_id": e.In}
	}
	params := func(unit string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/api/v1/levy/params?year=%d", e.Year), Body: map[string]any{"orgunit": unit, "social_average_wage": "100000"}}
		}
	}
	form := func(unit string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: "/employers/new", Form: url.Values{"name": {"页面单位" + u}, "uscc": {usccFor("P", u)}, "orgunit": {unit},
				"accessibility": {"step_free", "elevator"}}}
		}
	}
	year := func(e *apptest.Env) string { return fmt.Sprintf("?year=%d", e.Year) }
	apptest.Matrix(t, "employment", map[string]apptest.Entry{
		"POST /api/v1/levy/calculate": {Public: true, In: apptest.Fixed("/api/v1/levy/calculate",
			map[string]any{"staff": 200, "average_wage": 120000, "social_average_wage": "100000", "disabled_employees": []map[string]int{{"grade": 3}}}), InOK: 200},
		"GET /api/v1/levy/params": {Allowed: managers, In: apptest.Fixed("/api/v1/levy/params?orgunit=310114", nil), InOK: 200,
			Out: apptest.Fixed("/api/v1/levy/params?orgunit=320583", nil), OutOK: 404},
		"PUT /api/v1/levy/params": {Allowed: []string{identity.DistrictStaff}, In: params("310114"), InOK: 200, Out: params("320583"), OutOK: 404},
		"GET /api/v1/employers":   {Allowed: readers, In: apptest.Fixed("/api/v1/employers", nil), InOK: 200},
		"POST /api/v1/employers": {Allowed: managers, InOK: 201, OutOK: 422,
			In: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: "/api/v1/employers", Body: input("310114102")(e, u)}
			},
			Out: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: "/api/v1/employers", Body: input("320583100")(e, u)}
			}},
		"GET /api/v1/employers/{id}": {Allowed: readers, In: emp(in, "", nil), InOK: 200, Out: emp(out, "", nil), OutOK: 404},
		"PUT /api/v1/employers/{id}": {Allowed: managers, In: emp(in, "", update), InOK: 200, Out: emp(out, "", update), OutOK: 404},
		"PUT /api/v1/employers/{id}/figures/{year}": {Allowed: managers, InOK: 200, OutOK: 404,
			In: func(e *apptest.Env, u string) apptest.Request {
				return emp(in, fmt.Sprintf("/figures/%d", e.Year-1), figures)(e, u)
			},
			Out: func(e *apptest.Env, u string) apptest.Request {
				return emp(out, fmt.Sprintf("/figures/%d", e.Year-1), figures)(e, u)
			}},
		"POST /api/v1/employers/{id}/employees":   {Allowed: managers, In: emp(in, "/employees", link), InOK: 201, Out: emp(out, "/employees", link), OutOK: 404},
		"DELETE /api/v1/employers/{id}/employees": {Allowed: managers, In: emp(in, "/employees", unlink), InOK: 204, Out: emp(out, "/employees", unlink), OutOK: 404},
		"GET /api/v1/employers/{id}/levy": {Allowed: readers, InOK: 200, OutOK: 404,
			In:  func(e *apptest.Env, u string) apptest.Request { return emp(in, "/levy"+year(e), nil)(e, u) },
			Out: func(e *apptest.Env, u string) apptest.Request { return emp(out, "/levy"+year(e), nil)(e, u) }},
		// The pages.
		"GET /levy": {Public: true, In: apptest.Fixed("/levy?staff=200&average_wage=120000&social_average_wage=100000&grade3=1", nil), InOK: 200},
		"GET /levy/statement": {Allowed: managers, PageIn: true, InOK: 200,
			In: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: "/levy/statement" + year(e)}
			}},
		"GET /levy/statement.xlsx": {Allowed: managers, PageIn: true, InOK: 200,
			In: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: "/levy/statement.xlsx" + year(e)}
			}},
		"GET /levy/params": {Allowed: []string{identity.DistrictStaff}, PageIn: true, InOK: 200,
			In: func(e *apptest.Env, u string) apptest.Request { return apptest.Request{Path: "/levy/params" + year(e)} }},
		"POST /levy/params": {Allowed: []string{identity.DistrictStaff}, PageIn: true, InOK: 303,
			In: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: "/levy/params", Form: url.Values{"year": {fmt.Sprint(e.Year)}, "quota": {"1.5"}, "double_count_severe": {"on"},
					"exempt_max_staff": {"30"}, "exempt_until_year": {"2027"}, "wage_cap": {"2"}, "threshold": {"1"}, "rate_at_or_above": {"50"}, "rate_below": {"90"}}}
			}},
		"GET /employers":      {Allowed: managers, PageIn: true, In: apptest.Fixed("/employers", nil), InOK: 200},
		"GET /employers/new":  {Allowed: managers, PageIn: true, In: apptest.Fixed("/employers/new", nil), InOK: 200},
		"POST /employers/new": {Allowed: managers, PageIn: true, In: form("310114102"), InOK: 303, Out: form("320583100"), OutOK: 422},
		"GET /employers/{id}": {Allowed: readers, PageIn: true, In: page(in, ""), InOK: 200, Out: page(out, ""), OutOK: 404},
		"POST /employers/{id}/figures": {Allowed: managers, PageIn: true, InOK: 303, OutOK: 404,
			In: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: fmt.Sprintf("/employers/%d/figures", e.EmpIn), Form: url.Values{"year": {"2026"}, "staff": {"120"}, "average_wage": {"90000"}}}
			},
			Out: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: fmt.Sprintf("/employers/%d/figures", e.EmpOut), Form: url.Values{"year": {"2026"}, "staff": {"120"}, "average_wage": {"90000"}}}
			}},
		"POST /employers/{id}/employees": {Allowed: managers, PageIn: true, InOK: 303, OutOK: 404,
			In: func(e *apptest.Env, u string) apptest.Request {
				_ = e.App.Employment.Unlink(context.Background(), matrixCaller, e.EmpIn, e.In, "")
				return apptest.Request{Path: fmt.Sprintf("/employers/%d/employees", e.EmpIn), Form: url.Values{"person_id": {fmt.Sprint(e.In)}, "from_date": {"2020-03-01"}}}
			},
			Out: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: fmt.Sprintf("/employers/%d/employees", e.EmpOut), Form: url.Values{"person_id": {fmt.Sprint(e.In)}, "from_date": {"2020-03-01"}}}
			}},
		"POST /employers/{id}/employees/end": {Allowed: managers, PageIn: true, InOK: 303, OutOK: 404,
			In: func(e *apptest.Env, u string) apptest.Request {
				_, _ = e.App.Employment.Link(context.Background(), matrixCaller, e.EmpIn, e.In, "2020-03-01")
				return apptest.Request{Path: fmt.Sprintf("/employers/%d/employees/end", e.EmpIn), Form: url.Values{"person_id": {fmt.Sprint(e.In)}, "until_date": {"2024-06-30"}, "confirm": {"1"}}}
			},
			Out: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: fmt.Sprintf("/employers/%d/employees/end", e.EmpOut), Form: url.Values{"person_id": {fmt.Sprint(e.In)}, "until_date": {"2024-06-30"}, "confirm": {"1"}}}
			}},
		"GET /employers/{id}/employees/end": {Allowed: managers, PageIn: true, InOK: 200, OutOK: 404,
			In: func(e *apptest.Env, u string) apptest.Request {
				_, _ = e.App.Employment.Link(context.Background(), matrixCaller, e.EmpIn, e.In, "2020-03-01")
				return apptest.Request{Path: fmt.Sprintf("/employers/%d/employees/end?person_id=%d", e.EmpIn, e.In)}
			},
			Out: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: fmt.Sprintf("/employers/%d/employees/end?person_id=%d", e.EmpOut, e.In)}
			}},
		"GET /employers/{id}/edit": {Allowed: managers, PageIn: true, In: page(in, "/edit"), InOK: 200,
			Out: page(out, "/edit"), OutOK: 404},
		"POST /employers/{id}/edit": {Allowed: managers, PageIn: true, InOK: 303, OutOK: 404,
			In: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: fmt.Sprintf("/employers/%d/edit", e.EmpIn), Form: url.Values{"version": {fmt.Sprint(employerVersion(e, e.EmpIn))},
					"name": {"南翔精密制造"}, "uscc": {"91310114MA1GT0001" + string(employment.USCCCheckChar("91310114MA1GT0001"))}, "orgunit": {"310114102"},
					"keep_phone": {"1"}, "address": {"页面 " + u}}}
			},
			Out: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: fmt.Sprintf("/employers/%d/edit", e.EmpOut), Form: url.Values{"version": {"1"}, "name": {"x"}}}
			}},
	})
}
