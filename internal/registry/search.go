package registry

import (
	"context"
	"fmt"
	"strings"
	"sunshine/internal/platform/safetext"
	"unicode/utf8"

	"sunshine/internal/platform/db"
	"sunshine/internal/platform/module"
)

// Search by part of a secret. The ID number's last 4 characters, the phone
// number and its last 4 digits are kept as keyed blind indexes
// (vault.Index, each with a field name of its own, so that equal values of
// different kinds do not share an index), never in clear. The last 4 of a
// phone are on screen anyway (MaskPhone); the last 4 of an ID number are
// not, and a search answers only whether a person of the caller's own
// area has them (every person found is audited as listed, and shown masked).
var (
	idTailIndex    = module.Derived{Column: "id_tail_bidx", Field: "id_number_tail", Of: idTail}
	phoneIndex     = module.Derived{Column: "phone_bidx", Field: "phone_number", Of: phoneDigits}
	phoneTailIndex = module.Derived{Column: "phone_tail_bidx", Field: "phone_tail", Of: phoneTail}
)

// idTail is the last 4 characters of an ID number, upper case ("" when shorter).
func idTail(id string) string {
	id = strings.ToUpper(strings.TrimSpace(id))
	if len(id) < 4 || !isIDTail(id[len(id)-4:]) {
		return ""
	}
	return id[len(id)-4:]
}

// isIDTail tells whether s can be the end of an ID number: 3 digits and a
// digit or X.
func isIDTail(s string) bool {
	if len(s) != 4 || !allDigits(s[:3]) {
		return false
	}
	return (s[3] >= '0' && s[3] <= '9') || s[3] == 'X'
}

// phoneDigits is a phone number's digits, without spaces or hyphens ("" for
// none, or for anything but digits, spaces and hyphens).
func phoneDigits(p string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(p) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-':
		default:
			return ""
		}
	}
	return b.String()
}

// phoneTail is a phone number's last 4 digits ("" when it has fewer).
func phoneTail(p string) string {
	d := phoneDigits(p)
	if len(d) < 4 {
		return ""
	}
	return d[len(d)-4:]
}

// derivedIndex is the blind index d of the value v (nil, stored as NULL,
// when d makes nothing of it).
func (s *Store) derivedIndex(d module.Derived, v string) []byte {
	if x := d.Of(v); x != "" {
		return s.vault.Index(d.Field, x)
	}
	return nil
}

// MaxQuery bounds what a search may be given (characters).
const MaxQuery = 40

// searchWhere is the condition on persons p that a search text q asks for:
// a full ID number; 4 characters that end an ID number or a phone number;
// a phone number; else the start of a name.
func (s *Store) searchWhere(q string) (string, []any) {
	q = strings.TrimSpace(q)
	if utf8.RuneCountInString(q) > MaxQuery {
		q = string([]rune(q)[:MaxQuery])
	}
	if id, e := ParseIDNumber(fID, q, s.db.Now()); e == nil {
		return "p.id_bidx = ?", []any{s.vault.Index(fID, id.Value)}
	}
	// Digits typed full-width by an input method find as ASCII ones; a
	// name is looked for as typed.
	if t := strings.ToUpper(safetext.Narrow(q)); isIDTail(t) {
		if allDigits(t) {
			return "(p.id_tail_bidx = ? OR p.phone_tail_bidx = ?)", []any{s.vault.Index(idTailIndex.Field, t), s.vault.Index(phoneTailIndex.Field, t)}
		}
		return "p.id_tail_bidx = ?", []any{s.vault.Index(idTailIndex.Field, t)}
	}
	if d := phoneDigits(safetext.Narrow(q)); len(d) >= 7 && len(d) <= 12 {
		return "p.phone_bidx = ?", []any{s.vault.Index(phoneIndex.Field, d)}
	}
	return "p.name >= ? AND p.name < ?", []any{q, q + "\U0010FFFF"}
}

// fillPage is how many persons FillSearchIndexes writes per transaction.
const fillPage = 500

// FillSearchIndexes computes the search indexes of the persons stored before
// they existed (id_tail_bidx NULL), a page of persons per transaction, and
// returns how many it filled. It runs when the server starts; a search
// misses the persons it has not reached yet. Running it twice, or on two
// servers at once, is harmless: a row filled is not selected again, and
// both would write the same values. (A row whose ID number has no such end
// keeps NULL; the id cursor passes it.)
func (s *Store) FillSearchIndexes(ctx context.Context) (int, error) {
	var cols []string
	var fields []PersonField
	for _, f := range PersonFields {
		if len(f.derived) > 0 {
			cols, fields = append(cols, f.stem+"_enc"), append(fields, f)
		}
	}
	var set []string
	for _, f := range fields {
		for _, d := range f.derived {
			set = append(set, d.Column+" = ?")
		}
	}
	total, last := 0, int64(0)
	for {
		n := 0
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id, `+strings.Join(cols, ", ")+` FROM persons WHERE id_tail_bidx IS NULL AND id > ? ORDER BY id LIMIT ?`, last, fillPage)
			if err != nil {
				return err
			}
			type row struct {
				id   int64
				vals [][]byte
			}
			var page []row
			for rows.Next() {
				r := row{vals: make([][]byte, len(cols))}
				dest := []any{&r.id}
				for i := range r.vals {
					dest = append(dest, &r.vals[i])
				}
				if err := rows.Scan(dest...); err != nil {
					_ = rows.Close() // the scan's error says why
					return err
				}
				page = append(page, r)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
			for _, r := range page {
				var args []any
				for i, f := range fields {
					plain, err := s.vault.Open(f.Field, r.vals[i])
					if err != nil {
						return fmt.Errorf("person %d: %w", r.id, err)
					}
					for _, d := range f.derived {
						args = append(args, s.derivedIndex(d, plain))
					}
				}
				if _, err := tx.Exec(ctx, `UPDATE persons SET `+strings.Join(set, ", ")+` WHERE id = ?`, append(args, r.id)...); err != nil {
					return err
				}
			}
			n = len(page)
			if n > 0 {
				last = page[n-1].id
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("fill the search indexes: %w", err)
		}
		total += n
		if n < fillPage {
			return total, nil
		}
	}
}
