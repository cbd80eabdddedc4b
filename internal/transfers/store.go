package transfers

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/registry"
)

var (
	refPattern      = regexp.MustCompile(`^[0-9a-f]{32}$`)
	districtPattern = regexp.MustCompile(`^[0-9]{6}$`)
)

// ValidRef says whether s has the shape of a package's reference.
func ValidRef(s string) bool { return refPattern.MatchString(s) }

const cols = `t.ref, t.direction, t.partner, t.person_id, t.orgunit, t.state, t.reason, t.note, t.package, t.created_by, t.created_at, t.updated_at, t.version`

// row is a transfer as stored.
type row struct {
	Transfer
	pkg string
}

func scanRow(sc interface{ Scan(...any) error }) (row, error) {
	var r row
	var person sql.NullInt64
	var created, updated int64
	err := sc.Scan(&r.Ref, &r.Direction, &r.Partner, &person, &r.OrgUnit, &r.State, &r.Reason, &r.Note, &r.pkg,
		&r.CreatedBy, &created, &updated, &r.Version)
	r.PersonID = person.Int64
	r.CreatedAt, r.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	return r, err
}

type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// load reads the transfer ref in the caller's scope (its unit in the
// caller's subtree); 404 otherwise, like a missing ref.
func (s *Store) load(ctx context.Context, q querier, c Caller, ref, forUpdate string) (row, error) {
	if !ValidRef(ref) || c.PersonID != 0 {
		return row{}, notFound()
	}
	lo, hi := c.Scope.Range()
	r, err := scanRow(q.QueryRow(ctx, `SELECT `+cols+` FROM transfers t WHERE t.ref = ? AND t.orgunit >= ? AND t.orgunit < ?`+forUpdate, ref, lo, hi))
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, notFound()
	}
	if err != nil {
		return row{}, fmt.Errorf("read transfer %s: %w", ref, err)
	}
	return r, nil
}

// partner checks that district is a partner of this installation, and
// returns its name.
func (s *Store) partner(ctx context.Context, field, district string) (string, error) {
	bad := func() error {
		return invalid(field, "not_partner", "该区不是本区的合作区："+district, "This district is not a partner of this one: "+district)
	}
	if district == "" {
		return "", invalid(field, "required", "请选择转入合作区。", "Choose the partner district.")
	}
	if !districtPattern.MatchString(district) || district == s.Home || s.Partners == nil {
		return "", bad()
	}
	ps, err := s.Partners.Partners(ctx)
	if err != nil {
		return "", fmt.Errorf("list the partners: %w", err)
	}
	i := slices.IndexFunc(ps, func(p Partner) bool { return p.District == district })
	if i < 0 {
		return "", bad()
	}
	return ps[i].Name, nil
}

// name is the name of a district (its code when unknown).
func (s *Store) name(ctx context.Context, code, lang string) string {
	if u, err := s.units.Get(ctx, code); err == nil {
		return u.Label(lang)
	}
	return code
}

func detail(m map[string]any) string {
	b, _ := json.Marshal(m) // strings only: cannot fail
	return string(b)
}

// IssueInput is the body of POST /api/v1/persons/{id}/transfers.
type IssueInput struct {
	To     string `json:"to"`
	Reason string `json:"reason"`
}

