package volunteers

import (
	"fmt"
	"net/http"
	"slices"

	"sunshine/internal/access"
	"sunshine/internal/casework"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// CaseExtras is the case page's part of the corps, for casework.Pages.Extras:
// staff see the volunteer tasks made for the case and, while it is open, a
// link to make one ("accompany to the rehabilitation centre on …").
func (s *Store) CaseExtras(r *http.Request, p *web.Principal, cs casework.Case, lang string) ([]web.Table, error) {
	if !slices.Contains(staffRoles.Roles, p.Role) {
		return nil, nil
	}
	t := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	c := access.Of(r, p)
	list, err := s.ListTasks(r.Context(), c, TaskFilter{CaseID: cs.ID, Limit: 50})
	if err != nil {
		return nil, err
	}
	tb := web.Table{ID: "volunteer-tasks", Caption: t("志愿者任务", "Volunteer tasks"),
		Head:  []string{t("任务", "Task"), t("时间", "When"), t("已报名 / 名额", "Signed up / slots")},
		Empty: t("还没有为这个个案安排志愿者。", "No volunteer has been arranged for this case yet.")}
	for _, k := range list {
		tb.Rows = append(tb.Rows, []web.Cell{{Text: k.Title, Href: fmt.Sprintf("/volunteer-tasks/%d", k.ID)},
			{Text: k.StartsAt.In(shanghai).Format("2006-01-02 15:04")}, {Text: fmt.Sprintf("%d / %d", k.Taken, k.Slots)}})
	}
	if cs.ClosedAt == nil {
		tb.Links = []web.Cell{{Text: t("为此个案安排志愿者", "Arrange a volunteer for this case"), Href: fmt.Sprintf("/volunteer-tasks/new?case=%d", cs.ID)}}
	} else if len(list) == 0 {
		return nil, nil
	}
	return []web.Table{tb}, nil
}
