package tabular

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sunshine/internal/platform/testkit"
)

// The .xls files of these tests are made by LibreOffice in headless mode
// from sources written here (testkit.Convert), and each is compared with
// the .xlsx LibreOffice makes from the same source: OpenWith must give the
// same sheets, header, rows, row numbers and kinds for both. Hostile
// workbook streams are built record by record (biffRec) and wrapped in a
// minimal compound file (cfbFile).

// tableDump is everything OpenWith gives for a file.
type tableDump struct {
	Format    Format
	Sheet     string
	Sheets    []string
	Header    []string
	HeaderRow int
	Skipped   []int
	Rows      []readRow
	Kinds     [][]Kind
}

func dumpTable(t testing.TB, path string, o Options) tableDump {
	t.Helper()
	r, f, err := OpenWith(path, o)
	if err != nil {
		t.Fatalf("OpenWith %s: %v", filepath.Base(path), err)
	}
	defer r.Close()
	d := tableDump{Format: f, Sheet: r.Sheet(), Sheets: r.Sheets(), Header: r.Header(), HeaderRow: r.HeaderRow(), Skipped: r.Skipped()}
	for {
		cells, err := r.Next()
		if err == io.EOF {
			return d
		}
		if err != nil {
			t.Fatalf("%s: Next: %v", filepath.Base(path), err)
		}
		d.Rows = append(d.Rows, readRow{r.Row(), cells})
		d.Kinds = append(d.Kinds, r.Kinds())
	}
}

// sameTable checks that the .xls and the .xlsx read alike.
func sameTable(t *testing.T, xls, xlsx tableDump) {
	t.Helper()
	if xls.Format != XLS || xlsx.Format != XLSX {
		t.Fatalf("formats %q and %q", xls.Format, xlsx.Format)
	}
	xlsx.Format = XLS
	equal(t, "sheet", xls.Sheet, xlsx.Sheet)
	equal(t, "sheets", xls.Sheets, xlsx.Sheets)
	equal(t, "header", xls.Header, xlsx.Header)
	equal(t, "header row", xls.HeaderRow, xlsx.HeaderRow)
	equal(t, "skipped", xls.Skipped, xlsx.Skipped)
	if len(xls.Rows) != len(xlsx.Rows) {
		t.Fatalf("%d rows from the .xls, %d from the .xlsx", len(xls.Rows), len(xlsx.Rows))
	}
	bad := 0
	for i := range xls.Rows {
		if fmt.Sprint(xls.Rows[i], xls.Kinds[i]) != fmt.Sprint(xlsx.Rows[i], xlsx.Kinds[i]) {
			t.Errorf("row %d:\n .xls  %d %q %v\n .xlsx %d %q %v", i, xls.Rows[i].Row, xls.Rows[i].Cells, xls.Kinds[i], xlsx.Rows[i].Row, xlsx.Rows[i].Cells, xlsx.Kinds[i])
			if bad++; bad > 5 {
				t.FailNow()
			}
		}
	}
}

// convertBoth has LibreOffice save src as .xls and as .xlsx.
func convertBoth(t *testing.T, src, infilter string) (xls, xlsx string) {
	t.Helper()
	return testkit.Convert(t, src, "xls", infilter), testkit.Convert(t, src, "xlsx", infilter)
}

var knownColumns = map[string]bool{"姓名": true, "身份证号": true, "电话": true, "出生日期": true}

func scoreHeader(cells []string) int {
	n := 0
	for _, c := range cells {
		if knownColumns[c] {
			n++
		}
	}
	return n
}

const xlsCSVRows = 20000

// longText is longer than a BIFF8 record (8,224 bytes), so LibreOffice
// splits it over CONTINUE records, switching between one and two bytes a
// character.
var longText = strings.Repeat("abcdefghij", 500) + strings.Repeat("长文本", 1500) + strings.Repeat("xyz", 1000)

