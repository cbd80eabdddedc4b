package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"sunshine/internal/app"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/platform/web"
)

// BenchmarkVisitSheets times preparing 100 visit sheets for the demo's town
// staff (POST /api/v1/visits/sheets: scope, three reads and an audit entry
// per person) against the baseline of the same run, a page of 100 persons
// of the same town (GET /api/v1/persons?limit=100), on SQLite and, when
// SUNSHINE_TEST_PG is set, on PostgreSQL.
//
//	go test -run '^$' -bench VisitSheets ./internal/app/
func BenchmarkVisitSheets(b *testing.B) {
	engines := []struct {
		name string
		open func(testing.TB) *db.DB
	}{{"sqlite", testkit.SQLite}, {"postgres", testkit.Postgres}}
	for _, eng := range engines {
		b.Run(eng.name, func(b *testing.B) {
			d := eng.open(b)
			ctx := context.Background()
			a, err := app.New(ctx, d, app.Config{KeyFile: filepath.Join(b.TempDir(), "key")})
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			if err := a.LoadDemo(ctx, 3000, 7, io.Discard); err != nil {
				b.Fatal(err)
			}
			tok, _, err := a.Users.Login(ctx, "demo_town", app.DemoPassword, "web")
			if err != nil {
				b.Fatal(err)
			}
			h := a.Handler()
			call := func(method, path string, body []byte) []byte {
				r := httptest.NewRequest(method, path, bytes.NewReader(body))
				r.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: tok})
				r.Header.Set("Sec-Fetch-Site", "same-origin")
				if body != nil {
					r.Header.Set("Content-Type", "application/json")
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("%s %s: %d %.300s", method, path, w.Code, w.Body.String())
				}
				return w.Body.Bytes()
			}
			var list struct {
				Items []struct{ ID int64 }
			}
			if err := json.Unmarshal(call("GET", "/api/v1/persons?limit=100&status=active", nil), &list); err != nil || len(list.Items) < 100 {
				b.Fatalf("persons: %v, %d", err, len(list.Items))
			}
			ids := make([]int64, len(list.Items))
			for i, p := range list.Items {
				ids[i] = p.ID
			}
			body, _ := json.Marshal(map[string]any{"year": a.DB.Now().Year(), "person_ids": ids})
			b.Run("baseline_list100", func(b *testing.B) {
				for b.Loop() {
					call("GET", "/api/v1/persons?limit=100&status=active", nil)
				}
			})
			b.Run("sheets100", func(b *testing.B) {
				for b.Loop() {
					call("POST", "/api/v1/visits/sheets", body)
				}
			})
		})
	}
}
