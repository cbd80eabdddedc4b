// Package tabular reads and writes spreadsheets of rows and columns: CSV in
// UTF-8, GB18030 or UTF-16, XLSX, and (reading only) Excel 97–2003 .xls. It is shared mechanism for imports and
// exports; it knows nothing of what the columns mean.
//
// Reading streams: memory does not grow with the number of rows (an XLSX
// file's shared-string table, which Excel writes for every text cell, is kept
// in one compact buffer; see OpenXLSX). Every cell is trimmed of surrounding
// spaces and passed through Unescape, so a file exported by a Writer reads
// back with the values that were written. Fully empty rows are skipped but
// still counted, so Row numbers match the row numbers a person sees in Excel.
//
// Writing streams too: the Writers escape every cell against formula
// injection (Escape) and write XLSX cells as text, so long digit strings and
// leading zeros survive a round trip through Excel.
package tabular

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Format of a tabular file.
type Format string

// The supported formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
	XLS  Format = "xls" // Excel 97–2003 (BIFF8 in an OLE2 compound file)
)

var (
	// ErrUnsupported reports a file that is neither CSV text nor an XLSX or
	// .xls workbook: a binary file, a PDF or image, a Word document, an
	// HTML table renamed to .xls, a zip that holds no workbook, a .xls
	// older than Excel 97, and so on.
	ErrUnsupported = errors.New("tabular: not a CSV, XLSX or XLS file")
	// ErrEncrypted reports a workbook protected by a password to open:
	// it cannot be read without it.
	ErrEncrypted = errors.New("tabular: the workbook is protected by a password")
	// ErrTooLarge reports an XLSX file that would expand beyond the Limits
	// (a zip bomb), or a CSV record too large to be a row of a table.
	ErrTooLarge = errors.New("tabular: file expands beyond the size limits")
	// ErrQuote is the Err of a RowError for a CSV row with a quote that is
	// not closed (a file cut in the middle of a quoted field) or that stands
	// inside a field not enclosed in quotes.
	ErrQuote = errors.New("tabular: a quote in the row is not closed, or stands inside a field without enclosing it")
	// ErrNoHeader reports a file without any non-empty row.
	ErrNoHeader = errors.New("tabular: file has no header row")
)

// SniffLen is how many leading bytes Sniff looks at.
const SniffLen = 8 << 10

// Sniff decides the format of a file from its first bytes (up to SniffLen
// are looked at; pass at least that many when the file is that long).
//
// A zip ("PK\x03\x04" or an empty zip) is XLSX; whether it really holds a
// workbook is checked by OpenXLSX. An OLE2 compound file is XLS; whether it
// holds an Excel 97–2003 workbook (and not a Word document, or an XLSX
// encrypted with a password) is checked when it is opened. Text is CSV: no NUL bytes (unless the
// text starts with a UTF-16 byte-order mark), almost no other control
// characters, and not a known binary magic (OLE2 .xls or encrypted .xlsx,
// PDF, images, archives, executables). Text starting with '<' (an HTML or
// XML file renamed to .xls or .csv) is refused too. An empty file is CSV;
// opening it then fails with ErrNoHeader. Anything else is ErrUnsupported.
func Sniff(head []byte) (Format, error) {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) {
		return XLSX, nil
	}
	if bytes.HasPrefix(head, []byte(ole2Magic)) {
		return XLS, nil
	}
	for _, magic := range binaryMagics {
		if bytes.HasPrefix(head, []byte(magic)) {
			return "", ErrUnsupported
		}
	}
	if bytes.HasPrefix(head, []byte("\xff\xfe")) || bytes.HasPrefix(head, []byte("\xfe\xff")) {
		return CSV, nil // UTF-16 text with a byte-order mark
	}
	text := bytes.TrimPrefix(head, []byte(utf8BOM))
	if t := bytes.TrimLeft(text, " \t\r\n"); len(t) > 0 && t[0] == '<' {
		return "", ErrUnsupported
	}
	if isBinary(text) {
		return "", ErrUnsupported
	}
	return CSV, nil
}

// binaryMagics are leading bytes of common non-text files.
var binaryMagics = []string{
	"%PDF-",
	"\x89PNG\r\n\x1a\n",
	"\xff\xd8\xff", // JPEG
	"GIF87a", "GIF89a",
	"\x1f\x8b",     // gzip
	"BZh",          // bzip2
	"\xfd7zXZ\x00", // xz
	"7z\xbc\xaf\x27\x1c",
	"Rar!\x1a\x07",
	"\x7fELF",
	"{\\rtf",
}

const utf8BOM = "\xef\xbb\xbf"

// ole2Magic starts an OLE2 compound file: a .xls, but also a .doc or an
// XLSX encrypted with a password.
const ole2Magic = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

// isBinary reports whether b looks like binary data rather than text: it has
// a NUL byte, or more than one control character in a hundred bytes (tabs,
// line and page breaks, Ctrl-Z and ESC do not count).
func isBinary(b []byte) bool {
	ctl := 0
	for _, c := range b {
		switch {
		case c == 0:
			return true
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1a && c != 0x1b, c == 0x7f:
			ctl++
		}
	}
	return ctl*100 > len(b)
}

