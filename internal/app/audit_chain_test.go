package app_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/platform/vault"
)

// TestAuditCheckpointRoutes: the auditor takes a signed checkpoint (API and
// page), exports it, checks it against the log, and verifies the whole chain;
// the other roles get 403, the administrators included. A kept checkpoint
// shows a rewrite by someone who holds the data key, which the chain alone
// does not. Each of these actions is itself in the log.
func TestAuditCheckpointRoutes(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		for _, role := range identity.Roles() {
			if role == identity.Auditor {
				continue
			}
			u := apptest.UserOf(role)
			for _, r := range []struct{ method, path string }{{"GET", "/api/v1/audit/checkpoint"}, {"POST", "/api/v1/audit/checkpoint"},
				{"GET", "/api/v1/audit/verify?full=1"}, {"POST", "/api/v1/audit/verify"}} {
				if st := e.Do(u, r.method, r.path, map[string]any{}, nil); st != http.StatusForbidden {
					t.Errorf("%s %s as %s: %d, want 403", r.method, r.path, role, st)
				}
			}
			if st, _ := e.Form(u, "/audit/checkpoint", url.Values{}); st != http.StatusForbidden {
				t.Errorf("POST /audit/checkpoint as %s: %d, want 403", role, st)
			}
		}

		if st := e.Do("auditor", "GET", "/api/v1/audit/checkpoint", nil, nil); st != http.StatusNotFound {
			t.Fatalf("export before any checkpoint: %d, want 404", st)
		}
		var c audit.Checkpoint
		st, raw := e.DoRaw("auditor", "POST", "/api/v1/audit/checkpoint", nil, &c, nil)
		if st != http.StatusCreated || c.Kind != audit.KindRequested || c.Seq == 0 || c.PublicKey != e.App.Audit.PublicKey() {
			t.Fatalf("take a checkpoint: %d %s", st, raw)
		}
		var exported audit.Checkpoint
		if st := e.Do("auditor", "GET", "/api/v1/audit/checkpoint", nil, &exported); st != 200 || exported != c {
			t.Fatalf("export: %d %+v, want %+v", st, exported, c)
		}
		kept, _ := json.Marshal(c)
		var check audit.CheckpointCheck
		if st := e.Do("auditor", "POST", "/api/v1/audit/verify", json.RawMessage(kept), &check); st != 200 || !check.OK || !check.Matches {
			t.Fatalf("check the kept checkpoint: %d %+v", st, check)
		}
		var v audit.Verification
		if st := e.Do("auditor", "GET", "/api/v1/audit/verify?full=1", nil, &v); st != 200 || !v.OK || !v.Full || v.Checked != v.Entries || v.Entries <= c.Seq {
			t.Fatalf("full verification: %d %+v", st, v)
		}
		if st := e.Do("auditor", "GET", "/api/v1/audit/verify", nil, &v); st != 200 || !v.OK || v.Full || v.From == 0 {
			t.Fatalf("incremental verification: %d %+v; want it to go on from the full one", st, v)
		}

		// The page: the chain's state, the public key, the checkpoint forms.
		e.page(t, "auditor", "/audit", 200, "哈希链完整", strings.ReplaceAll(e.App.Audit.PublicKey(), "+", "&#43;"), `href="/audit?full=1"`, `action="/audit/checkpoint"`,
			`action="/audit/verify"`, "最新的检查点")
		e.page(t, "auditor", "/audit?full=1", 200, "本次核验了全部条目")
		req, _ := http.NewRequest("POST", e.Srv.URL+"/audit/checkpoint", strings.NewReader(""))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+e.Tokens["auditor"])
		resp, err := (&http.Client{CheckRedirect: apptest.NoRedirect}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var file audit.Checkpoint
		decodeJSON(resp.Body, &file)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || file.Seq <= c.Seq || file.Signature == "" {
			t.Fatalf("the page's checkpoint download: %d %q %+v", resp.StatusCode, resp.Header.Get("Content-Disposition"), file)
		}
		st, body := e.Upload("auditor", "/audit/verify", "checkpoint.json", kept, nil)
		e.checkAnswer(t, "POST /audit/verify", "/audit/verify", st, string(body), 200, []string{"检查点相符"})
		st, body = e.Upload("auditor", "/audit/verify", "notes.txt", []byte("not a checkpoint"), nil)
		e.checkAnswer(t, "POST /audit/verify (not a checkpoint)", "/audit/verify", st, string(body), 422, []string{"不是本系统导出的检查点文件", `aria-invalid="true"`})

		// What the auditor did is in the log.
		var entries struct{ Items []audit.Entry }
		e.Do("auditor", "GET", "/api/v1/audit?user=auditor&limit=100", nil, &entries)
		did := map[string]int{}
		for _, x := range entries.Items {
			did[x.Action+" "+x.SubjectType]++
		}
		if did["create audit_checkpoint"] != 2 || did["export audit_checkpoint"] != 1 || did["verify audit_checkpoint"] != 2 || did["verify audit_log"] != 2 {
			t.Errorf("the auditor's entries: %v", did)
		}

		// Someone with the data key deletes entry 3 and chains the rest again.
		rechainWithKey(t, e, 3)
		if v, err := e.App.Audit.VerifyAll(context.Background()); err != nil || !v.OK {
			t.Fatalf("the rewrite with the key verifies: %+v %v", v, err)
		}
		if st := e.Do("auditor", "POST", "/api/v1/audit/verify?full=1", json.RawMessage(kept), &check); st != 200 || check.OK || check.Matches || check.Problem != "rewritten" {
			t.Fatalf("the kept checkpoint after the rewrite: %d %+v", st, check)
		}
		st, body = e.Upload("auditor", "/audit/verify", "checkpoint.json", kept, nil)
		e.checkAnswer(t, "POST /audit/verify after the rewrite", "/audit/verify", st, string(body), 200,
			[]string{"核对未通过", "检查点之前的日志被重写", `role="alert"`})
	})
}

