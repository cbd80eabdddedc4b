package audit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"sunshine/internal/platform/db"
)

// The queue (SQLite only). SQLite has one writer. While a bulk writer (an
// import) takes it batch after batch, a read's entry, committed to the log
// by Record, would wait for the batch in progress: tens to hundreds of
// milliseconds per read. So while a bulk writer runs (Log.Bulk), Record
// commits the entries of reads to a queue: a SQLite database of its own in
// the file beside the database's (QueueSuffix), whose writer the import
// does not hold. The read is durable when its response goes out, as before.
// The queue is moved into the chained log between the bulk writer's
// batches (Yield lets it), when the bulk writer is done, before the log is
// read (List, Verify, Checkpoint, a backup) and when the log closes; and at
// the start, after a crash. Each queued entry keeps the time of the read.
//
// Exactly once: the queue has a random generation; the last queue id
// moved (audit_queue_marks) is written in the same transaction as the
// moved entries, and queued ids are never reused (AUTOINCREMENT). The
// entries moved are then deleted from the queue; a crash in between leaves
// them there, and the mark tells the next move to skip them.

// QueueSuffix names the queue's file: the database's file name and this.
const QueueSuffix = ".audit-queue"

// moveChunk is how many queued entries one transaction moves.
const moveChunk = 500

type queue struct {
	db  *sql.DB
	gen string
}

const queueSchema = `
CREATE TABLE IF NOT EXISTS meta (k TEXT NOT NULL PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS queued (id INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL);`

// openQueue opens (or creates) the queue beside d, nil for PostgreSQL and
// databases in memory.
func openQueue(ctx context.Context, d *db.DB) (*queue, error) {
	qdb, err := d.OpenBeside(ctx, QueueSuffix)
	if err != nil || qdb == nil {
		return nil, err
	}
	q := &queue{db: qdb}
	if err := q.init(ctx); err != nil {
		_ = qdb.Close()
		return nil, fmt.Errorf("audit: queue: %w", err)
	}
	return q, nil
}

func (q *queue) init(ctx context.Context) error {
	if _, err := q.db.ExecContext(ctx, queueSchema); err != nil {
		return err
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	if _, err := q.db.ExecContext(ctx, `INSERT INTO meta (k, v) VALUES ('generation', ?) ON CONFLICT (k) DO NOTHING`, hex.EncodeToString(b[:])); err != nil {
		return err
	}
	return q.db.QueryRowContext(ctx, `SELECT v FROM meta WHERE k = 'generation'`).Scan(&q.gen)
}

// put commits entries to the queue, each stamped with now unless it has a
// time of its own.
func (q *queue) put(ctx context.Context, entries []Entry, now time.Time) error {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("audit: queue: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO queued (entry) VALUES (?)`)
	if err != nil {
		return fmt.Errorf("audit: queue: %w", err)
	}
	for _, e := range entries {
		if e.At.IsZero() {
			e.At = now
		}
		b, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("audit: queue: %w", err)
		}
		if _, err := stmt.ExecContext(ctx, string(b)); err != nil {
			return fmt.Errorf("audit: queue: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("audit: queue: %w", err)
	}
	return nil
}

// Bulk tells the log that a bulk writer starts to hold the writer batch
// after batch: until the returned function is called, the entries of reads
// go to the queue (SQLite; nothing changes on PostgreSQL, where reads do not
// wait for the writer). The returned function moves the queue into the log.
func (l *Log) Bulk() func() {
	if l.queue == nil {
		return func() {}
	}
	l.bulk.Add(1)
	return func() {
		l.bulk.Add(-1)
		_ = l.Flush(context.Background())
	}
}

// Queued reports whether entries of reads wait in the queue to be moved
// into the log.
func (l *Log) Queued() bool { return l.queued.Load() || l.moving.Load() }

// Flush moves the queued entries of reads into the chained log (a no-op on
// PostgreSQL, and when the queue is empty): what reads the log calls it
// first, so that the log shows every read recorded before.
func (l *Log) Flush(ctx context.Context) error {
	if l.queue == nil || !l.queued.Load() && !l.moving.Load() {
		return nil
	}
	return l.move(ctx)
}

// move moves the queue into the log, chunk by chunk.
func (l *Log) move(ctx context.Context) error {
	l.moveMu.Lock()
	defer l.moveMu.Unlock()
	l.moving.Store(true)
	defer l.moving.Store(false)
	for {
		// Cleared before the queue is read: an entry queued meanwhile sets
		// it again.
		l.queued.Store(false)
		n, err := l.moveOnce(ctx)
		if err != nil {
			l.queued.Store(true)
			return err
		}
		if n < moveChunk {
			return nil
		}
	}
}

// moveOnce moves up to moveChunk queued entries into the log, in one
// transaction with the queue's mark, and then deletes them from the queue.
func (l *Log) moveOnce(ctx context.Context) (int, error) {
	var last int64
	var n int
	err := l.db.InTx(ctx, func(tx *db.Tx) error {
		// Read under the database's write lock: two processes on one
		// database move one after the other.
		var moved int64
		err := tx.QueryRow(ctx, `SELECT moved FROM audit_queue_marks WHERE generation = ?`, l.queue.gen).Scan(&moved)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("audit: queue mark: %w", err)
		}
		rows, err := l.queue.db.QueryContext(ctx, `SELECT id, entry FROM queued WHERE id > ? ORDER BY id LIMIT ?`, moved, moveChunk)
		if err != nil {
			return fmt.Errorf("audit: read queue: %w", err)
		}
		var entries []Entry
		for rows.Next() {
			var text string
			var e Entry
			if err := rows.Scan(&last, &text); err != nil {
				_ = rows.Close()
				return fmt.Errorf("audit: read queue: %w", err)
			}
			if err := json.Unmarshal([]byte(text), &e); err != nil {
				_ = rows.Close()
				return fmt.Errorf("audit: queued entry %d: %w", last, err)
			}
			// Chained afresh: what the queue holds is only the entry.
			e.Seq, e.PrevHash, e.Hash, e.Chain = 0, "", "", 0
			entries = append(entries, e)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("audit: read queue: %w", err)
		}
		if n = len(entries); n == 0 {
			last = moved
			return nil
		}
		if _, _, err := appendNow(ctx, tx, entries, true); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_queue_marks (generation, moved) VALUES (?, ?)
			ON CONFLICT (generation) DO UPDATE SET moved = excluded.moved`, l.queue.gen, last); err != nil {
			return fmt.Errorf("audit: queue mark: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	// Moved (or moved before, by a move that did not get to delete them).
	if _, err := l.queue.db.ExecContext(ctx, `DELETE FROM queued WHERE id <= ?`, last); err != nil {
		return n, fmt.Errorf("audit: clear queue: %w", err)
	}
	return n, nil
}

// mover moves the queue whenever entries were queued, and every second
// anyway (what a failed move left).
func (l *Log) mover() {
	defer l.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-l.kick:
		case <-t.C:
		}
		if l.queued.Load() {
			_ = l.Flush(context.Background())
		}
	}
}
