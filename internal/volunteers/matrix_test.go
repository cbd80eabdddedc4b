package volunteers_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/registry"
	"sunshine/internal/volunteers"
)

// outUnit is a town in no fixture user's view (昆山's 玉山镇).
const outUnit = "320583100"

// matrixFixture is what the matrix's calls need on one Env: a volunteer of
// the fixture's village (in every staff user's scope), one of 昆山 (in
// nobody's), a volunteer of the escort team led by the volunteer user (whose
// hours it may approve), and a counter for new phones and tasks.
type matrixFixture struct {
	village, out, led int64
	seq               int
}

var (
	matrixMu  sync.Mutex
	matrixFix = map[*apptest.Env]*matrixFixture{}
	// everywhere is district staff of every district, who makes the
	// matrix's tasks.
	everywhere = registry.Caller{Actor: audit.Actor{Username: "fixture", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()}
)

func fix(e *apptest.Env) *matrixFixture {
	matrixMu.Lock()
	defer matrixMu.Unlock()
	if f, ok := matrixFix[e]; ok {
		return f
	}
	f := &matrixFixture{
		village: apptest.VolunteerOf(e.T, e.App, 101, apptest.Village, "sign"),
		out:     apptest.VolunteerOf(e.T, e.App, 102, outUnit, "escort"),
		led:     apptest.VolunteerOf(e.T, e.App, 103, apptest.Village, "escort"),
	}
	ctx := context.Background()
	teams, err := e.App.Volunteers.Teams(ctx, everywhere)
	if err != nil {
		e.T.Fatal(err)
	}
	for _, t := range teams {
		if t.Code == "escort" {
			if _, err := e.App.Volunteers.UpdateTeam(ctx, everywhere, "escort", volunteers.TeamInput{Name: t.Name, LeaderID: e.Volunteer, Version: t.Version}); err != nil {
				e.T.Fatal(err)
			}
		}
	}
	matrixFix[e] = f
	return f
}

func (f *matrixFixture) next() int {
	matrixMu.Lock()
	defer matrixMu.Unlock()
	f.seq++
	return f.seq
}

// task makes a task of unit starting at now+from for an hour, serving the
// fixture's person when in the fixture's village, of the escort team.
func task(e *apptest.Env, unit string, from time.Duration) volunteers.Task {
	now := e.App.DB.Now()
	in := volunteers.TaskInput{Title: "矩阵任务", OrgUnit: unit, StartsAt: now.Add(from), EndsAt: now.Add(from + time.Hour), Slots: 5, Team: "escort"}
	if unit == apptest.Village {
		in.PersonID = e.In
	}
	tk, err := e.App.Volunteers.CreateTask(context.Background(), everywhere, in)
	if err != nil {
		e.T.Fatal(err)
	}
	return tk
}

// who is the volunteer a user acts for: the volunteer user itself, staff
// the village's volunteer.
func who(e *apptest.Env, user string) int64 {
	if user == "volunteer" {
		return e.Volunteer
	}
	return fix(e).village
}

// free withdraws the user's volunteer's sign-ups, so that the next task of
// the matrix, at the same time as the last, does not overlap them.
func free(e *apptest.Env, user string) { freeV(e, who(e, user)) }

func freeV(e *apptest.Env, v int64) {
	if _, err := e.App.DB.Exec(context.Background(), `UPDATE volunteer_signups SET cancelled_at = 1 WHERE volunteer_id = ? AND cancelled_at = 0`, v); err != nil {
		e.T.Fatal(err)
	}
}

func signed(e *apptest.Env, tk volunteers.Task, v int64) {
	if _, err := e.App.Volunteers.SignUp(context.Background(), everywhere, tk.ID, v); err != nil {
		e.T.Fatal(err)
	}
}

// entry is a pending hours entry the user may decide: staff that of the
// village's volunteer, the volunteer user (the escort team's leader) that
// of another escort volunteer; out, one of 安亭镇.
func entry(e *apptest.Env, user string, out bool) int64 {
	f := fix(e)
	unit, v := apptest.Village, f.village
	if user == "volunteer" {
		v = f.led
	}
	if out {
		unit, v = outUnit, f.out
	}
	tk := task(e, unit, -10*time.Minute)
	freeV(e, v)
	signed(e, tk, v)
	h, err := e.App.Volunteers.Record(context.Background(), everywhere, tk.ID, volunteers.RecordInput{VolunteerID: v, Minutes: 5})
	if err != nil {
		e.T.Fatal(err)
	}
	return h.ID
}

func body(e *apptest.Env, user string, m map[string]any) map[string]any {
	if user != "volunteer" {
		m["volunteer_id"] = who(e, user)
	}
	return m
}

// TestPermissionMatrix walks the corps' API against every role and no
// sign-in, in and out of the caller's view (apptest.Matrix): staff run the
// volunteers and tasks of their area, a volunteer its own record, hours and
// the tasks of the corps rule, the served person their tasks' feedback.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	staff := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant}
	corps := append([]string{identity.Volunteer}, staff...)
	readers := append([]string{identity.Person}, corps...)
	givers := append([]string{identity.Person}, staff...)
	onTask := func(rest string, in bool, from time.Duration, b func(e *apptest.Env, user string, tk volunteers.Task) any) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, user string) apptest.Request {
			free(e, user)
			unit := apptest.Village
			if !in {
				unit = outUnit
			}
			tk := task(e, unit, from)
			var bd any
			if b != nil {
				bd = b(e, user, tk)
			}
			return apptest.Request{Path: fmt.Sprintf("/api/v1/volunteer-tasks/%d%s", tk.ID, rest), Body: bd}
		}
	}
	volunteerPath := func(rest string, in bool, b func(e *apptest.Env, user string) any) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, user string) apptest.Request {
			id := fix(e).out
			if in {
				id = who(e, user)
			}
			var bd any
			if b != nil {
				bd = b(e, user)
			}
			return apptest.Request{Path: fmt.Sprintf("/api/v1/volunteers/%d%s", id, rest), Body: bd}
		}
	}
	volunteerBody := func(e *apptest.Env, unit string) map[string]any {
		return map[string]any{"name": "新志愿者", "phone": fmt.Sprintf("1360000%04d", fix(e).next()), "team": "sign", "orgunit": unit, "skills": []string{"sign_language"}}
	}
	hoursPath := func(rest string, in bool, b any) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, user string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/api/v1/volunteer-hours/%d%s", entry(e, user, !in), rest), Body: b}
		}
	}
	entries := map[string]apptest.Entry{
		"GET /api/v1/volunteer-teams": {Allowed: corps, In: apptest.Fixed("/api/v1/volunteer-teams", nil), InOK: http.StatusOK},
		"PUT /api/v1/volunteer-teams/{code}": {Allowed: []string{identity.DistrictStaff},
			In: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: "/api/v1/volunteer-teams/repair", Body: map[string]any{"name": "便民维修队",
					"version": e.Int64(`SELECT version FROM volunteer_teams WHERE code = 'repair'`)}}
			}, InOK: http.StatusOK,
			Out: apptest.Fixed("/api/v1/volunteer-teams/nosuch", map[string]any{"name": "x", "version": 1}), OutOK: http.StatusNotFound},
		"POST /api/v1/volunteers": {Allowed: staff,
			In: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: "/api/v1/volunteers", Body: volunteerBody(e, apptest.Village)}
			}, InOK: http.StatusCreated,
			Out: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: "/api/v1/volunteers", Body: volunteerBody(e, outUnit)}
			}, OutOK: http.StatusUnprocessableEntity},
		"GET /api/v1/volunteers": {Allowed: staff, In: apptest.Fixed("/api/v1/volunteers?team=sign", nil), InOK: http.StatusOK},
		"GET /api/v1/volunteers/{id}": {Allowed: corps, In: volunteerPath("", true, nil), InOK: http.StatusOK,
			Out: volunteerPath("", false, nil), OutOK: http.StatusNotFound},
		"PUT /api/v1/volunteers/{id}": {Allowed: staff,
			In: volunteerPath("", true, func(e *apptest.Env, _ string) any {
				b := volunteerBody(e, apptest.Village)
				b["version"] = e.Int64(`SELECT version FROM volunteers WHERE id = ?`, fix(e).village)
				return b
			}), InOK: http.StatusOK,
			Out: volunteerPath("", false, func(e *apptest.Env, _ string) any { return volunteerBody(e, apptest.Village) }), OutOK: http.StatusNotFound},
		"POST /api/v1/volunteers/{id}/reveal": {Allowed: staff, In: volunteerPath("/reveal", true, func(*apptest.Env, string) any { return map[string]any{"reason": "联系任务"} }),
			InOK: http.StatusOK, Out: volunteerPath("/reveal", false, func(*apptest.Env, string) any { return map[string]any{"reason": "联系任务"} }), OutOK: http.StatusNotFound},
		"GET /api/v1/volunteers/{id}/hours": {Allowed: corps, In: volunteerPath("/hours", true, nil), InOK: http.StatusOK,
			Out: volunteerPath("/hours", false, nil), OutOK: http.StatusNotFound},
		"GET /api/v1/volunteer-tasks": {Allowed: readers, In: apptest.Fixed("/api/v1/volunteer-tasks?open=true", nil), InOK: http.StatusOK},
		"POST /api/v1/volunteer-tasks": {Allowed: staff,
			In: func(e *apptest.Env, _ string) apptest.Request {
				now := e.App.DB.Now()
				return apptest.Request{Path: "/api/v1/volunteer-tasks", Body: map[string]any{"title": "陪同", "orgunit": apptest.Village,
					"starts_at": now.Add(24 * time.Hour), "ends_at": now.Add(26 * time.Hour), "slots": 2}}
			}, InOK: http.StatusCreated,
			Out: func(e *apptest.Env, _ string) apptest.Request {
				now := e.App.DB.Now()
				return apptest.Request{Path: "/api/v1/volunteer-tasks", Body: map[string]any{"title": "陪同", "orgunit": outUnit,
					"starts_at": now.Add(24 * time.Hour), "ends_at": now.Add(26 * time.Hour), "slots": 2}}
			}, OutOK: http.StatusUnprocessableEntity},
		"GET /api/v1/volunteer-tasks/{id}": {Allowed: readers, In: onTask("", true, time.Hour, nil), InOK: http.StatusOK,
			Out: onTask("", false, time.Hour, nil), OutOK: http.StatusNotFound},
		"POST /api/v1/volunteer-tasks/{id}/cancel": {Allowed: staff,
			In:   onTask("/cancel", true, time.Hour, func(*apptest.Env, string, volunteers.Task) any { return map[string]any{"reason": "下雨"} }),
			InOK: http.StatusOK,
			Out:  onTask("/cancel", false, time.Hour, func(*apptest.Env, string, volunteers.Task) any { return map[string]any{"reason": "下雨"} }), OutOK: http.StatusNotFound},
		"GET /api/v1/volunteer-tasks/{id}/suggestions": {Allowed: staff, In: onTask("/suggestions", true, time.Hour, nil), InOK: http.StatusOK,
			Out: onTask("/suggestions", false, time.Hour, nil), OutOK: http.StatusNotFound},
		"POST /api/v1/volunteer-tasks/{id}/signups": {Allowed: corps,
			In:   onTask("/signups", true, time.Hour, func(e *apptest.Env, user string, _ volunteers.Task) any { return body(e, user, map[string]any{}) }),
			InOK: http.StatusCreated,
			Out:  onTask("/signups", false, time.Hour, func(e *apptest.Env, user string, _ volunteers.Task) any { return body(e, user, map[string]any{}) }), OutOK: http.StatusNotFound},
		"DELETE /api/v1/volunteer-tasks/{id}/signups/{vid}": {Allowed: corps,
			In: func(e *apptest.Env, user string) apptest.Request {
				free(e, user)
				tk := task(e, apptest.Village, time.Hour)
				signed(e, tk, who(e, user))
				return apptest.Request{Path: fmt.Sprintf("/api/v1/volunteer-tasks/%d/signups/%d", tk.ID, who(e, user))}
			}, InOK: http.StatusNoContent,
			Out: func(e *apptest.Env, user string) apptest.Request {
				tk := task(e, outUnit, time.Hour)
				freeV(e, fix(e).out)
				signed(e, tk, fix(e).out)
				return apptest.Request{Path: fmt.Sprintf("/api/v1/volunteer-tasks/%d/signups/%d", tk.ID, who(e, user))}
			}, OutOK: http.StatusNotFound},
		"POST /api/v1/volunteer-tasks/{id}/arrivals": {Allowed: corps,
			In: onTask("/arrivals", true, -5*time.Minute, func(e *apptest.Env, user string, tk volunteers.Task) any {
				return body(e, user, map[string]any{"code": tk.CheckinCode})
			}), InOK: http.StatusCreated,
			Out: onTask("/arrivals", false, -5*time.Minute, func(e *apptest.Env, user string, tk volunteers.Task) any {
				return body(e, user, map[string]any{"code": tk.CheckinCode})
			}), OutOK: http.StatusNotFound},
		"POST /api/v1/volunteer-tasks/{id}/departures": {Allowed: corps,
			In: onTask("/departures", true, -30*time.Minute, func(e *apptest.Env, user string, tk volunteers.Task) any {
				v := who(e, user)
				signed(e, tk, v)
				if _, err := e.App.DB.Exec(context.Background(), `UPDATE volunteer_signups SET checked_in_at = ? WHERE task_id = ? AND volunteer_id = ?`,
					e.App.DB.Now().Add(-20*time.Minute).UnixMilli(), tk.ID, v); err != nil {
					e.T.Fatal(err)
				}
				return body(e, user, map[string]any{})
			}), InOK: http.StatusCreated,
			Out:   onTask("/departures", false, -30*time.Minute, func(e *apptest.Env, user string, _ volunteers.Task) any { return body(e, user, map[string]any{}) }),
			OutOK: http.StatusNotFound},
		"POST /api/v1/volunteer-tasks/{id}/checkins": {Allowed: corps,
			In: onTask("/checkins", true, -30*time.Minute, func(e *apptest.Env, user string, tk volunteers.Task) any {
				signed(e, tk, who(e, user))
				return body(e, user, map[string]any{"minutes": 20})
			}), InOK: http.StatusCreated,
			Out: onTask("/checkins", false, -30*time.Minute, func(e *apptest.Env, user string, _ volunteers.Task) any {
				return body(e, user, map[string]any{"minutes": 20})
			}), OutOK: http.StatusNotFound},
		"GET /api/v1/volunteer-tasks/{id}/feedback": {Allowed: readers, In: onTask("/feedback", true, -time.Minute, nil), InOK: http.StatusOK,
			Out: onTask("/feedback", false, -time.Minute, nil), OutOK: http.StatusNotFound},
		"POST /api/v1/volunteer-tasks/{id}/feedback": {Allowed: givers,
			In:   onTask("/feedback", true, -time.Minute, func(*apptest.Env, string, volunteers.Task) any { return map[string]any{"rating": 4} }),
			InOK: http.StatusCreated,
			Out:  onTask("/feedback", false, -time.Minute, func(*apptest.Env, string, volunteers.Task) any { return map[string]any{"rating": 4} }), OutOK: http.StatusNotFound},
		"GET /api/v1/volunteer-hours": {Allowed: corps, In: apptest.Fixed("/api/v1/volunteer-hours?state=pending", nil), InOK: http.StatusOK},
		"POST /api/v1/volunteer-hours/{id}/approve": {Allowed: corps, In: hoursPath("/approve", true, map[string]any{}), InOK: http.StatusOK,
			Out: hoursPath("/approve", false, map[string]any{}), OutOK: http.StatusNotFound},
		"POST /api/v1/volunteer-hours/{id}/reject": {Allowed: corps, In: hoursPath("/reject", true, map[string]any{"reason": "未到场"}), InOK: http.StatusOK,
			Out: hoursPath("/reject", false, map[string]any{"reason": "未到场"}), OutOK: http.StatusNotFound},
		"GET /api/v1/volunteer-totals": {Allowed: staff, In: apptest.Fixed("/api/v1/volunteer-totals?year=2026", nil), InOK: http.StatusOK},
	}
	for _, more := range []map[string]apptest.Entry{staffPageEntries(), phoneEntries()} {
		for k, v := range more {
			entries[k] = v
		}
	}
	apptest.Matrix(t, "volunteers", entries)
}
