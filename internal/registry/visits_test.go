package registry_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

type visitSheets struct {
	Items []registry.VisitSheet
}

type visitConflict struct {
	Error   struct{ Code, Message string }
	Current struct {
		Version   int
		Answers   map[string]string
		UpdatedBy string `json:"updated_by"`
	}
}

// TestVisits: the village assistant prepares a sheet (minimum data, audited),
// saves based on its version, meets a conflict with the record as it is now;
// a save based on no record conflicts with one made meanwhile, and of two
// such saves at once exactly one wins; bad input is refused naming the field,
// and out of scope is a 404 like a missing person. Both engines.
func TestVisits(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		const va = "village"

		// A sheet of 测试1, who has this year's record.
		var sh visitSheets
		if st, raw := e.DoRaw(va, "POST", "/api/v1/visits/sheets", map[string]any{"year": e.Year, "person_ids": []int64{e.In, e.In}}, &sh, nil); st != 200 {
			t.Fatalf("sheets: %d %s", st, raw)
		} else if strings.Contains(string(raw), e.InID) || strings.Contains(string(raw), "phone") || strings.Contains(string(raw), "address") {
			t.Errorf("a visit sheet holds more than the minimum: %s", raw)
		}
		if len(sh.Items) != 1 {
			t.Fatalf("one sheet for a person named twice, got %d", len(sh.Items))
		}
		s := sh.Items[0]
		version := int(e.Int64(`SELECT version FROM annual_records WHERE person_id = ? AND year = ?`, e.In, e.Year))
		if s.Name != "测试1" || !s.HasRecord || s.BaseVersion != version || s.Answers["employment"] == "" || s.IDMasked == "" || s.VillageName != "永新村" {
			t.Errorf("sheet: %+v (version %d)", s, version)
		}
		if n := e.Int64(`SELECT count(*) FROM audit_log WHERE username = ? AND subject_id = ? AND detail LIKE ?`, va, fmt.Sprint(e.In), `%visit_sheet%`); n != 1 {
			t.Errorf("the sheet's read is audited once, got %d", n)
		}

		save := func(user string, id int64, base int, answers map[string]string, out any) (int, string) {
			st, raw := e.DoRaw(user, "POST", "/api/v1/visits/saves", map[string]any{"person_id": id, "year": e.Year, "base_version": base, "answers": answers}, out, nil)
			return st, string(raw)
		}
		mine := map[string]string{"employment": "unemployed", "economic_status": "dibao", "household_income_per_capita": "3.6万", "rehab_need": "1"}
		var saved registry.VisitSaved
		if st, raw := save(va, e.In, s.BaseVersion, mine, &saved); st != 200 || saved.Version != version+1 ||
			saved.Answers["household_income_per_capita"] != "36000" || saved.Answers["rehab_need"] != "1" || saved.Answers["medical_insured"] != "unknown" {
			t.Fatalf("save: %d %s", st, raw)
		}
		// The same base again, other answers: the record changed meanwhile.
		var c visitConflict
		if st, raw := save("town", e.In, s.BaseVersion, map[string]string{"employment": "employed"}, &c); st != 409 ||
			c.Current.Version != version+1 || c.Current.Answers["employment"] != "unemployed" || c.Current.UpdatedBy == "" || c.Error.Code != "conflict" {
			t.Errorf("conflict: %d %s", st, raw)
		}
		if got := e.Int64(`SELECT version FROM annual_records WHERE person_id = ? AND year = ?`, e.In, e.Year); got != int64(version+1) {
			t.Errorf("a conflict wrote the record: version %d", got)
		}

		// A person without this year's record: a save based on none makes
		// it; another based on none conflicts; two at once, one wins.
		if _, err := d.Exec(t.Context(), `DELETE FROM annual_records WHERE person_id = ? AND year = ?`, e.In, e.Year); err != nil {
			t.Fatal(err)
		}
		const rounds = 4
		for round := range rounds {
			if _, err := d.Exec(t.Context(), `DELETE FROM annual_records WHERE person_id = ? AND year = ?`, e.In, e.Year); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			status := make([]int, 3)
			for i := range status {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status[i], _ = save(va, e.In, 0, map[string]string{"employment": "employed", "household_income_per_capita": fmt.Sprint(1000 * (i + 1))}, nil)
				}()
			}
			wg.Wait()
			won := 0
			for _, st := range status {
				switch st {
				case 200:
					won++
				case 409:
				default:
					t.Errorf("round %d: status %d", round, st)
				}
			}
			if won != 1 {
				t.Errorf("round %d: %d saves based on no record won (%v), want exactly 1", round, won, status)
			}
		}

		// Bad input, each naming its field; nothing written.
		before := e.Int64(`SELECT version FROM annual_records WHERE person_id = ? AND year = ?`, e.In, e.Year)
		for _, bad := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"person_id": e.In, "year": e.Year, "base_version": before, "answers": map[string]string{"employment": "employed", "rehab_need": "maybe"}}, "rehab_need"},
			{map[string]any{"person_id": e.In, "year": e.Year, "base_version": before, "answers": map[string]string{"employment": "employed", "household_income_per_capita": "many"}}, "household_income_per_capita"},
			{map[string]any{"person_id": e.In, "year": e.Year, "base_version": before, "answers": map[string]string{"employment": ""}}, "employment"},
			{map[string]any{"person_id": e.In, "year": e.Year, "base_version": before, "answers": map[string]string{"employment": "employed", "id_number": "x"}}, "answers"},
			{map[string]any{"person_id": e.In, "year": e.Year, "base_version": before, "answers": map[string]string{"employment": "employed\u0000"}}, "answers.employment"},
			{map[string]any{"person_id": e.In, "year": e.Year, "base_version": before, "answers": map[string]string{"employment": strings.Repeat("x", 41)}}, "employment"},
			{map[string]any{"person_id": e.In, "year": e.Year - 5, "base_version": before, "answers": map[string]string{"employment": "employed"}}, "year"},
			{map[string]any{"person_id": e.In, "year": e.Year, "base_version": -1, "answers": map[string]string{"employment": "employed"}}, "base_version"},
		} {
			var out struct {
				Error struct {
					Fields []struct{ Field, Message string }
				}
			}
			st, raw := e.DoRaw(va, "POST", "/api/v1/visits/saves", bad.body, &out, nil)
			if st != 422 || len(out.Error.Fields) == 0 || out.Error.Fields[0].Field != bad.field || out.Error.Fields[0].Message == "" {
				t.Errorf("bad %v: %d %s, want 422 naming %s", bad.body, st, raw, bad.field)
			}
		}
		if after := e.Int64(`SELECT version FROM annual_records WHERE person_id = ? AND year = ?`, e.In, e.Year); after != before {
			t.Errorf("a refused save wrote the record: version %d → %d", before, after)
		}
		ids := make([]int64, registry.MaxVisitSheets+1)
		for i := range ids {
			ids[i] = e.In
		}
		if st := e.Do(va, "POST", "/api/v1/visits/sheets", map[string]any{"year": e.Year, "person_ids": ids}, nil); st != 422 {
			t.Errorf("%d sheets at once: %d, want 422", len(ids), st)
		}

		// Out of scope answers as a missing person does, word for word.
		_, outRaw := e.DoRaw(va, "POST", "/api/v1/visits/sheets", map[string]any{"year": e.Year, "person_ids": []int64{e.Out}}, nil, nil)
		_, missRaw := e.DoRaw(va, "POST", "/api/v1/visits/sheets", map[string]any{"year": e.Year, "person_ids": []int64{999999}}, nil, nil)
		if string(outRaw) != string(missRaw) {
			t.Errorf("out of scope %s, missing %s", outRaw, missRaw)
		}
		if st, raw := save(va, e.Out, 1, map[string]string{"employment": "employed"}, nil); st != 404 {
			t.Errorf("save out of scope: %d %s", st, raw)
		}
		var cands registry.VisitCandidates
		e.Do(va, "GET", "/api/v1/visits/candidates", nil, &cands)
		if len(cands.Items) != 1 || cands.Items[0].PersonID != e.In || cands.Total != 1 {
			t.Errorf("the village assistant's candidates: %+v", cands)
		}
	})
}

