package documents

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/printdoc"
)

// The kinds of document.
const (
	Handover    = "handover"   // 辅具发放签收单
	Loan        = "loan"       // 辅具借用卡
	Acceptance  = "acceptance" // 无障碍改造验收单
	Hours       = "hours"      // 志愿服务时长证明
	SubsidyDoc_ = "subsidy"    // 补贴核定通知书
	LevyDoc     = "levy"       // 残疾人就业保障金核定通知
)

// The service types whose cases the documents print.
const (
	deviceType     = "assistive_device"
	renovationType = "home_renovation"
)

// Kinds of the case documents, with their service type.
var caseKinds = map[string]string{Handover: deviceType, Loan: deviceType, Acceptance: renovationType}

// tr picks the text of lang.
func tr(lang, zh, en string) string { return apperr.T(zh, en).In(lang) }

// base starts a document of lang.
func base(lang string, is Issuer, title, number, date string) printdoc.Doc {
	d := printdoc.Doc{Lang: lang, Issuer: tr(lang, is.Zh, is.En), Title: title, Number: number, Date: date, Words: printdoc.Chinese}
	if lang == "en" {
		d.Words = printdoc.English
	}
	return d
}

// yuan prints an amount of cents in figures ("1,234.50 元").
func yuan(lang string, cents int64) string {
	return tr(lang, money.Grouped(cents)+" 元", "¥"+money.Grouped(cents))
}

// yuanCapital prints an amount in figures and in capital numerals.
func yuanCapital(lang string, cents int64) string {
	return yuan(lang, cents) + "（" + tr(lang, "大写：", "in capitals: ") + printdoc.Capital(cents) + "）"
}

func personFields(lang string, p Person) []printdoc.Field {
	f := []printdoc.Field{{Label: tr(lang, "姓名", "Name"), Value: p.Name}, {Label: tr(lang, "身份证号", "ID number"), Value: p.IDMasked}}
	if p.Guardian != "" {
		f = append(f, printdoc.Field{Label: tr(lang, "监护人", "Guardian"), Value: p.Guardian})
	}
	return f
}

func strs(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return ""
}

func cents(v any) int64 {
	if n, ok := v.(json.Number); ok {
		c, _ := n.Int64()
		return c
	}
	return 0
}

// CaseDoc builds a case's document of a kind: 404 for a kind the case's
// service type does not have, 409 when the case is not there yet.
func (s *Store) CaseDoc(ctx context.Context, c access.Caller, id int64, kind, lang string) (printdoc.Doc, error) {
	cs, err := s.Case(ctx, c, id)
	if err != nil {
		return printdoc.Doc{}, err
	}
	if t, ok := caseKinds[kind]; !ok || t != cs.ServiceType {
		return printdoc.Doc{}, errNotFound
	}
	if err := s.readPerson(ctx, c, cs.Person, kind); err != nil {
		return printdoc.Doc{}, err
	}
	is, err := s.issuer(ctx, cs.Person.OrgUnit)
	if err != nil {
		return printdoc.Doc{}, err
	}
	switch kind {
	case Handover:
		return s.handover(ctx, cs, is, lang)
	case Loan:
		return s.loanCard(ctx, cs, is, lang)
	}
	return s.acceptance(ctx, cs, is, lang)
}

