package providers

import (
	"embed"
	"io/fs"

	"sunshine/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

// Templates are the purchased services pages' templates.
func Templates() fs.FS { return web.TemplateDir(templatesFS) }
