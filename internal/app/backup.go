package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"sunshine/internal/audit"
	"sunshine/internal/platform/db"
)

// BackupTables are the tables a backup holds: every module's, in the order
// of the module list, parents before children. Sessions are left out: a
// restored database starts with everyone signed out.
func (a *App) BackupTables() []string {
	var out []string
	for _, m := range a.modules {
		out = append(out, m.Tables...)
	}
	return out
}

// NotBackedUp are the tables deliberately left out of backups: goose's own,
// the leases of work that runs once (db.DB.TakeLease: a restored database
// starts with none), and those the modules leave out (caches, sessions).
func (a *App) NotBackedUp() []string {
	out := []string{"goose_db_version", "leases"}
	for _, m := range a.modules {
		out = append(out, m.Unsaved...)
	}
	return out
}

// restoreNeedsEmpty are the tables that must be empty before a restore.
var restoreNeedsEmpty = []string{"persons", "annual_records", "users", "audit_log"}

// Backup writes a backup of the whole database to w (`sunshine backup`) and
// records it in the audit log. label names the file in the audit entry.
func (a *App) Backup(ctx context.Context, w io.Writer, label string) (db.BackupStats, error) {
	schema, err := a.DB.Migrate(ctx)
	if err != nil {
		return db.BackupStats{}, err
	}
	// The reads queued during an import go with the log (audit.Log.Flush).
	if err := a.Audit.Flush(ctx); err != nil {
		return db.BackupStats{}, err
	}
	st, err := a.DB.Backup(ctx, w, schema, a.BackupTables())
	if err != nil {
		return st, err
	}
	return st, a.systemEntry(ctx, "backup", label, st)
}

// Restore reads a backup into this database, which must be new and empty
// (`sunshine restore`), and records it in the (restored) audit log.
func (a *App) Restore(ctx context.Context, r io.Reader, label string) (db.BackupStats, error) {
	schema, err := a.DB.Migrate(ctx)
	if err != nil {
		return db.BackupStats{}, err
	}
	st, err := a.DB.Restore(ctx, r, schema, restoreNeedsEmpty, a.BackupTables())
	if err != nil {
		return st, err
	}
	// The restore's own entry is chained with the key: not with another key
	// than the one the restored log was chained with.
	if ok, err := a.Audit.KeyMatches(ctx); err != nil {
		return st, err
	} else if !ok {
		return st, ErrWrongKey
	}
	if err := a.systemEntry(ctx, "restore", label, st); err != nil {
		return st, err
	}
	for _, m := range a.modules {
		if m.Restored == nil {
			continue
		}
		if err := m.Restored(ctx); err != nil {
			return st, fmt.Errorf("after the restore, %s: %w", m.Name, err)
		}
	}
	return st, a.checkKey(ctx)
}

// ErrWrongKey says that the data key cannot open the restored data: the
// encrypted ID numbers, or the keyed audit chain.
var ErrWrongKey = errors.New("the data key does not open the restored data (ID numbers, audit chain): put the key file of the backed-up database in place (SUNSHINE_KEY_FILE or DATA/sunshine.key)")

// checkKey opens one encrypted ID number with the data key.
func (a *App) checkKey(ctx context.Context) error {
	var sealed []byte
	err := a.DB.QueryRow(ctx, `SELECT id_enc FROM persons ORDER BY id LIMIT 1`).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check the data key: %w", err)
	}
	if _, err := a.Vault.Open("id_number", sealed); err != nil {
		return ErrWrongKey
	}
	return nil
}

func (a *App) systemEntry(ctx context.Context, action, label string, st db.BackupStats) error {
	e := audit.Actor{Username: "sunshine " + action, Role: "system"}.Entry(action, "database", label, "")
	e.Detail = fmt.Sprintf(`{"tables":%d,"rows":%d}`, st.Tables, st.Rows)
	return a.DB.InTx(ctx, func(tx *db.Tx) error { return audit.Append(ctx, tx, e) })
}
