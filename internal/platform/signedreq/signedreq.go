// Package signedreq signs HTTP requests with a shared secret and checks
// them: an HMAC-SHA256 over the method, the request URI, the time, a
// one-time nonce and the body's hash, sent in the Authorization header.
// A checked request is within a time window of the checker's clock; the
// caller of Check refuses a nonce seen before (a replay). Only requests
// without a body are signed and accepted: signed calls read.
package signedreq

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Scheme is the Authorization scheme of a signed request.
const Scheme = "Sunshine-HMAC-SHA256"

// Headers of a signed request besides Authorization.
const (
	TimeHeader  = "X-Sunshine-Time"
	NonceHeader = "X-Sunshine-Nonce"
)

// Window is how far a signed request's time may lie from the checker's
// clock, either way.
const Window = 5 * time.Minute

// Errors of Parse and Check.
var (
	ErrMalformed = errors.New("malformed signed request")
	ErrExpired   = errors.New("signed request outside its time window")
	ErrSignature = errors.New("bad signature")
	ErrBody      = errors.New("signed requests carry no body")
)

var (
	keyIDPattern = regexp.MustCompile(`^[0-9a-f]{16,64}$`)
	noncePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)
)

// ValidKeyID reports whether id has the shape of a key id (lower-case hex).
func ValidKeyID(id string) bool { return keyIDPattern.MatchString(id) }

// Signed is what a signed request claims.
type Signed struct {
	KeyID string
	Time  time.Time
	Nonce string
	sig   []byte
}

// Is reports whether r claims to be signed (its Authorization scheme).
func Is(r *http.Request) bool {
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.EqualFold(scheme, Scheme)
}

// Sign signs r (which must have no body) with the key keyID and secret at now.
func Sign(r *http.Request, keyID string, secret []byte, now time.Time) error {
	if (r.Body != nil && r.Body != http.NoBody) || r.ContentLength > 0 {
		return ErrBody
	}
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("nonce: %w", err)
	}
	nonce := base64.RawURLEncoding.EncodeToString(b)
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := sum(secret, r.Method, r.URL.RequestURI(), ts, nonce)
	r.Header.Set(TimeHeader, ts)
	r.Header.Set(NonceHeader, nonce)
	r.Header.Set("Authorization", Scheme+" Credential="+keyID+", Signature="+hex.EncodeToString(mac))
	return nil
}

// sum is the signature of a request's parts.
func sum(secret []byte, method, uri, ts, nonce string) []byte {
	empty := sha256.Sum256(nil)
	m := hmac.New(sha256.New, secret)
	var b bytes.Buffer
	for _, part := range []string{"sunshine-signed-request-v1", method, uri, ts, nonce, hex.EncodeToString(empty[:])} {
		b.WriteString(part)
		b.WriteByte('\n')
	}
	m.Write(b.Bytes())
	return m.Sum(nil)
}

// Parse reads what a signed request claims, without checking it.
func Parse(r *http.Request) (Signed, error) {
	scheme, rest, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, Scheme) || len(rest) > 300 {
		return Signed{}, ErrMalformed
	}
	var s Signed
	var sigHex string
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return Signed{}, ErrMalformed
		}
		switch k {
		case "Credential":
			s.KeyID = v
		case "Signature":
			sigHex = v
		default:
			return Signed{}, ErrMalformed
		}
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) != sha256.Size || !ValidKeyID(s.KeyID) {
		return Signed{}, ErrMalformed
	}
	s.sig = sig
	s.Nonce = r.Header.Get(NonceHeader)
	if !noncePattern.MatchString(s.Nonce) {
		return Signed{}, ErrMalformed
	}
	ts := r.Header.Get(TimeHeader)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(ts) > 12 || sec <= 0 {
		return Signed{}, ErrMalformed
	}
	s.Time = time.Unix(sec, 0)
	return s, nil
}

// Check checks the signature of r, which Parse read as s, with secret, and
// that its time lies within Window of now. A request with a body is
// refused. The nonce is the caller's to check (once per key and window).
func Check(r *http.Request, s Signed, secret []byte, now time.Time) error {
	if r.ContentLength > 0 || len(r.TransferEncoding) > 0 {
		return ErrBody
	}
	want := sum(secret, r.Method, r.URL.RequestURI(), r.Header.Get(TimeHeader), s.Nonce)
	if !hmac.Equal(want, s.sig) {
		return ErrSignature
	}
	if d := now.Sub(s.Time); d > Window || d < -Window {
		return ErrExpired
	}
	return nil
}
