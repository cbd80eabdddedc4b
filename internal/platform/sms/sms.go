// Package sms sends text messages through an HTTP SMS gateway. Gateway is
// what the rest of Sunshine calls; this package holds its implementations.
//
// # Configuration
//
// Aliyun (made by NewAliyunStyle) speaks the Alibaba Cloud SMS API (SendSms,
// signature version 1.0), which many Chinese providers copy. Its
// AliyunConfig needs the provider's endpoint URL (DefaultEndpoint when
// empty), the AccessKey ID and secret (the secret read by the caller from a
// file, never from a flag), and the signature approved by the provider
// (SignName, e.g. "阳光助残"), which the provider puts before every message.
// Optional: the HTTP client (by default one with a 10 s time-out), the rate
// limits (DefaultLimits: 1 message a minute, 5 an hour and 10 a day to one
// number, 10 a second in all) and the Templates registry, which maps
// Sunshine's message kinds to the provider's approved template codes and
// their parameter names; with it, no template and no parameter outside the
// registry goes out.
//
// Errors: a refused number (NormalizePhone: landlines and service numbers
// cannot receive SMS), parameter or template wraps ErrPermanent; a rate
// limit, ours or the provider's, wraps ErrRateLimited; those and time-outs,
// network errors and HTTP 5xx answers are worth a retry later.
package sms

import (
	"context"
	"errors"
)

// Message is one text message: a template approved by the gateway (its code)
// with its parameters. Nothing personal beyond the template's parameters goes
// into a message.
type Message struct {
	Phone    string            // a mainland mobile number, 11 digits
	Template string            // the gateway's template code
	Params   map[string]string // the template's parameters
}

// Gateway sends a message and answers the gateway's reference for it.
// An error wrapping ErrPermanent will fail again if retried (a refused
// number, an unknown template); any other error is worth a retry later.
type Gateway interface {
	Send(ctx context.Context, m Message) (ref string, err error)
}

// ErrPermanent marks an error that a retry cannot mend.
var ErrPermanent = errors.New("sms: permanent failure")
