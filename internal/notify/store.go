// Package notify makes reminders and notifications: rules that read the
// other modules' tables with their own queries and make each notification
// once per (rule, subject, due date, recipient), the in-app list with its
// unread count, and an outbox that sends SMS and e-mail through the
// gateways (internal/platform/sms, internal/platform/mail) with retries.
package notify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/mail"
	"sunshine/internal/platform/sms"
	"sunshine/internal/platform/vault"
)

// fEmail is the vault field of a user's e-mail address (notify_prefs).
const fEmail = "notify_email"

// Store keeps the notifications, the outbox and the users' choices.
type Store struct {
	db    *db.DB
	vault *vault.Vault
	log   *audit.Log
	// SMS and Mail send the outbox; nil: that channel is off (its rows are
	// skipped with "channel not configured").
	SMS  sms.Gateway
	Mail mail.Sender
	// SMSCodes are the gateway's template codes by kind (SMSTemplate(kind)
	// when absent).
	SMSCodes map[string]string
	// Holder names this server for the leases (a random id by default).
	Holder string
	// SendTimeout bounds one attempt at sending (default 30 s).
	SendTimeout time.Duration
	// PublicURL is the site's address as its users reach it
	// ("https://zhucan.example.gov.cn"): an e-mail's link is PublicURL and
	// the page's path; empty, the path alone.
	PublicURL string
	lastDay   string // the day of the last daily run this server made
	// afterBatch, when set (tests), runs at the end of each batch's
	// transaction of Generate; an error rolls the batch back.
	afterBatch func(start int) error
}

// NewStore returns a store; SMS and Mail may be set afterwards.
func NewStore(d *db.DB, v *vault.Vault, log *audit.Log) *Store {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Store{db: d, vault: v, log: log, Holder: "notify-" + hex.EncodeToString(b[:]), SendTimeout: 30 * time.Second}
}

func notFound() error {
	return apperr.New(apperr.NotFound, "未找到该记录。", "Not found.")
}

// Notification is one of a user's notifications as the API answers it.
type Notification struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	Link      string    `json:"link"`
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
}

// MaxList is the most notifications one page of the list holds.
const MaxList = 500

// List lists the caller's notifications (only the unread when unread),
// unread first, newest first, after the cursor (an id; 0: from the
// start), at most limit; next is the cursor of the next page (0: none).
func (s *Store) List(ctx context.Context, userID int64, unread bool, limit int, cursor int64, lang string) ([]Notification, int64, error) {
	limit = min(max(limit, 1), MaxList)
	q := `SELECT id, kind, params, link, created_at, read_at FROM notifications WHERE user_id = ?`
	args := []any{userID}
	if unread {
		q += ` AND read_at = 0`
	}
	if cursor > 0 {
		// The cursor is a position in (read?, -id): unread rows come first.
		q += ` AND ((CASE WHEN read_at = 0 THEN 0 ELSE 1 END) > (SELECT CASE WHEN read_at = 0 THEN 0 ELSE 1 END FROM notifications WHERE id = ?)
			OR ((CASE WHEN read_at = 0 THEN 0 ELSE 1 END) = (SELECT CASE WHEN read_at = 0 THEN 0 ELSE 1 END FROM notifications WHERE id = ?) AND id < ?))`
		args = append(args, cursor, cursor, cursor)
	}
	q += ` ORDER BY CASE WHEN read_at = 0 THEN 0 ELSE 1 END, id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list notifications: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := []Notification{}
	for rows.Next() {
		var n Notification
		var params string
		var created, read int64
		if err := rows.Scan(&n.ID, &n.Kind, &params, &n.Link, &created, &read); err != nil {
			return nil, 0, fmt.Errorf("list notifications: %w", err)
		}
		n.Text = Render(n.Kind, decodeParams(params), lang)
		n.CreatedAt, n.Read = db.FromMillis(created), read != 0
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list notifications: %w", err)
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

// Unread counts the user's unread notifications (one indexed count).
func (s *Store) Unread(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE user_id = ? AND read_at = 0`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count unread notifications: %w", err)
	}
	return n, nil
}

// MarkRead marks one of the user's notifications read; another user's, or
// none, is not found (the same answer).
func (s *Store) MarkRead(ctx context.Context, userID, id int64) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var read int64
		err := tx.QueryRow(ctx, `SELECT read_at FROM notifications WHERE id = ? AND user_id = ?`, id, userID).Scan(&read)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		} else if err != nil {
			return fmt.Errorf("read notification: %w", err)
		}
		if read != 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ?`, db.Millis(s.db.Now()), id, userID); err != nil {
			return fmt.Errorf("mark notification read: %w", err)
		}
		return nil
	})
}

// MarkAllRead marks every notification of the user read.
func (s *Store) MarkAllRead(ctx context.Context, userID int64) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at = 0`, db.Millis(s.db.Now()), userID); err != nil {
			return fmt.Errorf("mark notifications read: %w", err)
		}
		return nil
	})
}

func decodeParams(s string) map[string]string {
	m := map[string]string{}
	_ = json.Unmarshal([]byte(s), &m) // params are written by this package: a bad one renders without them
	return m
}

// ---- preferences ----

