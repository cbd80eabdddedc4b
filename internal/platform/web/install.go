package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"strconv"
)

// The installable app (CONTRACT.md "Installable app"): every page links the
// web app manifest and registers the service worker (static/sw.js), which is
// served from the site's root so that its scope is the whole site.

// IconSizes are the sizes of the PNG icons the manifest lists.
var IconSizes = []int{192, 512}

// ManifestIcon is an icon of the manifest.
type ManifestIcon struct {
	Src     string `json:"src"`
	Sizes   string `json:"sizes"`
	Type    string `json:"type"`
	Purpose string `json:"purpose"`
}

// WebManifest is the web app manifest.
type WebManifest struct {
	Name            string         `json:"name"`
	ShortName       string         `json:"short_name"`
	Description     string         `json:"description"`
	Lang            string         `json:"lang"`
	StartURL        string         `json:"start_url"`
	Scope           string         `json:"scope"`
	Display         string         `json:"display"`
	BackgroundColor string         `json:"background_color"`
	ThemeColor      string         `json:"theme_color"`
	Icons           []ManifestIcon `json:"icons"`
}

// ThemeColor is the colour of the browser's bar around the installed app.
const ThemeColor = "#1a4d8f"

// Manifest is the web app manifest of the site, in lang.
func Manifest(lang string) WebManifest {
	m := WebManifest{Name: "阳光助残云", ShortName: "阳光助残云", Description: "残疾人服务平台：档案、服务、入户走访",
		Lang: "zh-CN", StartURL: "/", Scope: "/", Display: "standalone", BackgroundColor: "#ffffff", ThemeColor: ThemeColor}
	if lang == "en" {
		m.Name, m.ShortName, m.Description, m.Lang = "Sunshine", "Sunshine", "Services for disabled people: records, services, home visits", "en"
	}
	for _, s := range IconSizes {
		m.Icons = append(m.Icons, ManifestIcon{Src: fmt.Sprintf("/icons/%d.png", s), Sizes: fmt.Sprintf("%dx%d", s, s), Type: "image/png", Purpose: "any maskable"})
	}
	m.Icons = append(m.Icons, ManifestIcon{Src: "/static/icon.svg", Sizes: "any", Type: "image/svg+xml", Purpose: "any"})
	return m
}

// ServeManifest serves the manifest.
func ServeManifest(w http.ResponseWriter, r *http.Request) error {
	b, err := json.Marshal(Manifest(Lang(r)))
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	w.Header().Set("Content-Type", "application/manifest+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = w.Write(b)
	return err
}

// ServeWorker serves the service worker from the site's root.
func ServeWorker(w http.ResponseWriter, _ *http.Request) error {
	b, err := staticFS.ReadFile("static/sw.js")
	if err != nil {
		return fmt.Errorf("service worker: %w", err)
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache") // a new version is seen at once
	w.Header().Set("Service-Worker-Allowed", "/")
	_, err = w.Write(b)
	return err
}

// ServeIcon serves the PNG icon of the size in the path ({size}: one of IconSizes).
func ServeIcon(w http.ResponseWriter, r *http.Request, notFound error) error {
	size, err := strconv.Atoi(r.PathValue("size"))
	if err != nil || (size != IconSizes[0] && size != IconSizes[1]) {
		return notFound
	}
	b, err := Icon(size)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, err = w.Write(b)
	return err
}

// Icon draws the app's icon, the sun of static/icon.svg, on the theme's
// colour (full bleed, the sun within the middle 60%, so that a round or
// rounded mask of the phone never cuts it), size × size pixels.
func Icon(size int) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	bg := color.RGBA{0x1a, 0x4d, 0x8f, 0xff}
	sun := color.RGBA{0xf5, 0xa0, 0x00, 0xff}
	c := float64(size) / 2
	unit := float64(size) * 0.6 / 32 // the SVG's 32 units in 60% of the icon
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			dx, dy := (float64(x)+0.5-c)/unit, (float64(y)+0.5-c)/unit
			r := math.Hypot(dx, dy)
			img.Set(x, y, bg)
			if r <= 7 {
				img.Set(x, y, sun)
				continue
			}
			// Eight rays from 9 to 14 units out, 3 units wide.
			if r >= 9 && r <= 14 {
				a := math.Atan2(dy, dx)
				near := math.Round(a/(math.Pi/4)) * (math.Pi / 4)
				if math.Abs(r*math.Sin(a-near)) <= 1.5 {
					img.Set(x, y, sun)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("icon: %w", err)
	}
	return buf.Bytes(), nil
}
