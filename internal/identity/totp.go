package identity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" // #nosec G505 -- RFC 6238 TOTP is HMAC-SHA-1, as every authenticator app computes it
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/vault"
)

// A second factor: a time-based one-time password (TOTP, RFC 6238: HMAC-SHA-1,
// 30-second steps, 6 digits, the step before and after accepted for clock
// drift) and RecoveryCodes one-time recovery codes.
//
// An account enrols on its own (BeginTOTP, then ConfirmTOTP with one right
// code); from then on every sign-in needs a code (LoginOTP, or a page's
// second step, LoginChallenge) and a wrong one counts in the sign-in throttle
// like a wrong password. An account that never enrolled signs in with its
// password alone. The roles that read or export personal data in the clear,
// and the three administrators, should enrol (RequiresTwoFactor): the sign-in
// page sends them to enrol. Only the security administrator resets an
// account's second factor (ResetTOTP).
//
// The secret is sealed with the data key (vault), bound to the account;
// recovery codes are stored as keyed hashes; the step of the last accepted
// code is kept, so that a code is accepted once.
const (
	totpPeriod    = 30
	totpDigits    = 6
	totpSkew      = 1
	RecoveryCodes = 10
	// ChallengeTTL is how long a page sign-in waits for its code.
	ChallengeTTL = 5 * time.Minute
	// Issuer names the system in authenticator apps.
	Issuer = "Sunshine"
)

// RequiresTwoFactor reports whether accounts of role should have a second
// factor: the roles that may reveal and export personal data (the federation
// staff) and the three administrators.
func RequiresTwoFactor(role string) bool {
	switch role {
	case DistrictStaff, TownStaff, VillageAssistant, SysAdmin, SecAdmin, Auditor:
		return true
	}
	return false
}

// UseVault gives the store the vault that seals second-factor secrets and
// the key of the recovery codes' hashes. The app always sets them; without
// them nobody can enrol. The recovery key must outlive a rotation of the data
// key (the codes cannot be hashed again: only their hashes are kept), so the
// app derives it from the audit root key, which a rotation keeps.
func (s *Store) UseVault(v *vault.Vault, recoveryKey []byte) { s.vault, s.recoveryKey = v, recoveryKey }

// SecretField is the vault field of a TOTP secret, bound to its account: the
// field of the module.Sealed declaration, plus ":" and the user's id.
const SecretField = "users.totp_secret" // #nosec G101 -- a field name, not a secret

func secretField(userID int64) string { return SecretField + ":" + strconv.FormatInt(userID, 10) }

// TOTPCode is the code of secret (base32) for step (RFC 4226 HOTP).
func TOTPCode(secret string, step int64) (string, error) {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil {
		return "", fmt.Errorf("totp secret: %w", err)
	}
	m := hmac.New(sha1.New, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step)) // #nosec G115 -- a time step since 1970: never negative
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1000000), nil
}

// newSecret is 160 random bits in base32, without padding.
func newSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // crypto/rand never fails on supported systems
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// OTPAuthURI is the otpauth:// URI of a secret that authenticator apps read.
func OTPAuthURI(username, secret string) string {
	q := url.Values{"secret": {secret}, "issuer": {Issuer}, "algorithm": {"SHA1"}, "digits": {strconv.Itoa(totpDigits)},
		"period": {strconv.Itoa(totpPeriod)}}
	return "otpauth://totp/" + url.PathEscape(Issuer+":"+username) + "?" + q.Encode()
}

// recoveryAlphabet leaves out the characters read as others (0/O, 1/I/L).
const recoveryAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newRecoveryCode is 10 characters of recoveryAlphabet (about 49 bits),
// written XXXXX-XXXXX.
func newRecoveryCode() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	out := make([]byte, 0, 11)
	for i, c := range b {
		if i == 5 {
			out = append(out, '-')
		}
		out = append(out, recoveryAlphabet[int(c)%len(recoveryAlphabet)])
	}
	return string(out)
}

