package app_test

import (
	"context"
	"fmt"
	"net/url"

	"sunshine/internal/employment/jobs"
	"sunshine/internal/identity"
)

// vacancyOf is a vacancy of an employer of the fixture, made on first use.
func vacancyOf(e *env, employer int64) int64 {
	ctx := context.Background()
	if vs, err := e.app.Seekers.Vacancies(ctx, sysEmployment, jobs.VacancyFilter{EmployerID: employer}); err == nil && len(vs) > 0 {
		return vs[0].ID
	}
	v, err := e.app.Seekers.CreateVacancy(ctx, sysEmployment, jobs.VacancyInput{EmployerID: employer, Title: "数据录入员", Positions: 2,
		Hours: "full_time", Skills: []string{"computer", "data_entry"}, Accommodations: []string{"step_free"}})
	if err != nil {
		panic(err)
	}
	return v.ID
}

// jobEntries are the job seekers' API.
func jobEntries() map[string]matrixEntry {
	profile := map[string]any{"seeking": true, "education": "senior", "hours": "full_time", "skills": []string{"computer"}, "accommodations": []string{"step_free"}}
	opening := func(unit string) map[string]any {
		return map[string]any{"orgunit": unit, "hours": "full_time", "skills": []string{"computer"}}
	}
	vacancyRoles := []string{identity.DistrictStaff, identity.TownStaff, identity.Employer}
	vacancy := func(employer int64) map[string]any {
		return map[string]any{"employer_id": employer, "title": "包装工", "positions": 3, "hours": "part_time", "skills": []string{"packaging"}}
	}
	return map[string]matrixEntry{
		"GET /api/v1/jobs/vocabulary": {allowed: []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person, identity.Provider, identity.Employer},
			in: fixed("/api/v1/jobs/vocabulary", nil), inOK: 200},
		"GET /api/v1/persons/{id}/job-profile": {allowed: readerRoles, inOK: 200, outOK: 404,
			in:  func(e *env, _ string) request { return request{path: p(e.in, "/job-profile")} },
			out: func(e *env, _ string) request { return request{path: p(e.out, "/job-profile")} }},
		"PUT /api/v1/persons/{id}/job-profile": {allowed: []string{identity.DistrictStaff, identity.TownStaff, identity.Person}, inOK: 200, outOK: 404,
			in:  func(e *env, _ string) request { return request{path: p(e.in, "/job-profile"), body: profile} },
			out: func(e *env, _ string) request { return request{path: p(e.out, "/job-profile"), body: profile} }},
		// Ranking reads the seekers in the caller's scope only: a workplace anywhere is allowed.
		"POST /api/v1/job-seekers/rank": {allowed: editorsRoles, in: fixed("/api/v1/job-seekers/rank", opening(villageIn)), inOK: 200},
		"GET /api/v1/persons/{id}/job-matches": {allowed: readerRoles, inOK: 200, outOK: 404,
			in: func(e *env, u string) request {
				if _, err := e.app.Seekers.Put(context.Background(), sysEmployment.Registry, e.in, jobs.ProfileInput{Seeking: true, Education: "senior", Hours: "full_time"}); err != nil {
					panic(err)
				}
				return request{path: p(e.in, "/job-matches")}
			},
			out: func(e *env, _ string) request { return request{path: p(e.out, "/job-matches")} }},
		"GET /api/v1/vacancies": {allowed: vacancyRoles, in: fixed("/api/v1/vacancies?open=1", nil), inOK: 200},
		"POST /api/v1/vacancies": {allowed: vacancyRoles, inOK: 201, outOK: 404,
			in:  func(e *env, _ string) request { return request{path: "/api/v1/vacancies", body: vacancy(e.empIn)} },
			out: func(e *env, _ string) request { return request{path: "/api/v1/vacancies", body: vacancy(e.empOut)} }},
		"GET /api/v1/vacancies/{id}": {allowed: vacancyRoles, inOK: 200, outOK: 404,
			in: func(e *env, _ string) request {
				return request{path: fmt.Sprintf("/api/v1/vacancies/%d", vacancyOf(e, e.empIn))}
			},
			out: func(e *env, _ string) request {
				return request{path: fmt.Sprintf("/api/v1/vacancies/%d", vacancyOf(e, e.empOut))}
			}},
		"PUT /api/v1/vacancies/{id}": {allowed: vacancyRoles, inOK: 200, outOK: 404,
			in: func(e *env, _ string) request {
				return request{path: fmt.Sprintf("/api/v1/vacancies/%d", vacancyOf(e, e.empIn)), body: vacancy(0)}
			},
			out: func(e *env, _ string) request {
				return request{path: fmt.Sprintf("/api/v1/vacancies/%d", vacancyOf(e, e.empOut)), body: vacancy(0)}
			}},
		"GET /api/v1/vacancies/{id}/matches": {allowed: editorsRoles, inOK: 200, outOK: 404,
			in: func(e *env, _ string) request {
				return request{path: fmt.Sprintf("/api/v1/vacancies/%d/matches", vacancyOf(e, e.empIn))}
			},
			out: func(e *env, _ string) request {
				return request{path: fmt.Sprintf("/api/v1/vacancies/%d/matches", vacancyOf(e, e.empOut))}
			}},
	}
}

