package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sunshine/internal/access"
	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/attachments"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/keys"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/platform/vault"
	"sunshine/internal/registry"
)

// rotApp opens the app on d with the data key in keyFile.
func rotApp(t *testing.T, d *db.DB, keyFile string) *app.App {
	t.Helper()
	a, err := app.New(context.Background(), d, app.Config{KeyFile: keyFile, PasswordHash: apptest.HashCost(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// rotFixture is an app with demo data and an import with rejected rows.
func rotFixture(t *testing.T, d *db.DB, persons int) (*app.App, string) {
	t.Helper()
	ctx := context.Background()
	keyFile := filepath.Join(t.TempDir(), "sunshine.key")
	a := rotApp(t, d, keyFile)
	if err := a.LoadDemo(ctx, persons, 1, io.Discard); err != nil {
		stop(a)
		t.Fatal(err)
	}
	if _, err := a.DB.Exec(ctx, `INSERT INTO imports (id, kind, username, state, rejects_enc, created_at) VALUES ('rot1', 'persons', 'rotator', 'done', ?, 0)`,
		a.Vault.Seal("import_rejects", "the rejected rows")); err != nil {
		stop(a)
		t.Fatal(err)
	}
	// A strict import that stopped half-way: its batch's undo record is
	// sealed, and the next start undoes it, which opens the record with the
	// key of that time (so a rotation that missed it fails the start).
	for _, q := range []string{`INSERT INTO import_runs (import_id, kind, mode, username, heartbeat) VALUES ('rot1', 'persons', 'strict', 'rotator', 0)`,
		`INSERT INTO import_batches (import_id, seq, created, updated, undo) VALUES ('rot1', 1, '', ',1,', ?)`} {
		var args []any
		if strings.Contains(q, "undo") {
			args = append(args, a.Vault.Seal("import_undo", `{"persons":[]}`))
		}
		if _, err := a.DB.Exec(ctx, q, args...); err != nil {
			stop(a)
			t.Fatal(err)
		}
	}
	// A provider organisation: its contact's phone is sealed.
	apptest.ProviderOrg(t, a, 1)
	// A second factor begun by an account: its secret is sealed for its row.
	var uid int64
	if err := a.DB.QueryRow(ctx, `SELECT id FROM users ORDER BY id LIMIT 1`).Scan(&uid); err != nil {
		stop(a)
		t.Fatal(err)
	}
	if _, err := a.Users.BeginTOTP(ctx, uid); err != nil {
		stop(a)
		t.Fatal(err)
	}
	// An attachment: its file's parts and its thumbnail are sealed for their rows.
	var pid int64
	if err := a.DB.QueryRow(ctx, `SELECT id FROM persons ORDER BY id LIMIT 1`).Scan(&pid); err != nil {
		stop(a)
		t.Fatal(err)
	}
	if _, err := a.Attachments.Upload(ctx, registry.Caller{Actor: audit.Actor{Username: "rotator", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()},
		attachments.Target{PersonID: pid}, "certificate", smallJPEG(t, 1)); err != nil {
		stop(a)
		t.Fatal(err)
	}
	return a, keyFile
}

// sealedValue is one stored value of a declared sealed column.
type sealedValue struct {
	field       string
	sealed, idx []byte
	indexed     bool
}

// sealedValues reads every non-empty value of the declared sealed columns,
// by "table key column".
func sealedValues(t *testing.T, a *app.App) map[string]sealedValue {
	t.Helper()
	out := map[string]sealedValue{}
	for _, s := range a.Keys.Sealed {
		idx := "NULL"
		if s.Index != "" {
			idx = s.Index
		}
		rows, err := a.DB.Query(context.Background(), `SELECT `+strings.Join(s.Key, " || '/' || ")+`, `+s.Column+`, `+idx+` FROM `+s.Table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var key string
			var v sealedValue
			if err := rows.Scan(&key, &v.sealed, &v.idx); err != nil {
				t.Fatal(err)
			}
			if len(v.sealed) == 0 {
				continue
			}
			v.field, v.indexed = s.Field, s.Index != ""
			if s.FieldKeyed {
				v.field += ":" + key
			}
			out[s.Table+" "+key+" "+s.Column] = v
		}
		rows.Close()
	}
	return out
}

// plains opens every value with v.
func plains(t *testing.T, vals map[string]sealedValue, v *vault.Vault) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, s := range vals {
		p, err := v.Open(s.field, s.sealed)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if s.indexed && !bytes.Equal(s.idx, v.Index(s.field, p)) {
			t.Fatalf("%s: the blind index is not the key's", k)
		}
		out[k] = p
	}
	return out
}

// withoutUndone leaves out the fixture's undo record, which the next start
// consumes (recoverImports undoes the stopped import, opening it).
func withoutUndone(m map[string]string) map[string]string {
	for k := range m {
		if strings.HasPrefix(k, "import_batches ") {
			delete(m, k)
		}
	}
	return m
}

// stop stops the app but leaves the database open (the test reopens the
// app on it; testkit closes it).
func stop(a *app.App) {
	a.Jobs.Wait()
	a.Audit.Close()
}

func keyOf(t *testing.T, path string) []byte {
	t.Helper()
	k, err := vault.LoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func verifyChain(t *testing.T, a *app.App) {
	t.Helper()
	v, err := a.Audit.VerifyAll(context.Background())
	if err != nil || !v.OK || !v.Full || v.Checked != v.Entries || v.Entries == 0 {
		t.Fatalf("audit chain: %+v %v", v, err)
	}
}

func TestKeyRotate(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, keyFile := rotFixture(t, d, 40)
		before := sealedValues(t, a)
		want := withoutUndone(plains(t, before, a.Vault))
		tables := map[string]int64{}
		for k := range before {
			tables[strings.Fields(k)[0]]++
		}
		if tables["persons"] < 40 || tables["employers"] == 0 || tables["imports"] != 1 || tables["import_batches"] != 1 || tables["user_totp"] != 1 || tables["shop_orders"] == 0 {
			t.Fatalf("fixture: sealed values per table %v", tables)
		}
		tables["notify_prefs"] += 0 // the rotation counts every declared table, this one empty in the fixture
		tables["peer_keys"] += 0
		tables["peers"] += 0
		oldKey := keyOf(t, keyFile)
		old, _ := vault.New(oldKey)
		newFile := filepath.Join(t.TempDir(), "new.key")
		r, err := a.Keys.Rotate(ctx, newFile)
		if err != nil {
			stop(a)
			t.Fatal(err)
		}
		stop(a)
		if fmt.Sprint(r.Values) != fmt.Sprint(tables) || !r.AuditKeyCreated {
			t.Errorf("rotation: %+v, want values %v", r, tables)
		}
		// The key files: the new key in place, the old one retired, the
		// audit root key is the old data key; all 0600.
		if !bytes.Equal(keyOf(t, keyFile), keyOf(t, newFile)) || !bytes.Equal(keyOf(t, r.Retired), oldKey) ||
			!bytes.Equal(keyOf(t, keys.AuditKeyPath(keyFile)), oldKey) {
			t.Fatal("key files after the rotation")
		}
		for _, f := range []string{keyFile, r.Retired, keys.AuditKeyPath(keyFile)} {
			if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("%s: %v %v", f, st, err)
			}
		}
		if _, err := os.Stat(keyFile + ".next"); !os.IsNotExist(err) {
			t.Errorf("%s.next left: %v", keyFile, err)
		}

		b := rotApp(t, d, keyFile)
		defer stop(b)
		after := sealedValues(t, b)
		if got := plains(t, after, b.Vault); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatal("the values read after the rotation differ")
		}
		for k, s := range after {
			if _, err := old.Open(s.field, s.sealed); err == nil {
				t.Fatalf("%s: the old key still opens it", k)
			}
		}
		// Through the stores: search by full ID number (blind index), reveal,
		// the rejects of the import.
		staff := registry.Caller{Actor: audit.Actor{Username: "rotator", Role: "district_staff"}, Scope: orgunit.AllUnits()}
		n := 0
		for k, idNumber := range want {
			if f := strings.Fields(k); f[0] != "persons" || f[2] != "id_enc" || n >= 5 {
				continue
			}
			n++
			id := strings.Fields(k)[1]
			found, _, _, err := b.Registry.List(ctx, staff, registry.Filter{Q: idNumber})
			if err != nil || len(found) != 1 || fmt.Sprint(found[0].ID) != id {
				t.Fatalf("search by ID number of person %s: %v %v", id, found, err)
			}
			rv, err := b.Registry.Reveal(ctx, staff, found[0].ID, "key rotation test")
			if err != nil || rv.IDNumber != idNumber || rv.Phone != want["persons "+id+" phone_enc"] {
				t.Fatalf("reveal of person %s: %+v %v", id, rv, err)
			}
			// The search indexes of parts (registry/search.go) are re-keyed too:
			// the ID's last 4 and the phone still find the person.
			for _, q := range []string{idNumber[14:], rv.Phone} {
				if q == "" {
					continue
				}
				found, _, _, err := b.Registry.List(ctx, staff, registry.Filter{Q: q, Limit: 500})
				if err != nil || !slices.ContainsFunc(found, func(p registry.Person) bool { return fmt.Sprint(p.ID) == id }) {
					t.Fatalf("search by %q after the rotation does not find person %s: %v", q, id, err)
				}
			}
		}
		rej, err := b.Jobs.Rejects(ctx, access.Caller{Actor: audit.Actor{Username: "rotator"}}, "rot1")
		if err != nil || string(rej) != "the rejected rows" {
			t.Fatalf("rejects after the rotation: %q %v", rej, err)
		}
		var detail string
		if err := b.DB.QueryRow(ctx, `SELECT detail FROM audit_log WHERE action = ?`, keys.ActionKeyRotate).Scan(&detail); err != nil ||
			!strings.Contains(detail, fmt.Sprintf(`"persons":%d`, tables["persons"])) {
			t.Errorf("audit entry of the rotation: %q %v", detail, err)
		}
		verifyChain(t, b)

		// A second rotation keeps the audit root key (the first data key):
		// the chain still verifies.
		r2, err := b.Keys.Rotate(ctx, filepath.Join(t.TempDir(), "newer.key"))
		if err != nil || r2.AuditKeyCreated || !bytes.Equal(keyOf(t, keys.AuditKeyPath(keyFile)), oldKey) {
			t.Fatalf("second rotation: %+v %v", r2, err)
		}
		if got := plains(t, sealedValues(t, b), b.Vault); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatal("the values read after a second rotation differ")
		}
		stop(b)
		c := rotApp(t, d, keyFile)
		defer stop(c)
		verifyChain(t, c)
		if _, err := c.Keys.Rotate(ctx, keyFile); err == nil {
			t.Error("rotated to the current key file")
		}
	})
}

