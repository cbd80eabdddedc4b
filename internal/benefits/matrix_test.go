package benefits_test

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"testing"

	"sunshine/internal/access"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/benefits"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
)

// TestPermissionMatrix walks the benefits routes against every role and no
// sign-in, in and out of scope (apptest.Matrix).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	district := []string{identity.DistrictStaff}
	readers := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person}
	version := map[string]any{"code": "care_grade1", "condition": "grade == 1", "amount_cents": 36000, "effective_from": "2027-01"}
	apptest.Matrix(t, "benefits", map[string]apptest.Entry{
		"GET /api/v1/persons/{id}/benefits": {Allowed: readers, In: apptest.OnPersonAPI(apptest.InPerson, "/benefits?month=2026-11", nil), InOK: 200,
			Out: apptest.OnPersonAPI(apptest.OutPerson, "/benefits?month=2026-11", nil), OutOK: 404},
		"GET /api/v1/benefit-rules":  {Allowed: district, In: apptest.Fixed("/api/v1/benefit-rules", nil), InOK: 200},
		"POST /api/v1/benefit-rules": {Allowed: district, In: apptest.Fixed("/api/v1/benefit-rules", version), InOK: 201},
		"GET /benefits/rules":        {Allowed: district, In: apptest.Fixed("/benefits/rules", nil), InOK: 200, PageIn: true},
		"POST /api/v1/benefit-rules/simulate": {Allowed: district, In: apptest.Fixed("/api/v1/benefit-rules/simulate", map[string]any{"month": "2026-11",
			"rules": []map[string]any{{"code": "care_grade1", "condition": "grade <= 2", "amount_cents": 36000}}}), InOK: 200},
		"GET /benefits/simulate": {Allowed: district, In: apptest.Fixed("/benefits/simulate?run=1&code=care_grade1&condition=grade+%3C%3D+2&amount=360&month=2026-11", nil),
			InOK: 200, PageIn: true},
		"POST /benefits/rules": {Allowed: district, In: apptest.FixedForm("/benefits/rules", url.Values{"code": {"care_grade2"},
			"condition": {"grade == 2"}, "amount": {"190"}, "effective_from": {"2027-02"}}), InOK: 303, PageIn: true},

		"POST /api/v1/benefit-rosters": {Allowed: staff, In: func(e *apptest.Env, user string) apptest.Request {
			return apptest.Request{Path: "/api/v1/benefit-rosters", Body: map[string]any{"benefit": "living_subsidy", "month": nextMonth(), "orgunit": unitOf(user)}}
		}, InOK: 201, Out: apptest.Fixed("/api/v1/benefit-rosters", map[string]any{"benefit": "living_subsidy", "month": "2026-11", "orgunit": "320583100"}), OutOK: 404},
		"GET /api/v1/benefit-rosters":                  {Allowed: staff, In: apptest.Fixed("/api/v1/benefit-rosters", nil), InOK: 200},
		"GET /api/v1/benefit-rosters/{id}":             {Allowed: staff, In: onRoster(true, false, ""), InOK: 200, Out: onRoster(false, false, ""), OutOK: 404},
		"GET /api/v1/benefit-rosters/{id}/rows":        {Allowed: staff, In: onRoster(true, false, "/rows"), InOK: 200, Out: onRoster(false, false, "/rows"), OutOK: 404},
		"GET /api/v1/benefit-rosters/{id}/differences": {Allowed: staff, In: onRoster(true, false, "/differences"), InOK: 200, Out: onRoster(false, false, "/differences"), OutOK: 404},
		"GET /api/v1/benefit-rosters/{id}/export":      {Allowed: staff, In: onRoster(true, false, "/export?format=csv"), InOK: 200, Out: onRoster(false, false, "/export"), OutOK: 404},
		"POST /api/v1/benefit-rosters/{id}/approve":    {Allowed: staff, In: onRoster(true, true, "/approve"), InOK: 200, Out: onRoster(false, true, "/approve"), OutOK: 404},
		"POST /api/v1/benefit-rosters/{id}/cancel":     {Allowed: staff, In: onRoster(true, true, "/cancel"), InOK: 200, Out: onRoster(false, true, "/cancel"), OutOK: 404},
		"GET /benefits/rosters":                        {Allowed: staff, In: apptest.Fixed("/benefits/rosters", nil), InOK: 200, PageIn: true},
		"POST /benefits/rosters": {Allowed: staff, In: func(e *apptest.Env, user string) apptest.Request {
			return apptest.Request{Path: "/benefits/rosters", Form: url.Values{"benefit": {"care_subsidy"}, "month": {nextMonth()}, "orgunit": {unitOf(user)}}}
		}, InOK: 303, PageIn: true},
		"GET /benefits/rosters/{id}": {Allowed: staff, In: onRosterPage(true, false, ""), InOK: 200, Out: onRosterPage(false, false, ""), OutOK: 404, PageIn: true},
		"POST /benefits/rosters/{id}/approve": {Allowed: staff, In: onRosterPage(true, true, "/approve"), InOK: 303, Out: onRosterPage(false, true, "/approve"),
			OutOK: 404, PageIn: true},
		"POST /benefits/rosters/{id}/cancel": {Allowed: staff, In: onRosterPage(true, true, "/cancel"), InOK: 303, Out: onRosterPage(false, true, "/cancel"),
			OutOK: 404, PageIn: true},
	})
}

var (
	staff      = []string{identity.DistrictStaff, identity.TownStaff}
	monthMu    sync.Mutex
	monthN     int
	sharedMu   sync.Mutex
	sharedByIn = map[*apptest.Env]map[bool]int64{}
)

// nextMonth is a month no roster of the matrix has used yet.
func nextMonth() string {
	monthMu.Lock()
	defer monthMu.Unlock()
	monthN++
	return fmt.Sprintf("%04d-%02d", 2001+monthN/12, monthN%12+1)
}

// unitOf is a unit in the user's scope: the district's, else 南翔镇.
func unitOf(user string) string {
	if user == "district" {
		return "310114"
	}
	return "310114102"
}

// makeRoster makes a roster by another user ("matrix") for 南翔镇 (in) or a
// town of 昆山 (out).
func makeRoster(e *apptest.Env, in bool) int64 {
	unit := "320583100"
	if in {
		unit = "310114102"
	}
	c := access.Caller{Actor: audit.Actor{Username: "matrix", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()}
	r, err := e.App.Benefits.CreateRoster(context.Background(), c, benefits.RosterInput{Benefit: benefits.Care, Month: nextMonth(), OrgUnit: unit})
	if err != nil {
		e.T.Fatal(err)
	}
	return r.ID
}

// onRoster calls a roster's API route: a fresh draft when fresh, else one
// roster made once per Env.
func onRoster(in, fresh bool, rest string) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, user string) apptest.Request {
		return apptest.Request{Path: fmt.Sprintf("/api/v1/benefit-rosters/%d%s", rosterFor(e, in, fresh), rest)}
	}
}

func onRosterPage(in, fresh bool, rest string) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, user string) apptest.Request {
		r := apptest.Request{Path: fmt.Sprintf("/benefits/rosters/%d%s", rosterFor(e, in, fresh), rest)}
		if fresh {
			r.Form = url.Values{}
		}
		return r
	}
}

func rosterFor(e *apptest.Env, in, fresh bool) int64 {
	if fresh {
		return makeRoster(e, in)
	}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedByIn[e] == nil {
		sharedByIn[e] = map[bool]int64{}
	}
	if sharedByIn[e][in] == 0 {
		sharedByIn[e][in] = makeRoster(e, in)
	}
	return sharedByIn[e][in]
}
