package shop_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"testing"

	"sunshine/internal/shop"
)

// TestStripMetadata: what a phone writes beside the picture — Exif with the
// place (JPEG APP1, PNG eXIf, WebP EXIF), XMP, comments, text — is gone from
// a stored photo, and the picture still decodes at its size.
func TestStripMetadata(t *testing.T) {
	t.Parallel()
	const secret = "GPS 31.3838N 121.2500E"
	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}

	// JPEG: an Exif APP1 and a comment after SOI.
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, img, nil); err != nil {
		t.Fatal(err)
	}
	seg := func(marker byte, body string) []byte {
		out := []byte{0xff, marker, 0, 0}
		binary.BigEndian.PutUint16(out[2:], uint16(len(body)+2))
		return append(out, body...)
	}
	j := append([]byte{0xff, 0xd8}, seg(0xe1, "Exif\x00\x00"+secret)...)
	j = append(j, seg(0xfe, secret)...)
	j = append(j, jb.Bytes()[2:]...)

	// PNG: a tEXt and an eXIf chunk after IHDR.
	var pb bytes.Buffer
	if err := png.Encode(&pb, img); err != nil {
		t.Fatal(err)
	}
	chunk := func(typ, body string) []byte {
		out := make([]byte, 8, 12+len(body))
		binary.BigEndian.PutUint32(out, uint32(len(body)))
		copy(out[4:], typ)
		out = append(out, body...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE([]byte(typ+body)))
	}
	raw := pb.Bytes()
	ihdrEnd := 8 + 12 + 13
	p := append(bytes.Clone(raw[:ihdrEnd]), chunk("tEXt", "Comment\x00"+secret)...)
	p = append(p, chunk("eXIf", secret)...)
	p = append(p, raw[ihdrEnd:]...)

	// WebP: a VP8X header with the Exif flag, then an EXIF chunk.
	w := webp(640, 480)
	w[20] |= 0x08
	w = append(w, []byte("EXIF")...)
	w = binary.LittleEndian.AppendUint32(w, uint32(len(secret)))
	w = append(w, secret...)
	binary.LittleEndian.PutUint32(w[4:], uint32(len(w)-8))

	for name, c := range map[string]struct {
		typ  string
		data []byte
	}{"jpeg": {shop.TypeJPEG, j}, "png": {shop.TypePNG, p}, "webp": {shop.TypeWebP, w}} {
		if !bytes.Contains(c.data, []byte(secret)) {
			t.Fatalf("%s: the test photo lacks its metadata", name)
		}
		if typ, _, _, err := shop.CheckImage(c.data); err != nil || typ != c.typ {
			t.Fatalf("%s: %s %v", name, typ, err)
		}
		out, ok := shop.StripMetadata(c.typ, c.data)
		if !ok || bytes.Contains(out, []byte(secret)) {
			t.Errorf("%s: ok %v, metadata left: %v", name, ok, bytes.Contains(out, []byte(secret)))
			continue
		}
		typ, wd, ht, err := shop.CheckImage(out)
		if err != nil || typ != c.typ {
			t.Errorf("%s: the stripped photo: %s %v", name, typ, err)
		}
		switch name {
		case "webp":
			if wd != 640 || ht != 480 || out[20]&0x08 != 0 || binary.LittleEndian.Uint32(out[4:]) != uint32(len(out)-8) {
				t.Errorf("webp: %d×%d flags %x size %d of %d", wd, ht, out[20], binary.LittleEndian.Uint32(out[4:]), len(out))
			}
		default:
			got, _, err := image.Decode(bytes.NewReader(out))
			if err != nil || got.Bounds() != img.Bounds() {
				t.Errorf("%s: decodes %v %v", name, got.Bounds(), err)
			}
		}
	}
	// A JPEG cut inside a segment is no photo.
	if _, ok := shop.StripMetadata(shop.TypeJPEG, j[:10]); ok {
		t.Error("a cut JPEG passed")
	}
}

// withText is a PNG with a tEXt chunk holding text after its header.
func withText(png []byte, text string) []byte {
	body := "Comment\x00" + text
	c := make([]byte, 8, 12+len(body))
	binary.BigEndian.PutUint32(c, uint32(len(body)))
	copy(c[4:], "tEXt")
	c = append(c, body...)
	c = binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE([]byte("tEXt"+body)))
	end := 8 + 12 + 13 // the signature and IHDR
	return append(append(bytes.Clone(png[:end]), c...), png[end:]...)
}
