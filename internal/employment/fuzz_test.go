package employment

import (
	"strings"
	"testing"

	"sunshine/internal/platform/money"
)

// FuzzParseUSCC: never panics; an accepted code is 18 characters of the
// alphabet, upper case, with the right check character, and parses again to
// itself. Errors are field errors naming the field.
func FuzzParseUSCC(f *testing.F) {
	for _, s := range []string{
		"91350100M000100Y43", " 91350100m000100y43 ", "91310114MA1GT5XX9Q", "91350100M000100Y44",
		"91350100M000100Y4", "91350100M000100I43", "9135010-M000100Y43", "", "中文中文中文", "91350100M000100Y4ß",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, fe := ParseUSCC("uscc", s)
		if fe != nil {
			if got != "" || fe.Field != "uscc" || fe.Code == "" || fe.Msg.Zh == "" || fe.Msg.En == "" {
				t.Fatalf("ParseUSCC(%q): %q with bad error %+v", s, got, fe)
			}
			return
		}
		if len(got) != 18 || got != strings.ToUpper(got) || USCCCheckChar(got[:17]) != got[17] {
			t.Fatalf("ParseUSCC(%q) = %q: not a valid code", s, got)
		}
		for i := range len(got) {
			if strings.IndexByte(usccAlphabet, got[i]) < 0 {
				t.Fatalf("ParseUSCC(%q) = %q: character outside the alphabet", s, got)
			}
		}
		again, fe2 := ParseUSCC("uscc", got)
		if fe2 != nil || again != got {
			t.Fatalf("re-parsing %q: %q, %v", got, again, fe2)
		}
	})
}

// FuzzParseMoney: never panics; an accepted amount is within 0..MaxWageCents
// and its yuan rendering parses back to the same cents.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"120000", "120000.5", "120,000.00", "0", "-1", "1.234", "", " ", "10000000", "10000000.01",
		"9223372036854775807", "1e3", "¥100", "１００"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cents, fe := ParseMoney("wage", s)
		if fe != nil {
			if cents != 0 || fe.Field != "wage" || fe.Code == "" || fe.Msg.Zh == "" || fe.Msg.En == "" {
				t.Fatalf("ParseMoney(%q): %d with bad error %+v", s, cents, fe)
			}
			return
		}
		if cents < 0 || cents > MaxWageCents {
			t.Fatalf("ParseMoney(%q) = %d: out of range", s, cents)
		}
		again, fe2 := ParseMoney("wage", money.Yuan(cents))
		if fe2 != nil || again != cents {
			t.Fatalf("ParseMoney(%q) = %d; Yuan %q parses to %d, %v", s, cents, money.Yuan(cents), again, fe2)
		}
	})
}
