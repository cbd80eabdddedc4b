package jobs

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/employment"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

// Templates are the employment services' page templates.
func Templates() fs.FS {
	return web.TemplateDir(templatesFS)
}

// Name is the term's name in a language.
func (t Term) Name(lang string) string { return apperr.T(t.Zh, t.En).In(lang) }

// factorNames name the factors of a score.
var factorNames = map[string]Term{
	"skills":         {"skills", "技能", "Skills"},
	"accommodations": {"accommodations", "便利安排", "Accommodations"},
	"distance":       {"distance", "距离", "Distance"},
	"hours":          {"hours", "工作时间", "Hours"},
	"education":      {"education", "学历", "Education"},
}

// TemplateFuncs are the helpers of the employment services' pages.
func TemplateFuncs() template.FuncMap {
	vocab := map[string][]Term{"skills": Skills, "accommodations": Accommodations, "education": Education, "hours": Hours}
	term := func(kind, code, lang string) string {
		if k := index(vocab[kind], code); k >= 0 {
			return vocab[kind][k].Name(lang)
		}
		return code
	}
	return template.FuncMap{
		"jobNeg": func(n int) int { return -n },
		// jobState names the state of a recommendation.
		"jobState": stateName,
		// jobTerm names a code of a vocabulary (skills, accommodations, education, hours).
		"jobTerm": term,
		// jobTerms names a list of codes, joined.
		"jobTerms": func(kind string, list []string, lang string) string {
			out := make([]string, len(list))
			for i, c := range list {
				out[i] = term(kind, c, lang)
			}
			return strings.Join(out, apperr.T("、", ", ").In(lang))
		},
		// jobFactor names a factor of a score.
		"jobFactor": func(factor, lang string) string {
			if t, ok := factorNames[factor]; ok {
				return t.Name(lang)
			}
			return factor
		},
	}
}

// Pages serves the job seekers' and vacancies' pages.
type Pages struct {
	Store     *Store
	Employers *employment.Store
	web.Kit
	// UnitLabel names an org unit in a language (the code when unknown).
	UnitLabel func(r *http.Request, code, lang string) string
	// Places offers the org units of a scope grouped by town (nil: none).
	Places func(r *http.Request, sc orgunit.Scope, lang, selected string) ([]orgunit.PickGroup, error)
}

var seekerReaders = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant)

// Routes registers the pages.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /persons/{id}/job-profile", profileReaders, pg.profile)
	rt.Page("POST /persons/{id}/job-profile", profileKeepers, pg.saveProfile)
	rt.Page("GET /jobs/seekers", seekerReaders, pg.seekers)
	rt.Page("GET /vacancies", vacancyKeepers, pg.vacancies)
	rt.Page("GET /vacancies/new", vacancyKeepers, pg.newVacancy)
	rt.Page("POST /vacancies/new", vacancyKeepers, pg.createVacancy)
	rt.Page("GET /vacancies/{id}", vacancyKeepers, pg.vacancy)
	rt.Page("GET /vacancies/{id}/edit", vacancyKeepers, pg.editVacancy)
	rt.Page("POST /vacancies/{id}/edit", vacancyKeepers, pg.updateVacancy)
	rt.Page("POST /vacancies/{id}/recommend", rankers, pg.recommend)
	rt.Page("POST /proposals/{id}/accept", vacancyKeepers, pg.decide(true))
	rt.Page("POST /proposals/{id}/decline", vacancyKeepers, pg.decide(false))
}

// vocabData are the choices of the forms.
type vocabData struct {
	Skills, Accommodations, Education, Hours []Term
}

func vocabulary() vocabData {
	return vocabData{Skills: Skills, Accommodations: Accommodations, Education: Education, Hours: Hours}
}

func set(list []string) map[string]bool {
	m := map[string]bool{}
	for _, c := range list {
		m[c] = true
	}
	return m
}

