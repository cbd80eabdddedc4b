package benefits_test

import (
	"net/url"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
)

// TestPermissionMatrix walks the benefits routes against every role and no
// sign-in, in and out of scope (apptest.Matrix).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	district := []string{identity.DistrictStaff}
	readers := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person}
	version := map[string]any{"code": "care_grade1", "condition": "grade == 1", "amount_cents": 36000, "effective_from": "2027-01"}
	apptest.Matrix(t, "benefits", map[string]apptest.Entry{
		"GET /api/v1/persons/{id}/benefits": {Allowed: readers, In: apptest.OnPersonAPI(apptest.InPerson, "/benefits?month=2026-11", nil), InOK: 200,
			Out: apptest.OnPersonAPI(apptest.OutPerson, "/benefits?month=2026-11", nil), OutOK: 404},
		"GET /api/v1/benefit-rules":  {Allowed: district, In: apptest.Fixed("/api/v1/benefit-rules", nil), InOK: 200},
		"POST /api/v1/benefit-rules": {Allowed: district, In: apptest.Fixed("/api/v1/benefit-rules", version), InOK: 201},
		"GET /benefits/rules":        {Allowed: district, In: apptest.Fixed("/benefits/rules", nil), InOK: 200, PageIn: true},
		"POST /api/v1/benefit-rules/simulate": {Allowed: district, In: apptest.Fixed("/api/v1/benefit-rules/simulate", map[string]any{"month": "2026-11",
			"rules": []map[string]any{{"code": "care_grade1", "condition": "grade <= 2", "amount_cents": 36000}}}), InOK: 200},
		"GET /benefits/simulate": {Allowed: district, In: apptest.Fixed("/benefits/simulate?run=1&code=care_grade1&condition=grade+%3C%3D+2&amount=360&month=2026-11", nil),
			InOK: 200, PageIn: true},
		"POST /benefits/rules": {Allowed: district, In: apptest.FixedForm("/benefits/rules", url.Values{"code": {"care_grade2"},
			"condition": {"grade == 2"}, "amount": {"190"}, "effective_from": {"2027-02"}}), InOK: 303, PageIn: true},
	})
}
