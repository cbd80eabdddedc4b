package admin

import (
	"context"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
)

// auditRow is one entry of the audit page in words: who (their unit, role
// and name, with the username the filter takes), what they did, to what,
// where. The auditor reads no personal data: subjects are named by kind and
// number, never by a person's name.
type auditRow struct {
	Seq      int64
	At       time.Time
	Who      string
	Username string
	Action   string
	Subject  string
	Unit     string
	Client   string
	Reason   string
}

// auditActions are the audit actions in words, as a verb.
var auditActions = map[string][2]string{
	audit.ActionRead: {"查看了", "viewed"}, audit.ActionList: {"在列表中看到了", "saw in a list"},
	audit.ActionCreate: {"新建了", "created"}, audit.ActionUpdate: {"修改了", "changed"},
	audit.ActionReveal: {"查看了完整信息：", "revealed the full details of"}, audit.ActionExport: {"导出了", "exported"},
	audit.ActionImport: {"导入了", "imported"}, audit.ActionLogin: {"登录了", "signed in as"},
	audit.ActionLogout: {"退出了", "signed out as"}, audit.ActionFailed: {"登录失败：", "failed to sign in as"},
	audit.ActionLocked: {"登录被锁定：", "was locked out as"}, audit.ActionUserAdd: {"新建了", "created"},
	audit.ActionVerify: {"核验了", "verified"}, audit.ActionUserApprove: {"批准了", "approved"},
	audit.ActionUserRefuse: {"拒绝了", "refused"}, audit.ActionUserDisable: {"停用了", "disabled"},
	audit.ActionUserEnable: {"申请重新启用", "asked to enable"}, audit.ActionTwoFactorOn: {"启用了双因素认证：", "turned on two-factor sign-in for"},
	audit.ActionTwoFactorReset: {"重置了双因素认证：", "reset two-factor sign-in of"},
	"simulate":                 {"试算了修改（列出了受影响的人）：", "tried a change (listing the persons it affects) of"}, // benefits.ActionSimulate
}

// auditSubjects are the kinds of subject in words.
var auditSubjects = map[string][2]string{
	"person": {"残疾人档案", "person record"}, "user": {"用户", "user"}, "orgunit": {"组织单位", "org unit"},
	"case": {"个案", "case"}, "employer": {"用人单位", "employer"}, "job_profile": {"就业登记", "employment profile"},
	"vacancy": {"岗位", "vacancy"}, "town_service": {"街镇服务设置", "town service setting"}, "town_project": {"街镇项目", "town project"},
	"import": {"导入", "import"}, "export": {"导出", "export"}, "audit_log": {"审计日志", "audit log"}, subjectCheckpoint: {"检查点", "checkpoint"},
	"demo": {"演示数据", "demo data"}, "indicator_target": {"指标目标", "indicator target"}, "levy_params": {"保障金参数", "levy parameters"},
	"rehab_centre": {"康复机构", "rehabilitation centre"}, "renovation_budget": {"改造预算", "renovation budget"},
}

// auditRows puts a page of the audit log in words; the users and the org
// units of the page are named in one lookup each.
func (a *Admin) auditRows(ctx context.Context, entries []audit.Entry, lang string) ([]auditRow, error) {
	users := make([]string, 0, len(entries))
	units := make([]string, 0, len(entries))
	for _, e := range entries {
		users, units = append(users, e.Username), append(units, e.OrgUnit)
	}
	actors, err := identity.DescribeActors(ctx, a.DB, users, lang)
	if err != nil {
		return nil, err
	}
	unitNames, err := a.Units.Labels(ctx, units, lang)
	if err != nil {
		return nil, err
	}
	t := func(w [2]string) string { return apperr.T(w[0], w[1]).In(lang) }
	out := make([]auditRow, len(entries))
	for i, e := range entries {
		row := auditRow{Seq: e.Seq, At: e.At, Username: e.Username, Who: actors[e.Username].Words(e.Role, lang),
			Action: e.Action, Subject: e.SubjectType, Unit: e.OrgUnit, Client: e.Client, Reason: e.Reason}
		if w, ok := auditActions[e.Action]; ok {
			row.Action = t(w)
		}
		if w, ok := auditSubjects[e.SubjectType]; ok {
			row.Subject = t(w)
		}
		if e.SubjectID != "" {
			row.Subject += " " + e.SubjectID
		}
		if n, ok := unitNames[e.OrgUnit]; ok {
			row.Unit = n
		}
		out[i] = row
	}
	return out, nil
}
