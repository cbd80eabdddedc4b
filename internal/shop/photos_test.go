package shop_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image/color"
	"io"
	"net/http"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/shop"
)

var red = color.NRGBA{0xB2, 0x22, 0x3A, 0xFF}

// webp is a WebP header (VP8X) of w×h pixels: no decoder is at hand, the
// header gives the size.
func webp(w, h int) []byte {
	b := make([]byte, 30)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], 22)
	copy(b[8:], "WEBPVP8X")
	binary.LittleEndian.PutUint32(b[16:], 10)
	put24 := func(p []byte, v int) { p[0], p[1], p[2] = byte(v), byte(v>>8), byte(v>>16) }
	put24(b[24:], w-1)
	put24(b[27:], h-1)
	return b
}

func TestCheckImage(t *testing.T) {
	t.Parallel()
	png := shop.DemoPNG(30, 20, 1, red)
	for name, c := range map[string]struct {
		data       []byte
		want, code string
		w, h       int
	}{
		"png":             {png, shop.TypePNG, "", 30, 20},
		"webp":            {webp(640, 480), shop.TypeWebP, "", 640, 480},
		"html as a jpg":   {[]byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), "", "not_image", 0, 0},
		"text":            {[]byte("just some words, not a photo"), "", "not_image", 0, 0},
		"broken png":      {png[:20], "", "not_image", 0, 0},
		"gif":             {[]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "", "not_image", 0, 0},
		"bad webp":        {append([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), make([]byte, 20)...), "", "not_image", 0, 0},
		"too wide":        {shop.DemoPNG(6001, 1, 1, red), "", "dimensions", 0, 0},
		"too wide webp":   {webp(7000, 10), "", "dimensions", 0, 0},
		"too large bytes": {append(bytes.Clone(png), make([]byte, shop.MaxPhotoBytes)...), "", "too_large", 0, 0},
		"empty":           {nil, "", "required", 0, 0},
	} {
		typ, w, h, err := shop.CheckImage(c.data)
		if c.code != "" {
			if got := fieldOf(err); got != "invalid file/"+c.code {
				t.Errorf("%s: %s, want file/%s", name, got, c.code)
			}
			continue
		}
		if err != nil || typ != c.want || w != c.w || h != c.h {
			t.Errorf("%s: %s %d×%d %v", name, typ, w, h, err)
		}
	}
}

