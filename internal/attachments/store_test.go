package attachments_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/attachments"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// everywhere is district staff of every district (the fixture's uploads).
var everywhere = registry.Caller{Actor: audit.Actor{Username: "fixture", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()}

// seq makes every generated photo different (the same file twice on one
// record is refused).
var seq atomic.Int64

func photo(t testing.TB) []byte { return plainJPEG(t, 40, 30, int(seq.Add(1))) }

func onPerson(t testing.TB, a *app.App, personID int64) attachments.Attachment {
	t.Helper()
	at, err := a.Attachments.Upload(context.Background(), everywhere, attachments.Target{PersonID: personID}, "certificate", photo(t))
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func onCase(t testing.TB, a *app.App, caseID int64) attachments.Attachment {
	t.Helper()
	at, err := a.Attachments.Upload(context.Background(), everywhere, attachments.Target{CaseID: caseID}, "quote", photo(t))
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// TestRoundTrip uploads through the API and reads the file back: the same
// bytes but the metadata, a thumbnail, the list, the audit entries.
func TestRoundTrip(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		in := gpsJPEG(t, 7)
		var got attachments.Attachment
		st, raw := e.Upload("village", apptest.PersonAPI(e.In, "/attachments"), "photo.jpg", in, nil, "kind", "certificate")
		if st != http.StatusCreated {
			t.Fatalf("upload: %d %s", st, raw)
		}
		if err := json.Unmarshal(raw, &got); err != nil || got.ID == 0 || got.Kind != "certificate" || got.ContentType != "image/jpeg" {
			t.Fatalf("upload answer: %s %v", raw, err)
		}
		want, _, err := attachments.StripJPEG(in)
		if err != nil {
			t.Fatal(err)
		}
		if got.Size != int64(len(want)) {
			t.Errorf("size %d, want %d", got.Size, len(want))
		}
		st, body := e.DoRaw("village", "GET", fmt.Sprintf("/api/v1/attachments/%d", got.ID), nil, nil, nil)
		if st != 200 || !bytes.Equal(body, want) {
			t.Fatalf("download: %d, %d bytes, want the %d stripped bytes", st, len(body), len(want))
		}
		if bytes.Contains(body, gpsLatitude) || bytes.Contains(body, []byte(xmpGPS)) {
			t.Error("the download holds the location")
		}
		st, thumb := e.DoRaw("village", "GET", fmt.Sprintf("/api/v1/attachments/%d/thumbnail", got.ID), nil, nil, nil)
		if st != 200 || !bytes.HasPrefix(thumb, []byte{0xFF, 0xD8}) {
			t.Errorf("thumbnail: %d", st)
		}
		// The person sees their own attachment.
		if st, b := e.DoRaw("person", "GET", fmt.Sprintf("/api/v1/attachments/%d", got.ID), nil, nil, nil); st != 200 || !bytes.Equal(b, want) {
			t.Errorf("the person's own download: %d", st)
		}
		var list struct{ Items []attachments.Attachment }
		if st := e.Do("town", "GET", apptest.PersonAPI(e.In, "/attachments"), nil, &list); st != 200 || len(list.Items) != 1 || list.Items[0].ID != got.ID {
			t.Errorf("list: %d %+v", st, list)
		}
		// The same file again on the same record: 409, naming the first.
		st, raw = e.Upload("town", apptest.PersonAPI(e.In, "/attachments"), "again.jpg", in, nil, "kind", "other")
		if st != http.StatusConflict || !strings.Contains(string(raw), fmt.Sprint(got.ID)) {
			t.Errorf("the same file twice: %d %s", st, raw)
		}
		// Nothing is stored in the clear: not the photo, not the thumbnail.
		var n int64
		if err := d.QueryRow(context.Background(), `SELECT count(*) FROM attachment_parts WHERE attachment_id = ?`, got.ID).Scan(&n); err != nil || n != 1 {
			t.Errorf("parts: %d %v", n, err)
		}
		var sealed []byte
		if err := d.QueryRow(context.Background(), `SELECT data FROM attachment_parts WHERE attachment_id = ?`, got.ID).Scan(&sealed); err != nil || bytes.Contains(sealed, want[len(want)-64:]) {
			t.Errorf("the stored part is not sealed: %v", err)
		}
		// Every view was audited as a read of the person: the list, the
		// downloads, the thumbnail; the upload as a change.
		entries, _, err := e.App.Audit.List(context.Background(), audit.Filter{SubjectType: registry.SubjectPerson, SubjectID: fmt.Sprint(e.In)})
		if err != nil {
			t.Fatal(err)
		}
		reads, updates := map[string]int{}, 0
		for _, en := range entries {
			if strings.Contains(en.Detail, "attachment") {
				switch en.Action {
				case audit.ActionRead:
					reads[en.Username]++
				case audit.ActionUpdate:
					updates++
				}
			}
		}
		if reads["village"] != 2 || reads["person"] != 1 || reads["town"] != 1 || updates != 1 {
			t.Errorf("audit: reads %v, updates %d", reads, updates)
		}
		// Deleted with a reason: gone from the list and the download.
		if st, raw := e.DoRaw("village", "DELETE", fmt.Sprintf("/api/v1/attachments/%d", got.ID), map[string]any{"reason": ""}, nil, nil); st != 422 || !strings.Contains(string(raw), "reason") {
			t.Errorf("delete without a reason: %d %s", st, raw)
		}
		if st := e.Do("village", "DELETE", fmt.Sprintf("/api/v1/attachments/%d", got.ID), map[string]any{"reason": "拍错了人"}, nil); st != 204 {
			t.Errorf("delete: %d", st)
		}
		if st := e.Do("village", "GET", fmt.Sprintf("/api/v1/attachments/%d", got.ID), nil, nil); st != 404 {
			t.Errorf("a deleted attachment: %d", st)
		}
	})
}

// TestRefusals: by content whatever the name, unknown kinds, 413 for a
// large upload, HEIC, PDFs with scripts (also packed in an object stream).
func TestRefusals(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		path := apptest.PersonAPI(e.In, "/attachments")
		heic := append([]byte{0, 0, 0, 0x18}, "ftypheic\x00\x00\x00\x00mif1heic"...)
		big := append(plainJPEG(t, 16, 16, 1), make([]byte, 50<<20)...)
		for name, c := range map[string]struct {
			file       []byte
			kind, says string
			want       int
		}{
			"text named .jpg": {[]byte("name,phone\n张三,13812345678\n"), "certificate", "文本", 415},
			"HEIC":            {heic, "certificate", "兼容性最佳", 415},
			"unknown kind":    {photo(t), "id_card", "kind", 422},
			"no kind":         {photo(t), "", "kind", 422},
			"50 MB photo":     {big, "certificate", "10 MB", 413},
			"PDF with JS":     {pdfWith("/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", ""), "receipt", "JavaScript", 415},
			"JS in a ObjStm":  {pdfWith("", "<< /S /JavaScript /JS (x) >> << /Type /Font >>"), "receipt", "JavaScript", 415},
			"an empty file":   {[]byte{}, "certificate", "file", 422},
		} {
			st, raw := e.Upload("village", path, "photo.jpg", c.file, nil, "kind", c.kind)
			if st != c.want || !strings.Contains(string(raw), c.says) {
				t.Errorf("%s: %d %s, want %d saying %q", name, st, raw, c.want, c.says)
			}
		}
		if n := e.Int64(`SELECT count(*) FROM attachments`); n != 0 {
			t.Errorf("%d attachments stored from refused uploads", n)
		}
		// A clean PDF is taken, with the PDF icon as its thumbnail.
		st, raw := e.Upload("village", path, "receipt.pdf", pdfWith("", "<< /Type /Font >> << /Type /Font >>"), nil, "kind", "receipt")
		if st != 201 {
			t.Fatalf("a clean PDF: %d %s", st, raw)
		}
		var a attachments.Attachment
		_ = json.Unmarshal(raw, &a)
		st, icon := e.DoRaw("village", "GET", fmt.Sprintf("/api/v1/attachments/%d/thumbnail", a.ID), nil, nil, nil)
		if st != 200 || !bytes.HasPrefix(icon, []byte("<svg")) {
			t.Errorf("PDF thumbnail: %d %.40s", st, icon)
		}
	})
}

