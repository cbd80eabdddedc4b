package attachments_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"sunshine/internal/attachments"
	"sunshine/internal/platform/apperr"
)

// plainJPEG is a w×h JPEG of one colour (seed varies it).
func plainJPEG(t testing.TB, w, h, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(seed * 37), uint8(x * 255 / w), uint8(seed*11 + y), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The location the GPS test photo carries, as the Exif GPS IFD holds it
// (degrees, minutes, seconds as rationals) and as XMP text.
var (
	gpsLatitude = []byte{0, 0, 0, 31, 0, 0, 0, 1, 0, 0, 0, 17, 0, 0, 0, 1, 0, 0, 0x13, 0x88, 0, 0, 0, 100}
	xmpGPS      = "<exif:GPSLatitude>31,17.5N</exif:GPSLatitude>"
	comment     = "taken at 上海市嘉定区南翔镇永新村 12号"
)

// gpsExif is an APP1 Exif segment (big-endian TIFF) with Orientation 6 and
// a GPS IFD holding the latitude.
func gpsExif() []byte {
	var t []byte
	t = append(t, "MM\x00\x2a\x00\x00\x00\x08"...)
	// IFD0 at 8: two entries, Orientation and the GPS IFD pointer.
	ifd0 := 8
	gpsIFD := ifd0 + 2 + 2*12 + 4
	t = binary.BigEndian.AppendUint16(t, 2)
	t = append(t, 0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0, 6, 0, 0)
	t = append(t, 0x88, 0x25, 0x00, 0x04, 0, 0, 0, 1)
	t = binary.BigEndian.AppendUint32(t, uint32(gpsIFD))
	t = binary.BigEndian.AppendUint32(t, 0)
	// GPS IFD: LatitudeRef "N", Latitude (3 rationals after the IFD).
	data := gpsIFD + 2 + 2*12 + 4
	t = binary.BigEndian.AppendUint16(t, 2)
	t = append(t, 0x00, 0x01, 0x00, 0x02, 0, 0, 0, 2, 'N', 0, 0, 0)
	t = append(t, 0x00, 0x02, 0x00, 0x05, 0, 0, 0, 3)
	t = binary.BigEndian.AppendUint32(t, uint32(data))
	t = binary.BigEndian.AppendUint32(t, 0)
	t = append(t, gpsLatitude...)
	body := append([]byte("Exif\x00\x00"), t...)
	return segment(0xE1, body)
}

func segment(marker byte, body []byte) []byte {
	n := len(body) + 2
	return append([]byte{0xFF, marker, byte(n >> 8), byte(n)}, body...)
}

// gpsJPEG is a photo with Exif GPS (and orientation 6), XMP GPS, IPTC and
// a comment, inserted after the encoder's SOI and APP0.
func gpsJPEG(t testing.TB, seed int) []byte {
	plain := plainJPEG(t, 64, 48, seed)
	at := 2
	if plain[2] == 0xFF && plain[3] == 0xE0 {
		at = 4 + int(binary.BigEndian.Uint16(plain[4:]))
	}
	var out []byte
	out = append(out, plain[:at]...)
	out = append(out, gpsExif()...)
	out = append(out, segment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>"+xmpGPS+"</x:xmpmeta>"))...)
	out = append(out, segment(0xED, []byte("Photoshop 3.0\x008BIM\x04\x04 IPTC city 南翔"))...)
	out = append(out, segment(0xFE, []byte(comment))...)
	return append(out, plain[at:]...)
}

func TestStripJPEGRemovesLocation(t *testing.T) {
	in := gpsJPEG(t, 1)
	ch, err := attachments.Check(in)
	if err != nil {
		t.Fatal(err)
	}
	out := ch.Data
	for _, gone := range [][]byte{gpsLatitude, []byte(xmpGPS), []byte("GPSLatitude"), []byte(comment), []byte("IPTC"), []byte("8BIM"), {0x88, 0x25}} {
		if bytes.Contains(out, gone) {
			t.Errorf("the stored photo still holds %q", gone)
		}
	}
	// The orientation is kept, alone, in a minimal Exif segment.
	if !bytes.Contains(out, []byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06")) {
		t.Error("the orientation was not kept")
	}
	// The image data is the same bytes.
	sos := func(b []byte) []byte { return b[bytes.Index(b, []byte{0xFF, 0xDA}):] }
	if !bytes.Equal(sos(out), sos(in)) {
		t.Error("the image data changed")
	}
	if ch.Width != 64 || ch.Height != 48 || ch.ContentType != attachments.TypeJPEG {
		t.Errorf("checked: %d×%d %s", ch.Width, ch.Height, ch.ContentType)
	}
	// The thumbnail is a JPEG turned upright (orientation 6: width and height swap).
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(ch.Thumb))
	if err != nil || cfg.Width != 48 || cfg.Height != 64 {
		t.Errorf("thumbnail: %+v %v", cfg, err)
	}
	// A photo without metadata passes unchanged.
	plain := plainJPEG(t, 300, 200, 2)
	ch, err = attachments.Check(plain)
	if err != nil || !bytes.Equal(ch.Data, plain) {
		t.Errorf("a plain JPEG changed: %v", err)
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(ch.Thumb)); err != nil || cfg.Width != attachments.ThumbSide || cfg.Height != 160 {
		t.Errorf("thumbnail of 300×200: %+v %v", cfg, err)
	}
}

func TestStripPNG(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 10, 10))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	chunk := func(typ, data string) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		b = append(b, typ...)
		b = append(b, data...)
		return append(b, 0, 0, 0, 0) // CRC: not checked by the strip; the decoder checks only critical chunks' CRC
	}
	// After IHDR (8 + 25 bytes): text, time and Exif chunks.
	var in []byte
	in = append(in, raw[:33]...)
	in = append(in, chunk("tEXt", "Comment\x00GPS 31.29N 121.32E")...)
	in = append(in, chunk("tIME", "\x07\xea\x0b\x10\x0a\x00\x00")...)
	in = append(in, chunk("eXIf", "MM\x00\x2aGPSDATA")...)
	in = append(in, chunk("iTXt", "XML:com.adobe.xmp\x00\x00\x00\x00\x00GPSLatitude")...)
	in = append(in, raw[33:]...)
	ch, err := attachments.Check(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ch.Data, raw) {
		t.Errorf("the stripped PNG is not the PNG without its metadata chunks")
	}
	if ch.ContentType != attachments.TypePNG || len(ch.Thumb) == 0 {
		t.Errorf("checked: %s, thumbnail %d bytes", ch.ContentType, len(ch.Thumb))
	}
}

