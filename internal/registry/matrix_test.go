package registry_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
)

// annualCSV is a one-row annual file for the person with this ID number.
func annualCSV(id string) []byte {
	return []byte("身份证号,就业状况,参加医疗保险\n" + id + ",employed,是\n")
}

// importAs makes an import as user (skip-invalid, with one rejected row) and
// returns its id, or "none" when the user may not import.
func importAs(e *apptest.Env, user string) string {
	data := append(annualCSV(e.InID), []byte("110105194912310021,employed,是\n")...)
	st, raw := e.Upload(user, fmt.Sprintf("/api/v1/imports/annual?year=%d&mode=skip-invalid", e.Year), "a.csv", data, nil)
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

// TestPermissionMatrix walks the registry's API and pages (persons, annual
// records, imports, exports) against every role and no sign-in, in and out of
// scope (apptest.Matrix).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	staff := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant}
	editors := []string{identity.DistrictStaff, identity.TownStaff}
	readers := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person}
	logReaders := readers // no administrator, not even the auditor, reads a person's page
	in, out := apptest.InPerson, apptest.OutPerson
	// A call of a person's annual record of this year (API or page), with a JSON body or a form when set.
	annual := func(path func(int64, string) string, personOf func(*apptest.Env) int64, body any, form url.Values) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: path(personOf(e), fmt.Sprintf("/annual/%d", e.Year)), Body: body, Form: form}
		}
	}
	annualBody := map[string]any{"employment": "employed", "medical_insured": true, "economic_status": "normal"}
	annualForm := url.Values{"employment": {"employed"}, "economic_status": {"normal"}, "medical_insured": {"1"}}
	// A new person in unit (in or out of scope), whose ID number starts with prefix.
	newPerson := func(name, unit, prefix string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: "/api/v1/persons", Body: map[string]any{"name": name + u, "id_number": apptest.IDNumber(prefix + "19900101" + apptest.UserCode(u)),
				"category": 1, "grade": 3, "orgunit": unit}}
		}
	}
	personForm := func(unit, prefix string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: "/persons/new", Form: url.Values{"name": {"页面" + u}, "id_number": {apptest.IDNumber(prefix + "19920101" + apptest.UserCode(u))},
				"category": {"4"}, "grade": {"3"}, "orgunit": {unit}, "hukou": {"local"}, "economic_status": {"normal"}, "status": {"active"}}}
		}
	}
	personsFile := func(unit, prefix string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: "/api/v1/imports/persons", File: []byte("姓名,身份证号,残疾类别,残疾等级,所属村居\n导入" + u + "," +
				apptest.IDNumber(prefix+"19910101"+apptest.UserCode(u)) + ",4,3," + unit + "\n")}
		}
	}
	annualFile := func(id func(*apptest.Env) string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/api/v1/imports/annual?year=%d", e.Year), File: annualCSV(id(e))}
		}
	}
	// An import made by the caller (in scope) or by another user (out of scope), at path + id + rest.
	anImport := func(path, rest string, other bool) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, u string) apptest.Request {
			if other {
				u = otherUser(u)
			}
			return apptest.Request{Path: path + importAs(e, u) + rest}
		}
	}
	reason := url.Values{"reason": {"入户走访"}}
	apptest.Matrix(t, "registry", map[string]apptest.Entry{
		"POST /api/v1/persons": {Allowed: editors, InOK: 201, OutOK: 422,
			In: newPerson("新人", apptest.Village, "310114"), Out: newPerson("外人", apptest.VillageOut, "320583")},
		"GET /api/v1/persons": {Allowed: staff, InOK: 200, OutOK: 200,
			In: apptest.Fixed("/api/v1/persons?orgunit="+apptest.Village, nil), Out: apptest.Fixed("/api/v1/persons?orgunit="+apptest.VillageOut, nil)},
		"GET /api/v1/persons/{id}": {Allowed: readers, InOK: 200, OutOK: 404,
			In: apptest.OnPersonAPI(in, "", nil), Out: apptest.OnPersonAPI(out, "", nil)},
		"PATCH /api/v1/persons/{id}": {Allowed: editors, InOK: 200, OutOK: 404,
			In: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: apptest.PersonAPI(e.In, ""), Body: map[string]any{"version": e.Version(e.In), "address": "新地址 " + u}}
			},
			Out: apptest.OnPersonAPI(out, "", map[string]any{"version": 1, "address": "x"})},
		"POST /api/v1/persons/{id}/reveal": {Allowed: staff, InOK: 200, OutOK: 404,
			In:  apptest.OnPersonAPI(in, "/reveal", map[string]string{"reason": "入户走访核对联系方式"}),
			Out: apptest.OnPersonAPI(out, "/reveal", map[string]string{"reason": "入户走访核对联系方式"})},
		"GET /api/v1/persons/{id}/access-log": {Allowed: logReaders, InOK: 200, OutOK: 404,
			In: apptest.OnPersonAPI(in, "/access-log", nil), Out: apptest.OnPersonAPI(out, "/access-log", nil)},
		"GET /api/v1/persons/{id}/annual/{year}": {Allowed: readers, InOK: 200, OutOK: 404,
			In: annual(apptest.PersonAPI, in, nil, nil), Out: annual(apptest.PersonAPI, out, nil, nil)},
		"PUT /api/v1/persons/{id}/annual/{year}": {Allowed: staff, InOK: 200, OutOK: 404,
			In: annual(apptest.PersonAPI, in, annualBody, nil), Out: annual(apptest.PersonAPI, out, annualBody, nil)},
		// Imports and exports.
		"POST /api/v1/imports/persons": {Allowed: editors, InOK: 200, OutOK: 422,
			In: personsFile(apptest.Village, "310114"), Out: personsFile(apptest.VillageOut, "320583")},
		"POST /api/v1/imports/annual": {Allowed: staff, InOK: 200, OutOK: 422,
			In:  annualFile(func(e *apptest.Env) string { return e.InID }),
			Out: annualFile(func(e *apptest.Env) string { return e.OutID })},
		"GET /api/v1/imports/{id}": {Allowed: staff, InOK: 200, OutOK: 404,
			In: anImport("/api/v1/imports/", "", false), Out: anImport("/api/v1/imports/", "", true)},
		"GET /api/v1/imports/{id}/rejects": {Allowed: staff, InOK: 200, OutOK: 404,
			In: anImport("/api/v1/imports/", "/rejects", false), Out: anImport("/api/v1/imports/", "/rejects", true)},
		"GET /api/v1/imports/persons/template": {Allowed: staff, In: apptest.Fixed("/api/v1/imports/persons/template", nil), InOK: 200},
		"GET /api/v1/imports/annual/template":  {Allowed: staff, In: apptest.Fixed("/api/v1/imports/annual/template?format=csv", nil), InOK: 200},
		"GET /api/v1/exports/persons": {Allowed: staff, InOK: 200, OutOK: 200,
			In: apptest.Fixed("/api/v1/exports/persons?orgunit="+apptest.Village, nil), Out: apptest.Fixed("/api/v1/exports/persons?orgunit="+apptest.VillageOut, nil)},
		"GET /api/v1/exports/annual": {Allowed: staff, InOK: 200, OutOK: 200,
			In: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: fmt.Sprintf("/api/v1/exports/annual?year=%d", e.Year)}
			},
			Out: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: fmt.Sprintf("/api/v1/exports/annual?year=%d&orgunit=%s", e.Year, apptest.VillageOut)}
			}},
		// The pages: without sign-in they redirect to /login.
		"GET /persons": {Allowed: staff, PageIn: true, InOK: 200, OutOK: 200,
			In: apptest.Fixed("/persons?orgunit="+apptest.Village, nil), Out: apptest.Fixed("/persons?orgunit="+apptest.VillageOut, nil)},
		"GET /persons/pick": {Allowed: staff, InOK: 200, OutOK: 200,
			In: apptest.Fixed("/persons/pick?q="+url.QueryEscape("测试1"), nil), Out: apptest.Fixed("/persons/pick?q="+url.QueryEscape(apptest.OutName), nil)},
		"GET /persons/new": {Allowed: editors, PageIn: true, In: apptest.Fixed("/persons/new", nil), InOK: 200},
		"POST /persons/new": {Allowed: editors, PageIn: true, InOK: 303, OutOK: 422,
			In: personForm(apptest.Village, "310114"), Out: personForm(apptest.VillageOut, "320583")},
		"GET /persons/{id}": {Allowed: staff, PageIn: true, InOK: 200, OutOK: 404,
			In: apptest.OnPersonPage(in, "", nil), Out: apptest.OnPersonPage(out, "", nil)},
		"POST /persons/{id}/reveal": {Allowed: staff, PageIn: true, InOK: 200, OutOK: 404,
			In: apptest.OnPersonPage(in, "/reveal", reason), Out: apptest.OnPersonPage(out, "/reveal", reason)},
		"GET /persons/{id}/edit": {Allowed: editors, PageIn: true, InOK: 200, OutOK: 404,
			In: apptest.OnPersonPage(in, "/edit", nil), Out: apptest.OnPersonPage(out, "/edit", nil)},
		"POST /persons/{id}/edit": {Allowed: editors, PageIn: true, InOK: 303, OutOK: 404,
			In: func(e *apptest.Env, u string) apptest.Request {
				return apptest.Request{Path: apptest.PersonPage(e.In, "/edit"), Form: url.Values{"version": {fmt.Sprint(e.Version(e.In))}, "name": {"测试1"}, "category": {"4"},
					"grade": {"2"}, "orgunit": {apptest.Village}, "address": {"页面地址 " + u}, "hukou": {"local"}, "economic_status": {"normal"}, "status": {"active"}}}
			},
			Out: apptest.OnPersonPage(out, "/edit", url.Values{"version": {"1"}, "name": {"x"}})},
		"GET /persons/{id}/annual/{year}": {Allowed: staff, PageIn: true, InOK: 200, OutOK: 404,
			In: annual(apptest.PersonPage, in, nil, nil), Out: annual(apptest.PersonPage, out, nil, nil)},
		"POST /persons/{id}/annual/{year}": {Allowed: staff, PageIn: true, InOK: 303, OutOK: 404,
			In: annual(apptest.PersonPage, in, nil, annualForm), Out: annual(apptest.PersonPage, out, nil, annualForm)},
		"GET /persons/{id}/access-log": {Allowed: logReaders, PageIn: true, InOK: 200, OutOK: 404,
			In: apptest.OnPersonPage(in, "/access-log", nil), Out: apptest.OnPersonPage(out, "/access-log", nil)},
		"GET /imports": {Allowed: staff, PageIn: true, In: apptest.Fixed("/imports", nil), InOK: 200},
		"POST /imports": {Allowed: staff, PageIn: true, InOK: 303, In: func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: "/imports", File: annualCSV(e.InID), Fields: []string{"kind", "annual", "year", fmt.Sprint(e.Year), "mode", "strict"}}
		}},
		"GET /imports/{id}": {Allowed: staff, PageIn: true, InOK: 200, OutOK: 404,
			In: anImport("/imports/", "", false), Out: anImport("/imports/", "", true)},
		"GET /me": {Allowed: []string{identity.Person}, PageIn: true, In: apptest.Fixed("/me", nil), InOK: 200},
		// Home visits (visits.go).
		"GET /visits":              {Allowed: staff, PageIn: true, In: apptest.Fixed("/visits", nil), InOK: 200},
		"GET /visits/visits.js":    {Allowed: staff, PageIn: true, In: apptest.Fixed("/visits/visits.js", nil), InOK: 200},
		"GET /api/v1/visits/rules": {Allowed: staff, In: apptest.Fixed("/api/v1/visits/rules", nil), InOK: 200},
		"POST /api/v1/visits/check": {Allowed: staff, InOK: 200, In: func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: "/api/v1/visits/check", Body: map[string]any{"year": e.Year, "age": 40, "answers": map[string]string{"employment": "employed"}}}
		}},
		"GET /api/v1/visits/candidates": {Allowed: staff, InOK: 200, OutOK: 200,
			In: apptest.Fixed("/api/v1/visits/candidates?orgunit="+apptest.Village, nil), Out: apptest.Fixed("/api/v1/visits/candidates?orgunit="+apptest.VillageOut, nil)},
		"POST /api/v1/visits/sheets": {Allowed: staff, InOK: 200, OutOK: 404,
			In: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: "/api/v1/visits/sheets", Body: map[string]any{"year": e.Year, "person_ids": []int64{e.In}}}
			},
			Out: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: "/api/v1/visits/sheets", Body: map[string]any{"year": e.Year, "person_ids": []int64{e.Out}}}
			}},
		"POST /api/v1/visits/saves": {Allowed: staff, InOK: 200, OutOK: 404,
			In: func(e *apptest.Env, _ string) apptest.Request {
				v := e.Int64(`SELECT version FROM annual_records WHERE person_id = ? AND year = ?`, e.In, e.Year)
				return apptest.Request{Path: "/api/v1/visits/saves", Body: map[string]any{"person_id": e.In, "year": e.Year, "base_version": v,
					"answers": map[string]string{"employment": "employed", "medical_insured": "1"}}}
			},
			Out: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: "/api/v1/visits/saves", Body: map[string]any{"person_id": e.Out, "year": e.Year, "base_version": 1,
					"answers": map[string]string{"employment": "employed"}}}
			}},
	})
}
