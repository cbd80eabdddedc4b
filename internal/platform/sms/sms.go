// Package sms sends text messages through an HTTP SMS gateway. Gateway is
// what the rest of Sunshine calls; this package holds its implementations.
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
