package transfers_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
	"sunshine/internal/transfers"
)

// mover registers on e, in the fixture's village, a person with a
// certificate whose ID number no fixture has (n: 1–9).
func mover(t *testing.T, e *apptest.Env, n int) (int64, string) {
	t.Helper()
	id := apptest.IDNumber(fmt.Sprintf("31011419750601%d12", n))
	p, err := e.App.Registry.Create(context.Background(), registry.Caller{Scope: orgunit.ScopeOf("3")}, registry.PersonInput{
		Name: fmt.Sprintf("迁居%d", n), IDNumber: id, CertificateNumber: id + "23", Category: 2, Grade: 3,
		OrgUnit: apptest.Village, Phone: "13812345678", CertificateIssued: "2024-03-01"})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID, id
}

func issue(t *testing.T, e *apptest.Env, user string, person int64, to string) (int, transfers.Transfer) {
	t.Helper()
	var tr transfers.Transfer
	st := e.Do(user, "POST", apptest.PersonAPI(person, "/transfers"), transfers.IssueInput{To: to, Reason: "随子女迁居"}, &tr)
	return st, tr
}

func packageOf(t *testing.T, e *apptest.Env, ref string) []byte {
	t.Helper()
	st, b := e.DoRaw("district", "GET", "/api/v1/transfers/"+ref+"/package", nil, nil, nil)
	if st != http.StatusOK {
		t.Fatalf("package: %d %s", st, b)
	}
	return b
}

// alter changes a package file's header or data.
func alter(t *testing.T, file []byte, fn func(p *transfers.Package)) []byte {
	t.Helper()
	var p transfers.Package
	if err := json.Unmarshal(file, &p); err != nil {
		t.Fatal(err)
	}
	fn(&p)
	b, _ := json.Marshal(p)
	return b
}

