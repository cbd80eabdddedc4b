package shop

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig of JPEG photos
	_ "image/png"  // DecodeConfig of PNG photos
	"net/http"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// Limits of the photos.
const (
	// MaxPhotoBytes is the largest photo taken: 2 MiB.
	MaxPhotoBytes = 2 << 20
	// MaxPhotoSide is the most pixels of a photo's width or height.
	MaxPhotoSide = 6000
	// MaxPhotos is the most photos of one product.
	MaxPhotos = 6
	// MaxAlt is the longest alt text.
	MaxAlt = 120
)

// SubjectPhoto is the audit subject of a photo.
const SubjectPhoto = "shop_photo"

// Photo types taken (sniffed from the bytes, never the name).
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeWebP = "image/webp"
)

// Photo is a photo's description (without its bytes).
type Photo struct {
	ID            int64
	ProductID     int64
	ArtisanID     int64
	Position      int
	Type          string
	Width, Height int
	Alt, AltEn    string
	Size          int
	// Created is when it was uploaded (ms): with the id, its version (an
	// id may be used again after a deletion on SQLite).
	Created int64
}

// AltIn is the photo's alt text in a language (the Chinese when no English).
func (p Photo) AltIn(lang string) string { return apperr.T(p.Alt, p.AltEn).In(lang) }

// PhotoInput is an upload: the bytes and the alt texts.
type PhotoInput struct {
	Data       []byte
	Alt, AltEn string
}

func photoTooLarge() error {
	return invalid("file", "too_large", "照片过大：最大2 MB。", "The photo is too large: at most 2 MB.")
}

// CheckImage sniffs a photo's type from its bytes and reads its size in
// pixels: JPEG, PNG or WebP, at most MaxPhotoBytes and MaxPhotoSide pixels
// a side. A refusal names the field "file".
func CheckImage(data []byte) (ctype string, width, height int, err error) {
	if len(data) == 0 {
		return "", 0, 0, invalid("file", "required", "请选择要上传的照片。", "Choose the photo to upload.")
	}
	if len(data) > MaxPhotoBytes {
		return "", 0, 0, photoTooLarge()
	}
	notImage := invalid("file", "not_image", "只接受 JPEG、PNG 或 WebP 照片（按文件内容判断，而非文件名）。",
		"Only a JPEG, PNG or WebP photo is taken (judged by its content, not its name).")
	ctype = http.DetectContentType(data)
	switch ctype {
	case TypeJPEG, TypePNG:
		cfg, format, e := image.DecodeConfig(bytes.NewReader(data))
		if e != nil || "image/"+format != ctype {
			return "", 0, 0, notImage
		}
		width, height = cfg.Width, cfg.Height
	case TypeWebP:
		var ok bool
		if width, height, ok = webpSize(data); !ok {
			return "", 0, 0, notImage
		}
	default:
		return "", 0, 0, notImage
	}
	if width <= 0 || height <= 0 || width > MaxPhotoSide || height > MaxPhotoSide {
		return "", 0, 0, invalid("file", "dimensions", "照片尺寸须在 1 到 6000 像素之间。", "A photo must be 1 to 6000 pixels a side.")
	}
	if _, ok := StripMetadata(ctype, data); !ok {
		return "", 0, 0, notImage
	}
	return ctype, width, height, nil
}

// webpSize reads a WebP's width and height from its first chunk (VP8X,
// VP8L or VP8): no decoder is at hand, the header says the size.
func webpSize(b []byte) (int, int, bool) {
	if len(b) < 30 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return 0, 0, false
	}
	u24 := func(p []byte) int { return int(p[0]) | int(p[1])<<8 | int(p[2])<<16 }
	switch string(b[12:16]) {
	case "VP8X":
		return u24(b[24:27]) + 1, u24(b[27:30]) + 1, true
	case "VP8L":
		if b[20] != 0x2f {
			return 0, 0, false
		}
		v := binary.LittleEndian.Uint32(b[21:25])
		return int(v&0x3fff) + 1, int(v>>14&0x3fff) + 1, true
	case "VP8 ":
		if b[23] != 0x9d || b[24] != 0x01 || b[25] != 0x2a {
			return 0, 0, false
		}
		return int(binary.LittleEndian.Uint16(b[26:28]) & 0x3fff), int(binary.LittleEndian.Uint16(b[28:30]) & 0x3fff), true
	}
	return 0, 0, false
}

