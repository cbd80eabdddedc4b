package registry

// Cells as staff really have them (issue 23): a spreadsheet program turns
// typed digits into numbers, full-width digits come from Chinese input
// methods, and dates are typed in every way. tidyRow makes each cell of a
// row read as what was meant, or rejects it with what happened — never with
// a guess that would make a wrong number valid.

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/dates"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/platform/tabular"
)

// codeFields are codes and numbers, whose full-width characters (typed by
// a Chinese input method) are folded to ASCII (safetext.Narrow). Other
// cells — names, addresses, village names, the words of a choice — keep
// what was typed, unless the folded cell is a plain number.
var codeFields = map[string]bool{"id_number": true, "certificate_number": true, "phone": true, "guardian_phone": true,
	"orgunit": true, "category": true, "grade": true, "household": true, "components": true, "certificate_issued": true}

// dateFields are read as dates (dates.Parse), whatever way they were typed
// or stored.
var dateFields = map[string]bool{"certificate_issued": true}

// numberFields are the long numbers that a spreadsheet program mangles when
// it stores them as numbers, with the words for them.
var numberFields = map[string]apperr.Text{
	"id_number":          apperr.T("身份证号", "ID number"),
	"certificate_number": apperr.T("残疾证号", "certificate number"),
	"phone":              apperr.T("电话号码", "phone number"),
	"guardian_phone":     apperr.T("电话号码", "phone number"),
}

// tidyRow prepares the cells of a row for reading: full-width characters
// of code cells folded, dates written YYYY-MM-DD, and the numbers that the
// spreadsheet program stored as numbers checked for lost digits (those
// cells are rejected and marked in w.lost, so nothing reads them).
func (im *importer) tidyRow(w *rowWork) {
	for i, field := range im.fields {
		if field == "" || i >= len(w.cells) || w.cells[i] == "" {
			continue
		}
		kind := tabular.KindText
		if i < len(w.kinds) {
			kind = w.kinds[i]
		}
		v := strings.TrimSpace(w.cells[i])
		if n := strings.TrimSpace(safetext.Narrow(v)); n != v && (codeFields[field] && field != "orgunit" || plainNumber(n)) {
			// A village may be given by its name, which keeps its own
			// (full-width) brackets: only a code is folded.
			v = n
		}
		if words, ok := numberFields[field]; ok {
			if e := lostDigits(field, words, v, kind); e != nil {
				w.errs = append(w.errs, *e)
				w.lost = append(w.lost, i)
				continue
			}
		}
		if dateFields[field] {
			v = dateCell(v, kind)
		}
		if v != w.cells[i] && w.typed == nil {
			w.typed = slices.Clone(w.cells) // the rejects download shows what was typed
		}
		w.cells[i] = v
	}
}

// plainNumber reports whether v is digits, maybe with a sign and a
// decimal point.
func plainNumber(v string) bool {
	whole, frac, _ := strings.Cut(strings.TrimPrefix(v, "-"), ".")
	return whole != "" && allDigits(whole) && allDigits(frac)
}

// isLost reports whether column i of the row was rejected by tidyRow.
func (w *rowWork) isLost(i int) bool {
	for _, l := range w.lost {
		if l == i {
			return true
		}
	}
	return false
}

// lostDigits recognises a long number that a spreadsheet program stored
// as a number: in scientific notation ("1.10105E+17"), or with zeros where
// its digits beyond the 15th were (a spreadsheet keeps 15 significant
// digits), or, for a phone number, without its leading 0. A value that is
// valid as it stands is never refused.
func lostDigits(field string, words apperr.Text, v string, kind tabular.Kind) *apperr.FieldError {
	if v == "" {
		return nil
	}
	phone := field == "phone" || field == "guardian_phone"
	lost := false
	switch {
	case scientific(v):
		lost = true
	case phone:
		if _, e := ParsePhone(field, v); e == nil {
			return nil
		}
		if kind == tabular.KindNumber && allDigits(v) {
			if _, e := ParsePhone(field, "0"+v); e == nil {
				return fieldErr(field, "stored_as_number",
					"Excel 把电话号码存成了数字，开头的 0 已经丢失：请把该列设置为文本格式后重新录入（如 021-59531234）。",
					"The spreadsheet stored the phone number as a number and its leading 0 is lost: set the column's format to Text and type the number in again (e.g. 021-59531234).")
			}
		}
		return nil
	case field == "id_number":
		if len(v) == 18 && allDigits(v[:17]) && IDCheckChar(v[:17]) == v[17] {
			return nil
		}
		lost = allDigits(v) && len(v) > 15 && (kind == tabular.KindNumber || strings.Trim(v[15:], "0") == "")
	case field == "certificate_number":
		if certShape(v) {
			return nil
		}
		lost = allDigits(v) && len(v) > 15 && (kind == tabular.KindNumber || strings.Trim(v[15:], "0") == "")
	}
	if !lost {
		return nil
	}
	return fieldErr(field, "stored_as_number",
		fmt.Sprintf("Excel 把%s存成了数字，后几位已经丢失：请把该列设置为文本格式后重新录入。", words.Zh),
		fmt.Sprintf("The spreadsheet stored the %s as a number and its last digits are lost: set the column's format to Text and type the numbers in again.", words.En))
}

// scientific reports whether v is a number in scientific notation, as a
// spreadsheet program shows a long number ("1.10105E+17").
func scientific(v string) bool {
	mant, exp, ok := strings.Cut(strings.ToUpper(v), "E")
	if !ok || mant == "" || exp == "" {
		return false
	}
	exp = strings.TrimLeft(exp, "+")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(mant, "-"), ".")
	return allDigits(whole) && whole != "" && (frac == "" || allDigits(frac)) && allDigits(exp) && exp != ""
}

// certShape reports whether v has the shape of a certificate number: 17
// digits, a digit or X, a category 1–7 and a grade 1–4, maybe a reissue
// mark (ParseCertificateNumber checks it against the person).
func certShape(v string) bool {
	v = strings.ToUpper(v)
	if len(v) < 20 || !allDigits(v[:17]) || !(v[17] == 'X' || (v[17] >= '0' && v[17] <= '9')) {
		return false
	}
	return v[18] >= '1' && v[18] <= '7' && v[19] >= '1' && v[19] <= '4' && (len(v) == 20 || v[20] == 'B')
}

// dateCell reads a date cell as YYYY-MM-DD: typed text in any form that
// dates.Parse takes (2026年12月1日, 2026.12.1, 2026/12/1, 20261201, with
// full-width digits); a spreadsheet's date cell (its time of day, if any,
// dropped); a date serial number in a cell that lost its date format. Text
// that is no date stays as it is, for validation to refuse by name.
func dateCell(v string, kind tabular.Kind) string {
	if kind == tabular.KindDate {
		if d, _, ok := strings.Cut(v, " "); ok && len(d) == len(time.DateOnly) {
			v = d
		}
	}
	if kind == tabular.KindNumber && len(v) <= 5 {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			if t, ok := serialDate(float64(n)); ok {
				return t
			}
		}
	}
	if iso, err := dates.ISO(v); err == nil {
		return iso
	}
	return v
}

// serialDate turns a spreadsheet's date serial number (days since
// 1899-12-30, in the 1900 date system that Excel and LibreOffice write)
// into YYYY-MM-DD, for the years dates.Parse takes.
func serialDate(n float64) (string, bool) {
	if n < 61 || n != math.Trunc(n) {
		return "", false
	}
	t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n))
	if t.Year() < dates.MinYear || t.Year() > dates.MaxYear {
		return "", false
	}
	return t.Format(time.DateOnly), true
}
