package sms

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrRateLimited marks a message held back by a rate limit, Sunshine's own
// or the gateway's: it is not permanent, so the caller retries it later.
var ErrRateLimited = errors.New("sms: rate limited")

// RateLimitError is a message held back by a rate limit; RetryAfter is the
// earliest time a retry may pass (zero when the gateway throttled and did not
// say). It wraps ErrRateLimited.
type RateLimitError struct {
	Limit      string // "phone/minute", "phone/hour", "phone/day", "global" or "gateway"
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("sms: rate limited (%s), retry after %s", e.Limit, e.RetryAfter.Round(time.Second))
}

// Unwrap makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// Limits are the rate limits of a Limiter. A zero field takes its value from
// DefaultLimits; a negative one turns that limit off.
type Limits struct {
	PerMinute, PerHour, PerDay int     // messages to one number in any minute, hour, 24 hours
	PerSecond                  float64 // messages to all numbers, on average
	Burst                      int     // messages to all numbers at once, above PerSecond
}

// DefaultLimits are the limits most Chinese SMS providers apply to one
// number (1 a minute, 5 an hour, 10 a day), and a global 10 a second.
var DefaultLimits = Limits{PerMinute: 1, PerHour: 5, PerDay: 10, PerSecond: 10, Burst: 10}

// Limiter applies Limits in memory. It is safe for concurrent use. Numbers
// whose last message is more than a day old are forgotten.
type Limiter struct {
	l   Limits
	now func() time.Time

	mu        sync.Mutex
	sent      map[string][]time.Time // per number: send times in the last day, oldest first
	tokens    float64
	filled    time.Time
	lastSweep time.Time
}

// NewLimiter makes a limiter with l (zero fields from DefaultLimits).
func NewLimiter(l Limits) *Limiter {
	return newLimiter(l, time.Now)
}

func newLimiter(l Limits, now func() time.Time) *Limiter {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.PerMinute, DefaultLimits.PerMinute)
	def(&l.PerHour, DefaultLimits.PerHour)
	def(&l.PerDay, DefaultLimits.PerDay)
	def(&l.Burst, DefaultLimits.Burst)
	if l.PerSecond == 0 {
		l.PerSecond = DefaultLimits.PerSecond
	}
	t := now()
	return &Limiter{l: l, now: now, sent: map[string][]time.Time{}, tokens: float64(max(l.Burst, 1)), filled: t, lastSweep: t}
}

// Allow takes one message to phone out of the limits, or answers a
// *RateLimitError (wrapping ErrRateLimited) and takes nothing.
func (lm *Limiter) Allow(phone string) error {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	now := lm.now()
	if now.Sub(lm.lastSweep) > time.Hour {
		lm.sweep(now)
	}
	times := lm.sent[phone]
	// Drop what is older than a day.
	i := 0
	for i < len(times) && now.Sub(times[i]) >= 24*time.Hour {
		i++
	}
	times = times[i:]
	for _, w := range []struct {
		name   string
		n      int
		window time.Duration
	}{{"phone/minute", lm.l.PerMinute, time.Minute}, {"phone/hour", lm.l.PerHour, time.Hour}, {"phone/day", lm.l.PerDay, 24 * time.Hour}} {
		if w.n <= 0 || len(times) < w.n {
			continue // off, or fewer sends than the limit in the last day
		}
		// The n-th most recent send, while within the window, blocks until
		// it leaves it.
		if nth := times[len(times)-w.n]; now.Sub(nth) < w.window {
			lm.store(phone, times)
			return &RateLimitError{Limit: w.name, RetryAfter: nth.Add(w.window).Sub(now)}
		}
	}
	if lm.l.PerSecond > 0 {
		burst := float64(max(lm.l.Burst, 1))
		lm.tokens = min(burst, lm.tokens+now.Sub(lm.filled).Seconds()*lm.l.PerSecond)
		lm.filled = now
		if lm.tokens < 1 {
			lm.store(phone, times)
			return &RateLimitError{Limit: "global", RetryAfter: time.Duration((1 - lm.tokens) / lm.l.PerSecond * float64(time.Second))}
		}
		lm.tokens--
	}
	lm.store(phone, append(times, now))
	return nil
}

func (lm *Limiter) store(phone string, times []time.Time) {
	if len(times) == 0 {
		delete(lm.sent, phone)
		return
	}
	// Keep at most as many times as the longest limit needs.
	keep := max(lm.l.PerMinute, lm.l.PerHour, lm.l.PerDay, 1)
	if len(times) > keep {
		times = times[len(times)-keep:]
	}
	lm.sent[phone] = times
}

// sweep forgets numbers whose last message is more than a day old.
func (lm *Limiter) sweep(now time.Time) {
	for p, times := range lm.sent {
		if len(times) == 0 || now.Sub(times[len(times)-1]) >= 24*time.Hour {
			delete(lm.sent, p)
		}
	}
	lm.lastSweep = now
}
