// Why OpenXLSX is hand-written rather than excelize's streaming reader
// (issue 13). BenchmarkXLSXCompare and TestXLSXHostileCompare in
// xlsx_compare_test.go read the same files with OpenXLSX and with excelize
// v2.11.1 (OpenFile with UnzipSizeLimit and UnzipXMLSizeLimit set like our
// limits, then Rows and Columns), each in a child process. Two runs on the
// 2-CPU development machine (go1.27.3; the machine was shared, so CPU time
// is the steadier figure), 600,000 persons rows × 16 text columns with 2.7
// million distinct texts, opened and read to the end, the same cells from
// both:
//
//	                  Excel's shared strings       Sunshine's inline strings
//	                  (58 MB; sheet 305 MB,        (60 MB; sheet 548 MB)
//	                  strings 98 MB unzipped)
//	                  ours       excelize  ratio   ours      excelize  ratio
//	CPU time, s       20.1–21.5  49–60     2.3–3.0 24–27     46–55     1.7–2.3
//	rows per CPU-s    28–30k     10–12k            22–25k    11–13k
//	wall time, s      22–41      66–92     2.3–3.0 21–31     48–68     2.2
//	peak RSS, MB      95         315–357   3.3–3.8 19–22     21–45     1.1–2.0
//	allocated, GB     4.1        9.2       2.2     5.8       13.1      2.3
//	temporary files   57 MB      461 MB            none      549 MB
//
// (Unzipping alone takes 0.9–1.6 CPU-s: ours takes 15–23 times that,
// excelize 35–64 times.) excelize cannot meet the import goals, so OpenXLSX
// stays:
//
//   - Memory: excelize keeps an index on the heap for every shared string,
//     a slice of two offsets each (about 100 bytes a string, measured):
//     315–357 MB for an ordinary 600,000-row file, over the 300 MB that the
//     whole import may take, and 1.05–1.08 GB for a 47 MB upload of 10
//     million short strings (ours: 128 MB). Nothing in front of it could
//     bound that short of parsing the shared strings itself.
//   - Speed: it takes 1.7–3 times our CPU time (a namespace-resolving Token
//     and DecodeElement for every cell, a file read for every shared string
//     once the table is spilled), so it is further still from the 50,000
//     rows/s of the import goal than ours.
//   - Meaning: Rows gives no cell's style, and its formatted values are not
//     ours: a date comes out as "01-02-20" or "2020/1/2", an 18-digit ID
//     number entered as a number as "1.10101199001011E+17" (digits lost),
//     0.30000000000000004 in the format "0.00_ " as "0.30 " where we give
//     "0.3". TestXLSXCells could not pass.
//   - Errors: it drops XML errors in a sheet and bad shared-string indexes
//     without a word (an entity reference or a cell without its end tag
//     silently ends the sheet there; a bad index gives an empty cell), so
//     an import could neither name the row nor tell a broken file from a
//     short one.
//   - Zip bombs it refuses only by declared sizes (no compression ratio),
//     and it unzips every sheet over UnzipXMLSizeLimit to a temporary file
//     before the first row: an 860 KB upload became a 300 MB file and 12
//     million rows read in 47–64 s. Our checkZip in front would stop that,
//     so this alone would not decide.
//
// Entities are safe either way: encoding/xml expands none (billion laughs
// and external entities are syntax errors). Neither reader reaches the
// 50,000 rows/s of the import goal: about 90% of the CPU time of Next is
// encoding/xml's RawToken and its allocations, so that is where to make
// XLSX imports faster.

package tabular

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

// Zip-bomb thresholds that do not depend on Limits.
const (
	maxZipEntries   = 10000
	ratioMinSize    = 10 << 20 // entries at least this large must not exceed maxRatio
	maxRatio        = 200
	maxMetaPartSize = 32 << 20 // workbook, relationships and styles parts
	maxColumns      = 16384    // Excel's last column, XFD
	// maxXMLRun bounds a run of bytes without a '<' in a sheet or the
	// shared strings: the text of one cell (Excel's 32,767 characters,
	// escaped, are at most 200 KB) or one tag. encoding/xml and the reader
	// each hold such a run whole, so one huge cell would otherwise take
	// several times its size in memory.
	maxXMLRun = 4 << 20
)

