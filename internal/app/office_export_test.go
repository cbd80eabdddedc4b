package app_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/employment"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/testkit"
)

// The exports as an office suite sees them: each export is opened by
// LibreOffice (headless), saved as CSV with every cell as LibreOffice shows
// it, and read back; the rows must be the rows our own reader gives for the
// export (tabular.Open), header and every data row, cell by cell. Clerks open
// our exports in Excel, WPS or LibreOffice Calc: 18-digit ID numbers and
// leading zeros must stay as they are, dates and Chinese text as written,
// and a formula-like value is shown as text (escaped with an apostrophe,
// tabular.Escape), never evaluated.

// officeCSVOut is how LibreOffice saves what it opened: CSV separated by
// commas (44), quoted with " (34), in UTF-8 (76), cells as shown (token 8),
// formulas not exported (token 9), every sheet to its own file (-1).
const officeCSVOut = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"

// officeCSVIn is how LibreOffice reads a CSV file of ours: UTF-8 from line
// 1, with the column types of cols (token 5: column/type pairs, "" lets
// LibreOffice detect the types, as it does when a CSV file is opened
// directly).
func officeCSVIn(cols string) string {
	return "Text - txt - csv (StarCalc):44,34,76,1," + cols
}

// textColumns is token 5 of officeCSVIn for n columns, all read as text
// (type 2), as a careful clerk imports a CSV file.
func textColumns(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("%d/2", i+1)
	}
	return strings.Join(parts, "/")
}

// officeConvert has LibreOffice open the file at path (a CSV file read with
// infilter; "" for a workbook) and save it as CSV with the cells as shown,
// and returns the path of that CSV file.
func officeConvert(t *testing.T, path, infilter string) string {
	t.Helper()
	return testkit.Convert(t, path, officeCSVOut, infilter)
}

// officeRows is what LibreOffice shows of the file at path (see
// officeConvert): the header and the data rows, read back with
// tabular.OpenCSV.
func officeRows(t *testing.T, path, infilter string) [][]string {
	t.Helper()
	out := officeConvert(t, path, infilter)
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := tabular.OpenCSV(f)
	if err != nil {
		t.Fatalf("the CSV file LibreOffice saved: %v", err)
	}
	return drainRows(t, out, rd)
}

// ourRows is what our own reader gives of the file at path: the header and
// the data rows.
func ourRows(t *testing.T, path string) [][]string {
	t.Helper()
	rd, _, err := tabular.Open(path, tabular.Limits{})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer rd.Close()
	return drainRows(t, path, rd)
}

func drainRows(t *testing.T, path string, rd *tabular.Table) [][]string {
	t.Helper()
	rows := [][]string{rd.Header()}
	for {
		row, err := rd.Next()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		rows = append(rows, row)
	}
}

// sameRows checks that LibreOffice's rows are ours, cell by cell.
func sameRows(t *testing.T, what string, office, ours [][]string) {
	t.Helper()
	if len(office) != len(ours) {
		t.Errorf("%s: LibreOffice shows %d rows (with the header), we wrote %d", what, len(office), len(ours))
	}
	for i := range min(len(office), len(ours)) {
		if !slices.Equal(office[i], ours[i]) {
			for j := range max(len(office[i]), len(ours[i])) {
				if o, w := cellAt(office[i], j), cellAt(ours[i], j); o != w {
					t.Errorf("%s: row %d, column %d (%s): LibreOffice shows %q, we wrote %q", what, i+1, j+1, cellAt(ours[0], j), o, w)
				}
			}
		}
	}
}

