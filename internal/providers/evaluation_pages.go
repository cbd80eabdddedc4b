package providers

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/platform/web"
)

type rankingData struct {
	Year  int
	Years []int
	Items []Ranked
	// Services name the contracts' service types.
	Services map[string]string
}

// Service names a service type in the page's language.
func (d rankingData) Service(code string) string {
	if n := d.Services[code]; n != "" {
		return n
	}
	return code
}

func evalCrumbs(page *web.Page, more ...web.Crumb) []web.Crumb {
	return append([]web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("服务机构评估", "Provider evaluation"), Href: "/providers/evaluation"}}, more...)
}

func (pg *EvalPages) ranking(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	year, err := yearParam(r)
	if err != nil {
		return err
	}
	page := pg.NewPage(r, p, "")
	rk, err := pg.Store.Rank(r.Context(), access.Of(r, p), year, page.Lang)
	if err != nil {
		return err
	}
	page.Title = page.T(fmt.Sprintf("%d 年度服务机构评估", rk.Year), fmt.Sprintf("Provider evaluation %d", rk.Year))
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	this := pg.Store.db.Now().Year()
	d := rankingData{Year: rk.Year, Items: rk.Items, Services: map[string]string{}}
	for y := this + 1; y >= this-4; y-- {
		d.Years = append(d.Years, y)
	}
	if !slices.Contains(d.Years, rk.Year) {
		d.Years = append(d.Years, rk.Year)
	}
	for _, t := range pg.Store.cases.Types() {
		d.Services[t.Code] = t.Name(page.Lang)
	}
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "evaluation_ranking.html", page)
}

type evaluationData struct {
	Evaluation
	Service   string
	Budget    string
	Released  string
	CanScore  bool
	Score     string // the expert-score form's values
	Note      string
	NoteMax   int
	ScoreText string
}

func (pg *EvalPages) evaluationPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, score, note string, fe *web.FormError) error {
	id, err := web.PathID(r, contractNotFound())
	if err != nil {
		return err
	}
	page := pg.NewPage(r, p, "")
	ev, err := pg.Store.Evaluate(r.Context(), access.Of(r, p), id, page.Lang)
	if err != nil {
		return err
	}
	page.Title = page.T("合同评估："+ev.Title, "Contract evaluation: "+ev.Title)
	if p.Role == identity.Provider {
		page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	} else {
		page.Crumbs = evalCrumbs(page, web.Crumb{Label: strconv.Itoa(ev.Year), Href: fmt.Sprintf("/providers/evaluation?year=%d", ev.Year)}, web.Crumb{Label: ev.Title})
	}
	if r.URL.Query().Get("saved") != "" && fe == nil {
		page.Flash = page.T("专家评分已保存，得分已重新计算。", "The expert score is saved and the score computed again.")
	}
	d := evaluationData{Evaluation: ev, Service: ev.ServiceType, Budget: money.Grouped(ev.BudgetCents), Released: money.Grouped(ev.ReleasedCents),
		CanScore: p.Role == identity.DistrictStaff, Score: score, Note: note, NoteMax: MaxExpertNoteRunes, ScoreText: hundredths(ev.score)}
	if t, ok := pg.Store.cases.TypeOf(ev.ServiceType); ok {
		d.Service = t.Name(page.Lang)
	}
	if fe == nil {
		if ev.ExpertScore != nil {
			d.Score = strconv.Itoa(*ev.ExpertScore)
		}
		d.Note = ev.ExpertNote
	}
	page.Error = fe
	page.Data = d
	return pg.Render(w, r, status, "evaluation.html", page)
}

func (pg *EvalPages) evaluation(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.evaluationPage(w, r, p, http.StatusOK, "", "", nil)
}

func (pg *EvalPages) expertPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, contractNotFound())
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
	}
	raw, note := strings.TrimSpace(r.PostFormValue("score")), r.PostFormValue("note")
	typed := raw
	raw = safetext.Narrow(raw) // ９０ as typed by a Chinese input method
	in := ExpertInput{Note: note}
	if raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil {
			fe := web.FormErrorOf(apperr.Validation(apperr.Field("score", "invalid", "专家评分应为 0 至 100 的整数。", "The expert score is a whole number from 0 to 100.")), web.PageLang(r))
			return pg.evaluationPage(w, r, p, http.StatusUnprocessableEntity, typed, note, fe)
		}
		in.Score = &n
	}
	if _, err := pg.Store.SetExpertScore(r.Context(), access.Of(r, p), id, in, web.PageLang(r)); err != nil {
		fe := web.FormErrorOf(err, web.PageLang(r))
		if fe == nil {
			return err
		}
		return pg.evaluationPage(w, r, p, web.Status(apperr.CodeOf(err)), typed, note, fe)
	}
	web.Redirect(w, r, fmt.Sprintf("/contracts/%d/evaluation?saved=1#score", id))
	return nil
}
