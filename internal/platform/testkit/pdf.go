package testkit

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"
)

// PDFRows is the text of a PDF as a PDF reader gives it, row by row over
// its pages (what a user copying the text would get).
func PDFRows(t testing.TB, b []byte) []string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("read PDF: %v", err)
	}
	var out []string
	for i := 1; i <= r.NumPage(); i++ {
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		rows, err := p.GetTextByRow()
		if err != nil {
			t.Fatalf("text of page %d: %v", i, err)
		}
		for _, row := range rows {
			var sb strings.Builder
			for _, w := range row.Content {
				sb.WriteString(w.S)
			}
			out = append(out, sb.String())
		}
	}
	return out
}

// PDFPlain is the reader's plain text of a PDF (its content streams in order).
func PDFPlain(t testing.TB, b []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("read PDF: %v", err)
	}
	rd, err := r.GetPlainText()
	if err != nil {
		t.Fatalf("plain text of a PDF: %v", err)
	}
	var sb strings.Builder
	if _, err := io.Copy(&sb, rd); err != nil {
		t.Fatalf("plain text of a PDF: %v", err)
	}
	return sb.String()
}
