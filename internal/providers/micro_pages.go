package providers

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/platform/web"
)

// MicroPages serves the pages of the micro-charity projects: the year's
// proposals with the form to propose, a proposal with the rubric form, the
// district's close, publish and unpublish buttons, and the public page of
// the published selection (no sign-in).
type MicroPages struct {
	Store *Store
	web.Kit
}

// Routes registers the pages.
func (pg *MicroPages) Routes(rt *web.Router) {
	rt.Page("GET /micro-projects", microReaders, pg.list)
	rt.Page("POST /micro-projects", microProposers, pg.propose)
	rt.Page("GET /micro-projects/{id}", microReaders, pg.show)
	rt.Page("POST /micro-projects/{id}/scores", microJudges, pg.score)
	rt.Page("POST /micro-projects/close", microJudges, pg.close)
	rt.Page("POST /micro-projects/publish", microJudges, pg.publish)
	rt.Page("POST /micro-projects/unpublish", microJudges, pg.unpublish)
	rt.Page("GET /public/micro-projects", web.PublicAccess, pg.public)
}

func microCrumbs(page *web.Page, year int, more ...web.Crumb) []web.Crumb {
	return append([]web.Crumb{{Label: page.T("首页", "Home"), Href: "/"},
		{Label: page.T("十大微公益项目", "Ten micro-charity projects"), Href: fmt.Sprintf("/micro-projects?year=%d", year)}}, more...)
}

func microBadForm() error {
	return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
}

// microOption is a choice of a form.
type microOption struct {
	Value, Label string
	Checked      bool
}

// microRow is a proposal as the list shows it.
type microRow struct {
	MicroProject
	TownNames string
	Budget    string
	Score     string
}

type microListData struct {
	Year      MicroYear
	Years     []int
	Rows      []microRow
	Staff     bool
	Judge     bool
	CanAdd    bool
	Form      url.Values
	Providers []microOption
	Towns     []microOption
}

// townNames names the towns of codes in lang, joined.
func townNames(codes []string, names map[string]string, lang string) string {
	var out []string
	for _, c := range codes {
		n := names[c]
		if n == "" {
			n = c
		}
		out = append(out, n)
	}
	return strings.Join(out, apperr.T("、", ", ").In(lang))
}

// microTowns are the towns a proposal may serve: those of the caller's district.
func (pg *MicroPages) microTowns(r *http.Request, p *web.Principal, lang string, chosen []string) ([]microOption, error) {
	district := p.OrgUnit
	if len(district) > 6 {
		district = district[:6]
	}
	units, err := pg.Store.units.InScope(r.Context(), orgunit.ScopeOf(district), 3)
	if err != nil {
		return nil, err
	}
	var out []microOption
	for _, u := range units {
		out = append(out, microOption{Value: u.Code, Label: u.Label(lang), Checked: slices.Contains(chosen, u.Code)})
	}
	return out, nil
}