// normalCode is a code as typed without spaces and dashes, upper case.
func normalCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, code)
}

func (s *Store) recoveryHash(userID int64, code string) []byte {
	m := hmac.New(sha256.New, s.recoveryKey)
	m.Write([]byte(strconv.FormatInt(userID, 10) + ":" + normalCode(code)))
	return m.Sum(nil)
}

// TwoFactor is an account's second factor as its owner sees it.
type TwoFactor struct {
	Enrolled     bool
	RecoveryLeft int
}

// TwoFactorOf tells whether the account userID has a second factor.
func (s *Store) TwoFactorOf(ctx context.Context, userID int64) (TwoFactor, error) {
	var t TwoFactor
	err := s.db.QueryRow(ctx, `SELECT confirmed FROM user_totp WHERE user_id = ?`, userID).Scan(&t.Enrolled)
	if errors.Is(err, sql.ErrNoRows) {
		return TwoFactor{}, nil
	}
	if err != nil {
		return TwoFactor{}, fmt.Errorf("second factor: %w", err)
	}
	if t.Enrolled {
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = ? AND used_at = 0`, userID).Scan(&t.RecoveryLeft); err != nil {
			return TwoFactor{}, fmt.Errorf("second factor: %w", err)
		}
	}
	return t, nil
}

func errEnrolled() *apperr.Error {
	return apperr.New(apperr.Conflict, "已启用两步验证。如需更换，请联系安全管理员重置。",
		"Two-step verification is already on. To change it, ask the security administrator to reset it.")
}

// BeginTOTP makes a new secret for the account userID, waiting for its
// first code (ConfirmTOTP), and returns it; it replaces a secret not yet
// confirmed, and refuses (Conflict) when one is.
func (s *Store) BeginTOTP(ctx context.Context, userID int64) (string, error) {
	if s.vault == nil {
		return "", errors.New("second factor: no vault")
	}
	secret := newSecret()
	sealed := s.vault.Seal(secretField(userID), secret)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var confirmed bool
		err := tx.QueryRow(ctx, `SELECT confirmed FROM user_totp WHERE user_id = ?`+tx.ForUpdate(), userID).Scan(&confirmed)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.Exec(ctx, `INSERT INTO user_totp (user_id, secret, confirmed, last_step, created_at) VALUES (?, ?, FALSE, 0, ?)`,
				userID, sealed, db.Millis(tx.Now))
			return err
		case err != nil:
			return err
		case confirmed:
			return errEnrolled()
		}
		_, err = tx.Exec(ctx, `UPDATE user_totp SET secret = ?, last_step = 0, created_at = ? WHERE user_id = ?`, sealed, db.Millis(tx.Now), userID)
		return err
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return "", err
		}
		return "", fmt.Errorf("begin second factor: %w", err)
	}
	return secret, nil
}

// PendingTOTP returns the secret of the account waiting for its first code,
// or "" when there is none.
func (s *Store) PendingTOTP(ctx context.Context, userID int64) (string, error) {
	var sealed []byte
	err := s.db.QueryRow(ctx, `SELECT secret FROM user_totp WHERE user_id = ? AND confirmed = FALSE`, userID).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("second factor: %w", err)
	}
	return s.vault.Open(secretField(userID), sealed)
}

func errBadCode(field string) *apperr.Error {
	e := apperr.New(apperr.Unauthorized, "验证码不正确。", "The verification code is not correct.")
	e.Fields = []apperr.FieldError{apperr.Field(field, "otp_invalid", "验证码不正确或已用过。", "The code is not correct, or was already used.")}
	return e
}

// otpRequired answers a right password of an enrolled account sent without
// a code (401, a field error on otp).
func otpRequired() *apperr.Error {
	e := apperr.New(apperr.Unauthorized, "请输入两步验证码。", "Enter your two-step verification code.")
	e.Fields = []apperr.FieldError{apperr.Field("otp", "otp_required", "需要验证器应用中的6位验证码或一个恢复码。",
		"The 6-digit code of your authenticator app, or a recovery code, is required.")}
	return e
}

// IsOTPRequired tells whether err asks for a second factor.
func IsOTPRequired(err error) bool {
	e, ok := apperr.As(err)
	return ok && len(e.Fields) == 1 && e.Fields[0].Code == "otp_required"
}

// matchStep returns the step of now (±totpSkew) whose code is code and
// that is after last, or 0.
func matchStep(secret, code string, now time.Time, last int64) (int64, error) {
	code = normalCode(code)
	cur := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		step := cur + d
		want, err := TOTPCode(secret, step)
		if err != nil {
			return 0, err
		}
		if step > last && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, nil
		}
	}
	return 0, nil
}

// ConfirmTOTP checks the first code of a new secret; a right one turns the
// second factor on and returns the recovery codes, shown once (only their
// hashes are kept). also runs in the same transaction.
func (s *Store) ConfirmTOTP(ctx context.Context, userID int64, code string, also func(*db.Tx) error) ([]string, error) {
	codes := make([]string, RecoveryCodes)
	for i := range codes {
		codes[i] = newRecoveryCode()
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var sealed []byte
		var confirmed bool
		err := tx.QueryRow(ctx, `SELECT secret, confirmed FROM user_totp WHERE user_id = ?`+tx.ForUpdate(), userID).Scan(&sealed, &confirmed)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Validation(apperr.Field("otp", "no_secret", "请重新打开本页以获取新的密钥。", "Open this page again to get a new secret."))
		}
		if err != nil {
			return err
		}
		if confirmed {
			return errEnrolled()
		}
		secret, err := s.vault.Open(secretField(userID), sealed)
		if err != nil {
			return err
		}
		step, err := matchStep(secret, code, tx.Now, 0)
		if err != nil {
			return err
		}
		if step == 0 {
			return apperr.Validation(apperr.Field("otp", "otp_invalid", "验证码不正确，请输入验证器应用当前显示的6位数字。",
				"The code is not correct: type the 6 digits your authenticator app shows now."))
		}
		if _, err := tx.Exec(ctx, `UPDATE user_totp SET confirmed = TRUE, last_step = ?, confirmed_at = ? WHERE user_id = ?`, step, db.Millis(tx.Now), userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_recovery_codes WHERE user_id = ?`, userID); err != nil {
			return err
		}
		for _, c := range codes {
			if _, err := tx.Exec(ctx, `INSERT INTO user_recovery_codes (user_id, code_hash, used_at) VALUES (?, ?, 0)`, userID, s.recoveryHash(userID, c)); err != nil {
				return err
			}
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("confirm second factor: %w", err)
	}
	s.cache.dropUser(userID)
	return codes, nil
}

