package renovation_test

import (
	"net/url"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
)

// TestPermissionMatrix walks the renovation budget's API against every role
// and no sign-in, in and out of scope (apptest.Matrix).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	district := []string{identity.DistrictStaff}
	budget := func(unit string) map[string]any {
		return map[string]any{"orgunit": unit, "year": 2026, "budget_cents": 100000}
	}
	apptest.Matrix(t, "renovation", map[string]apptest.Entry{
		"GET /api/v1/renovation/budget": {Allowed: district, In: apptest.Fixed("/api/v1/renovation/budget?orgunit=310114", nil), InOK: 200,
			Out: apptest.Fixed("/api/v1/renovation/budget?orgunit=320583", nil), OutOK: 404},
		"PUT /api/v1/renovation/budget": {Allowed: district, In: apptest.Fixed("/api/v1/renovation/budget", budget("310114")), InOK: 200,
			Out: apptest.Fixed("/api/v1/renovation/budget", budget("320583")), OutOK: 404},
		"GET /renovation/budget": {Allowed: district, In: apptest.Fixed("/renovation/budget?year=2026", nil), InOK: 200, PageIn: true},
		"POST /renovation/budget": {Allowed: district, In: apptest.FixedForm("/renovation/budget", url.Values{"year": {"2026"}, "budget": {"50万"}}), InOK: 303,
			PageIn: true},
	})
}
