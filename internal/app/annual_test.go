package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

func TestAnnualRecord(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		path := fmt.Sprintf("/api/v1/persons/%d/annual/%d", e.In, e.Year-1)
		if st := e.Do("village", "GET", path, nil, nil); st != 404 {
			t.Fatalf("missing record: %d", st)
		}
		body := map[string]any{"employment": "unemployed", "rehab_need": true, "rehab_received": true, "device_need": true,
			"pension_insured": true, "medical_insured": true, "culture_sports": true, "economic_status": "dibao",
			"living_subsidy_received": true, "household_income_per_capita": 18000}
		var rec struct {
			Employment               string
			RehabNeed                bool   `json:"rehab_need"`
			OrgUnit                  string `json:"orgunit"`
			Version                  int
			HouseholdIncomePerCapita *int64 `json:"household_income_per_capita"`
			UpdatedBy                string `json:"updated_by"`
		}
		if st := e.Do("village", "PUT", path, body, &rec); st != 200 || rec.Employment != "unemployed" || !rec.RehabNeed ||
			rec.OrgUnit != villageIn || rec.Version != 1 || rec.HouseholdIncomePerCapita == nil || *rec.HouseholdIncomePerCapita != 18000 || rec.UpdatedBy != "village" {
			t.Fatalf("put: %d %+v", st, rec)
		}
		body["version"], body["employment"] = 1, "employed"
		if st := e.Do("town", "PUT", path, body, &rec); st != 200 || rec.Version != 2 || rec.Employment != "employed" {
			t.Fatalf("second put: %d %+v", st, rec)
		}
		if st := e.Do("town", "PUT", path, body, nil); st != 409 { // version 1 is stale now
			t.Fatalf("stale put: %d", st)
		}
		var bad apiError
		if st := e.Do("town", "PUT", path, map[string]any{"employment": "astronaut", "orgunit": villageTown2}, &bad); st != 422 ||
			!bad.has("employment", "invalid") || !bad.has("orgunit", "scope") {
			t.Fatalf("invalid put: %d %+v", st, bad)
		}
		if st := e.Do("town", "PUT", path, map[string]any{"employment": "employed", "colour": "blue"}, nil); st != 400 {
			t.Fatalf("unknown field: %d", st)
		}
		if st := e.Do("person", "GET", path, nil, &rec); st != 200 || rec.Employment != "employed" {
			t.Fatalf("the person reads their own record: %d", st)
		}
		if st := e.Do("town", "GET", fmt.Sprintf("/api/v1/persons/%d/annual/%d", e.Town2, e.Year), nil, nil); st != 404 {
			t.Fatalf("another town's record: %d", st)
		}
	})
}

func TestListPaging(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		for i := range 4 {
			body := map[string]any{"name": fmt.Sprintf("翻页%d", i), "id_number": apptest.IDNumber(fmt.Sprintf("31011419700201%d01", i)),
				"category": 2, "grade": 4, "orgunit": villageIn}
			if st := e.Do("town", "POST", "/api/v1/persons", body, nil); st != 201 {
				t.Fatalf("create %d: %d", i, st)
			}
		}
		type page struct {
			Items []person
			Total int
			Next  string
		}
		var seen []int64
		cursor := ""
		for range 10 {
			var pg page
			if st := e.Do("town", "GET", "/api/v1/persons?category=2&limit=3&cursor="+cursor, nil, &pg); st != 200 || pg.Total != 4 {
				t.Fatalf("page: %d %+v", st, pg)
			}
			for _, it := range pg.Items {
				seen = append(seen, it.ID)
			}
			if cursor = pg.Next; cursor == "" {
				break
			}
		}
		if len(seen) != 4 || seen[0] >= seen[3] {
			t.Fatalf("pages gave %v", seen)
		}
		var pg page
		if st := e.Do("district", "GET", "/api/v1/persons?orgunit=310114103&limit=500", nil, &pg); st != 200 || pg.Total != 1 || pg.Items[0].ID != e.Town2 {
			t.Fatalf("filter by town: %d %+v", st, pg)
		}
		if st := e.Do("town", "GET", "/api/v1/persons?limit=0", nil, nil); st != 422 {
			t.Fatalf("limit=0: %d", st)
		}
		if st := e.Do("town", "GET", "/api/v1/persons?grade=9", nil, nil); st != 422 {
			t.Fatalf("grade=9: %d", st)
		}
	})
}

