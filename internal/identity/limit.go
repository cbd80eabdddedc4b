package identity

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"time"

	"golang.org/x/sync/semaphore"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// Sign-in throttling.
//
// Every attempt is counted in the database before its password is hashed,
// in three buckets at once, and is refused without hashing while any of the
// three is full or blocked:
//
//   - the pair (username, client address): MaxFailures (5) failures within
//     LockDuration (15 minutes) block the pair for LockDuration, and each
//     further block of the same pair is twice as long (30 minutes, 1 hour, …,
//     at most a day);
//   - the username across all addresses: AccountMaxFailures (50) within an
//     hour block it the same way; one address cannot get there (its pair is
//     blocked after 5 failures, 15 in the first hour at most), so an attacker
//     at one address cannot lock the real user out from another;
//   - the client address across all usernames: AddressMaxFailures (30)
//     within 15 minutes (password spraying from one address).
//
// A bucket counts the attempt when it is reserved, so that parallel attempts
// cannot check more passwords than the limit: the database row is locked
// while it is read and updated, which holds across several servers on one
// PostgreSQL (SQLite has a single writer). A wrong password leaves the
// reservation counted as a failure; a right one takes it back (and clears
// its pair), so that signing in costs nothing; an attempt whose password was
// never checked (the server was too busy) takes it back too. An attempt that
// finds a bucket full of attempts still being checked waits for their
// outcome (admit) rather than being refused at once, so that a burst of
// right passwords from one address goes through.
//
// Usernames are counted whether they exist or not, in the same way, and get
// the same answers: a name's answers do not tell whether it exists.
const (
	MaxFailures        = 5
	LockDuration       = 15 * time.Minute
	AccountMaxFailures = 50
	AccountWindow      = time.Hour
	AddressMaxFailures = 30
	AddressWindow      = 15 * time.Minute
	// MaxLock bounds the growing blocks.
	MaxLock = 24 * time.Hour
	// forgetAfter is how long a bucket without attempts is kept: after it,
	// its failures and strikes are forgotten and the row deleted.
	forgetAfter = 48 * time.Hour
	// inFlightWait is how long an attempt waits while the attempts that
	// fill one of its buckets are still being checked, and then its
	// Retry-After. It outlasts their wait for a turn to hash (hashWait).
	inFlightWait = hashWait + 2*time.Second
	// sweepEvery is how often a server deletes forgotten buckets.
	sweepEvery = time.Hour
)

// limitRule is how one kind of bucket counts.
type limitRule struct {
	kind   byte // the bucket's first character
	max    int
	window time.Duration
}

var (
	pairRule    = limitRule{'p', MaxFailures, LockDuration}
	accountRule = limitRule{'a', AccountMaxFailures, AccountWindow}
	addressRule = limitRule{'i', AddressMaxFailures, AddressWindow}
)

// limitKey is one bucket an attempt counts in.
type limitKey struct {
	rule   limitRule
	bucket string
}

// limitKeys are the buckets of an attempt for username from client, in
// bucket order (every transaction locks its rows in the same order, so two
// attempts never wait for each other in a cycle).
func limitKeys(username, client string) []limitKey {
	addr := addressKey(client)
	sum := func(kind byte, parts ...string) string {
		h := sha256.New()
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
		return string(kind) + hex.EncodeToString(h.Sum(nil))
	}
	keys := []limitKey{
		{pairRule, sum(pairRule.kind, username, addr)},
		{accountRule, sum(accountRule.kind, username)},
		{addressRule, sum(addressRule.kind, addr)},
	}
	slices.SortFunc(keys, func(a, b limitKey) int {
		switch {
		case a.bucket < b.bucket:
			return -1
		case a.bucket > b.bucket:
			return 1
		}
		return 0
	})
	return keys
}

// addressKey is the address an attempt is counted under: an IPv4 address as
// it is, an IPv6 address by its /64 network (what one subscriber usually
// gets, so that an attacker cannot step through it address by address).
func addressKey(client string) string {
	a, err := netip.ParseAddr(client)
	if err != nil {
		return client
	}
	a = a.Unmap()
	if a.Is6() {
		if p, err := a.WithZone("").Prefix(64); err == nil {
			return p.String()
		}
	}
	return a.String()
}

// limitRow is a bucket's row.
type limitRow struct {
	failures, strikes  int
	since, until, seen int64 // Unix milliseconds
}

