package app_test

import (
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
)

// TestPermissionMatrix walks the routes the app registers itself against every
// role and no sign-in (apptest.Matrix); each module's matrix is in its folder.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	apptest.Matrix(t, "app", map[string]apptest.Entry{
		"GET /healthz":             {Public: true, In: apptest.Fixed("/healthz", nil), InOK: 200},
		"GET /readyz":              {Public: true, In: apptest.Fixed("/readyz", nil), InOK: 200},
		"GET /static/":             {Public: true, In: apptest.Fixed("/static/app.css", nil), InOK: 200},
		"GET /{$}":                 {Allowed: identity.Roles(), PageIn: true, In: apptest.Fixed("/", nil), InOK: 200},
		"GET /api/v1/openapi.json": {Public: true, In: apptest.Fixed("/api/v1/openapi.json", nil), InOK: 200},
	})
}
