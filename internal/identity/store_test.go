package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// lowCost is the cost of the tests' password hashes (production's is 19 MiB,
// 2 passes: TestHashCost checks that it stays so).
var lowCost = identity.HashCost{MemoryKiB: 64, Passes: 1}

func newStore(t testing.TB, d *db.DB) (*identity.Store, *time.Time) {
	t.Helper()
	return newStoreCost(t, d, lowCost)
}

func newStoreCost(t testing.TB, d *db.DB, cost identity.HashCost) (*identity.Store, *time.Time) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	d.Clock = func() time.Time { return now }
	units := orgunit.NewStore(d)
	if err := units.EnsureSeed(ctx); err != nil {
		t.Fatal(err)
	}
	exists := func(ctx context.Context, code string) (bool, error) {
		_, err := units.Get(ctx, code)
		return err == nil, nil
	}
	if cost == (identity.HashCost{}) {
		return identity.NewStore(d, exists), &now
	}
	return identity.NewStoreCost(d, exists, cost), &now
}

// TestHashCost: a store made with NewStore (as production makes it) hashes at
// the production cost, argon2id with 19 MiB and 2 passes, as HashPassword
// does; a low cost is used only when asked for, and a hash is verified at its
// own cost whatever the store's.
func TestHashCost(t *testing.T) {
	const production = "$argon2id$v=19$m=19456,t=2,p=1$"
	if c := identity.ProductionHashCost(); c != (identity.HashCost{MemoryKiB: 19 * 1024, Passes: 2}) {
		t.Fatalf("production cost %+v", c)
	}
	if h, err := identity.HashPassword("a perfectly fine one!"); err != nil || !strings.HasPrefix(h, production) {
		t.Fatalf("HashPassword = %q, %v; want the prefix %s", h, err, production)
	}
	d := testkit.SQLite(t)
	ctx := context.Background()
	hashOf := func(username string) string {
		t.Helper()
		var h string
		if err := d.QueryRow(ctx, `SELECT password_hash FROM users WHERE username = ?`, username).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	prod, _ := newStoreCost(t, d, identity.HashCost{})
	if _, err := prod.Create(ctx, identity.User{Username: "zhao", Role: identity.TownStaff, OrgUnit: "310114102"}, "a perfectly fine one!", nil); err != nil {
		t.Fatal(err)
	}
	if h := hashOf("zhao"); !strings.HasPrefix(h, production) {
		t.Fatalf("NewStore hashed at %q, want the prefix %s", h, production)
	}
	low := identity.NewStoreCost(d, func(context.Context, string) (bool, error) { return true, nil }, lowCost)
	if _, err := low.Create(ctx, identity.User{Username: "qian", Role: identity.TownStaff, OrgUnit: "310114102"}, "a perfectly fine one!", nil); err != nil {
		t.Fatal(err)
	}
	if h := hashOf("qian"); !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("NewStoreCost(64 KiB, 1 pass) hashed at %q", h)
	}
	for _, s := range []*identity.Store{prod, low} {
		for _, u := range []string{"zhao", "qian"} {
			if _, _, err := s.Login(ctx, u, "a perfectly fine one!", "api"); err != nil {
				t.Fatalf("login %s: %v", u, err)
			}
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	for pw, want := range map[string]string{
		"short":                 "too_short",
		"password1234":          "common",
		"aaaaaaaaaaaaaa":        "common",
		"town.staff.01":         "username",
		"a perfectly fine one!": "",
	} {
		e := identity.CheckPassword(pw, "town.staff.01")
		got := ""
		if e != nil {
			got = e.Fields[0].Code
		}
		if got != want {
			t.Errorf("CheckPassword(%q) = %q, want %q", pw, got, want)
		}
	}
	h, err := identity.HashPassword("a perfectly fine one!")
	if err != nil || !strings.HasPrefix(h, "$argon2id$") {
		t.Fatalf("hash = %q, %v", h, err)
	}
	if !identity.VerifyPassword(h, "a perfectly fine one!") || identity.VerifyPassword(h, "a perfectly fine one?") {
		t.Fatal("verify does not tell right from wrong")
	}
}

func TestLoginLockoutAndSessions(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, now := newStore(t, d)
		if _, err := s.Create(ctx, identity.User{Username: "wang", Role: "secret_agent", OrgUnit: "999", Name: "x"}, "short", nil); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("bad user accepted: %v", err)
		} else if e, _ := apperr.As(err); len(e.Fields) != 3 {
			t.Fatalf("want role, orgunit and password errors together, got %v", err)
		}
		if _, err := s.Create(ctx, identity.User{Username: "wang", Role: identity.TownStaff, OrgUnit: "310114102"}, "a perfectly fine one!", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(ctx, identity.User{Username: "wang", Role: identity.TownStaff, OrgUnit: "310114102"}, "a perfectly fine one!", nil); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("duplicate username: %v", err)
		}
		// Four failures, then a success resets the count.
		for range 4 {
			if _, _, err := s.Login(ctx, "wang", "wrong password!!", "api"); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("wrong password: %v", err)
			}
		}
		tok, _, err := s.Login(ctx, "wang", "a perfectly fine one!", "api")
		if err != nil || len(tok) < 22 {
			t.Fatalf("login: %q %v", tok, err)
		}
		// Five failures in a row lock the account for 15 minutes, even for the right password.
		for i := range 5 {
			_, _, err := s.Login(ctx, "wang", "wrong password!!", "api")
			if i == 4 && apperr.CodeOf(err) != apperr.TooMany {
				t.Fatalf("fifth failure: %v", err)
			}
		}
		_, _, err = s.Login(ctx, "wang", "a perfectly fine one!", "api")
		if e, _ := apperr.As(err); e == nil || e.Code != apperr.TooMany || !strings.Contains(e.Msg.En, "15 minutes") || !strings.Contains(e.Msg.Zh, "15 分钟") {
			t.Fatalf("locked login: %v", err)
		}
		*now = now.Add(14 * time.Minute)
		if _, _, err := s.Login(ctx, "wang", "a perfectly fine one!", "api"); apperr.CodeOf(err) != apperr.TooMany {
			t.Fatalf("still locked after 14 minutes: %v", err)
		}
		*now = now.Add(2 * time.Minute)
		if _, _, err := s.Login(ctx, "wang", "a perfectly fine one!", "api"); err != nil {
			t.Fatalf("after 16 minutes: %v", err)
		}
		// Unknown users get the same answer as a wrong password.
		if _, _, err := s.Login(ctx, "nobody", "whatever it is", "api"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("unknown user: %v", err)
		}

		// Idle timeout: used within 30 minutes it lives on; after 30 idle minutes it ends.
		tok, _, _ = s.Login(ctx, "wang", "a perfectly fine one!", "web")
		for range 5 {
			*now = now.Add(25 * time.Minute)
			if _, err := s.Authenticate(ctx, tok); err != nil {
				t.Fatalf("active session ended: %v", err)
			}
		}
		*now = now.Add(31 * time.Minute)
		if _, err := s.Authenticate(ctx, tok); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("idle session still valid: %v", err)
		}
		// Absolute timeout: 12 hours even when used all the time.
		tok, _, _ = s.Login(ctx, "wang", "a perfectly fine one!", "web")
		start := *now
		for now.Sub(start) < 12*time.Hour-20*time.Minute {
			*now = now.Add(20 * time.Minute)
			if _, err := s.Authenticate(ctx, tok); err != nil {
				t.Fatalf("session ended after %v: %v", now.Sub(start), err)
			}
		}
		*now = start.Add(12 * time.Hour)
		if _, err := s.Authenticate(ctx, tok); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("session older than 12 hours still valid: %v", err)
		}
		// Logout ends the session at once.
		tok, _, _ = s.Login(ctx, "wang", "a perfectly fine one!", "api")
		if err := s.Logout(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, tok); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("session valid after logout: %v", err)
		}
		// Tokens are stored only as hashes.
		var n int
		if err := d.QueryRow(ctx, "SELECT count(*) FROM sessions WHERE token_hash = ?", []byte(tok)).Scan(&n); err != nil || n != 0 {
			t.Fatalf("plain token stored: %d %v", n, err)
		}
	})
}

func TestPreferencesSeenAtOnce(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newStore(t, d)
		u, err := s.Create(ctx, identity.User{Username: "li", Role: identity.TownStaff, OrgUnit: "310114102"}, "a perfectly fine one!", nil)
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := s.Login(ctx, "li", "a perfectly fine one!", "web")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, tok); err != nil { // now cached
			t.Fatal(err)
		}
		if err := s.SetPreferences(ctx, u.ID, "en", "contrast"); err != nil {
			t.Fatal(err)
		}
		sess, err := s.Authenticate(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if sess.User.Lang != "en" || sess.User.Display != "contrast" {
			t.Fatalf("the next request still sees lang %q display %q", sess.User.Lang, sess.User.Display)
		}
	})
}