// Issue issues a transfer package of a person in the caller's scope to the
// partner district in.To. The person is not changed; one open transfer per
// person.
func (s *Store) Issue(ctx context.Context, c Caller, personID int64, in IssueInput, lang string) (Transfer, error) {
	in.To = strings.TrimSpace(in.To)
	if fe := safetext.Field("reason", &in.Reason, true, 200, "转移原因", "reason for the move"); fe != nil {
		return Transfer{}, apperr.Validation(*fe)
	}
	person, _, err := s.reg.Record(ctx, c, personID)
	if err != nil {
		return Transfer{}, err
	}
	if _, err := s.partner(ctx, "to", in.To); err != nil {
		return Transfer{}, err
	}
	if person.Status != "active" {
		return Transfer{}, conflict("status", "not_active", "只有在册（状态为正常）的残疾人才能转出。", "Only a person whose record is active can be moved out.")
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Transfer{}, fmt.Errorf("issue transfer: %w", err)
	}
	plain := Plain{Person: person}
	plain.Person.Household = "" // a household number of this district means nothing there
	if person.CertificateNumber != "" || person.CertificateIssued != "" {
		plain.Certificates = []Certificate{{Number: person.CertificateNumber, Issued: person.CertificateIssued,
			Expires: registry.CertificateExpiry(person.CertificateIssued)}}
	}
	pb, err := json.Marshal(plain)
	if err != nil {
		return Transfer{}, fmt.Errorf("issue transfer: %w", err)
	}
	pkg := Package{Format: Format, Version: FormatVersion, Ref: hex.EncodeToString(raw[:]), From: s.Home, To: in.To,
		CreatedAt: s.db.Now().UTC().Format(time.RFC3339)}
	// The key is named before sealing: seal once to learn it, then bind it.
	keyID, _, err := s.Partners.Seal(ctx, in.To, pkg.AAD(), nil)
	if err != nil {
		return Transfer{}, err
	}
	pkg.Key = keyID
	keyAgain, sealed, err := s.Partners.Seal(ctx, in.To, pkg.AAD(), pb)
	if err != nil {
		return Transfer{}, err
	}
	if keyAgain != keyID {
		return Transfer{}, apperr.New(apperr.Conflict, "与合作区的密钥刚刚更换，请重试。", "The key shared with the partner just changed; try again.")
	}
	pkg.Data = base64.StdEncoding.EncodeToString(sealed)
	file, err := json.Marshal(pkg)
	if err != nil {
		return Transfer{}, fmt.Errorf("issue transfer: %w", err)
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var open int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM transfers WHERE person_id = ? AND direction = 'out' AND state = 'issued'`, personID).Scan(&open); err != nil {
			return fmt.Errorf("issue transfer: %w", err)
		}
		if open > 0 {
			return openTransfer()
		}
		_, err := tx.Exec(ctx, `INSERT INTO transfers (ref, direction, partner, person_id, orgunit, state, reason, package, created_by, created_at, updated_by, updated_at)
			VALUES (?, 'out', ?, ?, ?, 'issued', ?, ?, ?, ?, ?, ?)`, pkg.Ref, in.To, personID, person.OrgUnit, in.Reason, string(file),
			c.Actor.Username, db.Millis(tx.Now), c.Actor.Username, db.Millis(tx.Now))
		if db.IsUniqueViolation(err) {
			return openTransfer()
		}
		if err != nil {
			return fmt.Errorf("issue transfer: %w", err)
		}
		e := c.Actor.Entry(ActionIssue, registry.SubjectPerson, fmt.Sprint(personID), person.OrgUnit)
		e.Reason, e.Detail = in.Reason, detail(map[string]any{"ref": pkg.Ref, "to": in.To})
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Transfer{}, err
	}
	return s.Get(ctx, c, pkg.Ref, lang)
}

func openTransfer() error {
	return conflict("person", "open_transfer", "此人已有一个未完成的转出，请先完成或撤销。",
		"This person already has an open transfer; complete or cancel it first.")
}

// Get reads a transfer in the caller's scope. An incoming one comes with
// its preview (the package opened again; the read audited).
func (s *Store) Get(ctx context.Context, c Caller, ref, lang string) (Transfer, error) {
	r, err := s.load(ctx, s.db, c, ref, "")
	if err != nil {
		return Transfer{}, err
	}
	t := r.Transfer
	t.PartnerName = s.name(ctx, t.Partner, lang)
	if t.Direction == In {
		_, plain, err := s.open(ctx, []byte(r.pkg))
		if err != nil {
			return Transfer{}, err
		}
		t.Preview = preview(plain)
		e := c.Actor.Entry(audit.ActionRead, SubjectTransfer, ref, t.OrgUnit)
		e.Detail = detail(map[string]any{"from": t.Partner})
		if err := s.log.Record(ctx, e); err != nil {
			return Transfer{}, err
		}
	}
	return t, nil
}

func preview(p Plain) *Preview {
	pv := &Preview{Name: p.Person.Name, IDNumberMasked: registry.MaskID(p.Person.IDNumber), Category: p.Person.Category,
		Grade: p.Person.Grade, FromOrgUnit: p.Person.OrgUnit}
	if len(p.Certificates) > 0 {
		c := p.Certificates[len(p.Certificates)-1]
		pv.CertificateNumberMasked, pv.CertificateIssued = registry.MaskCertificate(c.Number), c.Issued
	}
	return pv
}

// Filter narrows the list of transfers.
type Filter struct {
	Direction string // "out", "in" or "" for both
}

// List lists the transfers of the caller's scope, newest first (at most 500).
func (s *Store) List(ctx context.Context, c Caller, f Filter, lang string) ([]Transfer, error) {
	if c.PersonID != 0 {
		return nil, nil
	}
	lo, hi := c.Scope.Range()
	q := `SELECT ` + cols + ` FROM transfers t WHERE t.orgunit >= ? AND t.orgunit < ?`
	args := []any{lo, hi}
	switch f.Direction {
	case "":
	case Out, In:
		q += ` AND t.direction = ?`
		args = append(args, f.Direction)
	default:
		return nil, invalid("direction", "invalid", "direction 应为 out 或 in。", "direction must be out or in.")
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY t.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("list transfers: %w", err)
	}
	defer rows.Close()
	var out []Transfer
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("list transfers: %w", err)
		}
		out = append(out, r.Transfer)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list transfers: %w", err)
	}
	for i := range out {
		out[i].PartnerName = s.name(ctx, out[i].Partner, lang)
	}
	return out, nil
}

// Package returns the package file of an outgoing transfer that is still
// issued; taking it is audited as a read of the person.
func (s *Store) Package(ctx context.Context, c Caller, ref string) ([]byte, error) {
	r, err := s.load(ctx, s.db, c, ref, "")
	if err != nil {
		return nil, err
	}
	if r.Direction != Out {
		return nil, notFound()
	}
	if r.State == Cancelled {
		return nil, conflict("state", "cancelled", "该转出已撤销，不能再下载转移包。", "This transfer was cancelled: its package cannot be taken any more.")
	}
	e := c.Actor.Entry(ActionPackage, registry.SubjectPerson, fmt.Sprint(r.PersonID), r.OrgUnit)
	e.Detail = detail(map[string]any{"ref": r.Ref, "to": r.Partner})
	if err := s.log.Record(ctx, e); err != nil {
		return nil, err
	}
	return []byte(r.pkg), nil
}

// ReasonInput carries a reason (cancel; complete without the partner's
// answer).
type ReasonInput struct {
	Reason string `json:"reason"`
}

// Cancel cancels an outgoing transfer that is still issued.
func (s *Store) Cancel(ctx context.Context, c Caller, ref string, in ReasonInput, lang string) (Transfer, error) {
	if fe := safetext.Field("reason", &in.Reason, true, 200, "撤销原因", "reason for cancelling"); fe != nil {
		return Transfer{}, apperr.Validation(*fe)
	}
	// A package the receiving district has accepted is not cancelled here
	// (the person would stand on both registers): the move is completed.
	// A partner that does not answer, or does not know the package, does
	// not hold the cancelling up.
	if r, err := s.load(ctx, s.db, c, ref, ""); err == nil && r.Direction == Out && r.State == Issued && s.Partners != nil {
		var st PeerState
		if s.Partners.Get(ctx, r.Partner, PeerPath+r.Ref, &st) == nil && st.Ref == r.Ref && st.State == Accepted {
			return Transfer{}, conflict("state", "accepted", "转入区已确认接收此人，不能撤销：请完成迁移。",
				"The receiving district has accepted this person: the transfer cannot be cancelled; complete the move instead.")
		}
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		r, err := s.load(ctx, tx, c, ref, tx.ForUpdate())
		if err != nil {
			return err
		}
		if r.Direction != Out {
			return notFound()
		}
		if r.State != Issued {
			return stateConflict(r.State)
		}
		if err := s.setState(ctx, tx, c, r, Cancelled, in.Reason, nil); err != nil {
			return err
		}
		e := c.Actor.Entry(ActionCancel, SubjectTransfer, r.Ref, r.OrgUnit)
		e.Reason, e.Detail = in.Reason, detail(map[string]any{"to": r.Partner})
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Transfer{}, err
	}
	return s.Get(ctx, c, ref, lang)
}

func stateConflict(state string) error {
	zh := map[string]string{Issued: "已签发", Cancelled: "已撤销", Completed: "已完成", Received: "已接收", Accepted: "已接收入户"}[state]
	return conflict("state", "state", "该转移当前状态为“"+zh+"”，不能进行此操作。", "The transfer is "+state+": this cannot be done now.")
}

// setState moves a transfer from the state read to next (version-checked),
// noting note and, when not nil, the person and unit.
func (s *Store) setState(ctx context.Context, tx *db.Tx, c Caller, r row, next, note string, person *int64, unit ...string) error {
	q := `UPDATE transfers SET state = ?, note = ?, updated_by = ?, updated_at = ?, version = version + 1`
	args := []any{next, note, c.Actor.Username, db.Millis(tx.Now)}
	if person != nil {
		q += `, person_id = ?`
		args = append(args, *person)
	}
	if len(unit) > 0 {
		q += `, orgunit = ?`
		args = append(args, unit[0])
	}
	res, err := tx.Exec(ctx, q+` WHERE ref = ? AND state = ? AND version = ?`, append(args, r.Ref, r.State, r.Version)...)
	if err != nil {
		return fmt.Errorf("change transfer %s: %w", r.Ref, err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return apperr.ErrStale()
	}
	return nil
}

// parse reads a package file's header and data, refusing what is not one.
func parse(file []byte) (Package, []byte, error) {
	bad := func(code, zh, en string) error { return invalid("file", code, zh, en) }
	if len(file) == 0 || len(file) > MaxPackage {
		return Package{}, nil, bad("size", "转移包为空或过大。", "The transfer package is empty or too large.")
	}
	dec := json.NewDecoder(strings.NewReader(string(file)))
	dec.DisallowUnknownFields()
	var p Package
	if err := dec.Decode(&p); err != nil || dec.More() {
		return Package{}, nil, bad("format", "文件不是转移包（应为 JSON 格式的 sunshine-transfer 文件）。",
			"The file is not a transfer package (a sunshine-transfer JSON file).")
	}
	if p.Format != Format || p.Version != FormatVersion {
		return Package{}, nil, bad("format", "文件不是本系统能读取的转移包（格式或版本不符）。",
			"The file is not a transfer package this system reads (wrong format or version).")
	}
	if !ValidRef(p.Ref) || !districtPattern.MatchString(p.From) || !districtPattern.MatchString(p.To) ||
		p.Key == "" || len(p.Key) > 200 || safetext.Bad(p.Key) {
		return Package{}, nil, bad("format", "转移包的头信息不完整或有误。", "The transfer package's header is incomplete or wrong.")
	}
	if _, err := time.Parse(time.RFC3339, p.CreatedAt); err != nil {
		return Package{}, nil, bad("format", "转移包的签发时间有误。", "The transfer package's time of issue is wrong.")
	}
	sealed, err := base64.StdEncoding.DecodeString(p.Data)
	if err != nil || len(sealed) == 0 {
		return Package{}, nil, bad("tampered", "转移包内容已损坏或被改动。", "The transfer package was damaged or altered.")
	}
	return p, sealed, nil
}

// open checks a package file for this installation and opens it: the
// header's to is the home district, the key is the sending partner's own
// and the data and header are as sealed.
func (s *Store) open(ctx context.Context, file []byte) (Package, Plain, error) {
	p, sealed, err := parse(file)
	if err != nil {
		return Package{}, Plain{}, err
	}
	if p.To != s.Home {
		return Package{}, Plain{}, invalid("file", "not_for_us", "该转移包不是发给本区的（收件区："+p.To+"）。",
			"This transfer package is not for this district (it is for "+p.To+").")
	}
	if s.Partners == nil {
		return Package{}, Plain{}, invalid("file", "not_partner", "本区没有登记合作区，不能接收转移包。", "This district has no partners: it cannot take transfer packages.")
	}
	district, pb, err := s.Partners.Open(ctx, p.Key, p.AAD(), sealed)
	if err != nil {
		if ae, ok := apperr.As(err); ok && ae.Code == apperr.Invalid {
			return Package{}, Plain{}, invalid("file", "tampered", "转移包无法解密：已被改动，或密钥未知或已吊销。",
				"The transfer package cannot be opened: it was altered, or its key is unknown or revoked.")
		}
		return Package{}, Plain{}, err
	}
	if district != p.From {
		return Package{}, Plain{}, invalid("file", "wrong_sender", "转移包的发件区与其密钥所属的合作区不符。",
			"The transfer package's sending district is not the partner its key belongs to.")
	}
	var plain Plain
	dec := json.NewDecoder(strings.NewReader(string(pb)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&plain); err != nil {
		return Package{}, Plain{}, invalid("file", "format", "转移包的内容无法读取。", "The transfer package's content cannot be read.")
	}
	return p, plain, nil
}

// Receive checks an uploaded package and keeps it as received (still
// sealed), in the unit of the staff who uploaded it.
func (s *Store) Receive(ctx context.Context, c Caller, file []byte, lang string) (Transfer, error) {
	if c.Scope.All || c.Scope.Prefix == "" || c.PersonID != 0 {
		return Transfer{}, notFound()
	}
	p, _, err := s.open(ctx, file)
	if err != nil {
		return Transfer{}, err
	}
	unit := c.Scope.Prefix
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM transfers WHERE ref = ?`, p.Ref).Scan(&n); err != nil {
			return fmt.Errorf("receive transfer: %w", err)
		}
		if n > 0 {
			return received()
		}
		_, err := tx.Exec(ctx, `INSERT INTO transfers (ref, direction, partner, orgunit, state, package, created_by, created_at, updated_by, updated_at)
			VALUES (?, 'in', ?, ?, 'received', ?, ?, ?, ?, ?)`, p.Ref, p.From, unit, string(file),
			c.Actor.Username, db.Millis(tx.Now), c.Actor.Username, db.Millis(tx.Now))
		if db.IsUniqueViolation(err) {
			return received()
		}
		if err != nil {
			return fmt.Errorf("receive transfer: %w", err)
		}
		e := c.Actor.Entry(ActionReceive, SubjectTransfer, p.Ref, unit)
		e.Detail = detail(map[string]any{"from": p.From})
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Transfer{}, err
	}
	return s.Get(ctx, c, p.Ref, lang)
}

