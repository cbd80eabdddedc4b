package vault

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestKeyFileAndRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "sunshine.key")
	key, created, err := LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}
	again, created, err := LoadOrCreateKey(path)
	if err != nil || created || !bytes.Equal(key, again) {
		t.Fatalf("reload: created=%v err=%v same=%v", created, err, bytes.Equal(key, again))
	}
	v, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := v.Seal("id_number", "11010519491231002X")
	if bytes.Contains(sealed, []byte("11010519491231002X")) {
		t.Fatal("ciphertext contains the plain text")
	}
	if again := v.Seal("id_number", "11010519491231002X"); bytes.Equal(again, sealed) {
		t.Fatal("two seals of one value are equal: nonce not random")
	}
	got, err := v.Open("id_number", sealed)
	if err != nil || got != "11010519491231002X" {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := v.Open("phone", sealed); err == nil {
		t.Fatal("a ciphertext opened under another field name")
	}
	if !bytes.Equal(v.Index("id_number", "x"), v.Index("id_number", "x")) || bytes.Equal(v.Index("id_number", "x"), v.Index("phone", "x")) {
		t.Fatal("blind index is not deterministic per field")
	}
	other, _ := New(bytes.Repeat([]byte{1}, KeySize))
	if _, err := other.Open("id_number", sealed); err == nil {
		t.Fatal("opened with the wrong key")
	}
	if v.Seal("phone", "") != nil {
		t.Fatal("empty value should stay empty")
	}
}

func TestRefusesOpenKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k")
	if err := os.WriteFile(path, bytes.Repeat([]byte("ab"), KeySize), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKey(path); err == nil {
		t.Fatal("a world-readable key file was accepted")
	}
}
