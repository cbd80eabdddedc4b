package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"sunshine/internal/platform/apperr"
)

// Argon2id parameters of production (OWASP's recommended minimum: 19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// The password policy's bounds.
const (
	minPassword = 12  // characters, after NFKC normalisation
	maxPassword = 256 // characters: longer is no safer and only costs hashing
	minDistinct = 5   // different characters
)

// DemoPassword is the password of the demo accounts (CreateDemoAccount). It
// is printed when the demo data is loaded and in the README, so the policy
// refuses it for every other account.
const DemoPassword = "sunshine-demo-310114"

// NormalizePassword is the form of a password that is checked and hashed:
// Unicode NFKC, so that a password typed with full-width characters (as a
// Chinese input method in full-width mode gives them) is the same password
// as its half-width form.
func NormalizePassword(password string) string { return norm.NFKC.String(password) }

// refused are common passwords that pass the length rule but are guessed first
// (compared in lower case, after normalisation).
var refused = map[string]bool{
	"123456789012": true, "1234567890123": true, "12345678901234": true, "password1234": true,
	"password123456": true, "passw0rd1234": true, "qwertyuiop12": true, "qwertyuiop123": true,
	"1q2w3e4r5t6y": true, "1qaz2wsx3edc": true, "qazwsxedcrfv": true, "abc123456789": true,
	"iloveyou1234": true, "admin1234567": true, "administrator": true, "welcome12345": true,
	"000000000000": true, "111111111111": true, "888888888888": true, "666666666666": true,
	"woaini123456": true, "woaini1314520": true, "a123456789012": true, "aa1234567890": true,
	"sunshine1234": true, "sunshine12345": true, "changeme1234": true, "letmein12345": true,
	"1qaz2wsx3edc4rfv": true, "1q2w3e4r5t6y7u8i": true, "q1w2e3r4t5y6": true, "a1b2c3d4e5f6": true,
	"qwertyuiopasdf": true, "asdfghjkl;'": true, "zxcvbnm,./": true, "qweasdzxc123": true,
	"5201314520131": true, "147258369012": true, "123123123123": true, "abcd12345678": true,
	"abcdef123456": true, "p@ssw0rd1234": true, "p@ssword1234": true,
}

// commonWords are the letters of passwords that are a common word padded with
// digits and symbols ("Password2024!", "admin@123456", "qwerty!!!!!!").
var commonWords = map[string]bool{
	"password": true, "passwrd": true, "psswrd": true, "pssword": true, "passwd": true,
	"qwerty": true, "qwertyuiop": true, "qwertz": true, "azerty": true, "asdf": true, "asdfgh": true,
	"asdfghjkl": true, "zxcvbn": true, "zxcvbnm": true, "qazwsx": true, "qazwsxedc": true, "qweasd": true,
	"qweasdzxc": true, "admin": true, "administrator": true, "root": true, "user": true, "guest": true,
	"test": true, "welcome": true, "iloveyou": true, "iloveu": true, "woaini": true, "letmein": true,
	"changeme": true, "secret": true, "login": true, "sunshine": true, "abc": true, "abcd": true,
	"abcde": true, "abcdef": true, "abcdefg": true, "aaa": true, "aa": true, "a": true, "q": true,
	"qq": true, "monkey": true, "dragon": true, "master": true, "shadow": true, "superman": true,
	"football": true, "baseball": true, "hello": true, "love": true, "trustno": true, "default": true,
	"demo": true, "sunshinedemo": true, "mima": true, "zhanghao": true, "yonghu": true, "我爱你": true,
}

// policyError is the field error of one broken rule of the password policy.
func policyError(code, zh, en string) *apperr.Error {
	return apperr.Validation(apperr.Field("password", code, zh, en))
}

