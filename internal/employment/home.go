package employment

import (
	"fmt"
	"net/http"
	"strconv"

	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/view"
	"sunshine/internal/platform/web"
)

// home shows an employer account its quota position of this year (DOMAIN.md
// §5, the levy's own computation): staff, places required, disabled
// employees counted, the shortfall and the levy due, or what is missing.
func (s *Store) home(r *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
	if p.Role != identity.Employer || p.EmployerID == 0 {
		return module.Home{}, nil
	}
	year := s.ThisYear()
	c := CallerOf(r, p)
	sec := module.Section{Order: 5, Heading: page.T(fmt.Sprintf("%d 年按比例安排残疾人就业", year), fmt.Sprintf("Employing disabled people: the quota of %d", year)),
		Link: view.Cell{Href: fmt.Sprintf("/employers/%d", p.EmployerID), Text: page.T("查看计算过程和残疾职工", "See the calculation and the disabled employees")}}
	l, err := s.Levy(r.Context(), c, p.EmployerID, year)
	switch {
	case apperr.CodeOf(err) == apperr.NotFound:
		sec.Text = page.T("还没有本年度的职工人数和工资数据，无法计算比例。请联系所在街镇残联的就业工作人员报送。",
			"There are no staff and wage figures for this year yet, so the quota cannot be worked out. Contact the employment staff of your town's federation to report them.")
		return module.Home{Sections: []module.Section{sec}}, nil
	case err != nil:
		return module.Home{}, err
	}
	o := l.Outcome
	tb := &view.Table{ID: "quota-caption", Caption: page.T("本单位的比例情况", "Your quota position"), RowHeads: true,
		Head: []string{page.T("项目", "Item"), page.T("数值", "Figure")}}
	row := func(zh, en, v string) { tb.Rows = append(tb.Rows, []view.Cell{{Text: page.T(zh, en)}, {Text: v}}) }
	row("在职职工人数（年平均）", "Staff (yearly average)", strconv.Itoa(l.Staff))
	row("应安排残疾人（按比例）", "Disabled employees required", string(o.Required))
	row("已安排残疾人（折算）", "Disabled employees counted", string(o.Counted))
	row("应缴保障金（元）", "Levy due (yuan)", money.Grouped(l.Result.Due))
	switch {
	case l.BelowQuota:
		sec.Text = page.T(fmt.Sprintf("还差 %d 名残疾职工才能达到比例。残联可以向您推荐合适的求职人员：发布岗位后，推荐的人选会显示在这里。", l.Result.ShortPeople),
			fmt.Sprintf("%d more disabled employees would meet the quota. The federation can recommend job seekers: once you post a vacancy, the candidates show here.", l.Result.ShortPeople))
		sec.Alert = true
	case l.Result.Exempt:
		sec.Text = page.T("职工人数较少，免于按比例安排。", "With so few staff you are exempt from the quota.")
	default:
		sec.Text = page.T("已达到安排比例。", "The quota is met.")
	}
	sec.Table = tb
	return module.Home{Sections: []module.Section{sec}}, nil
}
