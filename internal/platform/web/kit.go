package web

import (
	"io/fs"
	"net/http"
)

// Kit is what a module's pages take from the app: NewPage starts a page for
// the request (layout, language, navigation), Render writes it with one of
// the module's templates.
type Kit struct {
	Render  func(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) error
	NewPage func(r *http.Request, p *Principal, title string) *Page
}

// TemplateDir is the "templates" folder of a module's embedded files, which
// NewRenderer takes.
func TemplateDir(files fs.FS) fs.FS {
	sub, err := fs.Sub(files, "templates")
	if err != nil {
		panic(err) // only for an invalid name, which "templates" is not
	}
	return sub
}
