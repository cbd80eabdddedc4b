package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/demo"
	"sunshine/internal/employment"
	"sunshine/internal/employment/jobs"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/registry"
	"sunshine/internal/towns"
)

// DemoPassword is the password of the demo accounts. It is printed when the
// demo data is loaded and only ever set on demo databases.
const DemoPassword = "sunshine-demo-310114"

// IsEmpty reports whether the database holds no persons and no users yet.
func (a *App) IsEmpty(ctx context.Context) (bool, error) {
	var n int
	if err := a.DB.QueryRow(ctx, `SELECT (SELECT count(*) FROM persons) + (SELECT count(*) FROM users)`).Scan(&n); err != nil {
		return false, fmt.Errorf("check for data: %w", err)
	}
	return n == 0, nil
}

// LoadDemo generates n synthetic persons in synthetic villages of Jiading's
// towns, with this year's annual records, and (on a database without users)
// the demo accounts. It writes in batches, each one transaction.
func (a *App) LoadDemo(ctx context.Context, n int, seed int64, out io.Writer) error {
	now := a.DB.Now()
	var towns []orgunit.Unit
	for _, u := range orgunit.Seed() {
		if u.Level == 3 && u.Parent == "310114" {
			towns = append(towns, u)
		}
	}
	ds := demo.Generate(seed, n, towns, now.Year(), now)
	actor := audit.Actor{Username: "sunshine demo", Role: "system"}
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error { return orgunit.InsertTx(ctx, tx, ds.Units...) }); err != nil {
		return err
	}
	const batch = 5000
	firstID := int64(0)
	for start := 0; start < len(ds.Persons); start += batch {
		end := min(start+batch, len(ds.Persons))
		err := a.DB.InTx(ctx, func(tx *db.Tx) error {
			ids := make([]int64, 0, end-start)
			for i := start; i < end; i++ {
				norm, fields := registry.ValidatePerson(ds.Persons[i], now, false)
				if len(fields) > 0 {
					return fmt.Errorf("demo person %d is not valid: %w", i, apperr.Validation(fields...))
				}
				id, err := a.Registry.InsertTx(ctx, tx, norm)
				if err != nil {
					return fmt.Errorf("demo person %d: %w", i, err)
				}
				if firstID == 0 {
					firstID = id
				}
				rec := ds.Annual[i]
				rec.PersonID = id
				if _, err := registry.UpsertAnnualTx(ctx, tx, rec, actor.Username); err != nil {
					return fmt.Errorf("demo annual record %d: %w", i, err)
				}
				if _, err := registry.UpsertAnnualTx(ctx, tx, lastYear(rec, i), actor.Username); err != nil {
					return fmt.Errorf("demo annual record %d of last year: %w", i, err)
				}
				ids = append(ids, id)
			}
			if err := a.Registry.Hook.PersonsChanged(ctx, tx, ids); err != nil {
				return err
			}
			e := actor.Entry(audit.ActionImport, "demo", strconv.Itoa(start/batch+1), "310114")
			e.Detail = fmt.Sprintf(`{"persons":%d}`, end-start)
			return audit.Append(ctx, tx, e)
		})
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "demo data: %d persons in %d demo villages of Jiading, with %d and %d annual records\n", len(ds.Persons), len(ds.Units), now.Year()-1, now.Year())
	if err := a.demoRehab(ctx, out); err != nil {
		return err
	}
	if err := a.demoDevicesAndRenovation(ctx, out); err != nil {
		return err
	}
	if err := a.demoTowns(ctx, out); err != nil {
		return err
	}
	firstEmployer, err := a.loadDemoEmployers(ctx, now.Year(), out)
	if err != nil {
		return err
	}
	if err := a.demoJobs(ctx, ds.Units, out); err != nil {
		return err
	}
	var users int
	if err := a.DB.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil {
		return fmt.Errorf("count users: %w", err)
	}
	if users > 0 || len(ds.Units) == 0 {
		return nil
	}
	town := "310114102" // 南翔镇
	village := ""
	for _, u := range ds.Units {
		if u.Parent == town {
			village = u.Code
			break
		}
	}
	if village == "" {
		village, town = ds.Units[0].Code, ds.Units[0].Parent
	}
	var personID int64
	var personUnit string
	if err := a.DB.QueryRow(ctx, `SELECT id, orgunit FROM persons WHERE orgunit = ? ORDER BY id LIMIT 1`, village).Scan(&personID, &personUnit); err != nil {
		personID, personUnit = firstID, ds.Persons[0].OrgUnit
	}
	accounts := []identity.User{
		{Username: "demo", Name: "区残联演示账户", Role: identity.DistrictStaff, OrgUnit: "310114"},
		{Username: "demo_town", Name: "南翔镇演示账户", Role: identity.TownStaff, OrgUnit: town},
		{Username: "demo_village", Name: "村居助残员演示账户", Role: identity.VillageAssistant, OrgUnit: village},
		{Username: "demo_leader", Name: "领导演示账户", Role: identity.Leader, OrgUnit: "310114"},
		{Username: "demo_person", Name: "残疾人演示账户", Role: identity.Person, OrgUnit: personUnit, PersonID: personID},
		{Username: "demo_provider", Name: "服务机构演示账户", Role: identity.Provider, OrgUnit: "310114"},
		{Username: "demo_volunteer", Name: "志愿者演示账户", Role: identity.Volunteer, OrgUnit: town},
		{Username: "demo_sysadmin", Name: "系统管理员演示账户", Role: identity.SysAdmin, OrgUnit: "310114"},
		{Username: "demo_secadmin", Name: "安全管理员演示账户", Role: identity.SecAdmin, OrgUnit: "310114"},
		{Username: "demo_auditor", Name: "安全审计员演示账户", Role: identity.Auditor, OrgUnit: "310114"},
	}
	if firstEmployer != 0 {
		accounts = append(accounts, identity.User{Username: "demo_employer", Name: "用人单位演示账户", Role: identity.Employer, OrgUnit: town, EmployerID: firstEmployer})
	}
	for _, u := range accounts {
		if _, err := a.Users.Create(ctx, u, DemoPassword, func(tx *db.Tx) error {
			return audit.Append(ctx, tx, actor.Entry(audit.ActionUserAdd, "user", u.Username, u.OrgUnit))
		}); err != nil {
			return fmt.Errorf("demo account %s: %w", u.Username, err)
		}
	}
	fmt.Fprintf(out, "demo logins (password %q for each):\n", DemoPassword)
	for _, u := range accounts {
		fmt.Fprintf(out, "  %-15s %-18s %s\n", u.Username, u.Role, u.OrgUnit)
	}
	return nil
}

