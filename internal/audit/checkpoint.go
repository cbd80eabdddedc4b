package audit

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"sunshine/internal/platform/db"
)

// Kinds of checkpoint.
const (
	KindAuto      = "auto"      // every CheckpointEvery entries, written with the entry
	KindRequested = "requested" // the auditor asked for one
	KindVerified  = "verified"  // a verification found the log intact up to here
)

// CheckpointFormat names the format of a checkpoint, in its file.
const CheckpointFormat = "sunshine-audit-checkpoint-v1"

// Checkpoint is the chain value of one entry at a time, signed with Ed25519
// under a key derived from the data key. The auditor exports checkpoints
// and keeps them outside the system: one kept from before a rewrite shows it,
// even when whoever rewrote the log held the key, because the entry it names
// no longer has that chain value. Anyone with the public key (in the file,
// and shown on the audit page to be noted down apart) can check that the
// system signed it, without a secret.
type Checkpoint struct {
	Format    string    `json:"format"`
	Seq       int64     `json:"seq"`     // the entry
	Hash      string    `json:"hash"`    // its chain value
	At        time.Time `json:"at"`      // when the checkpoint was taken
	Entries   int64     `json:"entries"` // entries in the log then
	Kind      string    `json:"kind" enum:"auto,requested,verified"`
	PublicKey string    `json:"public_key"` // base64 Ed25519 key that verifies the signature
	Signature string    `json:"signature"`  // base64 Ed25519 signature of Message
}

// Message is what the signature covers: every field but the key and the
// signature, one per line.
func (c Checkpoint) Message() []byte {
	return fmt.Appendf(nil, "%s\nseq %d\nhash %s\nat %d\nentries %d\nkind %s\n",
		CheckpointFormat, c.Seq, c.Hash, c.At.UnixMilli(), c.Entries, c.Kind)
}

const (
	insertCheckpoint = `INSERT INTO audit_checkpoints (seq, hash, at, entries, kind, signature) VALUES (?, ?, ?, ?, ?, ?)`
	checkpointCols   = `seq, hash, at, entries, kind, signature`
)

// checkpoint returns the signed checkpoint of entry seq with chain value hash.
func (k *keys) checkpoint(seq int64, hash string, at time.Time, kind string) Checkpoint {
	c := Checkpoint{Format: CheckpointFormat, Seq: seq, Hash: hash, At: at.Truncate(time.Millisecond).UTC(), Entries: seq, Kind: kind,
		PublicKey: base64.StdEncoding.EncodeToString(k.pub)}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(k.sign, c.Message()))
	return c
}

// record signs a checkpoint and writes it in tx.
func (k *keys) record(ctx context.Context, tx *db.Tx, seq int64, hash string, at time.Time, kind string) (Checkpoint, error) {
	c := k.checkpoint(seq, hash, at, kind)
	if _, err := tx.Exec(ctx, insertCheckpoint, c.Seq, c.Hash, c.At.UnixMilli(), c.Entries, c.Kind, c.Signature); err != nil {
		return Checkpoint{}, fmt.Errorf("audit: write checkpoint: %w", err)
	}
	return c, nil
}

// signed reports whether c was signed with this log's key.
func (k *keys) signed(c Checkpoint) bool {
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	return err == nil && c.Format == CheckpointFormat && c.PublicKey == base64.StdEncoding.EncodeToString(k.pub) &&
		ed25519.Verify(k.pub, c.Message(), sig)
}

// scanCheckpoint reads a stored checkpoint (checkpointCols).
func (k *keys) scanCheckpoint(sc interface{ Scan(...any) error }) (Checkpoint, error) {
	c := Checkpoint{Format: CheckpointFormat, PublicKey: base64.StdEncoding.EncodeToString(k.pub)}
	var at int64
	err := sc.Scan(&c.Seq, &c.Hash, &at, &c.Entries, &c.Kind, &c.Signature)
	c.At = db.FromMillis(at)
	return c, err
}

// PublicKey is the base64 Ed25519 key that verifies this log's checkpoints.
func (l *Log) PublicKey() string { return base64.StdEncoding.EncodeToString(l.keys.pub) }

