package attachments

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

var (
	// staffRoles upload, see and delete the attachments of their area.
	staffRoles = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant)
	// personRoles reach a person's attachments: staff, and the person.
	personRoles = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person)
	// caseUploaders add to a case: staff, and the provider it is assigned to.
	caseUploaders = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Provider)
	// viewers see attachments (each as its person or case allows).
	viewers = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Provider, identity.Person)
)

// API is the JSON API of the attachments (CONTRACT.md "Notifications,
// attachments, documents").
type API struct{ *Store }

// Routes registers the API.
func (s API) Routes(rt *web.Router) {
	rt.Handle("POST /api/v1/persons/{id}/attachments", personRoles, s.upload(false), web.Types{Out: Attachment{}, Status: http.StatusCreated})
	rt.Handle("POST /api/v1/cases/{id}/attachments", caseUploaders, s.upload(true), web.Types{Out: Attachment{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/persons/{id}/attachments", personRoles, s.list(false), web.Types{Out: web.List[Attachment]{}})
	rt.Handle("GET /api/v1/cases/{id}/attachments", viewers, s.list(true), web.Types{Out: web.List[Attachment]{}})
	rt.Handle("GET /api/v1/attachments/{id}", viewers, s.file)
	rt.Handle("GET /api/v1/attachments/{id}/thumbnail", viewers, s.thumbnail)
	rt.Handle("DELETE /api/v1/attachments/{id}", staffRoles, s.delete, web.Types{In: DeleteInput{}})
}

// DeleteInput is why an attachment is deleted.
type DeleteInput struct {
	Reason string `json:"reason"`
}

func target(r *http.Request, isCase bool) (Target, error) {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return Target{}, err
	}
	if isCase {
		return Target{CaseID: id}, nil
	}
	return Target{PersonID: id}, nil
}

// Receive reads a multipart upload: the field "file" (at most MaxSize
// bytes, read through http.MaxBytesReader) and the small fields beside it.
func Receive(w http.ResponseWriter, r *http.Request) ([]byte, map[string]string, error) {
	const slack = 64 << 10 // the form's other fields and the multipart framing
	if r.ContentLength > MaxSize+slack {
		return nil, nil, TooLarge()
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxSize+slack)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, apperr.New(apperr.Unsupported, "请以 multipart/form-data 上传，文件字段名为 file。", "Upload as multipart/form-data with the file in the field named file.")
	}
	fields := map[string]string{}
	var data []byte
	seen := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, fields, TooLarge()
		}
		if err != nil {
			return nil, fields, apperr.New(apperr.Malformed, "上传内容不完整。", "The upload is incomplete.")
		}
		if part.FormName() != "file" {
			b, _ := io.ReadAll(io.LimitReader(part, 1<<10))
			_ = part.Close() // a part of the request body: nothing to flush
			if len(fields) < 20 {
				fields[part.FormName()] = strings.TrimSpace(string(b))
			}
			continue
		}
		if seen {
			_ = part.Close()
			continue
		}
		seen = true
		var buf bytes.Buffer
		n, err := io.Copy(&buf, io.LimitReader(part, MaxSize+1))
		_ = part.Close() // a part of the request body: nothing to flush
		if errors.As(err, &mbe) || n > MaxSize {
			return nil, fields, TooLarge()
		}
		if err != nil {
			return nil, fields, apperr.New(apperr.Malformed, "上传内容不完整。", "The upload is incomplete.")
		}
		data = buf.Bytes()
	}
	if !seen || len(data) == 0 {
		return nil, fields, apperr.Validation(apperr.Field("file", "required", "请选择要上传的照片或文件。", "Choose the photo or file to upload."))
	}
	return data, fields, nil
}

func (s API) upload(isCase bool) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
		t, err := target(r, isCase)
		if err != nil {
			return err
		}
		c := access.Of(r, p)
		// Out of scope is "not found" before anything about the file.
		if _, _, err := s.resolve(r.Context(), s.db, c, t); err != nil || !mayUpload(c, t) {
			if err == nil {
				err = notFound()
			}
			return err
		}
		data, fields, err := Receive(w, r)
		if err != nil {
			return err
		}
		a, err := s.Upload(r.Context(), c, t, fields["kind"], data)
		if err != nil {
			return err
		}
		w.Header().Set("Location", fmt.Sprintf("/api/v1/attachments/%d", a.ID))
		return web.JSON(w, http.StatusCreated, a)
	}
}

func (s API) list(isCase bool) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
		t, err := target(r, isCase)
		if err != nil {
			return err
		}
		list, err := s.List(r.Context(), access.Of(r, p), t)
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
	}
}

func (s API) file(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	a, data, err := s.Content(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	serve(w, a.ContentType, fmt.Sprintf("attachment-%d.%s", a.ID, ext(a.ContentType)), data)
	return nil
}

func (s API) thumbnail(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	_, data, err := s.Thumbnail(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	if data == nil {
		serve(w, "image/svg+xml", "", []byte(pdfIcon))
		return nil
	}
	serve(w, TypeJPEG, "", data)
	return nil
}

func (s API) delete(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	var in DeleteInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	if err := s.Delete(r.Context(), access.Of(r, p), id, in.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// serve writes a stored file: never sniffed, never cached, run in a
// sandbox when a browser opens it; a PDF is downloaded (name set).
func serve(w http.ResponseWriter, ctype, name string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	if name != "" {
		disp := "inline"
		if ctype == TypePDF {
			disp = "attachment"
		}
		h.Set("Content-Disposition", disp+`; filename="`+name+`"`)
	}
	h.Set("Content-Length", fmt.Sprint(len(data)))
	_, _ = w.Write(data) // #nosec G705 -- a stored file of a checked type, served as that type with nosniff and a sandbox CSP; the client may have gone: nothing to do
}

func ext(ctype string) string {
	switch ctype {
	case TypeJPEG:
		return "jpg"
	case TypePNG:
		return "png"
	}
	return "pdf"
}

// pdfIcon is the thumbnail of a PDF: a page with "PDF" on it (not a
// rendering of the file).
const pdfIcon = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="120" viewBox="0 0 96 120"><path d="M4 4h62l26 26v86H4z" fill="#fff" stroke="#555" stroke-width="4"/><path d="M66 4v26h26" fill="none" stroke="#555" stroke-width="4"/><rect x="14" y="62" width="68" height="30" fill="#b3261e"/><text x="48" y="84" font-family="sans-serif" font-size="20" font-weight="700" fill="#fff" text-anchor="middle">PDF</text></svg>`
