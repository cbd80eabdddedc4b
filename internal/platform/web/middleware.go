package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// CSP is the Content-Security-Policy: nothing from elsewhere, no inline script.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Secure adds security headers and cross-origin protection for unsafe
// methods. A request came over HTTPS when it did, or when trustProxy is set
// (the server stands behind a reverse proxy that ends TLS and sets it) and
// X-Forwarded-Proto says https: such requests get HSTS, and IsHTTPS is true
// for them (cookies are then Secure).
func Secure(next http.Handler, trustProxy bool) http.Handler {
	cop := http.NewCrossOriginProtection()
	protected := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if trustProxy {
			if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
				hops := strings.Split(xff[len(xff)-1], ",")
				if ip := net.ParseIP(strings.TrimSpace(hops[len(hops)-1])); ip != nil {
					r = r.WithContext(context.WithValue(r.Context(), clientKey{}, ip.String()))
				}
			}
		}
		if r.TLS != nil || (trustProxy && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")) {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			r = r.WithContext(context.WithValue(r.Context(), httpsKey{}, true))
		}
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		protected.ServeHTTP(w, r)
	})
}

type httpsKey struct{}

type clientKey struct{}

// IsHTTPS reports whether the request came over HTTPS (see Secure).
func IsHTTPS(r *http.Request) bool {
	https, _ := r.Context().Value(httpsKey{}).(bool)
	return https || r.TLS != nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Logged logs each request (never bodies or query strings, which may hold
// personal data) and recovers from panics.
func Logged(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if v := recover(); v != nil {
				log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", v)
				http.Error(sw, "internal error", http.StatusInternalServerError)
			}
			if log.Enabled(r.Context(), slog.LevelDebug) || sw.status >= 500 {
				log.Log(r.Context(), slog.LevelInfo, "request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
					"ms", time.Since(start).Milliseconds())
			}
		}()
		next.ServeHTTP(sw, r)
	})
}
