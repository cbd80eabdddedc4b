package attachments

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"

	"golang.org/x/image/draw"

	"sunshine/internal/platform/apperr"
)

// Limits of an uploaded file.
const (
	// MaxSize is the largest file taken (10 MB).
	MaxSize = 10 << 20
	// MaxPixels bounds an image's width × height, read from its header
	// before it is decoded (a small file may claim a huge image).
	MaxPixels = 50_000_000
	// ThumbSide is the longest side of a thumbnail, in pixels.
	ThumbSide = 240
)

// Content types taken.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypePDF  = "application/pdf"
)

// Checked is a file that passed the checks: its content type, the content
// to store (an image stripped of its metadata), its dimensions and thumbnail
// (images only).
type Checked struct {
	ContentType   string
	Data          []byte
	Width, Height int
	Thumb         []byte
}

func unsupported(zh, en string) error {
	return &apperr.Error{Code: apperr.Unsupported, Msg: apperr.T(zh, en),
		Fields: []apperr.FieldError{apperr.Field("file", "unsupported", zh, en)}}
}

func refusedFile(zh, en string) error {
	return apperr.Validation(apperr.Field("file", "refused", zh, en))
}

// TooLarge is the refusal of a file over MaxSize.
func TooLarge() error {
	zh := fmt.Sprintf("文件超过 %d MB 的上限。请拍得小一些（手机相机选较低分辨率），或分几页上传。", MaxSize>>20)
	en := fmt.Sprintf("The file is larger than the limit of %d MB. Take a smaller photo (a lower resolution in the camera settings) or upload the pages separately.", MaxSize>>20)
	return &apperr.Error{Code: apperr.TooLarge, Msg: apperr.T(zh, en), Fields: []apperr.FieldError{apperr.Field("file", "too_large", zh, en)}}
}

// Sniff names the type of content by its first bytes: one of the types
// taken, or a refusal (415) that says what the file is when it is known.
func Sniff(data []byte) (string, error) {
	switch {
	case len(data) == 0:
		return "", apperr.Validation(apperr.Field("file", "required", "请选择文件（文件是空的）。", "Choose a file (this one is empty)."))
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return TypeJPEG, nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG, nil
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return TypePDF, nil
	}
	if len(data) >= 12 && string(data[4:8]) == "ftyp" {
		switch brand := string(data[8:12]); brand {
		case "heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1", "avif", "avis":
			return "", unsupported("这是 HEIC/HEIF 格式的照片（苹果等手机的默认格式），系统无法读取。请在手机“设置 › 相机 › 格式”中选择“兼容性最佳”（JPEG）后重新拍摄，或截图后上传。",
				"This is a HEIC/HEIF photo (the default of many phones), which cannot be read here. In the phone's Settings › Camera › Formats choose “Most Compatible” (JPEG) and take the photo again, or upload a screenshot of it.")
		default:
			return "", unsupported("这是视频或 MP4/QuickTime 文件，只能上传 JPEG、PNG 照片或 PDF。", "This is a video or MP4/QuickTime file; only JPEG or PNG photos and PDF files can be uploaded.")
		}
	}
	what := ""
	switch {
	case bytes.HasPrefix(data, []byte("GIF8")):
		what = "GIF"
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		what = "WebP"
	case bytes.HasPrefix(data, []byte("BM")):
		what = "BMP"
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		what = "TIFF"
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		what = "ZIP（Word、Excel 等）/ZIP (Word, Excel …)"
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		what = "Office 97–2003"
	default:
		if strings.HasPrefix(http.DetectContentType(data), "text/") {
			what = "文本/text"
		}
	}
	if what != "" {
		zh, en := what, what
		if i := strings.Index(what, "/"); i > 0 {
			zh, en = what[:i], what[i+1:]
		}
		return "", unsupported("这是"+zh+"文件，不是照片或 PDF（与文件名无关）。只能上传 JPEG、PNG 或 PDF。",
			"This is a "+en+" file, not a photo or a PDF, whatever its name. Only JPEG, PNG or PDF can be uploaded.")
	}
	return "", unsupported("无法识别文件的内容（与文件名无关）。只能上传 JPEG、PNG 照片或 PDF。",
		"The content of the file is not recognised, whatever its name. Only JPEG or PNG photos and PDF files can be uploaded.")
}

