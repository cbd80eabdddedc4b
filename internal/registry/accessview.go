package registry

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// shanghai is the zone of the days a person's access log groups by.
var shanghai = time.FixedZone("CST", 8*3600)

// AccessItem is one line of a person's access log as the pages show it:
// one entry (an open of the record, a reveal with its reason, a change, an
// export or import), or, when Group is set, the times one viewer saw the
// record in a list on one day, counted.
type AccessItem struct {
	Entry audit.Entry
	Group *audit.Group
}

func (it AccessItem) seq() int64 {
	if it.Group != nil {
		return it.Group.Seq
	}
	return it.Entry.Seq
}

// AccessView is the access log of AccessLog for people to read: the
// entries of the record seen in a list are counted per viewer (user and
// role) per day, every other entry stays on its own line. A group is whole
// on the page of its newest entry; the cursor works as AccessLog's. The
// audit log keeps every entry: this only reads it.
func (s *Store) AccessView(ctx context.Context, c Caller, id int64, before int64, limit int) ([]AccessItem, int64, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	entries, nextEntry, err := s.accessLog(ctx, c, id, before, limit, audit.ActionList)
	if err != nil {
		return nil, 0, err
	}
	groups, nextGroup, err := s.log.ListGroups(ctx, audit.GroupFilter{SubjectType: SubjectPerson, SubjectID: strconv.FormatInt(id, 10),
		Action: audit.ActionList, Zone: shanghai, Before: before, Limit: limit})
	if err != nil {
		return nil, 0, err
	}
	items := make([]AccessItem, 0, len(entries)+len(groups))
	for _, e := range entries {
		items = append(items, AccessItem{Entry: e})
	}
	for i := range groups {
		items = append(items, AccessItem{Group: &groups[i]})
	}
	slices.SortFunc(items, func(a, b AccessItem) int { return cmp.Compare(b.seq(), a.seq()) })
	var next int64
	if len(items) > limit || nextEntry != 0 || nextGroup != 0 {
		items = items[:min(len(items), limit)]
		next = items[len(items)-1].seq()
	}
	return items, next, nil
}

// accessRow is one line of a person's access log, in words: when, who
// (their unit, role and name), what they did, and why.
type accessRow struct {
	At     time.Time
	Day    string // set for a group: the day, instead of the time
	Who    string
	What   string
	Reason string
	Count  int // the entries of a group
}

// accessRows puts a page of a person's access log in words, the users
// named in one lookup. self is the username of the person's own account
// when they read it ("you").
func (pg *Pages) accessRows(ctx context.Context, items []AccessItem, lang, self string) ([]accessRow, error) {
	users := make([]string, len(items))
	for i, it := range items {
		users[i] = it.Entry.Username
		if it.Group != nil {
			users[i] = it.Group.Username
		}
	}
	actors, err := identity.DescribeActors(ctx, pg.Store.db, users, lang)
	if err != nil {
		return nil, err
	}
	out := make([]accessRow, len(items))
	for i, it := range items {
		username, role := it.Entry.Username, it.Entry.Role
		if it.Group != nil {
			username, role = it.Group.Username, it.Group.Role
		}
		who := actors[username].Words(role, lang)
		if self != "" && username == self {
			who = apperr.T("您本人", "You").In(lang)
		}
		if g := it.Group; g != nil {
			out[i] = accessRow{At: g.Last, Day: g.Day.Format(time.DateOnly), Who: who, What: listWords(g.Count, self != "", lang), Count: g.Count}
			continue
		}
		out[i] = accessRow{At: it.Entry.At, Who: who, What: accessWords(it.Entry, lang), Reason: it.Entry.Reason}
	}
	return out, nil
}

// listWords says how often a viewer saw the record in a list on a day,
// to the person themself ("您的档案") or to staff ("档案").
func listWords(n int, own bool, lang string) string {
	count := strconv.Itoa(n)
	switch {
	case own && n == 1:
		return apperr.T("在列表中看到了您的档案 1 次", "saw your record in a list once").In(lang)
	case own:
		return apperr.T("在列表中看到了您的档案 "+count+" 次", "saw your record in a list "+count+" times").In(lang)
	case n == 1:
		return apperr.T("在列表中看到了档案 1 次", "saw the record in a list once").In(lang)
	}
	return apperr.T("在列表中看到了档案 "+count+" 次", "saw the record in a list "+count+" times").In(lang)
}

// accessPage is the page of the access log at the request's cursor.
func (pg *Pages) accessPage(r *http.Request, c Caller, id int64, limit int, lang, self string) ([]accessRow, int64, error) {
	before, err := web.IntParam("cursor", r.URL.Query().Get("cursor"))
	if err != nil {
		return nil, 0, err
	}
	items, next, err := pg.Store.AccessView(r.Context(), c, id, before, limit)
	if err != nil {
		return nil, 0, err
	}
	rows, err := pg.accessRows(r.Context(), items, lang, self)
	return rows, next, err
}
