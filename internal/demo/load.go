package demo

import (
	"context"

	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/registry"
)

// Persons is the demo loader of the registry (module.Module.Demo, first in
// the app's list): d.N synthetic persons of the home district's towns
// (d.Place) from d.Seed, with this year's and last year's annual records,
// written through the registry; it asks for the demo accounts of a town, a
// village and a person of the demo town (Jiading's: 南翔镇).
func Persons(s *registry.Store) func(ctx context.Context, d *module.Demo) error {
	return func(ctx context.Context, d *module.Demo) error {
		now := s.Now()
		ds := Generate(d.Seed, d.N, d.Place.Towns, now.Year(), now)
		firstID, err := s.DemoLoad(ctx, d.Place.Code(), d.Place.ShortEn(), ds.Units, ds.Persons, ds.Annual, d.Out)
		if err != nil || len(ds.Units) == 0 {
			return err
		}
		town := d.Place.Town(0).Code
		townName := d.Place.Town(0).Name
		village := ""
		for _, u := range ds.Units {
			if u.Parent == town {
				village = u.Code
				break
			}
		}
		if village == "" {
			village, town = ds.Units[0].Code, ds.Units[0].Parent
			townName = "乡镇"
		}
		personID, personUnit := firstID, ds.Persons[0].OrgUnit
		if ids, err := s.DemoPersons(ctx, module.PersonFilter{Unit: village, Limit: 1}); err == nil && len(ids) == 1 {
			personID, personUnit = ids[0], village
		}
		d.Accounts = append(d.Accounts,
			module.Account{Username: "demo_town", Name: townName + "演示账户", Role: identity.TownStaff, OrgUnit: town},
			module.Account{Username: "demo_village", Name: "村居助残员演示账户", Role: identity.VillageAssistant, OrgUnit: village},
			module.Account{Username: "demo_person", Name: "残疾人演示账户", Role: identity.Person, OrgUnit: personUnit, PersonID: personID})
		return nil
	}
}
