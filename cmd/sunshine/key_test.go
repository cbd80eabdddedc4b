package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeyRotateCommand: sunshine key rotate on both engines, then the audit
// chain and an export (which opens every ID number) with the new key.
func TestKeyRotateCommand(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dsn := dsns(t)[engine](t)
			data := t.TempDir()
			keyFile := filepath.Join(data, "k")
			t.Setenv("SUNSHINE_KEY_FILE", keyFile)
			if out, err := runCLI(t, "", "demo", "--db", dsn, "--data", data, "--persons", "30"); err != nil {
				t.Fatalf("demo: %q %v", out, err)
			}
			if _, err := runCLI(t, "", "key", "rotate", "--db", dsn, "--data", data); err == nil {
				t.Fatal("key rotate without --new-key-file accepted")
			}
			newKey := filepath.Join(t.TempDir(), "new.key")
			out, err := runCLI(t, "", "key", "rotate", "--new-key-file", newKey, "--db", dsn, "--data", data)
			if err != nil || !strings.Contains(out, "values re-encrypted: attachment_parts 0, attachments 0, employers 5, import_batches 0, imports 0, notify_prefs 0, peer_keys 0, peers 0, persons ") || !strings.Contains(out, "shop_orders 15") || !strings.Contains(out, "retired-") || !strings.Contains(out, "destroy") {
				t.Fatalf("key rotate: %q %v", out, err)
			}
			a, _ := os.ReadFile(keyFile)
			b, _ := os.ReadFile(newKey)
			if len(a) == 0 || string(a) != string(b) {
				t.Fatal("the new key is not in place")
			}
			if out, err := runCLI(t, "", "audit", "verify", "--db", dsn, "--data", data); err != nil {
				t.Fatalf("audit verify after the rotation: %q %v", out, err)
			}
			if out, err := runCLI(t, "", "export", "persons", "--db", dsn, "--data", data, "--out", filepath.Join(data, "p.csv")); err != nil {
				t.Fatalf("export after the rotation: %q %v", out, err)
			}
		})
	}
}
