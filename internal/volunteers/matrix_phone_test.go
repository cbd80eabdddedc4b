package volunteers_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/volunteers"
)

// phoneEntries are the permission-matrix entries of the volunteer's phone
// pages and the served person's feedback page (pages_phone.go), for the
// module's apptest.Matrix (merge them into its entries: maps.Copy). Each
// call that changes something gets a task of its own.
func phoneEntries() map[string]apptest.Entry {
	vol := []string{identity.Volunteer}
	person := []string{identity.Person}
	corps := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Volunteer}
	page := func(path string, task func(*apptest.Env) int64, form url.Values) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			p := path
			if task != nil {
				p = strings.ReplaceAll(path, "{id}", fmt.Sprint(task(e)))
			}
			return apptest.Request{Path: p, Form: form}
		}
	}
	empty := url.Values{}
	return map[string]apptest.Entry{
		"GET /my/tasks":                {Allowed: vol, In: apptest.Fixed("/my/tasks", nil), InOK: http.StatusOK, PageIn: true},
		"GET /my/hours":                {Allowed: vol, In: apptest.Fixed("/my/hours", nil), InOK: http.StatusOK, PageIn: true},
		"GET /my/tasks/{id}":           {Allowed: vol, In: page("/my/tasks/{id}", phoneTask(inTown, 0), nil), InOK: http.StatusOK, Out: page("/my/tasks/{id}", phoneTask(otherTown, 0), nil), OutOK: http.StatusNotFound, PageIn: true},
		"POST /my/tasks/{id}/signup":   {Allowed: vol, In: page("/my/tasks/{id}/signup", phoneTask(inTown, joinable), empty), InOK: http.StatusSeeOther, Out: page("/my/tasks/{id}/signup", phoneTask(otherTown, 0), empty), OutOK: http.StatusNotFound, PageIn: true},
		"POST /my/tasks/{id}/withdraw": {Allowed: vol, In: page("/my/tasks/{id}/withdraw", phoneTask(inTown, signedUp), empty), InOK: http.StatusSeeOther, Out: page("/my/tasks/{id}/withdraw", phoneTask(otherTown, 0), empty), OutOK: http.StatusNotFound, PageIn: true},
		"POST /my/tasks/{id}/checkin":  {Allowed: vol, In: withCode("/my/tasks/%d/checkin", inTown), InOK: http.StatusSeeOther, Out: withCode("/my/tasks/%d/checkin", otherTown), OutOK: http.StatusNotFound, PageIn: true},
		"POST /checkin/{id}":           {Allowed: vol, In: withCode("/checkin/%d", inTown), InOK: http.StatusSeeOther, Out: withCode("/checkin/%d", otherTown), OutOK: http.StatusNotFound, PageIn: true},
		// Checking out right after checking in: less than a minute, refused (the page answers 422).
		"POST /my/tasks/{id}/checkout": {Allowed: vol, In: page("/my/tasks/{id}/checkout", phoneTask(inTown, checkedIn), empty), InOK: http.StatusUnprocessableEntity, Out: page("/my/tasks/{id}/checkout", phoneTask(otherTown, 0), empty), OutOK: http.StatusNotFound, PageIn: true},
		// Staff get a message for any task (no lookup), so there is no out-of-scope call.
		"GET /checkin/{id}":               {Allowed: corps, In: page("/checkin/{id}?code=x", phoneTask(inTown, 0), nil), InOK: http.StatusOK, PageIn: true},
		"GET /my/volunteer-feedback/{id}": {Allowed: person, In: page("/my/volunteer-feedback/{id}", servedTask(false), nil), InOK: http.StatusOK, Out: page("/my/volunteer-feedback/{id}", servedTask(true), nil), OutOK: http.StatusNotFound, PageIn: true},
		"POST /my/volunteer-feedback/{id}": {Allowed: person, In: page("/my/volunteer-feedback/{id}", servedTask(false), url.Values{"rating": {"4"}}), InOK: http.StatusSeeOther,
			Out: page("/my/volunteer-feedback/{id}", servedTask(true), url.Values{"rating": {"4"}}), OutOK: http.StatusNotFound, PageIn: true},
	}
}

const (
	inTown    = "310114102" // the volunteer user's town
	otherTown = "310114103"
)

// What phoneTask does with the volunteer user's volunteer on the new task:
// nothing (the task lies two days ahead), leaves it for them to join or
// check in at (it begins around now), signs them up (tomorrow), or checks
// them in.
const (
	joinable = 1 + iota
	signedUp
	checkedIn
)