// TestKeyRotateFailureChangesNothing: a value that does not open stops the
// rotation, which leaves the database and the key file as they were.
func TestKeyRotateFailureChangesNothing(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, keyFile := rotFixture(t, d, 15)
		defer stop(a)
		// The last person's phone is damaged: the rotation has re-encrypted
		// the others when it gets there.
		if _, err := a.DB.Exec(ctx, `UPDATE persons SET phone_enc = ? WHERE id = (SELECT max(id) FROM persons)`, bytes.Repeat([]byte{7}, 40)); err != nil {
			t.Fatal(err)
		}
		before := sealedValues(t, a)
		var entries int64
		a.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&entries)
		oldKey := keyOf(t, keyFile)
		if _, err := a.Keys.Rotate(ctx, filepath.Join(t.TempDir(), "new.key")); err == nil || !strings.Contains(err.Error(), "phone_enc") {
			t.Fatalf("rotation over a damaged value: %v", err)
		}
		if fmt.Sprint(sealedValues(t, a)) != fmt.Sprint(before) {
			t.Error("a failed rotation changed the database")
		}
		var now int64
		a.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&now)
		if now != entries {
			t.Errorf("audit entries %d → %d", entries, now)
		}
		if !bytes.Equal(keyOf(t, keyFile), oldKey) {
			t.Error("a failed rotation changed the key file")
		}
		files, _ := filepath.Glob(keyFile + ".*")
		if len(files) != 0 {
			t.Errorf("files left: %v", files)
		}
		if _, err := a.Registry.Get(ctx, registry.Caller{Scope: orgunit.AllUnits()}, 1); err != nil {
			t.Errorf("read after the failed rotation: %v", err)
		}
		verifyChain(t, a)
	})
}

