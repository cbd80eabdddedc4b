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
	"mime"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

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
	// EmployerID is the organisation of an employer account.
	EmployerID int64
	// ProviderID is the organisation of a provider account.
	ProviderID int64
	// VolunteerID is the volunteer of a volunteer account.
	VolunteerID int64
	// Peer is, for a signed call of a partner installation, the district
	// code the calling key was issued to ("" otherwise).
	Peer    string
	Lang    string
	Display string
	Token   string
	// ExpiresAt is when the session ends unless used again.
	ExpiresAt time.Time
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
	// Module is the module that registered the route: Router.Module when it
	// was registered.
	Module string
	// Types are the Go types of the request body and the answer, when the
	// route declares them (JSON routes).
	Types Types
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
	// Pages renders HTML pages and their errors; NewPage starts a page's data.
	Pages   *Renderer
	NewPage func(r *http.Request, p *Principal, title string) *Page
	// Module names the module whose routes are being registered (the app
	// sets it before each module's); each route records it (Route.Module).
	Module string
	// Explicit are roles that reach only the routes whose Access names
	// them: a route open to any signed-in user (no Roles) refuses them.
	Explicit []string
	// Request, when set, authenticates a request by more than a token (a
	// signed call): handled is false when the request is not of its kind,
	// and then the token (bearer or cookie) is tried.
	Request func(r *http.Request) (p *Principal, handled bool, err error)
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

// Handle registers an API handler for pattern ("METHOD /path"): errors are JSON.
func (rt *Router) Handle(pattern string, a Access, h Handler, types ...Types) {
	rt.handle(pattern, a, h, rt.Error)
	if len(types) > 0 {
		rt.routes[len(rt.routes)-1].Types = types[0]
	}
}

// Page registers an HTML page handler: errors are pages, and a visitor who is
// not signed in is sent to the sign-in page.
func (rt *Router) Page(pattern string, a Access, h Handler) {
	rt.handle(pattern, a, h, rt.PageError)
}

// PageError renders err as an HTML page.
func (rt *Router) PageError(w http.ResponseWriter, r *http.Request, err error) {
	status, d := ErrorDetailOf(err, PageLang(r))
	SetRetryAfter(w, err)
	if status == http.StatusUnauthorized {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if status == http.StatusInternalServerError {
		rt.log.Error("page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if rt.Pages == nil || rt.NewPage == nil {
		http.Error(w, d.Message, status)
		return
	}
	p := rt.NewPage(r, PrincipalOf(r.Context()), http.StatusText(status))
	p.Title = map[int]string{403: p.T("无权访问", "Not allowed"), 404: p.T("未找到", "Not found"), 409: p.T("发生冲突", "Conflict"),
		413: p.T("文件过大", "File too large"), 415: p.T("文件类型不支持", "Unsupported file"), 429: p.T("请稍后再试", "Try again later")}[status]
	if p.Title == "" {
		p.Title = p.T("出错了", "Something went wrong")
	}
	p.Data = d
	if rerr := rt.Pages.Render(w, r, status, "error.html", p); rerr != nil {
		rt.log.Error("render error page", "err", rerr)
		http.Error(w, d.Message, status)
	}
}

func (rt *Router) handle(pattern string, a Access, h Handler, onError func(http.ResponseWriter, *http.Request, error)) {
	rt.routes = append(rt.routes, Route{Pattern: pattern, Access: a, Module: rt.Module})
	rt.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		var p *Principal
		handled := false
		if rt.Request != nil {
			var err error
			if p, handled, err = rt.Request(r); handled && err != nil {
				onError(w, r, err)
				return
			}
		}
		if tok := Token(r); !handled && tok != "" && rt.auth != nil {
			var err error
			if p, err = rt.auth(r.Context(), tok); err != nil && !a.Public {
				onError(w, r, err)
				return
			}
		}
		// The principal goes into the context first: a refusal of the role
		// (403) is a page with the user's own navigation.
		if p != nil {
			r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
		}
		if !a.Public {
			if p == nil {
				onError(w, r, apperr.New(apperr.Unauthorized, "请先登录。", "Please sign in first."))
				return
			}
			if (len(a.Roles) > 0 && !slices.Contains(a.Roles, p.Role)) || (len(a.Roles) == 0 && slices.Contains(rt.Explicit, p.Role)) {
				onError(w, r, apperr.ErrForbidden())
				return
			}
		}
		if err := CheckForm(r); err != nil {
			onError(w, r, err)
			return
		}
		if err := h(w, r, p); err != nil {
			onError(w, r, err)
		}
	})
}

// Routes lists the registered routes in registration order.
func (rt *Router) Routes() []Route { return slices.Clone(rt.routes) }

// RouteOf returns the registered route that serves r (false when none does).
func (rt *Router) RouteOf(r *http.Request) (Route, bool) {
	_, pattern := rt.mux.Handler(r)
	for _, x := range rt.routes {
		if x.Pattern == pattern {
			return x, true
		}
	}
	return Route{}, false
}

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

// Cookies remembering the language and display mode of visitors not signed in.
const (
	LangCookie    = "sunshine_lang"
	DisplayCookie = "sunshine_display"
)

// PageLang is the language of a page: ?lang=, else the signed-in user's
// choice, else the language cookie, else Accept-Language, else Chinese.
func PageLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "zh" {
		return l
	}
	if p := PrincipalOf(r.Context()); p != nil && (p.Lang == "en" || p.Lang == "zh") {
		return p.Lang
	}
	if c, err := r.Cookie(LangCookie); err == nil && (c.Value == "en" || c.Value == "zh") {
		return c.Value
	}
	if al := strings.ToLower(r.Header.Get("Accept-Language")); strings.HasPrefix(strings.TrimSpace(al), "en") {
		return "en"
	}
	return "zh"
}

