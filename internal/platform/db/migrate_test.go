package db_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// exampleMigration uses every helper and an engine-only block on each engine.
const exampleMigration = `-- +goose Up
-- An example written once (test only): rendered for each engine.
CREATE TABLE example_things (
    id         {{identity}},
    code       {{ctext}} NOT NULL UNIQUE,
    secret     {{blob}},
    share      {{double}} NOT NULL DEFAULT 0,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE example_pairs (
    a BIGINT NOT NULL REFERENCES example_things (id),
    b BIGINT NOT NULL,
    PRIMARY KEY (a, b)
){{without_rowid}};
{{- if .SQLite}}

-- +goose StatementBegin
CREATE TRIGGER example_things_no_delete BEFORE DELETE ON example_things
BEGIN
    SELECT RAISE(ABORT, 'example_things keeps its rows');
END;
-- +goose StatementEnd
{{- end}}
{{- if .Postgres}}

-- +goose StatementBegin
CREATE FUNCTION example_things_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'example_things keeps its rows';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER example_things_no_delete BEFORE DELETE ON example_things
    FOR EACH ROW EXECUTE FUNCTION example_things_keep();
{{- end}}

-- +goose Down
DROP TABLE example_pairs;
DROP TABLE example_things;
{{- if .Postgres}}
DROP FUNCTION example_things_keep();
{{- end}}
`

// withExample returns the embedded migrations plus the example as the next
// template in migrations/common, and its version.
func withExample(t *testing.T) (fs.FS, int64) {
	t.Helper()
	src := fstest.MapFS{}
	var last int64
	err := fs.WalkDir(db.Migrations, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := fs.ReadFile(db.Migrations, p)
		if err != nil {
			return err
		}
		src[p] = &fstest.MapFile{Data: data}
		if strings.HasPrefix(p, "migrations/sqlite/") || strings.HasPrefix(p, "migrations/common/") {
			var v int64
			if _, err := fmt.Sscanf(filepath.Base(p), "%05d_", &v); err == nil {
				last = max(last, v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	next := last + 1
	src[fmt.Sprintf("migrations/common/%05d_example.sql", next)] = &fstest.MapFile{Data: []byte(exampleMigration)}
	return src, next
}

// TestTemplateMigration runs a template migration on both engines, on a
// database at the newest landed version (the upgrade an installation makes)
// and on an empty one (a new installation), and checks what each helper and
// engine-only block made.
func TestTemplateMigration(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, existing *db.DB) {
		ctx := context.Background()
		src, next := withExample(t)
		var fresh *db.DB
		var err error
		if existing.Dialect == db.Postgres {
			fresh, err = db.Open(ctx, testkit.PostgresSchemaDSN(t))
		} else {
			fresh, err = db.Open(ctx, filepath.Join(t.TempDir(), "fresh.db"))
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { fresh.Close() })
		for _, c := range []struct {
			name string
			d    *db.DB
		}{{"upgrade", existing}, {"fresh", fresh}} {
			t.Run(c.name, func(t *testing.T) {
				for range 2 { // the second run is a no-op
					v, err := c.d.MigrateFrom(ctx, src)
					if err != nil || v != next {
						t.Fatalf("migrate: version %d (want %d), %v", v, next, err)
					}
				}
				checkExample(t, c.d)
			})
		}
	})
}

func checkExample(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	// The landed schema is there too.
	var n int
	if err := d.QueryRow(ctx, "SELECT count(*) FROM audit_head").Scan(&n); err != nil || n != 1 {
		t.Fatalf("audit_head: %d %v", n, err)
	}
	// {{identity}}: numbered by the database.
	secret := []byte{0, 1, 2, 0xff, 0}
	var ids []int64
	for _, code := range []string{"b", "a", "B"} {
		var id int64
		err := d.InTx(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, "INSERT INTO example_things (code, secret, created_at) VALUES (?, ?, 0) RETURNING id", code, secret).Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if ids[0] < 1 || ids[1] != ids[0]+1 || ids[2] != ids[1]+1 {
		t.Fatalf("ids %v", ids)
	}
	// {{ctext}}: byte order on both engines ('B' < 'a' < 'b').
	var order []string
	rows, err := d.Query(ctx, "SELECT code FROM example_things WHERE code >= ? ORDER BY code", "B")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		order = append(order, s)
	}
	rows.Close()
	if strings.Join(order, ",") != "B,a,b" {
		t.Errorf("ctext order %v, want B,a,b", order)
	}
	if d.Dialect == db.Postgres { // the test database may sort bytewise by default anyway
		var coll string
		q := "SELECT collation_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'example_things' AND column_name = 'code'"
		if err := d.QueryRow(ctx, q).Scan(&coll); err != nil || coll != "C" {
			t.Errorf("ctext collation %q %v", coll, err)
		}
	}
	// {{blob}}, {{double}} and the BOOLEAN default.
	var got []byte
	var share float64
	var active bool
	if err := d.QueryRow(ctx, "SELECT secret, share, active FROM example_things WHERE id = ?", ids[0]).Scan(&got, &share, &active); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, secret) || share != 0 || !active {
		t.Errorf("secret %x share %v active %v", got, share, active)
	}
	if _, err := d.Exec(ctx, "UPDATE example_things SET share = ? WHERE id = ?", 0.25, ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := d.QueryRow(ctx, "SELECT share FROM example_things WHERE id = ?", ids[0]).Scan(&share); err != nil || share != 0.25 {
		t.Errorf("share %v %v", share, err)
	}
	// {{without_rowid}}: SQLite keeps the rows in the primary key's b-tree.
	if _, err := d.Exec(ctx, "INSERT INTO example_pairs (a, b) VALUES (?, 1)", ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, "INSERT INTO example_pairs (a, b) VALUES (?, 1)", ids[0]); !db.IsUniqueViolation(err) {
		t.Errorf("pair twice: %v", err)
	}
	if d.Dialect == db.SQLite {
		var sql string
		if err := d.QueryRow(ctx, "SELECT sql FROM sqlite_master WHERE name = 'example_pairs'").Scan(&sql); err != nil || !strings.HasSuffix(sql, "WITHOUT ROWID") {
			t.Errorf("example_pairs: %q %v", sql, err)
		}
	}
	// The engine-only block of each engine ran: the trigger refuses a delete.
	_, err = d.Exec(ctx, "DELETE FROM example_things WHERE id = ?", ids[2])
	if err == nil || !strings.Contains(err.Error(), "example_things keeps its rows") {
		t.Errorf("delete: %v", err)
	}
}
