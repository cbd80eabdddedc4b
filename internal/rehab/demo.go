package rehab

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/module"
)

// demo opens a few rehabilitation cases in the demo town (Jiading's: 南翔镇)
// in different states,
// with plans booked into the town's sub-centre and the district centre and
// sessions recorded, so that the schedule pages show content.
func (s *Store) demo(ctx context.Context, engine *casework.Engine, d *module.Demo) error {
	home, demoTown := d.Place.Code(), d.Place.Town(0)
	sys := access.Demo(identity.DistrictStaff, home)
	persons, err := d.Persons(ctx, module.PersonFilter{Unit: demoTown.Code, Limit: 8})
	if err != nil {
		return fmt.Errorf("demo rehabilitation: %w", err)
	}
	var sub, centre int64
	if err := s.db.QueryRow(ctx, `SELECT id FROM rehab_centres WHERE orgunit = ?`, demoTown.Code).Scan(&sub); err != nil {
		return fmt.Errorf("demo rehabilitation: %w", err)
	}
	if err := s.db.QueryRow(ctx, `SELECT id FROM rehab_centres WHERE orgunit = ?`, home).Scan(&centre); err != nil {
		return fmt.Errorf("demo rehabilitation: %w", err)
	}
	cst := time.FixedZone("CST", 8*3600)
	now := s.db.Now().In(cst)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	step := func(action string, data map[string]any) casework.Step {
		return casework.Step{By: sys, Action: action, Data: data}
	}
	sessions := func(start time.Time, perWeek int, attended ...bool) []casework.Step {
		var out []casework.Step
		for i, ok := range attended {
			d := start.AddDate(0, 0, (i/perWeek)*7+(i%perWeek)*2)
			if d.After(today) {
				break
			}
			out = append(out, step("session", map[string]any{"date": day(d), "attended": ok}))
		}
		return out
	}
	plan := func(service string, n, perWeek int, at int64, start time.Time) []casework.Step {
		return []casework.Step{
			step("assess", map[string]any{"service": service, "sessions": json.Number(strconv.Itoa(n)), "goals": "提高日常生活自理能力"}),
			step("schedule", map[string]any{"centre": json.Number(strconv.FormatInt(at, 10)), "start": day(start), "per_week": json.Number(strconv.Itoa(perWeek))}),
		}
	}
	cases := [][]casework.Step{
		nil, // referred
		{step("assess", map[string]any{"service": "psychological", "sessions": json.Number("8"), "goals": "缓解焦虑情绪"})}, // assessed
		append(plan("physical", 12, 2, sub, monday.AddDate(0, 0, -21)), sessions(monday.AddDate(0, 0, -21), 2, true, true, false, true, true, true, true)...),
		append(plan("speech", 9, 3, centre, monday.AddDate(0, 0, -7)), sessions(monday.AddDate(0, 0, -7), 3, true, false, true, true)...),
		append(append(plan("occupational", 4, 2, sub, monday.AddDate(0, 0, -14)), sessions(monday.AddDate(0, 0, -14), 2, true, true, true, true)...),
			step("evaluate", map[string]any{"outcome": "improved", "note": "可独立穿衣"})),
		append(plan("psychological", 6, 2, sub, monday), step("cancel", nil)),
	}
	made := 0
	for i, steps := range cases {
		if i >= len(persons) {
			break
		}
		// A plan refused by a centre full from an earlier demo load leaves the
		// case where it stopped.
		if _, err := engine.Run(ctx, sys, persons[i], "rehabilitation", map[string]any{"reason": "村居走访发现康复需求", "certificate_override": "换证复评已预约，先行康复"}, steps...); err != nil &&
			apperr.CodeOf(err) != apperr.Conflict {
			return fmt.Errorf("demo: %w", err)
		}
		made++
	}
	fmt.Fprintf(d.Out, "demo data: %d rehabilitation cases in %s\n", made, demoTown.Name)
	return nil
}