// OpenXLSX opens the first visible worksheet of the .xlsx file at path and
// streams its rows.
//
// Before anything is parsed the zip directory is checked against zip bombs:
// more than 10,000 entries, an entry larger than limits.MaxEntry, entries
// adding up to more than limits.MaxTotal, or an entry of more than 10 MB
// compressed more than 200:1 give ErrTooLarge. (Declared sizes cannot lie:
// archive/zip fails an entry that inflates beyond its declared size.) A file
// that is not a zip or holds no workbook gives ErrUnsupported.
//
// The sheet is read with a streaming XML decoder, so memory does not grow
// with the number of rows; a cell or tag of more than 4 MB gives
// ErrTooLarge, and a cell or row without its end tag an error naming the
// row. The shared-string table (where Excel keeps the text of every text
// cell) is held compactly: up to 32 MB of text in memory, a larger table in
// a temporary file (removed by Close) read back through an 8 MB cache, so
// the heap holds 4 bytes a string beyond that. (Why this is not excelize's
// row iterator, with figures: see the top of this file.)
//
// Cells come back as text:
//   - text cells exactly as typed (leading zeros and long digit strings
//     kept; Excel's _xHHHH_ escapes decoded; phonetic runs left out);
//   - numbers without exponent and rounded to Excel's 15 significant
//     digits (1.10101199001011E+17 gives "110101199001011000"), except that
//     an integer written out in full by another program is kept digit for
//     digit; number formats such as "0.00" or "0%" are not applied, but a
//     format of only zeros ("000000") pads integers with leading zeros as
//     Excel shows them;
//   - numbers with a date or time format (built-in, Chinese-locale or
//     custom): "2006-01-02" for a date format, "15:04:05" for a time-only
//     format (below one day), "2006-01-02 15:04:05" otherwise; the 1900
//     and 1904 date systems are both handled; ISO dates of t="d" cells
//     likewise;
//   - booleans as TRUE/FALSE, errors as their code (#N/A), formulas as their
//     cached result (empty when the file has none).
func OpenXLSX(filePath string, limits Limits) (*Table, error) {
	return openWorkbook(XLSX, filePath, Options{Limits: limits.withDefaults()})
}

// openXLSXBook opens the workbook of the .xlsx file at path (limits with
// their defaults).
func openXLSXBook(filePath string, limits Limits) (*xlsxBook, error) {
	f, err := os.Open(filePath) // #nosec G304 -- the caller's file: an upload saved with os.CreateTemp, or a path the operator gave the CLI
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	b := &xlsxBook{file: f}
	if err := b.load(zr, limits); err != nil {
		_ = b.close()
		return nil, err
	}
	return b, nil
}

// checkZip refuses zip bombs from the zip directory alone.
func checkZip(files []*zip.File, limits Limits) error {
	if len(files) > maxZipEntries {
		return fmt.Errorf("%w: %d zip entries (at most %d)", ErrTooLarge, len(files), maxZipEntries)
	}
	var total uint64
	for _, f := range files {
		size := f.UncompressedSize64
		if size > limits.MaxEntry {
			return fmt.Errorf("%w: %s unzips to %d bytes (at most %d)", ErrTooLarge, f.Name, size, limits.MaxEntry)
		}
		total += size
		if total > limits.MaxTotal {
			return fmt.Errorf("%w: entries unzip to more than %d bytes", ErrTooLarge, limits.MaxTotal)
		}
		if size >= ratioMinSize && size/max(f.CompressedSize64, 1) > maxRatio {
			return fmt.Errorf("%w: %s is compressed more than %d:1", ErrTooLarge, f.Name, maxRatio)
		}
	}
	return nil
}

