package registry_test

import (
	"context"
	"errors"
	"fmt"
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

// failingSource gives good person rows, then fails like a dying process.
type failingSource struct {
	row, failAt int
}

func (s *failingSource) Header() []string {
	return []string{"姓名", "身份证号", "残疾类别", "残疾等级", "所属村居"}
}
func (s *failingSource) Row() int { return s.row }
func (s *failingSource) Next() ([]string, error) {
	s.row++
	if s.row > s.failAt {
		return nil, errors.New("the process died")
	}
	first17 := fmt.Sprintf("3101141980%07d", s.row)
	return []string{"行" + fmt.Sprint(s.row), first17 + string(registry.IDCheckChar(first17)), "4", "2", apptest.Village}, nil
}

// TestInterruptedImport: an import that stops half-way has the rows it wrote
// as its rows done, and on the next start it is marked failed with an audit
// entry saying how far it came.
func TestInterruptedImport(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
		town := apptest.Caller(identity.TownStaff, "310114102")
		o := registry.ImportOptions{Mode: registry.ModeSkipInvalid, ID: "dies-half-way", FileName: "big.csv"}
		if _, err := a.Jobs.Begin(ctx, town, "persons", o, 1200); err != nil {
			t.Fatal(err)
		}
		// 1,200 rows in batches of 500: the process dies in the third batch.
		if _, err := a.Registry.ImportPersons(ctx, town, &failingSource{failAt: 1100}, o); err == nil {
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
		// The next start.
		jobs, err := registry.NewJobs(ctx, a.Registry)
		if err != nil {
			t.Fatal(err)
		}
		st, err := jobs.Status(ctx, town, o.ID, "en")
		if err != nil || st.State != "failed" || st.RowsDone != 1000 || !strings.Contains(st.Error, "stopped") {
			t.Errorf("status after restart: %+v %v", st, err)
		}
		es, _, err := a.Audit.List(ctx, audit.Filter{SubjectType: "import", SubjectID: o.ID})
		if err != nil || len(es) != 1 || !strings.Contains(es[0].Detail, `"interrupted":true,"rows_done":1000`) {
			t.Errorf("audit of the interrupted import: %+v %v", es, err)
		}
	})
}
