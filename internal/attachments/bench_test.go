package attachments_test

import (
	"context"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/attachments"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// BenchmarkUpload2MB uploads a phone photo of about 2 MB (1600×1200):
// checked by content, stripped, a thumbnail made, sealed in 128 KiB parts
// and audited, in one transaction. The baseline, in the same run, writes
// the same bytes as one plain row in its own transaction.
func BenchmarkUpload2MB(b *testing.B) {
	for _, e := range []struct {
		name string
		open func(testing.TB) *db.DB
	}{{"sqlite", testkit.SQLite}, {"postgres", testkit.Postgres}} {
		b.Run(e.name, func(b *testing.B) {
			d := e.open(b)
			a := apptest.New(b, d, time.Date(2026, 11, 16, 2, 0, 0, 0, time.UTC))
			person := apptest.Person(b, a, 1, "基准", apptest.Village, 1, 2)
			photo := noisyJPEG(b, 1600, 1200)
			ctx := context.Background()
			first := onPerson(b, a, person)
			var up, base time.Duration
			b.SetBytes(int64(len(photo)))
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				at, err := a.Attachments.Upload(ctx, everywhere, attachments.Target{PersonID: person}, "certificate", photo)
				if err != nil {
					b.Fatal(err)
				}
				up += time.Since(start)
				start = time.Now()
				if err := d.InTx(ctx, func(tx *db.Tx) error {
					_, err := tx.Exec(ctx, `INSERT INTO attachment_parts (attachment_id, seq, data) VALUES (?, ?, ?)`, first.ID, 1000+i, photo)
					return err
				}); err != nil {
					b.Fatal(err)
				}
				base += time.Since(start)
				b.StopTimer()
				if err := a.Attachments.Delete(ctx, everywhere, at.ID, "benchmark"); err != nil { // the same photo again next time
					b.Fatal(err)
				}
				b.StartTimer()
			}
			ms := func(t time.Duration) float64 { return float64(t.Microseconds()) / 1000 / float64(b.N) }
			b.ReportMetric(ms(up), "ms/upload")
			b.ReportMetric(ms(base), "ms/baseline")
			b.ReportMetric(float64(up)/float64(base), "ratio")
			b.Logf("photo %d bytes", len(photo))
		})
	}
}
