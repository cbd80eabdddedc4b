package privacy_test

import (
	"context"
	"testing"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/privacy"
	"sunshine/internal/registry"
)

// TestMyDataAndCorrection: a person downloads everything held about them (own
// full numbers, annual records, cases with their timelines, who looked), the
// download is in their access log, and a correction they ask for waits in
// their town's inbox until the staff correct the record.
func TestMyDataAndCorrection(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
		id := apptest.Person(t, a, 7, "数据", apptest.Village, 4, 2)
		staff := apptest.Caller(identity.TownStaff, "310114102")
		if _, _, err := a.Registry.PutAnnual(ctx, staff, id, registry.Annual{Year: 2026, Employment: "employed", EconomicStatus: "normal"}); err != nil {
			t.Fatal(err)
		}
		me := access.Caller{Actor: audit.Actor{Username: "me", Role: identity.Person}, PersonID: id}
		s := &privacy.Store{Registry: a.Registry, Cases: a.Cases}
		c, err := a.Cases.Create(ctx, me, id, "record_correction", apptest.Data(`{"need":"我的住址应为城中路 12 号"}`))
		if err != nil {
			t.Fatal(err)
		}
		data, err := s.Collect(ctx, me)
		if err != nil {
			t.Fatal(err)
		}
		if data.Person.ID != id || len(data.Numbers.IDNumber) != 18 || data.Numbers.BirthDate != "1980-01-01" ||
			len(data.AnnualRecords) != 1 || len(data.Cases) != 1 || len(data.Cases[0].Timeline) == 0 || len(data.AccessLog) == 0 {
			t.Errorf("my data: %+v", data)
		}
		// The download is on record, with its reason, for the person to see.
		log, _, err := a.Registry.AccessLog(ctx, me, id, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range log {
			found = found || e.Action == audit.ActionReveal && e.Username == "me"
		}
		if !found {
			t.Error("the download is not in the person's access log")
		}
		// The town's staff see the request waiting for them, and correct.
		waiting, _, _, err := a.Cases.List(ctx, staff, casework.Filter{WaitingFor: identity.TownStaff, Limit: 50})
		if err != nil || len(waiting) != 1 || waiting[0].ID != c.ID {
			t.Fatalf("town inbox: %+v %v", waiting, err)
		}
		if _, err := a.Cases.Act(ctx, me, c.ID, "correct", apptest.Data(`{"note":"x"}`), 0); err == nil {
			t.Error("the person corrected their own request")
		}
		done, err := a.Cases.Act(ctx, staff, c.ID, "correct", apptest.Data(`{"note":"住址已改为城中路 12 号"}`), 0)
		if err != nil || done.State != "corrected" {
			t.Errorf("correct: %+v %v", done, err)
		}
	})
}
