package app_test

import (
	"sunshine/internal/identity"
)

// jobEntries are the job seekers' API.
func jobEntries() map[string]matrixEntry {
	profile := map[string]any{"seeking": true, "education": "senior", "hours": "full_time", "skills": []string{"computer"}, "accommodations": []string{"step_free"}}
	opening := func(unit string) map[string]any {
		return map[string]any{"orgunit": unit, "hours": "full_time", "skills": []string{"computer"}}
	}
	return map[string]matrixEntry{
		"GET /api/v1/jobs/vocabulary": {allowed: []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person, identity.Provider},
			in: fixed("/api/v1/jobs/vocabulary", nil), inOK: 200},
		"GET /api/v1/persons/{id}/job-profile": {allowed: readerRoles, inOK: 200, outOK: 404,
			in:  func(e *env, _ string) request { return request{path: p(e.in, "/job-profile")} },
			out: func(e *env, _ string) request { return request{path: p(e.out, "/job-profile")} }},
		"PUT /api/v1/persons/{id}/job-profile": {allowed: []string{identity.DistrictStaff, identity.TownStaff, identity.Person}, inOK: 200, outOK: 404,
			in:  func(e *env, _ string) request { return request{path: p(e.in, "/job-profile"), body: profile} },
			out: func(e *env, _ string) request { return request{path: p(e.out, "/job-profile"), body: profile} }},
		// Ranking reads the seekers in the caller's scope only: a workplace anywhere is allowed.
		"POST /api/v1/job-seekers/rank": {allowed: editorsRoles, in: fixed("/api/v1/job-seekers/rank", opening(villageIn)), inOK: 200},
	}
}
