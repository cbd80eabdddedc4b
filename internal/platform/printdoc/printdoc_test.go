package printdoc

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"sunshine/internal/platform/testkit"
)

// Text extracts the text of a PDF with a PDF reader, a line per row.
func Text(t testing.TB, b []byte) string {
	t.Helper()
	var out strings.Builder
	for _, row := range testkit.PDFRows(t, b) {
		out.WriteString(row + "\n")
	}
	return out.String()
}

func sample() Doc {
	return Doc{Lang: "zh", Issuer: "上海市嘉定区残疾人联合会", Title: "辅具发放签收单", Number: "FJ-2026-000123", Date: "2026-12-03",
		Fields:     []Field{{"姓名", "张三丰"}, {"金额", "1,234.50 元（壹仟贰佰叁拾肆元伍角整）"}, {"地址", strings.Repeat("嘉定区安亭镇某某路 12 号 ", 8)}},
		Table:      &Table{Head: []string{"辅具", "型号", "方式"}, Rows: [][]string{{"轮椅", "W-1", "借用"}}},
		Paragraphs: []string{"以上辅具已当面点清，领取人确认无误。"},
		Signatures: []Signature{{Who: "领取人签字"}, {Who: "经办人签字"}}, Seal: true}
}

func TestPDFTextExtracts(t *testing.T) {
	b, err := sample().PDF(time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:8])
	}
	text := Text(t, b)
	for _, want := range []string{"上海市嘉定区残疾人联合会", "辅具发放签收单", "张三丰", "1,234.50", "壹仟贰佰叁拾肆元伍角整", "FJ-2026-000123", "轮椅", "盖章", "第 1 页 / 共 1 页"} {
		if !strings.Contains(strings.ReplaceAll(text, "\n", ""), want) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, text)
		}
	}
}

func TestCapital(t *testing.T) {
	for cents, want := range map[int64]string{
		0: "零元整", 5: "伍分", 50: "伍角整", 123450: "壹仟贰佰叁拾肆元伍角整", 100000007: "壹佰万元零柒分",
		100100: "壹仟零壹元整", 1000010000: "壹仟万零壹佰元整", -20000: "负贰佰元整", 10000000000: "壹亿元整", 1000000000000: "壹佰亿元整",
		1005000000: "壹仟零伍万元整",
	} {
		if got := Capital(cents); got != want {
			t.Errorf("Capital(%d) = %s, want %s", cents, got, want)
		}
	}
}

func TestHTMLEscapes(t *testing.T) {
	d := sample()
	d.Fields[0].Value = "<script>x</script>"
	h, err := d.HTML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(h), "<script>") || !strings.Contains(string(h), "<h1 id=\"printdoc-title\">辅具发放签收单</h1>") {
		t.Fatalf("HTML: %s", h)
	}
}

// BenchmarkPDF makes the sample as a PDF; BenchmarkHTML, the baseline, as
// its print page (the same model, no font to embed).
func BenchmarkPDF(b *testing.B) {
	d := sample()
	for b.Loop() {
		if _, err := d.PDF(time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHTML(b *testing.B) {
	d := sample()
	for b.Loop() {
		if _, err := d.HTML(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWrapKeepsEveryCharacter: long values and paragraphs wrap over lines
// with no character lost (fpdf's own wrapping drops the CJK character it
// breaks at).
func TestWrapKeepsEveryCharacter(t *testing.T) {
	d := sample()
	long := strings.Repeat("嘉定区安亭镇某某路十二号", 12) + " word-with-no-break " + strings.Repeat("abc ", 30)
	d.Fields = append(d.Fields, Field{"长", long})
	d.Paragraphs = []string{long}
	b, err := d.PDF(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("\n", "", " ", "").Replace(plain(t, b))
	want := strings.ReplaceAll(long, " ", "")
	if strings.Count(text, want) != 2 {
		t.Fatalf("the long text is not whole twice in:\n%s", text)
	}
}

// plain is the text of a PDF as the reader's plain text.
func plain(t testing.TB, b []byte) string { return testkit.PDFPlain(t, b) }