// Check sniffs data and prepares it for storage: an image's size is
// checked from its header, its metadata stripped and a thumbnail made; a
// PDF is scanned for scripts, actions and embedded files.
func Check(data []byte) (Checked, error) {
	if len(data) > MaxSize {
		return Checked{}, TooLarge()
	}
	ct, err := Sniff(data)
	if err != nil {
		return Checked{}, err
	}
	out := Checked{ContentType: ct}
	switch ct {
	case TypePDF:
		if err := ScanPDF(data); err != nil {
			return Checked{}, err
		}
		out.Data = data
		return out, nil
	case TypeJPEG:
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return Checked{}, damaged("JPEG")
		}
		if err := bounded(cfg); err != nil {
			return Checked{}, err
		}
		orientation := 1
		out.Data, orientation, err = StripJPEG(data)
		if err != nil {
			return Checked{}, err
		}
		out.Width, out.Height = cfg.Width, cfg.Height
		img, err := jpeg.Decode(bytes.NewReader(out.Data))
		if err != nil {
			return Checked{}, damaged("JPEG")
		}
		out.Thumb, err = thumbnail(img, orientation)
		return out, err
	default: // PNG
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return Checked{}, damaged("PNG")
		}
		if err := bounded(cfg); err != nil {
			return Checked{}, err
		}
		if out.Data, err = StripPNG(data); err != nil {
			return Checked{}, err
		}
		out.Width, out.Height = cfg.Width, cfg.Height
		img, err := png.Decode(bytes.NewReader(out.Data))
		if err != nil {
			return Checked{}, damaged("PNG")
		}
		out.Thumb, err = thumbnail(img, 1)
		return out, err
	}
}

func damaged(what string) error {
	return refusedFile("这个 "+what+" 文件已损坏或不完整，无法读取。", "This "+what+" file is damaged or incomplete and cannot be read.")
}

// bounded refuses an image whose header claims more than MaxPixels (a
// decompression bomb, or a photo far larger than a record needs).
func bounded(cfg image.Config) error {
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return refusedFile(fmt.Sprintf("图片尺寸 %d×%d 过大（上限约 %d 万像素）。请用较低分辨率拍摄。", cfg.Width, cfg.Height, MaxPixels/10000),
			fmt.Sprintf("The image is %d×%d pixels, more than the limit of %d megapixels. Take it at a lower resolution.", cfg.Width, cfg.Height, MaxPixels/1_000_000))
	}
	return nil
}

// ---- JPEG ----

// StripJPEG removes the APP1 (Exif, XMP), APP13 (IPTC) and comment
// segments of a JPEG, keeping every other byte as it is (the image data is
// not decoded again). The Exif orientation is kept: when the photo had one
// other than 1, a minimal Exif segment holding only the Orientation tag is
// written in its place (so the photo still shows upright), and it is
// returned (1 when none) for the thumbnail.
func StripJPEG(data []byte) ([]byte, int, error) {
	bad := damaged("JPEG")
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, 0, bad
	}
	out := make([]byte, 0, len(data))
	out = append(out, 0xFF, 0xD8)
	orientation := 1
	insertAt := 2 // where the orientation segment goes: after SOI and any APP0 (JFIF)
	onlyAPP0 := true
	i := 2
	for i < len(data) {
		if data[i] != 0xFF {
			return nil, 0, bad
		}
		// Fill bytes before a marker.
		for i < len(data) && data[i] == 0xFF {
			i++
		}
		if i >= len(data) {
			return nil, 0, bad
		}
		marker := data[i]
		i++
		switch {
		case marker == 0xD9: // EOI
			out = append(out, 0xFF, 0xD9)
			return withOrientation(out, insertAt, orientation), orientation, nil
		case marker >= 0xD0 && marker <= 0xD7, marker == 0x01: // no length
			out = append(out, 0xFF, marker)
			continue
		}
		if i+2 > len(data) {
			return nil, 0, bad
		}
		n := int(binary.BigEndian.Uint16(data[i:]))
		if n < 2 || i+n > len(data) {
			return nil, 0, bad
		}
		seg := data[i : i+n]
		switch marker {
		case 0xE1: // APP1: Exif or XMP — dropped, its orientation kept
			if o := exifOrientation(seg[2:]); o > 1 && o <= 8 {
				orientation = o
			}
		case 0xED, 0xFE: // APP13 (IPTC, Photoshop), COM — dropped
		default:
			out = append(out, 0xFF, marker)
			out = append(out, seg...)
			if marker == 0xE0 && onlyAPP0 {
				insertAt = len(out)
			} else {
				onlyAPP0 = false
			}
		}
		i += n
		if marker == 0xDA { // SOS: entropy-coded data up to the next marker
			j := i
			for j < len(data) {
				if data[j] == 0xFF && j+1 < len(data) {
					m := data[j+1]
					if m != 0x00 && !(m >= 0xD0 && m <= 0xD7) && m != 0xFF {
						break
					}
				}
				j++
			}
			out = append(out, data[i:j]...)
			i = j
		}
	}
	return nil, 0, bad // no EOI
}

