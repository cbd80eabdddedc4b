package providers

// TEMPORARY (pv-micro): the pages helper's pages.go defines templatesFS and
// Templates() the same way; delete this file when merging with it.

import (
	"embed"
	"io/fs"

	"sunshine/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

// Templates are the purchased services' page templates.
func Templates() fs.FS { return web.TemplateDir(templatesFS) }
