package identity_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/platform/vault"
)

// codeAt is the code an authenticator app shows for secret at t, computed by
// an independent implementation (github.com/pquerna/otp).
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolled makes a store with a vault and one town staff account, "ann",
// with a confirmed second factor; it returns the secret and the recovery codes.
func enrolled(t *testing.T, d *db.DB) (*identity.Store, *time.Time, identity.User, string, []string) {
	t.Helper()
	ctx := context.Background()
	s, now := newStore(t, d)
	key := make([]byte, vault.KeySize)
	rand.Read(key)
	v, err := vault.New(key)
	if err != nil {
		t.Fatal(err)
	}
	s.UseVault(v, []byte("recovery codes test key"))
	addUsers(t, s, "ann")
	u, err := s.Get(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	secret, err := s.BeginTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if k, err := otp.NewKeyFromURL(identity.OTPAuthURI("ann", secret)); err != nil || k.Secret() != secret || k.Issuer() != identity.Issuer {
		t.Fatalf("otpauth URI %q does not parse back: %v", identity.OTPAuthURI("ann", secret), err)
	}
	if _, err := s.ConfirmTOTP(ctx, u.ID, "123", nil); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("confirm with a wrong code: %v", err)
	}
	codes, err := s.ConfirmTOTP(ctx, u.ID, codeAt(t, secret, *now), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != identity.RecoveryCodes {
		t.Fatalf("%d recovery codes", len(codes))
	}
	*now = now.Add(30 * time.Second) // the confirming code's step is used
	return s, now, u, secret, codes
}

func login2(s *identity.Store, username, password, code string) error {
	_, _, err := s.LoginOTP(context.Background(), username, password, code, "api", "192.0.2.1")
	return err
}

// TestTOTPLogin: an enrolled account does not sign in with its password
// alone (otp_required), nor with a wrong code; it does with the right code
// of an authenticator app, and that code is not accepted twice; an account
// without a second factor still signs in with its password.
func TestTOTPLogin(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		s, now, _, secret, _ := enrolled(t, d)
		addUsers(t, s, "bob")
		if err := login2(s, "bob", rightPassword, ""); err != nil {
			t.Fatalf("an account without a second factor: %v", err)
		}
		err := login2(s, "ann", rightPassword, "")
		if !identity.IsOTPRequired(err) || apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("password alone: %v, want 401 otp_required", err)
		}
		if err := login2(s, "ann", "wrong password!", codeAt(t, secret, *now)); apperr.CodeOf(err) != apperr.Unauthorized || identity.IsOTPRequired(err) {
			t.Fatalf("wrong password with a right code: %v", err)
		}
		wrong := "000000"
		if codeAt(t, secret, *now) == wrong {
			wrong = "111111"
		}
		if err := login2(s, "ann", rightPassword, wrong); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("wrong code: %v", err)
		}
		code := codeAt(t, secret, *now)
		if err := login2(s, "ann", rightPassword, code); err != nil {
			t.Fatalf("right code: %v", err)
		}
		if err := login2(s, "ann", rightPassword, code); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("the same code again: %v, want 401", err)
		}
		*now = now.Add(10 * time.Second) // still within the code's window
		if err := login2(s, "ann", rightPassword, code); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("the same code again later in its window: %v, want 401", err)
		}
		*now = now.Add(30 * time.Second)
		if err := login2(s, "ann", rightPassword, codeAt(t, secret, *now)); err != nil {
			t.Fatalf("the next step's code: %v", err)
		}
	})
}

// TestTOTPRecoveryCode: a recovery code signs in once, typed in any case
// and spacing; then it is used up.
func TestTOTPRecoveryCode(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		s, _, u, _, codes := enrolled(t, d)
		typed := strings.ToLower(strings.ReplaceAll(codes[3], "-", " "))
		if err := login2(s, "ann", rightPassword, typed); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		if err := login2(s, "ann", rightPassword, codes[3]); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("the recovery code again: %v, want 401", err)
		}
		tf, err := s.TwoFactorOf(context.Background(), u.ID)
		if err != nil || !tf.Enrolled || tf.RecoveryLeft != identity.RecoveryCodes-1 {
			t.Fatalf("after one recovery code: %+v %v", tf, err)
		}
	})
}