// lockBucket returns the row of bucket, made when missing, locked until the
// transaction ends.
func lockBucket(ctx context.Context, tx *db.Tx, bucket string) (limitRow, error) {
	now := db.Millis(tx.Now)
	if _, err := tx.Exec(ctx, `INSERT INTO login_limits (bucket, failures, since, blocked_until, strikes, seen_at) VALUES (?, 0, ?, 0, 0, ?)
		ON CONFLICT (bucket) DO NOTHING`, bucket, now, now); err != nil {
		return limitRow{}, err
	}
	var r limitRow
	err := tx.QueryRow(ctx, `SELECT failures, strikes, since, blocked_until, seen_at FROM login_limits WHERE bucket = ?`+tx.ForUpdate(), bucket).
		Scan(&r.failures, &r.strikes, &r.since, &r.until, &r.seen)
	return r, err
}

func saveBucket(ctx context.Context, tx *db.Tx, bucket string, r limitRow) error {
	_, err := tx.Exec(ctx, `UPDATE login_limits SET failures = ?, strikes = ?, since = ?, blocked_until = ?, seen_at = ? WHERE bucket = ?`,
		r.failures, r.strikes, r.since, r.until, r.seen, bucket)
	return err
}

// errRefused rolls back a reservation that a bucket refused.
var errRefused = errors.New("refused")

