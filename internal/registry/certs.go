package registry

import (
	"context"
	"fmt"
	"strconv"
)

// CertCount is, for one org unit, how many of its active persons hold a
// certificate that has expired, and how many one that expires within
// CertificateWarnDays.
type CertCount struct {
	OrgUnit  string
	Name     string // the unit's name in the language asked for (its code when unknown)
	Expired  int
	Expiring int
}

// CertificateCounts counts the expired and soon-expiring certificates of
// the active persons in the caller's scope, per unit one level below the
// scope's own (a district's towns, a town's villages; a village itself),
// units without any left out, in code order (an aggregate: not audited).
func (s *Store) CertificateCounts(ctx context.Context, c Caller, lang string) ([]CertCount, error) {
	if c.PersonID != 0 || c.Scope.All || c.Scope.Prefix == "" {
		return nil, nil
	}
	n := 12 // village codes (DOMAIN.md §3)
	switch len(c.Scope.Prefix) {
	case 2, 4:
		n = 6
	case 6:
		n = 9
	}
	from, to := certWindow(s.db.Now(), CertificateWarnDays)
	where, args := scopeWhere(c)
	// n is one of three constants: written into the SQL, so that the
	// grouped expression is the selected one on both engines.
	unit := "substr(p.orgunit, 1, " + strconv.Itoa(n) + ")"
	rows, err := s.db.Query(ctx, `SELECT `+unit+`,
		SUM(CASE WHEN p.certificate_issued < ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN p.certificate_issued >= ? THEN 1 ELSE 0 END)
		FROM persons p WHERE `+where+` AND p.status = 'active' AND p.certificate_issued <> '' AND p.certificate_issued <= ?
		GROUP BY `+unit+` ORDER BY `+unit, append([]any{from, from}, append(args, to)...)...)
	if err != nil {
		return nil, fmt.Errorf("count certificates: %w", err)
	}
	defer rows.Close()
	var out []CertCount
	for rows.Next() {
		var cc CertCount
		if err := rows.Scan(&cc.OrgUnit, &cc.Expired, &cc.Expiring); err != nil {
			return nil, fmt.Errorf("count certificates: %w", err)
		}
		out = append(out, cc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count certificates: %w", err)
	}
	for i := range out {
		out[i].Name = out[i].OrgUnit
		if u, err := s.units.Get(ctx, out[i].OrgUnit); err == nil {
			out[i].Name = u.Label(lang)
		}
	}
	return out, nil
}