// TestImportLegacyID converts a 15-digit ID number on import and notes it.
func TestImportLegacyID(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		file := "姓名,身份证号,残疾类别,残疾等级,所属村居,联系电话\n老号,110105491231002,肢体,二级," + villageIn + ",13900001111\n"
		st, rep := e.importFile("town", "/api/v1/imports/persons", "legacy.csv", []byte(file))
		if st != 200 || rep.Created != 1 {
			t.Fatalf("legacy import: %d %+v", st, rep)
		}
		var list struct {
			Items []struct {
				ID          int64
				IDConverted bool   `json:"id_converted"`
				Masked      string `json:"id_number_masked"`
				BirthYear   int    `json:"birth_year"`
			}
		}
		if st := e.Do("town", "GET", "/api/v1/persons?q=11010519491231002X", nil, &list); st != 200 || len(list.Items) != 1 ||
			!list.Items[0].IDConverted || list.Items[0].BirthYear != 1949 {
			t.Fatalf("converted person: %d %+v", st, list)
		}
		// Importing the 18-digit form later matches the same person.
		file18 := "身份证号,联系电话\n11010519491231002X,13900001111\n"
		if st, rep := e.importFile("town", "/api/v1/imports/persons", "again.csv", []byte(file18)); st != 200 || rep.Unchanged != 1 {
			t.Fatalf("18-digit re-import: %d %+v", st, rep)
		}
	})
}

