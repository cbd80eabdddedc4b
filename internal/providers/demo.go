package providers

import (
	"context"
	"fmt"

	"sunshine/internal/access"
	"sunshine/internal/casework"
	"sunshine/internal/employment"
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
)

// DemoProvider is the name of the demo organisation the demo provider
// account (demo_provider) works for; DemoOther is another member, whose
// cases that account does not see.
const (
	DemoHub      = "嘉定区助残服务枢纽"
	DemoProvider = "嘉定区康健助残服务中心"
	DemoOther    = "嘉定区安居无障碍服务社"
)

// demoOrgs are the demo organisations: the hub first, then its members,
// each with the first 17 characters of a made-up credit code of a social
// organisation (5: civil affairs; 2: a private non-enterprise unit), the
// service types it offers and the service types it has a contract for this
// year (budget in yuan).
var demoOrgs = []struct {
	name, code, kind string
	services         []string
	contracts        []string
	budget           int64
}{
	{DemoHub, "52310114MJDM00001", Hub, []string{"assistive_device", "rehabilitation", "home_renovation"}, nil, 0},
	{DemoProvider, "52310114MJDM00002", Member, []string{"assistive_device", "rehabilitation"}, []string{"assistive_device", "rehabilitation"}, 300000},
	{DemoOther, "52310114MJDM00003", Member, []string{"home_renovation"}, []string{"home_renovation"}, 500000},
	{"嘉定区心晴社会工作服务社", "52310114MJDM00004", Member, []string{"rehabilitation"}, nil, 0},
}

// demo registers the hub and its members serving every town of Jiading,
// contracts of this year for the service types the demo makes cases of
// (with three payment milestones, the first released), and asks for the
// demo provider account of DemoProvider.
func (s *Store) demo(ctx context.Context, d *module.Demo) error {
	sys := access.Demo(identity.DistrictStaff, "310114")
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
	for i, o := range demoOrgs {
		in := ProviderInput{Name: o.name, USCC: o.code + string(employment.USCCCheckChar(o.code)), OrgUnit: "310114", Kind: o.kind,
			Services: o.services, Towns: codes, ContactName: "项目主管", ContactPhone: fmt.Sprintf("1380000%04d", i+1)}
		if o.kind == Member {
			in.HubID = hub
		}
		p, err := s.CreateProvider(ctx, sys, in)
		if err != nil {
			return fmt.Errorf("demo provider %s: %w", o.name, err)
		}
		switch o.name {
		case DemoHub:
			hub = p.ID
		case DemoProvider:
			mine = p.ID
		}
		for _, t := range o.contracts {
			cents := o.budget * 100
			k, err := s.CreateContract(ctx, sys, ContractInput{ProviderID: p.ID, ServiceType: t, Year: year, Budget: cents, TargetCases: 40,
				DueDays: 60, OrgUnit: "310114", Milestones: []MilestoneInput{
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
	fmt.Fprintf(d.Out, "demo data: %d service organisations (a hub and its members), %d contracts of %d\n", len(demoOrgs), contracts, year)
	d.Accounts = append(d.Accounts, module.Account{Username: "demo_provider", Name: "服务机构演示账户", Role: identity.Provider,
		OrgUnit: "310114", ProviderID: mine})
	return nil
}

// demoAssign assigns the demo cases still open to the demo contracts of
// their service types: the assistive device and rehabilitation cases to
// DemoProvider (but the rehabilitation case just referred, left for staff to
// assign), the home renovation ones to DemoOther.
func (s *Store) demoAssign(ctx context.Context, d *module.Demo) error {
	sys := access.Demo(identity.DistrictStaff, "310114")
	year := s.db.Now().Year()
	n := 0
	for _, a := range []struct{ org, service, skip string }{
		{DemoProvider, "assistive_device", ""},
		{DemoProvider, "rehabilitation", "referred"},
		{DemoOther, "home_renovation", ""},
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
