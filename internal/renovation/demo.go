package renovation

import (
	"context"
	"encoding/json"
	"fmt"

	"sunshine/internal/access"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/module"
)

// demo sets the year's renovation budget and opens home renovation cases in
// the demo town (Jiading's: Nanxiang; after the device ones) at every stage,
// one finished and paid.
func (s *Store) demo(ctx context.Context, engine *casework.Engine, d *module.Demo) error {
	home, demoTown := d.Place.Code(), d.Place.Town(0)
	district, town := access.Demo(identity.DistrictStaff, home), access.Demo(identity.TownStaff, demoTown.Code)
	persons, err := d.Persons(ctx, module.PersonFilter{Unit: demoTown.Code, Offset: 13, Limit: 12}) // after the device ones
	if err != nil {
		return fmt.Errorf("demo renovation: %w", err)
	}
	if _, err := s.SetBudget(ctx, district.Scope, district.Actor, home, s.db.Now().In(shanghai).Year(), 50_000_000); err != nil {
		return fmt.Errorf("demo renovation budget: %w", err)
	}
	items := func(codes ...any) map[string]any { return map[string]any{"items": codes} }
	quote := map[string]any{"contractor": d.Place.Short() + "无障碍建设有限公司", "cost": json.Number("1250000")}
	cases := []struct {
		need  string
		steps []casework.Step
	}{
		{"卫生间需要扶手", nil},
		{"门口有台阶，轮椅进不去", []casework.Step{casework.StepBy(district, "survey", items("ramp", "door_widening"))}},
		{"卫生间改造", []casework.Step{casework.StepBy(district, "survey", items("grab_bars", "bathroom")), casework.StepBy(district, "quote", quote)}},
		{"安装紧急呼叫", []casework.Step{casework.StepBy(district, "survey", items("alarm")), casework.StepBy(district, "quote", quote), casework.StepBy(district, "approve", nil),
			casework.StepBy(district, "build", nil), casework.StepBy(town, "accept", nil), casework.StepBy(district, "pay", nil), casework.StepBy(district, "close", nil)}},
	}
	// A person whose certificate has expired cannot ask for a renovation:
	// the next one does.
	made := 0
	for _, p := range persons {
		if made == len(cases) {
			break
		}
		cs := cases[made]
		if c, err := engine.Run(ctx, district, p, "home_renovation", map[string]any{"need": cs.need}, cs.steps...); c.ID == 0 && apperr.CodeOf(err) == apperr.Conflict {
			continue
		} else if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		made++
	}
	fmt.Fprintf(d.Out, "demo data: %d home renovation cases in %s, the year's budget\n", made, demoTown.Name)
	return nil
}
