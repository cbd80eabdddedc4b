package registry

// Home visits without a signal (issue 21): a village assistant prepares the
// visit sheets of the persons she will see, the phone keeps them (encrypted,
// visits.js) and fills the annual record offline; the saves come back later,
// each based on the version of the record it was prepared from, and one that
// meets a record changed meanwhile is a conflict to resolve, never an
// overwrite. The sheets carry the minimum: name, village, masked ID number,
// age, this year's and last year's answers, and which questions to ask.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/safetext"
)

// VisitKeepDays is how many days a phone keeps prepared visit sheets (and
// any record not yet sent) before it deletes them.
const VisitKeepDays = 7

// MaxVisitSheets bounds the sheets prepared at once, and the candidates listed.
const MaxVisitSheets = 500

// VisitCandidate is an active person in the caller's scope the caller may
// prepare a visit for.
type VisitCandidate struct {
	PersonID    int64  `json:"person_id"`
	Name        string `json:"name"`
	IDMasked    string `json:"id_masked"`
	Village     string `json:"village"`
	VillageName string `json:"village_name"`
	Age         int    `json:"age"`
	// HasRecord: the person has an annual record of the year already.
	HasRecord bool `json:"has_record"`
}

// VisitCandidates lists the active persons of the caller's scope (within
// orgunit when given) for a year, by village and name, and whether each has
// the year's record; more tells that there were more than MaxVisitSheets
// (the caller then narrows by village). Audited as a list.
func (s *Store) VisitCandidates(ctx context.Context, c Caller, year int, orgunit, lang string) ([]VisitCandidate, bool, error) {
	conds, args, ok := s.filterWhere(c, Filter{OrgUnit: orgunit, Status: "active"})
	if !ok {
		return []VisitCandidate{}, false, nil
	}
	name := "o.name"
	if lang == "en" {
		name = "CASE WHEN o.name_en <> '' THEN o.name_en ELSE o.name END"
	}
	rows, err := s.db.Query(ctx, `SELECT p.id, p.name, p.id_masked, p.orgunit, `+name+`, p.birth_year,
		EXISTS (SELECT 1 FROM annual_records a WHERE a.person_id = p.id AND a.year = ?)
		FROM persons p JOIN orgunits o ON o.code = p.orgunit WHERE `+strings.Join(conds, " AND ")+`
		ORDER BY p.orgunit, p.name, p.id LIMIT ?`, append(append([]any{year}, args...), MaxVisitSheets+1)...)
	if err != nil {
		return nil, false, fmt.Errorf("visit candidates: %w", err)
	}
	defer rows.Close()
	out := []VisitCandidate{}
	for rows.Next() {
		var v VisitCandidate
		var born int
		if err := rows.Scan(&v.PersonID, &v.Name, &v.IDMasked, &v.Village, &v.VillageName, &born, &v.HasRecord); err != nil {
			return nil, false, fmt.Errorf("visit candidates: %w", err)
		}
		v.Age = year - born
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("visit candidates: %w", err)
	}
	more := len(out) > MaxVisitSheets
	if more {
		out = out[:MaxVisitSheets]
	}
	entries := make([]audit.Entry, len(out))
	for i, v := range out {
		entries[i] = c.Actor.Entry(audit.ActionList, SubjectPerson, strconv.FormatInt(v.PersonID, 10), v.Village)
	}
	if len(entries) > 0 {
		if err := s.log.Record(ctx, entries...); err != nil {
			return nil, false, err
		}
	}
	return out, more, nil
}

// VisitSheet is what a phone keeps of a person for a visit. Answers are in
// the words of the form (readAnnualAnswers): a yes/no question "1", "0" or
// "unknown", a choice its code, the income as digits.
type VisitSheet struct {
	VisitCandidate
	Year int `json:"year"`
	// BaseVersion is the version of the year's record the sheet was made
	// from; 0: there was none (a save then makes it, or conflicts).
	BaseVersion int `json:"base_version"`
	// Answers are what the form starts with: the year's record when there
	// is one, else the person's economic status.
	Answers map[string]string `json:"answers"`
	// Last are the answers of the year before, nil when there is no record.
	Last map[string]string `json:"last,omitempty"`
	// Ask are the yes/no questions to ask (those that apply at the age,
	// and any the record answers already).
	Ask []string `json:"ask"`
}

