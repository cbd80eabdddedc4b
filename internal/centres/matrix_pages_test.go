package centres_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"sunshine/internal/access"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/centres"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
)

// outTown is a town in no fixture user's view (昆山's 玉山镇).
const outTown = "320583100"

// pagesEverywhere is district staff of every district, who makes the matrix's
// centres.
var pagesEverywhere = access.Caller{Actor: audit.Actor{Username: "fixture", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()}

// matrixFixture is what the matrix's calls need on one Env: a village home
// of the fixture's village (run by every staff user) with the fixture's
// person enrolled, and a centre of 昆山 (seen by none) with its person
// enrolled.
type matrixFixture struct {
	home, out       int64
	homeEnr, outEnr int64
}

var (
	matrixMu  sync.Mutex
	matrixFix = map[*apptest.Env]*matrixFixture{}
)

// centre makes a centre of a kind and unit.
func pageCentre(e *apptest.Env, kind, unit string) int64 {
	ce, err := e.App.Centres.CreateCentre(context.Background(), pagesEverywhere, centres.CentreInput{Name: "矩阵中心", Kind: kind, OrgUnit: unit, Capacity: 10,
		Days: []string{"mon", "tue", "wed", "thu", "fri"}})
	if err != nil {
		e.T.Fatal(err)
	}
	return ce.ID
}

// enrolled enrols a person at a centre.
func enrolled(e *apptest.Env, centreID, personID int64) centres.Enrolment {
	en, err := e.App.Centres.Enrol(context.Background(), pagesEverywhere, centreID, centres.EnrolInput{PersonID: personID})
	if err != nil {
		e.T.Fatal(err)
	}
	return en
}

func fix(e *apptest.Env) *matrixFixture {
	matrixMu.Lock()
	defer matrixMu.Unlock()
	if f, ok := matrixFix[e]; ok {
		return f
	}
	f := &matrixFixture{home: pageCentre(e, "village_home", apptest.Village), out: pageCentre(e, "rehab", outTown)}
	f.homeEnr = enrolled(e, f.home, e.In).ID
	f.outEnr = enrolled(e, f.out, e.Out).ID
	matrixFix[e] = f
	return f
}

func pageToday(e *apptest.Env) string { return centres.Today(e.App.DB.Now()) }

// pageOnCentre is a call of a path of the fixture's village home (in) or of the
// centre of 昆山 (out), with a form or a JSON body built for it.
func pageOnCentre(path string, form func(e *apptest.Env, id int64) url.Values, body func(e *apptest.Env, id int64) any) func(bool) func(*apptest.Env, string) apptest.Request {
	return func(in bool) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			id := fix(e).out
			if in {
				id = fix(e).home
			}
			r := apptest.Request{Path: fmt.Sprintf(path, id)}
			if form != nil {
				r.Form = form(e, id)
			}
			if body != nil {
				r.Body = body(e, id)
			}
			return r
		}
	}
}

// onFresh is a call of a path of a fresh village home (in: every staff
// user runs it) or of the centre of 昆山 (out).
func onFresh(path string, form func(e *apptest.Env, id int64) url.Values, body func(e *apptest.Env, id int64) any) func(bool) func(*apptest.Env, string) apptest.Request {
	return func(in bool) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			id := fix(e).out
			if in {
				id = pageCentre(e, "village_home", apptest.Village)
			}
			r := apptest.Request{Path: fmt.Sprintf(path, id)}
			if form != nil {
				r.Form = form(e, id)
			}
			if body != nil {
				r.Body = body(e, id)
			}
			return r
		}
	}
}

func entry(allowed []string, build func(bool) func(*apptest.Env, string) apptest.Request, ok int, page bool) apptest.Entry {
	return apptest.Entry{Allowed: allowed, PageIn: page, In: build(true), InOK: ok, Out: build(false), OutOK: http.StatusNotFound}
}

var (
	staff    = []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant}
	managers = []string{identity.DistrictStaff, identity.TownStaff}
)