// xlsxBook is an XLSX workbook: its sheets, shared strings and cell
// formats.
type xlsxBook struct {
	file     *os.File
	parts    map[string]*zip.File
	list     []SheetInfo
	paths    []string // the part of each sheet of list
	sst      stringTable
	formats  []cellFormat // by cell style index
	date1904 bool
}

// xlsxReader streams the rows of one worksheet.
type xlsxReader struct {
	book  *xlsxBook
	sheet io.ReadCloser
	dec   *xml.Decoder
	row   int
	width int    // cells in the last row, to size the next one
	vbuf  []byte // scratch: a cell's <v>
	sbuf  []byte // scratch: a cell's inline string
	kinds []Kind // the kinds of the row being read
	typed bool   // the row has a cell that is not text
}

func (x *xlsxBook) sheets() []SheetInfo { return x.list }

func (x *xlsxBook) close() error {
	x.sst.close()
	if x.file != nil {
		err := x.file.Close()
		x.file = nil
		return err
	}
	return nil
}

// open opens sheet i for reading.
func (x *xlsxBook) open(i int) (rowSource, error) {
	sheet, err := x.parts[strings.ToLower(x.paths[i])].Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	r := &xlsxReader{book: x, sheet: sheet}
	r.dec = xml.NewDecoder(bufio.NewReaderSize(&runLimiter{r: sheet}, 64<<10))
	return r, nil
}

