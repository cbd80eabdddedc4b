package app

import (
	"net/http"
	"strconv"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/employment"
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/view"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

// overview is the app's own part of the home page, for the roles whose work
// spans the modules or whose modules do not exist yet: the leader's figures
// (the register by status, this year's service volumes, the renovation
// budget, the employment levy: figures only, from the modules' stores), and
// what the provider can do today.
func (a *App) overview() module.Module {
	return module.Module{Name: "overview", Home: func(r *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
		switch p.Role {
		case identity.Leader:
			return a.leaderHome(r, p, page)
		case identity.Provider:
			return module.Home{Sections: []module.Section{{Order: 5, Heading: page.T("您可以做什么", "What you can do"),
				Text: page.T("作为服务机构人员，您可以办理分配给本机构的服务个案（评估、记录服务、完成），查看辅具库存和康复排期。您只能看到办理个案所需的最少个人信息。",
					"As a service provider's worker you handle the service cases assigned to your organisation (assess, record the service, complete it), and see the device stock and the rehabilitation schedule. You see only the personal data a case needs."),
				Items: []view.Cell{
					{Href: "/cases", Text: page.T("等我处理的个案", "Cases waiting for me")},
					{Href: "/cases?show=open", Text: page.T("本机构的全部未结个案", "All open cases of your organisation")},
					{Href: "/devices/stock", Text: page.T("辅具库存", "Device stock")},
					{Href: "/rehab/schedule", Text: page.T("康复排期", "Rehabilitation schedule")},
					{Href: "/account/2fa", Text: page.T("两步验证（保护您的账户）", "Two-step verification (protect your account)")},
				}}}}, nil
		}
		return module.Home{}, nil
	}}
}

// shanghai is the time zone that decides what "this year" is.
var shanghai = time.FixedZone("CST", 8*3600)

// leaderHome gives a leader the figures of their area: the register by
// status, this year's service volumes by service type, the renovation budget
// of their district and the employment levy. Counts and sums only: nothing
// here names a person or an employer.
func (a *App) leaderHome(r *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
	ctx, c := r.Context(), access.Of(r, p)
	now := a.DB.Now().In(shanghai)
	year := now.Year()
	var h module.Home

	// The register by status.
	status := &view.Table{ID: "leader-status-caption", RowHeads: true,
		Caption: page.T("在册残疾人（按状态，仅统计数字）", "People on the register, by status (figures only)"),
		Head:    []string{page.T("状态", "Status"), page.T("人数", "People")}}
	total := 0
	for _, st := range registry.Statuses {
		n, err := a.Registry.Count(ctx, c, registry.Filter{Status: st})
		if err != nil {
			return h, err
		}
		total += n
		status.Rows = append(status.Rows, []view.Cell{{Text: registry.EnumName(st, page.Lang)}, {Text: strconv.Itoa(n)}})
	}
	status.Rows = append(status.Rows, []view.Cell{{Text: page.T("合计", "Total")}, {Text: strconv.Itoa(total)}})
	h.Sections = append(h.Sections, module.Section{Order: 15, Heading: page.T("在册人数", "The register"), Table: status})

	// This year's service volumes.
	from := time.Date(year, 1, 1, 0, 0, 0, 0, shanghai)
	vols, err := a.Cases.Volumes(ctx, c, from, from.AddDate(1, 0, 0), page.Lang)
	if err != nil {
		return h, err
	}
	sv := &view.Table{ID: "leader-services-caption", RowHeads: true,
		Caption: page.T(strconv.Itoa(year)+" 年服务量（按服务类型）", "Service volumes in "+strconv.Itoa(year)+", by service"),
		Head:    []string{page.T("服务", "Service"), page.T("今年受理", "Opened this year"), page.T("今年办结", "Closed this year"), page.T("目前在办", "Open now")},
		Empty:   page.T("今年还没有服务个案。", "No service cases this year yet.")}
	var opened, closed, open int
	for _, v := range vols {
		opened, closed, open = opened+v.Opened, closed+v.Closed, open+v.Open
		sv.Rows = append(sv.Rows, []view.Cell{{Text: v.Name}, {Text: strconv.Itoa(v.Opened)}, {Text: strconv.Itoa(v.Closed)}, {Text: strconv.Itoa(v.Open)}})
	}
	if len(vols) > 0 {
		sv.Rows = append(sv.Rows, []view.Cell{{Text: page.T("合计", "Total")}, {Text: strconv.Itoa(opened)}, {Text: strconv.Itoa(closed)}, {Text: strconv.Itoa(open)}})
	}
	h.Sections = append(h.Sections, module.Section{Order: 25, Heading: page.T("服务量", "Services"), Table: sv})

	// The renovation budget of the leader's district (a district-level account only).
	if len(p.OrgUnit) == 6 {
		b, err := a.Renovation.BudgetOf(ctx, c.Scope, p.OrgUnit, year)
		if err != nil {
			return h, err
		}
		sec := module.Section{Order: 26, Heading: page.T(strconv.Itoa(year)+" 年家庭无障碍改造预算", "Home renovation budget "+strconv.Itoa(year))}
		if b.BudgetCents == 0 && b.CommittedCents == 0 {
			sec.Text = page.T("今年的预算还没有设定。", "This year's budget has not been set yet.")
		} else {
			sec.Table = &view.Table{ID: "leader-budget-caption", RowHeads: true, Caption: page.T("金额（元）", "Amounts (yuan)"),
				Head: []string{page.T("项目", "Item"), page.T("金额（元）", "Yuan")},
				Rows: [][]view.Cell{
					{{Text: page.T("全年预算", "Budget for the year")}, {Text: b.Budget}},
					{{Text: page.T("已批准", "Approved so far")}, {Text: b.Committed}},
					{{Text: page.T("剩余", "Remaining")}, {Text: b.Left}},
				}}
		}
		h.Sections = append(h.Sections, sec)
	}

	// The employment levy of the year.
	lt, err := a.Employment.LevyTotals(ctx, employment.Caller{Actor: c.Actor, Scope: c.Scope, Registry: c}, year)
	if err != nil {
		return h, err
	}
	h.Sections = append(h.Sections, module.Section{Order: 27, Heading: page.T(strconv.Itoa(year)+" 年残疾人就业保障金", "Employment levy "+strconv.Itoa(year)),
		Table: &view.Table{ID: "leader-levy-caption", RowHeads: true, Caption: page.T("按比例安排残疾人就业（仅统计数字）", "Quota employment of disabled people (figures only)"),
			Head: []string{page.T("项目", "Item"), page.T("数值", "Figure")},
			Rows: [][]view.Cell{
				{{Text: page.T("辖区用人单位", "Employers in the area")}, {Text: strconv.Itoa(lt.Employers)}},
				{{Text: page.T("已填报职工人数和工资", "With staff and wage figures")}, {Text: strconv.Itoa(lt.WithFigures)}},
				{{Text: page.T("未达到安排比例（不含免缴单位）", "Below the quota (exempt employers not counted)")}, {Text: strconv.Itoa(lt.BelowQuota)}},
				{{Text: page.T("尚缺岗位（人）", "Places short (people)")}, {Text: strconv.Itoa(lt.Shortfall)}},
				{{Text: page.T("应缴保障金合计（元）", "Levy due in total (yuan)")}, {Text: lt.Due}},
			}}})
	return h, nil
}
