package centres_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"sunshine/internal/access"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/centres"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
)

// outTown is a town in no fixture user's view (昆山's 玉山镇).
const outTown = "320583100"

// everywhere is district staff of every district, who makes the matrix's
// centres.
var everywhere = access.Caller{Actor: audit.Actor{Username: "fixture", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()}

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
func centre(e *apptest.Env, kind, unit string) int64 {
	ce, err := e.App.Centres.CreateCentre(context.Background(), everywhere, centres.CentreInput{Name: "矩阵中心", Kind: kind, OrgUnit: unit, Capacity: 10,
		Days: []string{"mon", "tue", "wed", "thu", "fri"}})
	if err != nil {
		e.T.Fatal(err)
	}
	return ce.ID
}

// enrolled enrols a person at a centre.
func enrolled(e *apptest.Env, centreID, personID int64) centres.Enrolment {
	en, err := e.App.Centres.Enrol(context.Background(), everywhere, centreID, centres.EnrolInput{PersonID: personID})
	if err != nil {
		e.T.Fatal(err)
	}
	return en
}

// programme adds a programme to a centre.
func programme(e *apptest.Env, centreID int64) int64 {
	p, err := e.App.Centres.SaveProgramme(context.Background(), everywhere, centreID, 0, centres.ProgrammeInput{Name: "合唱", Kind: "culture", Days: []string{"wed"}})
	if err != nil {
		e.T.Fatal(err)
	}
	return p.ID
}

func fix(e *apptest.Env) *matrixFixture {
	matrixMu.Lock()
	defer matrixMu.Unlock()
	if f, ok := matrixFix[e]; ok {
		return f
	}
	f := &matrixFixture{home: centre(e, "village_home", apptest.Village), out: centre(e, "rehab", outTown)}
	f.homeEnr = enrolled(e, f.home, e.In).ID
	f.outEnr = enrolled(e, f.out, e.Out).ID
	matrixFix[e] = f
	return f
}

func today(e *apptest.Env) string { return centres.Today(e.App.DB.Now()) }

// onCentre is a call of a path of the fixture's village home (in) or of the
// centre of 昆山 (out), with a form or a JSON body built for it.
func onCentre(path string, form func(e *apptest.Env, id int64) url.Values, body func(e *apptest.Env, id int64) any) func(bool) func(*apptest.Env, string) apptest.Request {
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
				id = centre(e, "village_home", apptest.Village)
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
		"GET /centres/{id}":      entry(staff, onCentre("/centres/%d?month=2026-11", nil, nil), http.StatusOK, true),
		"GET /centres/{id}/edit": entry(managers, onCentre("/centres/%d/edit", nil, nil), http.StatusOK, true),
		"POST /centres/{id}/edit": entry(managers, onCentre("/centres/%d/edit", func(e *apptest.Env, id int64) url.Values {
			f := centreForm(apptest.Village)
			f.Set("version", version(e, id))
			f.Set("active", "1")
			return f
		}, nil), http.StatusSeeOther, true),
		"POST /centres/{id}/programmes": entry(managers, onCentre("/centres/%d/programmes", func(*apptest.Env, int64) url.Values {
			return url.Values{"name": {"健身操"}, "kind": {"sport"}, "days": {"tue"}, "starts": {"09:00"}, "ends": {"10:00"}}
		}, nil), http.StatusSeeOther, true),
		"POST /centres/{id}/enrolments": entry(staff, onFresh("/centres/%d/enrolments", func(e *apptest.Env, _ int64) url.Values {
			return url.Values{"person_id": {fmt.Sprint(e.In)}}
		}, nil), http.StatusSeeOther, true),
		"POST /centres/{id}/leave": {Allowed: staff, PageIn: true,
			In: func(e *apptest.Env, _ string) apptest.Request {
				id := centre(e, "village_home", apptest.Village)
				en := enrolled(e, id, e.In)
				return apptest.Request{Path: fmt.Sprintf("/centres/%d/leave", id), Form: url.Values{"enrolment_id": {fmt.Sprint(en.ID)},
					"version": {fmt.Sprint(en.Version)}, fmt.Sprintf("reason-%d", en.ID): {"搬家"}}}
			}, InOK: http.StatusSeeOther,
			Out: func(e *apptest.Env, _ string) apptest.Request {
				f := fix(e)
				return apptest.Request{Path: fmt.Sprintf("/centres/%d/leave", f.out), Form: url.Values{"enrolment_id": {fmt.Sprint(f.outEnr)},
					"version": {"1"}, fmt.Sprintf("reason-%d", f.outEnr): {"搬家"}}}
			}, OutOK: http.StatusNotFound},
		"GET /centres/{id}/rollcall": entry(staff, onCentre("/centres/%d/rollcall", nil, nil), http.StatusOK, true),
		"POST /centres/{id}/rollcall": entry(staff, onCentre("/centres/%d/rollcall", func(e *apptest.Env, _ int64) url.Values {
			return url.Values{"date": {today(e)}, "present": {fmt.Sprint(e.In)}}
		}, nil), http.StatusSeeOther, true),
	}
}

