package devices

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/module"
)

// demo stocks the district's and the demo town's service points (Jiading's:
// Nanxiang) and opens assistive device cases in the demo town (after the
// rehabilitation ones) at every
// stage, one device on loan, one approval only partly in stock, so that the
// case pages, the inbox, the loan card and the stock page show content.
func (s *Store) demo(ctx context.Context, engine *casework.Engine, d *module.Demo) error {
	home, demoTown := d.Place.Code(), d.Place.Town(0)
	district, town := access.Demo(identity.DistrictStaff, home), access.Demo(identity.TownStaff, demoTown.Code)
	// The fitter who assesses is not the one who approves (Store.separate):
	// the district's own fitter (a provider's worker sees only the cases
	// assigned to its organisation, none yet while the demo is made).
	fitter := access.Demo(identity.DistrictStaff, home)
	fitter.Actor.Username = access.DemoActor + " (fitter)"
	persons, err := d.Persons(ctx, module.PersonFilter{Unit: demoTown.Code, Offset: 8, Limit: 5}) // after the rehabilitation ones
	if err != nil {
		return fmt.Errorf("demo devices: %w", err)
	}
	points, err := s.Points(ctx, orgunit.ScopeOf(demoTown.Code))
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
		if pt.OrgUnit == demoTown.Code {
			townPoint = pt.ID
		}
	}
	items := func(codes ...any) map[string]any { return map[string]any{"items": codes} }
	point := map[string]any{"service_point": json.Number(strconv.FormatInt(townPoint, 10))}
	cases := []struct {
		need  string
		steps []casework.Step
	}{
		{"出门需要轮椅", nil},
		{"走路不稳，需要助行器", []casework.Step{casework.StepBy(fitter, "assess", items("12 06 06"))}},
		// Approved, partly in stock: the in-the-ear aid is stocked nowhere (the partial path).
		{"听不清电话", []casework.Step{casework.StepBy(fitter, "assess", items("22 06 06", "22 06 03")), casework.StepBy(town, "approve", nil)}},
		{"行动不便，需要轮椅和洗澡椅", []casework.Step{casework.StepBy(fitter, "assess", items("12 22 03", "09 33 03")), casework.StepBy(town, "approve", nil), casework.StepBy(district, "dispense", point)}},
		{"需要盲杖", []casework.Step{casework.StepBy(fitter, "assess", items("12 39 03")), casework.StepBy(town, "approve", nil), casework.StepBy(district, "dispense", point), casework.StepBy(town, "close", nil)}},
	}
	// A person whose certificate has expired gets the device with a
	// reason on record (casework.CertWarn); others do not need one.
	const demoOverride = "换证复评已预约，出行急需"
	made := 0
	for i, cs := range cases {
		if i >= len(persons) {
			break
		}
		if _, err := engine.Run(ctx, district, persons[i], "assistive_device", map[string]any{"need": cs.need, "certificate_override": demoOverride}, cs.steps...); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		made++
	}
	fmt.Fprintf(d.Out, "demo data: %d assistive device cases in %s, stock at %d service points\n", made, demoTown.Name, len(points))
	return nil
}
