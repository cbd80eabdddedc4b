// Package towns is the town modules: a town switches each service type on or
// off for its persons, and defines local service projects of its own (a
// generic workflow submit → approve → deliver → close, with custom fields
// captured on submission), which district staff may promote to the whole
// district. Local projects are casework service types, registered with the
// engine at start and again whenever one is defined or changed.
package towns

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/safetext"
)

// Audit subject types.
const (
	SubjectService = "town_service"
	SubjectProject = "town_project"
)

// MaxFields is how many custom fields a project may have.
const MaxFields = 20

// Kinds are the kinds a custom field may have (casework's, without lists).
var Kinds = []string{casework.KindText, casework.KindInt, casework.KindDate, casework.KindMoney, casework.KindBool, casework.KindEnum}

// Store keeps the towns' service switches and local projects.
type Store struct {
	db     *db.DB
	engine *casework.Engine

	// mu guards loaded and orders registrations with the engine (whose own
	// lock it takes: towns before the engine, never the other way). Never
	// hold it across a database call.
	mu     sync.Mutex
	loaded string // the state of town_projects last registered (see Sync)
}

// NewStore returns a store that registers local projects with engine.
func NewStore(d *db.DB, engine *casework.Engine) *Store { return &Store{db: d, engine: engine} }

// FieldDef is a custom field of a local project. In a request the internal
// name (default: made from the field's place), the English label (default:
// the Chinese one) and required may be left out.
type FieldDef struct {
	Name     string   `json:"name" in:"optional"` // default: field_<n>, made for it
	LabelZh  string   `json:"label_zh"`
	LabelEn  string   `json:"label_en" in:"optional"`
	Kind     string   `json:"kind" enum:"text,int,date,money,bool,enum"`
	Choices  []string `json:"choices,omitempty"` // of an enum field
	Required bool     `json:"required" in:"optional"`
}

