// Package safetext says which text Sunshine takes from outside: no control
// characters other than tab and line breaks (NUL, which PostgreSQL refuses,
// among them), and no bidirectional overrides, which make text read
// differently from what it holds. Every engine then stores the same text, so
// a SQLite database always restores into PostgreSQL.
package safetext

import "golang.org/x/text/unicode/norm"

// Bad reports whether s holds a character that no text field takes.
func Bad(s string) bool {
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20, r >= 0x7f && r <= 0x9f:
			return true
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return true
		}
	}
	return false
}

// Narrow folds the full-width digits, letters and punctuation that Chinese
// input methods type (０１２３, Ｘ, －, the ideographic space) to their
// ASCII forms, by Unicode NFKC. It is for identifiers and codes — ID,
// certificate and phone numbers, org unit codes, dates — never for names
// or free text, which keep what was typed.
func Narrow(s string) string {
	if isASCII(s) {
		return s
	}
	return norm.NFKC.String(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
