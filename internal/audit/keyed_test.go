package audit_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/platform/vault"
)

// testKey is the data key of the tests' logs.
var testKey = []byte("the tests' data key: 32 bytes...")

// newLog opens a log keyed with testKey on d, closed when the test ends.
func newLog(t testing.TB, d *db.DB) *audit.Log {
	t.Helper()
	l, err := audit.NewLog(d, testKey)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

// appendN appends n entries, one transaction each.
func appendN(t testing.TB, d *db.DB, n int) {
	t.Helper()
	ctx := context.Background()
	actor := audit.Actor{Username: "alice", Role: "town_staff", Client: "127.0.0.1"}
	for i := range n {
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			return audit.Append(ctx, tx, actor.Entry(audit.ActionUpdate, "person", fmt.Sprint(i), "310114102201"))
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// What someone with write access to the database can compute, for each
// entry: the unkeyed SHA-256 the source code shows, an HMAC under a key
// they guess, or under the real chain key if they stole the data key.
func unkeyedValue(e audit.Entry) string {
	h := sha256.New()
	for _, f := range []string{e.PrevHash, strconv.FormatInt(e.Seq, 10), strconv.FormatInt(e.At.UnixMilli(), 10),
		e.Username, e.Role, e.Action, e.SubjectType, e.SubjectID, e.OrgUnit, e.Client, e.Reason, e.Detail} {
		fmt.Fprintf(h, "%d:%s", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func hmacValue(key []byte) func(audit.Entry) string {
	return func(e audit.Entry) string {
		m := hmac.New(sha256.New, key)
		for _, f := range []string{e.PrevHash, strconv.FormatInt(e.Seq, 10), strconv.FormatInt(e.At.UnixMilli(), 10),
			e.Username, e.Role, e.Action, e.SubjectType, e.SubjectID, e.OrgUnit, e.Client, e.Reason, e.Detail} {
			fmt.Fprintf(m, "%d:%s", len(f), f)
		}
		return hex.EncodeToString(m.Sum(nil))
	}
}

// stolenChainKey is the chain key of someone who has the data key.
var stolenChainKey = vault.Derive(testKey, "sunshine audit chain v1")

// unguard drops the append-only guards of the log and its checkpoints, as
// the database's owner can.
func unguard(t *testing.T, d *db.DB) {
	t.Helper()
	stmts := []string{`DROP TRIGGER IF EXISTS audit_log_no_update`, `DROP TRIGGER IF EXISTS audit_log_no_delete`,
		`DROP TRIGGER IF EXISTS audit_checkpoints_no_update`, `DROP TRIGGER IF EXISTS audit_checkpoints_no_delete`}
	if d.Dialect == db.Postgres {
		stmts = []string{`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`,
			`ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_change`}
	}
	for _, s := range stmts {
		if _, err := d.Exec(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
}

// rewrite is the attack: with the guards dropped, delete entry drop (none
// when 0), number the later entries down to close the gap, chain every entry
// from "from" on again with value, as version chain, and move the head onto
// the new last entry.
func rewrite(t *testing.T, d *db.DB, drop, from int64, chain int, value func(audit.Entry) string) {
	t.Helper()
	ctx := context.Background()
	unguard(t, d)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := d.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if drop > 0 {
		exec(`DELETE FROM audit_log WHERE seq = ?`, drop)
		exec(`UPDATE audit_log SET seq = -seq WHERE seq > ?`, drop) // in two steps: PostgreSQL checks the key row by row
		exec(`UPDATE audit_log SET seq = -seq - 1 WHERE seq < 0`)
	}
	entries := all(t, d)
	prev := ""
	for _, e := range entries {
		if e.Seq >= from {
			e.PrevHash, e.Chain = prev, chain
			e.Hash = value(e)
			exec(`UPDATE audit_log SET prev_hash = ?, hash = ?, chain = ? WHERE seq = ?`, e.PrevHash, e.Hash, e.Chain, e.Seq)
		}
		prev = e.Hash
	}
	exec(`UPDATE audit_head SET seq = ?, hash = ?`, len(entries), prev)
}

// all returns every entry, oldest first.
func all(t *testing.T, d *db.DB) []audit.Entry {
	t.Helper()
	l, err := audit.NewLog(d, testKey)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var out []audit.Entry // newest first, then turned round
	for before := int64(0); ; {
		page, next, err := l.List(context.Background(), audit.Filter{Limit: 500, Before: before})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if next == 0 {
			slices.Reverse(out)
			return out
		}
		before = next
	}
}

func count(t *testing.T, d *db.DB, q string) (n int64) {
	t.Helper()
	if err := d.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRewriteWithoutKeyIsCaught: whoever can write to the database but does
// not hold the data key deletes an entry and chains the rest again, the
// unkeyed way the chain was computed before (which the source code shows) or
// with a key of their own. Verification finds it, on a fresh log (a server
// restarted since) and on the running one. Before the chain was keyed, the
// "unkeyed" rewrite verified.
func TestRewriteWithoutKeyIsCaught(t *testing.T) {
	guessed := []byte("a key the attacker made up......")
	for _, tc := range []struct {
		name    string
		from    int64 // chain again from here (the dropped entry 4, or all of it)
		chain   int
		value   func(audit.Entry) string
		keyedAt string // a value for audit_head.keyed_from, to say the chain was never keyed
		problem string
	}{
		{"unkeyed", 4, audit.ChainKeyed, unkeyedValue, "", "content"},
		{"unkeyed, marked unkeyed", 4, audit.ChainUnkeyed, unkeyedValue, "", "version"},
		{"guessed key", 4, audit.ChainKeyed, hmacValue(guessed), "", "content"},
		{"no link at all", 99, audit.ChainKeyed, nil, "", "link"},
		// The whole log unkeyed and the switch to the keyed chain moved past
		// its end: the log reads as if never keyed, but the signed checkpoints
		// written along the way name other chain values.
		{"all unkeyed, never keyed", 1, audit.ChainUnkeyed, unkeyedValue, "100", "checkpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testkit.Engines(t, func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				log := newLog(t, d)
				log.SetCheckpointEvery(5)
				appendN(t, d, 12)
				if v, err := log.Verify(ctx); err != nil || !v.OK {
					t.Fatalf("before: %+v %v", v, err)
				}
				rewrite(t, d, 4, tc.from, tc.chain, tc.value)
				if tc.keyedAt != "" {
					if _, err := d.Exec(ctx, `UPDATE audit_head SET keyed_from = `+tc.keyedAt); err != nil {
						t.Fatal(err)
					}
				}
				restarted := newLog(t, d)
				for name, verify := range map[string]func(context.Context) (audit.Verification, error){
					"full": restarted.VerifyAll, "running": log.Verify, "restarted": restarted.Verify} {
					v, err := verify(ctx)
					if err != nil || v.OK {
						t.Fatalf("%s verification after the rewrite = %+v, %v; want it broken", name, v, err)
					}
					if name == "full" && (v.FirstBroken > 5 || v.Problem != tc.problem) {
						t.Errorf("full verification = %+v; want broken by entry 5, %s", v, tc.problem)
					}
				}
			})
		})
	}
}

// TestKeptCheckpointCatchesRewrite: a checkpoint the auditor exported before
// a rewrite shows it, even when the log verifies afterwards: rewritten by
// someone who holds the data key, or without it into a log that reads as never
// keyed, with the stored checkpoints deleted too. A changed checkpoint file
// does not verify.
func TestKeptCheckpointCatchesRewrite(t *testing.T) {
	for _, tc := range []struct {
		name  string
		chain int
		value func(audit.Entry) string
		from  int64
	}{
		{"with the key", audit.ChainKeyed, hmacValue(stolenChainKey), 3},
		{"without the key, never keyed", audit.ChainUnkeyed, unkeyedValue, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testkit.Engines(t, func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				log := newLog(t, d)
				appendN(t, d, 10)
				auditor := audit.Actor{Username: "auditor", Role: "auditor"}
				c, err := log.Checkpoint(ctx, auditor.Entry(audit.ActionCreate, "audit_checkpoint", "", ""))
				if err != nil || c.Seq != 11 || c.Entries != 11 || c.Kind != audit.KindRequested || c.PublicKey != log.PublicKey() {
					t.Fatalf("checkpoint = %+v, %v", c, err)
				}
				file, _ := json.Marshal(c)
				appendN(t, d, 5)
				var kept audit.Checkpoint
				if err := json.Unmarshal(file, &kept); err != nil {
					t.Fatal(err)
				}
				if r, err := log.CheckCheckpoint(ctx, kept, true); err != nil || !r.OK || !r.Signed || !r.Found || !r.Matches {
					t.Fatalf("the kept checkpoint before the rewrite: %+v %v", r, err)
				}
				latest, ok, err := log.LatestCheckpoint(ctx)
				if err != nil || !ok || latest.Seq != 16 || latest.Kind != audit.KindVerified {
					t.Fatalf("latest checkpoint = %+v %v %v; want the verified one at 16", latest, ok, err)
				}

				rewrite(t, d, 3, tc.from, tc.chain, tc.value)
				if tc.chain == audit.ChainUnkeyed {
					if _, err := d.Exec(ctx, `UPDATE audit_head SET keyed_from = 100`); err != nil {
						t.Fatal(err)
					}
				}
				// The stored checkpoints give it away while they are there.
				if v, err := newLog(t, d).VerifyAll(ctx); err != nil || v.OK || v.Problem != "checkpoint" {
					t.Fatalf("with the stored checkpoints: %+v %v; want broken by a checkpoint", v, err)
				}
				if _, err := d.Exec(ctx, `DELETE FROM audit_checkpoints`); err != nil {
					t.Fatal(err)
				}
				// Without them the log verifies: nothing in the database shows the rewrite.
				restarted := newLog(t, d)
				if v, err := restarted.VerifyAll(ctx); err != nil || !v.OK || v.Entries != 15 {
					t.Fatalf("after a clean rewrite: %+v %v; want it to verify with 15 entries", v, err)
				}
				// The kept checkpoint does.
				r, err := restarted.CheckCheckpoint(ctx, kept, false)
				if err != nil || r.OK || !r.Signed || !r.Found || r.Matches || r.Problem != "rewritten" || r.Hash == kept.Hash {
					t.Fatalf("the kept checkpoint after the rewrite: %+v %v; want it rewritten", r, err)
				}
				// A checkpoint file changed to match the new log does not verify.
				forged := kept
				forged.Hash = r.Hash
				if r, err := restarted.CheckCheckpoint(ctx, forged, false); err != nil || r.OK || r.Signed || r.Problem != "signature" {
					t.Fatalf("a changed checkpoint: %+v %v", r, err)
				}
				// Nor one of another installation.
				other, err := audit.NewLog(testkit.SQLite(t), []byte("another installation's data key!"))
				if err != nil {
					t.Fatal(err)
				}
				defer other.Close()
				if r, err := other.CheckCheckpoint(ctx, kept, false); err != nil || r.OK || r.Signed {
					t.Fatalf("another installation's checkpoint: %+v %v", r, err)
				}
				// Truncated past the checkpoint: its entry is gone.
				unguard(t, d)
				if _, err := d.Exec(ctx, `DELETE FROM audit_log WHERE seq > 5`); err != nil {
					t.Fatal(err)
				}
				if r, err := restarted.CheckCheckpoint(ctx, kept, false); err != nil || r.OK || r.Found || r.Problem != "missing" {
					t.Fatalf("after truncating: %+v %v", r, err)
				}
			})
		})
	}
}

// TestAutomaticCheckpoints: an entry whose number is a multiple of the
// interval gets a signed checkpoint as it is written, in bulk appends too.
func TestAutomaticCheckpoints(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		log := newLog(t, d)
		log.SetCheckpointEvery(10)
		appendN(t, d, 7)
		actor := audit.Actor{Username: "bulk", Role: "system"}
		bulk := make([]audit.Entry, 60)
		for i := range bulk {
			bulk[i] = actor.Entry(audit.ActionImport, "person", fmt.Sprint(i), "310114")
		}
		if err := d.InTx(ctx, func(tx *db.Tx) error { return audit.Append(ctx, tx, bulk...) }); err != nil {
			t.Fatal(err)
		}
		rows, err := d.Query(ctx, `SELECT c.seq, c.kind FROM audit_checkpoints c JOIN audit_log l ON l.seq = c.seq AND l.hash = c.hash ORDER BY c.seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var seq int64
			var kind string
			if err := rows.Scan(&seq, &kind); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%d %s", seq, kind))
		}
		if fmt.Sprint(got) != "[10 auto 20 auto 30 auto 40 auto 50 auto 60 auto]" {
			t.Errorf("checkpoints matching their entries: %v", got)
		}
		if v, err := log.VerifyAll(ctx); err != nil || !v.OK || v.Entries != 67 {
			t.Fatalf("verify: %+v %v", v, err)
		}
	})
}

// TestUpgradeFromUnkeyed: a database whose log an older release wrote,
// unkeyed, still verifies once migrated, and goes on keyed: the first keyed
// entry chains onto the last unkeyed one. Its old entries are still guarded:
// a changed one is found, and so is a keyed entry passed off as unkeyed.
func TestUpgradeFromUnkeyed(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			var d *db.DB
			var err error
			if engine == "sqlite" {
				d, err = db.Open(ctx, filepath.Join(t.TempDir(), "old.db"))
			} else {
				d, err = db.Open(ctx, testkit.PostgresSchemaDSN(t))
			}
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if _, err := d.MigrateTo(ctx, 13); err != nil { // the last migration before the keyed chain
				t.Fatal(err)
			}
			// The older release's log: 5 entries chained with plain SHA-256.
			prev := ""
			at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
			for seq := int64(1); seq <= 5; seq++ {
				e := audit.Entry{Seq: seq, At: at.Add(time.Duration(seq) * time.Minute), Username: "old", Role: "town_staff", Action: audit.ActionRead,
					SubjectType: "person", SubjectID: fmt.Sprint(seq), OrgUnit: "310114102201", PrevHash: prev}
				e.Hash = unkeyedValue(e)
				if _, err := d.Exec(ctx, `INSERT INTO audit_log (seq, at, username, role, action, subject_type, subject_id, orgunit, client, reason, detail, prev_hash, hash)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', '', ?, ?)`, e.Seq, e.At.UnixMilli(), e.Username, e.Role, e.Action, e.SubjectType, e.SubjectID, e.OrgUnit, e.PrevHash, e.Hash); err != nil {
					t.Fatal(err)
				}
				prev = e.Hash
			}
			if _, err := d.Exec(ctx, `UPDATE audit_head SET seq = 5, hash = ?`, prev); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			log := newLog(t, d)
			v, err := log.Verify(ctx)
			if err != nil || !v.OK || v.Entries != 5 || v.KeyedFrom != 6 || !v.Full {
				t.Fatalf("the upgraded log before any new entry: %+v %v", v, err)
			}
			appendN(t, d, 3)
			v, err = log.VerifyAll(ctx)
			if err != nil || !v.OK || v.Entries != 8 || v.Checked != 8 || v.KeyedFrom != 6 {
				t.Fatalf("the upgraded log with new entries: %+v %v", v, err)
			}
			entries := all(t, d)
			for _, e := range entries {
				if want := map[bool]int{true: audit.ChainUnkeyed, false: audit.ChainKeyed}[e.Seq <= 5]; e.Chain != want {
					t.Errorf("entry %d has chain version %d, want %d", e.Seq, e.Chain, want)
				}
			}
			if entries[5].PrevHash != prev || entries[5].Hash == unkeyedValue(entries[5]) || entries[5].Hash != hmacValue(stolenChainKey)(entries[5]) {
				t.Errorf("the first keyed entry %+v: want it chained onto the last unkeyed one %s, with the key", entries[5], prev)
			}

			// An old entry changed behind the application's back.
			unguard(t, d)
			if _, err := d.Exec(ctx, `UPDATE audit_log SET subject_id = '999' WHERE seq = 2`); err != nil {
				t.Fatal(err)
			}
			if v, err := log.VerifyAll(ctx); err != nil || v.OK || v.FirstBroken != 2 || v.Problem != "content" {
				t.Fatalf("an old entry changed: %+v %v", v, err)
			}
			if _, err := d.Exec(ctx, `UPDATE audit_log SET subject_id = '2' WHERE seq = 2`); err != nil {
				t.Fatal(err)
			}
			// A keyed entry changed and chained the unkeyed way.
			e := entries[6]
			e.SubjectID, e.Chain = "999", audit.ChainUnkeyed
			e.Hash = unkeyedValue(e)
			if _, err := d.Exec(ctx, `UPDATE audit_log SET subject_id = ?, hash = ?, chain = 0 WHERE seq = 7`, e.SubjectID, e.Hash); err != nil {
				t.Fatal(err)
			}
			if v, err := log.VerifyAll(ctx); err != nil || v.OK || v.FirstBroken != 7 || v.Problem != "version" {
				t.Fatalf("a keyed entry passed off as unkeyed: %+v %v", v, err)
			}
		})
	}
}

