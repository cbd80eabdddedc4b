package tabular

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Writer streams rows out; memory does not grow with the number of rows.
type Writer interface {
	// Write writes one row. Cells are escaped against formula injection
	// (Escape); the first row written is the header.
	Write(cells []string) error
	// Close flushes; an XLSX file is written to the underlying io.Writer
	// only now. Close does not close the underlying io.Writer.
	Close() error
}

// NewWriter returns a CSV or XLSX Writer. sheet names the XLSX sheet.
func NewWriter(f Format, w io.Writer, sheet string) (Writer, error) {
	switch f {
	case CSV:
		return NewCSVWriter(w), nil
	case XLSX:
		return NewXLSXWriter(w, sheet)
	}
	return nil, ErrUnsupported
}

// xlsxWriter writes one sheet with excelize's StreamWriter, which keeps at
// most 16 MB of the sheet in memory and the rest in a temporary file, and
// zips the workbook straight into the destination.
type xlsxWriter struct {
	w         io.Writer
	f         *excelize.File
	sw        *excelize.StreamWriter
	rows      int
	headStyle int
	markCol   int // 1-based column written in markStyle, 0 for none
	markStyle int
	vals      []any
}

// NewXLSXWriter writes one sheet named sheet ("Sheet1" when empty) to w.
// Every cell is a text cell, and the columns of the header are formatted as
// text, so 18-digit numbers and leading zeros stay as they are, also when a
// person edits them in Excel. The header row is bold and frozen; column
// widths follow the header. Characters that XML cannot hold (control
// characters other than tab and line breaks) are dropped, a CR LF line
// break is written as LF (as office suites show it; lineBreaks), and Excel's
// limit of 32,767 characters a cell applies.
func NewXLSXWriter(w io.Writer, sheet string) (Writer, error) {
	return newXLSXWriter(w, sheet)
}

func newXLSXWriter(w io.Writer, sheet string) (*xlsxWriter, error) {
	f := excelize.NewFile()
	x := &xlsxWriter{w: w, f: f}
	if err := x.init(sheet); err != nil {
		_ = f.Close()
		return nil, err
	}
	return x, nil
}

func (x *xlsxWriter) init(sheet string) error {
	if sheet == "" {
		sheet = "Sheet1"
	}
	if err := x.f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	var err error
	if x.headStyle, err = x.f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}}}); err != nil {
		return err
	}
	if x.markStyle, err = x.f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Color: "C00000"}}); err != nil {
		return err
	}
	// excelize's File.Write assembles the whole zip in memory; with this
	// the zip goes straight to w instead.
	x.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(x.w) })
	x.sw, err = x.f.NewStreamWriter(sheet)
	return err
}

// Write implements Writer.
func (x *xlsxWriter) Write(cells []string) error {
	if x.rows == 0 {
		if err := x.layout(cells); err != nil {
			return err
		}
	}
	x.rows++
	x.vals = x.vals[:0]
	for i, s := range cells {
		s = xmlSafe(Escape(lineBreaks(s)))
		switch {
		case x.rows == 1:
			x.vals = append(x.vals, excelize.Cell{StyleID: x.headStyle, Value: s})
		case s == "":
			x.vals = append(x.vals, nil)
		case i+1 == x.markCol:
			x.vals = append(x.vals, excelize.Cell{StyleID: x.markStyle, Value: s})
		default:
			x.vals = append(x.vals, s)
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, x.rows)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, x.vals)
}

// layout freezes the header row and sets the columns' widths and text
// format from the header, before the first row is written.
func (x *xlsxWriter) layout(header []string) error {
	if len(header) == 0 {
		return nil
	}
	if err := x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	text, err := x.f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	if err := x.sw.SetColStyle(1, len(header), text); err != nil {
		return err
	}
	for i, h := range header {
		if err := x.sw.SetColWidth(i+1, i+1, columnWidth(h)); err != nil {
			return err
		}
	}
	return nil
}

// SheetsWriter is an XLSX Writer that goes on to further sheets.
type SheetsWriter interface {
	Writer
	// NextSheet ends the sheet written so far and starts a new one named
	// sheet: the next row written is its header.
	NextSheet(sheet string) error
}

// NewXLSXSheets is NewXLSXWriter for a workbook of several sheets (a
// report and its summary): sheet names the first.
func NewXLSXSheets(w io.Writer, sheet string) (SheetsWriter, error) {
	return newXLSXWriter(w, sheet)
}

// NextSheet implements SheetsWriter.
func (x *xlsxWriter) NextSheet(sheet string) error {
	if err := x.sw.Flush(); err != nil {
		return err
	}
	if _, err := x.f.NewSheet(sheet); err != nil {
		return err
	}
	sw, err := x.f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	x.sw, x.rows, x.markCol = sw, 0, 0
	return nil
}