func checkPhotoInput(in *PhotoInput) (string, int, int, error) {
	var fs []apperr.FieldError
	if fe := text("alt", &in.Alt, true, MaxAlt, "照片说明", "description of the photo"); fe != nil {
		fs = append(fs, *fe)
	}
	if fe := text("alt_en", &in.AltEn, false, MaxAlt, "英文照片说明", "English description of the photo"); fe != nil {
		fs = append(fs, *fe)
	}
	ctype, w, h, err := CheckImage(in.Data)
	if err != nil {
		if e, ok := apperr.As(err); ok {
			fs = append(e.Fields, fs...)
		} else {
			return "", 0, 0, err
		}
	} else {
		// What is kept is the picture only: no Exif (the place it was
		// taken), XMP or comments.
		in.Data, _ = StripMetadata(ctype, in.Data)
	}
	if len(fs) > 0 {
		return "", 0, 0, apperr.Validation(fs...)
	}
	return ctype, w, h, nil
}

const photoCols = `id, COALESCE(product_id, 0), COALESCE(artisan_id, 0), position, mime, width, height, alt, alt_en, size, created_at`

func scanPhoto(sc interface{ Scan(...any) error }) (Photo, error) {
	var p Photo
	err := sc.Scan(&p.ID, &p.ProductID, &p.ArtisanID, &p.Position, &p.Type, &p.Width, &p.Height, &p.Alt, &p.AltEn, &p.Size, &p.Created)
	return p, err
}

// lock takes the row of a product or artisan for the transaction (so two
// uploads of one product are counted one after the other): not found when
// there is no such row.
func lock(ctx context.Context, tx *db.Tx, table string, id int64) error {
	res, err := tx.Exec(ctx, `UPDATE `+table+` SET version = version WHERE id = ?`, id) // #nosec G202 -- table is one of two constants
	if err != nil {
		return fmt.Errorf("lock %s: %w", table, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound()
	}
	return nil
}

func photoEntry(c access.Caller, action string, id int64, detail string) audit.Entry {
	e := c.Actor.Entry(action, SubjectPhoto, id64(id), "")
	e.Detail = detail
	return e
}

// AddProductPhoto adds a photo at the end of a product's photos (district
// staff): at most MaxPhotos. Audited.
func (s *Store) AddProductPhoto(ctx context.Context, c access.Caller, product int64, in PhotoInput) (Photo, error) {
	if !CanManage(c) {
		return Photo{}, forbidden()
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := lock(ctx, tx, "shop_products", product); err != nil {
			return err
		}
		ctype, w, h, err := checkPhotoInput(&in)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM shop_photos WHERE product_id = ?`, product).Scan(&n); err != nil {
			return fmt.Errorf("count photos: %w", err)
		}
		if n >= MaxPhotos {
			return invalid("file", "too_many", "一件商品最多"+strconv.Itoa(MaxPhotos)+"张照片：请先删除一张。",
				"A product has at most "+strconv.Itoa(MaxPhotos)+" photos: delete one first.")
		}
		if err := tx.QueryRow(ctx, `INSERT INTO shop_photos (product_id, position, mime, width, height, alt, alt_en, size, data, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, product, n+1, ctype, w, h, in.Alt, in.AltEn, len(in.Data), in.Data,
			c.Actor.Username, db.Millis(tx.Now)).Scan(&id); err != nil {
			return fmt.Errorf("insert photo: %w", err)
		}
		return audit.Append(ctx, tx, photoEntry(c, audit.ActionCreate, id, "product "+id64(product)))
	})
	if err != nil {
		return Photo{}, err
	}
	return s.photo(ctx, id)
}