// TestXLSFromCSV: a clerk's list typed into a spreadsheet (LibreOffice
// turning digit strings into numbers, except in a text column), with a
// title row, saved as .xls.
func TestXLSFromCSV(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("嘉定区残疾人名册（2026年）\n姓名,身份证号,身份证号（文本）,电话,出生日期,金额,备注\n")
	b.WriteString("张三,110105194912310000,110105194912310011,13800138000,1949-12-31,1.5," + longText + "\n")
	b.WriteString("李四,11010519491231001X,011010519491231001,021-55551234,2000-02-29,-2.25,\"引号,逗号\"\n")
	b.WriteString(",,,,,,\n") // an empty row, counted
	for i := range xlsCSVRows - 2 {
		fmt.Fprintf(&b, "王%d,%d,%018d,%d,2024-%02d-%02d,%d.%02d,备注%d\n", i, 110105194912310000+int64(i)*1000, i, 13800000000+i, i%12+1, i%28+1, i, i%100, i%7)
	}
	src := writeFile(t, "名册.csv", []byte(b.String()))
	// Column 3 is text; ISO dates are detected.
	xls, xlsx := convertBoth(t, src, "CSV:44,34,76,1,3/2,,false,true")
	o := Options{Header: scoreHeader}
	got := dumpTable(t, xls, o)
	sameTable(t, got, dumpTable(t, xlsx, o))

	equal(t, "header", got.Header, []string{"姓名", "身份证号", "身份证号（文本）", "电话", "出生日期", "金额", "备注"})
	equal(t, "header row and skipped", []any{got.HeaderRow, got.Skipped}, []any{2, []int{1}})
	if len(got.Rows) != xlsCSVRows {
		t.Fatalf("%d rows, want %d", len(got.Rows), xlsCSVRows)
	}
	equal(t, "row 3", got.Rows[0], readRow{3, []string{"张三", "110105194912310000", "110105194912310011", "13800138000", "1949-12-31", "1.5", longText}})
	equal(t, "kinds 3", got.Kinds[0], []Kind{KindText, KindNumber, KindText, KindNumber, KindDate, KindNumber, KindText})
	equal(t, "row 4", got.Rows[1], readRow{4, []string{"李四", "11010519491231001X", "011010519491231001", "021-55551234", "2000-02-29", "-2.25", "引号,逗号"}})
	equal(t, "row 6", got.Rows[2], readRow{6, []string{"王0", "110105194912310000", "000000000000000000", "13800000000", "2024-01-01", "0", "备注0"}})
	last := got.Rows[len(got.Rows)-1]
	equal(t, "last row", last.Row, xlsCSVRows+3)
}

// xlsxSource writes a workbook with excelize: several sheets, one hidden,
// number formats, dates, booleans, errors and formulas.
func xlsxSource(t *testing.T, date1904 bool) string {
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if date1904 {
		must(f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}))
	}
	must(f.SetSheetName("Sheet1", "名册"))
	_, err := f.NewSheet("隐藏")
	must(err)
	_, err = f.NewSheet("其他")
	must(err)
	must(f.SetSheetVisible("隐藏", false))
	style := func(numFmt int, custom string) int {
		s := &excelize.Style{NumFmt: numFmt}
		if custom != "" {
			s.CustomNumFmt = &custom
		}
		id, err := f.NewStyle(s)
		must(err)
		return id
	}
	must(f.SetSheetRow("名册", "A1", &[]any{"说明：本表由街道填报"}))
	must(f.SetSheetRow("名册", "A3", &[]any{"姓名", "编号", "金额", "出生日期", "时间", "登记", "是否", "错误", "公式", "文本公式", "空"}))
	for i := range 30 {
		row := fmt.Sprintf("%d", i+4)
		must(f.SetSheetRow("名册", "A"+row, &[]any{
			fmt.Sprintf("姓名%d", i), i * 7, float64(i)/3 + 0.1, 20000 + i*500, float64(i) / 24, 45000.25 + float64(i), i%2 == 0,
		}))
		must(f.SetCellStyle("名册", "B"+row, "B"+row, style(0, "000000")))
		must(f.SetCellStyle("名册", "C"+row, "C"+row, style(2, "")))
		must(f.SetCellStyle("名册", "D"+row, "D"+row, style(0, "yyyy\"年\"m\"月\"d\"日\"")))
		must(f.SetCellStyle("名册", "E"+row, "E"+row, style(0, "h:mm:ss")))
		must(f.SetCellStyle("名册", "F"+row, "F"+row, style(22, "")))
		must(f.SetCellFormula("名册", "H"+row, []string{"1/0", "NA()", "SQRT(-1)", `"x"+1`}[i%4]))
		must(f.SetCellFormula("名册", "I"+row, "B"+row+"*2+C"+row))
		must(f.SetCellFormula("名册", "J"+row, `"第"&B`+row+`&"号"`))
		must(f.SetCellFormula("名册", "K"+row, `IF(1,"","")`))
	}
	must(f.SetSheetRow("隐藏", "A1", &[]any{"秘密", 1}))
	must(f.SetSheetRow("其他", "A1", &[]any{"姓名", "电话"}))
	must(f.SetSheetRow("其他", "A2", &[]any{"赵六", "13900000000"}))
	must(f.SetSheetRow("其他", "C5", &[]any{1e20, -0.000123, 123456789012345678, 1.0 / 3}))
	p := filepath.Join(t.TempDir(), fmt.Sprintf("book%v.xlsx", date1904))
	must(f.SaveAs(p))
	return p
}

