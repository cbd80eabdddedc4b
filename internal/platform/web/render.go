package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"sunshine/internal/platform/apperr"
)

//go:embed templates/*.html
var layoutFS embed.FS

//go:embed templates/pages/*.html
var platformPages embed.FS

//go:embed static
var staticFS embed.FS

// Static serves the embedded CSS, scripts and images (no external resources).
func Static() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.FileServer(http.FS(sub))
	return http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // files only: no folder listings
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}))
}

// Crumb is one step of the breadcrumbs.
type Crumb struct {
	Label string
	Href  string
}

// NavItem is one link of the navigation.
type NavItem struct {
	Label   string
	Href    string
	Current bool
}

// Page is what every page template receives.
type Page struct {
	Lang      string // "zh" or "en"
	Title     string
	User      *Principal
	UnitName  string
	RoleName  string
	Display   string // standard, large, contrast
	Nav       []NavItem
	Crumbs    []Crumb
	Flash     string
	Error     *FormError
	ExpiresAt time.Time
	Path      string
	Data      any
	Charts    bool // the page draws charts: load ECharts and charts.js
	// Unread is the signed-in user's count of unread notifications, shown
	// in the header (-1: not known, the link shows no count).
	Unread int
}

// T picks the text of the page's language.
func (p *Page) T(zh, en string) string { return apperr.T(zh, en).In(p.Lang) }

// ExpiresMillis is when the session ends, for the timeout warning.
func (p *Page) ExpiresMillis() int64 {
	if p.User == nil {
		return 0
	}
	return p.User.ExpiresAt.UnixMilli()
}

// HTMLLang is the value of <html lang>.
func (p *Page) HTMLLang() string {
	if p.Lang == "en" {
		return "en"
	}
	return "zh-CN"
}

// FormError is a failed form submission: a summary and the errors by field.
type FormError struct {
	Message string
	Fields  []FieldDetail
	ByField map[string]string
}

// FormErrorOf localizes err for a form; nil when err is not a validation error.
func FormErrorOf(err error, lang string) *FormError {
	e, ok := apperr.As(err)
	if !ok || (e.Code != apperr.Invalid && e.Code != apperr.Conflict && len(e.Fields) == 0) {
		return nil
	}
	fe := &FormError{Message: e.Msg.In(lang), ByField: map[string]string{}}
	for _, f := range e.Fields {
		if _, dup := fe.ByField[f.Field]; dup {
			continue
		}
		d := FieldDetail{Field: f.Field, Code: f.Code, Message: f.Msg.In(lang)}
		fe.Fields = append(fe.Fields, d)
		fe.ByField[f.Field] = d.Message
	}
	return fe
}

// FormErrorAt localizes any domain error for a form whose inputs are named
// by rename (a field it does not name keeps its name), each input once; an
// error of no field goes to the input fallback. nil when err is no domain
// error.
func FormErrorAt(err error, lang string, rename map[string]string, fallback string) *FormError {
	e, ok := apperr.As(err)
	if !ok {
		return nil
	}
	fe := &FormError{Message: e.Msg.In(lang), ByField: map[string]string{}}
	add := func(field, code, msg string) {
		if to, ok := rename[field]; ok {
			field = to
		}
		if _, dup := fe.ByField[field]; !dup {
			fe.Fields = append(fe.Fields, FieldDetail{Field: field, Code: code, Message: msg})
			fe.ByField[field] = msg
		}
	}
	for _, f := range e.Fields {
		add(f.Field, f.Code, f.Msg.In(lang))
	}
	if len(fe.Fields) == 0 {
		add(fallback, string(e.Code), fe.Message)
	}
	return fe
}

// Renderer renders pages: the shared layout plus one module template each.
// It records which templates were rendered, for the test that fails when a
// template is never rendered.
type Renderer struct {
	pages map[string]*template.Template
	// mu guards rendered (a counter map); never held while a template runs.
	mu       sync.Mutex
	rendered map[string]int
}

// Funcs are the template functions available to every page.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"tr":   func(lang, zh, en string) string { return apperr.T(zh, en).In(lang) },
		"date": Date,
		"eq2":  func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) },
		"join": strings.Join,
		"add":  func(a, b int) int { return a + b },
		"fieldErr": func(e *FormError, field string) string {
			if e == nil {
				return ""
			}
			return e.ByField[field]
		},
		// dict builds a map from name and value pairs (the argument of a partial).
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, errors.New("dict: a key is not a string")
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"seq": func(from, to int) []int {
			var out []int
			for i := from; i <= to; i++ {
				out = append(out, i)
			}
			return out
		},
	}
}

// NewRenderer parses the layout with each page template found in the module
// file systems (files named *.html at their root).
func NewRenderer(extra template.FuncMap, modules ...fs.FS) (*Renderer, error) {
	funcs := Funcs()
	for k, v := range extra {
		funcs[k] = v
	}
	layout, err := template.New("layout").Funcs(funcs).ParseFS(layoutFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	r := &Renderer{pages: map[string]*template.Template{}, rendered: map[string]int{}}
	own, _ := fs.Sub(platformPages, "templates/pages")
	for _, m := range append([]fs.FS{own}, modules...) {
		names, err := PageNames(m)
		if err != nil {
			return nil, err
		}
		// Files named _*.html are partials shared by the module's pages.
		partials, err := fs.Glob(m, "_*.html")
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			if _, dup := r.pages[name]; dup {
				return nil, fmt.Errorf("template %s is defined twice", name)
			}
			t, err := layout.Clone()
			if err != nil {
				return nil, err
			}
			if _, err := t.ParseFS(m, append(partials, name)...); err != nil {
				return nil, fmt.Errorf("parse %s: %w", name, err)
			}
			r.pages[name] = t
		}
	}
	return r, nil
}

// PageNames lists the page templates of a module's templates: its *.html
// files but the partials (_*.html).
func PageNames(templates fs.FS) ([]string, error) {
	names, err := fs.Glob(templates, "*.html")
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(names, func(n string) bool { return strings.HasPrefix(n, "_") }), nil
}

// Names lists every page template and layout partial that can be rendered.
func (r *Renderer) Names() []string {
	var out []string
	for n := range r.pages {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Rendered returns how often each page template was rendered.
func (r *Renderer) Rendered() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.rendered {
		out[k] = v
	}
	return out
}

// Render writes page template name with the layout (or only the block named
// "content" for htmx requests that target the main area).
func (r *Renderer) Render(w http.ResponseWriter, req *http.Request, status int, name string, p *Page) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("no template %s", name)
	}
	entry := "layout.html"
	if req.Header.Get("HX-Request") == "true" && req.Header.Get("HX-Target") == "main" {
		entry = "content"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, entry, p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	r.mu.Lock()
	r.rendered[name]++
	r.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// Redirect answers a form post with 303 See Other to a local path.
func Redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, LocalPath(to), http.StatusSeeOther)
}

// LocalPath keeps a redirect target on this site ("/" otherwise). Browsers
// drop tabs and line breaks from a URL and read a backslash as a slash, so
// "/\t/evil.com" would leave the site: a target with a control character,
// a space or a backslash anywhere is refused, as is one that starts "//".
func LocalPath(to string) string {
	for _, r := range to {
		if r <= ' ' || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	p, q, _ := strings.Cut(to, "?")
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return "/"
	}
	p = path.Clean(p)
	if q != "" {
		return p + "?" + q
	}
	return p
}

// Date shows a time as people in China read it (Beijing time, to the
// minute); "" for the zero time.
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
}
