package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPeerCommands: Kunshan's installation (--district 320583, on a new
// data folder, before any serve) adds Jiading's peer account and issues it
// a key into a file; Jiading's registers Kunshan with it, lists and
// revokes it; a different district later is refused; bad input exits with
// a reason.
func TestPeerCommands(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			if engine == "postgres" && os.Getenv("SUNSHINE_TEST_PG") == "" {
				t.Skip("SUNSHINE_TEST_PG not set")
			}
			ks, jd := dsns(t)[engine](t), dsns(t)[engine](t)
			ksData, jdData := t.TempDir(), t.TempDir()
			t.Setenv("SUNSHINE_KEY_FILE", filepath.Join(ksData, "k"))
			if out, err := runCLI(t, "secret-password-310114\n", "user", "add", "--db", ks, "--data", ksData, "--district", "320583",
				"--username", "jiading", "--role", "peer", "--orgunit", "310114"); err != nil {
				t.Fatalf("user add: %q %v", out, err)
			}
			tokenFile := filepath.Join(t.TempDir(), "token")
			out, err := runCLI(t, "", "peer", "issue", "--db", ks, "--data", ksData, "--username", "jiading", "--out", tokenFile)
			if err != nil || !strings.Contains(out, "issued to jiading") {
				t.Fatalf("peer issue: %q %v", out, err)
			}
			if fi, err := os.Stat(tokenFile); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("token file: %v %v", fi, err)
			}
			tok, _ := os.ReadFile(tokenFile)
			if !strings.HasPrefix(string(tok), "sunshine-peer1.320583.") {
				t.Fatalf("token %q", tok)
			}
			if out, err := runCLI(t, "", "peer", "keys", "--db", ks, "--data", ksData); err != nil || !strings.Contains(out, "310114\tjiading") {
				t.Fatalf("peer keys: %q %v", out, err)
			}
			// Kunshan's database refuses to become another district.
			if _, err := runCLI(t, "", "peer", "keys", "--db", ks, "--data", ksData, "--district", "310114"); err == nil || !strings.Contains(err.Error(), "320583") {
				t.Fatalf("another district later: %v", err)
			}

			t.Setenv("SUNSHINE_KEY_FILE", filepath.Join(jdData, "k"))
			if out, err := runCLI(t, "", "peer", "add", "--db", jd, "--data", jdData, "--name", "昆山市残联", "--url", "http://127.0.0.1:1", "--token-file", tokenFile); err != nil ||
				!strings.Contains(out, "320583") || !strings.Contains(out, "added") {
				t.Fatalf("peer add: %q %v", out, err)
			}
			if out, err := runCLI(t, "", "peer", "list", "--db", jd, "--data", jdData); err != nil || !strings.Contains(out, "320583\t昆山市残联\thttp://127.0.0.1:1") {
				t.Fatalf("peer list: %q %v", out, err)
			}
			if _, err := runCLI(t, "", "peer", "add", "--db", jd, "--data", jdData, "--name", "昆山", "--url", "ftp://x", "--token-file", tokenFile); err == nil || !strings.Contains(err.Error(), "url") {
				t.Fatalf("bad url: %v", err)
			}
			if _, err := runCLI(t, "", "peer", "add", "--db", jd, "--data", jdData, "--name", "昆山", "--url", "http://x"); err == nil {
				t.Fatal("peer add without a token file accepted")
			}
			if out, err := runCLI(t, "", "peer", "revoke", "--db", jd, "--data", jdData, "--partner", "320583"); err != nil || !strings.Contains(out, "revoked") {
				t.Fatalf("peer revoke: %q %v", out, err)
			}
			if _, err := runCLI(t, "", "peer", "frobnicate", "--db", jd, "--data", jdData); err == nil {
				t.Fatal("unknown peer command accepted")
			}
		})
	}
}
