package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"sunshine/internal/platform/db"
)

// Verification is the result of recomputing the chain.
type Verification struct {
	OK bool `json:"ok"`
	// Full: the verification started from the first entry. Otherwise it went
	// on from the last verified position (From), whose entry it checked again.
	Full bool  `json:"full"`
	From int64 `json:"from"`
	// Checked is how many entries after From this verification read.
	Checked int64 `json:"checked"`
	// Entries is the number of entries in the log (the head's).
	Entries int64 `json:"entries"`
	// KeyedFrom is the first entry chained with the key; those before it are
	// unkeyed (written before the upgrade that keyed the chain).
	KeyedFrom   int64  `json:"keyed_from"`
	FirstBroken int64  `json:"first_broken,omitempty"`
	Problem     string `json:"problem,omitempty" enum:"missing,version,link,content,checkpoint,changed,tail"`
	Reason      string `json:"reason,omitempty"`
}

// position is an entry and its chain value.
type position struct {
	seq  int64
	hash string
}

// Verify checks the entries written since the last verified position, and
// that the entry there still has the chain value it had: the /audit pages
// call it on every view, so it reads only what is new. The first
// verification of a process goes on from the last 'verified' checkpoint
// (signed, so only this system can move it forward), or from the first
// entry when there is none. It reports the first entry found broken; an
// entry changed before the last verified position shows only in VerifyAll.
func (l *Log) Verify(ctx context.Context) (Verification, error) {
	if err := l.Flush(ctx); err != nil {
		return Verification{}, err
	}
	from, err := l.start(ctx)
	if err != nil {
		return Verification{}, err
	}
	return l.verify(ctx, from)
}

// VerifyAll recomputes every chain value from the first entry and reports
// the first entry whose chain value, link, number or chain version does not
// match, a signed checkpoint whose entry has another chain value, and a head
// that does not point at the last entry (a deleted tail).
func (l *Log) VerifyAll(ctx context.Context) (Verification, error) {
	if err := l.Flush(ctx); err != nil {
		return Verification{}, err
	}
	return l.verify(ctx, position{})
}

// start is where an incremental verification starts: the last verified
// position of this process, else the last signed 'verified' checkpoint.
func (l *Log) start(ctx context.Context) (position, error) {
	l.mu.Lock()
	p := l.verified
	l.mu.Unlock()
	if p.seq > 0 {
		return p, nil
	}
	c, err := l.keys.scanCheckpoint(l.db.QueryRow(ctx,
		`SELECT `+checkpointCols+` FROM audit_checkpoints WHERE kind = ? ORDER BY seq DESC, id DESC LIMIT 1`, KindVerified))
	if errors.Is(err, sql.ErrNoRows) {
		return position{}, nil
	}
	if err != nil {
		return position{}, fmt.Errorf("audit: verify: last verified checkpoint: %w", err)
	}
	if !l.keys.signed(c) {
		return position{}, nil // from the first entry, which reports the checkpoint
	}
	l.mu.Lock()
	l.saved = max(l.saved, c.Seq)
	l.mu.Unlock()
	return position{c.Seq, c.Hash}, nil
}

func (l *Log) verify(ctx context.Context, from position) (Verification, error) {
	v := Verification{Full: from.seq == 0, From: from.seq}
	broken := func(seq int64, problem, reason string) (Verification, error) {
		v.FirstBroken, v.Problem, v.Reason = seq, problem, reason
		return v, nil
	}
	// The checkpoints first, then the head, then the entries: a checkpoint
	// is committed with its entry, so the head read after it covers it, and
	// entries appended meanwhile are past the head and not read.
	cps, err := l.checkpoints(ctx, from.seq)
	if err != nil {
		return Verification{}, err
	}
	var head position
	if err := l.db.QueryRow(ctx, `SELECT seq, hash, keyed_from FROM audit_head WHERE id = 1`).Scan(&head.seq, &head.hash, &v.KeyedFrom); err != nil {
		return Verification{}, fmt.Errorf("audit: verify head: %w", err)
	}
	v.Entries = head.seq
	version := func(seq int64) int {
		if seq < v.KeyedFrom {
			return ChainUnkeyed
		}
		return ChainKeyed
	}
	recorded := map[int64][]Checkpoint{} // the stored checkpoints, by entry
	for _, c := range cps {
		recorded[c.Seq] = append(recorded[c.Seq], c)
	}
	h := l.keys.hasher()
	if from.seq > 0 {
		if from.seq > head.seq {
			return broken(head.seq+1, "tail", fmt.Sprintf("entries missing at the end of the log: entry %d was verified before", from.seq))
		}
		e, err := scanEntry(l.db.QueryRow(ctx, `SELECT `+entryCols+` FROM audit_log WHERE seq = ?`, from.seq))
		if errors.Is(err, sql.ErrNoRows) {
			return broken(from.seq, "missing", "missing entry")
		}
		if err != nil {
			return Verification{}, fmt.Errorf("audit: verify: %w", err)
		}
		if e.Hash != from.hash || e.Chain != version(e.Seq) || h.value(e) != e.Hash {
			return broken(from.seq, "changed", "the entry verified last has changed since: verify the whole log to find the first broken entry")
		}
	}
	rows, err := l.db.Query(ctx, `SELECT `+entryCols+` FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq`, from.seq, head.seq)
	if err != nil {
		return Verification{}, fmt.Errorf("audit: verify: %w", err)
	}
	defer rows.Close()
	prev, want := from.hash, from.seq+1
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return Verification{}, fmt.Errorf("audit: verify: %w", err)
		}
		v.Checked++
		switch {
		case e.Seq != want:
			return broken(want, "missing", "missing entry")
		case e.Chain != version(e.Seq):
			return broken(e.Seq, "version", fmt.Sprintf("chain version %d where %d belongs (the chain is keyed from entry %d)", e.Chain, version(e.Seq), v.KeyedFrom))
		case e.PrevHash != prev:
			return broken(e.Seq, "link", "link to the previous entry does not match")
		case h.value(e) != e.Hash:
			return broken(e.Seq, "content", "content does not match its hash")
		}
		for _, c := range recorded[e.Seq] {
			if !l.keys.signed(c) {
				return broken(e.Seq, "checkpoint", "the stored checkpoint of this entry does not carry this system's signature")
			}
			if c.Hash != e.Hash {
				return broken(e.Seq, "checkpoint", "the chain value is not the one a signed checkpoint recorded: the log up to here was rewritten")
			}
		}
		prev, want = e.Hash, want+1
	}
	if err := rows.Err(); err != nil {
		return Verification{}, fmt.Errorf("audit: verify: %w", err)
	}
	if want-1 != head.seq || prev != head.hash {
		return broken(want, "tail", "entries missing at the end of the log")
	}
	if n := len(cps); n > 0 && cps[n-1].Seq > head.seq {
		return broken(head.seq+1, "tail", fmt.Sprintf("entries missing at the end of the log: a checkpoint names entry %d", cps[n-1].Seq))
	}
	v.OK = true
	l.verifiedUpTo(ctx, head, v.Full)
	return v, nil
}

