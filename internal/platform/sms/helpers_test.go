package sms

import (
	"crypto/hmac"
	"crypto/sha1" // #nosec G505 -- recomputes the provider's HMAC-SHA1 request signature
	"encoding/base64"
	"net/url"
	"sort"
)

func queryEscape(s string) string { return url.QueryEscape(s) }

func sortStrings(s []string) { sort.Strings(s) }

func hmacSHA1Base64(key, msg string) string {
	m := hmac.New(sha1.New, []byte(key))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
