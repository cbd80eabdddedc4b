package providers_test

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"sync"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/providers"
	"sunshine/internal/registry"
)

// matrixFixture is what the matrix's calls need on one Env: the provider
// account's organisation and another, a contract of each over the district
// (assistive devices) and one over 昆山, outside every fixture user's view.
type matrixFixture struct {
	own, other             int64 // organisations
	ownK, otherK, kunshanK int64 // contracts
	seq                    int   // credit codes and contracts made so far
}

var (
	matrixMu  sync.Mutex
	matrixFix = map[*apptest.Env]*matrixFixture{}
)

var everywhere = registry.Caller{Actor: sys.Actor, Scope: orgunit.AllUnits()}

// fix makes (once per Env) the matrix's organisations and contracts.
func fix(e *apptest.Env) *matrixFixture {
	matrixMu.Lock()
	defer matrixMu.Unlock()
	if f, ok := matrixFix[e]; ok {
		return f
	}
	ctx := context.Background()
	f := &matrixFixture{own: e.Int64(`SELECT COALESCE(provider_id, 0) FROM users WHERE username = ?`, apptest.UserOf(identity.Provider))}
	if f.own == 0 {
		e.T.Fatal("the fixture's provider account belongs to no organisation")
	}
	p, err := e.App.Providers.CreateProvider(ctx, everywhere, providers.ProviderInput{Name: "矩阵另一机构", USCC: uscc("52310114MJMX00000"), OrgUnit: "310114"})
	if err != nil {
		e.T.Fatal(err)
	}
	f.other = p.ID
	contract := func(provider int64, unit string) int64 {
		k, err := e.App.Providers.CreateContract(ctx, everywhere, providers.ContractInput{ProviderID: provider, ServiceType: "assistive_device", Year: e.Year,
			Budget: 1000_00, TargetCases: 5, DueDays: 30, OrgUnit: unit, Milestones: []providers.MilestoneInput{{Title: "预付", AmountCents: 100_00}}})
		if err != nil {
			e.T.Fatal(err)
		}
		return k.ID
	}
	f.ownK, f.otherK, f.kunshanK = contract(f.own, "310114"), contract(f.other, "310114"), contract(f.other, "320583")
	matrixFix[e] = f
	return f
}

// next is a new credit code (a new organisation per call).
func (f *matrixFixture) next() string {
	matrixMu.Lock()
	defer matrixMu.Unlock()
	f.seq++
	return uscc(fmt.Sprintf("52310114MJMX%05d", f.seq))
}

