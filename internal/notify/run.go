package notify

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"sunshine/internal/platform/db"
)

// The leases (db.DB.TakeLease) that make one server of several do the work.
const (
	runLease  = "notify run"
	sendLease = "notify send"
	runTTL    = 15 * time.Minute
	sendTTL   = 2 * time.Minute
)

// Result is what a run did; Ran is false when another server holds the run.
type Result struct {
	Ran       bool      `json:"ran"`
	Generated Generated `json:"generated"`
	Sent      Sent      `json:"sent"`
}

// Run runs the rules on now and then sends the due deliveries, when this
// server takes the run's lease (of several servers on one database, one
// runs; the others answer Ran false).
func (s *Store) Run(ctx context.Context, now time.Time) (Result, error) {
	mine, err := s.db.TakeLease(ctx, runLease, s.Holder, runTTL)
	if err != nil || !mine {
		return Result{}, err
	}
	defer s.release(runLease)
	r := Result{Ran: true}
	if r.Generated, err = s.Generate(ctx, now); err != nil {
		return r, fmt.Errorf("run the rules: %w", err)
	}
	if r.Sent, err = s.SendDue(ctx, now); err != nil {
		return r, fmt.Errorf("send: %w", err)
	}
	return r, nil
}

// release ends a lease this server holds, so that the next run may start
// at once (best effort: it ends by itself anyway).
func (s *Store) release(name string) {
	_, _ = s.db.Exec(context.Background(), `DELETE FROM leases WHERE name = ? AND holder = ?`, name, s.Holder)
}

// Loop runs the rules once a day (the first tick of each day in China)
// and sends the due deliveries every tick, until ctx ends.
func (s *Store) Loop(ctx context.Context, every time.Duration, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.tick(ctx, log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Store) tick(ctx context.Context, log *slog.Logger) {
	now := s.db.Now()
	day := Today(now).Format(time.DateOnly)
	if day != s.lastDay {
		// A lease per day: of the servers, one runs the day's rules.
		mine, err := s.db.TakeLease(ctx, "notify day "+day, s.Holder, 48*time.Hour)
		if err != nil {
			log.Error("notify: daily run", "err", err)
			return
		}
		s.lastDay = day
		if mine {
			// The day leases of past days are done with.
			_, _ = s.db.Exec(ctx, `DELETE FROM leases WHERE name LIKE 'notify day %' AND name <> ? AND expires_at < ?`,
				"notify day "+day, db.Millis(now))
			if r, err := s.Run(ctx, now); err != nil {
				log.Error("notify: daily run", "err", err)
			} else if r.Ran {
				log.Info("notify: daily run", "notifications", r.Generated.Notifications, "deliveries", r.Generated.Deliveries, "sent", r.Sent.Sent)
			}
			return
		}
	}
	mine, err := s.db.TakeLease(ctx, sendLease, s.Holder, sendTTL)
	if err != nil || !mine {
		return
	}
	if _, err := s.SendDue(ctx, now); err != nil {
		log.Error("notify: send", "err", err)
	}
}
