package rehab_test

import (
	"fmt"
	"net/url"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
)

// TestPermissionMatrix walks the rehabilitation API and pages against every
// role and no sign-in, in and out of scope (apptest.Matrix).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	// centreOf is the id of the rehabilitation centre of a unit.
	centreOf := func(e *apptest.Env, unit string) int64 {
		return e.Int64(`SELECT id FROM rehab_centres WHERE orgunit = ?`, unit)
	}
	readers := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Provider}
	keepers := []string{identity.DistrictStaff}
	at := func(unit, format string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf(format, centreOf(e, unit))}
		}
	}
	put := func(unit string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/api/v1/rehab/centres/%d", centreOf(e, unit)), Body: map[string]any{"capacity": 25, "services": []string{"physical", "speech"}}}
		}
	}
	post := func(unit string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: "/rehab/centres", Form: url.Values{"centre": {fmt.Sprint(centreOf(e, unit))}, "capacity": {"25"}, "services": {"physical"}}}
		}
	}
	recorders := []string{identity.DistrictStaff, identity.TownStaff, identity.Provider}
	attend := func(unit string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: "/rehab/attendance", Form: url.Values{"centre": {fmt.Sprint(centreOf(e, unit))}, "date": {"2020年1月6日"}}}
		}
	}
	apptest.Matrix(t, "rehab", map[string]apptest.Entry{
		"GET /api/v1/rehab/centres":      {Allowed: readers, In: apptest.Fixed("/api/v1/rehab/centres", nil), InOK: 200},
		"PUT /api/v1/rehab/centres/{id}": {Allowed: keepers, In: put("310114102"), InOK: 200, Out: put("320583"), OutOK: 404},
		"GET /api/v1/rehab/centres/{id}/schedule": {Allowed: readers, In: at("310114", "/api/v1/rehab/centres/%d/schedule?weeks=4"), InOK: 200,
			Out: at("320583", "/api/v1/rehab/centres/%d/schedule"), OutOK: 404},
		"GET /rehab/centres":  {Allowed: readers, In: apptest.Fixed("/rehab/centres", nil), InOK: 200, PageIn: true},
		"POST /rehab/centres": {Allowed: keepers, In: post("310114102"), InOK: 303, Out: post("320583"), OutOK: 404, PageIn: true},
		"GET /rehab/schedule": {Allowed: readers, In: at("310114", "/rehab/schedule?centre=%d"), InOK: 200,
			Out: at("320583", "/rehab/schedule?centre=%d"), OutOK: 404, PageIn: true},
		"GET /rehab/attendance": {Allowed: recorders, In: at("310114", "/rehab/attendance?centre=%d"), InOK: 200,
			Out: at("320583", "/rehab/attendance?centre=%d"), OutOK: 404, PageIn: true},
		"POST /rehab/attendance": {Allowed: recorders, In: attend("310114"), InOK: 303, Out: attend("320583"), OutOK: 404, PageIn: true},
	})
}
