// Package web holds the HTTP mechanisms shared by every module: a router whose
// routes declare the roles allowed to use them, authentication, JSON in and out,
// errors mapped to statuses with localized messages, and security middleware.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/platform/apperr"
)

// Principal is the signed-in user of a request.
type Principal struct {
	UserID   int64
	Username string
	Name     string
	Role     string
	OrgUnit  string
	PersonID int64
	Lang     string
	Display  string
	Token    string
}

// Authenticator resolves a bearer token or session cookie to a principal.
type Authenticator func(ctx context.Context, token string) (*Principal, error)

// Access says who may use a route.
type Access struct {
	Public bool     // no sign-in needed
	Roles  []string // signed-in users with one of these roles; empty with Public=false means any role
}

// PublicAccess is for routes anyone may use.
var PublicAccess = Access{Public: true}

// Roles is the access of routes for the given roles.
func Roles(roles ...string) Access { return Access{Roles: roles} }

// Route is a registered route, listed for the permission-matrix test and the API document.
type Route struct {
	Pattern string
	Access  Access
}

// Handler handles a request for a principal (nil on public routes) and returns
// an error to be rendered.
type Handler func(w http.ResponseWriter, r *http.Request, p *Principal) error

// Router wraps http.ServeMux: every route states its access.
type Router struct {
	mux    *http.ServeMux
	routes []Route
	auth   Authenticator
	log    *slog.Logger
}

// NewRouter returns a router that authenticates with auth.
func NewRouter(auth Authenticator, log *slog.Logger) *Router {
	if log == nil {
		log = slog.Default()
	}
	return &Router{mux: http.NewServeMux(), auth: auth, log: log}
}

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "sunshine_session"

// Token returns the bearer token or session cookie of a request.
func Token(r *http.Request) string {
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return c.Value
	}
	return ""
}

type principalKey struct{}

// PrincipalOf returns the principal of a request's context, if any.
func PrincipalOf(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// Handle registers h for pattern ("METHOD /path") with the given access.
func (rt *Router) Handle(pattern string, a Access, h Handler) {
	rt.routes = append(rt.routes, Route{Pattern: pattern, Access: a})
	rt.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		var p *Principal
		if tok := Token(r); tok != "" && rt.auth != nil {
			var err error
			if p, err = rt.auth(r.Context(), tok); err != nil && !a.Public {
				rt.Error(w, r, err)
				return
			}
		}
		if !a.Public {
			if p == nil {
				rt.Error(w, r, apperr.New(apperr.Unauthorized, "请先登录。", "Please sign in first."))
				return
			}
			if len(a.Roles) > 0 && !slices.Contains(a.Roles, p.Role) {
				rt.Error(w, r, apperr.ErrForbidden())
				return
			}
		}
		if p != nil {
			r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
		}
		if err := h(w, r, p); err != nil {
			rt.Error(w, r, err)
		}
	})
}

// Routes lists the registered routes in registration order.
func (rt *Router) Routes() []Route { return slices.Clone(rt.routes) }

// ServeHTTP serves through the mux.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.mux.ServeHTTP(w, r) }

// Lang returns the language of a request: "en" when Accept-Language (or the
// signed-in user's preference, for pages) prefers English, else "zh".
func Lang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "zh" {
		return l
	}
	al := strings.ToLower(strings.TrimSpace(r.Header.Get("Accept-Language")))
	if al != "" {
		first := strings.TrimSpace(strings.Split(strings.Split(al, ",")[0], ";")[0])
		if strings.HasPrefix(first, "en") {
			return "en"
		}
		if strings.HasPrefix(first, "zh") {
			return "zh"
		}
	}
	if p := PrincipalOf(r.Context()); p != nil && p.Lang == "en" {
		return "en"
	}
	return "zh"
}

// Status maps an error code to its HTTP status.
func Status(code apperr.Code) int {
	switch code {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.TooMany:
		return http.StatusTooManyRequests
	case apperr.Malformed:
		return http.StatusBadRequest
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.Unsupported:
		return http.StatusUnsupportedMediaType
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of an error (CONTRACT.md).
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Code    string        `json:"code"`
	Message string        `json:"message"`
	Fields  []FieldDetail `json:"fields,omitempty"`
}

// FieldDetail is one field error.
type FieldDetail struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ErrorDetailOf localizes an error for the request's language.
func ErrorDetailOf(err error, lang string) (int, ErrorDetail) {
	e, ok := apperr.As(err)
	if !ok {
		e = apperr.New(apperr.Internal, "服务器内部错误，请稍后再试。", "Something went wrong on the server; please try again later.")
	}
	d := ErrorDetail{Code: string(e.Code), Message: e.Msg.In(lang)}
	for _, f := range e.Fields {
		d.Fields = append(d.Fields, FieldDetail{Field: f.Field, Code: f.Code, Message: f.Msg.In(lang)})
	}
	return Status(e.Code), d
}

// Error writes err as a JSON error; unexpected errors are logged, not shown.
func (rt *Router) Error(w http.ResponseWriter, r *http.Request, err error) {
	status, d := ErrorDetailOf(err, Lang(r))
	if status == http.StatusInternalServerError {
		rt.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sunshine"`)
	}
	JSON(w, status, ErrorBody{Error: d})
}

// JSON writes v as JSON with a status.
func JSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// MaxJSONBody bounds JSON request bodies.
const MaxJSONBody = 1 << 20

// Decode reads a JSON body into v; unknown fields and trailing data are refused.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.New(apperr.TooLarge, "请求内容过大。", "The request body is too large.")
		}
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field != "" {
			return apperr.Validation(apperr.Field(ute.Field, "type", fmt.Sprintf("字段 %s 的类型不正确，应为 %s。", ute.Field, ute.Type),
				fmt.Sprintf("The field %s has the wrong type; it should be %s.", ute.Field, ute.Type)))
		}
		return apperr.New(apperr.Malformed, "请求内容不是有效的 JSON："+err.Error(), "The request body is not valid JSON: "+err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.New(apperr.Malformed, "请求内容末尾有多余的数据。", "The request body has extra data at the end.")
	}
	return nil
}

// List is the JSON shape of a list (CONTRACT.md).
type List[T any] struct {
	Items []T    `json:"items"`
	Total int    `json:"total"`
	Next  string `json:"next"`
}

// Paging reads ?limit= (default 50, max 500) and ?cursor=.
func Paging(r *http.Request) (limit int, cursor string, err error) {
	limit = 50
	if s := r.URL.Query().Get("limit"); s != "" {
		n, e := strconv.Atoi(s)
		if e != nil || n < 1 {
			return 0, "", apperr.Validation(apperr.Field("limit", "invalid", "limit 应为正整数。", "limit must be a positive whole number."))
		}
		limit = min(n, 500)
	}
	return limit, r.URL.Query().Get("cursor"), nil
}

// IntParam parses an integer query or path value; empty gives 0.
func IntParam(name, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, apperr.Validation(apperr.Field(name, "invalid", name+" 应为非负整数。", name+" must be a non-negative whole number."))
	}
	return n, nil
}

// ClientAddr is the address of the client (the direct peer; proxies are not trusted).
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
