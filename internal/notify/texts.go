package notify

import "sunshine/internal/platform/apperr"

// The kinds of notification, one per rule (and threshold).
const (
	KindCert90       = "cert_90"
	KindCert30       = "cert_30"
	KindLoanDue      = "loan_due"
	KindLoanOverdue  = "loan_overdue"
	KindFollowUp     = "followup_due"
	KindCaseOverdue  = "case_overdue"
	KindTaskTomorrow = "task_tomorrow"
	KindCampaignOpen = "campaign_open"
)

// Kinds lists every kind, in the order of the rules.
var Kinds = []string{KindCert90, KindCert30, KindLoanDue, KindLoanOverdue, KindFollowUp, KindCaseOverdue, KindTaskTomorrow, KindCampaignOpen}

// Render is the text of a notification in lang from its kind and params
// (date: a day; n: a number; title: a task's or campaign's title).
func Render(kind string, p map[string]string, lang string) string {
	d, n, title := p["date"], p["n"], p["title"]
	var t apperr.Text
	switch kind {
	case KindCert90:
		t = apperr.T("残疾证将于 "+d+" 到期（90天内），请及时办理换证。", "The disability certificate expires on "+d+" (within 90 days): please renew it.")
	case KindCert30:
		t = apperr.T("残疾证将于 "+d+" 到期（30天内），请尽快办理换证。", "The disability certificate expires on "+d+" (within 30 days): please renew it soon.")
	case KindLoanDue:
		t = apperr.T("借用的辅具应于 "+d+" 归还（14天内）。", "A lent assistive device is due back on "+d+" (within 14 days).")
	case KindLoanOverdue:
		t = apperr.T("借用的辅具已于 "+d+" 到期未还。", "A lent assistive device was due back on "+d+" and is overdue.")
	case KindFollowUp:
		t = apperr.T("就业安置回访应于 "+d+" 前完成。", "A placement follow-up is due by "+d+".")
	case KindCaseOverdue:
		t = apperr.T("个案在当前环节已超期（应于 "+d+" 前办理）。", "A case is overdue in its state (it was due by "+d+").")
	case KindTaskTomorrow:
		t = apperr.T("明天（"+d+"）有志愿服务任务："+title+"。", "A volunteer task tomorrow ("+d+"): "+title+".")
	case KindCampaignOpen:
		t = apperr.T("“"+title+"”还有 "+n+" 人未完成，年底前请联系落实。", "“"+title+"”: "+n+" persons not reached yet; please reach them before the year ends.")
	default:
		t = apperr.T("新的提醒。", "A new reminder.")
	}
	return t.In(lang)
}

// KindName is the short name of a kind (filters, the outbox).
func KindName(kind, lang string) string {
	names := map[string]apperr.Text{
		KindCert90:       apperr.T("残疾证90天内到期", "Certificate expires within 90 days"),
		KindCert30:       apperr.T("残疾证30天内到期", "Certificate expires within 30 days"),
		KindLoanDue:      apperr.T("辅具即将到期", "Device loan due soon"),
		KindLoanOverdue:  apperr.T("辅具逾期未还", "Device loan overdue"),
		KindFollowUp:     apperr.T("就业回访到期", "Placement follow-up due"),
		KindCaseOverdue:  apperr.T("个案超期", "Case overdue"),
		KindTaskTomorrow: apperr.T("明日志愿任务", "Volunteer task tomorrow"),
		KindCampaignOpen: apperr.T("活动未完成", "Campaign not reached"),
	}
	if t, ok := names[kind]; ok {
		return t.In(lang)
	}
	return kind
}
