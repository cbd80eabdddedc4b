package tabular

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// writeFile writes data to a new file in a temporary folder.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type readRow struct {
	Row   int
	Cells []string
}

// readAll opens path with Open and returns its header and rows.
func readAll(t testing.TB, path string, wantFormat Format) ([]string, []readRow) {
	t.Helper()
	r, f, err := Open(path, Limits{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	if f != wantFormat {
		t.Fatalf("format %q, want %q", f, wantFormat)
	}
	return r.Header(), drain(t, r)
}

func drain(t testing.TB, r Reader) []readRow {
	t.Helper()
	var rows []readRow
	for {
		cells, err := r.Next()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, readRow{r.Row(), cells})
	}
}

func equal(t testing.TB, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func TestCSVEncodingsAndLayout(t *testing.T) {
	const text = "\ufeff 姓名 ,编号,备注\r\n" + // header: BOM on a cell, spaces
		"张三, 110101199001011234 ,\"多行\r\n备注\"\r\n" + // record over lines 2–3
		"\r\n" + // empty line 4
		" , ,\r\n" + // blank cells only, line 5
		"李四,007,'=1+1\r\n" // line 6
	wantHeader := []string{"姓名", "编号", "备注"}
	wantRows := []readRow{
		{2, []string{"张三", "110101199001011234", "多行\n备注"}},
		{6, []string{"李四", "007", "=1+1"}},
	}
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(strings.TrimPrefix(text, "\ufeff"))
	if err != nil {
		t.Fatal(err)
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(
		strings.ReplaceAll(strings.TrimPrefix(text, "\ufeff"), ",", "\t"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, data, enc string
	}{
		{"utf8", strings.TrimPrefix(text, "\ufeff"), EncUTF8},
		{"utf8-bom", text, EncUTF8BOM},
		{"utf8-lf", strings.ReplaceAll(strings.TrimPrefix(text, "\ufeff"), "\r\n", "\n"), EncUTF8},
		{"gb18030", gb, EncGB18030},
		{"utf16-tab", utf16, EncUTF16LE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "a.csv", []byte(tc.data))
			r, f, err := Open(p, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if f != CSV {
				t.Fatalf("format %s", f)
			}
			if enc := r.Encoding(); enc != tc.enc {
				t.Errorf("encoding %q, want %q", enc, tc.enc)
			}
			equal(t, "header", r.Header(), wantHeader)
			equal(t, "rows", drain(t, r), wantRows)
		})
	}
}

// TestCSVNotSeekable checks the detection on the first 64 KB when the whole
// input cannot be scanned: GB18030 text cut in the middle of a character at
// the 64 KB boundary is still told apart from UTF-8.
func TestCSVNotSeekable(t *testing.T) {
	var b strings.Builder
	b.WriteString("列一,列二\n")
	for b.Len() < 3*detectLen {
		b.WriteString("中文内容,数据\n")
	}
	for _, tc := range []struct {
		name, enc string
		data      []byte
	}{
		{"utf8", EncUTF8, []byte(b.String())},
		{"gb18030", EncGB18030, func() []byte {
			s, _ := simplifiedchinese.GB18030.NewEncoder().String(b.String())
			return []byte(s)
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := OpenCSV(io.MultiReader(bytes.NewReader(tc.data))) // hides Seek
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Encoding(); got != tc.enc {
				t.Errorf("encoding %q, want %q", got, tc.enc)
			}
			equal(t, "header", r.Header(), []string{"列一", "列二"})
			rows := drain(t, r)
			if last := rows[len(rows)-1]; !reflect.DeepEqual(last.Cells, []string{"中文内容", "数据"}) || last.Row != len(rows)+1 {
				t.Errorf("last row %d %q of %d", last.Row, last.Cells, len(rows))
			}
		})
	}
}

// TestCSVLateGB18030 has an ASCII first 64 KB and GB18030 text after it: a
// file (seekable) is scanned whole, so it is still read as GB18030.
func TestCSVLateGB18030(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b\n")
	for b.Len() < 2*detectLen {
		b.WriteString("x,y\n")
	}
	b.WriteString("张三,李四\n")
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String(b.String())
	header, rows := readAll(t, writeFile(t, "late.csv", []byte(gb)), CSV)
	equal(t, "header", header, []string{"a", "b"})
	equal(t, "last", rows[len(rows)-1].Cells, []string{"张三", "李四"})
}

func TestCSVErrors(t *testing.T) {
	if _, err := OpenCSV(strings.NewReader("\n \n,,\n")); !errors.Is(err, ErrNoHeader) {
		t.Errorf("blank file: %v", err)
	}
	if _, err := OpenCSV(bytes.NewReader([]byte("a,b\x00\x01\x02\n"))); !errors.Is(err, ErrUnsupported) {
		t.Errorf("binary: %v", err)
	}
	// An unterminated quote must not pull the whole input into memory.
	big := io.MultiReader(strings.NewReader("h\n\"open"), io.LimitReader(neverEnding('x'), 2*MaxRecordBytes))
	r, err := OpenCSV(big)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); !errors.Is(err, ErrTooLarge) {
		t.Errorf("unterminated quote: %v", err)
	}
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"", ""}, {"abc", "abc"}, {"=1+1", "'=1+1"}, {"+86 10", "'+86 10"}, {"-5", "'-5"},
		{"@SUM(A1)", "'@SUM(A1)"}, {"\tx", "'\tx"}, {"\rx", "'\rx"}, {"'quoted", "'quoted"},
		{"'=already", "''=already"}, {"''+x", "'''+x"}, {"a=b", "a=b"}, {"'", "'"}, {"''", "''"},
	} {
		if got := Escape(tc.in); got != tc.out {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.out)
		}
		if got := Unescape(Escape(tc.in)); got != tc.in {
			t.Errorf("Unescape(Escape(%q)) = %q", tc.in, got)
		}
	}
	if got := Unescape("'abc"); got != "'abc" {
		t.Errorf("Unescape kept %q", got)
	}
}

