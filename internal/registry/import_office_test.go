package registry_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// The spreadsheet corpus of issue 23: files as a federation clerk brings
// them, made by LibreOffice Calc in headless mode (which behaves like Excel
// and WPS here) from CSV written below, so that nothing binary is
// committed. Each is imported as .xlsx and as .xls, on both engines, with
// the report expected of it.

// officeID is the n-th ID number of the corpus: digits only when n is even,
// ending in X when odd (such a number stays text in any spreadsheet).
func officeID(t *testing.T, n int) string {
	t.Helper()
	for i := 0; i < 1000; i++ {
		id := apptest.IDNumber(fmt.Sprintf("3101141985%02d%02d%03d", 1+n%12, 1+n%28, (n*37+i)%1000))
		if (id[17] == 'X') == (n%2 == 1) {
			return id
		}
	}
	t.Fatalf("no ID number for %d", n)
	return ""
}

const officeHeader = "姓名,身份证号,残疾证号,残疾类别,残疾等级,所属村居,联系电话,发证日期\n"

// officeRows writes n persons rows: row r (from 2) is person r-2. Odd
// persons have a landline with its leading 0, even ones a mobile.
func officeRows(t *testing.T, n int, date string) string {
	var b strings.Builder
	b.WriteString(officeHeader)
	for i := 0; i < n; i++ {
		id := officeID(t, i)
		phone := fmt.Sprintf("139%08d", i)
		if i%2 == 1 {
			phone = fmt.Sprintf("021%08d", 59000000+i)
		}
		fmt.Fprintf(&b, "办公%c,%s,%s42,4,2,%s,%s,%s\n", '甲'+rune(i), id, id, apptest.Village, phone, date)
	}
	return b.String()
}