// Close implements Writer.
func (x *xlsxWriter) Close() error {
	if x.f == nil {
		return nil
	}
	defer func() { _ = x.f.Close(); x.f, x.sw, x.vals = nil, nil, nil }()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	return x.f.Write(x.w)
}

// columnWidth returns a column width for a header: its display width
// (CJK characters count two) plus a margin, between 10 and 50.
func columnWidth(h string) float64 {
	w := 0
	for _, r := range h {
		if r >= 0x1100 {
			w += 2
		} else {
			w++
		}
	}
	return float64(min(max(w+4, 10), 50))
}

// lineBreaks writes the line breaks of a cell as a spreadsheet program
// keeps them, LF: Excel and LibreOffice Calc show a CR LF (a textarea's, an
// API client's) as LF, so a cell with CR LF would not read back as written.
// A CSV export reads back with LF too (encoding/csv reads a quoted CR LF
// as LF).
// It runs before Escape, so that a value starting with a line break is
// escaped as the office suite sees it.
func lineBreaks(s string) string {
	if strings.Contains(s, "\r\n") {
		return strings.ReplaceAll(s, "\r\n", "\n")
	}
	return s
}

// xmlSafe drops the characters that XML 1.0 cannot hold.
func xmlSafe(s string) string {
	ok := func(r rune) bool {
		return r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xd7ff) ||
			(r >= 0xe000 && r <= 0xfffd) || r >= 0x10000
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !ok(r) {
			return strings.Map(func(r rune) rune {
				if ok(r) {
					return r
				}
				return -1
			}, s)
		}
		i += n
	}
	return s
}

// Column describes one column of an import template.
type Column struct {
	Header    string   // as written in the header row
	AltHeader string   // the header in the other language
	Example   string   // the value in the example row
	Choices   []string // allowed values, offered as a dropdown; may be nil
	Required  bool     // shown in red in the header and as such in the help sheet
	DescZh    string   // description in Chinese
	DescEn    string   // description in English
	// OtherValues lets a cell hold a value not on the list (a village's
	// code where the list names villages): the dropdown only warns.
	OtherValues bool
}

// Sheet is a lookup sheet of a template: a header row and rows of text.
type Sheet struct {
	Name   string
	Header []string
	Rows   [][]string
}

// choicesSheet is the hidden sheet that holds dropdown lists too long to be
// written into the validation rule itself.
const choicesSheet = "_choices"

// WriteTemplate writes an import template: sheet holds the header row and
// one example row, its columns formatted as text, with a dropdown list for
// every column that has Choices (up to the last row of the sheet); helpSheet
// explains every column in Chinese and English. Dropdown lists longer than
// Excel's 255 characters, or with commas in a value, are kept on a hidden
// sheet named "_choices".
func WriteTemplate(w io.Writer, sheet, helpSheet string, cols []Column) error {
	return WriteTemplateLookups(w, sheet, helpSheet, cols)
}