func cellAt(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

// saveExport GETs an export as user and saves it in a temporary file named
// name.
func (e *env) saveExport(t *testing.T, user, path, name string) string {
	t.Helper()
	st, raw := e.DoRaw(user, "GET", path, nil, nil, nil)
	if st != 200 {
		t.Fatalf("GET %s: %d %s", path, st, raw)
	}
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// checkOffice checks that LibreOffice shows the export at path as we wrote
// it: a workbook as it opens it, a CSV file read with every column as text.
// It returns our rows, to check for the values worth checking.
func checkOffice(t *testing.T, what, path string) [][]string {
	t.Helper()
	ours := ourRows(t, path)
	if len(ours) < 2 {
		t.Fatalf("%s: no data rows: %v", what, ours)
	}
	infilter := ""
	if filepath.Ext(path) == ".csv" {
		n := 0
		for _, r := range ours {
			n = max(n, len(r))
		}
		infilter = officeCSVIn(textColumns(n))
	}
	sameRows(t, what, officeRows(t, path, infilter), ours)
	return ours
}

// column is the index of the column headed h in rows' header.
func column(t *testing.T, rows [][]string, h string) int {
	t.Helper()
	i := slices.Index(rows[0], h)
	if i < 0 {
		t.Fatalf("no column %q in %v", h, rows[0])
	}
	return i
}

// hasValues checks that rows have, in the column headed h, each of values.
func hasValues(t *testing.T, what string, rows [][]string, h string, values ...string) {
	t.Helper()
	i := column(t, rows, h)
	for _, v := range values {
		if !slices.ContainsFunc(rows[1:], func(r []string) bool { return cellAt(r, i) == v }) {
			t.Errorf("%s: no %s %q", what, h, v)
		}
	}
}

// idEndingIn is an ID number of 18 characters, born on birth, whose check
// character is check.
func idEndingIn(birth string, check byte) string {
	for n := range 1000 {
		id := apptest.IDNumber(fmt.Sprintf("310114%s%03d", birth, n))
		if id[17] == check {
			return id
		}
	}
	panic("no ID number ends in " + string(check))
}

// formulaName is a person's name that a spreadsheet program would take for
// a formula: exported escaped, shown as text.
const formulaName = `=HYPERLINK("x")`

// officePersons imports the persons worth checking (and rows that are
// rejected), and their annual records of the year. It returns their ID
// numbers and the import's id.
func (e *env) officePersons(t *testing.T) (ids []string, importID string) {
	t.Helper()
	x := idEndingIn("19880808", 'X')
	d1 := idEndingIn("19920229", '0') // a check digit of 0
	d2 := apptest.IDNumber("31011420010101123")
	bad := d2[:17] + "1" // a wrong check character
	if d2[17] == '1' {
		bad = d2[:17] + "2"
	}
	ok3 := apptest.IDNumber("31011419750615456")
	d4 := apptest.IDNumber("31011419660303321")
	csvRows := [][]string{
		{"姓名", "身份证号", "残疾证号", "残疾类别", "残疾等级", "所属村居", "联系电话", "住址", "户籍", "经济状况", "监护人", "监护人电话", "发证日期", "状态", "户号", "多重残疾类别"},
		{"阿卜杜·热合曼", d4, d4 + "71", "7", "1", villageIn, "13700000000", "南翔镇民主街8号\n2单元301室", "local", "tekun", "𠮷野", "", "2018-07-01", "active", "", "1,4"},
		{"王晓明", x, x + "42", "4", "2", villageIn, "13812345678", "南翔镇民主街12号", "local", "dibao", "王大明", "02159991234", "2019-03-05", "active", "0012345", ""},
		{"'" + formulaName, d1, d1 + "11", "1", "1", villageIn, "021-59991234", "+86 南翔镇@古猗园路1号", "nonlocal", "normal", "", "", "2001-01-01", "active", "000001", ""},
		{"欧阳娜娜", d2, "", "5", "3", "310114102202", "05125551234", "南翔镇德园路-3号", "local", "near_dibao", "欧阳夏", "13900000001", "2020-12-31", "active", "", ""},
		{"钱多多", bad, "", "4", "2", villageIn, "02159990000", "南翔镇", "local", "normal", "", "", "2021-02-03", "active", "0099", ""},
		{"孙小红", ok3, ok3 + "43", "4", "3", villageIn, "0215999", "南翔镇", "local", "normal", "", "", "2021/2/3", "active", "", ""},
		{"-李四", ok3, "", "9", "2", villageIn, "13812345678", "南翔镇", "local", "normal", "", "", "2021-13-01", "active", "", ""},
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(csvRows); err != nil {
		t.Fatal(err)
	}
	st, rep := e.importFile("town", "/api/v1/imports/persons?mode=skip-invalid", "persons.csv", buf.Bytes())
	if st != 200 || rep.Created != 4 || rep.RejectedRows != 3 || rep.ID == "" {
		t.Fatalf("import: %d %+v", st, rep)
	}
	// A line break as a browser or an API client sends it (CR LF), not
	// through an import (whose CSV reader makes it LF already).
	d5 := apptest.IDNumber("31011419590909789")
	body := map[string]any{"name": "马丽", "id_number": d5, "category": 2, "grade": 4, "orgunit": villageIn,
		"address": "南翔镇民主街9号\r\n3号楼201室", "phone": "02159991230"}
	if st := e.Do("town", "POST", "/api/v1/persons", body, nil); st != 201 {
		t.Fatalf("create: %d", st)
	}
	annual := "身份证号,就业状况,康复需求,已获康复服务,参加医疗保险,经济状况,家庭人均收入,所属村居\n" +
		x + ",就业,是,Y,1,低保,\"36,000\",\n" +
		d1 + ",unemployed,否,否,是,normal,0,\n" +
		d2 + ",student,是,否,否,near_dibao,3.6万," + "310114102202\n"
	if st, rep := e.importFile("town", fmt.Sprintf("/api/v1/imports/annual?year=%d", e.Year), "annual.csv", []byte(annual)); st != 200 || rep.Created != 3 {
		t.Fatalf("annual import: %d %+v", st, rep)
	}
	return []string{x, d1, d2, d4, d5}, rep.ID
}

// TestOfficeRegistryExports: the persons export (XLSX and CSV), the annual
// records (XLSX and CSV) and the workbook of an import's rejected rows, as
// LibreOffice shows them.
func TestOfficeRegistryExports(t *testing.T) {
	t.Parallel()
	testkit.Office(t)
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ids, importID := e.officePersons(t)
		for _, format := range []string{"xlsx", "csv"} {
			what := "persons " + format
			path := e.saveExport(t, "town", "/api/v1/exports/persons?format="+format, "persons."+format)
			rows := checkOffice(t, what, path)
			hasValues(t, what, rows, "身份证号", ids...)
			hasValues(t, what, rows, "姓名", "王晓明", formulaName, "欧阳娜娜", "阿卜杜·热合曼")
			hasValues(t, what, rows, "监护人", "𠮷野")
			hasValues(t, what, rows, "多重残疾类别", "1,4")
			hasValues(t, what, rows, "残疾证号", ids[0]+"42", ids[1]+"11")
			hasValues(t, what, rows, "联系电话", "13812345678", "021-59991234", "05125551234")
			hasValues(t, what, rows, "监护人电话", "02159991234")
			hasValues(t, what, rows, "联系电话", "02159991230")
			hasValues(t, what, rows, "发证日期", "2019-03-05", "2001-01-01", "2020-12-31")
			hasValues(t, what, rows, "户号", "0012345", "000001")
			hasValues(t, what, rows, "住址", "+86 南翔镇@古猗园路1号", "南翔镇德园路-3号", "南翔镇民主街8号\n2单元301室", "南翔镇民主街9号\n3号楼201室")
			// The formula-like name is shown as text, with its apostrophe:
			// LibreOffice did not evaluate it.
			formulaShown(t, what, path)
		}
		for _, format := range []string{"xlsx", "csv"} {
			what := "annual records " + format
			path := e.saveExport(t, "town", fmt.Sprintf("/api/v1/exports/annual?year=%d&format=%s", e.Year, format), "annual."+format)
			rows := checkOffice(t, what, path)
			hasValues(t, what, rows, "身份证号", ids[:3]...)
			hasValues(t, what, rows, "家庭人均收入", "36000", "0")
		}
		path := e.saveExport(t, "town", "/api/v1/imports/"+importID+"/rejects", "rejects.xlsx")
		rows := checkOffice(t, "rejects", path)
		if len(rows) != 4 {
			t.Errorf("rejects: %d rows, want the header and 3", len(rows))
		}
		hasValues(t, "rejects", rows, "联系电话", "02159990000", "0215999")
		hasValues(t, "rejects", rows, "户号", "0099")
		hasValues(t, "rejects", rows, "发证日期", "2021-02-03", "2021/2/3", "2021-13-01")
		hasValues(t, "rejects", rows, "姓名", "钱多多", "-李四")
	})
}

// formulaShown checks that LibreOffice shows formulaName as text with the
// apostrophe our export put before it (the raw cell of the CSV file it
// saves, before tabular's reader takes the apostrophe off again).
func formulaShown(t *testing.T, what, path string) {
	t.Helper()
	infilter := ""
	if filepath.Ext(path) == ".csv" {
		infilter = officeCSVIn(textColumns(len(ourRows(t, path)[0])))
	}
	b, err := os.ReadFile(officeConvert(t, path, infilter))
	if err != nil {
		t.Fatal(err)
	}
	cells, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("%s: the CSV file LibreOffice saved: %v", what, err)
	}
	for _, r := range cells {
		if slices.Contains(r, "'"+formulaName) {
			return
		}
	}
	t.Errorf("%s: LibreOffice does not show %q as text: %s", what, "'"+formulaName, b)
}

