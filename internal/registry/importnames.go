package registry

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/tabular"
)

// Import files are filled by people: the coded columns accept the code, the
// Chinese label and the English label (本地户籍, local household
// registration, local), and the village column a 12-digit code, a village's
// name (unique in the caller's area) or "town/village" (南翔镇/安园村). The
// template's dropdowns offer the Chinese labels and the caller's villages,
// and its lookup sheets list the villages and the code lists.

// enumCodes are the codes of each coded text column.
var enumCodes = map[string][]string{
	"hukou":           Hukous,
	"economic_status": EconomicStatuses,
	"status":          Statuses,
	"employment":      Employments,
}

// enumLabels maps, per coded column, each label (EnumName in Chinese and in
// English, lower-cased) to its code.
var enumLabels = sync.OnceValue(func() map[string]map[string]string {
	out := map[string]map[string]string{}
	for field, codes := range enumCodes {
		m := map[string]string{}
		for _, code := range codes {
			m[strings.ToLower(EnumName(code, "zh"))] = code
			m[strings.ToLower(EnumName(code, "en"))] = code
		}
		out[field] = m
	}
	return out
})

// enumByLabel is the code whose label v is, in a coded column.
func enumByLabel(field, v string) (string, bool) {
	code, ok := enumLabels()[field][strings.ToLower(strings.Join(strings.Fields(v), " "))]
	return code, ok
}

// villageRef is a village of the caller's area, named with its town.
type villageRef struct {
	Code, Name, NameEn, Town, TownEn string
}

// path is "town/village", as an ambiguous name is written.
func (v villageRef) path() string { return v.Town + "/" + v.Name }

