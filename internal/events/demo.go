package events

import (
	"context"
	"fmt"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/module"
)

// demo makes six events around today in the home district (d.Place): the
// district's integrated sports games (past, with attendance and results for
// persons of the demo villages), the Jiading–Kunshan–Taicang arts festival
// (shared with the partner districts), a skills contest of the demo town
// (that of the demo accounts; Jiading's: 南翔镇), a culture afternoon of the
// demo village, a future sports day open for registration (the demo person
// registered) and a cancelled outing.
func (s *Store) demo(ctx context.Context, d *module.Demo) error {
	home, demoTown, name := d.Place.Code(), d.Place.Town(0).Code, d.Place.Name()
	townName := d.Place.Town(0).Name
	sys := access.Demo(identity.DistrictStaff, home)
	town := access.Demo(identity.TownStaff, demoTown)
	var me int64
	village := ""
	for _, a := range d.Accounts {
		switch a.Username {
		case "demo_person":
			me = a.PersonID
		case "demo_village":
			village = a.OrgUnit
		}
	}
	persons, err := d.Persons(ctx, module.PersonFilter{Unit: demoTown, Active: true, Limit: 8})
	if err != nil {
		return fmt.Errorf("demo events: %w", err)
	}
	townPeople := persons
	if me != 0 {
		persons = append([]int64{me}, persons...)
	}
	seen := map[int64]bool{}
	var people []int64
	for _, p := range persons {
		if !seen[p] {
			seen[p] = true
			people = append(people, p)
		}
	}
	now := s.db.Now().In(shanghai)
	day := func(offset int) string { return Today(now.AddDate(0, 0, offset)) }
	mk := func(c access.Caller, in Input) (Event, error) {
		e, err := s.Create(ctx, c, in)
		if err != nil {
			return e, fmt.Errorf("demo event %s: %w", in.Title, err)
		}
		return e, nil
	}
	games, err := mk(sys, Input{Title: name + "残疾人综合运动会", Kind: "sport", OrgUnit: home, Date: day(-12), Place: d.Place.Short() + "体育中心",
		Places: 200, Description: "田径、游泳、乒乓球、飞镖、轮椅篮球等项目，按残疾类别分组。"})
	if err != nil {
		return err
	}
	medals := []string{"金牌", "银牌", "铜牌"}
	for i, p := range people {
		if i >= 6 { // the games are past: attendance makes the entries
			break
		}
		if _, _, err := s.Attend(ctx, sys, games.ID, p); apperr.CodeOf(err) == apperr.NotFound {
			continue // a small demo may put the demo person outside the district
		} else if err != nil {
			return fmt.Errorf("demo attendance: %w", err)
		}
		if i < len(medals) {
			if _, err := s.SetResult(ctx, sys, games.ID, p, ResultInput{Place: i + 1, Award: medals[i]}); err != nil {
				return fmt.Errorf("demo result: %w", err)
			}
		}
	}
	if _, err := mk(sys, Input{Title: "嘉昆太残疾人文化艺术节", Kind: "culture", OrgUnit: home, Shared: true, Date: day(20), Place: name + "文化馆",
		Places: 300, Description: "嘉定、昆山、太仓三地残疾人书画、手工艺和文艺演出联展。"}); err != nil {
		return err
	}
	skills, err := mk(town, Input{Title: townName + "残疾人职业技能竞赛", Kind: "skills", OrgUnit: demoTown, Date: day(-3), Place: townName + "社区学校",
		Places: 40, Description: "电脑操作、手工编织和面点制作三个项目。"})
	if err != nil {
		return err
	}
	for i, p := range townPeople[:min(2, len(townPeople))] {
		if _, _, err := s.Attend(ctx, town, skills.ID, p); err != nil {
			return fmt.Errorf("demo attendance: %w", err)
		}
		if i == 0 {
			if _, err := s.SetResult(ctx, town, skills.ID, p, ResultInput{Place: 2, Award: "面点制作二等奖"}); err != nil {
				return fmt.Errorf("demo result: %w", err)
			}
		}
	}
	if village != "" {
		if _, err := mk(access.Demo(identity.VillageAssistant, village), Input{Title: "村居文化下午茶：书法与剪纸", Kind: "culture", OrgUnit: village,
			Date: day(0), Place: "村委会活动室", Places: 20}); err != nil {
			return err
		}
	}
	sports, err := mk(sys, Input{Title: "助残日趣味运动会", Kind: "sport", OrgUnit: home, Date: day(10), Place: name + "残疾人综合服务中心",
		Places: 50, Description: "适合各类残疾人参加的趣味项目：套圈、投篮、轮椅接力。欢迎报名。"})
	if err != nil {
		return err
	}
	if me != 0 {
		if _, err := s.Register(ctx, sys, sports.ID, me); err != nil && apperr.CodeOf(err) != apperr.NotFound {
			return fmt.Errorf("demo registration: %w", err)
		}
	}
	outing, err := mk(town, Input{Title: orgunit.ShortName(townName) + "古镇无障碍游览", Kind: "culture", OrgUnit: demoTown, Date: day(5), Place: orgunit.ShortName(townName) + "古镇", Places: 15})
	if err != nil {
		return err
	}
	if _, err := s.Cancel(ctx, town, outing.ID, "天气预报有大雨，改期另行通知"); err != nil {
		return fmt.Errorf("demo cancel: %w", err)
	}
	fmt.Fprintf(d.Out, "demo data: 6 events with registrations, attendance and results\n")
	return nil
}