func received() error {
	return conflict("file", "duplicate", "该转移包已经上传过，不能重复接收。", "This transfer package was uploaded already; it cannot be taken twice.")
}

// AcceptInput is the body of POST /api/v1/transfers/{ref}/accept: the
// village the person now lives in (a level-4 unit of the caller's area) and
// the transfer's version as read.
type AcceptInput struct {
	OrgUnit string `json:"orgunit"`
	Version int    `json:"version"`
}

// Accept registers the person of a received package in the village given,
// through the registry (its checks apply), and marks the transfer
// accepted, in one transaction.
func (s *Store) Accept(ctx context.Context, c Caller, ref string, in AcceptInput, lang string) (Transfer, error) {
	r, err := s.load(ctx, s.db, c, ref, "")
	if err != nil {
		return Transfer{}, err
	}
	if r.Direction != In {
		return Transfer{}, notFound()
	}
	if r.State != Received {
		return Transfer{}, stateConflict(r.State)
	}
	if in.Version != r.Version {
		return Transfer{}, apperr.ErrStale()
	}
	p, plain, err := s.open(ctx, []byte(r.pkg))
	if err != nil {
		return Transfer{}, err
	}
	person := plain.Person
	person.OrgUnit, person.Household, person.Status = strings.TrimSpace(in.OrgUnit), "", "active"
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		id, err := s.reg.CreateTx(ctx, tx, c, person, map[string]any{"transfer": p.Ref, "from": p.From})
		if ae, ok := apperr.As(err); ok && ae.Code == apperr.Conflict {
			return conflict("id_number", "registered", "此身份证号的残疾人已在本区登记，不能再由转移包建档；请与转出区核实。",
				"A person with this ID number is registered in this district already: the package cannot register them again. Check with the sending district.")
		}
		if err != nil {
			return err
		}
		if err := s.setState(ctx, tx, c, r, Accepted, "", &id, person.OrgUnit); err != nil {
			return err
		}
		e := c.Actor.Entry(ActionAccept, SubjectTransfer, p.Ref, person.OrgUnit)
		e.Detail = detail(map[string]any{"from": p.From, "person": id})
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Transfer{}, err
	}
	return s.Get(ctx, c, ref, lang)
}