// TestXLSFromExcelize: a workbook of several sheets with formats,
// formulas and a hidden sheet, saved as .xls by LibreOffice, reads like
// its .xlsx.
func TestXLSFromExcelize(t *testing.T) {
	t.Parallel()
	for _, date1904 := range []bool{false, true} {
		xls, xlsx := convertBoth(t, xlsxSource(t, date1904), "")
		for _, o := range []Options{{}, {Sheet: "其他"}, {Header: scoreHeader}} {
			got := dumpTable(t, xls, o)
			sameTable(t, got, dumpTable(t, xlsx, o))
			equal(t, "sheets", got.Sheets, []string{"名册", "其他"})
			if date1904 || o.Sheet != "" {
				continue
			}
			if o.Header != nil {
				equal(t, "sheet picked by header", []any{got.Sheet, got.HeaderRow, got.Skipped, got.Header[:4]}, []any{"名册", 3, []int{1}, []string{"姓名", "编号", "金额", "出生日期"}})
				continue
			}
			equal(t, "header", []any{got.HeaderRow, got.Header}, []any{1, []string{"说明：本表由街道填报"}})
			r := got.Rows[1] // row 4
			equal(t, "row 4", r, readRow{4, []string{"姓名0", "000000", "0.1", "1954-10-03", "00:00:00", "2023-03-15 06:00:00", "TRUE", "#DIV/0!", "0.1", "第0号"}})
			equal(t, "kinds 4", got.Kinds[1], []Kind{KindText, KindNumber, KindNumber, KindDate, KindDate, KindDate, KindBool, KindError, KindNumber, KindText})
		}
		_, _, err := OpenWith(xls, Options{Sheet: "隐藏"})
		var se *SheetError
		if !errors.As(err, &se) || !errors.Is(err, ErrNoSheet) {
			t.Errorf("hidden sheet: %v", err)
		}
	}
}

