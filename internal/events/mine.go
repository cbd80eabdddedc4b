package events

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/view"
	"sunshine/internal/platform/web"
)

// ---- the person's own events ----

type mineData struct {
	Mine, Open, Past []row
	Unlinked         bool
}

func (p *Pages) mine(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.mineShow(w, r, pr, http.StatusOK, nil)
}

func (p *Pages) mineShow(w http.ResponseWriter, r *http.Request, pr *web.Principal, status int, fe *web.FormError) error {
	c := access.Of(r, pr)
	page := p.NewPage(r, pr, "")
	page.Title = page.T("我的活动", "My events")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	flash(r, page)
	page.Error = fe
	d := mineData{Unlinked: c.PersonID == 0}
	if !d.Unlinked {
		list, err := p.List(r.Context(), c, Filter{Limit: 500})
		if err != nil {
			return err
		}
		rows, err := p.rows(r, list, page.Lang)
		if err != nil {
			return err
		}
		today := Today(p.db.Now())
		for i, e := range list {
			switch {
			case e.Mine != nil && e.Date >= today:
				d.Mine = append(d.Mine, rows[i])
			case e.Mine != nil:
				d.Past = append([]row{rows[i]}, d.Past...)
			case rows[i].CanJoin:
				d.Open = append(d.Open, rows[i])
			}
		}
	}
	page.Data = d
	return p.Render(w, r, status, "event_mine.html", page)
}

// myAct runs a person's own action from /my/events.
func (p *Pages) myAct(w http.ResponseWriter, r *http.Request, pr *web.Principal, done string, do func(c access.Caller, id int64) error) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	err = do(access.Of(r, pr), id)
	if err == nil {
		web.Redirect(w, r, "/my/events?done="+done)
		return nil
	}
	e, ok := apperr.As(err)
	code := apperr.CodeOf(err)
	if !ok || code != apperr.Invalid && code != apperr.Conflict {
		return err
	}
	return p.mineShow(w, r, pr, web.Status(code), fieldError(e, web.PageLang(r), toField(fmt.Sprintf("event-%d", id))))
}

func (p *Pages) myRegister(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.myAct(w, r, pr, "registered", func(c access.Caller, id int64) error {
		_, err := p.Register(r.Context(), c, id, 0)
		return err
	})
}

func (p *Pages) myWithdraw(w http.ResponseWriter, r *http.Request, pr *web.Principal) error {
	return p.myAct(w, r, pr, "withdrawn", func(c access.Caller, id int64) error {
		return p.Withdraw(r.Context(), c, id, 0)
	})
}

// ---- the home page ----

// home gives a person account its upcoming events and those open for
// registration; staff the events held today in their area.
func (s *Store) home(r *http.Request, pr *web.Principal, page *web.Page) (module.Home, error) {
	var h module.Home
	c := access.Of(r, pr)
	today := Today(s.db.Now())
	switch pr.Role {
	case identity.Person:
		if c.PersonID == 0 {
			return h, nil
		}
		list, err := s.List(r.Context(), c, Filter{From: today, Open: true, Limit: 200})
		if err != nil {
			return h, err
		}
		sec := module.Section{Order: 44, Heading: page.T("我的活动", "My events"),
			Link: view.Cell{Href: "/my/events", Text: page.T("查看全部活动并报名", "See all events and register")}}
		open := 0
		for _, e := range list {
			switch {
			case e.Mine != nil && len(sec.Items) < 5:
				sec.Items = append(sec.Items, view.Cell{Href: "/my/events#event-" + strconv.FormatInt(e.ID, 10), Text: e.Title,
					Tag: dayLabel(e.Date, page.Lang) + " · " + page.T("已报名", "registered")})
			case e.Mine == nil && !e.Full():
				open++
			}
		}
		if len(sec.Items) == 0 {
			sec.Text = page.T("您现在没有报名的活动。", "You are not registered for any event now.")
		}
		if open > 0 {
			sec.Text += page.T(fmt.Sprintf("有 %d 项活动可以报名。", open), fmt.Sprintf(" %d events are open for registration.", open))
			h.Cards = append(h.Cards, module.Card{Order: 44, Href: "/my/events#open", Count: strconv.Itoa(open),
				Text: page.T("项活动可以报名", map[bool]string{true: "event open for registration", false: "events open for registration"}[open == 1])})
		}
		h.Sections = []module.Section{sec}
	case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant:
		list, err := s.List(r.Context(), c, Filter{From: today, To: Today(s.db.Now().AddDate(0, 0, 1)), Open: true, Limit: 200})
		if err != nil {
			return h, err
		}
		if n := len(list); n > 0 {
			h.Cards = append(h.Cards, module.Card{Order: 64, Href: "/events/calendar", Count: strconv.Itoa(n),
				Text: page.T("项活动在今天举行", map[bool]string{true: "event takes place today", false: "events take place today"}[n == 1])})
		}
	}
	return h, nil
}

// ---- the person page's section ----

// PersonSection is the person page's and /me's table of the person's
// events: title, date, attended and result (a registry Section). The page
// has audited its read of the person already.
func (s *Store) PersonSection(ctx context.Context, c access.Caller, personID int64, lang string) ([]web.Table, error) {
	list, err := s.OfPerson(ctx, c, personID)
	if apperr.CodeOf(err) == apperr.NotFound || apperr.CodeOf(err) == apperr.Forbidden {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	t := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	tb := web.Table{ID: "events-caption", RowHeads: true, Caption: t("参加的活动赛事", "Events"),
		Head:  []string{t("活动", "Event"), t("日期", "Date"), t("到场", "Attended"), t("成绩", "Result")},
		Empty: t("没有报名或参加过活动。", "No events registered or attended.")}
	today := Today(s.db.Now())
	staff := isStaff(c)
	for _, pe := range list {
		title := view.Cell{Text: pe.Event.Title}
		if staff {
			title.Href = fmt.Sprintf("/events/%d", pe.Event.ID)
		} else if c.PersonID != 0 {
			title.Href = "/my/events#event-" + strconv.FormatInt(pe.Event.ID, 10)
		}
		if pe.Event.State == Cancelled {
			title.Tag = t("已取消", "cancelled")
		}
		att := t("否", "No")
		switch {
		case pe.Entry.Attended:
			att = t("是", "Yes")
		case pe.Event.Date >= today:
			att = t("已报名", "Registered")
		}
		tb.Rows = append(tb.Rows, []web.Cell{title, {Text: dayLabel(pe.Event.Date, lang)}, {Text: att}, {Text: or(placeWords(pe.Entry.Place, pe.Entry.Award, lang), "—")}})
	}
	return []web.Table{tb}, nil
}
