package renovation

import (
	"context"
	"encoding/json"
	"fmt"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/module"
)

// demo sets the year's renovation budget and opens home renovation cases in
// Nanxiang (after the device ones) at every stage, one finished and paid.
func (s *Store) demo(ctx context.Context, engine *casework.Engine, d *module.Demo) error {
	district := access.Caller{Actor: audit.Actor{Username: "sunshine demo", Role: identity.DistrictStaff}, Scope: orgunit.ScopeOf("310114")}
	town := access.Caller{Actor: audit.Actor{Username: "sunshine demo", Role: identity.TownStaff}, Scope: orgunit.ScopeOf("310114102")}
	persons, err := d.Persons(ctx, module.PersonFilter{Unit: "310114102", Offset: 13, Limit: 4}) // after the device ones
	if err != nil {
		return fmt.Errorf("demo renovation: %w", err)
	}
	if _, err := s.SetBudget(ctx, district.Scope, district.Actor, "310114", s.db.Now().Year(), 50_000_000); err != nil {
		return fmt.Errorf("demo renovation budget: %w", err)
	}
	type step struct {
		who    access.Caller
		action string
		data   map[string]any
	}
	items := func(codes ...any) map[string]any { return map[string]any{"items": codes} }
	quote := map[string]any{"contractor": "嘉定无障碍建设有限公司", "cost": json.Number("1250000")}
	cases := []struct {
		need  string
		steps []step
	}{
		{"卫生间需要扶手", nil},
		{"门口有台阶，轮椅进不去", []step{{district, "survey", items("ramp", "door_widening")}}},
		{"卫生间改造", []step{{district, "survey", items("grab_bars", "bathroom")}, {district, "quote", quote}}},
		{"安装紧急呼叫", []step{{district, "survey", items("alarm")}, {district, "quote", quote}, {district, "approve", nil},
			{district, "build", nil}, {town, "accept", nil}, {district, "pay", nil}, {district, "close", nil}}},
	}
	made := 0
	for i, cs := range cases {
		if i >= len(persons) {
			break
		}
		c, err := engine.Create(ctx, district, persons[i], "home_renovation", map[string]any{"need": cs.need})
		if err != nil {
			return fmt.Errorf("demo home_renovation case: %w", err)
		}
		for _, st := range cs.steps {
			if c, err = engine.Act(ctx, st.who, c.ID, st.action, st.data, 0); err != nil {
				return fmt.Errorf("demo home_renovation case %s: %w", st.action, err)
			}
		}
		made++
	}
	fmt.Fprintf(d.Out, "demo data: %d home renovation cases in 南翔镇, the year's budget\n", made)
	return nil
}