func (x *xlsxBook) load(zr *zip.Reader, limits Limits) error {
	if err := checkZip(zr.File, limits); err != nil {
		return err
	}
	parts := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		parts[strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, "\\", "/"), "/"))] = f
	}
	if parts["[content_types].xml"] == nil {
		return fmt.Errorf("%w: zip without [Content_Types].xml", ErrUnsupported)
	}
	wbPath := "xl/workbook.xml"
	if rels, err := readRels(parts, "_rels/.rels", ""); err != nil {
		return err
	} else if p := rels.target("/officeDocument", ""); p != "" {
		wbPath = p
	}
	wbPart := parts[strings.ToLower(wbPath)]
	if wbPart == nil {
		return fmt.Errorf("%w: zip without a workbook", ErrUnsupported)
	}
	var wb struct {
		Pr struct {
			Date1904 string `xml:"date1904,attr"`
		} `xml:"workbookPr"`
		Sheets []struct {
			State string     `xml:"state,attr"`
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := readXMLPart(wbPart, &wb); err != nil {
		return err
	}
	x.date1904 = wb.Pr.Date1904 == "1" || wb.Pr.Date1904 == "true"
	rels, err := readRels(parts, path.Join(path.Dir(wbPath), "_rels", path.Base(wbPath)+".rels"), path.Dir(wbPath))
	if err != nil {
		return err
	}
	for _, s := range wb.Sheets {
		id, name := "", ""
		for _, a := range s.Attrs {
			switch a.Name.Local {
			case "id":
				id = a.Value
			case "name":
				name = a.Value
			}
		}
		p := rels.target("/worksheet", id)
		if p == "" || parts[strings.ToLower(p)] == nil {
			continue // a chart sheet, or a sheet whose part is missing
		}
		x.list = append(x.list, SheetInfo{Name: name, Hidden: s.State == "hidden" || s.State == "veryHidden"})
		x.paths = append(x.paths, p)
	}
	if len(x.list) == 0 {
		return fmt.Errorf("%w: workbook without a worksheet", ErrUnsupported)
	}
	if p := rels.target("/styles", ""); p != "" && parts[strings.ToLower(p)] != nil {
		if x.formats, err = readStyles(parts[strings.ToLower(p)]); err != nil {
			return err
		}
	}
	sstPart := parts["xl/sharedstrings.xml"]
	if p := rels.target("/sharedStrings", ""); p != "" && parts[strings.ToLower(p)] != nil {
		sstPart = parts[strings.ToLower(p)]
	}
	if sstPart != nil {
		if err := x.sst.load(sstPart); err != nil {
			return err
		}
	}
	x.parts = parts
	return nil
}

func (x *xlsxReader) close() error {
	if x.sheet != nil {
		err := x.sheet.Close()
		x.sheet = nil
		return err
	}
	return nil
}

// next reads the next non-empty row.
func (x *xlsxReader) next() (rawRow, error) {
	if x.dec == nil {
		return rawRow{}, io.EOF
	}
	for {
		tok, err := x.dec.RawToken()
		if err == io.EOF {
			x.dec = nil
			return rawRow{}, io.EOF
		}
		if err != nil {
			return rawRow{}, x.errorf(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "row" {
				continue
			}
			num := x.row + 1
			if v := attr(t, "r"); v != "" {
				if n, err := strconv.Atoi(v); err == nil && n > 0 {
					num = n
				}
			}
			x.row = num
			cells, err := x.readRow()
			if err != nil {
				return rawRow{}, err
			}
			if cells, ok := cleanRow(cells); ok {
				x.width = len(cells)
				r := rawRow{cells: cells, row: num, fields: -1}
				if x.typed {
					r.kinds = x.kinds[:len(cells):len(cells)]
					x.kinds = nil // the row keeps its slice
				}
				return r, nil
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				x.dec = nil
				return rawRow{}, io.EOF
			}
		}
	}
}

func (x *xlsxReader) errorf(err error) error {
	return fmt.Errorf("tabular: XLSX row %d: %w", x.row, err)
}

// readRow reads the cells of a <row> up to its end tag.
func (x *xlsxReader) readRow() ([]string, error) {
	cells := make([]string, 0, x.width)
	x.kinds, x.typed = x.kinds[:0], false
	col := 0
	for {
		tok, err := x.dec.RawToken()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, x.errorf(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "row" || t.Name.Local == "sheetData" {
				return nil, x.malformed(t.Name.Local, "row")
			}
			if t.Name.Local != "c" {
				continue
			}
			col++
			if c := columnOf(attr(t, "r")); c > 0 {
				col = c
			}
			if col > maxColumns {
				return nil, x.errorf(fmt.Errorf("cell beyond column %d", maxColumns))
			}
			v, kind, err := x.readCell(attr(t, "t"), attr(t, "s"))
			if err != nil {
				return nil, err
			}
			if v == "" {
				continue
			}
			for len(cells) < col-1 {
				cells = append(cells, "")
				x.kinds = append(x.kinds, KindText)
			}
			if len(cells) >= col { // out of order: overwrite
				cells[col-1], x.kinds[col-1] = v, kind
			} else {
				cells = append(cells, v)
				x.kinds = append(x.kinds, kind)
			}
			if kind != KindText {
				x.typed = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "row":
				return cells, nil
			case "sheetData":
				return nil, x.malformed("/"+t.Name.Local, "row")
			}
		}
	}
}

// malformed reports an element where it cannot be. RawToken does not check
// that elements nest: read on, a cell without its end tag would silently
// take the value of the next cell.
func (x *xlsxReader) malformed(tag, in string) error {
	return x.errorf(fmt.Errorf("malformed XML: <%s> inside a %s", tag, in))
}

// readCell reads a <c> up to its end tag and returns its value as text,
// and what kind of cell it is.
func (x *xlsxReader) readCell(typ, style string) (string, Kind, error) {
	x.vbuf, x.sbuf = x.vbuf[:0], x.sbuf[:0]
	inV, inIS, inT, hasIS, rph := false, false, false, false, 0
	for done := false; !done; {
		tok, err := x.dec.RawToken()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", 0, x.errorf(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "c", "row", "sheetData":
				return "", 0, x.malformed(t.Name.Local, "cell")
			case "v":
				inV = true
			case "is":
				inIS, hasIS = true, true
			case "rPh":
				rph++
			case "t":
				inT = inIS && rph == 0
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "c":
				done = true
			case "row", "sheetData":
				return "", 0, x.malformed("/"+t.Name.Local, "cell")
			case "v":
				inV = false
			case "is":
				inIS = false
			case "rPh":
				rph--
			case "t":
				inT = false
			}
		case xml.CharData:
			if inV {
				x.vbuf = append(x.vbuf, t...)
			} else if inT {
				x.sbuf = append(x.sbuf, t...)
			}
		}
	}
	switch typ {
	case "s":
		i, err := strconv.Atoi(string(bytes.TrimSpace(x.vbuf)))
		if err != nil && len(bytes.TrimSpace(x.vbuf)) == 0 {
			return "", KindText, nil
		}
		if err != nil {
			return "", 0, x.errorf(fmt.Errorf("bad shared string index %q", x.vbuf))
		}
		s, err := x.book.sst.get(i)
		if err != nil {
			return "", 0, x.errorf(err)
		}
		return s, KindText, nil
	case "inlineStr":
		if hasIS {
			return decodeXString(x.sbuf), KindText, nil
		}
		return decodeXString(x.vbuf), KindText, nil
	case "str":
		return decodeXString(x.vbuf), KindText, nil
	case "e":
		return decodeXString(x.vbuf), KindError, nil
	case "b":
		switch strings.TrimSpace(string(x.vbuf)) {
		case "":
			return "", KindText, nil
		case "0":
			return "FALSE", KindBool, nil
		default:
			return "TRUE", KindBool, nil
		}
	case "d":
		return isoDate(strings.TrimSpace(string(x.vbuf))), KindDate, nil
	}
	v := strings.TrimSpace(string(x.vbuf))
	if v == "" {
		return "", KindText, nil
	}
	var cf cellFormat
	if s, err := strconv.Atoi(style); err == nil && s >= 0 && s < len(x.book.formats) {
		cf = x.book.formats[s]
	}
	text, isDate := formatNumber(v, cf, x.book.date1904)
	if isDate {
		return text, KindDate, nil
	}
	return text, KindNumber, nil
}

