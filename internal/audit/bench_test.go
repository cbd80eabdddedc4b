package audit_test

import (
	"context"
	"fmt"
	"testing"

	"sunshine/internal/audit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// BenchmarkAppend times the append of one entry and of 50 entries (a bulk
// append) in their own transaction on SQLite: what the keyed chain adds to
// every audited change.
func BenchmarkAppend(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			ctx := context.Background()
			d := testkit.SQLite(b)
			newLog(b, d)
			actor := audit.Actor{Username: "bench", Role: "district_staff", Client: "127.0.0.1"}
			entries := make([]audit.Entry, n)
			for i := range entries {
				entries[i] = actor.Entry(audit.ActionUpdate, "person", fmt.Sprint(1000+i), "310114102201")
				entries[i].Detail = `{"fields":["address","phone"]}`
			}
			b.ResetTimer()
			for range b.N {
				if err := d.InTx(ctx, func(tx *db.Tx) error { return audit.Append(ctx, tx, entries...) }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/entry")
		})
	}
}

// BenchmarkVerify times a full verification of a log of 20,000 entries, and
// an incremental one after 10 new entries (what each audit page does).
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	d := testkit.SQLite(b)
	log := newLog(b, d)
	actor := audit.Actor{Username: "bench", Role: "district_staff", Client: "127.0.0.1"}
	add := func(n int) {
		entries := make([]audit.Entry, n)
		for i := range entries {
			entries[i] = actor.Entry(audit.ActionRead, "person", fmt.Sprint(i), "310114102201")
		}
		if err := d.InTx(ctx, func(tx *db.Tx) error { return audit.Append(ctx, tx, entries...) }); err != nil {
			b.Fatal(err)
		}
	}
	for range 20 {
		add(1000)
	}
	b.Run("full", func(b *testing.B) {
		for range b.N {
			if v, err := log.VerifyAll(ctx); err != nil || !v.OK {
				b.Fatal(v, err)
			}
		}
	})
	b.Run("incremental", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			add(10)
			b.StartTimer()
			if v, err := log.Verify(ctx); err != nil || !v.OK || v.Checked != 10 {
				b.Fatal(v, err)
			}
		}
	})
}
