package federation_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"sunshine/internal/federation"
	"sunshine/internal/platform/signedreq"
	"sunshine/internal/platform/testkit"
)

// BenchmarkCall: a partner's signed call (checking the signature, recording
// the nonce) against the same call with a bearer token (a session), on
// SQLite: what signing costs a partner installation per call.
func BenchmarkCall(b *testing.B) {
	in := newInstall(b, testkit.SQLite(b), "310114", "310114102", 1, 0, "320583")
	ctx := context.Background()
	tok, _, err := in.App.Federation.Store.Issue(ctx, federation.Actor{Username: "bench"}, "peer_320583")
	if err != nil {
		b.Fatal(err)
	}
	bearer := in.login("peer_320583")
	call := func(b *testing.B, sign bool) {
		for b.Loop() {
			req, _ := http.NewRequest("GET", in.Srv.URL+"/api/v1/federation/about", nil)
			if sign {
				if err := signedreq.Sign(req, tok.KeyID, tok.Secret, in.App.DB.Now()); err != nil {
					b.Fatal(err)
				}
			} else {
				req.Header.Set("Authorization", "Bearer "+bearer)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	}
	b.Run("bearer", func(b *testing.B) { call(b, false) })
	b.Run("signed", func(b *testing.B) { call(b, true) })
}