// WriteTemplateLookups is WriteTemplate with lookup sheets after the help
// sheet (the caller's villages, the code lists and their labels).
func WriteTemplateLookups(w io.Writer, sheet, helpSheet string, cols []Column, lookups ...Sheet) error {
	if sheet == helpSheet {
		return errors.New("tabular: template sheet and help sheet need different names")
	}
	for _, l := range lookups {
		if l.Name == sheet || l.Name == helpSheet || l.Name == choicesSheet {
			return fmt.Errorf("tabular: lookup sheet %q has the name of another sheet", l.Name)
		}
	}
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}}})
	if err != nil {
		return err
	}
	required, err := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true, Color: "C00000"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	if _, err := f.NewSheet(helpSheet); err != nil {
		return err
	}
	listCol := 0 // columns used on the choices sheet
	for i, c := range cols {
		name, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		steps := []func() error{
			func() error { return f.SetColStyle(sheet, name, text) },
			func() error { return f.SetColWidth(sheet, name, name, columnWidth(c.Header)) },
			func() error { return f.SetCellStr(sheet, name+"1", xmlSafe(Escape(c.Header))) },
			func() error {
				if c.Required {
					return f.SetCellStyle(sheet, name+"1", name+"1", required)
				}
				return f.SetCellStyle(sheet, name+"1", name+"1", head)
			},
			func() error { return f.SetCellStr(sheet, name+"2", xmlSafe(Escape(c.Example))) },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		if len(c.Choices) == 0 {
			continue
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", name, name, excelize.TotalRows)
		joined := strings.Join(c.Choices, ",")
		if strings.Contains(joined, `"`) || strings.HasPrefix(joined, "=") || len(c.Choices) != strings.Count(joined, ",")+1 ||
			utf8.RuneCountInString(joined) > 255 || dv.SetDropList(c.Choices) != nil {
			if listCol == 0 {
				if _, err := f.NewSheet(choicesSheet); err != nil {
					return err
				}
			}
			listCol++
			lname, err := excelize.ColumnNumberToName(listCol)
			if err != nil {
				return err
			}
			for j, v := range c.Choices {
				if err := f.SetCellStr(choicesSheet, fmt.Sprintf("%s%d", lname, j+1), xmlSafe(v)); err != nil {
					return err
				}
			}
			dv.SetSqrefDropList(fmt.Sprintf("'%s'!$%s$1:$%s$%d", choicesSheet, lname, lname, len(c.Choices)))
		}
		if c.OtherValues {
			dv.SetError(excelize.DataValidationErrorStyleWarning, "不在列表中 / Not on the list",
				"可以从下拉列表中选择，也可以填写代码。/ Choose from the list, or type the code.")
		} else {
			dv.SetError(excelize.DataValidationErrorStyleStop, "无效的值 / Invalid value",
				"请从下拉列表中选择。/ Please choose a value from the list.")
		}
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
	}
	if len(cols) > 0 {
		if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
	}
	if listCol > 0 {
		if err := f.SetSheetVisible(choicesSheet, false, true); err != nil {
			return err
		}
	}
	if err := writeHelp(f, helpSheet, cols, head, wrap); err != nil {
		return err
	}
	for _, l := range lookups {
		if err := writeLookup(f, l, head); err != nil {
			return err
		}
	}
	return f.Write(w)
}

// writeLookup adds a lookup sheet: its header, then its rows, as text.
func writeLookup(f *excelize.File, l Sheet, head int) error {
	if _, err := f.NewSheet(l.Name); err != nil {
		return err
	}
	for j, h := range l.Header {
		name, err := excelize.ColumnNumberToName(j + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(l.Name, name, name, columnWidth(h)+6); err != nil {
			return err
		}
		if err := f.SetCellStr(l.Name, name+"1", xmlSafe(Escape(h))); err != nil {
			return err
		}
		if err := f.SetCellStyle(l.Name, name+"1", name+"1", head); err != nil {
			return err
		}
	}
	for i, row := range l.Rows {
		for j, v := range row {
			name, err := excelize.ColumnNumberToName(j + 1)
			if err != nil {
				return err
			}
			if err := f.SetCellStr(l.Name, fmt.Sprintf("%s%d", name, i+2), xmlSafe(Escape(v))); err != nil {
				return err
			}
		}
	}
	if len(l.Header) == 0 {
		return nil
	}
	return f.SetPanes(l.Name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// helpChoices is how many choices of a column the help sheet lists.
const helpChoices = 20

// writeHelp fills the sheet that explains the template's columns.
func writeHelp(f *excelize.File, sheet string, cols []Column, head, wrap int) error {
	header := []string{"列名/Column", "英文名/English name", "必填/Required", "说明/Description (zh)", "Description (en)", "可选值/Choices"}
	widths := []float64{18, 20, 12, 40, 40, 30}
	for i, h := range header {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, name, name, widths[i]); err != nil {
			return err
		}
		if err := f.SetColStyle(sheet, name, wrap); err != nil {
			return err
		}
		if err := f.SetCellStr(sheet, name+"1", h); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(sheet, "A1", "F1", head); err != nil {
		return err
	}
	for i, c := range cols {
		req := "否/No"
		if c.Required {
			req = "是/Yes"
		}
		choices := c.Choices
		if len(choices) > helpChoices { // a long list (villages): its lookup sheet has them all
			choices = append(slices.Clone(choices[:helpChoices]), "…")
		}
		row := []string{c.Header, c.AltHeader, req, c.DescZh, c.DescEn, strings.Join(choices, "; ")}
		for j, v := range row {
			name, _ := excelize.ColumnNumberToName(j + 1)
			if err := f.SetCellStr(sheet, fmt.Sprintf("%s%d", name, i+2), xmlSafe(Escape(v))); err != nil {
				return err
			}
		}
	}
	return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// WriteRejects writes an error report as XLSX: the header plus errorHeader,
// then each of rows (padded or cut to the header's width) with its error
// text errs[i] in the added last column, shown in red. People fix the rows
// and upload the file again; importers should ignore the extra column.
func WriteRejects(w io.Writer, sheet string, header []string, errorHeader string, rows [][]string, errs []string) error {
	if len(rows) != len(errs) {
		return fmt.Errorf("tabular: %d rejected rows but %d errors", len(rows), len(errs))
	}
	x, err := newXLSXWriter(w, sheet)
	if err != nil {
		return err
	}
	defer func() { _ = x.Close() }()
	x.markCol = len(header) + 1
	cells := make([]string, len(header)+1)
	copy(cells, header)
	cells[len(header)] = errorHeader
	if err := x.Write(cells); err != nil {
		return err
	}
	for i, row := range rows {
		clear(cells)
		copy(cells[:len(header)], row)
		cells[len(header)] = errs[i]
		if err := x.Write(cells); err != nil {
			return err
		}
	}
	return x.Close()
}
