package audit_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// TestReadsDoNotWaitForABulkWriter: while a bulk writer holds the writer
// (a transaction left open here), an audited read on SQLite returns as soon
// as its entry is in the queue, and the entry is in the log, chained and
// with the time of the read, once the writer lets go. On PostgreSQL,
// where reads do not wait for the writer, nothing is queued.
func TestReadsDoNotWaitForABulkWriter(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		log := newLog(t, d)
		actor := audit.Actor{Username: "alice", Role: "town_staff", Client: "127.0.0.1"}
		release := log.Bulk()
		if d.Dialect == db.SQLite {
			held, let := make(chan struct{}), make(chan struct{})
			done := make(chan error, 1)
			go func() {
				done <- d.InTx(ctx, func(tx *db.Tx) error {
					if _, err := tx.Exec(ctx, `INSERT INTO audit_queue_marks (generation, moved) VALUES ('test', 0)`); err != nil {
						return err
					}
					close(held)
					<-let
					return nil
				})
			}()
			<-held
			start := time.Now()
			rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			for i := range 5 {
				if err := log.Record(rctx, actor.Entry(audit.ActionRead, "person", fmt.Sprint(i), "310114102201")); err != nil {
					t.Fatalf("a read waited for the writer: %v", err)
				}
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Fatalf("5 reads took %v while a writer held the database: they waited for it", took)
			}
			if !log.Queued() {
				t.Error("the queue is not waiting to be moved")
			}
			close(let)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		} else {
			for i := range 5 {
				if err := log.Record(ctx, actor.Entry(audit.ActionRead, "person", fmt.Sprint(i), "310114102201")); err != nil {
					t.Fatal(err)
				}
			}
		}
		release()
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'read'`).Scan(&n); err != nil || n != 5 {
			t.Fatalf("%d reads in the log after the bulk writer (%v), want 5", n, err)
		}
		got, _, err := log.List(ctx, audit.Filter{Action: audit.ActionRead, Limit: 10})
		if err != nil || len(got) != 5 {
			t.Fatalf("list: %d, %v", len(got), err)
		}
		for _, e := range got {
			if e.At.IsZero() || time.Since(e.At) > time.Minute || e.Username != "alice" {
				t.Errorf("entry %+v: lost its time or actor", e)
			}
		}
		if v, err := log.VerifyAll(ctx); err != nil || !v.OK || v.Entries != 5 {
			t.Fatalf("verify = %+v, %v", v, err)
		}
	})
}

// TestQueueAfterACrash: entries a crashed process left in the queue are
// moved into the log at the next start, each once, even those that a move
// had already written into the log before the crash kept it from deleting
// them from the queue.
func TestQueueAfterACrash(t *testing.T) {
	d := testkit.SQLite(t)
	ctx := context.Background()
	log := newLog(t, d)
	actor := audit.Actor{Username: "bob", Role: "district_staff", Client: "127.0.0.1"}
	// Three reads queued and moved.
	release := log.Bulk()
	for i := range 3 {
		if err := log.Record(ctx, actor.Entry(audit.ActionRead, "person", fmt.Sprint(i), "310114")); err != nil {
			t.Fatal(err)
		}
	}
	release()
	log.Close()
	// What a crash leaves: the three moved entries still in the queue (the
	// move committed, its delete did not run), and two queued entries not
	// moved yet.
	q, err := sql.Open("sqlite", "file:"+d.Path()+audit.QueueSuffix)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	var moved int64
	if err := d.QueryRow(ctx, `SELECT moved FROM audit_queue_marks`).Scan(&moved); err != nil || moved != 3 {
		t.Fatalf("mark = %d, %v; want 3", moved, err)
	}
	at := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	for id := int64(1); id <= 5; id++ {
		e := actor.Entry(audit.ActionRead, "person", fmt.Sprint(100+id), "310114")
		e.At = at
		b, _ := json.Marshal(e)
		if _, err := q.ExecContext(ctx, `INSERT INTO queued (id, entry) VALUES (?, ?)`, id, string(b)); err != nil {
			t.Fatal(err)
		}
	}
	// The next start.
	log2 := newLog(t, d)
	var n, left int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'read'`).Scan(&n); err != nil || n != 5 {
		t.Fatalf("%d reads in the log, want 5 (3 before, 2 left by the crash), %v", n, err)
	}
	got, _, err := log2.List(ctx, audit.Filter{SubjectID: "105"})
	if err != nil || len(got) != 1 || !got[0].At.Equal(at) {
		t.Fatalf("the entry left queued: %+v, %v (want its own time %v)", got, err, at)
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM queued`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d entries left in the queue, %v", left, err)
	}
	if v, err := log2.VerifyAll(ctx); err != nil || !v.OK {
		t.Fatalf("verify = %+v, %v", v, err)
	}
	// A queue whose file was lost starts a new generation: its ids start
	// again, and are moved.
	if err := errors.Join(q.Close(), removeQueue(d.Path())); err != nil {
		t.Fatal(err)
	}
	log2.Close()
	log3 := newLog(t, d)
	release = log3.Bulk()
	if err := log3.Record(ctx, actor.Entry(audit.ActionRead, "person", "200", "310114")); err != nil {
		t.Fatal(err)
	}
	release()
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'read'`).Scan(&n); err != nil || n != 6 {
		t.Fatalf("%d reads in the log after a new queue, want 6, %v", n, err)
	}
}

// removeQueue deletes the queue's files beside the database at path.
func removeQueue(path string) error {
	var errs []error
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + audit.QueueSuffix + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
