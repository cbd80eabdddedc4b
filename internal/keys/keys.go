// Package keys rotates the data key: it seals every declared value again
// under a new key and puts the new key file in place (see Rotate).
package keys

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/vault"
)

// Rotation of the data key (sunshine key rotate, Keys.Rotate).
//
// Every module declares the columns it seals (module.Module.Sealed). A
// rotation opens each declared value with the current key and seals it again
// with the new one, and recomputes each declared blind index, in one
// transaction that also writes a "key_rotate" audit entry. Then it replaces
// the key file: the old key is kept as KEYFILE.retired-TIMESTAMP (to read
// backups made before the rotation; destroy it when they are no longer
// needed) and the new key is renamed into place.
//
// The audit chain and its checkpoints are keyed by keys derived from an
// audit root key (AuditKeyPath): the data key as it was before the first
// rotation, copied into that file by the first rotation. Without the file the
// root is the data key itself, as before rotations existed. So the chain
// keeps verifying across rotations.
//
// Crash safety: the new key is written to KEYFILE.next before the
// transaction commits. A failure before the commit removes it, so that the
// database and the key file are unchanged. If the process dies between the
// commit and the rename, the next start (Finish, which app.New calls) finds KEYFILE.next, sees that
// the database opens with it and not with the key file, and finishes the
// rename; a KEYFILE.next that the database does not open with (a rotation
// that did not commit) is removed.

// Keys are an installation's data key and what it seals.
type Keys struct {
	DB *db.DB
	// File is the data key file; Key the key in it, Vault its vault (a
	// rotation changes Key and *Vault in place).
	File  string
	Key   []byte
	Vault *vault.Vault
	// AuditRoot is the key the audit log's keys derive from (AuditRoot).
	AuditRoot []byte
	// Sealed are every module's sealed columns.
	Sealed []module.Sealed
	Log    *slog.Logger
}

// ActionKeyRotate is the audit action of a key rotation.
const ActionKeyRotate = "key_rotate"

// AuditKeyPath is the audit root key file that belongs with the data key file
// keyFile: sunshine.audit.key in the same folder.
func AuditKeyPath(keyFile string) string {
	return filepath.Join(filepath.Dir(keyFile), "sunshine.audit.key")
}

// nextKeyPath is where a rotation puts the new key until it is in place.
func nextKeyPath(keyFile string) string { return keyFile + ".next" }

// AuditRoot returns the key the audit log's keys derive from: the audit root
// key file's when it exists, else the data key.
func AuditRoot(keyFile string, dataKey []byte) ([]byte, error) {
	k, err := vault.LoadKey(AuditKeyPath(keyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return dataKey, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit root key: %w", err)
	}
	return k, nil
}

// Rotation is what Rotate did.
type Rotation struct {
	// Values counts the values sealed again, per table.
	Values map[string]int64
	// Retired is the file that keeps the old key.
	Retired string
	// AuditKey is the audit root key file; AuditKeyCreated tells whether
	// this rotation created it (the first rotation does).
	AuditKey        string
	AuditKeyCreated bool
}

// Rotate replaces the data key by the key in newKeyFile (created, mode
// 0600, when it does not exist): see the comment at the top of this file.
// Run it with the server stopped: a server still running would go on
// sealing with the old key.
func (a *Keys) Rotate(ctx context.Context, newKeyFile string) (Rotation, error) {
	var r Rotation
	if abs(newKeyFile) == abs(a.File) {
		return r, errors.New("the new key file is the current key file: give another path")
	}
	newKey, _, err := vault.LoadOrCreateKey(newKeyFile)
	if err != nil {
		return r, err
	}
	if bytes.Equal(newKey, a.Key) {
		return r, errors.New("the new key is the current data key")
	}
	nv, err := vault.New(newKey)
	if err != nil {
		return r, err
	}
	// The audit root key first: from now on the audit keys no longer come
	// from the data key (which this rotation changes).
	r.AuditKey = AuditKeyPath(a.File)
	if _, err := os.Stat(r.AuditKey); errors.Is(err, fs.ErrNotExist) {
		if err := vault.WriteKey(r.AuditKey, a.AuditRoot); err != nil {
			return r, fmt.Errorf("keep the audit root key: %w", err)
		}
		r.AuditKeyCreated = true
	} else if err != nil {
		return r, err
	}
	next := nextKeyPath(a.File)
	if err := vault.WriteKey(next, newKey); err != nil {
		return r, err
	}
	r.Values, err = a.reseal(ctx, nv)
	if err != nil {
		_ = os.Remove(next) // not needed any more; the rotation's error says why
		return r, err
	}
	if r.Retired, err = installNext(a.File, a.Key); err != nil {
		return r, fmt.Errorf("the database was re-encrypted with the new key, but: %w (the next start finishes the rotation)", err)
	}
	*a.Vault, a.Key = *nv, newKey
	return r, nil
}

func abs(p string) string {
	if q, err := filepath.Abs(p); err == nil {
		return q
	}
	return p
}

// reseal seals every declared value again with nv, in one transaction with
// the audit entry, and counts them per table.
func (a *Keys) reseal(ctx context.Context, nv *vault.Vault) (map[string]int64, error) {
	var tables []string
	byTable := map[string][]module.Sealed{}
	for _, s := range a.Sealed {
		if _, ok := byTable[s.Table]; !ok {
			tables = append(tables, s.Table)
		}
		byTable[s.Table] = append(byTable[s.Table], s)
	}
	counts := map[string]int64{}
	err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, t := range tables {
			n, err := resealTable(ctx, tx, byTable[t], a.Vault, nv)
			if err != nil {
				return err
			}
			counts[t] = n
		}
		e := audit.Actor{Username: "sunshine key rotate", Role: "system"}.Entry(ActionKeyRotate, "data_key", "", "")
		detail, _ := json.Marshal(map[string]any{"values": counts})
		e.Detail = string(detail)
		return audit.Append(ctx, tx, e)
	})
	return counts, err
}

