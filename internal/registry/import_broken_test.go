package registry_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// TestImportCutFile: a strict import of a file cut inside a quoted field, or
// with a row of the wrong number of fields, writes nothing and names the row;
// skip-invalid imports the whole rows only.
func TestImportCutFile(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
		town := apptest.Caller(identity.TownStaff, "310114102")
		id := func(seq string) string {
			first17 := "31011419800101" + seq
			return first17 + string(registry.IDCheckChar(first17))
		}
		file := "姓名,身份证号,残疾类别,残疾等级,所属村居,住址\n" +
			"甲," + id("101") + ",4,2," + apptest.Village + ",一号\n" +
			"乙," + id("102") + ",4,2," + apptest.Village + "\n" + // row 3: a field short
			"丙," + id("103") + ",4,2," + apptest.Village + ",\"三号"
		for _, mode := range []string{registry.ModeStrict, registry.ModeSkipInvalid} {
			src, err := tabular.OpenCSV(strings.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			res, err := a.Registry.ImportPersons(ctx, town, src, registry.ImportOptions{Mode: mode, ID: "cut-" + mode})
			if err != nil {
				t.Fatal(err)
			}
			rep := res.Report
			if len(rep.Rejected) != 2 || rep.Rejected[0].Row != 3 || rep.Rejected[0].Code != "field_count" ||
				rep.Rejected[1].Row != 4 || rep.Rejected[1].Code != "quote" || rep.Rows != 3 {
				t.Errorf("%s: %+v", mode, rep)
			}
			wantCreated := map[string]int{registry.ModeStrict: 0, registry.ModeSkipInvalid: 1}[mode]
			if rep.Created != wantCreated {
				t.Errorf("%s: created %d, want %d", mode, rep.Created, wantCreated)
			}
		}
		n, err := a.Registry.Count(ctx, town, registry.Filter{})
		if err != nil || n != 1 {
			t.Errorf("persons: %d %v", n, err)
		}
	})
}

// TestImportControlCharacters: a cell with a control character (a vertical
// tab, as a NUL, which PostgreSQL cannot store) is a row error naming the row
// and the column.
func TestImportControlCharacters(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
		town := apptest.Caller(identity.TownStaff, "310114102")
		first17 := "31011419800101101"
		file := "姓名,身份证号,残疾类别,残疾等级,所属村居,住址\n" +
			"甲," + first17 + string(registry.IDCheckChar(first17)) + ",4,2," + apptest.Village + ",一号\x0b楼\n"
		src, err := tabular.OpenCSV(strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		res, err := a.Registry.ImportPersons(ctx, town, src, registry.ImportOptions{Mode: registry.ModeSkipInvalid, ID: "nul"})
		if err != nil {
			t.Fatal(err)
		}
		rej := res.Report.Rejected
		if len(rej) != 1 || rej[0].Row != 2 || rej[0].Column != "住址" || rej[0].Code != "control_character" || res.Report.Created != 0 {
			t.Errorf("%+v", res.Report)
		}
	})
}

// mentions counts the persons of an import's audit entry (",id,…," lists).
func mentions(t *testing.T, detail, key string) int {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal([]byte(detail), &d); err != nil {
		t.Fatal(err)
	}
	list, ok := d[key].(string)
	if !ok {
		t.Fatalf("no %s in %s", key, detail)
	}
	return len(strings.FieldsFunc(list, func(r rune) bool { return r == ',' }))
}

// TestInterruptedImport: an import that stops half-way has the rows it wrote
// as its rows done, and on the next start it is marked failed with an audit
// entry saying how far it came and listing the persons of the batches it
// committed (recorded with each batch, since no summary was written).
func TestInterruptedImport(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
		town := apptest.Caller(identity.TownStaff, "310114102")
		o := registry.ImportOptions{Mode: registry.ModeSkipInvalid, ID: "dies-half-way", FileName: "big.csv", BatchRows: 500}
		if _, err := a.Jobs.Begin(ctx, town, "persons", o, 1200); err != nil {
			t.Fatal(err)
		}
		// 1,200 rows in batches of 500: the process dies in the third batch,
		// once the first two are committed; with its context gone it writes
		// nothing more (as a process that died).
		ictx, die := context.WithCancel(ctx)
		defer die()
		src := &rowsSource{n: 1100, prefix: "行", dies: func() {
			for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(time.Millisecond) {
				var n int
				if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM import_batches WHERE import_id = ?`, o.ID).Scan(&n); err != nil || n == 2 {
					break
				}
			}
			die()
		}}
		if _, err := a.Registry.ImportPersons(ictx, town, src, o); err == nil {
			t.Fatal("the import did not fail")
		}
		var done int
		var state string
		if err := d.QueryRow(ctx, `SELECT rows_done, state FROM imports WHERE id = ?`, o.ID).Scan(&done, &state); err != nil {
			t.Fatal(err)
		}
		if done != 1000 || state != "running" {
			t.Errorf("after dying: rows_done %d, state %s; want 1000 running", done, state)
		}
		// The next start (PostgreSQL: once the heartbeat is stale, as other
		// servers may be importing).
		d.Clock = func() time.Time { return time.Date(2026, 6, 1, 8, 3, 0, 0, time.UTC) }
		jobs, err := registry.NewJobs(ctx, a.Registry)
		if err != nil {
			t.Fatal(err)
		}
		st, err := jobs.Status(ctx, town, o.ID, "en")
		if err != nil || st.State != "failed" || st.RowsDone != 1000 || !strings.Contains(st.Error, "stopped") {
			t.Errorf("status after restart: %+v %v", st, err)
		}
		es, _, err := a.Audit.List(ctx, audit.Filter{SubjectType: registry.SubjectImport, SubjectID: o.ID})
		if err != nil || len(es) != 1 || !strings.Contains(es[0].Detail, `"interrupted":true,"rows_done":1000`) {
			t.Fatalf("audit of the interrupted import: %+v %v", es, err)
		}
		if c, u := mentions(t, es[0].Detail, "persons_created"), mentions(t, es[0].Detail, "persons_updated"); c != 1000 || u != 0 {
			t.Errorf("interrupted import lists %d created, %d updated; want 1000, 0", c, u)
		}
		var left int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM import_batches`).Scan(&left); err != nil || left != 0 {
			t.Errorf("batch lists left: %d %v", left, err)
		}
	})
}

