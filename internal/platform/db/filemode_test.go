package db_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"sunshine/internal/platform/db"
)

// TestSQLiteFileMode: the database and its WAL are readable by their owner
// only, also when the file was made before with a wider mode.
func TestSQLiteFileMode(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "data", "fresh.db")
	old := filepath.Join(dir, "old.db")
	if err := os.WriteFile(old, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fresh, old} {
		d, err := db.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(context.Background(), `CREATE TABLE t (x INTEGER)`); err != nil {
			t.Fatal(err)
		}
		paths := []string{path, path + "-wal"}
		if path == fresh {
			paths = append(paths, filepath.Dir(path)) // the folder it made
		}
		for _, p := range paths {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s: mode %v", p, fi.Mode().Perm())
			}
		}
		d.Close()
	}
}
