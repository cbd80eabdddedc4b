package benefits_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sunshine/internal/access"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/benefits"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

type rosterOut struct {
	ID      int64  `json:"id"`
	Benefit string `json:"benefit"`
	Month   string `json:"month"`
	OrgUnit string `json:"orgunit"`
	State   string `json:"state"`
	Count   int    `json:"count"`
	Total   string `json:"total"`
}

type rowsOut struct {
	Items []struct {
		PersonID int64  `json:"person_id"`
		Name     string `json:"name"`
		Amount   string `json:"amount"`
		Rule     string `json:"rule"`
	} `json:"items"`
	Total int    `json:"total"`
	Next  string `json:"next"`
}

// rosterPerson registers a person of unit with an annual record of year
// (economic status, employment "employed") unless economic is "".
func rosterPerson(t *testing.T, e *apptest.Env, n int, unit string, category, grade int, economic string) int64 {
	t.Helper()
	ctx := context.Background()
	sys := registry.Caller{Scope: orgunit.ScopeOf("3")}
	p, err := e.App.Registry.Create(ctx, sys, registry.PersonInput{Name: fmt.Sprintf("名册%d", n),
		IDNumber: apptest.IDNumber(fmt.Sprintf("310114198703031%02d", n)), OrgUnit: unit, Category: category, Grade: grade, CertificateIssued: "2020-05-01"})
	if err != nil {
		t.Fatal(err)
	}
	if economic != "" {
		annual(t, e, p.ID, economic)
	}
	return p.ID
}

func annual(t *testing.T, e *apptest.Env, id int64, economic string) {
	t.Helper()
	if _, _, err := e.App.Registry.PutAnnual(context.Background(), registry.Caller{Scope: orgunit.ScopeOf("3")}, id,
		registry.Annual{Year: e.Year, Employment: "employed", EconomicStatus: economic}); err != nil {
		t.Fatal(err)
	}
}