// TestTOTPThrottle: wrong codes after the right password count in the
// sign-in throttle like wrong passwords: after MaxFailures of them even the
// right code is refused (429).
func TestTOTPThrottle(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		s, now, _, secret, _ := enrolled(t, d)
		right := codeAt(t, secret, *now)
		wrong := "000000"
		if right == wrong {
			wrong = "111111"
		}
		for i := range identity.MaxFailures {
			err := login2(s, "ann", rightPassword, wrong)
			want := apperr.Unauthorized
			if i == identity.MaxFailures-1 {
				want = apperr.TooMany
			}
			if apperr.CodeOf(err) != want {
				t.Fatalf("wrong code %d: %v, want %s", i+1, err, want)
			}
		}
		if err := login2(s, "ann", rightPassword, right); apperr.CodeOf(err) != apperr.TooMany {
			t.Fatalf("right code after %d wrong ones: %v, want 429", identity.MaxFailures, err)
		}
	})
}

// TestTOTPSecretAtRest: the secret and the recovery codes are not in the
// database in clear: the row holds a ciphertext that is not the secret in
// any encoding, and the recovery codes only as hashes.
func TestTOTPSecretAtRest(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		s, _, u, secret, codes := enrolled(t, d)
		_ = s
		ctx := context.Background()
		var raw []byte
		if err := d.QueryRow(ctx, `SELECT secret FROM user_totp WHERE user_id = ?`, u.ID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if len(raw) < 28 || bytes.Contains(raw, []byte(secret)) || bytes.Contains(bytes.ToLower(raw), []byte(strings.ToLower(secret))) {
			t.Fatalf("the secret is stored in clear: %q", raw)
		}
		rows, err := d.Query(ctx, `SELECT code_hash FROM user_recovery_codes WHERE user_id = ?`, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var h []byte
			if err := rows.Scan(&h); err != nil {
				t.Fatal(err)
			}
			for _, c := range codes {
				if bytes.Contains(h, []byte(c)) || bytes.Contains(h, []byte(strings.ReplaceAll(c, "-", ""))) {
					t.Fatalf("a recovery code is stored in clear")
				}
			}
			n++
		}
		if n != identity.RecoveryCodes {
			t.Fatalf("%d recovery code rows", n)
		}
	})
}

// TestTOTPReset: only the security administrator resets a second factor,
// with a reason; it ends the account's sessions (its phone may be in other
// hands); then the account signs in with its password alone.
func TestTOTPReset(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		s, now, _, secret, _ := enrolled(t, d)
		ctx := context.Background()
		*now = now.Add(time.Minute)
		token, _, err := s.LoginOTP(ctx, "ann", rightPassword, codeAt(t, secret, *now), "api", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, token); err != nil {
			t.Fatalf("the session before the reset: %v", err)
		}
		if _, err := s.ResetTOTP(ctx, identity.Requester{Username: "sys", Role: identity.SysAdmin}, "ann", "lost phone", nil); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("reset by the system administrator: %v", err)
		}
		if _, err := s.ResetTOTP(ctx, identity.Requester{Username: "sec", Role: identity.SecAdmin}, "ann", " ", nil); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("reset without a reason: %v", err)
		}
		var got string
		u, err := s.ResetTOTP(ctx, identity.Requester{Username: "sec", Role: identity.SecAdmin}, "ann", "lost phone", func(_ *db.Tx, u identity.User) error {
			got = u.Reason
			return nil
		})
		if err != nil || got != "lost phone" || u.TwoFactor {
			t.Fatalf("reset: %+v %q %v", u, got, err)
		}
		if _, err := s.Authenticate(ctx, token); err == nil {
			t.Fatal("a session signed in before the reset of the second factor still works")
		}
		if err := login2(s, "ann", rightPassword, ""); err != nil {
			t.Fatalf("after the reset: %v", err)
		}
	})
}
