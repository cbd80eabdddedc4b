package centres_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/centres"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/registry"
)

// everywhere is district staff of every district, who makes the matrix's
// centres and enrolments.
var everywhere = registry.Caller{Actor: audit.Actor{Username: "fixture", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()}

// matrixCentre opens a village home in the fixture's village (run by every
// staff user of the fixture) or, when out, in 玉山村 of 昆山 (seen by none).
func matrixCentre(e *apptest.Env, out bool) centres.Centre {
	unit := apptest.Village
	if out {
		unit = apptest.VillageOut
	}
	ce, err := e.App.Centres.CreateCentre(context.Background(), everywhere, centres.CentreInput{Name: "矩阵中心", Kind: "village_home", OrgUnit: unit, Capacity: 5})
	if err != nil {
		e.T.Fatal(err)
	}
	return ce
}

// matrixEnrolment enrols the fixture's person of the centre's village.
func matrixEnrolment(e *apptest.Env, out bool) (centres.Centre, centres.Enrolment) {
	ce := matrixCentre(e, out)
	p := e.In
	if out {
		p = e.Out
	}
	en, err := e.App.Centres.Enrol(context.Background(), everywhere, ce.ID, centres.EnrolInput{PersonID: p})
	if err != nil {
		e.T.Fatal(err)
	}
	return ce, en
}

// onCentre is a call of a fresh centre's API path (rest after it) with the
// body b makes (nil: none).
func onCentre(rest string, out bool, b func(e *apptest.Env, ce centres.Centre) any) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, _ string) apptest.Request {
		ce := matrixCentre(e, out)
		var body any
		if b != nil {
			body = b(e, ce)
		}
		return apptest.Request{Path: fmt.Sprintf("/api/v1/centres/%d%s", ce.ID, rest), Body: body}
	}
}

// onProgramme is a call of a fresh programme of a fresh centre.
func onProgramme(out bool) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, _ string) apptest.Request {
		ce := matrixCentre(e, out)
		p, err := e.App.Centres.SaveProgramme(context.Background(), everywhere, ce.ID, 0, centres.ProgrammeInput{Name: "合唱团", Kind: "culture"})
		if err != nil {
			e.T.Fatal(err)
		}
		return apptest.Request{Path: fmt.Sprintf("/api/v1/centres/%d/programmes/%d", ce.ID, p.ID),
			Body: map[string]any{"name": "合唱团", "kind": "culture", "version": p.Version}}
	}
}

func onLeave(out bool) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, _ string) apptest.Request {
		_, en := matrixEnrolment(e, out)
		return apptest.Request{Path: fmt.Sprintf("/api/v1/centre-enrolments/%d/leave", en.ID), Body: map[string]any{"reason": "搬家", "version": en.Version}}
	}
}

func centreBody(unit string) map[string]any {
	return map[string]any{"name": "新中心", "kind": "village_home", "orgunit": unit, "capacity": 8, "days": []string{"mon", "wed"}}
}

