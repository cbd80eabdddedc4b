package casework

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/registry"
)

// SubjectCase is the audit subject type of cases.
const SubjectCase = "case"

// Case is a case as clients see it.
type Case struct {
	ID          int64          `json:"id"`
	PersonID    int64          `json:"person_id"`
	OrgUnit     string         `json:"orgunit"`
	ServiceType string         `json:"service_type"`
	State       string         `json:"state"`
	Data        map[string]any `json:"data"`
	Version     int            `json:"version"`
	DueAt       *time.Time     `json:"due_at"`
	Overdue     bool           `json:"overdue"`
	CreatedBy   string         `json:"created_by"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	ClosedAt    *time.Time     `json:"closed_at"`
	// ContractID and ProviderID are the purchase contract the case is
	// assigned to and its provider (0: none; internal/providers).
	ContractID int64   `json:"contract_id,omitempty"`
	ProviderID int64   `json:"provider_id,omitempty"`
	Timeline   []Event `json:"timeline,omitempty"`
}

// Event is one step of a case's timeline.
type Event struct {
	At       time.Time      `json:"at"`
	Username string         `json:"username"`
	Role     string         `json:"role"`
	Action   string         `json:"action"`
	From     string         `json:"from"`
	To       string         `json:"to"`
	Data     map[string]any `json:"data,omitempty"`
}

// Engine runs the workflows of the registered service types.
type Engine struct {
	db *db.DB
	// mu guards types: service types defined at run time are registered
	// while requests run. It is held only to read or replace the slice, never
	// across a database call or a hook (Allowed, Sync, Changed).
	mu    sync.RWMutex
	types []*Type
	log   *audit.Log
	// Changed, when set, is told inside the transaction which persons' cases
	// changed state (the indicators count dispensed devices, sessions…).
	Changed registry.ChangeHook
	// Allowed, when set, says whether a case of a type may be opened for a
	// person of a (level-4) unit: nil, or an error (a conflict naming the
	// reason). Create calls it in its transaction; the service types API and
	// the new case page ask it through Available.
	Allowed func(ctx context.Context, q Querier, typeCode, unit string) error
	// Sync, when set, brings the types defined in the database (local
	// projects) up to date before each operation, so that several servers
	// sharing a database see each other's definitions.
	Sync func(ctx context.Context) error
}

// sync runs Sync, if any.
func (e *Engine) sync(ctx context.Context) error {
	if e.Sync == nil {
		return nil
	}
	return e.Sync(ctx)
}

// Refresh brings the service types defined in the database up to date
// (Sync): a list of the types (Types) shown to a user, or a type looked up
// (TypeOf) before an operation, then holds what another server sharing the
// database defined a moment ago.
func (e *Engine) Refresh(ctx context.Context) error { return e.sync(ctx) }

// Querier reads one row: a *db.DB or a *db.Tx.
type Querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// NewEngine returns an engine with no service types.
func NewEngine(d *db.DB, log *audit.Log) *Engine { return &Engine{db: d, log: log} }

// Register adds a service type, or replaces the type of the same code (types
// defined at run time change). It panics on an invalid definition (a
// programming error, caught by any test that starts the app).
func (e *Engine) Register(t *Type) {
	if err := t.check(); err != nil {
		panic(err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, x := range e.types {
		if x.Code == t.Code {
			e.types[i] = t
			return
		}
	}
	e.types = append(e.types, t)
}

// Types lists the service types.
func (e *Engine) Types() []*Type {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return slices.Clone(e.types)
}

// TypeOf finds a service type.
func (e *Engine) TypeOf(code string) (*Type, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, t := range e.types {
		if t.Code == code {
			return t, true
		}
	}
	return nil, false
}

// Available reports whether a case of the type may be opened for a person of
// unit (see Allowed); the error is for failures to find out.
func (e *Engine) Available(ctx context.Context, typeCode, unit string) (bool, error) {
	if e.Allowed == nil {
		return true, nil
	}
	err := e.Allowed(ctx, e.db, typeCode, unit)
	if err == nil {
		return true, nil
	}
	if apperr.CodeOf(err) == apperr.Conflict {
		return false, nil
	}
	return false, err
}

func decodeData(raw []byte) (map[string]any, error) {
	m := map[string]any{}
	if len(raw) == 0 {
		return m, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// ParseData reads a JSON object of case data, keeping numbers exact.
func ParseData(raw json.RawMessage) (map[string]any, error) {
	if string(raw) == "null" {
		return map[string]any{}, nil
	}
	m, err := decodeData(raw)
	if err != nil || m == nil {
		return nil, apperr.Validation(apperr.Field("data", "invalid", "data 应为 JSON 对象。", "data must be a JSON object."))
	}
	return m, nil
}

const caseCols = `c.id, c.person_id, c.orgunit, c.service_type, c.state, c.data, c.version, c.due_at, c.created_by, c.created_at, c.updated_at, c.closed_at,
	COALESCE(c.contract_id, 0), COALESCE(c.provider_id, 0)`

func (e *Engine) scan(sc interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var data string
	var due, created, updated, closed int64
	if err := sc.Scan(&c.ID, &c.PersonID, &c.OrgUnit, &c.ServiceType, &c.State, &data, &c.Version, &due, &c.CreatedBy, &created, &updated, &closed,
		&c.ContractID, &c.ProviderID); err != nil {
		return c, err
	}
	var err error
	if c.Data, err = decodeData([]byte(data)); err != nil {
		return c, fmt.Errorf("case %d: data: %w", c.ID, err)
	}
	c.CreatedAt, c.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	if due > 0 {
		t := time.UnixMilli(due).UTC()
		c.DueAt = &t
		c.Overdue = closed == 0 && e.db.Now().After(t)
	}
	if closed > 0 {
		t := time.UnixMilli(closed).UTC()
		c.ClosedAt = &t
	}
	return c, nil
}

// scopeWhere restricts cases (alias c) to the caller: a person sees their
// own, a provider's worker those assigned to its organisation.
func scopeWhere(c access.Caller) (string, []any) { return c.CaseWhere("c") }

func notFound(id int64) error {
	return apperr.New(apperr.NotFound, fmt.Sprintf("找不到个案 %d，或不在您的管辖范围内。", id), fmt.Sprintf("Case %d was not found or is outside your area.", id))
}

func (e *Engine) dueAt(t *Type, state string, now time.Time) int64 {
	s, _ := t.StateOf(state)
	if s.Due == 0 || s.Terminal {
		return 0
	}
	return db.Millis(now.Add(s.Due))
}

// Create opens a case of a service type for a person in the caller's scope.
func (e *Engine) Create(ctx context.Context, c access.Caller, personID int64, typeCode string, data map[string]any) (Case, error) {
	if err := e.sync(ctx); err != nil {
		return Case{}, err
	}
	t, ok := e.TypeOf(typeCode)
	if !ok {
		return Case{}, apperr.Validation(apperr.Field("service_type", "unknown", "没有这个服务类型："+typeCode, "There is no service type "+typeCode+"."))
	}
	if !slices.Contains(t.CreateRoles, c.Actor.Role) {
		return Case{}, apperr.New(apperr.Forbidden, "您的角色不能申请这项服务。", "Your role cannot open a case of this service.")
	}
	if data == nil {
		data = map[string]any{}
	}
	create := t.CreateFields
	if !slices.ContainsFunc(create, func(f Field) bool { return f.Name == needField.Name }) {
		create = append([]Field{needField}, create...) // every new case may say what is needed
	}
	create = append(slices.Clip(create), overrideField) // and why it goes ahead on an expired certificate
	if fields := checkData(create, data); len(fields) > 0 {
		return Case{}, apperr.Validation(fields...)
	}
	var id int64
	err := e.db.InTx(ctx, func(tx *db.Tx) error {
		var unit, issued, status string
		where, args := c.Where("p.id", "p.orgunit")
		err := tx.QueryRow(ctx, `SELECT p.orgunit, p.certificate_issued, p.status FROM persons p WHERE p.id = ? AND `+where,
			append([]any{personID}, args...)...).Scan(&unit, &issued, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, fmt.Sprintf("找不到人员 %d，或不在您的管辖范围内。", personID), fmt.Sprintf("Person %d was not found or is outside your area.", personID))
		}
		if err != nil {
			return fmt.Errorf("open case: %w", err)
		}
		if e.Allowed != nil {
			if err := e.Allowed(ctx, tx, t.Code, unit); err != nil {
				return err
			}
		}
		lenient, _ := ctx.Value(lenientKey{}).(bool)
		override, unexplained, err := certificateCheck(t, registry.CertificateState(issued, tx.Now), status, data, lenient)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(data)
		now := db.Millis(tx.Now)
		if err := tx.QueryRow(ctx, `INSERT INTO cases (person_id, orgunit, service_type, state, data, due_at, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, personID, unit, t.Code, t.Initial, string(raw), e.dueAt(t, t.Initial, tx.Now),
			c.Actor.Username, now, now).Scan(&id); err != nil {
			return fmt.Errorf("open case: %w", err)
		}
		cs := Case{ID: id, PersonID: personID, OrgUnit: unit, ServiceType: t.Code, State: t.Initial, Data: data, Version: 1}
		if err := e.event(ctx, tx, c, cs.ID, "create", "", t.Initial, data); err != nil {
			return err
		}
		if t.Effect != nil {
			if err := t.Effect(withActor(ctx, c.Actor), tx, &cs, "create", data); err != nil {
				return err
			}
		}
		ae := c.Actor.Entry(audit.ActionCreate, SubjectCase, strconv.FormatInt(id, 10), unit)
		if override {
			ae.Detail = `{"certificate":"expired","override":true}`
		} else if unexplained {
			ae.Detail = `{"certificate":"expired","override":false}`
		}
		return audit.Append(ctx, tx, ae)
	})
	if err != nil {
		return Case{}, err
	}
	return e.get(ctx, c, id)
}

