package registry

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/vault"
)

// Names of the encrypted fields (also the vault's authenticated field names).
const (
	fID       = "id_number"
	fCert     = "certificate_number"
	fPhone    = "phone"
	fGuardian = "guardian_phone"
)

// SubjectPerson is the audit subject type of a person.
const SubjectPerson = "person"

// Caller is who asks, and what they may see (access.Caller: the registry's
// own code names it without the package).
type Caller = access.Caller

// Units looks up org units.
type Units interface {
	Get(ctx context.Context, code string) (orgunit.Unit, error)
}

// Store reads and writes persons and annual records. Every query is limited in
// SQL to the caller's scope; every read and change is audited.
type Store struct {
	db    *db.DB
	vault *vault.Vault
	units Units
	log   *audit.Log
	// Hook, when set, is told of every change to persons and annual records,
	// inside the transaction that makes it.
	Hook ChangeHook
}

// ChangeHook is told, inside each transaction that changes persons or their
// annual records, which persons changed, so that figures derived from them
// (the indicators) change in the same transaction.
type ChangeHook interface {
	PersonsChanged(ctx context.Context, tx *db.Tx, ids []int64) error
}

// Hooks tells several hooks, in order.
type Hooks []ChangeHook

// PersonsChanged tells each hook.
func (hs Hooks) PersonsChanged(ctx context.Context, tx *db.Tx, ids []int64) error {
	for _, h := range hs {
		if err := h.PersonsChanged(ctx, tx, ids); err != nil {
			return err
		}
	}
	return nil
}

// RemoveHook is told of persons about to be deleted (the persons an undone
// import created), in the transaction that deletes them, before it does: a
// hook that keeps rows on a person removes them.
type RemoveHook interface {
	PersonsRemoved(ctx context.Context, tx *db.Tx, ids []int64) error
}

// PersonsRemoved tells each hook that is a RemoveHook.
func (hs Hooks) PersonsRemoved(ctx context.Context, tx *db.Tx, ids []int64) error {
	for _, h := range hs {
		if r, ok := h.(RemoveHook); ok {
			if err := r.PersonsRemoved(ctx, tx, ids); err != nil {
				return err
			}
		}
	}
	return nil
}

// BulkHook is a ChangeHook that can hold back what it derives over a bulk
// write (an import, which commits a batch at a time): the transactions run
// with the returned context leave it for flush, which applies it (at most
// limit rows of it, or all for 0) in a transaction of the caller's.
type BulkHook interface {
	Bulk(ctx context.Context) (context.Context, Flush)
}

// Flush applies what a BulkHook held back: at most limit rows, or all for 0;
// more says whether any are left.
type Flush func(ctx context.Context, tx *db.Tx, limit int) (more bool, err error)

// RebuildHook mends, from the registry, what a BulkHook held back when the
// process died before its flush.
type RebuildHook interface {
	Rebuild(ctx context.Context) (int, error)
}

// Bulk gives each hook that is a BulkHook its part of ctx, and flushes them
// all.
func (hs Hooks) Bulk(ctx context.Context) (context.Context, Flush) {
	var flushes []Flush
	for _, h := range hs {
		if b, ok := h.(BulkHook); ok {
			var f Flush
			ctx, f = b.Bulk(ctx)
			flushes = append(flushes, f)
		}
	}
	return ctx, func(ctx context.Context, tx *db.Tx, limit int) (bool, error) {
		more := false
		for _, f := range flushes {
			m, err := f(ctx, tx, limit)
			if err != nil {
				return false, err
			}
			more = more || m
		}
		return more, nil
	}
}

// Rebuild rebuilds each hook that is a RebuildHook.
func (hs Hooks) Rebuild(ctx context.Context) (int, error) {
	n := 0
	for _, h := range hs {
		if r, ok := h.(RebuildHook); ok {
			k, err := r.Rebuild(ctx)
			if err != nil {
				return n, err
			}
			n += k
		}
	}
	return n, nil
}

// bulk starts a bulk write (BulkHook), or nothing when the hook holds
// nothing back.
func (s *Store) bulk(ctx context.Context) (context.Context, Flush) {
	if b, ok := s.Hook.(BulkHook); ok {
		return b.Bulk(ctx)
	}
	return ctx, func(context.Context, *db.Tx, int) (bool, error) { return false, nil }
}

// removed tells the hook, if it is a RemoveHook, that these persons are
// about to be deleted in tx.
func (s *Store) removed(ctx context.Context, tx *db.Tx, ids []int64) error {
	if r, ok := s.Hook.(RemoveHook); ok && len(ids) > 0 {
		return r.PersonsRemoved(ctx, tx, ids)
	}
	return nil
}

