package volunteers

import "sunshine/internal/platform/web"

// staffRoutes registers the staff's pages.
func (p *Pages) staffRoutes(rt *web.Router) {}