// rechainWithKey is a rewrite by someone who holds the data key: with the
// guards dropped, entry drop is deleted, the later ones numbered down, every
// chain value from it on computed again with the key and the head moved; the
// stored checkpoints, which would show it, are deleted too.
func rechainWithKey(t *testing.T, e *env, drop int64) {
	t.Helper()
	ctx := context.Background()
	d := e.App.DB
	key, _, err := vault.LoadOrCreateKey(e.App.KeyPath)
	if err != nil {
		t.Fatal(err)
	}
	chainKey := vault.Derive(key, "sunshine audit chain v1")
	stmts := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`, `DROP TRIGGER audit_checkpoints_no_delete`}
	if d.Dialect == db.Postgres {
		stmts = []string{`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`, `ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_change`}
	}
	stmts = append(stmts, `DELETE FROM audit_checkpoints`, fmt.Sprintf(`DELETE FROM audit_log WHERE seq = %d`, drop),
		fmt.Sprintf(`UPDATE audit_log SET seq = -seq WHERE seq > %d`, drop), `UPDATE audit_log SET seq = -seq - 1 WHERE seq < 0`)
	for _, s := range stmts {
		if _, err := d.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	var n int64
	if err := d.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	prev := ""
	for seq := int64(1); seq <= n; seq++ {
		var x audit.Entry
		var at int64
		if err := d.QueryRow(ctx, `SELECT at, username, role, action, subject_type, subject_id, orgunit, client, reason, detail, hash FROM audit_log WHERE seq = ?`, seq).
			Scan(&at, &x.Username, &x.Role, &x.Action, &x.SubjectType, &x.SubjectID, &x.OrgUnit, &x.Client, &x.Reason, &x.Detail, &x.Hash); err != nil {
			t.Fatal(err)
		}
		if seq >= drop {
			m := hmac.New(sha256.New, chainKey)
			for _, f := range []string{prev, strconv.FormatInt(seq, 10), strconv.FormatInt(at, 10),
				x.Username, x.Role, x.Action, x.SubjectType, x.SubjectID, x.OrgUnit, x.Client, x.Reason, x.Detail} {
				fmt.Fprintf(m, "%d:%s", len(f), f)
			}
			x.Hash = hex.EncodeToString(m.Sum(nil))
			if _, err := d.Exec(ctx, `UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?`, prev, x.Hash, seq); err != nil {
				t.Fatal(err)
			}
		}
		prev = x.Hash
	}
	if _, err := d.Exec(ctx, `UPDATE audit_head SET seq = ?, hash = ?`, n, prev); err != nil {
		t.Fatal(err)
	}
}
