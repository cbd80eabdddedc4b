package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestIndicatorsAPI exercises the indicator API of CONTRACT.md over HTTP: the
// shapes, null for an empty denominator, freshness after an API write, scope,
// the leader's limits, targets and the XLSX export.
func TestIndicatorsAPI(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		type item struct {
			Code        string
			Name        string
			OrgUnit     string
			Numerator   int64
			Denominator *int64
			Value       *float64
			Target      *float64
			Met         *bool
		}
		var res struct {
			OrgUnit string
			Year    int
			Items   []item
		}
		get := func(user, unit string) map[string]item {
			t.Helper()
			raw := map[string]any{}
			st, body := e.DoRaw(user, "GET", fmt.Sprintf("/api/v1/indicators?orgunit=%s&year=%d", unit, e.Year), nil, &raw, nil)
			if st != 200 {
				t.Fatalf("indicators as %s: %d %s", user, st, body)
			}
			for _, it := range raw["items"].([]any) {
				m := it.(map[string]any)
				for _, k := range []string{"code", "name", "numerator", "denominator", "value", "target", "met"} {
					if _, ok := m[k]; !ok {
						t.Fatalf("item without %q: %s", k, body)
					}
				}
			}
			if err := json.Unmarshal(body, &res); err != nil {
				t.Fatal(err)
			}
			out := map[string]item{}
			for _, it := range res.Items {
				out[it.Code] = it
			}
			return out
		}
		items := get("district", "310114")
		if res.OrgUnit != "310114" || res.Year != e.Year || len(items) != 13 {
			t.Fatalf("indicators: %+v", res)
		}
		// The fixture: two persons of Jiading with a record (one in Kunshan, outside).
		if s := items["survey_coverage"]; s.Numerator != 2 || *s.Denominator != 2 || *s.Value != 1 || !*s.Met {
			t.Errorf("survey coverage: %+v", s)
		}
		if c := items["compulsory_education_rate"]; *c.Denominator != 0 || c.Value != nil || c.Met != nil {
			t.Errorf("empty denominator must give null value and met: %+v", c)
		}
		// A new person without a record: the survey gap lists them, masked.
		var created struct{ ID int64 }
		if st := e.Do("district", "POST", "/api/v1/persons", map[string]any{"name": "缺调查", "id_number": apptest.IDNumber("31011419850505123"), "category": 2, "grade": 1, "orgunit": villageIn}, &created); st != 201 {
			t.Fatalf("create: %d", st)
		}
		if s := get("district", "310114")["survey_coverage"]; s.Numerator != 2 || *s.Denominator != 3 {
			t.Errorf("after a new person: survey %d/%d, want 2/3", s.Numerator, *s.Denominator)
		}
		var gap struct {
			Items []map[string]any
			Total int
			Next  string
		}
		st, body := e.DoRaw("town", "GET", fmt.Sprintf("/api/v1/indicators/survey_coverage/gap?orgunit=310114102&year=%d", e.Year), nil, &gap, nil)
		if st != 200 || gap.Total != 1 || len(gap.Items) != 1 || gap.Items[0]["name"] != "缺调查" || gap.Items[0]["id_number"] != nil {
			t.Fatalf("survey gap: %d %s", st, body)
		}
		if m, _ := gap.Items[0]["id_number_masked"].(string); len(m) != 18 || m[6:14] != "********" {
			t.Errorf("survey gap: the ID number is not masked: %q", m)
		}
		if bytes.Contains(body, []byte(apptest.IDNumber("31011419850505123"))) {
			t.Errorf("the gap list shows a full ID number: %s", body)
		}
		// The annual record through the API shows at once.
		if st := e.Do("village", "PUT", apptest.PersonAPI(created.ID, fmt.Sprintf("/annual/%d", e.Year)), map[string]any{"employment": "unemployed", "living_subsidy_received": false}, nil); st != 200 {
			t.Fatalf("put annual: %d", st)
		}
		items = get("village", villageIn)
		if s := items["survey_coverage"]; s.Numerator != 2 || *s.Denominator != 2 {
			t.Errorf("village after the record: survey %+v", s)
		}
		if l := items["living_subsidy_coverage"]; l.Numerator != 0 || *l.Denominator != 1 || l.Met == nil || *l.Met {
			t.Errorf("grade 1 without work is eligible for the living subsidy and does not get it: %+v", l)
		}
		// Breakdown by town adds up; every town is listed.
		var bd struct {
			By    string
			Items []item
		}
		if st := e.Do("district", "GET", fmt.Sprintf("/api/v1/indicators/survey_coverage/breakdown?orgunit=310114&year=%d", e.Year), nil, &bd); st != 200 || len(bd.Items) != 12 || bd.By != "orgunit" {
			t.Fatalf("breakdown: %d %+v", st, bd)
		}
		var n, dd int64
		for _, it := range bd.Items {
			if it.OrgUnit == "" || it.Name == "" {
				t.Errorf("breakdown item without orgunit or name: %+v", it)
			}
			n += it.Numerator
			dd += *it.Denominator
		}
		if n != 3 || dd != 3 {
			t.Errorf("towns add up to %d/%d, want 3/3", n, dd)
		}
		if st := e.Do("district", "GET", fmt.Sprintf("/api/v1/indicators/survey_coverage/breakdown?orgunit=310114&year=%d&by=grade", e.Year), nil, &bd); st != 200 || len(bd.Items) != 4 {
			t.Errorf("breakdown by grade: %d %+v", st, bd)
		}
		// Leaders see figures but not persons; nobody sees another district.
		if st := e.Do("leader", "GET", fmt.Sprintf("/api/v1/indicators/survey_coverage/gap?orgunit=310114&year=%d", e.Year), nil, nil); st != 403 {
			t.Errorf("leader gap list: %d, want 403", st)
		}
		get("leader", "310114")
		if st := e.Do("district", "GET", "/api/v1/indicators?orgunit=320583", nil, nil); st != 404 {
			t.Errorf("another district: %d, want 404", st)
		}
		if st := e.Do("town", "GET", "/api/v1/indicators?orgunit=310114", nil, nil); st != 404 {
			t.Errorf("town staff asking for the district: %d, want 404", st)
		}
		// English names follow Accept-Language.
		var en struct{ Items []item }
		e.DoRaw("district", "GET", "/api/v1/indicators?orgunit=310114", nil, &en, http.Header{"Accept-Language": {"en"}})
		if en.Items[0].Name != "Annual survey coverage" {
			t.Errorf("English name: %q", en.Items[0].Name)
		}
		// A target for the town applies to its villages.
		if st, body := e.DoRaw("district", "PUT", "/api/v1/indicators/targets", map[string]any{"orgunit": "310114102", "year": e.Year, "code": "living_subsidy_coverage", "target": 0}, nil, nil); st != 200 {
			t.Fatalf("set target: %d %s", st, body)
		}
		if l := get("village", villageIn)["living_subsidy_coverage"]; l.Target == nil || *l.Target != 0 || !*l.Met {
			t.Errorf("after target 0: %+v", l)
		}
		if st := e.Do("district", "PUT", "/api/v1/indicators/targets", map[string]any{"orgunit": "310114102", "year": e.Year, "code": "living_subsidy_coverage", "target": 2}, nil); st != 422 {
			t.Errorf("target 200%%: %d, want 422", st)
		}
		// Export as XLSX.
		req, _ := http.NewRequest("GET", e.Srv.URL+"/api/v1/indicators/export?orgunit=310114", nil)
		req.Header.Set("Authorization", "Bearer "+e.Tokens["leader"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Errorf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
}
