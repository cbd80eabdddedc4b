package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/employment"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/registry"
)

// shanghai is the time zone of start dates and the year they count in.
var shanghai = time.FixedZone("CST", 8*3600)

// PlacementType is the casework service type `employment` (DOMAIN.md §8):
// register → match (a vacancy) → interview → place (employer, start date,
// job; the person's annual record of that year says employed, the employer
// counts them for the quota) → follow-ups at 3 and 6 months (due dates) →
// close.
func (s *Store) PlacementType() *casework.Type {
	staff := []string{identity.TownStaff, identity.DistrictStaff}
	followers := []string{identity.TownStaff, identity.DistrictStaff, identity.VillageAssistant}
	creators := []string{identity.VillageAssistant, identity.TownStaff, identity.DistrictStaff, identity.Person}
	followUp := []casework.Field{
		{Name: "status", Kind: casework.KindEnum, Required: true, Choices: []string{"working", "left"}, Zh: "是否仍在岗", En: "Still in the job?"},
		{Name: "note", Kind: casework.KindText, Zh: "回访记录", En: "Notes of the follow-up"},
	}
	return &casework.Type{
		Code: "employment", Zh: "就业安置", En: "Employment placement",
		Initial:      "registered",
		CreateRoles:  creators,
		CreateFields: []casework.Field{{Name: "need", Kind: casework.KindText, Zh: "求职意向", En: "The work wanted"}},
		States: []casework.State{
			{Code: "registered", Zh: "已登记", En: "registered", Due: 14 * 24 * time.Hour},
			{Code: "matched", Zh: "已推荐岗位", En: "matched", Due: 14 * 24 * time.Hour},
			{Code: "interviewing", Zh: "面试中", En: "interviewing", Due: 14 * 24 * time.Hour},
			{Code: "placed", Zh: "已上岗", En: "placed"},                            // due: 3 months after the start
			{Code: "followed_3m", Zh: "已完成三个月回访", En: "followed up at 3 months"}, // due: 6 months after the start
			{Code: "followed_6m", Zh: "已完成六个月回访", En: "followed up at 6 months", Due: 14 * 24 * time.Hour},
			{Code: "closed", Zh: "已结案", En: "closed", Terminal: true},
			{Code: "cancelled", Zh: "已撤销", En: "cancelled", Terminal: true},
		},
		Transitions: []casework.Transition{
			{Action: "match", From: []string{"registered", "matched", "interviewing"}, To: "matched", Roles: staff, Zh: "推荐岗位", En: "match",
				Fields: []casework.Field{{Name: "vacancy", Kind: casework.KindInt, Required: true, Zh: "岗位编号", En: "Vacancy"}}},
			{Action: "interview", From: []string{"matched"}, To: "interviewing", Roles: append([]string{identity.Provider}, staff...), Zh: "安排面试", En: "interview",
				Fields: []casework.Field{{Name: "date", Kind: casework.KindDate, Required: true, Zh: "面试日期", En: "Interview date"},
					{Name: "note", Kind: casework.KindText, Zh: "说明", En: "Notes"}}},
			{Action: "place", From: []string{"matched", "interviewing"}, To: "placed", Roles: staff, Zh: "上岗", En: "place",
				Fields: []casework.Field{{Name: "start_date", Kind: casework.KindDate, Required: true, Zh: "上岗日期", En: "Start date"},
					{Name: "job", Kind: casework.KindText, Short: true, Zh: "岗位（不填则为推荐的岗位）", En: "Job (the vacancy's title if empty)"}}},
			{Action: "follow_up_3m", From: []string{"placed"}, To: "followed_3m", Roles: followers, Fields: followUp, Zh: "三个月回访", En: "follow up at 3 months"},
			{Action: "follow_up_6m", From: []string{"followed_3m"}, To: "followed_6m", Roles: followers, Fields: followUp, Zh: "六个月回访", En: "follow up at 6 months"},
			{Action: "close", From: []string{"followed_3m", "followed_6m"}, To: "closed", Roles: staff, Zh: "结案", En: "close"},
			{Action: "cancel", From: []string{"registered", "matched", "interviewing"}, To: "cancelled", Roles: creators, Zh: "撤销", En: "cancel"},
		},
		Effect:  s.placementEffect,
		Options: s.placementOptions,
		Labels: map[string][2]string{
			"vacancy": {"推荐岗位", "Vacancy matched"}, "vacancy_title": {"岗位名称", "Job title"}, "employer_name": {"用人单位", "Employer"},
			"score": {"匹配得分", "Match score"}, "interview_date": {"面试日期", "Interview date"}, "start_date": {"上岗日期", "Start date"},
			"job": {"岗位", "Job"}, "working": {"仍在岗", "still in the job"}, "left": {"已离职", "has left"},
		},
		Hidden: []string{"employer_id"}, // named by employer_name
	}
}

