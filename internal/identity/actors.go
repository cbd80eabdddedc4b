package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// ActorLabel names a user in words for a log people read: the name of
// their org unit, their role and their name ("南翔镇 街镇工作人员 王芳"),
// not a username.
type ActorLabel struct {
	Username string
	Name     string // the user's name ("" when the account has none)
	OrgUnit  string
	Unit     string // the org unit's name in the page's language
	Known    bool   // an account of this system (not the demo loader, not a mistyped sign-in)
}

// Words says who acted, in lang, with the role they acted in: the unit's
// name, the role and the user's name, or the username when the account
// has no name.
func (a ActorLabel) Words(role, lang string) string {
	var parts []string
	if a.Unit != "" {
		parts = append(parts, a.Unit)
	}
	if role != "" {
		parts = append(parts, RoleName(role, lang))
	}
	switch {
	case a.Name != "":
		parts = append(parts, a.Name)
	case a.Username != "":
		parts = append(parts, a.Username)
	}
	sep := " "
	if strings.HasPrefix(lang, "en") {
		sep = " · "
	}
	return strings.Join(parts, sep)
}

// actorsMax bounds one lookup (a log page lists at most a few hundred entries).
const actorsMax = 1000

// DescribeActors names the users of a page of log entries in one query
// (users joined with their org units). Usernames without an account get a
// label of the username alone.
func DescribeActors(ctx context.Context, d *db.DB, usernames []string, lang string) (map[string]ActorLabel, error) {
	names := slices.Clone(usernames)
	slices.Sort(names)
	names = slices.Compact(names)
	names = slices.DeleteFunc(names, func(s string) bool { return s == "" })
	out := map[string]ActorLabel{}
	for _, n := range names {
		out[n] = ActorLabel{Username: n}
	}
	if len(names) == 0 {
		return out, nil
	}
	if len(names) > actorsMax {
		return nil, fmt.Errorf("describe actors: %d users in one lookup (at most %d)", len(names), actorsMax)
	}
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	rows, err := d.Query(ctx, `SELECT u.username, u.name, u.orgunit, COALESCE(o.name, ''), COALESCE(o.name_en, '')
		FROM users u LEFT JOIN orgunits o ON o.code = u.orgunit
		WHERE u.username IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("describe actors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a := ActorLabel{Known: true}
		var zh, en string
		if err := rows.Scan(&a.Username, &a.Name, &a.OrgUnit, &zh, &en); err != nil {
			return nil, fmt.Errorf("describe actors: %w", err)
		}
		if zh != "" {
			a.Unit = apperr.T(zh, en).In(lang)
		}
		out[a.Username] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe actors: %w", err)
	}
	return out, nil
}
