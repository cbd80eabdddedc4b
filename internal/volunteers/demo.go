package volunteers

import (
	"context"
	"fmt"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/module"
)

// DemoVolunteer is the volunteer of the demo volunteer account
// (demo_volunteer), of the demo town (Jiading's: 南翔镇 310114102).
const DemoVolunteer = "陈晓燕"

var demoNames = []string{"王建国", "李秀英", "张志强", "刘芳", "杨静", "赵磊", "黄丽", "周杰", "吴敏", "徐涛", "孙燕", "马超",
	"朱红", "胡军", "郭玲", "何伟", "林娜", "罗斌", "高洁", "梁勇", "宋佳", "郑浩", "谢婷", "韩冰"}

// demo registers the corps: volunteers in the first towns of the home
// district and at the district, each team's leader, and the demo volunteer
// (in the demo town) with its account.
func (s *Store) demo(ctx context.Context, d *module.Demo) error {
	home, demoTown := d.Place.Code(), d.Place.Town(0).Code
	sys := access.Demo(identity.DistrictStaff, home)
	towns, err := s.units.InScope(ctx, sys.Scope, 3)
	if err != nil {
		return fmt.Errorf("demo volunteers: %w", err)
	}
	teams := []string{"escort", "rehab", "sign", "repair"}
	skillsOf := map[string][]string{"escort": {"accompaniment", "driving"}, "rehab": {"rehab", "nursing"}, "sign": {"sign_language", "tutoring"}, "repair": {"repair", "it"}}
	n := 0
	leaders := map[string]int64{}
	mk := func(name, unit, team string, i int) (Volunteer, error) {
		days := []string{Days[i%5].Code, Days[(i+2)%5].Code, "sat"}
		times := []string{[]string{"am", "pm", "eve"}[i%3], "pm"}
		v, err := s.CreateVolunteer(ctx, sys, VolunteerInput{Name: name, Phone: fmt.Sprintf("1391000%04d", i+1), Team: team, OrgUnit: unit,
			Skills: skillsOf[team], Days: days, Times: times, PartyMember: i%3 == 0, Training: d.Place.Kind() + "残联志愿者岗前培训（8学时）"})
		if err != nil {
			return v, fmt.Errorf("demo volunteer %s: %w", name, err)
		}
		n++
		return v, nil
	}
	units := []string{home}
	for i, t := range towns {
		if i >= 5 {
			break
		}
		units = append(units, t.Code)
	}
	for i, name := range demoNames {
		team := teams[i%len(teams)]
		v, err := mk(name, units[i%len(units)], team, i)
		if err != nil {
			return err
		}
		if leaders[team] == 0 {
			leaders[team] = v.ID
		}
	}
	me, err := mk(DemoVolunteer, demoTown, "escort", len(demoNames))
	if err != nil {
		return err
	}
	list, err := s.Teams(ctx, sys)
	if err != nil {
		return err
	}
	for _, t := range list {
		if _, err := s.UpdateTeam(ctx, sys, t.Code, TeamInput{Name: t.Name, NameEn: t.NameEn, LeaderID: leaders[t.Code], Version: t.Version}); err != nil {
			return fmt.Errorf("demo team %s: %w", t.Code, err)
		}
	}
	fmt.Fprintf(d.Out, "demo data: %d volunteers in 4 teams\n", n)
	d.Accounts = append(d.Accounts, module.Account{Username: "demo_volunteer", Name: "志愿者演示账户", Role: identity.Volunteer,
		OrgUnit: demoTown, VolunteerID: me.ID})
	return nil
}

