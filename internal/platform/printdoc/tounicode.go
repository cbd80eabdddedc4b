package printdoc

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// fpdf writes, for a UTF-8 font, a ToUnicode CMap with the one range
// <0000> <FFFF> <0000>. The PDF standard (ISO 32000-1, 9.10.3) lets a range
// with a string destination vary only the last byte of the code, so readers
// that follow it (github.com/ledongthuc/pdf, and others that copy text) lose
// the first byte of every CJK character. spec is the same identity mapping in
// ranges that each keep their first byte: <XX00> <XXFF> <XX00>.
var spec = func() string {
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for block := 0; block < 256; block += 100 { // at most 100 entries a section
		n := min(100, 256-block)
		fmt.Fprintf(&b, "%d beginbfrange\n", n)
		for hi := block; hi < block+n; hi++ {
			fmt.Fprintf(&b, "<%02X00> <%02XFF> <%02X00>\n", hi, hi, hi)
		}
		b.WriteString("endbfrange\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend")
	return b.String()
}()

const fpdfToUnicode = "1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange\n"

var (
	objStart = regexp.MustCompile(`(?m)^(\d+) 0 obj\r?\n`)
	xrefAt   = regexp.MustCompile(`\nxref\n0 (\d+)\n`)
)

// fixToUnicode replaces fpdf's ToUnicode CMaps by spec and rewrites the
// cross-reference table for the new offsets.
func fixToUnicode(pdf []byte) ([]byte, error) {
	const head = "/CIDInit /ProcSet findresource begin"
	var out bytes.Buffer
	rest := pdf
	for {
		i := bytes.Index(rest, []byte(head))
		if i < 0 {
			out.Write(rest)
			break
		}
		end := bytes.Index(rest[i:], []byte("\nendstream"))
		if end < 0 {
			return nil, errors.New("a ToUnicode stream without its end")
		}
		old := rest[i : i+end]
		if !bytes.Contains(old, []byte(fpdfToUnicode)) {
			return nil, errors.New("an unexpected ToUnicode map")
		}
		lenAt := bytes.LastIndex(rest[:i], []byte("<</Length "+strconv.Itoa(len(old))+">>"))
		if lenAt < 0 {
			return nil, errors.New("a ToUnicode stream without its length")
		}
		out.Write(rest[:lenAt])
		fmt.Fprintf(&out, "<</Length %d>>", len(spec))
		out.Write(rest[lenAt+len("<</Length "+strconv.Itoa(len(old))+">>") : i])
		out.WriteString(spec)
		rest = rest[i+end:]
	}
	b := out.Bytes()
	x := xrefAt.FindSubmatchIndex(b)
	if x == nil {
		return nil, errors.New("no cross-reference table")
	}
	size, err := strconv.Atoi(string(b[x[2]:x[3]]))
	if err != nil || size < 1 || size > 100000 {
		return nil, fmt.Errorf("cross-reference table of %q objects", b[x[2]:x[3]])
	}
	offsets := make([]int, size)
	for _, m := range objStart.FindAllSubmatchIndex(b[:x[0]], -1) {
		n, err := strconv.Atoi(string(b[m[2]:m[3]]))
		if err != nil || n <= 0 || n >= size {
			return nil, fmt.Errorf("object %q outside the table", b[m[2]:m[3]])
		}
		offsets[n] = m[0]
	}
	trailer := bytes.Index(b[x[0]:], []byte("\ntrailer\n"))
	if trailer < 0 {
		return nil, errors.New("no trailer")
	}
	tail := b[x[0]+trailer:]
	sx := bytes.Index(tail, []byte("startxref\n"))
	if sx < 0 {
		return nil, errors.New("no startxref")
	}
	var res bytes.Buffer
	res.Write(b[:x[0]])
	xrefPos := res.Len() + 1
	fmt.Fprintf(&res, "\nxref\n0 %d\n0000000000 65535 f \n", size)
	for n := 1; n < size; n++ {
		if offsets[n] == 0 {
			return nil, fmt.Errorf("object %d not found", n)
		}
		fmt.Fprintf(&res, "%010d 00000 n \n", offsets[n])
	}
	res.Write(tail[:sx])
	fmt.Fprintf(&res, "startxref\n%d\n%%%%EOF\n", xrefPos)
	return res.Bytes(), nil
}
