package centres

import (
	"embed"
	"io/fs"

	"sunshine/internal/platform/web"
)

//go:embed templates
var templatesFS embed.FS

// Templates are the module's page templates (named centre_*.html, as
// template names are shared by every module).
func Templates() fs.FS { return web.TemplateDir(templatesFS) }
