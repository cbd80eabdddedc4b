package privacy_test

import (
	"net/url"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
)

// TestPermissionMatrix walks a person's data download and correction request
// against every role and no sign-in (apptest.Matrix): only a person's own
// account uses them, about its own record.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	person := []string{identity.Person}
	apptest.Matrix(t, "privacy", map[string]apptest.Entry{
		"GET /api/v1/me/data": {Allowed: person, In: apptest.Fixed("/api/v1/me/data", nil), InOK: 200},
		"GET /me/data":        {Allowed: person, PageIn: true, In: apptest.Fixed("/me/data", nil), InOK: 200},
		"POST /me/corrections": {Allowed: person, PageIn: true, InOK: 303,
			In: apptest.FixedForm("/me/corrections", url.Values{"need": {"我的住址应为城中路 12 号"}})},
	})
}
