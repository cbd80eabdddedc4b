package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/employment"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/view"
	"sunshine/internal/registry"
)

// States of a recommendation: staff propose a job seeker for a vacancy; the
// employer accepts (to interview them) or declines.
const (
	ProposalProposed = "proposed"
	ProposalAccepted = "accepted"
	ProposalDeclined = "declined"
)

// ProposalStates name the states of a recommendation (Chinese, English).
var ProposalStates = map[string][2]string{
	ProposalProposed: {"待单位答复", "awaiting the employer"},
	ProposalAccepted: {"单位同意面试", "accepted for an interview"},
	ProposalDeclined: {"单位婉拒", "declined"},
}

// Proposal is a job seeker recommended for a vacancy. An employer account
// reads the name and village of the candidate (to invite them), nothing more.
type Proposal struct {
	ID           int64      `json:"id"`
	VacancyID    int64      `json:"vacancy_id"`
	VacancyTitle string     `json:"vacancy_title"`
	EmployerID   int64      `json:"employer_id"`
	EmployerName string     `json:"employer_name"`
	PersonID     int64      `json:"person_id"`
	Name         string     `json:"name"`
	OrgUnit      string     `json:"orgunit"`
	State        string     `json:"state"`
	Note         string     `json:"note,omitempty"`
	ProposedBy   string     `json:"proposed_by"`
	ProposedAt   time.Time  `json:"proposed_at"`
	DecidedBy    string     `json:"decided_by,omitempty"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
}

// DecidedOn is when the employer answered (zero while it has not).
func (p Proposal) DecidedOn() time.Time {
	if p.DecidedAt == nil {
		return time.Time{}
	}
	return *p.DecidedAt
}

// MaxNote bounds the note of a recommendation or an answer, in characters.
const MaxNote = 500

const proposalCols = `j.id, j.vacancy_id, v.title, j.employer_id, e.name, j.person_id, p.name, j.orgunit, j.state, j.note,
	j.proposed_by, j.proposed_at, j.decided_by, j.decided_at`

const proposalFrom = ` FROM job_proposals j JOIN vacancies v ON v.id = j.vacancy_id JOIN employers e ON e.id = j.employer_id
	JOIN persons p ON p.id = j.person_id`

func scanProposal(sc interface{ Scan(...any) error }) (Proposal, error) {
	var p Proposal
	var at int64
	var decided sql.NullInt64
	err := sc.Scan(&p.ID, &p.VacancyID, &p.VacancyTitle, &p.EmployerID, &p.EmployerName, &p.PersonID, &p.Name, &p.OrgUnit, &p.State, &p.Note,
		&p.ProposedBy, &at, &p.DecidedBy, &decided)
	p.ProposedAt = db.FromMillis(at)
	if decided.Valid {
		t := db.FromMillis(decided.Int64)
		p.DecidedAt = &t
	}
	return p, err
}

// checkNote bounds a note and refuses control characters.
func checkNote(note string) (string, error) {
	note = strings.TrimSpace(note)
	if len([]rune(note)) > MaxNote {
		return "", apperr.Validation(apperr.Field("note", "too_long", fmt.Sprintf("说明最多 %d 个字。", MaxNote), fmt.Sprintf("The note is at most %d characters.", MaxNote)))
	}
	for _, r := range note {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			return "", apperr.Validation(apperr.Field("note", "control", "说明里有不能显示的控制字符。", "The note contains control characters."))
		}
	}
	return note, nil
}

// Recommend proposes a job seeker of the caller's area for a vacancy of an
// employer in the caller's area (staff only): the vacancy must be open, the
// person active and not already employed there, and not proposed for it
// before (409). Audited on the person (their access log shows it) and the
// vacancy, in the same transaction.
func (s *Store) Recommend(ctx context.Context, ec employment.Caller, vacancyID, personID int64, note string) (Proposal, error) {
	if ec.Employer {
		return Proposal{}, apperr.New(apperr.Forbidden, "只有工作人员可以推荐求职人员。", "Only staff recommend job seekers.")
	}
	note, err := checkNote(note)
	if err != nil {
		return Proposal{}, err
	}
	v, err := s.GetVacancy(ctx, ec, vacancyID)
	if err != nil {
		return Proposal{}, err
	}
	if !v.Open {
		return Proposal{}, apperr.New(apperr.Conflict, "这个岗位已经关闭，不能再推荐。", "This vacancy is closed: no more recommendations.")
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		unit, _, active, err := person(ctx, tx, ec.Registry, personID)
		if err != nil {
			return err
		}
		if !active {
			return apperr.New(apperr.Conflict, "此人的档案不在册，不能推荐。", "This person is not on the active register: they cannot be recommended.")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM employer_employees WHERE employer_id = ? AND person_id = ? AND until_date = ''`,
			v.EmployerID, personID).Scan(&n); err != nil {
			return fmt.Errorf("check employee: %w", err)
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "此人已经是该单位的在职职工。", "This person works for this employer already.")
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM job_proposals WHERE vacancy_id = ? AND person_id = ?`, vacancyID, personID).Scan(&n); err != nil {
			return fmt.Errorf("check recommendation: %w", err)
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "已经向这个岗位推荐过此人。", "This person has been recommended for this vacancy already.")
		}
		err = tx.QueryRow(ctx, `INSERT INTO job_proposals (vacancy_id, employer_id, person_id, orgunit, state, note, proposed_by, proposed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, vacancyID, v.EmployerID, personID, unit, ProposalProposed, note, ec.Actor.Username, db.Millis(tx.Now)).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert recommendation: %w", err)
		}
		pe := ec.Actor.Entry(audit.ActionUpdate, registry.SubjectPerson, strconv.FormatInt(personID, 10), unit)
		pe.Detail = fmt.Sprintf(`{"job_proposal":%d,"vacancy":%d,"employer":%d}`, id, vacancyID, v.EmployerID)
		ve := ec.Actor.Entry(audit.ActionUpdate, SubjectVacancy, strconv.FormatInt(vacancyID, 10), v.OrgUnit)
		ve.Detail = fmt.Sprintf(`{"job_proposal":%d,"person":%d}`, id, personID)
		return audit.Append(ctx, tx, pe, ve)
	})
	if err != nil {
		return Proposal{}, err
	}
	return s.proposal(ctx, s.db, id)
}

