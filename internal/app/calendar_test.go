package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/centres"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// TestCalendarShowsCentreSessions: the month's calendar of events lists the
// meetings of the centres' programmes that the user sees, linked to the
// centre, and not those of a centre out of view.
func TestCalendarShowsCentreSessions(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		ctx := context.Background()
		all := registry.Caller{Actor: audit.Actor{Username: "fixture", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()}
		mk := func(unit, programme string) centres.Centre {
			ce, err := e.App.Centres.CreateCentre(ctx, all, centres.CentreInput{Name: programme + "之家", Kind: "village_home", OrgUnit: unit, Capacity: 5})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.App.Centres.SaveProgramme(ctx, all, ce.ID, 0, centres.ProgrammeInput{Name: programme, Kind: "culture",
				Days: []string{"mon", "wed"}, Starts: "14:00", Ends: "15:30"}); err != nil {
				t.Fatal(err)
			}
			return ce
		}
		in := mk(apptest.Village, "永新合唱团")
		mk(apptest.VillageOut, "玉山合唱团")
		month := e.App.DB.Now().Format("2006-01")
		for _, user := range []string{apptest.UserOf(identity.VillageAssistant), apptest.UserOf(identity.DistrictStaff)} {
			st, body := e.DoRaw(user, "GET", "/events/calendar?month="+month, nil, nil, nil)
			page := string(body)
			if st != 200 || !strings.Contains(page, "永新合唱团") || !strings.Contains(page, "14:00–15:30") ||
				!strings.Contains(page, fmt.Sprintf(`href="/centres/%d"`, in.ID)) {
				t.Errorf("%s: the calendar (%d) lacks the village's sessions", user, st)
			}
			if strings.Contains(page, "玉山合唱团") {
				t.Errorf("%s: the calendar shows a centre out of view", user)
			}
		}
	})
}
