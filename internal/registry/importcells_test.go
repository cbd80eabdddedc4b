package registry

import (
	"strings"
	"testing"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/tabular"
)

// TestLostDigits: a long number that a spreadsheet stored as a number is
// recognised — numeric cell, scientific notation, zeros beyond the 15th
// digit — but a valid value never is.
func TestLostDigits(t *testing.T) {
	words := apperr.T("身份证号", "ID number")
	valid := "11010519491231002X"
	validDigits := "110105194912310011" // check digit 1
	for _, c := range []struct {
		field, v string
		kind     tabular.Kind
		lost     bool
	}{
		{"id_number", "110105194912310000", tabular.KindNumber, true},
		{"id_number", "110105194912310000", tabular.KindText, true}, // zeros beyond the 15th, check fails
		{"id_number", "1.10105194912310E+17", tabular.KindText, true},
		{"id_number", "1.10105E+17", tabular.KindText, true},
		{"id_number", "1.1e17", tabular.KindText, true},
		{"id_number", validDigits, tabular.KindNumber, false}, // all its digits, written by a program
		{"id_number", valid, tabular.KindText, false},
		{"id_number", "110105194912310012", tabular.KindText, false}, // a typo: the checksum says so
		{"id_number", "110105194912310012", tabular.KindNumber, true},
		{"id_number", "110105491231002", tabular.KindNumber, false}, // a legacy 15-digit number survives
		{"id_number", "E+17", tabular.KindText, false},
		{"certificate_number", "11010519491231000000", tabular.KindNumber, true},
		{"certificate_number", "11010519491231000000", tabular.KindText, true},
		{"certificate_number", "1.10105194912310E+19", tabular.KindText, true},
		{"certificate_number", validDigits + "42", tabular.KindNumber, false},
		{"phone", "13812345678", tabular.KindNumber, false},
		{"phone", "2159531234", tabular.KindNumber, true}, // landline without its 0
		{"phone", "2159531234", tabular.KindText, false},  // typed so: a wrong number, said by validation
		{"phone", "1.38123E+10", tabular.KindText, true},
		{"phone", "12345", tabular.KindNumber, false},
	} {
		e := lostDigits(c.field, words, c.v, c.kind)
		if (e != nil) != c.lost || (e != nil && (e.Code != "stored_as_number" || e.Field != c.field)) {
			t.Errorf("lostDigits(%s, %q, %d) = %+v, want lost %v", c.field, c.v, c.kind, e, c.lost)
		}
	}
}

// TestDateCell: dates as people type them, date cells with a time of day
// and serial numbers that lost their date format read as YYYY-MM-DD; what
// is no date stays as it is.
func TestDateCell(t *testing.T) {
	for _, c := range []struct {
		v    string
		kind tabular.Kind
		want string
	}{
		{"2026-12-01", tabular.KindText, "2026-12-01"},
		{"2026年12月1日", tabular.KindText, "2026-12-01"},
		{"2026.12.1", tabular.KindText, "2026-12-01"},
		{"2026/12/1", tabular.KindText, "2026-12-01"},
		{"20261201", tabular.KindText, "2026-12-01"},
		{"20261201", tabular.KindNumber, "2026-12-01"},
		{"２０２６年１２月１日", tabular.KindText, "2026-12-01"},
		{"2026-12-01 00:00:00", tabular.KindDate, "2026-12-01"},
		{"2026-12-01 13:30:00", tabular.KindDate, "2026-12-01"},
		{"46357", tabular.KindNumber, "2026-12-01"},
		{"46357", tabular.KindText, "46357"},
		{"2026-02-30", tabular.KindText, "2026-02-30"},
		{"去年", tabular.KindText, "去年"},
	} {
		if got := dateCell(c.v, c.kind); got != c.want {
			t.Errorf("dateCell(%q, %d) = %q, want %q", c.v, c.kind, got, c.want)
		}
	}
}

// TestNoteRow: a row of one note or total is skipped; a row of data with
// most cells missing is not (it is refused, naming what is missing).
func TestNoteRow(t *testing.T) {
	im := &importer{fields: []string{"name", "id_number", "phone"}}
	for cells, want := range map[string]bool{
		"填表人：王芳":                true,
		"|合计 3 人":               true,
		"注：本表由街道残联填写":           true,
		"||制表日期:2026-12-01":     true,
		"张三":                    false,
		"|11010519491231002X":   false,
		"张三|11010519491231002X": false,
		"合计|3":                  false,
		"":                      false,
	} {
		if got := im.noteRow(strings.Split(cells, "|")); got != want {
			t.Errorf("noteRow(%q) = %v, want %v", cells, got, want)
		}
	}
}