// Checkpoint appends e (the auditor's entry for taking the checkpoint) and
// records a checkpoint of the log as it is then, e included, which it returns.
func (l *Log) Checkpoint(ctx context.Context, e Entry) (Checkpoint, error) {
	if err := l.Flush(ctx); err != nil {
		return Checkpoint{}, err
	}
	var c Checkpoint
	err := l.db.InTx(ctx, func(tx *db.Tx) error {
		seq, hash, err := appendNow(ctx, tx, []Entry{e}, false)
		if err != nil {
			return err
		}
		c, err = l.keys.record(ctx, tx, seq, hash, tx.Now, KindRequested)
		return err
	})
	return c, err
}

// LatestCheckpoint returns the checkpoint of the latest entry, of any kind;
// false when there is none yet.
func (l *Log) LatestCheckpoint(ctx context.Context) (Checkpoint, bool, error) {
	c, err := l.keys.scanCheckpoint(l.db.QueryRow(ctx, `SELECT `+checkpointCols+` FROM audit_checkpoints ORDER BY seq DESC, id DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return Checkpoint{}, false, nil
	}
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("audit: latest checkpoint: %w", err)
	}
	return c, true, nil
}

// CheckpointCheck says whether the log still holds a kept checkpoint.
type CheckpointCheck struct {
	// OK: the checkpoint is this system's, the log still has its entry with
	// its chain value, and the chain verifies (Chain).
	OK bool `json:"ok"`
	// Signed: the signature verifies with this system's key.
	Signed bool `json:"signed"`
	// Found: the log has an entry of that number.
	Found bool `json:"found"`
	// Matches: the entry has the checkpoint's chain value, and its content
	// still gives that value.
	Matches bool `json:"matches"`
	// Hash is the entry's chain value now, when it differs.
	Hash    string `json:"hash,omitempty"`
	Problem string `json:"problem,omitempty" enum:"signature,missing,rewritten,content"`
	Reason  string `json:"reason,omitempty"`
	// Chain is the verification of the chain that went with the check
	// (from the last verified position, or the whole log).
	Chain Verification `json:"chain"`
}

// CheckCheckpoint checks a kept checkpoint against the log: the system
// signed it, and the log still has its entry with that chain value (so
// nothing up to it was deleted, inserted or rechained since). It verifies
// the chain too: from the last verified position, or all of it when full.
func (l *Log) CheckCheckpoint(ctx context.Context, c Checkpoint, full bool) (CheckpointCheck, error) {
	var out CheckpointCheck
	var err error
	if full {
		out.Chain, err = l.VerifyAll(ctx)
	} else {
		out.Chain, err = l.Verify(ctx)
	}
	if err != nil {
		return CheckpointCheck{}, err
	}
	if out.Signed = l.keys.signed(c); !out.Signed {
		out.Problem, out.Reason = "signature", "the signature does not verify with this system's key: the checkpoint was changed, or comes from another installation or data key"
		return out, nil
	}
	e, err := scanEntry(l.db.QueryRow(ctx, `SELECT `+entryCols+` FROM audit_log WHERE seq = ?`, c.Seq))
	if errors.Is(err, sql.ErrNoRows) {
		out.Problem, out.Reason = "missing", fmt.Sprintf("the log no longer has entry %d: entries were deleted", c.Seq)
		return out, nil
	}
	if err != nil {
		return CheckpointCheck{}, fmt.Errorf("audit: check checkpoint: %w", err)
	}
	out.Found = true
	switch {
	case e.Hash != c.Hash:
		out.Hash = e.Hash
		out.Problem, out.Reason = "rewritten", fmt.Sprintf("entry %d has another chain value than the checkpoint: the log up to it was rewritten", c.Seq)
	case l.keys.hasher().value(e) != c.Hash:
		out.Problem, out.Reason = "content", fmt.Sprintf("entry %d no longer gives its chain value: it was changed", c.Seq)
	default:
		out.Matches = true
		out.OK = out.Chain.OK
	}
	return out, nil
}
