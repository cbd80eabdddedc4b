package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/platform/web"
)

// request is one call of a route in the matrix.
type request struct {
	path string
	body any
	file []byte // sent as the multipart field "file" when set
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
}

func p(id int64, rest string) string { return fmt.Sprintf("/api/v1/persons/%d%s", id, rest) }

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

func matrix() map[string]matrixEntry {
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
	identity.SysAdmin: "sysadmin", identity.SecAdmin: "secadmin", identity.Auditor: "auditor",
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
		slices.SortStableFunc(routes, func(a, b web.Route) int {
			return boolInt(a.Pattern == "DELETE /api/v1/session") - boolInt(b.Pattern == "DELETE /api/v1/session")
		})
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
					case role == "" && !entry.public:
						want = http.StatusUnauthorized
					case !allowed:
						want = http.StatusForbidden
					}
					if entry.public && role == "" && rt.Pattern == "POST /api/v1/session" {
						user = "district"
					}
					r := build(e, user)
					var got int
					var raw []byte
					if r.file != nil {
						got, raw = e.upload(user, r.path, "file.csv", r.file, nil)
					} else {
						got, raw = e.doRaw(user, method, r.path, r.body, nil, nil)
					}
					if got != want {
						t.Errorf("%s as %q (%s scope): status %d, want %d: %s", rt.Pattern, role, scope, got, want, raw)
					}
					if scope == "out" && got == 200 && (strings.HasPrefix(rt.Pattern, "GET /api/v1/persons") || strings.HasPrefix(rt.Pattern, "GET /api/v1/exports")) &&
						strings.Contains(string(raw), villageOut) {
						t.Errorf("%s as %q leaked an out-of-scope person: %s", rt.Pattern, role, raw)
					}
				}
			}
			if rt.Pattern == "DELETE /api/v1/session" {
				// Every session was ended: the tokens no longer work.
				if st := e.do("district", "GET", "/api/v1/session", nil, nil); st != http.StatusUnauthorized {
					t.Errorf("after logout the token still answers %d", st)
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
