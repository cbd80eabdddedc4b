package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// The registry's side of moving a person between districts (issue 20): the
// transfers module reads the full record to send it, registers the record
// a partner district sent, and marks a person sent away as moved out, each
// in the transaction of the transfer's own change.

// Record reads a person's full record in the caller's scope (secrets
// unmasked) and its version, without auditing: the caller audits the read
// with what it does with it.
func (s *Store) Record(ctx context.Context, c Caller, id int64) (PersonInput, int, error) {
	st, err := s.load(ctx, c, id)
	if err != nil {
		return PersonInput{}, 0, err
	}
	return st.in, st.version, nil
}

// CreateTx registers a person in tx with the registry's own checks (every
// field, the org unit in the caller's scope, the ID number not registered
// yet: a conflict on the field id_number with the code "duplicate"), tells
// the hook and audits the creation with detail (a JSON object). It returns
// the new person's id.
func (s *Store) CreateTx(ctx context.Context, tx *db.Tx, c Caller, in PersonInput, detail map[string]any) (int64, error) {
	n, err := s.validate(ctx, c, in)
	if err != nil {
		return 0, err
	}
	id, err := s.InsertTx(ctx, tx, n)
	if err != nil {
		return 0, err
	}
	if err := s.changed(ctx, tx, id); err != nil {
		return 0, err
	}
	e := c.Actor.Entry(audit.ActionCreate, SubjectPerson, strconv.FormatInt(id, 10), n.OrgUnit)
	if len(detail) > 0 {
		b, err := json.Marshal(detail)
		if err != nil {
			return 0, fmt.Errorf("create person: %w", err)
		}
		e.Detail = string(b)
	}
	return id, audit.Append(ctx, tx, e)
}

// SetStatusTx sets, in tx, the status of a person in the caller's scope
// whose stored version is version (else a conflict: stale), tells the hook
// and audits the change with the reason and detail (more of the audit
// entry's detail, beside the changed field).
func (s *Store) SetStatusTx(ctx context.Context, tx *db.Tx, c Caller, id int64, version int, status, reason string, detail map[string]any) error {
	if !slices.Contains(Statuses, status) {
		return apperr.Validation(apperr.Field("status", "invalid", "状态不正确："+status, "Unknown status: "+status))
	}
	where, args := scopeWhere(c)
	var unit string
	err := tx.QueryRow(ctx, `SELECT p.orgunit FROM persons p WHERE p.id = ? AND `+where, append([]any{id}, args...)...).Scan(&unit)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.ErrNotFound()
	}
	if err != nil {
		return fmt.Errorf("set the status of person %d: %w", id, err)
	}
	res, err := tx.Exec(ctx, `UPDATE persons SET status = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		status, db.Millis(tx.Now), id, version)
	if err != nil {
		return fmt.Errorf("set the status of person %d: %w", id, err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return apperr.ErrStale()
	}
	if err := s.changed(ctx, tx, id); err != nil {
		return err
	}
	d := map[string]any{"fields": []string{"status"}}
	for k, v := range detail {
		d[k] = v
	}
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("set the status of person %d: %w", id, err)
	}
	e := c.Actor.Entry(audit.ActionUpdate, SubjectPerson, strconv.FormatInt(id, 10), unit)
	e.Detail, e.Reason = string(b), reason
	return audit.Append(ctx, tx, e)
}
