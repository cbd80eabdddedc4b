package registry

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
)

// RowSink receives exported rows (tabular.Writer satisfies it).
type RowSink interface {
	Write(cells []string) error
}

// Headers returns the Chinese header row of columns.
func Headers(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Zh
	}
	return out
}

// ExportPersons streams the persons of the caller's scope (narrowed to
// orgunit, if given) into sink, in the columns of the import, and returns how
// many it wrote. Secrets are written in full only when unmasked; every
// exported person gets an audit entry, and the export one more.
func (s *Store) ExportPersons(ctx context.Context, c Caller, orgunit, reason string, unmasked bool, sink RowSink) (int, error) {
	where, args := scopeWhere(c)
	if orgunit != "" {
		sc, ok := c.Scope.Narrow(orgunit)
		if !ok {
			return 0, s.exportSummary(ctx, c, "persons", orgunit, reason, unmasked, 0, exported{})
		}
		lo, hi := sc.Range()
		where, args = where+" AND p.orgunit >= ? AND p.orgunit < ?", append(args, lo, hi)
	}
	if err := sink.Write(Headers(PersonColumns())); err != nil {
		return 0, err
	}
	cols := fullCols
	if !unmasked {
		cols = maskedCols // do not even decrypt: read the masked forms only
	}
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM persons p WHERE `+where+` ORDER BY p.orgunit, p.id`, args...)
	if err != nil {
		return 0, fmt.Errorf("export persons: %w", err)
	}
	defer rows.Close()
	n := 0
	ids := exported{}
	for rows.Next() {
		st, err := s.scanStored(rows, !unmasked)
		if err != nil {
			return n, fmt.Errorf("export persons: %w", err)
		}
		in := st.in
		if err := sink.Write(personCells(in)); err != nil {
			return n, err
		}
		n++
		ids.add(st.id)
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export persons: %w", err)
	}
	return n, s.exportSummary(ctx, c, "persons", orgunit, reason, unmasked, n, ids)
}

// exported lists the persons of an export for its audit entry: ",id,id,…,"
// (so that a person's access log finds it by ",id,").
type exported struct{ b strings.Builder }

func (x *exported) add(id int64) {
	if x.b.Len() == 0 {
		x.b.WriteByte(',')
	}
	x.b.WriteString(strconv.FormatInt(id, 10))
	x.b.WriteByte(',')
}

func (x *exported) addAll(ids []int64) {
	for _, id := range ids {
		x.add(id)
	}
}

// ExportMention is what an export's audit entry holds for each of its persons
// (audit.Filter.DetailHas finds the exports of a person with it).
func ExportMention(id int64) string { return "," + strconv.FormatInt(id, 10) + "," }

// SubjectExport is the audit subject type of an export.
const SubjectExport = "export"

// exportSummary audits an export as one entry: what, which area, why,
// whether in full, how many rows, and which persons (each person's access
// log shows it).
func (s *Store) exportSummary(ctx context.Context, c Caller, kind, orgunit, reason string, unmasked bool, n int, ids exported) error {
	e := c.Actor.Entry(audit.ActionExport, SubjectExport, kind, orgunit)
	e.Reason = reason
	e.Detail = fmt.Sprintf(`{"kind":%q,"orgunit":%q,"full_numbers":%t,"rows":%d,"persons":%q}`, kind, orgunit, unmasked, n, ids.b.String())
	return s.log.Record(ctx, e)
}

// CheckExportReason checks the reason given for an export: none, or 2 to 200
// characters.
func CheckExportReason(reason string) error {
	if n := utf8.RuneCountInString(reason); reason != "" && (n < 2 || n > 200) {
		return apperr.Validation(apperr.Field("reason", "invalid", "请说明导出的原因（2至200个字符）。", "Say why you export (2 to 200 characters)."))
	}
	return nil
}

// personCells renders a person in the order of PersonColumns.
func personCells(in PersonInput) []string {
	out := make([]string, len(PersonFields))
	for i, f := range PersonFields {
		out[i] = f.cellText(&in)
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// ExportAnnual streams the annual records of a year in the caller's scope, in
// the columns of the annual import.
func (s *Store) ExportAnnual(ctx context.Context, c Caller, year int, orgunit, reason string, unmasked bool, sink RowSink) (int, error) {
	where, args := scopeWhere(c)
	if orgunit != "" {
		sc, ok := c.Scope.Narrow(orgunit)
		if !ok {
			return 0, s.exportSummary(ctx, c, "annual", orgunit, reason, unmasked, 0, exported{})
		}
		lo, hi := sc.Range()
		where, args = where+" AND a.orgunit >= ? AND a.orgunit < ?", append(args, lo, hi)
	}
	if err := sink.Write(Headers(AnnualColumns())); err != nil {
		return 0, err
	}
	rows, err := s.db.Query(ctx, annualExportSQL(where), append([]any{year}, args...)...)
	if err != nil {
		return 0, fmt.Errorf("export annual records: %w", err)
	}
	defer rows.Close()
	n := 0
	ids := exported{}
	for rows.Next() {
		var idEnc []byte
		var masked string
		var a Annual
		var unknown string
		if err := rows.Scan(append(append([]any{&idEnc, &masked, &a.PersonID}, annualTargets(&a)...), &unknown)...); err != nil {
			return n, fmt.Errorf("export annual records: %w", err)
		}
		a.Unknown = unknownList(unknown)
		id := masked
		if unmasked {
			if id, err = s.vault.Open(fID, idEnc); err != nil {
				return n, err
			}
		}
		cells := []string{id}
		for _, f := range AnnualFields {
			cells = append(cells, f.cellText(&a))
		}
		if err := sink.Write(cells); err != nil {
			return n, err
		}
		n++
		ids.add(a.PersonID)
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export annual records: %w", err)
	}
	return n, s.exportSummary(ctx, c, "annual", orgunit, reason, unmasked, n, ids)
}

// annualExportSQL reads the annual records of a year (the first argument) and
// the persons' ID numbers, for the rows that also meet where.
func annualExportSQL(where string) string {
	return `SELECT p.id_enc, p.id_masked, p.id, ` + strings.Join(annualColumns("a."), ", ") + `, a.unknown
		FROM annual_records a JOIN persons p ON p.id = a.person_id WHERE a.year = ? AND ` + where + ` ORDER BY a.orgunit, a.person_id`
}
