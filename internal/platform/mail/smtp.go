package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sunshine/internal/platform/safetext"
)

// TLS modes of an SMTP connection.
const (
	TLSStartTLS = "starttls" // plain connection upgraded by STARTTLS, which the server must offer
	TLSImplicit = "tls"      // TLS from the first byte (port 465, "SMTPS")
	TLSNone     = "none"     // no TLS: for a relay on the same machine or a test
)

// DefaultTimeout bounds one whole sending (dial, commands, message) when
// the config gives none and the context has no earlier deadline.
const DefaultTimeout = 30 * time.Second

// Limits of a message.
const (
	MaxSubject = 200     // characters
	MaxText    = 1 << 20 // bytes of body text
)

// SMTPConfig configures an SMTP sender.
type SMTPConfig struct {
	Host string // the server's host name, also checked against its certificate
	Port int    // 587 (STARTTLS) or 465 (TLS) usually; 587 when 0
	// TLS is TLSStartTLS, TLSImplicit or TLSNone; when empty, TLSImplicit
	// on port 465 and TLSStartTLS otherwise.
	TLS string
	// TLSConfig, when set, is used for the TLS handshake (ServerName is
	// Host when empty). Nil: the system's roots, TLS 1.2 at least.
	TLSConfig *tls.Config
	// Username and Password, when given, sign in with PLAIN authentication,
	// which is refused over a connection without TLS unless
	// AllowInsecureAuth is set (for a server on the loopback in tests).
	Username, Password string
	AllowInsecureAuth  bool
	From               string        // the sender's address, e.g. "阳光助残 <notice@example.org>"
	HelloName          string        // the name given in EHLO; "localhost" when empty
	Timeout            time.Duration // DefaultTimeout when 0
}

// SMTP is a Sender that sends each message over a new SMTP connection. It is
// safe for concurrent use.
type SMTP struct {
	cfg  SMTPConfig
	addr string
	from *mail.Address
	now  func() time.Time
}

var _ Sender = (*SMTP)(nil)

// NewSMTP checks cfg and makes the sender.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" || strings.ContainsAny(cfg.Host, " \r\n/") {
		return nil, errors.New("mail: the SMTP host is required")
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mail: SMTP port %d is out of range", cfg.Port)
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
		if cfg.Port == 465 {
			cfg.TLS = TLSImplicit
		}
	}
	switch cfg.TLS {
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, fmt.Errorf("mail: TLS mode %q is none of %s, %s, %s", cfg.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	if (cfg.Username != "" || cfg.Password != "") && cfg.TLS == TLSNone && !cfg.AllowInsecureAuth {
		return nil, errors.New("mail: a password is never sent over a connection without TLS")
	}
	if strings.ContainsAny(cfg.Username+cfg.Password, "\x00\r\n") {
		return nil, errors.New("mail: the SMTP user name or password holds a control character")
	}
	from, err := parseAddress("From", cfg.From)
	if err != nil {
		return nil, err
	}
	if cfg.HelloName == "" {
		cfg.HelloName = "localhost"
	}
	if strings.ContainsAny(cfg.HelloName, " \r\n") {
		return nil, errors.New("mail: the EHLO name holds a space or line break")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &SMTP{cfg: cfg, addr: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)), from: from, now: time.Now}, nil
}

// Send builds the message (Build) and delivers it to the server. A message
// that cannot be built and a permanent (5xx) reply to the message's
// commands wrap ErrPermanent; a temporary (4xx) reply, a refused sign-in or
// TLS, a network error and the end of ctx or of the configured time-out do
// not.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	to, err := parseAddress("To", m.To)
	if err != nil {
		return err
	}
	msg, err := Build(s.from, to, m, s.now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := s.deliver(ctx, to.Address, msg); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("mail: sending to %s via %s: %w (%v)", to.Address, s.addr, ctx.Err(), err)
		}
		return err
	}
	return nil
}

