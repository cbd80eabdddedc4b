package registry_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// TestCertificateState: valid 10 years from issue; the last valid day is
// day 0; a day later it has expired.
func TestCertificateState(t *testing.T) {
	today := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		issued            string
		days              int
		expired, expiring bool
		flagZh, flagEn    string
	}{
		{"2016-12-02", 0, false, true, "残疾证今天到期", "Certificate expires today"},
		{"2016-12-01", -1, true, false, "残疾证已过期 1 天", "Certificate expired 1 day ago"},
		{"2015-12-02", -365, true, false, "残疾证已过期 365 天", "Certificate expired 365 days ago"},
		{"2017-03-02", 90, false, true, "残疾证 90 天后到期", "Certificate expires in 90 days"},
		{"2017-03-03", 91, false, false, "", ""},
		{"2024-01-01", 2587, false, false, "", ""},
	} {
		s := registry.CertificateState(c.issued, today)
		if s.Days != c.days || s.Expired() != c.expired || s.Expiring() != c.expiring || s.Flag("zh") != c.flagZh || s.Flag("en") != c.flagEn {
			t.Errorf("%s: %+v expired=%v expiring=%v %q %q", c.issued, s, s.Expired(), s.Expiring(), s.Flag("zh"), s.Flag("en"))
		}
	}
	if s := registry.CertificateState("", today); s.Known() || s.Expired() || s.Flag("zh") != "" {
		t.Errorf("no issue date: %+v", s)
	}
}

// TestCertificateFilters: the list filters and the per-unit counts agree
// with the flags, on both engines, within the caller's scope only.
func TestCertificateFilters(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
		a := apptest.New(t, d, now,
			orgunit.Unit{Code: "310114102202", Name: "永乐村", Level: 4, Parent: "310114102", Demo: true},
			orgunit.Unit{Code: "310114103201", Name: "安亭村", Level: 4, Parent: "310114103", Demo: true})
		sys := registry.Caller{Scope: orgunit.ScopeOf("3")}
		mk := func(n int, unit, issued, status string) int64 {
			p, err := a.Registry.Create(ctx, sys, registry.PersonInput{Name: fmt.Sprintf("证%d", n), Category: 4, Grade: 3, OrgUnit: unit,
				IDNumber: apptest.IDNumber(fmt.Sprintf("310114198001012%02d", n)), CertificateIssued: issued, Status: status})
			if err != nil {
				t.Fatal(err)
			}
			return p.ID
		}
		expiredIn := mk(1, apptest.Village, "2016-12-01", "active")  // expired yesterday
		mk(2, "310114102202", "2010-05-05", "active")                // expired long ago
		mk(3, "310114103201", "2012-01-01", "active")                // another town
		mk(4, apptest.Village, "2012-01-01", "deceased")             // not active
		expiringIn := mk(5, apptest.Village, "2016-12-02", "active") // expires today
		mk(6, "310114102202", "2017-03-02", "active")                // in 90 days
		mk(7, apptest.Village, "2017-03-03", "active")               // in 91 days
		mk(8, apptest.Village, "", "active")                         // unknown
		district := apptest.Caller(identity.DistrictStaff, "310114")
		town := apptest.Caller(identity.TownStaff, "310114102")
		village := apptest.Caller(identity.VillageAssistant, apptest.Village)
		count := func(c registry.Caller, f registry.Filter) int {
			n, err := a.Registry.Count(ctx, c, f)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, x := range []struct {
			c                 registry.Caller
			expired, expiring int
		}{{district, 3, 2}, {town, 2, 2}, {village, 1, 1}} {
			if got := count(x.c, registry.Filter{Expired: true, Status: "active"}); got != x.expired {
				t.Errorf("%s: expired = %d, want %d", x.c.Actor.Role, got, x.expired)
			}
			if got := count(x.c, registry.Filter{ExpiringDays: 90, Status: "active"}); got != x.expiring {
				t.Errorf("%s: expiring = %d, want %d", x.c.Actor.Role, got, x.expiring)
			}
		}
		items, _, _, err := a.Registry.List(ctx, village, registry.Filter{Expired: true, Status: "active"})
		if err != nil || len(items) != 1 || items[0].ID != expiredIn || !items[0].CertExpired() || items[0].CertFlag("zh") != "残疾证已过期 1 天" {
			t.Fatalf("village's expired list: %+v, %v", items, err)
		}
		p, err := a.Registry.Get(ctx, village, expiringIn)
		if err != nil || p.CertExpired() || p.CertFlag("en") != "Certificate expires today" {
			t.Fatalf("expiring today: %+v %q, %v", p.Cert, p.CertFlag("en"), err)
		}
		// Per unit: the district by town, the town by village.
		got, err := a.Registry.CertificateCounts(ctx, district, "zh")
		if err != nil {
			t.Fatal(err)
		}
		want := []registry.CertCount{{OrgUnit: "310114102", Name: "南翔镇", Expired: 2, Expiring: 2}, {OrgUnit: "310114103", Name: "安亭镇", Expired: 1}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("district's counts = %+v, want %+v", got, want)
		}
		got, err = a.Registry.CertificateCounts(ctx, town, "zh")
		if err != nil {
			t.Fatal(err)
		}
		want = []registry.CertCount{{OrgUnit: apptest.Village, Name: "永新村", Expired: 1, Expiring: 1}, {OrgUnit: "310114102202", Name: "永乐村", Expired: 1, Expiring: 1}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("town's counts = %+v, want %+v", got, want)
		}
		// Another district sees none of them.
		if got, err := a.Registry.CertificateCounts(ctx, apptest.Caller(identity.DistrictStaff, "320583"), "zh"); err != nil || len(got) != 0 {
			t.Errorf("Kunshan's counts = %+v, %v", got, err)
		}
	})
}