// TestVisitRules: the phone's rules say what the server's checks say — every
// choice taken, anything else refused with the rule's message; an amount's
// messages, with what was typed in place of {v}, are the server's.
func TestVisitRules(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		rules := registry.VisitRulesOf(2026, lang)
		if len(rules.Fields) < 10 {
			t.Fatalf("%d rules", len(rules.Fields))
		}
		check := func(answers map[string]string) map[string]string {
			errs, err := registry.CheckVisit(2026, 40, 2026, answers)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]string{}
			for _, e := range errs {
				out[e.Field] = e.Msg.In(lang)
			}
			return out
		}
		for _, r := range rules.Fields {
			base := map[string]string{"employment": "employed"}
			switch r.Kind {
			case "choice":
				for _, c := range r.Choices {
					base[r.Field] = c
					if errs := check(base); len(errs) > 0 {
						t.Errorf("%s=%s refused: %v", r.Field, c, errs)
					}
				}
				base[r.Field] = "bogus"
				if got := check(base)[r.Field]; got != r.Messages["invalid"] || got == "" {
					t.Errorf("%s=bogus: %q, the rule says %q", r.Field, got, r.Messages["invalid"])
				}
				base[r.Field] = ""
				if got := check(base)[r.Field]; got != r.Messages["empty"] {
					t.Errorf("%s empty: %q, the rule says %q (required %v)", r.Field, got, r.Messages["empty"], r.Required)
				}
			case "yesno":
				for _, v := range []string{"1", "0", "unknown", ""} {
					base[r.Field] = v
					if errs := check(base); len(errs) > 0 {
						t.Errorf("%s=%q refused: %v", r.Field, v, errs)
					}
				}
				base[r.Field] = "maybe"
				if got := check(base)[r.Field]; got != r.Messages["invalid"] {
					t.Errorf("%s=maybe: %q, the rule says %q", r.Field, got, r.Messages["invalid"])
				}
			case "amount":
				for typed, kind := range map[string]string{"abc": "format", "12.5": "whole", "-3": "negative", "100000001": "range", "1,2345": "format"} {
					base[r.Field] = typed
					want := strings.ReplaceAll(r.Messages[kind], "{v}", typed)
					if got := check(base)[r.Field]; got != want {
						t.Errorf("%s=%q: %q, the rule makes %q", r.Field, typed, got, want)
					}
				}
				for _, ok := range []string{"36000", "3.6万", "36,000", ""} {
					base[r.Field] = ok
					if errs := check(base); len(errs) > 0 {
						t.Errorf("%s=%q refused: %v", r.Field, ok, errs)
					}
				}
			default:
				t.Errorf("%s: kind %q", r.Field, r.Kind)
			}
		}
	}
}
