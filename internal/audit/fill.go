package audit

import (
	"context"
	"fmt"

	"sunshine/internal/platform/db"
)

// fillTx is how many entries one transaction of Fill writes.
const fillTx = 50000

// Fill appends n entries, entry(i) for i from 0 to n-1, chained with the key
// as Append chains them (automatic checkpoints included), in a few large
// transactions: tests and benchmarks use it to build a log of city size
// quickly. An entry keeps its time (At) when it has one, so that a log can
// span months; entries should then be given in time order, as appended ones
// are. The log must have been opened on d (NewLog).
func Fill(ctx context.Context, d *db.DB, n int, entry func(i int) Entry) error {
	for done := 0; done < n; {
		k := min(fillTx, n-done)
		batch := make([]Entry, k)
		for i := range batch {
			batch[i] = entry(done + i)
		}
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			_, _, err := appendNow(ctx, tx, batch, true)
			return err
		}); err != nil {
			return fmt.Errorf("audit: fill: %w", err)
		}
		done += k
	}
	return nil
}
