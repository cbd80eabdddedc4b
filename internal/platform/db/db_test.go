package db_test

import (
	"context"
	"errors"
	"testing"

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