// changed tells the hook, if any, that these persons changed in tx.
func (s *Store) changed(ctx context.Context, tx *db.Tx, ids ...int64) error {
	if s.Hook == nil || len(ids) == 0 {
		return nil
	}
	return s.Hook.PersonsChanged(ctx, tx, ids)
}

// NewStore returns a registry store.
func NewStore(d *db.DB, v *vault.Vault, units Units, log *audit.Log) *Store {
	return &Store{db: d, vault: v, units: units, log: log}
}

// scopeWhere restricts the persons table (alias p) to the caller: their
// subtree, or for a person account their own record wherever it lives now.
func scopeWhere(c Caller) (string, []any) { return c.Where("p.id", "p.orgunit") }

const personCols = `p.id, p.name, p.id_masked, p.id_converted, p.cert_masked, p.category, p.components, p.grade, p.orgunit,
	p.household, p.phone_masked, p.address, p.hukou, p.economic_status, p.guardian_name, p.guardian_phone_masked,
	p.certificate_issued, p.status, p.sex, p.birth_year, p.version, p.created_at, p.updated_at`

// scanPerson reads a person; today gives the age and the certificate's state.
func scanPerson(sc interface{ Scan(...any) error }, today time.Time) (Person, error) {
	year := today.Year()
	var p Person
	var comps string
	var created, updated int64
	err := sc.Scan(&p.ID, &p.Name, &p.IDNumberMasked, &p.IDConverted, &p.CertificateNumberMasked, &p.Category, &comps, &p.Grade,
		&p.OrgUnit, &p.Household, &p.PhoneMasked, &p.Address, &p.Hukou, &p.EconomicStatus, &p.GuardianName,
		&p.GuardianPhoneMasked, &p.CertificateIssued, &p.Status, &p.Sex, &p.BirthYear, &p.Version, &created, &updated)
	if err != nil {
		return Person{}, err
	}
	p.Components = parseComponents(comps)
	if p.BirthYear > 0 {
		p.Age = year - p.BirthYear
	}
	p.CertificateExpires = CertificateExpiry(p.CertificateIssued)
	p.Cert = CertificateState(p.CertificateIssued, today)
	p.CreatedAt, p.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	return p, nil
}

