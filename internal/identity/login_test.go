package identity_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

const rightPassword = "a perfectly fine one!"

// counting makes s count its password checks.
func counting(s *identity.Store) *atomic.Int64 {
	var n atomic.Int64
	identity.SetVerify(s, func(hash, password string) bool {
		n.Add(1)
		return identity.VerifyPassword(hash, password)
	})
	return &n
}

// addUsers creates town staff accounts with rightPassword.
func addUsers(t *testing.T, s *identity.Store, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := s.Create(context.Background(), identity.User{Username: n, Role: identity.TownStaff, OrgUnit: "310114102"}, rightPassword, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// answer is what a sign-in attempt got, as a caller sees it.
type answer struct {
	code  apperr.Code
	zh    string
	en    string
	retry time.Duration
}

func (a answer) String() string { return fmt.Sprintf("%s (%v) %q %q", a.code, a.retry, a.en, a.zh) }

func attempt(s *identity.Store, username, password, client string) answer {
	_, _, err := s.LoginFrom(context.Background(), username, password, "api", client)
	if err == nil {
		return answer{code: "ok"}
	}
	e, ok := apperr.As(err)
	if !ok {
		return answer{code: apperr.Internal, en: err.Error()}
	}
	return answer{code: e.Code, zh: e.Msg.Zh, en: e.Msg.En, retry: e.RetryAfter}
}

// TestLoginRaceChecksAtMostTheLimit: 40 wrong passwords for one account at
// once check at most MaxFailures passwords (each attempt is counted before
// it is hashed); the others are refused with 429 without a check, and then
// the right password from that address waits too.
func TestLoginRaceChecksAtMostTheLimit(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		s, _ := newStore(t, d)
		addUsers(t, s, "wang")
		checks := counting(s)
		var wg sync.WaitGroup
		answers := make([]answer, 40)
		for i := range answers {
			wg.Go(func() { answers[i] = attempt(s, "wang", fmt.Sprintf("wrong password %02d", i), "203.0.113.9") })
		}
		wg.Wait()
		counts := map[apperr.Code]int{}
		for _, a := range answers {
			counts[a.code]++
		}
		if n := checks.Load(); n > identity.MaxFailures {
			t.Errorf("40 parallel attempts checked %d passwords, want at most %d (answers %v)", n, identity.MaxFailures, counts)
		}
		if counts[apperr.Unauthorized] > identity.MaxFailures-1 || counts[apperr.Unauthorized]+counts[apperr.TooMany] != 40 {
			t.Errorf("answers %v: want at most %d × 401, the rest 429", counts, identity.MaxFailures-1)
		}
		if a := attempt(s, "wang", rightPassword, "203.0.113.9"); a.code != apperr.TooMany || a.retry <= 0 {
			t.Errorf("the right password after the storm, from the same address: %v", a)
		}
	})
}

// TestConcurrentSignInsGoThrough: a burst of right passwords from one
// address (an office behind one address; the same user in several tabs)
// is not refused although each attempt is counted before it is checked:
// attempts that find a bucket full of attempts being checked wait for them.
func TestConcurrentSignInsGoThrough(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		s, _ := newStore(t, d)
		var names []string
		for i := range identity.AddressMaxFailures + 10 {
			names = append(names, fmt.Sprintf("staff%02d", i))
		}
		addUsers(t, s, names...)
		identity.SetVerify(s, func(hash, password string) bool {
			time.Sleep(10 * time.Millisecond)
			return identity.VerifyPassword(hash, password)
		})
		var wg sync.WaitGroup
		answers := make([]answer, 2*len(names)+2*identity.MaxFailures)
		for i := range answers {
			name := "staff00" // the same user, more times than MaxFailures
			if i < 2*len(names) {
				name = names[i/2]
			}
			wg.Go(func() { answers[i] = attempt(s, name, rightPassword, "198.51.100.20") })
		}
		wg.Wait()
		for i, a := range answers {
			if a.code != "ok" {
				t.Errorf("sign-in %d: %v", i, a)
			}
		}
	})
}