// VisitSheets prepares the visit sheets of persons (each in the caller's
// scope, active; at most MaxVisitSheets) for year. Each person read is
// audited as a read of the person's annual records. A person out of scope
// or not found is a 404 naming nothing.
func (s *Store) VisitSheets(ctx context.Context, c Caller, year int, ids []int64, lang string) ([]VisitSheet, error) {
	if err := checkVisitYear(year, s.db.Now().Year()); err != nil {
		return nil, err
	}
	if len(ids) == 0 || len(ids) > MaxVisitSheets {
		return nil, apperr.Validation(apperr.Field("person_ids", "count", fmt.Sprintf("请选择 1 至 %d 人。", MaxVisitSheets),
			fmt.Sprintf("Choose 1 to %d persons.", MaxVisitSheets)))
	}
	seen := map[int64]bool{}
	names := map[string]string{} // village names by code
	out := make([]VisitSheet, 0, len(ids))
	var entries []audit.Entry
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		p, err := s.get(ctx, c, id)
		if err != nil {
			return nil, err
		}
		if p.Status != "active" {
			return nil, apperr.Validation(apperr.Field("person_ids", "status", p.Name+"的档案不是在册状态，无需走访。",
				p.Name+"'s record is not active: no visit is needed."))
		}
		sh := VisitSheet{VisitCandidate: VisitCandidate{PersonID: p.ID, Name: p.Name, IDMasked: p.IDNumberMasked, Village: p.OrgUnit,
			Age: ageIn(p, year)}, Year: year}
		if name, ok := names[p.OrgUnit]; ok {
			sh.VillageName = name
		} else if sh.VillageName, err = s.unitName(ctx, p.OrgUnit, lang); err != nil {
			return nil, err
		}
		names[p.OrgUnit] = sh.VillageName
		cur, err := scanAnnual(s.db.QueryRow(ctx, `SELECT `+annualCols+` FROM annual_records WHERE person_id = ? AND year = ?`, id, year))
		switch {
		case err == nil:
			sh.HasRecord, sh.BaseVersion, sh.Answers = true, cur.Version, formAnswers(&cur)
		case errors.Is(err, sql.ErrNoRows):
			// A new record starts as the annual form's does: the
			// person's economic status, nothing else chosen.
			sh.Answers = map[string]string{"economic_status": p.EconomicStatus}
		default:
			return nil, fmt.Errorf("visit sheet of %d: %w", id, err)
		}
		last, err := scanAnnual(s.db.QueryRow(ctx, `SELECT `+annualCols+` FROM annual_records WHERE person_id = ? AND year = ?`, id, year-1))
		switch {
		case err == nil:
			sh.Last = formAnswers(&last)
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("visit sheet of %d: %w", id, err)
		}
		for _, f := range annualBoolFields() {
			if asked(f, sh.Age, &cur, !sh.HasRecord) {
				sh.Ask = append(sh.Ask, f.Field)
			}
		}
		out = append(out, sh)
		e := c.Actor.Entry(audit.ActionRead, SubjectPerson, strconv.FormatInt(id, 10), p.OrgUnit)
		e.Detail = fmt.Sprintf(`{"visit_sheet":%d}`, year)
		entries = append(entries, e)
	}
	if err := s.log.Record(ctx, entries...); err != nil {
		return nil, err
	}
	return out, nil
}

// unitName is the name of an org unit in lang.
func (s *Store) unitName(ctx context.Context, code, lang string) (string, error) {
	var zh, en string
	if err := s.db.QueryRow(ctx, `SELECT name, name_en FROM orgunits WHERE code = ?`, code).Scan(&zh, &en); err != nil {
		return "", fmt.Errorf("org unit %s: %w", code, err)
	}
	if lang == "en" && en != "" {
		return en, nil
	}
	return zh, nil
}

// checkVisitYear bounds the year of a visit: this year or the last.
func checkVisitYear(year, now int) error {
	if year < now-1 || year > now {
		return apperr.Validation(apperr.Field("year", "invalid", fmt.Sprintf("走访年度应为 %d 或 %d。", now-1, now),
			fmt.Sprintf("The year of a visit must be %d or %d.", now-1, now)))
	}
	return nil
}

