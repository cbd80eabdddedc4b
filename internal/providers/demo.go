package providers

import (
	"context"
	"fmt"

	"sunshine/internal/access"
	"sunshine/internal/casework"
	"sunshine/internal/employment"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/module"
)

// The demo organisations' names after the district's (嘉定区…): the hub;
// demoProvider, the one the demo provider account (demo_provider) works
// for; demoOther, another member, whose cases that account does not see.
const (
	demoHub      = "助残服务枢纽"
	demoProvider = "康健助残服务中心"
	demoOther    = "安居无障碍服务社"
)

type demoOrg struct {
	name, code, kind string
	services         []string
	contracts        []string
	budget           int64
}

// demoOrgs are the demo organisations of the district (a level-2 unit): the
// hub first, then its members, each with the first 17 characters of a
// made-up credit code of a social organisation (5: civil affairs; 2: a
// private non-enterprise unit; then the district's code), the service types
// it offers and the service types it has a contract for this year (budget
// in yuan).
func demoOrgs(district orgunit.Unit) []demoOrg {
	code := func(n int) string { return fmt.Sprintf("52%sMJDM%05d", district.Code, n) }
	return []demoOrg{
		{district.Name + demoHub, code(1), Hub, []string{"assistive_device", "rehabilitation", "home_renovation"}, nil, 0},
		{district.Name + demoProvider, code(2), Member, []string{"assistive_device", "rehabilitation"}, []string{"assistive_device", "rehabilitation"}, 300000},
		{district.Name + demoOther, code(3), Member, []string{"home_renovation"}, []string{"home_renovation"}, 500000},
		{district.Name + "心晴社会工作服务社", code(4), Member, []string{"rehabilitation"}, nil, 0},
	}
}

// demo registers the hub and its members serving every town of the
// district, contracts of this year for the service types the demo makes
// cases of (with three payment milestones, the first released), and asks
// for the demo provider account of demoProvider.
func (s *Store) demo(ctx context.Context, d *module.Demo) error {
	home := d.Place.Code()
	sys := access.Demo(identity.DistrictStaff, home)
	orgs := demoOrgs(d.Place.District)
	towns, err := s.units.InScope(ctx, sys.Scope, 3)
	if err != nil {
		return fmt.Errorf("demo providers: %w", err)
	}
	var codes []string
	for _, t := range towns {
		codes = append(codes, t.Code)
	}
	year := s.db.Now().Year()
	var hub, mine int64
	contracts := 0
	for i, o := range orgs {
		in := ProviderInput{Name: o.name, USCC: o.code + string(employment.USCCCheckChar(o.code)), OrgUnit: home, Kind: o.kind,
			Services: o.services, Towns: codes, ContactName: "项目主管", ContactPhone: fmt.Sprintf("1380000%04d", i+1)}
		if o.kind == Member {
			in.HubID = hub
		}
		p, err := s.CreateProvider(ctx, sys, in)
		if err != nil {
			return fmt.Errorf("demo provider %s: %w", o.name, err)
		}
		switch o.name {
		case d.Place.Name() + demoHub:
			hub = p.ID
		case d.Place.Name() + demoProvider:
			mine = p.ID
		}
		for _, t := range o.contracts {
			cents := o.budget * 100
			k, err := s.CreateContract(ctx, sys, ContractInput{ProviderID: p.ID, ServiceType: t, Year: year, Budget: cents, TargetCases: 40,
				DueDays: 60, OrgUnit: home, Milestones: []MilestoneInput{
					{Title: "合同签订预付款", AmountCents: cents * 3 / 10}, {Title: "中期评估后拨付", AmountCents: cents * 4 / 10},
					{Title: "年终考核后拨付", AmountCents: cents - cents*3/10 - cents*4/10}}})
			if err != nil {
				return fmt.Errorf("demo contract %s %s: %w", o.name, t, err)
			}
			if _, err := s.ReleaseMilestone(ctx, sys, k.ID, 1); err != nil {
				return fmt.Errorf("demo contract %s %s: %w", o.name, t, err)
			}
			contracts++
		}
	}
	fmt.Fprintf(d.Out, "demo data: %d service organisations (a hub and its members), %d contracts of %d\n", len(orgs), contracts, year)
	d.Accounts = append(d.Accounts, module.Account{Username: "demo_provider", Name: "服务机构演示账户", Role: identity.Provider,
		OrgUnit: home, ProviderID: mine})
	return nil
}

// demoAssign assigns the demo cases still open to the demo contracts of
// their service types: the assistive device and rehabilitation cases to
// demoProvider (but the rehabilitation case just referred, left for staff to
// assign), the home renovation ones to demoOther.
func (s *Store) demoAssign(ctx context.Context, d *module.Demo) error {
	sys := access.Demo(identity.DistrictStaff, d.Place.Code())
	mine, other := d.Place.Name()+demoProvider, d.Place.Name()+demoOther
	year := s.db.Now().Year()
	n := 0
	for _, a := range []struct{ org, service, skip string }{
		{mine, "assistive_device", ""},
		{mine, "rehabilitation", "referred"},
		{other, "home_renovation", ""},
	} {
		var contract int64
		err := s.db.QueryRow(ctx, `SELECT k.id FROM provider_contracts k JOIN providers p ON p.id = k.provider_id
			WHERE p.name = ? AND k.service_type = ? AND k.year = ? ORDER BY k.id LIMIT 1`, a.org, a.service, year).Scan(&contract)
		if err != nil {
			return fmt.Errorf("demo assignment %s: %w", a.service, err)
		}
		cases, _, _, err := s.cases.List(ctx, sys, casework.Filter{ServiceType: a.service, Open: true, Unassigned: true, Limit: 100})
		if err != nil {
			return fmt.Errorf("demo assignment %s: %w", a.service, err)
		}
		for _, cs := range cases {
			if cs.State == a.skip {
				continue
			}
			if _, err := s.Assign(ctx, sys, cs.ID, AssignInput{ContractID: contract}); err != nil {
				return fmt.Errorf("demo assignment %s: %w", a.service, err)
			}
			n++
		}
	}
	fmt.Fprintf(d.Out, "demo data: %d open cases assigned to the demo contracts\n", n)
	return nil
}
