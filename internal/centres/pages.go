package centres

import "sunshine/internal/platform/web"

// Pages are the centres' pages (the pages helper builds them).
type Pages struct {
	*Store
	Kit web.Kit
}

// Routes registers the pages.
func (pg *Pages) Routes(rt *web.Router) {}
