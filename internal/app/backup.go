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

// BackupTables are the tables a backup holds, parents before children.
// Sessions are left out: a restored database starts with everyone signed out.
var BackupTables = []string{
	"orgunits", "persons", "annual_records", "employers", "users", "audit_log", "audit_head", "imports",
	"indicator_facts", "indicator_rollup", "indicator_targets",
	"cases", "case_events", "device_catalogue", "service_points", "device_stock", "device_moves", "device_loans",
	"renovation_budgets", "renovation_commitments",
	"job_seekers",
	"rehab_centres", "rehab_bookings", "rehab_sessions",
	"town_services", "town_projects",
	"employer_figures", "employer_employees", "levy_params", "vacancies",
}

// NotBackedUp are the tables deliberately left out of backups.
// job_seekers_gen is a cache stamp: its row is made by the migration.
var NotBackedUp = []string{"sessions", "goose_db_version", "job_seekers_gen"}

// restoreNeedsEmpty are the tables that must be empty before a restore.
var restoreNeedsEmpty = []string{"persons", "annual_records", "users", "audit_log"}

// Backup writes a backup of the whole database to w (`sunshine backup`) and
// records it in the audit log. label names the file in the audit entry.
func (a *App) Backup(ctx context.Context, w io.Writer, label string) (db.BackupStats, error) {
	schema, err := a.DB.Migrate(ctx)
	if err != nil {
		return db.BackupStats{}, err
	}
	st, err := a.DB.Backup(ctx, w, schema, BackupTables)
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
	st, err := a.DB.Restore(ctx, r, schema, restoreNeedsEmpty, BackupTables)
	if err != nil {
		return st, err
	}
	if err := a.systemEntry(ctx, "restore", label, st); err != nil {
		return st, err
	}
	if err := a.Towns.Load(ctx); err != nil { // the restored local projects
		return st, err
	}
	return st, a.checkKey(ctx)
}

// ErrWrongKey says that the data key cannot open the restored data.
var ErrWrongKey = errors.New("the data key does not open the restored ID numbers: put the key file of the backed-up database in place (SUNSHINE_KEY_FILE or DATA/sunshine.key)")

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
