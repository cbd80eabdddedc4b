// Package mail sends e-mail over SMTP. Sender is what the rest of Sunshine
// calls; this package holds its implementation.
package mail

import (
	"context"
	"errors"
)

// Message is one plain-text e-mail in UTF-8.
type Message struct {
	To      string
	Subject string
	Text    string
}

// Sender sends a message. An error wrapping ErrPermanent will fail again if
// retried (a refused address); any other error is worth a retry later.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrPermanent marks an error that a retry cannot mend.
var ErrPermanent = errors.New("mail: permanent failure")
