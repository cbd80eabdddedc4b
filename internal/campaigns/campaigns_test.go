package campaigns_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/campaigns"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

const (
	village  = apptest.Village // 永新村, 南翔镇
	village2 = "310114103201"  // 安亭镇
	outside  = "320583100201"  // 昆山
)

var (
	caller   = apptest.Caller
	district = caller(identity.DistrictStaff, "310114")
	town     = caller(identity.TownStaff, "310114102")
	assist   = caller(identity.VillageAssistant, village)
	kunshan  = caller(identity.DistrictStaff, "320583")
)

// now is 11:00 on 4 May 2026 in Shanghai.
var now = time.Date(2026, 5, 4, 3, 0, 0, 0, time.UTC)

// fixture holds the persons of a test, by role in it.
type fixture struct {
	a *app.App
	// p[0..3]: 永新村, category 4, grades 1, 2, 1, 2; p[4]: 永新村, category 1
	// grade 3; p[5]: 安亭镇, category 4 grade 2; p[6]: 永新村, born 1950,
	// category 4 grade 2; p[7]: 昆山, category 4 grade 2.
	p   []int64
	ids []string // their ID numbers
}

func idOf(n int, born int) string {
	return apptest.IDNumber(fmt.Sprintf("310114%d0101%03d", born, 100+n))
}

func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	a := apptest.New(t, d, now,
		orgunit.Unit{Code: village2, Name: "安亭村", Level: 4, Parent: "310114103", Demo: true},
		orgunit.Unit{Code: outside, Name: "玉山村", Level: 4, Parent: "320583100", Demo: true})
	f := fixture{a: a}
	sys := registry.Caller{Scope: orgunit.ScopeOf("3")}
	add := func(n int, unit string, born, category, grade int) {
		id := idOf(n, born)
		p, err := a.Registry.Create(context.Background(), sys, registry.PersonInput{Name: fmt.Sprintf("体检%d", n), IDNumber: id,
			Category: category, Grade: grade, OrgUnit: unit, Phone: "13812345678"})
		if err != nil {
			t.Fatal(err)
		}
		f.p, f.ids = append(f.p, p.ID), append(f.ids, id)
	}
	add(0, village, 1980, 4, 1)
	add(1, village, 1980, 4, 2)
	add(2, village, 1980, 4, 1)
	add(3, village, 1980, 4, 2)
	add(4, village, 1980, 1, 3)
	add(5, village2, 1980, 4, 2)
	add(6, village, 1950, 4, 2)
	add(7, outside, 1980, 4, 2)
	return f
}

func intp(n int) *int { return &n }

// listed is the ids of a campaign's list in the caller's scope (done: nil both).
func listed(t *testing.T, a *app.App, c registry.Caller, id int64, done *bool) []int64 {
	t.Helper()
	ps, _, _, err := a.Campaigns.Persons(context.Background(), c, id, done, "", 500, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, p := range ps {
		out = append(out, p.ID)
	}
	slices.Sort(out)
	return out
}

func wantCode(t *testing.T, err error, code apperr.Code, fields ...string) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
	e, _ := apperr.As(err)
	for _, f := range fields {
		if !slices.ContainsFunc(e.Fields, func(fe apperr.FieldError) bool { return fe.Field == f }) {
			t.Errorf("error %v names no field %s", err, f)
		}
	}
}

