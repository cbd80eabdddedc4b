package db_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestMigrateAtOnce: three servers start at once on a new PostgreSQL schema
// and each migrates it. Without the lock two of them ran the first
// migration together and one failed ("duplicate key value violates unique
// constraint pg_type_typname_nsp_index").
func TestMigrateAtOnce(t *testing.T) {
	dsn := testkit.PostgresSchemaDSN(t)
	ctx := context.Background()
	var servers []*db.DB
	for range 3 {
		d, err := db.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		servers = append(servers, d)
	}
	versions := make([]int64, len(servers))
	var wg sync.WaitGroup
	for i, d := range servers {
		wg.Go(func() {
			var err error
			if versions[i], err = d.Migrate(ctx); err != nil {
				t.Errorf("server %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if versions[0] < 1 || versions[1] != versions[0] || versions[2] != versions[0] {
		t.Fatalf("schema versions %v", versions)
	}
}

// TestExclusive: of two servers running the same work under Exclusive, one
// waits for the other; the same work on another schema does not wait.
func TestExclusive(t *testing.T) {
	dsn := testkit.PostgresSchemaDSN(t)
	ctx := context.Background()
	open := func(dsn string) *db.DB {
		d, err := db.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		return d
	}
	d, second, other := open(dsn), open(dsn), open(testkit.PostgresSchemaDSN(t))
	var inside, most atomic.Int32
	work := func(context.Context) error {
		n := inside.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(50 * time.Millisecond)
		inside.Add(-1)
		return nil
	}
	var wg sync.WaitGroup
	for _, s := range []*db.DB{d, second, d, second} {
		wg.Go(func() {
			if err := s.Exclusive(ctx, "test work", work); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Fatalf("%d ran the same work at once", most.Load())
	}
	// Another schema's lock of the same name is another lock.
	held, release := make(chan struct{}), make(chan struct{})
	go func() {
		_ = d.Exclusive(ctx, "test work", func(context.Context) error { close(held); <-release; return nil })
	}()
	<-held
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := other.Exclusive(tctx, "test work", func(context.Context) error { return nil }); err != nil {
		t.Errorf("another schema waited: %v", err)
	}
	close(release)
	// The lock is given back each time: the other server takes it.
	for range 10 {
		if err := d.Exclusive(tctx, "test work", func(context.Context) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if err := second.Exclusive(tctx, "test work", func(context.Context) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTakeLease: one holder at a time, renewals by the holder, and the
// lease free again once its time is up.
func TestTakeLease(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		d.Clock = func() time.Time { return now }
		take := func(holder string, want bool) {
			t.Helper()
			got, err := d.TakeLease(ctx, "sweep", holder, time.Minute)
			if err != nil || got != want {
				t.Fatalf("%s at %s: %v %v, want %v", holder, now.Format(time.TimeOnly), got, err, want)
			}
		}
		take("a", true)
		take("b", false)
		take("a", true) // a renewal
		now = now.Add(59 * time.Second)
		take("b", false)
		now = now.Add(time.Second)
		take("b", true)
		take("a", false)
		if _, err := d.TakeLease(ctx, "sweep", "", time.Minute); err == nil {
			t.Fatal("a lease without a holder was taken")
		}
		// Of many servers asking at once, one gets a new lease.
		var got atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				ok, err := d.TakeLease(ctx, "once", string(rune('a'+i)), time.Hour)
				if err != nil {
					t.Error(err)
				}
				if ok {
					got.Add(1)
				}
			})
		}
		wg.Wait()
		if got.Load() != 1 {
			t.Fatalf("%d servers took the lease", got.Load())
		}
	})
}
