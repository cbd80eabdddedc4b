package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
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
		FROM persons p WHERE `+where+` AND p.status = 'active' AND p.certificate_issued <> '' AND p.certificate_issued < ?
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

// CheckRenewal checks, in a transaction, the issue date (YYYY-MM-DD) of a
// person's new certificate: a real date, not after today and after the old
// certificate's. field names the date in the errors. It returns the
// person's unit.
func (s *Store) CheckRenewal(ctx context.Context, tx *db.Tx, c Caller, personID int64, issued, field string) (string, error) {
	where, args := scopeWhere(c)
	var old, unit string
	err := tx.QueryRow(ctx, `SELECT p.certificate_issued, p.orgunit FROM persons p WHERE p.id = ? AND `+where+tx.ForUpdate(),
		append([]any{personID}, args...)...).Scan(&old, &unit)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.ErrNotFound()
	}
	if err != nil {
		return "", fmt.Errorf("renew certificate: %w", err)
	}
	d, perr := time.Parse(time.DateOnly, issued)
	switch {
	case perr != nil:
		return "", apperr.Validation(apperr.Field(field, "invalid", "新证发证日期应为日期，例如 2026-12-01。", "The new certificate's issue date must be a date, e.g. 2026-12-01."))
	case d.Format(time.DateOnly) > tx.Now.Format(time.DateOnly):
		return "", apperr.Validation(apperr.Field(field, "future", "新证发证日期不能晚于今天。", "The new certificate's issue date cannot be after today."))
	case old != "" && issued <= old:
		return "", apperr.Validation(apperr.Field(field, "not_after", "新证发证日期应晚于原证的发证日期（"+old+"）。",
			"The new certificate's issue date must be after the old one's ("+old+")."))
	}
	return unit, nil
}

// RenewCertificate records, in the transaction of the step that completes
// a renewal, the issue date of a person's new certificate (CheckRenewal
// first). note goes into the audit entry's detail (the case). The change
// is audited and told to the hook like any other.
func (s *Store) RenewCertificate(ctx context.Context, tx *db.Tx, c Caller, personID int64, issued, field, note string) error {
	unit, err := s.CheckRenewal(ctx, tx, c, personID, issued, field)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE persons SET certificate_issued = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		issued, db.Millis(tx.Now), personID); err != nil {
		return fmt.Errorf("renew certificate: %w", err)
	}
	if err := s.changed(ctx, tx, personID); err != nil {
		return err
	}
	detail, _ := json.Marshal(map[string]any{"fields": []string{"certificate_issued"}, "note": note})
	e := c.Actor.Entry(audit.ActionUpdate, SubjectPerson, strconv.FormatInt(personID, 10), unit)
	e.Detail = string(detail)
	return audit.Append(ctx, tx, e)
}