func formatComponents(c []int) string {
	s := make([]string, len(c))
	for i, v := range c {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

func parseComponents(s string) []int {
	if s == "" {
		return nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		if v, err := strconv.Atoi(f); err == nil {
			out = append(out, v)
		}
	}
	return out
}

// checkUnit verifies that a person's org unit exists, is level 4 and is in scope.
func (s *Store) checkUnit(ctx context.Context, c Caller, code string) ([]apperr.FieldError, error) {
	if code == "" {
		return nil, nil // reported as required already
	}
	u, err := s.units.Get(ctx, code)
	if apperr.CodeOf(err) == apperr.NotFound {
		return []apperr.FieldError{apperr.Field("orgunit", "not_found", "所属村居代码不存在："+code, "No org unit has the code "+code)}, nil
	}
	if err != nil {
		return nil, err
	}
	if u.Level != 4 {
		return []apperr.FieldError{apperr.Field("orgunit", "level", "残疾人应登记在村（居）委会一级（第4级）单位。",
			"A person belongs to a village or residential committee (a level-4 unit).")}, nil
	}
	if !c.Scope.Contains(code) {
		return []apperr.FieldError{apperr.Field("orgunit", "scope", "该村居不在您的管辖范围内。", "This unit is outside your area.")}, nil
	}
	return nil, nil
}

// validate runs the pure rules and the org-unit check together.
func (s *Store) validate(ctx context.Context, c Caller, in PersonInput) (Normalized, error) {
	n, fields := ValidatePerson(in, s.db.Now(), false)
	uf, err := s.checkUnit(ctx, c, n.OrgUnit)
	if err != nil {
		return Normalized{}, err
	}
	if fields = append(fields, uf...); len(fields) > 0 {
		return Normalized{}, apperr.Validation(fields...)
	}
	return n, nil
}

// ActionRegisterRefused is the audit action of an attempt to register (by
// hand or by import) a person registered outside the caller's area.
const ActionRegisterRefused = "register_refused"

// notHere is the one answer to registering an ID number that is registered
// outside the caller's area: it says nothing of the record.
func notHere() apperr.FieldError {
	return apperr.Field("id_number", "not_here", "该身份证号不能在此登记，请联系区残联。",
		"This ID number cannot be registered here; contact the district federation.")
}

func duplicateID() *apperr.Error {
	msg := apperr.T("该身份证号已登记，不能重复建档。", "A person with this ID number is already registered.")
	return &apperr.Error{Code: apperr.Conflict, Msg: msg, Fields: []apperr.FieldError{{Field: "id_number", Code: "duplicate", Msg: msg}}}
}

// personInsertCols are the columns written when a person is created: those of
// PersonFields, then what the ID number tells and the bookkeeping.
var personInsertCols = strings.Join(personFieldCols(), ", ") + ", id_converted, sex, birth_year, version, created_at, updated_at"

// personInsertN is the number of values of personInsertCols.
var personInsertN = len(personFieldCols()) + 6

// insertValues returns the values of personInsertCols for a validated person.
func (s *Store) insertValues(n Normalized, now time.Time) []any {
	return append(s.personFieldValues(&n.PersonInput), n.ID.Converted, n.ID.Sex, n.ID.BirthYear, 1, db.Millis(now), db.Millis(now))
}

// InsertTx inserts a validated person in tx and returns its id.
func (s *Store) InsertTx(ctx context.Context, tx *db.Tx, n Normalized) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO persons (`+personInsertCols+`) VALUES (`+placeholders(personInsertN)+`) RETURNING id`,
		s.insertValues(n, tx.Now)...).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, duplicateID()
	}
	if err != nil {
		return 0, fmt.Errorf("insert person: %w", err)
	}
	return id, nil
}

// placeholders returns "?, ?, …" with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Create registers a new person.
func (s *Store) Create(ctx context.Context, c Caller, in PersonInput) (Person, error) {
	n, err := s.validate(ctx, c, in)
	if err != nil {
		return Person{}, err
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if id, err = s.InsertTx(ctx, tx, n); err != nil {
			return err
		}
		if err := s.changed(ctx, tx, id); err != nil {
			return err
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionCreate, SubjectPerson, strconv.FormatInt(id, 10), n.OrgUnit))
	})
	if err != nil {
		return Person{}, s.duplicateOr(ctx, c, n.IDNumber, err)
	}
	return s.get(ctx, c, id)
}

// duplicateOr turns the conflict of an ID number that is registered already
// into what the caller may learn: "already registered" when that person is in
// the caller's area, else the neutral answer, with the attempt audited on the
// person. Other errors pass.
func (s *Store) duplicateOr(ctx context.Context, c Caller, idNumber string, err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) != 1 || ae.Fields[0].Code != "duplicate" {
		return err
	}
	var id int64
	var unit string
	qerr := s.db.QueryRow(ctx, `SELECT id, orgunit FROM persons WHERE id_bidx = ?`, s.vault.Index(fID, idNumber)).Scan(&id, &unit)
	if qerr != nil {
		return fmt.Errorf("look up a registered ID number: %w", qerr)
	}
	if c.Scope.Contains(unit) {
		return err
	}
	e := c.Actor.Entry(ActionRegisterRefused, SubjectPerson, strconv.FormatInt(id, 10), unit)
	if aerr := s.log.Record(ctx, e); aerr != nil {
		return aerr
	}
	return &apperr.Error{Code: apperr.Conflict, Msg: notHere().Msg, Fields: []apperr.FieldError{notHere()}}
}

// get reads a person in scope without auditing (callers audit).
func (s *Store) get(ctx context.Context, c Caller, id int64) (Person, error) {
	where, args := scopeWhere(c)
	p, err := scanPerson(s.db.QueryRow(ctx, `SELECT `+personCols+` FROM persons p WHERE p.id = ? AND `+where, append([]any{id}, args...)...), s.db.Now())
	if errors.Is(err, sql.ErrNoRows) {
		return Person{}, apperr.ErrNotFound()
	}
	if err != nil {
		return Person{}, fmt.Errorf("get person %d: %w", id, err)
	}
	return p, nil
}

// Get reads one person in the caller's scope (404 outside it) and audits the read.
func (s *Store) Get(ctx context.Context, c Caller, id int64) (Person, error) {
	p, err := s.get(ctx, c, id)
	if err != nil {
		return Person{}, err
	}
	if err := s.log.Record(ctx, c.Actor.Entry(audit.ActionRead, SubjectPerson, strconv.FormatInt(id, 10), p.OrgUnit)); err != nil {
		return Person{}, err
	}
	return p, nil
}

// Filter narrows a person list.
type Filter struct {
	OrgUnit  string
	Category int
	Grade    int
	Status   string
	Q        string // a name (prefix), a full ID number, its last 4 characters, a phone number or its last 4 digits (searchWhere)
	Cursor   string // the next page: persons after this one in (org unit, id) order
	Limit    int
	// ExpiringDays selects certificates that expire within that many days
	// (still valid today).
	ExpiringDays int
	// Expired selects certificates that have expired (valid until a day
	// before today).
	Expired bool
	// NoAnnual selects persons without an annual record for that year.
	NoAnnual int
	// Where is one more condition on persons p, with its arguments, from a
	// module that owns the tables it reads (the indicators' gap lists).
	Where     string
	WhereArgs []any
}

// List returns the persons in the caller's scope that match f, by org unit
// and id, with the total count and the cursor of the next page ("" at the end).
// Each listed person gets an audit entry.
func (s *Store) List(ctx context.Context, c Caller, f Filter) ([]Person, int, string, error) {
	conds, args, ok := s.filterWhere(c, f)
	if !ok {
		return nil, 0, "", nil // another area: nothing, as if it did not exist
	}
	cond := strings.Join(conds, " AND ")
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM persons p WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, "", fmt.Errorf("count persons: %w", err)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	// Pages follow the (org unit, id) index, so no page sorts the whole scope.
	page, pageArgs := "", []any{}
	if f.Cursor != "" {
		unit, idText, ok := strings.Cut(f.Cursor, ".")
		id, err := strconv.ParseInt(idText, 10, 64)
		if !ok || err != nil {
			return nil, 0, "", apperr.Validation(apperr.Field("cursor", "invalid", "翻页参数 cursor 无效，请从第一页开始。", "The cursor is not valid; start again from the first page."))
		}
		// A row value: both engines seek the index to it (the OR form read
		// every earlier person of the scope on PostgreSQL, 0.5 s deep in a
		// city of 600,000).
		page, pageArgs = ` AND (p.orgunit, p.id) > (?, ?)`, []any{unit, id}
	}
	rows, err := s.db.Query(ctx, `SELECT `+personCols+` FROM persons p WHERE `+cond+page+` ORDER BY p.orgunit, p.id LIMIT ?`,
		append(append(args, pageArgs...), f.Limit+1)...)
	if err != nil {
		return nil, 0, "", fmt.Errorf("list persons: %w", err)
	}
	defer rows.Close()
	var out []Person
	today := s.db.Now()
	for rows.Next() {
		p, err := scanPerson(rows, today)
		if err != nil {
			return nil, 0, "", fmt.Errorf("list persons: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, "", fmt.Errorf("list persons: %w", err)
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = last.OrgUnit + "." + strconv.FormatInt(last.ID, 10)
	}
	if err := s.auditList(ctx, c, out); err != nil {
		return nil, 0, "", err
	}
	return out, total, next, nil
}

// filterWhere turns a filter into SQL conditions on persons p. ok is false when
// the filter asks for an org unit outside the caller's scope.
func (s *Store) filterWhere(c Caller, f Filter) ([]string, []any, bool) {
	where, args := scopeWhere(c)
	conds := []string{where}
	if f.OrgUnit != "" {
		sc, ok := c.Scope.Narrow(f.OrgUnit)
		if !ok {
			return nil, nil, false
		}
		lo, hi := sc.Range()
		conds, args = append(conds, "p.orgunit >= ? AND p.orgunit < ?"), append(args, lo, hi)
	}
	if f.Category != 0 {
		conds, args = append(conds, "p.category = ?"), append(args, f.Category)
	}
	if f.Grade != 0 {
		conds, args = append(conds, "p.grade = ?"), append(args, f.Grade)
	}
	if f.Status != "" {
		conds, args = append(conds, "p.status = ?"), append(args, f.Status)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		cond, qa := s.searchWhere(q)
		conds, args = append(conds, cond), append(args, qa...)
	}
	if f.ExpiringDays > 0 {
		// Valid CertificateValidYears from issue: expiring soon = issued between these dates.
		from, to := certWindow(s.db.Now(), f.ExpiringDays)
		conds, args = append(conds, "p.certificate_issued <> '' AND p.certificate_issued >= ? AND p.certificate_issued < ?"), append(args, from, to)
	}
	if f.Expired {
		from, _ := certWindow(s.db.Now(), 0)
		conds, args = append(conds, "p.certificate_issued <> '' AND p.certificate_issued < ?"), append(args, from)
	}
	if f.NoAnnual > 0 {
		conds, args = append(conds, "NOT EXISTS (SELECT 1 FROM annual_records a WHERE a.person_id = p.id AND a.year = ?)"), append(args, f.NoAnnual)
	}
	if f.Where != "" {
		conds, args = append(conds, "("+f.Where+")"), append(args, f.WhereArgs...)
	}
	return conds, args, true
}

// Count counts the persons of the caller's scope that match f (an aggregate:
// no personal data, not audited).
func (s *Store) Count(ctx context.Context, c Caller, f Filter) (int, error) {
	conds, args, ok := s.filterWhere(c, f)
	if !ok {
		return 0, nil
	}
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM persons p WHERE `+strings.Join(conds, " AND "), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count persons: %w", err)
	}
	return n, nil
}

