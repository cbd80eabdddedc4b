package db_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

func TestRebind(t *testing.T) {
	d := &db.DB{Dialect: db.Postgres}
	got := d.Rebind("SELECT '?' , a FROM t WHERE a = ? AND b = ?")
	if want := "SELECT '?' , a FROM t WHERE a = $1 AND b = $2"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestMigrateTxAndUnique(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		v, err := d.Migrate(ctx) // second run is a no-op
		if err != nil || v < 1 {
			t.Fatalf("migrate again: %d %v", v, err)
		}
		ins := "INSERT INTO orgunits (code, name, level, created_at) VALUES (?, ?, 1, 0)"
		if _, err := d.Exec(ctx, ins, "99", "x"); err != nil {
			t.Fatal(err)
		}
		_, err = d.Exec(ctx, ins, "99", "y")
		if !db.IsUniqueViolation(err) {
			t.Fatalf("want unique violation, got %v", err)
		}
		boom := errors.New("boom")
		err = d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, ins, "98", "z"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT count(*) FROM orgunits WHERE code = ?", "98").Scan(&n); err != nil || n != 0 {
			t.Fatalf("rolled-back row visible: %d %v", n, err)
		}
		// Prefix ranges must order ':' after digits on both engines.
		if _, err := d.Exec(ctx, ins, "991", "child"); err != nil {
			t.Fatal(err)
		}
		lo, hi := db.PrefixRange("99")
		if err := d.QueryRow(ctx, "SELECT count(*) FROM orgunits WHERE code >= ? AND code < ?", lo, hi).Scan(&n); err != nil || n != 2 {
			t.Fatalf("prefix range count = %d, %v", n, err)
		}
		var boolv bool
		if err := d.QueryRow(ctx, "SELECT demo FROM orgunits WHERE code = ?", "99").Scan(&boolv); err != nil || boolv {
			t.Fatalf("bool scan: %v %v", boolv, err)
		}
	})
}

// TestPrepareWhileWriterHeld: a statement prepared for the first time on
// the writer, while a transaction holds it, must not stop that transaction
// from looking up its own cached statements (issue 24: the cache's lock was
// held while preparing waited for the writer, and the transaction waited for
// the lock: neither ever went on).
func TestPrepareWhileWriterHeld(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cached := "INSERT INTO orgunits (code, name, level, created_at) VALUES (?, ?, 1, 0)"
		d.Warm(ctx, cached)
		if d.Dialect == db.Postgres {
			d.W.SetMaxOpenConns(1) // one writer connection, as on SQLite
		}
		held, prepared, done := make(chan struct{}), make(chan error, 1), make(chan error, 1)
		go func() {
			done <- d.InTx(ctx, func(tx *db.Tx) error {
				close(held)
				time.Sleep(200 * time.Millisecond) // the other statement waits for the writer meanwhile
				_, err := tx.Exec(ctx, cached, "98", "held")
				return err
			})
		}()
		<-held
		go func() {
			_, err := d.Exec(ctx, "UPDATE orgunits SET name = ? WHERE code = ?", "prepared", "98")
			prepared <- err
		}()
		timeout := time.After(20 * time.Second)
		for range 2 {
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case err := <-prepared:
				if err != nil {
					t.Fatal(err)
				}
			case <-timeout:
				// Cleaning up would wait for the same locks: end the binary here.
				buf := make([]byte, 1<<20)
				n := runtime.Stack(buf, true)
				fmt.Fprintf(os.Stderr, "%s\n--- FAIL: %s: deadlock: the transaction and the new statement wait for each other (every goroutine above)\n", buf[:n], t.Name())
				os.Exit(1)
			}
		}
		var name string
		if err := d.QueryRow(ctx, "SELECT name FROM orgunits WHERE code = ?", "98").Scan(&name); err != nil || name != "prepared" {
			t.Fatalf("after both: %q %v", name, err)
		}
	})
}