// TestKeyRotateRecovers: a rotation that committed but died before its new
// key was put in place is finished by the next start; the new key of one
// that did not commit is dropped.
func TestKeyRotateRecovers(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, keyFile := rotFixture(t, d, 10)
		want := withoutUndone(plains(t, sealedValues(t, a), a.Vault))
		oldKey := keyOf(t, keyFile)

		// A rotation that did not commit left its key: dropped, nothing changes.
		stale := vault.NewKey()
		if err := vault.WriteKey(keyFile+".next", stale); err != nil {
			t.Fatal(err)
		}
		stop(a)
		a = rotApp(t, d, keyFile)
		if _, err := os.Stat(keyFile + ".next"); !os.IsNotExist(err) || !bytes.Equal(keyOf(t, keyFile), oldKey) {
			t.Fatalf("stale next key: %v", err)
		}

		// The state a crash between the commit and the rename leaves: the
		// database sealed with the new key, which is in KEYFILE.next.
		newFile := filepath.Join(t.TempDir(), "new.key")
		r, err := a.Keys.Rotate(ctx, newFile)
		stop(a)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(keyFile, keyFile+".next"); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(r.Retired, keyFile); err != nil {
			t.Fatal(err)
		}
		b := rotApp(t, d, keyFile)
		defer stop(b)
		if !bytes.Equal(keyOf(t, keyFile), keyOf(t, newFile)) {
			t.Fatal("the start did not put the new key in place")
		}
		if _, err := os.Stat(keyFile + ".next"); !os.IsNotExist(err) {
			t.Fatalf("next key left: %v", err)
		}
		retired, _ := filepath.Glob(keyFile + ".retired-*")
		if len(retired) != 1 || !bytes.Equal(keyOf(t, retired[0]), oldKey) {
			t.Fatalf("retired keys: %v", retired)
		}
		if got := plains(t, sealedValues(t, b), b.Vault); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatal("the values read after the recovery differ")
		}
		verifyChain(t, b)
	})
}

