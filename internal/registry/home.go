package registry

import (
	"fmt"
	"net/http"
	"strconv"

	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/view"
	"sunshine/internal/platform/web"
)

// home shows staff the registry's counts that call for action and their
// recent imports; a leader the register by category (figures only); a
// person the way to their record.
func (s *Store) home(t *Transfer) func(r *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
	return func(r *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
		ctx, c, year := r.Context(), CallerOf(r, p), s.Now().Year()
		var h module.Home
		switch p.Role {
		case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant:
			expiring, err := s.Count(ctx, c, Filter{ExpiringDays: 90, Status: "active"})
			if err != nil {
				return h, err
			}
			noAnnual, err := s.Count(ctx, c, Filter{NoAnnual: year, Status: "active"})
			if err != nil {
				return h, err
			}
			active, err := s.Count(ctx, c, Filter{Status: "active"})
			if err != nil {
				return h, err
			}
			h.Cards = []module.Card{
				{Order: 30, Href: "/persons?status=active&expiring=90", Count: strconv.Itoa(expiring), Text: page.T("人的残疾证将在 90 天内到期", "certificates expire within 90 days")},
				{Order: 40, Href: fmt.Sprintf("/persons?status=active&no_annual=%d", year), Count: strconv.Itoa(noAnnual),
					Text: page.T(fmt.Sprintf("人尚无 %d 年度状况记录", year), fmt.Sprintf("persons have no %d annual record yet", year))},
				{Order: 50, Href: "/persons?status=active", Count: strconv.Itoa(active), Text: page.T("人在册", "persons on the register")},
			}
			imports, err := t.Jobs.Recent(ctx, c, 5)
			if err != nil {
				return h, err
			}
			sec := module.Section{Order: 10, Heading: page.T("最近的导入", "Recent imports")}
			for _, im := range imports {
				name := im.FileName
				if name == "" {
					name = im.ID
				}
				state := page.T("失败", "failed")
				switch im.State {
				case "done":
					state = page.T("已完成", "done")
				case "running":
					state = page.T("进行中", "running")
				}
				sec.Items = append(sec.Items, view.Cell{Href: "/imports/" + im.ID, Text: name, Tag: web.Date(im.Created) + " · " + state})
			}
			if len(sec.Items) == 0 {
				sec.Text = page.T("您还没有导入过文件。", "You have not imported any files yet.")
				sec.Link = view.Cell{Href: "/imports", Text: page.T("导入文件", "Import a file")}
			}
			h.Sections = []module.Section{sec}
		case identity.Leader:
			counts, err := s.CountByCategory(ctx, c)
			if err != nil {
				return h, err
			}
			tb := &view.Table{ID: "by-category-caption", Caption: page.T("仅显示统计数字，不含个人信息", "Figures only, no personal data"), RowHeads: true,
				Head: []string{page.T("类别", "Category"), page.T("重度（一、二级）", "Severe (grades 1–2)"), page.T("合计", "Total")}}
			for _, cc := range counts {
				tb.Rows = append(tb.Rows, []view.Cell{{Text: CategoryName(cc.Category, page.Lang)}, {Text: strconv.Itoa(cc.Severe)}, {Text: strconv.Itoa(cc.Total)}})
			}
			h.Sections = []module.Section{{Order: 20, Heading: page.T("在册残疾人（按类别）", "People on the register, by category"), Table: tb,
				Link: view.Cell{Href: "/indicators", Text: page.T("查看指标看板", "Open the indicator dashboard"), Tag: "button"}}}
		case identity.Person:
			h.Sections = []module.Section{{Order: 50, Text: page.T("您可以查看自己的档案、申请，以及谁查看过您的信息。", "You can see your record, your requests and who has looked at your data."),
				Link: view.Cell{Href: "/me", Text: page.T("我的档案", "My record"), Tag: "button"}}}
		}
		return h, nil
	}
}