// PeerState answers the partner peer about a package it sent here: its
// state, when peer is the package's sender; 404 otherwise, like a missing
// ref.
func (s *Store) PeerState(ctx context.Context, peer, ref string) (PeerState, error) {
	if !ValidRef(ref) || peer == "" {
		return PeerState{}, notFound()
	}
	var st PeerState
	err := s.db.QueryRow(ctx, `SELECT ref, state FROM transfers WHERE ref = ? AND direction = 'in' AND partner = ?`, ref, peer).Scan(&st.Ref, &st.State)
	if errors.Is(err, sql.ErrNoRows) {
		return PeerState{}, notFound()
	}
	if err != nil {
		return PeerState{}, fmt.Errorf("read transfer %s: %w", ref, err)
	}
	return st, nil
}

// Complete ends an issued transfer once the receiving district accepted
// it: the person is marked moved out (version-checked) and the transfer
// completed, in one transaction. Without a reason the receiving partner is
// asked (a partner that does not answer changes nothing); with one (the
// receiving district confirmed otherwise) it is not, and the reason is
// audited.
func (s *Store) Complete(ctx context.Context, c Caller, ref string, in ReasonInput, lang string) (Transfer, error) {
	if fe := safetext.Field("reason", &in.Reason, false, 200, "确认说明", "confirmation"); fe != nil {
		return Transfer{}, apperr.Validation(*fe)
	}
	r, err := s.load(ctx, s.db, c, ref, "")
	if err != nil {
		return Transfer{}, err
	}
	if r.Direction != Out {
		return Transfer{}, notFound()
	}
	if r.State != Issued {
		return Transfer{}, stateConflict(r.State)
	}
	_, version, err := s.reg.Record(ctx, c, r.PersonID)
	if err != nil {
		return Transfer{}, err
	}
	how := "partner"
	if in.Reason == "" {
		if s.Partners == nil {
			return Transfer{}, invalid("to", "not_partner", "本区没有登记合作区。", "This district has no partners.")
		}
		var st PeerState
		if err := s.Partners.Get(ctx, r.Partner, PeerPath+r.Ref, &st); err != nil {
			return Transfer{}, unanswered(err)
		}
		if st.Ref != r.Ref || st.State != Accepted {
			return Transfer{}, conflict("state", "not_accepted", "转入区尚未确认接收此人（对方状态："+st.State+"）。",
				"The receiving district has not accepted this person yet (its state: "+st.State+").")
		}
	} else {
		how = "stated"
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		d := map[string]any{"transfer": r.Ref, "to": r.Partner, "confirmed": how}
		if err := s.reg.SetStatusTx(ctx, tx, c, r.PersonID, version, "moved_out", in.Reason, d); err != nil {
			return err
		}
		if err := s.setState(ctx, tx, c, r, Completed, in.Reason, nil); err != nil {
			return err
		}
		e := c.Actor.Entry(ActionComplete, SubjectTransfer, r.Ref, r.OrgUnit)
		e.Reason, e.Detail = in.Reason, detail(map[string]any{"to": r.Partner, "confirmed": how})
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Transfer{}, err
	}
	return s.Get(ctx, c, ref, lang)
}

// unanswered says that the partner could not confirm, keeping its reason.
func unanswered(err error) error {
	why := apperr.T("", "")
	if ae, ok := apperr.As(err); ok {
		why = ae.Msg
	}
	return &apperr.Error{Code: apperr.Conflict, Err: err, Msg: apperr.T("未能向转入区核实接收情况，未做任何更改。"+why.Zh,
		"The receiving district could not be asked whether it accepted; nothing was changed. "+why.En),
		Fields: []apperr.FieldError{apperr.Field("to", "unanswered", "转入区未应答。", "The receiving district did not answer.")}}
}
