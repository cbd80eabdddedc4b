package volunteers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/volunteers"
)

// staffPageEntries are the permission-matrix entries of the staff's pages
// (pages_staff*.go): the staff of the fixture's village's area use them on
// its volunteers and tasks, and get 404 for those of 昆山; the certificate is
// also the volunteer's own.
func staffPageEntries() map[string]apptest.Entry {
	staff := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant}
	corps := append([]string{identity.Volunteer}, staff...)
	page := func(path string) apptest.Entry {
		return apptest.Entry{Allowed: staff, PageIn: true, In: apptest.Fixed(path, nil), InOK: http.StatusOK}
	}
	onVolunteer := func(rest string, form func(e *apptest.Env, v int64) url.Values) func(in bool) func(*apptest.Env, string) apptest.Request {
		return func(in bool) func(*apptest.Env, string) apptest.Request {
			return func(e *apptest.Env, user string) apptest.Request {
				v := fix(e).out
				if in {
					v = who(e, user)
				}
				r := apptest.Request{Path: fmt.Sprintf("/volunteers/%d%s", v, rest)}
				if form != nil {
					r.Form = form(e, v)
				}
				return r
			}
		}
	}
	volunteerForm := func(e *apptest.Env, unit string) url.Values {
		return url.Values{"name": {"新志愿者"}, "phone": {fmt.Sprintf("1350000%04d", fix(e).next())}, "team": {"sign"}, "orgunit": {unit},
			"skills": {"sign_language"}, "days": {"sat"}, "times": {"am"}}
	}
	// onTask posts form (or gets, when form is nil and get) to a fresh task
	// of the village (in) or of 昆山 (out) starting at now+from; prepare
	// readies the task for the user's volunteer.
	onTask := func(rest string, from time.Duration, prepare func(e *apptest.Env, tk volunteers.Task, v int64), form func(e *apptest.Env, v int64) url.Values) func(in bool) func(*apptest.Env, string) apptest.Request {
		return func(in bool) func(*apptest.Env, string) apptest.Request {
			return func(e *apptest.Env, user string) apptest.Request {
				free(e, user)
				unit, v := apptest.Village, who(e, user)
				if !in {
					unit = outUnit
				}
				tk := task(e, unit, from)
				if prepare != nil && in {
					prepare(e, tk, v)
				}
				r := apptest.Request{Path: fmt.Sprintf("/volunteer-tasks/%d%s", tk.ID, rest)}
				if form != nil {
					r.Form = form(e, v)
				}
				return r
			}
		}
	}
	forV := func(more url.Values) func(e *apptest.Env, v int64) url.Values {
		return func(_ *apptest.Env, v int64) url.Values {
			f := url.Values{"volunteer_id": {fmt.Sprint(v)}}
			for k, vs := range more {
				f[k] = vs
			}
			return f
		}
	}
	fixed := func(f url.Values) func(*apptest.Env, int64) url.Values {
		return func(*apptest.Env, int64) url.Values { return f }
	}
	signUp := func(e *apptest.Env, tk volunteers.Task, v int64) { signed(e, tk, v) }
	both := func(in, out func(bool) func(*apptest.Env, string) apptest.Request, ok, outOK int, allowed []string) apptest.Entry {
		return apptest.Entry{Allowed: allowed, PageIn: true, In: in(true), InOK: ok, Out: out(false), OutOK: outOK}
	}
	onT := func(rest string, from time.Duration, prepare func(*apptest.Env, volunteers.Task, int64), form func(*apptest.Env, int64) url.Values, ok int) apptest.Entry {
		f := onTask(rest, from, prepare, form)
		return both(f, f, ok, http.StatusNotFound, staff)
	}
	onV := func(rest string, form func(*apptest.Env, int64) url.Values, ok int, allowed []string) apptest.Entry {
		f := onVolunteer(rest, form)
		return both(f, f, ok, http.StatusNotFound, allowed)
	}
	hours := func(rest string, form url.Values) apptest.Entry {
		build := func(in bool) func(*apptest.Env, string) apptest.Request {
			return func(e *apptest.Env, user string) apptest.Request {
				return apptest.Request{Path: fmt.Sprintf("/volunteer-hours/%d%s", entry(e, user, !in), rest), Form: form}
			}
		}
		return apptest.Entry{Allowed: staff, PageIn: true, In: build(true), InOK: http.StatusSeeOther, Out: build(false), OutOK: http.StatusNotFound}
	}
	return map[string]apptest.Entry{
		"GET /volunteers":     page("/volunteers?team=sign"),
		"GET /volunteers/new": page("/volunteers/new"),
		"POST /volunteers/new": {Allowed: staff, PageIn: true,
			In: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: "/volunteers/new", Form: volunteerForm(e, apptest.Village)}
			}, InOK: http.StatusSeeOther,
			Out: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: "/volunteers/new", Form: volunteerForm(e, outUnit)}
			}, OutOK: http.StatusUnprocessableEntity},
		"GET /volunteers/{id}":      onV("", nil, http.StatusOK, staff),
		"GET /volunteers/{id}/edit": onV("/edit", nil, http.StatusOK, staff),
		"POST /volunteers/{id}/edit": onV("/edit", func(e *apptest.Env, v int64) url.Values {
			f := volunteerForm(e, apptest.Village)
			f.Set("version", fmt.Sprint(e.Int64(`SELECT version FROM volunteers WHERE id = ?`, v)))
			f.Set("active", "1")
			return f
		}, http.StatusSeeOther, staff),
		"POST /volunteers/{id}/reveal":     onV("/reveal", fixed(url.Values{"reason": {"通知任务变更"}}), http.StatusOK, staff),
		"GET /volunteers/{id}/certificate": onV("/certificate?year=2026", nil, http.StatusOK, corps),
		"GET /volunteer-teams":             page("/volunteer-teams"),
		"POST /volunteer-teams/{code}": {Allowed: []string{identity.DistrictStaff}, PageIn: true,
			In: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: "/volunteer-teams/repair", Form: url.Values{"name": {"便民维修队"},
					"version": {fmt.Sprint(e.Int64(`SELECT version FROM volunteer_teams WHERE code = 'repair'`))}}}
			}, InOK: http.StatusSeeOther,
			Out: apptest.FixedForm("/volunteer-teams/nosuch", url.Values{"name": {"x"}, "version": {"1"}}), OutOK: http.StatusNotFound},
		"GET /volunteer-tasks":     page("/volunteer-tasks?month=2026-11"),
		"GET /volunteer-tasks/new": page("/volunteer-tasks/new"),
		"POST /volunteer-tasks/new": {Allowed: staff, PageIn: true,
			In: apptest.FixedForm("/volunteer-tasks/new", url.Values{"title": {"陪同复诊"}, "kind": {"escort"}, "orgunit": {apptest.Village},
				"date": {"2026-11-20"}, "start": {"09:00"}, "end": {"11:00"}, "slots": {"1"}}), InOK: http.StatusSeeOther,
			Out: apptest.FixedForm("/volunteer-tasks/new", url.Values{"title": {"陪同复诊"}, "kind": {"escort"}, "orgunit": {outUnit},
				"date": {"2026-11-20"}, "start": {"09:00"}, "end": {"11:00"}, "slots": {"1"}}), OutOK: http.StatusUnprocessableEntity},
		"GET /volunteer-tasks/{id}":              onT("", time.Hour, nil, nil, http.StatusOK),
		"POST /volunteer-tasks/{id}/signups":     onT("/signups", time.Hour, nil, forV(nil), http.StatusSeeOther),
		"POST /volunteer-tasks/{id}/withdrawals": onT("/withdrawals", time.Hour, signUp, forV(nil), http.StatusSeeOther),
		"POST /volunteer-tasks/{id}/arrivals":    onT("/arrivals", -5*time.Minute, signUp, forV(nil), http.StatusSeeOther),
		"POST /volunteer-tasks/{id}/departures": onT("/departures", -30*time.Minute, func(e *apptest.Env, tk volunteers.Task, v int64) {
			signed(e, tk, v)
			if _, err := e.App.DB.Exec(context.Background(), `UPDATE volunteer_signups SET checked_in_at = ? WHERE task_id = ? AND volunteer_id = ?`,
				e.App.DB.Now().Add(-20*time.Minute).UnixMilli(), tk.ID, v); err != nil {
				e.T.Fatal(err)
			}
		}, forV(nil), http.StatusSeeOther),
		"POST /volunteer-tasks/{id}/checkins": onT("/checkins", -30*time.Minute, signUp, func(_ *apptest.Env, v int64) url.Values {
			return url.Values{"volunteer_id": {fmt.Sprint(v)}, fmt.Sprintf("minutes-%d", v): {"20"}}
		}, http.StatusSeeOther),
		"POST /volunteer-tasks/{id}/cancel":   onT("/cancel", time.Hour, nil, fixed(url.Values{"reason": {"服务对象改期"}}), http.StatusSeeOther),
		"POST /volunteer-tasks/{id}/feedback": onT("/feedback", -time.Minute, nil, fixed(url.Values{"rating": {"5"}}), http.StatusSeeOther),
		"GET /volunteer-tasks/{id}/qr":        onT("/qr", time.Hour, nil, nil, http.StatusOK),
		"GET /volunteer-tasks/{id}/qr.png":    onT("/qr.png", time.Hour, nil, nil, http.StatusOK),
		"GET /volunteer-hours":                page("/volunteer-hours"),
		"POST /volunteer-hours/{id}/approve":  hours("/approve", url.Values{}),
		"POST /volunteer-hours/{id}/reject":   hours("/reject", url.Values{"reason": {"未到场"}}),
	}
}