// TestHashingBounded: 200 attempts at once for unknown usernames (each from
// its own address, so that no limit refuses them) hash at most
// HashSlots at once, and HashSlots is at most 4; an attempt that waits too
// long for its turn is answered 429 with a Retry-After and is not counted.
// An unknown username costs one check, as a known one does, against a hash
// of the same cost.
func TestHashingBounded(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		s, _ := newStore(t, d)
		addUsers(t, s, "wang")
		if n := identity.HashSlots(s); n < 1 || n > 4 {
			t.Fatalf("%d hashes at once", n)
		}
		// Every check waits until the test lets it go: the slots fill, and
		// the attempts behind them wait their turn, then give up (busy).
		var running, most, checks atomic.Int64
		var hashes sync.Map
		release := make(chan struct{})
		identity.SetVerify(s, func(hash, password string) bool {
			checks.Add(1)
			hashes.Store(password, hash)
			n := running.Add(1)
			defer running.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			<-release
			return identity.VerifyPassword(hash, password)
		})
		identity.SetHashWait(s, 200*time.Millisecond)
		var wg sync.WaitGroup
		answers := make([]answer, 200)
		busy := make(chan struct{}, len(answers))
		for i := range answers {
			wg.Go(func() {
				answers[i] = attempt(s, fmt.Sprintf("nobody%03d", i), "wrong password!!", fmt.Sprintf("198.51.%d.%d", i/200, i%200))
				if answers[i].code == apperr.TooMany {
					busy <- struct{}{}
				}
			})
		}
		select {
		case <-busy:
		case <-time.After(30 * time.Second):
			t.Errorf("no attempt was turned away while %d passwords were being hashed", running.Load())
		}
		close(release)
		wg.Wait()
		if m := most.Load(); m > int64(identity.HashSlots(s)) {
			t.Errorf("%d passwords hashed at once, want at most %d", m, identity.HashSlots(s))
		}
		counts := map[apperr.Code]int{}
		for _, a := range answers {
			counts[a.code]++
			if a.code == apperr.TooMany && (a.retry <= 0 || !strings.Contains(a.en, "try again")) {
				t.Errorf("busy answer without a wait: %v", a)
			}
		}
		if counts[apperr.TooMany] == 0 || counts[apperr.Unauthorized] != int(checks.Load()) || counts[apperr.Unauthorized]+counts[apperr.TooMany] != 200 {
			t.Errorf("answers %v after %d checks: want 401 for each check, 429 (busy) for the rest", counts, checks.Load())
		}
		// A busy attempt was taken back: that name and address can still
		// fail MaxFailures-1 times before the fifth failure blocks them.
		identity.SetHashWait(s, 10*time.Second)
		for i, a := range answers {
			if a.code != apperr.TooMany {
				continue
			}
			name, addr := fmt.Sprintf("nobody%03d", i), fmt.Sprintf("198.51.%d.%d", i/200, i%200)
			for j := range identity.MaxFailures {
				want := apperr.Unauthorized
				if j == identity.MaxFailures-1 {
					want = apperr.TooMany
				}
				if got := attempt(s, name, "wrong password!!", addr); got.code != want {
					t.Fatalf("after a busy answer, failure %d of %s: %v, want %s", j+1, name, got, want)
				}
			}
			break
		}
		// Known and unknown usernames: one check each, against hashes of the same cost.
		checks.Store(0)
		attempt(s, "wang", "known user, wrong", "192.0.2.1")
		attempt(s, "nobody-at-all", "unknown user, wrong", "192.0.2.1")
		if n := checks.Load(); n != 2 {
			t.Fatalf("%d checks for one known and one unknown username", n)
		}
		known, _ := hashes.Load("known user, wrong")
		unknown, _ := hashes.Load("unknown user, wrong")
		if params := func(h any) string { return strings.Join(strings.Split(h.(string), "$")[:4], "$") }; params(known) != params(unknown) {
			t.Errorf("an unknown username is checked against %s, a known one against %s", params(unknown), params(known))
		}
	})
}

