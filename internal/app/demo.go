package app

import (
	"context"
	"fmt"
	"io"

	"sunshine/internal/admin"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/module"
)

// DemoPassword is the password of the demo accounts. It is printed when the
// demo data is loaded and only ever set on demo databases (the password
// policy refuses it for any other account).
const DemoPassword = identity.DemoPassword

// IsEmpty reports whether the database holds no persons and no users yet.
func (a *App) IsEmpty(ctx context.Context) (bool, error) {
	var n int
	if err := a.DB.QueryRow(ctx, `SELECT (SELECT count(*) FROM persons) + (SELECT count(*) FROM users)`).Scan(&n); err != nil {
		return false, fmt.Errorf("check for data: %w", err)
	}
	return n == 0, nil
}

// LoadDemo loads every module's demo data, the registry's first (n
// synthetic persons of the home district's towns from seed), and on a
// database without users the demo accounts the modules ask for.
func (a *App) LoadDemo(ctx context.Context, n int, seed int64, out io.Writer) error {
	place, err := orgunit.NewStore(a.DB).DemoPlace(ctx, a.District)
	if err != nil {
		return err
	}
	demo := &module.Demo{Out: out, Year: a.DB.Now().Year(), District: a.District, Place: place, N: n, Seed: seed, Persons: a.Registry.DemoPersons}
	for _, m := range a.modules {
		if m.Demo == nil {
			continue
		}
		if err := m.Demo(ctx, demo); err != nil {
			return fmt.Errorf("demo data of %s: %w", m.Name, err)
		}
	}
	if n == 0 {
		return nil
	}
	if err := admin.DemoAccounts(ctx, a.DB, a.Users, demo.Accounts, out); err != nil {
		return err
	}
	// The demo accounts' notifications, now that the accounts exist.
	return a.Notify.Demo(ctx, out)
}
