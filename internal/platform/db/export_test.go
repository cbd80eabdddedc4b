package db

import (
	"context"
	"io/fs"
)

// Migrations are the embedded migrations, for tests that add to them.
var Migrations fs.FS = migrations

// MigrateFrom runs the migrations in src (laid out as the embedded ones:
// migrations/sqlite, migrations/postgres, migrations/common), so that a test
// can run a template migration without adding it to the binary.
func (d *DB) MigrateFrom(ctx context.Context, src fs.FS) (int64, error) {
	return d.migrate(ctx, src, 0)
}
