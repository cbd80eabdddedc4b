package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestUserAddPasswordPolicy: user add refuses weak passwords, naming the
// reason in English and Chinese, and takes a full-width password as its
// half-width form.
func TestUserAddPasswordPolicy(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "s.db")
	data := t.TempDir()
	t.Setenv("SUNSHINE_KEY_FILE", filepath.Join(data, "k"))
	add := func(username, password string) error {
		_, err := runCLI(t, password+"\n", "user", "add", "--db", dsn, "--data", data, "--username", username, "--role", "town_staff", "--orgunit", "310114102")
		return err
	}
	for pw, reason := range map[string]string{
		"passwordpassword":     "a short pattern repeated",
		"abcdefghijkl":         "consecutive letters or digits",
		"lili, that's me 2026": "the username",
		"sunshine-demo-310114": "demo password",
		"ｐａｓｓｗｏｒｄ１２３４":         "too common",
		"aabbaabbccdd":         "different characters",
	} {
		err := add("lili", pw)
		if err == nil || !strings.Contains(oneLine(err), "password: ") || !strings.Contains(oneLine(err), reason) || !strings.Contains(oneLine(err), "密码") {
			t.Errorf("user add with %q: %v, want a password error naming %q", pw, err, reason)
		}
	}
	if err := add("lili", "ｃｏｒｒｅｃｔ　ｈｏｒｓｅ　ｂａｔｔｅｒｙ"); err != nil {
		t.Fatalf("a good password in full width: %v", err)
	}
}