// SetArtisanPhoto sets the one photo of an artisan (district staff),
// replacing the one before. Audited.
func (s *Store) SetArtisanPhoto(ctx context.Context, c access.Caller, artisan int64, in PhotoInput) (Photo, error) {
	if !CanManage(c) {
		return Photo{}, forbidden()
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := lock(ctx, tx, "shop_artisans", artisan); err != nil {
			return err
		}
		ctype, w, h, err := checkPhotoInput(&in)
		if err != nil {
			return err
		}
		var old int64
		err = tx.QueryRow(ctx, `SELECT id FROM shop_photos WHERE artisan_id = ?`, artisan).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read photo: %w", err)
		}
		var entries []audit.Entry
		if old != 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM shop_photos WHERE id = ?`, old); err != nil {
				return fmt.Errorf("replace photo: %w", err)
			}
			entries = append(entries, photoEntry(c, audit.ActionUpdate, old, "delete: artisan "+id64(artisan)+" (replaced)"))
		}
		if err := tx.QueryRow(ctx, `INSERT INTO shop_photos (artisan_id, position, mime, width, height, alt, alt_en, size, data, created_by, created_at)
			VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, artisan, ctype, w, h, in.Alt, in.AltEn, len(in.Data), in.Data,
			c.Actor.Username, db.Millis(tx.Now)).Scan(&id); err != nil {
			return fmt.Errorf("insert photo: %w", err)
		}
		entries = append(entries, photoEntry(c, audit.ActionCreate, id, "artisan "+id64(artisan)))
		return audit.Append(ctx, tx, entries...)
	})
	if err != nil {
		return Photo{}, err
	}
	return s.photo(ctx, id)
}

func (s *Store) photo(ctx context.Context, id int64) (Photo, error) {
	p, err := scanPhoto(s.db.QueryRow(ctx, `SELECT `+photoCols+` FROM shop_photos WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Photo{}, notFound()
	}
	if err != nil {
		return Photo{}, fmt.Errorf("read photo: %w", err)
	}
	return p, nil
}

// Photo reads a photo's description (staff).
func (s *Store) Photo(ctx context.Context, c access.Caller, id int64) (Photo, error) {
	if !CanManage(c) {
		return Photo{}, forbidden()
	}
	return s.photo(ctx, id)
}

// ProductPhotos lists a product's photos in order (no bytes).
func (s *Store) ProductPhotos(ctx context.Context, product int64) ([]Photo, error) {
	rows, err := s.db.Query(ctx, `SELECT `+photoCols+` FROM shop_photos WHERE product_id = ? ORDER BY position, id`, product)
	if err != nil {
		return nil, fmt.Errorf("list photos: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := []Photo{}
	for rows.Next() {
		p, err := scanPhoto(rows)
		if err != nil {
			return nil, fmt.Errorf("list photos: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ArtisanPhoto reads an artisan's photo (ok false when none).
func (s *Store) ArtisanPhoto(ctx context.Context, artisan int64) (Photo, bool, error) {
	p, err := scanPhoto(s.db.QueryRow(ctx, `SELECT `+photoCols+` FROM shop_photos WHERE artisan_id = ?`, artisan))
	if errors.Is(err, sql.ErrNoRows) {
		return Photo{}, false, nil
	}
	if err != nil {
		return Photo{}, false, fmt.Errorf("read photo: %w", err)
	}
	return p, true, nil
}

// firstPhotos reads the first photo of the products ids (nil: of every
// product) that have one, in one query: the catalogue's page.
func (s *Store) firstPhotos(ctx context.Context, ids []int64) (map[int64]Photo, error) {
	q, args := `SELECT `+photoCols+` FROM shop_photos WHERE product_id IS NOT NULL AND position = 1`, []any{}
	if ids != nil { // the products of a page only
		q += ` AND product_id IN (` + inList(len(ids)) + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("first photos: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := map[int64]Photo{}
	for rows.Next() {
		p, err := scanPhoto(rows)
		if err != nil {
			return nil, fmt.Errorf("first photos: %w", err)
		}
		out[p.ProductID] = p
	}
	return out, rows.Err()
}

// MovePhoto moves a product's photo one place up (-1) or down (+1),
// swapping it with its neighbour (nothing happens at either end). Audited.
func (s *Store) MovePhoto(ctx context.Context, c access.Caller, id int64, by int) (Photo, error) {
	if !CanManage(c) {
		return Photo{}, forbidden()
	}
	if by != -1 && by != 1 {
		return Photo{}, invalid("action", "invalid", "只能上移或下移一位。", "A photo moves one place up or down.")
	}
	p, err := s.photo(ctx, id)
	if err != nil {
		return Photo{}, err
	}
	if p.ProductID == 0 {
		return Photo{}, notFound()
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := lock(ctx, tx, "shop_products", p.ProductID); err != nil {
			return err
		}
		var pos int
		if err := tx.QueryRow(ctx, `SELECT position FROM shop_photos WHERE id = ?`, id).Scan(&pos); errors.Is(err, sql.ErrNoRows) {
			return notFound()
		} else if err != nil {
			return fmt.Errorf("move photo: %w", err)
		}
		var other int64
		err := tx.QueryRow(ctx, `SELECT id FROM shop_photos WHERE product_id = ? AND position = ?`, p.ProductID, pos+by).Scan(&other)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("move photo: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE shop_photos SET position = ? WHERE id = ?`, pos, other); err != nil {
			return fmt.Errorf("move photo: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE shop_photos SET position = ? WHERE id = ?`, pos+by, id); err != nil {
			return fmt.Errorf("move photo: %w", err)
		}
		return audit.Append(ctx, tx, photoEntry(c, audit.ActionUpdate, id, fmt.Sprintf("move: product %d, place %d → %d", p.ProductID, pos, pos+by)))
	})
	if err != nil {
		return Photo{}, err
	}
	return s.photo(ctx, id)
}

// DeletePhoto removes a photo (the later photos of its product move up).
// Audited. It answers the photo as it was.
func (s *Store) DeletePhoto(ctx context.Context, c access.Caller, id int64) (Photo, error) {
	if !CanManage(c) {
		return Photo{}, forbidden()
	}
	p, err := s.photo(ctx, id)
	if err != nil {
		return Photo{}, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		owner, table, detail := p.ProductID, "shop_products", "product "+id64(p.ProductID)
		if p.ArtisanID != 0 {
			owner, table, detail = p.ArtisanID, "shop_artisans", "artisan "+id64(p.ArtisanID)
		}
		if err := lock(ctx, tx, table, owner); err != nil {
			return err
		}
		var pos int
		if err := tx.QueryRow(ctx, `SELECT position FROM shop_photos WHERE id = ?`, id).Scan(&pos); errors.Is(err, sql.ErrNoRows) {
			return notFound()
		} else if err != nil {
			return fmt.Errorf("delete photo: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM shop_photos WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete photo: %w", err)
		}
		if p.ProductID != 0 {
			if _, err := tx.Exec(ctx, `UPDATE shop_photos SET position = position - 1 WHERE product_id = ? AND position > ?`, p.ProductID, pos); err != nil {
				return fmt.Errorf("delete photo: %w", err)
			}
		}
		return audit.Append(ctx, tx, photoEntry(c, audit.ActionUpdate, id, "delete: "+detail))
	})
	if err != nil {
		return Photo{}, err
	}
	return p, nil
}

