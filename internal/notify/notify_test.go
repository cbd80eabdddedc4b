package notify_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/notify"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/mail"
	"sunshine/internal/platform/sms"
	"sunshine/internal/platform/testkit"
)

// world is the fixture's env with, about its person 测试1 (Village): a
// certificate expiring in 60 days, a loan due in 10 days, an overdue case,
// a volunteer task tomorrow and a campaign not reached; and the notices
// the rules must make of them (keys).
type world struct {
	*apptest.Env
	now  time.Time
	want []string
}

func ids(t *testing.T, e *apptest.Env, names ...string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, n := range names {
		out[n] = e.Int64(`SELECT id FROM users WHERE username = ?`, n)
	}
	return out
}

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func newWorld(t *testing.T, d *db.DB) *world {
	e := apptest.NewEnv(t, d, apptest.Config(t))
	now := apptest.Start() // 2026-11-16 10:00 in China
	ms := db.Millis(now)
	u := ids(t, e, "person", "village", "town", "volunteer")
	// The certificate: issued 2017-01-15, valid until 2027-01-15 (60 days).
	exec(t, d, `UPDATE persons SET certificate_issued = '2017-01-15' WHERE id = ?`, e.In)
	// A case of the town's user, overdue since yesterday, with a loan due in 10 days.
	exec(t, d, `INSERT INTO cases (person_id, orgunit, service_type, state, due_at, created_by, created_at, updated_at) VALUES (?, ?, 'devices', 'approved', ?, 'town', ?, ?)`,
		e.In, apptest.Village, db.Millis(now.Add(-24*time.Hour)), ms, ms)
	caseID := e.Int64(`SELECT max(id) FROM cases`)
	var code string
	if err := d.QueryRow(context.Background(), `SELECT min(code) FROM device_catalogue`).Scan(&code); err != nil {
		t.Fatal(err)
	}
	exec(t, d, `INSERT INTO service_points (name, orgunit) VALUES ('测试点', ?) ON CONFLICT (orgunit) DO NOTHING`, apptest.Village)
	sp := e.Int64(`SELECT min(id) FROM service_points`)
	exec(t, d, `INSERT INTO device_loans (case_id, code, person_id, service_point, lent_at, due_date) VALUES (?, ?, ?, ?, ?, '2026-11-26')`, caseID, code, e.In, sp, ms)
	// A task tomorrow at 09:00 in China, the fixture's volunteer signed up.
	starts := time.Date(2026, 11, 17, 1, 0, 0, 0, time.UTC)
	exec(t, d, `INSERT INTO volunteer_tasks (title, orgunit, starts_at, ends_at, slots, checkin_code, owner, created_at) VALUES ('陪同就医', '310114102', ?, ?, 2, '1234', 'town', ?)`,
		db.Millis(starts), db.Millis(starts.Add(2*time.Hour)), ms)
	task := e.Int64(`SELECT max(id) FROM volunteer_tasks`)
	exec(t, d, `INSERT INTO volunteer_signups (task_id, volunteer_id, starts_at, ends_at, signed_by, signed_at) VALUES (?, ?, ?, ?, 'volunteer', ?)`,
		task, e.Volunteer, db.Millis(starts), db.Millis(starts.Add(2*time.Hour)), ms)
	// A campaign of 2026 with 测试1 not reached.
	exec(t, d, `INSERT INTO campaigns (kind, name, year, orgunit, criteria, eligible, created_by, created_at) VALUES ('health', '2026年健康体检', 2026, '310114', '{}', 1, 'district', ?)`, ms)
	camp := e.Int64(`SELECT max(id) FROM campaigns`)
	exec(t, d, `INSERT INTO campaign_persons (campaign_id, person_id) VALUES (?, ?)`, camp, e.In)
	k := func(kind, subj, due string, user int64) string {
		return fmt.Sprintf("%s|%s|%s|%d", kind, subj, due, user)
	}
	person := fmt.Sprintf("person:%d", e.In)
	loan := fmt.Sprintf("loan:%d:%s", caseID, code)
	cs := fmt.Sprintf("case:%d:approved", caseID)
	tk := fmt.Sprintf("task:%d", task)
	cp := fmt.Sprintf("campaign:%d:%s", camp, apptest.Village)
	return &world{Env: e, now: now, want: []string{
		k("cert_90", person, "2027-01-15", u["person"]), k("cert_90", person, "2027-01-15", u["village"]),
		k("loan_due", loan, "2026-11-26", u["person"]), k("loan_due", loan, "2026-11-26", u["village"]), k("loan_due", loan, "2026-11-26", u["town"]),
		k("case_overdue", cs, "2026-11-15", u["village"]), k("case_overdue", cs, "2026-11-15", u["town"]),
		k("task_tomorrow", tk, "2026-11-17", u["volunteer"]), k("task_tomorrow", tk, "2026-11-17", u["town"]),
		k("campaign_open", cp, "2026-11-01", u["village"]),
	}}
}