func (s *Store) proposal(ctx context.Context, q queryRower, id int64) (Proposal, error) {
	p, err := scanProposal(q.QueryRow(ctx, `SELECT `+proposalCols+proposalFrom+` WHERE j.id = ?`, id))
	if err != nil {
		return Proposal{}, fmt.Errorf("read recommendation %d: %w", id, err)
	}
	return p, nil
}

// Decide records the employer's answer to a recommendation (accept: it will
// interview the candidate; decline): an employer account for its own, staff
// for the employers of their area (on the employer's behalf). Only a
// proposal awaiting an answer can be decided (409). Audited.
func (s *Store) Decide(ctx context.Context, ec employment.Caller, id int64, accept bool, note string) (Proposal, error) {
	note, err := checkNote(note)
	if err != nil {
		return Proposal{}, err
	}
	notFound := apperr.New(apperr.NotFound, "找不到这条推荐。", "There is no such recommendation.")
	state := ProposalDeclined
	if accept {
		state = ProposalAccepted
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var employer int64
		var cur, unit string
		err := tx.QueryRow(ctx, `SELECT employer_id, state, orgunit FROM job_proposals WHERE id = ?`+tx.ForUpdate(), id).Scan(&employer, &cur, &unit)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound
		}
		if err != nil {
			return fmt.Errorf("read recommendation: %w", err)
		}
		if _, err := employerOf(ctx, tx, ec, employer); err != nil {
			return notFound
		}
		if cur != ProposalProposed {
			return apperr.New(apperr.Conflict, "这条推荐已经答复过了。", "This recommendation has been answered already.")
		}
		if _, err := tx.Exec(ctx, `UPDATE job_proposals SET state = ?, note = CASE WHEN ? = '' THEN note ELSE ? END, decided_by = ?, decided_at = ? WHERE id = ?`,
			state, note, note, ec.Actor.Username, db.Millis(tx.Now), id); err != nil {
			return fmt.Errorf("answer recommendation: %w", err)
		}
		e := ec.Actor.Entry(audit.ActionUpdate, SubjectEmployerProposal, strconv.FormatInt(id, 10), unit)
		e.Detail = fmt.Sprintf(`{"state":%q,"employer":%d}`, state, employer)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Proposal{}, err
	}
	return s.proposal(ctx, s.db, id)
}

