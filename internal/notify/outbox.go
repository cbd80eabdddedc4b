package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/mail"
	"sunshine/internal/platform/sms"
)

// Delivery states.
const (
	StatePending = "pending"
	StateSent    = "sent"
	StateFailed  = "failed"
	StateSkipped = "skipped"
)

// Backoff are the waits after the 1st, 2nd, … failed attempt; after as many
// failures plus one, a delivery has failed for good.
var Backoff = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour}

// sendBatch is how many due deliveries one SendDue takes at most.
const sendBatch = 100

// Sent counts what SendDue did.
type Sent struct {
	Sent    int `json:"sent"`
	Retried int `json:"retried"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

type due struct {
	id, notification, userID, personID int64
	channel, kind, params, link, lang  string
	tries                              int
}

// SendDue sends the deliveries due at now, each attempt recorded.
func (s *Store) SendDue(ctx context.Context, now time.Time) (Sent, error) {
	var list []due
	err := s.each(ctx, `SELECT o.id, o.notification_id, o.channel, o.tries, n.kind, n.params, n.link, u.id, COALESCE(u.person_id, 0), u.lang
		FROM notify_outbox o JOIN notifications n ON n.id = o.notification_id JOIN users u ON u.id = n.user_id
		WHERE o.state = 'pending' AND o.next_at <= ? ORDER BY o.next_at, o.id LIMIT ?`, []any{db.Millis(now), sendBatch}, func(sc scanner) error {
		var d due
		err := sc.Scan(&d.id, &d.notification, &d.channel, &d.tries, &d.kind, &d.params, &d.link, &d.userID, &d.personID, &d.lang)
		list = append(list, d)
		return err
	})
	if err != nil {
		return Sent{}, fmt.Errorf("read due deliveries: %w", err)
	}
	var st Sent
	for _, d := range list {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		state, err := s.attempt(ctx, d, now)
		if err != nil {
			return st, err
		}
		switch state {
		case StateSent:
			st.Sent++
		case StateFailed:
			st.Failed++
		case StateSkipped:
			st.Skipped++
		default:
			st.Retried++
		}
	}
	return st, nil
}

// attempt sends one delivery and records the outcome: its new state.
func (s *Store) attempt(ctx context.Context, d due, now time.Time) (string, error) {
	ref, skip, sendErr := s.send(ctx, d)
	tries := d.tries + 1
	state, reason, next := StateSent, "", now
	outcome := StateSent
	switch {
	case skip != "":
		state, reason, outcome = StateSkipped, skip, StateSkipped
	case sendErr != nil && (errors.Is(sendErr, sms.ErrPermanent) || errors.Is(sendErr, mail.ErrPermanent)):
		state, reason, outcome = StateFailed, clip(sendErr.Error()), "error"
	case sendErr != nil && tries > len(Backoff):
		state, reason, outcome = StateFailed, clip(fmt.Sprintf("gave up after %d attempts: %v", tries, sendErr)), "error"
	case sendErr != nil:
		state, reason, outcome = StatePending, clip(sendErr.Error()), "error"
		next = now.Add(Backoff[tries-1])
	}
	errText := ""
	if sendErr != nil {
		errText = clip(sendErr.Error())
	} else if skip != "" {
		errText = skip
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO notify_attempts (outbox_id, seq, at, outcome, error)
			VALUES (?, (SELECT COALESCE(MAX(a.seq), 0) + 1 FROM notify_attempts a WHERE a.outbox_id = ?), ?, ?, ?)`,
			d.id, d.id, db.Millis(now), outcome, errText); err != nil {
			return fmt.Errorf("record attempt: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE notify_outbox SET state = ?, tries = ?, next_at = ?, reason = ?, ref = ?, updated_at = ? WHERE id = ?`,
			state, tries, db.Millis(next), reason, ref, db.Millis(now), d.id); err != nil {
			return fmt.Errorf("update delivery: %w", err)
		}
		return nil
	})
	return state, err
}

// clip keeps an error text short and on one line.
func clip(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300])
	}
	return s
}

// Reasons a delivery is skipped.
const (
	SkipNotConfigured = "channel not configured"
	SkipInvalidPhone  = "invalid phone number"
	SkipNoPhone       = "no phone number"
	SkipNoAddress     = "no e-mail address"
)

