package shop

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/web"
)

// receivePhoto reads a multipart upload: the field "file" (at most
// MaxPhotoBytes, read through http.MaxBytesReader) and the small fields
// beside it. Too large a body is refused as a too large file (422 on
// "file"), before anything is written.
func receivePhoto(w http.ResponseWriter, r *http.Request) ([]byte, url.Values, error) {
	const slack = 64 << 10 // the other fields and the multipart framing
	fields := url.Values{}
	if r.ContentLength > MaxPhotoBytes+slack {
		return nil, fields, photoTooLarge()
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxPhotoBytes+slack)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fields, invalid("file", "form", "请以 multipart/form-data 上传，照片字段名为 file。", "Upload as multipart/form-data with the photo in the field named file.")
	}
	var data []byte
	seen := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, fields, photoTooLarge()
		}
		if err != nil {
			return nil, fields, invalid("file", "incomplete", "上传内容不完整。", "The upload is incomplete.")
		}
		if part.FormName() != "file" {
			b, _ := io.ReadAll(io.LimitReader(part, 1<<10))
			_ = part.Close() // a part of the request body: nothing to flush
			if len(fields) < 10 {
				fields.Set(part.FormName(), string(b))
			}
			continue
		}
		if seen {
			_ = part.Close()
			continue
		}
		seen = true
		var buf bytes.Buffer
		n, err := io.Copy(&buf, io.LimitReader(part, MaxPhotoBytes+1))
		_ = part.Close() // a part of the request body: nothing to flush
		if errors.As(err, &mbe) || n > MaxPhotoBytes {
			return nil, fields, photoTooLarge()
		}
		if err != nil {
			return nil, fields, invalid("file", "incomplete", "上传内容不完整。", "The upload is incomplete.")
		}
		data = buf.Bytes()
	}
	return data, fields, nil
}

// servePhoto answers GET /shop/photos/{id}: the bytes with the sniffed
// type, never sniffed again by the browser, shown inline, cached. A photo
// of a draft product or of an artisan who did not consent is not found
// (district staff see them, uncached).
func (pg *Public) servePhoto(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	staff := p != nil && p.Role == identity.DistrictStaff
	ph, data, err := pg.PublicPhoto(r.Context(), id, staff)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", ph.Type)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", "inline")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	etag := `"shop-photo-` + id64(ph.ID) + "-" + strconv.FormatInt(ph.Created, 36) + `"`
	h.Set("ETag", etag)
	if staff {
		h.Set("Cache-Control", "private, no-cache")
	} else {
		h.Set("Cache-Control", "public, max-age=600")
	}
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data) // #nosec G705 -- a checked image, served as its sniffed type with nosniff and a sandbox CSP
	return nil
}

// ---- staff: a product's photos ----

type photoRow struct {
	Photo
	AltText     string
	First, Last bool
}

type photosData struct {
	ProductID, ArtisanID int64
	Title                string
	Rows                 []photoRow
	Full                 bool
	Max, MaxMB, MaxSide  int
	Form                 url.Values
}

func (pg *Staff) photosPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, form url.Values, err error) error {
	id, e := web.PathID(r, notFound())
	if e != nil {
		return e
	}
	c := access.Of(r, p)
	pr, e := pg.Product(r.Context(), c, id)
	if e != nil {
		return e
	}
	page := pg.Kit.NewPage(r, p, "")
	page.Title = page.T("商品照片：", "Photos of ") + pr.Label(page.Lang)
	page.Crumbs = staffCrumbs(page, web.Crumb{Label: pr.Label(page.Lang), Href: "/shop/staff/products/" + id64(id)}, web.Crumb{Label: page.T("照片", "Photos")})
	flash(r, page)
	if err != nil {
		page.Error = web.FormErrorAt(err, page.Lang, nil, "file")
	}
	list, e := pg.ProductPhotos(r.Context(), id)
	if e != nil {
		return e
	}
	d := photosData{ProductID: id, Title: pr.Label(page.Lang), Full: len(list) >= MaxPhotos, Max: MaxPhotos, MaxMB: MaxPhotoBytes >> 20, MaxSide: MaxPhotoSide, Form: form}
	for i, ph := range list {
		d.Rows = append(d.Rows, photoRow{Photo: ph, AltText: ph.AltIn(page.Lang), First: i == 0, Last: i == len(list)-1})
	}
	page.Data = d
	return pg.Kit.Render(w, r, status, "shop_photos.html", page)
}

