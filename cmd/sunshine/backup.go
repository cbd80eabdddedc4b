package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"sunshine/internal/app"
)

// backupCmd writes a backup of the database to FILE (`sunshine backup FILE`):
// to FILE.partial first, renamed into place only when complete.
func backupCmd(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	file, rest := fileArg(args)
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	var c common
	c.register(fs)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if file == "" {
		return errors.New("usage: sunshine backup FILE [--db DSN] [--data DIR]")
	}
	a, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer a.Close()
	tmp := file + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600) // #nosec G304 G703 -- FILE is the operator's argument; personal data: owner only
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	st, err := a.Backup(ctx, f, filepath.Base(file))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp) // #nosec G703 -- FILE.partial, from the operator's argument; best effort, err says what failed
		return err
	}
	if err := os.Rename(tmp, file); err != nil { // #nosec G703 -- FILE is the operator's argument
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backup: %d tables, %d rows written to %s\n", st.Tables, st.Rows, file)
	fmt.Fprintf(stdout, "keep the data key (%s) apart from the backup and safe: without it the ID numbers and phones in the backup cannot be read\n", a.KeyPath)
	return nil
}

// restoreCmd reads a backup into a new, empty database (`sunshine restore FILE`).
func restoreCmd(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	file, rest := fileArg(args)
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	var c common
	c.register(fs)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if file == "" {
		return errors.New("usage: sunshine restore FILE [--db DSN] [--data DIR]")
	}
	f, err := os.Open(file) // #nosec G304 G703 -- FILE is the operator's argument
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	a, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer a.Close()
	st, err := a.Restore(ctx, f, filepath.Base(file))
	if errors.Is(err, app.ErrWrongKey) {
		fmt.Fprintf(stdout, "restored %d tables, %d rows from %s, but:\n", st.Tables, st.Rows, file)
		return err
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %d tables, %d rows from %s\n", st.Tables, st.Rows, file)
	return nil
}

// fileArg takes the first argument that is not a flag as the file.
func fileArg(args []string) (string, []string) {
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		return args[0], args[1:]
	}
	return "", args
}