func TestSniff(t *testing.T) {
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.IntN(256))
	}
	for _, tc := range []struct {
		name string
		head []byte
		want Format
		err  error
	}{
		{"csv", []byte("姓名,编号\n张三,1\n"), CSV, nil},
		{"csv-bom", []byte(utf8BOM + "a,b\r\n"), CSV, nil},
		{"gb18030", []byte("\xd0\xd5\xc3\xfb,\xb1\xe0\xba\xc5\n"), CSV, nil},
		{"utf16", []byte("\xff\xfea\x00,\x00b\x00"), CSV, nil},
		{"empty", nil, CSV, nil},
		{"xlsx", []byte("PK\x03\x04\x14\x00\x00\x00"), XLSX, nil},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "", ErrUnsupported},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "", ErrUnsupported},
		{"ole2-xls", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"), XLS, nil}, // whether it holds a workbook is checked when opened
		{"gzip", []byte("\x1f\x8b\x08\x00"), "", ErrUnsupported},
		{"html", []byte("\ufeff  <html><table><tr><td>1</td></tr></table>"), "", ErrUnsupported},
		{"random", random, "", ErrUnsupported},
		{"controls", []byte("ab\x01\x02\x03\x04\x05cd"), "", ErrUnsupported},
	} {
		got, err := Sniff(tc.head)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("%s: Sniff = %q, %v; want %q, %v", tc.name, got, err, tc.want, tc.err)
		}
	}
	if _, _, err := Open(writeFile(t, "a.pdf", []byte("%PDF-1.4 ...")), Limits{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Open(pdf) = %v", err)
	}
}

// roundTripRows are values that must survive export then import.
var roundTripRows = [][]string{
	{"姓名", "编号", "电话", "备注", "=HYPERLINK(\"x\")"},
	{"张三", "110101199001011234", "007", "=1+1", "-5"},
	{"李四", "11010119900101123X", "+86 138", "@cmd", "多行\n备注"},
	{"", "", "", "", "only last"},
	{"王五", "000123", "1.50", "_x0041_ literal", "a\"quoted\",comma"},
	{"Ünïcode 😀", "2020-01-02", "0", "'apostrophe", "TRUE"},
}

func TestRoundTrip(t *testing.T) {
	for _, format := range []Format{CSV, XLSX} {
		t.Run(string(format), func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "out."+string(format))
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			w, err := NewWriter(format, f, "导出")
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range roundTripRows {
				if err := w.Write(row); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			header, rows := readAll(t, p, format)
			equal(t, "header", header, roundTripRows[0])
			want := make([]readRow, 0, len(roundTripRows)-1)
			line := 2
			for _, row := range roundTripRows[1:] {
				want = append(want, readRow{line, row})
				line++
				if format == CSV { // a CSV record's row is the line it starts on
					line += strings.Count(strings.Join(row, ""), "\n")
				}
			}
			equal(t, "rows", rows, want)
		})
	}
}