// send sends one delivery: the gateway's reference, or why it is skipped,
// or the gateway's error. The phone or address is read at send time.
func (s *Store) send(ctx context.Context, d due) (ref, skip string, err error) {
	p := decodeParams(d.params)
	date := p["date"]
	switch d.channel {
	case ChannelSMS:
		if s.SMS == nil {
			return "", SkipNotConfigured, nil
		}
		phone, skip, err := s.phoneOf(ctx, d)
		if err != nil || skip != "" {
			return "", skip, err
		}
		sctx, cancel := context.WithTimeout(ctx, s.SendTimeout)
		defer cancel()
		params := map[string]string{}
		if date != "" {
			params["date"] = date // the template's one parameter: never a name or an ID number
		}
		code := SMSTemplate(d.kind)
		if c := s.SMSCodes[d.kind]; c != "" {
			code = c
		}
		ref, err := s.SMS.Send(sctx, sms.Message{Phone: phone, Template: code, Params: params})
		return ref, "", err
	case ChannelEmail:
		if s.Mail == nil {
			return "", SkipNotConfigured, nil
		}
		prefs, err := s.Prefs(ctx, d.userID)
		if err != nil {
			return "", "", err
		}
		if prefs.Email == "" {
			return "", SkipNoAddress, nil
		}
		lang := d.lang
		if lang != "en" {
			lang = "zh"
		}
		sctx, cancel := context.WithTimeout(ctx, s.SendTimeout)
		defer cancel()
		subject := apperr.T("阳光助残云提醒："+KindName(d.kind, "zh"), "Sunshine reminder: "+KindName(d.kind, "en")).In(lang)
		text := Render(d.kind, p, lang) + "\n\n" + apperr.T("请登录阳光助残云查看：", "Sign in to Sunshine to see it: ").In(lang) + strings.TrimRight(s.PublicURL, "/") + d.link + "\n"
		return "", "", s.Mail.Send(sctx, mail.Message{To: prefs.Email, Subject: subject, Text: text})
	}
	return "", "unknown channel", nil
}

// SMSTemplate is the gateway's template code of a kind.
func SMSTemplate(kind string) string { return "SUNSHINE_" + strings.ToUpper(kind) }

// phoneOf reads, sealed, the phone a person's account chose (their own or
// their guardian's), audited as a read of the person.
func (s *Store) phoneOf(ctx context.Context, d due) (phone, skip string, err error) {
	if d.personID == 0 {
		return "", SkipNoPhone, nil
	}
	prefs, err := s.Prefs(ctx, d.userID)
	if err != nil {
		return "", "", err
	}
	col, field := "phone_enc", "phone"
	if prefs.SMSTo == "guardian" {
		col, field = "guardian_phone_enc", "guardian_phone"
	}
	var enc []byte
	var unit string
	err = s.db.QueryRow(ctx, `SELECT `+col+`, orgunit FROM persons WHERE id = ?`, d.personID).Scan(&enc, &unit)
	if errors.Is(err, sql.ErrNoRows) {
		return "", SkipNoPhone, nil
	} else if err != nil {
		return "", "", fmt.Errorf("read phone: %w", err)
	}
	if len(enc) == 0 {
		return "", SkipNoPhone, nil
	}
	phone, err = s.vault.Open(field, enc)
	if err != nil {
		return "", "", fmt.Errorf("read phone: %w", err)
	}
	if s.log != nil {
		e := audit.Actor{Username: "sunshine notify", Role: "system"}.Entry(audit.ActionRead, "person", strconv.FormatInt(d.personID, 10), unit)
		e.Detail = fmt.Sprintf(`{"field":%q,"purpose":"sms reminder","delivery":%d}`, field, d.id)
		if err := s.log.Record(ctx, e); err != nil {
			return "", "", fmt.Errorf("audit phone read: %w", err)
		}
	}
	norm, err := sms.NormalizePhone(phone)
	if err != nil {
		return "", SkipInvalidPhone, nil //nolint:nilerr // a number that cannot take an SMS is skipped with the reason
	}
	return norm, "", nil
}

// ---- the staff's view of the outbox ----

