package app_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/platform/testkit"
)

// TestProductionHashCost: an app started without a PasswordHash setting, as
// cmd/sunshine starts it, hashes passwords with argon2id at 19 MiB and 2
// passes (the tests' fixtures use apptest.Config's cheap cost instead).
func TestProductionHashCost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testkit.SQLite(t)
	a, err := app.New(ctx, d, app.Config{KeyFile: filepath.Join(t.TempDir(), "key")})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Users.Create(ctx, identity.User{Username: "district", Role: identity.DistrictStaff, OrgUnit: "310114"}, apptest.Password, nil); err != nil {
		t.Fatal(err)
	}
	var h string
	if err := d.QueryRow(ctx, `SELECT password_hash FROM users WHERE username = 'district'`).Scan(&h); err != nil {
		t.Fatal(err)
	}
	if want := "$argon2id$v=19$m=19456,t=2,p=1$"; !strings.HasPrefix(h, want) {
		t.Fatalf("password hash %q, want the prefix %s", h, want)
	}
}
