package centres

import (
	"context"
	"fmt"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/module"
)

// demo opens the demo centres of the demo town (Jiading's: 南翔镇) and the
// district — a Sunshine Home,
// a vocational base, a mental-health day centre and a village home in the
// demo village — with programmes, persons enrolled under each intake rule
// (each centre keeps free places, so that a person who fits is taken), and
// the roll calls of the last four weeks: one person of the Sunshine Home has
// missed two weeks and is flagged for a home visit.
func (s *Store) demo(ctx context.Context, d *module.Demo) error {
	home, town := d.Place.Code(), d.Place.Town(0)
	demoTown := town.Code
	sys := access.Demo(identity.DistrictStaff, home)
	townEn := orgunit.ShortNameEn(town.NameEn)
	road := "人民路"
	if town.Code == "310114102" { // 南翔镇, as the demo always had it
		road = "古猗园路"
	}
	var village string
	if err := s.db.QueryRow(ctx, `SELECT COALESCE(min(orgunit), '') FROM persons WHERE orgunit > ? AND orgunit < ?`, demoTown, demoTown+"z").Scan(&village); err != nil {
		return fmt.Errorf("demo centres: %w", err)
	}
	if village == "" {
		return nil // no demo persons in the demo town
	}
	type spec struct {
		in    CentreInput
		progs []ProgrammeInput
		want  int
	}
	specs := []spec{
		{CentreInput{Name: town.Name + "阳光之家", NameEn: townEn + " Sunshine Home", Kind: "sunshine_home", OrgUnit: demoTown, Address: town.Name + "德华路 188 号", Capacity: 20,
			Days: []string{"mon", "tue", "wed", "thu", "fri"}, Staff: "王老师、陈老师"},
			[]ProgrammeInput{{Name: "生活自理训练", Kind: "course", Days: []string{"mon", "thu"}, Starts: "09:00", Ends: "11:00"},
				{Name: "合唱团", Kind: "culture", Days: []string{"wed"}, Starts: "14:00", Ends: "15:30"},
				{Name: "手工编织", Kind: "work", Days: []string{"tue", "fri"}, Starts: "09:30", Ends: "11:30"}}, 14},
		{CentreInput{Name: town.Name + "阳光基地", NameEn: townEn + " Vocational Base", Kind: "vocational_base", OrgUnit: demoTown, Address: town.Name + road + " 66 号", Capacity: 30,
			Days: []string{"mon", "tue", "wed", "thu", "fri"}, Staff: "李师傅"},
			[]ProgrammeInput{{Name: "来料加工", Kind: "work", Days: []string{"mon", "tue", "wed", "thu", "fri"}, Starts: "09:00", Ends: "15:00"},
				{Name: "乒乓球", Kind: "sport", Days: []string{"thu"}, Starts: "15:00", Ends: "16:00"}}, 15},
		{CentreInput{Name: d.Place.Name() + "阳光心园", NameEn: d.Place.ShortEn() + " Mind Garden", Kind: "mind_garden", OrgUnit: home, Address: d.Place.Seat().Name + "清河路 55 号", Capacity: 20,
			Days: []string{"mon", "wed", "fri"}, Staff: "张医生、社工小刘"},
			[]ProgrammeInput{{Name: "心理支持小组", Kind: "therapy", Days: []string{"mon"}, Starts: "10:00", Ends: "11:30"},
				{Name: "书画班", Kind: "culture", Days: []string{"fri"}, Starts: "14:00", Ends: "16:00"}}, 8},
		{CentreInput{Name: "本村残疾人之家", NameEn: "Village Home", Kind: "village_home", OrgUnit: village, Address: "村委会一楼", Capacity: 10,
			Days: []string{"tue", "thu"}, Staff: "村助残员"},
			[]ProgrammeInput{{Name: "健身操", Kind: "sport", Days: []string{"tue"}, Starts: "09:00", Ends: "10:00"}}, 8},
	}
	now := s.db.Now()
	year := now.In(shanghai).Year()
	back := now.AddDate(0, 0, -40).UnixMilli()
	n := 0
	for _, sp := range specs {
		ce, err := s.CreateCentre(ctx, sys, sp.in)
		if err != nil {
			return fmt.Errorf("demo centre %s: %w", sp.in.Name, err)
		}
		for _, p := range sp.progs {
			if _, err := s.SaveProgramme(ctx, sys, ce.ID, 0, p); err != nil {
				return fmt.Errorf("demo programme %s: %w", p.Name, err)
			}
		}
		// Candidates: active persons of the centre's area who meet its rule
		// (the village home's first is the demo person).
		// (The demo has few persons: a town's Sunshine Home also takes
		// those of the rest of the district, its own town's first.)
		area := ce.OrgUnit
		if ce.Kind == "sunshine_home" {
			area = home
		}
		lo, hi := access.Demo(identity.DistrictStaff, area).Scope.Range()
		own, ownEnd := access.Demo(identity.DistrictStaff, ce.OrgUnit).Scope.Range()
		rows, err := s.db.Query(ctx, `SELECT id, category, components, sex, birth_year, orgunit FROM persons WHERE status = 'active' AND orgunit >= ? AND orgunit < ?
			ORDER BY CASE WHEN orgunit >= ? AND orgunit < ? THEN 0 ELSE 1 END, orgunit, id LIMIT 5000`, lo, hi, own, ownEnd)
		if err != nil {
			return fmt.Errorf("demo centres: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			var a Applicant
			var comps string
			var by int
			if err := rows.Scan(&id, &a.Category, &comps, &a.Sex, &by, &a.OrgUnit); err != nil {
				_ = rows.Close()
				return fmt.Errorf("demo centres: %w", err)
			}
			a.Age = year - by
			if Intake(ce.Kind, ce.OrgUnit, a) == nil && len(ids) < sp.want {
				ids = append(ids, id)
			}
		}
		_ = rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("demo centres: %w", err)
		}
		for _, id := range ids {
			if _, err := s.Enrol(ctx, sys, ce.ID, EnrolInput{PersonID: id, Waitlist: true}); err != nil {
				return fmt.Errorf("demo enrolment: %w", err)
			}
			n++
		}
		// Enrolled six weeks ago, so that the last weeks' roll calls find them.
		if _, err := s.db.Exec(ctx, `UPDATE centre_enrolments SET requested_at = ? WHERE centre_id = ?`, back, ce.ID); err != nil {
			return fmt.Errorf("demo enrolments: %w", err)
		}
		if _, err := s.db.Exec(ctx, `UPDATE centre_enrolments SET enrolled_at = ? WHERE centre_id = ? AND state = 'enrolled'`, back, ce.ID); err != nil {
			return fmt.Errorf("demo enrolments: %w", err)
		}
		if err := s.demoRollCalls(ctx, sys, ce, now); err != nil {
			return err
		}
	}
	fmt.Fprintf(d.Out, "demo data: %d centres with %d enrolments and four weeks of roll calls\n", len(specs), n)
	return nil
}