// TestXLSNotReadable: password-protected files, an OLE2 file that is not a
// workbook and truncated files give errors, never a panic. (LibreOffice
// no longer writes Excel 95 files: TestXLSHostile crafts one.)
func TestXLSNotReadable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// An .xlsx encrypted with a password is an OLE2 file.
	f := excelize.NewFile()
	_ = f.SetCellValue("Sheet1", "A1", "x")
	enc := filepath.Join(dir, "enc.xlsx")
	if err := f.SaveAs(enc, excelize.Options{Password: "secret"}); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	if _, _, err := OpenWith(enc, Options{}); !errors.Is(err, ErrEncrypted) {
		t.Errorf("encrypted xlsx: %v", err)
	}

	src := writeFile(t, "a.csv", []byte("姓名,电话\n张三,13800138000\n"))
	xls := testkit.Convert(t, src, "xls", "CSV:44,34,76,1")
	data, err := os.ReadFile(xls)
	if err != nil {
		t.Fatal(err)
	}
	// FILEPASS in place of the record after the globals' BOF.
	i := bytes.Index(data, []byte("\x09\x08\x10\x00\x00\x06\x05\x00"))
	if i < 0 {
		t.Fatal("no BOF record in the .xls")
	}
	pw := bytes.Clone(data)
	pw[i+20], pw[i+21] = recFilepass, 0
	if _, _, err := OpenWith(writeFile(t, "pw.xls", pw), Options{}); !errors.Is(err, ErrEncrypted) {
		t.Errorf("FILEPASS: %v", err)
	}

	// LibreOffice without Writer cannot make a Word document: its shape,
	// an OLE2 file whose stream is not a workbook, is enough.
	doc := writeFile(t, "letter.doc", cfbFile([]byte("Word"), "WordDocument"))
	if _, _, err := OpenWith(doc, Options{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Word document: %v", err)
	}
	for n := 0; n < len(data); n += 97 {
		p := writeFile(t, "cut.xls", data[:n])
		if r, _, err := OpenWith(p, Options{}); err == nil {
			for {
				if _, err := r.Next(); err == io.EOF || (err != nil && !strings.Contains(err.Error(), "XLS row")) {
					break
				}
			}
			_ = r.Close()
		}
	}
}

// BIFF8 records for hand-made workbook streams.

func le16(v int) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(v)) } // #nosec G115 -- test data
func le32(v int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) } // #nosec G115 -- test data

func biffRec(typ int, parts ...[]byte) []byte {
	data := bytes.Join(parts, nil)
	return append(append(le16(typ), le16(len(data))...), data...)
}

func biffBOF(dt int) []byte { return biffRec(recBOF, le16(biff8), le16(dt), make([]byte, 12)) }

// xlsStr is an XLUnicodeString: compressed when every character fits a
// byte.
func xlsStr(s string) []byte {
	u := []rune(s)
	wide := false
	for _, r := range u {
		if r > 0xFF {
			wide = true
		}
	}
	b := le16(len(u))
	if !wide {
		b = append(b, 0)
		for _, r := range u {
			b = append(b, byte(r))
		}
		return b
	}
	b = append(b, 1)
	for _, r := range u {
		b = append(b, le16(int(r))...)
	}
	return b
}

func cellRec(typ, row, col, xf int, value ...[]byte) []byte {
	return biffRec(typ, append([][]byte{le16(row - 1), le16(col - 1), le16(xf)}, value...)...)
}

func numberBytes(f float64) []byte { return binary.LittleEndian.AppendUint64(nil, math.Float64bits(f)) }

// biffBook is the workbook stream of one sheet "S": globals (after the
// BOF, before BOUNDSHEET), then the sheet's records between its BOF and
// EOF.
func biffBook(globals [][]byte, sheet [][]byte) []byte {
	head := append(biffBOF(bofGlobals), bytes.Join(globals, nil)...)
	bs := func(off int) []byte { return biffRec(recBoundSheet, le32(off), []byte{0, 0}, []byte{1, 0, 'S'}) }
	off := len(head) + len(bs(0)) + 4
	out := append(head, bs(off)...)
	out = append(out, biffRec(recEOF)...)
	out = append(out, biffBOF(bofSheet)...)
	out = append(out, bytes.Join(sheet, nil)...)
	return out
}