// TestXLSXWriterCells looks inside the written XLSX with excelize: cells are
// text, escaped, control characters dropped, the header bold and frozen.
func TestXLSXWriterCells(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewXLSXWriter(&buf, "")
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Write([]string{"编号", "公式"})
	_ = w.Write([]string{"110101199001011234", "=1+1", "bell\x07"})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "rows", rows, [][]string{{"编号", "公式"}, {"110101199001011234", "'=1+1", "bell"}})
	if typ, _ := f.GetCellType("Sheet1", "A2"); typ != excelize.CellTypeInlineString {
		t.Errorf("A2 type %v", typ)
	}
	if formula, _ := f.GetCellFormula("Sheet1", "B2"); formula != "" {
		t.Errorf("B2 is a formula: %q", formula)
	}
	panes, _ := f.GetPanes("Sheet1")
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v", panes)
	}
	if _, err := NewXLSXWriter(io.Discard, "bad/name"); err == nil {
		t.Error("invalid sheet name accepted")
	}
}

// TestXLSXSheets: NextSheet starts a further sheet with its own header row;
// OpenWith reads either sheet back.
func TestXLSXSheets(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewXLSXSheets(&buf, "合同")
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Write([]string{"合同", "得分"})
	_ = w.Write([]string{"甲", "79.66"})
	if err := w.NextSheet("排名"); err != nil {
		t.Fatal(err)
	}
	_ = w.Write([]string{"名次", "机构"})
	_ = w.Write([]string{"1", "乙"})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "book.xlsx", buf.Bytes())
	for sheet, want := range map[string][][]string{"合同": {{"甲", "79.66"}}, "排名": {{"1", "乙"}}} {
		tb, _, err := OpenWith(path, Options{Sheet: sheet})
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]string
		for {
			row, err := tb.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, row)
		}
		_ = tb.Close()
		equal(t, sheet, rows, want)
	}
}

// xlsxParts are the parts of a minimal workbook; sheets are named sheetN.
type xlsxParts struct {
	workbookPr string   // attributes of <workbookPr>
	sheets     []string // <sheetData> contents
	hidden     []bool
	sst        string // <sst> contents, or "" for none
	styles     string // <styleSheet> contents, or "" for none
}

