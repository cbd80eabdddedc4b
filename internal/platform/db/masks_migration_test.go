package db_test

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"

	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// upTo is the embedded migrations up to version last.
func upTo(t *testing.T, last int64) fs.FS {
	t.Helper()
	src := fstest.MapFS{}
	err := fs.WalkDir(db.Migrations, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		var v int64
		if _, err := fmt.Sscanf(filepath.Base(p), "%05d_", &v); err == nil && v > last {
			return nil
		}
		data, err := fs.ReadFile(db.Migrations, p)
		src[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// TestMasksMigration: a database of the landed schema keeps its persons, and
// its masked numbers and birth dates become what cannot be combined back into
// the ID number (a birth year; the address code only; the certificate's
// category, grade and reissue suffix).
func TestMasksMigration(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, e *db.DB) {
		ctx := context.Background()
		var d *db.DB
		var err error
		if e.Dialect == db.Postgres {
			d, err = db.Open(ctx, testkit.PostgresSchemaDSN(t))
		} else {
			d, err = db.Open(ctx, filepath.Join(t.TempDir(), "old.db"))
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if _, err := d.MigrateFrom(ctx, upTo(t, 11)); err != nil {
			t.Fatal(err)
		}
		for _, u := range [][]any{{"310114", 2, nil}, {"310114102", 3, "310114"}, {"310114102201", 4, "310114102"}} {
			if _, err := d.Exec(ctx, `INSERT INTO orgunits (code, name, level, parent, created_at) VALUES (?, '单位', ?, ?, 0)`, u...); err != nil {
				t.Fatal(err)
			}
		}
		rows := [][]any{
			{1, "一", "310114********123X", "310114**********3X42", "1985-06-15"},
			{2, "二", "110105********002X", "110105************41B1", "1949-12-31"},
			{3, "三", "310114********0014", "", "1960-12-31"},
		}
		for _, r := range rows {
			if _, err := d.Exec(ctx, `INSERT INTO persons (id, name, id_enc, id_bidx, id_masked, sex, birth_date, cert_masked, category, grade, orgunit, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, 'M', ?, ?, 4, 2, '310114102201', 0, 0)`, r[0], r[1], []byte{1}, []byte{byte(r[0].(int))}, r[2], r[4], r[3]); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		want := [][]any{
			{"310114************", "310114************42", 1985},
			{"110105************", "110105************41B1", 1949},
			{"310114************", "", 1960},
		}
		for i, w := range want {
			var idm, cm string
			var by int
			if err := d.QueryRow(ctx, `SELECT id_masked, cert_masked, birth_year FROM persons WHERE id = ?`, i+1).Scan(&idm, &cm, &by); err != nil {
				t.Fatal(err)
			}
			if idm != w[0] || cm != w[1] || by != w[2] {
				t.Errorf("person %d: %q %q %d, want %v", i+1, idm, cm, by, w)
			}
		}
		if _, err := d.Exec(ctx, `SELECT birth_date FROM persons`); err == nil {
			t.Error("persons still has birth_date")
		}
	})
}