// listPage renders the year's proposals with the form (form nil: empty).
func (pg *MicroPages) listPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, year int, form url.Values, formErr error) error {
	ctx, c := r.Context(), access.Of(r, p)
	page := pg.NewPage(r, p, "")
	list, err := pg.Store.MicroProjects(ctx, c, year)
	if err != nil {
		return err
	}
	year = list.Year
	page.Title = page.T(fmt.Sprintf("%d 年十大微公益项目", year), fmt.Sprintf("Ten micro-charity projects, %d", year))
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	this := pg.Store.MicroYearNow()
	d := microListData{Year: list.MicroYear, Staff: microStaff(c), Judge: microScorer(c), Form: form,
		CanAdd: list.Open && year >= this && year <= this+1 && (microScorer(c) || c.IsProvider())}
	for y := this + 1; y >= this-2; y-- {
		d.Years = append(d.Years, y)
	}
	var codes []string
	for _, m := range list.Items {
		codes = append(codes, m.Towns...)
	}
	names, err := pg.Store.units.Labels(ctx, codes, page.Lang)
	if err != nil {
		return err
	}
	for _, m := range list.Items {
		row := microRow{MicroProject: m, TownNames: townNames(m.Towns, names, page.Lang), Budget: money.Grouped(m.Budget)}
		if m.Scorers > 0 {
			row.Score = fmt.Sprintf("%.2f", float64(m.Hundredths)/100)
		}
		d.Rows = append(d.Rows, row)
	}
	if d.CanAdd {
		if d.Form == nil {
			d.Form = url.Values{}
		}
		if d.Judge {
			provs, err := pg.Store.Providers(ctx, c)
			if err != nil {
				return err
			}
			for _, pr := range provs {
				v := strconv.FormatInt(pr.ID, 10)
				d.Providers = append(d.Providers, microOption{Value: v, Label: pr.Name, Checked: d.Form.Get("provider_id") == v})
			}
		}
		if d.Towns, err = pg.microTowns(r, p, page.Lang, d.Form["towns"]); err != nil {
			return err
		}
	}
	q := r.URL.Query()
	switch {
	case q.Has("published"):
		page.Flash = page.T("入选项目已公布，公众可在公示页查看。", "The selection is published: anyone can see it on the public page.")
	case q.Has("unpublished"):
		page.Flash = page.T("已撤回公布的入选项目。", "The published selection is withdrawn.")
	case q.Has("closed"):
		page.Flash = page.T("申报已截止。", "The call is closed.")
	}
	if formErr != nil {
		page.Error = web.FormErrorOf(formErr, page.Lang)
	}
	page.Data = d
	return pg.Render(w, r, status, "micro_projects.html", page)
}

func (pg *MicroPages) list(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	year, err := yearParam(r)
	if err != nil {
		return err
	}
	return pg.listPage(w, r, p, http.StatusOK, year, nil, nil)
}

// microFormInput reads the proposal form; what cannot be read is a field error.
func microFormInput(f url.Values) (MicroInput, []apperr.FieldError) {
	in := MicroInput{Title: f.Get("title"), Summary: f.Get("summary"), Towns: f["towns"]}
	if len(in.Towns) > MaxMicroTowns+1 {
		in.Towns = in.Towns[:MaxMicroTowns+1]
	}
	var fs []apperr.FieldError
	if v := strings.TrimSpace(f.Get("provider_id")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			fs = append(fs, apperr.Field("provider_id", "not_found", "找不到这个服务机构。", "There is no such provider."))
		}
		in.ProviderID = n
	}
	if v := strings.TrimSpace(f.Get("year")); v != "" {
		in.Year, _ = strconv.Atoi(v)
	}
	cents, given, e := money.Field{Name: "budget", Zh: "申请金额", En: "The budget asked", Max: MaxMicroBudgetCents}.Read(f.Get("budget"))
	switch {
	case e != nil:
		fs = append(fs, *e)
	case !given:
		fs = append(fs, apperr.Field("budget", "required", "请填写申请金额（元）。", "Enter the budget asked (yuan)."))
	default:
		in.Budget = cents
	}
	v := strings.TrimSpace(safetext.Narrow(f.Get("beneficiaries")))
	if v == "" {
		fs = append(fs, apperr.Field("beneficiaries", "required", "请填写预计受益人数。", "Enter how many people are expected to benefit."))
	} else if n, err := strconv.Atoi(v); err != nil {
		fs = append(fs, apperr.Field("beneficiaries", "format", "预计受益人数应为整数，例如 120。", "The people expected to benefit is a whole number, for example 120."))
	} else {
		in.Beneficiaries = n
	}
	return in, fs
}

// microIndex is the place of field in order (the end when absent).
func microIndex(order []string, field string) int {
	if i := slices.Index(order, field); i >= 0 {
		return i
	}
	return len(order)
}

func (pg *MicroPages) propose(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return microBadForm()
	}
	in, fs := microFormInput(r.PostForm)
	var err error
	if len(fs) > 0 {
		// The store's checks of the other fields too, so that every
		// mistake shows at once.
		_, more, cerr := pg.Store.checkMicro(r.Context(), access.Of(r, p), in)
		if cerr != nil {
			return cerr
		}
		for _, f := range more {
			if !slices.ContainsFunc(fs, func(g apperr.FieldError) bool { return g.Field == f.Field }) {
				fs = append(fs, f)
			}
		}
		order := []string{"provider_id", "title", "summary", "towns", "budget", "beneficiaries"}
		slices.SortStableFunc(fs, func(a, b apperr.FieldError) int {
			return microIndex(order, a.Field) - microIndex(order, b.Field)
		})
		err = apperr.Validation(fs...)
	} else {
		var out MicroProject
		out, err = pg.Store.ProposeMicro(r.Context(), access.Of(r, p), in)
		if err == nil {
			web.Redirect(w, r, fmt.Sprintf("/micro-projects/%d?proposed=1", out.ID))
			return nil
		}
	}
	if web.FormErrorOf(err, web.PageLang(r)) == nil {
		return err
	}
	return pg.listPage(w, r, p, web.Status(apperr.CodeOf(err)), in.Year, r.PostForm, err)
}