func (s *Store) handover(ctx context.Context, cs CaseData, is Issuer, lang string) (printdoc.Doc, error) {
	codes := strs(cs.Data["dispensed_items"])
	if len(codes) == 0 {
		return printdoc.Doc{}, notReady("这个个案的辅具还没有发放，发放后才能打印签收单。", "The devices of this case have not been handed over yet: the receipt can be printed once they are.")
	}
	items, err := s.Items(ctx, cs.ID, codes)
	if err != nil {
		return printdoc.Doc{}, err
	}
	var pointName string
	if n, ok := cs.Data["service_point"].(json.Number); ok {
		pid, _ := n.Int64()
		zh, en, err := s.ServicePoint(ctx, pid)
		if err != nil {
			return printdoc.Doc{}, err
		}
		pointName = tr(lang, zh, en)
	}
	date := str(cs.Data["dispensed_on"])
	d := base(lang, is, tr(lang, "辅助器具发放签收单", "Assistive device handover receipt"), fmt.Sprintf("FJ-%s-%06d", strings.ReplaceAll(date, "-", "")[:min(4, len(date))], cs.ID), date)
	d.Fields = append(personFields(lang, cs.Person),
		printdoc.Field{Label: tr(lang, "个案编号", "Case"), Value: fmt.Sprint(cs.ID)},
		printdoc.Field{Label: tr(lang, "发放服务点", "Service point"), Value: pointName},
		printdoc.Field{Label: tr(lang, "发放日期", "Handed over on"), Value: date})
	// The devices are granted free of charge or lent: the subsidy is their full
	// price, which the catalogue does not keep; a model or serial number, when a
	// case records one, is printed.
	if v := str(cs.Data["serial"]); v != "" {
		d.Fields = append(d.Fields, printdoc.Field{Label: tr(lang, "型号/编号", "Model / serial"), Value: v})
	}
	d.Fields = append(d.Fields, printdoc.Field{Label: tr(lang, "个人支付金额", "Paid by the person"), Value: yuan(lang, 0)})
	t := &printdoc.Table{Caption: tr(lang, "发放的辅具", "Devices handed over"),
		Head: []string{tr(lang, "辅具", "Device"), tr(lang, "目录代码", "Code"), tr(lang, "方式", "How"), tr(lang, "归还日期", "Return by")}}
	for _, it := range items {
		how, due := tr(lang, "发放（无需归还）", "grant (kept)"), "—"
		if it.Mode == "loan" {
			how, due = tr(lang, "借用", "loan"), it.DueDate
		}
		t.Rows = append(t.Rows, []string{tr(lang, it.Name, it.NameEn), it.Code, how, due})
	}
	d.Table = t
	d.Paragraphs = []string{tr(lang, "以上辅助器具已当面点清、试用，领取人确认型号、数量无误，并已知晓使用和保管方法。借用的辅具请按期归还，损坏或遗失请及时告知发放服务点。",
		"The devices above were counted and tried in the presence of the recipient, who confirms the models and quantities and has been shown how to use and keep them. Return loaned devices by the date given; tell the service point of any damage or loss.")}
	d.Signatures = []printdoc.Signature{{Who: tr(lang, "领取人（或监护人）签字", "Recipient (or guardian)")}, {Who: tr(lang, "经办人签字", "Staff member")}}
	d.Seal = true
	return d, nil
}

func (s *Store) loanCard(ctx context.Context, cs CaseData, is Issuer, lang string) (printdoc.Doc, error) {
	items, err := s.Items(ctx, cs.ID, strs(cs.Data["dispensed_items"]))
	if err != nil {
		return printdoc.Doc{}, err
	}
	var lent []Item
	for _, it := range items {
		if it.Mode == "loan" && it.LentOn != "" {
			lent = append(lent, it)
		}
	}
	if len(lent) == 0 {
		return printdoc.Doc{}, notReady("这个个案没有借出的辅具，没有借用卡可打印。", "Nothing of this case has been lent: there is no loan card to print.")
	}
	d := base(lang, is, tr(lang, "辅助器具借用卡", "Assistive device loan card"), fmt.Sprintf("JY-%06d", cs.ID), lent[0].LentOn)
	d.Fields = append(personFields(lang, cs.Person), printdoc.Field{Label: tr(lang, "个案编号", "Case"), Value: fmt.Sprint(cs.ID)})
	if _, ok := cs.Data["deposit"]; ok { // a deposit, when the case records one (the loans here take none)
		d.Fields = append(d.Fields, printdoc.Field{Label: tr(lang, "押金", "Deposit"), Value: yuan(lang, cents(cs.Data["deposit"]))})
	}
	t := &printdoc.Table{Caption: tr(lang, "借用的辅具", "Devices on loan"),
		Head: []string{tr(lang, "辅具", "Device"), tr(lang, "借出日期", "Lent on"), tr(lang, "应还日期", "Due back"), tr(lang, "状态", "State")}}
	for _, it := range lent {
		st := tr(lang, "借用中", "on loan")
		if it.Returned {
			st = tr(lang, "已归还", "returned")
		}
		t.Rows = append(t.Rows, []string{tr(lang, it.Name, it.NameEn), it.LentOn, it.DueDate, st})
	}
	d.Table = t
	d.Paragraphs = []string{tr(lang, "借用人应妥善使用和保管辅具，按应还日期归还或到服务点办理续借；辅具不得转借、出售。",
		"The borrower uses and keeps the devices with care and returns them by the date due, or renews the loan at the service point; the devices may not be lent on or sold.")}
	d.Signatures = []printdoc.Signature{{Who: tr(lang, "借用人（或监护人）签字", "Borrower (or guardian)")}, {Who: tr(lang, "经办人签字", "Staff member")}}
	d.Seal = true
	return d, nil
}

