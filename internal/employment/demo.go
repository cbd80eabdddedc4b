package employment

import (
	"context"
	"fmt"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/module"
)

// demoEmployers are the demo employers of Jiading: name, town, the first 17
// characters of a made-up credit code, staff and average wage (yuan) of the
// year, and how many demo persons work there by grade (1–4).
var demoEmployers = []struct {
	name, town, code string
	staff            int
	wage             int64
	grades           [4]int
}{
	{"南翔精密制造有限公司（演示）", "310114102", "91310114MA1GD0001", 260, 118000, [4]int{0, 1, 1, 0}},
	{"安亭汽车配件有限公司（演示）", "310114103", "91310114MA1GD0002", 480, 156000, [4]int{1, 1, 3, 2}},
	{"马陆葡萄合作社（演示）", "310114106", "91310114MA1GD0003", 28, 72000, [4]int{0, 0, 0, 0}},
	{"嘉定物流服务有限公司（演示）", "310114118", "91310114MA1GD0004", 150, 98000, [4]int{0, 0, 1, 0}},
	{"菊园信息技术有限公司（演示）", "310114401", "91310114MA1GD0005", 90, 260000, [4]int{1, 0, 0, 0}},
}

// demo registers the demo employers with this year's figures,
// linked demo persons of the right grades, and the district's levy
// parameters (a demo social average wage), and asks for the demo employer
// account of the first one.
func (s *Store) demo(ctx context.Context, d *module.Demo) error {
	year := d.Year
	sys := Caller{Actor: audit.Actor{Username: access.DemoActor, Role: "system"}, Scope: orgunit.ScopeOf("310114"),
		Registry: access.Caller{Actor: audit.Actor{Username: access.DemoActor, Role: "system"}, Scope: orgunit.ScopeOf("310114")}}
	p := DefaultParams()
	p.OrgUnit, p.Year, p.SocialAverageWageCents = "310114", year, 100000_00
	if _, err := s.SetParams(ctx, sys.Scope, sys.Actor, p); err != nil {
		return fmt.Errorf("demo levy parameters: %w", err)
	}
	var first int64
	used := map[int64]bool{}
	for i, de := range demoEmployers {
		e, err := s.Create(ctx, sys, EmployerInput{Name: de.name, USCC: de.code + string(USCCCheckChar(de.code)),
			OrgUnit: de.town, Address: "上海市嘉定区（演示地址）", ContactName: "人事部", ContactPhone: fmt.Sprintf("1390000%04d", i+1),
			Accessibility: DemoAccessibility(i)})
		if err != nil {
			return fmt.Errorf("demo employer %d: %w", i, err)
		}
		if first == 0 {
			first = e.ID
		}
		if _, err := s.PutFigures(ctx, sys, e.ID, Figures{Year: year, Staff: de.staff, AverageWageCents: de.wage * 100}); err != nil {
			return fmt.Errorf("demo employer %d: %w", i, err)
		}
		for g, n := range de.grades {
			found, err := d.Persons(ctx, module.PersonFilter{Unit: de.town, Grade: g + 1, Active: true, Limit: n + len(used)})
			if err != nil {
				return fmt.Errorf("demo employees: %w", err)
			}
			var ids []int64
			for _, id := range found {
				if !used[id] && len(ids) < n {
					ids = append(ids, id)
				}
			}
			for _, id := range ids {
				used[id] = true
				if _, err := s.Link(ctx, sys, e.ID, id, fmt.Sprintf("%d-03-01", year-2)); err != nil {
					return fmt.Errorf("demo employee: %w", err)
				}
			}
		}
	}
	fmt.Fprintf(d.Out, "demo employers: %d in Jiading, with %d figures and linked employees\n", len(demoEmployers), year)
	d.Accounts = append(d.Accounts, module.Account{Username: "demo_employer", Name: "用人单位演示账户", Role: identity.Employer,
		OrgUnit: demoEmployers[0].town, EmployerID: first})
	return nil
}

// DemoEmployerID is the id of the demo employer of this name (0 if none).
func (s *Store) DemoEmployerID(ctx context.Context, name string) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `SELECT id FROM employers WHERE name = ? ORDER BY id LIMIT 1`, name).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("demo employer %s: %w", name, err)
	}
	return id, nil
}
