package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
)

const keyUsage = "usage: sunshine key rotate --new-key-file PATH [--db DSN] [--data DIR] (stop the server first)"

const keyHelp = keyUsage + `

Re-encrypts every encrypted field with a new data key (read from PATH, or
created there with mode 0600) in one transaction, then puts the new key in
place of the data key file (SUNSHINE_KEY_FILE or DATA/sunshine.key). The old
key is kept as KEYFILE.retired-TIMESTAMP: backups made before the rotation
need it; destroy it once they are no longer needed.
Stop the server first: a server still running would keep the old key.
`

// keyCmd rotates the data key (internal/keys).
func keyCmd(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprint(stdout, keyHelp)
		return errors.New(keyUsage)
	}
	fs := flag.NewFlagSet("key rotate", flag.ContinueOnError)
	var c common
	c.register(fs)
	newKey := fs.String("new-key-file", "", "the new data key (hex); created with mode 0600 when the file does not exist")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *newKey == "" {
		fmt.Fprint(stdout, keyHelp)
		return errors.New(keyUsage)
	}
	a, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer a.Close()
	r, err := a.Keys.Rotate(ctx, *newKey)
	if err != nil {
		return err
	}
	var counts []string
	for t, n := range r.Values {
		counts = append(counts, fmt.Sprintf("%s %d", t, n))
	}
	slices.Sort(counts)
	fmt.Fprintf(stdout, "data key rotated (%s); values re-encrypted: %s\n", a.KeyPath, strings.Join(counts, ", "))
	if r.AuditKeyCreated {
		fmt.Fprintf(stdout, "the audit log's keys now come from %s (the old data key): keep it with the data key, mode 0600\n", r.AuditKey)
	}
	fmt.Fprintf(stdout, "the old key is kept in %s: backups made before now need it; destroy it once they are no longer needed\n", r.Retired)
	fmt.Fprintf(stdout, "%s is no longer needed once the key file is backed up: destroy it or keep it as safely as the key file\n", *newKey)
	return nil
}
