package jobs_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"sunshine/internal/access"
	"sunshine/internal/app/apptest"
	"sunshine/internal/employment"
	"sunshine/internal/employment/jobs"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
)

// matrixCaller is the permission matrix's own caller, for its fixture.
var matrixCaller = employment.Caller{Scope: orgunit.AllUnits(), Registry: access.Caller{Scope: orgunit.AllUnits()}}

// vacancyOf is a vacancy of an employer of the fixture, made on first use.
func vacancyOf(e *apptest.Env, employer int64) int64 {
	ctx := context.Background()
	if vs, err := e.App.Seekers.Vacancies(ctx, matrixCaller, jobs.VacancyFilter{EmployerID: employer}); err == nil && len(vs) > 0 {
		return vs[0].ID
	}
	v, err := e.App.Seekers.CreateVacancy(ctx, matrixCaller, jobs.VacancyInput{EmployerID: employer, Title: "数据录入员", Positions: 2,
		Hours: "full_time", Skills: []string{"computer", "data_entry"}, Accommodations: []string{"step_free"}})
	if err != nil {
		panic(err)
	}
	return v.ID
}

// TestPermissionMatrix walks the job seekers' and vacancies' API and pages
// against every role and no sign-in, in and out of scope (apptest.Matrix).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	profileReaders := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person}
	profileKeepers := []string{identity.DistrictStaff, identity.TownStaff, identity.Person}
	rankers := []string{identity.DistrictStaff, identity.TownStaff}
	vacancyRoles := []string{identity.DistrictStaff, identity.TownStaff, identity.Employer}
	empIn, empOut := func(e *apptest.Env) int64 { return e.EmpIn }, func(e *apptest.Env) int64 { return e.EmpOut }
	// A call of a vacancy of an employer: format has the vacancy's id.
	onVacancy := func(format string, employer func(*apptest.Env) int64, body any) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf(format, vacancyOf(e, employer(e))), Body: body}
		}
	}
	profile := map[string]any{"seeking": true, "education": "senior", "hours": "full_time", "skills": []string{"computer"}, "accommodations": []string{"step_free"}}
	profileForm := url.Values{"seeking": {"1"}, "education": {"senior"}, "hours": {"full_time"}, "skills": {"computer"}, "accommodations": {"step_free"}}
	opening := map[string]any{"orgunit": apptest.Village, "hours": "full_time", "skills": []string{"computer"}}
	vacancy := func(employer int64) map[string]any {
		return map[string]any{"employer_id": employer, "title": "包装工", "positions": 3, "hours": "part_time", "skills": []string{"packaging"}}
	}
	newVacancy := func(employer func(*apptest.Env) int64) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: "/api/v1/vacancies", Body: vacancy(employer(e))}
		}
	}
	vacancyForm := func(employer func(*apptest.Env) int64, edit bool) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, u string) apptest.Request {
			f := url.Values{"title": {"页面岗位" + u}, "positions": {"2"}, "min_education": {"none"}, "hours": {"part_time"}, "skills": {"packaging"}}
			if !edit {
				f.Set("employer_id", fmt.Sprint(employer(e)))
				return apptest.Request{Path: "/vacancies/new", Form: f}
			}
			f.Set("open", "1")
			return apptest.Request{Path: fmt.Sprintf("/vacancies/%d/edit", vacancyOf(e, employer(e))), Form: f}
		}
	}
	matches := func(e *apptest.Env, _ string) apptest.Request {
		if _, err := e.App.Seekers.Put(context.Background(), matrixCaller.Registry, e.In, jobs.ProfileInput{Seeking: true, Education: "senior", Hours: "full_time"}); err != nil {
			panic(err)
		}
		return apptest.Request{Path: apptest.PersonAPI(e.In, "/job-matches")}
	}
	// freshVacancy is a new vacancy of an employer (a recommendation is made once per vacancy and person).
	freshVacancy := func(e *apptest.Env, employer int64, u string) int64 {
		v, err := e.App.Seekers.CreateVacancy(context.Background(), matrixCaller, jobs.VacancyInput{EmployerID: employer, Title: "推荐岗位" + u, Positions: 1, Hours: "full_time"})
		if err != nil {
			panic(err)
		}
		return v.ID
	}
	recommend := func(employer func(*apptest.Env) int64, person func(*apptest.Env) int64) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/vacancies/%d/recommend", freshVacancy(e, employer(e), u)), Form: url.Values{"person_id": {fmt.Sprint(person(e))}}}
		}
	}
	answer := func(verb string, employer func(*apptest.Env) int64, person func(*apptest.Env) int64) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, u string) apptest.Request {
			p, err := e.App.Seekers.Recommend(context.Background(), matrixCaller, freshVacancy(e, employer(e), u+verb), person(e), "")
			if err != nil {
				panic(err)
			}
			return apptest.Request{Path: fmt.Sprintf("/proposals/%d/%s", p.ID, verb), Form: url.Values{}}
		}
	}
	recommendAPI := func(employer func(*apptest.Env) int64, person func(*apptest.Env) int64) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: fmt.Sprintf("/api/v1/vacancies/%d/proposals", freshVacancy(e, employer(e), u+"api")), Body: map[string]any{"person_id": person(e)}}
		}
	}
	answerAPI := func(verb string, employer func(*apptest.Env) int64, person func(*apptest.Env) int64) func(*apptest.Env, string) apptest.Request {
		return func(e *apptest.Env, u string) apptest.Request {
			p, err := e.App.Seekers.Recommend(context.Background(), matrixCaller, freshVacancy(e, employer(e), u+verb+"api"), person(e), "")
			if err != nil {
				panic(err)
			}
			return apptest.Request{Path: fmt.Sprintf("/api/v1/proposals/%d/%s", p.ID, verb), Body: map[string]any{}}
		}
	}
	apptest.Matrix(t, "jobs", map[string]apptest.Entry{
		"POST /api/v1/vacancies/{id}/proposals": {Allowed: rankers, InOK: 201, OutOK: 404,
			In: recommendAPI(empIn, apptest.InPerson), Out: recommendAPI(empOut, apptest.OutPerson)},
		// A list of what the caller may see: nothing outside it, never a 404.
		"GET /api/v1/proposals": {Allowed: vacancyRoles, In: apptest.Fixed("/api/v1/proposals", nil), InOK: 200},
		"POST /api/v1/proposals/{id}/accept": {Allowed: vacancyRoles, InOK: 200, OutOK: 404,
			In: answerAPI("accept", empIn, apptest.InPerson), Out: answerAPI("accept", empOut, apptest.OutPerson)},
		"POST /api/v1/proposals/{id}/decline": {Allowed: vacancyRoles, InOK: 200, OutOK: 404,
			In: answerAPI("decline", empIn, apptest.InPerson), Out: answerAPI("decline", empOut, apptest.OutPerson)},
		"POST /vacancies/{id}/recommend": {Allowed: rankers, PageIn: true, InOK: 303, OutOK: 404,
			In: recommend(empIn, apptest.InPerson), Out: recommend(empOut, apptest.OutPerson)},
		"POST /proposals/{id}/accept": {Allowed: vacancyRoles, PageIn: true, InOK: 303, OutOK: 404,
			In: answer("accept", empIn, apptest.InPerson), Out: answer("accept", empOut, apptest.OutPerson)},
		"POST /proposals/{id}/decline": {Allowed: vacancyRoles, PageIn: true, InOK: 303, OutOK: 404,
			In: answer("decline", empIn, apptest.InPerson), Out: answer("decline", empOut, apptest.OutPerson)},
		"GET /api/v1/jobs/vocabulary": {Allowed: []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person, identity.Provider, identity.Employer},
			In: apptest.Fixed("/api/v1/jobs/vocabulary", nil), InOK: 200},
		"GET /api/v1/persons/{id}/job-profile": {Allowed: profileReaders, InOK: 200, OutOK: 404,
			In: apptest.OnPersonAPI(apptest.InPerson, "/job-profile", nil), Out: apptest.OnPersonAPI(apptest.OutPerson, "/job-profile", nil)},
		"PUT /api/v1/persons/{id}/job-profile": {Allowed: profileKeepers, InOK: 200, OutOK: 404,
			In: apptest.OnPersonAPI(apptest.InPerson, "/job-profile", profile), Out: apptest.OnPersonAPI(apptest.OutPerson, "/job-profile", profile)},
		// Ranking reads the seekers in the caller's scope only: a workplace anywhere is allowed.
		"POST /api/v1/job-seekers/rank": {Allowed: rankers, In: apptest.Fixed("/api/v1/job-seekers/rank", opening), InOK: 200},
		"GET /api/v1/persons/{id}/job-matches": {Allowed: profileReaders, InOK: 200, OutOK: 404,
			In: matches, Out: apptest.OnPersonAPI(apptest.OutPerson, "/job-matches", nil)},
		"GET /api/v1/vacancies":  {Allowed: vacancyRoles, In: apptest.Fixed("/api/v1/vacancies?open=1", nil), InOK: 200},
		"POST /api/v1/vacancies": {Allowed: vacancyRoles, In: newVacancy(empIn), InOK: 201, Out: newVacancy(empOut), OutOK: 404},
		"GET /api/v1/vacancies/{id}": {Allowed: vacancyRoles, InOK: 200, OutOK: 404,
			In: onVacancy("/api/v1/vacancies/%d", empIn, nil), Out: onVacancy("/api/v1/vacancies/%d", empOut, nil)},
		"PUT /api/v1/vacancies/{id}": {Allowed: vacancyRoles, InOK: 200, OutOK: 404,
			In: onVacancy("/api/v1/vacancies/%d", empIn, vacancy(0)), Out: onVacancy("/api/v1/vacancies/%d", empOut, vacancy(0))},
		"GET /api/v1/vacancies/{id}/matches": {Allowed: rankers, InOK: 200, OutOK: 404,
			In: onVacancy("/api/v1/vacancies/%d/matches", empIn, nil), Out: onVacancy("/api/v1/vacancies/%d/matches", empOut, nil)},
		// The pages.
		"GET /persons/{id}/job-profile": {Allowed: profileReaders, PageIn: true, InOK: 200, OutOK: 404,
			In: apptest.OnPersonPage(apptest.InPerson, "/job-profile", nil), Out: apptest.OnPersonPage(apptest.OutPerson, "/job-profile", nil)},
		"POST /persons/{id}/job-profile": {Allowed: profileKeepers, PageIn: true, InOK: 303, OutOK: 404,
			In: apptest.OnPersonPage(apptest.InPerson, "/job-profile", profileForm), Out: apptest.OnPersonPage(apptest.OutPerson, "/job-profile", profileForm)},
		"GET /jobs/seekers": {Allowed: []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant}, PageIn: true,
			In: apptest.Fixed("/jobs/seekers?skill=computer", nil), InOK: 200},
		"GET /vacancies":            {Allowed: vacancyRoles, PageIn: true, In: apptest.Fixed("/vacancies", nil), InOK: 200},
		"GET /vacancies/new":        {Allowed: vacancyRoles, PageIn: true, In: apptest.Fixed("/vacancies/new", nil), InOK: 200},
		"POST /vacancies/new":       {Allowed: vacancyRoles, PageIn: true, In: vacancyForm(empIn, false), InOK: 303, Out: vacancyForm(empOut, false), OutOK: 404},
		"GET /vacancies/{id}":       {Allowed: vacancyRoles, PageIn: true, In: onVacancy("/vacancies/%d", empIn, nil), InOK: 200, Out: onVacancy("/vacancies/%d", empOut, nil), OutOK: 404},
		"GET /vacancies/{id}/edit":  {Allowed: vacancyRoles, PageIn: true, In: onVacancy("/vacancies/%d/edit", empIn, nil), InOK: 200, Out: onVacancy("/vacancies/%d/edit", empOut, nil), OutOK: 404},
		"POST /vacancies/{id}/edit": {Allowed: vacancyRoles, PageIn: true, In: vacancyForm(empIn, true), InOK: 303, Out: vacancyForm(empOut, true), OutOK: 404},
	})
}
