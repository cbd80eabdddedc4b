// Package apptest sets up the whole app on a test database for the domain
// modules' store tests (casework, renovation, rehabilitation, employment,
// indicators) and the app's own tests: a fixed clock, cheap password hashes,
// a demo village in 南翔镇, persons with valid ID numbers, callers of each
// role, case data from JSON. Env is the app serving HTTP with a fixture and
// one signed-in user per role; Matrix is each module's permission-matrix
// test on it. Only tests import it.
package apptest

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"sunshine/internal/app"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/registry"
)

// Village is the demo village the tests' persons live in: 永新村 of 南翔镇.
const Village = "310114102201"

// HashCost is the cost of the tests' password hashes: 64 KiB and one pass,
// against production's 19 MiB and two (identity's TestHashCost checks that
// production keeps them).
func HashCost() identity.HashCost { return identity.HashCost{MemoryKiB: 64, Passes: 1} }

// Config is the app's configuration in tests: a new data key in the test's
// temporary folder and cheap password hashes.
func Config(t testing.TB) app.Config {
	return app.Config{KeyFile: filepath.Join(t.TempDir(), "key"), PasswordHash: HashCost()}
}

// New opens the app on d with the clock fixed at now, and adds Village and
// the further units. The app is closed when the test ends.
func New(t testing.TB, d *db.DB, now time.Time, units ...orgunit.Unit) *app.App {
	t.Helper()
	ctx := context.Background()
	d.Clock = func() time.Time { return now }
	a, err := app.New(ctx, d, Config(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	units = append([]orgunit.Unit{{Code: Village, Name: "永新村", Level: 4, Parent: "310114102", Demo: true}}, units...)
	if err := d.InTx(ctx, func(tx *db.Tx) error { return orgunit.InsertTx(ctx, tx, units...) }); err != nil {
		t.Fatal(err)
	}
	return a
}

// Person registers a person in unit with the n-th test ID number (born
// 1980-01-01 in Jiading, sequence n) and returns their id.
func Person(t testing.TB, a *app.App, n int, name, unit string, category, grade int) int64 {
	t.Helper()
	p, err := a.Registry.Create(context.Background(), registry.Caller{Scope: orgunit.ScopeOf("3")}, registry.PersonInput{Name: name,
		IDNumber: IDNumber(fmt.Sprintf("310114198001011%02d", n)), Category: category, Grade: grade, OrgUnit: unit})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// Caller is a caller of role whose scope is unit.
func Caller(role, unit string) registry.Caller {
	return registry.Caller{Actor: audit.Actor{Username: role + "_user", Role: role}, Scope: orgunit.ScopeOf(unit)}
}

// Data is case data from JSON, as the API reads it; it panics on bad JSON.
func Data(s string) map[string]any {
	m, err := casework.ParseData(json.RawMessage(s))
	if err != nil {
		panic(err)
	}
	return m
}