// CategoryCount is the number of active persons of one category.
type CategoryCount struct {
	Category int
	Severe   int // grades 1 and 2
	Total    int
}

// CountByCategory counts the active persons of the scope by category.
func (s *Store) CountByCategory(ctx context.Context, c Caller) ([]CategoryCount, error) {
	where, args := scopeWhere(c)
	rows, err := s.db.Query(ctx, `SELECT p.category, SUM(CASE WHEN p.grade <= 2 THEN 1 ELSE 0 END), count(*) FROM persons p
		WHERE `+where+` AND p.status = 'active' GROUP BY p.category ORDER BY p.category`, args...)
	if err != nil {
		return nil, fmt.Errorf("count by category: %w", err)
	}
	defer rows.Close()
	var out []CategoryCount
	for rows.Next() {
		var cc CategoryCount
		if err := rows.Scan(&cc.Category, &cc.Severe, &cc.Total); err != nil {
			return nil, fmt.Errorf("count by category: %w", err)
		}
		out = append(out, cc)
	}
	return out, rows.Err()
}

func (s *Store) auditList(ctx context.Context, c Caller, ps []Person) error {
	if len(ps) == 0 {
		return nil
	}
	entries := make([]audit.Entry, len(ps))
	for i, p := range ps {
		entries[i] = c.Actor.Entry(audit.ActionList, SubjectPerson, strconv.FormatInt(p.ID, 10), p.OrgUnit)
	}
	return s.log.Record(ctx, entries...)
}