// formError turns a store error into the form's errors; the fields of a
// list ("skills[2]") are reported on the list.
func formError(err error, lang string) *web.FormError {
	fe := web.FormErrorOf(err, lang)
	if fe == nil {
		return nil
	}
	out := &web.FormError{Message: fe.Message, ByField: map[string]string{}}
	for _, f := range fe.Fields {
		if i := strings.IndexByte(f.Field, '['); i > 0 {
			f.Field = f.Field[:i]
		}
		if _, dup := out.ByField[f.Field]; dup {
			continue
		}
		out.Fields = append(out.Fields, f)
		out.ByField[f.Field] = f.Message
	}
	return out
}

type profileData struct {
	Profile   SeekerProfile
	Unit      string
	CanEdit   bool
	Vocab     vocabData
	HasSkill  map[string]bool
	HasNeed   map[string]bool
	Matches   []VacancyMatch
	NoProfile bool
	Saved     bool
}

func (pg *Pages) profilePage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, sp SeekerProfile, err error) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T("就业登记："+sp.Name, "Employment profile: "+sp.Name)
	if err != nil {
		if page.Error = formError(err, page.Lang); page.Error == nil {
			return err
		}
	}
	d := profileData{Profile: sp, Unit: pg.UnitLabel(r, sp.OrgUnit, page.Lang), CanEdit: p.Role != identity.VillageAssistant, Vocab: vocabulary(),
		HasSkill: set(sp.Skills), HasNeed: set(sp.Accommodations), Saved: r.URL.Query().Get("saved") == "1"}
	if status == http.StatusOK {
		ms, merr := pg.Store.MatchVacancies(r.Context(), access.Of(r, p), sp.PersonID, 20)
		switch {
		case merr == nil:
			d.Matches = ms
		case apperr.CodeOf(merr) == apperr.Conflict:
			d.NoProfile = true
		default:
			return merr
		}
	}
	page.Data = d
	return pg.Render(w, r, status, "job_profile.html", page)
}

