// Package mail sends e-mail over SMTP. Sender is what the rest of Sunshine
// calls; this package holds its implementation.
//
// # Configuration
//
// SMTP (made by NewSMTP) sends each message over its own connection to one
// server (a relay or the organisation's mail provider). Its SMTPConfig
// needs the server's Host and Port (587 when 0), the From address (e.g.
// "阳光助残 <notice@example.org>") and, when the server wants a sign-in, a
// Username and Password (the password read by the caller from a file),
// sent with AUTH PLAIN. TLS is "starttls" (the default; the server must offer
// STARTTLS), "tls" (implicit TLS, the default on port 465) or "none" (a relay
// on the same machine); a password is never sent without TLS unless
// AllowInsecureAuth is set, which is for tests on the loopback. TLSConfig
// may give the roots that sign the server's certificate. Timeout bounds a
// whole sending (30 s by default), as does the caller's context.
//
// Errors: an invalid address, a subject with a line break or control
// character, and a permanent (5xx) reply to the message's commands (MAIL
// FROM, RCPT TO, DATA) wrap ErrPermanent; a temporary (4xx) reply, a refused
// sign-in or STARTTLS (the configuration's fault, mended without touching
// the message), a network error or a time-out are worth a retry later.
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