// TestCreate: the criteria choose the list, which is frozen at creation; a
// unit outside the caller's scope is 404; bad input names its fields.
func TestCreate(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx, a := context.Background(), f.a
		hc := campaigns.Input{Kind: campaigns.HealthCheck, Name: "2026年度健康体检", Year: 2026, OrgUnit: "310114",
			Criteria: campaigns.Criteria{Categories: []int{4}, Grades: []int{2, 1}}}
		out, err := a.Campaigns.Create(ctx, district, hc)
		if err != nil {
			t.Fatal(err)
		}
		want := []int64{f.p[0], f.p[1], f.p[2], f.p[3], f.p[5], f.p[6]}
		if out.Eligible != len(want) || out.Done != 0 {
			t.Fatalf("created %+v, want %d eligible", out, len(want))
		}
		if got := listed(t, a, district, out.ID, nil); !slices.Equal(got, want) {
			t.Fatalf("list %v, want %v", got, want)
		}
		// The registry changes; the list does not.
		if _, err := a.Registry.Patch(ctx, district, f.p[0], map[string]json.RawMessage{"version": json.RawMessage("1"), "category": json.RawMessage("1"),
			"certificate_number": json.RawMessage(`""`)}); err != nil {
			t.Fatal(err)
		}
		apptest.Person(t, a, 40, "新登记", village, 4, 1)
		if got := listed(t, a, district, out.ID, nil); !slices.Equal(got, want) {
			t.Fatalf("after registry changes the list is %v, want %v", got, want)
		}
		cp, err := a.Campaigns.Get(ctx, district, out.ID)
		if err != nil || cp.Eligible != len(want) || cp.Listed != len(want) || cp.Year != 2026 || cp.Kind != campaigns.HealthCheck {
			t.Fatalf("get: %+v, %v", cp, err)
		}
		// The village assistant sees the campaign with their village's part.
		cp, err = a.Campaigns.Get(ctx, assist, out.ID)
		if err != nil || cp.Eligible != 5 {
			t.Fatalf("assistant's view: %+v, %v", cp, err)
		}
		if got := listed(t, a, assist, out.ID, nil); slices.Contains(got, f.p[5]) {
			t.Errorf("the assistant sees a person of another town: %v", got)
		}
		if _, err := a.Campaigns.Get(ctx, kunshan, out.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another district's staff: %v, want not found", err)
		}
		// Age (on 31 December: 2026 − 1950 = 76), towns, hukou.
		for _, tc := range []struct {
			crit campaigns.Criteria
			want []int64
		}{
			{campaigns.Criteria{AgeMin: intp(60)}, []int64{f.p[6]}},
			{campaigns.Criteria{AgeMin: intp(46), AgeMax: intp(46), Grades: []int{3}}, []int64{f.p[4]}},
			{campaigns.Criteria{Towns: []string{"310114103"}}, []int64{f.p[5]}},
			{campaigns.Criteria{Hukou: "nonlocal"}, nil},
		} {
			in := hc
			in.Criteria = tc.crit
			out, err := a.Campaigns.Create(ctx, district, in)
			if err != nil {
				t.Fatal(err)
			}
			if got := listed(t, a, district, out.ID, nil); !slices.Equal(got, tc.want) || out.Eligible != len(tc.want) {
				t.Errorf("criteria %+v: list %v (%d), want %v", tc.crit, got, out.Eligible, tc.want)
			}
		}
		// Town staff: their town, not the district; nobody another district.
		in := hc
		in.OrgUnit = "310114102"
		// 体检1–3, 6 and the person registered since (体检0 changed category).
		if out, err := a.Campaigns.Create(ctx, town, in); err != nil || out.Eligible != 5 {
			t.Errorf("town staff for their town: %+v, %v", out, err)
		}
		in.OrgUnit = "310114"
		_, err = a.Campaigns.Create(ctx, town, in)
		wantCode(t, err, apperr.NotFound)
		in.OrgUnit = "320583"
		_, err = a.Campaigns.Create(ctx, district, in)
		wantCode(t, err, apperr.NotFound)
		in.OrgUnit, in.Towns = "310114102", []string{"310114103"}
		_, err = a.Campaigns.Create(ctx, district, in)
		wantCode(t, err, apperr.Invalid, "towns")
		// Bounds, each field named.
		bad := campaigns.Input{Kind: "dinner", Name: strings.Repeat("名", 61), Year: 1990, OrgUnit: "310114",
			Criteria: campaigns.Criteria{Categories: []int{8}, Grades: []int{0}, AgeMin: intp(-1), AgeMax: intp(121), Hukou: "mars"}}
		_, err = a.Campaigns.Create(ctx, district, bad)
		wantCode(t, err, apperr.Invalid, "kind", "name", "year", "categories", "grades", "age_min", "age_max", "hukou")
		_, err = a.Campaigns.Create(ctx, district, campaigns.Input{Kind: campaigns.TelecomPackage, Name: "x", Year: 2026, OrgUnit: "310114",
			Criteria: campaigns.Criteria{AgeMin: intp(60), AgeMax: intp(20)}})
		wantCode(t, err, apperr.Invalid, "age_max")
		_, err = a.Campaigns.Create(ctx, district, campaigns.Input{Kind: campaigns.TelecomPackage, Name: "x", Year: 2026, OrgUnit: "310114999"})
		wantCode(t, err, apperr.Invalid, "orgunit")
	})
}