// enrolled tells whether the account has a confirmed second factor.
func (s *Store) enrolled(ctx context.Context, userID int64) (bool, error) {
	t, err := s.TwoFactorOf(ctx, userID)
	return t.Enrolled, err
}

// useSecond checks a code of the enrolled account userID in tx: a TOTP code
// of a step after the last accepted one, or an unused recovery code; a
// right one is used up.
func (s *Store) useSecond(ctx context.Context, tx *db.Tx, userID int64, code string) (bool, error) {
	code = normalCode(code)
	if code == "" || len(code) > 32 {
		return false, nil
	}
	var sealed []byte
	var last int64
	err := tx.QueryRow(ctx, `SELECT secret, last_step FROM user_totp WHERE user_id = ? AND confirmed = TRUE`+tx.ForUpdate(), userID).Scan(&sealed, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if len(code) == totpDigits {
		secret, err := s.vault.Open(secretField(userID), sealed)
		if err != nil {
			return false, err
		}
		step, err := matchStep(secret, code, tx.Now, last)
		if err != nil || step == 0 {
			return false, err
		}
		_, err = tx.Exec(ctx, `UPDATE user_totp SET last_step = ? WHERE user_id = ?`, step, userID)
		return err == nil, err
	}
	res, err := tx.Exec(ctx, `UPDATE user_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at = 0`,
		db.Millis(tx.Now), userID, s.recoveryHash(userID, code))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ResetTOTP turns the second factor of username off (it enrols again at its
// next page sign-in) and ends its sessions, for a reason; only the security
// administrator may.
// also runs in the same transaction (the caller's audit entry).
func (s *Store) ResetTOTP(ctx context.Context, by Requester, username, reason string, also func(*db.Tx, User) error) (User, error) {
	if by.Role != SecAdmin {
		return User{}, forbidden("只有安全管理员可以重置两步验证。", "Only the security administrator resets two-step verification.")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 200 {
		return User{}, apperr.Validation(apperr.Field("reason", "required", "请填写原因（最多200个字符）。", "Give a reason (200 characters at most)."))
	}
	u, err := s.Get(ctx, username)
	if err != nil {
		return User{}, err
	}
	u.Reason = reason
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM user_recovery_codes WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_totp WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM login_challenges WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		// The second factor is reset because the phone or the codes are
		// lost, maybe to someone else: the account signs in afresh.
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		if also != nil {
			return also(tx, u)
		}
		return nil
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return User{}, err
		}
		return User{}, fmt.Errorf("reset second factor: %w", err)
	}
	s.cache.dropUser(u.ID)
	u.TwoFactor = false
	return u, nil
}

// NeedsCode is the answer to a page sign-in with the right password of an
// enrolled account: the second step's challenge, a random token that only
// its hash is kept of, valid for ChallengeTTL.
type NeedsCode struct {
	Challenge string
	err       *apperr.Error
}

func (e *NeedsCode) Error() string { return e.err.Error() }
func (e *NeedsCode) Unwrap() error { return e.err }

func (s *Store) newChallenge(ctx context.Context, userID int64) (string, error) {
	token, sum, err := newToken()
	if err != nil {
		return "", err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM login_challenges WHERE expires_at < ?`, db.Millis(tx.Now)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO login_challenges (token_hash, user_id, expires_at) VALUES (?, ?, ?)`, sum, userID, db.Millis(tx.Now.Add(ChallengeTTL)))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("sign-in challenge: %w", err)
	}
	return token, nil
}

func errChallengeEnded() *apperr.Error {
	return apperr.New(apperr.Unauthorized, "登录已超时，请重新输入用户名和密码。", "The sign-in timed out; enter your username and password again.")
}

// ChallengeUser returns the username a live challenge is for.
func (s *Store) ChallengeUser(ctx context.Context, challenge string) (string, error) {
	if challenge == "" || len(challenge) > 100 {
		return "", errChallengeEnded()
	}
	var username string
	err := s.db.QueryRow(ctx, `SELECT u.username FROM login_challenges c JOIN users u ON u.id = c.user_id WHERE c.token_hash = ? AND c.expires_at >= ?`,
		tokenHash(challenge), db.Millis(s.db.Now())).Scan(&username)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errChallengeEnded()
	}
	if err != nil {
		return "", fmt.Errorf("sign-in challenge: %w", err)
	}
	return username, nil
}

// LoginChallenge is a page sign-in's second step: the code for a live
// challenge from client. It is counted in the sign-in throttle under the
// challenge's username exactly as a password is, and a wrong code counts as
// a failure (the challenge stays, until it times out); a right one ends the
// challenge and opens a web session.
func (s *Store) LoginChallenge(ctx context.Context, challenge, code, client string) (string, Session, error) {
	username, err := s.ChallengeUser(ctx, challenge)
	if err != nil {
		return "", Session{}, err
	}
	return s.attempt(ctx, attempt{username: username, otp: code, challenge: challenge, kind: "web", client: client})
}