// orientations are the values of the Exif orientation tag.
var orientations = [9]byte{0, 1, 2, 3, 4, 5, 6, 7, 8}

// withOrientation puts a minimal Exif segment holding only the Orientation
// tag at position at of a JPEG (nothing when the orientation is 1).
func withOrientation(jpg []byte, at, orientation int) []byte {
	if orientation <= 1 || orientation > 8 {
		return jpg
	}
	// "Exif\0\0", TIFF header (big-endian), IFD0 with one entry, no next IFD.
	var seg []byte
	seg = append(seg, "Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08"...)
	seg = append(seg, 0x00, 0x01) // one entry
	seg = append(seg, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, orientations[orientation], 0x00, 0x00)
	seg = append(seg, 0x00, 0x00, 0x00, 0x00)
	app := []byte{0xFF, 0xE1, 0x00, 0x22} // length: the 32 bytes above and its own 2
	app = append(app, seg...)
	out := make([]byte, 0, len(jpg)+len(app))
	out = append(out, jpg[:at]...)
	out = append(out, app...)
	return append(out, jpg[at:]...)
}

// exifOrientation reads the Orientation tag (0x0112) of IFD0 of an APP1
// segment's body ("Exif\0\0" then TIFF); 0 when there is none.
func exifOrientation(b []byte) int {
	if len(b) < 14 || string(b[:6]) != "Exif\x00\x00" {
		return 0
	}
	t := b[6:]
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int(bo.Uint32(t[4:8]))
	if off < 8 || off+2 > len(t) {
		return 0
	}
	n := int(bo.Uint16(t[off:]))
	for k := 0; k < n && k < 512; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 {
			return int(bo.Uint16(t[e+8:]))
		}
	}
	return 0
}

// ---- PNG ----

// dropChunks are the PNG chunks that carry metadata: Exif, text, time.
var dropChunks = map[string]bool{"eXIf": true, "tEXt": true, "iTXt": true, "zTXt": true, "tIME": true}

// StripPNG removes the eXIf, tEXt, iTXt, zTXt and tIME chunks of a PNG,
// keeping every other chunk as it is.
func StripPNG(data []byte) ([]byte, error) {
	bad := damaged("PNG")
	const sig = 8
	if len(data) < sig {
		return nil, bad
	}
	out := make([]byte, 0, len(data))
	out = append(out, data[:sig]...)
	i := sig
	for i < len(data) {
		if i+12 > len(data) {
			return nil, bad
		}
		n := int64(binary.BigEndian.Uint32(data[i:]))
		end := int64(i) + 12 + n
		if n > int64(len(data)) || end > int64(len(data)) {
			return nil, bad
		}
		typ := string(data[i+4 : i+8])
		if !dropChunks[typ] {
			out = append(out, data[i:end]...)
		}
		i = int(end)
		if typ == "IEND" {
			return out, nil
		}
	}
	return nil, bad
}

// ---- thumbnails ----

// thumbnail scales img to fit ThumbSide, turned upright by the Exif
// orientation, as a JPEG.
func thumbnail(img image.Image, orientation int) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if orientation >= 5 { // the orientations that swap width and height
		w, h = h, w
	}
	tw, th := w, h
	if w >= h && w > ThumbSide {
		tw, th = ThumbSide, max(1, h*ThumbSide/w)
	} else if h > w && h > ThumbSide {
		tw, th = max(1, w*ThumbSide/h), ThumbSide
	}
	// Scale first (in the stored orientation), then turn the small image.
	sw, sh := tw, th
	if orientation >= 5 {
		sw, sh = th, tw
	}
	small := image.NewRGBA(image.Rect(0, 0, sw, sh))
	draw.BiLinear.Scale(small, small.Bounds(), img, b, draw.Src, nil)
	upright := orient(small, orientation)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, upright, &jpeg.Options{Quality: 80}); err != nil {
		return nil, fmt.Errorf("encode the thumbnail: %w", err)
	}
	return buf.Bytes(), nil
}

// orient turns an image by an Exif orientation (1–8).
func orient(src *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return src
	}
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		for x := range w {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			dst.SetRGBA(dx, dy, src.RGBAAt(x, y))
		}
	}
	return dst
}

// errTooComplex is a PDF whose streams unpack to more than a scan reads.
var errTooComplex = errors.New("too complex")
