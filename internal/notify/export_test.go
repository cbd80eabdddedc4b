package notify

import (
	"context"
	"log/slog"
)

// SetBatch sets how many notices a transaction of Generate writes, and a
// function run at the end of each batch's transaction (an error rolls the
// batch back), for the tests of interrupted runs.
func (s *Store) SetBatch(size int, after func(start int) error) {
	batchSize = size
	s.afterBatch = after
}

// Tick is one tick of the scheduler (Loop).
func (s *Store) Tick(ctx context.Context) { s.tick(ctx, slog.New(slog.DiscardHandler)) }
