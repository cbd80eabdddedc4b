// Package testkit gives each test a fresh, migrated database on SQLite and on
// PostgreSQL. PostgreSQL is found through SUNSHINE_TEST_PG (a DSN of a database
// the tests may create schemas in). Without it the PostgreSQL half is skipped
// with a clear message locally, and fails under CI (CI=true), which must run both.
package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sunshine/internal/platform/db"
)

// EnvPG names the variable that holds the PostgreSQL DSN for tests.
const EnvPG = "SUNSHINE_TEST_PG"

// Engines runs fn once per database engine, as subtests "sqlite" and "postgres",
// each with a fresh migrated database.
func Engines(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// Clock is a test clock for db.DB.Clock: it starts at start and runs at the
// real clock's pace, so durations and the order of events stay real while
// the date (the year of annual records, ages, "today") is the same whenever
// the tests run, 1 January included.
func Clock(start time.Time) func() time.Time {
	t0 := time.Now()
	return func() time.Time { return start.Add(time.Since(t0)) }
}

// SQLite returns a fresh migrated SQLite database in a temporary folder.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// PostgresDSN returns the base DSN, skipping (locally) or failing (CI) when unset.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvPG)
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI must run every store test on PostgreSQL too", EnvPG)
		}
		t.Skipf("SKIPPED on PostgreSQL: set %s=postgres://… to run this test on PostgreSQL too (make test does)", EnvPG)
	}
	return dsn
}

// PostgresSchemaDSN creates an empty schema in the test database, dropped when
// the test ends, and returns a DSN whose search_path points at it.
func PostgresSchemaDSN(t testing.TB) string {
	t.Helper()
	base := PostgresDSN(t)
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = a.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			_ = a.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres: bad %s: %v", EnvPG, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres returns a fresh migrated PostgreSQL database in its own schema.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, PostgresSchemaDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}