// runLimiter fails a read that makes a run of bytes without '<' longer
// than maxXMLRun.
type runLimiter struct {
	r   io.Reader
	run int // bytes since the last '<'
}

var errLongRun = fmt.Errorf("%w: a cell or tag longer than %d MB", ErrTooLarge, maxXMLRun>>20)

func (l *runLimiter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	b := p[:n]
	if i := bytes.IndexByte(b, '<'); i < 0 {
		l.run += len(b)
	} else {
		// A run within b is at most len(b), a buffer of 64 KB.
		if l.run+i > maxXMLRun {
			return 0, errLongRun
		}
		l.run = len(b) - bytes.LastIndexByte(b, '<') - 1
	}
	if l.run > maxXMLRun {
		return 0, errLongRun
	}
	return n, err
}

// attr returns the value of the attribute named local of t.
func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// columnOf returns the 1-based column of a cell reference such as "AB12",
// or 0.
func columnOf(ref string) int {
	col := 0
	for i := 0; i < len(ref); i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		if col > maxColumns {
			return maxColumns + 1
		}
	}
	return col
}

// decodeXString decodes the _xHHHH_ escapes with which OOXML stores
// characters that XML cannot hold (_x005F_ is a literal underscore).
func decodeXString(b []byte) string {
	if !bytes.Contains(b, []byte("_x")) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b))
	for i := 0; i < len(b); {
		if b[i] == '_' && i+7 <= len(b) && b[i+1] == 'x' && b[i+6] == '_' {
			if v, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16); err == nil {
				sb.WriteRune(rune(v))
				i += 7
				continue
			}
		}
		sb.WriteByte(b[i])
		i++
	}
	return sb.String()
}

