package events_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/events"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/registry"
)

// outUnit is a town in no fixture user's view (昆山's 玉山镇).
const outUnit = "320583100"

// everywhere is district staff of every district, who makes the matrix's
// events and entries.
var everywhere = registry.Caller{Actor: audit.Actor{Username: "fixture", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()}

const (
	pastDay   = "2026-11-10"
	futureDay = "2026-11-26"
)

// event makes an event of the fixture's village (in) or of 昆山 (out) on a
// day; prepare readies an event of the village for the fixture's person
// (e.In): "register" or "attend".
func event(e *apptest.Env, in bool, day string, prepare string) events.Event {
	ctx := context.Background()
	unit := apptest.Village
	if !in {
		unit = outUnit
	}
	ev, err := e.App.Events.Create(ctx, everywhere, events.Input{Title: "矩阵活动", Kind: "sport", OrgUnit: unit, Date: day})
	if err != nil {
		e.T.Fatal(err)
	}
	if !in {
		prepare = "" // an entry would let the person account see the event
	}
	switch prepare {
	case "register":
		if _, err := e.App.Events.Register(ctx, everywhere, ev.ID, e.In); err != nil {
			e.T.Fatal(err)
		}
	case "attend":
		if _, _, err := e.App.Events.Attend(ctx, everywhere, ev.ID, e.In); err != nil {
			e.T.Fatal(err)
		}
	}
	return ev
}

// onEvent calls path (with %d for the event, and a second %d for the
// fixture's person when it has one) on a fresh event, with a body or a
// form.
func onEvent(path, day, prepare string, body any, form func(e *apptest.Env) url.Values) func(in bool) func(*apptest.Env, string) apptest.Request {
	return func(in bool) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			ev := event(e, in, day, prepare)
			r := apptest.Request{Path: fmt.Sprintf(path, ev.ID), Body: body}
			if countVerbs(path) == 2 {
				r.Path = fmt.Sprintf(path, ev.ID, e.In)
			}
			if form != nil {
				r.Form = form(e)
			}
			return r
		}
	}
}

// selfPartner makes the Env's own installation its partner "310114",
// reached over HTTP with its peer account's token, so that the partner
// pages have a partner's shared events to show.
func selfPartner(e *apptest.Env) {
	if _, ok := e.App.Events.Partners.(*httpPartners); !ok { // the app wires the federation: replace it
		e.App.Events.Partners = &httpPartners{list: []events.Partner{{District: "310114", Name: "嘉定区"}},
			links: map[string]peerLink{"310114": {e.Srv.URL, e.Tokens["peer"]}}}
	}
}

// onShared calls path on a fresh shared event of the fixture's village:
// an API path with %d for the event; a partner page's path with %s for the
// district and %d for the event. In scope: the partner's event and the
// fixture's person (e.In); out: an event the caller does not see (API), or
// the person out of scope (e.Out, prepared by the fixture as asked). A page
// without a form (GET) out of scope asks a district that is no partner.
func onShared(path, day, prepare string, form func(e *apptest.Env) url.Values) func(in bool) func(*apptest.Env, string) apptest.Request {
	return func(in bool) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			ctx := context.Background()
			selfPartner(e)
			api := strings.HasPrefix(path, "/api/")
			unit := apptest.Village
			if api && !in {
				unit = outUnit
			}
			ev, err := e.App.Events.Create(ctx, everywhere, events.Input{Title: "共享矩阵活动", Kind: "sport", OrgUnit: unit, Date: day, Shared: true})
			if err != nil {
				e.T.Fatal(err)
			}
			if api {
				return apptest.Request{Path: fmt.Sprintf(path, ev.ID)}
			}
			person, district := e.In, "310114"
			if !in && form != nil {
				person = e.Out
			} else if !in {
				district = "320999"
			}
			remote := events.SharedEvent{ID: ev.ID, Title: ev.Title, Kind: ev.Kind, Date: ev.Date, State: ev.State, District: "310114"}
			switch prepare {
			case "register":
				err = e.App.Events.PartnerRegister(ctx, everywhere, "310114", remote, person)
			case "attend":
				_, err = e.App.Events.PartnerAttend(ctx, everywhere, "310114", remote, person)
			}
			if err != nil {
				e.T.Fatal(err)
			}
			r := apptest.Request{Path: fmt.Sprintf(path, district, ev.ID)}
			if form != nil {
				r.Form = url.Values{"person_id": {fmt.Sprint(person)}}
			}
			return r
		}
	}
}

func countVerbs(s string) int {
	n := 0
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '%' && s[i+1] == 'd' {
			n++
		}
	}
	return n
}

