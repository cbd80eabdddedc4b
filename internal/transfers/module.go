package transfers

import (
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// Module is the transfers as the app sees them: their table (after the
// persons it points at) and API.
func (s *Store) Module() module.Module {
	return module.Module{
		Name:   "transfers",
		Tables: []string{"transfers"},
		Routes: func(rt *web.Router, _ web.Kit) {
			API{Store: s}.Routes(rt)
		},
	}
}