// placementOptions offers the open vacancies of the person's district for
// matching, best for the person first when they have a profile.
func (s *Store) placementOptions(ctx context.Context, c casework.Case, field string) ([]casework.Option, error) {
	if field != "vacancy" {
		return nil, nil
	}
	dist := c.OrgUnit[:min(6, len(c.OrgUnit))]
	vs, err := s.openVacancies(ctx, s.db, dist)
	if err != nil {
		return nil, err
	}
	var p Profile
	var skills, needs int64
	err = s.db.QueryRow(ctx, `SELECT education, hours, skills, needs FROM job_seekers WHERE person_id = ?`, c.PersonID).Scan(&p.Education, &p.Hours, &skills, &needs)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read employment profile: %w", err)
	}
	hasProfile := err == nil
	p.PersonID, p.OrgUnit, p.Skills, p.Needs = c.PersonID, c.OrgUnit, fromDB(skills), fromDB(needs)
	openings := make([]Opening, len(vs))
	byID := map[int64]Vacancy{}
	for i, v := range vs {
		openings[i], byID[v.ID] = v.Opening(), v
	}
	out := []casework.Option{}
	for _, m := range RankOpenings(p, openings, len(openings)) {
		v := byID[m.VacancyID]
		o := casework.Option{Value: strconv.FormatInt(v.ID, 10), Zh: v.EmployerName + " · " + v.Title, En: v.EmployerName + " · " + v.Title}
		if hasProfile {
			o.Zh += fmt.Sprintf("（匹配度 %d）", m.Score)
			o.En += fmt.Sprintf(" (match %d)", m.Score)
		}
		out = append(out, o)
	}
	return out, nil
}

func (s *Store) placementEffect(ctx context.Context, tx *db.Tx, c *casework.Case, action string, data map[string]any) error {
	switch action {
	case "match":
		return s.match(ctx, tx, c, data)
	case "interview":
		c.Data["interview_date"] = data["date"]
	case "place":
		return s.place(ctx, tx, c, data)
	case "follow_up_3m", "follow_up_6m":
		status, _ := data["status"].(string)
		c.Data[strings.TrimPrefix(action, "follow_up_")] = status
		start, _ := time.ParseInLocation(time.DateOnly, fmt.Sprint(c.Data["start_date"]), shanghai)
		if action == "follow_up_3m" {
			c.Data["_due_at"] = start.AddDate(0, 6, 0).UTC()
		}
		if status == "left" {
			return s.left(ctx, tx, c)
		}
	}
	return nil
}

// match records the vacancy proposed: open, in the person's district.
func (s *Store) match(ctx context.Context, tx *db.Tx, c *casework.Case, data map[string]any) error {
	id, _ := strconv.ParseInt(fmt.Sprint(data["vacancy"]), 10, 64)
	dist := c.OrgUnit[:min(6, len(c.OrgUnit))]
	v, err := scanVacancy(tx.QueryRow(ctx, `SELECT `+vacancyCols+` FROM vacancies v JOIN employers e ON e.id = v.employer_id
		WHERE v.id = ? AND v.orgunit >= ? AND v.orgunit < ?`, id, dist, dist+":"))
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Validation(apperr.Field("vacancy", "unknown", fmt.Sprintf("本区没有编号为 %d 的岗位。", id), fmt.Sprintf("There is no vacancy %d in the person's district.", id)))
	}
	if err != nil {
		return fmt.Errorf("read vacancy: %w", err)
	}
	if !v.Open {
		return apperr.New(apperr.Conflict, "这个岗位已经关闭。", "This vacancy is closed.")
	}
	c.Data["vacancy"], c.Data["vacancy_title"], c.Data["employer_id"], c.Data["employer_name"] = v.ID, v.Title, v.EmployerID, v.EmployerName
	var p Profile
	var skills, needs int64
	err = tx.QueryRow(ctx, `SELECT education, hours, skills, needs FROM job_seekers WHERE person_id = ?`, c.PersonID).Scan(&p.Education, &p.Hours, &skills, &needs)
	switch {
	case err == nil:
		p.PersonID, p.OrgUnit, p.Skills, p.Needs = c.PersonID, c.OrgUnit, fromDB(skills), fromDB(needs)
		c.Data["score"] = Explain(p, v.Opening()).Score
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("read employment profile: %w", err)
	}
	return nil
}

