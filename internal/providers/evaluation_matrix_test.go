package providers_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"testing"

	"sunshine/internal/access"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/providers"
)

// evalFixture makes the data the evaluation routes' permission-matrix
// entries need on an Env: contracts in 嘉定 (every fixture user's view)
// and in 昆山 (none's), and closed cases of them.
type evalFixture struct {
	n         int
	providers map[string]int64 // by org unit
}

var (
	evalMu       sync.Mutex
	evalFixtures = map[*apptest.Env]*evalFixture{}
)

// evalSys acts over every unit.
var evalSys = access.Caller{Actor: audit.Actor{Username: "matrix", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()}

func evalOf(e *apptest.Env) *evalFixture {
	evalMu.Lock()
	defer evalMu.Unlock()
	f, ok := evalFixtures[e]
	if !ok {
		f = &evalFixture{providers: map[string]int64{}}
		evalFixtures[e] = f
	}
	return f
}

// provider is a provider registered in unit (one per unit).
func (f *evalFixture) provider(e *apptest.Env, unit string) int64 {
	e.T.Helper()
	if id, ok := f.providers[unit]; ok {
		return id
	}
	f.n++
	p, err := e.App.Providers.CreateProvider(context.Background(), evalSys, providers.ProviderInput{Name: fmt.Sprintf("矩阵服务社%d", f.n),
		USCC: evalUSCC(9000 + f.n), OrgUnit: unit})
	if err != nil {
		e.T.Fatal(err)
	}
	f.providers[unit] = p.ID
	return p.ID
}

// contract is a new contract of provider over unit's cases.
func (f *evalFixture) contract(e *apptest.Env, provider int64, unit string) int64 {
	e.T.Helper()
	k, err := e.App.Providers.CreateContract(context.Background(), evalSys, providers.ContractInput{ProviderID: provider, ServiceType: "assistive_device",
		Year: e.Year, Budget: 100_000, TargetCases: 2, DueDays: 30, OrgUnit: unit})
	if err != nil {
		e.T.Fatal(err)
	}
	return k.ID
}

// contractIn is a contract in 嘉定 (out: in 昆山) of the user's own provider
// when the user is a provider's worker.
func contractIn(out bool) func(e *apptest.Env, user string) int64 {
	return func(e *apptest.Env, user string) int64 {
		f := evalOf(e)
		unit := "310114"
		if out {
			unit = "320583"
		}
		provider := f.provider(e, unit)
		if !out {
			var own int64
			_ = e.App.DB.QueryRow(context.Background(), `SELECT COALESCE(provider_id, 0) FROM users WHERE username = ?`, user).Scan(&own)
			if own != 0 {
				provider = own
			}
		}
		return f.contract(e, provider, unit)
	}
}

// closedCase is a new case of a person (Env.In, or Env.Out when out),
// assigned to a contract of its district and cancelled (closed); with a
// complaint from the person when complaint is set.
func closedCase(out, complaint bool) func(e *apptest.Env) int64 {
	return func(e *apptest.Env) int64 {
		e.T.Helper()
		ctx := context.Background()
		person, unit := e.In, "310114"
		if out {
			person, unit = e.Out, "320583"
		}
		f := evalOf(e)
		k := f.contract(e, f.provider(e, unit), unit)
		cs, err := e.App.Cases.Create(ctx, evalSys, person, "assistive_device", nil)
		if err == nil {
			_, err = e.App.Providers.Assign(ctx, evalSys, cs.ID, providers.AssignInput{ContractID: k})
		}
		if err == nil {
			_, err = e.App.Cases.Act(ctx, evalSys, cs.ID, "cancel", nil, 0)
		}
		if err == nil && complaint {
			_, err = e.App.Providers.GiveFeedback(ctx, evalSys, cs.ID, providers.FeedbackInput{Satisfaction: 2, Complaint: "矩阵投诉"})
		}
		if err != nil {
			e.T.Fatal(err)
		}
		return cs.ID
	}
}

// EvaluationMatrix are the permission-matrix entries of the routes of
// feedback, complaints and the evaluation (evaluationRoutes and
// EvalPages.Routes), for the providers module's apptest.Matrix.
func EvaluationMatrix() map[string]apptest.Entry {
	givers := []string{identity.Person, identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant}
	staff := []string{identity.DistrictStaff, identity.TownStaff}
	readers := []string{identity.DistrictStaff, identity.TownStaff, identity.Provider}
	district := []string{identity.DistrictStaff}
	onCase := func(format string, out, complaint bool, body any, form url.Values) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf(format, closedCase(out, complaint)(e)), Body: body, Form: form}
		}
	}
	onContract := func(format string, out bool, body any, form url.Values) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, user string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf(format, contractIn(out)(e, user)), Body: body, Form: form}
		}
	}
	feedback := map[string]any{"satisfaction": 4}
	note := map[string]any{"note": "已电话回访"}
	expert := map[string]any{"score": 70}
	return map[string]apptest.Entry{
		"POST /api/v1/cases/{id}/feedback": {Allowed: givers, In: onCase("/api/v1/cases/%d/feedback", false, false, feedback, nil), InOK: 201,
			Out: onCase("/api/v1/cases/%d/feedback", true, false, feedback, nil), OutOK: 404},
		"GET /api/v1/complaints": {Allowed: staff, In: apptest.Fixed("/api/v1/complaints?open=true", nil), InOK: 200},
		"POST /api/v1/complaints/{case_id}/handle": {Allowed: staff, In: onCase("/api/v1/complaints/%d/handle", false, true, note, nil), InOK: 200,
			Out: onCase("/api/v1/complaints/%d/handle", true, true, note, nil), OutOK: 404},
		"GET /api/v1/contracts/{id}/evaluation": {Allowed: readers, In: onContract("/api/v1/contracts/%d/evaluation", false, nil, nil), InOK: 200,
			Out: onContract("/api/v1/contracts/%d/evaluation", true, nil, nil), OutOK: 404},
		"PUT /api/v1/contracts/{id}/expert-score": {Allowed: district, In: onContract("/api/v1/contracts/%d/expert-score", false, expert, nil), InOK: 200,
			Out: onContract("/api/v1/contracts/%d/expert-score", true, expert, nil), OutOK: 404},
		"GET /api/v1/providers/ranking":         {Allowed: staff, In: apptest.Fixed("/api/v1/providers/ranking", nil), InOK: 200},
		"GET /api/v1/providers/evaluation.xlsx": {Allowed: staff, In: apptest.Fixed("/api/v1/providers/evaluation.xlsx", nil), InOK: 200},

		"GET /cases/{id}/feedback": {Allowed: givers, PageIn: true, In: onCase("/cases/%d/feedback", false, false, nil, nil), InOK: 200,
			Out: onCase("/cases/%d/feedback", true, false, nil, nil), OutOK: 404},
		"POST /cases/{id}/feedback": {Allowed: givers, PageIn: true, In: onCase("/cases/%d/feedback", false, false, nil, url.Values{"satisfaction": {"4"}}), InOK: 303,
			Out: onCase("/cases/%d/feedback", true, false, nil, url.Values{"satisfaction": {"4"}}), OutOK: 404},
		"GET /providers/complaints": {Allowed: staff, PageIn: true, In: apptest.Fixed("/providers/complaints", nil), InOK: 200},
		"POST /providers/complaints/{case_id}/handle": {Allowed: staff, PageIn: true, In: onCase("/providers/complaints/%d/handle", false, true, nil, url.Values{"note": {"已处理"}}),
			InOK: 303, Out: onCase("/providers/complaints/%d/handle", true, true, nil, url.Values{"note": {"已处理"}}), OutOK: 404},
		"GET /providers/evaluation": {Allowed: staff, PageIn: true, In: apptest.Fixed("/providers/evaluation", nil), InOK: 200},
		"GET /contracts/{id}/evaluation": {Allowed: readers, PageIn: true, In: onContract("/contracts/%d/evaluation", false, nil, nil), InOK: 200,
			Out: onContract("/contracts/%d/evaluation", true, nil, nil), OutOK: 404},
		"POST /contracts/{id}/evaluation": {Allowed: district, PageIn: true, In: onContract("/contracts/%d/evaluation", false, nil, url.Values{"score": {"70"}}), InOK: 303,
			Out: onContract("/contracts/%d/evaluation", true, nil, url.Values{"score": {"70"}}), OutOK: 404},
	}
}

// TestEvaluationMatrixEntries: EvaluationMatrix has an entry for every
// route of feedback, complaints and the evaluation and for no other (the
// providers module's permission matrix takes them).
func TestEvaluationMatrixEntries(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, testkit.SQLite(t), evalNow)
	entries := EvaluationMatrix()
	var got []string
	for _, rt := range a.Router().Routes() {
		if _, ok := entries[rt.Pattern]; ok && rt.Module == "providers" {
			got = append(got, rt.Pattern)
		}
	}
	if len(got) != len(entries) {
		for p := range entries {
			if !slices.Contains(got, p) {
				t.Errorf("entry %s names no route of providers", p)
			}
		}
	}
}