func (pg *Staff) photos(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.photosPage(w, r, p, http.StatusOK, url.Values{}, nil)
}

func (pg *Staff) uploadPhoto(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	c := access.Of(r, p)
	if _, err := pg.Product(r.Context(), c, id); err != nil {
		return err
	}
	data, fields, err := receivePhoto(w, r)
	if err == nil {
		_, err = pg.AddProductPhoto(r.Context(), c, id, PhotoInput{Data: data, Alt: fields.Get("alt"), AltEn: fields.Get("alt_en")})
	}
	if err != nil {
		if status, ok := refusal(err); ok {
			return pg.photosPage(w, r, p, status, fields, err)
		}
		return err
	}
	web.Redirect(w, r, "/shop/staff/products/"+id64(id)+"/photos?done=photo")
	return nil
}

// photoAct moves a photo up or down, or deletes it, and goes back to the
// page of its product or artisan.
func (pg *Staff) photoAct(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	c := access.Of(r, p)
	var ph Photo
	done := "moved"
	switch r.PathValue("action") {
	case "up":
		ph, err = pg.MovePhoto(r.Context(), c, id, -1)
	case "down":
		ph, err = pg.MovePhoto(r.Context(), c, id, 1)
	case "delete":
		ph, err = pg.DeletePhoto(r.Context(), c, id)
		done = "photo_deleted"
	default:
		return notFound()
	}
	if err != nil {
		return err
	}
	if ph.ArtisanID != 0 {
		web.Redirect(w, r, "/shop/staff/artisans/"+id64(ph.ArtisanID)+"/photo?done="+done)
		return nil
	}
	web.Redirect(w, r, "/shop/staff/products/"+id64(ph.ProductID)+"/photos?done="+done+"#photo-"+id64(ph.ID))
	return nil
}

// ---- staff: an artisan's photo ----

type artisanPhotoData struct {
	ArtisanID      int64
	Name           string
	Consent        bool
	Photo          *photoRow
	MaxMB, MaxSide int
	Form           url.Values
}

func (pg *Staff) artisanPhotoPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, form url.Values, err error) error {
	id, e := web.PathID(r, notFound())
	if e != nil {
		return e
	}
	a, e := pg.Artisan(r.Context(), access.Of(r, p), id)
	if e != nil {
		return e
	}
	page := pg.Kit.NewPage(r, p, "")
	page.Title = page.T("匠人照片：", "Photo of ") + a.Name
	page.Crumbs = staffCrumbs(page, web.Crumb{Label: a.Name, Href: "/shop/staff/artisans/" + id64(id)}, web.Crumb{Label: page.T("照片", "Photo")})
	flash(r, page)
	if err != nil {
		page.Error = web.FormErrorAt(err, page.Lang, nil, "file")
	}
	d := artisanPhotoData{ArtisanID: id, Name: a.Name, Consent: a.Consent, MaxMB: MaxPhotoBytes >> 20, MaxSide: MaxPhotoSide, Form: form}
	ph, ok, e := pg.ArtisanPhoto(r.Context(), id)
	if e != nil {
		return e
	}
	if ok {
		d.Photo = &photoRow{Photo: ph, AltText: ph.AltIn(page.Lang)}
	}
	page.Data = d
	return pg.Kit.Render(w, r, status, "shop_artisan_photo.html", page)
}

func (pg *Staff) artisanPhoto(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.artisanPhotoPage(w, r, p, http.StatusOK, url.Values{}, nil)
}

