package app

import (
	"net/http"

	"sunshine/internal/platform/web"
)

// platformRoutes registers the health checks and the API document.
func (a *App) platformRoutes(rt *web.Router) {
	rt.Handle("GET /healthz", web.PublicAccess, func(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err := w.Write([]byte("ok"))
		return err
	})
	rt.Handle("GET /readyz", web.PublicAccess, func(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if reason := a.Ready(r.Context()); reason != "" {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(reason))
			return nil
		}
		_, err := w.Write([]byte("ok"))
		return err
	})
	// The API document lists every route of the router, those registered after it too.
	rt.Handle("GET /api/v1/openapi.json", web.PublicAccess, func(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
		return web.JSON(w, http.StatusOK, web.OpenAPI(rt.Routes()))
	})
}
