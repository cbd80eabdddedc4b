package attachments_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
)

// The roles of the routes.
var (
	staff     = []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant}
	personAPI = append(append([]string{}, staff...), identity.Person)
	caseUp    = append(append([]string{}, staff...), identity.Provider)
	viewers   = append(append([]string{}, staff...), identity.Provider, identity.Person)
)

// upload is a multipart call of path (made by at) with a fresh photo.
func upload(at func(e *apptest.Env, user string) string) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, user string) apptest.Request {
		return apptest.Request{Path: at(e, user), File: photo(e.T), Fields: []string{"kind", "certificate"}}
	}
}

// caseOf is a fresh case of the fixture's person in (assigned to the
// provider when the caller is the provider's) or out of every scope.
func caseOf(out bool) func(e *apptest.Env, user string) int64 {
	return func(e *apptest.Env, user string) int64 {
		if out {
			return e.Case(e.Out)
		}
		return e.CaseFor(user, e.In)
	}
}

// onAttachment is a call of path (with %d for its id) on a fresh case
// attachment every role that views attachments sees (in) or none does.
func onAttachment(path string, out bool, form url.Values, body any) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, user string) apptest.Request {
		a := onCase(e.T, e.App, caseOf(out)(e, user))
		return apptest.Request{Path: fmt.Sprintf(path, a.ID), Form: form, Body: body}
	}
}

func personPath(out bool, rest string) func(*apptest.Env, string) string {
	return func(e *apptest.Env, _ string) string {
		id := e.In
		if out {
			id = e.Out
		}
		return fmt.Sprintf(rest, id)
	}
}

func casePath(out bool, rest string) func(*apptest.Env, string) string {
	return func(e *apptest.Env, user string) string { return fmt.Sprintf(rest, caseOf(out)(e, user)) }
}

func fixed(f func(*apptest.Env, string) string) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, user string) apptest.Request { return apptest.Request{Path: f(e, user)} }
}

// TestPermissionMatrix calls every route of the attachments as every role,
// and without sign-in, in and out of the caller's view (apptest.Matrix):
// out of view is 404, as for a missing attachment.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	reason := map[string]any{"reason": "上传错了"}
	apptest.Matrix(t, "attachments", map[string]apptest.Entry{
		"POST /api/v1/persons/{id}/attachments": {Allowed: personAPI, In: upload(personPath(false, "/api/v1/persons/%d/attachments")), InOK: 201,
			Out: upload(personPath(true, "/api/v1/persons/%d/attachments")), OutOK: 404},
		"POST /api/v1/cases/{id}/attachments": {Allowed: caseUp, In: upload(casePath(false, "/api/v1/cases/%d/attachments")), InOK: 201,
			Out: upload(casePath(true, "/api/v1/cases/%d/attachments")), OutOK: 404},
		"GET /api/v1/persons/{id}/attachments": {Allowed: personAPI, In: fixed(personPath(false, "/api/v1/persons/%d/attachments")), InOK: 200,
			Out: fixed(personPath(true, "/api/v1/persons/%d/attachments")), OutOK: 404},
		"GET /api/v1/cases/{id}/attachments": {Allowed: viewers, In: fixed(casePath(false, "/api/v1/cases/%d/attachments")), InOK: 200,
			Out: fixed(casePath(true, "/api/v1/cases/%d/attachments")), OutOK: 404},
		"GET /api/v1/attachments/{id}": {Allowed: viewers, In: onAttachment("/api/v1/attachments/%d", false, nil, nil), InOK: 200,
			Out: onAttachment("/api/v1/attachments/%d", true, nil, nil), OutOK: 404},
		"GET /api/v1/attachments/{id}/thumbnail": {Allowed: viewers, In: onAttachment("/api/v1/attachments/%d/thumbnail", false, nil, nil), InOK: 200,
			Out: onAttachment("/api/v1/attachments/%d/thumbnail", true, nil, nil), OutOK: 404},
		"DELETE /api/v1/attachments/{id}": {Allowed: staff, In: onAttachment("/api/v1/attachments/%d", false, nil, reason), InOK: 204,
			Out: onAttachment("/api/v1/attachments/%d", true, nil, reason), OutOK: 404},
		// Pages.
		"GET /attachments/attachments.css": {Allowed: viewers, In: apptest.Fixed("/attachments/attachments.css", nil), InOK: 200, PageIn: true},
		"GET /persons/{id}/attachments": {Allowed: personAPI, In: fixed(personPath(false, "/persons/%d/attachments")), InOK: 200,
			Out: fixed(personPath(true, "/persons/%d/attachments")), OutOK: 404, PageIn: true},
		"POST /persons/{id}/attachments": {Allowed: personAPI, In: upload(personPath(false, "/persons/%d/attachments")), InOK: http.StatusSeeOther,
			Out: upload(personPath(true, "/persons/%d/attachments")), OutOK: 404, PageIn: true},
		"GET /cases/{id}/attachments": {Allowed: caseUp, In: fixed(casePath(false, "/cases/%d/attachments")), InOK: 200,
			Out: fixed(casePath(true, "/cases/%d/attachments")), OutOK: 404, PageIn: true},
		"POST /cases/{id}/attachments": {Allowed: caseUp, In: upload(casePath(false, "/cases/%d/attachments")), InOK: http.StatusSeeOther,
			Out: upload(casePath(true, "/cases/%d/attachments")), OutOK: 404, PageIn: true},
		"GET /attachments/{id}": {Allowed: viewers, In: onAttachment("/attachments/%d", false, nil, nil), InOK: 200,
			Out: onAttachment("/attachments/%d", true, nil, nil), OutOK: 404, PageIn: true},
		"GET /attachments/{id}/thumbnail": {Allowed: viewers, In: onAttachment("/attachments/%d/thumbnail", false, nil, nil), InOK: 200,
			Out: onAttachment("/attachments/%d/thumbnail", true, nil, nil), OutOK: 404, PageIn: true},
		"POST /attachments/{id}/delete": {Allowed: staff, In: onAttachment("/attachments/%d/delete", false, url.Values{"reason": {"上传错了"}}, nil), InOK: http.StatusSeeOther,
			Out: onAttachment("/attachments/%d/delete", true, url.Values{"reason": {"上传错了"}}, nil), OutOK: 404, PageIn: true},
	})
}