// fullCols are the columns of a person's full input, secrets encrypted.
var fullCols = "p.id, p.id_bidx, " + strings.Join(personReadCols("p.", false), ", ") + ", p.version, p.id_converted"

// maskedCols are fullCols with the masked forms of the secrets instead.
var maskedCols = "p.id, p.id_bidx, " + strings.Join(personReadCols("p.", true), ", ") + ", p.version, p.id_converted"

// stored is a person as stored, secrets decrypted.
type stored struct {
	id        int64
	bidx      []byte
	in        PersonInput
	version   int
	converted bool
}

func (s *Store) scanFull(sc interface{ Scan(...any) error }) (stored, error) {
	return s.scanStored(sc, false)
}

// scanStored scans a row of fullCols, or of maskedCols when masked.
func (s *Store) scanStored(sc interface{ Scan(...any) error }, masked bool) (stored, error) {
	var st stored
	fields, done := s.scanTargets(&st.in, masked)
	dest := append([]any{&st.id, &st.bidx}, fields...)
	if err := sc.Scan(append(dest, &st.version, &st.converted)...); err != nil {
		return stored{}, err
	}
	if err := done(); err != nil {
		return stored{}, err
	}
	return st, nil
}

// load reads a person's full input (secrets decrypted) for a change.
func (s *Store) load(ctx context.Context, c Caller, id int64) (stored, error) {
	where, args := scopeWhere(c)
	st, err := s.scanFull(s.db.QueryRow(ctx, `SELECT `+fullCols+` FROM persons p WHERE p.id = ? AND `+where, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return stored{}, apperr.ErrNotFound()
	}
	if err != nil {
		return stored{}, fmt.Errorf("load person %d: %w", id, err)
	}
	return st, nil
}

// Patch changes the given fields of a person. patch holds JSON values by field
// name and must carry "version"; a stale version is a conflict.
func (s *Store) Patch(ctx context.Context, c Caller, id int64, patch map[string]json.RawMessage) (Person, error) {
	st, err := s.load(ctx, c, id)
	if err != nil {
		return Person{}, err
	}
	cur, version := st.in, st.version
	var want int
	if v, ok := patch["version"]; !ok || json.Unmarshal(v, &want) != nil {
		return Person{}, apperr.Validation(apperr.Field("version", "required", "请提供记录的版本号（version）。", "Send the record's version."))
	}
	next := cur
	b, _ := json.Marshal(cur)
	var asMap map[string]json.RawMessage
	_ = json.Unmarshal(b, &asMap)
	var changed []string
	for k, v := range patch {
		if k == "version" {
			continue
		}
		if _, known := asMap[k]; !known && k != "components" && k != "household" {
			return Person{}, apperr.Validation(apperr.Field(k, "unknown", "不能修改此字段："+k, "This field cannot be changed: "+k))
		}
		asMap[k] = v
		changed = append(changed, k)
	}
	b, _ = json.Marshal(asMap)
	if err := json.Unmarshal(b, &next); err != nil {
		return Person{}, apperr.New(apperr.Malformed, "请求内容格式不正确："+err.Error(), "The request body is malformed: "+err.Error())
	}
	if want != version {
		return Person{}, apperr.ErrStale()
	}
	n, err := s.validate(ctx, c, next)
	if err != nil {
		return Person{}, err
	}
	n.ID.Converted = st.converted && n.IDNumber == cur.IDNumber // a converted legacy number stays noted
	slices.Sort(changed)
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := s.updateTx(ctx, tx, c, id, version, n)
		if db.IsUniqueViolation(err) {
			return duplicateID()
		}
		if err != nil {
			return fmt.Errorf("update person %d: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return apperr.ErrStale()
		}
		if err := s.changed(ctx, tx, id); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]any{"fields": changed})
		e := c.Actor.Entry(audit.ActionUpdate, SubjectPerson, strconv.FormatInt(id, 10), n.OrgUnit)
		e.Detail = string(detail)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Person{}, s.duplicateOr(ctx, c, n.IDNumber, err)
	}
	return s.get(ctx, c, id)
}

