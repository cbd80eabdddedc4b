package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

// request is one call of a route in the matrix.
type request struct {
	path   string
	body   any
	file   []byte     // sent as the multipart field "file" when set
	fields []string   // other multipart fields, name and value pairs
	form   url.Values // sent url-encoded when set (a page's form)
}

// matrixEntry says how to call a route in and out of the caller's scope, which
// roles may call it, and what they get.
type matrixEntry struct {
	public  bool
	allowed []string                          // roles that may use the route (ignored when public)
	in      func(e *env, user string) request // a call inside the caller's scope
	inOK    int                               // status for allowed roles in scope
	out     func(e *env, user string) request // a call outside the scope (nil: the route has no scope)
	outOK   int                               // status for allowed roles out of scope
	pageIn  bool                              // a page: without sign-in it redirects (303)
}

func p(id int64, rest string) string { return fmt.Sprintf("/api/v1/persons/%d%s", id, rest) }

// outName is the name of the fixture's person outside every test user's scope.
const outName = "测试3"

// pp is the page of a person.
func pp(id int64, rest string) string { return fmt.Sprintf("/persons/%d%s", id, rest) }

func fixed(path string, body any) func(*env, string) request {
	return func(*env, string) request { return request{path: path, body: body} }
}

func annualBody() map[string]any {
	return map[string]any{"employment": "employed", "medical_insured": true, "economic_status": "normal"}
}

var (
	registryStaff = []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant}
	editorsRoles  = []string{identity.DistrictStaff, identity.TownStaff}
	readerRoles   = []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person}
)

// annualCSV is a one-row annual file for the person with this ID number.
func annualCSV(id string) []byte {
	return []byte("身份证号,就业状况,参加医疗保险\n" + id + ",employed,是\n")
}

// importAs makes an import as user (skip-invalid, with one rejected row) and
// returns its id, or "none" when the user may not import.
func importAs(e *env, user string) string {
	data := append(annualCSV(e.inID), []byte("110105194912310021,employed,是\n")...)
	st, raw := e.upload(user, fmt.Sprintf("/api/v1/imports/annual?year=%d&mode=skip-invalid", e.year), "a.csv", data, nil)
	var rep struct{ ID string }
	if st != 200 || json.Unmarshal(raw, &rep) != nil {
		return "none"
	}
	return rep.ID
}

// otherUser is a staff user other than u, whose imports u must not see.
func otherUser(u string) string {
	if u == "district" {
		return "town"
	}
	return "district"
}

