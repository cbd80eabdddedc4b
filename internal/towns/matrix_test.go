package towns_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/towns"
)

// projectFor defines a project in a town as the system and returns it.
func projectFor(e *apptest.Env, town string) towns.Project {
	e.T.Helper()
	in := towns.ProjectInput{Name: "矩阵项目", NameEn: "Matrix project", Fields: []towns.FieldDef{{Name: "note_a", LabelZh: "备注", Kind: "text"}}}
	p, err := e.App.Towns.CreateProject(context.Background(), orgunit.AllUnits(), audit.Actor{Username: "matrix", Role: identity.DistrictStaff}, town, in)
	if err != nil {
		e.T.Fatal(err)
	}
	return p
}

// TestPermissionMatrix walks the towns' API and pages against every role and
// no sign-in, in and out of scope (apptest.Matrix).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	staff := []string{identity.DistrictStaff, identity.TownStaff}
	district := []string{identity.DistrictStaff}
	const in, out = "310114102", "320583100"
	onProject := func(town, path string, body any, form url.Values) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			p := projectFor(e, town)
			return apptest.Request{Path: fmt.Sprintf(path, p.OrgUnit, p.ID), Body: body, Form: form}
		}
	}
	promoteAPI := func(town string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/api/v1/projects/%d/promote", projectFor(e, town).ID)}
		}
	}
	projectForm := url.Values{"name": {"页面项目"}, "name_en": {"Page project"}, "field_name_0": {"school"}, "field_label_zh_0": {"学校"}, "field_kind_0": {"text"}}
	switchForm := url.Values{"service_type": {"home_renovation"}, "enabled": {"1"}}
	project := map[string]any{"name": "矩阵", "name_en": "Project 矩阵", "description": "测试项目", "fields": []map[string]any{
		{"name": "school", "label_zh": "学校", "label_en": "School", "kind": "text", "required": true},
		{"name": "hours", "label_zh": "每周小时数", "label_en": "Hours a week", "kind": "int", "required": true},
		{"name": "level", "label_zh": "程度", "label_en": "Level", "kind": "enum", "choices": []string{"low", "high"}}}}
	apptest.Matrix(t, "towns", map[string]apptest.Entry{
		"GET /api/v1/towns/{code}/services": {Allowed: staff, In: apptest.Fixed("/api/v1/towns/"+in+"/services", nil), InOK: 200,
			Out: apptest.Fixed("/api/v1/towns/"+out+"/services", nil), OutOK: 404},
		"PUT /api/v1/towns/{code}/services/{type}": {Allowed: staff, In: apptest.Fixed("/api/v1/towns/"+in+"/services/home_renovation", map[string]any{"enabled": true}), InOK: 200,
			Out: apptest.Fixed("/api/v1/towns/"+out+"/services/home_renovation", map[string]any{"enabled": true}), OutOK: 404},
		"GET /api/v1/towns/{code}/projects": {Allowed: staff, In: apptest.Fixed("/api/v1/towns/"+in+"/projects", nil), InOK: 200,
			Out: apptest.Fixed("/api/v1/towns/"+out+"/projects", nil), OutOK: 404},
		"POST /api/v1/towns/{code}/projects": {Allowed: staff, In: apptest.Fixed("/api/v1/towns/"+in+"/projects", project), InOK: 201,
			Out: apptest.Fixed("/api/v1/towns/"+out+"/projects", project), OutOK: 404},
		"PUT /api/v1/towns/{code}/projects/{id}": {Allowed: staff, InOK: 200, OutOK: 404,
			In:  onProject(in, "/api/v1/towns/%s/projects/%d", map[string]any{"name": "改名", "name_en": "Renamed"}, nil),
			Out: onProject(out, "/api/v1/towns/%s/projects/%d", map[string]any{"name": "改名", "name_en": "Renamed"}, nil)},
		"POST /api/v1/projects/{id}/promote": {Allowed: district, In: promoteAPI(in), InOK: 200, Out: promoteAPI(out), OutOK: 404},
		// The pages.
		"GET /towns/{code}/services": {Allowed: staff, PageIn: true, In: apptest.Fixed("/towns/"+in+"/services", nil), InOK: 200,
			Out: apptest.Fixed("/towns/"+out+"/services", nil), OutOK: 404},
		"POST /towns/{code}/services": {Allowed: staff, PageIn: true, InOK: 303, OutOK: 404,
			In: apptest.FixedForm("/towns/"+in+"/services", switchForm), Out: apptest.FixedForm("/towns/"+out+"/services", switchForm)},
		"GET /towns/{code}/projects": {Allowed: staff, PageIn: true, In: apptest.Fixed("/towns/"+in+"/projects", nil), InOK: 200,
			Out: apptest.Fixed("/towns/"+out+"/projects", nil), OutOK: 404},
		"POST /towns/{code}/projects": {Allowed: staff, PageIn: true, InOK: 303, OutOK: 404,
			In: apptest.FixedForm("/towns/"+in+"/projects", projectForm), Out: apptest.FixedForm("/towns/"+out+"/projects", projectForm)},
		"POST /towns/{code}/projects/{id}/promote": {Allowed: district, PageIn: true, InOK: 303, OutOK: 404,
			In:  onProject(in, "/towns/%s/projects/%d/promote", nil, url.Values{}),
			Out: onProject(out, "/towns/%s/projects/%d/promote", nil, url.Values{})},
	})
}