// The renovation's work items (as internal/renovation names them).
var workItems = map[string][2]string{
	"ramp": {"坡道", "Ramp"}, "grab_bars": {"扶手", "Grab bars"}, "door_widening": {"拓宽门洞", "Door widening"},
	"bathroom": {"卫生间改造", "Bathroom"}, "kitchen": {"厨房改造", "Kitchen"}, "alarm": {"紧急呼叫或闪光门铃", "Alarm or flashing doorbell"},
	"lighting": {"照明改造", "Lighting"}, "other": {"其他", "Other"},
}

func (s *Store) acceptance(ctx context.Context, cs CaseData, is Issuer, lang string) (printdoc.Doc, error) {
	switch cs.State {
	case "accepted", "paid", "closed":
	default:
		return printdoc.Doc{}, notReady("这个改造还没有验收，验收后才能打印验收单。", "This renovation has not been accepted yet: the acceptance form can be printed once it is.")
	}
	date, err := s.ActionDay(ctx, cs.ID, "accept")
	if err != nil {
		return printdoc.Doc{}, err
	}
	cost := cents(cs.Data["cost"])
	d := base(lang, is, tr(lang, "家庭无障碍改造验收单", "Home accessibility renovation acceptance form"), fmt.Sprintf("GZ-%06d", cs.ID), date)
	d.Fields = append(personFields(lang, cs.Person),
		printdoc.Field{Label: tr(lang, "改造地址", "Address"), Value: cs.Person.Address},
		printdoc.Field{Label: tr(lang, "个案编号", "Case"), Value: fmt.Sprint(cs.ID)},
		printdoc.Field{Label: tr(lang, "施工单位", "Contractor"), Value: str(cs.Data["contractor"])},
		printdoc.Field{Label: tr(lang, "改造费用", "Cost"), Value: yuanCapital(lang, cost)},
		printdoc.Field{Label: tr(lang, "验收日期", "Accepted on"), Value: date})
	t := &printdoc.Table{Caption: tr(lang, "完成的改造项目", "Works done"), Head: []string{tr(lang, "序号", "No."), tr(lang, "项目", "Work"), tr(lang, "验收结果", "Result")}}
	for i, it := range strs(cs.Data["items"]) {
		name := it
		if w, ok := workItems[it]; ok {
			name = tr(lang, w[0], w[1])
		}
		t.Rows = append(t.Rows, []string{fmt.Sprint(i + 1), name, tr(lang, "合格", "accepted")})
	}
	d.Table = t
	d.Paragraphs = []string{tr(lang, "经申请人（或监护人）、村（居）委会和街镇残联现场查验，以上改造项目已按批准的方案完成，质量合格，同意验收。",
		"The applicant (or guardian), the village committee and the town federation inspected the works on site: the items above are done as approved and of good quality, and are accepted.")}
	d.Signatures = []printdoc.Signature{{Who: tr(lang, "申请人（或监护人）签字", "Applicant (or guardian)")},
		{Who: tr(lang, "施工单位签字", "Contractor")}, {Who: tr(lang, "经办人签字", "Staff member")}}
	d.Seal = true
	return d, nil
}

