// Package attachments keeps photos and scans with a person's record or a
// case (issue 19): a certificate, a household register page, a quote,
// photos before and after a renovation, a signed receipt. A file is checked
// by its content (JPEG, PNG or PDF; HEIC refused with how to avoid it),
// limited in size and pixels, stripped of its metadata (location first),
// sealed with the data key and stored in the database (so that several
// servers on one PostgreSQL share them, and backups hold them), in parts.
// Who sees an attachment is who sees its person (or its case); every view
// and download is audited as a read of the person, every upload and
// deletion as a change of it.
package attachments

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/platform/vault"
	"sunshine/internal/registry"
)

// PartSize is the size of a stored part of a file.
const PartSize = 128 << 10

// Fields of the sealed columns (bound to the row's id).
const (
	fieldPart  = "attachment_part"
	fieldThumb = "attachment_thumb"
)

// Sealed are the sealed columns of the attachments, for key rotation.
var Sealed = []module.Sealed{
	{Table: "attachments", Key: []string{"id"}, Column: "thumb", Field: fieldThumb, FieldKeyed: true},
	{Table: "attachment_parts", Key: []string{"id"}, Column: "data", Field: fieldPart, FieldKeyed: true},
}

// Kind is a kind of attachment, with its names.
type Kind struct{ Code, Zh, En string }

// In is the kind's name in a language.
func (k Kind) In(lang string) string { return apperr.T(k.Zh, k.En).In(lang) }

// Kinds are the kinds of attachments. There is no kind for a photo of an
// ID card on purpose: the ID number is kept sealed in the record, and a
// picture of the card would keep it in the clear to whoever sees the file.
var Kinds = []Kind{
	{"certificate", "残疾人证", "Disability certificate"},
	{"household_register", "户口本页", "Household register page"},
	{"quote", "报价单", "Quote"},
	{"before_photo", "改造前照片", "Photo before the renovation"},
	{"after_photo", "改造后照片", "Photo after the renovation"},
	{"receipt", "签收单", "Signed receipt"},
	{"other", "其他", "Other"},
}

// KindOf is the kind of a code (zero when unknown).
func KindOf(code string) Kind {
	for _, k := range Kinds {
		if k.Code == code {
			return k
		}
	}
	return Kind{}
}

// Attachment is a stored file's description.
type Attachment struct {
	ID          int64  `json:"id"`
	PersonID    int64  `json:"person_id"`
	CaseID      int64  `json:"case_id,omitempty"`
	Kind        string `json:"kind"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	CreatedBy   string `json:"created_by"`
	// CreatedByName is the uploader's name as their account gives it (a
	// list's; empty when the account has none).
	CreatedByName string    `json:"created_by_name,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	parts         int
	orgunit       string
}

// Target is what an attachment is of: a person, or a case (of a person).
type Target struct {
	PersonID int64
	CaseID   int64
}

// Store keeps the attachments. Every method takes the caller.
type Store struct {
	db    *db.DB
	vault *vault.Vault
	log   *audit.Log
}

// NewStore returns a store.
func NewStore(d *db.DB, v *vault.Vault, log *audit.Log) *Store {
	return &Store{db: d, vault: v, log: log}
}

func notFound() error {
	return apperr.New(apperr.NotFound, "未找到该记录。", "Not found.")
}

// IsStaff says whether the caller is federation staff (who upload, see and
// delete the attachments of the persons of their area).
func IsStaff(c access.Caller) bool {
	switch c.Actor.Role {
	case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant:
		return true
	}
	return false
}

// reaches says whether the caller may see the attachments of target at all
// (by role): staff, the person themself, a provider's worker only those of
// cases (assigned to its organisation: checked by scope).
func reaches(c access.Caller, t Target) bool {
	switch {
	case IsStaff(c):
		return true
	case c.Actor.Role == identity.Person:
		return c.PersonID != 0
	case c.IsProvider():
		return t.CaseID != 0 && c.ProviderID != 0
	}
	return false
}

// mayUpload says whether the caller may add attachments to target: staff,
// the person to their own record, a provider's worker to its assigned cases.
func mayUpload(c access.Caller, t Target) bool {
	switch {
	case IsStaff(c):
		return true
	case c.Actor.Role == identity.Person:
		return t.CaseID == 0 && c.PersonID != 0
	case c.IsProvider():
		return t.CaseID != 0 && c.ProviderID != 0
	}
	return false
}

