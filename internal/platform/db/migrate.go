package db

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"testing/fstest"
	"text/template"

	"github.com/pressly/goose/v3"
)

// The migrations. Up to 00011 each engine has its own copy, in
// migrations/sqlite and migrations/postgres; those files have landed and stay
// exactly as they are. From 00012 on a migration is written once, as a
// text/template in migrations/common, and rendered for each engine (see
// migrations/common/README.md and the helpers in sqlHelpers).
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql migrations/common
var migrations embed.FS

// Migrate brings the schema to the newest version.
func (d *DB) Migrate(ctx context.Context) (int64, error) {
	return d.migrate(ctx, migrations, 0)
}

// MigrateTo runs the embedded migrations up to and including version, for
// tests of an upgrade: a database as an older release left it, filled the old
// way, then migrated with Migrate.
func (d *DB) MigrateTo(ctx context.Context, version int64) (int64, error) {
	return d.migrate(ctx, migrations, version)
}

// migrate runs the migrations found in src (laid out as the embedded
// migrations: sqlite/, postgres/ and common/ under migrations/), all of
// them, or up to version when it is not 0. Servers that share a database
// and start at once migrate one after the other (Exclusive): the first
// runs the migrations, the others find the schema current.
func (d *DB) migrate(ctx context.Context, src fs.FS, version int64) (int64, error) {
	var v int64
	err := d.Exclusive(ctx, "migrate", func(ctx context.Context) error {
		var err error
		v, err = d.migrateNow(ctx, src, version)
		return err
	})
	return v, err
}

func (d *DB) migrateNow(ctx context.Context, src fs.FS, version int64) (int64, error) {
	fsys, err := migrationFS(src, d.Dialect)
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	dialect := goose.DialectSQLite3
	if d.Dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, d.W, fsys)
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	if version == 0 {
		_, err = p.Up(ctx)
	} else {
		_, err = p.UpTo(ctx, version)
	}
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: version: %w", err)
	}
	return v, nil
}

// migrationFS returns the migrations of one engine as one flat folder for
// goose: that engine's own files as they are, plus every common template
// rendered for it. A number used twice, a file name without a number or a
// template that does not render is an error naming the files.
func migrationFS(src fs.FS, engine Dialect) (fs.FS, error) {
	// fstest.MapFS is the standard library's in-memory file system; it does
	// not bring package testing (nor its flags) into the binary.
	out := fstest.MapFS{}
	byVersion := map[int64]string{} // version → path, to report duplicates
	add := func(p string, data []byte) error {
		base := path.Base(p)
		v, err := goose.NumericComponent(base)
		if err != nil {
			return fmt.Errorf("%s: a migration is named NNNNN_name.sql: %w", p, err)
		}
		if prev, ok := byVersion[v]; ok {
			return fmt.Errorf("migration %05d exists twice: %s and %s", v, prev, p)
		}
		byVersion[v] = p
		out[base] = &fstest.MapFile{Data: data, Mode: 0o444}
		return nil
	}
	own, err := fs.Glob(src, "migrations/"+engine.String()+"/*.sql")
	if err != nil {
		return nil, err
	}
	for _, p := range own {
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return nil, err
		}
		if err := add(p, data); err != nil {
			return nil, err
		}
	}
	common, err := fs.Glob(src, "migrations/common/*.sql")
	if err != nil {
		return nil, err
	}
	for _, p := range common {
		data, err := renderMigration(src, p, engine)
		if err != nil {
			return nil, err
		}
		if err := add(p, data); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// renderMigration renders the common template at p for engine.
func renderMigration(src fs.FS, p string, engine Dialect) ([]byte, error) {
	text, err := fs.ReadFile(src, p)
	if err != nil {
		return nil, err
	}
	return renderSQL(p, string(text), engine)
}

// renderSQL renders one migration template for engine.
func renderSQL(name, text string, engine Dialect) ([]byte, error) {
	t, err := template.New(name).Option("missingkey=error").Funcs(sqlHelpers(engine)).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("migration template %s: %w", name, err)
	}
	var buf bytes.Buffer
	data := struct{ SQLite, Postgres bool }{engine == SQLite, engine == Postgres}
	if err := t.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("migration template %s (%s): %w", name, engine, err)
	}
	return buf.Bytes(), nil
}

// sqlHelpers are the functions a migration template may call: each writes the
// engine's spelling of one difference that occurs in the landed migrations.
// What a helper writes is part of every migration that used it: never change
// it (TestHelperOutputs pins it); add a new helper instead.
func sqlHelpers(engine Dialect) template.FuncMap {
	pick := func(sqlite, postgres string) func() string {
		if engine == Postgres {
			return func() string { return postgres }
		}
		return func() string { return sqlite }
	}
	return template.FuncMap{
		// An auto-numbered 64-bit primary key ("id {{identity}},"): SQLite's
		// rowid alias, PostgreSQL's identity column.
		"identity": pick("INTEGER PRIMARY KEY", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
		// Bytes (ciphertext, blind indexes, token hashes).
		"blob": pick("BLOB", "BYTEA"),
		// Text that compares and sorts byte by byte on both engines, as
		// SQLite's default BINARY collation does: org-unit codes and anything
		// matched by prefix ranges or ordered identically on both engines.
		"ctext": pick("TEXT", `TEXT COLLATE "C"`),
		// A 64-bit floating-point number.
		"double": pick("REAL", "DOUBLE PRECISION"),
		// After the closing parenthesis of a CREATE TABLE whose primary key
		// is the table's order ("){{without_rowid}};"): SQLite stores the
		// rows in the primary key's b-tree; PostgreSQL has no such option.
		"without_rowid": pick(" WITHOUT ROWID", ""),
	}
}
