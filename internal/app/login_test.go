package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestLoginThrottleHTTP: over HTTP, wrong passwords answer 401 until the
// (account, address) pair is full, then 429 with a Retry-After and a
// message in the caller's language, for an unknown username exactly as for
// a known one; the sign-in page answers the same; the account's user signs
// in from another address meanwhile. A weak password for a new user is a
// 422 naming the password's fault, on the API and on the users page.
func TestLoginThrottleHTTP(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, apptest.Start())
		h := a.Handler()
		for _, u := range []identity.User{{Username: "town", Role: identity.TownStaff, OrgUnit: "310114102"}, {Username: "sysadmin", Role: identity.SysAdmin, OrgUnit: "310114"}} {
			if _, err := a.Users.Create(ctx, u, apptest.Password, nil); err != nil {
				t.Fatal(err)
			}
		}
		send := func(method, path, addr, lang, token string, body any) *httptest.ResponseRecorder {
			t.Helper()
			var req *http.Request
			if form, ok := body.(url.Values); ok {
				req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			} else {
				raw, _ := json.Marshal(body)
				req = httptest.NewRequest(method, path, strings.NewReader(string(raw)))
				req.Header.Set("Content-Type", "application/json")
			}
			req.RemoteAddr = addr + ":40000"
			if lang != "" {
				req.Header.Set("Accept-Language", lang)
			}
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			return w
		}
		login := func(username, password, addr, lang string) *httptest.ResponseRecorder {
			return send("POST", "/api/v1/session", addr, lang, "", map[string]string{"username": username, "password": password})
		}
		var errBody struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
				Fields  []struct{ Field, Code, Message string }
			} `json:"error"`
		}
		const attacker = "203.0.113.9"
		var seen []string
		for _, name := range []string{"town", "nobody"} {
			var got []string
			for i := range identity.MaxFailures + 1 {
				pw, lang := "wrong password!!", "en"
				if i == identity.MaxFailures {
					pw, lang = apptest.Password, ""
				}
				w := login(name, pw, attacker, lang)
				got = append(got, fmt.Sprintf("%d retry=%q %s", w.Code, w.Header().Get("Retry-After"), strings.TrimSpace(w.Body.String())))
			}
			if seen == nil {
				seen = got
			} else if strings.Join(got, "\n") != strings.Join(seen, "\n") {
				t.Errorf("the unknown username is answered\n%s\nthe known one\n%s", strings.Join(got, "\n"), strings.Join(seen, "\n"))
			}
		}
		for i, want := range []string{`401 retry=""`, `401 retry=""`, `401 retry=""`, `401 retry=""`,
			`429 retry="900" {"error":{"code":"too_many","message":"Too many failed sign-in attempts; try again in 15 minutes."}}`,
			`429 retry="900" {"error":{"code":"too_many","message":"登录失败次数过多，请在 15 分钟后再试。"}}`} {
			if !strings.HasPrefix(seen[i], want) {
				t.Errorf("attempt %d: %s, want %s", i+1, seen[i], want)
			}
		}
		// The sign-in page from the blocked address.
		w := send("POST", "/login", attacker, "", "", url.Values{"username": {"town"}, "password": {apptest.Password}})
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "900" || !strings.Contains(w.Body.String(), "15 分钟后再试") {
			t.Errorf("POST /login from the blocked address: %d %q %s", w.Code, w.Header().Get("Retry-After"), w.Body.String())
		}
		// The user, elsewhere.
		if w := login("town", apptest.Password, "198.51.100.7", ""); w.Code != http.StatusOK {
			t.Fatalf("town from another address: %d %s", w.Code, w.Body.String())
		}
		// Weak passwords for a new user.
		w = login("sysadmin", apptest.Password, "198.51.100.8", "")
		var signed struct{ Token string }
		if err := json.Unmarshal(w.Body.Bytes(), &signed); err != nil || signed.Token == "" {
			t.Fatalf("sysadmin: %d %s", w.Code, w.Body.String())
		}
		w = send("POST", "/api/v1/users", "198.51.100.8", "en", signed.Token,
			map[string]string{"username": "lili", "role": identity.TownStaff, "orgunit": "310114102", "password": "passwordpassword"})
		if err := json.Unmarshal(w.Body.Bytes(), &errBody); w.Code != http.StatusUnprocessableEntity || err != nil || len(errBody.Error.Fields) != 1 ||
			errBody.Error.Fields[0].Field != "password" || errBody.Error.Fields[0].Code != "repeated" || !strings.Contains(errBody.Error.Fields[0].Message, "repeated") {
			t.Errorf("POST /api/v1/users with passwordpassword: %d %s", w.Code, w.Body.String())
		}
		w = send("POST", "/users", "198.51.100.8", "", signed.Token, url.Values{"username": {"lili"}, "role": {identity.TownStaff},
			"orgunit": {"310114102"}, "password": {identity.DemoPassword}})
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "公开的演示密码") {
			t.Errorf("POST /users with the demo password: %d %s", w.Code, w.Body.String())
		}
	})
}