// updateTx writes all fields of a validated person whose stored version is
// version, within the caller's scope.
func (s *Store) updateTx(ctx context.Context, tx *db.Tx, c Caller, id int64, version int, n Normalized) (sql.Result, error) {
	where, args := scopeWhere(c)
	vals := append(s.personFieldValues(&n.PersonInput), n.ID.Converted, n.ID.Sex, n.ID.BirthYear, db.Millis(tx.Now), id, version)
	return tx.Exec(ctx, personUpdateSQL+where, append(vals, args...)...)
}

// personUpdateSQL writes the columns of PersonFields and what the ID number
// tells, for the person and version given, and a scope condition to append.
var personUpdateSQL = `UPDATE persons AS p SET ` + strings.Join(personFieldCols(), " = ?, ") + ` = ?, id_converted = ?, sex = ?, birth_year = ?,
	version = version + 1, updated_at = ? WHERE p.id = ? AND p.version = ? AND `

// Reveal returns the unmasked secrets of a person, audited with the reason.
func (s *Store) Reveal(ctx context.Context, c Caller, id int64, reason string) (Revealed, error) {
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) < 2 || len([]rune(reason)) > 200 {
		return Revealed{}, apperr.Validation(apperr.Field("reason", "required", "请说明查看完整信息的原因（2至200个字符）。",
			"State why you need to see the full details (2 to 200 characters)."))
	}
	st, err := s.load(ctx, c, id)
	if err != nil {
		return Revealed{}, err
	}
	in := st.in
	e := c.Actor.Entry(audit.ActionReveal, SubjectPerson, strconv.FormatInt(id, 10), in.OrgUnit)
	e.Reason = reason
	if err := s.log.Record(ctx, e); err != nil {
		return Revealed{}, err
	}
	out := Revealed{ID: id, IDNumber: in.IDNumber, CertificateNumber: in.CertificateNumber, Phone: in.Phone, GuardianPhone: in.GuardianPhone}
	if parsed, e := ParseIDNumber(fID, in.IDNumber, s.db.Now()); e == nil {
		out.BirthDate = parsed.BirthDate
	}
	return out, nil
}

// AccessLog lists who read or changed a person in scope, newest first.
func (s *Store) AccessLog(ctx context.Context, c Caller, id int64, before int64, limit int) ([]audit.Entry, int64, error) {
	return s.accessLog(ctx, c, id, before, limit, "")
}

// accessLog is AccessLog without the person's own entries of the action
// notAction ("" leaves out none).
func (s *Store) accessLog(ctx context.Context, c Caller, id int64, before int64, limit int, notAction string) ([]audit.Entry, int64, error) {
	if _, err := s.get(ctx, c, id); err != nil {
		return nil, 0, err
	}
	own, next, err := s.log.List(ctx, audit.Filter{SubjectType: SubjectPerson, SubjectID: strconv.FormatInt(id, 10), NotAction: notAction, Before: before, Limit: limit})
	if err != nil {
		return nil, 0, err
	}
	// The exports that held the person: one entry each, which lists every
	// person of the export; here it says only what, where, why and how many.
	exports, nextExport, err := s.log.List(ctx, audit.Filter{SubjectType: SubjectExport, DetailHas: ExportMention(id), Before: before, Limit: limit})
	if err != nil {
		return nil, 0, err
	}
	for i := range exports {
		var d map[string]any
		if json.Unmarshal([]byte(exports[i].Detail), &d) == nil {
			delete(d, "persons")
			b, _ := json.Marshal(d)
			exports[i].Detail = string(b)
		}
	}
	// The imports that created or updated the person: one entry each, which
	// lists every person the import wrote; here it says only what, and
	// whether it created or updated this person.
	imports, nextImport, err := s.log.List(ctx, audit.Filter{SubjectType: SubjectImport, DetailHas: ExportMention(id), Before: before, Limit: limit})
	if err != nil {
		return nil, 0, err
	}
	kept := imports[:0]
	for _, e := range imports {
		var d map[string]any
		if json.Unmarshal([]byte(e.Detail), &d) != nil {
			continue
		}
		created, _ := d[importCreated].(string)
		updated, _ := d[importUpdated].(string)
		delete(d, importCreated)
		delete(d, importUpdated)
		switch {
		case strings.Contains(created, ExportMention(id)):
			d["person"] = "created"
		case strings.Contains(updated, ExportMention(id)):
			d["person"] = "updated"
		default:
			continue // the text matched elsewhere (the file name, say)
		}
		b, _ := json.Marshal(d)
		e.Detail = string(b)
		kept = append(kept, e)
	}
	all := append(append(own, exports...), kept...)
	slices.SortFunc(all, func(a, b audit.Entry) int { return cmp.Compare(b.Seq, a.Seq) })
	if limit <= 0 || limit > 500 {
		limit = 50 // as audit.List
	}
	if len(all) > limit || next != 0 || nextExport != 0 || nextImport != 0 {
		all = all[:min(len(all), limit)]
		next = all[len(all)-1].Seq
	}
	return all, next, nil
}

