package admin

import (
	"context"
	"fmt"
	"io"
	"slices"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/module"
)

// DemoAccounts makes the demo accounts the modules asked for (active, with
// the demo password, each audited) on a database without users, and prints
// the logins to out. With users already there it does nothing.
func DemoAccounts(ctx context.Context, d *db.DB, users *identity.Store, accounts []module.Account, out io.Writer) error {
	var n int
	if err := d.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return fmt.Errorf("count users: %w", err)
	}
	if n > 0 {
		return nil
	}
	order := identity.Roles()
	slices.SortStableFunc(accounts, func(x, y module.Account) int { return slices.Index(order, x.Role) - slices.Index(order, y.Role) })
	actor := audit.Actor{Username: access.DemoActor, Role: "system"}
	for _, ac := range accounts {
		u := identity.User{Username: ac.Username, Name: ac.Name, Role: ac.Role, OrgUnit: ac.OrgUnit, PersonID: ac.PersonID, EmployerID: ac.EmployerID, ProviderID: ac.ProviderID, VolunteerID: ac.VolunteerID}
		if _, err := users.CreateDemoAccount(ctx, u, func(tx *db.Tx) error {
			return audit.Append(ctx, tx, actor.Entry(audit.ActionUserAdd, "user", u.Username, u.OrgUnit))
		}); err != nil {
			return fmt.Errorf("demo account %s: %w", u.Username, err)
		}
	}
	fmt.Fprintf(out, "demo logins (password %q for each):\n", identity.DemoPassword)
	for _, u := range accounts {
		fmt.Fprintf(out, "  %-15s %-18s %s\n", u.Username, u.Role, u.OrgUnit)
	}
	return nil
}

// districtAccounts are the demo accounts of the district's federation.
// (Jiading's 区残联, Kunshan's 市残联).
func districtAccounts(p orgunit.Place) []module.Account {
	district := p.Code()
	return []module.Account{
		{Username: "demo", Name: p.Kind() + "残联演示账户", Role: identity.DistrictStaff, OrgUnit: district},
		{Username: "demo_leader", Name: "领导演示账户", Role: identity.Leader, OrgUnit: district},
		{Username: "demo_sysadmin", Name: "系统管理员演示账户", Role: identity.SysAdmin, OrgUnit: district},
		{Username: "demo_secadmin", Name: "安全管理员演示账户", Role: identity.SecAdmin, OrgUnit: district},
		{Username: "demo_auditor", Name: "安全审计员演示账户", Role: identity.Auditor, OrgUnit: district},
	}
}