// SubjectEmployerProposal is the audit subject of a recommendation.
const SubjectEmployerProposal = "job_proposal"

// ProposalFilter selects recommendations: of one vacancy, or of one
// employer (0: any of the caller's).
type ProposalFilter struct {
	VacancyID  int64
	EmployerID int64
	Limit      int
}

// Proposals lists the recommendations the caller may see, newest first: an
// employer account its own; staff those of the employers of their area, for
// persons of their area. Each candidate listed is in the audit log.
func (s *Store) Proposals(ctx context.Context, ec employment.Caller, f ProposalFilter) ([]Proposal, error) {
	where, args := ec.Where()
	conds := []string{where}
	if !ec.Employer {
		pw, pargs := ec.Registry.Where("p.id", "p.orgunit")
		conds, args = append(conds, pw), append(args, pargs...)
	}
	if f.VacancyID > 0 {
		conds, args = append(conds, "j.vacancy_id = ?"), append(args, f.VacancyID)
	}
	if f.EmployerID > 0 {
		conds, args = append(conds, "j.employer_id = ?"), append(args, f.EmployerID)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 200
	}
	rows, err := s.db.Query(ctx, `SELECT `+proposalCols+proposalFrom+` WHERE `+strings.Join(conds, " AND ")+
		fmt.Sprintf(` ORDER BY j.id DESC LIMIT %d`, f.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list recommendations: %w", err)
	}
	defer rows.Close()
	out := []Proposal{}
	for rows.Next() {
		p, err := scanProposal(rows)
		if err != nil {
			return nil, fmt.Errorf("list recommendations: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list recommendations: %w", err)
	}
	entries := make([]audit.Entry, len(out))
	for i, p := range out {
		entries[i] = ec.Actor.Entry(audit.ActionList, registry.SubjectPerson, strconv.FormatInt(p.PersonID, 10), p.OrgUnit)
		entries[i].Detail = fmt.Sprintf(`{"job_proposal":%d}`, p.ID)
	}
	return out, s.log.Record(ctx, entries...)
}

// currentEmployees are the persons who work for an employer now.
func (s *Store) currentEmployees(ctx context.Context, employerID int64) (map[int64]bool, error) {
	rows, err := s.db.Query(ctx, `SELECT person_id FROM employer_employees WHERE employer_id = ? AND until_date = ''`, employerID)
	if err != nil {
		return nil, fmt.Errorf("read employees: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read employees: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// PersonProposals is the person page's (and /me's) table of the vacancies
// the person was recommended for and the employers' answers (a
// registry.Section); nothing when there are none. Read as the caller may see
// the person (the page read the person in scope already).
func (s *Store) PersonProposals(ctx context.Context, c access.Caller, personID int64, lang string) ([]view.Table, error) {
	where, args := c.Where("p.id", "p.orgunit")
	rows, err := s.db.Query(ctx, `SELECT `+proposalCols+proposalFrom+` WHERE j.person_id = ? AND `+where+` ORDER BY j.id DESC LIMIT 20`,
		append([]any{personID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("recommendations of %d: %w", personID, err)
	}
	defer rows.Close()
	t := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	tb := view.Table{ID: "person-proposals", Caption: t("推荐的岗位及单位答复", "Jobs recommended and the employers' answers"),
		Head: []string{t("岗位", "Job"), t("用人单位", "Employer"), t("推荐日期", "Recommended on"), t("状态", "Status")}}
	for rows.Next() {
		p, err := scanProposal(rows)
		if err != nil {
			return nil, fmt.Errorf("recommendations of %d: %w", personID, err)
		}
		tb.Rows = append(tb.Rows, []view.Cell{{Text: p.VacancyTitle}, {Text: p.EmployerName}, {Text: p.ProposedAt.In(shanghai).Format(time.DateOnly)},
			{Text: stateName(p.State, lang)}})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recommendations of %d: %w", personID, err)
	}
	if len(tb.Rows) == 0 {
		return nil, nil
	}
	return []view.Table{tb}, nil
}