// relationships of one OOXML part.
type relationships struct {
	base string // folder that relative targets start from
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

func readRels(parts map[string]*zip.File, name, base string) (*relationships, error) {
	rels := &relationships{base: base}
	if f := parts[strings.ToLower(name)]; f != nil {
		if err := readXMLPart(f, rels); err != nil {
			return nil, err
		}
	}
	return rels, nil
}

// target returns the zip path of the first relationship whose type ends in
// typeSuffix and, when id is set, whose id is id; or "".
func (r *relationships) target(typeSuffix, id string) string {
	for _, rel := range r.Rels {
		if !strings.HasSuffix(rel.Type, typeSuffix) || (id != "" && rel.ID != id) {
			continue
		}
		t := strings.ReplaceAll(rel.Target, "\\", "/")
		if strings.HasPrefix(t, "/") {
			return path.Clean(t[1:])
		}
		return path.Clean(path.Join(r.base, t))
	}
	return ""
}

// readXMLPart decodes a small part of the package into v.
func readXMLPart(f *zip.File, v any) error {
	if f.UncompressedSize64 > maxMetaPartSize {
		return fmt.Errorf("%w: %s is %d bytes", ErrTooLarge, f.Name, f.UncompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnsupported, f.Name, err)
	}
	defer rc.Close()
	if err := xml.NewDecoder(io.LimitReader(rc, maxMetaPartSize)).Decode(v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnsupported, f.Name, err)
	}
	return nil
}

// Kinds of cell format that change how a number reads.
const (
	fmtGeneral = iota
	fmtDate
	fmtTime
	fmtDateTime
	fmtZeroPad
)

type cellFormat struct {
	kind  uint8
	width uint8 // digits, for fmtZeroPad
}

// readStyles returns the cell format of every cell style (cellXfs).
func readStyles(f *zip.File) ([]cellFormat, error) {
	var st struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := readXMLPart(f, &st); err != nil {
		return nil, err
	}
	custom := make(map[int]string, len(st.NumFmts))
	for _, n := range st.NumFmts {
		custom[n.ID] = n.Code
	}
	formats := make([]cellFormat, len(st.Xfs))
	for i, xf := range st.Xfs {
		if code, ok := custom[xf.NumFmtID]; ok {
			formats[i] = classifyFormat(code)
		} else {
			formats[i] = builtinFormat(xf.NumFmtID)
		}
	}
	return formats, nil
}

// builtinFormat classifies Excel's built-in number formats, including the
// Chinese locale's date and time formats 27–36 and 50–58.
func builtinFormat(id int) cellFormat {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id == 36, id >= 50 && id <= 54, id == 57, id == 58:
		return cellFormat{kind: fmtDate}
	case id >= 18 && id <= 21, id >= 32 && id <= 35, id >= 45 && id <= 47, id == 55, id == 56:
		return cellFormat{kind: fmtTime}
	case id == 22:
		return cellFormat{kind: fmtDateTime}
	}
	return cellFormat{}
}

// classifyFormat classifies a custom number format code by its first
// section: date and time codes (y, d, h, s, AM/PM, [h] and the like, and m
// alone), or only zeros ("000000").
func classifyFormat(code string) cellFormat {
	if code != "" && len(code) <= 32 && strings.Trim(code, "0") == "" {
		return cellFormat{kind: fmtZeroPad, width: uint8(len(code))} // #nosec G115 -- len(code) <= 32, checked above
	}
	lower := strings.ToLower(code)
	if lower == "general" || lower == "@" {
		return cellFormat{}
	}
	var date, clock, month bool
scan:
	for i := 0; i < len(lower); i++ {
		switch c := lower[i]; c {
		case '"':
			if j := strings.IndexByte(lower[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				break scan
			}
		case '\\', '_', '*':
			i++
		case '[':
			j := strings.IndexByte(lower[i:], ']')
			if j < 0 {
				break scan
			}
			if in := lower[i+1 : i+j]; in != "" && strings.Trim(in, "hms") == "" {
				clock = true
			}
			i += j
		case ';':
			break scan
		case 'y', 'd':
			date = true
		case 'h', 's':
			clock = true
		case 'm':
			month = true
		case 'a':
			if strings.HasPrefix(lower[i:], "am/pm") || strings.HasPrefix(lower[i:], "a/p") {
				clock = true
			}
		}
	}
	if strings.Contains(code, "上午/下午") {
		clock = true
	}
	switch {
	case date && clock:
		return cellFormat{kind: fmtDateTime}
	case date, month && !clock:
		return cellFormat{kind: fmtDate}
	case clock:
		return cellFormat{kind: fmtTime}
	}
	return cellFormat{}
}

// formatNumber renders the number v of a cell with format cf, and reports
// whether it rendered a date or time.
func formatNumber(v string, cf cellFormat, date1904 bool) (string, bool) {
	if cf.kind != fmtGeneral {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			switch cf.kind {
			case fmtDate, fmtTime, fmtDateTime:
				if t, ok := excelTime(f, date1904); ok {
					switch cf.kind {
					case fmtDate:
						return t.Format(time.DateOnly), true
					case fmtTime:
						if f < 1 {
							return t.Format(time.TimeOnly), true
						}
						return t.Format(time.DateTime), true // elapsed time such as [h]:mm
					default:
						return t.Format(time.DateTime), true
					}
				}
			case fmtZeroPad:
				if f >= 0 && f < 1e15 && f == math.Trunc(f) {
					s := strconv.FormatFloat(f, 'f', 0, 64)
					if pad := int(cf.width) - len(s); pad > 0 {
						s = strings.Repeat("0", pad) + s
					}
					return s, false
				}
			}
		}
	}
	return plainNumber(v), false
}

