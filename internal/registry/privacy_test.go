package registry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// TestNothingRebuildsTheID: neither a person's answer without a reveal nor
// their row at rest (which a backup copies) holds the birth date, and what
// they hold leaves at least 10,000 possible ID numbers. The reveal gives the
// birth date.
func TestNothingRebuildsTheID(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
		const first17 = "31011419850615123"
		id := first17 + string(registry.IDCheckChar(first17))
		staff := apptest.Caller(identity.DistrictStaff, "310114")
		p, err := a.Registry.Create(ctx, staff, registry.PersonInput{Name: "隐私", IDNumber: id, CertificateNumber: id + "42",
			Category: 4, Grade: 2, OrgUnit: apptest.Village, Phone: "13812345678"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.Registry.Get(ctx, staff, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(got)
		var answer map[string]any
		if err := json.Unmarshal(raw, &answer); err != nil {
			t.Fatal(err)
		}
		if answer["birth_year"] != 1985.0 || answer["age"] != 41.0 || answer["birth_date"] != nil {
			t.Errorf("answer: birth_year %v, age %v, birth_date %v", answer["birth_year"], answer["age"], answer["birth_date"])
		}
		holdsBirthDate := func(s string) bool { return strings.Contains(s, "19850615") || strings.Contains(s, "1985-06-15") }
		if holdsBirthDate(string(raw)) {
			t.Errorf("the answer holds the birth date: %s", raw)
		}
		if n := registry.Candidates(got.IDNumberMasked, got.CertificateNumberMasked, got.BirthYear, got.Sex); n < 10000 {
			t.Errorf("the answer leaves %d candidate ID numbers", n)
		}

		// At rest: every column of the row, as text.
		rows, err := d.Query(ctx, `SELECT * FROM persons WHERE id = ?`, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if !rows.Next() {
			t.Fatal("no row")
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		stored := map[string]string{}
		for i, c := range cols {
			stored[c] = fmt.Sprintf("%s", vals[i])
			if holdsBirthDate(stored[c]) || strings.Contains(stored[c], id[14:]) {
				t.Errorf("column %s holds the birth date or the ID's last digits at rest: %q", c, stored[c])
			}
		}
		if n := registry.Candidates(stored["id_masked"], stored["cert_masked"], 1985, stored["sex"]); n < 10000 {
			t.Errorf("the stored row leaves %d candidate ID numbers", n)
		}

		rev, err := a.Registry.Reveal(ctx, staff, p.ID, "核对出生日期")
		if err != nil || rev.BirthDate != "1985-06-15" || rev.IDNumber != id {
			t.Errorf("reveal: %+v %v", rev, err)
		}
	})
}