// TestPermissionMatrix walks the purchased services' API and pages against
// every role and no sign-in, in and out of the caller's view
// (apptest.Matrix): a provider's worker reads its own organisation and
// contracts (another's answer 404), staff see every organisation and the
// contracts of their area; district staff register and release, district
// and town staff assign the cases of their scope.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	readers := []string{identity.DistrictStaff, identity.TownStaff, identity.Provider}
	district := []string{identity.DistrictStaff}
	assigners := []string{identity.DistrictStaff, identity.TownStaff}
	// view is a path of the caller's own organisation (staff: any) or
	// contract; outView one outside the view: for a provider's worker
	// another organisation's, for staff one that does not exist (every
	// organisation is theirs to see) or a contract of 昆山.
	provider := func(out bool, format string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, user string) apptest.Request {
			f := fix(e)
			id := f.own
			if out {
				id = 999999
				if user == apptest.UserOf(identity.Provider) {
					id = f.other
				}
			}
			return apptest.Request{Path: fmt.Sprintf(format, id)}
		}
	}
	contract := func(out bool, format string) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, user string) apptest.Request {
			f := fix(e)
			id := f.ownK
			if out {
				id = f.kunshanK
				if user == apptest.UserOf(identity.Provider) {
					id = f.otherK
				}
			}
			return apptest.Request{Path: fmt.Sprintf(format, id)}
		}
	}
	// release releases the first milestone of a new contract of unit (one per call).
	release := func(unit, format string, form bool) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			f := fix(e)
			k, err := e.App.Providers.CreateContract(context.Background(), everywhere, providers.ContractInput{ProviderID: f.other, ServiceType: "assistive_device",
				Year: e.Year, Budget: 1000_00, TargetCases: 5, DueDays: 30, OrgUnit: unit, Milestones: []providers.MilestoneInput{{Title: "预付", AmountCents: 100_00}}})
			if err != nil {
				e.T.Fatal(err)
			}
			r := apptest.Request{Path: fmt.Sprintf(format, k.ID)}
			if form {
				r.Form = url.Values{}
			} else {
				r.Body = map[string]any{}
			}
			return r
		}
	}
	createProvider := func(unit string, form bool) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			code := fix(e).next()
			if form {
				return apptest.Request{Path: "/providers", Form: url.Values{"name": {"矩阵机构"}, "uscc": {code}, "orgunit": {unit}, "kind": {"member"}}}
			}
			return apptest.Request{Path: "/api/v1/providers", Body: map[string]any{"name": "矩阵机构", "uscc": code, "orgunit": unit}}
		}
	}
	createContract := func(unit string, form bool) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			f := fix(e)
			if form {
				return apptest.Request{Path: "/contracts", Form: url.Values{"provider_id": {fmt.Sprint(f.other)}, "service_type": {"assistive_device"},
					"year": {fmt.Sprint(e.Year)}, "orgunit": {unit}, "budget": {"1000"}, "target_cases": {"5"}, "due_days": {"30"}}}
			}
			return apptest.Request{Path: "/api/v1/contracts", Body: map[string]any{"provider_id": f.other, "service_type": "assistive_device",
				"year": e.Year, "budget": 1000_00, "target_cases": 5, "due_days": 30, "orgunit": unit}}
		}
	}
	// assign assigns a new device case of person to the own contract.
	assign := func(person func(*apptest.Env) int64, format string, form bool) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			f := fix(e)
			id := e.Case(person(e))
			if form {
				return apptest.Request{Path: fmt.Sprintf(format, id), Form: url.Values{"contract_id": {fmt.Sprint(f.ownK)}}}
			}
			return apptest.Request{Path: fmt.Sprintf(format, id), Body: map[string]any{"contract_id": f.ownK}}
		}
	}
	bulk := func(person func(*apptest.Env) int64) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			f := fix(e)
			return apptest.Request{Path: "/providers/assign", Form: url.Values{"type": {"assistive_device"}, "contract_id": {fmt.Sprint(f.ownK)},
				"cases": {fmt.Sprint(e.Case(person(e)))}}}
		}
	}
	casePage := func(person func(*apptest.Env) int64) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			fix(e)
			return apptest.Request{Path: fmt.Sprintf("/cases/%d/assign", e.Case(person(e)))}
		}
	}
	const nx, ks = "310114", "320583"
	entries := map[string]apptest.Entry{
		"POST /api/v1/providers":     {Allowed: district, In: createProvider(nx, false), InOK: 201, Out: createProvider(ks, false), OutOK: 422},
		"GET /api/v1/providers":      {Allowed: readers, In: apptest.Fixed("/api/v1/providers", nil), InOK: 200},
		"GET /api/v1/providers/{id}": {Allowed: readers, In: provider(false, "/api/v1/providers/%d"), InOK: 200, Out: provider(true, "/api/v1/providers/%d"), OutOK: 404},
		"POST /api/v1/contracts":     {Allowed: district, In: createContract(nx, false), InOK: 201, Out: createContract(ks, false), OutOK: 422},
		"GET /api/v1/contracts":      {Allowed: readers, In: apptest.Fixed("/api/v1/contracts?year=2026", nil), InOK: 200},
		"GET /api/v1/contracts/{id}": {Allowed: readers, In: contract(false, "/api/v1/contracts/%d"), InOK: 200, Out: contract(true, "/api/v1/contracts/%d"), OutOK: 404},
		"POST /api/v1/cases/{id}/assign": {Allowed: assigners, In: assign(apptest.InPerson, "/api/v1/cases/%d/assign", false), InOK: 200,
			Out: assign(apptest.OutPerson, "/api/v1/cases/%d/assign", false), OutOK: 404},
		"POST /api/v1/contracts/{id}/milestones/{seq}/release": {Allowed: district, In: release(nx, "/api/v1/contracts/%d/milestones/1/release", false), InOK: 200,
			Out: release(ks, "/api/v1/contracts/%d/milestones/1/release", false), OutOK: 404},
		"GET /providers":         {Allowed: readers, In: apptest.Fixed("/providers", nil), InOK: 200, PageIn: true},
		"GET /providers/new":     {Allowed: district, In: apptest.Fixed("/providers/new", nil), InOK: 200, PageIn: true},
		"POST /providers":        {Allowed: district, In: createProvider(nx, true), InOK: 303, Out: createProvider(ks, true), OutOK: 422, PageIn: true},
		"GET /providers/assign":  {Allowed: assigners, In: apptest.Fixed("/providers/assign?type=assistive_device", nil), InOK: 200, PageIn: true},
		"POST /providers/assign": {Allowed: assigners, In: bulk(apptest.InPerson), InOK: 303, Out: bulk(apptest.OutPerson), OutOK: 422, PageIn: true},
		"GET /providers/{id}":    {Allowed: readers, In: provider(false, "/providers/%d"), InOK: 200, Out: provider(true, "/providers/%d"), OutOK: 404, PageIn: true},
		"GET /contracts":         {Allowed: readers, In: apptest.Fixed("/contracts", nil), InOK: 200, PageIn: true},
		"GET /contracts/new":     {Allowed: district, In: apptest.Fixed("/contracts/new", nil), InOK: 200, PageIn: true},
		"POST /contracts":        {Allowed: district, In: createContract(nx, true), InOK: 303, Out: createContract(ks, true), OutOK: 422, PageIn: true},
		"GET /contracts/{id}":    {Allowed: readers, In: contract(false, "/contracts/%d"), InOK: 200, Out: contract(true, "/contracts/%d"), OutOK: 404, PageIn: true},
		"POST /contracts/{id}/milestones/{seq}/release": {Allowed: district, In: release(nx, "/contracts/%d/milestones/1/release", true), InOK: 303,
			Out: release(ks, "/contracts/%d/milestones/1/release", true), OutOK: 404, PageIn: true},
		"GET /cases/{id}/assign":  {Allowed: assigners, In: casePage(apptest.InPerson), InOK: 200, Out: casePage(apptest.OutPerson), OutOK: 404, PageIn: true},
		"POST /cases/{id}/assign": {Allowed: assigners, In: assign(apptest.InPerson, "/cases/%d/assign", true), InOK: 303, Out: assign(apptest.OutPerson, "/cases/%d/assign", true), OutOK: 404, PageIn: true},
	}
	maps.Copy(entries, EvaluationMatrix()) // feedback, complaints, evaluation
	maps.Copy(entries, microMatrix())      // the ten micro-charity projects
	apptest.Matrix(t, "providers", entries)
}
