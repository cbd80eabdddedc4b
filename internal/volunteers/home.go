package volunteers

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/view"
	"sunshine/internal/platform/web"
)

// home gives each role its part of the home page: a volunteer their next
// task, the tasks they can join, their hours waiting for approval and what
// they can do; staff the hours waiting for their approval and today's
// tasks; a served person the tasks that served them, to rate.
func (s *Store) home(r *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
	c := access.Of(r, p)
	switch p.Role {
	case identity.Volunteer:
		return s.volunteerHome(r, c, page)
	case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant:
		return s.staffHome(r, c, page)
	case identity.Person:
		return s.personHome(r, c, page)
	}
	return module.Home{}, nil
}

func (s *Store) volunteerHome(r *http.Request, c access.Caller, page *web.Page) (module.Home, error) {
	var h module.Home
	can := module.Section{Order: 6, Heading: page.T("您可以做什么", "What you can do"),
		Text: page.T("作为志愿者，您可以报名本镇（街道）和区里的志愿服务任务，到场后签到、结束时签退，查看自己的服务时长并打印时长证明。您只会看到服务对象的名字和需要的帮助，看不到他们的身份证号和电话。",
			"As a volunteer you can sign up for the tasks of your town and of the district, check in when you arrive and check out when you finish, and see your hours and print a certificate of them. You see only the first name of the person you help and the help needed — never their ID number or phone."),
		Items: []view.Cell{
			{Href: "/my/tasks", Text: page.T("我的志愿服务任务", "My volunteering tasks")},
			{Href: "/my/hours", Text: page.T("我的服务时长", "My volunteering hours")},
			{Href: "/account/2fa", Text: page.T("两步验证（保护您的账户）", "Two-step verification (protect your account)")},
		}}
	if c.VolunteerID == 0 {
		can.Text = page.T("您的账户还没有关联到志愿者名册，暂时不能报名任务。请联系您所在街镇的残联。",
			"Your account is not linked to the volunteer roll yet, so you cannot sign up for tasks. Please contact the disabled persons' federation of your town.")
		can.Items = can.Items[2:]
		h.Sections = []module.Section{can}
		return h, nil
	}
	ctx, now := r.Context(), s.db.Now()
	list, err := s.ListTasks(ctx, c, TaskFilter{Open: true, Limit: 200})
	if err != nil {
		return h, err
	}
	next := module.Section{Order: 5, Heading: page.T("您的下一项任务", "Your next task")}
	join := 0
	for _, t := range list {
		switch {
		case t.Mine == nil:
			if t.Free() > 0 {
				join++
			}
		case next.Items == nil && t.Mine.HoursID == 0: // not yet checked out
			tag := WhenWords(t.StartsAt, t.EndsAt, now, page.Lang)
			if t.Place != "" {
				tag += " · " + t.Place
			}
			next.Items = []view.Cell{{Href: fmt.Sprintf("/my/tasks/%d", t.ID), Text: t.Title, Tag: tag}}
		}
	}
	if next.Items == nil {
		next.Text = page.T("您现在没有报名的任务。", "You are not signed up for any task now.")
		next.Link = view.Cell{Href: "/my/tasks#join", Text: page.T("看看可以报名的任务", "See the tasks you can join")}
	}
	if join > 0 {
		h.Cards = append(h.Cards, module.Card{Order: 10, Href: "/my/tasks#join", Count: strconv.Itoa(join),
			Text: page.T("项志愿服务任务可以报名", map[bool]string{true: "volunteer task you can join", false: "volunteer tasks you can join"}[join == 1])})
	}
	tot, err := s.myTotals(ctx, c, 0)
	if err != nil {
		return h, err
	}
	if tot.Pending > 0 {
		h.Cards = append(h.Cards, module.Card{Order: 11, Href: "/my/hours", Count: HoursWords(tot.Pending, page.Lang),
			Text: page.T("服务时长等待认定", "of volunteering waiting for approval")})
	}
	h.Sections = []module.Section{next, can}
	return h, nil
}

func (s *Store) staffHome(r *http.Request, c access.Caller, page *web.Page) (module.Home, error) {
	var h module.Home
	ctx := r.Context()
	pending, err := s.PendingFor(ctx, c, 500)
	if err != nil {
		return h, err
	}
	if n := len(pending); n > 0 {
		count := strconv.Itoa(n)
		if n == 500 {
			count = "500+"
		}
		h.Cards = append(h.Cards, module.Card{Order: 62, Href: "/volunteer-hours", Count: count,
			Text: page.T("条志愿服务时长等待您认定", map[bool]string{true: "volunteer's hours entry waits for your approval", false: "volunteers' hours entries wait for your approval"}[n == 1])})
	}
	now := s.db.Now().In(shanghai)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shanghai)
	today, err := s.ListTasks(ctx, c, TaskFilter{From: day, To: day.AddDate(0, 0, 1), Limit: 500})
	if err != nil {
		return h, err
	}
	n := 0
	for _, t := range today {
		if t.State == TaskOpen {
			n++
		}
	}
	if n > 0 {
		h.Cards = append(h.Cards, module.Card{Order: 63, Href: "/volunteer-tasks", Count: strconv.Itoa(n),
			Text: page.T("项志愿服务任务在今天进行", map[bool]string{true: "volunteer task takes place today", false: "volunteer tasks take place today"}[n == 1])})
	}
	return h, nil
}

func (s *Store) personHome(r *http.Request, c access.Caller, page *web.Page) (module.Home, error) {
	var h module.Home
	if c.PersonID == 0 {
		return h, nil
	}
	ctx, now := r.Context(), s.db.Now()
	list, err := s.ListTasks(ctx, c, TaskFilter{To: now.Add(time.Millisecond), Limit: 500})
	if err != nil {
		return h, err
	}
	sec := module.Section{Order: 46, Heading: page.T("志愿者为您提供的服务", "Volunteers who helped you"),
		Text: page.T("请告诉我们您对志愿者的帮助是否满意。", "Tell us whether you were satisfied with the volunteers' help.")}
	for i := len(list) - 1; i >= 0 && len(sec.Items) < 10; i-- {
		t := list[i]
		if t.State != TaskOpen {
			continue
		}
		given, err := s.FeedbackOf(ctx, c, t.ID)
		if err != nil {
			return h, err
		}
		text := page.T("评价“"+t.Title+"”", "Rate “"+t.Title+"”")
		tag := DayWords(t.StartsAt, now, page.Lang)
		if len(given) > 0 {
			text = page.T("“"+t.Title+"”：已评价", "“"+t.Title+"”: rated")
		}
		sec.Items = append(sec.Items, view.Cell{Href: fmt.Sprintf("/my/volunteer-feedback/%d", t.ID), Text: text, Tag: tag})
	}
	if len(sec.Items) > 0 {
		h.Sections = []module.Section{sec}
	}
	return h, nil
}