// resolve finds target in the caller's scope: its person and org unit
// (not found, as for a missing one, when out of scope).
func (s *Store) resolve(ctx context.Context, q querier, c access.Caller, t Target) (Target, string, error) {
	if !reaches(c, t) {
		return t, "", notFound()
	}
	var unit string
	var err error
	if t.CaseID != 0 {
		where, args := c.CaseWhere("cs")
		err = q.QueryRow(ctx, `SELECT cs.person_id, cs.orgunit FROM cases cs WHERE cs.id = ? AND `+where, append([]any{t.CaseID}, args...)...).Scan(&t.PersonID, &unit)
	} else {
		where, args := c.Where("p.id", "p.orgunit")
		err = q.QueryRow(ctx, `SELECT p.orgunit FROM persons p WHERE p.id = ? AND `+where, append([]any{t.PersonID}, args...)...).Scan(&unit)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return t, "", notFound()
	}
	if err != nil {
		return t, "", fmt.Errorf("find the record of an attachment: %w", err)
	}
	return t, unit, nil
}

type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// Upload checks a file and stores it as an attachment of target. The same
// content (after stripping) already attached to the same record, and not
// deleted, is refused (409): the existing one is named in the error.
func (s *Store) Upload(ctx context.Context, c access.Caller, t Target, kind string, data []byte) (Attachment, error) {
	if !mayUpload(c, t) {
		return Attachment{}, notFound()
	}
	if _, _, err := s.resolve(ctx, s.db, c, t); err != nil {
		return Attachment{}, err
	}
	if KindOf(kind).Code == "" {
		return Attachment{}, apperr.Validation(apperr.Field("kind", "invalid", "请选择附件类型（如残疾人证、报价单）。", "Choose the kind of attachment (a certificate, a quote …)."))
	}
	ch, err := Check(data)
	if err != nil {
		return Attachment{}, err
	}
	sum := sha256.Sum256(ch.Data)
	a := Attachment{Kind: kind, ContentType: ch.ContentType, Size: int64(len(ch.Data)), SHA256: hex.EncodeToString(sum[:]),
		Width: ch.Width, Height: ch.Height, CreatedBy: c.Actor.Username}
	a.parts = (len(ch.Data) + PartSize - 1) / PartSize
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		t, unit, err := s.resolve(ctx, tx, c, t)
		if err != nil {
			return err
		}
		a.PersonID, a.CaseID, a.orgunit = t.PersonID, t.CaseID, unit
		if err := attachedAlready(ctx, tx, t, a.SHA256); err != nil {
			return err
		}
		at := tx.Now
		a.CreatedAt = db.FromMillis(db.Millis(at))
		var caseID any
		if t.CaseID != 0 {
			caseID = t.CaseID
		}
		if err := tx.QueryRow(ctx, `INSERT INTO attachments (person_id, case_id, kind, content_type, size, sha256, width, height, parts, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, t.PersonID, caseID, kind, a.ContentType, a.Size, a.SHA256, a.Width, a.Height, a.parts,
			a.CreatedBy, db.Millis(at)).Scan(&a.ID); err != nil {
			if db.IsUniqueViolation(err) { // the same file stored meanwhile (attachments_once)
				return errSameFile
			}
			return fmt.Errorf("store an attachment: %w", err)
		}
		if len(ch.Thumb) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE attachments SET thumb = ? WHERE id = ?`, s.vault.Seal(keyed(fieldThumb, a.ID), string(ch.Thumb)), a.ID); err != nil {
				return fmt.Errorf("store a thumbnail: %w", err)
			}
		}
		for seq := 0; seq < a.parts; seq++ {
			part := ch.Data[seq*PartSize : min(len(ch.Data), (seq+1)*PartSize)]
			var pid int64
			if err := tx.QueryRow(ctx, `INSERT INTO attachment_parts (attachment_id, seq, data) VALUES (?, ?, ?) RETURNING id`, a.ID, seq, []byte{0}).Scan(&pid); err != nil {
				return fmt.Errorf("store a part of an attachment: %w", err)
			}
			if _, err := tx.Exec(ctx, `UPDATE attachment_parts SET data = ? WHERE id = ?`, s.vault.Seal(keyed(fieldPart, pid), string(part)), pid); err != nil {
				return fmt.Errorf("store a part of an attachment: %w", err)
			}
		}
		e := c.Actor.Entry(audit.ActionUpdate, registry.SubjectPerson, strconv.FormatInt(t.PersonID, 10), unit)
		e.Detail = detail(map[string]any{"attachment": a.ID, "added": kind, "case": t.CaseID})
		return audit.Append(ctx, tx, e)
	})
	if errors.Is(err, errSameFile) { // name the one stored meanwhile
		err = s.db.InTx(ctx, func(tx *db.Tx) error { return attachedAlready(ctx, tx, t, a.SHA256) })
		if err == nil { // deleted again meanwhile
			err = apperr.New(apperr.Conflict, "这个文件刚刚上传过，请刷新页面查看。", "This file was attached a moment ago: reload the page to see it.")
		}
	}
	if err != nil {
		return Attachment{}, err
	}
	return a, nil
}

