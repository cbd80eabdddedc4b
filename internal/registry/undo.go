package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// A strict import is all or nothing, yet it commits in bounded batches (one
// transaction of BatchSize rows each), so that reads and other writers never
// wait behind one long transaction: each batch records, in its own
// transaction, the persons it created and, sealed, the records it updated as
// they were before (import_batches.undo). When a row is rejected, or the
// import fails, or its process dies (recoverImports), the batches are undone,
// newest first: created records are deleted, updated ones restored. A record
// that someone else changed since the import wrote it is left as it is, and
// the import's audit entry says how many were left.

// fUndo is the vault field of a batch's undo record.
const fUndo = "import_undo"

// undoPerson is a person as it was before an import updated it.
type undoPerson struct {
	ID        int64       `json:"id"`
	Version   int         `json:"version"` // the version the import wrote
	Converted bool        `json:"converted"`
	In        PersonInput `json:"in"`
}

// undoRecord is what one batch changed, enough to put it back.
type undoRecord struct {
	Persons []undoPerson `json:"persons,omitempty"`
	Annual  []Annual     `json:"annual,omitempty"` // as before the import, with its version then
	Year    int          `json:"year,omitempty"`   // of an annual import's created records
}

// staleAfter is how long an import may go without a heartbeat before another
// server (PostgreSQL) takes it for stopped. A batch takes well under a second.
const staleAfter = 2 * time.Minute