// TestScope: out of scope answers 404 like a missing attachment: another
// town's staff, a provider on a case not assigned to it, a volunteer (403
// by role), a person another's.
func TestScope(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		ctx := context.Background()
		town2 := onPerson(t, e.App, e.Town2) // 安亭镇: not the town user's
		notAssigned := onCase(t, e.App, e.Case(e.In))
		assignedCase := e.Case(e.In)
		e.Assign(assignedCase)
		assigned := onCase(t, e.App, assignedCase)
		own := onPerson(t, e.App, e.In)
		missing := fmt.Sprintf("/api/v1/attachments/%d", own.ID+1000)
		_, body404 := e.DoRaw("town", "GET", missing, nil, nil, nil)
		for _, c := range []struct {
			user string
			id   int64
			want int
		}{
			{"town", town2.ID, 404}, {"district", town2.ID, 200},
			{"provider", notAssigned.ID, 404}, {"provider", assigned.ID, 200}, {"provider", own.ID, 404},
			{"volunteer", own.ID, 403}, {"leader", own.ID, 403},
			{"person", own.ID, 200}, {"person", town2.ID, 404}, {"person", assigned.ID, 200},
		} {
			st, raw := e.DoRaw(c.user, "GET", fmt.Sprintf("/api/v1/attachments/%d", c.id), nil, nil, nil)
			if st != c.want {
				t.Errorf("%s reads attachment %d: %d, want %d", c.user, c.id, st, c.want)
			}
			if st == 404 && !bytes.Equal(raw, body404) {
				t.Errorf("%s: out of scope answers %s, missing %s", c.user, raw, body404)
			}
		}
		// The person may upload to their own record, not to another's.
		if st, raw := e.Upload("person", apptest.PersonAPI(e.In, "/attachments"), "c.jpg", photo(t), nil, "kind", "certificate"); st != 201 {
			t.Errorf("the person's own upload: %d %s", st, raw)
		}
		if st, _ := e.Upload("person", apptest.PersonAPI(e.Town2, "/attachments"), "c.jpg", photo(t), nil, "kind", "certificate"); st != 404 {
			t.Errorf("the person's upload to another: %d", st)
		}
		// Only staff delete, and only in their area.
		if err := e.App.Attachments.Delete(ctx, apptest.Caller(identity.TownStaff, "310114102"), town2.ID, "不是本镇的"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another town's delete: %v", err)
		}
	})
}