// errSameFile is an upload that lost the race to store the same file.
var errSameFile = errors.New("the same file is attached already")

// attachedAlready is a 409 naming the attachment of the same content (sum)
// on t, when there is one (not deleted).
func attachedAlready(ctx context.Context, tx *db.Tx, t Target, sum string) error {
	var dup int64
	err := tx.QueryRow(ctx, `SELECT id FROM attachments WHERE person_id = ? AND COALESCE(case_id, 0) = ? AND sha256 = ? AND deleted_at = 0`,
		t.PersonID, t.CaseID, sum).Scan(&dup)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look for the same file: %w", err)
	}
	zh, en := fmt.Sprintf("这个文件已经上传过（附件 %d）。", dup), fmt.Sprintf("This file is attached already (attachment %d).", dup)
	return &apperr.Error{Code: apperr.Conflict, Msg: apperr.T(zh, en), Fields: []apperr.FieldError{apperr.Field("file", "duplicate", zh, en)}}
}

func keyed(field string, id int64) string { return field + ":" + strconv.FormatInt(id, 10) }

func detail(m map[string]any) string {
	for k, v := range m {
		if v == int64(0) {
			delete(m, k)
		}
	}
	b, _ := json.Marshal(m) // a map of strings and numbers always marshals
	return string(b)
}

const cols = `a.id, a.person_id, COALESCE(a.case_id, 0), a.kind, a.content_type, a.size, a.sha256, a.width, a.height, a.parts, a.created_by, a.created_at`

func scan(sc interface{ Scan(...any) error }) (Attachment, error) {
	var a Attachment
	var at int64
	err := sc.Scan(&a.ID, &a.PersonID, &a.CaseID, &a.Kind, &a.ContentType, &a.Size, &a.SHA256, &a.Width, &a.Height, &a.parts, &a.CreatedBy, &at)
	a.CreatedAt = db.FromMillis(at)
	return a, err
}