// apiEntries are the permission-matrix entries of the API: staff of every
// level use the centres they see, district and town staff change them; a
// centre of 昆山 is out of every fixture user's view (404).
func apiEntries() map[string]apptest.Entry {
	staff := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant}
	managers := []string{identity.DistrictStaff, identity.TownStaff}
	today := func(e *apptest.Env) string { return centres.Today(e.App.DB.Now()) }
	return map[string]apptest.Entry{
		"GET /api/v1/centres": {Allowed: staff, In: apptest.Fixed("/api/v1/centres?kind=village_home", nil), InOK: http.StatusOK},
		"POST /api/v1/centres": {Allowed: managers, In: apptest.Fixed("/api/v1/centres", centreBody(apptest.Village)), InOK: http.StatusCreated,
			Out: apptest.Fixed("/api/v1/centres", centreBody(apptest.VillageOut)), OutOK: http.StatusUnprocessableEntity},
		"GET /api/v1/centres/{id}": {Allowed: staff, In: onCentre("", false, nil), InOK: http.StatusOK, Out: onCentre("", true, nil), OutOK: http.StatusNotFound},
		"PUT /api/v1/centres/{id}": {Allowed: managers,
			In: onCentre("", false, func(_ *apptest.Env, ce centres.Centre) any {
				b := centreBody(apptest.Village)
				b["version"] = ce.Version
				return b
			}), InOK: http.StatusOK,
			Out: onCentre("", true, func(_ *apptest.Env, ce centres.Centre) any {
				b := centreBody(apptest.VillageOut)
				b["version"] = ce.Version
				return b
			}), OutOK: http.StatusNotFound},
		"GET /api/v1/centres/{id}/programmes": {Allowed: staff, In: onCentre("/programmes", false, nil), InOK: http.StatusOK,
			Out: onCentre("/programmes", true, nil), OutOK: http.StatusNotFound},
		"POST /api/v1/centres/{id}/programmes": {Allowed: managers,
			In:    onCentre("/programmes", false, func(*apptest.Env, centres.Centre) any { return map[string]any{"name": "书画班", "kind": "culture"} }),
			InOK:  http.StatusCreated,
			Out:   onCentre("/programmes", true, func(*apptest.Env, centres.Centre) any { return map[string]any{"name": "书画班", "kind": "culture"} }),
			OutOK: http.StatusNotFound},
		"PUT /api/v1/centres/{id}/programmes/{pid}": {Allowed: managers, In: onProgramme(false), InOK: http.StatusOK, Out: onProgramme(true), OutOK: http.StatusNotFound},
		"GET /api/v1/centres/{id}/enrolments": {Allowed: staff, In: onCentre("/enrolments", false, nil), InOK: http.StatusOK,
			Out: onCentre("/enrolments", true, nil), OutOK: http.StatusNotFound},
		"POST /api/v1/centres/{id}/enrolments": {Allowed: staff,
			In:    onCentre("/enrolments", false, func(e *apptest.Env, _ centres.Centre) any { return map[string]any{"person_id": e.In} }),
			InOK:  http.StatusCreated,
			Out:   onCentre("/enrolments", true, func(e *apptest.Env, _ centres.Centre) any { return map[string]any{"person_id": e.Out} }),
			OutOK: http.StatusNotFound},
		"POST /api/v1/centre-enrolments/{id}/leave": {Allowed: staff, In: onLeave(false), InOK: http.StatusOK, Out: onLeave(true), OutOK: http.StatusNotFound},
		"GET /api/v1/centres/{id}/attendance": {Allowed: staff, In: onCentre("/attendance", false, nil), InOK: http.StatusOK,
			Out: onCentre("/attendance", true, nil), OutOK: http.StatusNotFound},
		"POST /api/v1/centres/{id}/attendance": {Allowed: staff,
			In: func(e *apptest.Env, _ string) apptest.Request {
				ce, _ := matrixEnrolment(e, false)
				return apptest.Request{Path: fmt.Sprintf("/api/v1/centres/%d/attendance", ce.ID), Body: map[string]any{"date": today(e), "present": []int64{}}}
			}, InOK: http.StatusOK,
			Out: func(e *apptest.Env, _ string) apptest.Request {
				ce, _ := matrixEnrolment(e, true)
				return apptest.Request{Path: fmt.Sprintf("/api/v1/centres/%d/attendance", ce.ID), Body: map[string]any{"date": today(e), "present": []int64{e.Out}}}
			}, OutOK: http.StatusNotFound},
		"GET /api/v1/centres/{id}/rates": {Allowed: staff, In: onCentre("/rates", false, nil), InOK: http.StatusOK,
			Out: onCentre("/rates", true, nil), OutOK: http.StatusNotFound},
		"GET /api/v1/centre-absences": {Allowed: staff, In: apptest.Fixed("/api/v1/centre-absences", nil), InOK: http.StatusOK},
		"GET /api/v1/centre-sessions": {Allowed: staff, In: apptest.Fixed("/api/v1/centre-sessions?from=2026-11-01&to=2026-12-01", nil), InOK: http.StatusOK},
	}
}

// TestPermissionMatrix calls every route of the centres as every role, and
// without sign-in, in and out of the caller's view (apptest.Matrix).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	entries := apiEntries()
	maps.Copy(entries, pageEntries())
	apptest.Matrix(t, "centres", entries)
}
