package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/db"
)

// The fixture's org units (apptest.Env): a village in Nanxiang (the town
// staff's town), one in Anting (same district, another town) and one in
// Kunshan (another district).
const (
	villageIn    = apptest.Village
	villageTown2 = apptest.VillageTown2
	villageOut   = apptest.VillageOut
)

// env is apptest's running server with its fixture, and the checks of this
// package's page tests.
type env struct{ *apptest.Env }

// newEnv starts the app on d with the tests' configuration and fixture
// (apptest.NewEnv).
func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	return newEnvConfig(t, d, apptest.Config(t))
}

// newEnvConfig is newEnv with the app's configuration. The templates the
// test renders count toward TestMain's check of the pages of no module.
func newEnvConfig(t *testing.T, d *db.DB, cfg app.Config) *env {
	t.Helper()
	e := &env{apptest.NewEnv(t, d, cfg)}
	t.Cleanup(func() { recordTemplates(apptest.Templates(t, e.App)[""], e.App.TemplatesRendered()) })
	return e
}

func decodeJSON(r io.Reader, v any) {
	_ = json.NewDecoder(r).Decode(v)
}

// page GETs path as user and checks the status, the rules every page keeps
// (checkPage, on HTML answers) and that the body contains each of wants. It
// returns the body.
func (e *env) page(t *testing.T, user, path string, want int, wants ...string) string {
	t.Helper()
	st, raw := e.DoRaw(user, "GET", path, nil, nil, nil)
	return e.checkAnswer(t, "GET "+path, path, st, string(raw), want, wants)
}

// submit POSTs a form as user, with the same checks as page (none of the page
// on a redirect).
func (e *env) submit(t *testing.T, user, path string, form url.Values, want int, wants ...string) string {
	t.Helper()
	st, raw := e.Form(user, path, form)
	return e.checkAnswer(t, fmt.Sprintf("POST %s %v", path, form), path, st, string(raw), want, wants)
}

func (e *env) checkAnswer(t *testing.T, what, path string, st int, body string, want int, wants []string) string {
	t.Helper()
	if st != want {
		t.Fatalf("%s: %d, want %d: %s", what, st, want, body)
	}
	if st != http.StatusSeeOther && strings.Contains(body, "<html") {
		checkPage(t, path, body)
	}
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: no %q", what, w)
		}
	}
	return body
}
