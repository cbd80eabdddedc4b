package jobs

import (
	"net/http"
	"regexp"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/employment"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// Vocabulary is the fixed vocabularies of profiles and vacancies.
type Vocabulary struct {
	Skills         []Term `json:"skills"`
	Accommodations []Term `json:"accommodations"`
	Education      []Term `json:"education"`
	Hours          []Term `json:"hours"`
}

// Ranking is seekers ranked for an opening, best first, and how many
// seekers were ranked.
type Ranking struct {
	Items   []Ranked `json:"items"`
	Seekers int      `json:"seekers"`
}

// VacancyMatches is a vacancy with the seekers ranked for it.
type VacancyMatches struct {
	Vacancy Vacancy  `json:"vacancy"`
	Items   []Ranked `json:"items"`
	Seekers int      `json:"seekers"`
}

// API is the JSON API of the module over its store: the handlers live on
// it, so the store itself never sees HTTP.
type API struct{ *Store }

var (
	profileReaders = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person)
	profileKeepers = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.Person)
	rankers        = web.Roles(identity.DistrictStaff, identity.TownStaff)
	vocabReaders   = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person, identity.Provider, identity.Employer)
	vacancyKeepers = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.Employer)
)

// Routes registers the job seekers' API.
func (s API) Routes(rt *web.Router) {
	rt.Handle("GET /api/v1/jobs/vocabulary", vocabReaders, s.apiVocabulary, web.Types{Out: Vocabulary{}})
	rt.Handle("GET /api/v1/persons/{id}/job-profile", profileReaders, s.apiGet, web.Types{Out: SeekerProfile{}})
	rt.Handle("PUT /api/v1/persons/{id}/job-profile", profileKeepers, s.apiPut, web.Types{In: ProfileInput{}, Out: SeekerProfile{}})
	rt.Handle("POST /api/v1/job-seekers/rank", rankers, s.apiRank, web.Types{In: OpeningInput{}, Out: Ranking{}})
	rt.Handle("GET /api/v1/persons/{id}/job-matches", profileReaders, s.apiJobMatches, web.Types{Out: web.Items[VacancyMatch]{}})
	rt.Handle("GET /api/v1/vacancies", vacancyKeepers, s.apiVacancies, web.Types{Out: web.List[Vacancy]{}})
	rt.Handle("POST /api/v1/vacancies", vacancyKeepers, s.apiCreateVacancy, web.Types{In: VacancyInput{}, Out: Vacancy{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/vacancies/{id}", vacancyKeepers, s.apiVacancy, web.Types{Out: Vacancy{}})
	rt.Handle("PUT /api/v1/vacancies/{id}", vacancyKeepers, s.apiUpdateVacancy, web.Types{In: VacancyInput{}, Out: Vacancy{}})
	// Employers do not browse job seekers: staff propose candidates to them.
	rt.Handle("GET /api/v1/vacancies/{id}/matches", rankers, s.apiVacancyMatches, web.Types{Out: VacancyMatches{}})
	// Recommendations: staff propose a seeker for a vacancy; the employer answers.
	rt.Handle("POST /api/v1/vacancies/{id}/proposals", rankers, s.apiRecommend, web.Types{In: ProposalInput{}, Out: Proposal{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/proposals", vacancyKeepers, s.apiProposals, web.Types{Out: web.List[Proposal]{}})
	rt.Handle("POST /api/v1/proposals/{id}/accept", vacancyKeepers, s.apiDecide(true), web.Types{In: AnswerInput{}, Out: Proposal{}})
	rt.Handle("POST /api/v1/proposals/{id}/decline", vacancyKeepers, s.apiDecide(false), web.Types{In: AnswerInput{}, Out: Proposal{}})
}

// ProposalInput is the body of a recommendation: whom, and a note for the
// employer (optional, at most MaxNote characters).
type ProposalInput struct {
	PersonID int64  `json:"person_id"`
	Note     string `json:"note" in:"optional"`
}

// AnswerInput is the body of an employer's answer: a note (optional).
type AnswerInput struct {
	Note string `json:"note" in:"optional"`
}

func (s API) apiRecommend(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := vacancyID(r)
	if err != nil {
		return err
	}
	var in ProposalInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.Recommend(r.Context(), employment.CallerOf(r, p), id, in.PersonID, in.Note)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, out)
}

func (s API) apiProposals(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q := r.URL.Query()
	vac, err := web.IntParam("vacancy_id", q.Get("vacancy_id"))
	if err != nil {
		return err
	}
	emp, err := web.IntParam("employer_id", q.Get("employer_id"))
	if err != nil {
		return err
	}
	items, err := s.Proposals(r.Context(), employment.CallerOf(r, p), ProposalFilter{VacancyID: vac, EmployerID: emp})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.List[Proposal]{Items: items, Total: len(items)})
}

func (s API) apiDecide(accept bool) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
		id, err := web.PathID(r, apperr.New(apperr.NotFound, "找不到这条推荐。", "There is no such recommendation."))
		if err != nil {
			return err
		}
		var in AnswerInput
		if err := web.Decode(w, r, &in); err != nil {
			return err
		}
		out, err := s.Decide(r.Context(), employment.CallerOf(r, p), id, accept, in.Note)
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, out)
	}
}

func limitParam(r *http.Request, def int) int {
	n, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || n <= 0 {
		return def
	}
	return min(n, 200)
}

func (s API) apiJobMatches(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	items, err := s.MatchVacancies(r.Context(), access.Of(r, p), id, limitParam(r, 20))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.Items[VacancyMatch]{Items: items})
}