// resealPage is how many rows reseal reads at a time.
const resealPage = 500

// resealTable seals the declared columns (all of one table) of every row
// again, a page of rows at a time in key order.
func resealTable(ctx context.Context, tx *db.Tx, cols []module.Sealed, old, nv *vault.Vault) (int64, error) {
	table, key := cols[0].Table, cols[0].Key
	if len(key) == 0 {
		return 0, fmt.Errorf("sealed column %s.%s: no key declared", table, cols[0].Column)
	}
	var sel, nonNull []string
	for _, c := range cols {
		if !slicesEqual(c.Key, key) {
			return 0, fmt.Errorf("table %s: sealed columns declare different keys", table)
		}
		sel = append(sel, c.Column)
		nonNull = append(nonNull, c.Column+" IS NOT NULL")
	}
	keyList := strings.Join(key, ", ")
	after, where := "("+keyList+")", make([]string, len(key))
	for i, k := range key {
		where[i] = k + " = ?"
	}
	if len(key) == 1 {
		after = key[0]
	}
	var last []any
	var n int64
	for {
		q := `SELECT ` + keyList + `, ` + strings.Join(sel, ", ") + ` FROM ` + table + ` WHERE (` + strings.Join(nonNull, " OR ") + `)`
		if last != nil {
			q += ` AND ` + after + ` > (` + strings.TrimSuffix(strings.Repeat("?, ", len(key)), ", ") + `)`
		}
		q += ` ORDER BY ` + keyList + ` LIMIT ` + fmt.Sprint(resealPage)
		type row struct {
			key  []any
			vals [][]byte
		}
		var page []row
		rows, err := tx.Query(ctx, q, last...)
		if err != nil {
			return n, fmt.Errorf("read %s: %w", table, err)
		}
		for rows.Next() {
			r := row{key: make([]any, len(key)), vals: make([][]byte, len(cols))}
			dest := make([]any, 0, len(key)+len(cols))
			for i := range r.key {
				dest = append(dest, &r.key[i])
			}
			for i := range r.vals {
				dest = append(dest, &r.vals[i])
			}
			if err := rows.Scan(dest...); err != nil {
				_ = rows.Close() // the scan's error says why
				return n, fmt.Errorf("read %s: %w", table, err)
			}
			page = append(page, r)
		}
		if err := rows.Close(); err != nil {
			return n, fmt.Errorf("read %s: %w", table, err)
		}
		if err := rows.Err(); err != nil {
			return n, fmt.Errorf("read %s: %w", table, err)
		}
		for _, r := range page {
			var set []string
			var args []any
			for i, c := range cols {
				if len(r.vals[i]) == 0 {
					continue
				}
				field := c.Field
				if c.FieldKeyed {
					field += ":" + fmt.Sprint(r.key[0])
				}
				plain, err := old.Open(field, r.vals[i])
				if err != nil {
					return n, fmt.Errorf("%s.%s of %v: %w", table, c.Column, r.key, err)
				}
				set, args = append(set, c.Column+" = ?"), append(args, nv.Seal(field, plain))
				if c.Index != "" {
					set, args = append(set, c.Index+" = ?"), append(args, nv.Index(c.Field, plain))
				}
				for _, d := range c.Derived {
					var idx []byte
					if v := d.Of(plain); v != "" {
						idx = nv.Index(d.Field, v)
					}
					set, args = append(set, d.Column+" = ?"), append(args, idx)
				}
				n++
			}
			if len(set) == 0 {
				continue
			}
			args = append(args, r.key...)
			if _, err := tx.Exec(ctx, `UPDATE `+table+` SET `+strings.Join(set, ", ")+` WHERE `+strings.Join(where, " AND "), args...); err != nil {
				return n, fmt.Errorf("write %s: %w", table, err)
			}
		}
		if len(page) < resealPage {
			return n, nil
		}
		last = page[len(page)-1].key
	}
}

