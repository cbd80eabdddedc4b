package jobs

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"sunshine/internal/employment"
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/view"
	"sunshine/internal/platform/web"
)

// home shows an employer account the candidates recommended to it, with
// their state, and its vacancies.
func (pg *Pages) home(r *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
	if p.Role != identity.Employer || p.EmployerID == 0 {
		return module.Home{}, nil
	}
	ec := employment.CallerOf(r, p)
	props, err := pg.Store.Proposals(r.Context(), ec, ProposalFilter{EmployerID: p.EmployerID, Limit: 50})
	if err != nil {
		return module.Home{}, err
	}
	vs, err := pg.Store.Vacancies(r.Context(), ec, VacancyFilter{EmployerID: p.EmployerID})
	if err != nil {
		return module.Home{}, err
	}
	waiting := map[int64]int{}
	nWaiting := 0
	for _, pr := range props {
		if pr.State == ProposalProposed {
			waiting[pr.VacancyID]++
			nWaiting++
		}
	}
	var h module.Home
	h.Cards = []module.Card{{Order: 5, Href: "/vacancies", Count: strconv.Itoa(nWaiting),
		Text: page.T("名推荐人选等您答复", "recommended candidates wait for your answer")}}

	cands := module.Section{Order: 6, Heading: page.T("残联推荐给本单位的人选", "Candidates the federation recommends to you")}
	if len(props) == 0 {
		cands.Text = page.T("还没有推荐人选。发布岗位后，街镇残联的工作人员会推荐合适的求职人员。",
			"No candidates yet. Once you post a vacancy, the town federation's staff recommend job seekers who fit.")
	} else {
		tb := &view.Table{ID: "cand-caption", Caption: page.T("推荐的人选及状态", "Candidates and their status"), RowHeads: true,
			Head: []string{page.T("姓名", "Name"), page.T("岗位", "Vacancy"), page.T("推荐日期", "Recommended on"), page.T("状态", "Status")}}
		for _, pr := range props {
			tb.Rows = append(tb.Rows, []view.Cell{{Text: pr.Name}, {Text: pr.VacancyTitle, Href: fmt.Sprintf("/vacancies/%d#proposals", pr.VacancyID)},
				{Text: pr.ProposedAt.In(shanghai).Format(time.DateOnly)}, {Text: stateName(pr.State, page.Lang)}})
		}
		cands.Table = tb
	}

	vac := module.Section{Order: 7, Heading: page.T("本单位的岗位", "Your vacancies"),
		Link: view.Cell{Href: "/vacancies/new", Text: page.T("发布新岗位", "Post a vacancy"), Tag: "button"}}
	if len(vs) == 0 {
		vac.Text = page.T("还没有发布岗位。", "You have not posted a vacancy yet.")
	} else {
		tb := &view.Table{ID: "vac-caption", Caption: page.T("岗位、人数和待答复的推荐", "Vacancies, positions and candidates waiting"), RowHeads: true,
			Head: []string{page.T("岗位", "Vacancy"), page.T("招聘人数", "Positions"), page.T("状态", "Status"), page.T("待答复的推荐", "Candidates waiting")}}
		for _, v := range vs {
			state := page.T("招聘中", "Open")
			if !v.Open {
				state = page.T("已关闭", "Closed")
			}
			tb.Rows = append(tb.Rows, []view.Cell{{Text: v.Title, Href: fmt.Sprintf("/vacancies/%d", v.ID)}, {Text: strconv.Itoa(v.Positions)},
				{Text: state}, {Text: strconv.Itoa(waiting[v.ID])}})
		}
		vac.Table = tb
	}
	h.Sections = []module.Section{cands, vac}
	return h, nil
}
