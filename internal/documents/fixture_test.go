package documents_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/benefits"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// Callers of the fixture: district staff over every unit, and a town's staff
// (who assesses, so that another approves).
var (
	everywhere = access.Caller{Actor: audit.Actor{Username: "fixture", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()}
	fitter     = access.Caller{Actor: audit.Actor{Username: "fitter", Role: identity.TownStaff}, Scope: orgunit.AllUnits()}
)

// The catalogue's products the fixture hands over: a wheelchair lent, a
// walking stick granted.
const (
	wheelchair = "12 22 03"
	stick      = "12 03 03"
)

// deviceCase opens an assistive device case for a person and, when
// dispensed, assesses, approves and hands over a wheelchair (lent) and a
// walking stick (granted) from the point of the person's district; for the
// provider's user the case is assigned to its organisation.
func deviceCase(e *apptest.Env, user string, person int64, dispensed bool) int64 {
	e.T.Helper()
	ctx := context.Background()
	id := e.CaseFor(user, person)
	if !dispensed {
		return id
	}
	unit := "310114"
	if person == e.Out {
		unit = "320583"
	}
	point := e.Int64(`SELECT id FROM service_points WHERE orgunit = ?`, unit)
	for _, code := range []string{wheelchair, stick} {
		if _, err := e.App.Devices.Move(ctx, orgunit.AllUnits(), everywhere.Actor, point, code, 1, "fixture"); err != nil {
			e.T.Fatal(err)
		}
	}
	steps := []struct {
		who    access.Caller
		action string
		data   string
	}{{fitter, "assess", `{"items":["` + wheelchair + `","` + stick + `"]}`}, {everywhere, "approve", `{}`},
		{fitter, "dispense", fmt.Sprintf(`{"service_point":%d}`, point)}}
	for _, s := range steps {
		if _, err := e.App.Cases.Act(ctx, s.who, id, s.action, apptest.Data(s.data), 0); err != nil {
			e.T.Fatalf("%s: %v", s.action, err)
		}
	}
	return id
}

// renovationCase opens a renovation case for a person, surveyed (a ramp and
// grab bars), quoted at 12,500.50 yuan, approved, built and, when accepted,
// accepted.
func renovationCase(e *apptest.Env, user string, person int64, accepted bool) int64 {
	e.T.Helper()
	ctx := context.Background()
	dist := "310114"
	if person == e.Out {
		dist = "320583"
	}
	year := e.App.DB.Now().In(time.FixedZone("CST", 8*3600)).Year()
	if n := e.Int64(`SELECT count(*) FROM renovation_budgets WHERE orgunit = ? AND year = ?`, dist, year); n == 0 {
		if _, err := e.App.Renovation.SetBudget(ctx, orgunit.AllUnits(), everywhere.Actor, dist, year, 100_000_000_00); err != nil {
			e.T.Fatal(err)
		}
	}
	cs, err := e.App.Cases.Create(ctx, everywhere, person, "home_renovation", apptest.Data(`{"need":"坡道和扶手"}`))
	if err != nil {
		e.T.Fatal(err)
	}
	if user == apptest.UserOf(identity.Provider) && person != e.Out {
		e.Assign(cs.ID)
	}
	steps := []struct{ action, data string }{{"survey", `{"items":["ramp","grab_bars"]}`}, {"quote", `{"contractor":"南翔建设","cost":1250050}`},
		{"approve", `{}`}, {"build", `{}`}}
	if accepted {
		steps = append(steps, struct{ action, data string }{"accept", `{}`})
	}
	for _, s := range steps {
		who := everywhere
		if s.action == "accept" {
			who = access.Caller{Actor: audit.Actor{Username: "town", Role: identity.TownStaff}, Scope: orgunit.AllUnits()}
		}
		if _, err := e.App.Cases.Act(ctx, who, cs.ID, s.action, apptest.Data(s.data), 0); err != nil {
			e.T.Fatalf("%s: %v", s.action, err)
		}
	}
	return cs.ID
}

// volunteerWithHours registers a volunteer of a unit (the n-th) with two
// tasks' approved hours, 150 and 90 minutes, and a third pending; n 0
// gives the hours to the fixture's volunteer account's own volunteer.
func volunteerWithHours(e *apptest.Env, n int, unit string) int64 {
	e.T.Helper()
	id := e.Volunteer
	if n != 0 {
		id = apptest.VolunteerOf(e.T, e.App, n, unit, "escort")
	} else if e.Int64(`SELECT count(*) FROM volunteer_hours WHERE volunteer_id = ?`, id) > 0 {
		return id
	}
	ctx := context.Background()
	for i, m := range []struct {
		minutes int
		state   string
	}{{150, "approved"}, {90, "approved"}, {60, "pending"}} {
		err := e.App.DB.InTx(ctx, func(tx *db.Tx) error {
			start := time.Date(2026, 10, 5+i*7, 1, 0, 0, 0, time.UTC)
			var task int64
			err := tx.QueryRow(ctx, `INSERT INTO volunteer_tasks (title, orgunit, starts_at, ends_at, slots, checkin_code, owner, created_at)
				VALUES (?, ?, ?, ?, 2, ?, 'fixture', ?) RETURNING id`, fmt.Sprintf("陪同就医 %d", i+1), unit, db.Millis(start), db.Millis(start.Add(3*time.Hour)),
				fmt.Sprintf("code-%d-%d", id, i), db.Millis(start)).Scan(&task)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO volunteer_hours (task_id, volunteer_id, minutes, state, recorded_by, recorded_at, year) VALUES (?, ?, ?, ?, 'fixture', ?, 2026)`,
				task, id, m.minutes, m.state, db.Millis(start))
			return err
		})
		if err != nil {
			e.T.Fatal(err)
		}
	}
	return id
}

// approvedRoster makes and approves the care subsidy roster of a district
// for a month, once.
func approvedRoster(e *apptest.Env, district, month string) {
	e.T.Helper()
	if e.Int64(`SELECT count(*) FROM benefit_rosters WHERE orgunit = ? AND month = ? AND state = 'approved'`, district, month) > 0 {
		return
	}
	ctx := context.Background()
	// The fixture's persons hold a certificate issued two years ago (the
	// subsidies need a valid one).
	if _, err := e.App.DB.Exec(ctx, `UPDATE persons SET certificate_issued = '2024-06-01' WHERE certificate_issued = ''`); err != nil {
		e.T.Fatal(err)
	}
	r, err := e.App.Benefits.CreateRoster(ctx, everywhere, benefits.RosterInput{Benefit: benefits.Care, Month: month, OrgUnit: district})
	if err != nil {
		e.T.Fatal(err)
	}
	other := everywhere
	other.Actor.Username = "approver"
	if _, err := e.App.Benefits.ApproveRoster(ctx, other, r.ID); err != nil {
		e.T.Fatal(err)
	}
}

// get fetches a path as a user, with the headers of the answer.
func get(e *apptest.Env, user, path string) (*http.Response, []byte) {
	e.T.Helper()
	req, err := http.NewRequest(http.MethodGet, e.Srv.URL+path, nil)
	if err != nil {
		e.T.Fatal(err)
	}
	if tok := e.Tokens[user]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	client := &http.Client{CheckRedirect: apptest.NoRedirect}
	res, err := client.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		e.T.Fatal(err)
	}
	return res, body
}

// pdfText extracts the text of a PDF with a PDF reader, the rows joined.
func pdfText(t testing.TB, b []byte) string { return strings.Join(testkit.PDFRows(t, b), "") }