func status(t *testing.T, e *apptest.Env, id int64) string {
	t.Helper()
	var s string
	if err := e.App.DB.QueryRow(context.Background(), `SELECT status FROM persons WHERE id = ?`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func count(e *apptest.Env, q string, args ...any) int64 { return e.Int64(q, args...) }

// TestMoveEndToEnd moves a person from Jiading's installation to Kunshan's:
// issued on A, refused when altered, accepted on B into a village, completed
// on A once B says so; the audit names the ref on both sides.
func TestMoveEndToEnd(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		p := newPair(t, d)
		a, b := p.A, p.B
		person, idNumber := mover(t, a, 1)

		// Bad issues: not a partner, a bad reason, out of scope.
		if st, _ := issue(t, a, "district", person, "320585"); st != http.StatusUnprocessableEntity {
			t.Errorf("issue to a district that is no partner: %d, want 422", st)
		}
		if st := a.Do("district", "POST", apptest.PersonAPI(person, "/transfers"), transfers.IssueInput{To: kunshan, Reason: " "}, nil); st != http.StatusUnprocessableEntity {
			t.Errorf("issue without a reason: %d, want 422", st)
		}
		if st, _ := issue(t, a, "district", a.Out, kunshan); st != http.StatusNotFound {
			t.Errorf("issue for a person out of scope: %d, want 404", st)
		}
		st, tr := issue(t, a, "town", person, kunshan)
		if st != http.StatusCreated || tr.State != transfers.Issued || tr.Partner != kunshan || tr.Direction != transfers.Out || !transfers.ValidRef(tr.Ref) {
			t.Fatalf("issue: %d %+v", st, tr)
		}
		if st, _ := issue(t, a, "district", person, kunshan); st != http.StatusConflict {
			t.Errorf("a second open transfer: %d, want 409", st)
		}
		if s := status(t, a, person); s != "active" {
			t.Errorf("the person changed at issue: %s", s)
		}
		file := packageOf(t, a, tr.Ref)
		if strings.Contains(string(file), idNumber) || strings.Contains(string(file), "迁居1") {
			t.Errorf("the package shows personal data in the clear: %s", file)
		}

		// Completing before B accepted: B does not know the ref yet.
		if st := a.Do("district", "POST", "/api/v1/transfers/"+tr.Ref+"/complete", transfers.ReasonInput{}, nil); st != http.StatusConflict {
			t.Errorf("complete before acceptance: %d, want 409", st)
		}

		// Altered packages, the wrong district, an unknown key: 422 and nothing kept.
		flip := func(p *transfers.Package) {
			raw, _ := base64.StdEncoding.DecodeString(p.Data)
			raw[len(raw)/2] ^= 1
			p.Data = base64.StdEncoding.EncodeToString(raw)
		}
		for name, bad := range map[string][]byte{
			"one byte of data":  alter(t, file, flip),
			"the header's to":   alter(t, file, func(p *transfers.Package) { p.To = "320585" }),
			"the header's from": alter(t, file, func(p *transfers.Package) { p.From = "320585" }),
			"the header's time": alter(t, file, func(p *transfers.Package) { p.CreatedAt = "2026-11-15T00:00:00Z" }),
			"an unknown key":    alter(t, file, func(p *transfers.Package) { p.Key = "k-other" }),
			"not a package":     []byte(`{"hello":1}`),
		} {
			if st, body := b.Upload("kdistrict", "/api/v1/transfers", "p.json", bad, nil); st != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d %s, want 422", name, st, body)
			}
		}
		if n := count(b, `SELECT COUNT(*) FROM transfers`); n != 0 {
			t.Errorf("refused packages were kept: %d", n)
		}
		// A package for this district, uploaded to the sender's own installation.
		if st, _ := a.Upload("district", "/api/v1/transfers", "p.json", file, nil); st != http.StatusUnprocessableEntity {
			t.Errorf("a package for another district: %d, want 422", st)
		}

		// Received on B (multipart), then the same package again (JSON body).
		var in transfers.Transfer
		st, body := b.Upload("ktown", "/api/v1/transfers", "p.json", file, nil)
		if st != http.StatusCreated {
			t.Fatalf("receive: %d %s", st, body)
		}
		_ = json.Unmarshal(body, &in)
		if in.State != transfers.Received || in.Direction != transfers.In || in.Partner != jiading || in.Preview == nil ||
			in.Preview.Name != "迁居1" || in.Preview.IDNumberMasked != registry.MaskID(idNumber) || in.Preview.Category != 2 ||
			in.Preview.CertificateIssued != "2024-03-01" || strings.Contains(string(body), idNumber) {
			t.Errorf("received: %s", body)
		}
		var again json.RawMessage = file
		if st := b.Do("kdistrict", "POST", "/api/v1/transfers", again, nil); st != http.StatusConflict {
			t.Errorf("the same package twice: %d, want 409", st)
		}

		// The partner asks: only the sending district's account gets an answer.
		var ps transfers.PeerState
		if st := b.Do("jpeer", "GET", transfers.PeerPath+in.Ref, nil, &ps); st != http.StatusOK || ps.State != transfers.Received || ps.Ref != in.Ref {
			t.Errorf("peer state: %d %+v", st, ps)
		}
		if st := b.Do("peer", "GET", transfers.PeerPath+in.Ref, nil, nil); st != http.StatusNotFound {
			t.Errorf("peer state for another district's account: %d, want 404", st)
		}
		if st := b.Do("jpeer", "GET", "/api/v1/transfers/"+in.Ref, nil, nil); st != http.StatusForbidden {
			t.Errorf("the peer reads a transfer: %d, want 403", st)
		}

		// Accepted on B into a village of the caller's town; a stale version, a
		// village out of scope refused first.
		if st := b.Do("ktown", "POST", "/api/v1/transfers/"+in.Ref+"/accept", transfers.AcceptInput{OrgUnit: apptest.VillageOut, Version: in.Version + 1}, nil); st != http.StatusConflict {
			t.Errorf("accept a stale version: %d, want 409", st)
		}
		if st := b.Do("ktown", "POST", "/api/v1/transfers/"+in.Ref+"/accept", transfers.AcceptInput{OrgUnit: apptest.Village, Version: in.Version}, nil); st != http.StatusUnprocessableEntity {
			t.Errorf("accept into a village out of scope: %d, want 422", st)
		}
		var acc transfers.Transfer
		if st := b.Do("ktown", "POST", "/api/v1/transfers/"+in.Ref+"/accept", transfers.AcceptInput{OrgUnit: apptest.VillageOut, Version: in.Version}, &acc); st != http.StatusOK ||
			acc.State != transfers.Accepted || acc.PersonID == 0 || acc.OrgUnit != apptest.VillageOut {
			t.Fatalf("accept: %d %+v", st, acc)
		}
		var got registry.Person
		if st := b.Do("kdistrict", "GET", apptest.PersonAPI(acc.PersonID, ""), nil, &got); st != http.StatusOK || got.Name != "迁居1" ||
			got.Status != "active" || got.OrgUnit != apptest.VillageOut || got.CertificateIssued != "2024-03-01" || got.Grade != 3 {
			t.Errorf("the person on B: %d %+v", st, got)
		}
		var rev registry.Revealed
		if st := b.Do("kdistrict", "POST", apptest.PersonAPI(acc.PersonID, "/reveal"), registry.RevealInput{Reason: "核对转入"}, &rev); st != http.StatusOK ||
			rev.IDNumber != idNumber || rev.CertificateNumber != idNumber+"23" || rev.Phone != "13812345678" {
			t.Errorf("the person's secrets on B: %d %+v", st, rev)
		}
		if st := b.Do("kdistrict", "POST", "/api/v1/transfers/"+in.Ref+"/accept", transfers.AcceptInput{OrgUnit: apptest.VillageOut, Version: acc.Version}, nil); st != http.StatusConflict {
			t.Errorf("accept twice: %d, want 409", st)
		}

		// The partner not answering changes nothing; then A completes.
		p.AtA.down = true
		if st := a.Do("district", "POST", "/api/v1/transfers/"+tr.Ref+"/complete", transfers.ReasonInput{}, nil); st != http.StatusConflict {
			t.Errorf("complete with the partner down: %d, want 409", st)
		}
		if s := status(t, a, person); s != "active" {
			t.Errorf("the person changed while the partner was down: %s", s)
		}
		p.AtA.down = false
		var done transfers.Transfer
		if st := a.Do("town", "POST", "/api/v1/transfers/"+tr.Ref+"/complete", transfers.ReasonInput{}, &done); st != http.StatusOK || done.State != transfers.Completed {
			t.Fatalf("complete: %d %+v", st, done)
		}
		if s := status(t, a, person); s != "moved_out" {
			t.Errorf("the person on A after completion: %s", s)
		}
		if st := a.Do("town", "POST", "/api/v1/transfers/"+tr.Ref+"/complete", transfers.ReasonInput{}, nil); st != http.StatusConflict {
			t.Errorf("complete twice: %d, want 409", st)
		}

		// The audit on both sides names the ref.
		like := "%" + tr.Ref + "%"
		for _, c := range []struct {
			e      *apptest.Env
			action string
		}{{a, transfers.ActionIssue}, {a, transfers.ActionPackage}, {a, "update"}, {a, transfers.ActionComplete},
			{b, transfers.ActionReceive}, {b, "create"}, {b, transfers.ActionAccept}} {
			if n := count(c.e, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND (subject_id = ? OR detail LIKE ?)`, c.action, tr.Ref, like); n == 0 {
				t.Errorf("no audit entry %s naming the ref on %s", c.action, c.e.App.District)
			}
		}

		// Listed on each side.
		var list struct{ Items []transfers.Transfer }
		if st := a.Do("district", "GET", "/api/v1/transfers?direction=out", nil, &list); st != http.StatusOK || len(list.Items) != 1 || list.Items[0].State != transfers.Completed {
			t.Errorf("A's outgoing: %d %+v", st, list.Items)
		}
		if st := b.Do("ktown", "GET", "/api/v1/transfers", nil, &list); st != http.StatusOK || len(list.Items) != 1 || list.Items[0].State != transfers.Accepted {
			t.Errorf("B's incoming: %d %+v", st, list.Items)
		}
	})
}

// TestMoveRefused covers a person registered on both sides already, a
// completion stated without the partner's answer, and a cancelled transfer.
func TestMoveRefused(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		p := newPair(t, d)
		a, b := p.A, p.B
		// 测试1 (a.In) is in B's fixture too: the same ID number.
		st, tr := issue(t, a, "district", a.In, kunshan)
		if st != http.StatusCreated {
			t.Fatalf("issue: %d", st)
		}
		var in transfers.Transfer
		st, body := b.Upload("kdistrict", "/api/v1/transfers", "p.json", packageOf(t, a, tr.Ref), nil)
		if st != http.StatusCreated {
			t.Fatalf("receive: %d %s", st, body)
		}
		_ = json.Unmarshal(body, &in)
		persons := count(b, `SELECT COUNT(*) FROM persons`)
		audits := count(b, `SELECT COUNT(*) FROM audit_log WHERE action IN ('create', ?)`, transfers.ActionAccept)
		st, body = b.DoRaw("kdistrict", "POST", "/api/v1/transfers/"+in.Ref+"/accept", transfers.AcceptInput{OrgUnit: apptest.VillageOut, Version: in.Version}, nil, nil)
		if st != http.StatusConflict || !strings.Contains(string(body), "registered") {
			t.Errorf("accept a person registered already: %d %s", st, body)
		}
		if n := count(b, `SELECT COUNT(*) FROM persons`); n != persons {
			t.Errorf("persons written: %d, was %d", n, persons)
		}
		if n := count(b, `SELECT COUNT(*) FROM audit_log WHERE action IN ('create', ?)`, transfers.ActionAccept); n != audits {
			t.Errorf("audit entries written: %d, was %d", n, audits)
		}
		if n := count(b, `SELECT COUNT(*) FROM transfers WHERE state = 'received'`); n != 1 {
			t.Errorf("the transfer left received: %d", n)
		}
		// A completes with the receiving district's confirmation stated.
		var done transfers.Transfer
		if st := a.Do("district", "POST", "/api/v1/transfers/"+tr.Ref+"/complete", transfers.ReasonInput{Reason: "昆山区残联电话确认已接收"}, &done); st != http.StatusOK ||
			done.State != transfers.Completed || done.Note == "" {
			t.Errorf("complete with a stated reason: %d %+v", st, done)
		}
		if s := status(t, a, a.In); s != "moved_out" {
			t.Errorf("the person after completion: %s", s)
		}
		// Cancelled: its package is no longer given, it cannot be completed,
		// and the person may get a new one.
		st, tr = issue(t, a, "district", a.Town2, kunshan)
		if st != http.StatusCreated {
			t.Fatalf("issue: %d", st)
		}
		if st := a.Do("town", "POST", "/api/v1/transfers/"+tr.Ref+"/cancel", transfers.ReasonInput{Reason: "不搬了"}, nil); st != http.StatusNotFound {
			t.Errorf("cancel out of scope (town staff, another town): %d, want 404", st)
		}
		if st := a.Do("district", "POST", "/api/v1/transfers/"+tr.Ref+"/cancel", transfers.ReasonInput{Reason: "不搬了"}, nil); st != http.StatusOK {
			t.Errorf("cancel: %d", st)
		}
		if st, _ := a.DoRaw("district", "GET", "/api/v1/transfers/"+tr.Ref+"/package", nil, nil, nil); st != http.StatusConflict {
			t.Errorf("package of a cancelled transfer: %d, want 409", st)
		}
		if st := a.Do("district", "POST", "/api/v1/transfers/"+tr.Ref+"/complete", transfers.ReasonInput{Reason: "确认"}, nil); st != http.StatusConflict {
			t.Errorf("complete a cancelled transfer: %d, want 409", st)
		}
		if st, _ := issue(t, a, "district", a.Town2, kunshan); st != http.StatusCreated {
			t.Errorf("issue again after cancelling: %d", st)
		}
		if st := a.Do("district", "GET", "/api/v1/transfers/"+strings.Repeat("0", 32), nil, nil); st != http.StatusNotFound {
			t.Errorf("a missing ref: %d", st)
		}
	})
}

// TestMovePages moves a person through the pages (forms and 303s): issued
// on A's form, uploaded on B's (an altered package first: the page says
// why), accepted into a village picked on B, completed on A.
func TestMovePages(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		p := newPair(t, d)
		a, b := p.A, p.B
		person, _ := mover(t, a, 2)
		st, body := a.DoRaw("district", "GET", apptest.PersonPage(person, ""), nil, nil, nil)
		if st != http.StatusOK || !strings.Contains(string(body), fmt.Sprintf(`href="/persons/%d/transfer"`, person)) {
			t.Fatalf("the person page links to the issue form: %d", st)
		}
		st, body = a.DoRaw("district", "GET", apptest.PersonPage(person, "/transfer"), nil, nil, nil)
		if st != http.StatusOK || !strings.Contains(string(body), `<option value="320583"`) {
			t.Fatalf("issue form: %d %s", st, body)
		}
		st, body = a.Form("district", apptest.PersonPage(person, "/transfer"), map[string][]string{"to": {kunshan}, "reason": {""}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(string(body), `id="e-reason"`) {
			t.Errorf("issue without a reason: %d", st)
		}
		st, _ = a.Form("district", apptest.PersonPage(person, "/transfer"), map[string][]string{"to": {kunshan}, "reason": {"随子女迁居"}})
		if st != http.StatusSeeOther {
			t.Fatalf("issue: %d", st)
		}
		ref := count(a, `SELECT COUNT(*) FROM transfers`)
		if ref != 1 {
			t.Fatalf("transfers on A: %d", ref)
		}
		var r string
		if err := a.App.DB.QueryRow(context.Background(), `SELECT ref FROM transfers`).Scan(&r); err != nil {
			t.Fatal(err)
		}
		st, body = a.DoRaw("district", "GET", "/transfers/"+r, nil, nil, nil)
		if st != http.StatusOK || !strings.Contains(string(body), "/api/v1/transfers/"+r+"/package") {
			t.Fatalf("the transfer's page: %d", st)
		}
		file := packageOf(t, a, r)
		bad := alter(t, file, func(p *transfers.Package) { p.To = "320585" })
		st, body = b.Upload("ktown", "/transfers", "p.json", bad, nil)
		if st != http.StatusUnprocessableEntity || !strings.Contains(string(body), `id="e-file"`) || !strings.Contains(string(body), "320585") {
			t.Errorf("an altered package on the page: %d", st)
		}
		if st, _ = b.Upload("ktown", "/transfers", "p.json", file, nil); st != http.StatusSeeOther {
			t.Fatalf("upload: %d", st)
		}
		st, body = b.DoRaw("ktown", "GET", "/transfers/"+r+"?lang=en", nil, nil, nil)
		if st != http.StatusOK || !strings.Contains(string(body), "迁居2") || !strings.Contains(string(body), `value="`+apptest.VillageOut+`"`) {
			t.Fatalf("the preview with the village picker: %d %s", st, body)
		}
		if st, _ = b.Form("ktown", "/transfers/"+r+"/accept", map[string][]string{"orgunit": {""}, "version": {"1"}}); st != http.StatusUnprocessableEntity {
			t.Errorf("accept without a village: %d", st)
		}
		if st, _ = b.Form("ktown", "/transfers/"+r+"/accept", map[string][]string{"orgunit": {apptest.VillageOut}, "version": {"1"}}); st != http.StatusSeeOther {
			t.Fatalf("accept: %d", st)
		}
		if st, _ = a.Form("district", "/transfers/"+r+"/complete", map[string][]string{"reason": {""}}); st != http.StatusSeeOther {
			t.Fatalf("complete: %d", st)
		}
		if s := status(t, a, person); s != "moved_out" {
			t.Errorf("the person on A: %s", s)
		}
		if n := count(b, `SELECT COUNT(*) FROM persons WHERE name = '迁居2' AND orgunit = ?`, apptest.VillageOut); n != 1 {
			t.Errorf("the person on B: %d", n)
		}
		st, body = a.DoRaw("district", "GET", "/transfers?lang=en", nil, nil, nil)
		if st != http.StatusOK || !strings.Contains(string(body), "Completed (moved out)") {
			t.Errorf("the list: %d", st)
		}
	})
}