// jobPageEntries are the job seekers' and vacancies' pages.
func jobPageEntries() map[string]matrixEntry {
	vacancyRoles := []string{identity.DistrictStaff, identity.TownStaff, identity.Employer}
	profile := url.Values{"seeking": {"1"}, "education": {"senior"}, "hours": {"full_time"}, "skills": {"computer"}, "accommodations": {"step_free"}}
	profileForm := func(id func(*env) int64) func(*env, string) request {
		return func(e *env, _ string) request { return request{path: pp(id(e), "/job-profile"), form: profile} }
	}
	vacancyPage := func(employer func(*env) int64, rest string) func(*env, string) request {
		return func(e *env, _ string) request {
			return request{path: fmt.Sprintf("/vacancies/%d%s", vacancyOf(e, employer(e)), rest)}
		}
	}
	vacancyForm := func(employer func(*env) int64, edit bool) func(*env, string) request {
		return func(e *env, u string) request {
			f := url.Values{"title": {"页面岗位" + u}, "positions": {"2"}, "min_education": {"none"}, "hours": {"part_time"}, "skills": {"packaging"}}
			if !edit {
				f.Set("employer_id", fmt.Sprint(employer(e)))
				return request{path: "/vacancies/new", form: f}
			}
			f.Set("open", "1")
			return request{path: fmt.Sprintf("/vacancies/%d/edit", vacancyOf(e, employer(e))), form: f}
		}
	}
	in, out := func(e *env) int64 { return e.in }, func(e *env) int64 { return e.out }
	empIn, empOut := func(e *env) int64 { return e.empIn }, func(e *env) int64 { return e.empOut }
	return map[string]matrixEntry{
		"GET /persons/{id}/job-profile": {allowed: readerRoles, pageIn: true, inOK: 200, outOK: 404,
			in:  func(e *env, _ string) request { return request{path: pp(e.in, "/job-profile")} },
			out: func(e *env, _ string) request { return request{path: pp(e.out, "/job-profile")} }},
		"POST /persons/{id}/job-profile": {allowed: []string{identity.DistrictStaff, identity.TownStaff, identity.Person}, pageIn: true,
			in: profileForm(in), inOK: 303, out: profileForm(out), outOK: 404},
		"GET /jobs/seekers":         {allowed: registryStaff, pageIn: true, in: fixed("/jobs/seekers?skill=computer", nil), inOK: 200},
		"GET /vacancies":            {allowed: vacancyRoles, pageIn: true, in: fixed("/vacancies", nil), inOK: 200},
		"GET /vacancies/new":        {allowed: vacancyRoles, pageIn: true, in: fixed("/vacancies/new", nil), inOK: 200},
		"POST /vacancies/new":       {allowed: vacancyRoles, pageIn: true, in: vacancyForm(empIn, false), inOK: 303, out: vacancyForm(empOut, false), outOK: 404},
		"GET /vacancies/{id}":       {allowed: vacancyRoles, pageIn: true, in: vacancyPage(empIn, ""), inOK: 200, out: vacancyPage(empOut, ""), outOK: 404},
		"GET /vacancies/{id}/edit":  {allowed: vacancyRoles, pageIn: true, in: vacancyPage(empIn, "/edit"), inOK: 200, out: vacancyPage(empOut, "/edit"), outOK: 404},
		"POST /vacancies/{id}/edit": {allowed: vacancyRoles, pageIn: true, in: vacancyForm(empIn, true), inOK: 303, out: vacancyForm(empOut, true), outOK: 404},
	}
}
