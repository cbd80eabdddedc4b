package registry

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
)

// Label is how a page names a person it shows beside something else (a
// case, a loan): the name, the village and, for staff, the masked ID number.
type Label struct {
	ID       int64
	Name     string
	OrgUnit  string
	Unit     string // the village's name in the page's language (its code when unknown)
	IDMasked string // only for staff roles; "" otherwise
	// Cert is the person's certificate on the day of the lookup; Active
	// tells whether the person is on the register (only they are flagged).
	Cert   CertState
	Active bool
}

// CertFlag flags the certificate of an active person when it has expired
// or expires soon, in lang ("" otherwise).
func (l Label) CertFlag(lang string) string {
	if !l.Active {
		return ""
	}
	return l.Cert.Flag(lang)
}

// CertExpired reports whether an active person's certificate has expired.
func (l Label) CertExpired() bool { return l.Active && l.Cert.Expired() }

// labelsMax bounds one lookup (a page lists far fewer).
const labelsMax = 1000

// Labels names the persons ids that lie in the caller's scope, in one
// query (a page's rows, never one query per row). Persons outside the scope
// are absent from the map: a page says "another area's record" for them and
// leaks no name. The named persons are audited as listed.
func (s *Store) Labels(ctx context.Context, c Caller, ids []int64, lang string) (map[int64]Label, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	ids = slices.DeleteFunc(ids, func(id int64) bool { return id <= 0 })
	out := map[int64]Label{}
	if len(ids) == 0 {
		return out, nil
	}
	if len(ids) > labelsMax {
		return nil, fmt.Errorf("labels: %d persons in one lookup (at most %d)", len(ids), labelsMax)
	}
	where, args := scopeWhere(c)
	in := make([]any, len(ids))
	for i, id := range ids {
		in[i] = id
	}
	rows, err := s.db.Query(ctx, `SELECT p.id, p.name, p.id_masked, p.orgunit, COALESCE(u.name, ''), COALESCE(u.name_en, ''), p.certificate_issued, p.status
		FROM persons p LEFT JOIN orgunits u ON u.code = p.orgunit
		WHERE p.id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`) AND `+where,
		append(in, args...)...)
	if err != nil {
		return nil, fmt.Errorf("label persons: %w", err)
	}
	defer rows.Close()
	staff := slices.Contains(identity.Staff(), c.Actor.Role)
	today := s.db.Now()
	var entries []audit.Entry
	for rows.Next() {
		var l Label
		var zh, en, issued, status string
		if err := rows.Scan(&l.ID, &l.Name, &l.IDMasked, &l.OrgUnit, &zh, &en, &issued, &status); err != nil {
			return nil, fmt.Errorf("label persons: %w", err)
		}
		l.Cert, l.Active = CertificateState(issued, today), status == "active"
		if !staff {
			l.IDMasked = ""
		}
		if !staff && c.PersonID == 0 { // a provider's worker: minimal data, no certificate
			l.Cert = CertState{}
		}
		l.Unit = l.OrgUnit
		if zh != "" {
			l.Unit = apperr.T(zh, en).In(lang)
		}
		out[l.ID] = l
		entries = append(entries, c.Actor.Entry(audit.ActionList, SubjectPerson, strconv.FormatInt(l.ID, 10), l.OrgUnit))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("label persons: %w", err)
	}
	if len(entries) > 0 {
		if err := s.log.Record(ctx, entries...); err != nil {
			return nil, err
		}
	}
	return out, nil
}