func code(err error) apperr.Code { return apperr.CodeOf(err) }

func TestRefusedContent(t *testing.T) {
	heic := append([]byte{0, 0, 0, 0x18}, "ftypheic\x00\x00\x00\x00mif1heic"...)
	heic = append(heic, make([]byte, 100)...)
	for name, c := range map[string]struct {
		data []byte
		want apperr.Code
		says string
	}{
		"text named .jpg": {[]byte("name,phone\n张三,13812345678\n"), apperr.Unsupported, "text"},
		"HEIC":            {heic, apperr.Unsupported, "Most Compatible"},
		"HEIF mif1":       {append([]byte{0, 0, 0, 0x18}, "ftypmif1\x00\x00\x00\x00mif1heic...."...), apperr.Unsupported, "HEIC"},
		"GIF":             {[]byte("GIF89a\x01\x00\x01\x00"), apperr.Unsupported, "GIF"},
		"ZIP (docx)":      {[]byte("PK\x03\x04\x14\x00\x06\x00"), apperr.Unsupported, "ZIP"},
		"unknown":         {[]byte{0x00, 0x01, 0x02, 0x03, 0xFE, 0xFD}, apperr.Unsupported, "not recognised"},
		"empty":           {nil, apperr.Invalid, "Choose a file"},
		"cut JPEG":        {plainJPEG(t, 20, 20, 3)[:200], apperr.Invalid, "damaged"},
		"too large":       {append([]byte{0xFF, 0xD8, 0xFF}, make([]byte, attachments.MaxSize)...), apperr.TooLarge, "10 MB"},
	} {
		_, err := attachments.Check(c.data)
		if code(err) != c.want {
			t.Errorf("%s: %v, want %s", name, err, c.want)
			continue
		}
		e, _ := apperr.As(err)
		if len(e.Fields) == 0 || e.Fields[0].Field != "file" || !strings.Contains(e.Msg.En+" "+e.Fields[0].Msg.En, c.says) {
			t.Errorf("%s: %q (fields %v), want it to say %q and name the file", name, e.Msg.En, e.Fields, c.says)
		}
	}
}