// CheckPassword applies the password policy to a new password of username
// and names the first rule it breaks (a field error on "password"):
//
//   - control: control or invisible format characters, or text that is not UTF-8;
//   - too_short / too_long: fewer than 12 or more than 256 characters;
//   - username: the username, or (for usernames of 3 or more characters) containing it;
//   - demo: the demo accounts' published password;
//   - common: a well-known password, one character repeated, or a common word
//     padded with digits and symbols;
//   - repeated: a short pattern repeated ("passwordpassword", "abcabcabcabc");
//   - sequence: a run of consecutive letters or digits ("abcdefghijkl", "987654321098");
//   - variety: fewer than 5 different characters.
//
// The checks see the password as it is hashed: NFKC-normalised (full-width
// letters are their half-width forms), compared without regard to case.
func CheckPassword(password, username string) *apperr.Error {
	if !utf8.ValidString(password) || strings.ContainsFunc(password, invisible) {
		return policyError("control", "密码不能包含控制字符或不可见字符。",
			"The password must not contain control or invisible characters.")
	}
	p := NormalizePassword(password)
	n := utf8.RuneCountInString(p)
	switch {
	case n < minPassword:
		return policyError("too_short", fmt.Sprintf("密码至少需要 %d 个字符。", minPassword),
			fmt.Sprintf("The password needs at least %d characters.", minPassword))
	case n > maxPassword:
		return policyError("too_long", fmt.Sprintf("密码最多 %d 个字符。", maxPassword),
			fmt.Sprintf("The password may have at most %d characters.", maxPassword))
	}
	lower := strings.ToLower(p)
	name := strings.ToLower(NormalizePassword(strings.TrimSpace(username)))
	if name != "" && (lower == name || utf8.RuneCountInString(name) >= 3 && strings.Contains(lower, name)) {
		return policyError("username", "密码不能是用户名，也不能包含用户名。", "The password must not be or contain the username.")
	}
	if lower == DemoPassword {
		return policyError("demo", "这是公开的演示密码，不能用于正式账户。", "This is the published demo password; it cannot be used for a real account.")
	}
	runes := []rune(lower)
	if refused[lower] || distinct(runes) == 1 || commonWords[lettersOf(lower)] {
		return policyError("common", "这个密码太常见，很容易被猜到，请换一个。", "This password is too common and easy to guess; choose another.")
	}
	if period(runes) <= len(runes)/2 {
		return policyError("repeated", "密码不能是一小段字符的重复（如 abcabcabcabc）。",
			"The password must not be a short pattern repeated (like abcabcabcabc).")
	}
	if isSequence(runes) {
		return policyError("sequence", "密码不能是连续的字母或数字（如 abcdefghijkl、123456789012）。",
			"The password must not be a run of consecutive letters or digits (like abcdefghijkl or 123456789012).")
	}
	if distinct(runes) < minDistinct {
		return policyError("variety", fmt.Sprintf("密码至少需要 %d 个不同的字符。", minDistinct),
			fmt.Sprintf("The password needs at least %d different characters.", minDistinct))
	}
	return nil
}

// invisible reports control characters (Cc) and invisible format characters
// (Cf: zero-width spaces, direction marks), which nobody can type reliably.
func invisible(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }

// distinct counts the different runes of rs.
func distinct(rs []rune) int {
	seen := map[rune]bool{}
	for _, r := range rs {
		seen[r] = true
	}
	return len(seen)
}

// lettersOf is s without its digits, punctuation and spaces.
func lettersOf(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, s)
}

// period is the length of the shortest pattern whose repetition gives rs
// (a last repetition may be cut short); len(rs) when there is none.
func period(rs []rune) int {
	for k := 1; k < len(rs); k++ {
		ok := true
		for i := k; i < len(rs) && ok; i++ {
			ok = rs[i] == rs[i-k]
		}
		if ok {
			return k
		}
	}
	return len(rs)
}

// isSequence reports whether every character of rs follows the one before it
// in the alphabet or among the digits, always one step up or always one step
// down (digits wrap: "…7890123").
func isSequence(rs []rune) bool {
	step := func(a, b rune) int {
		switch {
		case b == a+1 || a == '9' && b == '0':
			return 1
		case b == a-1 || a == '0' && b == '9':
			return -1
		}
		return 0
	}
	dir := step(rs[0], rs[1])
	if dir == 0 {
		return false
	}
	for i := 2; i < len(rs); i++ {
		if step(rs[i-1], rs[i]) != dir {
			return false
		}
	}
	return true
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

// HashPassword returns the argon2id hash of the normalised password
// (NormalizePassword) in the PHC string format, at the production cost.
func HashPassword(password string) (string, error) { return hashPassword(password, HashCost{}) }

func hashPassword(password string, cost HashCost) (string, error) {
	return hashAsIs(NormalizePassword(password), cost)
}

// hashAsIs hashes password as it is given.
func hashAsIs(password string, cost HashCost) (string, error) {
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

// phc is a parsed argon2id hash.
type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// parseHash reads an argon2id hash in the PHC string format.
func parseHash(hash string) (phc, bool) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return phc{}, false
	}
	var h phc
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.memory, &h.time, &h.threads); err != nil || h.threads == 0 {
		return phc{}, false
	}
	var err1, err2 error
	h.salt, err1 = base64.RawStdEncoding.DecodeString(parts[4])
	h.key, err2 = base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(h.key) == 0 {
		return phc{}, false
	}
	return h, true
}

// maxHashKeyLen bounds the key length a stored hash may ask for (we write
// argonKeyLen bytes).
const maxHashKeyLen = 1024

func (h phc) matches(password string) bool {
	n := len(h.key)
	if n == 0 || n > maxHashKeyLen {
		return false
	}
	got := argon2.IDKey([]byte(password), h.salt, h.time, h.memory, h.threads, uint32(n))
	return subtle.ConstantTimeCompare(got, h.key) == 1
}

// VerifyPassword checks a password against a stored hash in constant time.
// Hashes are made from the normalised password; hashes made before that
// from a password as typed still verify: when the normalised form differs
// from the typed one and does not match, the typed one is tried too. (For
// the passwords set before normalisation, nearly all ASCII, both forms are
// the same and one hash is computed.)
func VerifyPassword(hash, password string) bool {
	h, ok := parseHash(hash)
	if !ok {
		return false
	}
	n := NormalizePassword(password)
	if h.matches(n) {
		return true
	}
	return n != password && h.matches(password)
}
