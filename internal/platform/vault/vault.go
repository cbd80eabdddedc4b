// Package vault encrypts personal fields at rest (AES-256-GCM) and computes
// blind indexes (HMAC-SHA-256) so that exact search and duplicate detection work
// without storing the plain value.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Vault holds the keys derived from the data key.
type Vault struct {
	aead    cipher.AEAD
	bidxKey []byte
}

// KeySize is the length of the data key in bytes.
const KeySize = 32

// LoadOrCreateKey reads the hex data key from path, or creates it with mode 0600
// when the file does not exist. It refuses a key file readable by others.
func LoadOrCreateKey(path string) (key []byte, created bool, err error) {
	key, err = LoadKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	key = NewKey()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("create data key folder: %w", err)
	}
	// Written whole to a file of its own, then linked into place: a server
	// starting at the same moment never reads a half-written key, and of
	// two servers creating one, the second reads the first's.
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".new-*")
	if err != nil {
		return nil, false, fmt.Errorf("create data key %s: %w", path, err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return nil, false, fmt.Errorf("create data key %s: %w", path, err)
	}
	if _, err := tmp.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		_ = tmp.Close()
		return nil, false, fmt.Errorf("write data key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, false, fmt.Errorf("write data key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			key, err = LoadKey(path)
			return key, false, err
		}
		return nil, false, fmt.Errorf("create data key %s: %w", path, err)
	}
	return key, true, nil
}

// NewKey returns a new random data key.
func NewKey() []byte {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		panic("vault: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	return key
}

// LoadKey reads the hex key in path (an error wrapping fs.ErrNotExist when
// there is none). It refuses a key file readable by others.
func LoadKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path) // #nosec G304 -- a key file of the configuration, chosen by the operator
	if err != nil {
		return nil, fmt.Errorf("read data key %s: %w", path, err)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("data key %s is readable by other users (mode %v): run chmod 600", path, st.Mode().Perm())
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("data key %s: want %d hex-encoded bytes", path, KeySize)
	}
	return key, nil
}

// WriteKey writes key to path with mode 0600, atomically: to a temporary
// file in the same folder, synced, then renamed over path.
func WriteKey(path string, key []byte) error {
	if len(key) != KeySize {
		return fmt.Errorf("vault: key must be %d bytes", KeySize)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create key folder: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write key %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // gone after the rename
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close() // the temporary file is removed; the first error says why
		return fmt.Errorf("write key %s: %w", path, err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		_ = f.Close()
		return fmt.Errorf("write key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("write key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write key %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write key %s: %w", path, err)
	}
	return SyncDir(dir)
}

// SyncDir makes the renames in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir) // #nosec G304 -- the folder of a key file of the configuration
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// New derives the encryption and index keys from the data key.
func New(key []byte) (*Vault, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("vault: key must be %d bytes", KeySize)
	}
	block, err := aes.NewCipher(Derive(key, "sunshine field encryption v1"))
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return &Vault{aead: aead, bidxKey: Derive(key, "sunshine blind index v1")}, nil
}

// Derive returns the 32-byte key for one purpose, named by label, derived
// from the data key: HMAC-SHA-256(key, label). Keys of different labels are
// independent, and none of them gives the data key away.
func Derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Seal encrypts plain for the named field (the field is authenticated, so a
// ciphertext copied into another field does not decrypt). Empty stays empty (nil).
func (v *Vault) Seal(field, plain string) []byte {
	if plain == "" {
		return nil
	}
	nonce := make([]byte, v.aead.NonceSize(), v.aead.NonceSize()+len(plain)+v.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("vault: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	return v.aead.Seal(nonce, nonce, []byte(plain), []byte(field))
}

// Open decrypts a value sealed for field.
func (v *Vault) Open(field string, sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	ns := v.aead.NonceSize()
	if len(sealed) < ns+v.aead.Overhead() {
		return "", errors.New("vault: ciphertext too short")
	}
	plain, err := v.aead.Open(nil, sealed[:ns], sealed[ns:], []byte(field))
	if err != nil {
		return "", fmt.Errorf("vault: cannot decrypt %s (wrong data key?): %w", field, err)
	}
	return string(plain), nil
}

// Index returns the blind index of a value for the named field.
func (v *Vault) Index(field, plain string) []byte {
	m := hmac.New(sha256.New, v.bidxKey)
	m.Write([]byte(field))
	m.Write([]byte{0})
	m.Write([]byte(plain))
	return m.Sum(nil)[:16]
}
