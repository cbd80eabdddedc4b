package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// SubjectProfile is the audit subject of employment profiles (id: the person's).
const SubjectProfile = "job_profile"

// Store keeps the employment profiles.
type Store struct {
	db  *db.DB
	log *audit.Log

	// mu guards cache and cacheGen, and only while they are read or
	// replaced: never hold it across a database call (it may wait for a
	// connection that a transaction waiting for mu holds).
	mu       sync.Mutex
	cacheGen int64     // the generation of cache; -1: none
	cache    []Profile // every active person seeking work, for ranking
}

// NewStore returns a store.
func NewStore(d *db.DB, log *audit.Log) *Store { return &Store{db: d, log: log, cacheGen: -1} }

// bump moves the seekers' generation on, in the transaction that changed them.
func bump(ctx context.Context, tx *db.Tx) error {
	if _, err := tx.Exec(ctx, `UPDATE job_seekers_gen SET n = n + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("job seekers: generation: %w", err)
	}
	return nil
}

// ProfileInput is an employment profile as clients write it: education and
// hours are codes of the vocabulary (GET /api/v1/jobs/vocabulary), and only
// they must be given (`in:"optional"`: SeekerProfile answers have them all).
type ProfileInput struct {
	Seeking        bool     `json:"seeking" in:"optional"`
	Education      string   `json:"education"`
	Hours          string   `json:"hours"`
	Skills         []string `json:"skills" in:"optional" enum:"computer,data_entry,customer_service,phone_service,assembly,packaging,cleaning,cooking,sewing,massage,handicraft,gardening,accounting,design,logistics,retail,security,driving,care_work,programming,sign_language,teaching,printing,baking"`
	Accommodations []string `json:"accommodations" in:"optional" enum:"step_free,accessible_toilet,sign_language,screen_reader,flexible_hours,quiet_space,job_coach,adjustable_desk,large_print,transport"` // needed at work
	Desired        string   `json:"desired" in:"optional"`                                                                                                                                                  // the work wanted, in the person's words
	Abilities      string   `json:"abilities" in:"optional"`                                                                                                                                                // what the person can do, and what is hard
}

// SeekerProfile is an employment profile as clients read it.
type SeekerProfile struct {
	PersonID int64  `json:"person_id"`
	Name     string `json:"name,omitempty"`
	OrgUnit  string `json:"orgunit"`
	Exists   bool   `json:"exists"` // false: nobody has filled it in yet
	ProfileInput
	UpdatedBy string     `json:"updated_by,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

const maxText = 500

// validate checks a profile and turns it into matching's terms.
func validate(in ProfileInput) (Profile, []apperr.FieldError) {
	var p Profile
	var errs []apperr.FieldError
	if p.Education = index(Education, in.Education); p.Education < 0 {
		errs = append(errs, apperr.Field("education", "invalid", "请选择学历："+strings.Join(codes(Education), "、"), "Education is one of "+strings.Join(codes(Education), ", ")+"."))
	}
	if p.Hours = index(Hours, in.Hours); p.Hours < 0 {
		errs = append(errs, apperr.Field("hours", "invalid", "请选择工作时间："+strings.Join(codes(Hours), "、"), "Hours are one of "+strings.Join(codes(Hours), ", ")+"."))
	}
	var e1, e2 []apperr.FieldError
	p.Skills, e1 = bitsOf(Skills, "skills", in.Skills)
	p.Needs, e2 = bitsOf(Accommodations, "accommodations", in.Accommodations)
	errs = append(append(errs, e1...), e2...)
	for name, v := range map[string]string{"desired": in.Desired, "abilities": in.Abilities} {
		if utf8.RuneCountInString(v) > maxText {
			errs = append(errs, apperr.Field(name, "too_long", fmt.Sprintf("最多 %d 个字。", maxText), fmt.Sprintf("At most %d characters.", maxText)))
		}
	}
	return p, errs
}

type queryRower interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// person checks that the person is in the caller's scope and returns their
// org unit, name and whether they are active.
func person(ctx context.Context, q queryRower, c access.Caller, id int64) (unit, name string, active bool, err error) {
	where, args := c.Where("p.id", "p.orgunit")
	var status string
	err = q.QueryRow(ctx, `SELECT p.orgunit, p.name, p.status FROM persons p WHERE p.id = ? AND `+where, append([]any{id}, args...)...).Scan(&unit, &name, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, apperr.New(apperr.NotFound, fmt.Sprintf("找不到人员 %d，或不在您的管辖范围内。", id), fmt.Sprintf("Person %d was not found or is outside your area.", id))
	}
	if err != nil {
		return "", "", false, fmt.Errorf("read person: %w", err)
	}
	return unit, name, status == "active", nil
}

// PersonsChanged keeps the copies of the persons' org unit and status in
// step, in the transaction that changed them (registry.ChangeHook).
func (s *Store) PersonsChanged(ctx context.Context, tx *db.Tx, ids []int64) error {
	changed := false
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		res, err := tx.Exec(ctx, `UPDATE job_seekers SET
			orgunit = (SELECT p.orgunit FROM persons p WHERE p.id = job_seekers.person_id),
			active = (SELECT p.status = 'active' FROM persons p WHERE p.id = job_seekers.person_id)
			WHERE person_id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
		if err != nil {
			return fmt.Errorf("job seekers: follow persons: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			changed = true
		}
	}
	if changed {
		return bump(ctx, tx)
	}
	return nil
}

const profileCols = `s.seeking, s.education, s.hours, s.skills, s.needs, s.desired, s.abilities, s.updated_by, s.updated_at`

func scanProfile(sc interface{ Scan(...any) error }, sp *SeekerProfile, extra ...any) error {
	var edu, hours int
	var skills, needs, at int64
	if err := sc.Scan(append([]any{&sp.Seeking, &edu, &hours, &skills, &needs, &sp.Desired, &sp.Abilities, &sp.UpdatedBy, &at}, extra...)...); err != nil {
		return err
	}
	sp.Exists = true
	sp.Education, sp.Hours = Education[edu].Code, Hours[hours].Code
	sp.Skills, sp.Accommodations = codesOf(Skills, fromDB(skills)), codesOf(Accommodations, fromDB(needs))
	t := time.UnixMilli(at).UTC()
	sp.UpdatedAt = &t
	return nil
}

// Get reads a person's employment profile (an empty one, Exists false, when
// none was filled in). The read is audited.
func (s *Store) Get(ctx context.Context, c access.Caller, personID int64) (SeekerProfile, error) {
	unit, name, _, err := person(ctx, s.db, c, personID)
	if err != nil {
		return SeekerProfile{}, err
	}
	sp := SeekerProfile{PersonID: personID, Name: name, OrgUnit: unit, ProfileInput: ProfileInput{Skills: []string{}, Accommodations: []string{}}}
	err = scanProfile(s.db.QueryRow(ctx, `SELECT `+profileCols+` FROM job_seekers s WHERE s.person_id = ?`, personID), &sp)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return sp, fmt.Errorf("read employment profile: %w", err)
	}
	if err := s.log.Record(ctx, c.Actor.Entry(audit.ActionRead, SubjectProfile, strconv.FormatInt(personID, 10), unit)); err != nil {
		return sp, err
	}
	return sp, nil
}

// Put writes a person's employment profile, in one transaction with its
// audit entry.
func (s *Store) Put(ctx context.Context, c access.Caller, personID int64, in ProfileInput) (SeekerProfile, error) {
	p, errs := validate(in)
	if len(errs) > 0 {
		return SeekerProfile{}, apperr.Validation(errs...)
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		unit, _, active, err := person(ctx, tx, c, personID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO job_seekers (person_id, orgunit, active, seeking, education, hours, skills, needs, desired, abilities, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (person_id) DO UPDATE SET orgunit = excluded.orgunit, active = excluded.active, seeking = excluded.seeking, education = excluded.education, hours = excluded.hours,
			skills = excluded.skills, needs = excluded.needs, desired = excluded.desired, abilities = excluded.abilities,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			personID, unit, active, in.Seeking, p.Education, p.Hours, toDB(p.Skills), toDB(p.Needs), strings.TrimSpace(in.Desired), strings.TrimSpace(in.Abilities),
			c.Actor.Username, db.Millis(tx.Now)); err != nil {
			return fmt.Errorf("write employment profile: %w", err)
		}
		if err := bump(ctx, tx); err != nil {
			return err
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionUpdate, SubjectProfile, strconv.FormatInt(personID, 10), unit))
	})
	if err != nil {
		return SeekerProfile{}, err
	}
	return s.get(ctx, c, personID)
}

func (s *Store) get(ctx context.Context, c access.Caller, personID int64) (SeekerProfile, error) {
	unit, name, _, err := person(ctx, s.db, c, personID)
	if err != nil {
		return SeekerProfile{}, err
	}
	sp := SeekerProfile{PersonID: personID, Name: name, OrgUnit: unit}
	if err := scanProfile(s.db.QueryRow(ctx, `SELECT `+profileCols+` FROM job_seekers s WHERE s.person_id = ?`, personID), &sp); err != nil {
		return sp, fmt.Errorf("read employment profile: %w", err)
	}
	return sp, nil
}

// Seekers returns the matching profiles of the active persons seeking work
// in the caller's scope. It keeps every such profile in memory and reads them
// again only when their generation in the database has moved on, so that
// ranking does not read 30,000 rows each time (several servers may share the
// database: each sees the others' changes through the generation).
func (s *Store) Seekers(ctx context.Context, c access.Caller) ([]Profile, error) {
	all, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	lo, hi := c.Scope.Range()
	var out []Profile
	for _, p := range all {
		if c.PersonID != 0 && p.PersonID == c.PersonID || c.PersonID == 0 && p.OrgUnit >= lo && p.OrgUnit < hi {
			out = append(out, p)
		}
	}
	return out, nil
}

// current returns every seeking, active profile, from memory when current.
// The database is read with no lock held (a read may wait for a connection);
// the lock only guards publishing the result.
func (s *Store) current(ctx context.Context) ([]Profile, error) {
	var gen int64
	if err := s.db.QueryRow(ctx, `SELECT n FROM job_seekers_gen WHERE id = 1`).Scan(&gen); err != nil {
		return nil, fmt.Errorf("read job seekers' generation: %w", err)
	}
	s.mu.Lock()
	cached, cachedGen := s.cache, s.cacheGen
	s.mu.Unlock()
	if gen == cachedGen {
		return cached, nil
	}
	// Read after the generation: a change committed in between makes the
	// next call read again, never the other way round.
	rows, err := s.db.Query(ctx, `SELECT s.person_id, s.orgunit, s.education, s.hours, s.skills, s.needs
		FROM job_seekers s WHERE s.seeking AND s.active`)
	if err != nil {
		return nil, fmt.Errorf("read job seekers: %w", err)
	}
	defer rows.Close()
	var out []Profile
	for rows.Next() {
		var p Profile
		var skills, needs int64
		if err := rows.Scan(&p.PersonID, &p.OrgUnit, &p.Education, &p.Hours, &skills, &needs); err != nil {
			return nil, fmt.Errorf("read job seekers: %w", err)
		}
		p.Skills, p.Needs = fromDB(skills), fromDB(needs)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read job seekers: %w", err)
	}
	s.mu.Lock()
	if gen > s.cacheGen { // a concurrent reader may have published a newer one
		s.cache, s.cacheGen = out, gen
	}
	s.mu.Unlock()
	return out, nil
}

// Ranked is a seeker ranked for an opening, with their name.
type Ranked struct {
	Match
	Name    string `json:"name"`
	OrgUnit string `json:"orgunit"`
}

// RankSeekers ranks the job seekers in the caller's scope for an opening and
// returns the best n with names; every person listed is in the audit log.
func (s *Store) RankSeekers(ctx context.Context, c access.Caller, o Opening, n int) ([]Ranked, int, error) {
	return s.rankSeekers(ctx, c, o, n, nil)
}

// rankSeekers is RankSeekers leaving out the persons of skip (an employer's
// own staff).
func (s *Store) rankSeekers(ctx context.Context, c access.Caller, o Opening, n int, skip map[int64]bool) ([]Ranked, int, error) {
	seekers, err := s.Seekers(ctx, c)
	if err != nil {
		return nil, 0, err
	}
	if len(skip) > 0 {
		kept := make([]Profile, 0, len(seekers)) // a copy: seekers may be the shared cache
		for _, p := range seekers {
			if !skip[p.PersonID] {
				kept = append(kept, p)
			}
		}
		seekers = kept
	}
	top := Rank(o, seekers, n)
	out := make([]Ranked, len(top))
	entries := make([]audit.Entry, len(top))
	if len(top) > 0 {
		at := map[int64]int{}
		args := make([]any, len(top))
		for i, m := range top {
			out[i].Match, at[m.PersonID], args[i] = m, i, m.PersonID
		}
		rows, err := s.db.Query(ctx, `SELECT id, name, orgunit FROM persons WHERE id IN (?`+strings.Repeat(", ?", len(top)-1)+`)`, args...)
		if err != nil {
			return nil, 0, fmt.Errorf("read ranked persons: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var name, unit string
			if err := rows.Scan(&id, &name, &unit); err != nil {
				return nil, 0, fmt.Errorf("read ranked persons: %w", err)
			}
			out[at[id]].Name, out[at[id]].OrgUnit = name, unit
		}
		if err := rows.Err(); err != nil {
			return nil, 0, fmt.Errorf("read ranked persons: %w", err)
		}
	}
	for i, r := range out {
		entries[i] = c.Actor.Entry(audit.ActionList, SubjectProfile, strconv.FormatInt(r.PersonID, 10), r.OrgUnit)
	}
	if err := s.log.Record(ctx, entries...); err != nil {
		return nil, 0, err
	}
	return out, len(seekers), nil
}