// microScoreRow is a criterion of the rubric form.
type microScoreRow struct {
	RubricCriterion
	Label, Hint string
	Value       string
	Average     string
}

type microShowData struct {
	P         MicroProject
	TownNames string
	Budget    string
	Score     string
	Staff     bool
	Judge     bool
	Scored    bool // the caller has scored it
	Rows      []microScoreRow
	Total     int
	Paras     []string // the summary's paragraphs
}

// showPage renders a proposal; form holds what was typed into the rubric form.
func (pg *MicroPages) showPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, form url.Values, formErr error) error {
	id, err := web.PathID(r, microNotFound())
	if err != nil {
		return err
	}
	ctx, c := r.Context(), access.Of(r, p)
	page := pg.NewPage(r, p, "")
	d, err := pg.Store.MicroProject(ctx, c, id)
	if err != nil {
		return err
	}
	names, err := pg.Store.units.Labels(ctx, d.Towns, page.Lang)
	if err != nil {
		return err
	}
	v := microShowData{P: d.MicroProject, TownNames: townNames(d.Towns, names, page.Lang), Budget: money.Grouped(d.Budget),
		Staff: microStaff(c), Judge: microScorer(c), Scored: d.Mine != nil}
	if d.Scorers > 0 {
		v.Score = fmt.Sprintf("%.2f", float64(d.Hundredths)/100)
	}
	v.Paras = microParas(d.Summary)
	for i, cr := range Rubric {
		row := microScoreRow{RubricCriterion: cr, Label: cr.Label(page.Lang), Hint: cr.Hint(page.Lang)}
		switch {
		case form != nil:
			row.Value = form.Get(cr.Key)
		case d.Mine != nil:
			row.Value = strconv.Itoa(d.Mine.Values()[i])
		}
		if i < len(d.Averages) {
			row.Average = fmt.Sprintf("%.2f", d.Averages[i].Average)
		}
		v.Rows = append(v.Rows, row)
		v.Total += cr.Max
	}
	page.Title = d.Title
	page.Crumbs = microCrumbs(page, d.Year, web.Crumb{Label: d.Title})
	q := r.URL.Query()
	switch {
	case q.Has("proposed"):
		page.Flash = page.T("项目已申报。", "The project is proposed.")
	case q.Has("scored"):
		page.Flash = page.T("您的评分已保存。", "Your score is saved.")
	}
	if formErr != nil {
		page.Error = web.FormErrorOf(formErr, page.Lang)
	}
	page.Data = v
	return pg.Render(w, r, status, "micro_project.html", page)
}

func (pg *MicroPages) show(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.showPage(w, r, p, http.StatusOK, nil, nil)
}