// TestDecompressionBomb: a PNG whose header claims 20000×20000 pixels is
// refused from its header, before it is decoded.
func TestDecompressionBomb(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	binary.BigEndian.PutUint32(b[16:], 20000)
	binary.BigEndian.PutUint32(b[20:], 20000)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	_, err := attachments.Check(b)
	if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid || !strings.Contains(e.Fields[0].Msg.En, "20000×20000") {
		t.Fatalf("a 400-megapixel PNG: %v", err)
	}
}

// pdfWith is a small PDF whose catalog holds extra (a dictionary's
// entries), and whose objects 5 and 6 are packed, Flate-compressed, in an
// object stream holding packed.
func pdfWith(extra, packed string) []byte {
	var b strings.Builder
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	b.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R " + extra + " >>\nendobj\n")
	b.WriteString("2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n")
	b.WriteString("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n")
	content := "BT /F1 12 Tf 72 720 Td (hello) Tj ET"
	b.WriteString(fmt.Sprintf("4 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n", len(content), content))
	if packed != "" {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		_, _ = zw.Write([]byte("5 0 6 20 " + packed))
		_ = zw.Close()
		b.WriteString(fmt.Sprintf("7 0 obj\n<< /Type /ObjStm /N 2 /First 9 /Filter /FlateDecode /Length %d >>\nstream\n", z.Len()))
		b.Write(z.Bytes())
		b.WriteString("\nendstream\nendobj\n")
	}
	// A picture's bytes that happen to spell dangerous names are not a name.
	b.WriteString("8 0 obj\n<< /Type /XObject /Subtype /Image /Filter /DCTDecode /Length 12 >>\nstream\n\xff\xd8/JS /AA \xff\xd9\nendstream\nendobj\n")
	b.WriteString("trailer\n<< /Root 1 0 R >>\n%%EOF\n")
	return []byte(b.String())
}

func TestScanPDF(t *testing.T) {
	if _, err := attachments.Check(pdfWith("", "<< /Type /Font >> << /Type /Font >>")); err != nil {
		t.Fatalf("a plain PDF: %v", err)
	}
	for name, c := range map[string]struct {
		pdf  []byte
		want apperr.Code
		says string
	}{
		"JavaScript open action":      {pdfWith("/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", ""), apperr.Unsupported, "JavaScript"},
		"escaped name":                {pdfWith("/OpenAction << /S /J#61vaScript /J#53 (x) >>", ""), apperr.Unsupported, "JavaScript"},
		"launch":                      {pdfWith("/OpenAction << /S /Launch /F (cmd.exe) >>", ""), apperr.Unsupported, "launches"},
		"embedded file":               {pdfWith("/Names << /EmbeddedFiles 9 0 R >>", ""), apperr.Unsupported, "embedded"},
		"automatic action":            {pdfWith("/AA << /O 9 0 R >>", ""), apperr.Unsupported, "automatic"},
		"XFA":                         {pdfWith("/AcroForm << /XFA 9 0 R >>", ""), apperr.Unsupported, "XFA"},
		"rich media":                  {pdfWith("/RichMedia 9 0 R", ""), apperr.Unsupported, "rich media"},
		"encrypted":                   {pdfWith("", "") /* patched below */, apperr.Unsupported, "encryption"},
		"JavaScript in object stream": {pdfWith("", "<< /S /JavaScript /JS (app.alert(1)) >> << /Type /Font >>"), apperr.Unsupported, "JavaScript"},
		"object stream not Flate": {[]byte("%PDF-1.7\n7 0 obj\n<< /Type /ObjStm /Filter /ASCIIHexDecode /Length 4 >>\nstream\n2F4A\nendstream\nendobj\n%%EOF"),
			apperr.Invalid, "cannot be checked"},
	} {
		pdf := c.pdf
		if name == "encrypted" {
			pdf = bytes.Replace(pdf, []byte("<< /Root 1 0 R >>"), []byte("<< /Root 1 0 R /Encrypt 9 0 R >>"), 1)
		}
		_, err := attachments.Check(pdf)
		e, ok := apperr.As(err)
		if !ok || e.Code != c.want || len(e.Fields) == 0 || !strings.Contains(e.Msg.En+" "+e.Fields[0].Msg.En, c.says) {
			t.Errorf("%s: %v, want %s saying %q", name, err, c.want, c.says)
		}
	}
}

// noisyJPEG is a w×h JPEG of noise: large for its size.
func noisyJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	x := uint32(2463534242)
	for i := range img.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		img.Pix[i] = byte(x)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