// HoursDoc builds a volunteer's hours certificate (409 without approved hours).
func (s *Store) HoursDoc(ctx context.Context, c access.Caller, id int64, lang, today string) (printdoc.Doc, error) {
	v, err := s.VolunteerHours(ctx, c, id)
	if err != nil {
		return printdoc.Doc{}, err
	}
	if v.Minutes == 0 {
		return printdoc.Doc{}, notReady("这位志愿者还没有审核通过的服务时长，无法出具证明。", "This volunteer has no approved hours yet: there is nothing to certify.")
	}
	is, err := s.issuer(ctx, v.OrgUnit)
	if err != nil {
		return printdoc.Doc{}, err
	}
	hours := fmt.Sprintf("%d.%d", v.Minutes/60, v.Minutes%60*10/60)
	d := base(lang, is, tr(lang, "志愿服务时长证明", "Certificate of volunteer service"), fmt.Sprintf("ZY-%06d", v.ID), today)
	d.Fields = []printdoc.Field{{Label: tr(lang, "志愿者姓名", "Volunteer"), Value: v.Name}, {Label: tr(lang, "所属服务队", "Team"), Value: tr(lang, v.Team, v.TeamEn)},
		{Label: tr(lang, "服务时长", "Hours of service"), Value: tr(lang, hours+" 小时", hours+" hours")},
		{Label: tr(lang, "服务次数", "Tasks"), Value: tr(lang, fmt.Sprintf("%d 次", v.Tasks), fmt.Sprint(v.Tasks))},
		{Label: tr(lang, "服务期间", "Period"), Value: v.FirstDay + " — " + v.LastDay}}
	d.Paragraphs = []string{tr(lang, fmt.Sprintf("兹证明 %s 同志于 %s 至 %s 期间参加阳光四叶草助残志愿服务，经审核累计服务时长 %s 小时，共 %d 次。", v.Name, v.FirstDay, v.LastDay, hours, v.Tasks),
		fmt.Sprintf("This certifies that %s served as a Sunshine Clover volunteer from %s to %s: %s approved hours over %d tasks.", v.Name, v.FirstDay, v.LastDay, hours, v.Tasks)),
		tr(lang, "特此证明。", "Issued on request.")}
	d.Signatures = []printdoc.Signature{{Who: tr(lang, "经办人签字", "Staff member")}}
	d.Seal = true
	return d, nil
}

// SubsidyDoc builds a person's subsidy decision letter (409 when no
// approved roster pays them).
func (s *Store) SubsidyDoc(ctx context.Context, c access.Caller, id int64, benefit, lang string, name func(benefit, lang string) string) (printdoc.Doc, error) {
	sb, err := s.PersonSubsidy(ctx, c, id, benefit)
	if err != nil {
		return printdoc.Doc{}, err
	}
	is, err := s.issuer(ctx, sb.Person.OrgUnit)
	if err != nil {
		return printdoc.Doc{}, err
	}
	bname := sb.Benefit
	if name != nil {
		bname = name(sb.Benefit, lang)
	}
	rule := tr(lang, sb.RuleZh, sb.RuleEn)
	if rule == "" {
		rule = sb.Rule
	}
	d := base(lang, is, tr(lang, "残疾人补贴核定通知书", "Subsidy decision letter"), fmt.Sprintf("BT-%d-%06d", sb.RosterID, sb.Person.ID), sb.ApprovedOn)
	d.Fields = append(personFields(lang, sb.Person),
		printdoc.Field{Label: tr(lang, "补贴类型", "Subsidy"), Value: bname},
		printdoc.Field{Label: tr(lang, "月补贴标准", "Monthly amount"), Value: yuanCapital(lang, sb.AmountCents)},
		printdoc.Field{Label: tr(lang, "发放期间", "Period"), Value: tr(lang, sb.FirstMonth+" 起（已发放至 "+sb.LastMonth+"，共 "+fmt.Sprint(sb.Months)+" 个月）",
			"from "+sb.FirstMonth+" (paid to "+sb.LastMonth+", "+fmt.Sprint(sb.Months)+" months)")},
		printdoc.Field{Label: tr(lang, "核定依据", "Rule"), Value: rule})
	d.Paragraphs = []string{tr(lang, fmt.Sprintf("%s：经审核，您符合%s的发放条件（%s），自 %s 起按每月 %s 发放。如家庭经济状况、户籍或残疾等级发生变化，请及时告知所在村（居）委会或街镇残联。对本核定有异议的，可自收到本通知之日起 60 日内申请复核。",
		sb.Person.Name, bname, rule, sb.FirstMonth, yuan(lang, sb.AmountCents)),
		fmt.Sprintf("%s: you qualify for the %s (%s), paid at %s a month from %s. Tell your village committee or town federation office when your household's income, residence or disability grade changes. You may ask for a review of this decision within 60 days of receiving it.",
			sb.Person.Name, bname, rule, yuan(lang, sb.AmountCents), sb.FirstMonth))}
	d.Signatures = []printdoc.Signature{{Who: tr(lang, "经办人签字", "Staff member")}, {Who: tr(lang, "本人（或监护人）签收", "Received by the person (or guardian)")}}
	d.Seal = true
	return d, nil
}