// cfbFile wraps a workbook stream in a minimal OLE2 compound file
// (version 3, 512-byte sectors): a header, FAT sectors, one directory
// sector and the stream (padded to 4 KB, so not in the mini stream).
func cfbFile(stream []byte, name string) []byte {
	const ss = 512
	if len(stream) < 4096 {
		stream = append(bytes.Clone(stream), make([]byte, 4096-len(stream))...)
	}
	dataSectors := (len(stream) + ss - 1) / ss
	fatSectors := 1
	for fatSectors*128 < fatSectors+1+dataSectors {
		fatSectors++
	}
	hdr := make([]byte, 512)
	copy(hdr, ole2Magic)
	put16 := func(b []byte, off, v int) { binary.LittleEndian.PutUint16(b[off:], uint16(v)) } // #nosec G115 -- test data
	put32 := func(b []byte, off, v int) { binary.LittleEndian.PutUint32(b[off:], uint32(v)) } // #nosec G115 -- test data
	put16(hdr, 0x18, 0x3E)
	put16(hdr, 0x1A, 3)
	put16(hdr, 0x1C, 0xFFFE)
	put16(hdr, 0x1E, 9)
	put16(hdr, 0x20, 6)
	put32(hdr, 0x2C, fatSectors)
	put32(hdr, 0x30, fatSectors) // the directory
	put32(hdr, 0x38, 4096)
	put32(hdr, 0x3C, -2)
	put32(hdr, 0x44, -2)
	for i := range 109 {
		v := -1
		if i < fatSectors {
			v = i
		}
		put32(hdr, 0x4C+4*i, v)
	}
	fat := make([]byte, fatSectors*ss)
	for i := range fatSectors * 128 {
		v := -1 // free
		switch {
		case i < fatSectors:
			v = -3 // a FAT sector
		case i == fatSectors:
			v = -2 // the directory: one sector
		case i < fatSectors+dataSectors:
			v = i + 1
		case i == fatSectors+dataSectors:
			v = -2 // the end of the stream's chain
		}
		put32(fat, 4*i, v)
	}
	dir := make([]byte, ss)
	entry := func(i int, name string, typ byte, child, start, size int) {
		e := dir[i*128:]
		u := []rune(name)
		for j, r := range u {
			put16(e, 2*j, int(r))
		}
		put16(e, 0x40, 2*(len(u)+1))
		e[0x42], e[0x43] = typ, 1
		put32(e, 0x44, -1)
		put32(e, 0x48, -1)
		put32(e, 0x4C, child)
		put32(e, 0x74, start)
		put32(e, 0x78, size)
	}
	entry(0, "Root Entry", 5, 1, -2, 0)
	entry(1, name, 2, -1, fatSectors+1, len(stream))
	entry(2, "", 0, -1, 0, 0)
	entry(3, "", 0, -1, 0, 0)
	out := append(hdr, fat...)
	out = append(out, dir...)
	out = append(out, stream...)
	if pad := len(out) % ss; pad != 0 {
		out = append(out, make([]byte, ss-pad)...)
	}
	return out
}

// readXLSBytes reads a compound file from memory with openXLS, all rows
// of its first sheet.
func readXLSBytes(data []byte, limits Limits) ([]readRow, [][]Kind, error) {
	b, err := openXLS(bytes.NewReader(data), int64(len(data)), limits.withDefaults())
	if err != nil {
		return nil, nil, err
	}
	defer b.close()
	src, err := b.open(0)
	if err != nil {
		return nil, nil, err
	}
	defer src.close()
	var rows []readRow
	var kinds [][]Kind
	for {
		r, err := src.next()
		if err == io.EOF {
			return rows, kinds, nil
		}
		if err != nil {
			return rows, kinds, err
		}
		rows = append(rows, readRow{r.row, r.cells})
		kinds = append(kinds, r.kinds)
	}
}

// xfRec is an XF record with number format ifmt.
func xfRec(ifmt int) []byte { return biffRec(recXF, le16(0), le16(ifmt), make([]byte, 16)) }

