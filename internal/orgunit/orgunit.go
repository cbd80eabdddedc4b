// Package orgunit keeps the hierarchy of org units (DOMAIN.md §3) and the
// scopes built on it. Codes nest by prefix (county 310114 → town 310114102 →
// village 310114102201), so a user's scope is the set of codes that start with
// their unit's code.
package orgunit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// Unit is one org unit.
type Unit struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"name_en,omitempty"`
	Level  int    `json:"level" in:"optional"` // a request's is ignored: a new unit is a village
	Parent string `json:"parent"`
	Demo   bool   `json:"demo,omitempty"`
}

// Label returns the unit's name in the language (English falls back to Chinese).
func (u Unit) Label(lang string) string { return apperr.T(u.Name, u.NameEn).In(lang) }

// Scope is a unit and its subtree. The zero Scope contains nothing.
type Scope struct {
	Prefix string
	All    bool // every unit: for the command line and the system itself
}

// ScopeOf returns the scope rooted at the unit code.
func ScopeOf(code string) Scope { return Scope{Prefix: code} }

// AllUnits is the scope of the whole platform (command-line administration).
func AllUnits() Scope { return Scope{All: true} }

// Contains reports whether code lies in the scope.
func (s Scope) Contains(code string) bool {
	if s.All {
		return code != ""
	}
	return s.Prefix != "" && code != "" && strings.HasPrefix(code, s.Prefix)
}

// Range gives the bounds of a SQL range condition `col >= lo AND col < hi`.
// The zero Scope contains nothing, so its range is empty.
func (s Scope) Range() (lo, hi string) {
	switch {
	case s.All:
		return db.PrefixRange("")
	case s.Prefix == "":
		return "~", "~" // no code is >= "~" and < "~"
	}
	return db.PrefixRange(s.Prefix)
}

// Narrow intersects the scope with the subtree of code. ok is false when they do
// not overlap (the caller asked for a unit outside their scope).
func (s Scope) Narrow(code string) (Scope, bool) {
	switch {
	case code == "":
		return s, true
	case s.All || s.Contains(code):
		return Scope{Prefix: code}, true
	case strings.HasPrefix(s.Prefix, code):
		return s, true // asked for an ancestor: the caller still sees only their own subtree
	}
	return Scope{}, false
}

// Seed returns the units created on first start (DOMAIN.md §3).
func Seed() []Unit {
	u := func(code, name, en string, level int, parent string) Unit {
		return Unit{Code: code, Name: name, NameEn: en, Level: level, Parent: parent}
	}
	units := []Unit{
		u("31", "上海市", "Shanghai", 1, ""),
		u("310114", "嘉定区", "Jiading District", 2, "31"),
		u("3205", "苏州市", "Suzhou", 1, ""),
		u("320583", "昆山市", "Kunshan", 2, "3205"),
		u("320585", "太仓市", "Taicang", 2, "3205"),
	}
	towns := []struct{ parent, code, name, en string }{
		{"310114", "001", "新成路街道", "Xinchenglu Subdistrict"},
		{"310114", "002", "真新街道", "Zhenxin Subdistrict"},
		{"310114", "004", "嘉定镇街道", "Jiadingzhen Subdistrict"},
		{"310114", "102", "南翔镇", "Nanxiang Town"},
		{"310114", "103", "安亭镇", "Anting Town"},
		{"310114", "106", "马陆镇", "Malu Town"},
		{"310114", "109", "徐行镇", "Xuhang Town"},
		{"310114", "111", "华亭镇", "Huating Town"},
		{"310114", "114", "外冈镇", "Waigang Town"},
		{"310114", "118", "江桥镇", "Jiangqiao Town"},
		{"310114", "401", "菊园新区", "Juyuan New Area"},
		{"310114", "501", "嘉定工业区", "Jiading Industrial Zone"},
		{"320583", "100", "玉山镇", "Yushan Town"},
		{"320583", "101", "巴城镇", "Bacheng Town"},
		{"320583", "102", "周市镇", "Zhoushi Town"},
		{"320583", "103", "陆家镇", "Lujia Town"},
		{"320583", "104", "花桥镇", "Huaqiao Town"},
		{"320583", "106", "张浦镇", "Zhangpu Town"},
		{"320583", "108", "千灯镇", "Qiandeng Town"},
		{"320583", "400", "昆山开发区", "Kunshan Development Zone"},
		{"320583", "401", "昆山旅游度假区", "Kunshan Tourist Resort"},
		{"320585", "100", "城厢镇", "Chengxiang Town"},
		{"320585", "101", "沙溪镇", "Shaxi Town"},
		{"320585", "102", "浏河镇", "Liuhe Town"},
		{"320585", "103", "浮桥镇", "Fuqiao Town"},
		{"320585", "104", "璜泾镇", "Huangjing Town"},
		{"320585", "105", "双凤镇", "Shuangfeng Town"},
		{"320585", "400", "经济开发区", "Taicang Economic Development Zone"},
		{"320585", "403", "科教新城", "Taicang Science and Education New Town"},
	}
	for _, t := range towns {
		units = append(units, u(t.parent+t.code, t.name, t.en, 3, t.parent))
	}
	return units
}

// Store reads and writes org units.
type Store struct{ db *db.DB }

// NewStore returns a store on d.
func NewStore(d *db.DB) *Store { return &Store{db: d} }

// EnsureSeed inserts the seed units that are missing; existing ones are kept.
func (s *Store) EnsureSeed(ctx context.Context) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error { return InsertTx(ctx, tx, Seed()...) })
}

const cols = `code, name, name_en, level, COALESCE(parent, ''), demo`

func scan(sc interface{ Scan(...any) error }) (Unit, error) {
	var u Unit
	err := sc.Scan(&u.Code, &u.Name, &u.NameEn, &u.Level, &u.Parent, &u.Demo)
	return u, err
}

// Get returns one unit, or a not_found error.
func (s *Store) Get(ctx context.Context, code string) (Unit, error) {
	u, err := scan(s.db.QueryRow(ctx, `SELECT `+cols+` FROM orgunits WHERE code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Unit{}, apperr.New(apperr.NotFound, "未找到该组织单位。", "Org unit not found.")
	}
	if err != nil {
		return Unit{}, fmt.Errorf("get org unit %s: %w", code, err)
	}
	return u, nil
}

