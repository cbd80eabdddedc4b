package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNotifyRun: `sunshine notify run` runs the rules on the demo data
// (nothing new a second time), and refuses SMS flags without the secret
// file and signature, or an empty secret file.
func TestNotifyRun(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			if engine == "postgres" && os.Getenv("SUNSHINE_TEST_PG") == "" {
				t.Skip("SUNSHINE_TEST_PG not set")
			}
			dsn := dsns(t)[engine](t)
			data := t.TempDir()
			t.Setenv("SUNSHINE_KEY_FILE", filepath.Join(data, "k"))
			if out, err := runCLI(t, "", "demo", "--db", dsn, "--data", data, "--persons", "30"); err != nil {
				t.Fatalf("demo: %q %v", out, err)
			}
			out, err := runCLI(t, "", "notify", "run", "--db", dsn, "--data", data)
			if err != nil || !strings.Contains(out, "notifications: 0 new") {
				t.Errorf("a run after the demo's: %q %v", out, err)
			}
			if out, err := runCLI(t, "", "notify", "run", "--db", dsn, "--data", data, "--sms-key-id", "K"); err == nil || !strings.Contains(err.Error(), "--sms-secret-file") {
				t.Errorf("SMS without a secret: %q %v", out, err)
			}
			empty := filepath.Join(t.TempDir(), "secret")
			if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := runCLI(t, "", "notify", "run", "--db", dsn, "--data", data, "--sms-key-id", "K", "--sms-secret-file", empty, "--sms-sign", "阳光助残"); err == nil || !strings.Contains(err.Error(), "empty") {
				t.Errorf("an empty secret file: %v", err)
			}
			if _, err := runCLI(t, "", "notify"); err == nil {
				t.Error("notify without run accepted")
			}
		})
	}
}
