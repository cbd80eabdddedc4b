package jobs

import (
	"context"
	"fmt"
	"slices"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/employment"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/module"
)

// demoVacancies are the demo vacancies: the employer (by its number in
// employment.DemoEmployerName), the job and its terms.
var demoVacancies = []struct {
	employer int
	in       VacancyInput
}{
	{0, VacancyInput{Title: "数据录入员", Description: "在办公室录入和核对生产数据，使用电脑完成。",
		Positions: 3, MinEducation: "junior", Hours: "full_time", Skills: []string{"computer", "data_entry"},
		Accommodations: []string{"step_free", "accessible_toilet", "screen_reader", "flexible_hours"}, MonthlyWage: 5200}},
	{0, VacancyInput{Title: "产品包装工", Description: "在安静的车间包装精密零件，有就业辅导员带教。",
		Positions: 5, MinEducation: "none", Hours: "part_time", Skills: []string{"packaging", "assembly"},
		Accommodations: []string{"step_free", "quiet_space", "job_coach"}, MonthlyWage: 3200}},
	{1, VacancyInput{Title: "装配工", Description: "汽车配件装配，可调节工位，提供通勤班车。",
		Positions: 4, MinEducation: "junior", Hours: "full_time", Skills: []string{"assembly"},
		Accommodations: []string{"step_free", "adjustable_desk", "transport"}, MonthlyWage: 4800}},
	{3, VacancyInput{Title: "电话客服专员", Description: "接听客户电话、录入订单，可居家或弹性上班。",
		Positions: 2, MinEducation: "senior", Hours: "flexible", Skills: []string{"customer_service", "phone_service", "computer"},
		Accommodations: []string{"flexible_hours", "screen_reader"}, MonthlyWage: 4500}},
}

// demo gives about forty demo persons of the demo town (Jiading's: 南翔镇)
// an employment profile (the
// demo person account among them) and posts the demo vacancies, so that the
// matching pages show real rankings.
func (s *Store) demo(ctx context.Context, employers *employment.Store, d *module.Demo) error {
	actor := audit.Actor{Username: access.DemoActor, Role: "system"}
	home, town := d.Place.Code(), d.Place.Town(0).Code
	rc := access.Caller{Actor: actor, Scope: orgunit.ScopeOf(home)}
	// The town's first forty active persons, in id order: the demo person
	// account's record (the first of the town's first village) among them.
	ids, err := d.Persons(ctx, module.PersonFilter{Unit: town, Active: true, Limit: 40})
	if err != nil {
		return fmt.Errorf("demo job seekers: %w", err)
	}
	desired := []string{"希望在家附近做办公室工作。", "想学一门手艺，做手工或包装都可以。", "希望做客服或电话接线。", "愿意做保洁、绿化等户外工作。", "想找一份兼职，时间灵活。"}
	abilities := []string{"能熟练使用电脑，久站有困难。", "手很灵巧，听力不好，需要手语沟通。", "口齿清楚，行动需要轮椅。", "体力好，阅读有困难。", "认真细致，需要安静的环境。"}
	for i, id := range ids {
		skills := []string{Skills[i%len(Skills)].Code, Skills[(i*7+3)%len(Skills)].Code}
		if i%2 == 0 {
			skills = append(skills, Skills[(i*11+5)%len(Skills)].Code)
		}
		needs := []string{}
		if i%3 != 0 {
			needs = append(needs, Accommodations[i%len(Accommodations)].Code)
			if i%4 == 1 {
				needs = append(needs, Accommodations[(i*3+1)%len(Accommodations)].Code)
			}
		}
		in := ProfileInput{Seeking: i%9 != 8, Education: Education[(i*5+2)%len(Education)].Code, Hours: Hours[i%len(Hours)].Code,
			Skills: slices.Compact(slices.Sorted(slices.Values(skills))), Accommodations: slices.Compact(slices.Sorted(slices.Values(needs))),
			Desired: desired[i%len(desired)], Abilities: abilities[i%len(abilities)]}
		if _, err := s.Put(ctx, rc, id, in); err != nil {
			return fmt.Errorf("demo job seeker %d: %w", id, err)
		}
	}
	ec := employment.Caller{Actor: actor, Scope: orgunit.ScopeOf(home), Registry: rc}
	var vacancies []Vacancy
	for _, dv := range demoVacancies {
		in := dv.in
		if in.EmployerID, err = employers.DemoEmployerID(ctx, employment.DemoEmployerName(d.Place, dv.employer)); err != nil {
			return fmt.Errorf("demo vacancy %s: %w", in.Title, err)
		}
		v, err := s.CreateVacancy(ctx, ec, in)
		if err != nil {
			return fmt.Errorf("demo vacancy %s: %w", in.Title, err)
		}
		vacancies = append(vacancies, v)
	}
	// The first vacancy's best match is recommended to its employer (the
	// demo employer account), awaiting its answer.
	if len(vacancies) > 0 {
		_, ranked, _, err := s.MatchSeekers(ctx, ec, vacancies[0].ID, 1)
		if err != nil {
			return fmt.Errorf("demo recommendation: %w", err)
		}
		for _, r := range ranked {
			if _, err := s.Recommend(ctx, ec, vacancies[0].ID, r.PersonID, "演示：匹配得分最高的求职人员"); err != nil {
				return fmt.Errorf("demo recommendation: %w", err)
			}
		}
	}
	fmt.Fprintf(d.Out, "demo jobs: %d job seekers in %s, %d vacancies\n", len(ids), town, len(demoVacancies))
	return nil
}
