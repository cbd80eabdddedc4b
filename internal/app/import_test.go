package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/testkit"
)

type importReport struct {
	Created, Updated, Unchanged int
	Rows                        int
	RejectedRows                int `json:"rejected_rows"`
	Rejected                    []struct {
		Row                   int
		Column, Code, Message string
	}
	UnknownColumns []string `json:"unknown_columns"`
	ID             string
}

func (e *env) importFile(user, path, name string, data []byte) (int, importReport) {
	e.T.Helper()
	st, raw := e.Upload(user, path, name, data, nil)
	var rep importReport
	if st == 200 || st == 422 {
		if err := json.Unmarshal(raw, &rep); err != nil {
			e.T.Fatalf("report %s: %v", raw, err)
		}
	}
	return st, rep
}

func (e *env) count(q string) int { return int(e.Int64(q)) }

func loadExpected(t *testing.T) []expectedRejection {
	b, err := os.ReadFile(fixtureExpected)
	if err != nil {
		t.Fatal(err)
	}
	var want []expectedRejection
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	return want
}

func checkRejections(t *testing.T, rep importReport, want []expectedRejection) {
	t.Helper()
	var got []expectedRejection
	for _, r := range rep.Rejected {
		got = append(got, expectedRejection{r.Row, r.Column, r.Code})
		if r.Message == "" {
			t.Errorf("row %d has no message", r.Row)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d rejections, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("rejection %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func xlsxOf(t *testing.T, csvData []byte) []byte {
	t.Helper()
	rd, err := tabular.OpenCSV(bytes.NewReader(csvData))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := tabular.NewXLSXWriter(&buf, "人员")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(rd.Header())
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		w.Write(row)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportFixture(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		data, err := os.ReadFile(fixtureCSV)
		if err != nil {
			t.Fatal(err)
		}
		want := loadExpected(t)
		before := e.count("SELECT count(*) FROM persons")
		// Strict: every bad row reported, nothing written.
		st, rep := e.importFile("town", "/api/v1/imports/persons", "persons.csv", data)
		if st != 422 || rep.Created != 0 || rep.RejectedRows != len(want) || rep.Rows != 1000 {
			t.Fatalf("strict: %d %+v", st, rep)
		}
		checkRejections(t, rep, want)
		if n := e.count("SELECT count(*) FROM persons"); n != before {
			t.Fatalf("strict import with rejections wrote %d persons", n-before)
		}
		// The same in GB18030 and as XLSX gives the same report.
		gb, _ := simplifiedchinese.GB18030.NewEncoder().Bytes(data)
		if _, rep := e.importFile("town", "/api/v1/imports/persons", "persons-gbk.csv", gb); true {
			checkRejections(t, rep, want)
		}
		if st, rep := e.importFile("town", "/api/v1/imports/persons", "persons.xlsx", xlsxOf(t, data)); st != 422 {
			t.Fatalf("xlsx strict: %d", st)
		} else {
			checkRejections(t, rep, want)
		}
		// Skip-invalid: the good rows are written.
		st, rep = e.importFile("town", "/api/v1/imports/persons?mode=skip-invalid", "persons.csv", data)
		if st != 200 || rep.Created != 1000-len(want) || rep.Unchanged != 0 {
			t.Fatalf("skip-invalid: %d created %d, want %d", st, rep.Created, 1000-len(want))
		}
		checkRejections(t, rep, want)
		if n := e.count("SELECT count(*) FROM persons"); n != before+1000-len(want) {
			t.Fatalf("persons after import: %d", n-before)
		}
		// Re-import: idempotent.
		st, rep = e.importFile("town", "/api/v1/imports/persons?mode=skip-invalid", "persons.csv", data)
		if st != 200 || rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 1000-len(want) {
			t.Fatalf("re-import: %d %+v", st, rep)
		}
		// One changed row is updated; the rest unchanged.
		changed := strings.Replace(string(data), "南翔镇民主街38号", "南翔镇民主街39号", 1)
		st, rep = e.importFile("town", "/api/v1/imports/persons?mode=skip-invalid", "persons.csv", []byte(changed))
		if st != 200 || rep.Updated != 1 || rep.Unchanged != 1000-len(want)-1 {
			t.Fatalf("changed row: %d updated %d unchanged %d", st, rep.Updated, rep.Unchanged)
		}
		// One audit entry per import, with the file's hash: the three strict
		// imports that wrote nothing are on record too.
		var imports struct{ Items []struct{ Detail string } }
		e.Do("auditor", "GET", "/api/v1/audit?action=import&limit=500", nil, &imports)
		if len(imports.Items) != 6 || !strings.Contains(imports.Items[0].Detail, `"sha256":"`) ||
			!strings.Contains(imports.Items[5].Detail, `"mode":"strict","rows":1000,"created":0,"updated":0,"unchanged":0,"rejected":33`) {
			t.Fatalf("import audit entries: %+v", imports.Items)
		}
	})
}

func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		data, _ := os.ReadFile(fixtureCSV)
		e.importFile("town", "/api/v1/imports/persons?mode=skip-invalid", "persons.csv", data)
		// A formula-like name is escaped in the export and restored on import.
		body := map[string]any{"name": "=HYPERLINK(\"x\")", "id_number": apptest.IDNumber("31011419880808888"), "category": 3, "grade": 3, "orgunit": villageIn}
		if st := e.Do("town", "POST", "/api/v1/persons", body, nil); st != 201 {
			t.Fatalf("create: %d", st)
		}
		for _, format := range []string{"csv", "xlsx"} {
			st, raw := e.DoRaw("town", "GET", "/api/v1/exports/persons?format="+format, nil, nil, nil)
			if st != 200 {
				t.Fatalf("export %s: %d %s", format, st, raw)
			}
			if format == "csv" {
				if !bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) {
					t.Error("CSV export has no BOM")
				}
				if !bytes.Contains(raw, []byte(`'=HYPERLINK`)) || bytes.Contains(raw, []byte(`,=HYPERLINK`)) {
					t.Error("formula not escaped in the CSV export")
				}
				if !bytes.Contains(raw, []byte("13")) || bytes.Contains(raw, []byte("****")) {
					t.Error("staff export is masked")
				}
			}
			st, rep := e.importFile("town", "/api/v1/imports/persons", "export."+format, raw)
			if st != 200 || rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != e.count("SELECT count(*) FROM persons WHERE orgunit LIKE '310114102%'") {
				t.Fatalf("%s round trip: %d %+v", format, st, rep)
			}
		}
		// Roles that may not reveal do not export; leaders get 403.
		if st := e.Do("leader", "GET", "/api/v1/exports/persons", nil, nil); st != 403 {
			t.Fatalf("leader export: %d", st)
		}
		// Each export is audited once, as a whole (the persons listed in it).
		if n := e.count("SELECT count(*) FROM audit_log WHERE action = 'export' AND subject_type = 'export'"); n != 2 {
			t.Fatalf("exports audited: %d entries, want 2", n)
		}
		if n := e.count("SELECT count(*) FROM audit_log WHERE action = 'export' AND subject_type = 'person'"); n != 0 {
			t.Fatalf("exports audited per person: %d entries", n)
		}
	})
}