// demoTasks makes tasks around today: a district event ten days ago with
// its hours decided, an escort three days ago with hours waiting for
// approval, a home visit today and a sign-language task tomorrow in the demo
// volunteer's town, the district's sports games next week, and a task of
// another town the demo volunteer does not see.
func (s *Store) demoTasks(ctx context.Context, d *module.Demo) error {
	home, kind, name := d.Place.Code(), d.Place.Kind(), d.Place.Name()
	demoTown, townName := d.Place.Town(0).Code, d.Place.Town(0).Name
	other := d.Place.Town(1)
	sys := access.Demo(identity.DistrictStaff, home)
	town := access.Demo(identity.TownStaff, demoTown)
	var me int64
	if err := s.db.QueryRow(ctx, `SELECT id FROM volunteers WHERE name = ? AND orgunit = ?`, DemoVolunteer, demoTown).Scan(&me); err != nil {
		return fmt.Errorf("demo tasks: %w", err)
	}
	var others []int64
	rows, err := s.db.Query(ctx, `SELECT id FROM volunteers WHERE id <> ? AND (orgunit = ? OR orgunit LIKE ?) ORDER BY id`, me, home, demoTown+"%")
	if err != nil {
		return fmt.Errorf("demo tasks: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close()
			return fmt.Errorf("demo tasks: %w", err)
		}
		others = append(others, id)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("demo tasks: %w", err)
	}
	persons, err := d.Persons(ctx, module.PersonFilter{Unit: demoTown, Active: true, Limit: 3})
	if err != nil {
		return fmt.Errorf("demo tasks: %w", err)
	}
	person := func(i int) int64 {
		if len(persons) == 0 {
			return 0
		}
		return persons[i%len(persons)]
	}
	now := s.db.Now().In(shanghai)
	day := func(offset, hour int) time.Time {
		return time.Date(now.Year(), now.Month(), now.Day()+offset, hour, 0, 0, 0, shanghai)
	}
	mk := func(c access.Caller, in TaskInput) (Task, error) {
		t, err := s.CreateTask(ctx, c, in)
		if err != nil {
			return t, fmt.Errorf("demo task %s: %w", in.Title, err)
		}
		return t, nil
	}
	sign := func(t Task, ids ...int64) error {
		for _, id := range ids {
			if err := s.db.InTx(ctx, func(tx *db.Tx) error {
				_, err := s.signUp(ctx, tx, sys, t, id)
				return err
			}); err != nil {
				return fmt.Errorf("demo sign-up %s: %w", t.Title, err)
			}
		}
		return nil
	}
	// Ten days ago: the district's event, hours decided.
	ev, err := mk(sys, TaskInput{Title: "全国助残日游园活动志愿服务", Kind: "event", OrgUnit: home, Place: name + "残疾人综合服务中心",
		Help: "引导来宾、协助轮椅使用者游园", StartsAt: day(-10, 9), EndsAt: day(-10, 12), Slots: 10, ContactName: kind + "残联 沈老师", ContactPhone: d.Place.Landline("69990000")})
	if err != nil {
		return err
	}
	crowd := append([]int64{me}, others[:min(4, len(others))]...)
	if err := sign(ev, crowd...); err != nil {
		return err
	}
	for i, id := range crowd {
		e, err := s.Record(ctx, sys, ev.ID, RecordInput{VolunteerID: id, Minutes: 180 - 30*(i%2)})
		if err != nil {
			return fmt.Errorf("demo hours: %w", err)
		}
		switch {
		case i == len(crowd)-1 && i > 0:
			_, err = s.Reject(ctx, sys, e.ID, "当天未到场，由他人代签")
		case i == len(crowd)-2 && i > 0:
			// left pending for the approval queue
		default:
			_, err = s.Approve(ctx, sys, e.ID)
		}
		if err != nil {
			return fmt.Errorf("demo hours: %w", err)
		}
	}
	// Three days ago: an escort to rehabilitation, hours waiting.
	esc, err := mk(town, TaskInput{Title: "陪同前往" + kind + "康复中心做康复训练", Kind: "rehab", OrgUnit: demoTown, Place: name + "康复中心",
		Help: "陪同乘车往返，协助上下车", StartsAt: day(-3, 13), EndsAt: day(-3, 16), Slots: 1, Skills: []string{"accompaniment"},
		PersonID: person(0), ContactName: townName + "残联 顾老师", ContactPhone: d.Place.Landline("69120000")})
	if err != nil {
		return err
	}
	if err := sign(esc, me); err != nil {
		return err
	}
	if _, err := s.Record(ctx, town, esc.ID, RecordInput{VolunteerID: me, Minutes: 165}); err != nil {
		return fmt.Errorf("demo hours: %w", err)
	}
	// Today: a home visit; tomorrow: sign language.
	visit, err := mk(town, TaskInput{Title: "上门探访与读报", Kind: HomeVisit, OrgUnit: demoTown, Help: "陪伴聊天、读报，帮忙整理药盒",
		StartsAt: day(0, 15), EndsAt: day(0, 17), Slots: 2, Skills: []string{"accompaniment"}, PersonID: person(1),
		ContactName: townName + "残联 顾老师", ContactPhone: d.Place.Landline("69120000")})
	if err != nil {
		return err
	}
	if err := sign(visit, me); err != nil {
		return err
	}
	if _, err := mk(town, TaskInput{Title: "社区听障居民手语沟通协助", Kind: "other", OrgUnit: demoTown, Place: townName + "社区事务受理服务中心",
		Help: "为听障居民办事提供手语翻译", StartsAt: day(1, 9), EndsAt: day(1, 11), Slots: 3, Team: "sign", Skills: []string{"sign_language"},
		ContactName: townName + "残联 顾老师", ContactPhone: d.Place.Landline("69120000")}); err != nil {
		return err
	}
	games, err := mk(sys, TaskInput{Title: kind + "残疾人运动会赛事志愿者", Kind: "event", OrgUnit: home, Place: d.Place.Short() + "体育中心",
		Help: "检录、引导和陪护运动员", StartsAt: day(7, 8), EndsAt: day(7, 16), Slots: 20, ContactName: kind + "残联 沈老师", ContactPhone: d.Place.Landline("69990000")})
	if err != nil {
		return err
	}
	if err := sign(games, others[:min(3, len(others))]...); err != nil {
		return err
	}
	if _, err := mk(sys, TaskInput{Title: other.Name + "无障碍设施巡查", Kind: "other", OrgUnit: other.Code, Place: other.Name,
		Help: "记录坡道、扶手的损坏情况", StartsAt: day(2, 9), EndsAt: day(2, 12), Slots: 4, Team: "repair", Skills: []string{"repair"},
		ContactName: other.Name + "残联", ContactPhone: d.Place.Landline("69570000")}); err != nil {
		return err
	}
	fmt.Fprintf(d.Out, "demo data: 6 volunteer tasks with sign-ups and hours\n")
	return nil
}
