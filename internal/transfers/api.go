package transfers

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

var (
	// staffRoles send and receive persons: district staff, and town staff
	// for their town.
	staffRoles = web.Roles(identity.DistrictStaff, identity.TownStaff)
	// peerRoles: a partner installation asks about the packages it sent.
	peerRoles = web.Roles(identity.Peer)
)

// API is the JSON API of the transfers.
type API struct{ *Store }

// Routes registers the API.
func (s API) Routes(rt *web.Router) {
	rt.Handle("POST /api/v1/persons/{id}/transfers", staffRoles, s.apiIssue, web.Types{In: IssueInput{}, Out: Transfer{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/transfers", staffRoles, s.apiList, web.Types{Out: web.List[Transfer]{}})
	rt.Handle("POST /api/v1/transfers", staffRoles, s.apiReceive, web.Types{In: Package{}, Out: Transfer{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/transfers/{ref}", staffRoles, s.apiGet, web.Types{Out: Transfer{}})
	rt.Handle("GET /api/v1/transfers/{ref}/package", staffRoles, s.apiPackage, web.Types{Out: Package{}})
	rt.Handle("POST /api/v1/transfers/{ref}/cancel", staffRoles, s.apiCancel, web.Types{In: ReasonInput{}, Out: Transfer{}})
	rt.Handle("POST /api/v1/transfers/{ref}/complete", staffRoles, s.apiComplete, web.Types{In: ReasonInput{}, Out: Transfer{}})
	rt.Handle("POST /api/v1/transfers/{ref}/accept", staffRoles, s.apiAccept, web.Types{In: AcceptInput{}, Out: Transfer{}})
	rt.Handle("GET "+PeerPath+"{ref}", peerRoles, s.apiPeerState, web.Types{Out: PeerState{}})
}

func lang(r *http.Request) string { return web.PageLang(r) }

func (s API) apiIssue(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	var in IssueInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	t, err := s.Issue(r.Context(), access.Of(r, p), id, in, lang(r))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/transfers/"+t.Ref)
	return web.JSON(w, http.StatusCreated, t)
}

func (s API) apiList(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	list, err := s.List(r.Context(), access.Of(r, p), Filter{Direction: r.URL.Query().Get("direction")}, lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}

func (s API) apiGet(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	t, err := s.Get(r.Context(), access.Of(r, p), r.PathValue("ref"), lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, t)
}

func (s API) apiPackage(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	ref := r.PathValue("ref")
	b, err := s.Package(r.Context(), access.Of(r, p), ref)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="sunshine-transfer-`+ref+`.json"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(b) // #nosec G705 -- a JSON download (attachment, nosniff) of the package as issued, not HTML
	return err
}

func (s API) apiCancel(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in ReasonInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	t, err := s.Cancel(r.Context(), access.Of(r, p), r.PathValue("ref"), in, lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, t)
}

func (s API) apiComplete(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in ReasonInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	t, err := s.Complete(r.Context(), access.Of(r, p), r.PathValue("ref"), in, lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, t)
}

func (s API) apiAccept(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in AcceptInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	t, err := s.Accept(r.Context(), access.Of(r, p), r.PathValue("ref"), in, lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, t)
}

func (s API) apiReceive(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	file, err := ReadPackage(w, r)
	if err != nil {
		return err
	}
	t, err := s.Receive(r.Context(), access.Of(r, p), file, lang(r))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/transfers/"+t.Ref)
	return web.JSON(w, http.StatusCreated, t)
}

func (s API) apiPeerState(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	st, err := s.PeerState(r.Context(), p.Peer, r.PathValue("ref"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, st)
}

func tooLarge() error {
	return apperr.New(apperr.TooLarge, "转移包过大。", "The transfer package is too large.")
}

// ReadPackage reads an uploaded package file: the body itself (JSON) or
// the multipart field "file", at most MaxPackage bytes.
func ReadPackage(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	const slack = 16 << 10
	if r.ContentLength > MaxPackage+slack {
		return nil, tooLarge()
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxPackage+slack)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	read := func(rd io.Reader) ([]byte, error) {
		var buf bytes.Buffer
		n, err := io.Copy(&buf, io.LimitReader(rd, MaxPackage+1))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || n > MaxPackage {
			return nil, tooLarge()
		}
		if err != nil {
			return nil, apperr.New(apperr.Malformed, "上传内容不完整。", "The upload is incomplete.")
		}
		return buf.Bytes(), nil
	}
	switch mt {
	case "application/json":
		return read(r.Body)
	case "multipart/form-data":
		mr, err := r.MultipartReader()
		if err != nil {
			break
		}
		for {
			part, err := mr.NextPart()
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, tooLarge()
				}
				return nil, apperr.Validation(apperr.Field("file", "required", "请选择要上传的转移包文件。", "Choose the transfer package file to upload."))
			}
			if part.FormName() == "file" {
				b, err := read(part)
				_ = part.Close() // a part of the request body: nothing to flush
				return b, err
			}
			_ = part.Close()
		}
	}
	return nil, apperr.New(apperr.Unsupported, "请以 JSON 正文或 multipart/form-data（字段 file）上传转移包。",
		"Upload the transfer package as the JSON body or as multipart/form-data in the field named file.")
}