// TestOfficeCSVTypeDetection documents why we recommend XLSX: opening our
// persons CSV directly, LibreOffice (like Excel) detects the types of the
// cells and turns ID numbers of 18 digits into numbers, losing digits, and
// landlines into numbers without their leading 0; the XLSX export keeps
// them.
func TestOfficeCSVTypeDetection(t *testing.T) {
	t.Parallel()
	testkit.Office(t)
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ids, _ := e.officePersons(t)
		path := e.saveExport(t, "town", "/api/v1/exports/persons?format=csv", "persons.csv")
		ours := ourRows(t, path)
		office := officeRows(t, path, officeCSVIn(""))
		if len(office) != len(ours) {
			t.Fatalf("LibreOffice shows %d rows, we wrote %d", len(office), len(ours))
		}
		id, phone := column(t, ours, "身份证号"), column(t, ours, "监护人电话")
		digits, landlines := 0, 0
		for i, r := range ours[1:] {
			shown := cellAt(office[i+1], id)
			if strings.HasSuffix(r[id], "X") {
				if shown != r[id] {
					t.Errorf("ID number %s ending in X shown as %q", r[id], shown)
				}
			} else {
				digits++
				if shown == r[id] {
					t.Errorf("LibreOffice kept the ID number %s of digits only as text: type detection changed?", r[id])
				}
			}
			if p := cellAt(r, phone); strings.HasPrefix(p, "0") {
				landlines++
				if shown := cellAt(office[i+1], phone); shown == p {
					t.Errorf("LibreOffice kept the landline %s with its leading 0: type detection changed?", p)
				}
			}
		}
		if digits == 0 || landlines == 0 {
			t.Fatalf("%d ID numbers of digits only and %d landlines to check", digits, landlines)
		}
		// The XLSX export keeps them all.
		path = e.saveExport(t, "town", "/api/v1/exports/persons?format=xlsx", "persons.xlsx")
		x := ourRows(t, path)
		hasValues(t, "persons xlsx", x, "身份证号", ids...)
		hasValues(t, "persons xlsx", x, "监护人电话", "02159991234")
		sameRows(t, "persons xlsx", officeRows(t, path, ""), x)
	})
}