// expected sums the explained amounts of benefit for month over every
// person of unit's subtree (Explain per person).
func expected(t *testing.T, e *apptest.Env, unit, benefit, month string) (map[int64]string, int64) {
	t.Helper()
	ctx := context.Background()
	c := access.Caller{Actor: audit.Actor{Username: "test", Role: identity.DistrictStaff}, Scope: orgunit.ScopeOf(unit)}
	var ids []int64
	if err := e.App.Benefits.StreamFacts(ctx, orgunit.ScopeOf(unit), month, func(f benefits.Facts) error {
		ids = append(ids, f.PersonID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	out := map[int64]string{}
	var total int64
	for _, id := range ids {
		d, err := e.App.Benefits.Explain(ctx, c, id, month, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range d.Items {
			if it.Benefit == benefit && it.Eligible {
				out[id] = money.Yuan(it.AmountCents)
				total += it.AmountCents
			}
		}
	}
	return out, total
}

func readRows(t *testing.T, e *apptest.Env, user string, id int64) map[int64]string {
	t.Helper()
	got := map[int64]string{}
	cursor := ""
	for {
		var rows rowsOut
		if st := e.Do(user, "GET", fmt.Sprintf("/api/v1/benefit-rosters/%d/rows?limit=2&cursor=%s", id, cursor), nil, &rows); st != 200 {
			t.Fatalf("rows: %d", st)
		}
		for _, x := range rows.Items {
			got[x.PersonID] = x.Amount + " " + x.Rule
		}
		if rows.Next == "" {
			return got
		}
		cursor = rows.Next
	}
}

// TestRosters: a roster is every eligible person with the explained amount;
// scope, conflicts, month checks, maker ≠ checker, frozen rows, the
// differences from the previous month, cancel, export with subtotals and the
// audit trail (both engines).
func TestRosters(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		ctx := context.Background()
		p1 := rosterPerson(t, e, 1, apptest.Village, 5, 3, "dibao")           // living 450 (dibao)
		p2 := rosterPerson(t, e, 2, apptest.Village, 1, 1, "tekun")           // living 450 (tekun)
		p3 := rosterPerson(t, e, 3, apptest.VillageTown2, 2, 4, "near_dibao") // living 320, another town
		p4 := rosterPerson(t, e, 4, apptest.Village, 3, 4, "")                // not yet: no annual record
		rosterPerson(t, e, 5, apptest.VillageOut, 5, 3, "dibao")              // another district

		if _, err := e.App.Users.Create(ctx, identity.User{Username: "district2", Role: identity.DistrictStaff, OrgUnit: "310114"}, apptest.Password, nil); err != nil {
			t.Fatal(err)
		}
		e.Tokens["district2"] = e.Login("district2")

		in := map[string]any{"benefit": "living_subsidy", "month": "2026-11", "orgunit": "310114"}
		var nov rosterOut
		if st := e.Do("district", "POST", "/api/v1/benefit-rosters", in, &nov); st != 201 || nov.State != "draft" || nov.Benefit != "living_subsidy" ||
			nov.Month != "2026-11" || nov.OrgUnit != "310114" {
			t.Fatalf("create: %d %+v", st, nov)
		}
		want, total := expected(t, e, "310114", benefits.Living, "2026-11")
		if nov.Count != len(want) || nov.Total != money.Yuan(total) || nov.Count != 3 || nov.Total != "1220.00" {
			t.Errorf("count %d total %s, want %d %s", nov.Count, nov.Total, len(want), money.Yuan(total))
		}
		got := readRows(t, e, "district", nov.ID)
		for id, amount := range want {
			if !strings.HasPrefix(got[id], amount+" living_") {
				t.Errorf("person %d: %q, want %s", id, got[id], amount)
			}
		}
		if len(got) != len(want) || got[p1] != "450.00 living_dibao" || got[p3] != "320.00 living_near_dibao" {
			t.Errorf("rows %v, want %v", got, want)
		}
		var one rosterOut
		if st := e.Do("district", "GET", fmt.Sprintf("/api/v1/benefit-rosters/%d", nov.ID), nil, &one); st != 200 || one != nov {
			t.Errorf("get: %d %+v", st, one)
		}

		// Scope: a unit outside it is not found; a town's staff do not see the district's roster.
		for _, c := range []struct{ user, unit string }{{"district", "320583100"}, {"town", "310114103"}, {"town", "310114"}} {
			x := map[string]any{"benefit": "living_subsidy", "month": "2026-11", "orgunit": c.unit}
			if st := e.Do(c.user, "POST", "/api/v1/benefit-rosters", x, nil); st != 404 {
				t.Errorf("%s for %s: %d", c.user, c.unit, st)
			}
		}
		if st := e.Do("town", "GET", fmt.Sprintf("/api/v1/benefit-rosters/%d", nov.ID), nil, nil); st != 404 {
			t.Errorf("town reading the district's roster: %d", st)
		}
		if st := e.Do("village", "GET", fmt.Sprintf("/api/v1/benefit-rosters/%d", nov.ID), nil, nil); st != 403 {
			t.Errorf("village assistant: %d", st)
		}
		// A second roster of the same benefit, month and unit.
		if st := e.Do("district2", "POST", "/api/v1/benefit-rosters", in, nil); st != 409 {
			t.Errorf("second roster: %d", st)
		}
		// Month and benefit checks name the field.
		for _, c := range []struct{ benefit, month, field string }{{"living_subsidy", "1999-12", "month"}, {"living_subsidy", "2027-01", "month"},
			{"living_subsidy", "2026-13", "month"}, {"living_subsidy", "202611", "month"}, {"pension", "2026-11", "benefit"}} {
			var ae apiError
			x := map[string]any{"benefit": c.benefit, "month": c.month, "orgunit": "310114"}
			if st := e.Do("district", "POST", "/api/v1/benefit-rosters", x, &ae); st != 422 || len(ae.Error.Fields) != 1 || ae.Error.Fields[0].Field != c.field {
				t.Errorf("%s %s: %d %+v", c.benefit, c.month, st, ae)
			}
		}

		// Maker ≠ checker.
		approve := fmt.Sprintf("/api/v1/benefit-rosters/%d/approve", nov.ID)
		if st := e.Do("district", "POST", approve, map[string]any{}, nil); st != 403 {
			t.Errorf("approving one's own: %d", st)
		}
		var ok rosterOut
		if st := e.Do("district2", "POST", approve, map[string]any{}, &ok); st != 200 || ok.State != "approved" || ok.Count != nov.Count {
			t.Errorf("approve: %d %+v", st, ok)
		}
		if st := e.Do("district2", "POST", approve, map[string]any{}, nil); st != 409 {
			t.Errorf("approve twice: %d", st)
		}
		if st := e.Do("district2", "POST", fmt.Sprintf("/api/v1/benefit-rosters/%d/cancel", nov.ID), map[string]any{}, nil); st != 409 {
			t.Errorf("cancel an approved roster: %d", st)
		}
		// A town's roster, approved by the district.
		var town rosterOut
		if st := e.Do("town", "POST", "/api/v1/benefit-rosters", map[string]any{"benefit": "care_subsidy", "month": "2026-11", "orgunit": "310114102"}, &town); st != 201 ||
			town.Count != 2 || town.Total != "530.00" {
			t.Errorf("town's roster: %d %+v", st, town)
		}
		if st := e.Do("town", "POST", fmt.Sprintf("/api/v1/benefit-rosters/%d/approve", town.ID), map[string]any{}, nil); st != 403 {
			t.Errorf("town approving its own: %d", st)
		}
		if st := e.Do("district", "POST", fmt.Sprintf("/api/v1/benefit-rosters/%d/approve", town.ID), map[string]any{}, nil); st != 200 {
			t.Errorf("district approving the town's: %d", st)
		}

		// Frozen: later facts and rules change December, never November.
		annual(t, e, p1, "normal")
		annual(t, e, p4, "dibao")
		var rule benefits.Rule
		if st := e.Do("district", "POST", "/api/v1/benefit-rules", map[string]any{"code": "living_tekun", "condition": `economic_status == "tekun"`,
			"amount_cents": 50000, "effective_from": "2026-12"}, &rule); st != 201 {
			t.Fatalf("new rule version: %d", st)
		}
		if st := e.Do("district", "GET", fmt.Sprintf("/api/v1/benefit-rosters/%d", nov.ID), nil, &one); st != 200 || one.Total != "1220.00" || one.State != "approved" {
			t.Errorf("after the changes: %+v", one)
		}
		if again := readRows(t, e, "district", nov.ID); !mapsEqual(again, got) {
			t.Errorf("rows changed: %v, were %v", again, got)
		}

		// December: p4 joined, p1 left, p2's amount changed.
		dec := map[string]any{"benefit": "living_subsidy", "month": "2026-12", "orgunit": "310114"}
		var dr rosterOut
		if st := e.Do("district2", "POST", "/api/v1/benefit-rosters", dec, &dr); st != 201 || dr.Count != 3 || dr.Total != "1270.00" {
			t.Errorf("december: %d %+v", st, dr)
		}
		var diff benefits.Differences
		if st := e.Do("district", "GET", fmt.Sprintf("/api/v1/benefit-rosters/%d/differences", dr.ID), nil, &diff); st != 200 || diff.Previous != nov.ID ||
			diff.Joined != 1 || diff.Left != 1 || diff.Changed != 1 || len(diff.Items) != 3 {
			t.Fatalf("differences: %d %+v", st, diff)
		}
		if x := diff.Items[0]; x.PersonID != p4 || x.Change != "joined" || x.AmountAfter != "450.00" || x.RuleAfter != "living_dibao" {
			t.Errorf("joined %+v", x)
		}
		if x := diff.Items[1]; x.PersonID != p2 || x.Change != "changed" || x.AmountBefore != "450.00" || x.AmountAfter != "500.00" || x.RuleBefore != "living_tekun" {
			t.Errorf("changed %+v", x)
		}
		if x := diff.Items[2]; x.PersonID != p1 || x.Change != "left" || x.AmountBefore != "450.00" || x.RuleBefore != "living_dibao" || x.Name != "名册1" {
			t.Errorf("left %+v", x)
		}
		st, body := e.DoRaw("district", "GET", fmt.Sprintf("/benefits/rosters/%d", dr.ID), nil, nil, nil)
		page := string(body)
		if st != 200 || !strings.Contains(page, "新增 1 人，减少 1 人，金额变化 1 人") || !strings.Contains(page, "审核通过") || !strings.Contains(page, "名册1") {
			t.Errorf("roster page: %d", st)
		}
		st, body = e.DoRaw("district2", "GET", fmt.Sprintf("/benefits/rosters/%d?lang=en", dr.ID), nil, nil, nil)
		if st != 200 || !strings.Contains(string(body), `id="maker-note"`) || strings.Contains(string(body), "/approve") || !strings.Contains(string(body), "1 joined, 1 left") {
			t.Errorf("the maker's page: %d", st)
		}
		// Cancel the draft; then a new one can be made.
		if st, _ := e.Form("district2", fmt.Sprintf("/benefits/rosters/%d/cancel", dr.ID), nil); st != 303 {
			t.Errorf("cancel on the page: %d", st)
		}
		if st := e.Do("district", "POST", "/api/v1/benefit-rosters", dec, &dr); st != 201 {
			t.Errorf("after cancelling: %d", st)
		}

		// Export, xlsx and csv: a row per person, subtotals per town, the total.
		for _, format := range []string{"xlsx", "csv"} {
			st, body := e.DoRaw("district2", "GET", fmt.Sprintf("/api/v1/benefit-rosters/%d/export?format=%s", nov.ID, format), nil, nil, nil)
			if st != 200 {
				t.Fatalf("export %s: %d %s", format, st, body)
			}
			path := filepath.Join(t.TempDir(), "roster."+format)
			if err := os.WriteFile(path, body, 0o600); err != nil {
				t.Fatal(err)
			}
			tb, _, err := tabular.Open(path, tabular.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			amount := slices.Index(tb.Header(), "金额")
			if amount < 0 {
				t.Fatalf("%s header %v", format, tb.Header())
			}
			var persons, subtotals int
			var last []string
			var sub []string
			for {
				row, err := tb.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case slices.Contains(row, "小计"):
					subtotals++
					sub = append(sub, row[0]+"="+row[amount])
				case slices.Contains(row, "合计"):
				default:
					persons++
				}
				last = row
			}
			_ = tb.Close()
			if persons != 3 || subtotals != 2 || last[0] != "合计" || last[amount] != "1220.00" || !slices.Equal(sub, []string{"南翔镇=900.00", "安亭镇=320.00"}) {
				t.Errorf("%s: persons %d subtotals %v last %v", format, persons, sub, last)
			}
		}
		if st := e.Do("district", "GET", fmt.Sprintf("/api/v1/benefit-rosters/%d/export?format=pdf", nov.ID), nil, nil); st != 422 {
			t.Errorf("export as pdf: %d", st)
		}

		// Audit: made, approved, exported (as an export of each person listed).
		made, _, err := e.App.Audit.List(ctx, audit.Filter{SubjectType: benefits.SubjectRoster, SubjectID: fmt.Sprint(nov.ID)})
		if err != nil {
			t.Fatal(err)
		}
		var trail []string
		for _, x := range made {
			trail = append(trail, x.Action+":"+x.Username)
		}
		slices.Sort(trail)
		if !slices.Equal(trail, []string{"create:district", "update:district2"}) {
			t.Errorf("roster audit %v", trail)
		}
		exports, _, err := e.App.Audit.List(ctx, audit.Filter{SubjectType: registry.SubjectExport, DetailHas: registry.ExportMention(p1)})
		if err != nil {
			t.Fatal(err)
		}
		if len(exports) != 2 || exports[0].Username != "district2" || exports[0].Action != audit.ActionExport || !strings.Contains(exports[0].Detail, benefits.ExportKind) {
			t.Errorf("export audit %+v", exports)
		}
	})
}

func mapsEqual(a, b map[int64]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
