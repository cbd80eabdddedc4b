package tabular

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encoding names reported by CSVReader.Encoding.
const (
	EncUTF8    = "utf-8"
	EncUTF8BOM = "utf-8-bom"
	EncGB18030 = "gb18030"
	EncUTF16LE = "utf-16le"
	EncUTF16BE = "utf-16be"
)

const (
	// detectLen is how much of a CSV file is looked at to tell its
	// encoding when the whole file cannot be scanned, and to tell its
	// delimiter.
	detectLen = 64 << 10
	// MaxRecordBytes bounds one CSV record (a row, possibly spanning
	// lines), so that an unterminated quote cannot pull a whole file into
	// memory.
	MaxRecordBytes = 16 << 20
)

// csvSource reads the rows of CSV text.
type csvSource struct {
	cr     *csv.Reader
	lim    *recordLimiter
	enc    string
	comma  rune
	last   int // the line of the last record read
	closer io.Closer
}

// OpenCSV reads CSV from r. The encoding is detected:
//
//   - a UTF-8 byte-order mark: UTF-8 ("utf-8-bom");
//   - a UTF-16 byte-order mark (Excel's "Unicode text"): UTF-16 ("utf-16le",
//     "utf-16be");
//   - text that is valid UTF-8: UTF-8 ("utf-8"). When r is an io.Seeker
//     (a file) the whole of it is checked, otherwise its first 64 KB;
//   - anything else: GB18030 ("gb18030"), of which GBK and GB2312 are
//     subsets.
//
// The delimiter is a tab when the first line has more tabs than commas
// (Excel's "text (tab delimited)" and "Unicode text"), a comma otherwise.
// Quotes are read strictly and every row has the header's fields: a row
// with a stray or unterminated quote, or with fewer fields than the header
// names or more that are not empty, is a *RowError, and reading goes on with
// the next row (a file cut inside a quoted field ends with one). Binary data (NUL bytes) is ErrUnsupported; a
// record larger than MaxRecordBytes is ErrTooLarge. Close does not close r.
// The first non-empty row is the header (OpenWith can look further).
func OpenCSV(r io.Reader) (*Table, error) {
	src, err := newCSVSource(r)
	if err != nil {
		return nil, err
	}
	t, err := newTable(src, nil)
	if err != nil {
		return nil, err
	}
	t.csv = src
	return t, nil
}

func newCSVSource(r io.Reader) (*csvSource, error) {
	enc := ""
	if rs, ok := r.(io.ReadSeeker); ok {
		valid, err := scanUTF8(rs)
		if err != nil {
			return nil, err
		}
		if !valid {
			enc = EncGB18030
		}
	}
	br := bufio.NewReaderSize(r, detectLen)
	head, err := br.Peek(detectLen)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err
	}
	var src io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte(utf8BOM)):
		enc = EncUTF8BOM
		_, _ = br.Discard(len(utf8BOM))
	case bytes.HasPrefix(head, []byte("\xff\xfe")):
		enc = EncUTF16LE
		src = transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
	case bytes.HasPrefix(head, []byte("\xfe\xff")):
		enc = EncUTF16BE
		src = transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder())
	case isBinary(head):
		return nil, ErrUnsupported
	case enc == "" && !validUTF8Prefix(head, len(head) == detectLen):
		enc = EncGB18030
	case enc == "":
		enc = EncUTF8
	}
	if enc == EncGB18030 {
		src = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
	}
	if src != io.Reader(br) {
		src = bufio.NewReaderSize(src, detectLen)
	}
	c := &csvSource{enc: enc, comma: ','}
	if first, _ := src.(*bufio.Reader).Peek(detectLen); len(first) > 0 {
		if i := bytes.IndexByte(first, '\n'); i >= 0 {
			first = first[:i]
		}
		if bytes.Count(first, []byte("\t")) > bytes.Count(first, []byte(",")) {
			c.comma = '\t'
		}
	}
	c.lim = &recordLimiter{r: src}
	c.cr = csv.NewReader(c.lim)
	c.cr.Comma = c.comma
	c.cr.FieldsPerRecord = -1 // checked against the header by Table.Next
	return c, nil
}