// apiEntries are the permission-matrix entries of the centres' API.
func apiEntries() map[string]apptest.Entry {
	body := func(unit string) map[string]any {
		return map[string]any{"name": "新中心", "kind": "village_home", "orgunit": unit, "capacity": 12, "days": []string{"mon"}}
	}
	return map[string]apptest.Entry{
		"GET /api/v1/centres":         {Allowed: staff, In: apptest.Fixed("/api/v1/centres?kind=village_home", nil), InOK: http.StatusOK},
		"GET /api/v1/centre-absences": {Allowed: staff, In: apptest.Fixed("/api/v1/centre-absences", nil), InOK: http.StatusOK},
		"POST /api/v1/centres": {Allowed: managers, In: apptest.Fixed("/api/v1/centres", body(apptest.Village)), InOK: http.StatusCreated,
			Out: apptest.Fixed("/api/v1/centres", body(outTown)), OutOK: http.StatusUnprocessableEntity},
		"GET /api/v1/centres/{id}": entry(staff, onCentre("/api/v1/centres/%d", nil, nil), http.StatusOK, false),
		"PUT /api/v1/centres/{id}": entry(managers, onCentre("/api/v1/centres/%d", nil, func(e *apptest.Env, id int64) any {
			b := body(apptest.Village)
			b["version"] = e.Int64(`SELECT version FROM centres WHERE id = ?`, id)
			return b
		}), http.StatusOK, false),
		"GET /api/v1/centres/{id}/programmes": entry(staff, onCentre("/api/v1/centres/%d/programmes", nil, nil), http.StatusOK, false),
		"POST /api/v1/centres/{id}/programmes": entry(managers, onCentre("/api/v1/centres/%d/programmes", nil, func(*apptest.Env, int64) any {
			return map[string]any{"name": "健身操", "kind": "sport"}
		}), http.StatusCreated, false),
		"PUT /api/v1/centres/{id}/programmes/{pid}": {Allowed: managers,
			In: func(e *apptest.Env, _ string) apptest.Request {
				id := fix(e).home
				return apptest.Request{Path: fmt.Sprintf("/api/v1/centres/%d/programmes/%d", id, programme(e, id)),
					Body: map[string]any{"name": "合唱团", "kind": "culture", "version": 1}}
			}, InOK: http.StatusOK,
			Out: func(e *apptest.Env, _ string) apptest.Request {
				id := fix(e).out
				return apptest.Request{Path: fmt.Sprintf("/api/v1/centres/%d/programmes/%d", id, programme(e, id)),
					Body: map[string]any{"name": "合唱团", "kind": "culture", "version": 1}}
			}, OutOK: http.StatusNotFound},
		"GET /api/v1/centres/{id}/enrolments": entry(staff, onCentre("/api/v1/centres/%d/enrolments", nil, nil), http.StatusOK, false),
		"POST /api/v1/centres/{id}/enrolments": entry(staff, onFresh("/api/v1/centres/%d/enrolments", nil, func(e *apptest.Env, _ int64) any {
			return map[string]any{"person_id": e.In}
		}), http.StatusCreated, false),
		"POST /api/v1/centre-enrolments/{id}/leave": {Allowed: staff,
			In: func(e *apptest.Env, _ string) apptest.Request {
				en := enrolled(e, centre(e, "village_home", apptest.Village), e.In)
				return apptest.Request{Path: fmt.Sprintf("/api/v1/centre-enrolments/%d/leave", en.ID), Body: map[string]any{"reason": "搬家", "version": en.Version}}
			}, InOK: http.StatusOK,
			Out: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: fmt.Sprintf("/api/v1/centre-enrolments/%d/leave", fix(e).outEnr), Body: map[string]any{"reason": "搬家", "version": 1}}
			}, OutOK: http.StatusNotFound},
		"GET /api/v1/centres/{id}/attendance": entry(staff, onCentre("/api/v1/centres/%d/attendance", nil, nil), http.StatusOK, false),
		"POST /api/v1/centres/{id}/attendance": entry(staff, onCentre("/api/v1/centres/%d/attendance", nil, func(e *apptest.Env, _ int64) any {
			return map[string]any{"date": today(e), "present": []int64{e.In}}
		}), http.StatusOK, false),
		"GET /api/v1/centres/{id}/rates": entry(staff, onCentre("/api/v1/centres/%d/rates?month=2026-11", nil, nil), http.StatusOK, false),
	}
}

// TestPagesPermissionMatrix walks the centres' pages and API against every
// role and no sign-in, in and out of the caller's view: staff use the
// centres of their area (and those above it), district and town staff
// change them; a centre of another district is 404.
func TestPagesPermissionMatrix(t *testing.T) {
	t.Parallel()
	entries := pageEntries()
	for k, v := range apiEntries() {
		entries[k] = v
	}
	apptest.Matrix(t, "centres", entries)
}