// place records the start: the annual record of the start's year says
// employed, the employer counts the person among its disabled employees, the
// person no longer seeks work; the 3-month follow-up is due.
func (s *Store) place(ctx context.Context, tx *db.Tx, c *casework.Case, data map[string]any) error {
	start, _ := time.ParseInLocation(time.DateOnly, fmt.Sprint(data["start_date"]), shanghai)
	today := tx.Now.In(shanghai)
	if start.Before(today.AddDate(0, 0, -90)) || start.After(today.AddDate(0, 0, 90)) {
		return apperr.Validation(apperr.Field("start_date", "range", "上岗日期应在今天前后 90 天之内。", "The start date is within 90 days of today."))
	}
	employer, _ := strconv.ParseInt(fmt.Sprint(c.Data["employer_id"]), 10, 64)
	if employer == 0 {
		return apperr.New(apperr.Conflict, "个案还没有推荐岗位，请先推荐。", "No vacancy has been matched yet: match one first.")
	}
	job, _ := data["job"].(string)
	if job = strings.TrimSpace(job); job == "" {
		job, _ = c.Data["vacancy_title"].(string)
	}
	actor := casework.ActorOf(ctx)
	day := start.Format(time.DateOnly)

	// The annual record of the start's year says employed; the employer
	// counts the person (unless they work there already).
	year := start.Year()
	if err := registry.SetEmploymentTx(ctx, tx, c.PersonID, year, "employed", actor.Username); err != nil {
		return err
	}
	e := actor.Entry(audit.ActionUpdate, registry.SubjectPerson, strconv.FormatInt(c.PersonID, 10), c.OrgUnit)
	e.Detail = fmt.Sprintf(`{"annual":%d,"employment":"employed","case":%d}`, year, c.ID)
	if err := audit.Append(ctx, tx, e); err != nil {
		return err
	}
	if _, err := employment.LinkTx(ctx, tx, actor, employer, c.PersonID, c.OrgUnit, day); err != nil {
		return err
	}
	if err := s.seeking(ctx, tx, c.PersonID, false); err != nil {
		return err
	}
	c.Data["start_date"], c.Data["job"] = day, job
	c.Data["_due_at"] = start.AddDate(0, 3, 0).UTC()
	return nil
}

// left records that the person left the job: the employer's link ends today
// and the person seeks work again.
func (s *Store) left(ctx context.Context, tx *db.Tx, c *casework.Case) error {
	employer, _ := strconv.ParseInt(fmt.Sprint(c.Data["employer_id"]), 10, 64)
	if _, err := employment.EndTx(ctx, tx, casework.ActorOf(ctx), employer, c.PersonID, tx.Now.In(shanghai).Format(time.DateOnly)); err != nil {
		return err
	}
	return s.seeking(ctx, tx, c.PersonID, true)
}

// seeking marks whether a person with a profile seeks work.
func (s *Store) seeking(ctx context.Context, tx *db.Tx, personID int64, on bool) error {
	res, err := tx.Exec(ctx, `UPDATE job_seekers SET seeking = ? WHERE person_id = ? AND seeking <> ?`, on, personID, on)
	if err != nil {
		return fmt.Errorf("employment profile: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return bump(ctx, tx)
	}
	return nil
}