// TestIncrementalVerification: Verify reads only the entries written since
// the last verified position, and after a restart goes on from the last
// 'verified' checkpoint; VerifyAll reads them all and finds a change before
// that position, which Verify does not look at (it does see the entry at the
// position itself change).
func TestIncrementalVerification(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		log := newLog(t, d)
		log.SetCheckpointEvery(100)
		appendN(t, d, 250)
		check := func(l *audit.Log, all bool, from, checked int64) audit.Verification {
			t.Helper()
			verify := l.Verify
			if all {
				verify = l.VerifyAll
			}
			v, err := verify(ctx)
			if err != nil || !v.OK || v.Full != (from == 0) || v.From != from || v.Checked != checked {
				t.Fatalf("verification = %+v, %v; want from %d, %d entries read", v, err, from, checked)
			}
			return v
		}
		check(log, false, 0, 250) // the first one of the process: no verified position yet
		check(log, false, 250, 0)
		appendN(t, d, 7)
		check(log, false, 250, 7)
		check(log, false, 257, 0)
		// 250 is the last 'verified' checkpoint (the first verification
		// reached it, which is more than 100 entries past none): a restarted
		// server goes on from there.
		if n := count(t, d, `SELECT count(*) FROM audit_checkpoints WHERE kind = 'verified'`); n != 1 {
			t.Fatalf("%d verified checkpoints, want 1", n)
		}
		check(newLog(t, d), false, 250, 7)
		// A full verification reads all and is recorded.
		check(log, true, 0, 257)
		check(newLog(t, d), false, 257, 0)

		// An entry before the verified position changed: only the full
		// verification reads it.
		unguard(t, d)
		if _, err := d.Exec(ctx, `UPDATE audit_log SET subject_id = '999' WHERE seq = 10`); err != nil {
			t.Fatal(err)
		}
		appendN(t, d, 3)
		check(log, false, 257, 3)
		if v, err := log.VerifyAll(ctx); err != nil || v.OK || v.FirstBroken != 10 || v.Problem != "content" {
			t.Fatalf("full verification after a change at 10: %+v %v", v, err)
		}
		// The entry at the verified position changed: the next one says so.
		if _, err := d.Exec(ctx, `UPDATE audit_log SET subject_id = '999' WHERE seq = 260`); err != nil {
			t.Fatal(err)
		}
		if v, err := log.Verify(ctx); err != nil || v.OK || v.FirstBroken != 260 || v.Problem != "changed" {
			t.Fatalf("incremental verification after a change at 260: %+v %v", v, err)
		}
	})
}

