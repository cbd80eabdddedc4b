package campaigns

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/registry"
)

// SubjectCampaign is the audit subject type of a campaign.
const SubjectCampaign = "campaign"

// Store keeps the campaigns and their lists. Every method takes the caller:
// a campaign is seen by those whose scope holds its unit or lies inside it,
// and of its list only the persons in their scope.
type Store struct {
	db    *db.DB
	reg   *registry.Store
	units *orgunit.Store
	log   *audit.Log
	// MaxUpload bounds an uploaded spreadsheet (registry.DefaultMaxUpload when 0).
	MaxUpload int64
}

// NewStore returns a store.
func NewStore(d *db.DB, reg *registry.Store, units *orgunit.Store, log *audit.Log) *Store {
	return &Store{db: d, reg: reg, units: units, log: log}
}

func notFound() error {
	return apperr.New(apperr.NotFound, "找不到这个活动。", "There is no such campaign.")
}

// visible: the caller's scope holds the campaign's unit (they run it or
// oversee it), or lies inside it (they take part in it).
func visible(sc orgunit.Scope, unit string) bool {
	return sc.All || sc.Contains(unit) || sc.Prefix != "" && strings.HasPrefix(sc.Prefix, unit)
}

// visibleWhere is visible in SQL over campaigns c.
func visibleWhere(sc orgunit.Scope) (string, []any) {
	if sc.All {
		return "1 = 1", nil
	}
	lo, hi := sc.Range()
	cond, args := "(c.orgunit >= ? AND c.orgunit < ?", []any{lo, hi}
	for n := 1; n < len(sc.Prefix); n++ {
		cond, args = cond+" OR c.orgunit = ?", append(args, sc.Prefix[:n])
	}
	return cond + ")", args
}

const campaignCols = `c.id, c.kind, c.name, c.year, c.orgunit, c.criteria, c.eligible, c.created_by, c.created_at`

func scanCampaign(sc interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var crit string
	var at int64
	if err := sc.Scan(&c.ID, &c.Kind, &c.Name, &c.Year, &c.OrgUnit, &crit, &c.Listed, &c.CreatedBy, &at); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(crit), &c.Criteria); err != nil {
		return c, fmt.Errorf("campaign %d criteria: %w", c.ID, err)
	}
	c.CreatedAt = db.FromMillis(at)
	return c, nil
}