// writeFile writes s to name in a temporary folder of the test.
func writeFile(t *testing.T, name, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// LibreOffice's CSV import filter: comma, double quote, UTF-8, from line 1;
// the fifth token gives column types (1 standard, 2 text). Without it,
// LibreOffice does as a spreadsheet does with a double-clicked CSV: digit
// strings become numbers, ISO dates date cells.
const (
	csvDetect = "CSV:44,34,76,1"
	csvText   = "CSV:44,34,76,1,1/1/2/2/3/2/4/1/5/1/6/2/7/2/8/2"
)

func TestImportOfficeCorpus(t *testing.T) {
	t.Parallel()
	const n = 12
	// Numbers as numbers: every 18-digit ID and 20-digit certificate
	// number loses its last digits, landlines their leading 0.
	numbers := writeFile(t, "numbers.csv", officeRows(t, n, "2025-05-01"))
	// Text columns: what the clerk should have done.
	text := writeFile(t, "text.csv", officeRows(t, n, "2025-05-01"))
	// A title and a blank row above the header, notes rows below the data.
	title := writeFile(t, "title.csv", "嘉定区残疾人名册（2026年）,,,,,,,\n,,,,,,,\n"+officeRows(t, 3, "2025-05-01")+
		"填表人：王芳（联系电话 021-59531234）,,,,,,,\n,合计 3 人,,,,,,\n")
	// Full-width digits, typed with a Chinese input method.
	fw := strings.NewReplacer("0", "０", "1", "１", "2", "２", "3", "３", "4", "４", "5", "５", "6", "６", "7", "７", "8", "８", "9", "９", "X", "Ｘ", "-", "－")
	fullWidth := writeFile(t, "fullwidth.csv", officeHeader+fw.Replace(strings.TrimPrefix(officeRows(t, 3, "2025年5月1日"), officeHeader)))
	// Dates as people type them, kept as text, and as date cells.
	typed := []string{"2025-12-01", "2025年12月1日", "2025.12.1", "2025/12/1", "20251201", "２０２５年１２月１日"}
	var dates strings.Builder
	dates.WriteString(officeHeader)
	for i, d := range typed {
		id := officeID(t, 20+i)
		fmt.Fprintf(&dates, "日期%d,%s,,4,2,%s,,%s\n", i, id, apptest.Village, d)
	}
	datesText := writeFile(t, "dates.csv", dates.String())
	datesCells := writeFile(t, "datecells.csv", officeRows(t, 3, "2025-12-01"))
	books := severalSheets(t)
	// An annual survey whose ID numbers became numbers.
	annual := writeFile(t, "annual.csv", "身份证号,就业状况\n"+officeID(t, 2)+",就业\n"+officeID(t, 3)+",就业\n")

	type file struct {
		name, src, infilter string
	}
	corpus := []file{
		{"numbers", numbers, csvDetect}, {"text", text, csvText}, {"title", title, csvText},
		{"fullwidth", fullWidth, csvText}, {"dates", datesText, csvText}, {"datecells", datesCells, csvDetect},
		{"annual", annual, csvDetect},
	}
	made := map[string]string{} // "numbers.xls" → path
	for _, f := range corpus {
		for _, to := range []string{"xlsx", "xls"} {
			made[f.name+"."+to] = testkit.Convert(t, f.src, to, f.infilter)
		}
	}
	for _, to := range []string{"xlsx", "xls"} {
		made["sheets."+to] = testkit.Convert(t, books, to, "")
	}

	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC))
		district := apptest.Caller(identity.DistrictStaff, "310114")
		imp := func(file string, o registry.ImportOptions) *registry.ImportReport {
			t.Helper()
			if o.Mode == "" {
				o.Mode = registry.ModeSkipInvalid
			}
			res, err := a.Registry.ImportFile(ctx, district, "persons", made[file], o)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			return &res.Report
		}
		person := func(file, id string) registry.Revealed {
			t.Helper()
			ps, _, _, err := a.Registry.List(ctx, district, registry.Filter{Q: id, Limit: 2})
			if err != nil || len(ps) != 1 {
				t.Fatalf("%s: person %s: %d %v", file, id, len(ps), err)
			}
			r, err := a.Registry.Reveal(ctx, district, ps[0].ID, "核对导入")
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		for _, ext := range []string{"xlsx", "xls"} {
			// Numbers as numbers: never a suggested check digit, always what
			// happened and what to do.
			f := "numbers." + ext
			rep := imp(f, registry.ImportOptions{})
			byRow := map[int][]registry.Rejection{}
			for _, r := range rep.Rejected {
				byRow[r.Row] = append(byRow[r.Row], r)
				if strings.Contains(r.Msg.Zh, "应为") && r.Code == "checksum" {
					t.Errorf("%s row %d: a check digit is suggested: %s", f, r.Row, r.Msg.Zh)
				}
			}
			for i := 0; i < n; i++ {
				row := i + 2
				got := map[string]registry.Rejection{}
				for _, r := range byRow[row] {
					got[r.Column] = r
				}
				if i%2 == 0 { // digits only: stored as numbers
					if r := got["身份证号"]; r.Code != "stored_as_number" || !strings.Contains(r.Msg.Zh, "Excel 把身份证号存成了数字，后几位已经丢失：请把该列设置为文本格式后重新录入") ||
						!strings.Contains(r.Msg.En, "ID number as a number") {
						t.Errorf("%s row %d: ID number: %+v", f, row, r)
					}
				} else if _, ok := got["身份证号"]; ok {
					t.Errorf("%s row %d: an ID number ending in X is text and valid: %+v", f, row, got)
				}
				if i%2 == 0 {
					if r := got["残疾证号"]; r.Code != "stored_as_number" || !strings.Contains(r.Msg.Zh, "残疾证号存成了数字") {
						t.Errorf("%s row %d: certificate number: %+v", f, row, r)
					}
				}
				if i%2 == 1 { // a landline lost its leading 0
					if r := got["联系电话"]; r.Code != "stored_as_number" || !strings.Contains(r.Msg.Zh, "开头的 0 已经丢失") {
						t.Errorf("%s row %d: landline: %+v", f, row, r)
					}
				} else if r, ok := got["联系电话"]; ok {
					t.Errorf("%s row %d: a mobile number survives as a number: %+v", f, row, r)
				}
			}
			if rep.RejectedRows != n || rep.Created != 0 {
				t.Errorf("%s: %d rows rejected, %d created; want %d, 0", f, rep.RejectedRows, rep.Created, n)
			}

			// Text columns: every row as typed; the second import changes nothing.
			f = "text." + ext
			rep = imp(f, registry.ImportOptions{Mode: registry.ModeStrict})
			if rep.RejectedRows != 0 || rep.Created+rep.Unchanged != n || rep.Sheet == "" || rep.HeaderRow != 0 || len(rep.Notes) != 0 {
				t.Fatalf("%s: %+v", f, rep)
			}
			for _, i := range []int{0, 1} {
				p := person(f, officeID(t, i))
				want := fmt.Sprintf("021%08d", 59000000+i)
				if i == 0 {
					want = "13900000000"
				}
				if p.CertificateNumber != officeID(t, i)+"42" || p.Phone != want {
					t.Errorf("%s: person %d: %+v", f, i, p)
				}
			}
			if rep := imp(f, registry.ImportOptions{}); rep.Unchanged != n {
				t.Errorf("%s again: %+v", f, rep)
			}

			// A title row and a blank row above the header.
			f = "title." + ext
			rep = imp(f, registry.ImportOptions{Mode: registry.ModeStrict})
			if rep.RejectedRows != 0 || rep.Unchanged != 3 || rep.Rows != 3 || rep.HeaderRow != 3 || fmt.Sprint(rep.SkippedRows) != "[1]" ||
				len(rep.Notes) != 2 || rep.Notes[0].Code != "header_row" || !strings.Contains(rep.Notes[0].Msg.Zh, "表头在第 3 行") ||
				rep.Notes[1].Code != "note_rows" || !strings.Contains(rep.Notes[1].Msg.Zh, "第 7–8 行只有一段说明文字") {
				t.Errorf("%s: %+v", f, rep)
			}

			// Full-width digits: stored as ASCII.
			f = "fullwidth." + ext
			rep = imp(f, registry.ImportOptions{Mode: registry.ModeStrict})
			if rep.RejectedRows != 0 || rep.Unchanged != 3 {
				t.Errorf("%s: %+v", f, rep)
			}

			// Typed dates and date cells.
			f = "dates." + ext
			rep = imp(f, registry.ImportOptions{Mode: registry.ModeStrict})
			if rep.RejectedRows != 0 || rep.Created+rep.Unchanged != len(typed) {
				t.Fatalf("%s: %+v", f, rep)
			}
			for i := range typed {
				ps, _, _, err := a.Registry.List(ctx, district, registry.Filter{Q: officeID(t, 20+i), Limit: 2})
				if err != nil || len(ps) != 1 || ps[0].CertificateIssued != "2025-12-01" {
					t.Errorf("%s: %q read as %+v %v", f, typed[i], ps, err)
				}
			}
			f = "datecells." + ext
			if rep = imp(f, registry.ImportOptions{Mode: registry.ModeStrict}); rep.RejectedRows == 0 {
				t.Errorf("%s: ID numbers stored as numbers were taken: %+v", f, rep)
			}
			for _, r := range rep.Rejected {
				if r.Column == "发证日期" {
					t.Errorf("%s: a date cell refused: %+v", f, r)
				}
			}

			// The annual import refuses an ID number that lost its digits too.
			f = "annual." + ext
			ares, err := a.Registry.ImportFile(ctx, district, "annual", made[f], registry.ImportOptions{Mode: registry.ModeSkipInvalid, Year: 2026})
			if err != nil || ares.Report.Created+ares.Report.Updated+ares.Report.Unchanged != 1 || len(ares.Report.Rejected) != 1 || ares.Report.Rejected[0].Row != 2 ||
				ares.Report.Rejected[0].Code != "stored_as_number" {
				t.Errorf("%s: %+v %v", f, ares.Report, err)
			}

			// Several sheets: the one whose header matches; hidden ones never.
			f = "sheets." + ext
			rep = imp(f, registry.ImportOptions{Mode: registry.ModeStrict})
			if rep.Sheet != "名册" || fmt.Sprint(rep.Sheets) != "[说明 名册 统计]" || rep.RejectedRows != 0 || rep.Created+rep.Unchanged != 2 ||
				len(rep.Notes) != 2 || rep.Notes[0].Code != "sheet" || !strings.Contains(rep.Notes[0].Msg.Zh, "说明、统计") ||
				rep.Notes[1].Code != "header_row" || rep.HeaderRow != 2 {
				t.Errorf("%s: %+v", f, rep)
			}
			if rep = imp(f, registry.ImportOptions{Sheet: "说明"}); rep.Sheet != "说明" || len(rep.Rejected) != 1 || rep.Rejected[0].Code != "missing_column" ||
				!strings.Contains(rep.Rejected[0].Msg.Zh, "找不到表头") {
				t.Errorf("%s, sheet 说明: %+v", f, rep)
			}
			_, err = a.Registry.ImportFile(ctx, district, "persons", made[f], registry.ImportOptions{Mode: registry.ModeStrict, Sheet: "隐藏"})
			if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "sheet" ||
				!strings.Contains(e.Fields[0].Msg.Zh, "说明、名册、统计") {
				t.Errorf("%s, hidden sheet: %v", f, err)
			}
		}
	})
}