const nsMain = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
const nsRel = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`

// build writes p as an .xlsx file the way Excel lays one out.
func (p xlsxParts) build(t testing.TB) string {
	t.Helper()
	var sheets, rels, types strings.Builder
	for i := range p.sheets {
		state := ""
		if i < len(p.hidden) && p.hidden[i] {
			state = ` state="hidden"`
		}
		fmt.Fprintf(&sheets, `<sheet name="S%d" sheetId="%d"%s r:id="rId%d"/>`, i+1, i+1, state, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, nsRel, i+1)
		fmt.Fprintf(&types, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i+1)
	}
	entries := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` + types.String() + `</Types>`,
		"_rels/.rels":         `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":     `<?xml version="1.0" encoding="UTF-8"?><workbook ` + nsMain + ` xmlns:r="` + nsRel + `"><workbookPr ` + p.workbookPr + `/><sheets>` + sheets.String() + `</sheets></workbook>`,
	}
	if p.sst != "" {
		rels.WriteString(`<Relationship Id="rId100" Type="` + nsRel + `/sharedStrings" Target="sharedStrings.xml"/>`)
		entries["xl/sharedStrings.xml"] = `<?xml version="1.0" encoding="UTF-8"?><sst ` + nsMain + `>` + p.sst + `</sst>`
	}
	if p.styles != "" {
		rels.WriteString(`<Relationship Id="rId101" Type="` + nsRel + `/styles" Target="styles.xml"/>`)
		entries["xl/styles.xml"] = `<?xml version="1.0" encoding="UTF-8"?><styleSheet ` + nsMain + `>` + p.styles + `</styleSheet>`
	}
	entries["xl/_rels/workbook.xml.rels"] = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels.String() + `</Relationships>`
	for i, s := range p.sheets {
		entries[fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1)] = `<?xml version="1.0" encoding="UTF-8"?><worksheet ` + nsMain + `><dimension ref="A1"/><sheetData>` + s + `</sheetData></worksheet>`
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "book.xlsx", buf.Bytes())
}

// TestXLSXCells reads a workbook laid out as Excel writes one: shared
// strings (rich text, phonetic runs, _xHHHH_ escapes), number formats,
// dates, and rows and cells without references.
func TestXLSXCells(t *testing.T) {
	p := xlsxParts{
		sst: `<si><t xml:space="preserve">` + "\ufeff" + `姓名 </t></si>` + // 0
			`<si><r><t>张</t></r><r><rPr><b/></rPr><t>三</t></r><rPh sb="0" eb="1"><t>zhang</t></rPh></si>` + // 1
			`<si><t>x_x005F_x0041_y_x000D_z</t></si>` + // 2
			`<si><t>   </t></si>` + // 3
			`<si><t>'=1+1</t></si>` + // 4
			`<si><t>000123</t></si>`, // 5
		styles: `<numFmts count="5"><numFmt numFmtId="164" formatCode="yyyy/m/d;@"/><numFmt numFmtId="165" formatCode="000000"/>` +
			`<numFmt numFmtId="166" formatCode="[h]:mm:ss"/><numFmt numFmtId="167" formatCode="0.00_ "/>` +
			`<numFmt numFmtId="168" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>` +
			`<cellXfs count="9"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/>` +
			`<xf numFmtId="166"/><xf numFmtId="22"/><xf numFmtId="167"/><xf numFmtId="49"/><xf numFmtId="168"/></cellXfs>`,
		sheets: []string{`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>编号</t></is></c></row>` +
			`<row r="2">` +
			`<c r="A2" t="s"><v>1</v></c>` +
			`<c r="B2"><v>1.10101199001011E+17</v></c>` +
			`<c r="C2"><v>110101199001011234</v></c>` +
			`<c r="D2" s="1"><v>43832</v></c>` +
			`<c r="E2" s="2"><v>43832.5</v></c>` +
			`<c r="F2" s="3"><v>123</v></c>` +
			`<c r="G2" s="4"><v>0.75</v></c>` +
			`<c r="H2" s="5"><v>43832.75</v></c>` +
			`<c r="I2" s="6"><v>0.30000000000000004</v></c>` +
			`<c r="J2" t="b"><v>1</v></c>` +
			`<c r="K2" t="e"><v>#N/A</v></c>` +
			`<c r="L2" t="str"><f>A1&amp;"x"</f><v>计算</v></c>` +
			`<c r="M2" t="inlineStr"><is><t>007</t></is></c>` +
			`<c r="N2" t="d"><v>2021-03-04T00:00:00</v></c>` +
			`<c r="O2" s="8"><v>43832</v></c>` +
			`<c r="P2" t="s"><v>2</v></c>` +
			`<c r="Q2"><v>1E-3</v></c>` +
			`<c r="R2" s="7"><v>12</v></c>` +
			`<c r="S2" t="s"><v>5</v></c>` +
			`</row>` +
			`<row r="3"><c r="A3"/><c r="B3" t="s"><v>3</v></c></row>` +
			`<row r="5"><c t="s"><v>4</v></c><c><v>5</v></c></row>` +
			`<row><c r="C6"><v>7</v></c></row>`},
	}
	r, err := OpenXLSX(p.build(t), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	equal(t, "header", r.Header(), []string{"姓名", "编号"})
	equal(t, "rows", drain(t, r), []readRow{
		{2, []string{"张三", "110101199001011000", "110101199001011234", "2020-01-02", "2020-01-02", "000123",
			"18:00:00", "2020-01-02 18:00:00", "0.3", "TRUE", "#N/A", "计算", "007", "2021-03-04", "2020-01-02",
			"x_x0041_y\rz", "0.001", "12", "000123"}},
		{5, []string{"=1+1", "5"}},
		{6, []string{"", "", "7"}},
	})
}

func TestXLSXSheetChoiceAnd1904(t *testing.T) {
	p := xlsxParts{
		workbookPr: `date1904="1"`,
		styles:     `<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>`,
		sheets: []string{
			`<row r="1"><c r="A1" t="inlineStr"><is><t>hidden</t></is></c></row>`,
			`<row r="3"><c r="A3" t="inlineStr"><is><t>h</t></is></c></row><row r="4"><c r="A4" s="1"><v>0</v></c></row>`,
		},
		hidden: []bool{true},
	}
	header, rows := readAll(t, p.build(t), XLSX)
	equal(t, "header", header, []string{"h"})
	equal(t, "rows", rows, []readRow{{4, []string{"1904-01-01"}}})
}

// TestXLSXFromExcelize reads a workbook written by excelize's ordinary API:
// shared strings, a real date cell, a number and a text cell of digits.
func TestXLSXFromExcelize(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"日期", "数字", "编号"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC), 3.25, "0012345678901234567"})
	_ = f.SetSheetRow("Sheet1", "A3", &[]any{"2020-01-02", int64(110101199001011234), "x"})
	p := filepath.Join(t.TempDir(), "e.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	header, rows := readAll(t, p, XLSX)
	equal(t, "header", header, []string{"日期", "数字", "编号"})
	equal(t, "rows", rows, []readRow{
		{2, []string{"2020-01-02", "3.25", "0012345678901234567"}},
		{3, []string{"2020-01-02", "110101199001011234", "x"}},
	})
}