func (w *world) keys(t *testing.T) []string {
	t.Helper()
	rows, err := w.App.DB.Query(context.Background(), `SELECT dedupe FROM notifications ORDER BY dedupe`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func (w *world) check(t *testing.T) {
	t.Helper()
	got := w.keys(t)
	want := append([]string(nil), w.want...)
	sortStrings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("notifications:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func sortStrings(s []string) { slices.Sort(s) }

// TestRulesOnce: the rules make each expected notification once; a second
// run makes none; 35 days later the certificate's 30-day reminder comes,
// the loan is overdue, and nothing else repeats.
func TestRulesOnce(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		g, err := w.App.Notify.Generate(ctx, w.now)
		if err != nil {
			t.Fatal(err)
		}
		if g.Notifications != len(w.want) {
			t.Errorf("first run made %d notifications, want %d", g.Notifications, len(w.want))
		}
		w.check(t)
		g, err = w.App.Notify.Generate(ctx, w.now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if g.Notifications != 0 || g.Notices != len(w.want) {
			t.Errorf("second run: %+v, want no new notification of %d notices", g, len(w.want))
		}
		later := w.now.AddDate(0, 0, 35) // 2026-12-21: certificate in 25 days, loan overdue
		g, err = w.App.Notify.Generate(ctx, later)
		if err != nil {
			t.Fatal(err)
		}
		// cert_30 ×2, loan_overdue ×3; the case stays overdue (same state and due day: no repeat).
		if g.Notifications != 5 {
			t.Errorf("35 days later: %d new notifications, want 5 (%s)", g.Notifications, strings.Join(w.keys(t), "\n"))
		}
	})
}

// TestInterruptedRun: a run that fails after its first batch, and one
// whose context ends mid-way, keep what they committed; the run after
// makes the rest, each once.
func TestInterruptedRun(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		s := w.App.Notify
		defer s.SetBatch(200, nil)
		s.SetBatch(3, func(start int) error {
			if start == 3 {
				return errors.New("the server stops")
			}
			return nil
		})
		if _, err := s.Generate(context.Background(), w.now); err == nil {
			t.Fatal("the failing run did not fail")
		}
		if n := len(w.keys(t)); n != 3 {
			t.Errorf("after the failed run: %d notifications, want the first batch's 3", n)
		}
		ctx, cancel := context.WithCancel(context.Background())
		s.SetBatch(3, func(start int) error {
			if start == 6 {
				cancel() // mid-way through the third batch: it does not commit
			}
			return nil
		})
		if _, err := s.Generate(ctx, w.now); !errors.Is(err, context.Canceled) {
			t.Fatalf("the cancelled run: %v", err)
		}
		if n := len(w.keys(t)); n != 6 {
			t.Errorf("after the cancelled run: %d notifications, want 6", n)
		}
		s.SetBatch(200, nil)
		if _, err := s.Generate(context.Background(), w.now); err != nil {
			t.Fatal(err)
		}
		w.check(t)
	})
}

// flaky fails n times (worth a retry), then sends.
type flaky struct {
	fails int
	calls atomic.Int32
	got   []sms.Message
	mu    sync.Mutex
}

func (f *flaky) Send(_ context.Context, m sms.Message) (string, error) {
	n := int(f.calls.Add(1))
	if n <= f.fails {
		return "", errors.New("gateway answered 503")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, m)
	return fmt.Sprintf("ref-%d", n), nil
}

// slow never answers before the deadline.
type slow struct{}

func (slow) Send(ctx context.Context, _ sms.Message) (string, error) {
	<-ctx.Done()
	return "", ctx.Err()
}

// refusing answers a permanent error.
type refusing struct{}

func (refusing) Send(context.Context, sms.Message) (string, error) {
	return "", fmt.Errorf("template not approved: %w", sms.ErrPermanent)
}

// mailbox keeps the mails.
type mailbox struct{ got []mail.Message }

func (m *mailbox) Send(_ context.Context, msg mail.Message) error {
	m.got = append(m.got, msg)
	return nil
}

// outboxOf is the state, tries and reason of the person's SMS deliveries.
func outboxOf(t *testing.T, w *world) (state string, tries int, reason string, attempts int64) {
	t.Helper()
	row := w.App.DB.QueryRow(context.Background(), `SELECT o.state, o.tries, o.reason, (SELECT count(*) FROM notify_attempts a WHERE a.outbox_id = o.id)
		FROM notify_outbox o WHERE o.channel = 'sms' ORDER BY o.id LIMIT 1`)
	if err := row.Scan(&state, &tries, &reason, &attempts); err != nil {
		t.Fatal(err)
	}
	return
}

func smsWorld(t *testing.T, d *db.DB) *world {
	w := newWorld(t, d)
	uid := w.Int64(`SELECT id FROM users WHERE username = 'person'`)
	if _, err := w.App.Notify.SavePrefs(context.Background(), apptest.Caller("person", apptest.Village), uid, true, notify.Prefs{Channel: notify.ChannelSMS}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.App.Notify.Generate(context.Background(), w.now); err != nil {
		t.Fatal(err)
	}
	if n := w.Int64(`SELECT count(*) FROM notify_outbox`); n != 2 {
		t.Fatalf("%d deliveries, want the person's 2 (certificate, loan)", n)
	}
	return w
}

// TestRetries: a gateway that fails twice sends at the third attempt, 1 and
// 5 minutes later; each attempt is recorded; the message holds the kind and
// a date, never the phone in the outbox nor an ID number.
func TestRetries(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		w := smsWorld(t, d)
		s := w.App.Notify
		gw := &flaky{fails: 2}
		s.SMS = gw
		ctx := context.Background()
		st, err := s.SendDue(ctx, w.now)
		if err != nil {
			t.Fatal(err)
		}
		// Two deliveries: the first fails (1st call), the second fails (2nd call).
		if st.Retried != 2 {
			t.Fatalf("first round: %+v", st)
		}
		if st, _ := s.SendDue(ctx, w.now.Add(30*time.Second)); st != (notify.Sent{}) {
			t.Errorf("before the backoff ended: %+v", st)
		}
		st, _ = s.SendDue(ctx, w.now.Add(time.Minute))
		if st.Sent != 2 {
			t.Errorf("after a minute: %+v, want both sent", st)
		}
		state, tries, _, attempts := outboxOf(t, w)
		if state != notify.StateSent || tries != 2 || attempts != 2 {
			t.Errorf("delivery: %s after %d tries, %d attempts recorded", state, tries, attempts)
		}
		for _, m := range gw.got {
			if m.Phone != "13812345678" || m.Params["date"] == "" || strings.Contains(fmt.Sprint(m.Params), w.InID) {
				t.Errorf("message %+v", m)
			}
		}
		var leaked int64
		_ = d.QueryRow(ctx, `SELECT count(*) FROM notify_outbox WHERE reason LIKE '%13812345678%' OR ref LIKE '%13812345678%'`).Scan(&leaked)
		if leaked != 0 {
			t.Error("the phone number is in the outbox")
		}
	})
}

