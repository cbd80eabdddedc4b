package app_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

type apiError struct {
	Error struct {
		Code    string
		Message string
		Fields  []struct{ Field, Code, Message string }
	}
}

func (a apiError) has(field, code string) bool {
	for _, f := range a.Error.Fields {
		if f.Field == field && f.Code == code {
			return true
		}
	}
	return false
}

type person struct {
	ID             int64
	Name           string
	IDNumberMasked string `json:"id_number_masked"`
	PhoneMasked    string `json:"phone_masked"`
	Sex            string
	BirthYear      int `json:"birth_year"`
	Age            int `json:"age"`
	OrgUnit        string
	Version        int
}

func TestPersonValidation(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		good := func() map[string]any {
			return map[string]any{"name": "张三", "id_number": "11010519491231002x", "certificate_number": "11010519491231002X42",
				"category": 4, "grade": 2, "orgunit": villageIn, "phone": "13912345678", "hukou": "local", "status": "active",
				"certificate_issued": "2020-01-02"}
		}
		cases := []struct {
			name        string
			change      map[string]any
			field, code string
		}{
			{"short id", map[string]any{"id_number": "1101051949123100"}, "id_number", "length"},
			{"letters in id", map[string]any{"id_number": "11010519491231A02X"}, "id_number", "charset"},
			{"impossible birth date", map[string]any{"id_number": apptest.IDNumber("11010519490230002")}, "id_number", "birth_date"},
			{"future birth date", map[string]any{"id_number": apptest.IDNumber(fmt.Sprintf("110105%d0101002", e.Year+1))}, "id_number", "birth_date"},
			{"bad check digit", map[string]any{"id_number": "110105194912310021"}, "id_number", "checksum"},
			{"certificate of another id", map[string]any{"certificate_number": apptest.IDNumber("11010519500101001") + "42"}, "certificate_number", "id_mismatch"},
			{"certificate category", map[string]any{"certificate_number": "11010519491231002X12"}, "certificate_number", "category_mismatch"},
			{"certificate grade", map[string]any{"certificate_number": "11010519491231002X43"}, "certificate_number", "grade_mismatch"},
			{"category 8", map[string]any{"category": 8}, "category", "invalid"},
			{"grade 0", map[string]any{"grade": 0}, "grade", "invalid"},
			{"unknown unit", map[string]any{"orgunit": "310114102999"}, "orgunit", "not_found"},
			{"town instead of village", map[string]any{"orgunit": "310114102"}, "orgunit", "level"},
			{"unit out of scope", map[string]any{"orgunit": villageTown2}, "orgunit", "scope"},
			{"bad phone", map[string]any{"phone": "1381234567"}, "phone", "format"},
			{"bad guardian phone", map[string]any{"guardian_phone": "12345"}, "guardian_phone", "format"},
			{"no name", map[string]any{"name": " "}, "name", "required"},
			{"bad hukou", map[string]any{"hukou": "mars"}, "hukou", "invalid"},
		}
		for _, c := range cases {
			body := good()
			for k, v := range c.change {
				body[k] = v
			}
			var got apiError
			if st := e.Do("town", "POST", "/api/v1/persons", body, &got); st != 422 || !got.has(c.field, c.code) {
				t.Errorf("%s: status %d, errors %+v; want 422 with %s/%s", c.name, st, got.Error.Fields, c.field, c.code)
			}
			if !strings.ContainsAny(got.Error.Message, "的请") {
				t.Errorf("%s: default message is not Chinese: %q", c.name, got.Error.Message)
			}
		}
		// English on request, naming the reason.
		body := good()
		body["id_number"] = "110105194912310021"
		var en apiError
		e.DoRaw("town", "POST", "/api/v1/persons", body, &en, http.Header{"Accept-Language": {"en-GB,en;q=0.9"}})
		if len(en.Error.Fields) != 1 || !strings.Contains(en.Error.Fields[0].Message, "check") {
			t.Errorf("English error = %+v", en.Error)
		}
		// A valid person: sex and birth year come from the ID number; secrets masked.
		var created person
		if st := e.Do("town", "POST", "/api/v1/persons", good(), &created); st != 201 {
			t.Fatalf("create: %d", st)
		}
		if created.Sex != "F" || created.BirthYear != 1949 || created.Age != e.Year-1949 || created.IDNumberMasked != "110105************" || created.PhoneMasked != "139****5678" {
			t.Errorf("created person = %+v", created)
		}
		// The same ID number again (even in another spelling) is a conflict.
		dup := good()
		dup["id_number"] = " 11010519491231002X "
		dup["certificate_number"] = ""
		var conflict apiError
		if st := e.Do("district", "POST", "/api/v1/persons", dup, &conflict); st != 409 || !conflict.has("id_number", "duplicate") {
			t.Errorf("duplicate: %d %+v", st, conflict)
		}
		// A search by full ID number finds the person.
		var list struct {
			Items []person
			Total int
		}
		if st := e.Do("town", "GET", "/api/v1/persons?q=11010519491231002x", nil, &list); st != 200 || list.Total != 1 || list.Items[0].ID != created.ID {
			t.Errorf("search by id: %d %+v", st, list)
		}
		if st := e.Do("town", "GET", "/api/v1/persons?q=张", nil, &list); st != 200 || list.Total != 1 {
			t.Errorf("search by name: %d %+v", st, list)
		}
		// Patch: stale version → 409; right version → 200 and version moves on.
		var stale apiError
		if st := e.Do("town", "PATCH", fmt.Sprintf("/api/v1/persons/%d", created.ID), map[string]any{"version": 7, "address": "x"}, &stale); st != 409 {
			t.Errorf("stale patch: %d", st)
		}
		var patched person
		if st := e.Do("town", "PATCH", fmt.Sprintf("/api/v1/persons/%d", created.ID), map[string]any{"version": created.Version, "phone": "021-59531234"}, &patched); st != 200 || patched.Version != created.Version+1 || patched.PhoneMasked == created.PhoneMasked {
			t.Errorf("patch: %d %+v", st, patched)
		}
		var bad apiError
		if st := e.Do("town", "PATCH", fmt.Sprintf("/api/v1/persons/%d", created.ID), map[string]any{"version": patched.Version, "grade": 9}, &bad); st != 422 || !bad.has("grade", "invalid") {
			t.Errorf("invalid patch: %d %+v", st, bad)
		}
		// Town staff do not see another town's person; the district does.
		if st := e.Do("town", "GET", fmt.Sprintf("/api/v1/persons/%d", e.Town2), nil, nil); st != 404 {
			t.Errorf("town staff read another town's person: %d", st)
		}
		if st := e.Do("district", "GET", fmt.Sprintf("/api/v1/persons/%d", e.Town2), nil, nil); st != 200 {
			t.Errorf("district staff cannot read a person of the district: %d", st)
		}
		// A person account sees only its own record.
		if st := e.Do("person", "GET", fmt.Sprintf("/api/v1/persons/%d", created.ID), nil, nil); st != 404 {
			t.Errorf("a person read someone else's record: %d", st)
		}
	})
}