func TestXLSXNotAWorkbook(t *testing.T) {
	zipOf := func(names ...string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, n := range names {
			w, _ := zw.Create(n)
			_, _ = io.WriteString(w, "<x/>")
		}
		_ = zw.Close()
		return buf.Bytes()
	}
	for name, data := range map[string][]byte{
		"docx":    zipOf("[Content_Types].xml", "word/document.xml"),
		"ods":     zipOf("mimetype", "content.xml"),
		"corrupt": []byte("PK\x03\x04 this is not really a zip"),
	} {
		_, _, err := Open(writeFile(t, name+".xlsx", data), Limits{})
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// zipBomb writes an xlsx whose sheet is size zero bytes, streaming.
func zipBomb(t testing.TB, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bomb.xlsx")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(name)
		_, _ = io.WriteString(w, "<x/>")
	}
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for n := int64(0); n < size; n += int64(len(zeros)) {
		if _, err := w.Write(zeros[:min(int64(len(zeros)), size-n)]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestXLSXZipBomb(t *testing.T) {
	p := zipBomb(t, 300<<20)
	start := time.Now()
	_, _, err := Open(p, Limits{})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Open(bomb) = %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusing took %v", d)
	}
	// The limits apply to ordinary workbooks too.
	var buf bytes.Buffer
	w, _ := NewXLSXWriter(&buf, "")
	for i := range 2000 {
		_ = w.Write([]string{strconv.Itoa(i), strings.Repeat("x", 100)})
	}
	_ = w.Close()
	small := writeFile(t, "small.xlsx", buf.Bytes())
	if _, err := OpenXLSX(small, Limits{MaxEntry: 100 << 10}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxEntry: %v", err)
	}
	if _, err := OpenXLSX(small, Limits{MaxTotal: 100 << 10}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxTotal: %v", err)
	}
	if r, err := OpenXLSX(small, Limits{}); err != nil {
		t.Errorf("default limits: %v", err)
	} else {
		_ = r.Close()
	}
	// Too many entries.
	var many bytes.Buffer
	zw := zip.NewWriter(&many)
	for i := range maxZipEntries + 1 {
		_, _ = zw.Create(fmt.Sprintf("f%d", i))
	}
	_ = zw.Close()
	if _, err := OpenXLSX(writeFile(t, "many.xlsx", many.Bytes()), Limits{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("entries: %v", err)
	}
}

func TestTemplate(t *testing.T) {
	long := make([]string, 60)
	for i := range long {
		long[i] = fmt.Sprintf("选项%02d", i)
	}
	cols := []Column{
		{Header: "姓名", AltHeader: "name", Example: "张三", Required: true, DescZh: "全名", DescEn: "Full name"},
		{Header: "性别", AltHeader: "sex", Example: "男", Choices: []string{"男", "女"}, Required: true},
		{Header: "类别", AltHeader: "category", Example: "选项01", Choices: long, DescEn: "A long list"},
		{Header: "编号", AltHeader: "number", Example: "0012345678901234567"},
	}
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, "数据", "说明", cols); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	equal(t, "sheets", f.GetSheetList(), []string{"数据", "说明", choicesSheet})
	if v, _ := f.GetSheetVisible(choicesSheet); v {
		t.Error("choices sheet visible")
	}
	dvs, err := f.GetDataValidations("数据")
	if err != nil {
		t.Fatal(err)
	}
	if len(dvs) != 2 {
		t.Fatalf("%d validations", len(dvs))
	}
	for _, dv := range dvs {
		switch dv.Sqref {
		case "B2:B1048576":
			equal(t, "B list", dv.Formula1, `"男,女"`)
		case "C2:C1048576":
			equal(t, "C list", dv.Formula1, `'_choices'!$A$1:$A$60`)
		default:
			t.Errorf("validation on %s", dv.Sqref)
		}
		if dv.Type != "list" {
			t.Errorf("type %s", dv.Type)
		}
	}
	help, _ := f.GetRows("说明")
	equal(t, "help header", help[0], []string{"列名/Column", "英文名/English name", "必填/Required", "说明/Description (zh)", "Description (en)", "可选值/Choices"})
	equal(t, "help row", help[1], []string{"姓名", "name", "是/Yes", "全名", "Full name"})
	equal(t, "help choices", help[2], []string{"性别", "sex", "是/Yes", "", "", "男; 女"})
	// The template reads back as an import file.
	header, rows := readAll(t, writeFile(t, "t.xlsx", buf.Bytes()), XLSX)
	equal(t, "header", header, []string{"姓名", "性别", "类别", "编号"})
	equal(t, "example", rows, []readRow{{2, []string{"张三", "男", "选项01", "0012345678901234567"}}})
}

func TestWriteRejects(t *testing.T) {
	var buf bytes.Buffer
	header := []string{"姓名", "编号"}
	rows := [][]string{{"张三", "123"}, {"李四"}, {"王五", "1", "extra"}}
	errs := []string{"编号格式错误", "缺少编号", "=bad"}
	if err := WriteRejects(&buf, "错误", header, "错误原因", rows, errs); err != nil {
		t.Fatal(err)
	}
	got, rs := readAll(t, writeFile(t, "rej.xlsx", buf.Bytes()), XLSX)
	equal(t, "header", got, []string{"姓名", "编号", "错误原因"})
	equal(t, "rows", rs, []readRow{
		{2, []string{"张三", "123", "编号格式错误"}},
		{3, []string{"李四", "", "缺少编号"}},
		{4, []string{"王五", "1", "=bad"}},
	})
	if err := WriteRejects(io.Discard, "x", header, "e", rows, errs[:1]); err == nil {
		t.Error("mismatched errs accepted")
	}
}

// peakHeap samples HeapInuse until stop is called, which returns the peak.
func peakHeap() (stop func() uint64) {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return peak.Load()
	}
}

// memRow returns the cells of a generated row: unique text, 18 digits,
// leading zeros, Chinese, repeated values.
func memRow(i int, cells []string) []string {
	cells = cells[:0]
	n := strconv.Itoa(i)
	cells = append(cells, "姓名"+n, fmt.Sprintf("110101%012d", i), "00"+n, "男", "汉族", "北京市东城区某街道"+n,
		"138"+n, "2020-01-02", "备注"+n, "A", "B", "C", "="+n, n)
	return cells
}

const memLimit = 150 << 20

// TestXLSXMemory writes 200,000 rows × 14 columns through NewXLSXWriter and
// reads them back with OpenXLSX; the heap in use must stay well below
// memLimit all the while. Set TABULAR_ROWS to try other sizes (the export
// budget is 200 MB for 600,000 rows).
func TestXLSXMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	rows, limit := 200_000, uint64(memLimit)
	if s := os.Getenv("TABULAR_ROWS"); s != "" {
		rows, _ = strconv.Atoi(s)
		limit = 200 << 20
	}
	p := filepath.Join(t.TempDir(), "big.xlsx")
	stop := peakHeap()
	start := time.Now()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	w, err := NewXLSXWriter(bw, "data")
	if err != nil {
		t.Fatal(err)
	}
	var cells []string
	for i := range rows + 1 {
		if err := w.Write(memRow(i, cells)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	writePeak, writeTime := stop(), time.Since(start)

	stop = peakHeap()
	start = time.Now()
	r, err := OpenXLSX(p, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		got, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if want := memRow(n, cells); !reflect.DeepEqual(got, want) || r.Row() != n+1 {
			t.Fatalf("row %d: %q, want %q", r.Row(), got, want)
		}
	}
	_ = r.Close()
	readPeak, readTime := stop(), time.Since(start)
	fi, _ := os.Stat(p)
	t.Logf("%d rows, %d MB file: write %v peak heap %d MB; read %v peak heap %d MB",
		n, fi.Size()>>20, writeTime.Round(time.Millisecond), writePeak>>20, readTime.Round(time.Millisecond), readPeak>>20)
	if n != rows {
		t.Errorf("read %d rows", n)
	}
	if writePeak > limit || readPeak > limit {
		t.Errorf("peak heap: write %d MB, read %d MB; limit %d MB", writePeak>>20, readPeak>>20, limit>>20)
	}
}

// sharedStringsBook writes, streaming, a workbook the way Excel saves one:
// every cell a distinct shared string.
func sharedStringsBook(t testing.TB, rows, cols int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sst.xlsx")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	put := func(name, body string) {
		w, _ := zw.Create(name)
		_, _ = io.WriteString(w, body)
	}
	put("[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)
	put("xl/workbook.xml", `<workbook `+nsMain+` xmlns:r="`+nsRel+`"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="`+nsRel+`/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="`+nsRel+`/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	bw := bufio.NewWriter(w)
	_, _ = bw.WriteString(`<worksheet ` + nsMain + `><sheetData>`)
	for r := range rows {
		fmt.Fprintf(bw, `<row r="%d">`, r+1)
		for c := range cols {
			name, _ := excelize.CoordinatesToCellName(c+1, r+1)
			fmt.Fprintf(bw, `<c r="%s" t="s"><v>%d</v></c>`, name, r*cols+c)
		}
		_, _ = bw.WriteString(`</row>`)
	}
	_, _ = bw.WriteString(`</sheetData></worksheet>`)
	_ = bw.Flush()
	w, _ = zw.Create("xl/sharedStrings.xml")
	bw = bufio.NewWriter(w)
	fmt.Fprintf(bw, `<sst %s count="%d" uniqueCount="%d">`, nsMain, rows*cols, rows*cols)
	for i := range rows * cols {
		fmt.Fprintf(bw, `<si><t>单元%d</t></si>`, i)
	}
	_, _ = bw.WriteString(`</sst>`)
	_ = bw.Flush()
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestXLSXSharedStringsMemory reads an Excel-style workbook of 200,000 rows
// × 14 distinct shared strings. Set TABULAR_ROWS to try other sizes (the
// import budget is 300 MB for 600,000 rows).
func TestXLSXSharedStringsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	rows, limit := 200_000, uint64(memLimit)
	if s := os.Getenv("TABULAR_ROWS"); s != "" {
		rows, _ = strconv.Atoi(s)
		limit = 300 << 20
	}
	const cols = 14
	p := sharedStringsBook(t, rows, cols)
	stop := peakHeap()
	start := time.Now()
	r, err := OpenXLSX(p, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		got, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if want := "单元" + strconv.Itoa(n*cols+cols-1); len(got) != cols || got[cols-1] != want {
			t.Fatalf("row %d: %q, want last %q", r.Row(), got, want)
		}
	}
	_ = r.Close()
	peak := stop()
	t.Logf("%d rows × %d shared strings: read %v, peak heap %d MB", n+1, cols, time.Since(start).Round(time.Millisecond), peak>>20)
	if n != rows-1 {
		t.Errorf("read %d rows", n)
	}
	if peak > limit {
		t.Errorf("peak heap %d MB, limit %d MB", peak>>20, limit>>20)
	}
}

func BenchmarkCSVRead(b *testing.B) {
	var buf bytes.Buffer
	w := NewCSVWriter(&buf)
	var cells []string
	for i := range 100_001 {
		_ = w.Write(memRow(i, cells))
	}
	_ = w.Close()
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := OpenCSV(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 100_000 {
			b.Fatalf("%d rows", n)
		}
	}
}

func BenchmarkXLSXRead(b *testing.B) {
	p := filepath.Join(b.TempDir(), "b.xlsx")
	f, _ := os.Create(p)
	w, _ := NewXLSXWriter(f, "")
	var cells []string
	for i := range 100_001 {
		_ = w.Write(memRow(i, cells))
	}
	_ = w.Close()
	_ = f.Close()
	b.ReportAllocs()
	for b.Loop() {
		r, err := OpenXLSX(p, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		_ = r.Close()
	}
}

// FuzzOpenCSV checks that no input makes the CSV reader panic or loop, and
// that rows are numbered upwards.
func FuzzOpenCSV(f *testing.F) {
	for _, seed := range []string{"a,b\n1,2\n", utf8BOM + "x\n\"q\nq\"\n\n,\n", "\xd0\xd5\xc3\xfb\n1\n", "\xff\xfea\x00\t\x00b\x00", "\"", "a\n\"b"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := OpenCSV(bytes.NewReader(data))
		if err != nil {
			return
		}
		last := 0
		for {
			cells, err := r.Next()
			if err != nil {
				return
			}
			if r.Row() <= last || len(cells) == 0 {
				t.Fatalf("row %d after %d, %q", r.Row(), last, cells)
			}
			last = r.Row()
		}
	})
}

// FuzzXLSXSheet checks that no sheet content makes the XLSX reader panic
// or return empty rows.
func FuzzXLSXSheet(f *testing.F) {
	for _, seed := range []string{
		`<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="B2" s="1"><v>43832.5</v></c></row>`,
		`<row><c t="inlineStr"><is><r><t>a</t></r><rPh><t>b</t></rPh></is></c></row><row><c r="XFD2"><v>1E+300</v></c></row>`,
		`<row r="1"><c r="A1" t="d"><v>2020-01-02T03:04:05Z</v></c><c t="b"><v>0</v></c><c t="s"><v>9</v></c></row>`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, sheet string) {
		p := xlsxParts{
			sst:    `<si><t>x_x0041_</t></si>`,
			styles: `<cellXfs><xf numFmtId="0"/><xf numFmtId="22"/></cellXfs>`,
			sheets: []string{sheet},
		}
		r, err := OpenXLSX(p.build(t), Limits{})
		if err != nil {
			return
		}
		defer r.Close()
		for {
			cells, err := r.Next()
			if err != nil {
				return
			}
			if len(cells) == 0 || len(cells) > maxColumns {
				t.Fatalf("row %d: %d cells", r.Row(), len(cells))
			}
		}
	})
}

// TestCSVBrokenRows: a stray quote, an unterminated one (a file cut inside a
// quoted field) and a row with the wrong number of fields are row errors that
// name the row, and reading goes on.
func TestCSVBrokenRows(t *testing.T) {
	file := "a,b,c\n" +
		"1,2,3\n" + // row 2: fine
		"1,2\n" + // row 3: a field short
		"1,2,3,4\n" + // row 4: one too many
		"1,2,3,,\n" + // row 5: extra empty fields are fine
		"1,x\"y,3\n" + // row 6: a stray quote
		"1,2,\"cut in the mid" // row 7: cut inside a quoted field
	r, err := OpenCSV(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		row  int
		kind string
	}
	var out []got
	for {
		cells, err := r.Next()
		if err == io.EOF {
			break
		}
		var re *RowError
		var fc *FieldCountError
		switch {
		case errors.As(err, &fc):
			out = append(out, got{re2(err), fmt.Sprintf("fields %d/%d", fc.Got, fc.Want)})
		case errors.Is(err, ErrQuote):
			out = append(out, got{re2(err), "quote"})
		case errors.As(err, &re):
			t.Fatalf("unexpected row error %v", err)
		case err != nil:
			t.Fatal(err)
		default:
			out = append(out, got{r.Row(), strings.Join(cells, "|")})
		}
	}
	want := []got{{2, "1|2|3"}, {3, "fields 2/3"}, {4, "fields 4/3"}, {5, "1|2|3"}, {6, "quote"}, {7, "quote"}}
	if fmt.Sprint(out) != fmt.Sprint(want) {
		t.Errorf("rows %v, want %v", out, want)
	}
}

func re2(err error) int {
	var re *RowError
	errors.As(err, &re)
	return re.Row
}

// TestXLSXMalformedNesting: a cell or row without its end tag is an error
// naming the row, not a cell that takes the value of the next one
// (RawToken does not check that elements nest).
func TestXLSXMalformedNesting(t *testing.T) {
	for name, sheet := range map[string]string{
		"cell without end tag": `<row r="3"><c r="A3"><v>3</v></row><row r="4"><c r="A4"><v>4</v></c></row>`,
		"cell inside a cell":   `<row r="3"><c r="A3"><v>3</v><c r="B3"><v>4</v></c></row>`,
		"row without end tag":  `<row r="3"><c r="A3"><v>3</v></c><row r="4"><c r="A4"><v>4</v></c></row>`,
		"sheet ends in a row":  `<row r="3"><c r="A3"><v>3</v></c></sheetData>`,
	} {
		t.Run(name, func(t *testing.T) {
			p := xlsxParts{sheets: []string{`<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>` +
				`<row r="2"><c r="A2"><v>2</v></c></row>` + sheet}}
			r, err := OpenXLSX(p.build(t), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if cells, err := r.Next(); err != nil || !reflect.DeepEqual(cells, []string{"2"}) {
				t.Fatalf("row 2: %q %v", cells, err)
			}
			cells, err := r.Next()
			if err == nil || !strings.Contains(err.Error(), "row 3: malformed XML") {
				t.Errorf("row 3: %q %v", cells, err)
			}
		})
	}
}

// TestXLSXLongRun: a cell of Excel's longest text reads; a cell, a shared
// string or a tag of more than maxXMLRun bytes is ErrTooLarge, so that one
// huge cell cannot take the memory of many times its size.
func TestXLSXLongRun(t *testing.T) {
	longest := strings.Repeat("&quot;", 32767) // 196 KB of XML for 32,767 characters
	huge := strings.Repeat("x", maxXMLRun+1)
	for _, tc := range []struct {
		name string
		p    xlsxParts
		err  error // from OpenXLSX or Next
	}{
		{"longest cell", xlsxParts{sheets: []string{`<row><c t="inlineStr"><is><t>h</t></is></c></row><row><c t="inlineStr"><is><t>` + longest + `</t></is></c></row>`}}, nil},
		{"huge inline cell", xlsxParts{sheets: []string{`<row><c t="inlineStr"><is><t>h</t></is></c></row><row><c t="inlineStr"><is><t>` + huge + `</t></is></c></row>`}}, ErrTooLarge},
		{"huge tag", xlsxParts{sheets: []string{`<row><c t="inlineStr"><is><t>h</t></is></c></row><row><c r="A2" x="` + huge + `"><v>1</v></c></row>`}}, ErrTooLarge},
		{"huge shared string", xlsxParts{sst: `<si><t>` + huge + `</t></si>`, sheets: []string{`<row><c t="s"><v>0</v></c></row>`}}, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := OpenXLSX(tc.p.build(t), Limits{})
			if err == nil {
				defer r.Close()
				_, err = r.Next()
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("got %v, want %v", err, tc.err)
			}
		})
	}
}
