package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/testkit"
)

// TestSecureCookieBehindProxy: behind a trusted TLS proxy the session cookie
// is Secure and HSTS is sent; directly over plain HTTP neither.
func TestSecureCookieBehindProxy(t *testing.T) {
	t.Parallel()
	for _, trust := range []bool{true, false} {
		cfg := apptest.Config(t)
		cfg.TrustProxy = trust
		e := newEnvConfig(t, testkit.SQLite(t), cfg)
		form := url.Values{"username": {"town"}, "password": {apptest.Password}}
		req, _ := http.NewRequest("POST", e.Srv.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-Proto", "https")
		resp, err := (&http.Client{CheckRedirect: apptest.NoRedirect}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var secure bool
		for _, c := range resp.Cookies() {
			if c.Name == "sunshine_session" {
				secure = c.Secure
			}
		}
		if resp.StatusCode != http.StatusSeeOther || secure != trust || (resp.Header.Get("Strict-Transport-Security") != "") != trust {
			t.Errorf("trust %v: status %d, Secure %v, HSTS %q", trust, resp.StatusCode, secure, resp.Header.Get("Strict-Transport-Security"))
		}
	}
}
