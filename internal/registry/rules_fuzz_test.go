package registry

import (
	"strings"
	"testing"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/safetext"
)

func checkFieldErr(t *testing.T, name, in string, fe *apperr.FieldError, field string) {
	t.Helper()
	if fe.Field != field || fe.Code == "" || fe.Msg.Zh == "" || fe.Msg.En == "" {
		t.Fatalf("%s(%q): incomplete field error %+v", name, in, fe)
	}
}

// FuzzParseCertificateNumber: never panics; an accepted number is upper case,
// starts with the person's ID, carries the recorded category and grade, has
// only a well-formed reissue suffix, and parses again to itself. Errors are
// field errors naming the field.
func FuzzParseCertificateNumber(f *testing.F) {
	const id = "11010519491231002X"
	for _, s := range []string{
		id + "11", "11010519491231002x11", " " + id + "11 ", id + "11B1", id + "11b12", id + "11B0",
		id + "11B", id + "11C1", id + "81", id + "15", id + "1", "", "X", id + "11B1中", "中" + id + "11",
		"31011419850615123X11", id + "11B00", id + "11B01", "1101051949123100中11",
	} {
		f.Add(s, id, 1, 1)
	}
	f.Add(id+"74", "11010519491231002x", 7, 4)
	f.Fuzz(func(t *testing.T, s, pid string, category, grade int) {
		got, fe := ParseCertificateNumber("cert", s, pid, category, grade)
		if fe != nil {
			if got != "" {
				t.Fatalf("non-empty result %q with error", got)
			}
			checkFieldErr(t, "ParseCertificateNumber", s, fe, "cert")
			return
		}
		if got != strings.ToUpper(got) || got != strings.TrimSpace(got) {
			t.Fatalf("ParseCertificateNumber(%q) = %q: not normalised", s, got)
		}
		if len(got) < 20 || len(got) == 21 || got[:18] != normalizeID(pid) {
			t.Fatalf("ParseCertificateNumber(%q, id %q) = %q: bad length or ID", s, pid, got)
		}
		if int(got[18]-'0') != category || int(got[19]-'0') != grade {
			t.Fatalf("ParseCertificateNumber(%q) = %q: category/grade differ from %d/%d", s, got, category, grade)
		}
		if len(got) > 20 && (got[20] != 'B' || !allDigits(got[21:])) {
			t.Fatalf("ParseCertificateNumber(%q) = %q: bad reissue suffix", s, got)
		}
		again, fe2 := ParseCertificateNumber("cert", got, pid, category, grade)
		if fe2 != nil || again != got {
			t.Fatalf("re-parsing %q: %q, %v", got, again, fe2)
		}
	})
}

// FuzzParsePhone: never panics; an accepted number is trimmed, is a mobile or
// a landline (digits with at most one hyphen) and parses again to itself.
func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{
		"13812345678", " 13812345678 ", "021-59531234", "0215953123", "02159531234", "0571-8765432",
		"12812345678", "1381234567", "021-5953123", "0-59531234", "021--5953123", "", " ", "１３８１２３４５６７８",
		"021-5953123４", "+8613812345678",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, fe := ParsePhone("phone", s)
		if fe != nil {
			if got != "" {
				t.Fatalf("non-empty result %q with error", got)
			}
			checkFieldErr(t, "ParsePhone", s, fe, "phone")
			return
		}
		if got == "" {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("ParsePhone(%q) accepted as empty", s)
			}
			return
		}
		if got != strings.TrimSpace(safetext.Narrow(s)) || !allDigits(strings.Replace(got, "-", "", 1)) || len(got) < 10 || len(got) > 13 {
			t.Fatalf("ParsePhone(%q) = %q: not a phone number", s, got)
		}
		again, fe2 := ParsePhone("phone", got)
		if fe2 != nil || again != got {
			t.Fatalf("re-parsing %q: %q, %v", got, again, fe2)
		}
	})
}
