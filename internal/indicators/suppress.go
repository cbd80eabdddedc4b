package indicators

import (
	"cmp"
	"context"

	"slices"
	"strconv"
	"sunshine/internal/orgunit"
)

// Small-cell suppression. Roles without access to personal data (the
// leader, and any other aggregate-only role: everyone who may read the
// figures but not the gap lists) are not shown a figure that rests on fewer
// than MinCell persons, households or records: with a village broken down
// by category, a count of 1 names a person. Staff who may read the persons
// anyway (gapReaders) see exact figures.
//
// The rules (applied to what an aggregate-only role receives: the API's
// figures, breakdowns, trends and comparisons, the pages and the XLSX
// exports):
//   - primary: a figure is suppressed when its numerator, its denominator or
//     its gap (denominator − numerator) is between 1 and MinCell−1; for a
//     mean, when it rests on 1 to MinCell−1 records; for a count (home
//     renovations), when the count is. Zero is shown: nobody to identify.
//   - complementary: in a breakdown, whose groups add up to the unit's own
//     figure, a single suppressed group could be computed by subtraction;
//     when exactly one group is suppressed, the next smallest group (by its
//     denominator, or count) that is not empty is suppressed too.
//
// A suppressed figure keeps its code, name, key and target; its numerator,
// denominator, value, met and gap are null and Suppressed is true. Pages and
// exports write "少于5" / "<5" in its cells.

// MinCell is the smallest count an aggregate-only role is shown.
const MinCell = 5

// exact reports whether role sees exact figures: the roles with access to
// personal data (who may read the persons behind a gap). Every other role,
// present or future, sees suppressed figures.
func exact(role string) bool { return slices.Contains(gapReaders.Roles, role) }

// small reports whether a count is too small to show (zero is not).
func small(n *int64) bool { return n != nil && *n > 0 && *n < MinCell }

// tooSmall reports whether a figure falls under the primary rule.
func tooSmall(it Item) bool {
	def, ok := DefOf(it.Code)
	if !ok {
		return false
	}
	switch def.Kind {
	case Count:
		return small(it.Numerator)
	case Mean:
		return small(it.Denominator) // the numerator is a sum of yuan
	}
	return small(it.Numerator) || small(it.Denominator) || small(it.Gap)
}

// hide suppresses a figure.
func hide(it *Item) {
	it.Numerator, it.Denominator, it.Value, it.Met, it.Gap = nil, nil, nil, nil, nil
	it.Suppressed = true
}

// size is what orders the candidates for complementary suppression: the
// denominator, or the count of a count.
func size(it Item) int64 {
	switch {
	case it.Denominator != nil:
		return *it.Denominator
	case it.Numerator != nil:
		return *it.Numerator
	}
	return 0
}

// suppressFigures applies the primary rule to figures that do not add up to
// one shown total (the indicators of a unit, its trend).
func suppressFigures(items []Item) {
	for i := range items {
		if tooSmall(items[i]) {
			hide(&items[i])
		}
	}
}

// suppressGroups applies the primary and the complementary rule to the
// groups of a breakdown (which add up to the unit's figure).
func suppressGroups(items []Item) {
	suppressFigures(items)
	hidden := 0
	for _, it := range items {
		if it.Suppressed {
			hidden++
		}
	}
	if hidden != 1 {
		return
	}
	next := -1
	for i, it := range items {
		if it.Suppressed || size(it) == 0 {
			continue
		}
		if next < 0 || cmp.Or(cmp.Compare(size(it), size(items[next])), cmp.Compare(it.Key, items[next].Key)) < 0 {
			next = i
		}
	}
	if next >= 0 {
		hide(&items[next])
	}
}

// suppressResult applies the primary rule to a unit's figures.
func suppressResult(r *Result) { suppressFigures(r.Items) }

// smallLabel is what a suppressed cell reads: "少于5" / "<5".
func smallLabel(lang string) string {
	n := strconv.Itoa(MinCell)
	return fmtr{lang}.t("少于"+n, "<"+n)
}

// ForRole gives a unit's indicators of a year as role may see them: exact
// for the roles that may read the persons, suppressed for every other
// (the federation's dashboard shows the home district's with the partners').
func (s *Store) ForRole(ctx context.Context, unit string, year int, lang, role string) (Result, error) {
	res, err := s.Indicators(ctx, orgunit.AllUnits(), unit, year, lang)
	if err != nil {
		return Result{}, err
	}
	if !exact(role) {
		suppressResult(&res)
	}
	return res, nil
}
