package devices_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"sunshine/internal/audit"
	"sunshine/internal/devices"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

func TestCatalogueAndStock(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// The org units, the audit log (keyed: stock moves are audited) and
		// the store, as the app starts them (no whole app needed).
		if err := orgunit.NewStore(d).EnsureSeed(ctx); err != nil {
			t.Fatal(err)
		}
		log, err := audit.NewLog(d, []byte("the devices test's data key, 32B"))
		if err != nil {
			t.Fatal(err)
		}
		defer log.Close()
		s := devices.NewStore(d)
		if err := s.EnsureSeed(ctx); err != nil {
			t.Fatal(err)
		}
		products, err := s.Products(ctx)
		if err != nil || len(products) != len(devices.Catalogue) || len(products) < 40 {
			t.Fatalf("catalogue: %d products, %v", len(products), err)
		}
		iso := regexp.MustCompile(`^\d\d \d\d \d\d$`)
		for _, p := range products {
			if !iso.MatchString(p.Code) || (p.Mode != "loan" && p.Mode != "grant") || p.Name == "" || p.NameEn == "" {
				t.Errorf("bad product %+v", p)
			}
		}
		if err := s.EnsureSeed(ctx); err != nil { // a second start changes nothing
			t.Fatal(err)
		}
		district := orgunit.ScopeOf("310114")
		points, _ := s.Points(ctx, district)
		if len(points) != 13 {
			t.Fatalf("Jiading has %d service points, want the centre and 12 towns", len(points))
		}
		townScope := orgunit.ScopeOf("310114102")
		townPoints, _ := s.Points(ctx, townScope)
		if len(townPoints) != 2 { // its own and the district centre
			t.Fatalf("a town uses %d points, want 2: %+v", len(townPoints), townPoints)
		}
		var centre, own int64
		for _, p := range townPoints {
			if p.OrgUnit == "310114" {
				centre = p.ID
			} else {
				own = p.ID
			}
		}
		actor := audit.Actor{Username: "keeper", Role: "town_staff"}
		for _, c := range []struct {
			code  string
			qty   int
			note  string
			point int64
			want  apperr.Code
		}{
			{"12 22 03", 0, "", own, apperr.Invalid},
			{"12 22 03", -1, "", own, apperr.Invalid},
			{"99 99 99", 1, "", own, apperr.Invalid},
			{"06 24 15", 1, "", own, apperr.Invalid}, // fitted on referral, not stocked
			{"12 22 03", 1, "", centre, apperr.NotFound},
			{"12 22 03", -1, "盘亏", own, apperr.Conflict},
		} {
			if _, err := s.Move(ctx, townScope, actor, c.point, c.code, c.qty, c.note); apperr.CodeOf(err) != c.want {
				t.Errorf("move %+v: %v, want %s", c, err, c.want)
			}
		}
		// A shortage names the product, not only its code.
		if _, err := s.Move(ctx, townScope, actor, own, "12 22 03", -1, "盘亏"); err == nil || !strings.Contains(err.Error(), "Manual wheelchair, bimanual hand-rim drive (12 22 03)") {
			t.Errorf("shortage: %v", err)
		}
		if n, err := s.Move(ctx, townScope, actor, own, "12 22 03", 3, "入库"); err != nil || n != 3 {
			t.Fatalf("receipt: %d %v", n, err)
		}
		if n, err := s.Move(ctx, townScope, actor, own, "12 22 03", -2, "损坏报废"); err != nil || n != 1 {
			t.Fatalf("adjustment: %d %v", n, err)
		}
		items, err := s.Stock(ctx, townScope, own, "en")
		if err != nil || len(items) != 1 || items[0].Quantity != 1 || items[0].Name != "Manual wheelchair, bimanual hand-rim drive" {
			t.Fatalf("stock: %+v %v", items, err)
		}
		for _, p := range points {
			if p.OrgUnit == "310114103" {
				if _, err := s.Stock(ctx, townScope, p.ID, "zh"); apperr.CodeOf(err) != apperr.NotFound {
					t.Errorf("another town's stock: %v", err)
				}
			}
		}
	})
}

// TestSuits: what suits a category comes first in the catalogue; a multiple
// disability takes its components; unknown: everything.
func TestSuits(t *testing.T) {
	for _, c := range []struct {
		code string
		cats []int
		want bool
	}{
		{"12 39 03", []int{1}, true},  // white cane: visual
		{"12 39 03", []int{4}, false}, // not physical
		{"12 22 03", []int{4}, true},  // wheelchair: physical
		{"22 06 06", []int{2}, true},  // hearing aid: hearing
		{"22 06 06", []int{1}, false},
		{"22 27 12", []int{6}, true},     // vibrating alarm clock: mental
		{"22 06 06", []int{1, 2}, true},  // multiple: visual and hearing
		{"12 22 03", []int{1, 2}, false}, // not a wheelchair
		{"12 22 03", nil, true},          // no category known
	} {
		if got := devices.Suits(c.code, c.cats); got != c.want {
			t.Errorf("Suits(%q, %v) = %v", c.code, c.cats, got)
		}
	}
	// Every category has something that suits it.
	for cat := 1; cat <= 6; cat++ {
		n := 0
		for _, p := range devices.Catalogue {
			if devices.Suits(p.Code, []int{cat}) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("nothing suits category %d", cat)
		}
	}
}