// TestPermissionMatrix walks the events' API and pages against every role
// and no sign-in, in and out of the caller's view (apptest.Matrix): staff
// run the events of their area and register, mark and rank its persons; a
// person account sees the events of its village and above and registers
// itself.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	staff := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant}
	readers := append([]string{identity.Person}, staff...)
	person := []string{identity.Person}
	both := func(f func(bool) func(*apptest.Env, string) apptest.Request, allowed []string, ok, outOK int, page bool) apptest.Entry {
		return apptest.Entry{Allowed: allowed, PageIn: page, In: f(true), InOK: ok, Out: f(false), OutOK: outOK}
	}
	newBody := func(unit string) func(*apptest.Env, string) apptest.Request {
		return apptest.Fixed("/api/v1/events", map[string]any{"title": "运动会", "kind": "sport", "orgunit": unit, "date": futureDay, "places": 10})
	}
	newForm := func(unit string) func(*apptest.Env, string) apptest.Request {
		return apptest.FixedForm("/events/new", url.Values{"title": {"运动会"}, "kind": {"sport"}, "orgunit": {unit}, "date": {futureDay}, "places": {"10"}})
	}
	personForm := func(more url.Values) func(e *apptest.Env) url.Values {
		return func(e *apptest.Env) url.Values {
			f := url.Values{"person_id": {fmt.Sprint(e.In)}}
			for k, v := range more {
				f[k] = v
			}
			return f
		}
	}
	page := func(path string, allowed []string) apptest.Entry {
		return apptest.Entry{Allowed: allowed, PageIn: true, In: apptest.Fixed(path, nil), InOK: http.StatusOK}
	}
	entries := map[string]apptest.Entry{
		"GET /api/v1/events":      {Allowed: readers, In: apptest.Fixed("/api/v1/events?kind=sport&from=2026-11-01", nil), InOK: http.StatusOK},
		"POST /api/v1/events":     {Allowed: staff, In: newBody(apptest.Village), InOK: http.StatusCreated, Out: newBody(outUnit), OutOK: http.StatusUnprocessableEntity},
		"GET /api/v1/events/{id}": both(onEvent("/api/v1/events/%d", futureDay, "", nil, nil), readers, http.StatusOK, http.StatusNotFound, false),
		"PUT /api/v1/events/{id}": both(func(in bool) func(*apptest.Env, string) apptest.Request {
			return func(e *apptest.Env, _ string) apptest.Request {
				ev := event(e, in, futureDay, "")
				return apptest.Request{Path: fmt.Sprintf("/api/v1/events/%d", ev.ID), Body: map[string]any{"title": "改名", "kind": "culture",
					"orgunit": apptest.Village, "date": futureDay, "version": ev.Version}}
			}
		}, staff, http.StatusOK, http.StatusNotFound, false),
		"POST /api/v1/events/{id}/cancel": both(onEvent("/api/v1/events/%d/cancel", futureDay, "", map[string]any{"reason": "下雨"}, nil),
			staff, http.StatusOK, http.StatusNotFound, false),
		"GET /api/v1/events/{id}/registrations": both(onEvent("/api/v1/events/%d/registrations", futureDay, "register", nil, nil),
			readers, http.StatusOK, http.StatusNotFound, false),
		"POST /api/v1/events/{id}/registrations": both(func(in bool) func(*apptest.Env, string) apptest.Request {
			return func(e *apptest.Env, _ string) apptest.Request {
				ev := event(e, in, futureDay, "")
				return apptest.Request{Path: fmt.Sprintf("/api/v1/events/%d/registrations", ev.ID), Body: map[string]any{"person_id": e.In}}
			}
		}, readers, http.StatusCreated, http.StatusNotFound, false),
		"DELETE /api/v1/events/{id}/registrations/{person_id}": both(onEvent("/api/v1/events/%d/registrations/%d", futureDay, "register", nil, nil),
			readers, http.StatusNoContent, http.StatusNotFound, false),
		"POST /api/v1/events/{id}/attendance": both(func(in bool) func(*apptest.Env, string) apptest.Request {
			return func(e *apptest.Env, _ string) apptest.Request {
				ev := event(e, in, pastDay, "")
				return apptest.Request{Path: fmt.Sprintf("/api/v1/events/%d/attendance", ev.ID), Body: map[string]any{"person_id": e.In}}
			}
		}, staff, http.StatusCreated, http.StatusNotFound, false),
		"DELETE /api/v1/events/{id}/attendance/{person_id}": both(onEvent("/api/v1/events/%d/attendance/%d", pastDay, "attend", nil, nil),
			staff, http.StatusNoContent, http.StatusNotFound, false),
		"PUT /api/v1/events/{id}/results/{person_id}": both(onEvent("/api/v1/events/%d/results/%d", pastDay, "attend", map[string]any{"place": 2, "award": "银牌"}, nil),
			staff, http.StatusOK, http.StatusNotFound, false),

		"GET /events":          page("/events?kind=sport&month=2026-11", staff),
		"GET /events/calendar": page("/events/calendar?month=2026-11", staff),
		"GET /events/new":      page("/events/new", staff),
		"POST /events/new": {Allowed: staff, PageIn: true, In: newForm(apptest.Village), InOK: http.StatusSeeOther,
			Out: newForm(outUnit), OutOK: http.StatusUnprocessableEntity},
		"GET /events/{id}": both(onEvent("/events/%d", pastDay, "attend", nil, nil), staff, http.StatusOK, http.StatusNotFound, true),
		"POST /events/{id}/registrations": both(onEvent("/events/%d/registrations", futureDay, "", nil, personForm(nil)),
			staff, http.StatusSeeOther, http.StatusNotFound, true),
		"POST /events/{id}/withdrawals": both(onEvent("/events/%d/withdrawals", futureDay, "register", nil, personForm(nil)),
			staff, http.StatusSeeOther, http.StatusNotFound, true),
		"POST /events/{id}/attendance": both(onEvent("/events/%d/attendance", pastDay, "", nil, personForm(nil)),
			staff, http.StatusSeeOther, http.StatusNotFound, true),
		"POST /events/{id}/absences": both(onEvent("/events/%d/absences", pastDay, "attend", nil, personForm(nil)),
			staff, http.StatusSeeOther, http.StatusNotFound, true),
		"POST /events/{id}/results": both(func(in bool) func(*apptest.Env, string) apptest.Request {
			return func(e *apptest.Env, _ string) apptest.Request {
				ev := event(e, in, pastDay, "attend")
				return apptest.Request{Path: fmt.Sprintf("/events/%d/results", ev.ID),
					Form: url.Values{"person_id": {fmt.Sprint(e.In)}, fmt.Sprintf("place-%d", e.In): {"1"}, fmt.Sprintf("award-%d", e.In): {"金牌"}}}
			}
		}, staff, http.StatusSeeOther, http.StatusNotFound, true),
		"POST /events/{id}/cancel": both(onEvent("/events/%d/cancel", futureDay, "", nil, func(*apptest.Env) url.Values { return url.Values{"reason": {"下雨"}} }),
			staff, http.StatusSeeOther, http.StatusNotFound, true),
		"GET /api/v1/federation/events": {Allowed: []string{identity.Peer, identity.DistrictStaff, identity.TownStaff},
			In: apptest.Fixed("/api/v1/federation/events?year=2026", nil), InOK: http.StatusOK},
		"GET /api/v1/federation/event-counts": {Allowed: []string{identity.Peer}, In: apptest.Fixed("/api/v1/federation/event-counts?year=2026", nil), InOK: http.StatusOK},
		"GET /api/v1/events/{id}/partner-counts": both(onShared("/api/v1/events/%d/partner-counts", futureDay, "", nil),
			staff, http.StatusOK, http.StatusNotFound, false),
		"GET /events/partners/{district}/{id}": both(onShared("/events/partners/%s/%d", pastDay, "attend", nil), staff, http.StatusOK, http.StatusNotFound, true),
		"POST /events/partners/{district}/{id}/registrations": both(onShared("/events/partners/%s/%d/registrations", futureDay, "", personForm(nil)),
			staff, http.StatusSeeOther, http.StatusNotFound, true),
		"POST /events/partners/{district}/{id}/withdrawals": both(onShared("/events/partners/%s/%d/withdrawals", futureDay, "register", personForm(nil)),
			staff, http.StatusSeeOther, http.StatusNotFound, true),
		"POST /events/partners/{district}/{id}/attendance": both(onShared("/events/partners/%s/%d/attendance", pastDay, "", personForm(nil)),
			staff, http.StatusSeeOther, http.StatusNotFound, true),
		"POST /events/partners/{district}/{id}/absences": both(onShared("/events/partners/%s/%d/absences", pastDay, "attend", personForm(nil)),
			staff, http.StatusSeeOther, http.StatusNotFound, true),
		"GET /my/events": page("/my/events", person),
		"POST /my/events/{id}/register": both(onEvent("/my/events/%d/register", futureDay, "", nil, func(*apptest.Env) url.Values { return url.Values{} }),
			person, http.StatusSeeOther, http.StatusNotFound, true),
		"POST /my/events/{id}/withdraw": both(onEvent("/my/events/%d/withdraw", futureDay, "register", nil, func(*apptest.Env) url.Values { return url.Values{} }),
			person, http.StatusSeeOther, http.StatusNotFound, true),
	}
	apptest.Matrix(t, "events", entries)
}
