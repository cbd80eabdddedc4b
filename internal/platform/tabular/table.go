package tabular

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Kind is what a cell held in the file: a spreadsheet program may have
// turned typed text into a number or a date, and an import needs to know
// (an 18-digit ID number stored as a number has lost its last digits).
type Kind uint8

// The kinds of cells.
const (
	KindText   Kind = iota // text, and every cell of a CSV file
	KindNumber             // a number without a date or time format
	KindDate               // a number with a date or time format, or a date cell
	KindBool               // TRUE or FALSE
	KindError              // an error value such as #N/A
)

// SheetInfo is one worksheet of a workbook.
type SheetInfo struct {
	Name   string
	Hidden bool // hidden or very hidden: never read
}

// ErrNoSheet reports a sheet asked for by name (Options.Sheet) that the
// workbook does not have among its visible sheets. Errors wrapping it are
// *SheetError.
var ErrNoSheet = errors.New("tabular: no visible sheet of that name")

// SheetError is a sheet asked for that the workbook does not have; Sheets
// are the names of its visible sheets.
type SheetError struct {
	Name   string
	Sheets []string
}

func (e *SheetError) Error() string {
	return fmt.Sprintf("tabular: the workbook has no visible sheet %q (it has %s)", e.Name, strings.Join(e.Sheets, ", "))
}

func (e *SheetError) Unwrap() error { return ErrNoSheet }

// rawRow is one non-empty row of a sheet as its format reads it.
type rawRow struct {
	cells []string // cleaned (cleanRow): no trailing empty cell, not all empty
	kinds []Kind   // the kind of each cell; nil when every cell is text
	row   int      // 1-based, as a spreadsheet program numbers it
	// fields is the number of fields before cleaning (CSV), checked
	// against the header's; -1 when the format has no such thing.
	fields int
	// err, when set, is a *RowError: the row could not be read as cells
	// (cells is nil); reading goes on with the next row.
	err error
}

// rowSource streams the non-empty rows of one sheet, or of a CSV file.
type rowSource interface {
	// next returns the next non-empty row; io.EOF at the end. Any other
	// error ends the reading.
	next() (rawRow, error)
	close() error
}

// workbook is a file of one or more sheets.
type workbook interface {
	sheets() []SheetInfo
	// open opens sheet i (an index into sheets()).
	open(i int) (rowSource, error)
	close() error
}

// HeaderSearchRows is how many non-empty rows from the top of a sheet are
// looked at for the header row (Options.Header).
const HeaderSearchRows = 20

// MaxSheetSearch is how many visible sheets of a workbook are looked at for
// the one whose header matches (Options.Sheet names any other).
const MaxSheetSearch = 50

// Options steer OpenWith. The zero value reads the first visible sheet,
// whose first non-empty row is the header.
type Options struct {
	Limits
	// Sheet names the sheet of a workbook to read. Empty: the first visible
	// sheet, of the first MaxSheetSearch, whose header scores highest
	// (Header), else the first visible sheet. Hidden sheets are never read.
	// Ignored for CSV.
	Sheet string
	// Header scores a row as the header row: the number of its cells that
	// name known columns. Of the first HeaderSearchRows non-empty rows, the
	// first with the highest score above zero is the header, and the rows
	// above it (a title such as "嘉定区残疾人名册（2026年）", notes) are
	// skipped; with no score above zero, or no Header, the first non-empty
	// row is the header.
	Header func(cells []string) int
}

// Table is the Reader of every format: it picks the sheet and the header
// row, then streams the rows below the header.
type Table struct {
	src       rowSource
	wb        workbook // nil for CSV
	csv       *csvSource
	sheet     string
	sheets    []string // visible sheets of a workbook
	header    []string
	headerRow int
	skipped   []int    // row numbers of the non-empty rows above the header
	pending   []rawRow // rows read while looking for the header, after it
	kinds     []Kind
	row       int
	width     int // header fields of a CSV file (-1: not checked)
}

// newTable picks the header of src (see Options.Header).
func newTable(src rowSource, match func([]string) int) (*Table, error) {
	t := &Table{src: src}
	var rows []rawRow
	best, bestScore := -1, 0
	for len(rows) < HeaderSearchRows {
		r, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
		if match == nil {
			break
		}
		if r.err == nil {
			if s := match(r.cells); s > bestScore {
				best, bestScore = len(rows)-1, s
			}
		}
	}
	if best < 0 {
		// The first row that could be read.
		for i, r := range rows {
			if r.err == nil {
				best = i
				break
			}
		}
	}
	if best < 0 {
		if len(rows) > 0 {
			return nil, fmt.Errorf("tabular: header row %d: %w", rows[0].row, rows[0].err)
		}
		return nil, ErrNoHeader
	}
	h := rows[best]
	t.header = cleanHeader(h.cells)
	t.headerRow, t.row, t.width = h.row, h.row, h.fields
	for _, r := range rows[:best] {
		t.skipped = append(t.skipped, r.row)
	}
	t.pending = rows[best+1:]
	return t, nil
}

// Header implements Reader.
func (t *Table) Header() []string { return t.header }

// HeaderRow is the row number of the header row.
func (t *Table) HeaderRow() int { return t.headerRow }