func centreForm(unit string) url.Values {
	return url.Values{"name": {"新中心"}, "kind": {"village_home"}, "orgunit": {unit}, "capacity": {"12"}, "days": {"mon", "thu"}}
}

// pageEntries are the permission-matrix entries of the centres' pages.
func pageEntries() map[string]apptest.Entry {
	page := func(path string, allowed []string) apptest.Entry {
		return apptest.Entry{Allowed: allowed, PageIn: true, In: apptest.Fixed(path, nil), InOK: http.StatusOK}
	}
	version := func(e *apptest.Env, id int64) string {
		return fmt.Sprint(e.Int64(`SELECT version FROM centres WHERE id = ?`, id))
	}
	return map[string]apptest.Entry{
		"GET /centres":              page("/centres?kind=village_home", staff),
		"GET /centres/new":          page("/centres/new", managers),
		"GET /centres/absences":     page("/centres/absences", staff),
		"GET /centres/rollcall.js":  page("/centres/rollcall.js", staff),
		"GET /centres/rollcall.css": page("/centres/rollcall.css", staff),
		"POST /centres/new": {Allowed: managers, PageIn: true,
			In: apptest.FixedForm("/centres/new", centreForm(apptest.Village)), InOK: http.StatusSeeOther,
			Out: apptest.FixedForm("/centres/new", centreForm(outTown)), OutOK: http.StatusUnprocessableEntity},
		"GET /centres/{id}":      entry(staff, pageOnCentre("/centres/%d?month=2026-11", nil, nil), http.StatusOK, true),
		"GET /centres/{id}/edit": entry(managers, pageOnCentre("/centres/%d/edit", nil, nil), http.StatusOK, true),
		"POST /centres/{id}/edit": entry(managers, pageOnCentre("/centres/%d/edit", func(e *apptest.Env, id int64) url.Values {
			f := centreForm(apptest.Village)
			f.Set("version", version(e, id))
			f.Set("active", "1")
			return f
		}, nil), http.StatusSeeOther, true),
		"POST /centres/{id}/programmes": entry(managers, pageOnCentre("/centres/%d/programmes", func(*apptest.Env, int64) url.Values {
			return url.Values{"name": {"健身操"}, "kind": {"sport"}, "days": {"tue"}, "starts": {"09:00"}, "ends": {"10:00"}}
		}, nil), http.StatusSeeOther, true),
		"POST /centres/{id}/enrolments": entry(staff, onFresh("/centres/%d/enrolments", func(e *apptest.Env, _ int64) url.Values {
			return url.Values{"person_id": {fmt.Sprint(e.In)}}
		}, nil), http.StatusSeeOther, true),
		"POST /centres/{id}/leave": {Allowed: staff, PageIn: true,
			In: func(e *apptest.Env, _ string) apptest.Request {
				id := pageCentre(e, "village_home", apptest.Village)
				en := enrolled(e, id, e.In)
				return apptest.Request{Path: fmt.Sprintf("/centres/%d/leave", id), Form: url.Values{"enrolment_id": {fmt.Sprint(en.ID)},
					"version": {fmt.Sprint(en.Version)}, fmt.Sprintf("reason-%d", en.ID): {"搬家"}}}
			}, InOK: http.StatusSeeOther,
			Out: func(e *apptest.Env, _ string) apptest.Request {
				f := fix(e)
				return apptest.Request{Path: fmt.Sprintf("/centres/%d/leave", f.out), Form: url.Values{"enrolment_id": {fmt.Sprint(f.outEnr)},
					"version": {"1"}, fmt.Sprintf("reason-%d", f.outEnr): {"搬家"}}}
			}, OutOK: http.StatusNotFound},
		"GET /centres/{id}/rollcall": entry(staff, pageOnCentre("/centres/%d/rollcall", nil, nil), http.StatusOK, true),
		"POST /centres/{id}/rollcall": entry(staff, pageOnCentre("/centres/%d/rollcall", func(e *apptest.Env, _ int64) url.Values {
			return url.Values{"date": {pageToday(e)}, "present": {fmt.Sprint(e.In)}}
		}, nil), http.StatusSeeOther, true),
	}
}