// Reader streams the rows of a file.
type Reader interface {
	// Header returns the header row (the first non-empty row, unless
	// Options.Header chose another), its cells trimmed of spaces and of a
	// UTF-8 byte-order mark.
	Header() []string
	// Next returns the cells of the next data row, or io.EOF at the end.
	// Fully empty rows are skipped. Trailing empty cells are dropped, so a
	// row may have fewer cells than the header (treat missing cells as
	// empty) or more.
	Next() ([]string, error)
	// Row returns the row number of the row last returned by Next (before
	// the first Next, of the header), 1-based as a person sees it in Excel:
	// the header is row 1 when the file starts with it, and a CSV record
	// spanning lines has the number of the line it starts on.
	Row() int
	// Close releases the file.
	Close() error
}

// Limits bound how far a workbook may expand when read: an XLSX file's
// unzipped entries, a .xls file's streams and shared strings. Zero fields
// take the defaults.
type Limits struct {
	MaxEntry uint64 // largest uncompressed zip entry or .xls stream; default 1 GiB
	MaxTotal uint64 // largest sum of uncompressed entries; default 2 GiB
}

// Default limits.
const (
	DefaultMaxEntry = 1 << 30
	DefaultMaxTotal = 2 << 30
)

func (l Limits) withDefaults() Limits {
	if l.MaxEntry == 0 {
		l.MaxEntry = DefaultMaxEntry
	}
	if l.MaxTotal == 0 {
		l.MaxTotal = DefaultMaxTotal
	}
	return l
}

// Open sniffs the file at path and opens it: OpenWith without a sheet or
// header search (the first visible sheet, headed by its first non-empty
// row).
func Open(path string, limits Limits) (*Table, Format, error) {
	return OpenWith(path, Options{Limits: limits})
}

// sniffFile opens the file at path and sniffs its format; the file is
// left at its start.
func sniffFile(path string) (Format, *os.File, error) {
	f, err := os.Open(path) // #nosec G304 -- the caller's file: an upload saved with os.CreateTemp, or a path the operator gave the CLI
	if err != nil {
		return "", nil, err
	}
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		_ = f.Close()
		return "", nil, err
	}
	format, err := Sniff(head[:n])
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		_ = f.Close()
		return "", nil, err
	}
	return format, f, nil
}

// formulaStart holds the first characters that make a spreadsheet program
// read a cell as a formula (or that hide such a start).
const formulaStart = "=+-@\t\r"

// Escape protects a cell against formula injection when it is exported: a
// value starting with = + - @, a tab or a carriage return gets a leading
// apostrophe. So that Unescape gives back every value, a value that starts
// with apostrophes followed by one of those characters gets one more.
func Escape(s string) string {
	if needsQuote(s) {
		return "'" + s
	}
	return s
}

// Unescape reverses Escape on import: one leading apostrophe is removed
// from a value whose leading apostrophes are followed by one of = + - @, a
// tab or a carriage return. Readers apply it to every cell, so export then
// import gives back the original values.
func Unescape(s string) string {
	if len(s) >= 2 && s[0] == '\'' && needsQuote(s[1:]) {
		return s[1:]
	}
	return s
}

// needsQuote reports whether s, after any leading apostrophes, starts with
// a character that could start a formula.
func needsQuote(s string) bool {
	s = strings.TrimLeft(s, "'")
	return s != "" && strings.IndexByte(formulaStart, s[0]) >= 0
}

// cleanCell trims a cell read from a file and reverses Escape.
func cleanCell(s string) string {
	return Unescape(strings.TrimSpace(s))
}

// cleanRow cleans the cells of row in place, drops trailing empty cells and
// reports whether any cell is left.
func cleanRow(row []string) ([]string, bool) {
	for i, c := range row {
		row[i] = cleanCell(c)
	}
	n := len(row)
	for n > 0 && row[n-1] == "" {
		n--
	}
	return row[:n], n > 0
}

// cleanHeader cleans a header row: like cleanRow, and a UTF-8 byte-order
// mark is removed from every cell.
func cleanHeader(row []string) []string {
	for i, c := range row {
		row[i] = strings.ReplaceAll(c, "\ufeff", "")
	}
	row, _ = cleanRow(row)
	return row
}

// RowError is a row that cannot be read as cells: the reader goes on with the
// next row. Err is ErrQuote or a *FieldCountError.
type RowError struct {
	Row int
	Err error
}

func (e *RowError) Error() string { return fmt.Sprintf("tabular: row %d: %v", e.Row, e.Err) }

func (e *RowError) Unwrap() error { return e.Err }

// FieldCountError is a CSV row with another number of fields than the header.
type FieldCountError struct{ Got, Want int }

func (e *FieldCountError) Error() string {
	return fmt.Sprintf("the row has %d fields and the header %d", e.Got, e.Want)
}