func TestRevealAuditAndAccessLog(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		path := fmt.Sprintf("/api/v1/persons/%d", e.In)
		var noReason apiError
		if st := e.Do("village", "POST", path+"/reveal", map[string]string{"reason": ""}, &noReason); st != 422 || !noReason.has("reason", "required") {
			t.Errorf("reveal without reason: %d %+v", st, noReason)
		}
		var rev struct {
			IDNumber string `json:"id_number"`
			Phone    string
		}
		if st := e.Do("village", "POST", path+"/reveal", map[string]string{"reason": "入户走访"}, &rev); st != 200 || rev.Phone != "13812345678" || len(rev.IDNumber) != 18 {
			t.Fatalf("reveal: %d %+v", st, rev)
		}
		e.Do("town", "GET", path, nil, nil)
		var log struct {
			Items []struct{ Username, Action, Reason, Client string }
		}
		if st := e.Do("person", "GET", path+"/access-log", nil, &log); st != 200 {
			t.Fatalf("access log: %d", st)
		}
		var sawReveal, sawRead bool
		for _, it := range log.Items {
			sawReveal = sawReveal || (it.Action == "reveal" && it.Username == "village" && it.Reason == "入户走访" && it.Client != "")
			sawRead = sawRead || (it.Action == "read" && it.Username == "town")
		}
		if !sawReveal || !sawRead {
			t.Errorf("access log misses the reveal or the read: %+v", log.Items)
		}
		var all struct {
			Items []map[string]any
		}
		if st := e.Do("auditor", "GET", "/api/v1/audit?user=village&limit=500", nil, &all); st != 200 || len(all.Items) == 0 {
			t.Fatalf("audit by user: %d %d", st, len(all.Items))
		}
		_, raw := e.DoRaw("auditor", "GET", "/api/v1/audit?limit=500", nil, nil, nil)
		if bytes.Contains(raw, []byte(rev.IDNumber)) || bytes.Contains(raw, []byte(rev.Phone)) {
			t.Error("the audit log holds personal data")
		}
		var v struct {
			OK      bool
			Checked int
		}
		if st := e.Do("auditor", "GET", "/api/v1/audit/verify", nil, &v); st != 200 || !v.OK || v.Checked == 0 {
			t.Errorf("verify: %d %+v", st, v)
		}
		from := d.Now().Add(time.Hour).Format(time.RFC3339)
		if st := e.Do("auditor", "GET", "/api/v1/audit?from="+from, nil, &all); st != 200 || len(all.Items) != 0 {
			t.Errorf("time filter: %d %d", st, len(all.Items))
		}
	})
}

// TestEncryptedAtRest reads the raw database and finds no plain ID number or phone.
func TestEncryptedAtRest(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		id, phone, guardian := apptest.IDNumber("31011419751120123"), "13698765432", "13587654321"
		cert := id + "11"
		var created person
		if st := e.Do("district", "POST", "/api/v1/persons", map[string]any{"name": "李四", "id_number": id, "certificate_number": cert,
			"category": 1, "grade": 1, "orgunit": villageIn, "phone": phone, "guardian_phone": guardian}, &created); st != 201 {
			t.Fatalf("create: %d", st)
		}
		secrets := []string{id, phone, guardian, cert, id[6:14] + id[14:]}
		ctx := context.Background()
		if d.Dialect == db.SQLite {
			// Flush the WAL into the main file, then read every byte of both.
			if _, err := d.Exec(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				t.Fatal(err)
			}
			var file string
			if err := d.QueryRow(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{file, file + "-wal"} {
				raw, _ := os.ReadFile(f)
				for _, s := range secrets {
					if bytes.Contains(raw, []byte(s)) {
						t.Errorf("%s holds the plain value %s", filepath.Base(f), s)
					}
				}
			}
			return
		}
		for _, s := range secrets { // a plain value in a BYTEA column shows as hex
			secrets = append(secrets, hex.EncodeToString([]byte(s)))
		}
		for _, table := range []string{"persons", "annual_records", "audit_log", "users"} {
			rows, err := d.Query(ctx, "SELECT t::text FROM "+table+" t")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var row string
				if err := rows.Scan(&row); err != nil {
					t.Fatal(err)
				}
				for _, s := range secrets {
					if strings.Contains(row, s) {
						t.Errorf("%s holds the plain value %s", table, s)
					}
				}
			}
			rows.Close()
		}
	})
}
