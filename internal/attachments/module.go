package attachments

import (
	"embed"

	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

//go:embed templates/*.html
var templateFiles embed.FS

// Module is the attachments as the app sees them: their tables (after the
// persons and cases they point at), the sealed files and thumbnails, the
// API and pages.
func (s *Store) Module() module.Module {
	return module.Module{
		Name:      "attachments",
		Templates: web.TemplateDir(templateFiles),
		Tables:    []string{"attachments", "attachment_parts"},
		Sealed:    Sealed,
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			(&Pages{Store: s, Kit: kit}).Routes(rt)
		},
	}
}
