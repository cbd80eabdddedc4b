// Package audit keeps the append-only, hash-chained audit log. Changes are
// recorded with Append inside the transaction that makes them; reads are
// recorded with Log.Record, which commits entries from concurrent requests in
// small groups and returns once the request's entry is durable.
//
// The chain is keyed (chain.go): each entry's chain value is an HMAC under a
// key derived from the data key, which is not in the database, so that
// whoever can write to the database but does not hold the key cannot delete
// or change entries and chain the rest again. Signed checkpoints
// (checkpoint.go), kept by the auditor outside the system, catch a rewrite
// even by someone who holds the key. Verification (verify.go) goes on from
// the last verified position; a full one reads the whole log.
package audit

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sunshine/internal/platform/db"
)

// Actions recorded in the log.
const (
	ActionRead    = "read"
	ActionList    = "list"
	ActionCreate  = "create"
	ActionUpdate  = "update"
	ActionReveal  = "reveal"
	ActionExport  = "export"
	ActionImport  = "import"
	ActionLogin   = "login"
	ActionLogout  = "logout"
	ActionFailed  = "login_failed"
	ActionLocked  = "login_locked"
	ActionUserAdd = "user_create"
	ActionVerify  = "verify" // the auditor checked the chain or a kept checkpoint
	// An account's state (internal/identity): approved, refused, disabled
	// (Detail holds the reason) and asked to be enabled again.
	ActionUserApprove = "user_approve"
	ActionUserRefuse  = "user_refuse"
	ActionUserDisable = "user_disable"
	ActionUserEnable  = "user_enable"
	// A second factor (TOTP) turned on by its owner, and reset by the
	// security administrator (Detail holds the reason).
	ActionTwoFactorOn    = "2fa_enable"
	ActionTwoFactorReset = "2fa_reset"
)

// Entry is one line of the log. It never holds personal data: subjects are
// named by id, and Detail lists changed field names, not values.
type Entry struct {
	Seq         int64     `json:"seq"`
	At          time.Time `json:"at"`
	Username    string    `json:"username"`
	Role        string    `json:"role"`
	Action      string    `json:"action"`
	SubjectType string    `json:"subject_type"`
	SubjectID   string    `json:"subject_id"`
	OrgUnit     string    `json:"orgunit"`
	Client      string    `json:"client"`
	Reason      string    `json:"reason,omitempty"`
	Detail      string    `json:"detail,omitempty"`
	PrevHash    string    `json:"prev_hash"`
	Hash        string    `json:"hash"`
	// Chain is the version of the chain value: ChainUnkeyed for the entries
	// written before the chain was keyed, ChainKeyed for every later one.
	Chain int `json:"chain"`
}

// Actor is who does something, and from where.
type Actor struct {
	Username string
	Role     string
	Client   string
}

// Entry starts an entry for this actor.
func (a Actor) Entry(action, subjectType, subjectID, orgunit string) Entry {
	return Entry{Username: a.Username, Role: a.Role, Client: a.Client, Action: action,
		SubjectType: subjectType, SubjectID: subjectID, OrgUnit: orgunit}
}

// insertChunk is how many entries one INSERT writes in bulk appends.
const insertChunk = 50

