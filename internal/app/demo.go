package app

import (
	"context"
	"fmt"
	"io"
	"slices"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
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
// synthetic persons of Jiading from seed), and on a database without users
// the demo accounts the modules ask for.
func (a *App) LoadDemo(ctx context.Context, n int, seed int64, out io.Writer) error {
	demo := &module.Demo{Out: out, Year: a.DB.Now().Year(), N: n, Seed: seed, Persons: a.Registry.DemoPersons}
	for _, m := range a.modules {
		if m.Demo == nil {
			continue
		}
		if err := m.Demo(ctx, demo); err != nil {
			return fmt.Errorf("demo data of %s: %w", m.Name, err)
		}
	}
	var users int
	if err := a.DB.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil {
		return fmt.Errorf("count users: %w", err)
	}
	if users > 0 || n == 0 {
		return nil
	}
	accounts := demo.Accounts
	order := identity.Roles()
	slices.SortStableFunc(accounts, func(x, y module.Account) int { return slices.Index(order, x.Role) - slices.Index(order, y.Role) })
	actor := audit.Actor{Username: access.DemoActor, Role: "system"}
	for _, ac := range accounts {
		u := identity.User{Username: ac.Username, Name: ac.Name, Role: ac.Role, OrgUnit: ac.OrgUnit, PersonID: ac.PersonID, EmployerID: ac.EmployerID}
		if _, err := a.Users.CreateDemoAccount(ctx, u, func(tx *db.Tx) error {
			return audit.Append(ctx, tx, actor.Entry(audit.ActionUserAdd, "user", u.Username, u.OrgUnit))
		}); err != nil {
			return fmt.Errorf("demo account %s: %w", u.Username, err)
		}
	}
	fmt.Fprintf(out, "demo logins (password %q for each):\n", DemoPassword)
	for _, u := range accounts {
		fmt.Fprintf(out, "  %-15s %-18s %s\n", u.Username, u.Role, u.OrgUnit)
	}
	return nil
}