// pageEntries are the HTML pages: without sign-in they redirect to /login.
func pageEntries() map[string]matrixEntry {
	yearPath := func(id int64, e *env) string { return pp(id, fmt.Sprintf("/annual/%d", e.year)) }
	personForm := func(unit, prefix string) func(*env, string) request {
		return func(e *env, u string) request {
			return request{path: "/persons/new", form: url.Values{"name": {"页面" + u}, "id_number": {idNumber(prefix + "19920101" + code3(u))},
				"category": {"4"}, "grade": {"3"}, "orgunit": {unit}, "hukou": {"local"}, "economic_status": {"normal"}, "status": {"active"}}}
		}
	}
	editForm := func(id func(*env) int64) func(*env, string) request {
		return func(e *env, u string) request {
			return request{path: pp(id(e), "/edit"), form: url.Values{"version": {fmt.Sprint(e.version(id(e)))}, "name": {"测试1"}, "category": {"4"},
				"grade": {"2"}, "orgunit": {villageIn}, "address": {"页面地址 " + u}, "hukou": {"local"}, "economic_status": {"normal"}, "status": {"active"}}}
		}
	}
	annualForm := url.Values{"employment": {"employed"}, "economic_status": {"normal"}, "medical_insured": {"1"}}
	return map[string]matrixEntry{
		"GET /static/": {public: true, in: fixed("/static/app.css", nil), inOK: 200},
		"GET /login":   {public: true, in: fixed("/login", nil), inOK: 200},
		"POST /login": {public: true, in: func(_ *env, u string) request {
			return request{path: "/login", form: url.Values{"username": {u}, "password": {testPassword}}}
		}, inOK: 303},
		"POST /logout": {allowed: identity.Roles(), pageIn: true, in: func(*env, string) request { return request{path: "/logout", form: url.Values{}} }, inOK: 303},
		"POST /preferences": {public: true, in: func(*env, string) request {
			return request{path: "/preferences", form: url.Values{"lang": {"en"}, "display": {"large"}, "next": {"/"}}}
		}, inOK: 303},
		"POST /session/touch": {allowed: identity.Roles(), in: func(*env, string) request { return request{path: "/session/touch", form: url.Values{}} }, inOK: 200},
		"GET /{$}":            {allowed: identity.Roles(), pageIn: true, in: fixed("/", nil), inOK: 200},
		"GET /orgunits":       {allowed: []string{identity.DistrictStaff}, pageIn: true, in: fixed("/orgunits", nil), inOK: 200},
		"POST /orgunits": {allowed: []string{identity.DistrictStaff}, pageIn: true, inOK: 303, outOK: 422,
			in: func(e *env, u string) request {
				return request{path: "/orgunits", form: url.Values{"code": {"310114102" + fmt.Sprint(400+len(u))}, "name": {"页面村" + u}, "parent": {"310114102"}}}
			},
			out: func(e *env, u string) request {
				return request{path: "/orgunits", form: url.Values{"code": {"320583100" + fmt.Sprint(400+len(u))}, "name": {"页面村" + u}, "parent": {"320583100"}}}
			}},
		"GET /users": {allowed: []string{identity.SysAdmin, identity.SecAdmin}, pageIn: true, in: fixed("/users", nil), inOK: 200},
		"POST /users": {allowed: []string{identity.SysAdmin}, pageIn: true, inOK: 303, in: func(*env, string) request {
			return request{path: "/users", form: url.Values{"username": {"page_user"}, "role": {"village_assistant"}, "orgunit": {villageIn}, "password": {"a long enough password"}}}
		}},
		"POST /audit/checkpoint": {allowed: []string{identity.Auditor}, pageIn: true, inOK: 200,
			in: func(*env, string) request { return request{path: "/audit/checkpoint", form: url.Values{}} }},
		"POST /audit/verify": {allowed: []string{identity.Auditor}, pageIn: true, inOK: 200,
			in: func(e *env, _ string) request { return request{path: "/audit/verify", file: checkpointFile(e)} }},
		"GET /audit":       {allowed: []string{identity.Auditor}, pageIn: true, in: fixed("/audit?user=district", nil), inOK: 200},
		"GET /persons":     {allowed: registryStaff, pageIn: true, inOK: 200, outOK: 200, in: fixed("/persons?orgunit="+villageIn, nil), out: fixed("/persons?orgunit="+villageOut, nil)},
		"GET /persons/new": {allowed: editorsRoles, pageIn: true, in: fixed("/persons/new", nil), inOK: 200},
		"POST /persons/new": {allowed: editorsRoles, pageIn: true, inOK: 303, outOK: 422,
			in: personForm(villageIn, "310114"), out: personForm(villageOut, "320583")},
		"GET /persons/{id}": {allowed: registryStaff, pageIn: true, inOK: 200, outOK: 404,
			in:  func(e *env, u string) request { return request{path: pp(e.in, "")} },
			out: func(e *env, u string) request { return request{path: pp(e.out, "")} }},
		"POST /persons/{id}/reveal": {allowed: registryStaff, pageIn: true, inOK: 200, outOK: 404,
			in: func(e *env, u string) request {
				return request{path: pp(e.in, "/reveal"), form: url.Values{"reason": {"入户走访"}}}
			},
			out: func(e *env, u string) request {
				return request{path: pp(e.out, "/reveal"), form: url.Values{"reason": {"入户走访"}}}
			}},
		"GET /persons/{id}/edit": {allowed: editorsRoles, pageIn: true, inOK: 200, outOK: 404,
			in:  func(e *env, u string) request { return request{path: pp(e.in, "/edit")} },
			out: func(e *env, u string) request { return request{path: pp(e.out, "/edit")} }},
		"POST /persons/{id}/edit": {allowed: editorsRoles, pageIn: true, inOK: 303, outOK: 404,
			in: editForm(func(e *env) int64 { return e.in }), out: func(e *env, u string) request {
				return request{path: pp(e.out, "/edit"), form: url.Values{"version": {"1"}, "name": {"x"}}}
			}},
		"GET /persons/{id}/annual/{year}": {allowed: registryStaff, pageIn: true, inOK: 200, outOK: 404,
			in:  func(e *env, u string) request { return request{path: yearPath(e.in, e)} },
			out: func(e *env, u string) request { return request{path: yearPath(e.out, e)} }},
		"POST /persons/{id}/annual/{year}": {allowed: registryStaff, pageIn: true, inOK: 303, outOK: 404,
			in:  func(e *env, u string) request { return request{path: yearPath(e.in, e), form: annualForm} },
			out: func(e *env, u string) request { return request{path: yearPath(e.out, e), form: annualForm} }},
		"GET /persons/{id}/access-log": {allowed: append(slices.Clone(readerRoles), identity.Auditor), pageIn: true, inOK: 200, outOK: 404,
			in:  func(e *env, u string) request { return request{path: pp(e.in, "/access-log")} },
			out: func(e *env, u string) request { return request{path: pp(e.out, "/access-log")} }},
		"GET /imports": {allowed: registryStaff, pageIn: true, in: fixed("/imports", nil), inOK: 200},
		"POST /imports": {allowed: registryStaff, pageIn: true, inOK: 303, in: func(e *env, u string) request {
			return request{path: "/imports", file: annualCSV(e.inID), fields: []string{"kind", "annual", "year", fmt.Sprint(e.year), "mode", "strict"}}
		}},
		"GET /imports/{id}": {allowed: registryStaff, pageIn: true, inOK: 200, outOK: 404,
			in:  func(e *env, u string) request { return request{path: "/imports/" + importAs(e, u)} },
			out: func(e *env, u string) request { return request{path: "/imports/" + importAs(e, otherUser(u))} }},
		"GET /me": {allowed: []string{identity.Person}, pageIn: true, in: fixed("/me", nil), inOK: 200},
	}
}

