package orgunit_test

import (
	"context"
	"strings"
	"testing"

	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

func TestScope(t *testing.T) {
	s := orgunit.ScopeOf("310114102")
	if !s.Contains("310114102201") || !s.Contains("310114102") || s.Contains("310114103201") || s.Contains("3101141") {
		t.Fatal("Contains is wrong")
	}
	if n, ok := s.Narrow("310114102201"); !ok || n.Prefix != "310114102201" {
		t.Fatalf("narrow to a village: %v %v", n, ok)
	}
	if n, ok := s.Narrow("310114"); !ok || n.Prefix != "310114102" {
		t.Fatalf("narrow to an ancestor keeps the caller's scope: %v %v", n, ok)
	}
	if _, ok := s.Narrow("310114103"); ok {
		t.Fatal("narrow to a sibling town succeeded")
	}
	if (orgunit.Scope{}).Contains("31") {
		t.Fatal("the empty scope contains something")
	}
	// Ranges: the empty scope's range holds no code, the whole platform's every code.
	in := func(sc orgunit.Scope, code string) bool { lo, hi := sc.Range(); return code >= lo && code < hi }
	if in(orgunit.Scope{}, "310114102201") || in(orgunit.Scope{}, "") || !in(orgunit.AllUnits(), "320583100201") ||
		!in(s, "310114102201") || in(s, "310114103201") {
		t.Fatal("Range is wrong")
	}
}

func TestSeedAndCreate(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := orgunit.NewStore(d)
		for range 2 { // seeding twice keeps one copy
			if err := s.EnsureSeed(ctx); err != nil {
				t.Fatal(err)
			}
		}
		towns, err := s.Children(ctx, "310114")
		if err != nil || len(towns) != 12 || towns[0].Code != "310114001" || towns[0].Name != "新成路街道" {
			t.Fatalf("Jiading towns = %d %v", len(towns), err)
		}
		for code, n := range map[string]int{"320583": 9, "320585": 8, "": 2, "3205": 2} {
			if got, _ := s.Children(ctx, code); len(got) != n {
				t.Errorf("children of %q: %d, want %d", code, len(got), n)
			}
		}
		town := orgunit.ScopeOf("310114102")
		for _, c := range []struct {
			u     orgunit.Unit
			field string
		}{
			{orgunit.Unit{Code: "310114103201", Name: "x", Parent: "310114102"}, "code"},
			{orgunit.Unit{Code: "3101141022", Name: "x", Parent: "310114102"}, "code"},
			{orgunit.Unit{Code: "310114103201", Name: "x", Parent: "310114103"}, "parent"},
			{orgunit.Unit{Code: "310114201", Name: "x", Parent: "310114"}, "parent"},
			{orgunit.Unit{Code: "310114102201", Name: " ", Parent: "310114102"}, "name"},
			{orgunit.Unit{Code: "310114102201", Name: strings.Repeat("长", 500000), Parent: "310114102"}, "name"},
			{orgunit.Unit{Code: "310114102201", Name: strings.Repeat("长", orgunit.MaxName+1), Parent: "310114102"}, "name"},
			{orgunit.Unit{Code: "310114102201", Name: "x", Parent: "310114102999"}, "parent"},
		} {
			_, err := s.Create(ctx, town, c.u, nil)
			e, _ := apperr.As(err)
			if e == nil || e.Code != apperr.Invalid || e.Fields[0].Field != c.field {
				t.Errorf("create %+v: %v, want an error on %s", c.u, err, c.field)
			}
		}
		u, err := s.Create(ctx, town, orgunit.Unit{Code: "310114102201", Name: "永新村", Parent: "310114102"}, nil)
		if err != nil || u.Level != 4 {
			t.Fatalf("create: %+v %v", u, err)
		}
		if _, err := s.Create(ctx, town, orgunit.Unit{Code: "310114102201", Name: "again", Parent: "310114102"}, nil); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("duplicate code: %v", err)
		}
		path, err := s.Path(ctx, "310114102201")
		if err != nil || len(path) != 4 || path[0].Code != "31" || path[3].Name != "永新村" {
			t.Fatalf("path = %+v %v", path, err)
		}
		in, err := s.InScope(ctx, orgunit.ScopeOf("310114102"), 4)
		if err != nil || len(in) != 1 {
			t.Fatalf("in scope = %+v %v", in, err)
		}
	})
}
