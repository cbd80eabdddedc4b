package registry_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// TestImportVillageNamesAndLabels: the coded columns take the code, the
// Chinese and the English label; the village column a code, a name unique in
// the caller's area, or "town/village"; an ambiguous name is refused naming
// its row, its column and the candidates; a name outside the area is not
// found (nothing of it leaks).
func TestImportVillageNamesAndLabels(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC),
			orgunit.Unit{Code: "310114102203", Name: "安园村", NameEn: "Anyuan Village", Level: 4, Parent: "310114102", Demo: true},
			orgunit.Unit{Code: "310114103202", Name: "永新村", Level: 4, Parent: "310114103", Demo: true})
		district := apptest.Caller(identity.DistrictStaff, "310114")
		town := apptest.Caller(identity.TownStaff, "310114102")
		id := func(n int) string { return apptest.IDNumber(fmt.Sprintf("310114198501011%02d", n)) }
		imp := func(c registry.Caller, mode, file string) *registry.ImportResult {
			t.Helper()
			src, err := tabular.OpenCSV(strings.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			res, err := a.Registry.ImportPersons(ctx, c, src, registry.ImportOptions{Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		file := "姓名,身份证号,残疾类别,残疾等级,所属村居,户籍,经济状况,状态\n" +
			"甲," + id(1) + ",肢体残疾,二级,安园村,本地户籍,低保,在册\n" + // row 2: names and Chinese labels
			"乙," + id(2) + ",4,2,安亭镇/永新村,non-local,near dibao,active\n" + // row 3: town/village, English labels
			"丙," + id(3) + ",4,2," + apptest.Village + ",local,tekun,active\n" + // row 4: codes, as always
			"丁," + id(4) + ",4,2,永新村,本地户籍,一般,在册\n" + // row 5: two villages of that name
			"戊," + id(5) + ",4,2,无此村,本地户籍,一般,在册\n" + // row 6: no such village
			"己," + id(6) + ",4,2,anyuan village,本地户籍,特困供养,在册\n" // row 7: the English name
		res := imp(district, registry.ModeSkipInvalid, file)
		rep := res.Report
		if rep.Created != 4 || rep.RejectedRows != 2 || len(rep.Rejected) != 2 {
			t.Fatalf("report: %+v", rep)
		}
		amb, none := rep.Rejected[0], rep.Rejected[1]
		if amb.Row != 5 || amb.Column != "所属村居" || amb.Code != "ambiguous" ||
			!strings.Contains(amb.Msg.Zh, "南翔镇/永新村（"+apptest.Village+"）") || !strings.Contains(amb.Msg.Zh, "安亭镇/永新村（310114103202）") ||
			!strings.Contains(amb.Msg.En, "310114103202") {
			t.Errorf("ambiguous: %+v", amb)
		}
		if none.Row != 6 || none.Column != "所属村居" || none.Code != "not_found" || !strings.Contains(none.Msg.Zh, "无此村") {
			t.Errorf("not found: %+v", none)
		}
		want := map[string][3]string{ // name → orgunit, hukou, economic status
			"甲": {"310114102203", "local", "dibao"}, "乙": {"310114103202", "nonlocal", "near_dibao"},
			"丙": {apptest.Village, "local", "tekun"}, "己": {"310114102203", "local", "tekun"},
		}
		ps, _, _, err := a.Registry.List(ctx, district, registry.Filter{Limit: 50})
		if err != nil || len(ps) != 4 {
			t.Fatalf("persons: %d %v", len(ps), err)
		}
		for _, p := range ps {
			w := want[p.Name]
			if p.OrgUnit != w[0] || p.Hukou != w[1] || p.EconomicStatus != w[2] || p.Status != "active" || p.Category != 4 || p.Grade != 2 {
				t.Errorf("%s: %s %s %s %s %d %d", p.Name, p.OrgUnit, p.Hukou, p.EconomicStatus, p.Status, p.Category, p.Grade)
			}
		}
		// In the town's area the name is unique; the other town's village
		// is not found, said as of any unknown name.
		res = imp(town, registry.ModeStrict, "姓名,身份证号,残疾类别,残疾等级,所属村居\n丁,"+id(4)+",4,2,永新村\n")
		if res.Report.Created != 1 || res.Report.RejectedRows != 0 {
			t.Errorf("town, unique name: %+v", res.Report)
		}
		res = imp(town, registry.ModeStrict, "姓名,身份证号,残疾类别,残疾等级,所属村居\n戊,"+id(5)+",4,2,安亭镇/永新村\n")
		if rj := res.Report.Rejected; len(rj) != 1 || rj[0].Code != "not_found" || rj[0].Row != 2 || strings.Contains(rj[0].Msg.Zh, "310114103202") {
			t.Errorf("town, other town's village: %+v", res.Report)
		}
		// The annual import reads labels and village names too.
		src, err := tabular.OpenCSV(strings.NewReader("身份证号,就业状况,经济状况,所属村居\n" + id(1) + ",失业（有能力且求职）,低保边缘,永乐村\n" +
			id(3) + ",无劳动能力,低保,安园村\n"))
		if err != nil {
			t.Fatal(err)
		}
		ares, err := a.Registry.ImportAnnual(ctx, district, src, registry.ImportOptions{Mode: registry.ModeSkipInvalid, Year: 2026})
		if err != nil || ares.Report.Created != 1 || len(ares.Report.Rejected) != 1 || ares.Report.Rejected[0].Row != 2 || ares.Report.Rejected[0].Code != "not_found" {
			t.Fatalf("annual: %+v %v", ares.Report, err)
		}
		var third int64
		for _, p := range ps {
			if p.Name == "丙" {
				third = p.ID
			}
		}
		an, err := a.Registry.GetAnnual(ctx, district, third, 2026)
		if err != nil || an.Employment != "unable" || an.EconomicStatus != "dibao" || an.OrgUnit != "310114102203" {
			t.Errorf("annual record: %+v %v", an, err)
		}
	})
}

// TestTemplateLookups: the XLSX template carries the caller's villages (and
// no other area's) and the code lists with their labels; the dropdowns offer
// Chinese labels and village names, the village one accepting codes too.
func TestTemplateLookups(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		st, raw := e.DoRaw("town", "GET", "/api/v1/imports/persons/template?format=xlsx", nil, nil, nil)
		if st != 200 {
			t.Fatalf("template: %d", st)
		}
		f, err := excelize.OpenReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = f.Close() }()
		if got := f.GetSheetList(); !slices.Contains(got, "村居 villages") || !slices.Contains(got, "代码 codes") || got[0] != "导入 import" {
			t.Fatalf("sheets: %v", got)
		}
		villages, err := f.GetRows("村居 villages")
		if err != nil {
			t.Fatal(err)
		}
		var vs []string
		for _, r := range villages[1:] {
			vs = append(vs, strings.Join(r[:3], " "))
		}
		if !slices.Equal(vs, []string{apptest.Village + " 永新村 南翔镇", "310114102202 永乐村 南翔镇"}) {
			t.Errorf("villages: %q", vs)
		}
		codes, err := f.GetRows("代码 codes")
		if err != nil {
			t.Fatal(err)
		}
		var cs []string
		for _, r := range codes[1:] {
			cs = append(cs, strings.Join(r, "|"))
		}
		for _, w := range []string{"户籍 hukou|local|本地户籍|local", "经济状况 economic_status|dibao|低保|minimum living allowance (dibao)", "残疾类别 category|4|肢体残疾|physical"} {
			if !slices.Contains(cs, w) {
				t.Errorf("codes sheet has no %q: %q", w, cs)
			}
		}
		dvs, err := f.GetDataValidations("导入 import")
		if err != nil {
			t.Fatal(err)
		}
		all := ""
		for _, dv := range dvs {
			all += dv.Formula1 + "\n"
		}
		hidden := ""
		if rows, err := f.GetRows("_choices"); err == nil {
			for _, r := range rows {
				hidden += strings.Join(r, ",") + "\n"
			}
		}
		for _, w := range []string{"本地户籍", "低保边缘", "在册", "肢体残疾", "二级", "永乐村"} {
			if !strings.Contains(all+hidden, w) {
				t.Errorf("no dropdown offers %s: %s / %s", w, all, hidden)
			}
		}
		if strings.Contains(all, `"local,`) || strings.Contains(all, "dibao") {
			t.Errorf("a dropdown offers codes: %s", all)
		}
		ex, _ := f.GetCellValue("导入 import", "I2")
		head, _ := f.GetCellValue("导入 import", "I1")
		if head != "户籍" || ex != "本地户籍" {
			t.Errorf("example row: %s = %s", head, ex)
		}
		// The CSV template is as before.
		if st, raw := e.DoRaw("town", "GET", "/api/v1/imports/persons/template?format=csv", nil, nil, nil); st != 200 || !strings.Contains(string(raw), "local") {
			t.Errorf("csv template: %d %s", st, raw)
		}
	})
}