func (c *csvSource) next() (rawRow, error) {
	for {
		c.lim.n = 0
		rec, err := c.cr.Read()
		if err == io.EOF {
			return rawRow{}, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && !errors.Is(err, ErrTooLarge) {
				if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
					return rawRow{row: pe.StartLine, fields: -1, err: &RowError{Row: pe.StartLine, Err: ErrQuote}}, nil
				}
				return rawRow{}, fmt.Errorf("tabular: CSV line %d: %w", pe.StartLine, pe.Err)
			}
			return rawRow{}, fmt.Errorf("tabular: CSV after line %d: %w", c.last, err)
		}
		row, _ := c.cr.FieldPos(0)
		c.last = row
		fields := len(rec)
		rec, ok := cleanRow(rec)
		if !ok {
			continue
		}
		return rawRow{cells: rec, row: row, fields: fields}, nil
	}
}

// close closes the file only when the source came from OpenWith.
func (c *csvSource) close() error {
	if c.closer != nil {
		err := c.closer.Close()
		c.closer = nil
		return err
	}
	return nil
}

// recordLimiter fails a read once more than MaxRecordBytes were read since
// n was last reset (before each record).
type recordLimiter struct {
	r io.Reader
	n int
}

func (l *recordLimiter) Read(p []byte) (int, error) {
	if l.n > MaxRecordBytes {
		return 0, fmt.Errorf("%w: a CSV record exceeds %d bytes (unterminated quote?)", ErrTooLarge, MaxRecordBytes)
	}
	n, err := l.r.Read(p)
	l.n += n
	return n, err
}

// scanUTF8 reports whether everything from the current offset of rs to its
// end is valid UTF-8, then seeks back.
func scanUTF8(rs io.ReadSeeker) (bool, error) {
	start, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return false, err
	}
	buf := make([]byte, 64<<10)
	carry := 0
	valid := true
	for valid {
		n, err := rs.Read(buf[carry:])
		n += carry
		end := n
		if err == nil {
			end = cutPartialRune(buf[:n])
		}
		if !utf8.Valid(buf[:end]) {
			valid = false
		}
		carry = copy(buf, buf[end:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return false, err
		}
	}
	_, err = rs.Seek(start, io.SeekStart)
	return valid, err
}

// validUTF8Prefix reports whether b is valid UTF-8, ignoring a multi-byte
// character cut at its end when cut is true.
func validUTF8Prefix(b []byte, cut bool) bool {
	if cut {
		b = b[:cutPartialRune(b)]
	}
	return utf8.Valid(b)
}

// cutPartialRune returns the length of b without an incomplete UTF-8
// sequence at its end.
func cutPartialRune(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}

// csvWriter writes UTF-8 CSV with a byte-order mark.
type csvWriter struct {
	w       io.Writer
	cw      *csv.Writer
	started bool
	buf     []string
}

// NewCSVWriter writes UTF-8 CSV with a byte-order mark (so that Excel
// recognises the encoding) and CRLF line ends to w. Cells are escaped
// (Escape). Note that Excel still shows long digit strings of a CSV file as
// numbers in scientific notation; prefer XLSX for exports that people open.
func NewCSVWriter(w io.Writer) Writer {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvWriter{w: w, cw: cw}
}

func (c *csvWriter) start() error {
	if c.started {
		return nil
	}
	c.started = true
	_, err := io.WriteString(c.w, utf8BOM)
	return err
}

// Write implements Writer.
func (c *csvWriter) Write(cells []string) error {
	if err := c.start(); err != nil {
		return err
	}
	c.buf = c.buf[:0]
	for _, s := range cells {
		c.buf = append(c.buf, Escape(s))
	}
	return c.cw.Write(c.buf)
}

// Close implements Writer: it flushes, and does not close the underlying
// writer.
func (c *csvWriter) Close() error {
	if err := c.start(); err != nil {
		return err
	}
	c.cw.Flush()
	return c.cw.Error()
}
