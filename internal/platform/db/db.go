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
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
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
// connection (SQLite allows one writer at a time); on PostgreSQL they are two
// pools of the same size, so that reads never queue behind writes.
type DB struct {
	W       *sql.DB
	R       *sql.DB
	Dialect Dialect
	// Clock gives the current time; tests replace it.
	Clock func() time.Time

	// Prepared statements, by query text, for the reader and writer pools:
	// SQLite spends much of a small query's time parsing it.
	rstmts, wstmts stmtCache

	// attached are values other packages keep with this database (Attach).
	attached sync.Map

	// SQLite: the writer leaves the checkpoints of the write-ahead log to
	// a connection of their own, every checkpointEvery, so that no commit
	// waits for one (they wrote and synced the database file in the
	// middle of an import's batches, and every read's audit entry queued
	// behind them). stopCheckpoints ends that loop; checkpointed waits
	// for it.
	ckpt            *sql.DB
	stopCheckpoints context.CancelFunc
	checkpointed    sync.WaitGroup
	// path is the SQLite database's file (OpenBeside).
	path string
}

// checkpointEvery is how often SQLite's write-ahead log is checkpointed.
const checkpointEvery = 200 * time.Millisecond

// checkpoints copies the write-ahead log into the database file every
// checkpointEvery, as far as the readers let it (PASSIVE: it never waits).
func (d *DB) checkpoints(ctx context.Context) {
	defer d.checkpointed.Done()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = d.ckpt.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`) // tried again at the next tick
		}
	}
}

// Attach keeps v with the database under key, for a package that needs state
// of its own wherever the database goes, transactions included (the audit
// log's chain key): Attached and Tx.Attached return it.
func (d *DB) Attach(key, v any) { d.attached.Store(key, v) }

// Attached returns the value attached under key, nil when there is none.
func (d *DB) Attached(key any) any {
	v, _ := d.attached.Load(key)
	return v
}

// stmtCache keeps prepared statements of one pool, by query text. It stops
// growing at maxStatements; further queries are prepared on each use.
//
// mu guards m and closed, and nothing else: it is held only to read or write
// the map. It must never be held while a statement is prepared or run, nor
// across anything else that can wait for a database connection. On SQLite the
// writer pool has one connection; a transaction holding it looks its
// statements up here (Tx.stmt), so a lock held while preparing on that pool
// closes a cycle that never ends (issue 24: an import finishing while the
// audit log group-commits).
type stmtCache struct {
	mu     sync.RWMutex
	m      map[string]*sql.Stmt
	closed bool
}

const maxStatements = 500

func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[q]
}

// get returns the statement for q, preparing it on pool the first time. Two
// callers may prepare the same text at once; the first to publish wins and
// the other's copy is closed.
func (c *stmtCache) get(ctx context.Context, pool *sql.DB, q string) *sql.Stmt {
	c.mu.RLock()
	st, full := c.m[q], c.closed || len(c.m) >= maxStatements
	c.mu.RUnlock()
	if st != nil || full {
		return st
	}
	// No lock is held here: preparing waits for a connection of the pool.
	st, err := pool.PrepareContext(ctx, q)
	if err != nil {
		return nil // the caller runs the query unprepared and gets the error there
	}
	if kept := c.publish(q, st); kept != st {
		_ = st.Close() // a duplicate nobody used
		return kept
	}
	return st
}

// publish stores st for q unless another statement for q came first (that
// one is returned) or the cache is full or closed (nil is returned, and the
// caller closes st).
func (c *stmtCache) publish(q string, st *sql.Stmt) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[q]; old != nil {
		return old
	}
	if c.closed || len(c.m) >= maxStatements {
		return nil
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = st
	return st
}

func (c *stmtCache) close() {
	c.mu.Lock()
	m := c.m
	c.m, c.closed = nil, true
	c.mu.Unlock()
	for _, st := range m {
		_ = st.Close() // the pools close next, which closes any statement left
	}
}

// Open opens the database named by dsn: "postgres://…" or "postgresql://…" for
// PostgreSQL, "sqlite:PATH" or a plain PATH for SQLite. It does not migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	d := &DB{Clock: func() time.Time { return time.Now().UTC() }}
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		// Two pools: a read never waits for a connection that a writer holds
		// while it waits for a row lock (or for a read of its own: an
		// import's reading side), and writers cannot starve the readers.
		var pools [2]*sql.DB
		for i := range pools {
			pool, err := sql.Open("pgx", dsn)
			if err != nil {
				if i > 0 {
					_ = pools[0].Close() // unused yet; the open error is the one to report
				}
				return nil, fmt.Errorf("open postgres: %w", err)
			}
			pool.SetMaxOpenConns(max(8, 4*runtime.NumCPU()))
			pool.SetMaxIdleConns(max(8, 4*runtime.NumCPU()))
			pool.SetConnMaxIdleTime(5 * time.Minute)
			pools[i] = pool
		}
		d.W, d.R, d.Dialect = pools[0], pools[1], Postgres
	default:
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, errors.New("open sqlite: empty path")
		}
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("open sqlite: create folder: %w", err)
			}
		}
		// The database holds personal data: only its owner reads it. SQLite
		// gives its -wal and -shm files the database file's mode.
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600) // #nosec G304 -- the database path of the configuration (--db or the data dir)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		_ = f.Close() // only created: nothing written
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o077 != 0 {
				_ = os.Chmod(p, fi.Mode().Perm()&0o700) // best effort on a file made before
			}
		}
		// busy_timeout first so that the following pragmas wait instead of failing.
		pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
			"&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-16000)"
		w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=wal_autocheckpoint(0)&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open sqlite writer: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		// Make the file and WAL mode exist before readers connect.
		if err := w.PingContext(ctx); err != nil {
			_ = w.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
		if err != nil {
			_ = w.Close()
			return nil, fmt.Errorf("open sqlite readers: %w", err)
		}
		n := max(8, 4*runtime.NumCPU())
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
		r.SetConnMaxIdleTime(0)
		ckpt, err := sql.Open("sqlite", "file:"+path+"?"+pragmas)
		if err != nil {
			_ = errors.Join(w.Close(), r.Close())
			return nil, fmt.Errorf("open sqlite checkpointer: %w", err)
		}
		ckpt.SetMaxOpenConns(1)
		ckpt.SetMaxIdleConns(1)
		ckpt.SetConnMaxIdleTime(0)
		d.W, d.R, d.Dialect, d.ckpt, d.path = w, r, SQLite, ckpt, path
		cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		d.stopCheckpoints = cancel
		d.checkpointed.Add(1)
		go d.checkpoints(cctx)
	}
	if err := d.R.PingContext(ctx); err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("connect %s: %w", d.Dialect, err)
	}
	return d, nil
}

// Path is the SQLite database's file ("" for PostgreSQL).
func (d *DB) Path() string { return d.path }

// OpenBeside opens (creating it, readable by its owner only) a SQLite
// database of its own in the file beside a SQLite database's, named by
// adding suffix, with one connection, whose transactions take the write
// lock at once. It returns nil, nil for PostgreSQL or a database in memory.
// The caller closes it.
func (d *DB) OpenBeside(ctx context.Context, suffix string) (*sql.DB, error) {
	if d.Dialect != SQLite || d.path == "" || strings.Contains(d.path, ":memory:") || strings.HasPrefix(d.path, "file:") {
		return nil, nil
	}
	path := d.path + suffix
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600) // #nosec G304 -- beside the configured database
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	_ = f.Close()
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	side, err := sql.Open("sqlite", "file:"+path+"?"+pragmas)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	side.SetMaxOpenConns(1)
	side.SetMaxIdleConns(1)
	side.SetConnMaxIdleTime(0)
	if err := side.PingContext(ctx); err != nil {
		_ = side.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return side, nil
}

// Close closes both pools (and SQLite's checkpointer, last: the last
// connection to close checkpoints the whole log).
func (d *DB) Close() error {
	if d.stopCheckpoints != nil {
		d.stopCheckpoints()
		d.checkpointed.Wait()
	}
	d.rstmts.close()
	d.wstmts.close()
	err := d.W.Close()
	if d.R != d.W {
		err = errors.Join(err, d.R.Close())
	}
	if d.ckpt != nil {
		err = errors.Join(err, d.ckpt.Close())
	}
	return err
}

// ProbeWriter reports whether a write could start within limit: it takes a
// writer connection (on SQLite the only one), begins a transaction (on SQLite
// one that takes the write lock) and rolls it back. A writer held for longer
// than limit, by a long transaction or by a stuck one, makes it fail.
func (d *DB) ProbeWriter(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	conn, err := d.W.Conn(ctx)
	if err != nil {
		return fmt.Errorf("writer not free within %s: %w", limit, err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("writer cannot begin within %s: %w", limit, err)
	}
	return tx.Rollback()
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

// Warm prepares writer statements ahead, so that transactions reuse them (a
// transaction never prepares on the pool itself; see Tx.stmt).
func (d *DB) Warm(ctx context.Context, queries ...string) {
	for _, q := range queries {
		d.wstmts.get(ctx, d.W, d.Rebind(q))
	}
}

// Query runs a read on the reader pool.
func (d *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = d.Rebind(q)
	if st := d.rstmts.get(ctx, d.R, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.R.QueryContext(ctx, q, args...)
}

// QueryRow runs a single-row read on the reader pool.
func (d *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = d.Rebind(q)
	if st := d.rstmts.get(ctx, d.R, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.R.QueryRowContext(ctx, q, args...)
}

// Exec runs one statement on the writer, outside any transaction.
func (d *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = d.Rebind(q)
	if st := d.wstmts.get(ctx, d.W, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.W.ExecContext(ctx, q, args...)
}

// Tx is a write transaction with a fixed "now", so that every row written by one
// action carries the same time.
type Tx struct {
	tx      *sql.Tx
	conn    *sql.Conn
	db      *DB
	Now     time.Time
	Dialect Dialect
	local   map[any]any
	before  []func(context.Context) error
	after   []func()
	undone  []func()
}

// Local returns the transaction's value for key, made by mk on first use: state
// that a module gathers over one transaction (e.g. counters to write once).
func (t *Tx) Local(key any, mk func() any) any {
	if v, ok := t.local[key]; ok {
		return v
	}
	if t.local == nil {
		t.local = map[any]any{}
	}
	v := mk()
	t.local[key] = v
	return v
}

// Attached returns the value attached to the transaction's database under
// key (DB.Attach), nil when there is none.
func (t *Tx) Attached(key any) any { return t.db.Attached(key) }

// BeforeCommit runs fn after the transaction's work and just before it
// commits, in the order registered; an error rolls the transaction back.
func (t *Tx) BeforeCommit(fn func(context.Context) error) { t.before = append(t.before, fn) }

// AfterCommit runs fn once the transaction has committed (never when it
// rolls back): for state kept outside the database that must follow only
// what was written.
func (t *Tx) AfterCommit(fn func()) { t.after = append(t.after, fn) }

// AfterRollback runs fn if the transaction rolls back (or its commit fails).
func (t *Tx) AfterRollback(fn func()) { t.undone = append(t.undone, fn) }

// InTx runs fn in a write transaction and commits when fn returns nil.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	conn, err := d.W.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	stx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: stx, conn: conn, db: d, Now: d.Now(), Dialect: d.Dialect}
	rollback := func() {
		_ = stx.Rollback()
		for _, u := range tx.undone {
			u()
		}
	}
	if err := fn(tx); err != nil {
		rollback()
		return err
	}
	for _, b := range tx.before {
		if err := b(ctx); err != nil {
			rollback()
			return err
		}
	}
	if err := stx.Commit(); err != nil {
		// A commit that fails has written nothing (SQLite and PostgreSQL
		// roll the transaction back).
		for _, u := range tx.undone {
			u()
		}
		return fmt.Errorf("commit: %w", err)
	}
	for _, a := range tx.after {
		a()
	}
	return nil
}

// stmt returns the writer's cached statement for q bound to this transaction,
// if one was prepared before. It never prepares on the pool: on SQLite the
// transaction holds the writer's only connection.
func (t *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if st := t.db.wstmts.lookup(q); st != nil {
		return t.tx.StmtContext(ctx, st)
	}
	return nil
}

// Exec runs a statement in the transaction.
func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = rebind(t.Dialect, q)
	if st := t.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

// Query runs a query in the transaction.
func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = rebind(t.Dialect, q)
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, q, args...)
}

// QueryRow runs a single-row query in the transaction.
func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = rebind(t.Dialect, q)
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

// Prepare returns a prepared statement bound to the transaction (for bulk work);
// it is closed with the transaction.
func (t *Tx) Prepare(ctx context.Context, q string) (*sql.Stmt, error) {
	q = rebind(t.Dialect, q)
	if st := t.stmt(ctx, q); st != nil {
		return st, nil
	}
	return t.tx.PrepareContext(ctx, q)
}

// CopyFrom bulk-loads rows into table with PostgreSQL's COPY, inside the
// transaction. It is for PostgreSQL only.
func (t *Tx) CopyFrom(ctx context.Context, table string, cols []string, rows [][]any) (int64, error) {
	if t.Dialect != Postgres {
		return 0, errors.New("copy: PostgreSQL only")
	}
	var n int64
	err := t.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy: unexpected driver connection %T", dc)
		}
		var err error
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return n, fmt.Errorf("copy into %s: %w", table, err)
	}
	return n, nil
}

// ForUpdate is the row-locking suffix of a SELECT that is about to change the
// row: nothing on SQLite, whose single writer already serialises
// transactions; on PostgreSQL "FOR NO KEY UPDATE", the lock an UPDATE of
// non-key columns takes. Unlike "FOR UPDATE" it does not conflict with the
// key-share lock that inserting a row referencing this one takes: with FOR
// UPDATE, a transaction that had added a row pointing at a person and then
// locked the person waited for an import queued on that person, which waited
// for it (PostgreSQL's "deadlock detected", found by the soak test).
func (t *Tx) ForUpdate() string {
	if t.Dialect == Postgres {
		return " FOR NO KEY UPDATE"
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

// IsForeignKeyViolation reports whether err is a foreign-key violation: a
// row still referenced elsewhere (PostgreSQL 23503, SQLite
// SQLITE_CONSTRAINT_FOREIGNKEY).
func IsForeignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// PrefixRange returns the bounds [lo, hi) of the codes that start with prefix.
// Org-unit codes are digits only, and ':' sorts right after '9' in byte order
// (columns holding codes use the "C" collation on PostgreSQL).
func PrefixRange(prefix string) (lo, hi string) { return prefix, prefix + ":" }
