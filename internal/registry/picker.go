package registry

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/platform/web"
)

// unitPicker lists the org units of the caller's scope grouped by town for
// a picker by name (orgunit.Store.Picker); a person's account picks none.
func (pg *Pages) unitPicker(ctx context.Context, c Caller, lang string, villages bool, selected string) ([]orgunit.PickGroup, error) {
	if c.PersonID != 0 {
		return nil, nil
	}
	return pg.Units.Picker(ctx, c.Scope, lang, villages, selected)
}

// PickMax is how many persons a person picker lists at a time.
const PickMax = 10

// PickQueryError is the field error of a search text that is too long or
// holds a character no text field takes.
func PickQueryError(field string) apperr.FieldError {
	return apperr.Field(field, "invalid", fmt.Sprintf("查找内容最多 %d 个字，且不能含有不可见的控制字符。", MaxQuery),
		fmt.Sprintf("Type at most %d characters to search, without invisible control characters.", MaxQuery))
}

// Pick finds the active persons of the caller's scope that q names (a name's
// start, the last 4 characters of an ID number, a phone number or its last
// 4 digits, a full ID number: searchWhere), by name, at most PickMax, and
// tells whether there are more. Each person found is audited as listed.
func (s *Store) Pick(ctx context.Context, c Caller, q, lang string) ([]Label, bool, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, false, nil
	}
	if utf8.RuneCountInString(q) > MaxQuery || safetext.Bad(q) {
		return nil, false, apperr.Validation(PickQueryError("q"))
	}
	where, args := scopeWhere(c)
	cond, qa := s.searchWhere(q)
	rows, err := s.db.Query(ctx, `SELECT p.id, p.name, p.id_masked, p.orgunit, COALESCE(u.name, ''), COALESCE(u.name_en, '')
		FROM persons p LEFT JOIN orgunits u ON u.code = p.orgunit
		WHERE `+where+` AND `+cond+` AND p.status = 'active' ORDER BY p.name, p.id LIMIT ?`,
		append(append(args, qa...), PickMax+1)...)
	if err != nil {
		return nil, false, fmt.Errorf("pick persons: %w", err)
	}
	defer rows.Close()
	staff := slices.Contains(identity.Staff(), c.Actor.Role)
	var out []Label
	for rows.Next() {
		var l Label
		var zh, en string
		if err := rows.Scan(&l.ID, &l.Name, &l.IDMasked, &l.OrgUnit, &zh, &en); err != nil {
			return nil, false, fmt.Errorf("pick persons: %w", err)
		}
		if !staff {
			l.IDMasked = ""
		}
		l.Unit = l.OrgUnit
		if zh != "" {
			l.Unit = apperr.T(zh, en).In(lang)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("pick persons: %w", err)
	}
	more := len(out) > PickMax
	if more {
		out = out[:PickMax]
	}
	if len(out) > 0 {
		entries := make([]audit.Entry, len(out))
		for i, l := range out {
			entries[i] = c.Actor.Entry(audit.ActionList, SubjectPerson, strconv.FormatInt(l.ID, 10), l.OrgUnit)
		}
		if err := s.log.Record(ctx, entries...); err != nil {
			return nil, false, err
		}
	}
	return out, more, nil
}

// Picker is a person picker of a form (the template "personPicker"): a
// search field named Field+"_q" with its button Field+"_find", the search
// the page answered as Field+"_seen", and the chosen person's id posted as
// Field. Without JavaScript the button submits
// the form, which comes back with the matches as radio buttons; with it the
// field lists the matches as the person types (GET /persons/pick).
type Picker struct {
	Field    string
	Label    string
	Q        string  // the search as typed
	Chosen   *Label  // the person chosen, if any
	Searched bool    // the form came back with the matches of Q
	Matches  []Label // the matches of Q
	More     bool    // there are more matches than listed
	Find     bool    // the search button was pressed, or a new search typed: show the form again, do nothing else
	Error    string  // the field's error, in the page's language
}

