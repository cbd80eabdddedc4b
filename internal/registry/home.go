package registry

import (
	"context"
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
			expiring, err := s.Count(ctx, c, Filter{ExpiringDays: CertificateWarnDays, Status: "active"})
			if err != nil {
				return h, err
			}
			expired, err := s.Count(ctx, c, Filter{Expired: true, Status: "active"})
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
				{Order: 29, Href: "/persons?status=active&expired=1", Count: strconv.Itoa(expired), Text: page.T("名在册人员的残疾证已过期", "active persons hold an expired certificate")},
				{Order: 30, Href: fmt.Sprintf("/persons?status=active&expiring=%d", CertificateWarnDays), Count: strconv.Itoa(expiring),
					Text: page.T(fmt.Sprintf("名在册人员的残疾证将在 %d 天内到期", CertificateWarnDays), fmt.Sprintf("active persons' certificates expire within %d days", CertificateWarnDays))},
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
			if p.Role != identity.VillageAssistant { // a village's own counts are the cards above
				certs, err := s.certSection(ctx, c, page)
				if err != nil {
					return h, err
				}
				if certs != nil {
					h.Sections = append(h.Sections, *certs)
				}
			}
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

// certSection is the home page's table of expired and soon-expiring
// certificates per town (district staff) or village (town staff), each
// count a link to the persons it counts; nil when there are none.
func (s *Store) certSection(ctx context.Context, c Caller, page *web.Page) (*module.Section, error) {
	counts, err := s.CertificateCounts(ctx, c, page.Lang)
	if err != nil || len(counts) == 0 {
		return nil, err
	}
	place := page.T("村居", "Village")
	if len(c.Scope.Prefix) < 9 {
		place = page.T("街镇", "Town")
	}
	tb := &view.Table{ID: "cert-counts-caption", RowHeads: true,
		Caption: page.T(fmt.Sprintf("在册人员的残疾证：已过期和 %d 天内到期的人数", CertificateWarnDays), fmt.Sprintf("Active persons' certificates: expired, and expiring within %d days", CertificateWarnDays)),
		Head:    []string{place, page.T("已过期", "Expired"), page.T(fmt.Sprintf("%d 天内到期", CertificateWarnDays), fmt.Sprintf("Within %d days", CertificateWarnDays))}}
	var expired, expiring int
	link := func(n int, unit, which string) view.Cell {
		if n == 0 {
			return view.Cell{Text: "0"}
		}
		return view.Cell{Text: strconv.Itoa(n), Href: "/persons?status=active&orgunit=" + unit + "&" + which}
	}
	for _, cc := range counts {
		expired += cc.Expired
		expiring += cc.Expiring
		tb.Rows = append(tb.Rows, []view.Cell{{Text: cc.Name}, link(cc.Expired, cc.OrgUnit, "expired=1"),
			link(cc.Expiring, cc.OrgUnit, fmt.Sprintf("expiring=%d", CertificateWarnDays))})
	}
	tb.Rows = append(tb.Rows, []view.Cell{{Text: page.T("合计", "Total")}, {Text: strconv.Itoa(expired)}, {Text: strconv.Itoa(expiring)}})
	return &module.Section{Order: 15, Heading: page.T("残疾证到期情况", "Certificates to renew"), Table: tb}, nil
}
