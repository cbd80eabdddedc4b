package app_test

import (
	"bytes"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestInstallable: every page links the manifest and loads the script that
// registers the service worker; the manifest names the app and lists icons
// that are PNG images of their sizes; the service worker is served from the
// root; the offline page speaks both languages and names no account; signing
// out tells the browser to clear what the site stored (issue 21).
func TestInstallable(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		for _, path := range []string{"/", "/persons", "/visits"} {
			body := e.page(t, "village", path, 200, `<link rel="manifest" href="/manifest.webmanifest">`, `<script src="/static/app.js" defer></script>`)
			if strings.Contains(path, "visits") && !strings.Contains(body, `src="/visits/visits.js"`) {
				t.Errorf("%s: no visits script", path)
			}
		}
		e.page(t, "", "/login", 200, `<link rel="manifest" href="/manifest.webmanifest">`)
		st, raw := e.DoRaw("", "GET", "/static/app.js", nil, nil, nil)
		if st != 200 || !strings.Contains(string(raw), `navigator.serviceWorker.register("/sw.js")`) {
			t.Errorf("app.js does not register the service worker: %d", st)
		}

		var m struct {
			Name     string
			StartURL string `json:"start_url"`
			Icons    []struct{ Src, Sizes, Type string }
		}
		if st, raw := e.DoRaw("", "GET", "/manifest.webmanifest", nil, &m, nil); st != 200 || m.Name == "" || m.StartURL != "/" || len(m.Icons) < 3 {
			t.Fatalf("manifest: %d %s", st, raw)
		}
		for _, ic := range m.Icons {
			st, raw := e.DoRaw("", "GET", ic.Src, nil, nil, nil)
			if st != 200 {
				t.Errorf("icon %s: %d", ic.Src, st)
				continue
			}
			if ic.Type != "image/png" {
				continue
			}
			img, err := png.Decode(bytes.NewReader(raw))
			if err != nil {
				t.Errorf("icon %s: %v", ic.Src, err)
				continue
			}
			if b := img.Bounds(); ic.Sizes != strconv.Itoa(b.Dx())+"x"+strconv.Itoa(b.Dy()) {
				t.Errorf("icon %s: %v, the manifest says %s", ic.Src, b, ic.Sizes)
			}
		}
		if st, _ := e.DoRaw("", "GET", "/icons/300.png", nil, nil, nil); st != 404 {
			t.Errorf("an icon of no listed size: %d", st)
		}
		req, _ := http.NewRequest("GET", e.Srv.URL+"/sw.js", nil)
		resp, err := e.Srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || resp.Header.Get("Service-Worker-Allowed") != "/" {
			t.Errorf("sw.js: %d %v", resp.StatusCode, resp.Header)
		}

		off := e.page(t, "village", "/offline", 200, "没有网络", "No network", `href="/visits"`)
		if strings.Contains(off, "village") || strings.Contains(off, "/logout") {
			t.Errorf("the offline page names the account: %s", off)
		}

		// Signing out clears the site's storage in the browser.
		out, _ := http.NewRequest("POST", e.Srv.URL+"/logout", nil)
		out.Header.Set("Authorization", "Bearer "+e.Tokens["village"])
		resp, err = (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(out)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Clear-Site-Data") != `"storage"` {
			t.Errorf("sign-out: %d, Clear-Site-Data %q", resp.StatusCode, resp.Header.Get("Clear-Site-Data"))
		}
	})
}
