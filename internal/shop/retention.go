package shop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"
)

// retentionTTL keeps a day's lease of the retention run past the day, so
// that no second server runs it that day.
const retentionTTL = 48 * time.Hour

// Retain cancels the orders not paid in time (ExpireUnpaid) and erases the
// buyers' data due for deletion (EraseBuyers), once a day across every
// server on the database: the server that takes the day's lease
// (db.DB.TakeLease) does it, the others answer ran false.
func (s *Store) Retain(ctx context.Context, holder string) (ran bool, erased int64, err error) {
	day := s.db.Now().In(shanghai).Format(time.DateOnly)
	mine, err := s.db.TakeLease(ctx, "shop retention "+day, holder, retentionTTL)
	if err != nil || !mine {
		return false, 0, err
	}
	if _, err := s.ExpireUnpaid(ctx); err != nil {
		return true, 0, err
	}
	n, err := s.EraseBuyers(ctx)
	return true, n, err
}

// Loop runs Retain every tick until ctx ends (cmd/sunshine's serve).
func (s *Store) Loop(ctx context.Context, every time.Duration, log *slog.Logger) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	holder := "shop-" + hex.EncodeToString(b[:])
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if ran, n, err := s.Retain(ctx, holder); err != nil {
			log.Error("shop retention", "err", err)
		} else if ran && n > 0 {
			log.Info("shop retention: buyers' data erased", "orders", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