// scopeVillages lists the villages (level-4 units) in the caller's scope,
// with their towns' names, in code order.
func (s *Store) scopeVillages(ctx context.Context, c Caller) ([]villageRef, error) {
	lo, hi := c.Scope.Range()
	rows, err := s.db.Query(ctx, `SELECT v.code, v.name, v.name_en, COALESCE(t.name, ''), COALESCE(t.name_en, '')
		FROM orgunits v LEFT JOIN orgunits t ON t.code = v.parent
		WHERE v.level = 4 AND v.code >= ? AND v.code < ? ORDER BY v.code`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("villages in scope: %w", err)
	}
	defer rows.Close()
	var out []villageRef
	for rows.Next() {
		var v villageRef
		if err := rows.Scan(&v.Code, &v.Name, &v.NameEn, &v.Town, &v.TownEn); err != nil {
			return nil, fmt.Errorf("villages in scope: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// villageKey normalises a typed village name: spaces, case and the
// full-width slash do not matter.
func villageKey(s string) string {
	s = strings.ReplaceAll(s, "／", "/")
	parts := strings.Split(s, "/")
	for i, p := range parts {
		parts[i] = strings.ToLower(strings.Join(strings.Fields(p), " "))
	}
	return strings.Join(parts, "/")
}

// villageIndex finds the caller's villages by name and by "town/village",
// in Chinese and English; it is loaded once per import, when a row first
// names a village.
type villageIndex struct {
	once  sync.Once
	byKey map[string][]villageRef
	err   error
}

func (x *villageIndex) load(s *Store, c Caller) {
	x.once.Do(func() {
		vs, err := s.scopeVillages(context.Background(), c)
		if err != nil {
			x.err = err
			return
		}
		x.byKey = map[string][]villageRef{}
		add := func(key string, v villageRef) {
			if key != "" && key != "/" && !slices.ContainsFunc(x.byKey[key], func(o villageRef) bool { return o.Code == v.Code }) {
				x.byKey[key] = append(x.byKey[key], v)
			}
		}
		for _, v := range vs {
			add(villageKey(v.Name), v)
			add(villageKey(v.path()), v)
			if v.NameEn != "" {
				add(villageKey(v.NameEn), v)
				add(villageKey(apperr.T(v.Town, v.TownEn).In("en")+"/"+v.NameEn), v)
			}
		}
	})
}

// isCode reports whether a cell is written as a code (digits only): it is
// then checked as a code, as before names were accepted.
func isCode(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// shortText is a typed value as an error message quotes it: at most 40
// characters, control characters shown as "?".
func shortText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

// resolveVillage turns a village cell written as a name into its code. A
// code or an empty cell is left as it is; a name not in the caller's area,
// or one that several of its villages share, is an error of the cell that
// names the candidates (all in the caller's area).
func (im *importer) resolveVillage(unit *string) *apperr.FieldError {
	v := strings.TrimSpace(*unit)
	if v == "" || isCode(v) {
		return nil
	}
	im.villages.load(im.s, im.c)
	if im.villages.err != nil {
		e := cellError("orgunit", "unavailable", apperr.T("暂时无法读取村居名称，请填写12位代码或稍后重试。", "Village names cannot be read just now: use the 12-digit code, or try again later."))
		return &e
	}
	found := im.villages.byKey[villageKey(v)]
	switch len(found) {
	case 1:
		*unit = found[0].Code
		return nil
	case 0:
		e := cellError("orgunit", "not_found", apperr.T("在您的管辖范围内没有名为“"+shortText(v)+"”的村居：请填写12位代码，或模板“村居”表中的名称。",
			"No village in your area is named \""+shortText(v)+"\": use its 12-digit code, or a name from the template's village sheet."))
		return &e
	}
	zh := make([]string, len(found))
	en := make([]string, len(found))
	for i, f := range found {
		zh[i] = f.path() + "（" + f.Code + "）"
		en[i] = apperr.T(f.Town, f.TownEn).In("en") + "/" + apperr.T(f.Name, f.NameEn).In("en") + " (" + f.Code + ")"
	}
	e := cellError("orgunit", "ambiguous", apperr.T("村居名称“"+shortText(v)+"”不唯一："+strings.Join(zh, "、")+"；请写成“镇名/村名”或填写12位代码。",
		"The village name \""+shortText(v)+"\" is not unique: "+strings.Join(en, ", ")+"; write it as town/village, or use the 12-digit code."))
	return &e
}

// choiceLabels are the dropdown values of a column in the template: the
// Chinese labels of coded columns, the names of categories and grades;
// ok is false for a column without a list.
func choiceLabels(field string) ([]string, bool) {
	switch field {
	case "category":
		out := make([]string, len(Categories))
		for i, c := range Categories {
			out[i] = c.Zh
		}
		return out, true
	case "grade":
		out := make([]string, len(Grades))
		for i, g := range Grades {
			out[i] = g.Zh
		}
		return out, true
	}
	codes, ok := enumCodes[field]
	if !ok {
		return nil, false
	}
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = EnumName(c, "zh")
	}
	return out, true
}

// exampleLabel is a column's example value as the template writes it (a
// label where the column has labels).
func exampleLabel(field, example string) string {
	switch field {
	case "category":
		if n, ok := ParseCategory(example); ok {
			return Categories[n-1].Zh
		}
	case "grade":
		if n, ok := ParseGrade(example); ok {
			return Grades[n-1].Zh
		}
	}
	if _, ok := enumCodes[field]; ok && example != "" {
		return EnumName(example, "zh")
	}
	return example
}

// villageChoices are the ways the template's dropdown names the villages:
// the name where it is unique in the list, else "town/village" (where even
// that is shared, only the code, on the lookup sheet, names it).
func villageChoices(vs []villageRef) []string {
	names := map[string]int{}
	paths := map[string]int{}
	for _, v := range vs {
		names[v.Name]++
		paths[v.path()]++
	}
	var out []string
	for _, v := range vs {
		switch {
		case names[v.Name] == 1:
			out = append(out, v.Name)
		case paths[v.path()] == 1:
			out = append(out, v.path())
		}
	}
	return out
}

// xlsxTemplate writes the XLSX template of a file kind for the caller: the
// data sheet with dropdowns of labels and villages, the help sheet, and the
// lookup sheets of the caller's villages and of the code lists.
func (t *Transfer) xlsxTemplate(ctx context.Context, c Caller, cols []Column) ([]tabular.Column, []tabular.Sheet, error) {
	vs, err := t.Store.scopeVillages(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	out := templateColumns(cols)
	codes := tabular.Sheet{Name: "代码 codes", Header: []string{"列 column", "代码 code", "中文", "English"}}
	for i, col := range cols {
		if labels, ok := choiceLabels(col.Field); ok {
			out[i].Choices = labels
			out[i].Example = exampleLabel(col.Field, col.Example)
			for j, l := range labels {
				code, en := strconv.Itoa(j+1), ""
				switch col.Field {
				case "category":
					en = Categories[j].En
				case "grade":
					en = Grades[j].SeverityEn
				default:
					code = enumCodes[col.Field][j]
					en = EnumName(code, "en")
				}
				codes.Rows = append(codes.Rows, []string{col.Zh + " " + col.En, code, l, en})
			}
		}
		if col.Field == "orgunit" {
			out[i].Choices = villageChoices(vs)
			out[i].OtherValues = true
			if len(out[i].Choices) > 0 {
				out[i].Example = out[i].Choices[0]
			}
			out[i].DescZh = col.DescZh + "；可从下拉列表选择村居名称（见“村居”表），重名时写成“镇名/村名”"
			out[i].DescEn = col.DescEn + "; or choose the village's name from the list (see the village sheet), written town/village where names repeat"
		}
	}
	villages := tabular.Sheet{Name: "村居 villages", Header: []string{"代码 code", "村居 village", "街镇 town", "Village", "Town"}}
	for _, v := range vs {
		villages.Rows = append(villages.Rows, []string{v.Code, v.Name, v.Town, v.NameEn, v.TownEn})
	}
	return out, []tabular.Sheet{villages, codes}, nil
}
