package notify_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
)

var seq int

// noteFor makes a notification of the user (the district's when "") and
// returns its id.
func noteFor(e *apptest.Env, user string) int64 {
	e.T.Helper()
	if user == "" {
		user = "district"
	}
	seq++
	uid := e.Int64(`SELECT id FROM users WHERE username = ?`, user)
	var id int64
	err := insertRow(e, &id, `INSERT INTO notifications (user_id, dedupe, kind, params, link, orgunit, created_at)
		VALUES (?, ?, 'cert_90', '{"date":"2027-01-15"}', '/me', ?, ?) RETURNING id`,
		uid, fmt.Sprintf("test|%d|%s", seq, user), apptest.Village, db.Millis(e.App.DB.Now()))
	if err != nil {
		e.T.Fatal(err)
	}
	return id
}

// failedIn makes a failed delivery of a notification about unit.
func failedIn(e *apptest.Env, unit string) int64 {
	e.T.Helper()
	n := noteFor(e, "district")
	now := db.Millis(e.App.DB.Now())
	var id int64
	err := insertRow(e, &id, `INSERT INTO notify_outbox (notification_id, channel, orgunit, state, tries, next_at, reason, created_at, updated_at)
		VALUES (?, 'sms', ?, 'failed', 5, ?, 'gateway answered 503', ?, ?) RETURNING id`, n, unit, now, now, now)
	if err != nil {
		e.T.Fatal(err)
	}
	return id
}

func own(rest string) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, user string) apptest.Request {
		return apptest.Request{Path: fmt.Sprintf(rest, noteFor(e, user))}
	}
}

func others(rest string) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, user string) apptest.Request {
		other := "leader"
		if user == "leader" {
			other = "auditor"
		}
		return apptest.Request{Path: fmt.Sprintf(rest, noteFor(e, other))}
	}
}

func ownForm(rest string) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, user string) apptest.Request {
		r := own(rest)(e, user)
		r.Form = url.Values{}
		return r
	}
}

func othersForm(rest string) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, user string) apptest.Request {
		r := others(rest)(e, user)
		r.Form = url.Values{}
		return r
	}
}

func delivery(rest string, unit string, form bool) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, _ string) apptest.Request {
		r := apptest.Request{Path: fmt.Sprintf(rest, failedIn(e, unit))}
		if form {
			r.Form = url.Values{}
		}
		return r
	}
}

// TestPermissionMatrix: everyone signed in reads and marks their own
// notifications (another's: 404); district staff and system administrators
// run the rules; district and town staff see and retry the deliveries of
// their scope (outside it: 404).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	all := identity.Ordinary()
	runners := []string{identity.DistrictStaff, identity.SysAdmin}
	staff := []string{identity.DistrictStaff, identity.TownStaff}
	apptest.Matrix(t, "notify", map[string]apptest.Entry{
		"GET /api/v1/notifications":            {Allowed: all, In: apptest.Fixed("/api/v1/notifications?unread=true", nil), InOK: http.StatusOK},
		"POST /api/v1/notifications/{id}/read": {Allowed: all, In: own("/api/v1/notifications/%d/read"), InOK: http.StatusOK, Out: others("/api/v1/notifications/%d/read"), OutOK: http.StatusNotFound},
		"POST /api/v1/notifications/read-all":  {Allowed: all, In: apptest.Fixed("/api/v1/notifications/read-all", nil), InOK: http.StatusNoContent},
		"POST /api/v1/notifications/run":       {Allowed: runners, In: apptest.Fixed("/api/v1/notifications/run", nil), InOK: http.StatusOK},
		"GET /api/v1/notification-outbox":      {Allowed: staff, In: apptest.Fixed("/api/v1/notification-outbox?state=failed", nil), InOK: http.StatusOK},
		"POST /api/v1/notification-outbox/{id}/retry": {Allowed: staff, In: delivery("/api/v1/notification-outbox/%d/retry", apptest.Village, false), InOK: http.StatusOK,
			Out: delivery("/api/v1/notification-outbox/%d/retry", apptest.VillageOut, false), OutOK: http.StatusNotFound},
		"GET /notifications":            {Allowed: all, In: apptest.Fixed("/notifications", nil), InOK: http.StatusOK, PageIn: true},
		"POST /notifications/{id}/read": {Allowed: all, In: ownForm("/notifications/%d/read"), InOK: http.StatusSeeOther, Out: othersForm("/notifications/%d/read"), OutOK: http.StatusNotFound, PageIn: true},
		"POST /notifications/read-all":  {Allowed: all, In: apptest.FixedForm("/notifications/read-all", url.Values{}), InOK: http.StatusSeeOther, PageIn: true},
		"GET /notifications/settings":   {Allowed: all, In: apptest.Fixed("/notifications/settings", nil), InOK: http.StatusOK, PageIn: true},
		"POST /notifications/settings":  {Allowed: all, In: apptest.FixedForm("/notifications/settings", url.Values{"channel": {"app"}}), InOK: http.StatusSeeOther, PageIn: true},
		"GET /notifications/outbox":     {Allowed: staff, In: apptest.Fixed("/notifications/outbox", nil), InOK: http.StatusOK, PageIn: true},
		"POST /notifications/outbox/{id}/retry": {Allowed: staff, In: delivery("/notifications/outbox/%d/retry", apptest.Village, true), InOK: http.StatusSeeOther,
			Out: delivery("/notifications/outbox/%d/retry", apptest.VillageOut, true), OutOK: http.StatusNotFound, PageIn: true},
	})
}

// insertRow runs an INSERT … RETURNING id in a transaction.
func insertRow(e *apptest.Env, id *int64, q string, args ...any) error {
	return e.App.DB.InTx(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), q, args...).Scan(id)
	})
}