// Skipped are the row numbers of the non-empty rows above the header row,
// which were not read as data.
func (t *Table) Skipped() []int { return t.skipped }

// Sheet is the name of the sheet read ("" for CSV).
func (t *Table) Sheet() string { return t.sheet }

// Sheets are the names of the visible sheets of the workbook (none for
// CSV).
func (t *Table) Sheets() []string { return t.sheets }

// Row implements Reader.
func (t *Table) Row() int { return t.row }

// Kinds are the kinds of the cells last returned by Next; nil when every
// cell is text (always, for CSV).
func (t *Table) Kinds() []Kind { return t.kinds }

// Encoding is the detected encoding of a CSV file (see OpenCSV), "" for a
// workbook.
func (t *Table) Encoding() string {
	if t.csv == nil {
		return ""
	}
	return t.csv.enc
}

// Comma is the detected delimiter of a CSV file, 0 for a workbook.
func (t *Table) Comma() rune {
	if t.csv == nil {
		return 0
	}
	return t.csv.comma
}

// Next implements Reader.
func (t *Table) Next() ([]string, error) {
	var r rawRow
	if len(t.pending) > 0 {
		r, t.pending = t.pending[0], t.pending[1:]
	} else {
		var err error
		if r, err = t.src.next(); err != nil {
			t.kinds = nil
			return nil, err
		}
	}
	t.row, t.kinds = r.row, r.kinds
	if r.err != nil {
		return nil, r.err
	}
	if t.width >= 0 && r.fields >= 0 && (r.fields < t.width || len(r.cells) > t.width) {
		return nil, &RowError{Row: r.row, Err: &FieldCountError{Got: r.fields, Want: t.width}}
	}
	return r.cells, nil
}

// Close implements Reader.
func (t *Table) Close() error {
	err := t.src.close()
	if t.wb != nil {
		if werr := t.wb.close(); err == nil {
			err = werr
		}
	}
	return err
}

// openBook picks the sheet of a workbook and its header (Options).
func openBook(wb workbook, o Options) (*Table, error) {
	var visible []int
	var names []string
	for i, s := range wb.sheets() {
		if !s.Hidden {
			visible = append(visible, i)
			names = append(names, s.Name)
		}
	}
	if len(visible) == 0 {
		return nil, fmt.Errorf("%w: workbook without a visible worksheet", ErrUnsupported)
	}
	openSheet := func(i int) (*Table, error) {
		src, err := wb.open(i)
		if err != nil {
			return nil, err
		}
		t, err := newTable(src, o.Header)
		if err != nil {
			_ = src.close()
			return nil, err
		}
		t.wb, t.sheet, t.sheets = wb, wb.sheets()[i].Name, names
		return t, nil
	}
	if o.Sheet != "" {
		for _, i := range visible {
			if strings.EqualFold(strings.TrimSpace(wb.sheets()[i].Name), strings.TrimSpace(o.Sheet)) {
				return openSheet(i)
			}
		}
		return nil, &SheetError{Name: o.Sheet, Sheets: names}
	}
	if o.Header == nil || len(visible) == 1 {
		return openSheet(visible[0])
	}
	// The first sheet whose header scores highest, of the first
	// MaxSheetSearch (a workbook of thousands of sheets is not searched
	// through: name the sheet).
	best, bestScore := visible[0], 0
	for n, i := range visible {
		if n == MaxSheetSearch {
			break
		}
		src, err := wb.open(i)
		if err != nil {
			return nil, err
		}
		t, err := newTable(src, o.Header)
		score := 0
		if err == nil {
			score = o.Header(t.header)
		}
		_ = src.close()
		if err != nil && !errors.Is(err, ErrNoHeader) {
			var re *RowError
			if !errors.As(err, &re) {
				return nil, err
			}
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	return openSheet(best)
}

// OpenWith sniffs the file at path and opens it: CSV text, an XLSX
// workbook (OpenXLSX) or an Excel 97–2003 .xls workbook (OpenXLS). The
// Table's Close closes the file.
func OpenWith(path string, o Options) (*Table, Format, error) {
	o.Limits = o.Limits.withDefaults()
	format, f, err := sniffFile(path)
	if err != nil {
		return nil, "", err
	}
	switch format {
	case CSV:
		src, err := newCSVSource(f)
		if err != nil {
			_ = f.Close()
			return nil, "", err
		}
		src.closer = f
		t, err := newTable(src, o.Header)
		if err != nil {
			_ = f.Close()
			return nil, "", err
		}
		t.csv = src
		return t, CSV, nil
	case XLSX, XLS:
		_ = f.Close()
		t, err := openWorkbook(format, path, o)
		if err != nil {
			return nil, "", err
		}
		return t, format, nil
	}
	_ = f.Close()
	return nil, "", ErrUnsupported
}

// openWorkbook opens the XLSX or XLS workbook at path and picks its sheet
// and header (Options; limits with their defaults).
func openWorkbook(format Format, path string, o Options) (*Table, error) {
	var wb workbook
	var err error
	if format == XLS {
		wb, err = openXLSBook(path, o.Limits)
	} else {
		wb, err = openXLSXBook(path, o.Limits)
	}
	if err != nil {
		return nil, err
	}
	t, err := openBook(wb, o)
	if err != nil {
		_ = wb.close()
		return nil, err
	}
	return t, nil
}