// TestCompletions: 201, the same person again 409, not on the list 422, a
// date outside the year or in the future 422, a person outside the scope
// 404; the progress counts them, and each is audited.
func TestCompletions(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx, a := context.Background(), f.a
		out, err := a.Campaigns.Create(ctx, district, campaigns.Input{Kind: campaigns.TelecomPackage, Name: "通信优惠", Year: 2026, OrgUnit: "310114",
			Criteria: campaigns.Criteria{Categories: []int{4}}})
		if err != nil {
			t.Fatal(err)
		}
		id := out.ID
		done, err := a.Campaigns.Complete(ctx, assist, id, campaigns.CompletionInput{PersonID: f.p[1], Date: "2026-05-04"}, "api")
		if err != nil || done.Date != "2026-05-04" {
			t.Fatalf("complete: %+v, %v", done, err)
		}
		_, err = a.Campaigns.Complete(ctx, assist, id, campaigns.CompletionInput{PersonID: f.p[1], Date: "2026-05-03"}, "api")
		wantCode(t, err, apperr.Conflict)
		_, err = a.Campaigns.Complete(ctx, assist, id, campaigns.CompletionInput{PersonID: f.p[4], Date: "2026-05-03"}, "api")
		wantCode(t, err, apperr.Invalid, "person_id")
		for _, day := range []string{"2025-12-31", "2026-05-05", "2026-13-01", ""} {
			_, err = a.Campaigns.Complete(ctx, assist, id, campaigns.CompletionInput{PersonID: f.p[2], Date: day}, "api")
			wantCode(t, err, apperr.Invalid, "date")
		}
		_, err = a.Campaigns.Complete(ctx, assist, id, campaigns.CompletionInput{PersonID: f.p[5], Date: "2026-05-03"}, "api")
		wantCode(t, err, apperr.NotFound)
		_, err = a.Campaigns.Complete(ctx, kunshan, id, campaigns.CompletionInput{PersonID: f.p[7], Date: "2026-05-03"}, "api")
		wantCode(t, err, apperr.NotFound)
		if _, err := a.Campaigns.Complete(ctx, district, id, campaigns.CompletionInput{PersonID: f.p[5], Date: "2026-01-02"}, "api"); err != nil {
			t.Fatal(err)
		}
		pr, err := a.Campaigns.ProgressOf(ctx, district, id, "zh")
		if err != nil {
			t.Fatal(err)
		}
		if pr.Campaign.Eligible != 6 || pr.Campaign.Done != 2 || len(pr.Towns) != 2 || len(pr.Villages) != 2 {
			t.Fatalf("progress %+v", pr)
		}
		nx := pr.Towns[0]
		if nx.OrgUnit != "310114102" || nx.Name != "南翔镇" || nx.Eligible != 5 || nx.Done != 1 || *nx.Rate != 0.2 {
			t.Errorf("南翔镇: %+v", nx)
		}
		if v := pr.Villages[1]; v.OrgUnit != village2 || v.Eligible != 1 || v.Done != 1 || *v.Rate != 1 {
			t.Errorf("安亭村: %+v", v)
		}
		yes, no := true, false
		if got := listed(t, a, assist, id, &no); !slices.Equal(got, []int64{f.p[0], f.p[2], f.p[3], f.p[6]}) {
			t.Errorf("not yet reached in the village: %v", got)
		}
		if got := listed(t, a, district, id, &yes); !slices.Equal(got, []int64{f.p[1], f.p[5]}) {
			t.Errorf("reached: %v", got)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'update' AND subject_type = 'person' AND subject_id = ? AND detail LIKE ?`,
			fmt.Sprint(f.p[1]), `%"campaign":`+fmt.Sprint(id)+`%`).Scan(&n); err != nil || n != 1 {
			t.Errorf("audit entries of the completion: %d, %v", n, err)
		}
	})
}

// csvFile writes a CSV file in the test's folder.
func csvFile(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "done.csv")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImport: a hospital's file with a title above its header and rows that
// are done, unknown, not on the list, repeated, of another year, of another
// district and done already, in both modes.
func TestImport(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx, a := context.Background(), f.a
		out, err := a.Campaigns.Create(ctx, district, campaigns.Input{Kind: campaigns.HealthCheck, Name: "体检", Year: 2026, OrgUnit: "310114",
			Criteria: campaigns.Criteria{Categories: []int{4}}})
		if err != nil {
			t.Fatal(err)
		}
		id := out.ID
		if _, err := a.Campaigns.Complete(ctx, district, id, campaigns.CompletionInput{PersonID: f.p[0], Date: "2026-02-01"}, "api"); err != nil {
			t.Fatal(err)
		}
		unknown := idOf(99, 1970)
		path := csvFile(t,
			"嘉定区中心医院 2026 年残疾人体检完成名单,,,",
			"序号,姓名,身份证号,体检日期",
			"1,体检1,"+f.ids[1]+",2026-03-01",
			"2,某人,"+unknown+",2026-03-01",
			"3,体检4,"+f.ids[4]+",2026-03-01",
			"4,体检1,"+f.ids[1]+",2026-03-02",
			"5,体检2,"+f.ids[2]+",2025-12-01",
			"6,体检3,"+strings.ToLower(f.ids[3])+",2026年4月2日",
			"7,体检7,"+f.ids[7]+",2026-03-01",
			"8,体检0,"+f.ids[0]+",2026-03-01",
			"9,体检6,"+f.ids[6]+",2026-06-01",
		)
		type rej struct {
			Row          int
			Column, Code string
		}
		wantRejected := []rej{
			{4, "身份证号", "not_found"},
			{5, "身份证号", "not_on_list"},
			{6, "身份证号", "duplicate_in_file"},
			{7, "体检日期", "wrong_year"},
			{9, "身份证号", "not_found"},
			{10, "身份证号", "already_done"},
			{11, "体检日期", "future"},
		}
		audits := func() int {
			var n int
			if err := d.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		check := func(rep *campaigns.ImportReport, mode string, done int) {
			t.Helper()
			var got []rej
			for _, r := range rep.Rejected {
				got = append(got, rej{r.Row, r.Column, r.Code})
				if r.Msg.Zh == "" || r.Msg.En == "" {
					t.Errorf("row %d: a message is missing: %+v", r.Row, r.Msg)
				}
			}
			if !slices.Equal(got, wantRejected) {
				t.Errorf("%s: rejected %v, want %v", mode, got, wantRejected)
			}
			if rep.Mode != mode || rep.Rows != 9 || rep.Done != done || rep.RejectedRows != 7 || rep.HeaderRow != 2 {
				t.Errorf("%s: report %+v", mode, rep)
			}
		}
		before := audits()
		rep, err := a.Campaigns.Import(ctx, district, id, path, campaigns.ModeStrict, "done.csv")
		if err != nil {
			t.Fatal(err)
		}
		check(rep, campaigns.ModeStrict, 0)
		yes := true
		if got := listed(t, a, district, id, &yes); !slices.Equal(got, []int64{f.p[0]}) {
			t.Fatalf("strict mode wrote: reached %v", got)
		}
		if n := audits(); n != before+len(listed(t, a, district, id, &yes)) {
			t.Errorf("strict mode left %d audit entries beyond the list's read", n-before)
		}
		rep, err = a.Campaigns.Import(ctx, district, id, path, campaigns.ModeSkipInvalid, "done.csv")
		if err != nil {
			t.Fatal(err)
		}
		check(rep, campaigns.ModeSkipInvalid, 2)
		if got := listed(t, a, district, id, &yes); !slices.Equal(got, []int64{f.p[0], f.p[1], f.p[3]}) {
			t.Errorf("skip-invalid: reached %v", got)
		}
		var on string
		if err := d.QueryRow(ctx, `SELECT done_on FROM campaign_persons WHERE campaign_id = ? AND person_id = ?`, id, f.p[3]).Scan(&on); err != nil || on != "2026-04-02" {
			t.Errorf("the date of 体检3: %q, %v", on, err)
		}
		// The town's staff: the person of 安亭镇 is not theirs, told as unknown.
		path = csvFile(t, "身份证号,完成日期", f.ids[5]+",2026-03-01")
		rep, err = a.Campaigns.Import(ctx, town, id, path, campaigns.ModeStrict, "")
		if err != nil || len(rep.Rejected) != 1 || rep.Rejected[0].Code != "not_found" {
			t.Errorf("another town's person: %+v, %v", rep, err)
		}
		// A file without the columns.
		path = csvFile(t, "姓名,电话", "体检1,13812345678")
		_, err = a.Campaigns.Import(ctx, district, id, path, campaigns.ModeStrict, "")
		wantCode(t, err, apperr.Invalid, "file")
		_, err = a.Campaigns.Import(ctx, kunshan, id, path, campaigns.ModeStrict, "")
		wantCode(t, err, apperr.NotFound)
	})
}

// TestExport: the list as a workbook, masked, audited as an export of persons.
func TestExport(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx, a := context.Background(), f.a
		out, err := a.Campaigns.Create(ctx, district, campaigns.Input{Kind: campaigns.HealthCheck, Name: "体检", Year: 2026, OrgUnit: "310114",
			Criteria: campaigns.Criteria{Categories: []int{4}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Campaigns.Complete(ctx, district, out.ID, campaigns.CompletionInput{PersonID: f.p[0], Date: "2026-02-01"}, "api"); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		w, err := tabular.NewXLSXWriter(&buf, "名单")
		if err != nil {
			t.Fatal(err)
		}
		no := false
		if _, err := a.Campaigns.Export(ctx, district, out.ID, &no, "x", w); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("an export without a reason: %v", err)
		}
		n, err := a.Campaigns.Export(ctx, town, out.ID, &no, "交医院安排体检", w)
		if err != nil || n != 4 {
			t.Fatalf("export: %d, %v", n, err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "list.xlsx")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		tb, _, err := tabular.OpenWith(path, tabular.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer tb.Close()
		if h := tb.Header(); !slices.Equal(h, campaigns.ExportHeader) {
			t.Errorf("header %v", h)
		}
		var rows [][]string
		for {
			r, err := tb.Next()
			if err != nil {
				break
			}
			rows = append(rows, r)
		}
		if len(rows) != 4 || rows[0][0] != "体检1" || rows[0][4] != "南翔镇" || rows[0][5] != "永新村" || len(rows[0]) > 9 && rows[0][9] != "" {
			t.Fatalf("rows %v", rows)
		}
		for _, r := range rows {
			if slices.Contains(f.ids, r[1]) || r[1] == "" || r[6] == "13812345678" {
				t.Errorf("an unmasked number: %v", r)
			}
		}
		var reason, detail string
		if err := d.QueryRow(ctx, `SELECT reason, detail FROM audit_log WHERE action = 'export' AND username = ?`, town.Actor.Username).Scan(&reason, &detail); err != nil {
			t.Fatal(err)
		}
		if reason != "交医院安排体检" || !strings.Contains(detail, registry.ExportMention(f.p[1])) || strings.Contains(detail, registry.ExportMention(f.p[0])) {
			t.Errorf("export entry: %q %s", reason, detail)
		}
	})
}
