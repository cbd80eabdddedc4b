package notify_test

import (
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sunshine/internal/app/apptest"
	"sunshine/internal/notify"
	"sunshine/internal/platform/db"
	mailer "sunshine/internal/platform/mail"
	"sunshine/internal/platform/testkit"
)

// inbox is an SMTP server's backend that keeps what it receives.
type inbox struct {
	mu   sync.Mutex
	rcpt []string
	data [][]byte
}

func (b *inbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &inboxSession{b: b}, nil }

type inboxSession struct{ b *inbox }

func (s *inboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *inboxSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.rcpt = append(s.b.rcpt, to)
	return nil
}
func (s *inboxSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.data = append(s.b.data, data)
	return nil
}
func (s *inboxSession) Reset()        {}
func (s *inboxSession) Logout() error { return nil }

// TestEmailOverSMTP: a reminder chosen by e-mail goes from the rules through
// the outbox and the SMTP sender to a real SMTP server on the loopback: the
// mail arrives once, to the chosen address, with the kind's text and a link,
// and nothing personal (no name, no ID number); the delivery is sent.
func TestEmailOverSMTP(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		s := w.App.Notify
		ctx := context.Background()
		be := &inbox{}
		srv := smtp.NewServer(be)
		srv.Domain = "localhost"
		srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = srv.Serve(ln) }()
		t.Cleanup(func() { _ = srv.Close() })
		sender, err := mailer.NewSMTP(mailer.SMTPConfig{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, TLS: mailer.TLSNone,
			From: "阳光助残 <notice@example.org>", Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		s.Mail = sender
		s.PublicURL = "https://zhucan.example.gov.cn"
		uid := w.Int64(`SELECT id FROM users WHERE username = 'town'`)
		if _, err := s.SavePrefs(ctx, apptest.Caller("town_staff", "310114102"), uid, false, notify.Prefs{Channel: notify.ChannelEmail, Email: "town@example.org"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Generate(ctx, w.now); err != nil {
			t.Fatal(err)
		}
		for range 2 { // a second sending sends nothing again
			if _, err := s.SendDue(ctx, w.now); err != nil {
				t.Fatal(err)
			}
		}
		want := w.Int64(`SELECT count(*) FROM notifications WHERE user_id = ?`, uid)
		if want == 0 {
			t.Fatal("the town's user has no notifications")
		}
		be.mu.Lock()
		defer be.mu.Unlock()
		if int64(len(be.data)) != want {
			t.Fatalf("%d mails received, want %d (one per notification of the town's user)", len(be.data), want)
		}
		if n := w.Int64(`SELECT count(*) FROM notify_outbox WHERE channel = 'email' AND state = 'sent'`); n != want {
			t.Errorf("%d e-mail deliveries sent, want %d", n, want)
		}
		var name string
		if err := d.QueryRow(ctx, `SELECT name FROM persons WHERE id = ?`, w.In).Scan(&name); err != nil {
			t.Fatal(err)
		}
		for i, raw := range be.data {
			if be.rcpt[i] != "town@example.org" {
				t.Errorf("mail %d to %q", i, be.rcpt[i])
			}
			m, err := mail.ReadMessage(strings.NewReader(string(raw)))
			if err != nil {
				t.Fatalf("mail %d: %v", i, err)
			}
			subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			if err != nil || subject == "" {
				t.Errorf("mail %d subject %q: %v", i, m.Header.Get("Subject"), err)
			}
			text, err := io.ReadAll(quotedprintable.NewReader(m.Body))
			if err != nil || m.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
				t.Fatalf("mail %d body (%s): %v", i, m.Header.Get("Content-Transfer-Encoding"), err)
			}
			body := string(text)
			if !strings.Contains(body, "：https://zhucan.example.gov.cn/") {
				t.Errorf("mail %d has no link: %s", i, body)
			}
			if strings.Contains(body, name) || strings.Contains(subject, name) || strings.Contains(body, "3101141") {
				t.Errorf("mail %d holds personal data: %s", i, raw)
			}
		}
		all := strings.Join(func() []string {
			var out []string
			for _, r := range be.data {
				out = append(out, string(r))
			}
			return out
		}(), "\n")
		if !strings.Contains(all, "/cases/") {
			t.Errorf("no link to the case in the mails:\n%s", all)
		}
	})
}