// TestImportFailsMidway: a skip-invalid import that stops on an error keeps
// the batches it committed, and its one audit entry says it failed and lists
// their persons (not those of the batch rolled back).
func TestImportFailsMidway(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
		town := apptest.Caller(identity.TownStaff, "310114102")
		o := registry.ImportOptions{Mode: registry.ModeSkipInvalid, ID: "fails-half-way", BatchRows: 500}
		if _, err := a.Registry.ImportPersons(ctx, town, &rowsSource{n: 1100, prefix: "行", fails: true}, o); err == nil {
			t.Fatal("the import did not fail")
		}
		es, _, err := a.Audit.List(ctx, audit.Filter{SubjectType: registry.SubjectImport, SubjectID: o.ID})
		if err != nil || len(es) != 1 || !strings.Contains(es[0].Detail, `"failed":true`) {
			t.Fatalf("audit of the failed import: %+v %v", es, err)
		}
		if c := mentions(t, es[0].Detail, "persons_created"); c != 1000 {
			t.Errorf("failed import lists %d created; want 1000", c)
		}
		n, err := a.Registry.Count(ctx, town, registry.Filter{})
		if err != nil || n != 1000 {
			t.Errorf("persons: %d %v", n, err)
		}
	})
}

// TestImportAccessLog: an import is audited as one entry listing its persons
// (not one entry per row); a person's access log shows the import that
// created them and the one that updated them, and names no other person.
func TestImportAccessLog(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
		town := apptest.Caller(identity.TownStaff, "310114102")
		id := func(seq string) string {
			first17 := "31011419800101" + seq
			return first17 + string(registry.IDCheckChar(first17))
		}
		imp := func(importID, file string) {
			t.Helper()
			src, err := tabular.OpenCSV(strings.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Registry.ImportPersons(ctx, town, src, registry.ImportOptions{Mode: registry.ModeStrict, ID: importID}); err != nil {
				t.Fatal(err)
			}
		}
		before, _, _ := a.Audit.List(ctx, audit.Filter{Limit: 500})
		imp("first", "姓名,身份证号,残疾类别,残疾等级,所属村居\n甲,"+id("101")+",4,2,"+apptest.Village+"\n乙,"+id("102")+",4,2,"+apptest.Village+"\n")
		after, _, _ := a.Audit.List(ctx, audit.Filter{Limit: 500})
		if len(after)-len(before) != 1 {
			t.Errorf("an import of 2 persons wrote %d audit entries, want 1", len(after)-len(before))
		}
		imp("second", "姓名,身份证号\n甲二,"+id("101")+"\n")
		ps, _, _, err := a.Registry.List(ctx, town, registry.Filter{})
		if err != nil || len(ps) != 2 {
			t.Fatalf("persons: %+v %v", ps, err)
		}
		var jia, yi int64
		for _, p := range ps {
			if p.Name == "甲二" {
				jia = p.ID
			} else {
				yi = p.ID
			}
		}
		log, _, err := a.Registry.AccessLog(ctx, town, jia, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range log {
			if e.SubjectType != registry.SubjectImport {
				continue
			}
			got = append(got, e.SubjectID+" "+e.Detail)
			if strings.Contains(e.Detail, registry.ExportMention(yi)) || strings.Contains(e.Detail, "persons_") {
				t.Errorf("the access log names other persons: %s", e.Detail)
			}
		}
		if len(got) != 2 || !strings.HasPrefix(got[0], "second ") || !strings.Contains(got[0], `"person":"updated"`) ||
			!strings.HasPrefix(got[1], "first ") || !strings.Contains(got[1], `"person":"created"`) {
			t.Errorf("imports in the access log: %q", got)
		}
		// The other person was created by the first import only.
		log, _, err = a.Registry.AccessLog(ctx, town, yi, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range log {
			if e.SubjectType == registry.SubjectImport {
				n++
				if e.SubjectID != "first" || !strings.Contains(e.Detail, `"person":"created"`) {
					t.Errorf("access log of the second person: %+v", e)
				}
			}
		}
		if n != 1 {
			t.Errorf("access log of the second person: %d imports, want 1", n)
		}
	})
}