// TestAnnualUnknownAndAsked: an answer can be unknown, distinct from no,
// through the API, the form, imports and exports; the form asks only what
// applies at the person's age (46 here: no schooling, no graduation), shows
// last year's answers and who changed the record, reads "修改" once the
// record exists, and offers a device request when a device is needed.
func TestAnnualUnknownAndAsked(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		api := func(year int) string { return fmt.Sprintf("/api/v1/persons/%d/annual/%d", e.In, year) }
		type rec struct {
			Version    int
			RehabNeed  bool     `json:"rehab_need"`
			DeviceNeed bool     `json:"device_need"`
			Unknown    []string `json:"unknown"`
		}
		var got rec
		// Last year: a device needed.
		if st := e.Do("village", "PUT", api(e.Year-1), map[string]any{"employment": "unemployed", "device_need": true}, &got); st != 200 || !got.DeviceNeed || got.Unknown != nil {
			t.Fatalf("last year: %d %+v", st, got)
		}
		// This year (the fixture made it): rehabilitation need unknown.
		body := map[string]any{"employment": "employed", "unknown": []string{"rehab_need", "medical_insured"}, "version": 1}
		if st := e.Do("town", "PUT", api(e.Year), body, &got); st != 200 || got.RehabNeed || !slices.Equal(got.Unknown, []string{"rehab_need", "medical_insured"}) {
			t.Fatalf("unknown: %d %+v", st, got)
		}
		if st := e.Do("town", "GET", api(e.Year), nil, &got); st != 200 || !slices.Equal(got.Unknown, []string{"rehab_need", "medical_insured"}) {
			t.Fatalf("read back: %d %+v", st, got)
		}
		var bad apiError
		if st := e.Do("town", "PUT", api(e.Year), map[string]any{"employment": "employed", "rehab_need": true, "unknown": []string{"rehab_need"}}, &bad); st != 422 || !bad.has("unknown", "invalid") {
			t.Fatalf("yes and unknown: %d %+v", st, bad)
		}
		if st := e.Do("town", "PUT", api(e.Year), map[string]any{"employment": "employed", "unknown": []string{"employment"}}, &bad); st != 422 || !bad.has("unknown", "invalid") {
			t.Fatalf("unknown employment: %d %+v", st, bad)
		}

		// The form.
		form := fmt.Sprintf("/persons/%d/annual/%d", e.In, e.Year)
		body2 := e.page(t, "village", form, 200, "修改", `id="f-rehab_need-unknown" name="rehab_need" value="unknown" checked`,
			`id="f-device_need-0" name="device_need" value="0" checked`, "最近修改：", "南翔镇",
			fmt.Sprintf(`<p class="hint" id="l-device_need">%d 年：是</p>`, e.Year-1), `id="skipped"`, "义务教育在学")
		for _, no := range []string{`name="school_enrolled"`, `name="college_graduate"`} {
			if strings.Contains(body2, no) {
				t.Errorf("the form asks a 46-year-old %s", no)
			}
		}
		e.page(t, "village", form+"?lang=en", 200, "Edit the annual record", "Not asked at this age (46)", "Unknown")
		// A question left unanswered is unknown; one not asked stays no; a
		// device need offers the request.
		f := url.Values{"version": {"2"}, "employment": {"employed"}, "economic_status": {"normal"}, "device_need": {"1"}, "rehab_need": {"0"}}
		e.submit(t, "village", form, f, http.StatusSeeOther)
		if st := e.Do("town", "GET", api(e.Year), nil, &got); st != 200 || !got.DeviceNeed || got.RehabNeed ||
			slices.Contains(got.Unknown, "rehab_need") || !slices.Contains(got.Unknown, "culture_sports") || slices.Contains(got.Unknown, "school_enrolled") {
			t.Fatalf("after the form: %d %+v", st, got)
		}
		e.page(t, "village", form+"?saved=1", 200, fmt.Sprintf(`href="/cases/new?person_id=%d&amp;service_type=assistive_device"`, e.In), "为测试1申请辅具")
		// A bad answer keeps what was chosen.
		f.Set("rehab_need", "maybe")
		f.Set("device_need", "unknown")
		e.submit(t, "village", form, f, 422, `id="e-rehab_need"`, `id="f-device_need-unknown" name="device_need" value="unknown" checked`)

		// The person page says "edit"; the person sees their answers.
		e.page(t, "town", fmt.Sprintf("/persons/%d", e.In), 200, fmt.Sprintf("修改 %d 年度状况", e.Year))
		e.page(t, "person", "/me", 200, "我的年度状况", "不详", strconv.Itoa(e.Year-1))

		// Files: 不详 read from an import, written to the export.
		file := "身份证号,就业状况,参加文体活动,康复需求\n" + e.InID + ",employed,不详,是\n"
		if st, rep := e.importFile("village", fmt.Sprintf("/api/v1/imports/annual?year=%d", e.Year), "a.csv", []byte(file)); st != 200 || rep.Updated != 1 {
			t.Fatalf("import: %d %+v", st, rep)
		}
		if st := e.Do("town", "GET", api(e.Year), nil, &got); st != 200 || !got.RehabNeed || !slices.Contains(got.Unknown, "culture_sports") {
			t.Fatalf("after the import: %d %+v", st, got)
		}
		if st, rep := e.importFile("village", fmt.Sprintf("/api/v1/imports/annual?year=%d", e.Year), "a.csv", []byte(file)); st != 200 || rep.Unchanged != 1 {
			t.Fatalf("import again: %d %+v", st, rep)
		}
		st, raw := e.DoRaw("village", "GET", fmt.Sprintf("/api/v1/exports/annual?format=csv&year=%d", e.Year), nil, nil, nil)
		if st != 200 || !strings.Contains(string(raw), "不详") {
			t.Fatalf("export: %d %s", st, raw)
		}
	})
}