// TestGiveUp: a gateway that times out is retried after 1, 5, 30 minutes
// and 2 hours, then the delivery has failed with the reason; a permanent
// error fails at once; staff retry it, and it is due again.
func TestGiveUp(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		w := smsWorld(t, d)
		s := w.App.Notify
		s.SMS, s.SendTimeout = slow{}, 20*time.Millisecond
		ctx := context.Background()
		at := w.now
		for i, wait := range append([]time.Duration{0}, notify.Backoff...) {
			at = at.Add(wait)
			if _, err := s.SendDue(ctx, at); err != nil {
				t.Fatal(err)
			}
			state, tries, reason, attempts := outboxOf(t, w)
			if tries != i+1 || attempts != int64(i+1) {
				t.Fatalf("round %d: %d tries, %d attempts", i, tries, attempts)
			}
			if i < len(notify.Backoff) && state != notify.StatePending {
				t.Fatalf("round %d: %s", i, state)
			}
			if i == len(notify.Backoff) && (state != notify.StateFailed || !strings.Contains(reason, "deadline exceeded")) {
				t.Fatalf("last round: %s (%s)", state, reason)
			}
		}
		// Staff retry it; a permanent error fails it at once.
		id := w.Int64(`SELECT min(id) FROM notify_outbox WHERE state = 'failed'`)
		if st, _ := w.Form("town", fmt.Sprintf("/notifications/outbox/%d/retry", id), map[string][]string{}); st != 303 {
			t.Fatalf("retry: %d", st)
		}
		s.SMS = refusing{}
		if _, err := s.SendDue(ctx, d.Now()); err != nil {
			t.Fatal(err)
		}
		state, _, reason, attempts := outboxOf(t, w)
		if state != notify.StateFailed || !strings.Contains(reason, "template not approved") || attempts != 6 {
			t.Errorf("permanent: %s (%s), %d attempts", state, reason, attempts)
		}
	})
}