// PublicPhoto reads a photo's bytes for the public: a photo of a published
// product, or of an artisan who consented to be shown; any other answers
// not found. staff (district staff) see every photo.
func (s *Store) PublicPhoto(ctx context.Context, id int64, staff bool) (Photo, []byte, error) {
	var p Photo
	var data []byte
	var published, consent bool
	err := s.db.QueryRow(ctx, `SELECT ph.id, COALESCE(ph.product_id, 0), COALESCE(ph.artisan_id, 0), ph.position, ph.mime, ph.width, ph.height, ph.alt, ph.alt_en, ph.size, ph.created_at, ph.data,
		COALESCE(pr.published, FALSE), COALESCE(a.consent, FALSE)
		FROM shop_photos ph LEFT JOIN shop_products pr ON pr.id = ph.product_id LEFT JOIN shop_artisans a ON a.id = ph.artisan_id WHERE ph.id = ?`, id).
		Scan(&p.ID, &p.ProductID, &p.ArtisanID, &p.Position, &p.Type, &p.Width, &p.Height, &p.Alt, &p.AltEn, &p.Size, &p.Created, &data, &published, &consent)
	if errors.Is(err, sql.ErrNoRows) {
		return Photo{}, nil, notFound()
	}
	if err != nil {
		return Photo{}, nil, fmt.Errorf("read photo: %w", err)
	}
	if !staff && (p.ProductID != 0 && !published || p.ArtisanID != 0 && !consent) {
		return Photo{}, nil, notFound()
	}
	return p, data, nil
}