// severalSheets writes a workbook of four sheets: notes, the persons
// (under a merged title cell), figures, and a hidden sheet with a persons
// header that must never be read.
func severalSheets(t *testing.T) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "说明"))
	must(f.SetCellStr("说明", "A1", "本工作簿由街道残联填报，请勿修改表头。"))
	_, err := f.NewSheet("名册")
	must(err)
	must(f.SetCellStr("名册", "A1", "嘉定区残疾人名册（2026年）"))
	must(f.MergeCell("名册", "A1", "F1"))
	for i, h := range []string{"姓名", "身份证号", "残疾类别", "残疾等级", "所属村居", "联系电话"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		must(f.SetCellStr("名册", cell, h))
	}
	for r, name := range []string{"表一", "表二"} {
		row := []string{name, officeID(t, 40+r), "4", "2", apptest.Village, "13912345678"}
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+3)
			must(f.SetCellStr("名册", cell, v))
		}
	}
	_, err = f.NewSheet("统计")
	must(err)
	must(f.SetCellStr("统计", "A1", "合计"))
	must(f.SetCellInt("统计", "B1", 2))
	_, err = f.NewSheet("隐藏")
	must(err)
	must(f.SetCellStr("隐藏", "A1", "姓名"))
	must(f.SetCellStr("隐藏", "B1", "身份证号"))
	must(f.SetCellStr("隐藏", "C1", "残疾类别"))
	must(f.SetCellStr("隐藏", "A2", "不应导入"))
	must(f.SetSheetVisible("隐藏", false))
	p := filepath.Join(t.TempDir(), "sheets.xlsx")
	must(f.SaveAs(p))
	return p
}
