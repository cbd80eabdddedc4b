package documents_test

import (
	"fmt"
	"net/http"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
)

// onCase is a document of a fresh case of the fixture's person in every
// user's scope (in) or out of it, its PDF when pdf.
func onCase(kind string, in, pdf bool) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, user string) apptest.Request {
		person := e.Out
		if in {
			person = e.In
		}
		var id int64
		if kind == "acceptance" {
			id = renovationCase(e, user, person, true)
		} else {
			id = deviceCase(e, user, person, true)
		}
		path := fmt.Sprintf("/cases/%d/documents/%s", id, kind)
		if pdf {
			path += ".pdf"
		}
		return apptest.Request{Path: path}
	}
}

// onVolunteer is the hours certificate of a volunteer with approved hours:
// the volunteer account's own, or one of the fixture's village (in every
// staff user's scope); out: one of 昆山.
func onVolunteer(in bool) func(*apptest.Env, string) apptest.Request {
	n := 0
	return func(e *apptest.Env, user string) apptest.Request {
		n++
		var id int64
		switch {
		case !in:
			id = volunteerWithHours(e, 100+n, apptest.VillageOut)
		case user == apptest.UserOf(identity.Volunteer):
			id = volunteerWithHours(e, 0, "310114102")
		default:
			id = volunteerWithHours(e, 200+n, apptest.Village)
		}
		return apptest.Request{Path: fmt.Sprintf("/volunteers/%d/documents/hours.pdf", id)}
	}
}

// onSubsidy is the decision letter of the fixture's person in scope (on
// the approved rosters of 嘉定) or out of it (of 昆山).
func onSubsidy(in bool) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, _ string) apptest.Request {
		person, dist := e.In, "310114"
		if !in {
			person, dist = e.Out, "320583"
		}
		approvedRoster(e, dist, "2026-11")
		return apptest.Request{Path: fmt.Sprintf("/persons/%d/documents/subsidy", person)}
	}
}

// onLevy is the levy statement of the employer account's own employer, or
// of the one of 昆山.
func onLevy(in bool) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, _ string) apptest.Request {
		id := e.EmpOut
		if in {
			id = e.EmpIn
		}
		return apptest.Request{Path: fmt.Sprintf("/employers/%d/documents/levy.pdf?year=%d", id, e.Year)}
	}
}

// TestPermissionMatrix calls every route of the documents as every role,
// and without sign-in, in and out of the caller's view (apptest.Matrix):
// who may see a record may print it; out of scope is 404.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	all := identity.Ordinary()
	caseRoles := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Provider, identity.Person}
	apptest.Matrix(t, "documents", map[string]apptest.Entry{
		"GET /documents/print.css": {Allowed: all, In: apptest.Fixed("/documents/print.css", nil), InOK: http.StatusOK, PageIn: true},
		"GET /documents/print.js":  {Allowed: all, In: apptest.Fixed("/documents/print.js", nil), InOK: http.StatusOK, PageIn: true},
		"GET /cases/{id}/documents/{doc}": {Allowed: caseRoles, In: onCase("handover", true, false), InOK: http.StatusOK,
			Out: onCase("acceptance", false, true), OutOK: http.StatusNotFound, PageIn: true},
		"GET /volunteers/{id}/documents/{doc}": {Allowed: []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Volunteer},
			In: onVolunteer(true), InOK: http.StatusOK, Out: onVolunteer(false), OutOK: http.StatusNotFound, PageIn: true},
		"GET /persons/{id}/documents/{doc}": {Allowed: []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person},
			In: onSubsidy(true), InOK: http.StatusOK, Out: onSubsidy(false), OutOK: http.StatusNotFound, PageIn: true},
		"GET /employers/{id}/documents/{doc}": {Allowed: []string{identity.DistrictStaff, identity.TownStaff, identity.Employer},
			In: onLevy(true), InOK: http.StatusOK, Out: onLevy(false), OutOK: http.StatusNotFound, PageIn: true},
	})
}
