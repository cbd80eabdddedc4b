package apptest

import (
	"context"
	"fmt"
	"testing"

	"sunshine/internal/app"
	"sunshine/internal/audit"
	"sunshine/internal/employment"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/providers"
	"sunshine/internal/registry"
)

// staff is the district's staff member who registers the tests'
// providers and contracts and assigns their cases (every unit in scope).
func staff() registry.Caller {
	return registry.Caller{Actor: audit.Actor{Username: "fixture", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()}
}

// ProviderOrg registers the n-th test provider organisation (n from 1 to
// 99: a member organisation of the district 310114 with a valid unified
// social credit code and a contact's phone, sealed) and returns its id.
func ProviderOrg(t testing.TB, a *app.App, n int) int64 {
	t.Helper()
	first17 := fmt.Sprintf("52310114MJ%07d", 4700000+n)
	p, err := a.Providers.CreateProvider(context.Background(), staff(), providers.ProviderInput{
		Name: fmt.Sprintf("测试服务机构%d", n), USCC: first17 + string(employment.USCCCheckChar(first17)), OrgUnit: "310114",
		ContactName: "联系人", ContactPhone: "13912345678"})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// ProviderCaller is a caller of a worker of the provider organisation id
// whose scope is unit: it sees the cases assigned to the organisation.
func ProviderCaller(id int64, unit string) registry.Caller {
	c := Caller(identity.Provider, unit)
	c.ProviderID = id
	return c
}

// Contract is the id of this year's contract of the provider organisation
// that buys a service type in a district (made the first time it is asked
// for).
func Contract(t testing.TB, a *app.App, providerID int64, serviceType, district string) int64 {
	t.Helper()
	ctx := context.Background()
	sys := staff()
	ks, err := a.Providers.Contracts(ctx, sys, a.DB.Now().Year())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range ks {
		if k.ProviderID == providerID && k.ServiceType == serviceType && k.OrgUnit == district {
			return k.ID
		}
	}
	k, err := a.Providers.CreateContract(ctx, sys, providers.ContractInput{ProviderID: providerID, ServiceType: serviceType,
		Year: a.DB.Now().Year(), Budget: 100000_00, TargetCases: 10, DueDays: 30, OrgUnit: district})
	if err != nil {
		t.Fatal(err)
	}
	return k.ID
}

// Assign puts a case under the contract of the provider organisation that
// buys the case's service type in the case's district (Contract), through
// providers.Store.Assign as district staff: the provider's workers see the
// case from then on.
func Assign(t testing.TB, a *app.App, providerID, caseID int64) {
	t.Helper()
	ctx := context.Background()
	sys := staff()
	cs, err := a.Cases.Peek(ctx, sys, caseID)
	if err != nil {
		t.Fatal(err)
	}
	contract := Contract(t, a, providerID, cs.ServiceType, cs.OrgUnit[:min(6, len(cs.OrgUnit))])
	if _, err := a.Providers.Assign(ctx, sys, caseID, providers.AssignInput{ContractID: contract}); err != nil {
		t.Fatal(err)
	}
}

// Assign puts a case under a contract of Env's provider organisation (the
// provider user's), so that the provider user sees it.
func (e *Env) Assign(caseID int64) {
	e.T.Helper()
	Assign(e.T, e.App, e.ProviderOrg, caseID)
}

// CaseFor opens an assistive device case for a person, as Case, and when
// user is the provider's puts it under the provider's contract (Assign) when
// the provider could serve it (a case in the district 310114): a provider
// acts on the cases assigned to its organisation.
func (e *Env) CaseFor(user string, personID int64) int64 {
	e.T.Helper()
	id := e.Case(personID)
	if user == UserOf(identity.Provider) && personID != e.Out {
		e.Assign(id)
	}
	return id
}
