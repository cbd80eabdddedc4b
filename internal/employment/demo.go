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

type demoEmployer struct {
	name, town, code string
	staff            int
	wage             int64
	grades           [4]int
}

// demoEmployers are the demo employers of the district, each in one of its
// demo towns (Jiading's: 南翔精密制造 in 南翔镇 …): name, town, the first 17
// characters of a made-up credit code (91, the district's code, then the
// organisation's), staff and average wage (yuan) of the year, and how many
// demo persons work there by grade (1–4).
func demoEmployers(p orgunit.Place) []demoEmployer {
	code := func(n int) string { return fmt.Sprintf("91%sMA1GD%04d", p.Code(), n) }
	return []demoEmployer{
		{DemoEmployerName(p, 0), p.Town(0).Code, code(1), 260, 118000, [4]int{0, 1, 1, 0}},
		{DemoEmployerName(p, 1), p.Town(1).Code, code(2), 480, 156000, [4]int{1, 1, 3, 2}},
		{DemoEmployerName(p, 2), p.Town(2).Code, code(3), 28, 72000, [4]int{0, 0, 0, 0}},
		{DemoEmployerName(p, 3), p.Town(3).Code, code(4), 150, 98000, [4]int{0, 0, 1, 0}},
		{DemoEmployerName(p, 4), p.Town(4).Code, code(5), 90, 260000, [4]int{1, 0, 0, 0}},
	}
}

// DemoEmployerName is the name of the i-th demo employer of the district
// (0–4), after its town or the district: Jiading's are 南翔精密制造有限公司,
// 安亭汽车配件有限公司, 马陆葡萄合作社, 嘉定物流服务有限公司 and
// 菊园信息技术有限公司, each marked （演示）.
func DemoEmployerName(p orgunit.Place, i int) string {
	town := func(k int) string { return orgunit.ShortName(p.Town(k).Name) }
	switch i {
	case 0:
		return town(0) + "精密制造有限公司（演示）"
	case 1:
		return town(1) + "汽车配件有限公司（演示）"
	case 2:
		return town(2) + "葡萄合作社（演示）"
	case 3:
		return p.Short() + "物流服务有限公司（演示）"
	}
	return town(4) + "信息技术有限公司（演示）"
}

// demo registers the demo employers with this year's figures,
// linked demo persons of the right grades, and the district's levy
// parameters (a demo social average wage), and asks for the demo employer
// account of the first one.
func (s *Store) demo(ctx context.Context, d *module.Demo) error {
	year, home := d.Year, d.Place.Code()
	sys := Caller{Actor: audit.Actor{Username: access.DemoActor, Role: "system"}, Scope: orgunit.ScopeOf(home),
		Registry: access.Caller{Actor: audit.Actor{Username: access.DemoActor, Role: "system"}, Scope: orgunit.ScopeOf(home)}}
	employers := demoEmployers(d.Place)
	p := DefaultParams()
	p.OrgUnit, p.Year, p.SocialAverageWageCents = home, year, 100000_00
	if _, err := s.SetParams(ctx, sys.Scope, sys.Actor, p); err != nil {
		return fmt.Errorf("demo levy parameters: %w", err)
	}
	var first int64
	used := map[int64]bool{}
	for i, de := range employers {
		e, err := s.Create(ctx, sys, EmployerInput{Name: de.name, USCC: de.code + string(USCCCheckChar(de.code)),
			OrgUnit: de.town, Address: d.Place.Address() + "（演示地址）", ContactName: "人事部", ContactPhone: fmt.Sprintf("1390000%04d", i+1),
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
	fmt.Fprintf(d.Out, "demo employers: %d in %s, with %d figures and linked employees\n", len(employers), d.Place.ShortEn(), year)
	d.Accounts = append(d.Accounts, module.Account{Username: "demo_employer", Name: "用人单位演示账户", Role: identity.Employer,
		OrgUnit: employers[0].town, EmployerID: first})
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