func vacancyID(r *http.Request) (int64, error) {
	return web.PathID(r, vacancyNotFound(0))
}

func (s API) apiVacancies(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	emp, err := web.IntParam("employer_id", r.URL.Query().Get("employer_id"))
	if err != nil {
		return err
	}
	items, err := s.Vacancies(r.Context(), employment.CallerOf(r, p), VacancyFilter{EmployerID: emp, OpenOnly: r.URL.Query().Get("open") == "1"})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.List[Vacancy]{Items: items, Total: len(items)})
}

func (s API) apiCreateVacancy(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in VacancyInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	v, err := s.CreateVacancy(r.Context(), employment.CallerOf(r, p), in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, v)
}

func (s API) apiVacancy(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := vacancyID(r)
	if err != nil {
		return err
	}
	v, err := s.GetVacancy(r.Context(), employment.CallerOf(r, p), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, v)
}

func (s API) apiUpdateVacancy(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := vacancyID(r)
	if err != nil {
		return err
	}
	var in VacancyInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	v, err := s.UpdateVacancy(r.Context(), employment.CallerOf(r, p), id, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, v)
}

func (s API) apiVacancyMatches(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := vacancyID(r)
	if err != nil {
		return err
	}
	v, items, total, err := s.MatchSeekers(r.Context(), employment.CallerOf(r, p), id, limitParam(r, 50))
	if err != nil {
		return err
	}
	if items == nil {
		items = []Ranked{}
	}
	return web.JSON(w, http.StatusOK, VacancyMatches{Vacancy: v, Items: items, Seekers: total})
}

func (s API) apiVocabulary(w http.ResponseWriter, _ *http.Request, _ *web.Principal) error {
	return web.JSON(w, http.StatusOK, Vocabulary{Skills: Skills, Accommodations: Accommodations, Education: Education, Hours: Hours})
}

func personID(r *http.Request) (int64, error) {
	return web.PathID(r, apperr.New(apperr.NotFound, "找不到这个人员。", "There is no such person."))
}

func (s API) apiGet(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	sp, err := s.Get(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, sp)
}

func (s API) apiPut(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	var in ProfileInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	sp, err := s.Put(r.Context(), access.Of(r, p), id, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, sp)
}

// OpeningInput describes a job to rank seekers for (a vacancy's terms):
// min_education defaults to none, limit (at most 200) to 50.
type OpeningInput struct {
	OrgUnit        string   `json:"orgunit"` // where the work is
	MinEducation   string   `json:"min_education,omitempty" enum:"none,primary,junior,senior,vocational,college,bachelor,postgraduate"`
	Hours          string   `json:"hours" enum:"full_time,part_time,flexible"`
	Skills         []string `json:"skills,omitempty" enum:"computer,data_entry,customer_service,phone_service,assembly,packaging,cleaning,cooking,sewing,massage,handicraft,gardening,accounting,design,logistics,retail,security,driving,care_work,programming,sign_language,teaching,printing,baking"`
	Accommodations []string `json:"accommodations,omitempty" enum:"step_free,accessible_toilet,sign_language,screen_reader,flexible_hours,quiet_space,job_coach,adjustable_desk,large_print,transport"` // offered
	Limit          int      `json:"limit,omitempty"`
}

var unitCode = regexp.MustCompile(`^\d{6}(\d{3}(\d{3})?)?$`)

// Opening checks an opening's terms.
func (in OpeningInput) Opening() (Opening, error) {
	var o Opening
	var errs []apperr.FieldError
	if !unitCode.MatchString(in.OrgUnit) {
		errs = append(errs, apperr.Field("orgunit", "invalid", "工作地应为 6、9 或 12 位行政区划代码。", "The workplace is an org unit code of 6, 9 or 12 digits."))
	}
	o.OrgUnit = in.OrgUnit
	if in.MinEducation == "" {
		in.MinEducation = "none"
	}
	p, fe := validate(ProfileInput{Education: in.MinEducation, Hours: in.Hours, Skills: in.Skills, Accommodations: in.Accommodations})
	for _, f := range fe {
		if f.Field == "education" {
			f.Field = "min_education"
		}
		errs = append(errs, f)
	}
	if len(errs) > 0 {
		return o, apperr.Validation(errs...)
	}
	o.MinEducation, o.Hours, o.Skills, o.Offers = p.Education, p.Hours, p.Skills, p.Needs
	return o, nil
}

func (s API) apiRank(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in OpeningInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	o, err := in.Opening()
	if err != nil {
		return err
	}
	n := in.Limit
	if n <= 0 || n > 200 {
		n = 50
	}
	items, total, err := s.RankSeekers(r.Context(), access.Of(r, p), o, n)
	if err != nil {
		return err
	}
	if items == nil {
		items = []Ranked{}
	}
	return web.JSON(w, http.StatusOK, Ranking{Items: items, Seekers: total})
}
