package app

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"sunshine/internal/audit"
	"sunshine/internal/demo"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/module"
	"sunshine/internal/registry"
)

// DemoPassword is the password of the demo accounts. It is printed when the
// demo data is loaded and only ever set on demo databases.
const DemoPassword = "sunshine-demo-310114"

// IsEmpty reports whether the database holds no persons and no users yet.
func (a *App) IsEmpty(ctx context.Context) (bool, error) {
	var n int
	if err := a.DB.QueryRow(ctx, `SELECT (SELECT count(*) FROM persons) + (SELECT count(*) FROM users)`).Scan(&n); err != nil {
		return false, fmt.Errorf("check for data: %w", err)
	}
	return n == 0, nil
}

// LoadDemo generates n synthetic persons in synthetic villages of Jiading's
// towns, with this year's annual records, and (on a database without users)
// the demo accounts. It writes in batches, each one transaction.
func (a *App) LoadDemo(ctx context.Context, n int, seed int64, out io.Writer) error {
	now := a.DB.Now()
	var towns []orgunit.Unit
	for _, u := range orgunit.Seed() {
		if u.Level == 3 && u.Parent == "310114" {
			towns = append(towns, u)
		}
	}
	ds := demo.Generate(seed, n, towns, now.Year(), now)
	actor := audit.Actor{Username: "sunshine demo", Role: "system"}
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error { return orgunit.InsertTx(ctx, tx, ds.Units...) }); err != nil {
		return err
	}
	const batch = 5000
	firstID := int64(0)
	for start := 0; start < len(ds.Persons); start += batch {
		end := min(start+batch, len(ds.Persons))
		err := a.DB.InTx(ctx, func(tx *db.Tx) error {
			ids := make([]int64, 0, end-start)
			for i := start; i < end; i++ {
				norm, fields := registry.ValidatePerson(ds.Persons[i], now, false)
				if len(fields) > 0 {
					return fmt.Errorf("demo person %d is not valid: %w", i, apperr.Validation(fields...))
				}
				id, err := a.Registry.InsertTx(ctx, tx, norm)
				if err != nil {
					return fmt.Errorf("demo person %d: %w", i, err)
				}
				if firstID == 0 {
					firstID = id
				}
				rec := ds.Annual[i]
				rec.PersonID = id
				if _, err := registry.UpsertAnnualTx(ctx, tx, rec, actor.Username); err != nil {
					return fmt.Errorf("demo annual record %d: %w", i, err)
				}
				if _, err := registry.UpsertAnnualTx(ctx, tx, lastYear(rec, i), actor.Username); err != nil {
					return fmt.Errorf("demo annual record %d of last year: %w", i, err)
				}
				ids = append(ids, id)
			}
			if err := a.Registry.Hook.PersonsChanged(ctx, tx, ids); err != nil {
				return err
			}
			e := actor.Entry(audit.ActionImport, "demo", strconv.Itoa(start/batch+1), "310114")
			e.Detail = fmt.Sprintf(`{"persons":%d}`, end-start)
			return audit.Append(ctx, tx, e)
		})
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "demo data: %d persons in %d demo villages of Jiading, with %d and %d annual records\n", len(ds.Persons), len(ds.Units), now.Year()-1, now.Year())
	demo := &module.Demo{Out: out, Year: now.Year(), Persons: a.Registry.DemoPersons}
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
	if users > 0 || len(ds.Units) == 0 {
		return nil
	}
	town := "310114102" // 南翔镇
	village := ""
	for _, u := range ds.Units {
		if u.Parent == town {
			village = u.Code
			break
		}
	}
	if village == "" {
		village, town = ds.Units[0].Code, ds.Units[0].Parent
	}
	var personID int64
	var personUnit string
	if err := a.DB.QueryRow(ctx, `SELECT id, orgunit FROM persons WHERE orgunit = ? ORDER BY id LIMIT 1`, village).Scan(&personID, &personUnit); err != nil {
		personID, personUnit = firstID, ds.Persons[0].OrgUnit
	}
	accounts := []identity.User{
		{Username: "demo", Name: "区残联演示账户", Role: identity.DistrictStaff, OrgUnit: "310114"},
		{Username: "demo_town", Name: "南翔镇演示账户", Role: identity.TownStaff, OrgUnit: town},
		{Username: "demo_village", Name: "村居助残员演示账户", Role: identity.VillageAssistant, OrgUnit: village},
		{Username: "demo_leader", Name: "领导演示账户", Role: identity.Leader, OrgUnit: "310114"},
		{Username: "demo_person", Name: "残疾人演示账户", Role: identity.Person, OrgUnit: personUnit, PersonID: personID},
		{Username: "demo_provider", Name: "服务机构演示账户", Role: identity.Provider, OrgUnit: "310114"},
		{Username: "demo_volunteer", Name: "志愿者演示账户", Role: identity.Volunteer, OrgUnit: town},
		{Username: "demo_sysadmin", Name: "系统管理员演示账户", Role: identity.SysAdmin, OrgUnit: "310114"},
		{Username: "demo_secadmin", Name: "安全管理员演示账户", Role: identity.SecAdmin, OrgUnit: "310114"},
		{Username: "demo_auditor", Name: "安全审计员演示账户", Role: identity.Auditor, OrgUnit: "310114"},
	}
	for _, ac := range demo.Accounts {
		accounts = append(accounts, identity.User{Username: ac.Username, Name: ac.Name, Role: ac.Role, OrgUnit: ac.OrgUnit, EmployerID: ac.EmployerID})
	}
	for _, u := range accounts {
		if _, err := a.Users.Create(ctx, u, DemoPassword, func(tx *db.Tx) error {
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

// lastYear makes a plausible record of the year before from this year's: a
// few services and benefits had not reached the person yet, so that the demo
// shows trends and year-over-year changes.
func lastYear(rec registry.Annual, i int) registry.Annual {
	prev := rec
	prev.Year--
	prev.Version = 0
	if i%5 == 0 {
		prev.RehabReceived = false
	}
	if i%6 == 0 {
		prev.DeviceReceived = false
	}
	if i%7 == 0 {
		prev.CultureSports = !rec.CultureSports
	}
	if i%9 == 0 {
		prev.PensionInsured = false
	}
	if i%13 == 0 && rec.Employment == "employed" {
		prev.Employment = "unemployed"
	}
	// Some villages did worse this year: medical insurance lapsed for some.
	if strings.HasSuffix(rec.OrgUnit, "3") && i%3 == 0 {
		prev.MedicalInsured = true
	}
	if rec.HouseholdIncomePerCapita != nil {
		v := *rec.HouseholdIncomePerCapita * 95 / 100
		prev.HouseholdIncomePerCapita = &v
	}
	return prev
}