// insertEntries is the INSERT of n entries.
func insertEntries(n int) string {
	return `INSERT INTO audit_log (seq, at, username, role, action, subject_type, subject_id, orgunit, client, reason, detail, prev_hash, hash, chain) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", n), ", ")
}

const (
	readHead = `SELECT seq, hash FROM audit_head WHERE id = 1`
	moveHead = `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`
)

// Append records entries in tx. They are written, chained after the current
// head, when the transaction is about to commit (db.Tx.BeforeCommit): the
// head row is locked only from then until the commit, so that a long
// transaction (an import) does not hold up every other write and every
// audited read on PostgreSQL while it works. A transaction that gathers more
// than maxPending entries writes them at once and holds the head from then on.
func Append(ctx context.Context, tx *db.Tx, entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	p := tx.Local(pendingKey{}, func() any {
		p := &pendingEntries{}
		tx.BeforeCommit(func(ctx context.Context) error { return p.write(ctx, tx) })
		return p
	}).(*pendingEntries)
	p.entries = append(p.entries, entries...)
	if p.written || len(p.entries) >= maxPending {
		return p.write(ctx, tx)
	}
	return nil
}

// maxPending bounds the entries a transaction keeps in memory before it
// writes them.
const maxPending = 20000

type pendingKey struct{}

// pendingEntries are the entries of one transaction not yet written.
type pendingEntries struct {
	entries []Entry
	written bool // the transaction holds the head: write entries as they come
}

func (p *pendingEntries) write(ctx context.Context, tx *db.Tx) error {
	entries := p.entries
	p.entries, p.written = nil, true
	if len(entries) == 0 {
		return nil
	}
	_, _, err := appendNow(ctx, tx, entries, false)
	return err
}

// appendNow writes entries in tx, chained with the key after the current
// head, and returns the new head. The head row is locked, so concurrent
// transactions on PostgreSQL append one after another. Each entry whose number
// is a multiple of the checkpoint interval gets a signed checkpoint, written
// in the same transaction (after the head, as every write here). Each entry
// is stamped with the transaction's time, or keeps its own when keepAt and it
// has one (Fill only).
func appendNow(ctx context.Context, tx *db.Tx, entries []Entry, keepAt bool) (int64, string, error) {
	k := keysOf(tx)
	if k == nil {
		return 0, "", errNoKey
	}
	var seq int64
	var prev string
	if err := tx.QueryRow(ctx, readHead+tx.ForUpdate()).Scan(&seq, &prev); err != nil {
		return 0, "", fmt.Errorf("audit: read head: %w", err)
	}
	if len(entries) == 0 {
		return seq, prev, nil
	}
	h := k.hashers.Get().(*hasher)
	defer k.hashers.Put(h)
	every := k.every.Load()
	var auto []Entry
	rows := make([][]any, len(entries))
	for i, e := range entries {
		seq++
		at := tx.Now
		if keepAt && !e.At.IsZero() {
			at = e.At
		}
		e.Seq, e.At, e.PrevHash, e.Chain = seq, at.Truncate(time.Millisecond), prev, ChainKeyed
		e.Hash = h.value(e)
		rows[i] = []any{e.Seq, e.At.UnixMilli(), e.Username, e.Role, e.Action, e.SubjectType, e.SubjectID,
			e.OrgUnit, e.Client, e.Reason, e.Detail, e.PrevHash, e.Hash, e.Chain}
		prev = e.Hash
		if every > 0 && seq%every == 0 {
			auto = append(auto, e)
		}
	}
	// Full chunks in one statement each, the rest one by one: only two
	// statement texts exist, both prepared once.
	i := 0
	for ; i+insertChunk <= len(rows); i += insertChunk {
		vals := make([]any, 0, insertChunk*len(rows[0]))
		for _, r := range rows[i : i+insertChunk] {
			vals = append(vals, r...)
		}
		if _, err := tx.Exec(ctx, insertEntries(insertChunk), vals...); err != nil {
			return 0, "", fmt.Errorf("audit: append: %w", err)
		}
	}
	for ; i < len(rows); i++ {
		if _, err := tx.Exec(ctx, insertEntries(1), rows[i]...); err != nil {
			return 0, "", fmt.Errorf("audit: append: %w", err)
		}
	}
	for _, e := range auto {
		if _, err := k.record(ctx, tx, e.Seq, e.Hash, e.At, KindAuto); err != nil {
			return 0, "", err
		}
	}
	if _, err := tx.Exec(ctx, moveHead, seq, prev); err != nil {
		return 0, "", fmt.Errorf("audit: move head: %w", err)
	}
	return seq, prev, nil
}

// Log records reads and answers queries about the log.
type Log struct {
	db    *db.DB
	keys  *keys
	reqs  chan pending
	stop  chan struct{}
	wg    sync.WaitGroup
	close sync.Once
	// since is when the group commit in progress started (Unix nanoseconds),
	// 0 while none runs: Stalled reads it.
	since atomic.Int64

	// mu guards the verification state below, and is held only to read or
	// write it (never across a query).
	mu sync.Mutex
	// verified is the last entry a verification found intact, from which the
	// next one goes on; zero until the first verification of this process,
	// which starts from the last signed 'verified' checkpoint.
	verified position
	// saved is the entry of the last 'verified' checkpoint written.
	saved int64

	// The queue of reads' entries while a bulk writer runs (queue.go; nil
	// on PostgreSQL): bulk counts the bulk writers, queued says entries
	// wait to be moved, moving that a move runs (moveMu serialises them),
	// kick wakes the mover.
	queue  *queue
	bulk   atomic.Int32
	queued atomic.Bool
	moving atomic.Bool
	moveMu sync.Mutex
	kick   chan struct{}
}

type pending struct {
	entries []Entry
	done    chan error
}

// maxGroup bounds how many read entries one transaction commits.
const maxGroup = 256

// NewLog returns a log on d, keyed with keys derived from dataKey (the
// installation's data key, kept outside the database), and starts its
// group-commit writer; Close stops it. From then on Append, in any
// transaction on d, chains with the key.
func NewLog(d *db.DB, dataKey []byte) (*Log, error) {
	k, err := newKeys(dataKey)
	if err != nil {
		return nil, err
	}
	d.Attach(keysKey{}, k)
	d.Warm(context.Background(), insertEntries(1), insertEntries(insertChunk), moveHead, insertCheckpoint)
	if d.Dialect == db.Postgres {
		d.Warm(context.Background(), readHead+" FOR NO KEY UPDATE") // as tx.ForUpdate()
	} else {
		d.Warm(context.Background(), readHead)
	}
	q, err := openQueue(context.Background(), d)
	if err != nil {
		return nil, err
	}
	l := &Log{db: d, keys: k, reqs: make(chan pending, maxGroup), stop: make(chan struct{}), queue: q, kick: make(chan struct{}, 1)}
	if q != nil {
		// What a crash left in the queue.
		if err := l.move(context.Background()); err != nil {
			_ = q.db.Close()
			return nil, err
		}
		l.wg.Add(1)
		go l.mover()
	}
	l.wg.Add(1)
	go l.run()
	return l, nil
}

// SetCheckpointEvery sets how many entries apart the automatic checkpoints
// are (CheckpointEvery unless set; 0 for none).
func (l *Log) SetCheckpointEvery(n int64) { l.keys.every.Store(n) }

func (l *Log) run() {
	defer l.wg.Done()
	batch := make([]pending, 0, maxGroup)
	for {
		select {
		case <-l.stop:
			return
		case p := <-l.reqs:
			batch = append(batch[:0], p)
		fill:
			for len(batch) < maxGroup {
				select {
				case p := <-l.reqs:
					batch = append(batch, p)
				default:
					break fill
				}
			}
			var entries []Entry
			for _, p := range batch {
				entries = append(entries, p.entries...)
			}
			l.since.Store(time.Now().UnixNano())
			var err error
			queued := false
			if l.queue != nil && l.bulk.Load() > 0 && l.queue.put(context.Background(), entries, l.db.Now()) == nil {
				queued = true
				l.queued.Store(true)
				select {
				case l.kick <- struct{}{}:
				default:
				}
			}
			if !queued {
				// No bulk writer, or the queue failed (its disk): into the
				// log itself, waiting for the writer if need be.
				err = l.db.InTx(context.Background(), func(tx *db.Tx) error { return Append(context.Background(), tx, entries...) })
			}
			l.since.Store(0)
			for _, p := range batch {
				p.done <- err
			}
		}
	}
}

// Record writes entries in a group transaction shared with concurrent callers
// and waits until they are committed. Use it for reads; changes use Append in
// their own transaction.
func (l *Log) Record(ctx context.Context, entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	p := pending{entries: entries, done: make(chan error, 1)}
	select {
	case l.reqs <- p:
	case <-ctx.Done():
		return ctx.Err()
	case <-l.stop:
		return fmt.Errorf("audit: log closed")
	}
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stalled reports whether the group commit in progress has run for longer
// than limit: audited reads wait for it, so the server cannot serve them.
func (l *Log) Stalled(limit time.Duration) bool {
	since := l.since.Load()
	return since != 0 && time.Since(time.Unix(0, since)) > limit
}

// Yield waits, at most limit, until no audited read waits for its group
// commit and the queue is moved: a bulk writer (an import's next batch)
// calls it before it takes the writer again, so that on SQLite, whose one
// writer goes to any of those waiting, the others wait for one batch at
// most, not for several.
func (l *Log) Yield(ctx context.Context, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for (len(l.reqs) > 0 || l.since.Load() != 0 || l.queued.Load() || l.moving.Load()) && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
}

// Close stops the writer after the batch in progress, and moves what is
// queued into the log.
func (l *Log) Close() {
	l.close.Do(func() {
		close(l.stop)
		l.wg.Wait()
		if l.queue != nil {
			_ = l.Flush(context.Background()) // what is left stays queued for the next start
			_ = l.queue.db.Close()
		}
	})
	l.wg.Wait()
}

// Filter selects entries for List. Zero fields do not filter.
type Filter struct {
	SubjectType string
	SubjectID   string
	Username    string
	Action      string
	// NotAction leaves out the entries of this action (a person's access
	// log lists the "list" entries grouped, ListGroups).
	NotAction string
	// DetailHas keeps the entries whose detail holds this text.
	DetailHas string
	From, To  time.Time
	Before    int64 // seq cursor: entries with seq < Before
	Limit     int
}

const entryCols = `seq, at, username, role, action, subject_type, subject_id, orgunit, client, reason, detail, prev_hash, hash, chain`

func scanEntry(sc interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var at int64
	err := sc.Scan(&e.Seq, &at, &e.Username, &e.Role, &e.Action, &e.SubjectType, &e.SubjectID, &e.OrgUnit, &e.Client,
		&e.Reason, &e.Detail, &e.PrevHash, &e.Hash, &e.Chain)
	e.At = db.FromMillis(at)
	return e, err
}

// List returns entries newest first, and the cursor for the next page (0 at the end).
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, int64, error) {
	if err := l.Flush(ctx); err != nil {
		return nil, 0, err
	}
	var where []string
	var args []any
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if f.SubjectType != "" {
		add("subject_type = ?", f.SubjectType)
	}
	if f.SubjectID != "" {
		add("subject_id = ?", f.SubjectID)
	}
	if f.Username != "" {
		add("username = ?", f.Username)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.NotAction != "" {
		add("action <> ?", f.NotAction)
	}
	if f.DetailHas != "" {
		add(`detail LIKE ? ESCAPE '\'`, "%"+strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(f.DetailHas)+"%")
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		add("at < ?", f.To.UnixMilli())
	}
	// Up to a date and by nothing narrower, the log is read backwards by
	// time (the audit_at index) from that date: in the order of seq it was
	// every entry after the date first, seconds at a million entries. The
	// cursor is then (at, seq) of the last entry of the page before.
	byTime := !f.To.IsZero() && f.SubjectID == "" && f.Username == "" && f.Action == ""
	if f.Before > 0 && byTime {
		var at int64
		if err := l.db.QueryRow(ctx, `SELECT at FROM audit_log WHERE seq = ?`, f.Before).Scan(&at); err != nil {
			return nil, 0, fmt.Errorf("audit: list: the page's cursor: %w", err)
		}
		where = append(where, "(at, seq) < (?, ?)")
		args = append(args, at, f.Before)
	} else if f.Before > 0 {
		add("seq < ?", f.Before)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	q := `SELECT ` + entryCols + ` FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	if byTime {
		q += ` ORDER BY at DESC, seq DESC LIMIT ?`
	} else {
		q += ` ORDER BY seq DESC LIMIT ?`
	}
	args = append(args, f.Limit+1)
	rows, err := l.db.Query(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("audit: list: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("audit: list: %w", err)
	}
	var next int64
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].Seq
	}
	return out, next, nil
}