// plainNumber renders a number as Excel shows it in a wide enough column:
// at most 15 significant digits and never an exponent. An integer written
// with all its digits is kept as is.
func plainNumber(v string) string {
	digits := strings.TrimPrefix(v, "-")
	if digits != "" && strings.Trim(digits, "0123456789") == "" {
		return v
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return v
	}
	f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// excelTime converts an Excel date serial number to a time (UTC).
func excelTime(serial float64, date1904 bool) (time.Time, bool) {
	if serial < 0 || serial >= 2958466 { // 10000-01-01
		return time.Time{}, false
	}
	days := math.Floor(serial)
	secs := math.Round((serial - days) * 86400)
	if secs >= 86400 {
		days, secs = days+1, 0
	}
	var base time.Time
	switch {
	case date1904:
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case days < 61: // before Excel's nonexistent 1900-02-29
		base = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	default:
		base = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	}
	return base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second), true
}

// isoDate renders the ISO 8601 value of a t="d" cell like a number cell
// with a date format.
func isoDate(v string) string {
	for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
				return t.Format(time.DateOnly)
			}
			return t.Format(time.DateTime)
		}
	}
	return v
}

// stringTable holds the shared strings of a workbook compactly: their bytes
// one after the other in fixed-size chunks (a string may straddle two), and
// the end offset of each. A table larger than sstMemChunks chunks is moved
// to a temporary file as it is read, and its chunks are read back through a
// small cache: Excel numbers shared strings in order of first use, so rows
// read in order mostly touch the same few chunks. The heap then holds the
// offsets (4 bytes a string) and the cache, whatever the size of the text.
type stringTable struct {
	chunks  [][]byte // nil for chunks in the file
	ends    []uint32
	size    uint64
	file    *os.File // spilled chunks, chunk i at offset i*sstChunk
	spilled int      // chunks [0, spilled) are in the file
	cache   [sstCacheChunks]cachedChunk
	tick    uint64
}

type cachedChunk struct {
	idx  int
	buf  []byte
	used uint64
}

const (
	sstChunk       = 1 << 20
	sstMemChunks   = 32 // up to 32 MB of text stays in memory
	sstCacheChunks = 8
)

var errSSTTooLarge = fmt.Errorf("%w: shared strings exceed 4 GiB", ErrTooLarge)

func (t *stringTable) add(s []byte) error {
	if t.size+uint64(len(s)) > math.MaxUint32 {
		return errSSTTooLarge
	}
	t.size += uint64(len(s))
	for len(s) > 0 {
		if len(t.chunks) == 0 || len(t.chunks[len(t.chunks)-1]) == sstChunk {
			if err := t.newChunk(); err != nil {
				return err
			}
		}
		last := &t.chunks[len(t.chunks)-1]
		n := min(sstChunk-len(*last), len(s))
		*last = append(*last, s[:n]...)
		s = s[n:]
	}
	t.ends = append(t.ends, uint32(t.size)) // #nosec G115 -- t.size <= MaxUint32, checked at the top
	return nil
}

