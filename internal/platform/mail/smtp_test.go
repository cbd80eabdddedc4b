package mail

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message as the in-process server got it.
type received struct {
	from, to, user string
	data           []byte
}

// backend is a real SMTP server's backend that keeps what it receives and
// refuses with the reply the test sets.
type backend struct {
	mu       sync.Mutex
	got      []received
	user     string // required sign-in, "" for none
	pass     string
	rcptErr  error
	dataErr  error
	sawAuths int
}

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

type session struct {
	b    *backend
	cur  received
	auth bool
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		s.b.mu.Lock()
		s.b.sawAuths++
		s.b.mu.Unlock()
		if user != s.b.user || pass != s.b.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.auth, s.cur.user = true, user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.user != "" && !s.auth {
		return smtp.ErrAuthRequired
	}
	s.cur.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.b.rcptErr != nil {
		return s.b.rcptErr
	}
	s.cur.to = to
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.b.dataErr != nil {
		return s.b.dataErr
	}
	s.cur.data = data
	s.b.mu.Lock()
	s.b.got = append(s.b.got, s.cur)
	s.b.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.cur = received{user: s.cur.user} }
func (s *session) Logout() error { return nil }

// testCert makes a self-signed certificate for 127.0.0.1 and a pool that
// trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test smtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

type serverOpts struct {
	tlsCert      *tls.Certificate // STARTTLS offered (or implicit TLS with implicit)
	implicit     bool
	insecureAuth bool
}