func (pg *Pages) profile(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	sp, err := pg.Store.Get(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	if !sp.Exists {
		sp.Seeking, sp.Education, sp.Hours = true, "junior", "full_time"
	}
	return pg.profilePage(w, r, p, http.StatusOK, sp, nil)
}

func profileForm(r *http.Request) ProfileInput {
	_ = r.ParseForm()
	return ProfileInput{Seeking: r.PostFormValue("seeking") == "1", Education: r.PostFormValue("education"), Hours: r.PostFormValue("hours"),
		Skills: nonNil(r.PostForm["skills"]), Accommodations: nonNil(r.PostForm["accommodations"]),
		Desired: r.PostFormValue("desired"), Abilities: r.PostFormValue("abilities")}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (pg *Pages) saveProfile(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	in := profileForm(r)
	c := access.Of(r, p)
	if _, err := pg.Store.Put(r.Context(), c, id, in); err != nil {
		if apperr.CodeOf(err) != apperr.Invalid {
			return err
		}
		cur, gerr := pg.Store.get(r.Context(), c, id)
		if gerr != nil && apperr.CodeOf(gerr) == apperr.NotFound {
			return gerr
		}
		sp := SeekerProfile{PersonID: id, Name: cur.Name, OrgUnit: cur.OrgUnit, Exists: cur.Exists, ProfileInput: in}
		return pg.profilePage(w, r, p, http.StatusUnprocessableEntity, sp, err)
	}
	web.Redirect(w, r, fmt.Sprintf("/persons/%d/job-profile?saved=1", id))
	return nil
}

type seekersData struct {
	Rows   []SeekerRow
	Units  map[string]string
	Total  int
	Next   string
	Skill  string
	Skills []Term
}

func (pg *Pages) seekers(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	q := r.URL.Query()
	after, err := web.IntParam("cursor", q.Get("cursor"))
	if err != nil {
		return err
	}
	skill := q.Get("skill")
	if skill != "" && index(Skills, skill) < 0 {
		return apperr.Validation(apperr.Field("skill", "unknown", fmt.Sprintf("“%s”不在可选项中。", skill), fmt.Sprintf("%q is not one of the choices.", skill)))
	}
	rows, total, next, err := pg.Store.ListSeekers(r.Context(), access.Of(r, p), SeekerFilter{Skill: skill, After: after, Limit: 50})
	if err != nil {
		return err
	}
	page := pg.NewPage(r, p, "")
	page.Title = page.T("求职登记人员", "Job seekers")
	d := seekersData{Rows: rows, Units: map[string]string{}, Total: total, Skill: skill, Skills: Skills}
	for _, row := range rows {
		if _, ok := d.Units[row.OrgUnit]; !ok {
			d.Units[row.OrgUnit] = pg.UnitLabel(r, row.OrgUnit, page.Lang)
		}
	}
	if next != 0 {
		v := url.Values{"cursor": {strconv.FormatInt(next, 10)}}
		if skill != "" {
			v.Set("skill", skill)
		}
		d.Next = "/jobs/seekers?" + v.Encode()
	}
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "job_seekers.html", page)
}

type vacanciesData struct {
	Rows     []Vacancy
	Employer bool
}

func (pg *Pages) vacancies(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	rows, err := pg.Store.Vacancies(r.Context(), employment.CallerOf(r, p), VacancyFilter{})
	if err != nil {
		return err
	}
	page := pg.NewPage(r, p, "")
	page.Title = page.T("招聘岗位", "Vacancies")
	page.Data = vacanciesData{Rows: rows, Employer: p.Role == identity.Employer}
	return pg.Render(w, r, http.StatusOK, "vacancies.html", page)
}

type vacancyFormData struct {
	ID        int64
	Form      VacancyInput
	Open      bool
	Employers []employment.Employer // staff choose one; empty for employer accounts
	Vocab     vocabData
	HasSkill  map[string]bool
	HasOffer  map[string]bool
	// Positions and Wage are the text of the number inputs: what was typed
	// when the form comes back with an error, never a number it was read as.
	Positions, Wage string
	// Places are the workplaces to choose from: the towns and villages of
	// the caller's district, by name.
	Places []orgunit.PickGroup
}

func (pg *Pages) vacancyForm(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, id int64, in VacancyInput, err error) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T("发布招聘岗位", "Post a vacancy")
	if id != 0 {
		page.Title = page.T("修改招聘岗位", "Edit the vacancy")
	}
	if err != nil {
		if page.Error = formError(err, page.Lang); page.Error == nil {
			return err
		}
	}
	d := vacancyFormData{ID: id, Form: in, Open: in.Open == nil || *in.Open, Vocab: vocabulary(), HasSkill: set(in.Skills), HasOffer: set(in.Accommodations),
		Positions: strconv.Itoa(in.Positions)}
	if in.MonthlyWage > 0 {
		d.Wage = strconv.FormatInt(in.MonthlyWage, 10)
	}
	if r.Method == http.MethodPost {
		d.Positions, d.Wage = r.PostForm.Get("positions"), r.PostForm.Get("monthly_wage")
	}
	if p.Role != identity.Employer && id == 0 {
		list, _, _, lerr := pg.Employers.List(r.Context(), employment.CallerOf(r, p), 500, 0)
		if lerr != nil {
			return lerr
		}
		d.Employers = list
	}
	if pg.Places != nil {
		district := orgunit.ScopeOf(p.OrgUnit[:min(6, len(p.OrgUnit))])
		places, perr := pg.Places(r, district, page.Lang, in.OrgUnit)
		if perr != nil {
			return perr
		}
		d.Places = places
	}
	page.Data = d
	return pg.Render(w, r, status, "vacancy_form.html", page)
}

// wageField is the vacancy form's monthly wage: whole yuan, as checkVacancy
// bounds it.
var wageField = money.Field{Name: "monthly_wage", Zh: "月薪", En: "The monthly wage", Max: 1_000_000_00, Whole: true}

