package federation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/federation"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

var actor = federation.Actor{Username: "test"}

func fieldsOf(err error) []string {
	e, ok := apperr.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}

// TestAddPeerRefuses: a partner's name, address and token are checked, each
// with its field; nothing is written on a refusal; a second registration of
// a district replaces its address and key.
func TestAddPeerRefuses(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		jd := newInstall(t, d, "310114", "310114102", 1, 0)
		st := jd.App.Federation.Store
		ctx := context.Background()
		good := federation.Token{District: "320583", KeyID: "00112233aabbccdd", Secret: bytes.Repeat([]byte{1}, 32)}.String()
		cases := []struct {
			in   federation.PeerInput
			want string
		}{
			{federation.PeerInput{Name: "", URL: "https://ks.example.cn", Token: good}, "name:required"},
			{federation.PeerInput{Name: "昆山\x07", URL: "https://ks.example.cn", Token: good}, "name:control"},
			{federation.PeerInput{Name: "昆山", URL: "ftp://ks.example.cn", Token: good}, "url:invalid"},
			{federation.PeerInput{Name: "昆山", URL: "https://user:pw@ks.example.cn", Token: good}, "url:invalid"},
			{federation.PeerInput{Name: "昆山", URL: "https://ks.example.cn/?x=1", Token: good}, "url:invalid"},
			{federation.PeerInput{Name: "昆山", URL: "ks.example.cn", Token: good}, "url:invalid"},
			{federation.PeerInput{Name: "昆山", URL: "https://ks.example.cn", Token: "sunshine-peer1.320583.zz.abc"}, "token:invalid"},
			{federation.PeerInput{Name: "昆山", URL: "https://ks.example.cn", Token: strings.Replace(good, "320583", "310114", 1)}, "token:own"},
			{federation.PeerInput{Name: "昆山", URL: "https://ks.example.cn", Token: strings.Replace(good, "320583", "999999", 1)}, "token:district"},
		}
		for _, c := range cases {
			_, _, err := st.AddPeer(ctx, actor, c.in)
			if got := fieldsOf(err); len(got) != 1 || got[0] != c.want {
				t.Errorf("%+v: fields %v, want %s (%v)", c.in, got, c.want, err)
			}
		}
		if peers, _ := st.Peers(ctx, true); len(peers) != 0 {
			t.Fatalf("refusals wrote %v", peers)
		}
		p, created, err := st.AddPeer(ctx, actor, federation.PeerInput{Name: "昆山市残联", URL: "https://ks.example.cn/", Token: good})
		if err != nil || !created || p.URL != "https://ks.example.cn" || p.District != "320583" {
			t.Fatalf("add: %+v %v %v", p, created, err)
		}
		again := federation.Token{District: "320583", KeyID: "99112233aabbccdd", Secret: bytes.Repeat([]byte{2}, 32)}.String()
		p2, created, err := st.AddPeer(ctx, actor, federation.PeerInput{Name: "昆山市残疾人联合会", URL: "https://ks2.example.cn", Token: again})
		if err != nil || created || p2.ID != p.ID || p2.KeyID != "99112233aabbccdd" {
			t.Fatalf("replace: %+v %v %v", p2, created, err)
		}
		if err := st.RevokePeer(ctx, actor, "320583"); err != nil {
			t.Fatal(err)
		}
		if err := st.RevokePeer(ctx, actor, "320583"); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("revoke twice: %v", err)
		}
		peers, _ := st.Peers(ctx, true)
		if len(peers) != 1 || !peers[0].Revoked {
			t.Fatalf("after revoke: %+v", peers)
		}
		// A key is issued to peer accounts only.
		if _, _, err := st.Issue(ctx, actor, "staff"); fmt.Sprint(fieldsOf(err)) != "[username:not_peer]" {
			t.Fatalf("issue to a staff account: %v", err)
		}
	})
}

// TestSeal: what one district seals for another opens only there, with the
// same binding, and not once the key is revoked; any change is refused.
func TestSeal(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		jd := newInstall(t, d, "310114", "310114102", 1, 0, "320583")
		ks := newInstall(t, freshDB(t, d), "320583", "320583100", 1, 0, "310114")
		pair(t, jd, ks, "昆山市残联")
		ctx := context.Background()
		aad := []byte("ref 1")
		key, sealed, err := jd.App.Federation.Store.Seal(ctx, "320583", aad, []byte("a person's record"))
		if err != nil {
			t.Fatal(err)
		}
		from, plain, err := ks.App.Federation.Store.Open(ctx, key, aad, sealed)
		if err != nil || from != "310114" || string(plain) != "a person's record" {
			t.Fatalf("open: %q %q %v", from, plain, err)
		}
		bad := bytes.Clone(sealed)
		bad[len(bad)-1] ^= 1
		for name, try := range map[string]func() error{
			"tampered":  func() error { _, _, err := ks.App.Federation.Store.Open(ctx, key, aad, bad); return err },
			"other aad": func() error { _, _, err := ks.App.Federation.Store.Open(ctx, key, []byte("ref 2"), sealed); return err },
			"at home":   func() error { _, _, err := jd.App.Federation.Store.Open(ctx, key, aad, sealed); return err },
			"bad key":   func() error { _, _, err := ks.App.Federation.Store.Open(ctx, "nothex", aad, sealed); return err },
		} {
			if err := try(); apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("%s: %v", name, err)
			}
		}
		if _, _, err := jd.App.Federation.Store.Seal(ctx, "320585", aad, []byte("x")); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("seal for a district that is not a partner: %v", err)
		}
		if err := ks.App.Federation.Store.RevokeKey(ctx, actor, key); err != nil {
			t.Fatal(err)
		}
		if _, _, err := ks.App.Federation.Store.Open(ctx, key, aad, sealed); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("open with a revoked key: %v", err)
		}
	})
}