// TestPhotos: uploads refused before anything is written, at most six a
// product, reorder and delete keep the places 1…n, every change audited;
// the public sees a published product's photos and a consenting artisan's,
// and nothing else (404).
func TestPhotos(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := setup(t, d)
		_, weaver, ayi := artisans(t, a) // the weaver consented, Ayi did not
		p := product(t, a, 6800, 3, shop.Share{ArtisanID: weaver, BP: 10000})
		tile := shop.DemoPNG(48, 36, 2, red)
		for name, c := range map[string]struct {
			in   shop.PhotoInput
			want string
		}{
			"not an image": {shop.PhotoInput{Data: []byte("hello"), Alt: "包"}, "invalid file/not_image"},
			"html":         {shop.PhotoInput{Data: []byte("<html><body onload=alert(1)>"), Alt: "包"}, "invalid file/not_image"},
			"too large":    {shop.PhotoInput{Data: append(bytes.Clone(tile), make([]byte, 2<<20)...), Alt: "包"}, "invalid file/too_large"},
			"no alt":       {shop.PhotoInput{Data: tile}, "invalid alt/required"},
			"control":      {shop.PhotoInput{Data: tile, Alt: "包\x00"}, "invalid alt/control"},
			"long alt_en":  {shop.PhotoInput{Data: tile, Alt: "包", AltEn: strings.Repeat("x", 121)}, "invalid alt_en/too_long"},
		} {
			if _, err := a.Shop.AddProductPhoto(ctx, staff, p.ID, c.in); fieldOf(err) != c.want {
				t.Errorf("%s: %v, want %s", name, err, c.want)
			}
		}
		if _, err := a.Shop.AddProductPhoto(ctx, staff, 999999, shop.PhotoInput{Data: tile, Alt: "包"}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("missing product: %v", err)
		}
		if _, err := a.Shop.AddProductPhoto(ctx, leader, p.ID, shop.PhotoInput{Data: tile, Alt: "包"}); err == nil {
			t.Error("a leader uploaded")
		}
		if n := count(t, a, `SELECT count(*) FROM shop_photos`); n != 0 {
			t.Fatalf("%d photos written by refused uploads", n)
		}
		var ids []int64
		for i := range shop.MaxPhotos {
			data := shop.DemoPNG(40+i, 30, i, red)
			if i == 0 { // as a phone writes it: a text chunk with the place
				data = withText(data, "GPS 31.38N 121.25E")
			}
			ph, err := a.Shop.AddProductPhoto(ctx, staff, p.ID, shop.PhotoInput{Data: data, Alt: fmt.Sprintf("照片%d", i+1)})
			if err != nil {
				t.Fatal(err)
			}
			if ph.Position != i+1 || ph.Width != 40+i || ph.Height != 30 || ph.Type != shop.TypePNG {
				t.Errorf("photo %d: %+v", i, ph)
			}
			ids = append(ids, ph.ID)
		}
		var stored []byte
		if err := d.QueryRow(ctx, `SELECT data FROM shop_photos WHERE id = ?`, ids[0]).Scan(&stored); err != nil || bytes.Contains(stored, []byte("GPS")) {
			t.Errorf("the stored photo keeps its text chunk (%v)", err)
		}
		if _, err := a.Shop.AddProductPhoto(ctx, staff, p.ID, shop.PhotoInput{Data: tile, Alt: "第七张"}); fieldOf(err) != "invalid file/too_many" {
			t.Errorf("seventh: %v", err)
		}
		order := func() []int64 {
			list, err := a.Shop.ProductPhotos(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for i, ph := range list {
				if ph.Position != i+1 {
					t.Errorf("place %d at %d", ph.Position, i+1)
				}
				out = append(out, ph.ID)
			}
			return out
		}
		same := func(got []int64, want ...int64) bool { return fmt.Sprint(got) == fmt.Sprint(want) }
		// Reorder: the third up, the first up (nothing), the last down (nothing).
		must(t, func() error { _, err := a.Shop.MovePhoto(ctx, staff, ids[2], -1); return err }())
		must(t, func() error { _, err := a.Shop.MovePhoto(ctx, staff, ids[0], -1); return err }())
		must(t, func() error { _, err := a.Shop.MovePhoto(ctx, staff, ids[5], 1); return err }())
		if got := order(); !same(got, ids[0], ids[2], ids[1], ids[3], ids[4], ids[5]) {
			t.Errorf("after moves %v", got)
		}
		must(t, func() error { _, err := a.Shop.MovePhoto(ctx, staff, ids[0], 1); return err }())
		// Delete the second: the later ones move up.
		must(t, func() error { _, err := a.Shop.DeletePhoto(ctx, staff, ids[0]); return err }())
		if got := order(); !same(got, ids[2], ids[1], ids[3], ids[4], ids[5]) {
			t.Errorf("after delete %v", got)
		}
		if _, err := a.Shop.DeletePhoto(ctx, staff, ids[0]); err == nil {
			t.Error("deleted twice")
		}
		if n := count(t, a, `SELECT count(*) FROM audit_log WHERE subject_type = ?`, shop.SubjectPhoto); n != 6+2+1 {
			t.Errorf("%d audit entries of photos, want 9 (6 uploads, 2 moves, 1 deletion)", n)
		}
		// The catalogue shows the first photo; the product page every one.
		list, err := a.Shop.PublicProducts(ctx, shop.Filter{})
		if err != nil || len(list) != 1 || list[0].Photo.ID != ids[2] || list[0].Photo.Alt != "照片3" {
			t.Errorf("catalogue photo %+v %v", list, err)
		}
		// The public: a published product's photo; a draft's is not found.
		if _, _, err := a.Shop.PublicPhoto(ctx, ids[1], false); err != nil {
			t.Errorf("published: %v", err)
		}
		in := shop.ProductInput{Title: p.Title, Category: p.Category, Price: p.Price, Stock: p.Stock, Published: false, Version: p.Version,
			Shares: []shop.Share{{ArtisanID: weaver, BP: 10000}}}
		if _, err := a.Shop.UpdateProduct(ctx, staff, p.ID, in); err != nil {
			t.Fatal(err)
		}
		_, _, errDraft := a.Shop.PublicPhoto(ctx, ids[1], false)
		_, _, errMissing := a.Shop.PublicPhoto(ctx, 999999, false)
		if errDraft == nil || errMissing == nil || errDraft.Error() != errMissing.Error() {
			t.Errorf("draft %v, missing %v", errDraft, errMissing)
		}
		if _, _, err := a.Shop.PublicPhoto(ctx, ids[1], true); err != nil {
			t.Errorf("staff see a draft's photo: %v", err)
		}
		// Artisans: one photo each, replaced; shown only with consent.
		wp, err := a.Shop.SetArtisanPhoto(ctx, staff, weaver, shop.PhotoInput{Data: tile, Alt: "编织匠"})
		if err != nil {
			t.Fatal(err)
		}
		wp2, err := a.Shop.SetArtisanPhoto(ctx, staff, weaver, shop.PhotoInput{Data: webp(300, 200), Alt: "编织匠在编织"})
		if err != nil || wp2.Type != shop.TypeWebP || wp2.Width != 300 {
			t.Fatalf("%+v %v", wp2, err)
		}
		if n := count(t, a, `SELECT count(*) FROM shop_photos WHERE artisan_id = ?`, weaver); n != 1 || wp.Type != shop.TypePNG {
			t.Errorf("%d photos of the weaver after the replacement", n)
		}
		ap, err := a.Shop.SetArtisanPhoto(ctx, staff, ayi, shop.PhotoInput{Data: tile, Alt: "阿依"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Shop.PublicPhoto(ctx, wp2.ID, false); err != nil {
			t.Errorf("consenting artisan: %v", err)
		}
		if _, _, err := a.Shop.PublicPhoto(ctx, ap.ID, false); err == nil || err.Error() != errMissing.Error() {
			t.Errorf("non-consenting artisan: %v", err)
		}
		p2 := product(t, a, 100, 1, shop.Share{ArtisanID: weaver, BP: 5000}, shop.Share{ArtisanID: ayi, BP: 5000})
		pub, err := a.Shop.PublicProduct(ctx, p2.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pub.Artisans {
			if m.ID == ayi && m.Photo.ID != 0 || m.ID == weaver && m.Photo.ID != wp2.ID {
				t.Errorf("artisan %d photo %+v", m.ID, m.Photo)
			}
		}
		if _, err := a.Shop.DeletePhoto(ctx, staff, ap.ID); err != nil {
			t.Fatal(err)
		}
		if n := count(t, a, `SELECT count(*) FROM shop_photos WHERE artisan_id IS NOT NULL`); n != 1 {
			t.Errorf("%d artisan photos", n)
		}
	})
}

// TestWorkshops: a workshop in a town or a place; an artisan belongs to
// one, shown on the public page with their story (with consent).
func TestWorkshops(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := setup(t, d)
		for _, c := range []struct {
			in   shop.WorkshopInput
			want string
		}{
			{shop.WorkshopInput{Place: "楚雄"}, "invalid name/required"},
			{shop.WorkshopInput{Name: "工坊"}, "invalid orgunit/required"},
			{shop.WorkshopInput{Name: "工坊", OrgUnit: "320583100"}, "invalid orgunit/invalid"},
			{shop.WorkshopInput{Name: "工坊", OrgUnit: apptest.Village}, "invalid orgunit/invalid"},
			{shop.WorkshopInput{Name: "工坊", OrgUnit: "310114102", Place: "楚雄"}, "invalid place/both"},
			{shop.WorkshopInput{Name: "工\x07坊", Place: "楚雄"}, "invalid name/control"},
		} {
			if _, err := a.Shop.CreateWorkshop(ctx, staff, c.in); fieldOf(err) != c.want {
				t.Errorf("%+v: %v, want %s", c.in, err, c.want)
			}
		}
		town, err := a.Shop.CreateWorkshop(ctx, staff, shop.WorkshopInput{Name: "南翔阳光工坊", OrgUnit: "310114102"})
		if err != nil || town.UnitName == "" {
			t.Fatalf("%+v %v", town, err)
		}
		chux, err := a.Shop.CreateWorkshop(ctx, staff, shop.WorkshopInput{Name: "彝绣工坊", Place: "楚雄市"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Shop.UpdateWorkshop(ctx, staff, chux.ID, shop.WorkshopInput{Name: "彝绣阳光工坊", Place: "楚雄市", Version: chux.Version + 1}); err == nil {
			t.Error("a stale version was taken")
		}
		if chux, err = a.Shop.UpdateWorkshop(ctx, staff, chux.ID, shop.WorkshopInput{Name: "彝绣阳光工坊", Place: "楚雄市", Version: chux.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Shop.CreateArtisan(ctx, staff, shop.ArtisanInput{Name: "阿依", Region: "chuxiong", Craft: "彝绣", WorkshopID: 999999}); fieldOf(err) != "invalid workshop_id/not_found" {
			t.Errorf("missing workshop: %v", err)
		}
		shown, err := a.Shop.CreateArtisan(ctx, staff, shop.ArtisanInput{Name: "阿依", Region: "chuxiong", Craft: "彝绣", Story: "故事", Consent: true, WorkshopID: chux.ID})
		if err != nil || shown.WorkshopID != chux.ID {
			t.Fatalf("%+v %v", shown, err)
		}
		hidden, err := a.Shop.CreateArtisan(ctx, staff, shop.ArtisanInput{Name: "李秀英", Region: "chuxiong", Craft: "彝绣", WorkshopID: chux.ID})
		if err != nil {
			t.Fatal(err)
		}
		p := product(t, a, 100, 1, shop.Share{ArtisanID: shown.ID, BP: 5000}, shop.Share{ArtisanID: hidden.ID, BP: 5000})
		pub, err := a.Shop.PublicProduct(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pub.Artisans {
			if m.ID == shown.ID && (m.Workshop != "彝绣阳光工坊" || m.WorkshopPlace != "楚雄市") || m.ID == hidden.ID && m.Workshop+m.WorkshopPlace != "" {
				t.Errorf("artisan %d workshop %q", m.ID, m.Workshop)
			}
		}
		if n := count(t, a, `SELECT count(*) FROM audit_log WHERE subject_type = ?`, shop.SubjectWorkshop); n != 3 {
			t.Errorf("%d workshop audit entries", n)
		}
	})
}

// TestPhotoPages: the upload form refuses what is not a photo (HTML named
// .jpg) and too large a file with 422 at the file field, writing nothing;
// the photo is served with its sniffed type, nosniff, inline and cached;
// a draft's photo answers 404 to the public.
func TestPhotoPages(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		staffUser := apptest.UserOf(identity.DistrictStaff)
		p := matrixProduct(e, 2)
		path := fmt.Sprintf("/shop/staff/products/%d/photos", p.ID)
		for name, data := range map[string][]byte{
			"html as jpg": []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"),
			"too large":   append(shop.DemoPNG(20, 20, 1, red), make([]byte, shop.MaxPhotoBytes+100<<10)...),
		} {
			st, body := e.Upload(staffUser, path, "photo.jpg", data, nil, "alt", "照片")
			if st != http.StatusUnprocessableEntity || !strings.Contains(string(body), `id="e-file"`) || !strings.Contains(string(body), `aria-invalid="true"`) {
				t.Errorf("%s: %d %.300s", name, st, body)
			}
		}
		if n := e.Int64(`SELECT count(*) FROM shop_photos`); n != 0 {
			t.Fatalf("%d photos written", n)
		}
		st, _ := e.Upload(staffUser, path, "x.png", shop.DemoPNG(64, 48, 1, red), nil, "alt", "红色零钱包", "alt_en", "A red purse")
		if st != http.StatusSeeOther {
			t.Fatalf("upload: %d", st)
		}
		id := e.Int64(`SELECT id FROM shop_photos WHERE product_id = ?`, p.ID)
		resp, err := http.Get(fmt.Sprintf("%s/shop/photos/%d", e.Srv.URL, id))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		h := resp.Header
		if resp.StatusCode != 200 || h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Content-Disposition") != "inline" || !strings.Contains(h.Get("Cache-Control"), "max-age") || !bytes.HasPrefix(body, []byte("\x89PNG")) {
			t.Errorf("photo: %d %v", resp.StatusCode, h)
		}
		page, _ := http.Get(fmt.Sprintf("%s/shop/products/%d?lang=en", e.Srv.URL, p.ID))
		html, _ := io.ReadAll(page.Body)
		_ = page.Body.Close()
		if !strings.Contains(string(html), fmt.Sprintf(`src="/shop/photos/%d" width="64" height="48" alt="A red purse"`, id)) {
			t.Errorf("product page without the photo")
		}
		cat, _ := http.Get(e.Srv.URL + "/shop")
		html, _ = io.ReadAll(cat.Body)
		_ = cat.Body.Close()
		if !strings.Contains(string(html), fmt.Sprintf(`src="/shop/photos/%d" width="64" height="48" alt="红色零钱包" loading="lazy"`, id)) {
			t.Errorf("catalogue without the photo")
		}
		// A draft: 404 to the public, as a missing photo.
		in := shop.ProductInput{Title: p.Title, Category: p.Category, Price: p.Price, Stock: p.Stock, Version: p.Version, Shares: []shop.Share{{ArtisanID: p.Artisans[0].ID, BP: 10000}}}
		if _, err := e.App.Shop.UpdateProduct(context.Background(), fixture, p.ID, in); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{fmt.Sprintf("/shop/photos/%d", id), "/shop/photos/999999"} {
			if st := e.Do("", "GET", path, nil, nil); st != http.StatusNotFound {
				t.Errorf("%s: %d", path, st)
			}
		}
		if st := e.Do(staffUser, "GET", fmt.Sprintf("/shop/photos/%d", id), nil, nil); st != http.StatusOK {
			t.Errorf("staff: %d", st)
		}
	})
}
