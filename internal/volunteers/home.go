package volunteers

import (
	"net/http"

	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

// home gives each role its part of the home page.
func (s *Store) home(r *http.Request, p *web.Principal, page *web.Page) (module.Home, error) {
	return module.Home{}, nil
}
