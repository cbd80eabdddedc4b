package db

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"time"
)

// Several servers may share one PostgreSQL database (README: "Several
// servers on one PostgreSQL"); a SQLite database has one server. What a
// server keeps in memory about the database must then stay right when
// another server writes (Shared), and work that must happen once must be
// done by one server (Exclusive, TakeLease).

// Shared reports whether other servers may write to the database while this
// one runs: true on PostgreSQL. A server may keep what it read in memory
// only if it checks it against the database when it uses it, or, when the
// database is not shared, if every change goes through that server.
func (d *DB) Shared() bool { return d.Dialect == Postgres }

// Exclusive runs fn while no other server sharing the database runs an
// Exclusive of the same name: on PostgreSQL it waits for a session advisory
// lock keyed by the schema and name, held on a connection of its own for as
// long as fn runs (migrations, the demo data); on SQLite it runs fn at once.
func (d *DB) Exclusive(ctx context.Context, name string, fn func(context.Context) error) error {
	if d.Dialect != Postgres {
		return fn(ctx)
	}
	conn, err := d.W.Conn(ctx)
	if err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	defer conn.Close()
	var schema string
	if err := conn.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte("sunshine\x00" + schema + "\x00" + name)) // a hash.Hash never fails to write
	key := int64(h.Sum64())                                         // #nosec G115 -- any 64 bits make a lock key
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	defer func() {
		var released bool
		err := conn.QueryRowContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key).Scan(&released)
		if err != nil || !released {
			// The lock ends with the session: drop the connection rather
			// than give it back to the pool still holding the lock.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return fn(ctx)
}

// TakeLease takes the lease name for holder until ttl from now when it is
// free (never taken, or its time is up) or holder holds it already (which
// renews it), and reports whether holder holds it now. It is one statement:
// of servers asking at once, one gets the lease. A server takes a lease for
// work that one server does for all: the server that gets it does the work,
// and the others leave it until the lease ends.
func (d *DB) TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if holder == "" || ttl <= 0 {
		return false, errors.New("take lease: holder and duration needed")
	}
	now := d.Now()
	res, err := d.Exec(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.expires_at <= ? OR leases.holder = excluded.holder`, name, holder, Millis(now.Add(ttl)), Millis(now))
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", name, err)
	}
	return n == 1, nil
}
