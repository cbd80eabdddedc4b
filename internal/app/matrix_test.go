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
		"GET /healthz": {Public: true, In: apptest.Fixed("/healthz", nil), InOK: 200},
		"GET /readyz":  {Public: true, In: apptest.Fixed("/readyz", nil), InOK: 200},
		"GET /static/": {Public: true, In: apptest.Fixed("/static/app.css", nil), InOK: 200},
		"GET /{$}":     {Allowed: identity.Roles(), PageIn: true, In: apptest.Fixed("/", nil), InOK: 200},
		// The installable app: public, the offline page for nobody in particular.
		"GET /manifest.webmanifest": {Public: true, In: apptest.Fixed("/manifest.webmanifest", nil), InOK: 200},
		"GET /sw.js":                {Public: true, In: apptest.Fixed("/sw.js", nil), InOK: 200},
		"GET /icons/{size}":         {Public: true, In: apptest.Fixed("/icons/192.png", nil), InOK: 200},
		"GET /offline":              {Public: true, In: apptest.Fixed("/offline", nil), InOK: 200},
		"GET /api/v1/openapi.json":  {Public: true, In: apptest.Fixed("/api/v1/openapi.json", nil), InOK: 200},
	})
}
