package identity_test

import (
	"context"
	"testing"

	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestOtherServerSeesAtOnce: two servers (two stores) share a PostgreSQL
// database. A sign-out, a change of preferences and the disabling of an
// account on one server take effect on the other's very next request, though
// it had just authenticated the session (on SQLite, which has one server,
// the store keeps sessions for a few seconds).
func TestOtherServerSeesAtOnce(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		if !d.Shared() {
			t.Skip("one server per SQLite database")
		}
		ctx := context.Background()
		a, _ := newStore(t, d)
		b, _ := newStore(t, d)
		u, err := a.Create(ctx, identity.User{Username: "li", Role: identity.TownStaff, OrgUnit: "310114102"}, "a perfectly fine one!", nil)
		if err != nil {
			t.Fatal(err)
		}
		login := func() string {
			t.Helper()
			tok, _, err := a.Login(ctx, "li", "a perfectly fine one!", "web")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.Authenticate(ctx, tok); err != nil {
				t.Fatal(err)
			}
			return tok
		}
		ended := func(what, tok string) {
			t.Helper()
			if _, err := b.Authenticate(ctx, tok); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("after %s on the other server: %v", what, err)
			}
		}
		tok := login()
		if err := a.Logout(ctx, tok); err != nil {
			t.Fatal(err)
		}
		ended("signing out", tok)

		tok = login()
		if err := a.SetPreferences(ctx, u.ID, "en", "contrast"); err != nil {
			t.Fatal(err)
		}
		if s, err := b.Authenticate(ctx, tok); err != nil || s.User.Lang != "en" || s.User.Display != "contrast" {
			t.Fatalf("after a change of preferences on the other server: %+v %v", s.User, err)
		}
		if _, err := a.Disable(ctx, identity.Requester{Username: "sys", Role: identity.SysAdmin}, "li", "离职", nil); err != nil {
			t.Fatal(err)
		}
		ended("disabling the account", tok)
	})
}

// BenchmarkAuthenticate is what a request pays to know its session: from
// memory on SQLite (one server), one query by primary key on PostgreSQL,
// which other servers may change (see cacheTTL).
func BenchmarkAuthenticate(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			d := testkit.SQLite(b)
			if engine == "postgres" {
				d = testkit.Postgres(b)
			}
			ctx := context.Background()
			s, _ := newStore(b, d)
			if _, err := s.Create(ctx, identity.User{Username: "li", Role: identity.TownStaff, OrgUnit: "310114102"}, "a perfectly fine one!", nil); err != nil {
				b.Fatal(err)
			}
			tok, _, err := s.Login(ctx, "li", "a perfectly fine one!", "web")
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.Authenticate(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