// TestXLSRecords reads hand-made records: every kind of cell, shared
// strings split over CONTINUE records with rich text and phonetic runs,
// cells slightly out of row order.
func TestXLSRecords(t *testing.T) {
	// "ab" compressed, then "中文" in a CONTINUE record (flag byte 1), with
	// one formatting run and 3 bytes of phonetic data that also continue.
	sst := biffRec(recSST, le32(3), le32(3), xlsStr("x"), le16(4), []byte{0x0C}, le16(1), le32(3), []byte("ab"))
	sst = append(sst, biffRec(recContinue, []byte{1}, le16('中'), le16('文'), le32(0))...)
	sst = append(sst, biffRec(recContinue, []byte{9, 9, 9}, xlsStr("末"))...)
	globals := [][]byte{
		biffRec(recDatemode, le16(0)),
		biffRec(recFormat, le16(164), xlsStr("000000")),
		xfRec(0), xfRec(14), xfRec(164), xfRec(22), xfRec(10),
		sst,
	}
	rk := func(v int) []byte { return le32(v) }
	sheet := [][]byte{
		cellRec(recLabelSST, 1, 1, 0, le32(0)),
		cellRec(recLabelSST, 1, 2, 0, le32(1)),
		cellRec(recLabel, 1, 3, 0, xlsStr("  标签  ")),
		cellRec(recRString, 1, 4, 0, xlsStr("=富"), le16(0)),
		cellRec(recNumber, 2, 1, 0, numberBytes(110105194912310000)),
		cellRec(recRK, 2, 2, 0, rk(-5<<2|2)),         // integer -5
		cellRec(recRK, 2, 3, 0, rk(12345<<2|3)),      // 123.45
		cellRec(recRK, 2, 4, 1, rk(45292<<2|2)),      // a date
		cellRec(recNumber, 2, 5, 2, numberBytes(42)), // 000042
		cellRec(recNumber, 2, 6, 3, numberBytes(45292.5)),
		cellRec(recNumber, 2, 7, 4, numberBytes(0.30000000000000004)),
		cellRec(recBoolErr, 3, 1, 0, []byte{1, 0}),
		cellRec(recBoolErr, 3, 2, 0, []byte{0x2A, 1}),
		cellRec(recFormula, 3, 3, 0, []byte{0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 6)),
		biffRec(0x04BC, make([]byte, 8)), // SHRFMLA between the formula and its STRING
		biffRec(recString, xlsStr("公式")),
		cellRec(recFormula, 3, 4, 0, []byte{2, 0, 0x07, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 6)),
		cellRec(recFormula, 3, 5, 0, []byte{1, 0, 0, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 6)),
		cellRec(recFormula, 3, 6, 0, []byte{3, 0, 0, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 6)),
		cellRec(recFormula, 3, 7, 0, numberBytes(2.5), make([]byte, 6)),
		cellRec(recLabelSST, 3, 8, 0, le32(2)),
		// An embedded chart's substream: its cells are not the sheet's.
		biffBOF(0x20), cellRec(recNumber, 1, 9, 0, numberBytes(9)), biffRec(recEOF),
		cellRec(recLabelSST, 6, 2, 0, le32(0)),
		cellRec(recLabelSST, 5, 3, 0, le32(0)), // row 5 after row 6
		biffRec(recMulRK, le16(4), le16(0), le16(0), rk(7<<2|2), le16(0), rk(1<<2|2), le16(1)),
		cellRec(0x0201, 7, 1, 0), // BLANK
		biffRec(recEOF),
	}
	rows, kinds, err := readXLSBytes(cfbFile(biffBook(globals, sheet), "Workbook"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "rows", rows, []readRow{
		{1, []string{"x", "ab中文", "标签", "=富"}},
		{2, []string{"110105194912310000", "-5", "123.45", "2024-01-01", "000042", "2024-01-01 12:00:00", "0.3"}},
		{3, []string{"TRUE", "#N/A", "公式", "#DIV/0!", "FALSE", "", "2.5", "末"}},
		{5, []string{"7", "1", "x"}},
		{6, []string{"", "x"}},
	})
	equal(t, "kinds", kinds, [][]Kind{
		nil,
		{KindNumber, KindNumber, KindNumber, KindDate, KindNumber, KindDate, KindNumber},
		{KindBool, KindError, KindText, KindError, KindBool, KindText, KindNumber, KindText},
		{KindNumber, KindNumber, KindText},
		nil,
	})

	// 1904 dates.
	rows, _, err = readXLSBytes(cfbFile(biffBook([][]byte{biffRec(recDatemode, le16(1)), xfRec(0), xfRec(14)}, [][]byte{
		cellRec(recNumber, 1, 1, 1, numberBytes(0)), biffRec(recEOF),
	}), "Workbook"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "1904", rows, []readRow{{1, []string{"1904-01-01"}}})
}

// TestXLSHostile: broken or oversized workbook streams give errors, and
// declared sizes allocate nothing beyond what the stream holds.
func TestXLSHostile(t *testing.T) {
	label := func(row, col int) []byte { return cellRec(recLabel, row, col, 0, xlsStr("v")) }
	var many [][]byte
	for r := 1; r <= 100; r++ {
		many = append(many, label(r, 1))
	}
	hugeSST := biffRec(recSST, le32(-1), le32(-1), xlsStr("a"))
	for _, c := range []struct {
		name    string
		file    []byte
		limits  Limits
		want    error  // errors.Is, or nil
		wantMsg string // in the error
	}{
		{name: "a record longer than 8224 bytes", file: cfbFile(biffBook([][]byte{biffRec(0x99, make([]byte, 9000))}, nil), "Workbook"), want: ErrUnsupported},
		{name: "a record past the stream", file: cfbFile(append(biffBOF(bofGlobals), 0x99, 0, 0xFF, 0x1F), "Workbook"), want: ErrUnsupported},
		{name: "a sheet without EOF", file: cfbFile(biffBook(nil, [][]byte{label(1, 1)}), "Workbook"), wantMsg: "XLS row 1"},
		{name: "a cell beyond XFD", file: cfbFile(biffBook(nil, [][]byte{label(3, 20000), biffRec(recEOF)}), "Workbook"), wantMsg: "XLS row 3: cell beyond column"},
		{name: "a row far out of order", file: cfbFile(biffBook(nil, append(many, label(2, 2), biffRec(recEOF))), "Workbook"), wantMsg: "XLS row 2: a cell of row 2 comes after row"},
		{name: "a bad shared-string index", file: cfbFile(biffBook(nil, [][]byte{cellRec(recLabelSST, 1, 1, 0, le32(5)), biffRec(recEOF)}), "Workbook"), wantMsg: "XLS row 1: bad shared string index 5"},
		{name: "4 billion shared strings declared", file: cfbFile(biffBook([][]byte{hugeSST}, [][]byte{cellRec(recLabelSST, 1, 1, 0, le32(0)), biffRec(recEOF)}), "Workbook")},
		{name: "a string longer than its records", file: cfbFile(biffBook([][]byte{biffRec(recSST, le32(1), le32(1), le16(60000), []byte{0}, []byte("abc"))}, nil), "Workbook"), want: ErrUnsupported},
		{name: "phonetic data past the stream", file: cfbFile(biffBook([][]byte{biffRec(recSST, le32(1), le32(1), le16(1), []byte{4}, le32(-1), []byte("a"))}, nil), "Workbook"), want: ErrUnsupported},
		{name: "a stream over MaxEntry", file: cfbFile(biffBook(nil, [][]byte{biffRec(recEOF)}), "Workbook"), limits: Limits{MaxEntry: 4000}, want: ErrTooLarge},
		{name: "shared strings over MaxTotal", file: cfbFile(biffBook([][]byte{biffRec(recSST, le32(2), le32(2), xlsStr(strings.Repeat("a", 60)), xlsStr(strings.Repeat("b", 60)))}, nil), "Workbook"), limits: Limits{MaxTotal: 100}, want: ErrTooLarge},
		{name: "password", file: cfbFile(biffBook([][]byte{biffRec(recFilepass, make([]byte, 54))}, nil), "Workbook"), want: ErrEncrypted},
		{name: "BIFF5", file: cfbFile(biffRec(recBOF, le16(0x500), le16(5), le32(0)), "Book"), want: ErrUnsupported},
		{name: "no workbook", file: cfbFile([]byte("Word"), "WordDocument"), want: ErrUnsupported},
		{name: "an encrypted xlsx", file: cfbFile([]byte("x"), "EncryptedPackage"), want: ErrEncrypted},
		{name: "a sheet outside the stream", file: cfbFile(biffRec(recBOF, le16(biff8), le16(bofGlobals), make([]byte, 12)), "Workbook"), want: ErrUnsupported},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, _, err := readXLSBytes(c.file, c.limits)
			switch {
			case c.want == nil && c.wantMsg == "":
				if err != nil {
					t.Errorf("error %v", err)
				}
			case c.want != nil && !errors.Is(err, c.want):
				t.Errorf("error %v, want %v", err, c.want)
			case c.wantMsg != "" && (err == nil || !strings.Contains(err.Error(), c.wantMsg)):
				t.Errorf("error %v, want %q", err, c.wantMsg)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// FuzzXLS checks that no file makes the .xls reader panic, hang or return
// rows out of order. Inputs that are not a compound file are taken as a
// workbook stream and wrapped in one, so that the fuzzer works on BIFF
// records as well as on the compound file.
func FuzzXLS(f *testing.F) {
	src := writeFile(f, "a.csv", []byte("嘉定区名册\n姓名,身份证号,电话,日期,金额\n张三,110105194912310000,13800138000,2024-01-02,1.5\n李四,1101051949123100X,021-5555,2023-12-31,-2\n"))
	for _, to := range []string{"xls"} {
		data, err := os.ReadFile(testkit.Convert(f, src, to, "CSV:44,34,76,1"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(biffBook([][]byte{biffRec(recSST, le32(2), le32(2), xlsStr("ab"), le16(2), []byte{0x0C}, le16(1), le32(1), []byte("c")), biffRec(recContinue, []byte{1}, le16('中'), le32(0), []byte{1})}, [][]byte{
		cellRec(recLabelSST, 1, 1, 0, le32(1)), cellRec(recRK, 2, 2, 0, le32(7<<2|2)), cellRec(recLabelSST, 1, 2, 0, le32(0)),
		cellRec(recFormula, 3, 3, 0, []byte{0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 6)), biffRec(recString, xlsStr("s")),
		biffRec(recMulRK, le16(4), le16(0), le16(0), le32(7<<2|2), le16(0), le32(1<<2|2), le16(1)), biffRec(recEOF),
	}))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.HasPrefix(data, []byte(ole2Magic)) {
			data = cfbFile(data, "Workbook")
		}
		rows, _, _ := readXLSBytes(data, Limits{MaxEntry: 1 << 20, MaxTotal: 1 << 20})
		last := 0
		for _, r := range rows {
			if r.Row <= last || len(r.Cells) == 0 || len(r.Cells) > maxColumns {
				t.Fatalf("row %d after %d: %d cells", r.Row, last, len(r.Cells))
			}
			last = r.Row
		}
	})
}

// BenchmarkXLS reads the same 20,000 rows × 14 columns from the .xls and
// the .xlsx that LibreOffice makes of one CSV file.
func BenchmarkXLS(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("姓名,身份证号,电话,出生日期,金额,地址,备注,编号,代码,是否,类别,序号,文本,小数\n")
	for i := range 20000 {
		fmt.Fprintf(&sb, "张三%d,%d,%d,2024-%02d-%02d,%d.5,上海市嘉定区某街道%d号,%s,%d,00%d,%v,类别%d,%d,abc%d,3.14159\n",
			i, 110105194912310000+int64(i)*1000, 13800000000+i, i%12+1, i%28+1, i, i, strings.Repeat("备", i%5), i, i%10, i%2 == 0, i%9, i, i%13)
	}
	src := writeFile(b, "bench.csv", []byte(sb.String()))
	files := map[string]string{}
	for _, to := range []string{"xls", "xlsx"} {
		files[to] = testkit.Convert(b, src, to, "CSV:44,34,76,1,,,false,true")
	}
	for _, to := range []string{"xls", "xlsx"} {
		b.Run(to, func(b *testing.B) {
			b.ReportAllocs()
			rows := 0
			for b.Loop() {
				r, _, err := OpenWith(files[to], Options{})
				if err != nil {
					b.Fatal(err)
				}
				for {
					if _, err := r.Next(); err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
					rows++
				}
				_ = r.Close()
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
