package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// sheetsWorkbook is an .xlsx of two visible sheets — notes, then persons
// under a title row — and a hidden one.
func sheetsWorkbook(t *testing.T, ids ...string) []byte {
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
	must(f.SetCellStr("说明", "A1", "填表说明"))
	_, err := f.NewSheet("名册")
	must(err)
	must(f.SetCellStr("名册", "A1", "南翔镇残疾人名册"))
	must(f.SetSheetRow("名册", "A2", &[]any{"姓名", "身份证号", "残疾类别", "残疾等级", "所属村居", "联系电话"}))
	for i, id := range ids {
		must(f.SetSheetRow("名册", fmt.Sprintf("A%d", i+3), &[]any{fmt.Sprintf("表%c", '甲'+rune(i)), id, "4", "2", villageIn, "１３９１２３４５６７８"}))
	}
	_, err = f.NewSheet("旧表")
	must(err)
	must(f.SetSheetRow("旧表", "A1", &[]any{"姓名", "身份证号"}))
	must(f.SetSheetVisible("旧表", false))
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

// TestImportSheetsOverHTTP: over the API, the workbook's matching sheet is
// read below its title, and the report says so (in the caller's
// language); ?sheet= names another; a hidden or missing sheet is a 422
// naming the sheets there are. The upload page keeps what was chosen when
// it sends the form back.
func TestImportSheetsOverHTTP(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		book := sheetsWorkbook(t, apptest.IDNumber("31011419900101301"), apptest.IDNumber("31011419900101302"))
		st, raw := e.Upload("town", "/api/v1/imports/persons?lang=en", "名册.xlsx", book, nil)
		var rep struct {
			Created     int
			Sheet       string
			Sheets      []string
			HeaderRow   int   `json:"header_row"`
			SkippedRows []int `json:"skipped_rows"`
			Notes       []struct{ Code, Message string }
		}
		if err := json.Unmarshal(raw, &rep); st != 200 || err != nil || rep.Created != 2 || rep.Sheet != "名册" || fmt.Sprint(rep.Sheets) != "[说明 名册]" ||
			rep.HeaderRow != 2 || fmt.Sprint(rep.SkippedRows) != "[1]" || len(rep.Notes) != 2 || !strings.Contains(rep.Notes[1].Message, "The header is row 2") {
			t.Fatalf("import: %d %s", st, raw)
		}
		st, raw = e.Upload("town", "/api/v1/imports/persons?sheet=%E8%AF%B4%E6%98%8E", "名册.xlsx", book, nil)
		if st != 422 || !bytes.Contains(raw, []byte("找不到表头")) {
			t.Fatalf("sheet 说明: %d %s", st, raw)
		}
		for _, sheet := range []string{"旧表", "无此表"} {
			st, raw = e.Upload("town", "/api/v1/imports/persons?sheet="+sheet, "名册.xlsx", book, nil)
			if st != 422 || !bytes.Contains(raw, []byte("说明、名册")) || bytes.Contains(raw, []byte("旧表、")) {
				t.Fatalf("sheet %s: %d %s", sheet, st, raw)
			}
		}
		// The page: a sheet that is not there sends the form back, kept.
		st, raw = e.Upload("town", "/imports", "名册.xlsx", book, nil, "kind", "annual", "year", "2025", "mode", "skip-invalid", "sheet", "无此表")
		body := string(raw)
		if st != 422 || !strings.Contains(body, "工作簿里没有名为“无此表”的工作表") || !strings.Contains(body, `value="无此表"`) ||
			!strings.Contains(body, `<option value="annual" selected>`) || !strings.Contains(body, `<option value="skip-invalid" selected>`) || !strings.Contains(body, `value="2025"`) {
			t.Fatalf("page: %d %s", st, body)
		}
	})
}
