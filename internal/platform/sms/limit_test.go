package sms

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func wantLimited(t *testing.T, err error, limit string) {
	t.Helper()
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Limit != limit || !errors.Is(err, ErrRateLimited) || rl.RetryAfter <= 0 {
		t.Fatalf("err = %v, want limited by %s", err, limit)
	}
}

func TestLimiterPerPhone(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)}
	lm := newLimiter(Limits{PerSecond: -1}, clock.now) // defaults: 1/minute, 5/hour, 10/day
	const p = "13812345678"
	if err := lm.Allow(p); err != nil {
		t.Fatal(err)
	}
	wantLimited(t, lm.Allow(p), "phone/minute")
	if err := lm.Allow("13900000000"); err != nil {
		t.Fatalf("another number: %v", err)
	}
	for i := 0; i < 4; i++ {
		clock.add(61 * time.Second)
		if err := lm.Allow(p); err != nil {
			t.Fatalf("message %d: %v", i+2, err)
		}
	}
	clock.add(61 * time.Second)
	wantLimited(t, lm.Allow(p), "phone/hour")
	var rl *RateLimitError
	errors.As(lm.Allow(p), &rl)
	if want := time.Hour - 5*61*time.Second; rl.RetryAfter != want {
		t.Errorf("RetryAfter = %s, want %s", rl.RetryAfter, want)
	}
	clock.add(rl.RetryAfter)
	if err := lm.Allow(p); err != nil {
		t.Fatalf("after the hour: %v", err)
	}
	for i := 0; i < 4; i++ {
		clock.add(61 * time.Second)
		if err := lm.Allow(p); err != nil {
			t.Fatalf("message %d: %v", i+7, err)
		}
	}
	clock.add(2 * time.Hour)
	wantLimited(t, lm.Allow(p), "phone/day")
	clock.add(22 * time.Hour)
	if err := lm.Allow(p); err != nil {
		t.Fatalf("a day later: %v", err)
	}
	// Forgotten numbers do not pile up.
	clock.add(25 * time.Hour)
	_ = lm.Allow("13700000000")
	lm.mu.Lock()
	n := len(lm.sent)
	lm.mu.Unlock()
	if n != 1 {
		t.Errorf("%d numbers remembered after a day, want 1", n)
	}
}

func TestLimiterGlobal(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)}
	lm := newLimiter(Limits{PerSecond: 2, Burst: 3}, clock.now)
	for i := 0; i < 3; i++ {
		if err := lm.Allow(fmt.Sprintf("1380000000%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	wantLimited(t, lm.Allow("13800000009"), "global")
	clock.add(500 * time.Millisecond)
	if err := lm.Allow("13800000009"); err != nil {
		t.Fatalf("after a token came back: %v", err)
	}
	wantLimited(t, lm.Allow("13800000008"), "global")
}

// TestLimiterRace sends from many goroutines at once: each number gets
// exactly one message a minute, and the global bucket lets exactly its
// burst through (run with -race).
func TestLimiterRace(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)}
	lm := newLimiter(Limits{PerSecond: 0.001, Burst: 50}, clock.now)
	var ok, limited atomic.Int32
	perPhone := make([]atomic.Int32, 20)
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				n := (g + i) % len(perPhone)
				err := lm.Allow(fmt.Sprintf("138000000%02d", n))
				switch {
				case err == nil:
					ok.Add(1)
					perPhone[n].Add(1)
				case errors.Is(err, ErrRateLimited):
					limited.Add(1)
				default:
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != int32(len(perPhone)) || ok.Load()+limited.Load() != 1600 {
		t.Errorf("%d allowed, %d limited", ok.Load(), limited.Load())
	}
	for n := range perPhone {
		if perPhone[n].Load() != 1 {
			t.Errorf("number %d got %d messages", n, perPhone[n].Load())
		}
	}
	// Now the global limit alone: 50 numbers, burst 50, so 30 more pass.
	clock.add(2 * time.Minute)
	ok.Store(0)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if lm.Allow(fmt.Sprintf("139%02d%06d", g, i)) == nil {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 30 {
		t.Errorf("%d passed the global bucket, want 30", ok.Load())
	}
}
