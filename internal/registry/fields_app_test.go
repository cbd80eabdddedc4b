package registry_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// TestEveryAnnualFieldEndToEnd walks each yes/no field of
// registry.AnnualFields, as the table names it, through the running app: the
// API (PUT and GET), the page's form (shown and posted), the export and the
// import template, and an import. Nothing here lists the fields again, so a
// field added to the table is checked on every path.
func TestEveryAnnualFieldEndToEnd(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
		a := apptest.New(t, d, now)
		pid := apptest.Person(t, a, 1, "字段", apptest.Village, 4, 2)
		const password = "correct horse battery"
		if _, err := a.Users.Create(ctx, identity.User{Username: "town", Role: identity.TownStaff, OrgUnit: "310114102"}, password, nil); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(a.Handler())
		t.Cleanup(srv.Close)
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		token := ""
		send := func(method, path, ctype string, body io.Reader) (int, []byte) {
			t.Helper()
			req, _ := http.NewRequest(method, srv.URL+path, body)
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, raw
		}
		sendJSON := func(method, path string, body any) (int, map[string]any) {
			t.Helper()
			b, _ := json.Marshal(body)
			st, raw := send(method, path, "application/json", bytes.NewReader(b))
			var out map[string]any
			_ = json.Unmarshal(raw, &out)
			return st, out
		}
		st, login := sendJSON("POST", "/api/v1/session", map[string]string{"username": "town", "password": password})
		if st != 200 {
			t.Fatalf("login: %d %v", st, login)
		}
		token = login["token"].(string)

		year := now.Year()
		api := fmt.Sprintf("/api/v1/persons/%d/annual/%d", pid, year)
		page := fmt.Sprintf("/persons/%d/annual/%d", pid, year)
		var boxes []registry.AnnualField
		for _, f := range registry.AnnualFields {
			if f.YesNo {
				boxes = append(boxes, f)
			}
		}
		if len(boxes) == 0 {
			t.Fatal("no yes/no fields")
		}
		// onlyTrue checks that of the yes/no fields exactly want is true in rec.
		onlyTrue := func(what string, rec map[string]any, want string) {
			t.Helper()
			for _, f := range boxes {
				if v, ok := rec[f.Field].(bool); !ok || v != (f.Field == want) {
					t.Errorf("%s: %s is %v (want only %s true)", what, f.Field, rec[f.Field], want)
				}
			}
		}
		for _, f := range boxes {
			// The API: PUT with the field's JSON key, GET it back.
			body := map[string]any{"employment": "employed", f.Field: true}
			if st, rec := sendJSON("PUT", api, body); st != 200 {
				t.Fatalf("%s: PUT %d %v", f.Field, st, rec)
			} else {
				onlyTrue("PUT "+f.Field, rec, f.Field)
			}
			if st, rec := sendJSON("GET", api, nil); st != 200 {
				t.Fatalf("%s: GET %d", f.Field, st)
			} else {
				onlyTrue("GET "+f.Field, rec, f.Field)
			}
			// The form shows the box, ticked, with its label.
			st, html := send("GET", page, "", nil)
			if st != 200 {
				t.Fatalf("%s: page %d", f.Field, st)
			}
			for _, want := range []string{fmt.Sprintf(`<input type="radio" id="f-%s-1" name="%s" value="1" checked>`, f.Field, f.Field),
				fmt.Sprintf(`<legend>%s</legend>`, f.LabelZh)} {
				if !strings.Contains(string(html), want) {
					t.Errorf("%s: the form has no %s", f.Field, want)
				}
			}
			// The export has the column, and 是 in it.
			st, file := send("GET", fmt.Sprintf("/api/v1/exports/annual?format=csv&year=%d", year), "", nil)
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(file), "\ufeff"))).ReadAll()
			if st != 200 || err != nil || len(rows) != 2 {
				t.Fatalf("%s: export %d %v %q", f.Field, st, err, file)
			}
			col := slices.Index(rows[0], f.Zh)
			if col < 0 || rows[1][col] != "是" {
				t.Errorf("%s: export header %v, row %v", f.Field, rows[0], rows[1])
			}
			for i, h := range rows[0] {
				if h != f.Zh && rows[1][i] == "是" {
					t.Errorf("%s: the export says 是 under %s too", f.Field, h)
				}
			}
			// Posting the form with only this box ticked clears the others.
			for _, g := range boxes {
				if g.Field == f.Field {
					continue
				}
				form := url.Values{"employment": {"employed"}, "economic_status": {"normal"}, g.Field: {"1"}}
				if st, raw := send("POST", page, "application/x-www-form-urlencoded", strings.NewReader(form.Encode())); st != http.StatusSeeOther {
					t.Fatalf("%s: form %d %s", g.Field, st, raw)
				}
				_, rec := sendJSON("GET", api, nil)
				onlyTrue("form "+g.Field, rec, g.Field)
				break
			}
			// An import with the field's English header, and 是 only there.
			cols := registry.AnnualColumns()
			header, cells := make([]string, len(cols)), make([]string, len(cols))
			for i, c := range cols {
				header[i] = c.En
				switch {
				case c.Field == "id_number":
					cells[i] = "31011419800101" + "101"
				case c.Field == "employment":
					cells[i] = "employed"
				case c.Field == f.Field:
					cells[i] = "是"
				case slices.Contains(c.Choices, "否"):
					cells[i] = "否"
				}
			}
			first17 := "31011419800101101"
			cells[0] = first17 + string(registry.IDCheckChar(first17))
			var mp bytes.Buffer
			mw := multipart.NewWriter(&mp)
			fw, _ := mw.CreateFormFile("file", "annual.csv")
			cw := csv.NewWriter(fw)
			_ = cw.WriteAll([][]string{header, cells})
			_ = mw.Close()
			st, raw := send("POST", fmt.Sprintf("/api/v1/imports/annual?year=%d", year), mw.FormDataContentType(), &mp)
			if st != 200 {
				t.Fatalf("%s: import %d %s", f.Field, st, raw)
			}
			_, rec := sendJSON("GET", api, nil)
			onlyTrue("import "+f.Field, rec, f.Field)
		}
		// The import template names every column of the table.
		st, tmpl := send("GET", "/api/v1/imports/annual/template?format=csv", "", nil)
		for _, f := range registry.AnnualFields {
			if st != 200 || !strings.Contains(string(tmpl), f.Zh) {
				t.Errorf("%s: the import template (%d) has no column %s", f.Field, st, f.Zh)
			}
		}
	})
}