// Assign puts a case in scope of c under a purchase contract of a provider
// in tx: the case's contract and provider change, the assignment is kept in
// case_assignments and the timeline (action "assign", or "reassign" when it
// had another), and the provider's workers see it from then on. The caller
// (internal/providers) has checked that the contract covers the case.
func (e *Engine) Assign(ctx context.Context, tx *db.Tx, c access.Caller, id, contractID, providerID int64, reason string) (Case, error) {
	where, args := scopeWhere(c)
	cs, err := e.scan(tx.QueryRow(ctx, `SELECT `+caseCols+` FROM cases c WHERE c.id = ? AND `+where+tx.ForUpdate(), append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, notFound(id)
	}
	if err != nil {
		return Case{}, fmt.Errorf("assign case %d: %w", id, err)
	}
	if cs.ContractID == contractID {
		return cs, nil
	}
	action := "assign"
	if cs.ContractID != 0 {
		action = "reassign"
	}
	now := db.Millis(tx.Now)
	if _, err := tx.Exec(ctx, `UPDATE cases SET contract_id = ?, provider_id = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		contractID, providerID, now, id); err != nil {
		return Case{}, fmt.Errorf("assign case %d: %w", id, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO case_assignments (case_id, contract_id, provider_id, reason, assigned_by, assigned_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, contractID, providerID, reason, c.Actor.Username, now); err != nil {
		return Case{}, fmt.Errorf("assign case %d: %w", id, err)
	}
	data := map[string]any{"contract_id": contractID, "provider_id": providerID}
	if cs.ContractID != 0 {
		data["previous_contract_id"] = cs.ContractID
	}
	if reason != "" {
		data["reason"] = reason
	}
	if err := e.event(ctx, tx, c, id, action, cs.State, cs.State, data); err != nil {
		return Case{}, err
	}
	cs.ContractID, cs.ProviderID, cs.Version = contractID, providerID, cs.Version+1
	return cs, nil
}

func (e *Engine) event(ctx context.Context, tx *db.Tx, c access.Caller, caseID int64, action, from, to string, data map[string]any) error {
	raw, _ := json.Marshal(data)
	_, err := tx.Exec(ctx, `INSERT INTO case_events (case_id, at, username, role, action, from_state, to_state, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		caseID, db.Millis(tx.Now), c.Actor.Username, c.Actor.Role, action, from, to, string(raw))
	if err != nil {
		return fmt.Errorf("case timeline: %w", err)
	}
	return nil
}

// get reads a case in scope with its timeline, without auditing.
func (e *Engine) get(ctx context.Context, c access.Caller, id int64) (Case, error) {
	if err := e.sync(ctx); err != nil {
		return Case{}, err
	}
	where, args := scopeWhere(c)
	cs, err := e.scan(e.db.QueryRow(ctx, `SELECT `+caseCols+` FROM cases c WHERE c.id = ? AND `+where, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, notFound(id)
	}
	if err != nil {
		return Case{}, fmt.Errorf("read case: %w", err)
	}
	rows, err := e.db.Query(ctx, `SELECT at, username, role, action, from_state, to_state, data FROM case_events WHERE case_id = ? ORDER BY id`, id)
	if err != nil {
		return Case{}, fmt.Errorf("read case timeline: %w", err)
	}
	defer rows.Close()
	cs.Timeline = []Event{}
	for rows.Next() {
		var ev Event
		var at int64
		var data string
		if err := rows.Scan(&at, &ev.Username, &ev.Role, &ev.Action, &ev.From, &ev.To, &data); err != nil {
			return Case{}, fmt.Errorf("read case timeline: %w", err)
		}
		ev.At = time.UnixMilli(at).UTC()
		if ev.Data, err = decodeData([]byte(data)); err != nil {
			return Case{}, err
		}
		cs.Timeline = append(cs.Timeline, ev)
	}
	return cs, rows.Err()
}

// Peek reads a case in scope with its timeline without auditing the read:
// for a module that checks a case before an action it audits itself.
func (e *Engine) Peek(ctx context.Context, c access.Caller, id int64) (Case, error) {
	return e.get(ctx, c, id)
}

// Get reads a case in scope with its timeline; the read is audited.
func (e *Engine) Get(ctx context.Context, c access.Caller, id int64) (Case, error) {
	cs, err := e.get(ctx, c, id)
	if err != nil {
		return cs, err
	}
	if err := e.log.Record(ctx, c.Actor.Entry(audit.ActionRead, SubjectCase, strconv.FormatInt(id, 10), cs.OrgUnit)); err != nil {
		return Case{}, err
	}
	return cs, nil
}

// Filter selects cases.
type Filter struct {
	PersonID    int64
	ServiceType string
	State       string
	OrgUnit     string
	Open        bool // not closed
	Overdue     bool
	// ContractID keeps the cases assigned to a contract now; Unassigned
	// those assigned to none (purchased services).
	ContractID int64
	Unassigned bool
	// WaitingFor keeps the open cases in a state from which this role may
	// take an action that moves the case on (cancelling does not count).
	WaitingFor string
	// ByDue orders by due time (overdue first, no due time last) instead of
	// newest first; the cursor then holds the due time as well.
	ByDue  bool
	Cursor string // of the last case of the previous page
	Limit  int
}

// waits reports whether a transition makes a case wait for its roles: every
// action but cancelling, which anyone may do at any time and so would make
// every case wait for everyone.
func waits(tr Transition) bool { return tr.Action != "cancel" }

// WaitsFor reports whether a case of this type in state waits for an action
// of role (the inbox's "waiting for me").
func (t *Type) WaitsFor(state, role string) bool {
	return slices.ContainsFunc(t.Transitions, func(tr Transition) bool {
		return waits(tr) && slices.Contains(tr.Roles, role) && slices.Contains(tr.From, state)
	})
}

// waitingWhere restricts cases (alias c) to those waiting for role: one
// (service type, states) pair per type, from the type definitions.
func (e *Engine) waitingWhere(role string) (string, []any) {
	var parts []string
	var args []any
	for _, t := range e.Types() {
		var states []string
		for _, tr := range t.Transitions {
			if !waits(tr) || !slices.Contains(tr.Roles, role) {
				continue
			}
			for _, f := range tr.From {
				if !slices.Contains(states, f) {
					states = append(states, f)
				}
			}
		}
		if len(states) == 0 {
			continue
		}
		slices.Sort(states)
		parts = append(parts, "(c.service_type = ? AND c.state IN ("+strings.Repeat("?, ", len(states)-1)+"?))")
		args = append(args, t.Code)
		for _, st := range states {
			args = append(args, st)
		}
	}
	if len(parts) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// byDueCursor reads the cursor of a listing by due time: the due time (0:
// none) and id of the last case of the previous page.
func byDueCursor(cursor string) (due, id int64, err error) {
	dueStr, idStr, ok := strings.Cut(cursor, "_")
	due, err1 := strconv.ParseInt(dueStr, 10, 64)
	id, err2 := strconv.ParseInt(idStr, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, badCursor()
	}
	return due, id, nil
}

func badCursor() error {
	return apperr.Validation(apperr.Field("cursor", "invalid", "翻页参数 cursor 无效。", "The cursor is not valid."))
}

// page reads up to limit cases matching cond in order.
func (e *Engine) page(ctx context.Context, cond string, args []any, order string, limit int) ([]Case, error) {
	rows, err := e.db.Query(ctx, `SELECT `+caseCols+` FROM cases c WHERE `+cond+` ORDER BY `+order+` LIMIT ?`, append(slices.Clip(args), limit)...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		cs, err := e.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list cases: %w", err)
		}
		out = append(out, cs)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	return out, nil
}

// pageByDue reads up to limit cases matching cond by due time, those without
// one last, after the cursor. Two queries, each of which an index on
// (closed_at, due_at, id) serves in order, so that a district's inbox does
// not sort all its open cases.
func (e *Engine) pageByDue(ctx context.Context, cond string, args []any, cursor string, limit int) ([]Case, error) {
	due, id := int64(-1), int64(0)
	if cursor != "" {
		var err error
		if due, id, err = byDueCursor(cursor); err != nil {
			return nil, err
		}
	}
	var out []Case
	if due != 0 { // cases with a due time, unless the cursor is past them
		c, a := cond+" AND c.due_at > 0", args
		if cursor != "" {
			c, a = c+" AND (c.due_at > ? OR (c.due_at = ? AND c.id > ?))", append(slices.Clip(a), due, due, id)
		}
		var err error
		if out, err = e.page(ctx, c, a, "c.due_at, c.id", limit); err != nil || len(out) == limit {
			return out, err
		}
		id = 0
	}
	c, a := cond+" AND c.due_at = 0", args
	if id > 0 {
		c, a = c+" AND c.id > ?", append(slices.Clip(a), id)
	}
	rest, err := e.page(ctx, c, a, "c.id", limit-len(out))
	return append(out, rest...), err
}

// where is the condition of a filter in the caller's scope; ok is false
// when the filter's unit lies outside the scope (nothing to list).
func (e *Engine) where(c access.Caller, f Filter) (string, []any, bool) {
	where, args := scopeWhere(c)
	conds := []string{where}
	if f.OrgUnit != "" {
		sc, ok := c.Scope.Narrow(f.OrgUnit)
		if !ok {
			return "", nil, false
		}
		lo, hi := sc.Range()
		conds, args = append(conds, "c.orgunit >= ? AND c.orgunit < ?"), append(args, lo, hi)
	}
	if f.PersonID != 0 {
		conds, args = append(conds, "c.person_id = ?"), append(args, f.PersonID)
	}
	if f.ServiceType != "" {
		conds, args = append(conds, "c.service_type = ?"), append(args, f.ServiceType)
	}
	if f.State != "" {
		conds, args = append(conds, "c.state = ?"), append(args, f.State)
	}
	if f.ContractID != 0 {
		conds, args = append(conds, "c.contract_id = ?"), append(args, f.ContractID)
	}
	if f.Unassigned {
		conds = append(conds, "c.contract_id IS NULL")
	}
	if f.Open || f.Overdue || f.WaitingFor != "" {
		conds = append(conds, "c.closed_at = 0")
	}
	if f.Overdue {
		conds, args = append(conds, "c.due_at > 0 AND c.due_at < ?"), append(args, db.Millis(e.db.Now()))
	}
	if f.WaitingFor != "" {
		w, wargs := e.waitingWhere(f.WaitingFor)
		conds, args = append(conds, w), append(args, wargs...)
	}
	return strings.Join(conds, " AND "), args, true
}

// Count counts the cases of a filter in the caller's scope (no personal
// data: not audited).
func (e *Engine) Count(ctx context.Context, c access.Caller, f Filter) (int, error) {
	if err := e.sync(ctx); err != nil {
		return 0, err
	}
	cond, args, ok := e.where(c, f)
	if !ok {
		return 0, nil
	}
	var n int
	if err := e.db.QueryRow(ctx, `SELECT count(*) FROM cases c WHERE `+cond, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count cases: %w", err)
	}
	return n, nil
}

// List lists cases in scope, newest first, with the total.
func (e *Engine) List(ctx context.Context, c access.Caller, f Filter) ([]Case, int, string, error) {
	if err := e.sync(ctx); err != nil {
		return nil, 0, "", err
	}
	cond, args, ok := e.where(c, f)
	if !ok {
		return nil, 0, "", nil
	}
	var total int
	if err := e.db.QueryRow(ctx, `SELECT count(*) FROM cases c WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, "", fmt.Errorf("count cases: %w", err)
	}
	f.Limit = min(max(f.Limit, 1), 500)
	var out []Case
	var err error
	if f.ByDue {
		out, err = e.pageByDue(ctx, cond, args, f.Cursor, f.Limit+1)
	} else {
		if f.Cursor != "" {
			last, err := strconv.ParseInt(f.Cursor, 10, 64)
			if err != nil {
				return nil, 0, "", badCursor()
			}
			cond, args = cond+" AND c.id < ?", append(args, last)
		}
		out, err = e.page(ctx, cond, args, "c.id DESC", f.Limit+1)
	}
	if err != nil {
		return nil, 0, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = strconv.FormatInt(last.ID, 10)
		if f.ByDue {
			due := int64(0)
			if last.DueAt != nil {
				due = db.Millis(*last.DueAt)
			}
			next = strconv.FormatInt(due, 10) + "_" + next
		}
	}
	entries := make([]audit.Entry, len(out))
	for i, cs := range out {
		entries[i] = c.Actor.Entry(audit.ActionList, SubjectCase, strconv.FormatInt(cs.ID, 10), cs.OrgUnit)
	}
	if err := e.log.Record(ctx, entries...); err != nil {
		return nil, 0, "", err
	}
	return out, total, next, nil
}

// lenientKey marks a case opened through the API (certificateCheck).
type lenientKey struct{}

// overrideField is why a case goes ahead for a person whose certificate
// has expired (Type.ExpiredCertificate CertWarn).
var overrideField = Field{Name: "certificate_override", Kind: KindText, Short: true,
	Zh: "残疾证已过期仍申请的原因", En: "Reason to go ahead with an expired certificate"}

// certificateCheck applies the type's rule for an expired certificate to a
// new case's data: refused (409), or a reason required (422 naming the
// field) and kept; override says a reason was given for an expired one. A
// reason given when none is needed is not kept.
//
// Through the API (lenient, apiCreate), CONTRACT.md's POST /api/v1/cases
// answers 201 as it always has: a client that knows nothing of the rule is
// not refused; the reason is kept when it gives one, and the case's audit
// entry says the certificate had expired either way (unexplained).
func certificateCheck(t *Type, cert registry.CertState, status string, data map[string]any, lenient bool) (override, unexplained bool, err error) {
	reason, _ := data[overrideField.Name].(string)
	reason = strings.TrimSpace(reason)
	if status != "active" || !cert.Expired() || t.ExpiredCertificate == CertAllow {
		delete(data, overrideField.Name)
		return false, false, nil
	}
	days := -cert.Days
	if strings.ContainsFunc(reason, unicode.IsControl) {
		return false, false, apperr.Validation(apperr.Field(overrideField.Name, "invalid", overrideField.Zh+"不能包含控制字符。", overrideField.En+" cannot contain control characters."))
	}
	if lenient {
		if reason == "" {
			delete(data, overrideField.Name)
			return false, true, nil
		}
		data[overrideField.Name] = reason
		return true, false, nil
	}
	if t.ExpiredCertificate == CertRefuse {
		return false, false, apperr.New(apperr.Conflict,
			fmt.Sprintf("此人的残疾证已过期 %d 天（有效期至 %s），不能申请“%s”：请先办理换证（复评），换证后再申请。", days, cert.Expires, t.Zh),
			fmt.Sprintf("This person's certificate expired %d days ago (valid until %s): %s cannot be requested until it is renewed (reassessment).", days, cert.Expires, t.En))
	}
	if reason == "" {
		return false, false, apperr.Validation(apperr.Field(overrideField.Name, "certificate_expired",
			fmt.Sprintf("此人的残疾证已过期 %d 天（有效期至 %s）。如仍要申请“%s”，请填写原因；原因会记入个案。", days, cert.Expires, t.Zh),
			fmt.Sprintf("This person's certificate expired %d days ago (valid until %s). To request %s anyway, state the reason; it is recorded on the case.", days, cert.Expires, t.En)))
	}
	data[overrideField.Name] = reason
	return true, false, nil
}

// needField is what the person needs, in their words: every type's new case
// takes it (the form always asks it).
var needField = Field{Name: "need", Kind: KindText, Zh: "需求说明", En: "What is needed"}

// Act takes an action on a case: one transaction that checks the version,
// the action, the caller's role, the current state and the data, applies the
// type's side effects, moves the case and writes the timeline and the audit
// log. Stale version or wrong state: 409; role not allowed: 403; data
// missing or wrong: 422.
func (e *Engine) Act(ctx context.Context, c access.Caller, id int64, action string, data map[string]any, version int) (Case, error) {
	if data == nil {
		data = map[string]any{}
	}
	if err := e.sync(ctx); err != nil {
		return Case{}, err
	}
	err := e.db.InTx(ctx, func(tx *db.Tx) error {
		where, args := scopeWhere(c)
		cs, err := e.scan(tx.QueryRow(ctx, `SELECT `+caseCols+` FROM cases c WHERE c.id = ? AND `+where+tx.ForUpdate(), append([]any{id}, args...)...))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(id)
		}
		if err != nil {
			return fmt.Errorf("read case: %w", err)
		}
		t, ok := e.TypeOf(cs.ServiceType)
		if !ok {
			return fmt.Errorf("case %d has an unknown service type %q", id, cs.ServiceType)
		}
		if version != 0 && version != cs.Version {
			return apperr.ErrStale()
		}
		var tr *Transition
		roleOK := false
		for i := range t.Transitions {
			x := &t.Transitions[i]
			if x.Action != action {
				continue
			}
			if slices.Contains(x.Roles, c.Actor.Role) {
				roleOK = true
				if slices.Contains(x.From, cs.State) {
					tr = x
				}
			}
		}
		switch {
		case !slices.ContainsFunc(t.Transitions, func(x Transition) bool { return x.Action == action }):
			return apperr.Validation(apperr.Field("action", "unknown", "这类个案没有操作 "+action+"。", "Cases of this type have no action "+action+"."))
		case !roleOK:
			return apperr.New(apperr.Forbidden, "您的角色不能执行这个操作。", "Your role may not take this action.")
		case tr == nil || !t.offers(cs, action):
			st, _ := t.StateOf(cs.State)
			return apperr.New(apperr.Conflict, fmt.Sprintf("个案当前状态为“%s”，不能执行这个操作。", st.Zh), fmt.Sprintf("The case is %s; this action is not possible now.", st.En))
		}
		if fields := checkData(tr.Fields, data); len(fields) > 0 {
			return apperr.Validation(fields...)
		}
		if err := separate(ctx, tx, t, c, id, tr); err != nil {
			return err
		}
		from := cs.State
		if tr.To != "" {
			cs.State = tr.To
		}
		if t.Effect != nil {
			if err := t.Effect(withActor(ctx, c.Actor), tx, &cs, action, data); err != nil {
				return err
			}
		}
		raw, _ := json.Marshal(cs.Data)
		closed := int64(0)
		if st, _ := t.StateOf(cs.State); st.Terminal {
			closed = db.Millis(tx.Now)
		}
		due := e.dueAt(t, cs.State, tx.Now)
		if tr.To == "" && cs.State == from && cs.DueAt != nil { // stays in its state: keeps its due time unless the effect moved it
			due = db.Millis(*cs.DueAt)
		}
		if d, ok := cs.Data["_due_at"].(time.Time); ok { // an effect may set the due time (loans)
			due = db.Millis(d)
			delete(cs.Data, "_due_at")
			raw, _ = json.Marshal(cs.Data)
		}
		res, err := tx.Exec(ctx, `UPDATE cases SET state = ?, data = ?, version = version + 1, due_at = ?, updated_at = ?, closed_at = ? WHERE id = ? AND version = ?`,
			cs.State, string(raw), due, db.Millis(tx.Now), closed, id, cs.Version)
		if err != nil {
			return fmt.Errorf("move case: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.ErrStale()
		}
		if err := e.event(ctx, tx, c, id, action, from, cs.State, data); err != nil {
			return err
		}
		if e.Changed != nil {
			if err := e.Changed.PersonsChanged(ctx, tx, []int64{cs.PersonID}); err != nil {
				return err
			}
		}
		ae := c.Actor.Entry(audit.ActionUpdate, SubjectCase, strconv.FormatInt(id, 10), cs.OrgUnit)
		ae.Detail = fmt.Sprintf(`{"action":%q,"from":%q,"to":%q}`, action, from, cs.State)
		ae.Reason = reasonOf(tr.Fields, data)
		return audit.Append(ctx, tx, ae)
	})
	if err != nil {
		return Case{}, err
	}
	return e.get(ctx, c, id)
}

// reasonOf is the reason an action's data gives (a text field named reason
// or …_reason: why a case is rejected, closed, transferred), for its audit
// entry.
func reasonOf(fields []Field, data map[string]any) string {
	for _, f := range fields {
		if f.Kind == KindText && (f.Name == "reason" || strings.HasSuffix(f.Name, "_reason")) {
			if s, ok := data[f.Name].(string); ok && strings.TrimSpace(s) != "" {
				return strings.TrimSpace(s)
			}
		}
	}
	return ""
}

// separate refuses an action to the user who took the earlier action the
// type keeps apart from it on this case (Type.Separate).
func separate(ctx context.Context, tx *db.Tx, t *Type, c access.Caller, id int64, tr *Transition) error {
	earlier, ok := t.Separate[tr.Action]
	if !ok {
		return nil
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM case_events WHERE case_id = ? AND action = ? AND username = ?`, id, earlier, c.Actor.Username).Scan(&n); err != nil {
		return fmt.Errorf("read case timeline: %w", err)
	}
	if n == 0 {
		return nil
	}
	zh, en := earlier, earlier
	for _, x := range t.Transitions {
		if x.Action == earlier {
			zh, en = x.Zh, x.En
		}
	}
	return apperr.New(apperr.Forbidden,
		fmt.Sprintf("这个个案由您%s，不能再由您%s：请另一位工作人员%s。", zh, tr.Zh, tr.Zh),
		fmt.Sprintf("You took the step “%s” on this case, so you may not %s it too: another member of staff must %s it.", en, tr.En, tr.En))
}

// UnitNames names a village and its town (Chinese, English), for telling a
// person whom to contact; empty names when the unit is unknown.
func (e *Engine) UnitNames(ctx context.Context, code string) (village, town [2]string, err error) {
	err = e.db.QueryRow(ctx, `SELECT v.name, v.name_en, COALESCE(t.name, ''), COALESCE(t.name_en, '')
		FROM orgunits v LEFT JOIN orgunits t ON t.code = v.parent WHERE v.code = ?`, code).Scan(&village[0], &village[1], &town[0], &town[1])
	if errors.Is(err, sql.ErrNoRows) {
		return village, town, nil
	}
	return village, town, err
}
