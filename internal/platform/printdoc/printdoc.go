// Package printdoc lays out a printable document — an issuing body's header,
// a title, a number and a date, a table of labelled fields, an optional table
// of lines, paragraphs, signature lines and a seal box — and renders the one
// model two ways: a PDF (A4, generated on the server with fpdf) and HTML for
// a print page (A4 print stylesheet, PrintCSS). It knows no domain words: the
// callers fill in the labels in the reader's language.
//
// The PDF embeds Droid Sans Fallback (fonts/DroidSansFallbackFull.ttf, the
// Debian package fonts-droid-fallback), Copyright © 2006–2010 Google Corp.,
// licensed under the Apache License, Version 2.0 (fonts/LICENSE-Apache-2.0.txt,
// fonts/DroidSansFallbackFull.COPYRIGHT). The Apache licence grants the right
// to reproduce and distribute the work in any medium, in source or object
// form (section 4), with the licence and notices kept beside it — which
// allows embedding the font in this program and a subset of it in each PDF.
// fpdf parses the font once per document (it keeps the parsed font in the
// document and marks the characters used to subset it); see the benchmark.
package printdoc

import (
	"bytes"
	_ "embed" // the font
	"fmt"
	"html/template"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

//go:embed fonts/DroidSansFallbackFull.ttf
var droidFont []byte

// Field is a labelled value of a document ("姓名" → "张三").
type Field struct {
	Label, Value string
}

// Table is a table of lines in a document (the items handed over).
type Table struct {
	Caption string
	Head    []string
	Rows    [][]string
}

// Signature is a signature line: who signs, and the word for the date.
type Signature struct {
	Who string // "领取人（或监护人）签字"
}

// Words are the document's fixed words in the reader's language.
type Words struct {
	Number, Date, Seal, Page string // "编号" "日期" "（盖章）" "第 %d 页 / 共 %s 页"
	Colon                    string // "：" after a label
	Blank                    string // a date to fill in by hand
}

// Chinese are the fixed words of a document in Chinese.
var Chinese = Words{Number: "编号", Date: "日期", Seal: "（盖章）", Page: "第 %d 页 / 共 %s 页", Colon: "：", Blank: "______年____月____日"}

// English are the fixed words of a document in English.
var English = Words{Number: "No.", Date: "Date", Seal: "(seal)", Page: "Page %d of %s", Colon: ": ", Blank: "____/____/______"}

// Doc is a printable document.
type Doc struct {
	Lang       string // "zh" or "en": the HTML's lang
	Issuer     string // the header: "上海市嘉定区残疾人联合会"
	Title      string
	Number     string
	Date       string // YYYY-MM-DD
	Fields     []Field
	Table      *Table
	Paragraphs []string
	Signatures []Signature
	Seal       bool // a box for the issuer's seal
	Words      Words
}

// A4 in millimetres, and the page's margins.
const (
	pageW, pageH = 210.0, 297.0
	margin       = 20.0
	bodyW        = pageW - 2*margin
	fontName     = "droid"
)

// PDF renders the document as a PDF, dated created (the PDF's metadata: a
// fixed date makes the same document the same bytes).
func (d Doc) PDF(created time.Time) ([]byte, error) {
	w := d.Words
	if w.Page == "" {
		w = Chinese
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin+8)
	pdf.AliasNbPages("{nb}") // before the font: the alias's digits must be in the subset
	pdf.AddUTF8FontFromBytes(fontName, "", droidFont)
	pdf.SetTitle(d.Title, true)
	pdf.SetCreator("Sunshine", true)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-(margin))
		pdf.SetFont(fontName, "", 9)
		pdf.CellFormat(0, 6, fmt.Sprintf(w.Page, pdf.PageNo(), "{nb}"), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()

	pdf.SetFont(fontName, "", 15)
	pdf.CellFormat(0, 9, d.Issuer, "", 1, "C", false, 0, "")
	pdf.SetFont(fontName, "", 20)
	pdf.CellFormat(0, 13, d.Title, "", 1, "C", false, 0, "")
	pdf.SetFont(fontName, "", 10.5)
	pdf.CellFormat(bodyW/2, 7, w.Number+w.Colon+d.Number, "", 0, "L", false, 0, "")
	pdf.CellFormat(bodyW/2, 7, w.Date+w.Colon+d.Date, "", 1, "R", false, 0, "")
	pdf.Ln(2)

	// The fields: a two-column table, the value wrapped in its cell.
	pdf.SetFont(fontName, "", 11)
	const labelW, lineH = 42.0, 7.0
	for _, f := range d.Fields {
		labels := wrap(pdf, f.Label, labelW)
		lines := wrap(pdf, nonEmpty(f.Value), bodyW-labelW)
		h := lineH * float64(max(1, len(lines), len(labels)))
		if pdf.GetY()+h > pageH-margin-8 {
			pdf.AddPage()
		}
		x, y := pdf.GetXY()
		pdf.SetFillColor(240, 240, 240)
		pdf.Rect(x, y, labelW, h, "FD")
		pdf.Rect(x+labelW, y, bodyW-labelW, h, "D")
		pdf.SetXY(x, y)
		for _, l := range labels {
			pdf.CellFormat(labelW, lineH, l, "", 2, "L", false, 0, "")
		}
		pdf.SetXY(x+labelW, y)
		for _, l := range lines {
			pdf.CellFormat(bodyW-labelW, lineH, l, "", 2, "L", false, 0, "")
		}
		pdf.SetXY(x, y+h)
	}

	if t := d.Table; t != nil && len(t.Head) > 0 {
		pdf.Ln(4)
		if t.Caption != "" {
			pdf.CellFormat(0, 7, t.Caption, "", 1, "L", false, 0, "")
		}
		colW := bodyW / float64(len(t.Head))
		pdf.SetFillColor(240, 240, 240)
		for _, h := range t.Head {
			pdf.CellFormat(colW, 7, h, "1", 0, "C", true, 0, "")
		}
		pdf.Ln(-1)
		for _, row := range t.Rows {
			cells := make([][]string, len(t.Head))
			n := 1
			for i := range t.Head {
				v := ""
				if i < len(row) {
					v = row[i]
				}
				cells[i] = wrap(pdf, v, colW)
				n = max(n, len(cells[i]))
			}
			h := 7 * float64(n)
			if pdf.GetY()+h > pageH-margin-8 {
				pdf.AddPage()
			}
			x, y := pdf.GetXY()
			for i, lines := range cells {
				cx := x + colW*float64(i)
				pdf.Rect(cx, y, colW, h, "D")
				pdf.SetXY(cx, y)
				for _, l := range lines {
					pdf.CellFormat(colW, 7, l, "", 2, "L", false, 0, "")
				}
			}
			pdf.SetXY(x, y+h)
		}
	}

	if len(d.Paragraphs) > 0 {
		pdf.Ln(4)
		for _, p := range d.Paragraphs {
			for _, l := range wrap(pdf, "　　"+p, bodyW) {
				pdf.CellFormat(bodyW, 7, l, "", 1, "L", false, 0, "")
			}
			pdf.Ln(1)
		}
	}

	if len(d.Signatures) > 0 || d.Seal {
		pdf.Ln(6)
		if pdf.GetY()+float64(len(d.Signatures))*12+45 > pageH-margin-8 {
			pdf.AddPage()
		}
		for _, s := range d.Signatures {
			pdf.CellFormat(bodyW*0.62, 12, s.Who+w.Colon+"________________", "", 0, "L", false, 0, "")
			pdf.CellFormat(bodyW*0.38, 12, w.Date+w.Colon+w.Blank, "", 1, "R", false, 0, "")
		}
		if d.Seal {
			pdf.Ln(4)
			x, y := margin+bodyW-45, pdf.GetY()
			pdf.SetDrawColor(120, 120, 120)
			pdf.SetDashPattern([]float64{1.5, 1.5}, 0)
			pdf.Rect(x, y, 40, 40, "D")
			pdf.SetDashPattern(nil, 0)
			pdf.SetXY(x, y+16)
			pdf.CellFormat(40, 8, d.Issuer, "", 2, "C", false, 0, "")
			pdf.SetX(x)
			pdf.CellFormat(40, 8, w.Seal, "", 1, "C", false, 0, "")
		}
	}

	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("lay out %s: %w", d.Title, err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("write %s: %w", d.Title, err)
	}
	out, err := fixToUnicode(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("write %s: the text map: %w", d.Title, err)
	}
	return out, nil
}

// wrap breaks text into lines that fit a cell of width w (its margins
// inside), at spaces and before or after a CJK character, keeping every
// character (fpdf's MultiCell and SplitText drop the CJK character they
// break at). A line break in the text starts a new line.
func wrap(pdf *fpdf.Fpdf, text string, w float64) []string {
	avail := w - 2*pdf.GetCellMargin()
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := []rune{}
		width := 0.0
		brk := -1 // where the line may break: the index of the rune that starts the next
		for _, r := range para {
			rw := pdf.GetStringWidth(string(r))
			if width+rw > avail && len(line) > 0 {
				cut := len(line) // before r: allowed before a space or a CJK character
				if r != ' ' && !cjk(r) && brk > 0 {
					cut = brk // r is inside a word: at the last place allowed
				}
				out = append(out, strings.TrimRight(string(line[:cut]), " "))
				line = []rune(strings.TrimLeft(string(line[cut:]), " "))
				width = pdf.GetStringWidth(string(line))
				brk = -1
			}
			if r == ' ' && len(line) == 0 && len(out) > 0 {
				continue // a continued line starts with no space
			}
			line = append(line, r)
			width += rw
			if r == ' ' || cjk(r) {
				brk = len(line) // after r
			}
		}
		out = append(out, string(line))
	}
	return out
}

