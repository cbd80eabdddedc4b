package casework_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
)

// TestPermissionMatrix walks the cases' API and pages, on assistive device
// cases, against every role and no sign-in, in and out of scope
// (apptest.Matrix); the provider's cases in scope are assigned to its
// organisation (apptest.Env.CaseFor).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	creators := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person}
	caseRoles := append(slices.Clone(creators), identity.Provider)
	in, out := apptest.InPerson, apptest.OutPerson
	open := func(personOf func(*apptest.Env) int64) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: "/api/v1/cases", Body: map[string]any{"person_id": personOf(e), "service_type": "assistive_device", "data": map[string]any{"need": "轮椅"}}}
		}
	}
	onCase := func(personOf func(*apptest.Env) int64, rest string, body any) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, user string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/api/v1/cases/%d%s", e.CaseFor(user, personOf(e)), rest), Body: body}
		}
	}
	newForm := func(personOf func(*apptest.Env) int64) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/cases/new?person_id=%d", personOf(e))}
		}
	}
	create := func(personOf func(*apptest.Env) int64) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: "/cases/new", Form: url.Values{"person_id": {fmt.Sprint(personOf(e))}, "service_type": {"assistive_device"}, "need": {"轮椅"}}}
		}
	}
	casePage := func(personOf func(*apptest.Env) int64) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, user string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/cases/%d", e.CaseFor(user, personOf(e)))}
		}
	}
	// An unknown action: 422 in scope, 404 outside.
	act := func(personOf func(*apptest.Env) int64) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, user string) apptest.Request {
			id := e.CaseFor(user, personOf(e))
			version := fmt.Sprint(e.Int64(`SELECT version FROM cases WHERE id = ?`, id)) // an assigned case has moved on
			return apptest.Request{Path: fmt.Sprintf("/cases/%d/act", id), Form: url.Values{"action": {"nonsense"}, "version": {version}}}
		}
	}
	renew := func(personOf func(*apptest.Env) int64) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: "/cases/renew", Form: url.Values{"person_id": {fmt.Sprint(personOf(e))}}}
		}
	}
	renewers := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant}
	apptest.Matrix(t, "casework", map[string]apptest.Entry{
		"GET /api/v1/service-types": {Allowed: append(slices.Clone(caseRoles), identity.Leader), In: apptest.Fixed("/api/v1/service-types", nil), InOK: 200},
		"POST /api/v1/cases":        {Allowed: creators, In: open(in), InOK: 201, Out: open(out), OutOK: 404},
		"GET /api/v1/cases": {Allowed: caseRoles, In: apptest.Fixed("/api/v1/cases?orgunit="+apptest.Village, nil), InOK: 200,
			Out: apptest.Fixed("/api/v1/cases?orgunit="+apptest.VillageOut, nil), OutOK: 200},
		"GET /api/v1/cases/{id}": {Allowed: caseRoles, In: onCase(in, "", nil), InOK: 200, Out: onCase(out, "", nil), OutOK: 404},
		// An unknown action: 422 in scope, 404 outside; each action's roles are tested with the workflows.
		"POST /api/v1/cases/{id}/transitions": {Allowed: caseRoles, In: onCase(in, "/transitions", map[string]any{"action": "nonsense"}), InOK: 422,
			Out: onCase(out, "/transitions", map[string]any{"action": "nonsense"}), OutOK: 404},
		// The pages.
		"GET /cases":           {Allowed: caseRoles, In: apptest.Fixed("/cases", nil), InOK: 200, PageIn: true},
		"GET /cases/new":       {Allowed: creators, In: newForm(in), InOK: 200, Out: newForm(out), OutOK: 404, PageIn: true},
		"POST /cases/new":      {Allowed: creators, In: create(in), InOK: 303, Out: create(out), OutOK: 404, PageIn: true},
		"GET /cases/{id}":      {Allowed: caseRoles, In: casePage(in), InOK: 200, Out: casePage(out), OutOK: 404, PageIn: true},
		"POST /cases/renew":    {Allowed: renewers, In: renew(in), InOK: 303, Out: renew(out), OutOK: 404, PageIn: true},
		"POST /cases/{id}/act": {Allowed: caseRoles, In: act(in), InOK: 422, Out: act(out), OutOK: 404, PageIn: true},
	})
}