func matrix() map[string]matrixEntry {
	m := apiEntries()
	for _, more := range []map[string]matrixEntry{pageEntries(), indicatorEntries(), caseEntries(), casePageEntries(), jobEntries(), jobPageEntries(), rehabEntries(), townEntries(), employmentEntries()} {
		for k, v := range more {
			m[k] = v
		}
	}
	return m
}

var viewerRoles = []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Leader}

// unitQuery calls path for a unit in scope (villageIn) and one outside (villageOut).
func unitQuery(path string) (in, out func(*env, string) request) {
	at := func(unit string) func(*env, string) request {
		return func(e *env, _ string) request {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			return request{path: fmt.Sprintf("%s%sorgunit=%s&year=%d", path, sep, unit, e.year)}
		}
	}
	return at(villageIn), at(villageOut)
}

// indicatorEntries are the indicator API and pages.
func indicatorEntries() map[string]matrixEntry {
	m := map[string]matrixEntry{}
	add := func(pattern, path string, allowed []string, page bool) {
		in, out := unitQuery(path)
		m[pattern] = matrixEntry{allowed: allowed, in: in, inOK: 200, out: out, outOK: 404, pageIn: page}
	}
	add("GET /api/v1/indicators", "/api/v1/indicators", viewerRoles, false)
	add("GET /api/v1/indicators/trend", "/api/v1/indicators/trend", viewerRoles, false)
	add("GET /api/v1/indicators/compare", "/api/v1/indicators/compare", viewerRoles, false)
	add("GET /api/v1/indicators/export", "/api/v1/indicators/export?table=breakdown&code=rehab_rate", viewerRoles, false)
	add("GET /api/v1/indicators/targets", "/api/v1/indicators/targets", viewerRoles, false)
	add("GET /api/v1/indicators/{code}/breakdown", "/api/v1/indicators/employment_rate/breakdown", viewerRoles, false)
	add("GET /api/v1/indicators/{code}/gap", "/api/v1/indicators/employment_rate/gap", registryStaff, false)
	m["GET /api/v1/indicators/definitions"] = matrixEntry{allowed: viewerRoles, in: fixed("/api/v1/indicators/definitions", nil), inOK: 200}
	target := func(unit string) func(*env, string) request {
		return func(e *env, _ string) request {
			return request{path: "/api/v1/indicators/targets", body: map[string]any{"orgunit": unit, "year": e.year, "code": "rehab_rate", "target": 0.9}}
		}
	}
	m["PUT /api/v1/indicators/targets"] = matrixEntry{allowed: []string{identity.DistrictStaff}, in: target(villageIn), inOK: 200, out: target(villageOut), outOK: 404}
	// The pages.
	add("GET /indicators", "/indicators", viewerRoles, true)
	add("GET /indicators/compare", "/indicators/compare", viewerRoles, true)
	add("GET /indicators/export", "/indicators/export?table=indicators", viewerRoles, true)
	add("GET /indicators/targets", "/indicators/targets", []string{identity.DistrictStaff}, true)
	add("GET /indicators/{code}", "/indicators/employment_rate", viewerRoles, true)
	add("GET /indicators/{code}/gap", "/indicators/medical_insurance_rate/gap", registryStaff, true)
	targetForm := func(unit string) func(*env, string) request {
		return func(e *env, _ string) request {
			return request{path: "/indicators/targets", form: url.Values{"orgunit": {unit}, "year": {fmt.Sprint(e.year)}, "rehab_rate": {"90"}}}
		}
	}
	m["POST /indicators/targets"] = matrixEntry{allowed: []string{identity.DistrictStaff}, pageIn: true, in: targetForm(villageIn), inOK: 303, out: targetForm(villageOut), outOK: 404}
	return m
}