// TestLoginLimitPerAddress: failures from one address for many usernames
// (password spraying) block that address after AddressMaxFailures, whatever
// the username, without checking more passwords; other addresses go on.
func TestLoginLimitPerAddress(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		s, _ := newStore(t, d)
		addUsers(t, s, "wang", "li", "zhao")
		checks := counting(s)
		const sprayer = "203.0.113.50"
		for i := range identity.AddressMaxFailures {
			name := fmt.Sprintf("guess%02d", i)
			if i%10 == 0 {
				name = []string{"wang", "li", "zhao"}[i/10]
			}
			want := apperr.Unauthorized
			if i == identity.AddressMaxFailures-1 {
				want = apperr.TooMany
			}
			if a := attempt(s, name, "Spring2026!!", sprayer); a.code != want {
				t.Fatalf("failure %d from one address (%s): %v, want %s", i+1, name, a, want)
			}
		}
		before := checks.Load()
		for _, name := range []string{"wang", "another-guess"} {
			if a := attempt(s, name, rightPassword, sprayer); a.code != apperr.TooMany || a.retry != identity.LockDuration {
				t.Errorf("%s from the blocked address: %v", name, a)
			}
		}
		if checks.Load() != before {
			t.Errorf("a blocked address still had passwords checked")
		}
		if a := attempt(s, "wang", rightPassword, "198.51.100.7"); a.code != "ok" {
			t.Errorf("wang from another address: %v", a)
		}
		// IPv6: one /64 is one address.
		for i := range identity.AddressMaxFailures {
			attempt(s, fmt.Sprintf("v6guess%02d", i), "Spring2026!!", fmt.Sprintf("2001:db8:1:2::%x", i+1))
		}
		if a := attempt(s, "li", rightPassword, "2001:db8:1:2:ffff::1"); a.code != apperr.TooMany {
			t.Errorf("another address of the same /64: %v", a)
		}
		if a := attempt(s, "li", rightPassword, "2001:db8:1:3::1"); a.code != "ok" {
			t.Errorf("an address of another /64: %v", a)
		}
	})
}

