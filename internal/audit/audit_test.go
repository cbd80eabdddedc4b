package audit_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

func TestChainAndTamper(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		log := newLog(t, d)
		actor := audit.Actor{Username: "alice", Role: "town_staff", Client: "127.0.0.1"}
		// Changes: appended in the same transaction; one rolled back leaves no trace.
		for i := range 3 {
			if err := d.InTx(ctx, func(tx *db.Tx) error {
				return audit.Append(ctx, tx, actor.Entry(audit.ActionUpdate, "person", fmt.Sprint(i), "310114102201"))
			}); err != nil {
				t.Fatal(err)
			}
		}
		_ = d.InTx(ctx, func(tx *db.Tx) error {
			if err := audit.Append(ctx, tx, actor.Entry(audit.ActionUpdate, "person", "rolled-back", "")); err != nil {
				t.Fatal(err)
			}
			return fmt.Errorf("abort")
		})
		// Reads: 40 concurrent records, group-committed.
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e := actor.Entry(audit.ActionRead, "person", fmt.Sprint(100+i), "310114102201")
				if err := log.Record(ctx, e); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		v, err := log.VerifyAll(ctx)
		if err != nil || !v.OK || v.Checked != 43 || v.Entries != 43 || !v.Full {
			t.Fatalf("verify = %+v, %v; want ok with 43 entries", v, err)
		}
		got, next, err := log.List(ctx, audit.Filter{SubjectType: "person", SubjectID: "1"})
		if err != nil || len(got) != 1 || next != 0 || got[0].Username != "alice" {
			t.Fatalf("list by subject = %+v next=%d err=%v", got, next, err)
		}
		page, next, err := log.List(ctx, audit.Filter{Username: "alice", Limit: 10})
		if err != nil || len(page) != 10 || next == 0 {
			t.Fatalf("paging: %d entries, next %d, %v", len(page), next, err)
		}
		rest, _, _ := log.List(ctx, audit.Filter{Username: "alice", Limit: 500, Before: next})
		if len(rest) != 33 {
			t.Fatalf("second page has %d entries, want 33", len(rest))
		}

		// The application's own connection cannot change the log.
		if _, err := d.Exec(ctx, `UPDATE audit_log SET username = 'mallory' WHERE seq = 2`); err == nil {
			t.Fatal("an UPDATE of the audit log succeeded")
		}
		if _, err := d.Exec(ctx, `DELETE FROM audit_log WHERE seq = 2`); err == nil {
			t.Fatal("a DELETE from the audit log succeeded")
		}
		// Behind the application's back: drop the guard and edit a row.
		if d.Dialect == db.Postgres {
			_, err = d.Exec(ctx, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`)
		} else {
			_, err = d.Exec(ctx, `DROP TRIGGER audit_log_no_update`)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `UPDATE audit_log SET subject_id = '999' WHERE seq = 2`); err != nil {
			t.Fatal(err)
		}
		v, err = log.VerifyAll(ctx)
		if err != nil || v.OK || v.FirstBroken != 2 {
			t.Fatalf("verify after tampering = %+v, %v; want broken at 2", v, err)
		}
	})
}

// TestAppendAtCommit: entries appended in a transaction are written, chained
// and in order, when it commits, so the head is locked only at the end; an
// entry appended by a commit hook after they were written is written too; a
// transaction whose commit hook fails leaves none.
func TestAppendAtCommit(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		log := newLog(t, d)
		actor := audit.Actor{Username: "bob", Role: "district_staff"}
		count := func() (n int) {
			if err := d.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for i := range 3 {
				if err := audit.Append(ctx, tx, actor.Entry(audit.ActionUpdate, "person", fmt.Sprint(i), "310114")); err != nil {
					return err
				}
			}
			var inTx int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&inTx); err != nil || inTx != 0 {
				t.Errorf("before the commit the transaction wrote %d entries (%v), want 0", inTx, err)
			}
			tx.BeforeCommit(func(ctx context.Context) error {
				return audit.Append(ctx, tx, actor.Entry(audit.ActionUpdate, "person", "hook", "310114"))
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := log.List(ctx, audit.Filter{Limit: 10})
		if err != nil || len(got) != 4 {
			t.Fatalf("%d entries, %v", len(got), err)
		}
		for i, want := range []string{"hook", "2", "1", "0"} { // newest first
			if got[i].SubjectID != want || got[i].Seq != int64(4-i) {
				t.Errorf("entry %d: seq %d subject %q, want %q", i, got[i].Seq, got[i].SubjectID, want)
			}
		}
		_ = d.InTx(ctx, func(tx *db.Tx) error {
			tx.BeforeCommit(func(context.Context) error { return fmt.Errorf("refused") })
			return audit.Append(ctx, tx, actor.Entry(audit.ActionUpdate, "person", "lost", "310114"))
		})
		if n := count(); n != 4 {
			t.Errorf("%d entries after a failed commit, want 4", n)
		}
		if v, err := log.VerifyAll(ctx); err != nil || !v.OK {
			t.Fatalf("verify: %+v %v", v, err)
		}
	})
}

// TestListUntilPages: listed up to a date, the log comes newest first by
// time, and its pages follow on without a gap or a repeat, on both engines.
func TestListUntilPages(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		log, err := audit.NewLog(d, testKey)
		if err != nil {
			t.Fatal(err)
		}
		defer log.Close()
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if err := audit.Fill(ctx, d, 130, func(i int) audit.Entry {
			e := audit.Actor{Username: "u"}.Entry(audit.ActionRead, "person", strconv.Itoa(i), "")
			e.At = start.Add(time.Duration(i/2) * time.Hour) // two entries an hour
			return e
		}); err != nil {
			t.Fatal(err)
		}
		var got []string
		var before int64
		for range 20 {
			page, next, err := log.List(ctx, audit.Filter{To: start.Add(50 * time.Hour), Limit: 7, Before: before})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page {
				got = append(got, e.SubjectID)
			}
			if next == 0 {
				break
			}
			before = next
		}
		if len(got) != 100 || got[0] != "99" || got[99] != "0" {
			t.Fatalf("entries before hour 50, newest first: %d %v", len(got), got)
		}
		for i := 1; i < len(got); i++ {
			a, _ := strconv.Atoi(got[i-1])
			b, _ := strconv.Atoi(got[i])
			if a != b+1 {
				t.Fatalf("pages out of order at %d: %v", i, got)
			}
		}
	})
}
