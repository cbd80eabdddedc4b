package audit

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"sync"
	"sync/atomic"

	"sunshine/internal/platform/db"
	"sunshine/internal/platform/vault"
)

// Versions of an entry's chain value.
const (
	// ChainUnkeyed is the SHA-256 of the entry's fields after the previous
	// chain value: the entries written before the chain was keyed (migration
	// 00014). Anyone can compute it, so it only shows accidents.
	ChainUnkeyed = 0
	// ChainKeyed is the HMAC-SHA-256 of the same under the chain key: only
	// who holds the data key can compute it.
	ChainKeyed = 1
)

// Labels of the keys derived from the data key (vault.Derive). A new label is
// a new key: these never change.
const (
	chainLabel      = "sunshine audit chain v1"
	checkpointLabel = "sunshine audit checkpoint v1"
)

// CheckpointEvery is how many entries apart the automatic checkpoints are.
const CheckpointEvery = 10000

// keys are what the log derives from the data key. They live with the
// database (db.DB.Attach), so that Append, which gets only a transaction,
// finds them.
type keys struct {
	chain []byte             // HMAC key of the chain values
	sign  ed25519.PrivateKey // signs checkpoints
	pub   ed25519.PublicKey
	every atomic.Int64 // entries between automatic checkpoints; 0 for none
	// hashers are the appends' hashers, kept ready (an HMAC's first use
	// after hmac.New hashes its key blocks; later ones start from them).
	hashers sync.Pool
}

type keysKey struct{}

// errNoKey is what an append on a database without a keyed log says.
var errNoKey = errors.New("audit: no chain key for this database (audit.NewLog was not called on it)")

func newKeys(dataKey []byte) (*keys, error) {
	if len(dataKey) != vault.KeySize {
		return nil, fmt.Errorf("audit: the data key must be %d bytes", vault.KeySize)
	}
	sign := ed25519.NewKeyFromSeed(vault.Derive(dataKey, checkpointLabel))
	k := &keys{chain: vault.Derive(dataKey, chainLabel), sign: sign, pub: sign.Public().(ed25519.PublicKey)}
	k.every.Store(CheckpointEvery)
	k.hashers.New = func() any { return k.hasher() }
	return k, nil
}

func keysOf(tx *db.Tx) *keys {
	k, _ := tx.Attached(keysKey{}).(*keys)
	return k
}

// hasher computes chain values, reusing its buffers and its HMAC state: one
// per append or verification, not shared between goroutines.
type hasher struct {
	mac hash.Hash
	buf []byte
	sum []byte
}

func (k *keys) hasher() *hasher {
	return &hasher{mac: hmac.New(sha256.New, k.chain), buf: make([]byte, 0, 512), sum: make([]byte, 0, sha256.Size)}
}

// value is the chain value of e under its version (e.Chain), from its fields
// and the previous entry's chain value (e.PrevHash), hex-encoded.
func (h *hasher) value(e Entry) string {
	h.buf = appendFields(h.buf[:0], e)
	if e.Chain == ChainUnkeyed {
		sum := sha256.Sum256(h.buf)
		return hex.EncodeToString(sum[:])
	}
	h.mac.Reset()
	h.mac.Write(h.buf)
	h.sum = h.mac.Sum(h.sum[:0])
	return hex.EncodeToString(h.sum)
}

// appendFields appends what a chain value covers: the previous chain value
// and the entry's fields, each as its length in bytes, a colon and itself.
// The unkeyed version hashed exactly these bytes; the keyed one MACs them.
func appendFields(buf []byte, e Entry) []byte {
	field := func(f string) {
		buf = strconv.AppendInt(buf, int64(len(f)), 10)
		buf = append(buf, ':')
		buf = append(buf, f...)
	}
	num := func(n int64) {
		var b [20]byte
		d := strconv.AppendInt(b[:0], n, 10)
		buf = strconv.AppendInt(buf, int64(len(d)), 10)
		buf = append(buf, ':')
		buf = append(buf, d...)
	}
	field(e.PrevHash)
	num(e.Seq)
	num(e.At.UnixMilli())
	for _, f := range [...]string{e.Username, e.Role, e.Action, e.SubjectType, e.SubjectID, e.OrgUnit, e.Client, e.Reason, e.Detail} {
		field(f)
	}
	return buf
}