// vacancyInput reads the vacancy form; numbers that are not numbers are
// named with the other mistakes.
func vacancyInput(r *http.Request) (VacancyInput, []apperr.FieldError) {
	_ = r.ParseForm()
	f := r.PostForm
	in := VacancyInput{Title: f.Get("title"), Description: f.Get("description"), OrgUnit: strings.TrimSpace(f.Get("orgunit")),
		MinEducation: f.Get("min_education"), Hours: f.Get("hours"), Skills: nonNil(f["skills"]), Accommodations: nonNil(f["accommodations"])}
	var errs []apperr.FieldError
	num := func(name string) int64 {
		v := strings.TrimSpace(f.Get(name))
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, apperr.Field(name, "format", "请填写整数，例如 3。", "Enter a whole number, for example 3."))
		}
		return n
	}
	in.EmployerID = num("employer_id")
	in.Positions = int(num("positions"))
	// Empty is 面议 (to be agreed); what cannot be read is refused, never 0.
	if cents, _, fe := wageField.Read(f.Get("monthly_wage")); fe != nil {
		errs = append(errs, *fe)
	} else {
		in.MonthlyWage = cents / 100
	}
	in.Version = int(num("version"))
	if v := f.Get("open"); v != "" {
		open := v == "1"
		in.Open = &open
	}
	return in, errs
}

// withFormatErrors adds the form's own mistakes to the store's.
func withFormatErrors(err error, errs []apperr.FieldError) error {
	if len(errs) == 0 {
		return err
	}
	if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
		return apperr.Validation(append(errs, e.Fields...)...)
	}
	if err == nil {
		return apperr.Validation(errs...)
	}
	return err
}

func (pg *Pages) newVacancy(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	in := VacancyInput{Positions: 1, MinEducation: "none", Hours: "full_time", Skills: []string{}, Accommodations: []string{}}
	if id, err := web.IntParam("employer_id", r.URL.Query().Get("employer_id")); err == nil {
		in.EmployerID = id
	}
	return pg.vacancyForm(w, r, p, http.StatusOK, 0, in, nil)
}

func (pg *Pages) createVacancy(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	in, errs := vacancyInput(r)
	in.Open = nil
	var v Vacancy
	var err error
	if len(errs) == 0 {
		v, err = pg.Store.CreateVacancy(r.Context(), employment.CallerOf(r, p), in)
	} else if _, ferr := checkVacancy(in); len(ferr) > 0 {
		err = apperr.Validation(ferr...)
	}
	if err = withFormatErrors(err, errs); err != nil {
		if apperr.CodeOf(err) != apperr.Invalid {
			return err
		}
		return pg.vacancyForm(w, r, p, http.StatusUnprocessableEntity, 0, in, err)
	}
	web.Redirect(w, r, fmt.Sprintf("/vacancies/%d", v.ID))
	return nil
}

func inputOf(v Vacancy) VacancyInput {
	open := v.Open
	return VacancyInput{EmployerID: v.EmployerID, Title: v.Title, Description: v.Description, OrgUnit: v.OrgUnit, Positions: v.Positions,
		MinEducation: v.MinEducation, Hours: v.Hours, Skills: v.Skills, Accommodations: v.Accommodations, MonthlyWage: v.MonthlyWage,
		Open: &open, Version: v.Version}
}

func (pg *Pages) editVacancy(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := vacancyID(r)
	if err != nil {
		return err
	}
	v, err := pg.Store.GetVacancy(r.Context(), employment.CallerOf(r, p), id)
	if err != nil {
		return err
	}
	return pg.vacancyForm(w, r, p, http.StatusOK, id, inputOf(v), nil)
}

func (pg *Pages) updateVacancy(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := vacancyID(r)
	if err != nil {
		return err
	}
	in, errs := vacancyInput(r)
	ec := employment.CallerOf(r, p)
	if len(errs) == 0 {
		_, err = pg.Store.UpdateVacancy(r.Context(), ec, id, in)
	} else if _, err = pg.Store.GetVacancy(r.Context(), ec, id); err == nil {
		if _, ferr := checkVacancy(in); len(ferr) > 0 {
			err = apperr.Validation(ferr...)
		}
	}
	if err = withFormatErrors(err, errs); err != nil {
		if c := apperr.CodeOf(err); c != apperr.Invalid && c != apperr.Conflict {
			return err
		}
		return pg.vacancyForm(w, r, p, web.Status(apperr.CodeOf(err)), id, in, err)
	}
	web.Redirect(w, r, fmt.Sprintf("/vacancies/%d", id))
	return nil
}