// checkpoints returns the stored checkpoints of the entries after seq.
func (l *Log) checkpoints(ctx context.Context, after int64) ([]Checkpoint, error) {
	rows, err := l.db.Query(ctx, `SELECT `+checkpointCols+` FROM audit_checkpoints WHERE seq > ? ORDER BY seq, id`, after)
	if err != nil {
		return nil, fmt.Errorf("audit: verify: checkpoints: %w", err)
	}
	defer rows.Close()
	var out []Checkpoint
	for rows.Next() {
		c, err := l.keys.scanCheckpoint(rows)
		if err != nil {
			return nil, fmt.Errorf("audit: verify: checkpoints: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: verify: checkpoints: %w", err)
	}
	return out, nil
}

// verifiedUpTo keeps p as the last verified position, and records it as a
// 'verified' checkpoint after a full verification, or when it is at least
// the checkpoint interval past the last one recorded, so that the next
// process starts there too. The last one recorded is the last of any server
// sharing the database: of servers verifying the same entries, one records
// them (two that record at the same moment may both). Recording it is worth
// a short wait at most (on SQLite a long import holds the writer): when it
// cannot be written within saveWait, the position stays in memory and a
// later verification records it.
func (l *Log) verifiedUpTo(ctx context.Context, p position, full bool) {
	every := l.keys.every.Load()
	if every <= 0 {
		every = CheckpointEvery
	}
	l.mu.Lock()
	if p.seq > l.verified.seq {
		l.verified = p
	}
	last := l.saved
	save := p.seq > last && (full || p.seq-last >= every)
	if save {
		l.saved = p.seq
	}
	l.mu.Unlock()
	if !save {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, saveWait)
	defer cancel()
	err := l.db.InTx(ctx, func(tx *db.Tx) error {
		if l.db.Shared() {
			var recorded int64
			if err := tx.QueryRow(ctx, `SELECT COALESCE(max(seq), 0) FROM audit_checkpoints WHERE kind = ?`, KindVerified).Scan(&recorded); err != nil {
				return err
			}
			if recorded >= p.seq || !full && p.seq-recorded < every {
				return nil // another server recorded it, or one close enough
			}
		}
		_, err := l.keys.record(ctx, tx, p.seq, p.hash, tx.Now, KindVerified)
		return err
	})
	if err != nil {
		l.mu.Lock()
		if l.saved == p.seq {
			l.saved = last
		}
		l.mu.Unlock()
	}
}

// saveWait is how long a verification waits to record its position.
const saveWait = time.Second

// KeyMatches reports whether the log's last entry, when it is keyed, gives
// its chain value under this log's key: false after a restore with another
// data key than the backed-up database's (whose entries would then all seem
// forged, and the next one chained with the wrong key). A log without keyed
// entries matches any key.
func (l *Log) KeyMatches(ctx context.Context) (bool, error) {
	var head position
	var keyedFrom int64
	if err := l.db.QueryRow(ctx, `SELECT seq, hash, keyed_from FROM audit_head WHERE id = 1`).Scan(&head.seq, &head.hash, &keyedFrom); err != nil {
		return false, fmt.Errorf("audit: check the key: %w", err)
	}
	if head.seq < keyedFrom {
		return true, nil
	}
	e, err := scanEntry(l.db.QueryRow(ctx, `SELECT `+entryCols+` FROM audit_log WHERE seq = ?`, head.seq))
	if err != nil {
		return false, fmt.Errorf("audit: check the key: %w", err)
	}
	return e.Chain != ChainKeyed || l.keys.hasher().value(e) == e.Hash, nil
}