// List gives the attachments of target the caller sees, newest first: a
// person's own (not those of their cases), or a case's. It records the
// caller's look at the person's attachments.
func (s *Store) List(ctx context.Context, c access.Caller, t Target) ([]Attachment, error) {
	t, unit, err := s.resolve(ctx, s.db, c, t)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + cols + ` FROM attachments a WHERE a.person_id = ? AND a.case_id IS NULL AND a.deleted_at = 0 ORDER BY a.id DESC LIMIT 200`
	args := []any{t.PersonID}
	if t.CaseID != 0 {
		q = `SELECT ` + cols + ` FROM attachments a WHERE a.case_id = ? AND a.deleted_at = 0 ORDER BY a.id DESC LIMIT 200`
		args = []any{t.CaseID}
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	defer func() { _ = rows.Close() }() // read-only: the scan's error is the one that matters
	out := []Attachment{}
	for rows.Next() {
		a, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list attachments: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	_ = rows.Close()
	if err := s.uploaders(ctx, out); err != nil {
		return nil, err
	}
	e := c.Actor.Entry(audit.ActionRead, registry.SubjectPerson, strconv.FormatInt(t.PersonID, 10), unit)
	e.Detail = detail(map[string]any{"attachments": "list", "case": t.CaseID})
	return out, s.log.Record(ctx, e)
}

// uploaders fills the uploaders' names of list from their accounts.
func (s *Store) uploaders(ctx context.Context, list []Attachment) error {
	names := map[string]string{}
	for i, a := range list {
		name, ok := names[a.CreatedBy]
		if !ok {
			err := s.db.QueryRow(ctx, `SELECT name FROM users WHERE username = ?`, a.CreatedBy).Scan(&name)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("read an uploader's name: %w", err)
			}
			names[a.CreatedBy] = name
		}
		list[i].CreatedByName = name
	}
	return nil
}

// Get gives an attachment the caller sees (not deleted), without its content.
func (s *Store) Get(ctx context.Context, c access.Caller, id int64) (Attachment, error) {
	a, err := scan(s.db.QueryRow(ctx, `SELECT `+cols+` FROM attachments a WHERE a.id = ? AND a.deleted_at = 0`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Attachment{}, notFound()
	}
	if err != nil {
		return Attachment{}, fmt.Errorf("read an attachment: %w", err)
	}
	_, unit, err := s.resolve(ctx, s.db, c, Target{PersonID: a.PersonID, CaseID: a.CaseID})
	if err != nil {
		return Attachment{}, err
	}
	a.orgunit = unit
	return a, nil
}

// Content gives an attachment and its file, checked against its digest,
// and records the caller's look at the person.
func (s *Store) Content(ctx context.Context, c access.Caller, id int64) (Attachment, []byte, error) {
	a, err := s.Get(ctx, c, id)
	if err != nil {
		return Attachment{}, nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, seq, data FROM attachment_parts WHERE attachment_id = ? ORDER BY seq`, id)
	if err != nil {
		return Attachment{}, nil, fmt.Errorf("read attachment %d: %w", id, err)
	}
	defer func() { _ = rows.Close() }() // read-only: the scan's error is the one that matters
	data := make([]byte, 0, a.Size)
	n := 0
	for rows.Next() {
		var pid int64
		var seq int
		var sealed []byte
		if err := rows.Scan(&pid, &seq, &sealed); err != nil {
			return Attachment{}, nil, fmt.Errorf("read attachment %d: %w", id, err)
		}
		if seq != n {
			return Attachment{}, nil, fmt.Errorf("attachment %d: part %d is missing", id, n)
		}
		plain, err := s.vault.Open(keyed(fieldPart, pid), sealed)
		if err != nil {
			return Attachment{}, nil, fmt.Errorf("attachment %d: %w", id, err)
		}
		data = append(data, plain...)
		n++
	}
	if err := rows.Err(); err != nil {
		return Attachment{}, nil, fmt.Errorf("read attachment %d: %w", id, err)
	}
	sum := sha256.Sum256(data)
	if n != a.parts || hex.EncodeToString(sum[:]) != a.SHA256 {
		return Attachment{}, nil, fmt.Errorf("attachment %d: the stored file does not match its digest", id)
	}
	return a, data, s.viewed(ctx, c, a, "file")
}

// Thumbnail gives the small JPEG of an image attachment (nil for a PDF),
// and records the caller's look at the person.
func (s *Store) Thumbnail(ctx context.Context, c access.Caller, id int64) (Attachment, []byte, error) {
	a, err := s.Get(ctx, c, id)
	if err != nil {
		return Attachment{}, nil, err
	}
	var sealed []byte
	if err := s.db.QueryRow(ctx, `SELECT thumb FROM attachments WHERE id = ?`, id).Scan(&sealed); err != nil {
		return Attachment{}, nil, fmt.Errorf("read thumbnail %d: %w", id, err)
	}
	plain, err := s.vault.Open(keyed(fieldThumb, id), sealed)
	if err != nil {
		return Attachment{}, nil, fmt.Errorf("thumbnail %d: %w", id, err)
	}
	var out []byte
	if plain != "" {
		out = []byte(plain)
	}
	return a, out, s.viewed(ctx, c, a, "thumbnail")
}

func (s *Store) viewed(ctx context.Context, c access.Caller, a Attachment, what string) error {
	e := c.Actor.Entry(audit.ActionRead, registry.SubjectPerson, strconv.FormatInt(a.PersonID, 10), a.orgunit)
	e.Detail = detail(map[string]any{"attachment": a.ID, "viewed": what})
	return s.log.Record(ctx, e)
}

// Delete marks an attachment deleted, with the reason (staff of its
// person's area only). The file stays stored, out of every list.
func (s *Store) Delete(ctx context.Context, c access.Caller, id int64, reason string) error {
	if !IsStaff(c) {
		return notFound()
	}
	if fe := safetext.Field("reason", &reason, true, 200, "删除原因", "reason for deleting"); fe != nil {
		if _, err := s.Get(ctx, c, id); err != nil {
			return err
		}
		return apperr.Validation(*fe)
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		a, err := scan(tx.QueryRow(ctx, `SELECT `+cols+` FROM attachments a WHERE a.id = ? AND a.deleted_at = 0`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		if err != nil {
			return fmt.Errorf("read an attachment: %w", err)
		}
		_, unit, err := s.resolve(ctx, tx, c, Target{PersonID: a.PersonID, CaseID: a.CaseID})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE attachments SET deleted_at = ?, deleted_by = ?, delete_reason = ? WHERE id = ? AND deleted_at = 0`,
			db.Millis(tx.Now), c.Actor.Username, reason, id); err != nil {
			return fmt.Errorf("delete attachment %d: %w", id, err)
		}
		e := c.Actor.Entry(audit.ActionUpdate, registry.SubjectPerson, strconv.FormatInt(a.PersonID, 10), unit)
		e.Reason = reason
		e.Detail = detail(map[string]any{"attachment": id, "deleted": a.Kind, "case": a.CaseID})
		return audit.Append(ctx, tx, e)
	})
}