func TestImportLimitsAsyncAndRejects(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.App.Transfer.MaxUpload = 64 << 10
		data, _ := os.ReadFile(fixtureCSV)
		if st, _ := e.Upload("town", "/api/v1/imports/persons", "big.csv", bytes.Repeat(data, 1), nil); st != 413 {
			t.Fatalf("too large: %d", st)
		}
		e.App.Transfer.MaxUpload = 0
		if st, _ := e.Upload("town", "/api/v1/imports/persons", "x.pdf", []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"), nil); st != 415 {
			t.Fatalf("pdf: %d", st)
		}
		if st, _ := e.Upload("town", "/api/v1/imports/persons", "x.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), nil); st != 415 {
			t.Fatalf("png: %d", st)
		}
		// Async: 202 with an id, then progress and the report.
		st, raw := e.Upload("town", "/api/v1/imports/persons?async=1&mode=skip-invalid", "persons.csv", data, nil)
		var acc struct{ ID string }
		json.Unmarshal(raw, &acc)
		if st != 202 || acc.ID == "" {
			t.Fatalf("async: %d %s", st, raw)
		}
		var status struct {
			State     string
			RowsDone  int `json:"rows_done"`
			RowsTotal int `json:"rows_total"`
			Report    *importReport
		}
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if st := e.Do("town", "GET", "/api/v1/imports/"+acc.ID, nil, &status); st != 200 {
				t.Fatalf("status: %d", st)
			}
			if status.State != "running" {
				break
			}
		}
		if status.State != "done" || status.Report == nil || status.Report.Created != 1000-len(loadExpected(t)) || status.RowsTotal != 1000 {
			t.Fatalf("async outcome: %+v %+v", status, status.Report)
		}
		if st := e.Do("district", "GET", "/api/v1/imports/"+acc.ID, nil, nil); st != 404 {
			t.Fatalf("another user's import: %d", st)
		}
		// The rejected rows as XLSX, with the error column, ready to fix and re-upload.
		st, x := e.DoRaw("town", "GET", "/api/v1/imports/"+acc.ID+"/rejects", nil, nil, nil)
		if st != 200 {
			t.Fatalf("rejects: %d", st)
		}
		path := filepath.Join(t.TempDir(), "rejects.xlsx")
		os.WriteFile(path, x, 0o600)
		rd, _, err := tabular.Open(path, tabular.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			row, err := rd.Next()
			if err == io.EOF {
				break
			}
			if n == 0 && !strings.Contains(strings.Join(row, ","), "：") {
				t.Errorf("reject row has no error text: %v", row)
			}
			n++
		}
		rd.Close()
		if n != len(loadExpected(t)) || !slices.Contains(rd.Header(), "错误 errors") {
			t.Fatalf("rejects file: %d rows, header %v", n, rd.Header())
		}
		// Templates.
		for _, kind := range []string{"persons", "annual"} {
			if st, b := e.DoRaw("village", "GET", "/api/v1/imports/"+kind+"/template?format=xlsx", nil, nil, nil); st != 200 || !bytes.HasPrefix(b, []byte("PK")) {
				t.Fatalf("%s template: %d", kind, st)
			}
		}
	})
}