// Create makes a campaign and freezes its eligible list: the active persons
// of the unit's subtree who match the criteria now. The unit (and every
// town of the criteria) must lie in the caller's scope (404 otherwise).
// Audited.
func (s *Store) Create(ctx context.Context, c access.Caller, in Input) (Created, error) {
	fs := Normalize(&in, s.db.Now().Year())
	if in.OrgUnit != "" && !c.Scope.Contains(in.OrgUnit) {
		return Created{}, apperr.New(apperr.NotFound, "未找到该组织单位。", "Org unit not found.")
	}
	if in.OrgUnit != "" {
		if u, err := s.units.Get(ctx, in.OrgUnit); apperr.CodeOf(err) == apperr.NotFound {
			fs = append(fs, apperr.Field("orgunit", "unknown", "没有这个组织单位代码："+in.OrgUnit, "There is no org unit "+in.OrgUnit+"."))
		} else if err != nil {
			return Created{}, err
		} else if u.Level < 2 {
			fs = append(fs, apperr.Field("orgunit", "level", "活动应覆盖一个区、镇（街道）或村居。", "A campaign covers a district, a town or a village."))
		}
	}
	for _, t := range in.Towns {
		if in.OrgUnit == "" || !strings.HasPrefix(t, in.OrgUnit) || t == in.OrgUnit {
			fs = append(fs, apperr.Field("towns", "outside", "所选镇（街道）或村居 "+t+" 不在活动覆盖的范围内。", "The town or village "+t+" is not inside the campaign's unit."))
			break
		}
		if ok, err := s.units.Exists(ctx, t); err != nil {
			return Created{}, err
		} else if !ok {
			fs = append(fs, apperr.Field("towns", "unknown", "没有这个组织单位代码："+t, "There is no org unit "+t+"."))
			break
		}
	}
	if len(fs) > 0 {
		return Created{}, apperr.Validation(fs...)
	}
	crit, err := json.Marshal(in.Criteria)
	if err != nil {
		return Created{}, fmt.Errorf("campaign criteria: %w", err)
	}
	var out Created
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO campaigns (kind, name, year, orgunit, criteria, eligible, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, 0, ?, ?) RETURNING id`, in.Kind, in.Name, in.Year, in.OrgUnit, string(crit), c.Actor.Username, db.Millis(tx.Now)).Scan(&out.ID); err != nil {
			return fmt.Errorf("insert campaign: %w", err)
		}
		cond, args := eligibleWhere(in)
		res, err := tx.Exec(ctx, `INSERT INTO campaign_persons (campaign_id, person_id) SELECT ?, p.id FROM persons p WHERE `+cond,
			append([]any{out.ID}, args...)...)
		if err != nil {
			return fmt.Errorf("freeze the campaign's list: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("freeze the campaign's list: %w", err)
		}
		out.Eligible = int(n)
		if _, err := tx.Exec(ctx, `UPDATE campaigns SET eligible = ? WHERE id = ?`, out.Eligible, out.ID); err != nil {
			return fmt.Errorf("count the campaign's list: %w", err)
		}
		e := c.Actor.Entry(audit.ActionCreate, SubjectCampaign, strconv.FormatInt(out.ID, 10), in.OrgUnit)
		e.Detail = fmt.Sprintf(`{"kind":%q,"year":%d,"eligible":%d}`, in.Kind, in.Year, out.Eligible)
		return audit.Append(ctx, tx, e)
	})
	return out, err
}

// eligibleWhere selects the eligible persons p of a new campaign.
func eligibleWhere(in Input) (string, []any) {
	lo, hi := orgunit.ScopeOf(in.OrgUnit).Range()
	conds, args := []string{"p.status = 'active'", "p.orgunit >= ?", "p.orgunit < ?"}, []any{lo, hi}
	in2 := func(col string, vals []int) {
		if len(vals) == 0 {
			return
		}
		conds = append(conds, col+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in2("p.category", in.Categories)
	in2("p.grade", in.Grades)
	if in.AgeMin != nil || in.AgeMax != nil {
		// Age at 31 December of the year = year − birth year.
		conds = append(conds, "p.birth_year > 0")
		if in.AgeMin != nil {
			conds, args = append(conds, "p.birth_year <= ?"), append(args, in.Year-*in.AgeMin)
		}
		if in.AgeMax != nil {
			conds, args = append(conds, "p.birth_year >= ?"), append(args, in.Year-*in.AgeMax)
		}
	}
	if in.Hukou != "" {
		conds, args = append(conds, "p.hukou = ?"), append(args, in.Hukou)
	}
	if len(in.Towns) > 0 {
		var ors []string
		for _, t := range in.Towns {
			tlo, thi := orgunit.ScopeOf(t).Range()
			ors, args = append(ors, "(p.orgunit >= ? AND p.orgunit < ?)"), append(args, tlo, thi)
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	return strings.Join(conds, " AND "), args
}

// campaign reads a campaign the caller may see (404 otherwise).
func (s *Store) campaign(ctx context.Context, q interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}, c access.Caller, id int64) (Campaign, error) {
	cp, err := scanCampaign(q.QueryRow(ctx, `SELECT `+campaignCols+` FROM campaigns c WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !visible(c.Scope, cp.OrgUnit) {
		return Campaign{}, notFound()
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("read campaign: %w", err)
	}
	return cp, nil
}

// counts fills a campaign's counts in the caller's scope.
func (s *Store) counts(ctx context.Context, c access.Caller, cp *Campaign) error {
	where, args := c.Where("p.id", "p.orgunit")
	var done sql.NullInt64
	if err := s.db.QueryRow(ctx, `SELECT count(*), SUM(CASE WHEN cp.done_on <> '' THEN 1 ELSE 0 END) FROM campaign_persons cp
		JOIN persons p ON p.id = cp.person_id WHERE cp.campaign_id = ? AND `+where, append([]any{cp.ID}, args...)...).Scan(&cp.Eligible, &done); err != nil {
		return fmt.Errorf("count campaign %d: %w", cp.ID, err)
	}
	cp.Done = int(done.Int64)
	cp.Rate = rate(cp.Done, cp.Eligible)
	return nil
}

// Get reads a campaign with its counts in the caller's scope.
func (s *Store) Get(ctx context.Context, c access.Caller, id int64) (Campaign, error) {
	cp, err := s.campaign(ctx, s.db, c, id)
	if err != nil {
		return cp, err
	}
	return cp, s.counts(ctx, c, &cp)
}

