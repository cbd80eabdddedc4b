package devices

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/module"
)

// demo stocks the district's and Nanxiang's service points and opens
// assistive device cases in Nanxiang (after the rehabilitation ones) at every
// stage, one device on loan, so that the case pages, the inbox, the loan card
// and the stock page show content.
func (s *Store) demo(ctx context.Context, engine *casework.Engine, d *module.Demo) error {
	district := access.Caller{Actor: audit.Actor{Username: "sunshine demo", Role: identity.DistrictStaff}, Scope: orgunit.ScopeOf("310114")}
	town := access.Caller{Actor: audit.Actor{Username: "sunshine demo", Role: identity.TownStaff}, Scope: orgunit.ScopeOf("310114102")}
	persons, err := d.Persons(ctx, module.PersonFilter{Unit: "310114102", Offset: 8, Limit: 5}) // after the rehabilitation ones
	if err != nil {
		return fmt.Errorf("demo devices: %w", err)
	}
	points, err := s.Points(ctx, orgunit.ScopeOf("310114102"))
	if err != nil {
		return fmt.Errorf("demo devices: %w", err)
	}
	var townPoint int64
	for _, pt := range points {
		for _, st := range []struct {
			code string
			n    int
		}{{"12 22 03", 6}, {"12 06 06", 4}, {"12 03 03", 10}, {"22 06 06", 5}, {"09 33 03", 8}, {"12 39 03", 6}} {
			if _, err := s.Move(ctx, district.Scope, district.Actor, pt.ID, st.code, st.n, "演示数据：首批入库"); err != nil {
				return fmt.Errorf("demo stock: %w", err)
			}
		}
		if pt.OrgUnit == "310114102" {
			townPoint = pt.ID
		}
	}
	type step struct {
		who    access.Caller
		action string
		data   map[string]any
	}
	items := func(codes ...any) map[string]any { return map[string]any{"items": codes} }
	point := map[string]any{"service_point": json.Number(strconv.FormatInt(townPoint, 10))}
	cases := []struct {
		typ, need string
		steps     []step
	}{
		{"assistive_device", "出门需要轮椅", nil},
		{"assistive_device", "走路不稳，需要助行器", []step{{district, "assess", items("12 06 06")}}},
		{"assistive_device", "听不清电话", []step{{district, "assess", items("22 06 06")}, {town, "approve", nil}}},
		{"assistive_device", "行动不便，需要轮椅和洗澡椅", []step{{district, "assess", items("12 22 03", "09 33 03")}, {town, "approve", nil}, {district, "dispense", point}}},
		{"assistive_device", "需要盲杖", []step{{district, "assess", items("12 39 03")}, {town, "approve", nil}, {district, "dispense", point}, {town, "close", nil}}},
	}
	made := 0
	for i, cs := range cases {
		if i >= len(persons) {
			break
		}
		c, err := engine.Create(ctx, district, persons[i], cs.typ, map[string]any{"need": cs.need})
		if err != nil {
			return fmt.Errorf("demo %s case: %w", cs.typ, err)
		}
		for _, st := range cs.steps {
			if c, err = engine.Act(ctx, st.who, c.ID, st.action, st.data, 0); err != nil {
				return fmt.Errorf("demo %s case %s: %w", cs.typ, st.action, err)
			}
		}
		made++
	}
	fmt.Fprintf(d.Out, "demo data: %d assistive device cases in 南翔镇, stock at %d service points\n", made, len(points))
	return nil
}