func TestImportAnnual(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var rev struct {
			IDNumber string `json:"id_number"`
		}
		e.Do("town", "POST", fmt.Sprintf("/api/v1/persons/%d/reveal", e.In), map[string]string{"reason": "年度导入测试"}, &rev)
		year := e.Year - 1
		file := "身份证号,就业状况,康复需求,已获康复服务,参加医疗保险,经济状况,家庭人均收入,备注\n" +
			rev.IDNumber + ",就业,是,Y,1,低保,\"36,000\",x\n" +
			apptest.IDNumber("31011419700101999") + ",employed,否,否,否,normal,,\n" +
			rev.IDNumber[:17] + "0,employed,maybe,否,否,normal,,\n"
		st, rep := e.importFile("village", fmt.Sprintf("/api/v1/imports/annual?year=%d&mode=skip-invalid", year), "a.csv", []byte(file))
		if st != 200 || rep.Created != 1 || rep.RejectedRows != 2 || len(rep.UnknownColumns) != 1 || rep.UnknownColumns[0] != "备注" {
			t.Fatalf("annual import: %d %+v", st, rep)
		}
		var rec struct {
			Employment     string
			RehabReceived  bool   `json:"rehab_received"`
			EconomicStatus string `json:"economic_status"`
			Income         *int64 `json:"household_income_per_capita"`
		}
		if st := e.Do("village", "GET", fmt.Sprintf("/api/v1/persons/%d/annual/%d", e.In, year), nil, &rec); st != 200 ||
			rec.Employment != "employed" || !rec.RehabReceived || rec.EconomicStatus != "dibao" || rec.Income == nil || *rec.Income != 36000 {
			t.Fatalf("record: %d %+v", st, rec)
		}
		st, rep = e.importFile("village", fmt.Sprintf("/api/v1/imports/annual?year=%d&mode=skip-invalid", year), "a.csv", []byte(file))
		if rep.Unchanged != 1 || rep.Created != 0 {
			t.Fatalf("annual re-import: %d %+v", st, rep)
		}
		// Export of the year round-trips.
		st, raw := e.DoRaw("village", "GET", fmt.Sprintf("/api/v1/exports/annual?year=%d", year), nil, nil, nil)
		if st != 200 || !bytes.Contains(raw, []byte(rev.IDNumber)) {
			t.Fatalf("annual export: %d %s", st, raw)
		}
		st, rep = e.importFile("village", fmt.Sprintf("/api/v1/imports/annual?year=%d", year), "a.csv", raw)
		if st != 200 || rep.Unchanged != 1 {
			t.Fatalf("annual round trip: %d %+v", st, rep)
		}
	})
}