// TestBadPartners: a partner that answers slowly, with garbage, with an
// error or with too much is reported as such, within the wait, and the
// dashboard still renders the others.
func TestBadPartners(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		jd := newInstall(t, d, "310114", "310114102", 6, 5)
		ctx := context.Background()
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		}))
		defer slow.Close()
		garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>not json</html>"))
		}))
		defer garbage.Close()
		add := func(district, url string) {
			tok := federation.Token{District: district, KeyID: "00112233aabbcc" + district[4:], Secret: bytes.Repeat([]byte{3}, 32)}
			if _, _, err := jd.App.Federation.Store.AddPeer(ctx, actor, federation.PeerInput{Name: "合作" + district, URL: url, Token: tok.String()}); err != nil {
				t.Fatal(err)
			}
		}
		add("320583", slow.URL)
		add("320585", garbage.URL)
		jd.App.Federation.Client.Wait = 700 * time.Millisecond
		began := time.Now()
		o, err := jd.App.Federation.Client.Indicators(ctx, jd.App.Federation.Local, start.Year(), "en", "district_staff")
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(began); took > 2*time.Second {
			t.Errorf("took %v with a slow partner", took)
		}
		if len(o.Items) != 3 || o.Items[0].Error != "" || !strings.Contains(o.Items[1].Error, "no answer within") || !strings.Contains(o.Items[2].Error, "not the data expected") {
			t.Fatalf("entries: %+v", o.Items)
		}
		emp := get(o.Total, "employment_rate")
		if n(emp.Numerator) != 5 || n(emp.Denominator) != 6 {
			t.Fatalf("total of the home only: %+v", emp)
		}
		// An error status is reported with the partner's message; a redirect is not followed.
		errSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v1/federation/about" {
				http.Redirect(w, r, "http://127.0.0.1:9/", http.StatusFound)
				return
			}
			w.WriteHeader(401)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "unauthorized", "message": "The signed call is not valid\x1b[31m"}})
		}))
		defer errSrv.Close()
		add("320585", errSrv.URL)
		var f federation.Figures
		err = jd.App.Federation.Client.Get(ctx, "320585", "/api/v1/indicators?orgunit=320585&year=2026", &f)
		if e, ok := apperr.As(err); !ok || !strings.Contains(e.Msg.En, "answered error 401: The signed call is not valid") || strings.Contains(e.Msg.En, "\x1b") {
			t.Fatalf("error status: %v", err)
		}
		var ab federation.About
		if err := jd.App.Federation.Client.Get(ctx, "320585", "/api/v1/federation/about", &ab); err == nil || !strings.Contains(err.Error(), "302") {
			t.Fatalf("redirect: %v", err)
		}
		st, page := jd.do(jd.Staff, "GET", "/federation?year=2026&lang=en", nil, nil)
		if st != 200 || !strings.Contains(string(page), "no answer") {
			t.Fatalf("dashboard: %d", st)
		}
	})
}

// TestHomeDistrict: the home district is kept on first start; another code
// later is refused, and so is a code that is not a district.
func TestHomeDistrict(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		key := filepath.Join(t.TempDir(), "key")
		if _, err := app.New(ctx, d, app.Config{KeyFile: key, District: "999999", PasswordHash: apptest.HashCost()}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("a code that is not a district: %v", err)
		}
		a, err := app.New(ctx, d, app.Config{KeyFile: key, District: "320585", PasswordHash: apptest.HashCost()})
		if err != nil {
			t.Fatal(err)
		}
		if a.District != "320585" {
			t.Fatalf("home %s", a.District)
		}
		t.Cleanup(func() { _ = a.Close() }) // closes d: the apps below share it
		for _, want := range []string{"", "320585"} {
			b, err := app.New(ctx, d, app.Config{KeyFile: key, District: want, PasswordHash: apptest.HashCost()})
			if err != nil || b.District != "320585" {
				t.Fatalf("reopen with %q: %v", want, err)
			}
		}
		if _, err := app.New(ctx, d, app.Config{KeyFile: key, District: "310114", PasswordHash: apptest.HashCost()}); apperr.CodeOf(err) != apperr.Conflict ||
			!strings.Contains(err.Error(), "320585") {
			t.Fatalf("another district later: %v", err)
		}
	})
}