func (pg *MicroPages) score(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return microBadForm()
	}
	id, err := web.PathID(r, microNotFound())
	if err != nil {
		return err
	}
	f := r.PostForm
	var fs []apperr.FieldError
	vals := make([]int, len(Rubric))
	for i, cr := range Rubric {
		v := strings.TrimSpace(safetext.Narrow(f.Get(cr.Key)))
		n, err := strconv.Atoi(v)
		switch {
		case v == "":
			fs = append(fs, apperr.Field(cr.Key, "required", fmt.Sprintf("请填写“%s”的分数（0 至 %d 分）。", cr.Zh, cr.Max),
				fmt.Sprintf("Enter the score for “%s” (0 to %d).", cr.En, cr.Max)))
		case err != nil:
			fs = append(fs, apperr.Field(cr.Key, "format", fmt.Sprintf("“%s”的分数应为 0 至 %d 的整数。", cr.Zh, cr.Max),
				fmt.Sprintf("The score for “%s” is a whole number from 0 to %d.", cr.En, cr.Max)))
		case n < 0 || n > cr.Max:
			fs = append(fs, apperr.Field(cr.Key, "range", fmt.Sprintf("“%s”的分数应在 0 至 %d 分之间。", cr.Zh, cr.Max),
				fmt.Sprintf("The score for “%s” is from 0 to %d.", cr.En, cr.Max)))
		default:
			vals[i] = n
		}
	}
	if len(fs) > 0 {
		return pg.showPage(w, r, p, http.StatusUnprocessableEntity, f, apperr.Validation(fs...))
	}
	in := MicroScores{Need: vals[0], Feasibility: vals[1], Benefit: vals[2], Cost: vals[3], Sustainability: vals[4]}
	_, _, err = pg.Store.ScoreMicro(r.Context(), access.Of(r, p), id, in, f.Get("change") == "1")
	if err != nil {
		if web.FormErrorOf(err, web.PageLang(r)) == nil {
			return err
		}
		return pg.showPage(w, r, p, web.Status(apperr.CodeOf(err)), f, err)
	}
	web.Redirect(w, r, fmt.Sprintf("/micro-projects/%d?scored=1", id))
	return nil
}

// yearAction runs a district action on the year of the form and goes back
// to the year's list with flash, or shows the list with the error.
func (pg *MicroPages) yearAction(w http.ResponseWriter, r *http.Request, p *web.Principal, flash string,
	do func(c access.Caller, year int, reason string) error) error {
	if err := r.ParseForm(); err != nil {
		return microBadForm()
	}
	year, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("year")))
	if err := do(access.Of(r, p), year, r.PostFormValue("reason")); err != nil {
		if web.FormErrorOf(err, web.PageLang(r)) == nil {
			return err
		}
		if year < 2000 || year > 9999 {
			year = 0
		}
		return pg.listPage(w, r, p, web.Status(apperr.CodeOf(err)), year, nil, err)
	}
	web.Redirect(w, r, fmt.Sprintf("/micro-projects?year=%d&%s=1", year, flash))
	return nil
}

func (pg *MicroPages) close(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.yearAction(w, r, p, "closed", func(c access.Caller, year int, _ string) error {
		_, err := pg.Store.CloseMicro(r.Context(), c, year)
		return err
	})
}

func (pg *MicroPages) publish(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.yearAction(w, r, p, "published", func(c access.Caller, year int, _ string) error {
		_, err := pg.Store.PublishMicro(r.Context(), c, year, web.PageLang(r))
		return err
	})
}

func (pg *MicroPages) unpublish(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.yearAction(w, r, p, "unpublished", func(c access.Caller, year int, reason string) error {
		_, err := pg.Store.UnpublishMicro(r.Context(), c, year, reason)
		return err
	})
}

// microParas splits a text into its non-empty lines.
func microParas(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// microPublicItem is a published project as the public page shows it.
type microPublicItem struct {
	PublicProject
	TownNames string
	Budget    string
	Paras     []string
}

type microPublicData struct {
	Sel   PublicSelection
	Items []microPublicItem
	Staff bool
}

// public is the published selection of a year for anyone, without signing in.
func (pg *MicroPages) public(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	year, err := yearParam(r)
	if err != nil {
		return err
	}
	page := pg.NewPage(r, p, "")
	sel, err := pg.Store.PublicMicro(r.Context(), year, page.Lang)
	if err != nil {
		return err
	}
	page.Title = page.T(fmt.Sprintf("%d 年十大微公益项目", sel.Year), fmt.Sprintf("Ten micro-charity projects of %d", sel.Year))
	d := microPublicData{Sel: sel, Staff: p != nil && (p.Role == identity.DistrictStaff || p.Role == identity.TownStaff)}
	for _, it := range sel.Items {
		var ns []string
		for _, t := range it.Towns {
			ns = append(ns, t.Name)
		}
		d.Items = append(d.Items, microPublicItem{PublicProject: it, TownNames: strings.Join(ns, page.T("、", ", ")),
			Budget: money.Grouped(it.Budget), Paras: microParas(it.Summary)})
	}
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "micro_public.html", page)
}
