package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestTwoFactorHTTP: once "town" enrolled a second factor, the API and the
// sign-in page refuse its password alone (401 otp_required; the page asks
// for the code in a second step on a server-side challenge) and accept it
// with a right code (computed by github.com/pquerna/otp); the code is not
// accepted twice; the security administrator resets it with a reason,
// audited, and the password alone works again. An account of a role that
// should have a second factor and has none is sent to enrol after a page
// sign-in.
func TestTwoFactorHTTP(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var later atomic.Int64 // how far the clock was moved on
		base := d.Clock
		d.Clock = func() time.Time { return base().Add(time.Duration(later.Load())) }
		ctx := context.Background()
		client := &http.Client{CheckRedirect: apptest.NoRedirect}
		post := func(path string, form url.Values) (*http.Response, string) {
			t.Helper()
			resp, err := client.PostForm(e.Srv.URL+path, form)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b strings.Builder
			buf := make([]byte, 4096)
			for {
				n, err := resp.Body.Read(buf)
				b.Write(buf[:n])
				if err != nil {
					break
				}
			}
			return resp, b.String()
		}
		// Not enrolled: the page sends town staff to enrol first.
		resp, _ := post("/login", url.Values{"username": {"town"}, "password": {apptest.Password}})
		if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/account/2fa?next=") {
			t.Fatalf("page sign-in without a second factor: %d %q, want 303 to /account/2fa", resp.StatusCode, resp.Header.Get("Location"))
		}
		// The enrolment page shows a secret; a right code turns it on and
		// shows the recovery codes.
		body := e.page(t, "town", "/account/2fa", 200)
		m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, "otpauth://totp/") {
			t.Fatalf("enrolment page without a secret: %s", body)
		}
		secret := m[1]
		code := func() string {
			c, err := totp.GenerateCodeCustom(secret, d.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		next := func() string { // the code of the step after now (accepted: drift)
			c, err := totp.GenerateCodeCustom(secret, d.Now().Add(30*time.Second), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		e.submit(t, "town", "/account/2fa", url.Values{"otp": {"12"}}, 422, `aria-describedby="e-otp"`)
		body = e.submit(t, "town", "/account/2fa", url.Values{"otp": {code()}}, 200)
		if n := strings.Count(body, "<li><code>"); n != 10 {
			t.Fatalf("%d recovery codes shown", n)
		}
		// API: the password alone is not enough.
		var errBody struct {
			Error struct {
				Code   string
				Fields []struct{ Field, Code string }
			}
		}
		st, _ := e.DoRaw("", "POST", "/api/v1/session", map[string]string{"username": "town", "password": apptest.Password}, &errBody, nil)
		if st != 401 || len(errBody.Error.Fields) != 1 || errBody.Error.Fields[0].Field != "otp" || errBody.Error.Fields[0].Code != "otp_required" {
			t.Fatalf("API sign-in without a code: %d %+v", st, errBody)
		}
		c := next()
		var ok struct{ Token string }
		if st := e.Do("", "POST", "/api/v1/session", map[string]string{"username": "town", "password": apptest.Password, "otp": c}, &ok); st != 200 || ok.Token == "" {
			t.Fatalf("API sign-in with a right code: %d", st)
		}
		if st := e.Do("", "POST", "/api/v1/session", map[string]string{"username": "town", "password": apptest.Password, "otp": c}, nil); st != 401 {
			t.Fatalf("API sign-in with the same code again: %d, want 401", st)
		}
		// Page: the password alone opens no session but a second step.
		resp, body = post("/login", url.Values{"username": {"town"}, "password": {apptest.Password}})
		m = regexp.MustCompile(`name="challenge" value="([^"]+)"`).FindStringSubmatch(body)
		if resp.StatusCode != 200 || m == nil || len(resp.Cookies()) != 0 || !strings.Contains(body, "town") {
			t.Fatalf("page sign-in with the password alone: %d %v %s", resp.StatusCode, resp.Cookies(), body)
		}
		challenge := m[1]
		resp, body = post("/login/otp", url.Values{"challenge": {challenge}, "otp": {c}})
		if resp.StatusCode != 401 || len(resp.Cookies()) != 0 || !strings.Contains(body, `aria-describedby="e-otp"`) {
			t.Fatalf("second step with a used code: %d %s", resp.StatusCode, body)
		}
		resp, _ = post("/login/otp", url.Values{"challenge": {"forged"}, "otp": {code()}})
		if resp.StatusCode != 401 || len(resp.Cookies()) != 0 {
			t.Fatalf("second step with a forged challenge: %d", resp.StatusCode)
		}
		later.Store(int64(61 * time.Second)) // a step whose code was not used yet
		resp, _ = post("/login/otp", url.Values{"challenge": {challenge}, "otp": {code()}, "next": {"/persons"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/persons" || len(resp.Cookies()) != 1 {
			t.Fatalf("second step with a right code: %d %q %v", resp.StatusCode, resp.Header.Get("Location"), resp.Cookies())
		}
		if resp, _ = post("/login/otp", url.Values{"challenge": {challenge}, "otp": {next()}}); resp.StatusCode != 401 {
			t.Fatalf("the challenge used again: %d", resp.StatusCode)
		}
		// The security administrator resets it, with a reason, audited.
		if st := e.Do("sysadmin", "POST", "/api/v1/users/town/2fa/reset", map[string]string{"reason": "lost phone"}, nil); st != 403 {
			t.Fatalf("reset by the system administrator: %d", st)
		}
		if st := e.Do("secadmin", "POST", "/api/v1/users/town/2fa/reset", map[string]string{"reason": ""}, nil); st != 422 {
			t.Fatalf("reset without a reason: %d", st)
		}
		if st := e.Do("secadmin", "POST", "/api/v1/users/town/2fa/reset", map[string]string{"reason": "lost phone"}, nil); st != 200 {
			t.Fatalf("reset: %d", st)
		}
		entries, _, err := e.App.Audit.List(ctx, audit.Filter{Action: audit.ActionTwoFactorReset, Limit: 10})
		if err != nil || len(entries) != 1 || entries[0].Username != "secadmin" || entries[0].SubjectID != "town" || entries[0].Detail != "lost phone" {
			t.Fatalf("audit of the reset: %+v %v", entries, err)
		}
		e.Login("town") // the password alone again
	})
}