// PageDisplay is the display mode of a page: ?display=, the user's choice, the cookie.
func PageDisplay(r *http.Request) string {
	valid := func(d string) bool { return d == "standard" || d == "large" || d == "contrast" }
	if d := r.URL.Query().Get("display"); valid(d) {
		return d
	}
	if p := PrincipalOf(r.Context()); p != nil && valid(p.Display) {
		return p.Display
	}
	if c, err := r.Cookie(DisplayCookie); err == nil && valid(c.Value) {
		return c.Value
	}
	return "standard"
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
	case apperr.Unavailable:
		return http.StatusBadGateway
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

// SetRetryAfter sets the Retry-After header (whole seconds, rounded up) when
// err says how long to wait (apperr.Error.RetryAfter).
func SetRetryAfter(w http.ResponseWriter, err error) {
	if e, ok := apperr.As(err); ok && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(int64((e.RetryAfter+time.Second-1)/time.Second), 10))
	}
}

// Error writes err as a JSON error; unexpected errors are logged, not shown.
func (rt *Router) Error(w http.ResponseWriter, r *http.Request, err error) {
	status, d := ErrorDetailOf(err, Lang(r))
	SetRetryAfter(w, err)
	if status == http.StatusInternalServerError {
		rt.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sunshine"`)
	}
	_ = JSON(w, status, ErrorBody{Error: d}) // the client is gone if this fails: nobody to tell
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

// kindName names what a JSON value of Go type t is, in plain words.
func kindName(t reflect.Type) apperr.Text {
	switch t {
	case nil:
		return apperr.T("其他类型", "another type")
	case reflect.TypeFor[json.Number]():
		return apperr.T("数字", "a number")
	case reflect.TypeFor[time.Time]():
		return apperr.T("时间（RFC 3339 格式的字符串）", "a time (an RFC 3339 string)")
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return apperr.T("整数", "a whole number")
	case reflect.Float32, reflect.Float64:
		return apperr.T("数字", "a number")
	case reflect.String:
		return apperr.T("文字（带引号的字符串）", "text (a quoted string)")
	case reflect.Bool:
		return apperr.T(" true 或 false", "true or false")
	case reflect.Slice, reflect.Array:
		return apperr.T("列表（[…]）", "a list ([…])")
	case reflect.Pointer:
		return kindName(t.Elem())
	default:
		return apperr.T("对象（{…}）", "an object ({…})")
	}
}

// isBodyType reports whether t is the type the body decodes into (v, or what
// v points to): a mismatch there is a body of the wrong shape, not a field.
func isBodyType(v any, t reflect.Type) bool {
	vt := reflect.TypeOf(v)
	return vt == t || vt != nil && vt.Kind() == reflect.Pointer && vt.Elem() == t
}

// Decode reads a JSON body into v. A body that is not declared JSON
// (Content-Type application/json, or a +json type) is refused with 415: a
// page of another site cannot send one without asking first (CORS), so a
// signed-in browser cannot be made to post one. Unknown fields, trailing data
// and text with control characters are refused.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return apperr.New(apperr.Unsupported, "请求内容须为 JSON（Content-Type: application/json）。",
			"The request body must be JSON (Content-Type: application/json).")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.New(apperr.TooLarge, "请求内容过大。", "The request body is too large.")
		}
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && (ute.Field != "" || !isBodyType(v, ute.Type)) {
			want := kindName(ute.Type)
			if ute.Field == "" { // Go 1.27 leaves it out for some types (json.Number)
				return apperr.Validation(apperr.Field("", "type", fmt.Sprintf("有一个字段的类型不正确，应为%s。", want.Zh),
					fmt.Sprintf("A field has the wrong type; it should be %s.", want.En)))
			}
			return apperr.Validation(apperr.Field(ute.Field, "type", fmt.Sprintf("字段 %s 的类型不正确，应为%s。", ute.Field, want.Zh),
				fmt.Sprintf("The field %s has the wrong type; it should be %s.", ute.Field, want.En)))
		}
		return apperr.New(apperr.Malformed, "请求内容不是有效的 JSON："+err.Error(), "The request body is not valid JSON: "+err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.New(apperr.Malformed, "请求内容末尾有多余的数据。", "The request body has extra data at the end.")
	}
	if field, ok := textOK(reflect.ValueOf(v), ""); !ok {
		return apperr.Validation(badTextField(field))
	}
	return nil
}

// List is the JSON shape of a list (CONTRACT.md).
type Items[T any] struct {
	Items []T `json:"items"`
}

// List is a page of a list (CONTRACT.md "Lists").
type List[T any] struct {
	Items []T    `json:"items"`
	Total int    `json:"total"`
	Next  string `json:"next"`
}

// SeqPage is a page of a list whose cursor is a sequence number (0: the
// last page), with the page's own length as its total.
func SeqPage[T any](items []T, next int64) List[T] {
	out := List[T]{Items: items, Total: len(items)}
	if items == nil {
		out.Items = []T{}
	}
	if next != 0 {
		out.Next = strconv.FormatInt(next, 10)
	}
	return out
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

// ClientAddr is the address of the client: the direct peer, or behind a
// trusted proxy (Secure) the address that proxy put last in X-Forwarded-For.
func ClientAddr(r *http.Request) string {
	if a, ok := r.Context().Value(clientKey{}).(string); ok {
		return a
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// PathID reads the route's {id} as a positive integer; anything else is
// notFound (the module's own "there is no such …" error).
func PathID(r *http.Request, notFound error) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound
	}
	return id, nil
}