func apiEntries() map[string]matrixEntry {
	return map[string]matrixEntry{
		"POST /api/v1/imports/persons": {allowed: editorsRoles, inOK: 200, outOK: 422,
			in: func(e *env, u string) request {
				return request{path: "/api/v1/imports/persons", file: []byte("姓名,身份证号,残疾类别,残疾等级,所属村居\n导入" + u + "," +
					idNumber("31011419910101"+code3(u)) + ",4,3," + villageIn + "\n")}
			},
			out: func(e *env, u string) request {
				return request{path: "/api/v1/imports/persons", file: []byte("姓名,身份证号,残疾类别,残疾等级,所属村居\n导入" + u + "," +
					idNumber("32058319910101"+code3(u)) + ",4,3," + villageOut + "\n")}
			}},
		"POST /api/v1/imports/annual": {allowed: registryStaff, inOK: 200, outOK: 422,
			in: func(e *env, u string) request {
				return request{path: fmt.Sprintf("/api/v1/imports/annual?year=%d", e.year), file: annualCSV(e.inID)}
			},
			out: func(e *env, u string) request {
				return request{path: fmt.Sprintf("/api/v1/imports/annual?year=%d", e.year), file: annualCSV(e.outID)}
			}},
		"GET /api/v1/imports/{id}": {allowed: registryStaff, inOK: 200, outOK: 404,
			in:  func(e *env, u string) request { return request{path: "/api/v1/imports/" + importAs(e, u)} },
			out: func(e *env, u string) request { return request{path: "/api/v1/imports/" + importAs(e, otherUser(u))} }},
		"GET /api/v1/imports/{id}/rejects": {allowed: registryStaff, inOK: 200, outOK: 404,
			in: func(e *env, u string) request { return request{path: "/api/v1/imports/" + importAs(e, u) + "/rejects"} },
			out: func(e *env, u string) request {
				return request{path: "/api/v1/imports/" + importAs(e, otherUser(u)) + "/rejects"}
			}},
		"GET /api/v1/imports/persons/template": {allowed: registryStaff, in: fixed("/api/v1/imports/persons/template", nil), inOK: 200},
		"GET /api/v1/imports/annual/template":  {allowed: registryStaff, in: fixed("/api/v1/imports/annual/template?format=csv", nil), inOK: 200},
		"GET /api/v1/exports/persons": {allowed: registryStaff, inOK: 200, outOK: 200,
			in: fixed("/api/v1/exports/persons?orgunit="+villageIn, nil), out: fixed("/api/v1/exports/persons?orgunit="+villageOut, nil)},
		"GET /api/v1/exports/annual": {allowed: registryStaff, inOK: 200, outOK: 200,
			in: func(e *env, u string) request {
				return request{path: fmt.Sprintf("/api/v1/exports/annual?year=%d", e.year)}
			},
			out: func(e *env, u string) request {
				return request{path: fmt.Sprintf("/api/v1/exports/annual?year=%d&orgunit=%s", e.year, villageOut)}
			}},
		"GET /healthz":             {public: true, in: fixed("/healthz", nil), inOK: 200},
		"GET /readyz":              {public: true, in: fixed("/readyz", nil), inOK: 200},
		"GET /api/v1/openapi.json": {public: true, in: fixed("/api/v1/openapi.json", nil), inOK: 200},
		"POST /api/v1/session": {public: true, in: func(_ *env, u string) request {
			return request{path: "/api/v1/session", body: map[string]string{"username": u, "password": testPassword}}
		}, inOK: 200},
		"GET /api/v1/session":    {allowed: identity.Roles(), in: fixed("/api/v1/session", nil), inOK: 200},
		"DELETE /api/v1/session": {allowed: identity.Roles(), in: fixed("/api/v1/session", nil), inOK: 204},
		"GET /api/v1/orgunits":   {allowed: identity.Roles(), in: fixed("/api/v1/orgunits?parent=310114", nil), inOK: 200},
		"POST /api/v1/orgunits": {allowed: []string{identity.DistrictStaff, identity.SysAdmin}, inOK: 201, outOK: 422,
			in: func(e *env, u string) request {
				return request{path: "/api/v1/orgunits", body: map[string]string{"code": "310114102" + code3(u), "name": "新村" + u, "parent": "310114102"}}
			},
			out: func(e *env, u string) request {
				return request{path: "/api/v1/orgunits", body: map[string]string{"code": "320583100" + code3(u), "name": "新村" + u, "parent": "320583100"}}
			}},
		"GET /api/v1/users":        {allowed: []string{identity.SysAdmin, identity.SecAdmin}, in: fixed("/api/v1/users", nil), inOK: 200},
		"POST /api/v1/users":       {allowed: []string{identity.SysAdmin}, in: fixed("/api/v1/users", map[string]string{"username": "new_user", "role": "town_staff", "orgunit": "310114102", "password": "a long enough password"}), inOK: 201},
		"GET /api/v1/audit":        {allowed: []string{identity.Auditor}, in: fixed("/api/v1/audit?user=district", nil), inOK: 200},
		"GET /api/v1/audit/verify": {allowed: []string{identity.Auditor}, in: fixed("/api/v1/audit/verify", nil), inOK: 200},
		"POST /api/v1/audit/verify": {allowed: []string{identity.Auditor}, inOK: 200,
			in: func(e *env, _ string) request {
				return request{path: "/api/v1/audit/verify", body: json.RawMessage(checkpointFile(e))}
			}},
		"GET /api/v1/audit/checkpoint": {allowed: []string{identity.Auditor}, inOK: 200, in: func(e *env, _ string) request {
			checkpointFile(e) // there is one to export
			return request{path: "/api/v1/audit/checkpoint"}
		}},
		"POST /api/v1/audit/checkpoint": {allowed: []string{identity.Auditor}, in: fixed("/api/v1/audit/checkpoint", nil), inOK: 201},
		"POST /api/v1/persons": {allowed: editorsRoles, inOK: 201, outOK: 422,
			in: func(e *env, u string) request {
				return request{path: "/api/v1/persons", body: map[string]any{"name": "新人" + u, "id_number": idNumber("31011419900101" + code3(u)), "category": 1, "grade": 3, "orgunit": villageIn}}
			},
			out: func(e *env, u string) request {
				return request{path: "/api/v1/persons", body: map[string]any{"name": "外人" + u, "id_number": idNumber("32058319900101" + code3(u)), "category": 1, "grade": 3, "orgunit": villageOut}}
			}},
		"GET /api/v1/persons": {allowed: registryStaff, inOK: 200, outOK: 200,
			in: fixed("/api/v1/persons?orgunit="+villageIn, nil), out: fixed("/api/v1/persons?orgunit="+villageOut, nil)},
		"GET /api/v1/persons/{id}": {allowed: readerRoles, inOK: 200, outOK: 404,
			in:  func(e *env, u string) request { return request{path: p(e.in, ""), body: nil} },
			out: func(e *env, u string) request { return request{path: p(e.out, ""), body: nil} }},
		"PATCH /api/v1/persons/{id}": {allowed: editorsRoles, inOK: 200, outOK: 404,
			in: func(e *env, u string) request {
				return request{path: p(e.in, ""), body: map[string]any{"version": e.version(e.in), "address": "新地址 " + u}}
			},
			out: func(e *env, u string) request {
				return request{path: p(e.out, ""), body: map[string]any{"version": 1, "address": "x"}}
			}},
		"POST /api/v1/persons/{id}/reveal": {allowed: registryStaff, inOK: 200, outOK: 404,
			in: func(e *env, u string) request {
				return request{path: p(e.in, "/reveal"), body: map[string]string{"reason": "入户走访核对联系方式"}}
			},
			out: func(e *env, u string) request {
				return request{path: p(e.out, "/reveal"), body: map[string]string{"reason": "入户走访核对联系方式"}}
			}},
		"GET /api/v1/persons/{id}/access-log": {allowed: append(slices.Clone(readerRoles), identity.Auditor), inOK: 200, outOK: 404,
			in:  func(e *env, u string) request { return request{path: p(e.in, "/access-log"), body: nil} },
			out: func(e *env, u string) request { return request{path: p(e.out, "/access-log"), body: nil} }},
		"PUT /api/v1/persons/{id}/annual/{year}": {allowed: registryStaff, inOK: 200, outOK: 404,
			in: func(e *env, u string) request {
				return request{path: p(e.in, fmt.Sprintf("/annual/%d", e.year)), body: annualBody()}
			},
			out: func(e *env, u string) request {
				return request{path: p(e.out, fmt.Sprintf("/annual/%d", e.year)), body: annualBody()}
			}},
		"GET /api/v1/persons/{id}/annual/{year}": {allowed: readerRoles, inOK: 200, outOK: 404,
			in: func(e *env, u string) request {
				return request{path: p(e.in, fmt.Sprintf("/annual/%d", e.year)), body: nil}
			},
			out: func(e *env, u string) request {
				return request{path: p(e.out, fmt.Sprintf("/annual/%d", e.year)), body: nil}
			}},
	}
}

