package shop_test

import (
	"fmt"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestIncomeOnRecord: a registered artisan's record shows the income the
// approved payouts recorded, by year; another person's shows no such section.
func TestIncomeOnRecord(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		if _, err := d.Exec(t.Context(), `INSERT INTO shop_income (person_id, year, cents) VALUES (?, ?, ?), (?, ?, ?)`,
			e.In, e.Year, 1234567, e.In, e.Year-1, 5000); err != nil {
			t.Fatal(err)
		}
		st, raw := e.DoRaw("village", "GET", fmt.Sprintf("/persons/%d", e.In), nil, nil, nil)
		body := string(raw)
		if st != 200 || !strings.Contains(body, "手工艺品商店收入") || !strings.Contains(body, "12,345.67") || !strings.Contains(body, "50.00") {
			t.Errorf("the artisan's record: %d, no income section", st)
		}
		st, raw = e.DoRaw("district", "GET", fmt.Sprintf("/persons/%d", e.Town2), nil, nil, nil)
		if st != 200 || strings.Contains(string(raw), "手工艺品商店收入") {
			t.Errorf("another person's record: %d, an income section", st)
		}
	})
}
