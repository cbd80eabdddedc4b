package shop

import (
	"bytes"
	"encoding/binary"
)

// StripMetadata removes from a checked photo (CheckImage) what a camera or a
// phone writes beside the picture — Exif (with the place it was taken: an
// artisan's photo is often taken at home), XMP, comments and text chunks —
// keeping the picture and its colour profile. It works on the file's own
// structure (JPEG segments, PNG chunks, WebP RIFF chunks), so the picture is
// not encoded again. ok is false when the structure is not as it should be
// (the photo is then refused).
func StripMetadata(ctype string, data []byte) ([]byte, bool) {
	switch ctype {
	case TypeJPEG:
		return stripJPEG(data)
	case TypePNG:
		return stripPNG(data)
	case TypeWebP:
		return stripWebP(data)
	}
	return nil, false
}

// stripJPEG drops the APP1 (Exif, XMP), APP3–APP15 and COM segments before
// the image data; APP0 (JFIF) and APP2 (ICC profile) stay.
func stripJPEG(b []byte) ([]byte, bool) {
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return nil, false
	}
	out := bytes.NewBuffer(make([]byte, 0, len(b)))
	out.Write(b[:2])
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xff {
			return nil, false
		}
		marker := b[i+1]
		if marker == 0xff { // fill byte
			i++
			continue
		}
		if marker == 0xda { // start of scan: the rest is the picture
			out.Write(b[i:])
			return out.Bytes(), true
		}
		if marker == 0xd8 || marker == 0xd9 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01 {
			out.Write(b[i : i+2]) // markers without a length
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(b[i+2 : i+4]))
		if n < 2 || i+2+n > len(b) {
			return nil, false
		}
		drop := marker == 0xfe || marker == 0xe1 || (marker >= 0xe3 && marker <= 0xef)
		if !drop {
			out.Write(b[i : i+2+n])
		}
		i += 2 + n
	}
	return nil, false
}

// stripPNG drops the eXIf, tEXt, zTXt, iTXt and tIME chunks.
func stripPNG(b []byte) ([]byte, bool) {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(b) < len(sig) || string(b[:len(sig)]) != sig {
		return nil, false
	}
	out := bytes.NewBuffer(make([]byte, 0, len(b)))
	out.WriteString(sig)
	i := len(sig)
	for i+12 <= len(b) {
		n := int(binary.BigEndian.Uint32(b[i : i+4]))
		if n < 0 || i+12+n > len(b) {
			return nil, false
		}
		typ := string(b[i+4 : i+8])
		switch typ {
		case "eXIf", "tEXt", "zTXt", "iTXt", "tIME":
		default:
			out.Write(b[i : i+12+n])
		}
		i += 12 + n
		if typ == "IEND" {
			return out.Bytes(), true
		}
	}
	return nil, false
}

// stripWebP drops the EXIF and XMP chunks and clears their flags in VP8X.
func stripWebP(b []byte) ([]byte, bool) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil, false
	}
	out := bytes.NewBuffer(make([]byte, 0, len(b)))
	out.Write(b[:12])
	i := 12
	for i+8 <= len(b) {
		n := int(binary.LittleEndian.Uint32(b[i+4 : i+8]))
		padded := n + n&1
		if n < 0 || i+8+padded > len(b) {
			if i+8+n == len(b) { // a last odd chunk without its padding byte
				padded = n
			} else {
				return nil, false
			}
		}
		typ := string(b[i : i+4])
		switch typ {
		case "EXIF", "XMP ":
		case "VP8X":
			chunk := bytes.Clone(b[i : i+8+padded])
			if len(chunk) > 8 {
				chunk[8] &^= 0x08 | 0x04 // the Exif and XMP flags
			}
			out.Write(chunk)
		default:
			out.Write(b[i : i+8+padded])
		}
		i += 8 + padded
	}
	if i != len(b) {
		return nil, false
	}
	res := out.Bytes()
	binary.LittleEndian.PutUint32(res[4:8], uint32(len(res)-8)) // #nosec G115 -- at most MaxPhotoBytes
	return res, true
}