type vacancyData struct {
	V       Vacancy
	Unit    string
	Staff   bool
	Ranked  []Ranked
	Units   map[string]string
	Seekers int
	// Proposals are the candidates recommended for the vacancy; Proposed
	// gives the state of each person's, for the ranking.
	Proposals []Proposal
	Proposed  map[int64]string
	// Saved says what was just done: recommended, accepted, declined.
	Saved string
}

func (pg *Pages) vacancy(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.vacancyPage(w, r, p, http.StatusOK, nil)
}

func (pg *Pages) vacancyPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, formErr error) error {
	id, err := vacancyID(r)
	if err != nil {
		return err
	}
	ec := employment.CallerOf(r, p)
	page := pg.NewPage(r, p, "")
	if formErr != nil {
		if page.Error = web.FormErrorOf(formErr, page.Lang); page.Error == nil {
			return formErr
		}
	}
	d := vacancyData{Staff: p.Role != identity.Employer, Units: map[string]string{}, Proposed: map[int64]string{}, Saved: r.URL.Query().Get("saved")}
	if d.Staff {
		// Staff propose candidates to employers: only they see the ranking.
		d.V, d.Ranked, d.Seekers, err = pg.Store.MatchSeekers(r.Context(), ec, id, 50)
	} else {
		d.V, err = pg.Store.GetVacancy(r.Context(), ec, id)
	}
	if err != nil {
		return err
	}
	if d.Proposals, err = pg.Store.Proposals(r.Context(), ec, ProposalFilter{VacancyID: id}); err != nil {
		return err
	}
	for _, pr := range d.Proposals {
		d.Proposed[pr.PersonID] = pr.State
		if _, ok := d.Units[pr.OrgUnit]; !ok {
			d.Units[pr.OrgUnit] = pg.UnitLabel(r, pr.OrgUnit, page.Lang)
		}
	}
	d.Unit = pg.UnitLabel(r, d.V.OrgUnit, page.Lang)
	for _, m := range d.Ranked {
		if _, ok := d.Units[m.OrgUnit]; !ok {
			d.Units[m.OrgUnit] = pg.UnitLabel(r, m.OrgUnit, page.Lang)
		}
	}
	page.Title = d.V.Title
	page.Data = d
	return pg.Render(w, r, status, "vacancy.html", page)
}

// recommend proposes a job seeker of the ranking to the vacancy's employer.
func (pg *Pages) recommend(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := vacancyID(r)
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	person, perr := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("person_id")), 10, 64)
	if perr != nil || person <= 0 {
		err = apperr.Validation(apperr.Field("person_id", "invalid", "请从列表中选择要推荐的人。", "Choose the person to recommend from the list."))
	} else {
		_, err = pg.Store.Recommend(r.Context(), employment.CallerOf(r, p), id, person, r.PostFormValue("note"))
	}
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.NotFound || c == apperr.Forbidden {
			return err
		}
		return pg.vacancyPage(w, r, p, web.Status(apperr.CodeOf(err)), err)
	}
	web.Redirect(w, r, fmt.Sprintf("/vacancies/%d?saved=recommended#proposals", id))
	return nil
}

// decide records the employer's answer to a recommendation.
func (pg *Pages) decide(accept bool) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return apperr.New(apperr.NotFound, "找不到这条推荐。", "There is no such recommendation.")
		}
		_ = r.ParseForm()
		pr, err := pg.Store.Decide(r.Context(), employment.CallerOf(r, p), id, accept, r.PostFormValue("note"))
		if err != nil {
			return err
		}
		saved := "declined"
		if accept {
			saved = "accepted"
		}
		web.Redirect(w, r, fmt.Sprintf("/vacancies/%d?saved=%s#proposals", pr.VacancyID, saved))
		return nil
	}
}

// stateName names a recommendation's state in lang.
func stateName(state, lang string) string {
	if n, ok := ProposalStates[state]; ok {
		return apperr.T(n[0], n[1]).In(lang)
	}
	return state
}