// TestAppendWithoutKey: a database no keyed log was opened on refuses
// entries rather than chain them without the key.
func TestAppendWithoutKey(t *testing.T) {
	d := testkit.SQLite(t)
	ctx := context.Background()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		return audit.Append(ctx, tx, audit.Actor{Username: "x"}.Entry(audit.ActionRead, "person", "1", ""))
	})
	if err == nil {
		t.Fatal("an entry was appended without the key")
	}
	if _, err := audit.NewLog(d, []byte("short")); err == nil {
		t.Fatal("a log with a short key")
	}
}

// TestKeyMatches: the log's last entry tells whether a data key is the one
// the log was chained with (a restore checks it before it appends).
func TestKeyMatches(t *testing.T) {
	d := testkit.SQLite(t)
	ctx := context.Background()
	log := newLog(t, d)
	if ok, err := log.KeyMatches(ctx); err != nil || !ok {
		t.Fatalf("an empty log: %v %v", ok, err)
	}
	appendN(t, d, 3)
	if ok, err := log.KeyMatches(ctx); err != nil || !ok {
		t.Fatalf("the right key: %v %v", ok, err)
	}
	other, err := audit.NewLog(d, []byte("another installation's data key!"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if ok, err := other.KeyMatches(ctx); err != nil || ok {
		t.Fatalf("another key: %v %v", ok, err)
	}
}
