package providers_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/providers"
)

// microMatrix is the permission matrix of the micro-charity projects' routes
// (apptest.Matrix entries; add them to the providers module's matrix with
// maps.Copy). Each call works on a fresh proposal of Env's provider
// organisation; proposals go to next year's call, which nothing closes;
// this year's is published (API), withdrawn (API), published (page) and
// withdrawn (page) in the order the routes are registered. A worker of
// another organisation gets 404 on a proposal (TestMicroRoles: the matrix
// has one out-of-scope status for every role, and staff see every proposal).
func microMatrix() map[string]apptest.Entry {
	ctx := context.Background()
	proposal := func(e *apptest.Env, year int) int64 {
		e.T.Helper()
		m, err := e.App.Providers.ProposeMicro(ctx, apptest.ProviderCaller(e.ProviderOrg, "310114"), providers.MicroInput{Year: year,
			Title: "矩阵项目", Summary: "为残疾人服务。", Towns: []string{"310114102"}, Budget: 100, Beneficiaries: 1})
		if err != nil {
			e.T.Fatal(err)
		}
		return m.ID
	}
	// scored makes, once per Env, a scored proposal of this year, so that
	// the year can be published.
	scored := map[*apptest.Env]bool{}
	publishable := func(e *apptest.Env) {
		if scored[e] {
			return
		}
		scored[e] = true
		if _, _, err := e.App.Providers.ScoreMicro(ctx, apptest.Caller(identity.DistrictStaff, "310114"), proposal(e, e.Year),
			providers.MicroScores{Need: 20, Feasibility: 20, Benefit: 20, Cost: 5, Sustainability: 5}, false); err != nil {
			e.T.Fatal(err)
		}
	}
	on := func(format string, body any) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf(format, proposal(e, e.Year+1)), Body: body}
		}
	}
	onForm := func(format string, form url.Values) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf(format, proposal(e, e.Year+1)), Form: form}
		}
	}
	year := func(path string, delta int, form bool) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			publishable(e)
			y := e.Year + delta
			if form {
				return apptest.Request{Path: path, Form: url.Values{"year": {strconv.Itoa(y)}, "reason": {"矩阵复核"}}}
			}
			return apptest.Request{Path: path, Body: map[string]any{"year": y, "reason": "矩阵复核"}}
		}
	}
	propose := func(form bool) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			if form {
				return apptest.Request{Path: "/micro-projects", Form: url.Values{"provider_id": {strconv.FormatInt(e.ProviderOrg, 10)},
					"year": {strconv.Itoa(e.Year + 1)}, "title": {"矩阵项目"}, "summary": {"为残疾人服务。"}, "towns": {"310114102"}, "budget": {"1"}, "beneficiaries": {"1"}}}
			}
			return apptest.Request{Path: "/api/v1/micro-projects", Body: map[string]any{"provider_id": e.ProviderOrg, "year": e.Year + 1,
				"title": "矩阵项目", "summary": "为残疾人服务。", "towns": []string{"310114102"}, "budget": 100, "beneficiaries": 1}}
		}
	}
	readers := []string{identity.DistrictStaff, identity.TownStaff, identity.Provider}
	proposers := []string{identity.DistrictStaff, identity.Provider}
	judges := []string{identity.DistrictStaff}
	scores := map[string]int{"need": 30, "feasibility": 25, "benefit": 25, "cost": 10, "sustainability": 10}
	scoresForm := url.Values{"need": {"30"}, "feasibility": {"25"}, "benefit": {"25"}, "cost": {"10"}, "sustainability": {"10"}}
	return map[string]apptest.Entry{
		"POST /api/v1/micro-projects":             {Allowed: proposers, In: propose(false), InOK: 201},
		"GET /api/v1/micro-projects":              {Allowed: readers, In: apptest.Fixed("/api/v1/micro-projects", nil), InOK: 200},
		"GET /api/v1/micro-projects/{id}":         {Allowed: readers, In: on("/api/v1/micro-projects/%d", nil), InOK: 200},
		"POST /api/v1/micro-projects/{id}/scores": {Allowed: judges, In: on("/api/v1/micro-projects/%d/scores", scores), InOK: 201},
		"PUT /api/v1/micro-projects/{id}/scores":  {Allowed: judges, In: on("/api/v1/micro-projects/%d/scores", scores), InOK: 200},
		"POST /api/v1/micro-projects/close":       {Allowed: judges, In: year("/api/v1/micro-projects/close", -1, false), InOK: 200},
		"POST /api/v1/micro-projects/publish":     {Allowed: judges, In: year("/api/v1/micro-projects/publish", 0, false), InOK: 200},
		"POST /api/v1/micro-projects/unpublish":   {Allowed: judges, In: year("/api/v1/micro-projects/unpublish", 0, false), InOK: 200},
		"GET /api/v1/public/micro-projects":       {Public: true, In: apptest.Fixed("/api/v1/public/micro-projects", nil), InOK: 200},
		"GET /micro-projects":                     {Allowed: readers, In: apptest.Fixed("/micro-projects", nil), InOK: 200, PageIn: true},
		"POST /micro-projects":                    {Allowed: proposers, In: propose(true), InOK: 303, PageIn: true},
		"GET /micro-projects/{id}":                {Allowed: readers, In: on("/micro-projects/%d", nil), InOK: 200, PageIn: true},
		"POST /micro-projects/{id}/scores":        {Allowed: judges, In: onForm("/micro-projects/%d/scores", scoresForm), InOK: 303, PageIn: true},
		"POST /micro-projects/close":              {Allowed: judges, In: year("/micro-projects/close", -2, true), InOK: 303, PageIn: true},
		"POST /micro-projects/publish":            {Allowed: judges, In: year("/micro-projects/publish", 0, true), InOK: 303, PageIn: true},
		"POST /micro-projects/unpublish":          {Allowed: judges, In: year("/micro-projects/unpublish", 0, true), InOK: 303, PageIn: true},
		"GET /public/micro-projects":              {Public: true, In: apptest.Fixed("/public/micro-projects", nil), InOK: 200},
	}
}