// admit counts an attempt in its buckets (reserve). While a bucket is full
// only of attempts still being checked, whose outcome decides whether it
// blocks, it waits for them (at most inFlightWait): a burst of sign-ins from
// one address, right passwords among them, goes through one after the other
// instead of being refused. It returns how long the caller has to wait when
// the attempt is refused.
func (s *Store) admit(ctx context.Context, keys []limitKey) (time.Duration, error) {
	deadline := time.Now().Add(inFlightWait)
	pause := 10 * time.Millisecond
	for {
		wait, blocked, err := s.reserve(ctx, keys)
		if err != nil || wait == 0 || blocked || time.Now().Add(pause).After(deadline) {
			return wait, err
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
}

// reserve counts an attempt in each of its buckets, or in none when one of
// them refuses it; then it returns how long the caller has to wait, and
// whether a bucket is blocked (rather than full of attempts being checked).
func (s *Store) reserve(ctx context.Context, keys []limitKey) (wait time.Duration, blocked bool, err error) {
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		now := db.Millis(tx.Now)
		rows := make([]limitRow, len(keys))
		for i, k := range keys {
			r, err := lockBucket(ctx, tx, k.bucket)
			if err != nil {
				return err
			}
			if now-r.seen >= forgetAfter.Milliseconds() { // long quiet: start afresh
				r = limitRow{since: now}
			}
			switch {
			case r.until > now:
				wait, blocked = max(wait, time.Duration(r.until-now)*time.Millisecond), true
			case now-r.since >= k.rule.window.Milliseconds():
				r.failures, r.since = 0, now
			case r.failures >= k.rule.max: // full of attempts being checked now
				wait = max(wait, inFlightWait)
			}
			rows[i] = r
		}
		if wait > 0 {
			return errRefused
		}
		for i, k := range keys {
			rows[i].failures++
			rows[i].seen = now
			if err := saveBucket(ctx, tx, k.bucket, rows[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errRefused) {
		return wait, blocked, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("count sign-in attempt: %w", err)
	}
	return 0, false, nil
}

// failed keeps an attempt's reservations as failures; a bucket that is now
// full is blocked, for twice as long as its block before. It returns how
// long the caller has to wait (0: not blocked).
func (s *Store) failed(ctx context.Context, keys []limitKey) (time.Duration, error) {
	var wait time.Duration
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		now := db.Millis(tx.Now)
		for _, k := range keys {
			r, err := lockBucket(ctx, tx, k.bucket)
			if err != nil {
				return err
			}
			if r.failures >= k.rule.max && r.until <= now {
				r.until = now + blockFor(r.strikes).Milliseconds()
				r.strikes++
				r.failures, r.since = 0, now
			}
			if r.until > now {
				wait = max(wait, time.Duration(r.until-now)*time.Millisecond)
			}
			r.seen = now
			if err := saveBucket(ctx, tx, k.bucket, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count failed sign-in: %w", err)
	}
	return wait, nil
}

// blockFor is the length of a bucket's block after strikes earlier ones.
func blockFor(strikes int) time.Duration {
	d := LockDuration
	for range min(strikes, 16) {
		d *= 2
		if d >= MaxLock {
			return MaxLock
		}
	}
	return d
}

// takeBack returns an attempt's reservations: its password was right (then
// its pair is cleared too), or never checked.
func takeBack(ctx context.Context, tx *db.Tx, keys []limitKey, signedIn bool) error {
	for _, k := range keys {
		if signedIn && k.rule == pairRule {
			if _, err := tx.Exec(ctx, `DELETE FROM login_limits WHERE bucket = ?`, k.bucket); err != nil {
				return err
			}
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE login_limits SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END WHERE bucket = ?`,
			k.bucket); err != nil {
			return err
		}
	}
	return nil
}

// sweepLease is the lease (db.DB.TakeLease) of the sweep of forgotten buckets.
const sweepLease = "login_limits sweep"

// sweep deletes the buckets forgotten long ago, at most once per sweepEvery:
// this server asks at most that often, and of the servers sharing the
// database the one that takes the lease for sweepEvery sweeps.
func (s *Store) sweep(ctx context.Context) {
	now := s.db.Now()
	next := s.nextSweep.Load()
	if now.UnixMilli() < next || !s.nextSweep.CompareAndSwap(next, now.Add(sweepEvery).UnixMilli()) {
		return
	}
	// Best effort: a failed sweep is tried again at the next one.
	if mine, err := s.db.TakeLease(ctx, sweepLease, s.holder, sweepEvery); err != nil || !mine {
		return
	}
	_, _ = s.db.Exec(ctx, `DELETE FROM login_limits WHERE seen_at < ?`, db.Millis(now.Add(-forgetAfter)))
}

// tooMany is the answer to an attempt refused by the throttle (429).
func tooMany(wait time.Duration) *apperr.Error {
	zh, en := waitText(wait)
	e := apperr.New(apperr.TooMany, "登录失败次数过多，请在 "+zh+"后再试。", "Too many failed sign-in attempts; try again in "+en+".")
	e.RetryAfter = wait
	return e
}

// busy is the answer when the server hashes as many passwords as it may
// and the attempt waited long enough (429).
func busy(wait time.Duration) *apperr.Error {
	zh, en := waitText(wait)
	e := apperr.New(apperr.TooMany, "正在登录的人太多，请在 "+zh+"后再试。", "Too many people are signing in right now; try again in "+en+".")
	e.RetryAfter = wait
	return e
}

// waitText is a wait in words, rounded up: minutes, or seconds under one.
func waitText(d time.Duration) (zh, en string) {
	if d < time.Minute {
		n := int((d + time.Second - 1) / time.Second)
		return fmt.Sprintf("%d 秒", n), fmt.Sprintf("%d seconds", n)
	}
	n := int((d + time.Minute - 1) / time.Minute)
	return fmt.Sprintf("%d 分钟", n), fmt.Sprintf("%d minutes", n)
}

// hashGate bounds the memory and processor time that password hashing takes
// at once. Each hash weighs its argon2 memory, and at least a production
// hash's (19 MiB), so that at most min(NumCPU, 4) hashes (at least 2) run at
// once: about 76 MiB at most, however many attempts arrive. A caller waits
// at most wait for its turn, then gets busy.
type hashGate struct {
	sem   *semaphore.Weighted
	unit  int64 // KiB
	total int64 // KiB
	wait  time.Duration
}

// hashWait is how long an attempt waits for its turn to hash.
const hashWait = 3 * time.Second

func newHashGate(cost HashCost) *hashGate {
	n := int64(min(max(runtime.NumCPU(), 2), 4))
	unit := int64(max(cost.orDefault().MemoryKiB, argonMemory))
	return &hashGate{sem: semaphore.NewWeighted(n * unit), unit: unit, total: n * unit, wait: hashWait}
}

// slots is how many hashes of at most the unit's memory run at once.
func (g *hashGate) slots() int { return int(g.total / g.unit) }

// run runs f, which hashes with memKiB of memory, when its turn comes; it
// returns busy when the turn did not come within g.wait, or the context's
// error when the caller went away.
func (g *hashGate) run(ctx context.Context, memKiB uint32, f func()) error {
	w := min(max(int64(memKiB), g.unit), g.total)
	wctx, cancel := context.WithTimeout(ctx, g.wait)
	defer cancel()
	if err := g.sem.Acquire(wctx, w); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return busy(g.wait)
	}
	defer g.sem.Release(w)
	f()
	return nil
}

// checkPassword verifies password against hash when the gate lets it.
func (s *Store) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	var mem uint32
	if h, ok := parseHash(hash); ok {
		mem = h.memory
	}
	var ok bool
	err := s.gate.run(ctx, mem, func() { ok = s.verify(hash, password) })
	return ok, err
}

// loginUser reads the account an attempt names; found is false when there
// is none.
func (s *Store) loginUser(ctx context.Context, username string) (u User, hash string, found bool, err error) {
	row := s.db.QueryRow(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE username = ?`, username)
	u, err = scanUser(row, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, "", false, nil
	}
	if err != nil {
		return User{}, "", false, fmt.Errorf("login: %w", err)
	}
	return u, hash, true, nil
}