// annualCols are the columns of a whole annual record: the key, the fields
// of AnnualFields, and the record's version and last change.
var annualCols = "person_id, year, " + strings.Join(annualColumns(""), ", ") + ", version, updated_at, updated_by, unknown"

func scanAnnual(sc interface{ Scan(...any) error }) (Annual, error) {
	var a Annual
	var updated int64
	var unknown string
	dest := append([]any{&a.PersonID, &a.Year}, annualTargets(&a)...)
	err := sc.Scan(append(dest, &a.Version, &updated, &a.UpdatedBy, &unknown)...)
	a.UpdatedAt, a.Unknown = db.FromMillis(updated), unknownList(unknown)
	return a, err
}

// GetAnnual reads a person's annual record for a year (audited as a read).
func (s *Store) GetAnnual(ctx context.Context, c Caller, id int64, year int) (Annual, error) {
	p, err := s.get(ctx, c, id)
	if err != nil {
		return Annual{}, err
	}
	a, err := scanAnnual(s.db.QueryRow(ctx, `SELECT `+annualCols+` FROM annual_records WHERE person_id = ? AND year = ?`, id, year))
	if errors.Is(err, sql.ErrNoRows) {
		return Annual{}, apperr.New(apperr.NotFound, fmt.Sprintf("尚无%d年度的状况记录。", year), fmt.Sprintf("There is no annual record for %d yet.", year))
	}
	if err != nil {
		return Annual{}, fmt.Errorf("get annual record: %w", err)
	}
	e := c.Actor.Entry(audit.ActionRead, SubjectPerson, strconv.FormatInt(id, 10), p.OrgUnit)
	e.Detail = fmt.Sprintf(`{"annual":%d}`, year)
	if err := s.log.Record(ctx, e); err != nil {
		return Annual{}, err
	}
	return a, nil
}

// HasAnnual tells whether a person (read in scope by the caller already)
// has a record of year; it reads no answer, so it is not audited.
func (s *Store) HasAnnual(ctx context.Context, id int64, year int) (bool, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM annual_records WHERE person_id = ? AND year = ?`, id, year).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("annual record of %d: %w", id, err)
	}
	return n > 0, nil
}

// AnnualRecords reads all of a person's annual records, newest first
// (audited as one read).
func (s *Store) AnnualRecords(ctx context.Context, c Caller, id int64) ([]Annual, error) {
	p, err := s.get(ctx, c, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+annualCols+` FROM annual_records WHERE person_id = ? ORDER BY year DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("annual records of %d: %w", id, err)
	}
	defer rows.Close()
	out := []Annual{}
	for rows.Next() {
		a, err := scanAnnual(rows)
		if err != nil {
			return nil, fmt.Errorf("annual records of %d: %w", id, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("annual records of %d: %w", id, err)
	}
	e := c.Actor.Entry(audit.ActionRead, SubjectPerson, strconv.FormatInt(id, 10), p.OrgUnit)
	e.Detail = `{"annual":"all"}`
	return out, s.log.Record(ctx, e)
}

// PutAnnual creates or replaces a person's annual record. When a.Version is set
// and the stored record has another version, it is a conflict. The record's org
// unit defaults to the person's current one.
func (s *Store) PutAnnual(ctx context.Context, c Caller, id int64, a Annual) (Annual, bool, error) {
	return s.putAnnual(ctx, c, id, a, false)
}

// putAnnual is PutAnnual; mustBeNew makes a record that exists already a
// conflict, whatever a.Version says (a save based on no record at all).
func (s *Store) putAnnual(ctx context.Context, c Caller, id int64, a Annual, mustBeNew bool) (Annual, bool, error) {
	p, err := s.get(ctx, c, id)
	if err != nil {
		return Annual{}, false, err
	}
	a.PersonID = id
	if a.OrgUnit == "" {
		a.OrgUnit = p.OrgUnit
	}
	fields := ValidateAnnual(&a, s.db.Now().Year())
	uf, err := s.checkUnit(ctx, c, a.OrgUnit)
	if err != nil {
		return Annual{}, false, err
	}
	if fields = append(fields, uf...); len(fields) > 0 {
		return Annual{}, false, apperr.Validation(fields...)
	}
	created := false
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		created, err = upsertAnnual(ctx, tx, a, c.Actor.Username, mustBeNew)
		if err != nil {
			return err
		}
		if err := s.changed(ctx, tx, id); err != nil {
			return err
		}
		e := c.Actor.Entry(audit.ActionUpdate, SubjectPerson, strconv.FormatInt(id, 10), a.OrgUnit)
		e.Detail = fmt.Sprintf(`{"annual":%d}`, a.Year)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Annual{}, false, err
	}
	out, err := scanAnnual(s.db.QueryRow(ctx, `SELECT `+annualCols+` FROM annual_records WHERE person_id = ? AND year = ?`, id, a.Year))
	if err != nil {
		return Annual{}, false, fmt.Errorf("read annual record: %w", err)
	}
	return out, created, nil
}