// PickerFrom reads a person picker named field from a form's values (or a
// query): the chosen person (in the caller's scope, else not found, as
// whether they exist elsewhere or not), and the matches of the search when
// its button was pressed, or when something was typed and no one chosen.
// The returned id is the chosen person's (0 when none).
func (s *Store) PickerFrom(ctx context.Context, c Caller, form url.Values, field, label, lang string) (Picker, int64, error) {
	pk := Picker{Field: field, Label: label, Q: strings.TrimSpace(form.Get(field + "_q")), Find: form.Get(field+"_find") != ""}
	var id int64
	if raw := strings.TrimSpace(form.Get(field)); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n <= 0 {
			return pk, 0, apperr.Validation(notChosen(field))
		}
		labels, err := s.Labels(ctx, c, []int64{n}, lang)
		if err != nil {
			return pk, 0, err
		}
		l, ok := labels[n]
		if !ok {
			return pk, 0, apperr.ErrNotFound() // as every record outside the scope: 404
		}
		pk.Chosen, id = &l, n
	}
	// A search not answered yet (typed since the page came: Enter in the
	// field without JavaScript sends the form) is a search too.
	if pk.Q != "" && pk.Q != strings.TrimSpace(form.Get(field+"_seen")) {
		pk.Find = true
	}
	if pk.Find || (id == 0 && pk.Q != "") {
		if pk.Q == "" {
			return pk, id, apperr.Validation(apperr.Field(field, "required", "请先输入姓名、身份证号后4位或电话号码，再查找。",
				"Type a name, the last 4 characters of the ID number or a phone number, then search."))
		}
		matches, more, err := s.Pick(ctx, c, pk.Q, lang)
		if apperr.CodeOf(err) == apperr.Invalid {
			return pk, id, apperr.Validation(PickQueryError(field))
		}
		if err != nil {
			return pk, id, err
		}
		pk.Searched, pk.Matches, pk.More = true, matches, more
	}
	return pk, id, nil
}

// notChosen is the error of a chosen person that is not a record id.
func notChosen(field string) apperr.FieldError {
	return apperr.Field(field, "not_found", "找不到所选的人，请重新查找并选择。", "The chosen person was not found; search and choose again.")
}

// PickRequired is the error of a picker where no one was chosen: with
// matches listed, it asks to choose one of them.
func (pk Picker) PickRequired() apperr.FieldError {
	if pk.Searched && len(pk.Matches) > 0 {
		return apperr.Field(pk.Field, "required", "请从查找结果中选择一人。", "Choose one person from the results.")
	}
	if pk.Searched {
		return apperr.Field(pk.Field, "required", "没有找到符合的人，请换一种方式查找（姓名、身份证号后4位或电话号码）。",
			"No one matches; search another way (name, last 4 characters of the ID number, or phone number).")
	}
	return apperr.Field(pk.Field, "required", "请查找并选择一人。", "Search for the person and choose them.")
}

// pickItem is one match of GET /persons/pick.
type pickItem struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Unit     string `json:"unit"`
	IDMasked string `json:"id_masked,omitempty"`
}

// pickAnswer is the answer of GET /persons/pick.
type pickAnswer struct {
	Items []pickItem `json:"items"`
	More  bool       `json:"more"`
}

// pick answers a person picker as the person types: the matches of q in the
// caller's scope, as JSON.
func (pg *Pages) pick(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	ls, more, err := pg.Store.Pick(r.Context(), access.Of(r, p), r.URL.Query().Get("q"), web.PageLang(r))
	if err != nil {
		return err
	}
	out := pickAnswer{Items: []pickItem{}, More: more}
	for _, l := range ls {
		out.Items = append(out.Items, pickItem{ID: l.ID, Name: l.Name, Unit: l.Unit, IDMasked: l.IDMasked})
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.JSON(w, http.StatusOK, out)
}
