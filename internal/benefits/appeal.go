package benefits

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sunshine/internal/access"
	"sunshine/internal/platform/web"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/money"
)

// AppealCode is the service type of an appeal against a benefit decision.
const AppealCode = "benefit_appeal"

// The bounds of an override set on appeal: an expiry month at most
// OverrideMonths after the month of the decision.
const OverrideMonths = 24

// AppealType is the benefit_appeal service type (issue 15): the person or
// village/town staff for a person in scope contest a month's decision on a
// benefit, giving the reason; town staff forward it with their opinion or
// return it; district staff uphold it (setting the person's amount until an
// expiry month: an override, written and audited in the action's
// transaction) or reject it, giving the reason either way.
func (s *Store) AppealType() *casework.Type {
	openers := []string{identity.Person, identity.VillageAssistant, identity.TownStaff}
	town := []string{identity.TownStaff}
	district := []string{identity.DistrictStaff}
	day := 24 * time.Hour
	reason := func(zh, en string) []casework.Field {
		return []casework.Field{{Name: "reason", Kind: casework.KindText, Required: true, Zh: zh, En: en}}
	}
	labels := map[string][2]string{
		"opinion": {"镇街审核意见", "The town's opinion"}, "reason": {"理由", "Reason"},
		"amount": {"核定金额（每月）", "Amount set (a month)"}, "from_month": {"核定起始月份", "Set from"},
		"until": {"核定截止月份", "Set until"},
	}
	for _, b := range Benefits {
		labels[b] = [2]string{BenefitName(b, "zh"), BenefitName(b, "en")}
	}
	return &casework.Type{
		Code: AppealCode, Zh: "补贴决定申诉", En: "Appeal against a subsidy decision", OwnEntry: true,
		Initial: "submitted", CreateRoles: openers,
		// The decision contested may be that the certificate has expired.
		ExpiredCertificate: casework.CertAllow,
		CreateFields: []casework.Field{
			{Name: "benefit", Kind: casework.KindEnum, Required: true, Choices: Benefits, Zh: "申诉的补贴", En: "Subsidy appealed"},
			{Name: "month", Kind: casework.KindText, Short: true, Required: true, Zh: "申诉的月份（如 2026-11）", En: "Month appealed (e.g. 2026-11)"},
			{Name: "need", Kind: casework.KindText, Required: true, Zh: "申诉理由", En: "Reason for the appeal"},
		},
		States: []casework.State{
			{Code: "submitted", Zh: "待镇街审核", En: "awaiting the town's review", Due: 14 * day},
			{Code: "forwarded", Zh: "待区残联决定", En: "awaiting the district's decision", Due: 30 * day},
			{Code: "returned", Zh: "已退回", En: "returned", Terminal: true},
			{Code: "upheld", Zh: "申诉成立", En: "upheld", Terminal: true},
			{Code: "rejected", Zh: "申诉不成立", En: "rejected", Terminal: true},
			{Code: "withdrawn", Zh: "已撤回", En: "withdrawn", Terminal: true},
		},
		Transitions: []casework.Transition{
			{Action: "forward", From: []string{"submitted"}, To: "forwarded", Roles: town, Zh: "提交区残联（附审核意见）", En: "forward to the district with an opinion",
				Fields: []casework.Field{{Name: "opinion", Kind: casework.KindText, Required: true, Zh: "审核意见", En: "Opinion"}}},
			{Action: "return", From: []string{"submitted"}, To: "returned", Roles: town, Zh: "退回", En: "return",
				Fields: reason("退回原因", "Reason for returning")},
			{Action: "uphold", From: []string{"forwarded"}, To: "upheld", Roles: district, Zh: "申诉成立（核定金额）", En: "uphold (set the amount)",
				Fields: []casework.Field{
					{Name: "amount", Kind: casework.KindMoney, Required: true, Max: MaxOverrideCents, Zh: "核定金额（每月）", En: "Amount a month"},
					{Name: "until", Kind: casework.KindText, Short: true, Required: true, Zh: "核定截止月份（如 2027-06）", En: "Until the month (e.g. 2027-06)"},
					{Name: "reason", Kind: casework.KindText, Required: true, Zh: "决定理由", En: "Reason for the decision"},
				}},
			{Action: "reject", From: []string{"forwarded"}, To: "rejected", Roles: district, Zh: "申诉不成立", En: "reject",
				Fields: reason("决定理由", "Reason for the decision")},
			{Action: "withdraw", From: []string{"submitted", "forwarded"}, To: "withdrawn", Roles: openers, Zh: "撤回申诉", En: "withdraw the appeal"},
		},
		Effect: s.appealEffect,
		Labels: labels,
		Hidden: []string{"override_id"},
	}
}

