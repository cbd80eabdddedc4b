package app_test

import (
	"context"
	"fmt"
	"net/url"

	"sunshine/internal/employment"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/registry"
)

// sysEmployment is the fixture's own caller for the employment store.
var sysEmployment = employment.Caller{Scope: orgunit.AllUnits(), Registry: registry.Caller{Scope: orgunit.AllUnits()}}

// usccFor is a valid credit code distinct per user.
func usccFor(kind, u string) string {
	first := "91310114MA1G" + kind + code3(u) + "X"
	return first + string(employment.USCCCheckChar(first))
}

// employerVersion is the current version of an employer.
func employerVersion(e *env, id int64) int {
	em, err := e.app.Employment.Get(context.Background(), sysEmployment, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return em.Version
}

// employmentEntries are the employer and levy API and pages.
func employmentEntries() map[string]matrixEntry {
	managers := []string{identity.DistrictStaff, identity.TownStaff}
	readers := []string{identity.DistrictStaff, identity.TownStaff, identity.Employer}
	emp := func(id func(*env) int64, rest string, body func(*env, string) any) func(*env, string) request {
		return func(e *env, u string) request {
			r := request{path: fmt.Sprintf("/api/v1/employers/%d%s", id(e), rest)}
			if body != nil {
				r.body = body(e, u)
			}
			return r
		}
	}
	page := func(id func(*env) int64, rest string) func(*env, string) request {
		return func(e *env, u string) request { return request{path: fmt.Sprintf("/employers/%d%s", id(e), rest)} }
	}
	in, out := func(e *env) int64 { return e.empIn }, func(e *env) int64 { return e.empOut }
	input := func(unit string) func(*env, string) any {
		return func(e *env, u string) any {
			return map[string]any{"name": "单位" + u, "uscc": usccFor("A", u), "orgunit": unit, "contact_phone": "13812345678"}
		}
	}
	update := func(e *env, u string) any {
		return map[string]any{"name": "南翔精密制造", "uscc": "91310114MA1GT0001" + string(employment.USCCCheckChar("91310114MA1GT0001")),
			"orgunit": "310114102", "address": "地址 " + u, "version": employerVersion(e, e.empIn)}
	}
	figures := func(*env, string) any { return map[string]any{"staff": 210, "average_wage": "118000.50"} }
	link := func(e *env, u string) any {
		_ = e.app.Employment.Unlink(context.Background(), sysEmployment, e.empIn, e.in, "")
		return map[string]any{"person_id": e.in, "from_date": "2020-03-01"}
	}
	unlink := func(e *env, u string) any {
		_, _ = e.app.Employment.Link(context.Background(), sysEmployment, e.empIn, e.in, "2020-03-01")
		return map[string]any{"person_id": e.in}
	}
	params := func(unit string) func(*env, string) request {
		return func(e *env, u string) request {
			return request{path: fmt.Sprintf("/api/v1/levy/params?year=%d", e.year), body: map[string]any{"orgunit": unit, "social_average_wage": "100000"}}
		}
	}
	form := func(unit string) func(*env, string) request {
		return func(e *env, u string) request {
			return request{path: "/employers/new", form: url.Values{"name": {"页面单位" + u}, "uscc": {usccFor("P", u)}, "orgunit": {unit},
				"accessibility": {"step_free", "elevator"}}}
		}
	}
	year := func(e *env) string { return fmt.Sprintf("?year=%d", e.year) }
	return map[string]matrixEntry{
		"POST /api/v1/levy/calculate": {public: true, in: fixed("/api/v1/levy/calculate",
			map[string]any{"staff": 200, "average_wage": 120000, "social_average_wage": "100000", "disabled_employees": []map[string]int{{"grade": 3}}}), inOK: 200},
		"GET /api/v1/levy/params": {allowed: managers, in: fixed("/api/v1/levy/params?orgunit=310114", nil), inOK: 200,
			out: fixed("/api/v1/levy/params?orgunit=320583", nil), outOK: 404},
		"PUT /api/v1/levy/params": {allowed: []string{identity.DistrictStaff}, in: params("310114"), inOK: 200, out: params("320583"), outOK: 404},
		"GET /api/v1/employers":   {allowed: readers, in: fixed("/api/v1/employers", nil), inOK: 200},
		"POST /api/v1/employers": {allowed: managers, inOK: 201, outOK: 422,
			in: func(e *env, u string) request {
				return request{path: "/api/v1/employers", body: input("310114102")(e, u)}
			},
			out: func(e *env, u string) request {
				return request{path: "/api/v1/employers", body: input("320583100")(e, u)}
			}},
		"GET /api/v1/employers/{id}": {allowed: readers, in: emp(in, "", nil), inOK: 200, out: emp(out, "", nil), outOK: 404},
		"PUT /api/v1/employers/{id}": {allowed: managers, in: emp(in, "", update), inOK: 200, out: emp(out, "", update), outOK: 404},
		"PUT /api/v1/employers/{id}/figures/{year}": {allowed: managers, inOK: 200, outOK: 404,
			in:  func(e *env, u string) request { return emp(in, fmt.Sprintf("/figures/%d", e.year-1), figures)(e, u) },
			out: func(e *env, u string) request { return emp(out, fmt.Sprintf("/figures/%d", e.year-1), figures)(e, u) }},
		"POST /api/v1/employers/{id}/employees":   {allowed: managers, in: emp(in, "/employees", link), inOK: 201, out: emp(out, "/employees", link), outOK: 404},
		"DELETE /api/v1/employers/{id}/employees": {allowed: managers, in: emp(in, "/employees", unlink), inOK: 204, out: emp(out, "/employees", unlink), outOK: 404},
		"GET /api/v1/employers/{id}/levy": {allowed: readers, inOK: 200, outOK: 404,
			in:  func(e *env, u string) request { return emp(in, "/levy"+year(e), nil)(e, u) },
			out: func(e *env, u string) request { return emp(out, "/levy"+year(e), nil)(e, u) }},
		// The pages.
		"GET /levy": {public: true, in: fixed("/levy?staff=200&average_wage=120000&social_average_wage=100000&grade3=1", nil), inOK: 200},
		"GET /levy/statement": {allowed: managers, pageIn: true, inOK: 200,
			in: func(e *env, u string) request { return request{path: "/levy/statement" + year(e)} }},
		"GET /levy/statement.xlsx": {allowed: managers, pageIn: true, inOK: 200,
			in: func(e *env, u string) request { return request{path: "/levy/statement.xlsx" + year(e)} }},
		"GET /levy/params": {allowed: []string{identity.DistrictStaff}, pageIn: true, inOK: 200,
			in: func(e *env, u string) request { return request{path: "/levy/params" + year(e)} }},
		"POST /levy/params": {allowed: []string{identity.DistrictStaff}, pageIn: true, inOK: 303,
			in: func(e *env, u string) request {
				return request{path: "/levy/params", form: url.Values{"year": {fmt.Sprint(e.year)}, "quota": {"1.5"}, "double_count_severe": {"on"},
					"exempt_max_staff": {"30"}, "exempt_until_year": {"2027"}, "wage_cap": {"2"}, "threshold": {"1"}, "rate_at_or_above": {"50"}, "rate_below": {"90"}}}
			}},
		"GET /employers":      {allowed: managers, pageIn: true, in: fixed("/employers", nil), inOK: 200},
		"GET /employers/new":  {allowed: managers, pageIn: true, in: fixed("/employers/new", nil), inOK: 200},
		"POST /employers/new": {allowed: managers, pageIn: true, in: form("310114102"), inOK: 303, out: form("320583100"), outOK: 422},
		"GET /employers/{id}": {allowed: readers, pageIn: true, in: page(in, ""), inOK: 200, out: page(out, ""), outOK: 404},
		"POST /employers/{id}/figures": {allowed: managers, pageIn: true, inOK: 303, outOK: 404,
			in: func(e *env, u string) request {
				return request{path: fmt.Sprintf("/employers/%d/figures", e.empIn), form: url.Values{"year": {"2026"}, "staff": {"120"}, "average_wage": {"90000"}}}
			},
			out: func(e *env, u string) request {
				return request{path: fmt.Sprintf("/employers/%d/figures", e.empOut), form: url.Values{"year": {"2026"}, "staff": {"120"}, "average_wage": {"90000"}}}
			}},
		"POST /employers/{id}/employees": {allowed: managers, pageIn: true, inOK: 303, outOK: 404,
			in: func(e *env, u string) request {
				_ = e.app.Employment.Unlink(context.Background(), sysEmployment, e.empIn, e.in, "")
				return request{path: fmt.Sprintf("/employers/%d/employees", e.empIn), form: url.Values{"person_id": {fmt.Sprint(e.in)}, "from_date": {"2020-03-01"}}}
			},
			out: func(e *env, u string) request {
				return request{path: fmt.Sprintf("/employers/%d/employees", e.empOut), form: url.Values{"person_id": {fmt.Sprint(e.in)}, "from_date": {"2020-03-01"}}}
			}},
		"POST /employers/{id}/employees/end": {allowed: managers, pageIn: true, inOK: 303, outOK: 404,
			in: func(e *env, u string) request {
				_, _ = e.app.Employment.Link(context.Background(), sysEmployment, e.empIn, e.in, "2020-03-01")
				return request{path: fmt.Sprintf("/employers/%d/employees/end", e.empIn), form: url.Values{"person_id": {fmt.Sprint(e.in)}}}
			},
			out: func(e *env, u string) request {
				return request{path: fmt.Sprintf("/employers/%d/employees/end", e.empOut), form: url.Values{"person_id": {fmt.Sprint(e.in)}}}
			}},
		"GET /employers/{id}/edit": {allowed: managers, pageIn: true, in: page(in, "/edit"), inOK: 200,
			out: page(out, "/edit"), outOK: 404},
		"POST /employers/{id}/edit": {allowed: managers, pageIn: true, inOK: 303, outOK: 404,
			in: func(e *env, u string) request {
				return request{path: fmt.Sprintf("/employers/%d/edit", e.empIn), form: url.Values{"version": {fmt.Sprint(employerVersion(e, e.empIn))},
					"name": {"南翔精密制造"}, "uscc": {"91310114MA1GT0001" + string(employment.USCCCheckChar("91310114MA1GT0001"))}, "orgunit": {"310114102"},
					"keep_phone": {"1"}, "address": {"页面 " + u}}}
			},
			out: func(e *env, u string) request {
				return request{path: fmt.Sprintf("/employers/%d/edit", e.empOut), form: url.Values{"version": {"1"}, "name": {"x"}}}
			}},
	}
}
