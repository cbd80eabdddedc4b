package admin

import (
	"fmt"
	"net/http"
	"strconv"

	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/view"
	"sunshine/internal/platform/web"
)

// home shows the auditor whether the audit log is intact, and the system
// and security administrators how many users there are.
func (a *Admin) home(r *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
	switch p.Role {
	case identity.Auditor:
		v, err := a.Audit.Verify(r.Context())
		if err != nil {
			return module.Home{}, err
		}
		sec := module.Section{Order: 30, Heading: page.T("审计日志完整性", "Audit log integrity"),
			Text: page.T("审计日志完整，条目数：", "The audit log is intact; entries:") + " " + strconv.FormatInt(v.Entries, 10),
			Link: view.Cell{Href: "/audit", Text: page.T("查看审计日志", "Open the audit log")}}
		if !v.OK {
			sec.Text = fmt.Sprintf("%s %d: %s", page.T("审计日志在以下序号处被篡改：", "The audit log was tampered with at entry"), v.FirstBroken, problemText(page, v.Problem))
			sec.Alert = true
		}
		return module.Home{Sections: []module.Section{sec}}, nil
	case identity.SysAdmin, identity.SecAdmin:
		users, err := a.Users.List(r.Context())
		if err != nil {
			return module.Home{}, err
		}
		return module.Home{Sections: []module.Section{{Order: 40, Text: page.T("系统共有用户：", "Users on the system:") + " " + strconv.Itoa(len(users)) + ".",
			Link: view.Cell{Href: "/users", Text: page.T("管理用户", "Manage users")}}}}, nil
	}
	return module.Home{}, nil
}
