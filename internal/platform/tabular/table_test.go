package tabular

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// known scores a row by the columns of a small file format.
func known(cells []string) int {
	n := 0
	for _, c := range cells {
		switch c {
		case "姓名", "身份证号", "电话":
			n++
		}
	}
	return n
}

func readTable(t *testing.T, r *Table) (rows [][]string, nums []int, kinds [][]Kind) {
	t.Helper()
	for {
		cells, err := r.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, cells)
		nums = append(nums, r.Row())
		kinds = append(kinds, r.Kinds())
	}
}

// The header is found below a title, blank rows and notes, in CSV whose
// title row has fewer fields than the header; without a match, the first
// row is the header as before.
func TestHeaderSearchCSV(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "t.csv")
	body := "嘉定区残疾人名册（2026年）\n\n填表说明：身份证号请设为文本,,\n姓名,身份证号,电话\n甲,1,2\n\"坏,3\n"
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	r, format, err := OpenWith(p, Options{Header: known})
	if err != nil || format != CSV {
		t.Fatal(format, err)
	}
	defer r.Close()
	if strings.Join(r.Header(), "|") != "姓名|身份证号|电话" || r.HeaderRow() != 4 || fmt.Sprint(r.Skipped()) != "[1 3]" || r.Row() != 4 {
		t.Fatalf("header %q at %d, skipped %v", r.Header(), r.HeaderRow(), r.Skipped())
	}
	cells, err := r.Next()
	if err != nil || strings.Join(cells, "|") != "甲|1|2" || r.Row() != 5 || r.Kinds() != nil {
		t.Fatalf("row: %q %v %d", cells, err, r.Row())
	}
	_, err = r.Next()
	var re *RowError
	if !errors.As(err, &re) || re.Row != 6 {
		t.Fatalf("broken row: %v", err)
	}
	// No header search: the title is the header, and the rows have more
	// fields than it.
	r2, _, err := OpenWith(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if r2.Header()[0] != "嘉定区残疾人名册（2026年）" || r2.HeaderRow() != 1 || len(r2.Skipped()) != 0 {
		t.Fatalf("plain header: %q", r2.Header())
	}
	if cells, err := r2.Next(); err != nil || r2.Row() != 3 || cells[0] != "填表说明：身份证号请设为文本" {
		t.Fatalf("notes row: %q %v", cells, err)
	}
	if _, err := r2.Next(); !errors.As(err, &re) || re.Row != 4 {
		t.Fatalf("field count against the title: %v", err)
	}
}

// A workbook: the sheet whose header scores highest is read (the first of
// equals), hidden sheets never; a sheet asked for by name is read, one not
// visible is a SheetError listing the visible ones. Cells come with their
// kinds.
func TestSheetsAndKinds(t *testing.T) {
	f := excelize.NewFile()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "说明"))
	must(f.SetCellStr("说明", "A1", "姓名"))
	for _, name := range []string{"名册", "隐藏"} {
		_, err := f.NewSheet(name)
		must(err)
	}
	must(f.SetCellStr("名册", "A1", "标题"))
	must(f.SetSheetRow("名册", "A2", &[]any{"姓名", "身份证号", "电话", "日期", "是否", "错误"}))
	must(f.SetCellStr("名册", "A3", "甲"))
	must(f.SetCellValue("名册", "B3", 110105194912310021))
	must(f.SetCellValue("名册", "C3", 13812345678))
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	must(f.SetCellValue("名册", "D3", 45992))
	must(f.SetCellStyle("名册", "D3", "D3", date))
	must(f.SetCellBool("名册", "E3", true))
	must(f.SetCellFormula("名册", "F3", "1/0"))
	must(f.SetSheetRow("隐藏", "A1", &[]any{"姓名", "身份证号", "电话"}))
	must(f.SetSheetVisible("隐藏", false))
	p := filepath.Join(t.TempDir(), "b.xlsx")
	must(f.SaveAs(p))

	r, format, err := OpenWith(p, Options{Header: known})
	if err != nil || format != XLSX {
		t.Fatal(format, err)
	}
	defer r.Close()
	if r.Sheet() != "名册" || fmt.Sprint(r.Sheets()) != "[说明 名册]" || r.HeaderRow() != 2 {
		t.Fatalf("sheet %q of %v, header row %d", r.Sheet(), r.Sheets(), r.HeaderRow())
	}
	rows, nums, kinds := readTable(t, r)
	if len(rows) != 1 || nums[0] != 3 {
		t.Fatalf("rows %q %v", rows, nums)
	}
	// (excelize writes an integer with all its digits; a formula without a
	// cached result is empty.)
	want := []Kind{KindText, KindNumber, KindNumber, KindDate, KindBool}
	if fmt.Sprint(kinds[0][:5]) != fmt.Sprint(want[:5]) || rows[0][1] != "110105194912310021" || rows[0][3] != "2025-12-01" || rows[0][4] != "TRUE" {
		t.Fatalf("cells %q kinds %v", rows[0], kinds[0])
	}

	r2, _, err := OpenWith(p, Options{Header: known, Sheet: " 说明 "})
	if err != nil || r2.Sheet() != "说明" || r2.Header()[0] != "姓名" {
		t.Fatalf("named sheet: %v", err)
	}
	_ = r2.Close()
	_, _, err = OpenWith(p, Options{Header: known, Sheet: "隐藏"})
	var se *SheetError
	if !errors.As(err, &se) || !errors.Is(err, ErrNoSheet) || fmt.Sprint(se.Sheets) != "[说明 名册]" {
		t.Fatalf("hidden sheet: %v", err)
	}
	// Without a header search: the first visible sheet.
	r3, err := OpenXLSX(p, Limits{})
	if err != nil || r3.Sheet() != "说明" {
		t.Fatalf("first sheet: %v", err)
	}
	_ = r3.Close()
}

// Only the first MaxSheetSearch visible sheets are searched for the header;
// a later one is read when named.
func TestSheetSearchBounded(t *testing.T) {
	f := excelize.NewFile()
	for i := 1; i <= MaxSheetSearch; i++ {
		name := fmt.Sprintf("S%d", i)
		if i == 1 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellStr(name, "A1", "备注"); err != nil {
			t.Fatal(err)
		}
	}
	last := fmt.Sprintf("S%d", MaxSheetSearch+1)
	if _, err := f.NewSheet(last); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow(last, "A1", &[]any{"姓名", "身份证号"}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "many.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	r, _, err := OpenWith(p, Options{Header: known})
	if err != nil || r.Sheet() != "S1" {
		t.Fatalf("searched beyond %d sheets: %v", MaxSheetSearch, err)
	}
	_ = r.Close()
	r, _, err = OpenWith(p, Options{Header: known, Sheet: last})
	if err != nil || r.Sheet() != last || r.Header()[1] != "身份证号" {
		t.Fatalf("named sheet %s: %v", last, err)
	}
	_ = r.Close()
}