// newChunk starts a chunk, first moving the full chunks to the file once
// there are too many to keep in memory.
func (t *stringTable) newChunk() error {
	var buf []byte
	if n := len(t.chunks); n >= sstMemChunks {
		if t.file == nil {
			f, err := os.CreateTemp("", "tabular-sst-*")
			if err != nil {
				return err
			}
			t.file = f
		}
		for i := t.spilled; i < n; i++ {
			if _, err := t.file.Write(t.chunks[i]); err != nil {
				return err
			}
			if buf == nil {
				buf = t.chunks[i][:0]
			}
			t.chunks[i] = nil
		}
		t.spilled = n
	}
	if buf == nil {
		buf = make([]byte, 0, sstChunk)
	}
	t.chunks = append(t.chunks, buf)
	return nil
}

// chunk returns chunk c, from memory or through the cache.
func (t *stringTable) chunk(c int) ([]byte, error) {
	if b := t.chunks[c]; b != nil {
		return b, nil
	}
	t.tick++
	lru := 0
	for i := range t.cache {
		e := &t.cache[i]
		if e.buf != nil && e.idx == c {
			e.used = t.tick
			return e.buf, nil
		}
		if e.used < t.cache[lru].used {
			lru = i
		}
	}
	e := &t.cache[lru]
	if e.buf == nil {
		e.buf = make([]byte, sstChunk)
	}
	e.idx, e.used = -1, t.tick
	if _, err := t.file.ReadAt(e.buf, int64(c)*sstChunk); err != nil {
		return nil, err
	}
	e.idx = c
	return e.buf, nil
}

func (t *stringTable) get(i int) (string, error) {
	if i < 0 || i >= len(t.ends) {
		return "", fmt.Errorf("bad shared string index %d", i)
	}
	start, end := 0, int(t.ends[i])
	if i > 0 {
		start = int(t.ends[i-1])
	}
	if start == end {
		return "", nil
	}
	c, off := start/sstChunk, start%sstChunk
	if off+end-start <= sstChunk {
		b, err := t.chunk(c)
		if err != nil {
			return "", err
		}
		return string(b[off : off+end-start]), nil
	}
	s := make([]byte, 0, end-start)
	for n := end - start; n > 0; c, off = c+1, 0 {
		b, err := t.chunk(c)
		if err != nil {
			return "", err
		}
		part := b[off:min(off+n, sstChunk)]
		s = append(s, part...)
		n -= len(part)
	}
	return string(s), nil
}

// close removes the temporary file.
func (t *stringTable) close() {
	if t.file != nil {
		_ = t.file.Close()
		_ = os.Remove(t.file.Name())
		t.file = nil
	}
	t.chunks, t.ends = nil, nil
}

// load reads the shared-string part, streaming.
func (t *stringTable) load(f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnsupported, f.Name, err)
	}
	defer rc.Close()
	dec := xml.NewDecoder(bufio.NewReaderSize(&runLimiter{r: rc}, 64<<10))
	var buf []byte
	inSI, inT, rph := false, false, 0
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("tabular: XLSX shared strings: %w", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			switch tk.Name.Local {
			case "sst":
				// Size the index up front; a string takes at least 13
				// bytes of XML (<si><t/></si>).
				if n, err := strconv.ParseUint(attr(tk, "uniqueCount"), 10, 32); err == nil {
					t.ends = make([]uint32, 0, min(n, f.UncompressedSize64/13+1))
				}
			case "si":
				inSI, buf = true, buf[:0]
			case "rPh":
				rph++
			case "t":
				inT = inSI && rph == 0
			}
		case xml.EndElement:
			switch tk.Name.Local {
			case "si":
				if bytes.Contains(buf, []byte("_x")) {
					buf = append(buf[:0], decodeXString(buf)...)
				}
				if err := t.add(buf); err != nil {
					return err
				}
				inSI = false
			case "rPh":
				rph--
			case "t":
				inT = false
			}
		case xml.CharData:
			if inT {
				buf = append(buf, tk...)
			}
		}
	}
}