// TestLoginNoLockoutFromAnotherAddress: five wrong passwords from one
// address block that address for that account (15 minutes, then twice as
// long each time), not the account: its user signs in from another address
// meanwhile. Only failures from many addresses (AccountMaxFailures in an
// hour) block the account itself.
func TestLoginNoLockoutFromAnotherAddress(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		s, now := newStore(t, d)
		addUsers(t, s, "wang", "li")
		const attacker, user = "203.0.113.9", "198.51.100.7"
		fail5 := func(name, addr string) answer {
			t.Helper()
			var a answer
			for i := range identity.MaxFailures {
				a = attempt(s, name, "wrong password!!", addr)
				if want := apperr.Unauthorized; i < identity.MaxFailures-1 && a.code != want {
					t.Fatalf("%s from %s, failure %d: %v", name, addr, i+1, a)
				}
			}
			return a
		}
		if a := fail5("wang", attacker); a.code != apperr.TooMany || a.retry != 15*time.Minute {
			t.Fatalf("fifth failure: %v", a)
		}
		if a := attempt(s, "wang", rightPassword, user); a.code != "ok" {
			t.Fatalf("the user, from another address, while the attacker is blocked: %v", a)
		}
		if a := attempt(s, "wang", rightPassword, attacker); a.code != apperr.TooMany || !strings.Contains(a.en, "15 minutes") || !strings.Contains(a.zh, "15 分钟") {
			t.Fatalf("the blocked pair, right password: %v", a)
		}
		// The next block of the same pair is twice as long.
		*now = now.Add(16 * time.Minute)
		if a := fail5("wang", attacker); a.code != apperr.TooMany || a.retry != 30*time.Minute {
			t.Fatalf("second block: %v, want 30 minutes", a)
		}
		*now = now.Add(29 * time.Minute)
		if a := attempt(s, "wang", rightPassword, attacker); a.code != apperr.TooMany {
			t.Fatalf("after 29 of 30 minutes: %v", a)
		}
		*now = now.Add(2 * time.Minute)
		if a := attempt(s, "wang", rightPassword, attacker); a.code != "ok" {
			t.Fatalf("after the second block: %v", a)
		}

		// The account's ceiling: failures from many addresses.
		perAddress := identity.MaxFailures
		addresses := identity.AccountMaxFailures / perAddress
		for i := range addresses - 1 {
			fail5("li", fmt.Sprintf("192.0.2.%d", i+1))
		}
		if a := attempt(s, "li", rightPassword, user); a.code != "ok" {
			t.Fatalf("li below the account's ceiling: %v", a)
		}
		if a := fail5("li", fmt.Sprintf("192.0.2.%d", addresses)); a.code != apperr.TooMany {
			t.Fatalf("the failure that reaches the ceiling: %v", a)
		}
		if a := attempt(s, "li", rightPassword, "198.51.100.99"); a.code != apperr.TooMany || a.retry != identity.LockDuration {
			t.Fatalf("li from a new address over the account's ceiling: %v", a)
		}
		if a := attempt(s, "wang", rightPassword, "198.51.100.99"); a.code != "ok" {
			t.Fatalf("another account meanwhile: %v", a)
		}
		*now = now.Add(identity.LockDuration)
		if a := attempt(s, "li", rightPassword, "198.51.100.99"); a.code != "ok" {
			t.Fatalf("li after the account's block: %v", a)
		}
	})
}

// TestUnknownUsernamesLikeKnown: an unknown username gets, attempt by
// attempt, the same answers as a known one (401 until the pair is full, then
// 429 with the same message and wait), after the same number of checks.
func TestUnknownUsernamesLikeKnown(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		s, _ := newStore(t, d)
		addUsers(t, s, "wang")
		checks := counting(s)
		run := func(name string) ([]answer, int64) {
			checks.Store(0)
			var out []answer
			for i := range 8 {
				pw := "wrong password!!"
				if i >= 6 {
					pw = rightPassword
				}
				out = append(out, attempt(s, name, pw, "203.0.113.9"))
			}
			return out, checks.Load()
		}
		known, knownChecks := run("wang")
		unknown, unknownChecks := run("wang.x")
		if fmt.Sprint(known) != fmt.Sprint(unknown) || knownChecks != unknownChecks {
			t.Errorf("known username: %v after %d checks\nunknown username: %v after %d checks", known, knownChecks, unknown, unknownChecks)
		}
		if known[0].code != apperr.Unauthorized || known[4].code != apperr.TooMany || known[7].code != apperr.TooMany {
			t.Errorf("answers %v", known)
		}
	})
}

