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

// TestDemoPlace: the names and towns demo data uses for each district of
// DOMAIN.md §3; a code that is not a district is refused.
func TestDemoPlace(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := orgunit.NewStore(d)
		if err := s.EnsureSeed(ctx); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			code, short, kind, en, seat, address, landline string
			towns                                          int
			picks                                          string
		}{
			{"310114", "嘉定", "区", "Jiading", "嘉定镇街道", "上海市嘉定区", "021", 12, "南翔镇 安亭镇 马陆镇 江桥镇 菊园新区"},
			{"320583", "昆山", "市", "Kunshan", "玉山镇", "苏州市昆山市", "0512", 9, "玉山镇 巴城镇 周市镇 陆家镇 花桥镇"},
			{"320585", "太仓", "市", "Taicang", "城厢镇", "苏州市太仓市", "0512", 8, "城厢镇 沙溪镇 浏河镇 浮桥镇 璜泾镇"},
		} {
			p, err := s.DemoPlace(ctx, c.code)
			if err != nil {
				t.Fatalf("%s: %v", c.code, err)
			}
			var picks []string
			for i := range 5 {
				picks = append(picks, p.Town(i).Name)
			}
			if p.Code() != c.code || p.Short() != c.short || p.Kind() != c.kind || p.ShortEn() != c.en || p.Seat().Name != c.seat ||
				p.Address() != c.address || !strings.HasPrefix(p.Landline("69990000"), c.landline) || len(p.Towns) != c.towns ||
				strings.Join(picks, " ") != c.picks || p.Town(5) != p.Town(0) {
				t.Errorf("%s: %s %s %s %s %s %s %d towns, picks %v", c.code, p.Short(), p.Kind(), p.ShortEn(), p.Seat().Name, p.Address(), p.Landline("1"), len(p.Towns), picks)
			}
		}
		for _, bad := range []string{"310114102", "31", "999999", ""} {
			if _, err := s.DemoPlace(ctx, bad); apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("DemoPlace(%q): %v", bad, err)
			}
		}
	})
	for in, want := range map[string]string{"嘉定区": "嘉定", "南翔镇": "南翔", "菊园新区": "菊园", "新成路街道": "新成路", "城区": "城区", "昆山开发区": "昆山"} {
		if got := orgunit.ShortName(in); got != want {
			t.Errorf("ShortName(%s) = %s, want %s", in, got, want)
		}
	}
}
