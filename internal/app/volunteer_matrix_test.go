package app_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
	"sunshine/internal/volunteers"
)

// certNumber is a certificate number (an ID number and two digits)
// standing alone.
var certNumber = regexp.MustCompile(`(^|[^0-9])[0-9]{17}[0-9Xx][0-9]{2}([^0-9]|$)`)

// TestVolunteerAnswers reads every answer a volunteer account can get
// (issue 17): every route the volunteer role may call — taken from the
// router, so that a new route is covered as it comes — with the ids of its
// own town's task, hours and record (A) and with those of another town's
// (B) in its path. A's answer 200 (a GET) or anything but 404 and 5xx (a
// POST it refuses), B's 404. No answer holds the served persons' ID
// numbers, certificate numbers or phones, or names the person of B's task;
// the address of A's home visit appears only on its day.
func TestVolunteerAnswers(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.App
		ctx := context.Background()
		const nameB = "林乙乙"
		sys := registry.Caller{Scope: orgunit.ScopeOf("3")}
		var certs []string
		mk := func(n int, name, unit, phone, address string) registry.Person {
			id := apptest.IDNumber(fmt.Sprintf("310114198001016%02d", n))
			certs = append(certs, id+"12")
			p, err := a.Registry.Create(ctx, sys, registry.PersonInput{Name: name, IDNumber: id, CertificateNumber: id + "12",
				Category: 1, Grade: 2, OrgUnit: unit, Phone: phone, GuardianPhone: "13698765432", Address: address})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		pA := mk(1, "欧阳甲甲", apptest.Village, "13811112222", "永新村8号")
		pB := mk(2, nameB, apptest.VillageTown2, "13833334444", "安亭村9号")
		townA := apptest.Caller(identity.TownStaff, "310114102")
		townB := apptest.Caller(identity.TownStaff, "310114103")
		now := d.Now()
		task := func(c registry.Caller, unit string, person int64) volunteers.Task {
			tk, err := a.Volunteers.CreateTask(ctx, c, volunteers.TaskInput{Title: "上门探访", Kind: volunteers.HomeVisit, OrgUnit: unit, PersonID: person,
				StartsAt: now.Add(-5 * time.Minute), EndsAt: now.Add(2 * time.Hour), Slots: 3, ContactName: "顾老师", ContactPhone: "02169120000"})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		tA, tB := task(townA, "310114102", pA.ID), task(townB, "310114103", pB.ID)
		vB := apptest.VolunteerOf(t, a, 2, "310114103", "escort")
		vA2 := apptest.VolunteerOf(t, a, 3, "310114102", "escort")
		hours := func(c registry.Caller, tk volunteers.Task, v int64) int64 {
			if _, err := a.Volunteers.SignUp(ctx, c, tk.ID, v); err != nil {
				t.Fatal(err)
			}
			h, err := a.Volunteers.Record(ctx, c, tk.ID, volunteers.RecordInput{VolunteerID: v, Minutes: 3})
			if err != nil {
				t.Fatal(err)
			}
			return h.ID
		}
		hA, hB := hours(townA, tA, e.Volunteer), hours(townB, tB, vB)
		hours(townA, tA, vA2)

		leak := func(what string, raw []byte) {
			t.Helper()
			s := string(raw)
			for _, secret := range append([]string{certs[0][:18], certs[1][:18], "13811112222", "13833334444", "13698765432", nameB, "欧阳", "安亭村9号"}, certs...) {
				if secret != "" && strings.Contains(s, secret) {
					t.Errorf("%s: the volunteer's answer holds %q", what, secret)
				}
			}
			if m := fullID.Find(raw); m != nil {
				t.Errorf("%s: the volunteer's answer holds a full ID number %q", what, m)
			}
			if m := certNumber.Find(raw); m != nil {
				t.Errorf("%s: the volunteer's answer holds a certificate number %q", what, m)
			}
		}
		const user = "volunteer"
		call := func(method, path string) (int, []byte) {
			t.Helper()
			switch {
			case method == "GET":
				return e.DoRaw(user, "GET", path, nil, nil, nil)
			case strings.HasPrefix(path, "/api/"):
				return e.DoRaw(user, method, path, map[string]any{}, nil, nil)
			default:
				return e.Form(user, path, url.Values{"nonsense": {"1"}})
			}
		}
		var routes []web.Route
		for _, rt := range a.Router().Routes() {
			if !rt.Access.Public && (len(rt.Access.Roles) == 0 || slices.Contains(rt.Access.Roles, identity.Volunteer)) {
				routes = append(routes, rt)
			}
		}
		param := regexp.MustCompile(`([a-z-]+)/\{([a-z_]+)\}`)
		byID := 0
		for _, rt := range routes {
			method, path, _ := strings.Cut(rt.Pattern, " ")
			path = strings.TrimSuffix(path, "{$}")
			ps := param.FindAllStringSubmatch(path, -1)
			if len(ps) == 0 {
				if method != "GET" {
					continue // the account's own settings, signing out
				}
				for _, q := range []string{"", fmt.Sprintf("?orgunit=310114103&person_id=%d&mine=true&year=all", pB.ID)} {
					st, raw := call(method, path+q)
					if st >= 500 {
						t.Errorf("%s%s: %d", rt.Pattern, q, st)
					}
					leak(rt.Pattern+q, raw)
				}
				continue
			}
			var idA, idB string
			switch ps[0][1] + "/" + ps[0][2] {
			case "volunteer-tasks/id", "tasks/id", "checkin/id", "volunteer-feedback/id":
				idA, idB = fmt.Sprint(tA.ID), fmt.Sprint(tB.ID)
			case "volunteers/id":
				idA, idB = fmt.Sprint(e.Volunteer), fmt.Sprint(vB)
			case "volunteer-hours/id":
				idA, idB = fmt.Sprint(hA), fmt.Sprint(hB)
			case "notifications/id": // the volunteer's own, and another user's
				idA, idB = fmt.Sprint(notificationOf(t, e.Env, "volunteer")), fmt.Sprint(notificationOf(t, e.Env, "district"))
			default:
				t.Errorf("%s: a path parameter %s this test cannot fill: add it", rt.Pattern, ps[0][0])
				continue
			}
			byID++
			fill := func(id string) string {
				p := strings.Replace(path, "{"+ps[0][2]+"}", id, 1)
				p = strings.Replace(p, "{doc}", "hours.pdf", 1) // a printable document: A's certificate
				return strings.Replace(p, "{vid}", fmt.Sprint(e.Volunteer), 1)
			}
			st, raw := call(method, fill(idA))
			switch {
			case strings.HasSuffix(path, "/{doc}") && st == 409: // A has no approved hours yet: nothing to certify
			case method == "GET" && st != 200:
				t.Errorf("%s with A's id: %d, want 200: %.300s", rt.Pattern, st, raw)
			case st == 404 || st >= 500:
				t.Errorf("%s with A's id: %d, want its answer or a refusal of the body, not 404: %.300s", rt.Pattern, st, raw)
			}
			leak(rt.Pattern+" (A)", raw)
			st, raw = call(method, fill(idB))
			if st != 404 {
				t.Errorf("%s with B's id: %d, want 404: %.300s", rt.Pattern, st, raw)
			}
			leak(rt.Pattern+" (B)", raw)
		}
		if byID < 8 {
			t.Errorf("only %d of the volunteer's routes take an id", byID)
		}
		// Today A's home visit shows its address to its volunteer; another
		// day it does not.
		var got volunteers.Task
		if st := e.Do(user, "GET", fmt.Sprintf("/api/v1/volunteer-tasks/%d", tA.ID), nil, &got); st != 200 || got.Address != "永新村8号" || got.ServedName != "甲甲" {
			t.Errorf("A's task today: %d %+v", st, got)
		}
		later, err := a.Volunteers.CreateTask(ctx, townA, volunteers.TaskInput{Title: "再次探访", Kind: volunteers.HomeVisit, OrgUnit: "310114102", PersonID: pA.ID,
			StartsAt: now.Add(30 * time.Hour), EndsAt: now.Add(31 * time.Hour), Slots: 1})
		if err != nil {
			t.Fatal(err)
		}
		if st := e.Do(user, "POST", fmt.Sprintf("/api/v1/volunteer-tasks/%d/signups", later.ID), map[string]any{}, nil); st != 201 {
			t.Fatalf("signing up for the later visit: %d", st)
		}
		if st, raw := e.DoRaw(user, "GET", fmt.Sprintf("/api/v1/volunteer-tasks/%d", later.ID), nil, nil, nil); st != 200 || strings.Contains(string(raw), "永新村8号") {
			t.Errorf("a home visit of another day: %d %s", st, raw)
		}
		// The ledger: every year without ?year=, one year with it.
		var l volunteers.Ledger
		if st := e.Do(user, "GET", fmt.Sprintf("/api/v1/volunteers/%d/hours", e.Volunteer), nil, &l); st != 200 || l.PendingMinutes != 3 || len(l.Items) != 1 {
			t.Errorf("the volunteer's ledger: %d %+v", st, l)
		}
		if st := e.Do(user, "GET", fmt.Sprintf("/api/v1/volunteers/%d/hours?year=2001", e.Volunteer), nil, &l); st != 200 || l.PendingMinutes != 0 || len(l.Items) != 0 {
			t.Errorf("the volunteer's ledger of 2001: %d %+v", st, l)
		}
		// The volunteer's hours: approving its own is refused, plainly.
		if st, raw := e.DoRaw(user, "POST", fmt.Sprintf("/api/v1/volunteer-hours/%d/approve", hA), map[string]any{}, nil, nil); st != 403 || !strings.Contains(string(raw), "自己") {
			t.Errorf("approving its own hours: %d %s", st, raw)
		}
	})
}