// cjk says whether a line may break beside r (CJK characters and punctuation).
func cjk(r rune) bool {
	return r >= 0x2E80 && r <= 0x9FFF || r >= 0xF900 && r <= 0xFAFF || r >= 0xFF00 && r <= 0xFFEF || r >= 0x3000 && r <= 0x303F
}

func nonEmpty(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// HTML renders the document as a fragment for a print page (an article of
// class "printdoc", styled by PrintCSS); headingLevel 1 makes the title the
// page's h1.
func (d Doc) HTML() (template.HTML, error) {
	w := d.Words
	if w.Page == "" {
		w = Chinese
	}
	var buf bytes.Buffer
	err := htmlDoc.Execute(&buf, struct {
		Doc
		W Words
	}{d, w})
	if err != nil {
		return "", fmt.Errorf("render %s: %w", d.Title, err)
	}
	return template.HTML(buf.String()), nil // #nosec G203 -- produced by html/template, which escapes every value
}

var htmlDoc = template.Must(template.New("printdoc").Parse(`<article class="printdoc" lang="{{if eq .Lang "en"}}en{{else}}zh-CN{{end}}" aria-labelledby="printdoc-title">
<header class="printdoc-head">
<p class="printdoc-issuer">{{.Issuer}}</p>
<h1 id="printdoc-title">{{.Title}}</h1>
<p class="printdoc-meta"><span>{{.W.Number}}{{.W.Colon}}{{.Number}}</span> <span>{{.W.Date}}{{.W.Colon}}{{.Date}}</span></p>
</header>
{{if .Fields}}<table class="printdoc-fields">
{{range .Fields}}<tr><th scope="row">{{.Label}}</th><td>{{if .Value}}{{.Value}}{{else}}—{{end}}</td></tr>
{{end}}</table>{{end}}
{{with .Table}}{{if .Head}}<div class="table-wrap"><table class="printdoc-lines">{{with .Caption}}<caption>{{.}}</caption>{{end}}
<thead><tr>{{range .Head}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</tbody></table></div>{{end}}{{end}}
{{range .Paragraphs}}<p class="printdoc-para">{{.}}</p>
{{end}}
{{if or .Signatures .Seal}}<div class="printdoc-signs">
{{range .Signatures}}<p class="printdoc-sign"><span>{{.Who}}{{$.W.Colon}}<span class="printdoc-line"></span></span> <span>{{$.W.Date}}{{$.W.Colon}}<span class="printdoc-line short"></span></span></p>
{{end}}{{if .Seal}}<div class="printdoc-seal"><span>{{.Issuer}}</span><span>{{.W.Seal}}</span></div>{{end}}
</div>{{end}}
</article>`))

// PrintCSS is the stylesheet of a print page: the document on screen, and on
// paper A4 with nothing of the site around it.
const PrintCSS = `.printdoc { max-width: 48rem; border: 1px solid currentColor; padding: 1.5rem; margin: 1rem 0; }
.printdoc-head { text-align: center; }
.printdoc-issuer { font-size: 1.15em; margin: 0; }
.printdoc h1 { margin: 0.5rem 0; }
.printdoc-meta { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0.5rem; }
.printdoc table { width: 100%; border-collapse: collapse; margin: 0.75rem 0; }
.printdoc th, .printdoc td { border: 1px solid currentColor; padding: 0.35rem 0.5rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
.printdoc-fields th { width: 30%; }
.printdoc-para { text-indent: 2em; line-height: 1.8; }
.printdoc-sign { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0.5rem 2rem; margin: 1.5rem 0; }
.printdoc-line { display: inline-block; min-width: 8rem; border-bottom: 1px solid currentColor; }
.printdoc-line.short { min-width: 6rem; }
.printdoc-seal { margin: 1rem 0 0 auto; width: 9rem; height: 9rem; border: 1px dashed currentColor; display: flex; flex-direction: column; align-items: center; justify-content: center; text-align: center; font-size: 0.9em; }
@media print {
  @page { size: A4; margin: 20mm; }
  main:has(.printdoc) > :not(.printdoc) { display: none; }
  .printdoc { border: 0; padding: 0; margin: 0; max-width: none; font-size: 11pt; }
  .printdoc .table-wrap { overflow: visible; }
}
`
