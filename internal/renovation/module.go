package renovation

import (
	"context"

	"sunshine/internal/casework"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is home renovation as the app sees it: the budget API (its cases
// run on the case pages). It registers the home_renovation service type
// with engine.
func (s *Store) Module(engine *casework.Engine) module.Module {
	engine.Register(s.Type())
	return module.Module{Name: "renovation", Routes: func(rt *web.Router, _ web.Kit) { API{Store: s}.Routes(rt) },
		Tables: []string{"renovation_budgets", "renovation_commitments"},
		Demo:   func(ctx context.Context, d *module.Demo) error { return s.demo(ctx, engine, d) }}
}