// Exists tells whether a unit with this code exists.
func (s *Store) Exists(ctx context.Context, code string) (bool, error) {
	_, err := s.Get(ctx, code)
	if apperr.CodeOf(err) == apperr.NotFound {
		return false, nil
	}
	return err == nil, err
}

// Children lists the units directly under parent ("" lists the top level).
func (s *Store) Children(ctx context.Context, parent string) ([]Unit, error) {
	q, args := `SELECT `+cols+` FROM orgunits WHERE parent = ? ORDER BY code`, []any{parent}
	if parent == "" {
		q, args = `SELECT `+cols+` FROM orgunits WHERE parent IS NULL ORDER BY code`, nil
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list org units: %w", err)
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		u, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list org units: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// InScope lists every unit of a scope, in code order (the subtree, root first).
func (s *Store) InScope(ctx context.Context, sc Scope, level int) ([]Unit, error) {
	lo, hi := sc.Range()
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM orgunits WHERE code >= ? AND code < ? AND (? = 0 OR level = ?) ORDER BY code`, lo, hi, level, level)
	if err != nil {
		return nil, fmt.Errorf("list org units in scope: %w", err)
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		u, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list org units in scope: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Path returns the unit and its ancestors, top first (for breadcrumbs).
func (s *Store) Path(ctx context.Context, code string) ([]Unit, error) {
	var path []Unit
	for code != "" {
		u, err := s.Get(ctx, code)
		if err != nil {
			return nil, err
		}
		path = append([]Unit{u}, path...)
		code = u.Parent
	}
	return path, nil
}

// MaxName bounds a unit's name (the longest real ones have some 20 characters).
const MaxName = 60

// ValidateNew checks a new level-4 unit against its parent and the caller's
// scope. It is a pure rule; parent is the loaded parent unit (nil when missing).
func ValidateNew(u Unit, parent *Unit, caller Scope) error {
	var fields []apperr.FieldError
	switch {
	case strings.TrimSpace(u.Name) == "":
		fields = append(fields, apperr.Field("name", "required", "请填写名称。", "Enter a name."))
	case utf8.RuneCountInString(u.Name) > MaxName || utf8.RuneCountInString(u.NameEn) > MaxName:
		fields = append(fields, apperr.Field("name", "too_long", fmt.Sprintf("名称最多 %d 个字。", MaxName), fmt.Sprintf("A name takes at most %d characters.", MaxName)))
	}
	switch {
	case u.Parent == "":
		fields = append(fields, apperr.Field("parent", "required", "请填写上级单位代码。", "Enter the parent unit's code."))
	case parent == nil:
		fields = append(fields, apperr.Field("parent", "not_found", "上级单位不存在。", "The parent unit does not exist."))
	case parent.Level != 3:
		fields = append(fields, apperr.Field("parent", "level", "只能在乡镇或街道（第3级）下新建村居。", "New units can only be added under a town or sub-district (level 3)."))
	case !caller.Contains(parent.Code):
		fields = append(fields, apperr.Field("parent", "scope", "上级单位不在您的管辖范围内。", "The parent unit is outside your area."))
	}
	if len(u.Code) != 12 || strings.Trim(u.Code, "0123456789") != "" {
		fields = append(fields, apperr.Field("code", "format", "村居代码应为12位数字。", "A village or residential committee code has 12 digits."))
	} else if u.Parent != "" && !strings.HasPrefix(u.Code, u.Parent) {
		fields = append(fields, apperr.Field("code", "parent_prefix", "村居代码应以上级单位代码开头。", "The code must start with the parent unit's code."))
	}
	if len(fields) > 0 {
		return apperr.Validation(fields...)
	}
	return nil
}

// Create adds a level-4 unit under a town in the caller's scope. also runs in the
// same transaction (the caller writes its audit entry there).
func (s *Store) Create(ctx context.Context, caller Scope, u Unit, also func(*db.Tx) error) (Unit, error) {
	u.Code, u.Name, u.NameEn = strings.TrimSpace(u.Code), strings.TrimSpace(u.Name), strings.TrimSpace(u.NameEn)
	var parent *Unit
	if u.Parent != "" {
		if p, err := s.Get(ctx, u.Parent); err == nil {
			parent = &p
		} else if apperr.CodeOf(err) != apperr.NotFound {
			return Unit{}, err
		}
	}
	if err := ValidateNew(u, parent, caller); err != nil {
		return Unit{}, err
	}
	u.Level = 4
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO orgunits (code, name, name_en, level, parent, demo, created_at) VALUES (?, ?, ?, 4, ?, ?, ?)`,
			u.Code, u.Name, u.NameEn, u.Parent, u.Demo, db.Millis(tx.Now))
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, Msg: apperr.T("该代码已被使用。", "This code is already in use."),
				Fields: []apperr.FieldError{apperr.Field("code", "duplicate", "该代码已被使用。", "This code is already in use.")}}
		}
		if err != nil {
			return fmt.Errorf("create org unit: %w", err)
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
	if err != nil {
		return Unit{}, err
	}
	return u, nil
}