// people prints a number of 1/10,000 persons ("3.00").
func people(u int64) string { return fmt.Sprintf("%d.%02d", u/10000, u%10000/100) }

// LevyDoc builds an employer's levy statement from the figures.
func (s *Store) LevyDoc(ctx context.Context, l LevyFigures, lang, today string) (printdoc.Doc, error) {
	var uscc, address string
	if err := s.db.QueryRow(ctx, `SELECT uscc, address FROM employers WHERE id = ?`, l.EmployerID).Scan(&uscc, &address); err != nil {
		return printdoc.Doc{}, fmt.Errorf("read employer %d: %w", l.EmployerID, err)
	}
	is, err := s.issuer(ctx, l.OrgUnit)
	if err != nil {
		return printdoc.Doc{}, err
	}
	d := base(lang, is, tr(lang, fmt.Sprintf("%d 年度残疾人就业保障金核定通知", l.Year), fmt.Sprintf("Disability employment levy statement %d", l.Year)),
		fmt.Sprintf("BZJ-%d-%06d", l.Year, l.EmployerID), today)
	d.Fields = []printdoc.Field{{Label: tr(lang, "用人单位", "Employer"), Value: l.Employer}, {Label: tr(lang, "统一社会信用代码", "Credit code"), Value: uscc},
		{Label: tr(lang, "地址", "Address"), Value: address},
		{Label: tr(lang, "在职职工年平均人数", "Average staff"), Value: fmt.Sprint(l.Staff)},
		{Label: tr(lang, "职工年平均工资", "Average annual wage"), Value: yuan(lang, l.AverageWageCents)},
		{Label: tr(lang, "应安排残疾人就业人数", "Required quota"), Value: fmt.Sprintf("%s（%d.%02d%%）", people(l.RequiredU), l.QuotaBP/100, l.QuotaBP%100)},
		{Label: tr(lang, "已安排残疾人就业人数", "Disabled employees counted"), Value: tr(lang, fmt.Sprintf("%s（%d 人，其中一、二级 %d 人）", people(l.CountedU), l.Employees, l.Severe),
			fmt.Sprintf("%s (%d employees, %d of grade 1–2)", people(l.CountedU), l.Employees, l.Severe))},
		{Label: tr(lang, "差额人数", "Shortfall"), Value: people(max(0, l.RequiredU-l.CountedU))},
		{Label: tr(lang, "计征工资基数", "Wage base"), Value: yuan(lang, l.WageBaseCents)},
		{Label: tr(lang, "应缴保障金", "Levy due"), Value: yuanCapital(lang, l.DueCents)}}
	var p string
	switch {
	case l.Exempt:
		p = tr(lang, "贵单位在职职工人数在免征范围内，本年度暂免征收残疾人就业保障金。", "Your staff is within the exemption: no levy is due for the year.")
	case l.DueCents == 0:
		p = tr(lang, "贵单位安排残疾人就业已达到规定比例，本年度无需缴纳残疾人就业保障金。", "You employ disabled people at or above the quota: no levy is due for the year.")
	default:
		p = tr(lang, fmt.Sprintf("按差额人数乘以计征工资基数计得 %s，按 %d%% 征收，贵单位本年度应缴纳残疾人就业保障金 %s。请按税务部门规定的期限申报缴纳。",
			yuan(lang, l.GrossCents), l.RateBP/100, yuanCapital(lang, l.DueCents)),
			fmt.Sprintf("The shortfall times the wage base is %s; %d%% of it is due: a levy of %s for the year. Declare and pay it by the tax office's deadline.",
				yuan(lang, l.GrossCents), l.RateBP/100, yuanCapital(lang, l.DueCents)))
	}
	d.Paragraphs = []string{p}
	d.Signatures = []printdoc.Signature{{Who: tr(lang, "单位经办人签收", "Received for the employer")}, {Who: tr(lang, "残联经办人签字", "Federation staff member")}}
	d.Seal = true
	return d, nil
}