func (s *Store) appealEffect(ctx context.Context, tx *db.Tx, c *casework.Case, action string, data map[string]any) error {
	switch action {
	case "create":
		month, _ := data["month"].(string)
		month = strings.TrimSpace(month)
		if err := CheckMonth("month", month, tx.Now.In(shanghai).Format("2006-01")); err != nil {
			return err
		}
		c.Data["month"] = month
		benefit, _ := data["benefit"].(string)
		var other int64
		err := tx.QueryRow(ctx, `SELECT COALESCE(MIN(id), 0) FROM cases WHERE person_id = ? AND service_type = ? AND closed_at = 0 AND id <> ? AND data LIKE ?`,
			c.PersonID, AppealCode, c.ID, `%"benefit":"`+benefit+`"%`).Scan(&other)
		if err != nil {
			return fmt.Errorf("open appeal: %w", err)
		}
		if other != 0 {
			return apperr.New(apperr.Conflict, fmt.Sprintf("此人对“%s”已有一个进行中的申诉：个案 %d。", BenefitName(benefit, "zh"), other),
				fmt.Sprintf("This person already has an appeal under way on the %s: case %d.", BenefitName(benefit, "en"), other))
		}
	case "forward":
		c.Data["opinion"] = strings.TrimSpace(fmt.Sprint(data["opinion"]))
	case "return", "reject":
		c.Data["reason"] = strings.TrimSpace(fmt.Sprint(data["reason"]))
	case "uphold":
		return s.uphold(ctx, tx, c, data)
	}
	return nil
}

// uphold writes the override the decision sets, audited, in the action's
// transaction: the amount (above 0, at most MaxOverrideCents), from the
// month of the decision to the expiry month (not before it, at most
// OverrideMonths after).
func (s *Store) uphold(ctx context.Context, tx *db.Tx, c *casework.Case, data map[string]any) error {
	var fields []apperr.FieldError
	n, _ := data["amount"].(json.Number)
	cents, err := n.Int64()
	if err != nil || cents <= 0 || cents > MaxOverrideCents {
		fields = append(fields, apperr.Field("amount", "range", fmt.Sprintf("核定金额应大于 0，不超过每月 %s 元。", money.Grouped(MaxOverrideCents)),
			fmt.Sprintf("The amount must be more than 0 and at most %s yuan a month.", money.Grouped(MaxOverrideCents))))
	}
	from := tx.Now.In(shanghai).Format("2006-01")
	start, _ := MonthStart(from)
	last := start.AddDate(0, OverrideMonths, 0).Format("2006-01")
	until, _ := data["until"].(string)
	until = strings.TrimSpace(until)
	if _, err := MonthStart(until); err != nil {
		fields = append(fields, apperr.Field("until", "invalid", "截止月份应写作 YYYY-MM，例如 2027-06。", "The month must be written YYYY-MM, e.g. 2027-06."))
	} else if until < from || until > last {
		fields = append(fields, apperr.Field("until", "range", fmt.Sprintf("截止月份应在 %s 至 %s 之间。", from, last),
			fmt.Sprintf("The month it is set until must be from %s to %s.", from, last)))
	}
	benefit, _ := c.Data["benefit"].(string)
	if benefit != Living && benefit != Care {
		return fmt.Errorf("appeal case %d: unknown benefit %q", c.ID, benefit)
	}
	if len(fields) > 0 {
		return apperr.Validation(fields...)
	}
	actor := casework.ActorOf(ctx)
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO benefit_overrides (person_id, benefit, amount_cents, from_month, until_month, case_id, decided_by, decided_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.PersonID, benefit, cents, from, until, c.ID, actor.Username, db.Millis(tx.Now)).Scan(&id); err != nil {
		return fmt.Errorf("set the override of appeal %d: %w", c.ID, err)
	}
	c.Data["override_id"], c.Data["amount"], c.Data["from_month"], c.Data["until"] = id, cents, from, until
	c.Data["reason"] = strings.TrimSpace(fmt.Sprint(data["reason"]))
	e := actor.Entry(audit.ActionCreate, SubjectOverride, strconv.FormatInt(id, 10), c.OrgUnit)
	e.Detail = fmt.Sprintf(`{"person":%d,"benefit":%q,"amount_cents":%d,"from":%q,"until":%q,"case":%d}`, c.PersonID, benefit, cents, from, until, c.ID)
	e.Reason = fmt.Sprint(c.Data["reason"])
	return audit.Append(ctx, tx, e)
}

// appealLinks are the links below a person's decisions to appeal each
// benefit's decision of month, for those who may open an appeal (the
// person themself, village and town staff in scope): the new case form
// with the benefit and the month filled in.
func appealLinks(c access.Caller, personID int64, month, lang string) []web.Cell {
	if !slices.Contains([]string{identity.Person, identity.VillageAssistant, identity.TownStaff}, c.Actor.Role) {
		return nil
	}
	var out []web.Cell
	for _, b := range Benefits {
		q := url.Values{"person_id": {strconv.FormatInt(personID, 10)}, "service_type": {AppealCode},
			AppealCode + ".benefit": {b}, AppealCode + ".month": {month}}
		out = append(out, web.Cell{Href: "/cases/new?" + q.Encode(),
			Text: apperr.T("对“"+BenefitName(b, "zh")+"”的决定提出申诉", "Appeal the decision on the "+strings.ToLower(BenefitName(b, "en")[:1])+BenefitName(b, "en")[1:]).In(lang)})
	}
	return out
}