// TestSkipped: an invalid phone number, and a channel not configured, are
// skipped with the reason; an e-mail goes to the chosen address.
func TestSkipped(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		w := smsWorld(t, d)
		s := w.App.Notify
		ctx := context.Background()
		if _, err := s.SendDue(ctx, w.now); err != nil {
			t.Fatal(err)
		}
		if state, _, reason, _ := outboxOf(t, w); state != notify.StateSkipped || reason != notify.SkipNotConfigured {
			t.Errorf("no gateway: %s (%s)", state, reason)
		}
		exec(t, d, `UPDATE persons SET phone_enc = ? WHERE id = ?`, w.App.Vault.Seal("phone", "12345"), w.In)
		exec(t, d, `UPDATE notify_outbox SET state = 'pending'`)
		s.SMS = &flaky{}
		if _, err := s.SendDue(ctx, w.now); err != nil {
			t.Fatal(err)
		}
		if state, _, reason, _ := outboxOf(t, w); state != notify.StateSkipped || reason != notify.SkipInvalidPhone {
			t.Errorf("invalid phone: %s (%s)", state, reason)
		}
		// The town's user chooses e-mail.
		uid := w.Int64(`SELECT id FROM users WHERE username = 'town'`)
		if _, err := s.SavePrefs(ctx, apptest.Caller("town_staff", "310114102"), uid, false, notify.Prefs{Channel: notify.ChannelSMS}); err == nil {
			t.Error("staff chose SMS")
		}
		if _, err := s.SavePrefs(ctx, apptest.Caller("town_staff", "310114102"), uid, false, notify.Prefs{Channel: notify.ChannelEmail, Email: "town@example.org"}); err != nil {
			t.Fatal(err)
		}
		box := &mailbox{}
		s.Mail = box
		if _, err := s.Generate(ctx, w.now.AddDate(0, 0, 35)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SendDue(ctx, w.now.AddDate(0, 0, 35)); err != nil {
			t.Fatal(err)
		}
		if len(box.got) != 1 || box.got[0].To != "town@example.org" || !strings.Contains(box.got[0].Text, "/cases/") || strings.Contains(box.got[0].Text, "测试1") {
			t.Errorf("mails: %+v", box.got)
		}
		if p, err := s.Prefs(ctx, uid); err != nil || p.Email != "town@example.org" {
			t.Errorf("prefs: %+v %v", p, err)
		}
	})
}

// TestLease: of two servers running at once on one database, one runs.
func TestLease(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a, b := notify.NewStore(d, w.App.Vault, nil), notify.NewStore(d, w.App.Vault, nil)
		var wg sync.WaitGroup
		var ran atomic.Int32
		for _, s := range []*notify.Store{a, b} {
			wg.Go(func() {
				r, err := s.Run(context.Background(), w.now)
				if err != nil {
					t.Error(err)
				}
				if r.Ran {
					ran.Add(1)
				}
			})
		}
		wg.Wait()
		// Both may run one after the other (the first releases its lease):
		// never both at once, and each notification exists once.
		if ran.Load() == 0 {
			t.Error("no server ran")
		}
		w.check(t)
		if mine, err := d.TakeLease(context.Background(), "notify run", "another server", time.Minute); err != nil || !mine {
			t.Fatalf("lease: %v %v", mine, err)
		}
		if r, err := a.Run(context.Background(), w.now); err != nil || r.Ran {
			t.Errorf("ran while another server holds the lease: %+v %v", r, err)
		}
	})
}

// TestDailyTick: of two servers ticking on one database, one runs the day's
// rules, once; the other only sends.
func TestDailyTick(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		d.Clock = func() time.Time { return w.now }
		a, b := notify.NewStore(d, w.App.Vault, nil), notify.NewStore(d, w.App.Vault, nil)
		ctx := context.Background()
		a.Tick(ctx)
		w.check(t)
		exec(t, d, `DELETE FROM notifications`)
		b.Tick(ctx)
		a.Tick(ctx)
		if n := w.Int64(`SELECT count(*) FROM notifications`); n != 0 {
			t.Errorf("the day's rules ran again: %d notifications", n)
		}
		d.Clock = func() time.Time { return w.now.Add(24 * time.Hour) }
		b.Tick(ctx)
		a.Tick(ctx)
		if n := w.Int64(`SELECT count(*) FROM notifications`); n == 0 {
			t.Error("the next day's rules did not run")
		}
	})
}
