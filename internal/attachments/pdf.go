package attachments

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"strings"
)

// maxUnpacked bounds what the scan of one PDF decompresses, all streams
// together: a PDF that unpacks to more is refused as too complex to check.
const maxUnpacked = 64 << 20

// dangerous are the PDF names that run code, open other programs or carry
// files: a PDF that has one is refused, with what it is.
var dangerous = map[string][2]string{
	"JavaScript":    {"脚本（JavaScript）", "scripts (JavaScript)"},
	"JS":            {"脚本（JavaScript）", "scripts (JavaScript)"},
	"Launch":        {"启动其他程序的动作", "an action that launches programs"},
	"EmbeddedFile":  {"嵌入的文件", "embedded files"},
	"EmbeddedFiles": {"嵌入的文件", "embedded files"},
	"AA":            {"自动执行的动作", "automatic actions"},
	"RichMedia":     {"多媒体内容（RichMedia）", "rich media"},
	"XFA":           {"XFA 表单", "XFA forms"},
	"Encrypt":       {"加密（无法检查其内容）", "encryption (its content cannot be checked)"},
}

// ScanPDF refuses a PDF that holds scripts, automatic or launch actions,
// embedded files, rich media or XFA forms, or is encrypted: it reads every
// name of the file, and of every stream that unpacks with Flate (object
// streams hide dictionaries there), names written with #xx escapes too.
func ScanPDF(data []byte) error {
	budget := maxUnpacked
	if what, err := scanPDF(data, &budget, 0); err != nil || what != "" {
		if errors.Is(err, errUncheckable) {
			return refusedFile("这个 PDF 的对象流使用了无法检查的压缩方式，为安全起见不能上传。请打印为 PDF 后再上传。",
				"This PDF packs its objects in a way that cannot be checked for safety. Print it to a new PDF and upload that.")
		}
		if errors.Is(err, errTooComplex) {
			return refusedFile("这个 PDF 解压后过大，无法检查其安全性。请重新扫描或打印为 PDF 后上传。",
				"This PDF unpacks to too much to be checked for safety. Scan it again, or print it to PDF, and upload that.")
		}
		if err != nil {
			return err
		}
		w := dangerous[what]
		return unsupported("这个 PDF 含有"+w[0]+"，为安全起见不能上传。请打印为 PDF 或扫描纸质件后再上传。",
			"This PDF contains "+w[1]+" and is refused for safety. Print it to a new PDF, or scan the paper, and upload that.")
	}
	return nil
}

// scanPDF returns the first dangerous name of a PDF's dictionaries: the
// text outside its streams, and the objects packed in its object streams
// (/Type /ObjStm), which are unpacked (an object stream that is not Flate
// cannot be checked, and is refused). Other streams (pictures, page
// drawings, fonts) hold no actions: their bytes are skipped, so that the
// data of a scanned page cannot look like a name by chance.
func scanPDF(b []byte, budget *int, depth int) (string, error) {
	rest := b
	for {
		i := indexStream(rest)
		if i < 0 {
			return dangerousName(rest), nil
		}
		head := rest[:i]
		if what := dangerousName(head); what != "" {
			return what, nil
		}
		start := i + 6
		if start < len(rest) && rest[start] == '\r' {
			start++
		}
		if start < len(rest) && rest[start] == '\n' {
			start++
		}
		end := bytes.Index(rest[start:], []byte("endstream"))
		if end < 0 {
			end = len(rest) - start
		}
		if objectStream(head) {
			plain, err := inflate(rest[start:start+end], budget)
			if err != nil {
				return "", err
			}
			if plain == nil || depth > 0 {
				return "", errUncheckable
			}
			if what, err := scanPDF(plain, budget, depth+1); err != nil || what != "" {
				return what, err
			}
		}
		rest = rest[start+end:]
	}
}

// indexStream finds the keyword "stream" that starts a stream's data (not
// the one of "endstream"); -1 when there is none.
func indexStream(b []byte) int {
	off := 0
	for {
		i := bytes.Index(b[off:], []byte("stream"))
		if i < 0 {
			return -1
		}
		i += off
		if i >= 3 && string(b[i-3:i]) == "end" {
			off = i + 6
			continue
		}
		return i
	}
}

// objectStream says whether the dictionary just before a stream (the text
// after the last "obj") is of an object stream.
func objectStream(head []byte) bool {
	if k := bytes.LastIndex(head, []byte("obj")); k >= 0 {
		head = head[k:]
	}
	for i := 0; i < len(head); i++ {
		if head[i] != '/' {
			continue
		}
		j := i + 1
		for j < len(head) && regular(head[j]) {
			j++
		}
		if decodeName(head[i+1:j]) == "ObjStm" {
			return true
		}
		i = j - 1
	}
	return false
}

// errUncheckable is an object stream the scan cannot unpack.
var errUncheckable = errors.New("uncheckable")

// inflate unpacks a Flate stream within the budget; nil when the stream is
// not Flate (an image, or another filter).
func inflate(body []byte, budget *int) ([]byte, error) {
	if len(body) < 2 || body[0]&0x0F != 8 || (int(body[0])<<8|int(body[1]))%31 != 0 {
		return nil, nil // not a zlib header
	}
	zr, err := zlib.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, nil
	}
	defer func() { _ = zr.Close() }() // reading from memory: nothing to flush
	var out bytes.Buffer
	n, err := io.Copy(&out, io.LimitReader(zr, int64(*budget)+1))
	*budget -= int(n)
	if *budget < 0 {
		return nil, errTooComplex
	}
	if err != nil && out.Len() == 0 {
		return nil, nil // not a stream that unpacks: scanned as it is
	}
	return out.Bytes(), nil // a truncated stream is scanned as far as it unpacks
}

// dangerousName returns the first dangerous name in b ("" for none): a name
// is "/" then regular characters, with #xx escapes decoded.
func dangerousName(b []byte) string {
	for i := 0; i < len(b); i++ {
		if b[i] != '/' {
			continue
		}
		j := i + 1
		for j < len(b) && regular(b[j]) {
			j++
		}
		raw := b[i+1 : j]
		if len(raw) > 0 && len(raw) <= 64 {
			name := decodeName(raw)
			if _, bad := dangerous[name]; bad {
				return name
			}
		}
		i = j - 1
	}
	return ""
}

// regular says whether c may be part of a PDF name (not white space or a
// delimiter).
func regular(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ', '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return false
	}
	return true
}

func decodeName(raw []byte) string {
	if !bytes.ContainsRune(raw, '#') {
		return string(raw)
	}
	var sb strings.Builder
	for i := 0; i < len(raw); i++ {
		if raw[i] == '#' && i+2 < len(raw) {
			if v, ok := hexByte(raw[i+1], raw[i+2]); ok {
				sb.WriteByte(v)
				i += 2
				continue
			}
		}
		sb.WriteByte(raw[i])
	}
	return sb.String()
}

func hexByte(a, b byte) (byte, bool) {
	h := func(c byte) (byte, bool) {
		switch {
		case c >= '0' && c <= '9':
			return c - '0', true
		case c >= 'a' && c <= 'f':
			return c - 'a' + 10, true
		case c >= 'A' && c <= 'F':
			return c - 'A' + 10, true
		}
		return 0, false
	}
	x, ok1 := h(a)
	y, ok2 := h(b)
	return x<<4 | y, ok1 && ok2
}
