package registry

import (
	"net/http"
	"strings"
	"time"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/platform/tabular"
)

// What other modules' imports take from the registry's: matching a row to
// a person by the blind index of the ID number (never by decrypting), and
// reading an ID number or a date from a spreadsheet cell as the registry's
// own import reads it (importcells.go).

// IDIndex is the blind index of an ID number as persons.id_bidx holds it.
func (s *Store) IDIndex(idNumber string) []byte { return s.vault.Index(fID, idNumber) }

// IDCell reads the ID number of a spreadsheet cell of kind: full-width
// digits folded, a number whose digits the spreadsheet program lost
// refused (code stored_as_number), a legacy 15-digit number converted.
// Errors name field.
func IDCell(field, raw string, kind tabular.Kind, today time.Time) (IDNumber, *apperr.FieldError) {
	v := strings.TrimSpace(safetext.Narrow(strings.TrimSpace(raw)))
	if e := lostDigits("id_number", numberFields["id_number"], v, kind); e != nil {
		e.Field = field
		return IDNumber{}, e
	}
	return ParseIDNumberLegacy(field, v, today)
}

// DateCell is the date of a spreadsheet cell of kind written YYYY-MM-DD
// when it reads as one (a date cell, a date serial number, a date typed in
// any of the ways dates.Parse takes), else the cell as it stands.
func DateCell(raw string, kind tabular.Kind) string {
	v := strings.TrimSpace(raw)
	if n := strings.TrimSpace(safetext.Narrow(v)); plainNumber(n) || kind != tabular.KindText {
		v = n
	}
	return dateCell(v, kind)
}

// NormHeader is a header cell as the imports compare them: lower case,
// without spaces, underscores, hyphens or a leading * (the templates'
// mark of a required column), with ASCII brackets.
func NormHeader(h string) string { return normHeader(h) }

// ReceiveUpload stores the multipart field "file" of r in a temporary file
// of at most limit bytes (DefaultMaxUpload when 0) and returns its path,
// its name, its SHA-256 and the form's other (small) fields. The caller
// removes the file.
func ReceiveUpload(w http.ResponseWriter, r *http.Request, limit int64) (path, name, sum string, fields map[string]string, err error) {
	return (&Transfer{MaxUpload: limit}).receive(w, r)
}