func (s *SMTP) deliver(ctx context.Context, rcpt string, msg []byte) error {
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("mail: connecting to %s: %w", s.addr, err)
	}
	// The context's end (its deadline, or the configured time-out) closes
	// the connection, whatever command waits.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	defer conn.Close()
	tlsConf := s.tlsConfig()
	secure := false
	if s.cfg.TLS == TLSImplicit {
		tc := tls.Client(conn, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("mail: TLS with %s: %w", s.addr, err)
		}
		conn, secure = tc, true
	}
	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		return s.smtpErr("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(s.cfg.HelloName); err != nil {
		return s.smtpErr("EHLO", err)
	}
	if s.cfg.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("mail: %s does not offer STARTTLS", s.addr)
		}
		if err := c.StartTLS(tlsConf); err != nil {
			return s.smtpErr("STARTTLS", err)
		}
		secure = true
	}
	if s.cfg.Username != "" || s.cfg.Password != "" {
		if !secure && !s.cfg.AllowInsecureAuth {
			return errors.New("mail: refusing to send the password without TLS")
		}
		if ok, mechs := c.Extension("AUTH"); !ok || !hasWord(mechs, "PLAIN") {
			return fmt.Errorf("mail: %s does not offer AUTH PLAIN", s.addr)
		}
		if err := c.Auth(plainAuth{user: s.cfg.Username, pass: s.cfg.Password}); err != nil {
			return s.smtpErr("AUTH", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return s.smtpErr("MAIL FROM", err)
	}
	if err := c.Rcpt(rcpt); err != nil {
		return s.smtpErr("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return s.smtpErr("DATA", err)
	}
	if _, err := w.Write(msg); err != nil { // the writer dot-stuffs
		return s.smtpErr("message", err)
	}
	if err := w.Close(); err != nil {
		return s.smtpErr("end of message", err)
	}
	if err := c.Quit(); err != nil {
		// The message is accepted; a failing QUIT does not undo that.
		return nil
	}
	return nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	var c *tls.Config
	if s.cfg.TLSConfig != nil {
		c = s.cfg.TLSConfig.Clone()
	} else {
		c = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if c.ServerName == "" {
		c.ServerName = s.cfg.Host
	}
	return c
}

// SMTPError is a reply of the server that refused a command.
type SMTPError struct {
	Command string
	Code    int
	Msg     string
}

func (e *SMTPError) Error() string {
	return fmt.Sprintf("mail: server refused %s: %d %s", e.Command, e.Code, e.Msg)
}

// Unwrap answers ErrPermanent for a 5xx reply to a command about the
// message (MAIL FROM, RCPT TO, DATA and the message itself), nil otherwise:
// a refused greeting, EHLO, STARTTLS or sign-in (a wrong or expired
// password) is the server's or the configuration's, mended without
// touching the message, so worth a retry.
func (e *SMTPError) Unwrap() error {
	if e.Code >= 500 && e.Code < 600 && messageCommands[e.Command] {
		return ErrPermanent
	}
	return nil
}

var messageCommands = map[string]bool{"MAIL FROM": true, "RCPT TO": true, "DATA": true, "message": true, "end of message": true}

func (s *SMTP) smtpErr(cmd string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		return &SMTPError{Command: cmd, Code: te.Code, Msg: te.Msg}
	}
	return fmt.Errorf("mail: %s with %s: %w", cmd, s.addr, err)
}

func hasWord(list, w string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, w) {
			return true
		}
	}
	return false
}

// plainAuth is SASL PLAIN (RFC 4616). Unlike net/smtp's PlainAuth it leaves
// the choice of when a plain connection is acceptable to NewSMTP and deliver.
type plainAuth struct{ user, pass string }

func (a plainAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("mail: unexpected server challenge in AUTH PLAIN")
	}
	return nil, nil
}

// AddressError is an address that cannot be used; it wraps ErrPermanent.
type AddressError struct {
	Field, Value, Reason string
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("mail: %s address %q: %s", e.Field, e.Value, e.Reason)
}

// Unwrap makes errors.Is(err, ErrPermanent) true.
func (e *AddressError) Unwrap() error { return ErrPermanent }

const maxAddress = 320

func parseAddress(field, s string) (*mail.Address, error) {
	switch {
	case strings.ContainsAny(s, "\r\n\x00"):
		return nil, &AddressError{field, s, "holds a line break"}
	case len(s) > maxAddress:
		return nil, &AddressError{field, s[:40] + "…", "too long"}
	case safetext.Bad(s):
		return nil, &AddressError{field, s, "holds control characters"}
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, &AddressError{field, s, err.Error()}
	}
	if strings.ContainsAny(a.Address, "\r\n\x00<> ") || !strings.Contains(a.Address, "@") {
		return nil, &AddressError{field, s, "not a mailbox"}
	}
	return a, nil
}

// ContentError is a subject or text that cannot go out; it wraps
// ErrPermanent.
type ContentError struct{ Field, Reason string }

func (e *ContentError) Error() string { return "mail: " + e.Field + " " + e.Reason }

// Unwrap makes errors.Is(err, ErrPermanent) true.
func (e *ContentError) Unwrap() error { return ErrPermanent }

// Build answers the message as sent: headers From, To, Subject (RFC 2047
// encoded when not ASCII), Date, Message-ID, MIME-Version and Content-Type
// text/plain; charset=UTF-8 with quoted-printable body, all lines ending in
// CRLF. The SMTP client dot-stuffs it. A subject with a line break or a
// control character, a text with a control character other than tab and line
// breaks, or either too long, is refused with a *ContentError.
func Build(from, to *mail.Address, m Message, now time.Time) ([]byte, error) {
	switch {
	case !utf8.ValidString(m.Subject) || strings.ContainsAny(m.Subject, "\r\n\t") || safetext.Bad(m.Subject):
		return nil, &ContentError{"Subject", "holds a line break or control character"}
	case utf8.RuneCountInString(m.Subject) > MaxSubject:
		return nil, &ContentError{"Subject", fmt.Sprintf("is longer than %d characters", MaxSubject)}
	case !utf8.ValidString(m.Text) || safetext.Bad(m.Text):
		return nil, &ContentError{"Text", "holds control characters"}
	case len(m.Text) > MaxText:
		return nil, &ContentError{"Text", fmt.Sprintf("is longer than %d bytes", MaxText)}
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(fold(k+": "+v) + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.BEncoding.Encode("UTF-8", m.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", messageID(from.Address))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	text := strings.ReplaceAll(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\r", "\n")
	if _, err := qp.Write([]byte(strings.ReplaceAll(text, "\n", "\r\n"))); err != nil {
		return nil, fmt.Errorf("mail: encoding the text: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("mail: encoding the text: %w", err)
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// fold breaks a header line before a space wherever it would pass 78
// characters (RFC 5322 folding: a reader removes the CRLF and keeps the
// space). Encoded-words are at most 75 characters, so each fits a line.
func fold(line string) string {
	var b strings.Builder
	col := 0
	for i, word := range strings.Split(line, " ") {
		if i > 0 {
			if col+1+len(word) > 78 {
				b.WriteString("\r\n")
				col = 0
			}
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}

func messageID(from string) string {
	var r [12]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails
	domain := "localhost"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		domain = from[i+1:]
	}
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">"
}
