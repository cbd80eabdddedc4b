package renovation

import (
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is home renovation as the app sees it: the budget API (its cases
// run on the case pages).
func (s *Store) Module() module.Module {
	return module.Module{Name: "renovation", Routes: func(rt *web.Router, _ web.Kit) { API{Store: s}.Routes(rt) }}
}