// code3 gives each user a distinct 3-digit suffix for the things they create.
func code3(user string) string {
	for i, r := range identity.Roles() {
		if r == roleOfUser(user) {
			return fmt.Sprintf("%03d", 300+i)
		}
	}
	return "399"
}

var userOfRole = map[string]string{
	identity.DistrictStaff: "district", identity.TownStaff: "town", identity.VillageAssistant: "village",
	identity.Provider: "provider", identity.Volunteer: "volunteer", identity.Person: "person", identity.Leader: "leader",
	identity.SysAdmin: "sysadmin", identity.SecAdmin: "secadmin", identity.Auditor: "auditor", identity.Employer: "employer",
}

func roleOfUser(u string) string {
	for r, name := range userOfRole {
		if name == u {
			return r
		}
	}
	return ""
}

// TestPermissionMatrix walks every registered route against every role (and no
// sign-in), in and out of scope, and fails when a route has no matrix entry.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		m := matrix()
		routes := e.app.Router().Routes()
		var missing []string
		for _, rt := range routes {
			if _, ok := m[rt.Pattern]; !ok {
				missing = append(missing, rt.Pattern)
			}
		}
		if len(missing) > 0 {
			t.Fatalf("routes without an entry in the permission matrix: %s", strings.Join(missing, ", "))
		}
		if len(m) != len(routes) {
			t.Fatalf("the matrix has %d entries for %d routes: remove the entries of routes that are gone", len(m), len(routes))
		}
		// Routes that end the caller's session run last.
		ends := func(p string) bool { return p == "DELETE /api/v1/session" || p == "POST /logout" }
		slices.SortStableFunc(routes, func(a, b web.Route) int { return boolInt(ends(a.Pattern)) - boolInt(ends(b.Pattern)) })
		for _, rt := range routes {
			entry := m[rt.Pattern]
			method, _, _ := strings.Cut(rt.Pattern, " ")
			users := append([]string{""}, identity.Roles()...)
			for _, role := range users {
				user := userOfRole[role]
				allowed := entry.public || slices.Contains(entry.allowed, role)
				for _, scope := range []string{"in", "out"} {
					build := entry.in
					want := entry.inOK
					if scope == "out" {
						if entry.out == nil {
							continue
						}
						build, want = entry.out, entry.outOK
					}
					switch {
					case role == "" && !entry.public && entry.pageIn:
						want = http.StatusSeeOther
					case role == "" && !entry.public:
						want = http.StatusUnauthorized
					case !allowed:
						want = http.StatusForbidden
					}
					if entry.public && role == "" && (rt.Pattern == "POST /api/v1/session" || rt.Pattern == "POST /login") {
						user = "district"
					}
					if rt.Pattern == "GET /login" && role != "" {
						want = http.StatusSeeOther // signed in already: on to the home page
					}
					r := build(e, user)
					var got int
					var raw []byte
					if r.file != nil {
						got, raw = e.upload(user, r.path, "file.csv", r.file, nil, r.fields...)
					} else if r.form != nil {
						got, raw = e.form(user, r.path, r.form)
					} else {
						got, raw = e.doRaw(user, method, r.path, r.body, nil, nil)
					}
					if got != want {
						t.Errorf("%s as %q (%s scope): status %d, want %d: %s", rt.Pattern, role, scope, got, want, raw)
					}
					if scope == "out" && got == 200 && (strings.HasPrefix(rt.Pattern, "GET /api/v1/persons") || strings.HasPrefix(rt.Pattern, "GET /api/v1/exports") ||
						strings.HasPrefix(rt.Pattern, "GET /persons")) &&
						strings.Contains(string(raw), outName) {
						t.Errorf("%s as %q leaked an out-of-scope person: %s", rt.Pattern, role, raw)
					}
				}
			}
			if ends(rt.Pattern) {
				// Every session was ended: the tokens no longer work. Sign in again.
				if st := e.do("district", "GET", "/api/v1/session", nil, nil); st != http.StatusUnauthorized {
					t.Errorf("after %s the token still answers %d", rt.Pattern, st)
				}
				for _, role := range identity.Roles() {
					e.tokens[userOfRole[role]] = e.login(userOfRole[role])
				}
			}
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// caseFor opens an assistive device case for a person, as the system.
func caseFor(e *env, personID int64) int64 {
	e.t.Helper()
	sys := registry.Caller{Actor: audit.Actor{Username: "matrix", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()}
	c, err := e.app.Cases.Create(context.Background(), sys, personID, "assistive_device", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

// checkpointFile takes a checkpoint of the audit log, as the system, and
// returns it as the auditor keeps it.
func checkpointFile(e *env) []byte {
	e.t.Helper()
	c, err := e.app.Audit.Checkpoint(context.Background(), audit.Actor{Username: "matrix", Role: identity.Auditor}.Entry(audit.ActionCreate, "audit_checkpoint", "", ""))
	if err != nil {
		e.t.Fatal(err)
	}
	raw, err := json.Marshal(c)
	if err != nil {
		e.t.Fatal(err)
	}
	return raw
}

// pointOf is the id of the service point of a unit.
func pointOf(e *env, unit string) int64 {
	e.t.Helper()
	var id int64
	if err := e.app.DB.QueryRow(context.Background(), `SELECT id FROM service_points WHERE orgunit = ?`, unit).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// caseEntries are the cases and devices API.
func caseEntries() map[string]matrixEntry {
	creators := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person}
	caseRoles := append(slices.Clone(creators), identity.Provider)
	open := func(personOf func(*env) int64) func(*env, string) request {
		return func(e *env, _ string) request {
			return request{path: "/api/v1/cases", body: map[string]any{"person_id": personOf(e), "service_type": "assistive_device", "data": map[string]any{"need": "轮椅"}}}
		}
	}
	onCase := func(personOf func(*env) int64, rest string, body any) func(*env, string) request {
		return func(e *env, _ string) request {
			return request{path: fmt.Sprintf("/api/v1/cases/%d%s", caseFor(e, personOf(e)), rest), body: body}
		}
	}
	in, out := func(e *env) int64 { return e.in }, func(e *env) int64 { return e.out }
	stock := func(unit string) func(*env, string) request {
		return func(e *env, _ string) request {
			return request{path: fmt.Sprintf("/api/v1/devices/stock?service_point=%d", pointOf(e, unit))}
		}
	}
	move := func(unit string) func(*env, string) request {
		return func(e *env, _ string) request {
			return request{path: "/api/v1/devices/stock", body: map[string]any{"service_point": pointOf(e, unit), "code": "12 03 03", "quantity": 5}}
		}
	}
	stockRoles := []string{identity.DistrictStaff, identity.TownStaff, identity.Provider}
	return map[string]matrixEntry{
		"GET /api/v1/service-types": {allowed: append(slices.Clone(caseRoles), identity.Leader), in: fixed("/api/v1/service-types", nil), inOK: 200},
		"POST /api/v1/cases":        {allowed: creators, in: open(in), inOK: 201, out: open(out), outOK: 404},
		"GET /api/v1/cases": {allowed: caseRoles, in: fixed("/api/v1/cases?orgunit="+villageIn, nil), inOK: 200,
			out: fixed("/api/v1/cases?orgunit="+villageOut, nil), outOK: 200},
		"GET /api/v1/cases/{id}": {allowed: caseRoles, in: onCase(in, "", nil), inOK: 200, out: onCase(out, "", nil), outOK: 404},
		// An unknown action: 422 in scope, 404 outside; each action's roles are tested with the workflows.
		"POST /api/v1/cases/{id}/transitions": {allowed: caseRoles, in: onCase(in, "/transitions", map[string]any{"action": "nonsense"}), inOK: 422,
			out: onCase(out, "/transitions", map[string]any{"action": "nonsense"}), outOK: 404},
		"GET /api/v1/devices/catalogue":      {allowed: caseRoles, in: fixed("/api/v1/devices/catalogue", nil), inOK: 200},
		"GET /api/v1/devices/service-points": {allowed: stockRoles, in: fixed("/api/v1/devices/service-points", nil), inOK: 200},
		"GET /api/v1/devices/stock":          {allowed: stockRoles, in: stock("310114"), inOK: 200, out: stock("320583"), outOK: 404},
		"POST /api/v1/devices/stock":         {allowed: []string{identity.DistrictStaff, identity.TownStaff}, in: move("310114102"), inOK: 200, out: move("320583"), outOK: 404},
		"GET /api/v1/renovation/budget": {allowed: []string{identity.DistrictStaff}, in: fixed("/api/v1/renovation/budget?orgunit=310114", nil), inOK: 200,
			out: fixed("/api/v1/renovation/budget?orgunit=320583", nil), outOK: 404},
		"PUT /api/v1/renovation/budget": {allowed: []string{identity.DistrictStaff}, in: fixed("/api/v1/renovation/budget", map[string]any{"orgunit": "310114", "year": 2026, "budget_cents": 100000}),
			inOK: 200, out: fixed("/api/v1/renovation/budget", map[string]any{"orgunit": "320583", "year": 2026, "budget_cents": 100000}), outOK: 404},
		"GET /api/v1/devices/loans": {allowed: caseRoles, in: func(e *env, _ string) request {
			return request{path: fmt.Sprintf("/api/v1/devices/loans?person_id=%d", e.in)}
		},
			inOK: 200, out: func(e *env, _ string) request {
				return request{path: fmt.Sprintf("/api/v1/devices/loans?person_id=%d", e.out)}
			}, outOK: 200},
	}
}