var (
	phoneTown     = apptest.Caller(identity.TownStaff, inTown)
	phoneDistrict = apptest.Caller(identity.DistrictStaff, "310114")
)

// phoneTask makes a new task of unit, of a minute, the volunteer user's
// volunteer signed up or checked in as state says. The tasks the volunteer
// may join follow each other a minute apart (from five minutes ago), so
// that their sign-ups never overlap and check-in (open an hour before the
// start) is open.
func phoneTask(unit string, state int) func(*apptest.Env) int64 {
	return func(e *apptest.Env) int64 {
		e.T.Helper()
		ctx, now := context.Background(), e.App.DB.Now()
		from := now.Add(48 * time.Hour)
		switch state {
		case joinable, checkedIn:
			from = now.Add(-5*time.Minute + time.Duration(nextSlot(e, "now"))*time.Minute)
		case signedUp:
			from = now.Add(24*time.Hour + time.Duration(nextSlot(e, "tomorrow"))*time.Minute)
		}
		t, err := e.App.Volunteers.CreateTask(ctx, phoneDistrict, volunteers.TaskInput{Title: "矩阵任务", OrgUnit: unit, StartsAt: from, EndsAt: from.Add(time.Minute), Slots: 3})
		if err != nil {
			e.T.Fatal(err)
		}
		me := apptest.VolunteerCaller(e.Volunteer, inTown)
		switch state {
		case signedUp:
			_, err = e.App.Volunteers.SignUp(ctx, me, t.ID, 0)
		case checkedIn:
			_, err = e.App.Volunteers.CheckIn(ctx, phoneTown, t.ID, e.Volunteer, "")
		}
		if err != nil {
			e.T.Fatal(err)
		}
		return t.ID
	}
}

type slotKey struct {
	e    *apptest.Env
	kind string
}

var (
	slotMu sync.Mutex
	slots  = map[slotKey]int{}
)

// nextSlot numbers the tasks of a kind phoneTask makes on an Env.
func nextSlot(e *apptest.Env, kind string) int {
	slotMu.Lock()
	defer slotMu.Unlock()
	k := slotKey{e, kind}
	slots[k]++
	return slots[k]
}

// withCode is a check-in with the right code on a new task of unit (one
// to join in the volunteer's town).
func withCode(path, unit string) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, _ string) apptest.Request {
		e.T.Helper()
		state := 0
		if unit == inTown {
			state = joinable
		}
		id := phoneTask(unit, state)(e)
		t, err := e.App.Volunteers.GetTask(context.Background(), phoneDistrict, id)
		if err != nil {
			e.T.Fatal(err)
		}
		return apptest.Request{Path: fmt.Sprintf(path, id), Form: url.Values{"code": {t.CheckinCode}}}
	}
}

// servedTask makes a task that began five minutes ago serving the person
// user's record (other: a person of another town).
func servedTask(other bool) func(*apptest.Env) int64 {
	return func(e *apptest.Env) int64 {
		e.T.Helper()
		person, unit := e.In, inTown
		if other {
			person, unit = e.Town2, otherTown
		}
		now := e.App.DB.Now()
		t, err := e.App.Volunteers.CreateTask(context.Background(), phoneDistrict, volunteers.TaskInput{Title: "矩阵服务", OrgUnit: unit,
			StartsAt: now.Add(-5 * time.Minute), EndsAt: now.Add(time.Hour), Slots: 1, PersonID: person})
		if err != nil {
			e.T.Fatal(err)
		}
		return t.ID
	}
}

// TestPhoneEntries: phoneEntries has an entry for each of the phone pages'
// routes and none for another, so that the module's matrix can take them
// whole.
func TestPhoneEntries(t *testing.T) {
	a := apptest.New(t, testkit.SQLite(t), apptest.Start())
	var want []string
	for _, rt := range a.Router().Routes() {
		if _, path, _ := strings.Cut(rt.Pattern, " "); rt.Module == "volunteers" && (strings.HasPrefix(path, "/my/") || strings.HasPrefix(path, "/checkin/")) {
			want = append(want, rt.Pattern)
		}
	}
	slices.Sort(want)
	if got := slices.Sorted(maps.Keys(phoneEntries())); !slices.Equal(got, want) {
		t.Errorf("the phone pages' matrix entries:\n got %v\nwant %v", got, want)
	}
}
