package registry

import (
	"context"

	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is the registry as the app sees it: the persons API and pages,
// imports and exports. sections add other modules' tables about a person
// (their service requests, the devices they hold) to the person page and /me.
func (s *Store) Module(t *Transfer, units *orgunit.Store, sections ...Section) module.Module {
	return module.Module{
		Name: "registry", Templates: Templates(), Funcs: TemplateFuncs(),
		Tables: []string{"orgunits", "persons", "annual_records", "imports", "import_batches", "import_runs"}, Home: s.home(t),
		Sealed: Sealed(),
		// A restored backup from before the search indexes gets them.
		Restored: func(ctx context.Context) error {
			_, err := s.FillSearchIndexes(ctx)
			return err
		},
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			t.Routes(rt)
			(&Pages{Store: s, Transfer: t, Kit: kit, Units: units, Sections: sections}).Routes(rt)
		},
		Nav: []module.Nav{
			{Order: 10, Roles: identity.Staff(), Zh: "残疾人档案", En: "Registry", Href: "/persons"},
			{Order: 15, Roles: []string{identity.TownStaff, identity.VillageAssistant}, Zh: "入户走访", En: "Home visits", Href: "/visits"},
			{Order: 20, Roles: identity.Staff(), Zh: "导入导出", En: "Import and export", Href: "/imports"},
			{Order: 50, Roles: []string{identity.Person}, Zh: "我的档案", En: "My record", Href: "/me"},
		},
	}
}

// Sealed lists the registry's sealed columns: the persons' secret fields
// (PersonFields) and the imports' rejected rows.
func Sealed() []module.Sealed {
	var out []module.Sealed
	for _, f := range PersonFields {
		if !f.Secret {
			continue
		}
		c := module.Sealed{Table: "persons", Key: []string{"id"}, Column: f.stem + "_enc", Field: f.Field}
		if f.indexed {
			c.Index = f.stem + "_bidx"
		}
		c.Derived = f.derived
		out = append(out, c)
	}
	return append(out, module.Sealed{Table: "imports", Key: []string{"id"}, Column: "rejects_enc", Field: fRejects},
		module.Sealed{Table: "import_batches", Key: []string{"import_id", "seq"}, Column: "undo", Field: fUndo})
}