// List lists the campaigns the caller sees, of one year (0: every year),
// the latest first, with their counts in the caller's scope.
func (s *Store) List(ctx context.Context, c access.Caller, year int) ([]Campaign, error) {
	where, args := visibleWhere(c.Scope)
	if year != 0 {
		where, args = where+" AND c.year = ?", append(args, year)
	}
	rows, err := s.db.Query(ctx, `SELECT `+campaignCols+` FROM campaigns c WHERE `+where+` ORDER BY c.year DESC, c.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	var out []Campaign
	for rows.Next() {
		cp, err := scanCampaign(rows)
		if err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("list campaigns: %w", err)
		}
		out = append(out, cp)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	for i := range out {
		if err := s.counts(ctx, c, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PersonsFilter is the registry filter of a campaign's list: done, not
// done, or both (nil).
func PersonsFilter(id int64, done *bool) registry.Filter {
	cond := ""
	if done != nil && *done {
		cond = " AND cp.done_on <> ''"
	} else if done != nil {
		cond = " AND cp.done_on = ''"
	}
	return registry.Filter{Where: `p.id IN (SELECT cp.person_id FROM campaign_persons cp WHERE cp.campaign_id = ?` + cond + `)`, WhereArgs: []any{id}}
}

// Persons lists the persons of a campaign's list in the caller's scope
// (narrowed to unit when given) as the registry lists persons: masked,
// each listed person audited.
func (s *Store) Persons(ctx context.Context, c access.Caller, id int64, done *bool, unit string, limit int, cursor string) ([]registry.Person, int, string, error) {
	if _, err := s.campaign(ctx, s.db, c, id); err != nil {
		return nil, 0, "", err
	}
	f := PersonsFilter(id, done)
	f.OrgUnit, f.Limit, f.Cursor = unit, limit, cursor
	return s.reg.List(ctx, c, f)
}

// DoneDates are the days the persons ids were reached in a campaign ("" not yet).
func (s *Store) DoneDates(ctx context.Context, id int64, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{id}
	for _, p := range ids {
		args = append(args, p)
	}
	rows, err := s.db.Query(ctx, `SELECT person_id, done_on FROM campaign_persons WHERE campaign_id = ? AND person_id IN (`+
		strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("read completions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p int64
		var d string
		if err := rows.Scan(&p, &d); err != nil {
			return nil, fmt.Errorf("read completions: %w", err)
		}
		out[p] = d
	}
	return out, rows.Err()
}

// Complete records that a person on a campaign's list was reached on date:
// 404 when the campaign or the person is not the caller's to see, 422 when
// the person is not on the list or the date is not a day of the campaign's
// year up to today, 409 when the person was recorded already. Audited as a
// change of the person.
func (s *Store) Complete(ctx context.Context, c access.Caller, id int64, in CompletionInput, source string) (Completion, error) {
	out := Completion{CampaignID: id, PersonID: in.PersonID, Date: strings.TrimSpace(in.Date)}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cp, err := s.campaign(ctx, tx, c, id)
		if err != nil {
			return err
		}
		where, args := c.Where("p.id", "p.orgunit")
		var unit string
		err = tx.QueryRow(ctx, `SELECT p.orgunit FROM persons p WHERE p.id = ? AND `+where, append([]any{in.PersonID}, args...)...).Scan(&unit)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "找不到这个人。", "There is no such person.")
		}
		if err != nil {
			return fmt.Errorf("read person: %w", err)
		}
		if fe := CheckDate("date", out.Date, cp.Year, Today(tx.Now)); fe != nil {
			return apperr.Validation(*fe)
		}
		var done string
		err = tx.QueryRow(ctx, `SELECT done_on FROM campaign_persons WHERE campaign_id = ? AND person_id = ?`+tx.ForUpdate(), id, in.PersonID).Scan(&done)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Validation(notOnList("person_id"))
		}
		if err != nil {
			return fmt.Errorf("read the campaign's list: %w", err)
		}
		if done != "" {
			return alreadyDone(done)
		}
		e, err := s.markTx(ctx, tx, c, cp, in.PersonID, unit, out.Date, source)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, e)
	})
	return out, err
}

func notOnList(field string) apperr.FieldError {
	return apperr.Field(field, "not_on_list", "这个人不在本次活动的名单上。", "This person is not on the campaign's list.")
}

func alreadyDone(on string) error {
	return apperr.New(apperr.Conflict, "这个人已登记完成（"+on+"）。", "This person is recorded as reached already ("+on+").")
}

// markTx marks a person done inside tx and returns the audit entry that
// records it (the caller appends it in the same transaction).
func (s *Store) markTx(ctx context.Context, tx *db.Tx, c access.Caller, cp Campaign, person int64, unit, date, source string) (audit.Entry, error) {
	res, err := tx.Exec(ctx, `UPDATE campaign_persons SET done_on = ?, done_by = ?, done_at = ?, source = ? WHERE campaign_id = ? AND person_id = ? AND done_on = ''`,
		date, c.Actor.Username, db.Millis(tx.Now), source, cp.ID, person)
	if err != nil {
		return audit.Entry{}, fmt.Errorf("record completion: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return audit.Entry{}, fmt.Errorf("record completion: %w", err)
	} else if n == 0 {
		return audit.Entry{}, alreadyDone(date)
	}
	e := c.Actor.Entry(audit.ActionUpdate, registry.SubjectPerson, strconv.FormatInt(person, 10), unit)
	e.Detail = fmt.Sprintf(`{"campaign":%d,"kind":%q,"done_on":%q,"source":%q}`, cp.ID, cp.Kind, date, source)
	return e, nil
}

// Row is the progress of one org unit: eligible persons (of the caller's
// scope), those reached and the rate.
type Row struct {
	OrgUnit  string   `json:"orgunit"`
	Name     string   `json:"name"`
	Level    int      `json:"level"`
	Eligible int      `json:"eligible"`
	Done     int      `json:"done"`
	Rate     *float64 `json:"rate"`
}

// Progress is a campaign's progress per town and per village in the
// caller's scope (figures only: not audited).
type Progress struct {
	Campaign Campaign `json:"campaign"`
	Towns    []Row    `json:"towns"`
	Villages []Row    `json:"villages"`
}

// ProgressOf counts a campaign's list by the persons' current town and
// village, within the caller's scope; names in lang.
func (s *Store) ProgressOf(ctx context.Context, c access.Caller, id int64, lang string) (Progress, error) {
	cp, err := s.Get(ctx, c, id)
	if err != nil {
		return Progress{}, err
	}
	pr := Progress{Campaign: cp, Towns: []Row{}, Villages: []Row{}}
	where, args := c.Where("p.id", "p.orgunit")
	rows, err := s.db.Query(ctx, `SELECT p.orgunit, count(*), SUM(CASE WHEN cp.done_on <> '' THEN 1 ELSE 0 END) FROM campaign_persons cp
		JOIN persons p ON p.id = cp.person_id WHERE cp.campaign_id = ? AND `+where+` GROUP BY p.orgunit ORDER BY p.orgunit`, append([]any{id}, args...)...)
	if err != nil {
		return pr, fmt.Errorf("campaign progress: %w", err)
	}
	towns := map[string]*Row{}
	var codes []string
	for rows.Next() {
		var r Row
		if err := rows.Scan(&r.OrgUnit, &r.Eligible, &r.Done); err != nil {
			_ = rows.Close()
			return pr, fmt.Errorf("campaign progress: %w", err)
		}
		r.Level = 4
		pr.Villages = append(pr.Villages, r)
		codes = append(codes, r.OrgUnit)
		if len(r.OrgUnit) >= 9 {
			t := r.OrgUnit[:9]
			if towns[t] == nil {
				towns[t] = &Row{OrgUnit: t, Level: 3}
				codes = append(codes, t)
			}
			towns[t].Eligible += r.Eligible
			towns[t].Done += r.Done
		}
	}
	if err := rows.Close(); err != nil {
		return pr, fmt.Errorf("campaign progress: %w", err)
	}
	if err := rows.Err(); err != nil {
		return pr, fmt.Errorf("campaign progress: %w", err)
	}
	names, err := s.units.Labels(ctx, codes, lang)
	if err != nil {
		return pr, err
	}
	for i := range pr.Villages {
		v := &pr.Villages[i]
		v.Name, v.Rate = names[v.OrgUnit], rate(v.Done, v.Eligible)
	}
	for _, t := range towns {
		t.Name, t.Rate = names[t.OrgUnit], rate(t.Done, t.Eligible)
		pr.Towns = append(pr.Towns, *t)
	}
	slices.SortFunc(pr.Towns, func(a, b Row) int { return strings.Compare(a.OrgUnit, b.OrgUnit) })
	return pr, nil
}
