package indicators_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
)

// Who may read the indicators, and their gaps (the persons behind them).
var (
	viewerRoles = []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Leader}
	gapReaders  = []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant}
	// apiRoles read figures over the API: the viewers and partner districts.
	apiRoles = append(slices.Clone(viewerRoles), identity.Peer)
)

// unitQuery calls path for a unit in scope (apptest.Village) and one outside (apptest.VillageOut).
func unitQuery(path string) (in, out func(*apptest.Env, string) apptest.Request) {
	at := func(unit string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			return apptest.Request{Path: fmt.Sprintf("%s%sorgunit=%s&year=%d", path, sep, unit, e.Year)}
		}
	}
	return at(apptest.Village), at(apptest.VillageOut)
}

// TestPermissionMatrix walks the indicators' API and pages against every role
// and no sign-in, in and out of scope (apptest.Matrix).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	m := map[string]apptest.Entry{}
	add := func(pattern, path string, allowed []string, page bool) {
		in, out := unitQuery(path)
		m[pattern] = apptest.Entry{Allowed: allowed, In: in, InOK: 200, Out: out, OutOK: 404, PageIn: page}
	}
	add("GET /api/v1/indicators", "/api/v1/indicators", apiRoles, false)
	add("GET /api/v1/indicators/trend", "/api/v1/indicators/trend", apiRoles, false)
	add("GET /api/v1/indicators/compare", "/api/v1/indicators/compare", apiRoles, false)
	add("GET /api/v1/indicators/export", "/api/v1/indicators/export?table=breakdown&code=rehab_rate", viewerRoles, false)
	add("GET /api/v1/indicators/targets", "/api/v1/indicators/targets", viewerRoles, false)
	add("GET /api/v1/indicators/{code}/breakdown", "/api/v1/indicators/employment_rate/breakdown", apiRoles, false)
	add("GET /api/v1/indicators/{code}/gap", "/api/v1/indicators/employment_rate/gap", gapReaders, false)
	m["GET /api/v1/indicators/definitions"] = apptest.Entry{Allowed: apiRoles, In: apptest.Fixed("/api/v1/indicators/definitions", nil), InOK: 200}
	target := func(unit string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: "/api/v1/indicators/targets", Body: map[string]any{"orgunit": unit, "year": e.Year, "code": "rehab_rate", "target": 0.9}}
		}
	}
	m["PUT /api/v1/indicators/targets"] = apptest.Entry{Allowed: []string{identity.DistrictStaff}, In: target(apptest.Village), InOK: 200, Out: target(apptest.VillageOut), OutOK: 404}
	// The pages.
	add("GET /indicators", "/indicators", viewerRoles, true)
	add("GET /indicators/compare", "/indicators/compare", viewerRoles, true)
	add("GET /indicators/export", "/indicators/export?table=indicators", viewerRoles, true)
	add("GET /indicators/targets", "/indicators/targets", []string{identity.DistrictStaff}, true)
	add("GET /indicators/{code}", "/indicators/employment_rate", viewerRoles, true)
	add("GET /indicators/{code}/gap", "/indicators/medical_insurance_rate/gap", gapReaders, true)
	targetForm := func(unit string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: "/indicators/targets", Form: url.Values{"orgunit": {unit}, "year": {fmt.Sprint(e.Year)}, "rehab_rate": {"90"}}}
		}
	}
	m["POST /indicators/targets"] = apptest.Entry{Allowed: []string{identity.DistrictStaff}, PageIn: true, In: targetForm(apptest.Village), InOK: 303, Out: targetForm(apptest.VillageOut), OutOK: 404}
	apptest.Matrix(t, "indicators", m)
}