// demoRollCalls takes the roll calls of the centre's open days of the last
// four weeks: most come; the first enrolled of a Sunshine Home has not come
// for two weeks; culture and sport programmes get their own roll calls.
func (s *Store) demoRollCalls(ctx context.Context, c access.Caller, ce Centre, now time.Time) error {
	progs, err := s.Programmes(ctx, c, ce.ID, false)
	if err != nil {
		return err
	}
	for back := 27; back >= 1; back-- {
		day := now.In(shanghai).AddDate(0, 0, -back)
		wd := Weekdays[(int(day.Weekday())+6)%7].Code
		if !contains(ce.Days, wd) {
			continue
		}
		date := day.Format(time.DateOnly)
		rc, err := s.RollCallOf(ctx, c, ce.ID, date, 0, "zh")
		if err != nil {
			return fmt.Errorf("demo roll call: %w", err)
		}
		var present []int64
		for i, r := range rc.Rows {
			absent := (i+back)%7 == 0 || ce.Kind == "sunshine_home" && i == 0 && back <= AbsentDays+1
			if !absent {
				present = append(present, r.PersonID)
			}
		}
		if _, err := s.SaveAttendance(ctx, c, ce.ID, AttendanceInput{Date: date, Present: present}); err != nil {
			return fmt.Errorf("demo roll call: %w", err)
		}
		for _, p := range progs {
			if !CountsForCulture(p.Kind) || !contains(p.Days, wd) {
				continue
			}
			if _, err := s.SaveAttendance(ctx, c, ce.ID, AttendanceInput{Date: date, ProgrammeID: p.ID, Present: present}); err != nil {
				return fmt.Errorf("demo programme roll call: %w", err)
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