// startServer runs a go-smtp server on the loopback and answers its port.
func startServer(t *testing.T, be *backend, o serverOpts) int {
	t.Helper()
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = o.insecureAuth
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 4 << 20
	if o.tlsCert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*o.tlsCert}, MinVersion: tls.VersionTLS12}
	}
	var l net.Listener
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.implicit {
		l = tls.NewListener(l, srv.TLSConfig)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

func newSender(t *testing.T, cfg SMTPConfig) *SMTP {
	t.Helper()
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.From == "" {
		cfg.From = "阳光助残 <notice@sunshine.example>"
	}
	s, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// parse reads the received message back with net/mail and decodes it.
func parse(t *testing.T, data []byte) (*mail.Message, string, string) {
	t.Helper()
	for i, line := range strings.Split(string(data), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d is %d characters long: %q", i, len(line), line)
		}
	}
	if strings.Contains(strings.ReplaceAll(string(data), "\r\n", ""), "\n") {
		t.Error("a bare LF in the message")
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	return msg, subject, string(body)
}

func TestSendPlainLoopback(t *testing.T) {
	be := &backend{}
	port := startServer(t, be, serverOpts{})
	s := newSender(t, SMTPConfig{Port: port, TLS: TLSNone})
	subject := "提醒：您借用的轮椅将于12月17日到期 — 请按时归还，谢谢！这是一个很长的主题，用来检查折行是否正确处理了多个编码字"
	text := "张三您好：\n\n您借用的轮椅将于2026年12月17日到期。\n.\n..以点开头的行\n" + strings.Repeat("很长的一行，", 40) + "\r\n结束\r"
	if err := s.Send(context.Background(), Message{To: "张三 <zhangsan@example.org>", Subject: subject, Text: text}); err != nil {
		t.Fatal(err)
	}
	if len(be.got) != 1 {
		t.Fatalf("%d messages received", len(be.got))
	}
	got := be.got[0]
	if got.from != "notice@sunshine.example" || got.to != "zhangsan@example.org" {
		t.Errorf("envelope %q -> %q", got.from, got.to)
	}
	msg, gotSubject, body := parse(t, got.data)
	if gotSubject != subject {
		t.Errorf("Subject %q, want %q", gotSubject, subject)
	}
	wantBody := strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n"), "\n", "\r\n")
	if body != wantBody {
		t.Errorf("body %q, want %q", body, wantBody)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "阳光助残" || from[0].Address != "notice@sunshine.example" {
		t.Errorf("From %v, %v", from, err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "张三" || to[0].Address != "zhangsan@example.org" {
		t.Errorf("To %v, %v", to, err)
	}
	if d, err := msg.Header.Date(); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date %v, %v", d, err)
	}
	for k, want := range map[string]string{
		"MIME-Version":              "1.0",
		"Content-Type":              "text/plain; charset=UTF-8",
		"Content-Transfer-Encoding": "quoted-printable",
	} {
		if v := msg.Header.Get(k); v != want {
			t.Errorf("%s: %q, want %q", k, v, want)
		}
	}
	if id := msg.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@sunshine.example>") {
		t.Errorf("Message-ID %q", id)
	}
}

func TestSendSTARTTLSWithAuth(t *testing.T) {
	cert, pool := testCert(t)
	be := &backend{user: "notice", pass: "pa ss:密码"}
	port := startServer(t, be, serverOpts{tlsCert: &cert})
	s := newSender(t, SMTPConfig{Port: port, Username: "notice", Password: "pa ss:密码", TLSConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}})
	if err := s.Send(context.Background(), Message{To: "a@example.org", Subject: "Hello", Text: "Hi"}); err != nil {
		t.Fatal(err)
	}
	if len(be.got) != 1 || be.got[0].user != "notice" {
		t.Fatalf("received %+v", be.got)
	}
	if _, subject, _ := parse(t, be.got[0].data); subject != "Hello" {
		t.Errorf("Subject %q", subject)
	}
	// A wrong password is a 535, the configuration's fault, not the
	// message's: worth a retry once the password is mended.
	bad := newSender(t, SMTPConfig{Port: port, Username: "notice", Password: "wrong", TLSConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}})
	err := bad.Send(context.Background(), Message{To: "a@example.org", Subject: "Hello", Text: "Hi"})
	var se *SMTPError
	if !errors.As(err, &se) || se.Code != 535 || errors.Is(err, ErrPermanent) {
		t.Errorf("wrong password: %v", err)
	}
	// A certificate the client does not trust ends it before any password.
	before := be.sawAuths
	untrusted := newSender(t, SMTPConfig{Port: port, Username: "notice", Password: "pa ss:密码"})
	if err := untrusted.Send(context.Background(), Message{To: "a@example.org", Subject: "Hello", Text: "Hi"}); err == nil {
		t.Error("an untrusted certificate was accepted")
	}
	if be.sawAuths != before {
		t.Error("the password went to a server with an untrusted certificate")
	}
}

func TestSendImplicitTLS(t *testing.T) {
	cert, pool := testCert(t)
	be := &backend{}
	port := startServer(t, be, serverOpts{tlsCert: &cert, implicit: true})
	s := newSender(t, SMTPConfig{Port: port, TLS: TLSImplicit, TLSConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}})
	if err := s.Send(context.Background(), Message{To: "a@example.org", Subject: "到期提醒", Text: "正文"}); err != nil {
		t.Fatal(err)
	}
	if len(be.got) != 1 {
		t.Fatalf("%d messages", len(be.got))
	}
	if _, subject, body := parse(t, be.got[0].data); subject != "到期提醒" || body != "正文\r\n" {
		t.Errorf("subject %q body %q", subject, body)
	}
}

func TestSendAuthOverPlainLoopback(t *testing.T) {
	be := &backend{user: "u", pass: "p"}
	port := startServer(t, be, serverOpts{insecureAuth: true})
	// Without AllowInsecureAuth the config is refused.
	if _, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, TLS: TLSNone, Username: "u", Password: "p", From: "a@b.example"}); err == nil {
		t.Fatal("a password over a plain connection was accepted")
	}
	s := newSender(t, SMTPConfig{Port: port, TLS: TLSNone, Username: "u", Password: "p", AllowInsecureAuth: true})
	if err := s.Send(context.Background(), Message{To: "x@example.org", Subject: "s", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	if len(be.got) != 1 || be.got[0].user != "u" {
		t.Errorf("received %+v", be.got)
	}
	// A server that wants STARTTLS but does not offer it.
	s2 := newSender(t, SMTPConfig{Port: port, Username: "u", Password: "p"})
	if err := s2.Send(context.Background(), Message{To: "x@example.org", Subject: "s", Text: "t"}); err == nil || errors.Is(err, ErrPermanent) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("no STARTTLS: %v", err)
	}
}

