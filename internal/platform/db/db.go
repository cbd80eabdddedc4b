// Package db opens the SQLite or PostgreSQL database, runs the embedded
// migrations and offers a small portable query layer: `?` placeholders rebound
// for PostgreSQL, transactions with a fixed "now", and dialect helpers.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect tells the SQL engine apart where the portable subset is not enough.
type Dialect int

// The two engines.
const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB holds a writer pool and a reader pool. On SQLite the writer has exactly one
// connection (SQLite allows one writer at a time); on PostgreSQL both are the same pool.
type DB struct {
	W       *sql.DB
	R       *sql.DB
	Dialect Dialect
	// Clock gives the current time; tests replace it.
	Clock func() time.Time
}

// Open opens the database named by dsn: "postgres://…" or "postgresql://…" for
// PostgreSQL, "sqlite:PATH" or a plain PATH for SQLite. It does not migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	d := &DB{Clock: func() time.Time { return time.Now().UTC() }}
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		pool.SetMaxOpenConns(max(8, 4*runtime.NumCPU()))
		pool.SetMaxIdleConns(max(8, 4*runtime.NumCPU()))
		pool.SetConnMaxIdleTime(5 * time.Minute)
		d.W, d.R, d.Dialect = pool, pool, Postgres
	default:
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, errors.New("open sqlite: empty path")
		}
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("open sqlite: create folder: %w", err)
			}
		}
		// busy_timeout first so that the following pragmas wait instead of failing.
		pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
			"&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)"
		w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open sqlite writer: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		// Make the file and WAL mode exist before readers connect.
		if err := w.PingContext(ctx); err != nil {
			w.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("open sqlite readers: %w", err)
		}
		n := max(4, 2*runtime.NumCPU())
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
		r.SetConnMaxIdleTime(0)
		d.W, d.R, d.Dialect = w, r, SQLite
	}
	if err := d.R.PingContext(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("connect %s: %w", d.Dialect, err)
	}
	return d, nil
}

// Close closes both pools.
func (d *DB) Close() error {
	err := d.W.Close()
	if d.R != d.W {
		err = errors.Join(err, d.R.Close())
	}
	return err
}

// Now returns the current time of the clock, in UTC.
func (d *DB) Now() time.Time { return d.Clock().UTC() }

// Rebind turns `?` placeholders into `$1…` for PostgreSQL. Question marks inside
// single-quoted literals are left alone.
func (d *DB) Rebind(q string) string { return rebind(d.Dialect, q) }

func rebind(d Dialect, q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(fmt.Sprint(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Query runs a read on the reader pool.
func (d *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.R.QueryContext(ctx, d.Rebind(q), args...)
}

// QueryRow runs a single-row read on the reader pool.
func (d *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return d.R.QueryRowContext(ctx, d.Rebind(q), args...)
}

// Exec runs one statement on the writer, outside any transaction.
func (d *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return d.W.ExecContext(ctx, d.Rebind(q), args...)
}

// Tx is a write transaction with a fixed "now", so that every row written by one
// action carries the same time.
type Tx struct {
	tx      *sql.Tx
	Now     time.Time
	Dialect Dialect
}

// InTx runs fn in a write transaction and commits when fn returns nil.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	stx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: stx, Now: d.Now(), Dialect: d.Dialect}
	if err := fn(tx); err != nil {
		_ = stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Exec runs a statement in the transaction.
func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, rebind(t.Dialect, q), args...)
}

// Query runs a query in the transaction.
func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, rebind(t.Dialect, q), args...)
}

// QueryRow runs a single-row query in the transaction.
func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, rebind(t.Dialect, q), args...)
}

// Prepare prepares a statement in the transaction (for bulk work).
func (t *Tx) Prepare(ctx context.Context, q string) (*sql.Stmt, error) {
	return t.tx.PrepareContext(ctx, rebind(t.Dialect, q))
}

// ForUpdate is the row-locking suffix of a SELECT: "FOR UPDATE" on PostgreSQL,
// nothing on SQLite, whose single writer already serialises transactions.
func (t *Tx) ForUpdate() string {
	if t.Dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// Millis is the storage form of a time: Unix milliseconds, UTC.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// FromMillis turns stored milliseconds back into a UTC time.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// IsUniqueViolation reports whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// PrefixRange returns the bounds [lo, hi) of the codes that start with prefix.
// Org-unit codes are digits only, and ':' sorts right after '9' in byte order
// (columns holding codes use the "C" collation on PostgreSQL).
func PrefixRange(prefix string) (lo, hi string) { return prefix, prefix + ":" }