func (pg *Staff) uploadArtisanPhoto(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	c := access.Of(r, p)
	if _, err := pg.Artisan(r.Context(), c, id); err != nil {
		return err
	}
	data, fields, err := receivePhoto(w, r)
	if err == nil {
		_, err = pg.SetArtisanPhoto(r.Context(), c, id, PhotoInput{Data: data, Alt: fields.Get("alt"), AltEn: fields.Get("alt_en")})
	}
	if err != nil {
		if status, ok := refusal(err); ok {
			return pg.artisanPhotoPage(w, r, p, status, fields, err)
		}
		return err
	}
	web.Redirect(w, r, "/shop/staff/artisans/"+id64(id)+"/photo?done=photo")
	return nil
}

// ---- staff: workshops ----

type workshopsData struct {
	Rows []Workshop
}

func (pg *Staff) workshops(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	list, err := pg.Workshops(r.Context(), access.Of(r, p))
	if err != nil {
		return err
	}
	page := pg.Kit.NewPage(r, p, "")
	page.Title = page.T("阳光工坊", "Sunshine workshops")
	page.Crumbs = staffCrumbs(page, web.Crumb{Label: page.Title})
	flash(r, page)
	page.Data = workshopsData{Rows: list}
	return pg.Kit.Render(w, r, http.StatusOK, "shop_workshops.html", page)
}

type workshopForm struct {
	ID    int64
	Form  url.Values
	Towns []option
}

func (pg *Staff) workshopPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, id int64, form url.Values, err error) error {
	page := pg.Kit.NewPage(r, p, "")
	if id == 0 {
		page.Title = page.T("添加阳光工坊", "Add a workshop")
	} else {
		page.Title = page.T("修改阳光工坊", "Change a workshop")
	}
	page.Crumbs = staffCrumbs(page, web.Crumb{Label: page.T("阳光工坊", "Sunshine workshops"), Href: "/shop/staff/workshops"}, web.Crumb{Label: page.Title})
	if err != nil {
		page.Error = web.FormErrorAt(err, page.Lang, nil, "form")
	}
	towns, e := pg.Towns(r.Context(), access.Of(r, p))
	if e != nil {
		return e
	}
	d := workshopForm{ID: id, Form: form}
	for _, t := range towns {
		d.Towns = append(d.Towns, option{Value: t.Code, Label: t.Name, Checked: t.Code == form.Get("orgunit")})
	}
	page.Data = d
	return pg.Kit.Render(w, r, status, "shop_workshop_form.html", page)
}

func (pg *Staff) newWorkshop(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.workshopPage(w, r, p, http.StatusOK, 0, url.Values{}, nil)
}

func (pg *Staff) editWorkshop(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	ws, err := pg.Workshop(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	form := url.Values{"name": {ws.Name}, "orgunit": {ws.OrgUnit}, "place": {ws.Place}, "description": {ws.Description}, "version": {strconv.Itoa(ws.Version)}}
	return pg.workshopPage(w, r, p, http.StatusOK, id, form, nil)
}

func (pg *Staff) saveWorkshop(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = web.PathID(r, notFound()); err != nil {
			return err
		}
	}
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	f := r.PostForm
	in := WorkshopInput{Name: f.Get("name"), OrgUnit: strings.TrimSpace(f.Get("orgunit")), Place: f.Get("place"), Description: f.Get("description")}
	in.Version, _ = strconv.Atoi(f.Get("version"))
	c := access.Of(r, p)
	var err error
	if id == 0 {
		_, err = pg.CreateWorkshop(r.Context(), c, in)
	} else {
		_, err = pg.UpdateWorkshop(r.Context(), c, id, in)
	}
	if err != nil {
		if status, ok := refusal(err); ok {
			return pg.workshopPage(w, r, p, status, id, f, err)
		}
		return err
	}
	web.Redirect(w, r, "/shop/staff/workshops?done=workshop")
	return nil
}