// TestSealedColumnsDeclared fails when a column of the schema that holds
// sealed values or blind indexes (a BLOB named *_enc or *_bidx, or any other
// BLOB not listed here as not keyed) is not declared by a module
// (module.Module.Sealed), so that a key rotation would miss it.
func TestSealedColumnsDeclared(t *testing.T) {
	d := testkit.SQLite(t)
	a := rotApp(t, d, filepath.Join(t.TempDir(), "k"))
	defer stop(a)
	ctx := context.Background()
	notKeyed := map[string]bool{
		"sessions.token_hash":           true, // SHA-256 of the token, no key
		"login_challenges.token_hash":   true, // SHA-256 of a short-lived token, no key
		"user_recovery_codes.code_hash": true, // keyed from the audit root key, which a rotation keeps
		"shop_photos.data":              true, // the shop's photos: published on the public pages, not sealed
	}
	declared := map[string]bool{}
	for _, s := range a.Keys.Sealed {
		declared[s.Table+"."+s.Column] = true
		if s.Index != "" {
			declared[s.Table+"."+s.Index] = true
		}
		for _, d := range s.Derived {
			declared[s.Table+"."+d.Column] = true
		}
		for _, k := range s.Key {
			declared[s.Table+"."+k+" (key)"] = true
		}
	}
	rows, err := d.Query(ctx, `SELECT m.name, c.name, upper(c.type) FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var table, col, typ string
		if err := rows.Scan(&table, &col, &typ); err != nil {
			t.Fatal(err)
		}
		name := table + "." + col
		seen[name], seen[name+" (key)"] = true, true
		sealed := strings.HasSuffix(col, "_enc") || strings.HasSuffix(col, "_bidx") || typ == "BLOB"
		if sealed && !declared[name] && !notKeyed[name] {
			t.Errorf("column %s looks sealed but no module declares it (module.Module.Sealed)", name)
		}
	}
	for name := range declared {
		if !seen[name] {
			t.Errorf("declared sealed column %s is not in the schema", name)
		}
	}
	if len(declared) == 0 || !slices.ContainsFunc(a.Keys.Sealed, func(s module.Sealed) bool { return s.Index == "id_bidx" }) {
		t.Error("no declarations")
	}
}