// TestPasswordPolicyRules: the policy names why a password is refused;
// full-width letters are their half-width forms.
func TestPasswordPolicyRules(t *testing.T) {
	for _, c := range []struct{ pw, user, want string }{
		{"passwordpassword", "wang", "repeated"},
		{"abcabcabcabcabc", "wang", "repeated"},
		{"abcdefghijkl", "wang", "sequence"},
		{"987654321098", "wang", "sequence"},
		{"zhangweizhangwei", "zhangwei", "username"},
		{"my zhangwei password", "zhangwei", "username"},
		{"ZhangWei-2026-spring", "zhangwei", "username"},
		{identity.DemoPassword, "wang", "demo"},
		{"SUNSHINE-DEMO-310114", "wang", "demo"},
		{"ｓｕｎｓｈｉｎｅ－ｄｅｍｏ－３１０１１４", "wang", "demo"},
		{"ａｂｃｄｅｆｇｈｉｊｋｌ", "wang", "sequence"},
		{"ｐａｓｓｗｏｒｄ１２３４", "wang", "common"},
		{"ａａａａａａａａａａａａ", "wang", "common"},
		{"ａｂｃ", "wang", "too_short"},
		{"Password2026!", "wang", "common"},
		{"P@ssw0rd-2026", "wang", "common"},
		{"qwertyuiopasdf", "wang", "common"},
		{"1234432112433412", "wang", "variety"},
		{"zyxwvutsrqpo", "wang", "sequence"},
		{"correct\x00horse battery", "wang", "control"},
		{"correct\thorse battery", "wang", "control"},
		{"correct\u200bhorse battery", "wang", "control"},
		{"correct horse \xff battery", "wang", "control"},
		{strings.Repeat("long enough, random: 7q!", 11), "wang", "too_long"},
		{"correct horse battery", "wang", ""},
		{"ｃｏｒｒｅｃｔ　ｈｏｒｓｅ　ｂａｔｔｅｒｙ", "wang", ""},
		{"我的密码是阳光助残二〇二六", "wang", ""},
		{"wang's long pass phrase", "li", ""},
	} {
		e := identity.CheckPassword(c.pw, c.user)
		got := ""
		if e != nil {
			got = e.Fields[0].Code
			if f := e.Fields[0]; f.Field != "password" || f.Msg.Zh == "" || f.Msg.En == "" || f.Msg.Zh == f.Msg.En {
				t.Errorf("CheckPassword(%q): field error %+v", c.pw, f)
			}
		}
		if got != c.want {
			t.Errorf("CheckPassword(%q, %q) = %q, want %q", c.pw, c.user, got, c.want)
		}
	}
}

// TestFullWidthPasswords: a password set in full-width characters signs in
// in half-width and back; a hash made before normalisation, from the
// full-width password as typed, still verifies; Create refuses what the
// policy refuses.
func TestFullWidthPasswords(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newStore(t, d)
		const full, half = "ｃｏｒｒｅｃｔ　ｈｏｒｓｅ　ｂａｔｔｅｒｙ", "correct horse battery"
		if _, err := s.Create(ctx, identity.User{Username: "wang", Role: identity.TownStaff, OrgUnit: "310114102"}, full, nil); err != nil {
			t.Fatal(err)
		}
		for _, pw := range []string{half, full} {
			if a := attempt(s, "wang", pw, "192.0.2.1"); a.code != "ok" {
				t.Errorf("set in full width, signed in with %q: %v", pw, a)
			}
		}
		old, err := identity.HashAsIs(full, lowCost)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `UPDATE users SET password_hash = ? WHERE username = 'wang'`, old); err != nil {
			t.Fatal(err)
		}
		if a := attempt(s, "wang", full, "192.0.2.1"); a.code != "ok" {
			t.Errorf("a hash of the password as typed, before normalisation: %v", a)
		}
		for pw, code := range map[string]string{"passwordpassword": "repeated", "abcdefghijkl": "sequence", "lili-lili-lili": "username",
			identity.DemoPassword: "demo", "ａｂｃｄｅｆｇｈｉｊｋｌ": "sequence"} {
			_, err := s.Create(ctx, identity.User{Username: "lili", Role: identity.TownStaff, OrgUnit: "310114102"}, pw, nil)
			if e, _ := apperr.As(err); e == nil || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Code != code {
				t.Errorf("Create with %q: %v, want the field error %s", pw, err, code)
			}
		}
		if _, err := s.CreateDemoAccount(ctx, identity.User{Username: "demo", Role: identity.TownStaff, OrgUnit: "310114102"}, nil); err != nil {
			t.Fatalf("demo account: %v", err)
		}
		if a := attempt(s, "demo", identity.DemoPassword, "192.0.2.1"); a.code != "ok" {
			t.Errorf("demo account: %v", a)
		}
	})
}
