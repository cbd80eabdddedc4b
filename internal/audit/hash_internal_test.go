package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"testing"
	"time"
)

// unkeyedBefore is the chain value as the unkeyed chain computed it before
// the chain was keyed, kept as it was: the unkeyed version must give the
// same value (old entries still verify), and the benchmark compares with it.
func unkeyedBefore(e Entry) string {
	h := sha256.New()
	for _, f := range []string{e.PrevHash, strconv.FormatInt(e.Seq, 10), strconv.FormatInt(e.At.UnixMilli(), 10),
		e.Username, e.Role, e.Action, e.SubjectType, e.SubjectID, e.OrgUnit, e.Client, e.Reason, e.Detail} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func benchEntry() Entry {
	return Entry{Seq: 741000, At: time.UnixMilli(1789000000123), Username: "district", Role: "district_staff", Action: ActionUpdate,
		SubjectType: "person", SubjectID: "123456", OrgUnit: "310114102201", Client: "127.0.0.1",
		Detail: `{"fields":["address","phone"]}`, PrevHash: "3f2a5e0c9d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29"}
}

func testKeys(t testing.TB) *keys {
	k, err := newKeys([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestChainValues: the unkeyed version is the chain value entries had before
// the chain was keyed; the keyed one differs from it and with the key, and
// covers every field.
func TestChainValues(t *testing.T) {
	k := testKeys(t)
	h := k.hasher()
	e := benchEntry()
	for _, x := range []Entry{e, {Seq: 1, At: time.UnixMilli(0)}, {Seq: 7, At: time.UnixMilli(5), Detail: "数据 ✓", Reason: "x:y"}} {
		x.Chain = ChainUnkeyed
		if got, want := h.value(x), unkeyedBefore(x); got != want {
			t.Errorf("unkeyed value of %+v = %s, want %s as before", x, got, want)
		}
	}
	e.Chain = ChainKeyed
	keyed := h.value(e)
	if keyed == unkeyedBefore(e) || keyed != h.value(e) {
		t.Fatalf("keyed value %s: equal to the unkeyed one, or not repeatable", keyed)
	}
	other, err := newKeys([]byte("another key, 32 bytes long......"))
	if err != nil {
		t.Fatal(err)
	}
	if other.hasher().value(e) == keyed {
		t.Error("another key gives the same chain value")
	}
	changes := []func(*Entry){
		func(e *Entry) { e.PrevHash += "0" }, func(e *Entry) { e.Seq++ }, func(e *Entry) { e.At = e.At.Add(time.Millisecond) },
		func(e *Entry) { e.Username += "x" }, func(e *Entry) { e.Role += "x" }, func(e *Entry) { e.Action += "x" },
		func(e *Entry) { e.SubjectType += "x" }, func(e *Entry) { e.SubjectID += "x" }, func(e *Entry) { e.OrgUnit += "x" },
		func(e *Entry) { e.Client += "x" }, func(e *Entry) { e.Reason += "x" }, func(e *Entry) { e.Detail += "x" },
		// Moving a character from one field to the next changes it too (each field carries its length).
		func(e *Entry) {
			e.Username, e.Role = e.Username[:len(e.Username)-1], e.Username[len(e.Username)-1:]+e.Role
		},
	}
	for i, change := range changes {
		x := e
		change(&x)
		if h.value(x) == keyed {
			t.Errorf("change %d leaves the chain value as it was", i)
		}
	}
}

// BenchmarkChainValue times the chain value of one entry: as it was computed
// before the chain was keyed, and now unkeyed (old entries, when verified)
// and keyed (every new entry).
func BenchmarkChainValue(b *testing.B) {
	e := benchEntry()
	b.Run("before=sha256", func(b *testing.B) {
		for range b.N {
			e.Hash = unkeyedBefore(e)
		}
	})
	h := testKeys(b).hasher()
	b.Run("unkeyed=sha256", func(b *testing.B) {
		e.Chain = ChainUnkeyed
		for range b.N {
			e.Hash = h.value(e)
		}
	})
	b.Run("keyed=hmac-sha256", func(b *testing.B) {
		e.Chain = ChainKeyed
		for range b.N {
			e.Hash = h.value(e)
		}
	})
}