// InsertTx adds units in tx without scope checks (for the demo loader and
// seeding); existing codes are kept.
func InsertTx(ctx context.Context, tx *db.Tx, units ...Unit) error {
	for _, u := range units {
		var parent any
		if u.Parent != "" {
			parent = u.Parent
		}
		if _, err := tx.Exec(ctx, `INSERT INTO orgunits (code, name, name_en, level, parent, demo, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING`,
			u.Code, u.Name, u.NameEn, u.Level, parent, u.Demo, db.Millis(tx.Now)); err != nil {
			return fmt.Errorf("insert org unit %s: %w", u.Code, err)
		}
	}
	return nil
}

// Labels names the units of codes in one query: code → name in lang.
// Unknown codes are absent.
func (s *Store) Labels(ctx context.Context, codes []string, lang string) (map[string]string, error) {
	seen := map[string]bool{}
	var args []any
	for _, c := range codes {
		if c != "" && !seen[c] {
			seen[c] = true
			args = append(args, c)
		}
	}
	out := map[string]string{}
	if len(args) == 0 {
		return out, nil
	}
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM orgunits WHERE code IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("name org units: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("name org units: %w", err)
		}
		out[u.Code] = u.Label(lang)
	}
	return out, rows.Err()
}

// PickGroup is a town and the units under it, for a picker by name (an
// <optgroup>); a group without a code holds the units above the towns,
// shown as plain options.
type PickGroup struct {
	Code  string
	Label string
	Units []PickOption
}

// PickOption is one unit a picker offers.
type PickOption struct {
	Code  string
	Label string
}

// Picker lists the units of a scope grouped by town, so that a form picks a
// place by its name instead of a typed 9- or 12-digit code. villages leaves
// out the towns and the units above them (a person lives in a village);
// otherwise a town is offered as a whole first in its group, and the units
// above the towns come first. selected, when not among them (a code typed
// into an address), is kept as an option of its own so that a choice is
// never dropped silently.
func (s *Store) Picker(ctx context.Context, sc Scope, lang string, villages bool, selected string) ([]PickGroup, error) {
	units, err := s.InScope(ctx, sc, 0)
	if err != nil {
		return nil, err
	}
	var top PickGroup
	var groups []PickGroup
	found := selected == ""
	for _, u := range units {
		found = found || u.Code == selected
		switch {
		case u.Level < 3:
			if !villages {
				top.Units = append(top.Units, PickOption{Code: u.Code, Label: u.Label(lang) + apperr.T("（全部）", " (all)").In(lang)})
			}
		case u.Level == 3:
			g := PickGroup{Code: u.Code, Label: u.Label(lang)}
			if !villages {
				g.Units = append(g.Units, PickOption{Code: u.Code, Label: u.Label(lang) + apperr.T("（全镇）", " (whole town)").In(lang)})
			}
			groups = append(groups, g)
		default:
			if len(groups) == 0 || groups[len(groups)-1].Code != u.Parent {
				// The scope is a village: its town is outside the list.
				g := PickGroup{Code: u.Parent, Label: u.Parent}
				if t, err := s.Get(ctx, u.Parent); err == nil {
					g.Label = t.Label(lang)
				}
				groups = append(groups, g)
			}
			g := &groups[len(groups)-1]
			g.Units = append(g.Units, PickOption{Code: u.Code, Label: u.Label(lang)})
		}
	}
	if !found {
		top.Units = append(top.Units, PickOption{Code: selected, Label: selected})
	}
	return append([]PickGroup{top}, groups...), nil
}