// Delivery is an outbox row as staff see it (no phone, no address).
type Delivery struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Channel   string    `json:"channel"`
	OrgUnit   string    `json:"orgunit"`
	State     string    `json:"state"`
	Tries     int       `json:"tries"`
	NextAt    time.Time `json:"next_at"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
	Attempts  []Attempt `json:"attempts"`
}

// Attempt is one attempt at sending a delivery.
type Attempt struct {
	At      time.Time `json:"at"`
	Outcome string    `json:"outcome"`
	Error   string    `json:"error"`
}

// Outbox lists the deliveries of the caller's scope (only the failed when
// failed), newest first, at most limit, with their attempts.
func (s *Store) Outbox(ctx context.Context, c access.Caller, failed bool, limit int) ([]Delivery, error) {
	return s.outbox(ctx, c, failed, 0, limit)
}

// Delivery reads one delivery of the caller's scope (else: not found).
func (s *Store) Delivery(ctx context.Context, c access.Caller, id int64) (Delivery, error) {
	list, err := s.outbox(ctx, c, false, id, 1)
	if err != nil {
		return Delivery{}, err
	}
	if len(list) == 0 {
		return Delivery{}, notFound()
	}
	return list[0], nil
}

func (s *Store) outbox(ctx context.Context, c access.Caller, failed bool, id int64, limit int) ([]Delivery, error) {
	lo, hi := c.Scope.Range()
	q := `SELECT o.id, n.kind, o.channel, o.orgunit, o.state, o.tries, o.next_at, o.reason, o.created_at
		FROM notify_outbox o JOIN notifications n ON n.id = o.notification_id WHERE o.orgunit >= ? AND o.orgunit < ?`
	args := []any{lo, hi}
	if failed {
		q += ` AND o.state = 'failed'`
	}
	if id != 0 {
		q += ` AND o.id = ?`
		args = append(args, id)
	}
	q += ` ORDER BY o.id DESC LIMIT ?`
	var out []Delivery
	err := s.each(ctx, q, append(args, min(max(limit, 1), MaxList)), func(sc scanner) error {
		var d Delivery
		var next, created int64
		err := sc.Scan(&d.ID, &d.Kind, &d.Channel, &d.OrgUnit, &d.State, &d.Tries, &next, &d.Reason, &created)
		d.NextAt, d.CreatedAt = db.FromMillis(next), db.FromMillis(created)
		out = append(out, d)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	for i := range out {
		out[i].Attempts = []Attempt{}
		err := s.each(ctx, `SELECT at, outcome, error FROM notify_attempts WHERE outbox_id = ? ORDER BY seq`, []any{out[i].ID}, func(sc scanner) error {
			var a Attempt
			var at int64
			err := sc.Scan(&at, &a.Outcome, &a.Error)
			a.At = db.FromMillis(at)
			out[i].Attempts = append(out[i].Attempts, a)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("list attempts: %w", err)
		}
	}
	if out == nil {
		out = []Delivery{}
	}
	return out, nil
}

// Retry makes a failed or skipped delivery of the caller's scope due now
// (pending again, its attempts kept); out of scope or missing: not found;
// a pending or sent one: a conflict.
func (s *Store) Retry(ctx context.Context, c access.Caller, id int64) error {
	lo, hi := c.Scope.Range()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var state string
		err := tx.QueryRow(ctx, `SELECT state FROM notify_outbox WHERE id = ? AND orgunit >= ? AND orgunit < ?`, id, lo, hi).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		} else if err != nil {
			return fmt.Errorf("read delivery: %w", err)
		}
		if state != StateFailed && state != StateSkipped {
			return &apperr.Error{Code: apperr.Conflict, Msg: apperr.T("只能重发失败或跳过的发送。", "Only a failed or skipped delivery can be retried."),
				Fields: []apperr.FieldError{apperr.Field("state", "not_failed", "该发送不是失败或跳过状态。", "The delivery has not failed.")}}
		}
		now := s.db.Now()
		if _, err := tx.Exec(ctx, `UPDATE notify_outbox SET state = 'pending', tries = 0, next_at = ?, updated_at = ? WHERE id = ?`,
			db.Millis(now), db.Millis(now), id); err != nil {
			return fmt.Errorf("retry delivery: %w", err)
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionUpdate, "notify_outbox", strconv.FormatInt(id, 10), ""))
	})
}