// lastYear makes a plausible record of the year before from this year's: a
// few services and benefits had not reached the person yet, so that the demo
// shows trends and year-over-year changes.
func lastYear(rec registry.Annual, i int) registry.Annual {
	prev := rec
	prev.Year--
	prev.Version = 0
	if i%5 == 0 {
		prev.RehabReceived = false
	}
	if i%6 == 0 {
		prev.DeviceReceived = false
	}
	if i%7 == 0 {
		prev.CultureSports = !rec.CultureSports
	}
	if i%9 == 0 {
		prev.PensionInsured = false
	}
	if i%13 == 0 && rec.Employment == "employed" {
		prev.Employment = "unemployed"
	}
	// Some villages did worse this year: medical insurance lapsed for some.
	if strings.HasSuffix(rec.OrgUnit, "3") && i%3 == 0 {
		prev.MedicalInsured = true
	}
	if rec.HouseholdIncomePerCapita != nil {
		v := *rec.HouseholdIncomePerCapita * 95 / 100
		prev.HouseholdIncomePerCapita = &v
	}
	return prev
}

// demoPersons lists the ids of persons of a town, in id order, from offset.
func (a *App) demoPersons(ctx context.Context, town string, offset, limit int) ([]int64, error) {
	lo, hi := orgunit.ScopeOf(town).Range()
	rows, err := a.DB.Query(ctx, `SELECT id FROM persons WHERE orgunit >= ? AND orgunit < ? ORDER BY id LIMIT ? OFFSET ?`, lo, hi, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("read demo persons: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read demo persons: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// demoRehab opens a few rehabilitation cases in 南翔镇 in different states,
// with plans booked into the town's sub-centre and the district centre and
// sessions recorded, so that the schedule pages show content.
func (a *App) demoRehab(ctx context.Context, out io.Writer) error {
	sys := access.Caller{Actor: audit.Actor{Username: "sunshine demo", Role: identity.DistrictStaff}, Scope: orgunit.ScopeOf("310114")}
	persons, err := a.demoPersons(ctx, "310114102", 0, 8)
	if err != nil {
		return fmt.Errorf("demo rehabilitation: %w", err)
	}
	var sub, centre int64
	if err := a.DB.QueryRow(ctx, `SELECT id FROM rehab_centres WHERE orgunit = ?`, "310114102").Scan(&sub); err != nil {
		return fmt.Errorf("demo rehabilitation: %w", err)
	}
	if err := a.DB.QueryRow(ctx, `SELECT id FROM rehab_centres WHERE orgunit = ?`, "310114").Scan(&centre); err != nil {
		return fmt.Errorf("demo rehabilitation: %w", err)
	}
	cst := time.FixedZone("CST", 8*3600)
	n := a.DB.Now().In(cst)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	type step struct {
		action string
		data   map[string]any
	}
	sessions := func(start time.Time, perWeek int, attended ...bool) []step {
		var out []step
		for i, ok := range attended {
			d := start.AddDate(0, 0, (i/perWeek)*7+(i%perWeek)*2)
			if d.After(today) {
				break
			}
			out = append(out, step{"session", map[string]any{"date": day(d), "attended": ok}})
		}
		return out
	}
	plan := func(service string, n, perWeek int, at int64, start time.Time) []step {
		return []step{
			{"assess", map[string]any{"service": service, "sessions": json.Number(strconv.Itoa(n)), "goals": "提高日常生活自理能力"}},
			{"schedule", map[string]any{"centre": json.Number(strconv.FormatInt(at, 10)), "start": day(start), "per_week": json.Number(strconv.Itoa(perWeek))}},
		}
	}
	cases := [][]step{
		nil, // referred
		{{"assess", map[string]any{"service": "psychological", "sessions": json.Number("8"), "goals": "缓解焦虑情绪"}}}, // assessed
		append(plan("physical", 12, 2, sub, monday.AddDate(0, 0, -21)), sessions(monday.AddDate(0, 0, -21), 2, true, true, false, true, true, true, true)...),
		append(plan("speech", 9, 3, centre, monday.AddDate(0, 0, -7)), sessions(monday.AddDate(0, 0, -7), 3, true, false, true, true)...),
		append(append(plan("occupational", 4, 2, sub, monday.AddDate(0, 0, -14)), sessions(monday.AddDate(0, 0, -14), 2, true, true, true, true)...),
			step{"evaluate", map[string]any{"outcome": "improved", "note": "可独立穿衣"}}),
		append(plan("psychological", 6, 2, sub, monday), step{"cancel", nil}),
	}
	made := 0
	for i, steps := range cases {
		if i >= len(persons) {
			break
		}
		c, err := a.Cases.Create(ctx, sys, persons[i], "rehabilitation", map[string]any{"reason": "村居走访发现康复需求"})
		if err != nil {
			return fmt.Errorf("demo rehabilitation case: %w", err)
		}
		for _, st := range steps {
			if _, err := a.Cases.Act(ctx, sys, c.ID, st.action, st.data, 0); err != nil {
				if apperr.CodeOf(err) == apperr.Conflict { // a centre full from an earlier demo load
					break
				}
				return fmt.Errorf("demo rehabilitation case %s: %w", st.action, err)
			}
		}
		made++
	}
	fmt.Fprintf(out, "demo data: %d rehabilitation cases in 南翔镇\n", made)
	return nil
}

// demoDevicesAndRenovation stocks the district's and Nanxiang's service
// points and opens assistive device and home renovation cases in Nanxiang
// (other persons than the rehabilitation ones) at every stage, one device
// on loan and one renovation finished, with a renovation budget for the
// year, so that the case pages, the inbox, the loan card and the stock
// page show content.
func (a *App) demoDevicesAndRenovation(ctx context.Context, out io.Writer) error {
	district := access.Caller{Actor: audit.Actor{Username: "sunshine demo", Role: identity.DistrictStaff}, Scope: orgunit.ScopeOf("310114")}
	town := access.Caller{Actor: audit.Actor{Username: "sunshine demo", Role: identity.TownStaff}, Scope: orgunit.ScopeOf("310114102")}
	persons, err := a.demoPersons(ctx, "310114102", 8, 9) // after the rehabilitation ones
	if err != nil {
		return fmt.Errorf("demo devices: %w", err)
	}
	points, err := a.Devices.Points(ctx, orgunit.ScopeOf("310114102"))
	if err != nil {
		return fmt.Errorf("demo devices: %w", err)
	}
	var townPoint int64
	for _, pt := range points {
		for _, st := range []struct {
			code string
			n    int
		}{{"12 22 03", 6}, {"12 06 06", 4}, {"12 03 03", 10}, {"22 06 06", 5}, {"09 33 03", 8}, {"12 39 03", 6}} {
			if _, err := a.Devices.Move(ctx, district.Scope, district.Actor, pt.ID, st.code, st.n, "演示数据：首批入库"); err != nil {
				return fmt.Errorf("demo stock: %w", err)
			}
		}
		if pt.OrgUnit == "310114102" {
			townPoint = pt.ID
		}
	}
	if _, err := a.Renovation.SetBudget(ctx, district.Scope, district.Actor, "310114", a.DB.Now().Year(), 50_000_000); err != nil {
		return fmt.Errorf("demo renovation budget: %w", err)
	}
	type step struct {
		who    access.Caller
		action string
		data   map[string]any
	}
	items := func(codes ...any) map[string]any { return map[string]any{"items": codes} }
	point := map[string]any{"service_point": json.Number(strconv.FormatInt(townPoint, 10))}
	quote := map[string]any{"contractor": "嘉定无障碍建设有限公司", "cost": json.Number("1250000")}
	cases := []struct {
		typ, need string
		steps     []step
	}{
		{"assistive_device", "出门需要轮椅", nil},
		{"assistive_device", "走路不稳，需要助行器", []step{{district, "assess", items("12 06 06")}}},
		{"assistive_device", "听不清电话", []step{{district, "assess", items("22 06 06")}, {town, "approve", nil}}},
		{"assistive_device", "行动不便，需要轮椅和洗澡椅", []step{{district, "assess", items("12 22 03", "09 33 03")}, {town, "approve", nil}, {district, "dispense", point}}},
		{"assistive_device", "需要盲杖", []step{{district, "assess", items("12 39 03")}, {town, "approve", nil}, {district, "dispense", point}, {town, "close", nil}}},
		{"home_renovation", "卫生间需要扶手", nil},
		{"home_renovation", "门口有台阶，轮椅进不去", []step{{district, "survey", items("ramp", "door_widening")}}},
		{"home_renovation", "卫生间改造", []step{{district, "survey", items("grab_bars", "bathroom")}, {district, "quote", quote}}},
		{"home_renovation", "安装紧急呼叫", []step{{district, "survey", items("alarm")}, {district, "quote", quote}, {district, "approve", nil},
			{district, "build", nil}, {town, "accept", nil}, {district, "pay", nil}, {district, "close", nil}}},
	}
	made := 0
	for i, cs := range cases {
		if i >= len(persons) {
			break
		}
		c, err := a.Cases.Create(ctx, district, persons[i], cs.typ, map[string]any{"need": cs.need})
		if err != nil {
			return fmt.Errorf("demo %s case: %w", cs.typ, err)
		}
		for _, st := range cs.steps {
			if c, err = a.Cases.Act(ctx, st.who, c.ID, st.action, st.data, 0); err != nil {
				return fmt.Errorf("demo %s case %s: %w", cs.typ, st.action, err)
			}
		}
		made++
	}
	fmt.Fprintf(out, "demo data: %d assistive device and home renovation cases in 南翔镇, stock at %d service points\n", made, len(points))
	return nil
}

// demoTowns shows the town modules: Nanxiang (the demo town) runs a local
// project with two fields of its own and a few cases; Anting has switched
// home renovation off. Only once: not when Nanxiang has projects already.
func (a *App) demoTowns(ctx context.Context, out io.Writer) error {
	const town, other = "310114102", "310114103"
	sc := orgunit.ScopeOf(town)
	have, err := a.Towns.Projects(ctx, sc, town)
	if err != nil || len(have) > 0 {
		return err
	}
	actor := audit.Actor{Username: "sunshine demo", Role: identity.TownStaff}
	p, err := a.Towns.CreateProject(ctx, sc, actor, town, towns.ProjectInput{
		Name: "阳光助学陪读", NameEn: "Sunshine school companion",
		Description: "为就读普通学校的残疾学生安排志愿者陪读（南翔镇试点）。",
		Fields: []towns.FieldDef{
			{Name: "school", LabelZh: "就读学校", LabelEn: "School", Kind: "text", Required: true},
			{Name: "stage", LabelZh: "学段", LabelEn: "Stage", Kind: "enum", Choices: []string{"小学", "初中", "高中", "职校"}, Required: true},
		},
	})
	if err != nil {
		return fmt.Errorf("demo project: %w", err)
	}
	rows, err := a.DB.Query(ctx, `SELECT id FROM persons WHERE orgunit >= ? AND orgunit < ? ORDER BY id LIMIT 3`, town, town+":")
	if err != nil {
		return fmt.Errorf("demo project cases: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("demo project cases: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	caller := access.Caller{Actor: actor, Scope: sc}
	schools := []string{"南翔小学", "南翔中学", "嘉定职校"}
	stages := []string{"小学", "初中", "职校"}
	for i, id := range ids {
		c, err := a.Cases.Create(ctx, caller, id, p.Code, map[string]any{"need": "需要陪读", "school": schools[i], "stage": stages[i]})
		if err != nil {
			return fmt.Errorf("demo project case: %w", err)
		}
		if i == 0 {
			if _, err := a.Cases.Act(ctx, caller, c.ID, "approve", nil, c.Version); err != nil {
				return fmt.Errorf("demo project case: %w", err)
			}
		}
	}
	if _, err := a.Towns.SetService(ctx, orgunit.ScopeOf(other), actor, other, "home_renovation", false, "zh"); err != nil {
		return fmt.Errorf("demo service switch: %w", err)
	}
	fmt.Fprintf(out, "demo towns: local project %s in %s with %d cases; home renovation switched off in %s\n", p.Code, town, len(ids), other)
	return nil
}

// demoEmployers are the demo employers of Jiading: name, town, the first 17
// characters of a made-up credit code, staff and average wage (yuan) of the
// year, and how many demo persons work there by grade (1–4).
var demoEmployers = []struct {
	name, town, code string
	staff            int
	wage             int64
	grades           [4]int
}{
	{"南翔精密制造有限公司（演示）", "310114102", "91310114MA1GD0001", 260, 118000, [4]int{0, 1, 1, 0}},
	{"安亭汽车配件有限公司（演示）", "310114103", "91310114MA1GD0002", 480, 156000, [4]int{1, 1, 3, 2}},
	{"马陆葡萄合作社（演示）", "310114106", "91310114MA1GD0003", 28, 72000, [4]int{0, 0, 0, 0}},
	{"嘉定物流服务有限公司（演示）", "310114118", "91310114MA1GD0004", 150, 98000, [4]int{0, 0, 1, 0}},
	{"菊园信息技术有限公司（演示）", "310114401", "91310114MA1GD0005", 90, 260000, [4]int{1, 0, 0, 0}},
}

// loadDemoEmployers registers the demo employers with this year's figures,
// linked demo persons of the right grades, and the district's levy
// parameters (a demo social average wage); it returns the first employer.
func (a *App) loadDemoEmployers(ctx context.Context, year int, out io.Writer) (int64, error) {
	sys := employment.Caller{Actor: audit.Actor{Username: "sunshine demo", Role: "system"}, Scope: orgunit.ScopeOf("310114"),
		Registry: access.Caller{Actor: audit.Actor{Username: "sunshine demo", Role: "system"}, Scope: orgunit.ScopeOf("310114")}}
	p := employment.DefaultParams()
	p.OrgUnit, p.Year, p.SocialAverageWageCents = "310114", year, 100000_00
	if _, err := a.Employment.SetParams(ctx, sys.Scope, sys.Actor, p); err != nil {
		return 0, fmt.Errorf("demo levy parameters: %w", err)
	}
	var first int64
	used := map[int64]bool{}
	for i, de := range demoEmployers {
		e, err := a.Employment.Create(ctx, sys, employment.EmployerInput{Name: de.name, USCC: de.code + string(employment.USCCCheckChar(de.code)),
			OrgUnit: de.town, Address: "上海市嘉定区（演示地址）", ContactName: "人事部", ContactPhone: fmt.Sprintf("1390000%04d", i+1),
			Accessibility: employment.DemoAccessibility(i)})
		if err != nil {
			return 0, fmt.Errorf("demo employer %d: %w", i, err)
		}
		if first == 0 {
			first = e.ID
		}
		if _, err := a.Employment.PutFigures(ctx, sys, e.ID, employment.Figures{Year: year, Staff: de.staff, AverageWageCents: de.wage * 100}); err != nil {
			return 0, fmt.Errorf("demo employer %d: %w", i, err)
		}
		for g, n := range de.grades {
			rows, err := a.DB.Query(ctx, `SELECT id FROM persons WHERE grade = ? AND status = 'active' AND orgunit >= ? AND orgunit < ? ORDER BY id LIMIT ?`,
				g+1, de.town, de.town+":", n+len(used))
			if err != nil {
				return 0, fmt.Errorf("demo employees: %w", err)
			}
			var ids []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err == nil && !used[id] && len(ids) < n {
					ids = append(ids, id)
				}
			}
			rows.Close()
			for _, id := range ids {
				used[id] = true
				if _, err := a.Employment.Link(ctx, sys, e.ID, id, fmt.Sprintf("%d-03-01", year-2)); err != nil {
					return 0, fmt.Errorf("demo employee: %w", err)
				}
			}
		}
	}
	fmt.Fprintf(out, "demo employers: %d in Jiading, with %d figures and linked employees\n", len(demoEmployers), year)
	return first, nil
}

// demoVacancies are the demo vacancies: the employer (by name in
// demoEmployers), the job and its terms.
var demoVacancies = []struct {
	employer string
	in       jobs.VacancyInput
}{
	{"南翔精密制造有限公司（演示）", jobs.VacancyInput{Title: "数据录入员", Description: "在办公室录入和核对生产数据，使用电脑完成。",
		Positions: 3, MinEducation: "junior", Hours: "full_time", Skills: []string{"computer", "data_entry"},
		Accommodations: []string{"step_free", "accessible_toilet", "screen_reader", "flexible_hours"}, MonthlyWage: 5200}},
	{"南翔精密制造有限公司（演示）", jobs.VacancyInput{Title: "产品包装工", Description: "在安静的车间包装精密零件，有就业辅导员带教。",
		Positions: 5, MinEducation: "none", Hours: "part_time", Skills: []string{"packaging", "assembly"},
		Accommodations: []string{"step_free", "quiet_space", "job_coach"}, MonthlyWage: 3200}},
	{"安亭汽车配件有限公司（演示）", jobs.VacancyInput{Title: "装配工", Description: "汽车配件装配，可调节工位，提供通勤班车。",
		Positions: 4, MinEducation: "junior", Hours: "full_time", Skills: []string{"assembly"},
		Accommodations: []string{"step_free", "adjustable_desk", "transport"}, MonthlyWage: 4800}},
	{"嘉定物流服务有限公司（演示）", jobs.VacancyInput{Title: "电话客服专员", Description: "接听客户电话、录入订单，可居家或弹性上班。",
		Positions: 2, MinEducation: "senior", Hours: "flexible", Skills: []string{"customer_service", "phone_service", "computer"},
		Accommodations: []string{"flexible_hours", "screen_reader"}, MonthlyWage: 4500}},
}

// demoJobs gives about forty demo persons of 南翔镇 an employment profile
// (the first person of its first village, the demo person account, among
// them) and posts the demo vacancies, so that the matching pages show real
// rankings.
func (a *App) demoJobs(ctx context.Context, units []orgunit.Unit, out io.Writer) error {
	actor := audit.Actor{Username: "sunshine demo", Role: "system"}
	rc := access.Caller{Actor: actor, Scope: orgunit.ScopeOf("310114")}
	const town = "310114102"
	var ids []int64
	for _, u := range units {
		if u.Parent != town {
			continue
		}
		var id int64
		if err := a.DB.QueryRow(ctx, `SELECT id FROM persons WHERE orgunit = ? AND status = 'active' ORDER BY id LIMIT 1`, u.Code).Scan(&id); err == nil {
			ids = append(ids, id)
		}
		break
	}
	rows, err := a.DB.Query(ctx, `SELECT id FROM persons WHERE orgunit >= ? AND orgunit < ? AND status = 'active' ORDER BY id LIMIT 40`, town, town+":")
	if err != nil {
		return fmt.Errorf("demo job seekers: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err == nil && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	rows.Close()
	desired := []string{"希望在家附近做办公室工作。", "想学一门手艺，做手工或包装都可以。", "希望做客服或电话接线。", "愿意做保洁、绿化等户外工作。", "想找一份兼职，时间灵活。"}
	abilities := []string{"能熟练使用电脑，久站有困难。", "手很灵巧，听力不好，需要手语沟通。", "口齿清楚，行动需要轮椅。", "体力好，阅读有困难。", "认真细致，需要安静的环境。"}
	for i, id := range ids {
		skills := []string{jobs.Skills[i%len(jobs.Skills)].Code, jobs.Skills[(i*7+3)%len(jobs.Skills)].Code}
		if i%2 == 0 {
			skills = append(skills, jobs.Skills[(i*11+5)%len(jobs.Skills)].Code)
		}
		needs := []string{}
		if i%3 != 0 {
			needs = append(needs, jobs.Accommodations[i%len(jobs.Accommodations)].Code)
			if i%4 == 1 {
				needs = append(needs, jobs.Accommodations[(i*3+1)%len(jobs.Accommodations)].Code)
			}
		}
		in := jobs.ProfileInput{Seeking: i%9 != 8, Education: jobs.Education[(i*5+2)%len(jobs.Education)].Code, Hours: jobs.Hours[i%len(jobs.Hours)].Code,
			Skills: slices.Compact(slices.Sorted(slices.Values(skills))), Accommodations: slices.Compact(slices.Sorted(slices.Values(needs))),
			Desired: desired[i%len(desired)], Abilities: abilities[i%len(abilities)]}
		if _, err := a.Seekers.Put(ctx, rc, id, in); err != nil {
			return fmt.Errorf("demo job seeker %d: %w", id, err)
		}
	}
	ec := employment.Caller{Actor: actor, Scope: orgunit.ScopeOf("310114"), Registry: rc}
	for _, dv := range demoVacancies {
		in := dv.in
		if err := a.DB.QueryRow(ctx, `SELECT id FROM employers WHERE name = ? ORDER BY id LIMIT 1`, dv.employer).Scan(&in.EmployerID); err != nil {
			return fmt.Errorf("demo vacancy %s: %w", in.Title, err)
		}
		if _, err := a.Seekers.CreateVacancy(ctx, ec, in); err != nil {
			return fmt.Errorf("demo vacancy %s: %w", in.Title, err)
		}
	}
	fmt.Fprintf(out, "demo jobs: %d job seekers in %s, %d vacancies\n", len(ids), town, len(demoVacancies))
	return nil
}
