package towns

import (
	"context"
	"fmt"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/module"
)

// demo shows the town modules: the demo town (Jiading's: Nanxiang) runs a
// local project with two fields of its own and a few cases; the second demo
// town (Anting) has switched home renovation off. Only once: not when the
// demo town has projects already.
func (s *Store) demo(ctx context.Context, d *module.Demo) error {
	town, other := d.Place.Town(0).Code, d.Place.Town(1).Code
	townShort := orgunit.ShortName(d.Place.Town(0).Name)
	sc := orgunit.ScopeOf(town)
	have, err := s.Projects(ctx, sc, town)
	if err != nil || len(have) > 0 {
		return err
	}
	actor := audit.Actor{Username: access.DemoActor, Role: identity.TownStaff}
	p, err := s.CreateProject(ctx, sc, actor, town, ProjectInput{
		Name: "阳光助学陪读", NameEn: "Sunshine school companion",
		Description: "为就读普通学校的残疾学生安排志愿者陪读（" + d.Place.Town(0).Name + "试点）。",
		Fields: []FieldDef{
			{Name: "school", LabelZh: "就读学校", LabelEn: "School", Kind: "text", Required: true},
			{Name: "stage", LabelZh: "学段", LabelEn: "Stage", Kind: "enum", Choices: []string{"小学", "初中", "高中", "职校"}, Required: true},
		},
	})
	if err != nil {
		return fmt.Errorf("demo project: %w", err)
	}
	ids, err := d.Persons(ctx, module.PersonFilter{Unit: town, Limit: 3})
	if err != nil {
		return fmt.Errorf("demo project cases: %w", err)
	}
	caller := access.Caller{Actor: actor, Scope: sc}
	schools := []string{townShort + "小学", townShort + "中学", d.Place.Short() + "职校"}
	stages := []string{"小学", "初中", "职校"}
	for i, id := range ids {
		c, err := s.engine.Create(ctx, caller, id, p.Code, map[string]any{"need": "需要陪读", "school": schools[i], "stage": stages[i], "certificate_override": "换证复评已预约，开学在即"})
		if err != nil {
			return fmt.Errorf("demo project case: %w", err)
		}
		if i == 0 {
			if _, err := s.engine.Act(ctx, caller, c.ID, "approve", nil, c.Version); err != nil {
				return fmt.Errorf("demo project case: %w", err)
			}
		}
	}
	if _, err := s.SetService(ctx, orgunit.ScopeOf(other), actor, other, "home_renovation", false, "zh"); err != nil {
		return fmt.Errorf("demo service switch: %w", err)
	}
	fmt.Fprintf(d.Out, "demo towns: local project %s in %s with %d cases; home renovation switched off in %s\n", p.Code, town, len(ids), other)
	return nil
}
