package centres

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/registry"
)

// pickPerson reads a person picker named field from a form, as
// registry.Store.PickerFrom does, for when the pages have no registry
// (Pages.Pick nil): the chosen person (of the caller's scope, else not
// found) and, when its search was asked for, the active persons of the
// scope whose name starts with the search. Each person shown is audited.
func (pg *Pages) pickPerson(ctx context.Context, c access.Caller, form url.Values, field, label, lang string) (registry.Picker, int64, error) {
	pk := registry.Picker{Field: field, Label: label, Q: strings.TrimSpace(form.Get(field + "_q")), Find: form.Get(field+"_find") != ""}
	var id int64
	var shown []int64
	where, args := c.Where("p.id", "p.orgunit")
	const cols = `SELECT p.id, p.name, p.id_masked, p.orgunit, COALESCE(u.name, ''), COALESCE(u.name_en, '') FROM persons p LEFT JOIN orgunits u ON u.code = p.orgunit WHERE `
	scan := func(sc interface{ Scan(...any) error }) (registry.Label, error) {
		var l registry.Label
		var zh, en string
		err := sc.Scan(&l.ID, &l.Name, &l.IDMasked, &l.OrgUnit, &zh, &en)
		l.Unit = apperr.T(zh, en).In(lang)
		if l.Unit == "" {
			l.Unit = l.OrgUnit
		}
		return l, err
	}
	if raw := strings.TrimSpace(form.Get(field)); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n <= 0 {
			return pk, 0, apperr.Validation(apperr.Field(field, "not_found", "找不到所选的人，请重新查找并选择。", "The chosen person was not found; search and choose again."))
		}
		l, err := scan(pg.db.QueryRow(ctx, cols+`p.id = ? AND `+where, append([]any{n}, args...)...))
		if err != nil {
			return pk, 0, notFound()
		}
		pk.Chosen, id = &l, n
		shown = append(shown, n)
	}
	if pk.Q != "" && pk.Q != strings.TrimSpace(form.Get(field+"_seen")) {
		pk.Find = true
	}
	if pk.Find || (id == 0 && pk.Q != "") {
		if pk.Q == "" {
			return pk, id, apperr.Validation(apperr.Field(field, "required", "请先输入姓名、身份证号后4位或电话号码，再查找。",
				"Type a name, the last 4 characters of the ID number or a phone number, then search."))
		}
		if utf8.RuneCountInString(pk.Q) > registry.MaxQuery || safetext.Bad(pk.Q) {
			return pk, id, apperr.Validation(registry.PickQueryError(field))
		}
		rows, err := pg.db.Query(ctx, cols+where+` AND p.status = 'active' AND p.name >= ? AND p.name < ? ORDER BY p.name, p.id LIMIT ?`,
			append(args, pk.Q, pk.Q+"\U0010FFFF", registry.PickMax+1)...)
		if err != nil {
			return pk, id, fmt.Errorf("pick persons: %w", err)
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			l, err := scan(rows)
			if err != nil {
				return pk, id, fmt.Errorf("pick persons: %w", err)
			}
			if len(pk.Matches) == registry.PickMax {
				pk.More = true
				break
			}
			pk.Matches = append(pk.Matches, l)
			shown = append(shown, l.ID)
		}
		if err := rows.Err(); err != nil {
			return pk, id, fmt.Errorf("pick persons: %w", err)
		}
		pk.Searched = true
	}
	if len(shown) > 0 {
		entries := make([]audit.Entry, 0, len(shown))
		for _, p := range shown {
			entries = append(entries, c.Actor.Entry(audit.ActionList, registry.SubjectPerson, strconv.FormatInt(p, 10), ""))
		}
		if err := pg.log.Record(ctx, entries...); err != nil {
			return pk, id, err
		}
	}
	return pk, id, nil
}