// formAnswers are a record's answers in the words of the form.
func formAnswers(a *Annual) map[string]string {
	out := map[string]string{}
	for _, f := range AnnualFields {
		if f.noForm {
			continue
		}
		switch p := f.value(a).(type) {
		case *bool:
			out[f.Field] = answerOf(a, f)
		case *string:
			out[f.Field] = *p
		case **int64:
			if *p != nil {
				out[f.Field] = strconv.FormatInt(**p, 10)
			} else {
				out[f.Field] = ""
			}
		}
	}
	return out
}

// VisitSave is a record filled on a phone: whose, which year, the version
// of the record it was based on (0: none), and the answers in the words of
// the form.
type VisitSave struct {
	PersonID    int64             `json:"person_id"`
	Year        int               `json:"year"`
	BaseVersion int               `json:"base_version"`
	Answers     map[string]string `json:"answers"`
}

// VisitConflict is the refusal of a save whose record changed since the
// phone's sheet was made: the record as it is now, to be shown beside the
// phone's answers.
type VisitConflict struct {
	Current Annual
}

func (e *VisitConflict) Error() string { return "visit: the record changed meanwhile" }

// checkAnswers bounds a phone's answers: known fields of the form only,
// short values without control characters.
func checkAnswers(answers map[string]string) error {
	if len(answers) > len(AnnualFields) {
		return apperr.Validation(apperr.Field("answers", "count", "回答的项目过多。", "There are too many answers."))
	}
	for k, v := range answers {
		f, ok := annualField(k)
		if !ok || f.noForm {
			return apperr.Validation(apperr.Field("answers", "unknown", "回答中有不属于年度状况的项目。",
				"The answers hold an item that is not a question of the annual record."))
		}
		if len([]rune(v)) > 40 || safetext.Bad(v) {
			return apperr.Validation(apperr.Field(k, "invalid", "“"+f.LabelZh+"”的回答过长或含有控制字符。",
				"The answer to “"+f.LabelEn+"” is too long or has control characters."))
		}
	}
	return nil
}

// CheckVisit reads and checks a phone's answers for a person of age in
// year as a save would, without saving: the field errors, none when the
// answers would be saved.
func CheckVisit(year, age, currentYear int, answers map[string]string) ([]apperr.FieldError, error) {
	if err := checkAnswers(answers); err != nil {
		return nil, err
	}
	a, errs := readAnnualAnswers(func(k string) string { return answers[k] }, age)
	a.Year = year
	if len(errs) > 0 {
		return errs, nil
	}
	return ValidateAnnual(&a, currentYear), nil
}

// SaveVisit saves a record filled on a phone. The save is based on the
// version the sheet was made from: a record made or changed since is a
// *VisitConflict carrying the record as it is now (read in scope, audited).
func (s *Store) SaveVisit(ctx context.Context, c Caller, in VisitSave) (Annual, bool, error) {
	if err := checkVisitYear(in.Year, s.db.Now().Year()); err != nil {
		return Annual{}, false, err
	}
	if in.BaseVersion < 0 || in.BaseVersion > 1_000_000 {
		return Annual{}, false, apperr.Validation(apperr.Field("base_version", "invalid", "版本号无效。", "The version is not valid."))
	}
	if err := checkAnswers(in.Answers); err != nil {
		return Annual{}, false, err
	}
	p, err := s.get(ctx, c, in.PersonID)
	if err != nil {
		return Annual{}, false, err
	}
	a, errs := readAnnualAnswers(func(k string) string { return in.Answers[k] }, ageIn(p, in.Year))
	if len(errs) > 0 {
		return Annual{}, false, apperr.Validation(errs...)
	}
	a.Year, a.Version = in.Year, in.BaseVersion
	out, created, err := s.putAnnual(ctx, c, in.PersonID, a, in.BaseVersion == 0)
	if apperr.CodeOf(err) == apperr.Conflict {
		cur, gerr := s.GetAnnual(ctx, c, in.PersonID, in.Year)
		if gerr != nil {
			return Annual{}, false, gerr
		}
		return Annual{}, false, &VisitConflict{Current: cur}
	}
	return out, created, err
}

// visitFields are the fields of the phone's form, in order.
func visitFields() []AnnualField {
	return slices.DeleteFunc(slices.Clone(AnnualFields), func(f AnnualField) bool { return f.noForm })
}
