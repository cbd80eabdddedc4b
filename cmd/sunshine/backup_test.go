package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sunshine/internal/app"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestBackupRestore backs up a demo database on each engine and restores it
// into a new database of the other engine: the same rows, an intact audit
// chain, consistent indicators, the demo logins working. A restore refuses a
// database with data, a damaged file and the wrong data key.
func TestBackupRestore(t *testing.T) {
	tables := backupTables(t)
	for _, pair := range [][2]string{{"sqlite", "postgres"}, {"postgres", "sqlite"}} {
		t.Run(pair[0]+"→"+pair[1], func(t *testing.T) {
			src, dst := dsns(t)[pair[0]](t), dsns(t)[pair[1]](t)
			data := t.TempDir()
			t.Setenv("SUNSHINE_KEY_FILE", filepath.Join(data, "k"))
			if out, err := runCLI(t, "", "demo", "--db", src, "--data", data, "--persons", "150"); err != nil {
				t.Fatalf("demo: %q %v", out, err)
			}
			file := filepath.Join(data, "backup.gz")
			out, err := runCLI(t, "", "backup", file, "--db", src, "--data", data)
			if err != nil || !strings.Contains(out, "rows written") || !strings.Contains(out, "data key") {
				t.Fatalf("backup: %q %v", out, err)
			}
			if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("backup file: %v %v", fi, err)
			}
			if out, err := runCLI(t, "", "restore", file, "--db", dst, "--data", data); err != nil || !strings.Contains(out, fmt.Sprintf("restored %d tables", len(tables))) {
				t.Fatalf("restore: %q %v", out, err)
			}
			counts := func(dsn string) map[string]int64 {
				d, err := db.Open(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer d.Close()
				m := map[string]int64{}
				for _, table := range tables {
					var n int64
					if err := d.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
						t.Fatal(err)
					}
					m[table] = n
				}
				return m
			}
			a, b := counts(src), counts(dst)
			// The source has the backup's own audit entry, the copy the restore's.
			for table, n := range a {
				if b[table] != n {
					t.Errorf("%s: %d rows restored, want %d", table, b[table], n)
				}
			}
			if a["persons"] != 150 {
				t.Errorf("persons: %d", a["persons"])
			}
			if out, err := runCLI(t, "", "indicators", "check", "--db", dst, "--data", data); err != nil {
				t.Errorf("indicators after restore: %q %v", out, err)
			}
			ctx := context.Background()
			ra, err := app.Open(ctx, app.Config{DSN: dst, DataDir: data, KeyFile: filepath.Join(data, "k")})
			if err != nil {
				t.Fatal(err)
			}
			if v, err := ra.Audit.VerifyAll(ctx); err != nil || !v.OK || v.Checked != a["audit_log"] {
				t.Errorf("audit chain after restore: %+v %v (want %d entries)", v, err, a["audit_log"])
			}
			if _, _, err := ra.Users.Login(ctx, "demo", "sunshine-demo-310114", "api"); err != nil {
				t.Errorf("demo login after restore: %v", err)
			}
			ra.Close()
			// New rows get new ids (PostgreSQL's identity sequences moved past the restored ones).
			if out, err := runCLI(t, "a long enough secret\n", "user", "add", "--db", dst, "--data", data, "--username", "after_restore", "--role", "town_staff", "--orgunit", "310114102"); err != nil {
				t.Errorf("user add after restore: %q %v", out, err)
			}
			// Not into a database with data; not a damaged file; not with another key.
			if _, err := runCLI(t, "", "restore", file, "--db", dst, "--data", data); err == nil || !strings.Contains(err.Error(), "empty") {
				t.Errorf("restore into a full database: %v", err)
			}
			raw, _ := os.ReadFile(file)
			cut := filepath.Join(data, "cut.gz")
			os.WriteFile(cut, raw[:len(raw)/2], 0o600)
			if _, err := runCLI(t, "", "restore", cut, "--db", dsns(t)[pair[1]](t), "--data", data); err == nil {
				t.Error("a cut backup was restored")
			}
			t.Setenv("SUNSHINE_KEY_FILE", filepath.Join(data, "other-key"))
			if _, err := runCLI(t, "", "restore", file, "--db", dsns(t)[pair[1]](t), "--data", data); err == nil || !strings.Contains(err.Error(), "key") {
				t.Errorf("restore with another key: %v", err)
			}
		})
	}
}

// TestBackupCoversEveryTable fails when a migration adds a table that is
// neither backed up nor deliberately left out.
func TestBackupCoversEveryTable(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		a, err := app.New(context.Background(), d, app.Config{KeyFile: filepath.Join(t.TempDir(), "key")})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
		if d.Dialect == db.Postgres {
			q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
		}
		rows, err := d.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(a.BackupTables(), name) && !slices.Contains(a.NotBackedUp(), name) {
				t.Errorf("table %s is neither backed up nor left out by a module (module.Module.Tables, Unsaved)", name)
			}
		}
	})
}

// backupTables are the tables a backup holds (every module's), read from an
// app on a new SQLite database.
func backupTables(t *testing.T) []string {
	t.Helper()
	a, err := app.Open(context.Background(), app.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	return a.BackupTables()
}
