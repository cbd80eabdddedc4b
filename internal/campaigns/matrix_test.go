package campaigns_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/campaigns"
	"sunshine/internal/identity"
)

// TestPermissionMatrix walks the campaigns API and pages against every role
// and no sign-in, in and out of scope (apptest.Matrix).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	readers := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant}
	creators := []string{identity.DistrictStaff, identity.TownStaff}
	// campaign makes a campaign of unit's subtree (a new one each call, so
	// that each caller records a completion of its own).
	campaign := func(e *apptest.Env, unit string) int64 {
		e.T.Helper()
		out, err := e.App.Campaigns.Create(context.Background(), apptest.Caller(identity.DistrictStaff, unit[:6]), campaigns.Input{
			Kind: campaigns.HealthCheck, Name: "矩阵体检", Year: e.Year, OrgUnit: unit})
		if err != nil {
			e.T.Fatal(err)
		}
		return out.ID
	}
	today := func(e *apptest.Env) string { return campaigns.Today(e.App.DB.Now()) }
	at := func(unit, format string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf(format, campaign(e, unit))}
		}
	}
	complete := func(unit string, person func(*apptest.Env) int64) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/api/v1/campaigns/%d/completions", campaign(e, unit)),
				Body: map[string]any{"person_id": person(e), "date": today(e)}}
		}
	}
	done := func(unit string, person func(*apptest.Env) int64) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/campaigns/%d/done", campaign(e, unit)),
				Form: url.Values{"person": {fmt.Sprint(person(e))}, "date": {today(e)}}}
		}
	}
	upload := func(unit, format string, id func(*apptest.Env) string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf(format, campaign(e, unit)), File: []byte("身份证号,完成日期\n" + id(e) + "," + today(e) + "\n")}
		}
	}
	inID := func(e *apptest.Env) string { return e.InID }
	outID := func(e *apptest.Env) string { return e.OutID }
	create := func(unit string) func(*apptest.Env, string) apptest.Request {
		return apptest.Fixed("/api/v1/campaigns", map[string]any{"kind": "telecom_package", "name": "矩阵通信", "year": 2026, "orgunit": unit})
	}
	createForm := func(unit string) func(*apptest.Env, string) apptest.Request {
		return apptest.FixedForm("/campaigns", url.Values{"kind": {"health_check"}, "name": {"矩阵体检"}, "year": {"2026"}, "orgunit": {unit}})
	}
	const nx, ks = "310114102", "320583"
	apptest.Matrix(t, "campaigns", map[string]apptest.Entry{
		"POST /api/v1/campaigns":                  {Allowed: creators, In: create(nx), InOK: 201, Out: create(ks), OutOK: 404},
		"GET /api/v1/campaigns":                   {Allowed: readers, In: apptest.Fixed("/api/v1/campaigns?year=2026", nil), InOK: 200},
		"GET /api/v1/campaigns/{id}":              {Allowed: readers, In: at("310114", "/api/v1/campaigns/%d"), InOK: 200, Out: at(ks, "/api/v1/campaigns/%d"), OutOK: 404},
		"GET /api/v1/campaigns/{id}/progress":     {Allowed: readers, In: at(nx, "/api/v1/campaigns/%d/progress"), InOK: 200, Out: at(ks, "/api/v1/campaigns/%d/progress"), OutOK: 404},
		"GET /api/v1/campaigns/{id}/persons":      {Allowed: readers, In: at(nx, "/api/v1/campaigns/%d/persons?done=false"), InOK: 200, Out: at(ks, "/api/v1/campaigns/%d/persons"), OutOK: 404},
		"POST /api/v1/campaigns/{id}/completions": {Allowed: readers, In: complete(nx, apptest.InPerson), InOK: 201, Out: complete(ks, apptest.OutPerson), OutOK: 404},
		"POST /api/v1/campaigns/{id}/imports":     {Allowed: creators, In: upload(nx, "/api/v1/campaigns/%d/imports", inID), InOK: 200, Out: upload(ks, "/api/v1/campaigns/%d/imports", outID), OutOK: 404},
		"GET /api/v1/campaigns/{id}/export":       {Allowed: creators, In: at(nx, "/api/v1/campaigns/%d/export?format=xlsx&done=false&reason=%%E4%%BD%%93%%E6%%A3%%80"), InOK: 200, Out: at(ks, "/api/v1/campaigns/%d/export?reason=ab"), OutOK: 404},
		"GET /campaigns":                          {Allowed: readers, In: apptest.Fixed("/campaigns", nil), InOK: 200, PageIn: true},
		"GET /campaigns/new":                      {Allowed: creators, In: apptest.Fixed("/campaigns/new", nil), InOK: 200, PageIn: true},
		"POST /campaigns":                         {Allowed: creators, In: createForm(nx), InOK: 303, Out: createForm(ks), OutOK: 404, PageIn: true},
		"GET /campaigns/{id}":                     {Allowed: readers, In: at("310114", "/campaigns/%d"), InOK: 200, Out: at(ks, "/campaigns/%d"), OutOK: 404, PageIn: true},
		"GET /campaigns/{id}/done": {Allowed: readers, In: func(e *apptest.Env, u string) apptest.Request {
			return at(nx, "/campaigns/%d/done?person="+fmt.Sprint(e.In))(e, u)
		}, InOK: 200, Out: func(e *apptest.Env, u string) apptest.Request {
			return at(nx, "/campaigns/%d/done?person="+fmt.Sprint(e.Out))(e, u)
		}, OutOK: 404, PageIn: true},
		"POST /campaigns/{id}/done":   {Allowed: readers, In: done(nx, apptest.InPerson), InOK: 303, Out: done(ks, apptest.OutPerson), OutOK: 404, PageIn: true},
		"GET /campaigns/{id}/import":  {Allowed: creators, In: at(nx, "/campaigns/%d/import"), InOK: 200, Out: at(ks, "/campaigns/%d/import"), OutOK: 404, PageIn: true},
		"POST /campaigns/{id}/import": {Allowed: creators, In: upload(nx, "/campaigns/%d/import", inID), InOK: 200, Out: upload(ks, "/campaigns/%d/import", outID), OutOK: 404, PageIn: true},
	})
}
