package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"sunshine/internal/platform/apperr"
)

// Argon2id parameters of production (OWASP's recommended minimum: 19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	minPassword  = 12
)

// refused are common passwords that pass the length rule but are guessed first.
var refused = map[string]bool{
	"123456789012": true, "1234567890123": true, "12345678901234": true, "password1234": true,
	"password123456": true, "passw0rd1234": true, "qwertyuiop12": true, "qwertyuiop123": true,
	"1q2w3e4r5t6y": true, "1qaz2wsx3edc": true, "qazwsxedcrfv": true, "abc123456789": true,
	"iloveyou1234": true, "admin1234567": true, "administrator": true, "welcome12345": true,
	"000000000000": true, "111111111111": true, "888888888888": true, "666666666666": true,
	"woaini123456": true, "woaini1314520": true, "a123456789012": true, "aa1234567890": true,
	"sunshine1234": true, "sunshine12345": true, "changeme1234": true, "letmein12345": true,
}

// CheckPassword applies the password policy: at least 12 characters, not a
// common password, not the username.
func CheckPassword(password, username string) *apperr.Error {
	switch {
	case utf8.RuneCountInString(password) < minPassword:
		return apperr.Validation(apperr.Field("password", "too_short",
			fmt.Sprintf("密码至少需要 %d 个字符。", minPassword), fmt.Sprintf("The password needs at least %d characters.", minPassword)))
	case refused[strings.ToLower(password)] || strings.Count(password, password[:1]) == len(password):
		return apperr.Validation(apperr.Field("password", "common",
			"这个密码太常见，很容易被猜到，请换一个。", "This password is too common and easy to guess; choose another."))
	case strings.EqualFold(password, username):
		return apperr.Validation(apperr.Field("password", "username", "密码不能与用户名相同。", "The password must not be the username."))
	}
	return nil
}

// HashCost is the work of hashing a new password with argon2id: memory in
// KiB and passes, on one lane. The zero HashCost means the production cost
// (ProductionHashCost). Tests give their fixture users a low cost so that
// creating and signing in a dozen users does not take a second; a hash
// records its own cost, so verifying needs no setting.
type HashCost struct {
	MemoryKiB uint32
	Passes    uint32
}

// ProductionHashCost is the cost of every hash made without a HashCost:
// 19 MiB and 2 passes.
func ProductionHashCost() HashCost { return HashCost{MemoryKiB: argonMemory, Passes: argonTime} }

// orDefault is c, or the production cost for the zero HashCost.
func (c HashCost) orDefault() HashCost {
	if c == (HashCost{}) {
		return ProductionHashCost()
	}
	return HashCost{MemoryKiB: max(c.MemoryKiB, 8), Passes: max(c.Passes, 1)}
}

// HashPassword returns the argon2id hash in the PHC string format, at the
// production cost.
func HashPassword(password string) (string, error) { return hashPassword(password, HashCost{}) }

func hashPassword(password string, cost HashCost) (string, error) {
	cost = cost.orDefault()
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, cost.Passes, cost.MemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, cost.MemoryKiB, cost.Passes, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword checks a password against a stored hash in constant time.
func VerifyPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
