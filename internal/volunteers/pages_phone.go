package volunteers

import "sunshine/internal/platform/web"

// phoneRoutes registers the volunteer's phone pages.
func (p *Pages) phoneRoutes(rt *web.Router) {}
