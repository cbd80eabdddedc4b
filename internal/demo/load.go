package demo

import (
	"context"

	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/module"
	"sunshine/internal/registry"
)

// Persons is the demo loader of the registry (module.Module.Demo, first in
// the app's list): d.N synthetic persons of Jiading's towns from d.Seed,
// with this year's and last year's annual records, written through the
// registry; it asks for the demo accounts of a town, a village and a
// person of 南翔镇.
func Persons(s *registry.Store) func(ctx context.Context, d *module.Demo) error {
	return func(ctx context.Context, d *module.Demo) error {
		var towns []orgunit.Unit
		for _, u := range orgunit.Seed() {
			if u.Level == 3 && u.Parent == "310114" {
				towns = append(towns, u)
			}
		}
		now := s.Now()
		ds := Generate(d.Seed, d.N, towns, now.Year(), now)
		firstID, err := s.DemoLoad(ctx, ds.Units, ds.Persons, ds.Annual, d.Out)
		if err != nil || len(ds.Units) == 0 {
			return err
		}
		town := "310114102" // 南翔镇
		village := ""
		for _, u := range ds.Units {
			if u.Parent == town {
				village = u.Code
				break
			}
		}
		if village == "" {
			village, town = ds.Units[0].Code, ds.Units[0].Parent
		}
		personID, personUnit := firstID, ds.Persons[0].OrgUnit
		if ids, err := s.DemoPersons(ctx, module.PersonFilter{Unit: village, Limit: 1}); err == nil && len(ids) == 1 {
			personID, personUnit = ids[0], village
		}
		d.Accounts = append(d.Accounts,
			module.Account{Username: "demo_town", Name: "南翔镇演示账户", Role: identity.TownStaff, OrgUnit: town},
			module.Account{Username: "demo_village", Name: "村居助残员演示账户", Role: identity.VillageAssistant, OrgUnit: village},
			module.Account{Username: "demo_person", Name: "残疾人演示账户", Role: identity.Person, OrgUnit: personUnit, PersonID: personID})
		return nil
	}
}