func slicesEqual(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}

// installNext keeps the current key (oldKey) as KEYFILE.retired-TIMESTAMP
// and renames KEYFILE.next over the key file. It returns the retired file.
func installNext(keyFile string, oldKey []byte) (string, error) {
	retired := keyFile + ".retired-" + time.Now().UTC().Format("20060102T150405Z")
	if err := vault.WriteKey(retired, oldKey); err != nil {
		return "", fmt.Errorf("keep the old key: %w", err)
	}
	if err := os.Rename(nextKeyPath(keyFile), keyFile); err != nil {
		return "", fmt.Errorf("put the new key in place: %w", err)
	}
	return retired, vault.SyncDir(filepath.Dir(keyFile))
}

// Finish finishes a rotation that committed but did not put its new key in
// place (KEYFILE.next is there): when the database opens with the next key
// and not with the current one. It reports whether it did.
func (a *Keys) Finish(ctx context.Context) (bool, error) {
	next := nextKeyPath(a.File)
	nextKey, err := vault.LoadKey(next)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	nv, err := vault.New(nextKey)
	if err != nil {
		return false, err
	}
	field, sealed, err := a.sampleSealed(ctx)
	if err != nil {
		return false, err
	}
	oldOK, newOK := true, true
	if sealed != nil {
		_, e1 := a.Vault.Open(field, sealed)
		_, e2 := nv.Open(field, sealed)
		oldOK, newOK = e1 == nil, e2 == nil
	}
	switch {
	case oldOK && sealed != nil:
		// The rotation did not commit: its new key is of no use.
		a.Log.Warn("removed the new key of a key rotation that did not complete", "file", next)
		return false, os.Remove(next)
	case newOK:
		// Committed (or nothing is sealed): put the new key in place.
		retired, err := installNext(a.File, a.Key)
		if err != nil {
			return false, err
		}
		*a.Vault, a.Key = *nv, nextKey
		a.Log.Warn("finished an interrupted key rotation: the new data key is in place; destroy the retired key once no backup needs it", "file", a.File, "retired", retired)
		return true, nil
	}
	return false, fmt.Errorf("neither the data key %s nor %s opens the encrypted data", a.File, next)
}

// sampleSealed returns one sealed value of the database and its field (nil
// when nothing is sealed).
func (a *Keys) sampleSealed(ctx context.Context) (string, []byte, error) {
	for _, s := range a.Sealed {
		if s.FieldKeyed {
			continue // its field needs the row's key; another column tells
		}
		var v []byte
		err := a.DB.QueryRow(ctx, `SELECT `+s.Column+` FROM `+s.Table+` WHERE `+s.Column+` IS NOT NULL ORDER BY `+strings.Join(s.Key, ", ")+` LIMIT 1`).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && len(v) == 0) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("check the data key: %w", err)
		}
		return s.Field, v, nil
	}
	return "", nil, nil
}
