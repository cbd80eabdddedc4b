package devices_test

import (
	"fmt"
	"net/url"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
)

// TestPermissionMatrix walks the devices' API and pages against every role and
// no sign-in, in and out of scope (apptest.Matrix).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	caseRoles := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person, identity.Provider}
	stockRoles := []string{identity.DistrictStaff, identity.TownStaff, identity.Provider}
	keepers := []string{identity.DistrictStaff, identity.TownStaff}
	// pointOf is the id of the service point of a unit.
	pointOf := func(e *apptest.Env, unit string) int64 {
		return e.Int64(`SELECT id FROM service_points WHERE orgunit = ?`, unit)
	}
	stock := func(path, unit string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("%s?service_point=%d", path, pointOf(e, unit))}
		}
	}
	move := func(unit string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: "/api/v1/devices/stock", Body: map[string]any{"service_point": pointOf(e, unit), "code": "12 03 03", "quantity": 5}}
		}
	}
	moveForm := func(unit string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: "/devices/stock", Form: url.Values{"service_point": {fmt.Sprint(pointOf(e, unit))}, "code": {"12 03 03"}, "quantity": {"5"}}}
		}
	}
	loans := func(personOf func(*apptest.Env) int64) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/api/v1/devices/loans?person_id=%d", personOf(e))}
		}
	}
	apptest.Matrix(t, "devices", map[string]apptest.Entry{
		"GET /api/v1/devices/catalogue":      {Allowed: caseRoles, In: apptest.Fixed("/api/v1/devices/catalogue", nil), InOK: 200},
		"GET /api/v1/devices/service-points": {Allowed: stockRoles, In: apptest.Fixed("/api/v1/devices/service-points", nil), InOK: 200},
		"GET /api/v1/devices/stock": {Allowed: stockRoles, In: stock("/api/v1/devices/stock", "310114"), InOK: 200,
			Out: stock("/api/v1/devices/stock", "320583"), OutOK: 404},
		"POST /api/v1/devices/stock": {Allowed: keepers, In: move("310114102"), InOK: 200, Out: move("320583"), OutOK: 404},
		"GET /api/v1/devices/loans": {Allowed: caseRoles, InOK: 200, OutOK: 200,
			In: loans(apptest.InPerson), Out: loans(apptest.OutPerson)},
		// The pages.
		"GET /devices/stock": {Allowed: stockRoles, In: stock("/devices/stock", "310114"), InOK: 200,
			Out: stock("/devices/stock", "320583"), OutOK: 404, PageIn: true},
		"POST /devices/stock": {Allowed: keepers, In: moveForm("310114102"), InOK: 303, Out: moveForm("320583"), OutOK: 404, PageIn: true},
	})
}
