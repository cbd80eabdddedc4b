package federation

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	"sunshine/internal/platform/apperr"
)

// Data sent from one district to another (a transfer package) is sealed
// with AES-256-GCM under a key derived from the secret the two share: the
// secret of the key the receiving district issued to the sending one. Only
// the two installations hold it.

const sealInfo = "sunshine federation seal v1"

func aeadOf(secret []byte) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, secret, nil, sealInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("derive seal key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	return cipher.NewGCM(block)
}

// Seal encrypts plain for the partner district, bound to aad; keyID names
// the key (the one the partner issued to this installation).
func (s *Store) Seal(ctx context.Context, district string, aad, plain []byte) (keyID string, sealed []byte, err error) {
	p, secret, err := s.peerOf(ctx, district)
	if err != nil {
		return "", nil, err
	}
	aead, err := aeadOf(secret)
	if err != nil {
		return "", nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, fmt.Errorf("seal nonce: %w", err)
	}
	return p.KeyID, aead.Seal(nonce, nonce, plain, aad), nil
}

func errOpen() *apperr.Error {
	return apperr.New(apperr.Invalid, "无法解密：数据已被改动、不是发给本区县的，或其密钥未知或已撤销。",
		"Cannot decrypt: the data was altered, is not for this district, or its key is unknown or revoked.")
}

// Open decrypts what a partner sealed for this installation under keyID
// (a key this installation issued, not revoked), checking aad; it returns
// the partner district the key was issued to.
func (s *Store) Open(ctx context.Context, keyID string, aad, sealed []byte) (district string, plain []byte, err error) {
	if !keyIDPattern.MatchString(keyID) {
		return "", nil, errOpen()
	}
	secret, _, district, err := s.keySecret(ctx, keyID)
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return "", nil, errOpen()
		}
		return "", nil, err
	}
	aead, err := aeadOf(secret)
	if err != nil {
		return "", nil, err
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return "", nil, errOpen()
	}
	plain, err = aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], aad)
	if err != nil {
		return "", nil, errOpen()
	}
	return district, plain, nil
}