// beginRun records the import as writing (import_runs), unless Jobs.Begin
// did already.
func (s *Store) beginRun(ctx context.Context, id, kind, mode, username string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO import_runs (import_id, kind, mode, username, heartbeat) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (import_id) DO NOTHING`, id, kind, mode, username, db.Millis(tx.Now))
		if err != nil {
			return fmt.Errorf("record import run: %w", err)
		}
		return nil
	})
}

// heartbeat moves the import's heartbeat, in the transaction of a batch.
func heartbeat(ctx context.Context, tx *db.Tx, id string) error {
	if _, err := tx.Exec(ctx, `UPDATE import_runs SET heartbeat = ? WHERE import_id = ?`, db.Millis(tx.Now), id); err != nil {
		return fmt.Errorf("record import progress: %w", err)
	}
	return nil
}

// undoImport undoes the committed batches of import id, newest first, each in
// its own transaction (which also deletes the batch's row). It returns how
// many records it left because they were changed since the import wrote them.
func (s *Store) undoImport(ctx context.Context, id, kind string) (int, error) {
	kept := 0
	for {
		done := true
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			var seq int
			var created string
			var sealed []byte
			err := tx.QueryRow(ctx, `SELECT seq, created, undo FROM import_batches WHERE import_id = ? ORDER BY seq DESC LIMIT 1`, id).Scan(&seq, &created, &sealed)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("read import batch: %w", err)
			}
			done = false
			var rec undoRecord
			if len(sealed) > 0 {
				plain, err := s.vault.Open(fUndo, sealed)
				if err != nil {
					return err
				}
				if err := json.Unmarshal([]byte(plain), &rec); err != nil {
					return fmt.Errorf("read import batch %d: %w", seq, err)
				}
			}
			k, err := s.undoBatch(ctx, tx, kind, parseIDList(created), rec)
			if err != nil {
				return fmt.Errorf("undo import batch %d: %w", seq, err)
			}
			kept += k
			if _, err := tx.Exec(ctx, `DELETE FROM import_batches WHERE import_id = ? AND seq = ?`, id, seq); err != nil {
				return fmt.Errorf("undo import batch %d: %w", seq, err)
			}
			return heartbeat(ctx, tx, id)
		})
		if err != nil || done {
			return kept, err
		}
	}
}

// undoBatch deletes what one batch created and restores what it updated,
// and returns how many records it left.
func (s *Store) undoBatch(ctx context.Context, tx *db.Tx, kind string, created []int64, rec undoRecord) (int, error) {
	if kind == "annual" {
		return s.undoAnnual(ctx, tx, created, rec)
	}
	kept := 0
	var changed []int64
	for _, p := range rec.Persons {
		n, _ := ValidatePerson(p.In, tx.Now, true)
		n.PersonInput = p.In // as it was stored, whatever today's rules say
		n.ID.Converted = p.Converted
		res, err := s.updateTx(ctx, tx, Caller{Scope: orgunit.AllUnits()}, p.ID, p.Version, n)
		if err != nil {
			return 0, fmt.Errorf("restore person %d: %w", p.ID, err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			kept++ // changed by someone else since
			continue
		}
		changed = append(changed, p.ID)
	}
	if err := s.changed(ctx, tx, changed...); err != nil {
		return 0, err
	}
	k, err := s.deleteCreated(ctx, tx, created)
	return kept + k, err
}

// undoAnnual deletes the annual records a batch created and restores those it
// updated.
func (s *Store) undoAnnual(ctx context.Context, tx *db.Tx, created []int64, rec undoRecord) (int, error) {
	kept := 0
	var changed []int64
	for _, a := range rec.Annual {
		a.Version++ // the import's write
		if _, err := UpsertAnnualTx(ctx, tx, a, a.UpdatedBy); apperr.CodeOf(err) == apperr.Conflict {
			kept++
			continue
		} else if err != nil {
			return 0, fmt.Errorf("restore annual record of person %d: %w", a.PersonID, err)
		}
		changed = append(changed, a.PersonID)
	}
	for _, id := range created {
		res, err := tx.Exec(ctx, `DELETE FROM annual_records WHERE person_id = ? AND year = ? AND version = 1`, id, rec.Year)
		if err != nil {
			return 0, fmt.Errorf("delete annual record of person %d: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			kept++
			continue
		}
		changed = append(changed, id)
	}
	return kept, s.changed(ctx, tx, changed...)
}

// deleteCreated deletes the persons an import created, unless someone changed
// them since (their version moved) or began to use them (a case, an account:
// a foreign key holds them); it returns how many it left.
func (s *Store) deleteCreated(ctx context.Context, tx *db.Tx, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.Query(ctx, `SELECT id FROM persons WHERE version = 1 AND id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return 0, fmt.Errorf("undo import: %w", err)
	}
	var del []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close()
			return 0, fmt.Errorf("undo import: %w", err)
		}
		del = append(del, id)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("undo import: %w", err)
	}
	kept := len(ids) - len(del)
	if len(del) == 0 {
		return kept, nil
	}
	// The derived figures go first (they hold the persons by foreign key),
	// in a savepoint: when another table holds a person, all is put back.
	if _, err := tx.Exec(ctx, `SAVEPOINT undo_created`); err != nil {
		return 0, fmt.Errorf("undo import: %w", err)
	}
	err = s.removed(ctx, tx, del)
	if err == nil {
		args = args[:0]
		for _, id := range del {
			args = append(args, id)
		}
		_, err = tx.Exec(ctx, `DELETE FROM persons WHERE id IN (`+placeholders(len(del))+`)`, args...)
	}
	if err != nil {
		if !db.IsForeignKeyViolation(err) {
			return 0, fmt.Errorf("undo import: delete persons: %w", err)
		}
		if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT undo_created`); err != nil {
			return 0, fmt.Errorf("undo import: %w", err)
		}
		kept += len(del)
	}
	if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT undo_created`); err != nil {
		return 0, fmt.Errorf("undo import: %w", err)
	}
	return kept, nil
}

// parseIDList reads a ",id,id,…," list.
func parseIDList(s string) []int64 {
	var ids []int64
	for _, f := range strings.Split(s, ",") {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// sealUndo seals a batch's undo record (nil when there is nothing to restore).
func (s *Store) sealUndo(rec undoRecord) ([]byte, error) {
	if len(rec.Persons) == 0 && len(rec.Annual) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("record import batch: %w", err)
	}
	return s.vault.Seal(fUndo, string(b)), nil
}