// TestBackupRestore: an attachment of several parts survives a backup and a
// restore into a fresh database, on each engine, and a key rotation.
func TestBackupRestore(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cfg := apptest.Config(t)
		e := apptest.NewEnv(t, d, cfg)
		// A noisy photo of about 1 MB: several parts.
		big := noisyJPEG(t, 1200, 900)
		a, err := e.App.Attachments.Upload(ctx, everywhere, attachments.Target{PersonID: e.In}, "before_photo", big)
		if err != nil {
			t.Fatal(err)
		}
		if parts := e.Int64(`SELECT count(*) FROM attachment_parts WHERE attachment_id = ?`, a.ID); parts < 3 {
			t.Fatalf("%d parts: the photo is too small for the test", parts)
		}
		var buf bytes.Buffer
		if _, err := e.App.Backup(ctx, &buf, "test"); err != nil {
			t.Fatal(err)
		}
		var fresh *db.DB
		if d.Dialect == db.Postgres {
			fresh = testkit.Postgres(t)
		} else {
			fresh = testkit.SQLite(t)
		}
		fresh.Clock = d.Clock
		ra, err := app.New(ctx, fresh, app.Config{KeyFile: cfg.KeyFile, PasswordHash: apptest.HashCost()})
		if err != nil {
			t.Fatal(err)
		}
		defer ra.Close()
		if _, err := ra.Restore(ctx, &buf, "test"); err != nil {
			t.Fatal(err)
		}
		_, data, err := ra.Attachments.Content(ctx, everywhere, a.ID)
		if err != nil || !bytes.Equal(data, big) {
			t.Fatalf("after the restore: %d bytes, want %d: %v", len(data), len(big), err)
		}
		if _, thumb, err := ra.Attachments.Thumbnail(ctx, everywhere, a.ID); err != nil || len(thumb) == 0 {
			t.Errorf("thumbnail after the restore: %v", err)
		}
		// A key rotation re-seals the parts and the thumbnail.
		if _, err := ra.Keys.Rotate(ctx, filepath.Join(t.TempDir(), "next")); err != nil {
			t.Fatal(err)
		}
		if _, data, err := ra.Attachments.Content(ctx, everywhere, a.ID); err != nil || !bytes.Equal(data, big) {
			t.Errorf("after a key rotation: %v", err)
		}
	})
}

// TestSameFileRace: four uploads of one photo to one record at the same
// moment (a double tap, a retry) store it once; the others answer 409
// naming it, on both engines.
func TestSameFileRace(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		data := photo(t)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = e.App.Attachments.Upload(context.Background(), everywhere, attachments.Target{PersonID: e.In}, "certificate", data)
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case apperr.CodeOf(err) != apperr.Conflict:
				t.Errorf("a racing upload: %v", err)
			}
		}
		if n := e.Int64(`SELECT count(*) FROM attachments WHERE person_id = ?`, e.In); ok != 1 || n != 1 {
			t.Errorf("%d uploads succeeded, %d stored; want 1 and 1", ok, n)
		}
		// However the transactions interleave, the database keeps one live
		// row of a content per record (attachments_once); deleted ones stay.
		insert := func(deleted int64) error {
			_, err := d.Exec(context.Background(), `INSERT INTO attachments (person_id, kind, content_type, size, sha256, parts, created_by, created_at, deleted_at)
				SELECT person_id, kind, content_type, size, sha256, parts, created_by, created_at, ? FROM attachments WHERE person_id = ?`, deleted, e.In)
			return err
		}
		if err := insert(0); !db.IsUniqueViolation(err) {
			t.Errorf("a second live row of the same file: %v", err)
		}
		if err := insert(1); err != nil {
			t.Errorf("a deleted row beside the live one: %v", err)
		}
	})
}