// SetEmploymentTx records, in tx, a person's employment in their annual
// record of year: the record's employment changes (version moves on), or a
// record is made from the person's current unit and economic status when the
// year has none. The caller tells the change hook and writes the audit entry.
func SetEmploymentTx(ctx context.Context, tx *db.Tx, personID int64, year int, employment, by string) error {
	res, err := tx.Exec(ctx, `UPDATE annual_records SET employment = ?, version = version + 1, updated_at = ?, updated_by = ?
		WHERE person_id = ? AND year = ?`, employment, db.Millis(tx.Now), by, personID, year)
	if err != nil {
		return fmt.Errorf("annual record: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	var unit, economic string
	if err := tx.QueryRow(ctx, `SELECT orgunit, economic_status FROM persons WHERE id = ?`, personID).Scan(&unit, &economic); err != nil {
		return fmt.Errorf("read person %d: %w", personID, err)
	}
	_, err = UpsertAnnualTx(ctx, tx, Annual{PersonID: personID, Year: year, OrgUnit: unit, Employment: employment, EconomicStatus: economic}, by)
	return err
}

// UpsertAnnualTx writes a validated annual record in tx. A non-zero a.Version must
// match the stored one. It reports whether the record was new.
func UpsertAnnualTx(ctx context.Context, tx *db.Tx, a Annual, by string) (bool, error) {
	return upsertAnnual(ctx, tx, a, by, false)
}

// upsertAnnual is UpsertAnnualTx; mustBeNew refuses (409) a record that
// exists already.
func upsertAnnual(ctx context.Context, tx *db.Tx, a Annual, by string, mustBeNew bool) (bool, error) {
	var cur int
	err := tx.QueryRow(ctx, `SELECT version FROM annual_records WHERE person_id = ? AND year = ?`+tx.ForUpdate(), a.PersonID, a.Year).Scan(&cur)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if a.Version > 1 {
			return false, apperr.ErrStale()
		}
	case err != nil:
		return false, fmt.Errorf("read annual version: %w", err)
	case mustBeNew || a.Version != 0 && a.Version != cur:
		return false, apperr.ErrStale()
	}
	vals := append(annualValues(&a), unknownText(&a), db.Millis(tx.Now), by, a.PersonID, a.Year)
	if errors.Is(err, sql.ErrNoRows) {
		res, err := tx.Exec(ctx, annualInsertSQL, vals...)
		if err != nil {
			return false, fmt.Errorf("insert annual record: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err == nil, err
		}
		// Another transaction made the record since we looked (PostgreSQL:
		// it committed while we waited on its key). This save was meant to
		// make the record and never saw that one: a conflict (409), not a
		// silent overwrite of what the other person entered.
		return false, apperr.ErrStale()
	}
	_, err = tx.Exec(ctx, annualUpdateSQL, vals...)
	if err != nil {
		return false, fmt.Errorf("update annual record: %w", err)
	}
	return false, nil
}

// annualInsertSQL makes an annual record from annualValues, then updated_at,
// updated_by, person_id and year; nothing when the record exists already.
var annualInsertSQL = `INSERT INTO annual_records (` + strings.Join(annualColumns(""), ", ") + `, unknown, updated_at, updated_by, person_id, year, version)
	VALUES (` + placeholders(len(AnnualFields)+5) + `, 1) ON CONFLICT (person_id, year) DO NOTHING`

// annualUpdateSQL replaces an annual record with the values of annualInsertSQL.
var annualUpdateSQL = `UPDATE annual_records SET ` + strings.Join(annualColumns(""), " = ?, ") + ` = ?, unknown = ?, updated_at = ?,
	updated_by = ?, version = version + 1 WHERE person_id = ? AND year = ?`