// Channels a user may choose.
const (
	ChannelApp   = "app"
	ChannelSMS   = "sms"
	ChannelEmail = "email"
)

// Prefs is a user's choice of channel. Email is the address in clear (it
// is sealed at rest); SMSTo is "self" or "guardian" (a person's phone).
type Prefs struct {
	Channel string `json:"channel" enum:"app,sms,email"`
	SMSTo   string `json:"sms_to,omitempty" enum:"self,guardian"`
	Email   string `json:"email,omitempty"`
}

// MaxEmail is the longest e-mail address accepted.
const MaxEmail = 254

// Prefs reads a user's choice (in the app only when never chosen).
func (s *Store) Prefs(ctx context.Context, userID int64) (Prefs, error) {
	p := Prefs{Channel: ChannelApp, SMSTo: "self"}
	var enc []byte
	err := s.db.QueryRow(ctx, `SELECT channel, sms_to, email_enc FROM notify_prefs WHERE user_id = ?`, userID).Scan(&p.Channel, &p.SMSTo, &enc)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	} else if err != nil {
		return Prefs{}, fmt.Errorf("read notification settings: %w", err)
	}
	if len(enc) > 0 {
		if p.Email, err = s.vault.Open(fEmail, enc); err != nil {
			return Prefs{}, fmt.Errorf("read notification settings: %w", err)
		}
	}
	return p, nil
}

// SavePrefs checks and saves a user's choice: SMS only for a person's
// account (to their phone or their guardian's), e-mail with a valid address.
func (s *Store) SavePrefs(ctx context.Context, c access.Caller, userID int64, isPerson bool, in Prefs) (Prefs, error) {
	var fs []apperr.FieldError
	switch in.Channel {
	case ChannelApp, ChannelEmail:
	case ChannelSMS:
		if !isPerson {
			fs = append(fs, apperr.Field("channel", "invalid", "短信提醒只发给残疾人本人或其监护人。", "Reminders by SMS go only to a person or their guardian."))
		}
	default:
		fs = append(fs, apperr.Field("channel", "invalid", "提醒方式应为“仅站内”“短信”或“电子邮件”。", "The channel must be in-app only, SMS or e-mail."))
	}
	if in.SMSTo == "" {
		in.SMSTo = "self"
	}
	if in.SMSTo != "self" && in.SMSTo != "guardian" {
		fs = append(fs, apperr.Field("sms_to", "invalid", "短信接收人应为本人或监护人。", "The SMS goes to yourself or your guardian."))
	}
	if in.Email != "" || in.Channel == ChannelEmail {
		if !ValidEmail(in.Email) {
			fs = append(fs, apperr.Field("email", "invalid", "请填写有效的电子邮件地址（不超过254个字符）。", "Enter a valid e-mail address (at most 254 characters)."))
		}
	}
	if len(fs) > 0 {
		return Prefs{}, apperr.Validation(fs...)
	}
	var enc []byte
	if in.Email != "" {
		enc = s.vault.Seal(fEmail, in.Email)
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO notify_prefs (user_id, channel, sms_to, email_enc, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET channel = excluded.channel, sms_to = excluded.sms_to, email_enc = excluded.email_enc, updated_at = excluded.updated_at`,
			userID, in.Channel, in.SMSTo, enc, db.Millis(s.db.Now()))
		if err != nil {
			return fmt.Errorf("save notification settings: %w", err)
		}
		e := c.Actor.Entry(audit.ActionUpdate, "notify_prefs", strconv.FormatInt(userID, 10), "")
		e.Detail = fmt.Sprintf(`{"channel":%q}`, in.Channel)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Prefs{}, err
	}
	return in, nil
}

// ValidEmail is a plain check of an address: one @, a dot in the domain,
// no spaces or control characters, at most MaxEmail bytes.
func ValidEmail(s string) bool {
	if s == "" || len(s) > MaxEmail {
		return false
	}
	at := -1
	for i, r := range s {
		if r <= ' ' || r == 0x7f || r == '<' || r == '>' || r == ',' || r == ';' || r == '"' {
			return false
		}
		if r == '@' {
			if at >= 0 {
				return false
			}
			at = i
		}
	}
	if at <= 0 || at == len(s)-1 {
		return false
	}
	dom := s[at+1:]
	for i := 1; i < len(dom)-1; i++ {
		if dom[i] == '.' {
			return true
		}
	}
	return false
}

// One reads one of the user's notifications (another's: not found).
func (s *Store) One(ctx context.Context, userID, id int64, lang string) (Notification, error) {
	var n Notification
	var params string
	var created, read int64
	err := s.db.QueryRow(ctx, `SELECT id, kind, params, link, created_at, read_at FROM notifications WHERE id = ? AND user_id = ?`, id, userID).
		Scan(&n.ID, &n.Kind, &params, &n.Link, &created, &read)
	if errors.Is(err, sql.ErrNoRows) {
		return n, notFound()
	} else if err != nil {
		return n, fmt.Errorf("read notification: %w", err)
	}
	n.Text = Render(n.Kind, decodeParams(params), lang)
	n.CreatedAt, n.Read = db.FromMillis(created), read != 0
	return n, nil
}
