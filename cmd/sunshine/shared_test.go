package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeWrongKey: a server started on a database with another data key
// than the one it was written with (a second server given no key file makes
// a new one) refuses to start, saying which key file to copy; with the right
// key it starts.
func TestServeWrongKey(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dsn := dsns(t)[engine](t)
			data := t.TempDir()
			t.Setenv("SUNSHINE_KEY_FILE", filepath.Join(data, "k"))
			if out, err := runCLI(t, "", "demo", "--db", dsn, "--data", data, "--persons", "5"); err != nil {
				t.Fatalf("demo: %q %v", out, err)
			}
			// The second server's own data folder, without the key file.
			t.Setenv("SUNSHINE_KEY_FILE", "")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out bytes.Buffer
			err := run(ctx, []string{"serve", "--db", dsn, "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, strings.NewReader(""), &out, &out)
			if err == nil || !strings.Contains(err.Error(), "every server of one database needs the same key file") {
				t.Fatalf("serve with a new key: %v (%q)", err, out.String())
			}
			t.Setenv("SUNSHINE_KEY_FILE", filepath.Join(data, "k"))
			sctx, stop := context.WithCancel(context.Background())
			_, _, done := serveUntilListening(t, sctx, "--db", dsn, "--data", data, "--addr", "127.0.0.1:0")
			stopped(t, stop, done)
		})
	}
}
