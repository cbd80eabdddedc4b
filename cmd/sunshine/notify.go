package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"sunshine/internal/app"
	"sunshine/internal/platform/mail"
	"sunshine/internal/platform/sms"
)

// gateways are the flags that configure the SMS gateway and the SMTP
// server the notifications are sent through; a channel whose flags are
// absent is off (its deliveries are skipped with "channel not configured").
type gateways struct {
	smsURL, smsKeyID, smsSecretFile, smsSign, smsTemplates string
	smtpAddr, smtpUser, smtpPasswordFile, smtpFrom         string
	publicURL                                              string
}

func (g *gateways) register(fs *flag.FlagSet) {
	fs.StringVar(&g.smsURL, "sms-url", env("SUNSHINE_SMS_URL", ""), "SMS gateway API URL (Aliyun style; empty with --sms-key-id: the default endpoint)")
	fs.StringVar(&g.smsKeyID, "sms-key-id", env("SUNSHINE_SMS_KEY_ID", ""), "SMS gateway access key ID (empty: SMS off)")
	fs.StringVar(&g.smsSecretFile, "sms-secret-file", env("SUNSHINE_SMS_SECRET_FILE", ""), "file holding the SMS gateway's access key secret")
	fs.StringVar(&g.smsSign, "sms-sign", env("SUNSHINE_SMS_SIGN", ""), "the SMS signature approved by the gateway, e.g. 阳光助残")
	fs.StringVar(&g.smsTemplates, "sms-templates", env("SUNSHINE_SMS_TEMPLATES", ""), "JSON file mapping each notification kind to the gateway's template code")
	fs.StringVar(&g.smtpAddr, "smtp-addr", env("SUNSHINE_SMTP_ADDR", ""), "SMTP server host:port (empty: e-mail off)")
	fs.StringVar(&g.smtpUser, "smtp-user", env("SUNSHINE_SMTP_USER", ""), "SMTP user name")
	fs.StringVar(&g.smtpPasswordFile, "smtp-password-file", env("SUNSHINE_SMTP_PASSWORD_FILE", ""), "file holding the SMTP password")
	fs.StringVar(&g.publicURL, "public-url", env("SUNSHINE_PUBLIC_URL", ""), "the site's address as users reach it, for the links in e-mails, e.g. https://zhucan.example.gov.cn")
	fs.StringVar(&g.smtpFrom, "smtp-from", env("SUNSHINE_SMTP_FROM", ""), "the sender's address, e.g. 阳光助残 <notice@example.org>")
}

// secret reads a one-line secret from a file.
func secret(file, what string) (string, error) {
	b, err := os.ReadFile(file) // #nosec G304 G703 -- the operator names the file
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s: the file %s is empty", what, file)
	}
	return s, nil
}

// apply configures the app's notification channels from the flags.
func (g *gateways) apply(a *app.App) error {
	if g.publicURL != "" {
		u, err := url.Parse(g.publicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("--public-url: %q is not an http(s) address such as https://zhucan.example.gov.cn", g.publicURL)
		}
		a.Notify.PublicURL = strings.TrimRight(u.String(), "/")
	}
	if g.smsKeyID != "" {
		if g.smsSecretFile == "" || g.smsSign == "" {
			return errors.New("--sms-key-id needs --sms-secret-file and --sms-sign")
		}
		key, err := secret(g.smsSecretFile, "--sms-secret-file")
		if err != nil {
			return err
		}
		gw, err := sms.NewAliyunStyle(sms.AliyunConfig{Endpoint: g.smsURL, AccessKeyID: g.smsKeyID, AccessKeySecret: key, SignName: g.smsSign})
		if err != nil {
			return err
		}
		a.Notify.SMS = gw
		if g.smsTemplates != "" {
			b, err := os.ReadFile(g.smsTemplates)
			if err != nil {
				return fmt.Errorf("--sms-templates: %w", err)
			}
			codes := map[string]string{}
			if err := json.Unmarshal(b, &codes); err != nil {
				return fmt.Errorf("--sms-templates: %w", err)
			}
			a.Notify.SMSCodes = codes
		}
	}
	if g.smtpAddr != "" {
		host, port, err := net.SplitHostPort(g.smtpAddr)
		if err != nil {
			return fmt.Errorf("--smtp-addr: %w", err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return fmt.Errorf("--smtp-addr: port %q: %w", port, err)
		}
		cfg := mail.SMTPConfig{Host: host, Port: p, Username: g.smtpUser, From: g.smtpFrom}
		if g.smtpPasswordFile != "" {
			if cfg.Password, err = secret(g.smtpPasswordFile, "--smtp-password-file"); err != nil {
				return err
			}
		}
		s, err := mail.NewSMTP(cfg)
		if err != nil {
			return err
		}
		a.Notify.Mail = s
	}
	return nil
}

// notifyCmd runs the rules and sends the due deliveries once: `sunshine
// notify run` (of servers sharing the database, one runs at a time).
func notifyCmd(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 || args[0] != "run" {
		return errors.New("usage: sunshine notify run [--db DSN] [--data DIR] [gateway flags as serve]")
	}
	fs := flag.NewFlagSet("notify run", flag.ContinueOnError)
	var c common
	c.register(fs)
	var g gateways
	g.register(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	a, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := g.apply(a); err != nil {
		return err
	}
	r, err := a.Notify.Run(ctx, a.DB.Now())
	if err != nil {
		return err
	}
	if !r.Ran {
		fmt.Fprintln(stdout, "another server is running the notifications now: nothing done")
		return nil
	}
	fmt.Fprintf(stdout, "notifications: %d new (%d deliveries); sent %d, retrying %d, failed %d, skipped %d\n",
		r.Generated.Notifications, r.Generated.Deliveries, r.Sent.Sent, r.Sent.Retried, r.Sent.Failed, r.Sent.Skipped)
	return nil
}