// TestOfficeLevyAndIndicators: the levy statement and the indicator tables
// (indicators, breakdown, compare), as LibreOffice shows them.
func TestOfficeLevyAndIndicators(t *testing.T) {
	t.Parallel()
	testkit.Office(t)
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		year := fmt.Sprint(e.Year)
		// The levy parameters with a social average wage, so that every
		// figure of the statement is there.
		params := url.Values{"year": {year}, "quota": {"1.5"}, "exempt_max_staff": {"30"}, "exempt_until_year": {"0"}, "wage_cap": {"3"},
			"threshold": {"1"}, "rate_at_or_above": {"50"}, "rate_below": {"90"}, "social_average_wage": {"120000"}}
		if st, raw := e.Form("district", "/levy/params", params); st != 303 {
			t.Fatalf("levy params: %d %s", st, raw)
		}
		path := e.saveExport(t, "district", "/levy/statement.xlsx?year="+year, "levy.xlsx")
		rows := checkOffice(t, "levy statement", path)
		hasValues(t, "levy statement", rows, "单位名称", "南翔精密制造", "安亭汽车配件")
		hasValues(t, "levy statement", rows, "统一社会信用代码", "91310114MA1GT0001"+string(employment.USCCCheckChar("91310114MA1GT0001")))
		for _, x := range []struct{ user, query, want string }{
			{"district", "table=indicators&orgunit=310114&year=" + year, "动态更新完成率"},
			{"district", "table=breakdown&code=survey_coverage&by=orgunit&orgunit=310114&year=" + year, "南翔镇"},
			{"district", "table=compare&orgunit=310114&year=" + year, "安亭镇"},
			// A leader's table: small counts are suppressed ("少于5").
			{"leader", "table=indicators&orgunit=310114&year=" + year, "少于5"},
		} {
			what := x.user + "'s indicators " + x.query
			rows := checkOffice(t, what, e.saveExport(t, x.user, "/api/v1/indicators/export?"+x.query, "indicators.xlsx"))
			if !slices.ContainsFunc(rows, func(r []string) bool { return slices.Contains(r, x.want) }) {
				t.Errorf("%s: no %q in %v", what, x.want, rows)
			}
		}
	})
}