// Project is a town's local service project.
type Project struct {
	ID          int64      `json:"id"`
	Code        string     `json:"code"` // its service type code
	OrgUnit     string     `json:"orgunit"`
	Name        string     `json:"name"`
	NameEn      string     `json:"name_en"`
	Description string     `json:"description"`
	Fields      []FieldDef `json:"fields"`
	PromotedTo  string     `json:"promoted_to"` // the district it is offered in, "" while local
	Cases       int        `json:"cases"`
	Version     int        `json:"version"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// ProjectInput defines or changes a project. Fields nil keeps them (update);
// the English name may be left out.
type ProjectInput struct {
	Name        string     `json:"name"`
	NameEn      string     `json:"name_en" in:"optional"` // default: the Chinese name
	Description string     `json:"description,omitempty"`
	Fields      []FieldDef `json:"fields,omitempty"`
	Version     int        `json:"version,omitempty"` // on update: 0 skips the check
}

// Service is a service type as a town has it.
type Service struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Enabled  bool   `json:"enabled"`
	Local    bool   `json:"local"`    // a local project
	Promoted bool   `json:"promoted"` // a local project offered in the whole district
}

var fieldName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// kindNames are the field kinds as the project form names them (zh, en).
var kindNames = map[string][2]string{
	casework.KindText: {"文字", "text"}, casework.KindInt: {"整数", "whole number"}, casework.KindDate: {"日期", "date"},
	casework.KindMoney: {"金额（元）", "money (yuan)"}, casework.KindBool: {"是或否", "yes or no"}, casework.KindEnum: {"选项", "choice"},
}

// KindName is a field kind's name in lang, as the project form shows it.
func KindName(kind, lang string) string {
	if n, ok := kindNames[kind]; ok {
		return apperr.T(n[0], n[1]).In(lang)
	}
	return kind
}

// ValidateProject checks a project's definition: a name present, kinds
// known, enums with choices, at most MaxFields fields. People define projects
// in plain words: the English name defaults to the Chinese one, and a field
// without a machine name gets one (field_1, field_2… by its place); a machine
// name given (the API) must be unique and well-formed. Errors name the field
// as the person sees it (its number and label), with the reason; their keys
// (fields[i].label_zh…) say where it is. It returns the input tidied (spaces
// trimmed, names and English labels defaulted).
func ValidateProject(in ProjectInput) (ProjectInput, []apperr.FieldError) {
	var errs []apperr.FieldError
	in.Name, in.NameEn, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.NameEn), strings.TrimSpace(in.Description)
	if in.Name == "" {
		errs = append(errs, apperr.Field("name", "required", "请填写项目名称。", "Enter the project's name."))
	} else if utf8.RuneCountInString(in.Name) > 60 {
		errs = append(errs, apperr.Field("name", "length", "项目名称最多 60 个字。", "The project's name may be at most 60 characters."))
	}
	if in.NameEn == "" {
		in.NameEn = in.Name
	} else if utf8.RuneCountInString(in.NameEn) > 120 {
		errs = append(errs, apperr.Field("name_en", "length", "英文名称最多 120 个字符。", "The English name may be at most 120 characters."))
	}
	if utf8.RuneCountInString(in.Description) > 2000 {
		errs = append(errs, apperr.Field("description", "length", "说明最多 2000 个字。", "The description may be at most 2000 characters."))
	}
	if len(in.Fields) > MaxFields {
		errs = append(errs, apperr.Field("fields", "too_many", fmt.Sprintf("申请时填写的字段最多 %d 个，现有 %d 个。", MaxFields, len(in.Fields)),
			fmt.Sprintf("At most %d fields asked on request; there are %d.", MaxFields, len(in.Fields))))
		return in, errs
	}
	for _, t := range []string{in.Name, in.NameEn, in.Description} {
		if hasControl(t) {
			errs = append(errs, apperr.Field("name", "invalid", "名称和说明不能含控制字符。", "The name and description may not hold control characters."))
			break
		}
	}
	seen := map[string]bool{}
	for i := range in.Fields {
		f := &in.Fields[i]
		f.Name, f.LabelZh, f.LabelEn, f.Kind = strings.TrimSpace(f.Name), strings.TrimSpace(f.LabelZh), strings.TrimSpace(f.LabelEn), strings.TrimSpace(f.Kind)
		if f.Name != "" {
			seen[f.Name] = true
		}
	}
	given := map[string]bool{}
	for i := range in.Fields {
		f := &in.Fields[i]
		key := func(part string) string { return fmt.Sprintf("fields[%d].%s", i, part) }
		zh, en := fmt.Sprintf("第 %d 个字段：", i+1), fmt.Sprintf("Field %d: ", i+1)
		if f.LabelZh != "" && utf8.RuneCountInString(f.LabelZh) <= 60 {
			zh, en = fmt.Sprintf("第 %d 个字段“%s”：", i+1, f.LabelZh), fmt.Sprintf("Field %d “%s”: ", i+1, apperr.T(f.LabelZh, f.LabelEn).In("en"))
		}
		switch {
		case f.Name == "": // generated from its place, past the names given
			for n := i + 1; ; n++ {
				if name := fmt.Sprintf("field_%d", n); !seen[name] {
					f.Name, seen[name] = name, true
					break
				}
			}
		case len(f.Name) > 40 || !fieldName.MatchString(f.Name):
			errs = append(errs, apperr.Field(key("name"), "invalid", zh+"内部名称只能用小写字母、数字和下划线，不以数字开头，最多 40 个字符；也可以不填，由系统生成。",
				en+"the internal name may hold only lower-case letters, digits and underscores, not start with a digit, and be at most 40 characters; or leave it out and the system makes one."))
		case f.Name == "need" || strings.HasPrefix(f.Name, "_"):
			errs = append(errs, apperr.Field(key("name"), "reserved", zh+"内部名称 "+f.Name+" 由系统使用，请换一个或不填。", en+"the internal name "+f.Name+" is used by the system; choose another or leave it out."))
		case given[f.Name]:
			errs = append(errs, apperr.Field(key("name"), "duplicate", zh+"内部名称 "+f.Name+" 重复。", en+"the internal name "+f.Name+" is used twice."))
		}
		given[f.Name] = true
		if f.LabelZh == "" {
			errs = append(errs, apperr.Field(key("label_zh"), "required", zh+"请填写字段名称（申请人看到的文字）。", en+"enter the field's name (what the applicant reads)."))
		}
		if f.LabelEn == "" {
			f.LabelEn = f.LabelZh
		}
		if utf8.RuneCountInString(f.LabelZh) > 60 || utf8.RuneCountInString(f.LabelEn) > 120 {
			errs = append(errs, apperr.Field(key("label_zh"), "length", zh+"字段名称过长（中文最多 60 字，英文最多 120 字符）。", en+"the field's name is too long (60 characters in Chinese, 120 in English)."))
		} else if hasControl(f.LabelZh) || hasControl(f.LabelEn) {
			errs = append(errs, apperr.Field(key("label_zh"), "invalid", zh+"字段名称不能含控制字符。", en+"the field's name may not hold control characters."))
		}
		if !slices.Contains(Kinds, f.Kind) {
			var zhs, ens []string
			for _, k := range Kinds {
				zhs, ens = append(zhs, KindName(k, "zh")), append(ens, KindName(k, "en"))
			}
			errs = append(errs, apperr.Field(key("kind"), "unknown", zh+"类型应为以下之一："+strings.Join(zhs, "、")+"。", en+"the kind is one of: "+strings.Join(ens, ", ")+"."))
		}
		if f.Kind != casework.KindEnum {
			f.Choices = nil
			continue
		}
		var choices []string
		for _, c := range f.Choices {
			if c = strings.TrimSpace(c); c != "" && !slices.Contains(choices, c) {
				choices = append(choices, c)
			}
		}
		f.Choices = choices
		switch {
		case len(choices) == 0:
			errs = append(errs, apperr.Field(key("choices"), "required", zh+"选项类字段需要至少一个选项（用逗号分隔）。", en+"a choice field needs at least one choice (separated by commas)."))
		case len(choices) > 30:
			errs = append(errs, apperr.Field(key("choices"), "too_many", zh+"最多 30 个选项。", en+"at most 30 choices."))
		case slices.ContainsFunc(choices, func(c string) bool { return utf8.RuneCountInString(c) > 60 || hasControl(c) }):
			errs = append(errs, apperr.Field(key("choices"), "invalid", zh+"每个选项最多 60 个字，不含控制字符。", en+"each choice is at most 60 characters, without control characters."))
		}
	}
	if in.Fields == nil {
		in.Fields = []FieldDef{}
	}
	return in, errs
}

// hasControl reports whether s holds a character no text field takes
// (safetext: control characters, bidirectional overrides).
func hasControl(s string) bool { return safetext.Bad(s) }

// Type is the casework service type of a project: the generic workflow.
func (p Project) Type() *casework.Type {
	var fields []casework.Field
	for _, f := range p.Fields {
		fields = append(fields, casework.Field{Name: f.Name, Kind: f.Kind, Required: f.Required, Choices: f.Choices, Zh: f.LabelZh, En: f.LabelEn})
	}
	town := []string{identity.TownStaff}
	return &casework.Type{
		Code: p.Code, Zh: p.Name, En: p.NameEn,
		Initial:      "submitted",
		CreateRoles:  []string{identity.VillageAssistant, identity.TownStaff, identity.Person},
		CreateFields: fields,
		States: []casework.State{
			{Code: "submitted", Zh: "已申请", En: "submitted", Due: 14 * 24 * time.Hour},
			{Code: "approved", Zh: "已批准", En: "approved", Due: 30 * 24 * time.Hour},
			{Code: "delivered", Zh: "已提供", En: "delivered", Due: 14 * 24 * time.Hour},
			{Code: "closed", Zh: "已结案", En: "closed", Terminal: true},
			{Code: "rejected", Zh: "未通过", En: "rejected", Terminal: true},
			{Code: "cancelled", Zh: "已撤销", En: "cancelled", Terminal: true},
		},
		Transitions: []casework.Transition{
			{Action: "approve", From: []string{"submitted"}, To: "approved", Roles: town, Zh: "批准", En: "approve"},
			{Action: "deliver", From: []string{"approved"}, To: "delivered", Roles: []string{identity.TownStaff, identity.Provider}, Zh: "提供服务", En: "deliver",
				Fields: []casework.Field{{Name: "note", Kind: casework.KindText, Required: true, Zh: "服务记录", En: "What was delivered"}}},
			{Action: "close", From: []string{"delivered"}, To: "closed", Roles: town, Zh: "结案", En: "close"},
			{Action: "reject", From: []string{"submitted"}, To: "rejected", Roles: town, Zh: "不予批准", En: "reject",
				Fields: []casework.Field{{Name: "reason", Kind: casework.KindText, Required: true, Zh: "原因", En: "Reason"}}},
			{Action: "cancel", From: []string{"submitted", "approved"}, To: "cancelled",
				Roles: []string{identity.VillageAssistant, identity.TownStaff, identity.Person}, Zh: "撤销", En: "cancel"},
		},
	}
}

const projectCols = `p.id, p.code, p.orgunit, p.name, p.name_en, p.description, p.fields, p.promoted_to, p.version, p.created_by, p.created_at, p.updated_at,
	(SELECT count(*) FROM cases c WHERE c.service_type = p.code)`

func scanProject(sc interface{ Scan(...any) error }) (Project, error) {
	var p Project
	var fields string
	var created, updated int64
	if err := sc.Scan(&p.ID, &p.Code, &p.OrgUnit, &p.Name, &p.NameEn, &p.Description, &fields, &p.PromotedTo, &p.Version, &p.CreatedBy, &created, &updated, &p.Cases); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(fields), &p.Fields); err != nil {
		return p, fmt.Errorf("project %s: fields: %w", p.Code, err)
	}
	if p.Fields == nil {
		p.Fields = []FieldDef{}
	}
	p.CreatedAt, p.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	return p, nil
}

func (s *Store) projects(ctx context.Context, where string, args ...any) ([]Project, error) {
	rows, err := s.db.Query(ctx, `SELECT `+projectCols+` FROM town_projects p WHERE `+where+` ORDER BY p.orgunit, p.seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	defer rows.Close()
	out := []Project{}
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, fmt.Errorf("list projects: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Load registers every project with the engine (at start).
func (s *Store) Load(ctx context.Context) error { return s.sync(ctx, true) }

// state sums up town_projects: it moves on whenever a project is added or
// changed (every change moves its version and its time).
func (s *Store) state(ctx context.Context) (string, error) {
	var n, last, versions int64
	if err := s.db.QueryRow(ctx, `SELECT count(*), COALESCE(max(updated_at), 0), COALESCE(sum(version), 0) FROM town_projects`).Scan(&n, &last, &versions); err != nil {
		return "", fmt.Errorf("read local projects: %w", err)
	}
	return fmt.Sprint(n, "/", last, "/", versions), nil
}

// Sync registers the projects another server sharing the database added or
// changed: one small read, and a reload only when town_projects moved on
// (the engine's Sync hook, before each case operation).
func (s *Store) Sync(ctx context.Context) error { return s.sync(ctx, false) }

// sync reads the projects with no lock held (the reads may wait for a
// connection) and registers them under the lock. The projects are read after
// the state, so what is registered is at least as new as the state recorded:
// should two calls cross, the older result makes the next call read again.
func (s *Store) sync(ctx context.Context, force bool) error {
	st, err := s.state(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	same := st == s.loaded
	s.mu.Unlock()
	if same && !force {
		return nil
	}
	all, err := s.projects(ctx, `1 = 1`)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range all {
		s.engine.Register(p.Type())
	}
	s.loaded = st
	return nil
}

// townNotFound is the answer for a town that does not exist or is outside the caller's scope.
func townNotFound(code string) error {
	return apperr.New(apperr.NotFound, "找不到街镇 "+code+"，或不在您的管辖范围内。", "Town "+code+" was not found or is outside your area.")
}

// Town reads a town (level 3) in the caller's scope; 404 otherwise.
func (s *Store) Town(ctx context.Context, sc orgunit.Scope, code string) (orgunit.Unit, error) {
	var u orgunit.Unit
	if !sc.Contains(code) {
		return u, townNotFound(code)
	}
	err := s.db.QueryRow(ctx, `SELECT code, name, name_en, level, COALESCE(parent, '') FROM orgunits WHERE code = ? AND level = 3`, code).
		Scan(&u.Code, &u.Name, &u.NameEn, &u.Level, &u.Parent)
	if errors.Is(err, sql.ErrNoRows) {
		return u, townNotFound(code)
	}
	if err != nil {
		return u, fmt.Errorf("read town %s: %w", code, err)
	}
	return u, nil
}

// Towns lists the towns of a scope (district staff choose one).
func (s *Store) Towns(ctx context.Context, sc orgunit.Scope) ([]orgunit.Unit, error) {
	lo, hi := sc.Range()
	rows, err := s.db.Query(ctx, `SELECT code, name, name_en FROM orgunits WHERE level = 3 AND code >= ? AND code < ? ORDER BY code`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("list towns: %w", err)
	}
	defer rows.Close()
	var out []orgunit.Unit
	for rows.Next() {
		u := orgunit.Unit{Level: 3}
		if err := rows.Scan(&u.Code, &u.Name, &u.NameEn); err != nil {
			return nil, fmt.Errorf("list towns: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// reach is where a local project is offered: its town, or its district once promoted.
type reach struct{ town, district string }

func (r reach) covers(unit string) bool {
	return strings.HasPrefix(unit, r.town) || r.district != "" && strings.HasPrefix(unit, r.district)
}

// reaches maps every local project's code to where it is offered.
func (s *Store) reaches(ctx context.Context) (map[string]reach, error) {
	rows, err := s.db.Query(ctx, `SELECT code, orgunit, promoted_to FROM town_projects`)
	if err != nil {
		return nil, fmt.Errorf("read projects: %w", err)
	}
	defer rows.Close()
	out := map[string]reach{}
	for rows.Next() {
		var code string
		var r reach
		if err := rows.Scan(&code, &r.town, &r.district); err != nil {
			return nil, fmt.Errorf("read projects: %w", err)
		}
		out[code] = r
	}
	return out, rows.Err()
}

// Services lists the service types offered to a town's persons (its own
// local projects and promoted ones included), each with its switch.
func (s *Store) Services(ctx context.Context, sc orgunit.Scope, code, lang string) ([]Service, error) {
	if _, err := s.Town(ctx, sc, code); err != nil {
		return nil, err
	}
	return s.services(ctx, code, lang)
}

func (s *Store) services(ctx context.Context, town, lang string) ([]Service, error) {
	if err := s.Sync(ctx); err != nil { // the projects another server defined
		return nil, err
	}
	reaches, err := s.reaches(ctx)
	if err != nil {
		return nil, err
	}
	off := map[string]bool{}
	rows, err := s.db.Query(ctx, `SELECT service_type FROM town_services WHERE orgunit = ? AND enabled = ?`, town, false)
	if err != nil {
		return nil, fmt.Errorf("read service switches: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("read service switches: %w", err)
		}
		off[t] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read service switches: %w", err)
	}
	out := []Service{}
	for _, t := range s.engine.Types() {
		r, local := reaches[t.Code]
		if local && !r.covers(town) {
			continue
		}
		out = append(out, Service{Code: t.Code, Name: t.Name(lang), Enabled: !off[t.Code], Local: local, Promoted: local && r.district != ""})
	}
	return out, nil
}

// SetService switches a service type on or off for a town; audited.
func (s *Store) SetService(ctx context.Context, sc orgunit.Scope, actor audit.Actor, town, typeCode string, enabled bool, lang string) (Service, error) {
	if _, err := s.Town(ctx, sc, town); err != nil {
		return Service{}, err
	}
	list, err := s.services(ctx, town, lang)
	if err != nil {
		return Service{}, err
	}
	i := slices.IndexFunc(list, func(x Service) bool { return x.Code == typeCode })
	if i < 0 {
		return Service{}, apperr.New(apperr.NotFound, "这个街镇没有服务类型 "+typeCode+"。", "This town has no service type "+typeCode+".")
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO town_services (orgunit, service_type, enabled, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (orgunit, service_type) DO UPDATE SET enabled = excluded.enabled, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			town, typeCode, enabled, actor.Username, db.Millis(tx.Now)); err != nil {
			return fmt.Errorf("switch service: %w", err)
		}
		e := actor.Entry(audit.ActionUpdate, SubjectService, town+"/"+typeCode, town)
		e.Detail = fmt.Sprintf(`{"enabled":%t}`, enabled)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Service{}, err
	}
	list[i].Enabled = enabled
	return list[i], nil
}

// Allowed is the engine's hook: a case of typeCode may be opened for a
// person of unit unless the person's town switched the type off, or the type
// is another town's local project that was not promoted to the district.
func (s *Store) Allowed(ctx context.Context, q casework.Querier, typeCode, unit string) error {
	name := func() (string, string) {
		if t, ok := s.engine.TypeOf(typeCode); ok {
			return t.Zh, t.En
		}
		return typeCode, typeCode
	}
	if strings.HasPrefix(typeCode, "local_") {
		var r reach
		var townName, townEn string
		err := q.QueryRow(ctx, `SELECT p.orgunit, p.promoted_to, u.name, u.name_en FROM town_projects p JOIN orgunits u ON u.code = p.orgunit WHERE p.code = ?`, typeCode).
			Scan(&r.town, &r.district, &townName, &townEn)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read project %s: %w", typeCode, err)
		}
		if err == nil && !r.covers(unit) {
			zh, en := name()
			return apperr.New(apperr.Conflict, fmt.Sprintf("“%s”是%s的本地项目，只受理本镇居民的申请。", zh, townName),
				fmt.Sprintf("“%s” is a local project of %s, open only to its residents.", en, apperr.T(townName, townEn).In("en")))
		}
	}
	if len(unit) < 9 {
		return nil
	}
	town := unit[:9]
	var enabled bool
	var townName, townEn string
	err := q.QueryRow(ctx, `SELECT s.enabled, u.name, u.name_en FROM town_services s JOIN orgunits u ON u.code = s.orgunit WHERE s.orgunit = ? AND s.service_type = ?`, town, typeCode).
		Scan(&enabled, &townName, &townEn)
	if errors.Is(err, sql.ErrNoRows) || err == nil && enabled {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read service switch: %w", err)
	}
	zh, en := name()
	return apperr.New(apperr.Conflict, fmt.Sprintf("%s已暂停受理“%s”，不能为本镇居民新开这项服务的个案。", townName, zh),
		fmt.Sprintf("%s has switched off “%s”: no new cases of it for its residents.", apperr.T(townName, townEn).In("en"), en))
}

// Projects lists a town's own local projects.
func (s *Store) Projects(ctx context.Context, sc orgunit.Scope, town string) ([]Project, error) {
	if _, err := s.Town(ctx, sc, town); err != nil {
		return nil, err
	}
	return s.projects(ctx, `p.orgunit = ?`, town)
}

func projectNotFound(id int64) error {
	return apperr.New(apperr.NotFound, fmt.Sprintf("找不到项目 %d，或不在您的管辖范围内。", id), fmt.Sprintf("Project %d was not found or is outside your area.", id))
}

// Project reads one project of the caller's scope.
func (s *Store) Project(ctx context.Context, sc orgunit.Scope, id int64) (Project, error) {
	p, err := scanProject(s.db.QueryRow(ctx, `SELECT `+projectCols+` FROM town_projects p WHERE p.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !sc.Contains(p.OrgUnit) {
		return Project{}, projectNotFound(id)
	}
	if err != nil {
		return Project{}, fmt.Errorf("read project %d: %w", id, err)
	}
	return p, nil
}

// CreateProject defines a town's local project and registers its service
// type. Its code is local_<town>_<n>.
func (s *Store) CreateProject(ctx context.Context, sc orgunit.Scope, actor audit.Actor, town string, in ProjectInput) (Project, error) {
	if _, err := s.Town(ctx, sc, town); err != nil {
		return Project{}, err
	}
	in, errs := ValidateProject(in)
	if len(errs) > 0 {
		return Project{}, apperr.Validation(errs...)
	}
	fields, _ := json.Marshal(in.Fields)
	var id int64
	var err error
	for range 5 { // two towns' staff defining at once may take the same number: try the next
		err = s.db.InTx(ctx, func(tx *db.Tx) error {
			var seq int
			var locked string // the town's row: numbering in one town goes one at a time
			if err := tx.QueryRow(ctx, `SELECT code FROM orgunits WHERE code = ?`+tx.ForUpdate(), town).Scan(&locked); err != nil {
				return fmt.Errorf("lock town: %w", err)
			}
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM town_projects WHERE orgunit = ?`, town).Scan(&seq); err != nil {
				return fmt.Errorf("number project: %w", err)
			}
			code := "local_" + town + "_" + strconv.Itoa(seq)
			now := db.Millis(tx.Now)
			if err := tx.QueryRow(ctx, `INSERT INTO town_projects (code, orgunit, seq, name, name_en, description, fields, created_by, created_at, updated_by, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, code, town, seq, in.Name, in.NameEn, in.Description, string(fields),
				actor.Username, now, actor.Username, now).Scan(&id); err != nil {
				return fmt.Errorf("create project: %w", err)
			}
			return audit.Append(ctx, tx, actor.Entry(audit.ActionCreate, SubjectProject, code, town))
		})
		if !db.IsUniqueViolation(err) {
			break
		}
	}
	if err != nil {
		if db.IsUniqueViolation(err) {
			return Project{}, apperr.New(apperr.Conflict, "同时有人在定义项目，请重试。", "Someone else is defining a project at the same time; try again.")
		}
		return Project{}, err
	}
	return s.registered(ctx, sc, id)
}

// registered reads a project after a change and registers its type anew.
func (s *Store) registered(ctx context.Context, sc orgunit.Scope, id int64) (Project, error) {
	p, err := s.Project(ctx, sc, id)
	if err != nil {
		return Project{}, err
	}
	s.engine.Register(p.Type())
	return p, nil
}

// UpdateProject changes a project of town: its names and description
// always, its fields only while it has no case (409 otherwise).
func (s *Store) UpdateProject(ctx context.Context, sc orgunit.Scope, actor audit.Actor, town string, id int64, in ProjectInput) (Project, error) {
	if _, err := s.Town(ctx, sc, town); err != nil {
		return Project{}, err
	}
	keep := in.Fields == nil
	in, errs := ValidateProject(in)
	if len(errs) > 0 {
		return Project{}, apperr.Validation(errs...)
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		p, err := scanProject(tx.QueryRow(ctx, `SELECT `+projectCols+` FROM town_projects p WHERE p.id = ? AND p.orgunit = ?`+tx.ForUpdate(), id, town))
		if errors.Is(err, sql.ErrNoRows) {
			return projectNotFound(id)
		}
		if err != nil {
			return fmt.Errorf("read project %d: %w", id, err)
		}
		if in.Version != 0 && in.Version != p.Version {
			return apperr.ErrStale()
		}
		if keep {
			in.Fields = p.Fields
		}
		old, _ := json.Marshal(p.Fields)
		fields, _ := json.Marshal(in.Fields)
		changed := []string{}
		for _, c := range []struct {
			name     string
			was, now string
		}{{"name", p.Name, in.Name}, {"name_en", p.NameEn, in.NameEn}, {"description", p.Description, in.Description}, {"fields", string(old), string(fields)}} {
			if c.was != c.now {
				changed = append(changed, c.name)
			}
		}
		if slices.Contains(changed, "fields") && p.Cases > 0 {
			return apperr.New(apperr.Conflict, fmt.Sprintf("项目已有 %d 个个案，字段不能再改，只能修改名称和说明。", p.Cases),
				fmt.Sprintf("The project has %d cases: its fields can no longer change, only its name and description.", p.Cases))
		}
		if _, err := tx.Exec(ctx, `UPDATE town_projects SET name = ?, name_en = ?, description = ?, fields = ?, version = version + 1, updated_by = ?, updated_at = ? WHERE id = ?`,
			in.Name, in.NameEn, in.Description, string(fields), actor.Username, db.Millis(tx.Now), id); err != nil {
			return fmt.Errorf("update project: %w", err)
		}
		e := actor.Entry(audit.ActionUpdate, SubjectProject, p.Code, town)
		detail, _ := json.Marshal(map[string]any{"changed": changed})
		e.Detail = string(detail)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Project{}, err
	}
	return s.registered(ctx, sc, id)
}

// Promote offers a project in the whole district of its town (district
// staff): it keeps its code and its cases. Audited.
func (s *Store) Promote(ctx context.Context, sc orgunit.Scope, actor audit.Actor, id int64) (Project, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var code, town, promoted string
		err := tx.QueryRow(ctx, `SELECT code, orgunit, promoted_to FROM town_projects WHERE id = ?`+tx.ForUpdate(), id).Scan(&code, &town, &promoted)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !sc.Contains(town) {
			return projectNotFound(id)
		}
		if err != nil {
			return fmt.Errorf("read project %d: %w", id, err)
		}
		if promoted != "" {
			return apperr.New(apperr.Conflict, "这个项目已经推广到全区。", "This project is offered in the whole district already.")
		}
		district := town[:6]
		if _, err := tx.Exec(ctx, `UPDATE town_projects SET promoted_to = ?, version = version + 1, updated_by = ?, updated_at = ? WHERE id = ?`,
			district, actor.Username, db.Millis(tx.Now), id); err != nil {
			return fmt.Errorf("promote project: %w", err)
		}
		e := actor.Entry(audit.ActionUpdate, SubjectProject, code, town)
		e.Detail = fmt.Sprintf(`{"promoted_to":%q}`, district)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Project{}, err
	}
	return s.registered(ctx, sc, id)
}