func TestSendRefusals(t *testing.T) {
	for _, c := range []struct {
		name      string
		rcpt      error
		data      error
		permanent bool
	}{
		{"550 recipient", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}, nil, true},
		{"451 recipient", &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}, nil, false},
		{"552 data", nil, &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "too big"}, true},
		{"421 data", nil, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "closing"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			be := &backend{rcptErr: c.rcpt, dataErr: c.data}
			port := startServer(t, be, serverOpts{})
			s := newSender(t, SMTPConfig{Port: port, TLS: TLSNone})
			err := s.Send(context.Background(), Message{To: "x@example.org", Subject: "s", Text: "t"})
			var se *SMTPError
			if !errors.As(err, &se) || errors.Is(err, ErrPermanent) != c.permanent {
				t.Errorf("err = %v, want permanent=%v", err, c.permanent)
			}
			if len(be.got) != 0 {
				t.Error("the message was stored")
			}
		})
	}
}

func TestSendBadInput(t *testing.T) {
	be := &backend{}
	port := startServer(t, be, serverOpts{})
	s := newSender(t, SMTPConfig{Port: port, TLS: TLSNone})
	for _, m := range []Message{
		{To: "not an address", Subject: "s", Text: "t"},
		{To: "a@example.org\r\nBcc: victim@example.org", Subject: "s", Text: "t"},
		{To: "a@example.org", Subject: "s\r\nBcc: victim@example.org", Text: "t"},
		{To: "a@example.org", Subject: "s\nX-Injected: 1", Text: "t"},
		{To: "a@example.org", Subject: "s\x00", Text: "t"},
		{To: "a@example.org", Subject: strings.Repeat("长", MaxSubject+1), Text: "t"},
		{To: "a@example.org", Subject: "s", Text: "bad \x1b[31m escape"},
		{To: "a@example.org", Subject: "s", Text: strings.Repeat("x", MaxText+1)},
		{To: "\"x\r\n\" <a@example.org>", Subject: "s", Text: "t"},
	} {
		if err := s.Send(context.Background(), m); !errors.Is(err, ErrPermanent) {
			t.Errorf("Send(%.60q) = %v, want permanent", m, err)
		}
	}
	if len(be.got) != 0 {
		t.Errorf("%d messages went out", len(be.got))
	}
	for _, cfg := range []SMTPConfig{
		{Port: 25, From: "a@b.example"},
		{Host: "h", Port: 25, From: "a@b.example\r\nX: y"},
		{Host: "h", Port: 25, From: "nobody"},
		{Host: "h", Port: 70000, From: "a@b.example"},
		{Host: "h", Port: 25, TLS: "ssl", From: "a@b.example"},
		{Host: "h", Port: 25, TLS: TLSNone, Username: "u", Password: "p", From: "a@b.example"},
	} {
		if _, err := NewSMTP(cfg); err == nil {
			t.Errorf("NewSMTP(%+v) took it", cfg)
		}
	}
	if s, err := NewSMTP(SMTPConfig{Host: "h", Port: 465, From: "a@b.example"}); err != nil || s.cfg.TLS != TLSImplicit {
		t.Errorf("port 465: %v", err)
	}
}

// TestSendSilentServer: a server that accepts the connection and never
// answers is ended by the context's deadline, and by the configured
// time-out, as a retryable error.
func TestSendSilentServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var conns sync.WaitGroup
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() { // read and never answer
				defer conns.Done()
				_, _ = io.Copy(io.Discard, bufio.NewReader(c))
				c.Close()
			}()
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	s := newSender(t, SMTPConfig{Port: port, TLS: TLSNone})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Send(ctx, Message{To: "a@example.org", Subject: "s", Text: "t"})
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrPermanent) {
		t.Errorf("err = %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s", d)
	}
	s2 := newSender(t, SMTPConfig{Port: port, TLS: TLSNone, Timeout: 200 * time.Millisecond})
	start = time.Now()
	if err := s2.Send(context.Background(), Message{To: "a@example.org", Subject: "s", Text: "t"}); err == nil || errors.Is(err, ErrPermanent) {
		t.Errorf("err = %v, want a retryable time-out", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s", d)
	}
	// Nothing listening: a retryable connection error.
	l2, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l2.Addr().(*net.TCPAddr).Port
	l2.Close()
	s3 := newSender(t, SMTPConfig{Port: closed, TLS: TLSNone})
	if err := s3.Send(context.Background(), Message{To: "a@example.org", Subject: "s", Text: "t"}); err == nil || errors.Is(err, ErrPermanent) {
		t.Errorf("err = %v, want retryable", err)
	}
}
